"""Returns and refunds as the support flows see them: what can go back, RMAs, refund status.

:class:`ReturnService` wraps a session and hands out plain frozen dataclasses only. The
shop's return policy comes in as :class:`ReturnRules` and the current day as ``today``
on every call (this package reads no settings). Every lookup is scoped to the customer
who owns the order; :meth:`ReturnService.create_return` commits.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from storage.orders import committing, customer_order, long_date, normalize_order_number, utcnow
from storage.schema import (
    Order,
    OrderLine,
    OrderStatus,
    Refund,
    RefundStatus,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
)

#: Returns in these states hold their units; a rejected return frees them again.
_ACTIVE_RETURN = (ReturnStatus.REQUESTED, ReturnStatus.RECEIVED, ReturnStatus.REFUNDED)


@dataclass(frozen=True)
class ReturnRules:
    """The shop's return policy: days after delivery, and whether final-sale items may go back.

    Days are counted in the shop's ``time_zone``: the delivery day is the day of the (UTC)
    delivery time there, and ``today`` passed to :class:`ReturnService` is the shop's today.
    """

    window_days: int = 30
    final_sale_returnable: bool = False
    time_zone: tzinfo = timezone.utc


class LineVerdict(str, enum.Enum):
    """Whether an order line can be returned, or the first reason it cannot."""

    ELIGIBLE = "eligible"
    ORDER_CANCELLED = "order_cancelled"
    NOT_DELIVERED = "not_delivered"
    ALREADY_RETURNED = "already_returned"
    FINAL_SALE = "final_sale"
    OUTSIDE_WINDOW = "outside_window"
    NOT_ON_ORDER = "not_on_order"


@dataclass(frozen=True)
class ReturnLineEligibility:
    """One order line and whether (how many of) it can be returned.

    ``reason`` says why not in a shopper's words (None when eligible); ``refund_amount``
    is what returning the ``returnable_quantity`` units pays back (0 when not eligible);
    ``rma_number`` names the return that already holds this line, if any.
    """

    line_id: int
    title: str
    quantity: int
    returnable_quantity: int
    unit_price: Decimal
    final_sale: bool
    verdict: LineVerdict
    reason: str | None
    refund_amount: Decimal
    rma_number: str | None = None

    @property
    def eligible(self) -> bool:
        """True when at least one unit of this line can be returned now."""
        return self.verdict is LineVerdict.ELIGIBLE


@dataclass(frozen=True)
class ReturnEligibility:
    """Which lines of an order can be returned under the given rules, on the given day.

    ``window_ends_on`` is the last day a return can be requested (delivery + window).
    """

    order_number: str
    currency: str
    delivered_on: date | None
    window_ends_on: date | None
    lines: tuple[ReturnLineEligibility, ...]

    @property
    def eligible_lines(self) -> tuple[ReturnLineEligibility, ...]:
        """The lines that can be returned."""
        return tuple(line for line in self.lines if line.eligible)

    @property
    def refund_amount(self) -> Decimal:
        """What returning every eligible line would pay back."""
        return sum((line.refund_amount for line in self.eligible_lines), Decimal("0.00"))


class ReturnStatusCode(str, enum.Enum):
    """What :meth:`ReturnService.create_return` did."""

    CREATED = "created"
    ALREADY_REQUESTED = "already_requested"
    NOT_ELIGIBLE = "not_eligible"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class ReturnOutcome:
    """Result of a return request.

    CREATED: ``rma_number``, ``refund_amount`` and the returned ``lines`` are set.
    ALREADY_REQUESTED: the asked-for lines are in an existing return, ``rma_number``.
    NOT_ELIGIBLE: nothing was created; ``refused`` lists the lines that cannot go back
    with their reasons.
    """

    status: ReturnStatusCode
    order_number: str
    rma_number: str | None = None
    refund_amount: Decimal | None = None
    currency: str | None = None
    lines: tuple[ReturnLineEligibility, ...] = ()
    refused: tuple[ReturnLineEligibility, ...] = ()


class RefundStage(str, enum.Enum):
    """Where the money of an order's latest return stands."""

    REFUND_ISSUED = "refund_issued"
    REFUND_PENDING = "refund_pending"
    RETURN_OPEN = "return_open"
    RETURN_REJECTED = "return_rejected"
    NO_RETURN = "no_return"


