"""SQLAlchemy ORM schema of the shop: catalog, customers, orders, shipments, returns and support.

Classic ``Column`` declarative so it runs on SQLAlchemy 1.4 and 2.0. Money is
``Numeric(10, 2)`` (``Decimal`` in Python). Status enums are stored as plain strings
(no native enum type, no CHECK constraint) so the schema is the same on SQLite and
PostgreSQL. Timestamps are naive UTC datetimes.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import declarative_base, relationship

#: Constraint names are fixed so Alembic migrations (including SQLite batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: SQLAlchemy 1.4 ships no type information, so the declarative base is ``Any`` to the type checker.
Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))

CATEGORY_SEPARATOR = " > "


def _utcnow() -> datetime:
    return datetime.utcnow()


_CENT = Decimal("0.01")


class Money(TypeDecorator):
    """An amount of money: ``NUMERIC(10, 2)`` in the database, ``Decimal`` in Python.

    SQLite has no decimal type and hands back floats; SQLAlchemy would convert them with a
    warning on every query, so on SQLite the float is rounded to cents here instead (exact
    for every amount of this column's size).
    """

    impl = Numeric(10, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(Numeric(10, 2, asdecimal=dialect.name != "sqlite"))

    def process_result_value(self, value, dialect) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(str(value)).quantize(_CENT)


def StringEnum(enum_class: type[enum.Enum], name: str) -> Enum:  # noqa: N802
    """An enum stored as its string values in a VARCHAR column, portable across databases."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


class OrderStatus(str, enum.Enum):
    """Life cycle of an order."""

    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class ReturnStatus(str, enum.Enum):
    """Life cycle of a return request (RMA)."""

    REQUESTED = "requested"
    RECEIVED = "received"
    REFUNDED = "refunded"
    REJECTED = "rejected"


class RefundStatus(str, enum.Enum):
    """Whether a refund has been paid out."""

    PENDING = "pending"
    ISSUED = "issued"


class Category(Base):
    """A node of the category tree; ``path`` is the full name, e.g. ``"Shoes > Running Shoes"``."""

    __tablename__ = "categories"

    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False)
    parent_id = Column(Integer, ForeignKey("categories.id"), nullable=True, index=True)
    path = Column(String(255), nullable=False, unique=True)

    parent = relationship("Category", remote_side=[id], back_populates="children")
    children = relationship("Category", back_populates="parent")
    products = relationship("Product", back_populates="category")

    @property
    def top_level(self) -> str:
        """Name of the top-level category this category belongs to."""
        return self.path.split(CATEGORY_SEPARATOR)[0]

    def __repr__(self) -> str:
        return f"Category({self.path!r})"


class Product(Base):
    """A catalog product; what is sold (price, color, size, stock) lives on its variants."""

    __tablename__ = "products"

    id = Column(Integer, primary_key=True)
    handle = Column(String(255), nullable=False, unique=True)
    title = Column(String(255), nullable=False)
    brand = Column(String(120), nullable=True)
    category_id = Column(Integer, ForeignKey("categories.id"), nullable=True, index=True)
    description = Column(Text, nullable=False, default="")
    currency = Column(String(3), nullable=False, default="USD")
    material = Column(String(120), nullable=True)
    rating = Column(Float, nullable=True)
    image_url = Column(String(500), nullable=True)
    final_sale = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False, default=_utcnow)
    updated_at = Column(DateTime, nullable=False, default=_utcnow, onupdate=_utcnow)

    category = relationship("Category", back_populates="products")
    variants = relationship(
        "ProductVariant",
        back_populates="product",
        order_by="ProductVariant.id",
        cascade="all, delete-orphan",
    )

    @property
    def price(self) -> Decimal | None:
        """Lowest variant price, or None for a product without variants."""
        prices = [variant.price for variant in self.variants]
        return min(prices) if prices else None

    @property
    def colors(self) -> tuple[str, ...]:
        """Distinct variant colors in variant order."""
        return tuple(dict.fromkeys(v.color for v in self.variants if v.color))

    @property
    def sizes(self) -> tuple[str, ...]:
        """Distinct variant sizes in variant order."""
        return tuple(dict.fromkeys(v.size for v in self.variants if v.size))

    @property
    def stock(self) -> int:
        """Units in stock over all variants."""
        return sum(variant.stock for variant in self.variants)

    @property
    def category_path(self) -> str | None:
        """Full category path, e.g. ``"Shoes > Running Shoes"``."""
        return self.category.path if self.category is not None else None

    def __repr__(self) -> str:
        return f"Product({self.handle!r})"


