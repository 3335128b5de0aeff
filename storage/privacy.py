"""A shopper's data on request: everything held about them (export), or erased (forget).

What belongs to a person: their customer row, their orders (with lines, shipments, returns
and refunds), the conversations linked to them or in which they verified as that customer or
that mention their email (Rasa's ``events`` table), the console's copies of those
conversations (summaries, messages, intents, tags, notes, handoffs, ratings, sentiment,
training labels), their stated preferences and their behaviour rows.

Forgetting erases conversations, the console's copies and behaviour, and anonymises what the
shop must keep for its accounts: the customer row (orders need it) and the name and street of
each order's shipping address (city, region, ZIP and country stay for tax records). Every step
can run again: a forget interrupted half-way is finished by running it again with the same
email (:class:`ForgetPlan` is written to the request journal before anything is deleted).
On SQLite, deleted rows are overwritten (``secure_delete``) and the write-ahead log is
truncated so no copy stays in a free page or an old log frame.

Transcript retention (:func:`delete_old_transcripts`) uses the same deletion.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from storage.orders import committing, utcnow
from storage.pii import redact
from storage.schema import (
    ConversationIntent,
    ConversationMessage,
    ConversationNote,
    ConversationSummary,
    ConversationTag,
    Customer,
    CustomerConversation,
    HandoffRequest,
    Interaction,
    Order,
    SatisfactionRating,
    SentimentReading,
    StatedPreference,
    TrainingLabel,
)

#: The slot holding the verified customer's id (actions/verification.py).
VERIFIED_SLOT = "verified_customer_id"
FORGOTTEN_NAME = "Forgotten customer"
ERASED = "(erased)"

_metadata = sa.MetaData()
#: Rasa's SQL tracker store table (declared here so nothing below the bot imports Rasa).
EVENTS = sa.Table(
    "events",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("data", sa.Text),
)

_CONVERSATION_COPIES = (
    ConversationSummary,
    ConversationIntent,
    ConversationMessage,
    ConversationTag,
    ConversationNote,
    HandoffRequest,
    SatisfactionRating,
    SentimentReading,
    CustomerConversation,
)


class UnknownSubject(LookupError):
    """Nothing is held about the email given."""


def normalised_email(email: str) -> str:
    """``" Alex@Example.COM "`` -> ``"alex@example.com"``."""
    return email.strip().lower()


def subject_key(email: str, secret: str) -> str:
    """The keyed hash naming a person in the request journal (never the email itself)."""
    return hmac.new(secret.encode(), normalised_email(email).encode(), hashlib.sha256).hexdigest()


def _has_events(engine: Engine) -> bool:
    return sa.inspect(engine).has_table("events")


def conversations_of(
    events_engine: Engine, customer_id: int | None, mentions: Iterable[str] = ()
) -> list[str]:
    """Ids of the conversations verified as ``customer_id`` or whose events contain a mention.

    Mentions are found only in conversations stored before redaction was on (or unmasked by
    an operator); a masked conversation is found through the verified customer.
    """
    if not _has_events(events_engine):
        return []
    senders: set[str] = set()
    with events_engine.connect() as connection:
        if customer_id is not None:
            rows = connection.execute(
                select(EVENTS.c.sender_id, EVENTS.c.data).where(
                    EVENTS.c.type_name == "slot", EVENTS.c.data.contains(VERIFIED_SLOT)
                )
            )
            for sender, data in rows:
                event = json.loads(data)
                value = event.get("value")
                if event.get("name") == VERIFIED_SLOT and value is not None:
                    if float(value) == float(customer_id):
                        senders.add(sender)
        for mention in mentions:
            if mention:
                rows = connection.execute(
                    select(EVENTS.c.sender_id)
                    .where(func.lower(EVENTS.c.data).contains(mention.lower()))
                    .distinct()
                )
                senders.update(sender for (sender,) in rows)
    return sorted(senders)


def _sessions_of(session: Session, customer_id: int | None) -> set[str]:
    """Conversations linked to the customer (verification, identity token) or in which they
    viewed products."""
    if customer_id is None:
        return set()
    rows = session.execute(
        select(Interaction.session_id).where(
            Interaction.customer_id == customer_id, Interaction.session_id.is_not(None)
        )
    )
    linked = session.execute(
        select(CustomerConversation.sender_id).where(
            CustomerConversation.customer_id == customer_id
        )
    )
    return {sender for (sender,) in [*rows, *linked] if sender}


def _transcript(events_engine: Engine, sender_id: str) -> list[dict[str, Any]]:
    with events_engine.connect() as connection:
        rows = connection.execute(
            select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
            .where(EVENTS.c.sender_id == sender_id)
            .order_by(EVENTS.c.id)
        )
        messages = []
        for type_name, timestamp, data in rows:
            event = json.loads(data)
            at = datetime.fromtimestamp(timestamp or 0, tz=timezone.utc).isoformat()
            if type_name in ("user", "bot"):
                messages.append({"at": at, "from": type_name, "text": event.get("text")})
            elif type_name == "slot" and event.get("value") is not None:
                messages.append({"at": at, "slot": event.get("name"), "value": event.get("value")})
        return messages


def _order_record(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "status": order.status.value if order.status else None,
        "placed_at": order.placed_at.isoformat() if order.placed_at else None,
        "currency": order.currency,
        "shipping_address": order.shipping_address,
        "payment_method": order.payment_method,
        "lines": [
            {
                "product": line.product_title,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
            }
            for line in order.lines
        ],
        "shipments": [
            {
                "carrier": s.carrier,
                "tracking_number": s.tracking_number,
                "shipped_at": s.shipped_at.isoformat() if s.shipped_at else None,
                "delivered_at": s.delivered_at.isoformat() if s.delivered_at else None,
            }
            for s in order.shipments
        ],
        "returns": [
            {
                "rma": r.rma_number,
                "status": r.status.value if r.status else None,
                "reason": r.reason,
                "created_at": r.created_at.isoformat() if r.created_at else None,
            }
            for r in order.returns
        ],
        "refunds": [
            {"amount": str(r.amount), "method": r.method, "status": r.status.value}
            for r in order.refunds
        ],
    }


def _customer(session: Session, email: str) -> Customer | None:
    return session.execute(
        select(Customer).where(func.lower(Customer.email) == normalised_email(email))
    ).scalar_one_or_none()


def export_subject(session: Session, events_engine: Engine, email: str) -> dict[str, Any]:
    """Everything held about the person with ``email``: profile, orders, conversations,
    behaviour, handoffs and ratings. Raises :class:`UnknownSubject` when nothing is."""
    customer = _customer(session, email)
    customer_id = customer.id if customer is not None else None
    senders = sorted(
        set(conversations_of(events_engine, customer_id, [normalised_email(email)]))
        | _sessions_of(session, customer_id)
    )
    if customer is None and not senders:
        raise UnknownSubject(email)
    behaviour_filter = Interaction.session_id.in_(senders)
    if customer_id is not None:
        behaviour_filter = behaviour_filter | (Interaction.customer_id == customer_id)
    behaviour = session.execute(select(Interaction).where(behaviour_filter)).scalars()
    handoffs = session.execute(
        select(HandoffRequest).where(HandoffRequest.sender_id.in_(senders))
    ).scalars()
    ratings = session.execute(
        select(SatisfactionRating).where(SatisfactionRating.sender_id.in_(senders))
    ).scalars()
    return {
        "exported_at": datetime.now(timezone.utc).isoformat(),
        "profile": None
        if customer is None
        else {
            "id": customer.id,
            "name": customer.name,
            "email": customer.email,
            "zip_code": customer.zip_code,
        },
        "orders": [_order_record(order) for order in (customer.orders if customer else [])],
        "conversations": [
            {"id": sender, "messages": _transcript(events_engine, sender)} for sender in senders
        ],
        "behaviour": [
            {
                "kind": row.kind.value,
                "product_id": row.product_id,
                "conversation": row.session_id,
                "at": row.occurred_at.isoformat(),
            }
            for row in behaviour
        ],
        "handoffs": [
            {"conversation": h.sender_id, "reason": h.reason.value, "note": h.note}
            for h in handoffs
        ],
        "ratings": [
            {"conversation": r.sender_id, "rating": r.rating, "flow": r.flow} for r in ratings
        ],
        "preferences": [
            {"kind": p.kind.value, "value": p.value, "category": p.category}
            for p in session.execute(
                select(StatedPreference).where(StatedPreference.customer_id == customer_id)
            ).scalars()
        ],
    }


@dataclass
class ForgetPlan:
    """What a forget request erases; journalled before the first deletion."""

    subject: str
    customer_id: int | None
    conversations: list[str] = field(default_factory=list)
    #: Name and email as they were, only in memory: to scrub logs (never journalled).
    words: list[str] = field(default_factory=list)
    finished_at: str | None = None

    def record(self) -> dict[str, Any]:
        """The journal line (no personal data: a keyed hash, ids)."""
        data = asdict(self)
        data.pop("words")
        return data


class RequestJournal:
    """Append-only JSON Lines record of export and forget requests, for the shop's records."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, action: str, record: dict[str, Any]) -> None:
        """Add one line: the action, when, and ``record``."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = {"at": datetime.now(timezone.utc).isoformat(), "action": action, **record}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")

    def unfinished_forget(self, subject: str) -> ForgetPlan | None:
        """The forget of ``subject`` started and not finished, if any."""
        if not self.path.exists():
            return None
        plan: ForgetPlan | None = None
        for line in self.path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry.get("subject") != subject:
                continue
            if entry["action"] == "forget-started":
                plan = ForgetPlan(subject, entry["customer_id"], entry["conversations"])
            elif entry["action"] == "forget-finished":
                plan = None
        return plan


def plan_forget(
    session: Session, events_engine: Engine, email: str, secret: str, journal: RequestJournal
) -> ForgetPlan:
    """What forgetting ``email`` erases: an unfinished earlier request is resumed.

    Raises :class:`UnknownSubject` when nothing is held (and nothing is journalled).
    """
    subject = subject_key(email, secret)
    customer = _customer(session, email)
    customer_id = customer.id if customer is not None else None
    senders = set(conversations_of(events_engine, customer_id, [normalised_email(email)]))
    senders |= _sessions_of(session, customer_id)
    words = [normalised_email(email)]
    if customer is not None:
        words.append(customer.name)
    earlier = journal.unfinished_forget(subject)
    if earlier is not None:
        earlier.conversations = sorted(set(earlier.conversations) | senders)
        earlier.words = words
        return earlier
    if customer is None and not senders:
        raise UnknownSubject(email)
    plan = ForgetPlan(subject, customer_id, sorted(senders), words)
    journal.append("forget-started", plan.record())
    return plan


def _secure_delete(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA secure_delete=ON")


def delete_conversations(events_engine: Engine, session: Session, senders: list[str]) -> int:
    """Erase the conversations ``senders`` from the conversation store and the console's
    copies of them; returns how many events were deleted."""
    deleted = 0
    if senders and _has_events(events_engine):
        with events_engine.begin() as connection:
            _secure_delete(connection)
            for start in range(0, len(senders), 500):
                chunk = senders[start : start + 500]
                event_ids = [
                    event_id
                    for (event_id,) in connection.execute(
                        select(EVENTS.c.id).where(EVENTS.c.sender_id.in_(chunk))
                    )
                ]
                with committing(session):
                    _secure_delete(session.connection())
                    for id_start in range(0, len(event_ids), 500):
                        ids = event_ids[id_start : id_start + 500]
                        session.execute(
                            delete(TrainingLabel).where(TrainingLabel.event_id.in_(ids))
                        )
                result = connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(chunk)))
                deleted += result.rowcount or 0
    with committing(session):
        _secure_delete(session.connection())
        for start in range(0, len(senders), 500):
            chunk = senders[start : start + 500]
            for model in _CONVERSATION_COPIES:
                session.execute(delete(model).where(model.sender_id.in_(chunk)))
    return deleted


def anonymise_customer(session: Session, customer_id: int) -> None:
    """Erase the behaviour of ``customer_id`` and the personal fields of their profile and
    orders (the rows stay: orders are the shop's accounts)."""
    with committing(session):
        _secure_delete(session.connection())
        session.execute(delete(Interaction).where(Interaction.customer_id == customer_id))
        session.execute(delete(StatedPreference).where(StatedPreference.customer_id == customer_id))
        session.execute(
            delete(CustomerConversation).where(CustomerConversation.customer_id == customer_id)
        )
        customer = session.get(Customer, customer_id)
        if customer is None:
            return
        customer.name = FORGOTTEN_NAME
        customer.email = f"forgotten-{customer_id}@invalid"
        customer.zip_code = None
        for order in customer.orders:
            order.shipping_name = FORGOTTEN_NAME
            order.shipping_line1 = ERASED
            order.shipping_line2 = None
            for return_request in order.returns:
                if return_request.reason:
                    return_request.reason = redact(return_request.reason)


def scrub_files(directory: Path, words: Iterable[str]) -> list[Path]:
    """Replace ``words`` by ``<ERASED>`` in the files under ``directory`` (logs); returns the
    files changed. Each file is rewritten through a temporary file and renamed."""
    needles = [w.encode() for w in words if w]
    changed: list[Path] = []
    if not directory.is_dir():
        return changed
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        data = path.read_bytes()
        scrubbed = data
        for needle in needles:
            scrubbed = scrubbed.replace(needle, b"<ERASED>")
        if scrubbed != data:
            temporary = path.with_name(path.name + ".scrub")
            temporary.write_bytes(scrubbed)
            temporary.replace(path)
            changed.append(path)
    return changed


def compact(*engines: Engine) -> None:
    """Fold SQLite's write-ahead log into the database and truncate it (erased rows then
    exist nowhere on disk); nothing to do for server databases."""
    for engine in engines:
        if engine.dialect.name != "sqlite":
            continue
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def finish_forget(
    plan: ForgetPlan,
    session: Session,
    events_engine: Engine,
    journal: RequestJournal,
    log_dir: Path | None = None,
) -> int:
    """Carry out ``plan`` (each step may run again); returns the events erased."""
    if log_dir is not None:
        scrub_files(log_dir, plan.words)
    deleted = delete_conversations(events_engine, session, plan.conversations)
    if plan.customer_id is not None:
        anonymise_customer(session, plan.customer_id)
    compact(session.get_bind(), events_engine)  # type: ignore[arg-type]
    plan.finished_at = utcnow().isoformat()
    journal.append("forget-finished", plan.record())
    return deleted


def delete_old_transcripts(session: Session, events_engine: Engine, cutoff: datetime) -> int:
    """Erase the conversations idle since before ``cutoff`` (UTC); returns how many."""
    if not _has_events(events_engine):
        return 0
    cutoff_seconds = cutoff.replace(tzinfo=timezone.utc).timestamp()
    with events_engine.connect() as connection:
        senders = [
            sender
            for (sender,) in connection.execute(
                select(EVENTS.c.sender_id)
                .group_by(EVENTS.c.sender_id)
                .having(func.max(EVENTS.c.timestamp) < cutoff_seconds)
            )
        ]
    if senders:
        delete_conversations(events_engine, session, senders)
        compact(session.get_bind(), events_engine)  # type: ignore[arg-type]
    return len(senders)
