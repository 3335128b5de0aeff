"""OrderService on the demo store: verification, order views, cancellation, address changes."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import storage.orders
from storage.db import create_engine_for, session_factory
from storage.orders import (
    Address,
    AddressChangeStatus,
    CancelStatus,
    OrderService,
    customer_order,
    normalize_order_number,
    validate_address,
)
from storage.schema import Order, OrderCancellation, OrderStatus
from tests.helpers.demo_shop import ALEX_EMAIL, SAM_EMAIL, customer_id, reopen, seed_small_store

NEW_ADDRESS = Address(
    name="Alex Morgan",
    line1="1 Market Street",
    line2="Suite 300",
    city="San Francisco",
    region="california",
    postal_code="94105-1420",
    country="us",
)


def stored_order(session: Session, number: str) -> Order:
    return session.execute(select(Order).where(Order.number == number)).scalar_one()


# --- verification --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "details"),
    [
        ("10001", {"email": "alex@example.com"}),
        ("#10001", {"email": "  Alex@Example.COM "}),
        (" 10003 ", {"zip_code": "94107"}),
        ("# 10005", {"zip_code": "94107-2201"}),
        ("10002", {"email": "alex@example.com", "zip_code": "94107"}),
    ],
)
def test_alex_proves_who_he_is_with_an_order_number_and_email_or_zip(
    demo_session: Session, number: str, details: dict[str, str]
) -> None:
    alex = customer_id(demo_session, ALEX_EMAIL)
    assert OrderService(demo_session).verify_customer(number, **details) == alex


@pytest.mark.parametrize(
    ("number", "details"),
    [
        ("10001", {"email": "sam@example.com"}),  # wrong email
        ("19999", {"email": "alex@example.com"}),  # no such order
        ("10006", {"email": "alex@example.com"}),  # Sam's order, Alex's email
        ("10001", {"zip_code": "10001"}),  # wrong ZIP
        ("10001", {"email": "alex@example.com", "zip_code": "10001"}),  # one detail wrong
        ("10001", {}),  # nothing to check
        ("10001", {"email": "  "}),
        ("not-a-number", {"email": "alex@example.com"}),
    ],
)
def test_wrong_details_and_unknown_orders_look_the_same(
    demo_session: Session, number: str, details: dict[str, str]
) -> None:
    assert OrderService(demo_session).verify_customer(number, **details) is None


def test_order_numbers_are_normalised() -> None:
    assert {normalize_order_number(n) for n in ("#10002", " 10002 ", "# 10002", 10002)} == {"10002"}


# --- viewing -------------------------------------------------------------------------------------


def test_alex_sees_his_shipped_order_with_tracking(demo_session: Session, today: date) -> None:
    orders = OrderService(demo_session)
    view = orders.order_view("#10002", customer_id(demo_session, ALEX_EMAIL))
    assert view is not None
    assert view.status is OrderStatus.SHIPPED
    assert [(item.title, item.quantity, item.unit_price) for item in view.items] == [
        ("Sonique Pulse Wireless Headphones", 1, Decimal("79.99")),
        ("Voltra USB-C Charging Cable", 2, Decimal("12.99")),
    ]
    assert view.total == Decimal("105.97") and view.currency == "USD"
    assert (view.carrier, view.tracking_number) == ("UPS", "1Z999AA10123456784")
    assert view.shipped_at.date() == today - timedelta(days=2)
    assert view.estimated_delivery == today + timedelta(days=3)
    assert view.delivered_at is None
    assert view.placed_at.date() == today - timedelta(days=4)
    assert view.payment_method == "Visa ending 4242"
    assert (
        view.shipping_address.one_line()
        == "Alex Morgan, 500 Howard Street, Apt 4B, San Francisco, CA 94107, US"
    )


def test_order_view_shows_final_sale_and_delivery(demo_session: Session, today: date) -> None:
    view = OrderService(demo_session).order_view("10003", customer_id(demo_session, ALEX_EMAIL))
    assert view is not None
    assert view.delivered_at.date() == today - timedelta(days=5)
    assert [(item.title, item.final_sale) for item in view.items] == [
        ("Loomcraft Everyday Cotton T-Shirt", False),
        ("Kestrel Storm Rain Jacket", True),
    ]


def test_an_unshipped_order_has_no_shipment_details(demo_session: Session) -> None:
    view = OrderService(demo_session).order_view("10001", customer_id(demo_session, ALEX_EMAIL))
    assert view is not None and view.status is OrderStatus.PROCESSING
    assert (view.carrier, view.tracking_number, view.shipped_at) == (None, None, None)


def test_nobody_sees_another_customers_order(demo_session: Session) -> None:
    orders = OrderService(demo_session)
    alex = customer_id(demo_session, ALEX_EMAIL)
    sam = customer_id(demo_session, SAM_EMAIL)
    assert orders.order_view("10006", alex) is None
    assert orders.order_view("10002", sam) is None
    assert orders.order_view("10006", sam).carrier == "FedEx"


def test_orders_of_lists_a_customers_own_orders_newest_first(demo_session: Session) -> None:
    orders = OrderService(demo_session)
    alex = orders.orders_of(customer_id(demo_session, ALEX_EMAIL))
    assert [o.number for o in alex] == ["10001", "10002", "10003", "10005", "10004"]
    assert [(o.total, o.item_count) for o in alex[:2]] == [
        (Decimal("89.99"), 1),
        (Decimal("105.97"), 3),
    ]
    assert [o.number for o in orders.orders_of(customer_id(demo_session, SAM_EMAIL))] == ["10006"]


# --- cancelling ----------------------------------------------------------------------------------


def test_cancelling_an_unshipped_order_once(shop: Session, shop_engine: Engine) -> None:
    alex = customer_id(shop, ALEX_EMAIL)
    orders = OrderService(shop)
    when = datetime(2025, 3, 14, 9, 30)

    first = orders.cancel_order("#10001", alex, now=when)
    assert first.status is CancelStatus.CANCELLED
    assert first.cancelled_at == when

    with reopen(shop_engine) as check:
        assert stored_order(check, "10001").status is OrderStatus.CANCELLED
        assert check.execute(select(OrderCancellation.cancelled_at)).scalars().all() == [when]

    again = orders.cancel_order("10001", alex, now=when + timedelta(minutes=5))
    assert again.status is CancelStatus.ALREADY_CANCELLED
    assert again.cancelled_at == when
    with reopen(shop_engine) as check:
        assert check.execute(select(func.count()).select_from(OrderCancellation)).scalar_one() == 1


def test_a_shipped_order_cannot_be_cancelled(shop: Session, shop_engine: Engine) -> None:
    outcome = OrderService(shop).cancel_order("10002", customer_id(shop, ALEX_EMAIL))
    assert outcome.status is CancelStatus.NOT_CANCELLABLE
    assert outcome.reason == "it shipped on March 12, 2025 with UPS"
    with reopen(shop_engine) as check:
        assert stored_order(check, "10002").status is OrderStatus.SHIPPED


def test_a_delivered_order_cannot_be_cancelled(shop: Session) -> None:
    outcome = OrderService(shop).cancel_order("10003", customer_id(shop, ALEX_EMAIL))
    assert outcome.status is CancelStatus.NOT_CANCELLABLE
    assert "delivered on March 9, 2025" in outcome.reason


def test_nobody_cancels_another_customers_order(shop: Session, shop_engine: Engine) -> None:
    outcome = OrderService(shop).cancel_order("10001", customer_id(shop, SAM_EMAIL))
    assert outcome.status is CancelStatus.NOT_FOUND
    with reopen(shop_engine) as check:
        assert stored_order(check, "10001").status is OrderStatus.PROCESSING


def test_checking_a_cancellation_changes_nothing(shop: Session, shop_engine: Engine) -> None:
    alex = customer_id(shop, ALEX_EMAIL)
    orders = OrderService(shop)
    check = orders.check_cancellation("#10001", alex)
    assert (check.status, check.order_number) == (CancelStatus.CANCELLABLE, "10001")
    with reopen(shop_engine) as other:
        assert stored_order(other, "10001").status is OrderStatus.PROCESSING
        assert other.execute(select(func.count()).select_from(OrderCancellation)).scalar_one() == 0
    assert orders.check_cancellation("10001", customer_id(shop, SAM_EMAIL)).status is (
        CancelStatus.NOT_FOUND
    )


@pytest.mark.parametrize("number", ["10002", "10003", "10005"])
def test_a_cancellation_check_refuses_as_the_cancellation_would(shop: Session, number: str) -> None:
    alex = customer_id(shop, ALEX_EMAIL)
    check = OrderService(shop).check_cancellation(number, alex)
    assert check == OrderService(shop).cancel_order(number, alex)
    assert check.status is CancelStatus.NOT_CANCELLABLE and check.reason


def test_a_returned_order_says_it_was_returned(shop: Session) -> None:
    outcome = OrderService(shop).cancel_order("10005", customer_id(shop, ALEX_EMAIL))
    assert (outcome.order_status, outcome.reason) == (
        OrderStatus.RETURNED,
        "the order was returned",
    )


def test_checking_an_address_change(shop: Session) -> None:
    alex = customer_id(shop, ALEX_EMAIL)
    orders = OrderService(shop)
    open_order = orders.check_address_change("10001", alex)
    assert open_order.status is AddressChangeStatus.CHANGEABLE
    assert open_order.address == orders.order_view("10001", alex).shipping_address
    shipped = orders.check_address_change("10002", alex)
    assert shipped == orders.change_shipping_address("10002", alex, NEW_ADDRESS)
    assert shipped.status is AddressChangeStatus.NOT_CHANGEABLE
    assert shipped.order_status is OrderStatus.SHIPPED and "UPS" in shipped.reason


# --- address changes -----------------------------------------------------------------------------


def test_changing_the_address_of_an_unshipped_order(shop: Session, shop_engine: Engine) -> None:
    outcome = OrderService(shop).change_shipping_address(
        "10001", customer_id(shop, ALEX_EMAIL), NEW_ADDRESS
    )
    assert outcome.status is AddressChangeStatus.CHANGED, outcome.errors
    assert (
        outcome.address.one_line()
        == "Alex Morgan, 1 Market Street, Suite 300, San Francisco, CA 94105-1420, US"
    )
    with reopen(shop_engine) as check:
        order = stored_order(check, "10001")
        assert order.shipping_address == outcome.address.one_line()
        assert order.status is OrderStatus.PROCESSING


@pytest.mark.parametrize(
    ("changes", "field", "hint"),
    [
        ({"name": "  "}, "name", "name"),
        ({"line1": ""}, "line1", "street"),
        ({"city": ""}, "city", "city"),
        ({"postal_code": "9410"}, "postal_code", "94107-1234"),
        ({"postal_code": "94107-12"}, "postal_code", "ZIP"),
        ({"region": "ZZ"}, "region", "state"),
        ({"region": None}, "region", "state"),
        ({"country": "USA"}, "country", "2-letter"),
        ({"country": "XX"}, "country", "2-letter"),
        ({"country": "GB", "region": None, "postal_code": "!"}, "postal_code", "postal code"),
        ({"line1": "x" * 256}, "line1", "at most 255"),
    ],
)
def test_address_errors_are_reported_per_field(
    shop: Session, shop_engine: Engine, changes: dict, field: str, hint: str
) -> None:
    address = Address(**{**NEW_ADDRESS.__dict__, **changes})
    outcome = OrderService(shop).change_shipping_address(
        "10001", customer_id(shop, ALEX_EMAIL), address
    )
    assert outcome.status is AddressChangeStatus.INVALID
    assert list(outcome.errors) == [field]
    assert hint in outcome.errors[field]
    with reopen(shop_engine) as check:
        assert stored_order(check, "10001").shipping_line1 == "500 Howard Street"


def test_foreign_addresses_need_no_state() -> None:
    london = Address("Alex Morgan", "10 Downing Street", "London", None, "sw1a 2aa", "gb")
    clean, errors = validate_address(london)
    assert errors == {}
    assert (clean.country, clean.postal_code) == ("GB", "SW1A 2AA")


def test_several_mistakes_are_reported_together() -> None:
    _, errors = validate_address(Address("", "", "", "", "", ""))
    assert set(errors) == {"name", "line1", "city", "country"}


def test_a_shipped_order_keeps_its_address(shop: Session, shop_engine: Engine) -> None:
    outcome = OrderService(shop).change_shipping_address(
        "10002", customer_id(shop, ALEX_EMAIL), NEW_ADDRESS
    )
    assert outcome.status is AddressChangeStatus.NOT_CHANGEABLE
    assert "UPS" in outcome.reason
    with reopen(shop_engine) as check:
        assert stored_order(check, "10002").shipping_line1 == "500 Howard Street"


def test_a_cancelled_order_keeps_its_address(shop: Session) -> None:
    alex = customer_id(shop, ALEX_EMAIL)
    orders = OrderService(shop)
    orders.cancel_order("10001", alex)
    outcome = orders.change_shipping_address("10001", alex, NEW_ADDRESS)
    assert outcome.status is AddressChangeStatus.NOT_CHANGEABLE
    assert outcome.reason == "the order was cancelled"


def test_nobody_changes_another_customers_address(shop: Session) -> None:
    outcome = OrderService(shop).change_shipping_address(
        "10001", customer_id(shop, SAM_EMAIL), NEW_ADDRESS
    )
    assert outcome.status is AddressChangeStatus.NOT_FOUND


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_two_concurrent_cancellations_cancel_once_on_postgres(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Widen the gap between reading the order and updating it, so that both requests
    # see "processing" and only the conditional UPDATE can keep them from both cancelling.
    def slow_customer_order(*args, **kwargs):
        order = customer_order(*args, **kwargs)
        time.sleep(0.5)
        return order

    monkeypatch.setattr(storage.orders, "customer_order", slow_customer_order)
    seed_small_store(postgres_url)
    engine = create_engine_for(postgres_url)
    sessions = session_factory(engine)
    try:
        with sessions() as session:
            alex = OrderService(session).verify_customer("10001", email=ALEX_EMAIL)
        start = threading.Barrier(2)
        outcomes = []

        def cancel() -> None:
            with sessions() as session:
                start.wait()
                outcomes.append(OrderService(session).cancel_order("10001", alex).status)

        threads = [threading.Thread(target=cancel) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert sorted(outcomes) == [CancelStatus.ALREADY_CANCELLED, CancelStatus.CANCELLED]
        with sessions() as check:
            assert stored_order(check, "10001").status is OrderStatus.CANCELLED
            cancellations = select(func.count()).select_from(OrderCancellation)
            assert check.execute(cancellations).scalar_one() == 1
            assert OrderService(check).cancel_order("10002", alex).reason == (
                "it shipped on March 12, 2025 with UPS"
            )
    finally:
        engine.dispose()