@dataclass(frozen=True)
class RefundView:
    """The refund (or the return on its way to one) of an order.

    ``amount`` is the refund, or for an open return the refund expected; ``method`` is
    where the money went or will go; ``issued_at`` is set once the refund is issued.
    Everything but ``order_number`` and ``stage`` is None for NO_RETURN.
    """

    order_number: str
    stage: RefundStage
    currency: str | None = None
    amount: Decimal | None = None
    method: str | None = None
    refund_status: RefundStatus | None = None
    issued_at: datetime | None = None
    rma_number: str | None = None
    return_status: ReturnStatus | None = None
    return_requested_at: datetime | None = None


@dataclass(frozen=True)
class _Returned:
    quantity: int
    rma_number: str


def rma_number_for(order_number: str, sequence: int) -> str:
    """The RMA number of an order's ``sequence``-th return: ``"RMA-10003-0001"``."""
    return f"RMA-{order_number}-{sequence:04d}"


class ReturnService:
    """A customer's returns and refunds on one database session (see the module docstring)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def return_eligibility(
        self, order_number: str | int, customer_id: int, rules: ReturnRules, today: date
    ) -> ReturnEligibility | None:
        """Each line of the order, returnable or not and why; None unless the order is theirs."""
        order = self._order(order_number, customer_id)
        return None if order is None else self._eligibility(order, rules, today)

    def create_return(
        self,
        order_number: str | int,
        customer_id: int,
        rules: ReturnRules,
        today: date,
        *,
        line_ids: Iterable[int] | None = None,
        reason: str | None = None,
        now: datetime | None = None,
    ) -> ReturnOutcome:
        """Open a return (RMA) for ``line_ids``, or for every eligible line when None.

        All the remaining units of each chosen line go back. Refuses the whole request
        if a chosen line is not eligible, and reports ALREADY_REQUESTED instead of
        opening a second return for lines already in one. One transaction with the order
        row locked, so concurrent requests cannot both return the same lines. Commits.
        """
        number = normalize_order_number(order_number)
        with committing(self.session):
            order = self._order(number, customer_id, for_update=True)
            if order is None:
                return ReturnOutcome(ReturnStatusCode.NOT_FOUND, number)
            eligibility = self._eligibility(order, rules, today)
            chosen = _choose(eligibility, line_ids)
            if not chosen or not all(line.eligible for line in chosen):
                return _refusal(eligibility, chosen or eligibility.lines)
            amount = sum((line.refund_amount for line in chosen), Decimal("0.00"))
            request = ReturnRequest(
                order_id=order.id,
                rma_number=self._next_rma_number(order),
                status=ReturnStatus.REQUESTED,
                reason=reason,
                created_at=now or utcnow(),
                refund_amount=amount,
                lines=[
                    ReturnLine(order_line_id=line.line_id, quantity=line.returnable_quantity)
                    for line in chosen
                ],
            )
            self.session.add(request)
            self.session.flush()
            return ReturnOutcome(
                ReturnStatusCode.CREATED,
                number,
                rma_number=request.rma_number,
                refund_amount=amount,
                currency=order.currency,
                lines=chosen,
            )

    def refund_status(self, order_number: str | int, customer_id: int) -> RefundView | None:
        """The refund of the order's latest return (or the return's progress); None unless theirs.

        Without any return, an order-level refund (e.g. a goodwill refund) is reported;
        without either, the stage is NO_RETURN.
        """
        order = self._order(order_number, customer_id)
        if order is None:
            return None
        latest_return = order.returns[-1] if order.returns else None
        refunds = latest_return.refunds if latest_return is not None else order.refunds
        if refunds:
            return _refund_view(order, refunds[-1], latest_return)
        if latest_return is None:
            return RefundView(order.number, RefundStage.NO_RETURN)
        stage = (
            RefundStage.RETURN_REJECTED
            if latest_return.status is ReturnStatus.REJECTED
            else RefundStage.RETURN_OPEN
        )
        return RefundView(
            order.number,
            stage,
            currency=order.currency,
            amount=latest_return.refund_amount if stage is RefundStage.RETURN_OPEN else None,
            method=order.payment_method if stage is RefundStage.RETURN_OPEN else None,
            rma_number=latest_return.rma_number,
            return_status=latest_return.status,
            return_requested_at=latest_return.created_at,
        )

    def _order(
        self, order_number: str | int, customer_id: int, *, for_update: bool = False
    ) -> Order | None:
        return customer_order(
            self.session,
            order_number,
            customer_id,
            selectinload(Order.lines),
            selectinload(Order.shipments),
            selectinload(Order.refunds),
            selectinload(Order.returns).selectinload(ReturnRequest.refunds),
            for_update=for_update,
        )

    def _returned_units(self, order: Order) -> dict[int, _Returned]:
        """Units of each order line held by active returns, with the newest such RMA."""
        rows = self.session.execute(
            select(ReturnLine.order_line_id, ReturnLine.quantity, ReturnRequest.rma_number)
            .join(ReturnRequest, ReturnLine.return_id == ReturnRequest.id)
            .where(ReturnRequest.order_id == order.id, ReturnRequest.status.in_(_ACTIVE_RETURN))
            .order_by(ReturnRequest.id)
        )
        quantities: dict[int, int] = defaultdict(int)
        rma_numbers: dict[int, str] = {}
        for line_id, quantity, rma_number in rows:
            quantities[line_id] += quantity
            rma_numbers[line_id] = rma_number
        return {line: _Returned(count, rma_numbers[line]) for line, count in quantities.items()}

    def _eligibility(self, order: Order, rules: ReturnRules, today: date) -> ReturnEligibility:
        delivered = _delivered_on(order, rules.time_zone)
        window_ends_on = delivered + timedelta(days=rules.window_days) if delivered else None
        returned = self._returned_units(order)
        lines = []
        for line in order.lines:
            held = returned.get(line.id)
            returnable = line.quantity - (held.quantity if held else 0)
            verdict, reason = _verdict(order, line, returnable, held, rules, today, window_ends_on)
            eligible = verdict is LineVerdict.ELIGIBLE
            lines.append(
                ReturnLineEligibility(
                    line_id=line.id,
                    title=line.product_title,
                    quantity=line.quantity,
                    returnable_quantity=max(returnable, 0),
                    unit_price=line.unit_price,
                    final_sale=line.final_sale,
                    verdict=verdict,
                    reason=reason,
                    refund_amount=line.unit_price * returnable if eligible else Decimal("0.00"),
                    rma_number=held.rma_number if held else None,
                )
            )
        return ReturnEligibility(
            order.number, order.currency, delivered, window_ends_on, tuple(lines)
        )

    def _next_rma_number(self, order: Order) -> str:
        """``RMA-<order>-<n>`` with n = this order's return count + 1, skipping taken numbers.

        The unique constraint on ``rma_number`` backs this up: a concurrent writer that
        computed the same number fails instead of creating a duplicate.
        """
        taken = set(
            self.session.execute(
                select(ReturnRequest.rma_number).where(
                    ReturnRequest.rma_number.like(f"RMA-{order.number}-%")
                )
            ).scalars()
        )
        sequence = (
            1
            + self.session.execute(
                select(func.count())
                .select_from(ReturnRequest)
                .where(ReturnRequest.order_id == order.id)
            ).scalar_one()
        )
        while rma_number_for(order.number, sequence) in taken:
            sequence += 1
        return rma_number_for(order.number, sequence)


def _delivered_on(order: Order, zone: tzinfo) -> date | None:
    """The shop's day (in ``zone``) of the delivery, stored as naive UTC."""
    shipment = order.latest_shipment
    if shipment is None or shipment.delivered_at is None:
        return None
    return shipment.delivered_at.replace(tzinfo=timezone.utc).astimezone(zone).date()


