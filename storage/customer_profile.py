"""One customer across channels: linked conversations, stated preferences and the profile.

A conversation is linked to a customer only when the shopper proved who they are in it (the
order number + email/ZIP check, or the shop's signed identity token); anonymous conversations
are never linked and never appear in a profile. The profile gathers, for staff and for the
bot, what the shop knows of a customer on every channel: orders, linked conversations,
products viewed, clicked, carted and bought (``interactions`` rows of the customer or of any
linked conversation), preferences they stated (sizes, colours, brands, budget), CSAT ratings
and sentiment readings over time. docs/personalisation.md describes how each part is used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session, selectinload

from storage.orders import committing, utcnow
from storage.schema import (
    ConversationSummary,
    Customer,
    CustomerConversation,
    Interaction,
    InteractionKind,
    LinkMethod,
    Order,
    OrderLine,
    OrderStatus,
    PreferenceKind,
    Product,
    ProductVariant,
    SatisfactionRating,
    SentimentReading,
    StatedPreference,
)

#: What each kind of behaviour event means in a profile; ``shown`` (the bot listed the
#: product) says nothing about the shopper and is left out.
PRODUCT_ACTIVITIES = {
    InteractionKind.VIEW.value: "viewed or asked about",
    InteractionKind.CLICK.value: "clicked in the chat",
    InteractionKind.CART.value: "added to the cart",
    InteractionKind.PURCHASE.value: "bought",
}


def link_conversation(
    session: Session,
    customer_id: int,
    sender_id: str,
    linked_by: LinkMethod,
    channel: str | None = None,
) -> bool:
    """Record that conversation ``sender_id`` is customer ``customer_id``'s.

    True when the link is new; linking the same pair again changes nothing.
    """
    exists = session.execute(
        select(CustomerConversation.id).where(
            CustomerConversation.customer_id == customer_id,
            CustomerConversation.sender_id == sender_id,
        )
    ).first()
    if exists is not None:
        return False
    with committing(session):
        session.add(
            CustomerConversation(
                customer_id=customer_id,
                sender_id=sender_id,
                channel=(channel or None) and channel[:50],
                linked_by=linked_by,
                linked_at=utcnow(),
            )
        )
    return True


def linked_customer(session: Session, sender_id: str) -> int | None:
    """The customer the conversation ``sender_id`` was last linked to, or None (anonymous)."""
    return session.execute(
        select(CustomerConversation.customer_id)
        .where(CustomerConversation.sender_id == sender_id)
        .order_by(CustomerConversation.linked_at.desc(), CustomerConversation.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def linked_conversations(session: Session, customer_id: int) -> list[str]:
    """Sender ids of the customer's linked conversations, oldest link first."""
    return list(
        session.execute(
            select(CustomerConversation.sender_id)
            .where(CustomerConversation.customer_id == customer_id)
            .order_by(CustomerConversation.linked_at, CustomerConversation.id)
        ).scalars()
    )


def customer_first_name(session: Session, customer_id: int) -> str | None:
    """The first word of the customer's name, or None for an unknown customer."""
    name = session.get(Customer, customer_id)
    return first_name(name.name) if name is not None else None


def first_name(full_name: str) -> str:
    """ "Alex" of "Alex Morgan"."""
    parts = full_name.split()
    return parts[0] if parts else full_name


def record_preferences(
    session: Session,
    customer_id: int,
    sender_id: str,
    stated: Iterable[tuple[PreferenceKind, str]],
    category: str | None = None,
) -> int:
    """Store preferences a verified customer just stated; returns how many were stored."""
    rows = [
        StatedPreference(
            customer_id=customer_id,
            kind=kind,
            value=str(value)[:120],
            category=category[:255] if category else None,
            sender_id=sender_id,
            stated_at=utcnow(),
        )
        for kind, value in stated
        if str(value).strip()
    ]
    if rows:
        with committing(session):
            session.add_all(rows)
    return len(rows)


