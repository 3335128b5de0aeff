"""Orders as the support flows see them: verify a shopper, show, list, cancel, re-address.

:class:`OrderService` wraps a session and hands out plain frozen dataclasses only, so no
ORM object (or lazy load) leaks into the caller. Every lookup is scoped to a customer:
a shopper proves who they are once with :meth:`OrderService.verify_customer` and from
then on only ever sees their own orders. Methods that change data commit (or roll back)
the session's transaction themselves.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

import pycountry
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.base import ExecutableOption

from storage.schema import Customer, Order, OrderCancellation, OrderStatus

#: US ZIP code: 5 digits, optionally followed by a dash and 4 more (ZIP+4).
_US_ZIP = re.compile(r"\d{5}(-\d{4})?")
#: Other postal codes: letters, digits, spaces and dashes (UK "SW1A 1AA", NL "1011 AB", ...).
_POSTAL_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{1,18}[A-Za-z0-9]")
_COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")


def normalize_order_number(order_number: str | int) -> str:
    """``"#10002"``, ``" 10002 "``, ``"# 10002"`` and ``10002`` all become ``"10002"``."""
    return re.sub(r"\s+", "", str(order_number)).lstrip("#")


def long_date(value: date | datetime) -> str:
    """``date(2025, 3, 12)`` -> ``"March 12, 2025"`` (how a shopper reads a date)."""
    return f"{value:%B} {value.day}, {value.year}"


def utcnow() -> datetime:
    """Naive UTC now, the time zone of every timestamp in the shop database."""
    return datetime.utcnow()


@contextmanager
def committing(session: Session) -> Iterator[Session]:
    """Run a unit of work on ``session``: commit when the block succeeds, roll back otherwise."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def customer_order(
    session: Session,
    order_number: str | int,
    customer_id: int,
    *options: ExecutableOption,
    for_update: bool = False,
) -> Order | None:
    """The ORM order ``order_number`` if it belongs to ``customer_id`` (for storage modules).

    ``options`` are loader options (e.g. ``selectinload(Order.lines)``). The order is
    always re-read, even if the session holds it already, so it reflects what other
    transactions committed. ``for_update`` locks the order row until the transaction
    ends (PostgreSQL ``SELECT ... FOR UPDATE``; SQLite, which has one writer at a time,
    ignores it).
    """
    query = (
        select(Order)
        .options(*options)
        .where(
            Order.number == normalize_order_number(order_number), Order.customer_id == customer_id
        )
        .execution_options(populate_existing=True)
    )
    if for_update:
        query = query.with_for_update(of=Order)
    return session.execute(query).scalar_one_or_none()


@dataclass(frozen=True)
class Address:
    """A shipping address: what an order shows and what a shopper sends to change it."""

    name: str
    line1: str
    city: str
    region: str | None
    postal_code: str
    country: str = "US"
    line2: str | None = None

    def one_line(self) -> str:
        """``"Alex Morgan, 500 Howard Street, Apt 4B, San Francisco, CA 94107, US"``."""
        region_and_code = " ".join(part for part in (self.region, self.postal_code) if part)
        parts = (self.name, self.line1, self.line2, self.city, region_and_code, self.country)
        return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class OrderItem:
    """One line of an order as sold; ``line_id`` is what a return names."""

    line_id: int
    title: str
    quantity: int
    unit_price: Decimal
    final_sale: bool

    @property
    def line_total(self) -> Decimal:
        """quantity x unit price."""
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class OrderView:
    """Everything a shopper may see about one of their orders.

    Shipment fields come from the latest shipment and are None before the order ships.
    """

    number: str
    status: OrderStatus
    placed_at: datetime
    items: tuple[OrderItem, ...]
    total: Decimal
    currency: str
    carrier: str | None
    tracking_number: str | None
    shipped_at: datetime | None
    estimated_delivery: date | None
    delivered_at: datetime | None
    shipping_address: Address
    payment_method: str


@dataclass(frozen=True)
class OrderSummary:
    """One row of a shopper's order list."""

    number: str
    status: OrderStatus
    placed_at: datetime
    total: Decimal
    currency: str
    item_count: int