class ProductVariant(Base):
    """One buyable version of a product (a color/size combination) with its SKU, price and stock."""

    __tablename__ = "product_variants"

    id = Column(Integer, primary_key=True)
    sku = Column(String(100), nullable=False, unique=True)
    product_id = Column(
        Integer, ForeignKey("products.id", ondelete="CASCADE"), nullable=False, index=True
    )
    color = Column(String(50), nullable=True)
    size = Column(String(20), nullable=True)
    price = Column(Money, nullable=False)
    stock = Column(Integer, nullable=False, default=0)

    product = relationship("Product", back_populates="variants")

    @property
    def in_stock(self) -> bool:
        """True when at least one unit can be sold."""
        return self.stock > 0

    def __repr__(self) -> str:
        return f"ProductVariant({self.sku!r})"


class Customer(Base):
    """A shopper with an account."""

    __tablename__ = "customers"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    email = Column(String(255), nullable=False, unique=True)
    zip_code = Column(String(20), nullable=True)

    orders = relationship("Order", back_populates="customer", order_by="Order.placed_at")

    def __repr__(self) -> str:
        return f"Customer({self.email!r})"


class Order(Base):
    """A customer's order with its shipping address and payment method."""

    __tablename__ = "orders"

    id = Column(Integer, primary_key=True)
    number = Column(String(20), nullable=False, unique=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    status = Column(
        StringEnum(OrderStatus, "order_status"), nullable=False, default=OrderStatus.PROCESSING
    )
    placed_at = Column(DateTime, nullable=False)
    currency = Column(String(3), nullable=False, default="USD")
    shipping_name = Column(String(200), nullable=False)
    shipping_line1 = Column(String(255), nullable=False)
    shipping_line2 = Column(String(255), nullable=True)
    shipping_city = Column(String(120), nullable=False)
    shipping_region = Column(String(120), nullable=True)
    shipping_postal_code = Column(String(20), nullable=False)
    shipping_country = Column(String(2), nullable=False, default="US")
    payment_method = Column(String(100), nullable=False)

    customer = relationship("Customer", back_populates="orders")
    lines = relationship(
        "OrderLine", back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    shipments = relationship(
        "Shipment", back_populates="order", order_by="Shipment.id", cascade="all, delete-orphan"
    )
    returns = relationship(
        "ReturnRequest",
        back_populates="order",
        order_by="ReturnRequest.id",
        cascade="all, delete-orphan",
    )
    refunds = relationship(
        "Refund", back_populates="order", order_by="Refund.id", cascade="all, delete-orphan"
    )

    @property
    def total(self) -> Decimal:
        """Sum of the order lines (quantity x unit price)."""
        return sum((line.line_total for line in self.lines), Decimal("0.00"))

    @property
    def shipping_address(self) -> str:
        """The shipping address on one line: ``"Alex Morgan, 500 Howard Street, ..., US"``."""
        region_and_code = " ".join(
            p for p in (self.shipping_region, self.shipping_postal_code) if p
        )
        parts = (
            self.shipping_name,
            self.shipping_line1,
            self.shipping_line2,
            self.shipping_city,
            region_and_code,
            self.shipping_country,
        )
        return ", ".join(part for part in parts if part)

    @property
    def latest_shipment(self) -> Shipment | None:
        """The most recent shipment, or None if nothing has shipped."""
        return self.shipments[-1] if self.shipments else None

    def __repr__(self) -> str:
        return f"Order({self.number!r}, {self.status.value if self.status else None!r})"


class OrderLine(Base):
    """One product variant on an order, with title, price and final-sale flag as sold."""

    __tablename__ = "order_lines"

    id = Column(Integer, primary_key=True)
    order_id = Column(
        Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    variant_id = Column(Integer, ForeignKey("product_variants.id"), nullable=False, index=True)
    product_title = Column(String(255), nullable=False)
    quantity = Column(Integer, nullable=False, default=1)
    unit_price = Column(Money, nullable=False)
    final_sale = Column(Boolean, nullable=False, default=False)

    order = relationship("Order", back_populates="lines")
    variant = relationship("ProductVariant")

    @property
    def line_total(self) -> Decimal:
        """quantity x unit price."""
        return self.unit_price * self.quantity


class Shipment(Base):
    """A parcel sent for an order, with carrier and tracking number."""

    __tablename__ = "shipments"

    id = Column(Integer, primary_key=True)
    order_id = Column(
        Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    carrier = Column(String(50), nullable=False)
    tracking_number = Column(String(100), nullable=False)
    shipped_at = Column(DateTime, nullable=False)
    estimated_delivery = Column(Date, nullable=True)
    delivered_at = Column(DateTime, nullable=True)

    order = relationship("Order", back_populates="shipments")


class ReturnRequest(Base):
    """A return merchandise authorization (RMA) for some lines of an order."""

    __tablename__ = "return_requests"

    id = Column(Integer, primary_key=True)
    order_id = Column(
        Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    rma_number = Column(String(30), nullable=False, unique=True)
    status = Column(
        StringEnum(ReturnStatus, "return_status"), nullable=False, default=ReturnStatus.REQUESTED
    )
    reason = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=_utcnow)
    refund_amount = Column(Money, nullable=True)

    order = relationship("Order", back_populates="returns")
    lines = relationship(
        "ReturnLine", back_populates="return_request", cascade="all, delete-orphan"
    )
    refunds = relationship("Refund", back_populates="return_request")


class ReturnLine(Base):
    """How many units of one order line a return covers."""

    __tablename__ = "return_lines"

    id = Column(Integer, primary_key=True)
    return_id = Column(
        Integer, ForeignKey("return_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    order_line_id = Column(Integer, ForeignKey("order_lines.id"), nullable=False, index=True)
    quantity = Column(Integer, nullable=False, default=1)

    return_request = relationship("ReturnRequest", back_populates="lines")
    order_line = relationship("OrderLine")


class Refund(Base):
    """Money paid back to the customer, usually to the original payment method."""

    __tablename__ = "refunds"

    id = Column(Integer, primary_key=True)
    order_id = Column(
        Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    return_id = Column(Integer, ForeignKey("return_requests.id"), nullable=True, index=True)
    amount = Column(Money, nullable=False)
    method = Column(String(100), nullable=False)
    status = Column(
        StringEnum(RefundStatus, "refund_status"), nullable=False, default=RefundStatus.PENDING
    )
    issued_at = Column(DateTime, nullable=True)

    order = relationship("Order", back_populates="refunds")
    return_request = relationship("ReturnRequest", back_populates="refunds")


class OrderCancellation(Base):
    """When an order was cancelled (one row per cancelled order; the order's status says it too)."""

    __tablename__ = "order_cancellations"

    id = Column(Integer, primary_key=True)
    order_id = Column(
        Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    cancelled_at = Column(DateTime, nullable=False, default=_utcnow)


class InteractionKind(str, enum.Enum):
    """What a shopper did with a product; the recommender learns from these."""

    VIEW = "view"
    CART = "cart"
    PURCHASE = "purchase"
    #: The bot showed the product (a search result, a recommendation): seen, not chosen.
    SHOWN = "shown"
    #: The shopper clicked the product's card in the chat widget.
    CLICK = "click"


class Interaction(Base):
    """One behaviour event: a customer (or an anonymous session) viewed, carted or bought a product.

    ``customer_id`` is set for signed-in shoppers, ``session_id`` otherwise (or both).
    Purchases are also recorded as orders; an interaction row is the lightweight event
    the recommender reads, with ``order_id`` linking a purchase to its order when known.
    """

    __tablename__ = "interactions"

    id = Column(Integer, primary_key=True)
    customer_id = Column(
        Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=True, index=True
    )
    session_id = Column(String(255), nullable=True, index=True)
    product_id = Column(
        Integer, ForeignKey("products.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind = Column(StringEnum(InteractionKind, "interaction_kind"), nullable=False)
    order_id = Column(Integer, ForeignKey("orders.id", ondelete="SET NULL"), nullable=True)
    occurred_at = Column(DateTime, nullable=False, default=_utcnow, index=True)

    @property
    def shopper(self) -> str:
        """``"customer:12"`` or ``"session:abc"``: who did it, as one key."""
        if self.customer_id is not None:
            return f"customer:{self.customer_id}"
        return f"session:{self.session_id}"


class HandoffReason(str, enum.Enum):
    """Why a conversation was passed to a human agent."""

    REQUESTED = "requested"
    REPEATED_FALLBACK = "repeated_fallback"
    COMPLAINT = "complaint"
    VERIFICATION_FAILED = "verification_failed"


class HandoffStatus(str, enum.Enum):
    """Whether a human still has to pick the conversation up."""

    OPEN = "open"
    RESOLVED = "resolved"


class HandoffRequest(Base):
    """A conversation (Rasa ``sender_id``) waiting for, or handled by, a human agent.

    At most one request per conversation is open at a time; a partial unique index
    (SQLite and PostgreSQL both have them) enforces that even for concurrent requests.
    """

    __tablename__ = "handoff_requests"
    __table_args__ = (
        Index(
            "uq_handoff_requests_open_sender_id",
            "sender_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    reason = Column(StringEnum(HandoffReason, "handoff_reason"), nullable=False)
    status = Column(
        StringEnum(HandoffStatus, "handoff_status"), nullable=False, default=HandoffStatus.OPEN
    )
    note = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=_utcnow)
    resolved_at = Column(DateTime, nullable=True)


class SatisfactionRating(Base):
    """A shopper's 1-5 rating of how a support flow went."""

    __tablename__ = "satisfaction_ratings"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    rating = Column(Integer, nullable=False)
    flow = Column(String(50), nullable=False, index=True)
    comment = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=_utcnow)


# --- Support console (console/): staff, sessions, audit, its index of the conversation store ---


class StaffRole(str, enum.Enum):
    """What a staff member may do in the support console."""

    ADMIN = "admin"
    AGENT = "agent"
    ANNOTATOR = "annotator"


class StaffMember(Base):
    """A person who signs in to the support console."""

    __tablename__ = "staff_members"

    id = Column(Integer, primary_key=True)
    email = Column(String(255), nullable=False, unique=True)
    name = Column(String(100), nullable=False)
    role = Column(StringEnum(StaffRole, "staff_role"), nullable=False)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False, default=_utcnow)


class StaffSession(Base):
    """A signed-in browser: the cookie names ``id``; ``csrf_token`` guards its forms."""

    __tablename__ = "staff_sessions"

    id = Column(String(64), primary_key=True)
    staff_id = Column(
        Integer, ForeignKey("staff_members.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=_utcnow)
    last_seen_at = Column(DateTime, nullable=False, default=_utcnow)


class LoginFailure(Base):
    """A failed sign-in, counted to slow down password guessing."""

    __tablename__ = "login_failures"

    id = Column(Integer, primary_key=True)
    email = Column(String(255), nullable=False, index=True)
    address = Column(String(64), nullable=False, index=True)
    failed_at = Column(DateTime, nullable=False, default=_utcnow, index=True)


class AuditEntry(Base):
    """Who did what in the console: took over, replied, labelled, exported, managed staff."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    staff_id = Column(
        Integer, ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True, index=True
    )
    staff_email = Column(String(255), nullable=False)
    action = Column(String(50), nullable=False, index=True)
    target = Column(String(255), nullable=True)
    detail = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=_utcnow, index=True)


class ConversationSummary(Base):
    """One conversation as the console's inbox sees it, kept up to date from Rasa's events."""

    __tablename__ = "console_conversations"
    __table_args__ = (Index("ix_console_conversations_activity", "last_activity_at", "sender_id"),)

    sender_id = Column(String(255), primary_key=True)
    channel = Column(String(50), nullable=True, index=True)
    started_at = Column(DateTime, nullable=False)
    last_activity_at = Column(DateTime, nullable=False)
    message_count = Column(Integer, nullable=False, default=0)
    has_fallback = Column(Boolean, nullable=False, default=False, index=True)
    min_confidence = Column(Float, nullable=True, index=True)
    verified = Column(Boolean, nullable=False, default=False, index=True)
    paused = Column(Boolean, nullable=False, default=False)
    last_user_text = Column(Text, nullable=True)
    assigned_staff_id = Column(
        Integer, ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True, index=True
    )
    assigned_at = Column(DateTime, nullable=True)
    reviewed_at = Column(DateTime, nullable=True, index=True)


class ConversationIntent(Base):
    """An intent recognised in some turn of a conversation (for the inbox's intent filter)."""

    __tablename__ = "console_conversation_intents"

    sender_id = Column(String(255), primary_key=True)
    intent = Column(String(255), primary_key=True, index=True)


class ConversationMessage(Base):
    """A shopper's, the bot's or a staff member's message, for search and the fix-the-bot queue."""

    __tablename__ = "console_messages"
    #: Full-text search (``ILIKE '%words%'``) reads a trigram index on PostgreSQL instead of
    #: every message (migration 0006; SQLite keeps a plain index, which it cannot use for it).
    __table_args__ = (
        Index(
            "ix_console_messages_text_trgm",
            "text",
            postgresql_using="gin",
            postgresql_ops={"text": "gin_trgm_ops"},
        ),
    )

    #: The Rasa event's id in the conversation store.
    event_id = Column(Integer, primary_key=True, autoincrement=False)
    sender_id = Column(String(255), nullable=False, index=True)
    sent_at = Column(DateTime, nullable=False, index=True)
    #: ``user``, ``bot``, ``staff`` (a staff reply) or ``notice`` (staff joined or left).
    actor = Column(String(10), nullable=False)
    text = Column(Text, nullable=False, default="")
    intent = Column(String(255), nullable=True)
    confidence = Column(Float, nullable=True)
    fallback = Column(Boolean, nullable=False, default=False)
    flagged_by = Column(Integer, ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True)
    labelled_at = Column(DateTime, nullable=True)


class ConversationTag(Base):
    """A tag staff put on a conversation."""

    __tablename__ = "console_tags"

    sender_id = Column(String(255), primary_key=True)
    tag = Column(String(50), primary_key=True, index=True)


class ConversationNote(Base):
    """A private note on a conversation; shoppers never see it."""

    __tablename__ = "console_notes"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    staff_id = Column(Integer, ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True)
    body = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, default=_utcnow)


class CannedReply(Base):
    """A reply text the support team keeps for questions that come up often."""

    __tablename__ = "console_canned_replies"

    id = Column(Integer, primary_key=True)
    title = Column(String(100), nullable=False, unique=True)
    body = Column(Text, nullable=False)
    updated_at = Column(DateTime, nullable=False, default=_utcnow)


class TrainingLabel(Base):
    """A misunderstood message an annotator labelled; written to nlu_data's reviewed examples."""

    __tablename__ = "console_labels"

    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, nullable=True, index=True)
    text = Column(Text, nullable=False)
    intent = Column(String(255), nullable=False)
    entities = Column(Text, nullable=True)
    staff_id = Column(Integer, ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True)
    created_at = Column(DateTime, nullable=False, default=_utcnow)


class IndexPosition(Base):
    """How far the console has read the conversation store (the last event id it indexed)."""

    __tablename__ = "console_index_position"

    name = Column(String(50), primary_key=True)
    last_event_id = Column(Integer, nullable=False, default=0)


# --- Customer profiles (docs/personalisation.md): one shopper across channels ---


class LinkMethod(str, enum.Enum):
    """How a conversation came to be linked to a customer."""

    #: The shopper passed the order number + email/ZIP check in the conversation.
    VERIFICATION = "verification"
    #: The shop's backend vouched for the shopper with a signed identity token (widget).
    IDENTITY_TOKEN = "identity_token"


class CustomerConversation(Base):
    """A conversation (Rasa ``sender_id``, any channel) known to be one customer's.

    Written only when the shopper proved who they are; anonymous conversations have no row.
    """

    __tablename__ = "customer_conversations"
    __table_args__ = (UniqueConstraint("sender_id", "customer_id"),)

    id = Column(Integer, primary_key=True)
    customer_id = Column(
        Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(50), nullable=True)
    linked_by = Column(StringEnum(LinkMethod, "link_method"), nullable=False)
    linked_at = Column(DateTime, nullable=False, default=_utcnow)


class PreferenceKind(str, enum.Enum):
    """What a customer said they like, as the search filters name it."""

    SIZE = "size"
    COLOR = "color"
    BRAND = "brand"
    BUDGET = "budget"


class StatedPreference(Base):
    """One preference a verified customer stated in a conversation ("size 10", "under $80")."""

    __tablename__ = "customer_preferences"

    id = Column(Integer, primary_key=True)
    customer_id = Column(
        Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind = Column(StringEnum(PreferenceKind, "preference_kind"), nullable=False)
    value = Column(String(120), nullable=False)
    #: The category the shopper was looking at when they said it (a shoe size is not a shirt size).
    category = Column(String(255), nullable=True)
    sender_id = Column(String(255), nullable=False)
    stated_at = Column(DateTime, nullable=False, default=_utcnow, index=True)


class SentimentReading(Base):
    """How a shopper's message sounded: a score from -1 (angry) to 1 (happy)."""

    __tablename__ = "conversation_sentiment"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    score = Column(Float, nullable=False)
    measured_at = Column(DateTime, nullable=False, default=_utcnow, index=True)