def usual_preference(
    session: Session, customer_id: int, kind: PreferenceKind, category: str | None = None
) -> str | None:
    """The value of ``kind`` the customer stated most often (the latest on a tie), or None.

    With ``category``, values stated while looking at that category win over the others
    (a shoe size is no help for a T-shirt).
    """
    rows = session.execute(
        select(StatedPreference.value, StatedPreference.category)
        .where(StatedPreference.customer_id == customer_id, StatedPreference.kind == kind)
        .order_by(StatedPreference.stated_at, StatedPreference.id)
    ).all()
    if category:
        same = [row for row in rows if (row.category or "").lower() == category.lower()]
        rows = same or rows
    if not rows:
        return None
    counts = Counter(row.value for row in rows)
    latest = {row.value: position for position, row in enumerate(rows)}
    return max(counts, key=lambda value: (counts[value], latest[value]))


def record_sentiment(session: Session, readings: Iterable[SentimentPoint]) -> None:
    """Add how shoppers' messages sounded (-1 angry … 1 happy), in one insert.

    The caller commits: the console's indexer records them with the rest of a batch of
    conversation events, each at the time of its message.
    """
    rows = [
        {"sender_id": r.sender_id, "score": r.score, "measured_at": r.measured_at} for r in readings
    ]
    if rows:
        session.execute(insert(SentimentReading), rows)


# ---------------------------------------------------------------------- the profile


@dataclass(frozen=True)
class OrderSummary:
    """One order as a profile lists it."""

    number: str
    placed_at: datetime
    status: str
    total: Decimal
    currency: str
    items: list[str]


@dataclass(frozen=True)
class LinkedConversation:
    """A conversation of the customer, on whichever channel."""

    sender_id: str
    channel: str | None
    linked_by: str
    linked_at: datetime
    last_activity_at: datetime | None
    message_count: int | None


@dataclass(frozen=True)
class ProductActivity:
    """A product the customer did something with, how often and when last."""

    product_id: int
    title: str
    handle: str
    times: int
    last_at: datetime


@dataclass(frozen=True)
class Preference:
    """A preference the customer stated, how often and when last."""

    value: str
    times: int
    last_stated_at: datetime
    category: str | None


@dataclass(frozen=True)
class Rating:
    """A CSAT rating the customer gave."""

    sender_id: str
    rating: int
    flow: str
    rated_at: datetime


@dataclass(frozen=True)
class SentimentPoint:
    """One sentiment reading of one of the customer's messages."""

    sender_id: str
    score: float
    measured_at: datetime


@dataclass(frozen=True)
class CustomerProfile:
    """Everything the shop knows of one customer, across channels."""

    customer_id: int
    name: str
    first_name: str
    email: str
    orders: list[OrderSummary]
    conversations: list[LinkedConversation]
    #: Keyed by interaction kind (``view``, ``click``, ``cart``, ``purchase``).
    products: dict[str, list[ProductActivity]]
    #: Keyed by preference kind (``size``, ``color``, ``brand``, ``budget``), most stated first.
    preferences: dict[str, list[Preference]]
    csat: list[Rating]
    sentiment: list[SentimentPoint] = field(default_factory=list)

    @property
    def average_csat(self) -> float | None:
        """The mean rating, or None before the first one."""
        if not self.csat:
            return None
        return sum(r.rating for r in self.csat) / len(self.csat)

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON-ready data (times as ISO strings, money as strings)."""

        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        return {**plain(asdict(self)), "average_csat": self.average_csat}


def customer_profile(session: Session, customer_id: int) -> CustomerProfile | None:
    """The profile of customer ``customer_id``, or None when there is no such customer."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    senders = linked_conversations(session, customer_id)
    return CustomerProfile(
        customer_id=customer.id,
        name=customer.name,
        first_name=first_name(customer.name),
        email=customer.email,
        orders=_orders(session, customer_id),
        conversations=_conversations(session, customer_id),
        products=_products(session, customer_id, senders),
        preferences=_preferences(session, customer_id),
        csat=_ratings(session, senders),
        sentiment=_sentiment(session, senders),
    )


def _orders(session: Session, customer_id: int) -> list[OrderSummary]:
    orders = session.execute(
        select(Order)
        .where(Order.customer_id == customer_id)
        .options(selectinload(Order.lines))
        .order_by(Order.placed_at.desc())
    ).scalars()
    return [
        OrderSummary(
            number=order.number,
            placed_at=order.placed_at,
            status=OrderStatus(order.status).value,
            total=order.total,
            currency=order.currency,
            items=[line.product_title for line in order.lines],
        )
        for order in orders
    ]