class CancelStatus(str, enum.Enum):
    """What :meth:`OrderService.cancel_order` did, or the check found.

    CANCELLABLE comes only from :meth:`OrderService.check_cancellation`: the order can be
    cancelled now.
    """

    CANCELLABLE = "cancellable"
    CANCELLED = "cancelled"
    ALREADY_CANCELLED = "already_cancelled"
    NOT_CANCELLABLE = "not_cancellable"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class CancelOutcome:
    """Result of a cancellation request.

    ``reason`` explains a refusal in words a shopper understands, e.g. ``"it shipped on
    March 12, 2025 with UPS"``; ``order_status`` is the order's status (None for
    NOT_FOUND); ``cancelled_at`` is set for CANCELLED and, when known, ALREADY_CANCELLED.
    """

    status: CancelStatus
    order_number: str
    order_status: OrderStatus | None = None
    reason: str | None = None
    cancelled_at: datetime | None = None


class AddressChangeStatus(str, enum.Enum):
    """What :meth:`OrderService.change_shipping_address` did, or the check found.

    CHANGEABLE comes only from :meth:`OrderService.check_address_change`: the order's
    address can be changed now.
    """

    CHANGEABLE = "changeable"
    CHANGED = "changed"
    INVALID = "invalid"
    NOT_CHANGEABLE = "not_changeable"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class AddressChangeOutcome:
    """Result of an address change.

    ``errors`` maps field names of :class:`Address` to messages for the shopper (INVALID);
    ``reason`` explains NOT_CHANGEABLE; ``address`` is the address now on the order
    (normalised, e.g. country and state upper-cased) when CHANGED and CHANGEABLE;
    ``order_status`` is the order's status (None for NOT_FOUND).
    """

    status: AddressChangeStatus
    order_number: str
    order_status: OrderStatus | None = None
    errors: dict[str, str] = field(default_factory=dict)
    reason: str | None = None
    address: Address | None = None


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _us_state_code(region: str) -> str | None:
    """``"ca"``, ``"CA"`` or ``"California"`` -> ``"CA"``; None for no US state or territory."""
    code = region.upper()
    if pycountry.subdivisions.get(code=f"US-{code}") is not None:
        return code
    for subdivision in pycountry.subdivisions.get(country_code="US"):
        if subdivision.name.casefold() == region.casefold():
            return subdivision.code.removeprefix("US-")
    return None


_LIMITS = {"name": 200, "line1": 255, "line2": 255, "city": 120, "region": 120}
_REQUIRED = {
    "name": "Please tell me the name of the person receiving the parcel.",
    "line1": "Please give the street address (street and house number).",
    "city": "Please give the city.",
}


def validate_address(address: Address) -> tuple[Address, dict[str, str]]:
    """Normalise ``address`` and check it; returns the clean address and per-field errors.

    Rules: name, street line and city are required; the country is a 2-letter ISO code;
    US addresses need a state (code or name) and a 5-digit ZIP or ZIP+4; other countries
    need a postal code of 3-20 letters, digits, spaces or dashes.
    """
    clean = Address(
        name=_clean(address.name),
        line1=_clean(address.line1),
        line2=_clean(address.line2) or None,
        city=_clean(address.city),
        region=_clean(address.region) or None,
        postal_code=_clean(address.postal_code).upper(),
        country=_clean(address.country).upper(),
    )
    errors = {name: message for name, message in _REQUIRED.items() if not getattr(clean, name)}
    for name, limit in _LIMITS.items():
        value = getattr(clean, name)
        if value and len(value) > limit:
            errors[name] = f"That is too long: at most {limit} characters, please."

    if not _COUNTRY_CODE.fullmatch(clean.country) or not pycountry.countries.get(
        alpha_2=clean.country
    ):
        errors["country"] = "Please give the country as its 2-letter code, e.g. US, CA or GB."
    elif clean.country == "US":
        state = _us_state_code(clean.region) if clean.region else None
        if state is None:
            errors["region"] = "Please give the US state, e.g. CA or California."
        else:
            clean = replace(clean, region=state)
        if not _US_ZIP.fullmatch(clean.postal_code):
            errors["postal_code"] = "Please give a US ZIP code like 94107 or 94107-1234."
    elif not _POSTAL_CODE.fullmatch(clean.postal_code):
        errors["postal_code"] = "Please give the postal code (letters, digits and spaces only)."
    return clean, errors


def _address_of(order: Order) -> Address:
    return Address(
        name=order.shipping_name,
        line1=order.shipping_line1,
        line2=order.shipping_line2,
        city=order.shipping_city,
        region=order.shipping_region,
        postal_code=order.shipping_postal_code,
        country=order.shipping_country,
    )


