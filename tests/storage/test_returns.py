"""ReturnService on the demo store: eligibility rules, RMAs, refund status."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from storage.db import create_engine_for, session_factory
from storage.orders import long_date
from storage.returns import (
    LineVerdict,
    RefundStage,
    ReturnRules,
    ReturnService,
    ReturnStatusCode,
)
from storage.schema import Order, RefundStatus, ReturnRequest, ReturnStatus
from tests.helpers.demo_shop import ALEX_EMAIL, SAM_EMAIL, customer_id, reopen, seed_small_store

RULES = ReturnRules()
T_SHIRT = "Loomcraft Everyday Cotton T-Shirt"
JACKET = "Kestrel Storm Rain Jacket"


def verdicts(eligibility) -> dict[str, tuple[LineVerdict, Decimal]]:
    return {line.title: (line.verdict, line.refund_amount) for line in eligibility.lines}


def line_id(session: Session, order_number: str, title: str) -> int:
    eligibility = ReturnService(session).return_eligibility(
        order_number, customer_id(session, ALEX_EMAIL), RULES, date(2025, 3, 14)
    )
    return next(line.line_id for line in eligibility.lines if line.title == title)


def returns_of(session: Session, order_number: str) -> list[ReturnRequest]:
    return list(
        session.execute(
            select(ReturnRequest)
            .options(selectinload(ReturnRequest.lines))
            .join(Order)
            .where(Order.number == order_number)
            .order_by(ReturnRequest.id)
        ).scalars()
    )


# --- eligibility ---------------------------------------------------------------------------------


def test_regular_items_of_a_recent_order_can_go_back_but_not_final_sale(
    demo_session: Session, today: date
) -> None:
    eligibility = ReturnService(demo_session).return_eligibility(
        "10003", customer_id(demo_session, ALEX_EMAIL), RULES, today
    )
    assert verdicts(eligibility) == {
        T_SHIRT: (LineVerdict.ELIGIBLE, Decimal("39.98")),
        JACKET: (LineVerdict.FINAL_SALE, Decimal("0.00")),
    }
    assert eligibility.refund_amount == Decimal("39.98")
    assert eligibility.delivered_on == today - timedelta(days=5)
    assert eligibility.window_ends_on == today + timedelta(days=25)
    jacket = eligibility.lines[1]
    assert jacket.reason == "it is a final-sale item, and final-sale items cannot be returned"


def test_a_shop_may_take_final_sale_items_back(demo_session: Session, today: date) -> None:
    rules = ReturnRules(final_sale_returnable=True)
    eligibility = ReturnService(demo_session).return_eligibility(
        "10003", customer_id(demo_session, ALEX_EMAIL), rules, today
    )
    assert eligibility.refund_amount == Decimal("99.97")


def test_an_order_delivered_60_days_ago_is_outside_the_window(
    demo_session: Session, today: date
) -> None:
    eligibility = ReturnService(demo_session).return_eligibility(
        "10004", customer_id(demo_session, ALEX_EMAIL), RULES, today
    )
    (mugs,) = eligibility.lines
    assert mugs.verdict is LineVerdict.OUTSIDE_WINDOW
    assert mugs.reason == (
        f"it was delivered on {long_date(today - timedelta(days=60))}, and the 30-day return "
        f"window ended on {long_date(today - timedelta(days=30))}"
    )
    assert eligibility.refund_amount == Decimal("0.00")


@pytest.mark.parametrize(
    ("window_days", "verdict"),
    [(5, LineVerdict.ELIGIBLE), (4, LineVerdict.OUTSIDE_WINDOW), (90, LineVerdict.ELIGIBLE)],
)
def test_the_window_comes_from_the_rules_and_includes_its_last_day(
    demo_session: Session, today: date, window_days: int, verdict: LineVerdict
) -> None:
    eligibility = ReturnService(demo_session).return_eligibility(
        "10003", customer_id(demo_session, ALEX_EMAIL), ReturnRules(window_days=window_days), today
    )
    assert verdicts(eligibility)[T_SHIRT][0] is verdict


@pytest.mark.parametrize(
    ("number", "verdict", "reason"),
    [
        ("10001", LineVerdict.NOT_DELIVERED, "the order has not shipped yet"),
        (
            "10002",
            LineVerdict.NOT_DELIVERED,
            "the order has not been delivered yet (it shipped on March 12, 2025 with UPS)",
        ),
        ("10005", LineVerdict.ALREADY_RETURNED, "it is already part of return RMA-10005-1"),
    ],
)
def test_undelivered_and_returned_orders_cannot_go_back(
    demo_session: Session, today: date, number: str, verdict: LineVerdict, reason: str
) -> None:
    eligibility = ReturnService(demo_session).return_eligibility(
        number, customer_id(demo_session, ALEX_EMAIL), RULES, today
    )
    assert {(line.verdict, line.reason) for line in eligibility.lines} == {(verdict, reason)}
    assert eligibility.eligible_lines == ()


def test_nobody_sees_returns_of_another_customers_order(demo_session: Session, today: date) -> None:
    returns = ReturnService(demo_session)
    sam = customer_id(demo_session, SAM_EMAIL)
    assert returns.return_eligibility("10003", sam, RULES, today) is None
    assert returns.refund_status("10005", sam) is None
    assert returns.create_return("10003", sam, RULES, today).status is ReturnStatusCode.NOT_FOUND


# --- creating returns ----------------------------------------------------------------------------


def test_returning_10003_returns_the_t_shirts_and_keeps_the_final_sale_jacket(
    shop: Session, shop_engine: Engine, today: date
) -> None:
    alex = customer_id(shop, ALEX_EMAIL)
    outcome = ReturnService(shop).create_return("#10003", alex, RULES, today, reason="Too big")
    assert outcome.status is ReturnStatusCode.CREATED
    assert outcome.rma_number == "RMA-10003-0001"
    assert outcome.refund_amount == Decimal("39.98")
    assert [(line.title, line.returnable_quantity) for line in outcome.lines] == [(T_SHIRT, 2)]

    with reopen(shop_engine) as check:
        (stored,) = returns_of(check, "10003")
        assert (stored.rma_number, stored.status, stored.reason) == (
            "RMA-10003-0001",
            ReturnStatus.REQUESTED,
            "Too big",
        )
        assert stored.refund_amount == Decimal("39.98")
        assert [(line.order_line.product_title, line.quantity) for line in stored.lines] == [
            (T_SHIRT, 2)
        ]


def test_asking_twice_does_not_open_a_second_return(
    shop: Session, shop_engine: Engine, today: date
) -> None:
    alex = customer_id(shop, ALEX_EMAIL)
    returns = ReturnService(shop)
    returns.create_return("10003", alex, RULES, today)
    again = returns.create_return("10003", alex, RULES, today)
    assert again.status is ReturnStatusCode.ALREADY_REQUESTED
    assert again.rma_number == "RMA-10003-0001"
    by_id = returns.create_return(
        "10003", alex, RULES, today, line_ids=[line_id(shop, "10003", T_SHIRT)]
    )
    assert by_id.status is ReturnStatusCode.ALREADY_REQUESTED
    with reopen(shop_engine) as check:
        assert len(returns_of(check, "10003")) == 1
    assert verdicts(returns.return_eligibility("10003", alex, RULES, today))[T_SHIRT] == (
        LineVerdict.ALREADY_RETURNED,
        Decimal("0.00"),
    )


def test_naming_an_ineligible_line_creates_nothing(
    shop: Session, shop_engine: Engine, today: date
) -> None:
    alex = customer_id(shop, ALEX_EMAIL)
    returns = ReturnService(shop)
    jacket, t_shirt = line_id(shop, "10003", JACKET), line_id(shop, "10003", T_SHIRT)
    for line_ids in ([jacket], [t_shirt, jacket]):
        outcome = returns.create_return("10003", alex, RULES, today, line_ids=line_ids)
        assert outcome.status is ReturnStatusCode.NOT_ELIGIBLE
        assert [(line.title, line.verdict) for line in outcome.refused] == [
            (JACKET, LineVerdict.FINAL_SALE)
        ]
    not_on_order = returns.create_return("10003", alex, RULES, today, line_ids=[999_999])
    assert [line.verdict for line in not_on_order.refused] == [LineVerdict.NOT_ON_ORDER]
    with reopen(shop_engine) as check:
        assert returns_of(check, "10003") == []


def test_no_return_outside_the_window(shop: Session, shop_engine: Engine, today: date) -> None:
    alex = customer_id(shop, ALEX_EMAIL)
    outcome = ReturnService(shop).create_return("10004", alex, RULES, today)
    assert outcome.status is ReturnStatusCode.NOT_ELIGIBLE
    assert "window ended on" in outcome.refused[0].reason
    with reopen(shop_engine) as check:
        assert returns_of(check, "10004") == []


def test_a_rejected_return_frees_its_lines_and_rma_numbers_keep_counting(
    shop: Session, shop_engine: Engine, today: date
) -> None:
    alex = customer_id(shop, ALEX_EMAIL)
    returns = ReturnService(shop)
    returns.create_return("10003", alex, RULES, today)
    shop.execute(update(ReturnRequest).values(status=ReturnStatus.REJECTED))
    shop.commit()
    second = returns.create_return("10003", alex, RULES, today)
    assert (second.status, second.rma_number) == (ReturnStatusCode.CREATED, "RMA-10003-0002")
    with reopen(shop_engine) as check:
        assert [r.rma_number for r in returns_of(check, "10003")] == [
            "RMA-10003-0001",
            "RMA-10003-0002",
        ]


# --- refund status -------------------------------------------------------------------------------


def test_refund_of_10005_was_issued_to_the_card(demo_session: Session, today: date) -> None:
    view = ReturnService(demo_session).refund_status("10005", customer_id(demo_session, ALEX_EMAIL))
    assert view.stage is RefundStage.REFUND_ISSUED
    assert (view.amount, view.currency, view.method) == (
        Decimal("129.00"),
        "USD",
        "Visa ending 4242",
    )
    assert view.refund_status is RefundStatus.ISSUED
    assert view.issued_at.date() == today - timedelta(days=2)
    assert (view.rma_number, view.return_status) == ("RMA-10005-1", ReturnStatus.REFUNDED)


def test_an_order_without_a_return_has_no_refund(demo_session: Session) -> None:
    view = ReturnService(demo_session).refund_status("10004", customer_id(demo_session, ALEX_EMAIL))
    assert (view.stage, view.amount, view.rma_number) == (RefundStage.NO_RETURN, None, None)


def test_an_open_return_reports_the_refund_to_come(shop: Session, today: date) -> None:
    alex = customer_id(shop, ALEX_EMAIL)
    returns = ReturnService(shop)
    returns.create_return("10003", alex, RULES, today)
    view = returns.refund_status("10003", alex)
    assert view.stage is RefundStage.RETURN_OPEN
    assert (view.rma_number, view.return_status) == ("RMA-10003-0001", ReturnStatus.REQUESTED)
    assert (view.amount, view.method, view.issued_at) == (
        Decimal("39.98"),
        "Visa ending 4242",
        None,
    )


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_concurrent_return_requests_open_one_rma_on_postgres(
    postgres_url: str, today: date, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Widen the gap between reading the order and writing the return, so that both
    # requests would pass the "already returned?" check if the order row were not locked.
    check_eligibility = ReturnService._eligibility

    def slow_eligibility(self, *args):
        result = check_eligibility(self, *args)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(ReturnService, "_eligibility", slow_eligibility)
    seed_small_store(postgres_url)
    engine = create_engine_for(postgres_url)
    sessions = session_factory(engine)
    try:
        with sessions() as session:
            alex = customer_id(session, ALEX_EMAIL)
        start = threading.Barrier(2)
        outcomes = []

        def request_return() -> None:
            with sessions() as session:
                start.wait()
                outcomes.append(ReturnService(session).create_return("10003", alex, RULES, today))

        threads = [threading.Thread(target=request_return) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert sorted(o.status for o in outcomes) == [
            ReturnStatusCode.ALREADY_REQUESTED,
            ReturnStatusCode.CREATED,
        ]
        assert {o.rma_number for o in outcomes} == {"RMA-10003-0001"}
        with sessions() as check:
            assert [r.rma_number for r in returns_of(check, "10003")] == ["RMA-10003-0001"]
            view = ReturnService(check).refund_status("10005", alex)
            assert (view.stage, view.amount) == (RefundStage.REFUND_ISSUED, Decimal("129.00"))
    finally:
        engine.dispose()