def _conversations(session: Session, customer_id: int) -> list[LinkedConversation]:
    rows = session.execute(
        select(CustomerConversation, ConversationSummary)
        .outerjoin(
            ConversationSummary, ConversationSummary.sender_id == CustomerConversation.sender_id
        )
        .where(CustomerConversation.customer_id == customer_id)
        .order_by(CustomerConversation.linked_at.desc(), CustomerConversation.id.desc())
    ).all()
    return [
        LinkedConversation(
            sender_id=link.sender_id,
            channel=link.channel or (summary.channel if summary is not None else None),
            linked_by=LinkMethod(link.linked_by).value,
            linked_at=link.linked_at,
            last_activity_at=summary.last_activity_at if summary is not None else None,
            message_count=summary.message_count if summary is not None else None,
        )
        for link, summary in rows
    ]


def _products(
    session: Session, customer_id: int, senders: list[str]
) -> dict[str, list[ProductActivity]]:
    events: list[tuple[str, int, datetime]] = []
    mine = Interaction.customer_id == customer_id
    rows = session.execute(
        select(Interaction.kind, Interaction.product_id, Interaction.occurred_at)
        .where(or_(mine, Interaction.session_id.in_(senders)) if senders else mine)
        .where(Interaction.kind.in_([InteractionKind(kind) for kind in PRODUCT_ACTIVITIES]))
        .where(~((Interaction.kind == InteractionKind.PURCHASE) & Interaction.order_id.isnot(None)))
    ).all()
    events += [(InteractionKind(r.kind).value, int(r.product_id), r.occurred_at) for r in rows]
    bought = session.execute(
        select(ProductVariant.product_id, Order.placed_at)
        .join(OrderLine, OrderLine.variant_id == ProductVariant.id)
        .join(Order, OrderLine.order_id == Order.id)
        .where(Order.customer_id == customer_id, Order.status != OrderStatus.CANCELLED)
    ).all()
    events += [(InteractionKind.PURCHASE.value, int(r.product_id), r.placed_at) for r in bought]
    ids = {product_id for _, product_id, _ in events}
    products = {
        p.id: p for p in session.execute(select(Product).where(Product.id.in_(ids))).scalars()
    }
    grouped: dict[str, dict[int, tuple[int, datetime]]] = {}
    for kind, product_id, at in events:
        if product_id not in products:
            continue
        times, last = grouped.setdefault(kind, {}).get(product_id, (0, at))
        grouped[kind][product_id] = (times + 1, max(last, at))
    return {
        kind: sorted(
            (
                ProductActivity(pid, products[pid].title, products[pid].handle, times, last)
                for pid, (times, last) in by_product.items()
            ),
            key=lambda activity: activity.last_at,
            reverse=True,
        )
        for kind, by_product in grouped.items()
    }


def _preferences(session: Session, customer_id: int) -> dict[str, list[Preference]]:
    rows = session.execute(
        select(StatedPreference)
        .where(StatedPreference.customer_id == customer_id)
        .order_by(StatedPreference.stated_at, StatedPreference.id)
    ).scalars()
    gathered: dict[str, dict[str, Preference]] = {}
    for row in rows:
        kind = PreferenceKind(row.kind).value
        before = gathered.setdefault(kind, {}).get(row.value)
        gathered[kind][row.value] = Preference(
            row.value, (before.times if before else 0) + 1, row.stated_at, row.category
        )
    return {
        kind: sorted(values.values(), key=lambda p: (p.times, p.last_stated_at), reverse=True)
        for kind, values in gathered.items()
    }


def _ratings(session: Session, senders: list[str]) -> list[Rating]:
    if not senders:
        return []
    rows = session.execute(
        select(SatisfactionRating)
        .where(SatisfactionRating.sender_id.in_(senders))
        .order_by(SatisfactionRating.created_at)
    ).scalars()
    return [Rating(r.sender_id, r.rating, r.flow, r.created_at) for r in rows]


def _sentiment(session: Session, senders: list[str]) -> list[SentimentPoint]:
    if not senders:
        return []
    rows = session.execute(
        select(SentimentReading)
        .where(SentimentReading.sender_id.in_(senders))
        .order_by(SentimentReading.measured_at)
    ).scalars()
    return [SentimentPoint(r.sender_id, r.score, r.measured_at) for r in rows]