def _verdict(
    order: Order,
    line: OrderLine,
    returnable: int,
    held: _Returned | None,
    rules: ReturnRules,
    today: date,
    window_ends_on: date | None,
) -> tuple[LineVerdict, str | None]:
    """The first rule that stops ``line`` from being returned, in the order shoppers expect."""
    if order.status is OrderStatus.CANCELLED:
        return LineVerdict.ORDER_CANCELLED, "the order was cancelled, so there is nothing to return"
    if window_ends_on is None:
        shipment = order.latest_shipment
        if shipment is None:
            return LineVerdict.NOT_DELIVERED, "the order has not shipped yet"
        return (
            LineVerdict.NOT_DELIVERED,
            f"the order has not been delivered yet (it shipped on {long_date(shipment.shipped_at)} "
            f"with {shipment.carrier})",
        )
    if returnable <= 0 and held is not None:
        return LineVerdict.ALREADY_RETURNED, f"it is already part of return {held.rma_number}"
    if line.final_sale and not rules.final_sale_returnable:
        return (
            LineVerdict.FINAL_SALE,
            "it is a final-sale item, and final-sale items cannot be returned",
        )
    if today > window_ends_on:
        delivered_on = window_ends_on - timedelta(days=rules.window_days)
        return (
            LineVerdict.OUTSIDE_WINDOW,
            f"it was delivered on {long_date(delivered_on)}, and the {rules.window_days}-day "
            f"return window ended on {long_date(window_ends_on)}",
        )
    return LineVerdict.ELIGIBLE, None