def _why_not_processing(order: Order, action: str) -> str:
    """Why an order that is no longer processing cannot be ``action`` (cancelled, re-addressed).

    Orders change only while they are processing: once shipped, the parcel is the carrier's.
    """
    shipment = order.latest_shipment
    if order.status is OrderStatus.CANCELLED:
        return "the order was cancelled"
    if order.status is OrderStatus.RETURNED:
        return "the order was returned"
    if shipment is None:
        return f"the order is {order.status.value} and can no longer be {action}"
    shipped = f"it shipped on {long_date(shipment.shipped_at)} with {shipment.carrier}"
    if shipment.delivered_at is not None:
        return f"{shipped} and was delivered on {long_date(shipment.delivered_at)}"
    return shipped


class OrderService:
    """A customer's orders on one database session (see the module docstring)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def verify_customer(
        self, order_number: str | int, *, email: str | None = None, zip_code: str | None = None
    ) -> int | None:
        """The id of the customer who placed ``order_number``, if they prove it's them.

        Every detail given must match the order's customer: the email (case and
        surrounding spaces ignored) and/or the ZIP code (a ZIP+4 matches its 5 digits).
        Gives None when no detail is given, the order does not exist, or a detail is
        wrong, so a caller cannot tell which (no probing for order numbers).
        """
        email = email.strip() if email and email.strip() else None
        zip_code = zip_code.strip() if zip_code and zip_code.strip() else None
        if email is None and zip_code is None:
            return None
        customer = self.session.execute(
            select(Customer)
            .join(Order, Order.customer_id == Customer.id)
            .where(Order.number == normalize_order_number(order_number))
        ).scalar_one_or_none()
        if customer is None:
            return None
        if email is not None and email.casefold() != customer.email.strip().casefold():
            return None
        if zip_code is not None and not _same_zip(zip_code, customer.zip_code):
            return None
        return customer.id

    def order_view(self, order_number: str | int, customer_id: int) -> OrderView | None:
        """The order with its items, shipment, address and payment; None unless it's theirs."""
        order = customer_order(
            self.session,
            order_number,
            customer_id,
            selectinload(Order.lines),
            selectinload(Order.shipments),
        )
        if order is None:
            return None
        shipment = order.latest_shipment
        return OrderView(
            number=order.number,
            status=order.status,
            placed_at=order.placed_at,
            items=tuple(
                OrderItem(
                    line.id, line.product_title, line.quantity, line.unit_price, line.final_sale
                )
                for line in order.lines
            ),
            total=order.total,
            currency=order.currency,
            carrier=shipment.carrier if shipment else None,
            tracking_number=shipment.tracking_number if shipment else None,
            shipped_at=shipment.shipped_at if shipment else None,
            estimated_delivery=shipment.estimated_delivery if shipment else None,
            delivered_at=shipment.delivered_at if shipment else None,
            shipping_address=_address_of(order),
            payment_method=order.payment_method,
        )

    def orders_of(self, customer_id: int) -> list[OrderSummary]:
        """The customer's orders, newest first."""
        orders = self.session.execute(
            select(Order)
            .options(selectinload(Order.lines))
            .where(Order.customer_id == customer_id)
            .order_by(Order.placed_at.desc(), Order.number.desc())
        ).scalars()
        return [
            OrderSummary(
                number=order.number,
                status=order.status,
                placed_at=order.placed_at,
                total=order.total,
                currency=order.currency,
                item_count=sum(line.quantity for line in order.lines),
            )
            for order in orders
        ]

    def cancel_order(
        self, order_number: str | int, customer_id: int, *, now: datetime | None = None
    ) -> CancelOutcome:
        """Cancel the order if it has not shipped yet; asking again changes nothing.

        One transaction: a conditional ``UPDATE ... WHERE status = 'processing'`` flips the
        status, so of two concurrent requests exactly one cancels, and the time is recorded
        in ``order_cancellations``. Commits.
        """
        number = normalize_order_number(order_number)
        with committing(self.session):
            order = customer_order(self.session, number, customer_id)
            if order is None:
                return CancelOutcome(CancelStatus.NOT_FOUND, number)
            cancelled_at = now or utcnow()
            if self._update_while_processing(order, status=OrderStatus.CANCELLED):
                self.session.execute(
                    insert(OrderCancellation).values(order_id=order.id, cancelled_at=cancelled_at)
                )
                return CancelOutcome(
                    CancelStatus.CANCELLED, number, OrderStatus.CANCELLED, cancelled_at=cancelled_at
                )
            return self._cancel_refusal(order)

    def check_cancellation(self, order_number: str | int, customer_id: int) -> CancelOutcome:
        """What :meth:`cancel_order` would answer now, changing nothing.

        CANCELLABLE while the order is processing, else the refusal ``cancel_order`` gives
        (ALREADY_CANCELLED, NOT_CANCELLABLE with its reason, NOT_FOUND). The order may
        still ship before the shopper confirms: ``cancel_order`` checks again.
        """
        number = normalize_order_number(order_number)
        order = customer_order(self.session, number, customer_id, selectinload(Order.shipments))
        if order is None:
            return CancelOutcome(CancelStatus.NOT_FOUND, number)
        if order.status is OrderStatus.PROCESSING:
            return CancelOutcome(CancelStatus.CANCELLABLE, number, order.status)
        return self._cancel_refusal(order)

    def _cancel_refusal(self, order: Order) -> CancelOutcome:
        """Why ``order``, no longer processing, is not cancelled now."""
        if order.status is OrderStatus.CANCELLED:
            return CancelOutcome(
                CancelStatus.ALREADY_CANCELLED,
                order.number,
                order.status,
                reason="the order was already cancelled",
                cancelled_at=self._cancelled_at(order.id),
            )
        return CancelOutcome(
            CancelStatus.NOT_CANCELLABLE,
            order.number,
            order.status,
            reason=_why_not_processing(order, "cancelled"),
        )

    def change_shipping_address(
        self, order_number: str | int, customer_id: int, address: Address
    ) -> AddressChangeOutcome:
        """Send a not-yet-shipped order to ``address`` after checking it (see
        :func:`validate_address`); the change is conditional on the order still
        processing, like :meth:`cancel_order`. Commits.
        """
        number = normalize_order_number(order_number)
        with committing(self.session):
            order = customer_order(self.session, number, customer_id)
            if order is None:
                return AddressChangeOutcome(AddressChangeStatus.NOT_FOUND, number)
            if order.status is not OrderStatus.PROCESSING:
                return self._not_changeable(order)
            clean, errors = validate_address(address)
            if errors:
                return AddressChangeOutcome(
                    AddressChangeStatus.INVALID, number, order.status, errors=errors
                )
            changed = self._update_while_processing(
                order,
                shipping_name=clean.name,
                shipping_line1=clean.line1,
                shipping_line2=clean.line2,
                shipping_city=clean.city,
                shipping_region=clean.region,
                shipping_postal_code=clean.postal_code,
                shipping_country=clean.country,
            )
            if not changed:
                return self._not_changeable(order)
            return AddressChangeOutcome(
                AddressChangeStatus.CHANGED, number, order.status, address=clean
            )

    def check_address_change(
        self, order_number: str | int, customer_id: int
    ) -> AddressChangeOutcome:
        """Whether the order's address can be changed now, changing nothing.

        CHANGEABLE (with the current ``address``) while the order is processing, else
        NOT_CHANGEABLE with the reason :meth:`change_shipping_address` would give, or
        NOT_FOUND.
        """
        number = normalize_order_number(order_number)
        order = customer_order(self.session, number, customer_id, selectinload(Order.shipments))
        if order is None:
            return AddressChangeOutcome(AddressChangeStatus.NOT_FOUND, number)
        if order.status is not OrderStatus.PROCESSING:
            return self._not_changeable(order)
        return AddressChangeOutcome(
            AddressChangeStatus.CHANGEABLE, number, order.status, address=_address_of(order)
        )

    def _not_changeable(self, order: Order) -> AddressChangeOutcome:
        return AddressChangeOutcome(
            AddressChangeStatus.NOT_CHANGEABLE,
            order.number,
            order.status,
            reason=_why_not_processing(order, "re-addressed"),
        )

    def _update_while_processing(self, order: Order, **values: object) -> bool:
        """UPDATE the order only if it is still processing; refresh it; True if it changed.

        The WHERE clause makes the check and the write one atomic statement, so a
        concurrent cancel or shipment cannot slip in between.
        """
        result = self.session.execute(
            update(Order)
            .where(Order.id == order.id, Order.status == OrderStatus.PROCESSING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        self.session.refresh(order)
        return result.rowcount == 1

    def _cancelled_at(self, order_id: int) -> datetime | None:
        return self.session.execute(
            select(OrderCancellation.cancelled_at).where(OrderCancellation.order_id == order_id)
        ).scalar_one_or_none()


def _same_zip(given: str, stored: str | None) -> bool:
    """Compare ZIP codes ignoring spaces and case; a ZIP+4 matches its first 5 digits."""

    def key(value: str) -> str:
        value = "".join(value.split()).upper()
        return value[:5] if _US_ZIP.fullmatch(value) else value

    return stored is not None and key(given) == key(stored)