def _choose(
    eligibility: ReturnEligibility, line_ids: Iterable[int] | None
) -> tuple[ReturnLineEligibility, ...]:
    """The lines a return request names (every eligible line for None); unknown ids refused."""
    if line_ids is None:
        return eligibility.eligible_lines
    by_id = {line.line_id: line for line in eligibility.lines}
    unique_ids = dict.fromkeys(line_ids)
    return tuple(by_id.get(line_id) or _not_on_order(line_id) for line_id in unique_ids)


def _not_on_order(line_id: int) -> ReturnLineEligibility:
    return ReturnLineEligibility(
        line_id=line_id,
        title="",
        quantity=0,
        returnable_quantity=0,
        unit_price=Decimal("0.00"),
        final_sale=False,
        verdict=LineVerdict.NOT_ON_ORDER,
        reason="that item is not on this order",
        refund_amount=Decimal("0.00"),
    )


def _refusal(
    eligibility: ReturnEligibility, asked_for: tuple[ReturnLineEligibility, ...]
) -> ReturnOutcome:
    """Why no return was opened for the ``asked_for`` lines.

    ALREADY_REQUESTED when none of them is eligible and some are in a return already (the
    shopper most likely asks again for the return they opened before); else NOT_ELIGIBLE.
    """
    refused = tuple(line for line in asked_for if not line.eligible)
    already = tuple(line for line in refused if line.verdict is LineVerdict.ALREADY_RETURNED)
    if already and len(refused) == len(asked_for):
        return ReturnOutcome(
            ReturnStatusCode.ALREADY_REQUESTED,
            eligibility.order_number,
            rma_number=already[-1].rma_number,
            currency=eligibility.currency,
            lines=already,
            refused=tuple(line for line in refused if line not in already),
        )
    return ReturnOutcome(
        ReturnStatusCode.NOT_ELIGIBLE,
        eligibility.order_number,
        currency=eligibility.currency,
        refused=refused,
    )


def _refund_view(order: Order, refund: Refund, request: ReturnRequest | None) -> RefundView:
    issued = refund.status is RefundStatus.ISSUED
    return RefundView(
        order.number,
        RefundStage.REFUND_ISSUED if issued else RefundStage.REFUND_PENDING,
        currency=order.currency,
        amount=refund.amount,
        method=refund.method,
        refund_status=refund.status,
        issued_at=refund.issued_at,
        rma_number=request.rma_number if request else None,
        return_status=request.status if request else None,
        return_requested_at=request.created_at if request else None,
    )
