"""The inbox: conversations newest activity first, paged, with filters that combine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from storage.schema import (
    ConversationIntent,
    ConversationMessage,
    ConversationSummary,
    ConversationTag,
    HandoffRequest,
    HandoffStatus,
    SatisfactionRating,
    StaffMember,
)

PAGE_SIZE = 25
#: The tag console/indexer.py puts on conversations the bot heard frustration in.
FRUSTRATED_TAG = "frustrated"
MAX_SEARCH_CHARS = 200
MAX_PAGE = 10_000
_YES = {"yes", "true", "1", "on"}
_NO = {"no", "false", "0", "off"}


class InvalidFilter(ValueError):
    """A filter value the inbox cannot use; the message names it and what is allowed."""


@dataclass(frozen=True)
class InboxFilters:
    """What the staff member asked the inbox for (every field optional; they combine)."""

    channel: str | None = None
    active_from: date | None = None
    active_to: date | None = None
    intent: str | None = None
    #: ``waiting`` (an open handoff) or ``any`` (ever handed off).
    handoff: str | None = None
    #: A fallback or a turn below the low-confidence threshold.
    misunderstood: bool | None = None
    #: ``any``, ``none`` or a score 1-5.
    csat: str | None = None
    verified: bool | None = None
    tag: str | None = None
    reviewed: bool | None = None
    search: str | None = None
    page: int = 1

    def query_string(self, **changes: Any) -> str:
        """These filters (with ``changes``) as a URL query string, for links and paging."""
        values = replace(self, **changes) if changes else self
        pairs = []
        for name, value in values.__dict__.items():
            if value is None or (name == "page" and value == 1):
                continue
            if isinstance(value, bool):
                value = "yes" if value else "no"
            pairs.append((name, str(value)))
        return urlencode(pairs)


def _yes_no(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise InvalidFilter(f"{name} must be yes or no, got {raw[:40]!r}.")


def _date(name: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidFilter(f"{name} must be a date like 2026-11-30, got {raw[:40]!r}.") from None


def parse_filters(params: Mapping[str, str]) -> InboxFilters:
    """Inbox filters from query parameters; :class:`InvalidFilter` says which one is wrong."""
    values: dict[str, Any] = {}
    for name in ("channel", "intent", "tag"):
        raw = (params.get(name) or "").strip()
        if raw:
            if len(raw) > 100:
                raise InvalidFilter(f"{name} is too long (at most 100 characters).")
            values[name] = raw
    for name in ("active_from", "active_to"):
        if (params.get(name) or "").strip():
            values[name] = _date(name, params[name])
    if values.get("active_from") and values.get("active_to"):
        if values["active_from"] > values["active_to"]:
            raise InvalidFilter("active_from is after active_to: swap the two dates.")
    for name in ("misunderstood", "verified", "reviewed"):
        if (params.get(name) or "").strip():
            values[name] = _yes_no(name, params[name])
    handoff = (params.get("handoff") or "").strip().lower()
    if handoff:
        if handoff not in ("waiting", "any"):
            raise InvalidFilter(f"handoff must be 'waiting' or 'any', got {handoff[:40]!r}.")
        values["handoff"] = handoff
    csat = (params.get("csat") or "").strip().lower()
    if csat:
        if csat not in ("any", "none", "1", "2", "3", "4", "5"):
            raise InvalidFilter(f"csat must be any, none or a score 1-5, got {csat[:40]!r}.")
        values["csat"] = csat
    search = (params.get("search") or "").strip()
    if search:
        if len(search) > MAX_SEARCH_CHARS:
            raise InvalidFilter(
                f"The search text has {len(search):,} characters; search for at most "
                f"{MAX_SEARCH_CHARS} (a few words of the message are enough)."
            )
        values["search"] = search
    raw_page = (params.get("page") or "1").strip()
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= MAX_PAGE:
        raise InvalidFilter(f"page must be a whole number from 1 to {MAX_PAGE}.")
    values["page"] = int(raw_page)
    return InboxFilters(**values)


@dataclass(frozen=True)
class InboxRow:
    """One conversation as an inbox line."""

    sender_id: str
    channel: str | None
    started_at: datetime
    last_activity_at: datetime
    message_count: int
    preview: str
    misunderstood: bool
    verified: bool
    reviewed: bool
    waiting: bool
    assigned_to: str | None
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class InboxPage:
    """A page of conversations and whether another page follows."""

    rows: list[InboxRow]
    page: int
    has_next: bool


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(filters: InboxFilters, low_confidence: float) -> list:
    summary = ConversationSummary
    conditions = []
    if filters.channel:
        conditions.append(summary.channel == filters.channel)
    if filters.active_from:
        conditions.append(summary.last_activity_at >= datetime.combine(filters.active_from, time()))
    if filters.active_to:
        end = datetime.combine(filters.active_to + timedelta(days=1), time())
        conditions.append(summary.last_activity_at < end)
    if filters.intent:
        conditions.append(
            exists().where(
                ConversationIntent.sender_id == summary.sender_id,
                ConversationIntent.intent == filters.intent,
            )
        )
    if filters.handoff:
        handoff = [HandoffRequest.sender_id == summary.sender_id]
        if filters.handoff == "waiting":
            handoff.append(HandoffRequest.status == HandoffStatus.OPEN)
        conditions.append(exists().where(*handoff))
    if filters.misunderstood is not None:
        misunderstood = or_(summary.has_fallback, summary.min_confidence < low_confidence)
        conditions.append(misunderstood if filters.misunderstood else ~misunderstood)
    if filters.csat:
        rating = [SatisfactionRating.sender_id == summary.sender_id]
        if filters.csat.isdigit():
            rating.append(SatisfactionRating.rating == int(filters.csat))
        rated = exists().where(*rating)
        conditions.append(~rated if filters.csat == "none" else rated)
    if filters.verified is not None:
        conditions.append(summary.verified.is_(filters.verified))
    if filters.tag:
        conditions.append(
            exists().where(
                ConversationTag.sender_id == summary.sender_id, ConversationTag.tag == filters.tag
            )
        )
    if filters.reviewed is not None:
        reviewed = summary.reviewed_at.is_not(None)
        conditions.append(reviewed if filters.reviewed else ~reviewed)
    if filters.search:
        conditions.append(
            exists().where(
                ConversationMessage.sender_id == summary.sender_id,
                ConversationMessage.text.ilike(_like(filters.search), escape="\\"),
            )
        )
    return conditions


def search_inbox(
    session: Session, filters: InboxFilters, low_confidence: float, page_size: int = PAGE_SIZE
) -> InboxPage:
    """One page of the conversations matching every filter, newest activity first."""
    summary = ConversationSummary
    query = (
        select(summary, StaffMember.name)
        .outerjoin(StaffMember, StaffMember.id == summary.assigned_staff_id)
        .where(and_(True, *_conditions(filters, low_confidence)))
        .order_by(summary.last_activity_at.desc(), summary.sender_id.desc())
        .offset((filters.page - 1) * page_size)
        .limit(page_size + 1)
    )
    found = session.execute(query).all()
    has_next = len(found) > page_size
    found = found[:page_size]
    senders = [row.sender_id for row, _ in found]
    waiting = set(
        session.execute(
            select(HandoffRequest.sender_id).where(
                HandoffRequest.sender_id.in_(senders), HandoffRequest.status == HandoffStatus.OPEN
            )
        ).scalars()
    )
    tags: dict[str, list[str]] = {}
    for sender_id, tag in session.execute(
        select(ConversationTag.sender_id, ConversationTag.tag)
        .where(ConversationTag.sender_id.in_(senders))
        .order_by(ConversationTag.tag)
    ):
        tags.setdefault(sender_id, []).append(tag)
    rows = [
        InboxRow(
            sender_id=row.sender_id,
            channel=row.channel,
            started_at=row.started_at,
            last_activity_at=row.last_activity_at,
            message_count=row.message_count,
            preview=row.last_user_text or "",
            misunderstood=row.has_fallback
            or (row.min_confidence is not None and row.min_confidence < low_confidence),
            verified=row.verified,
            reviewed=row.reviewed_at is not None,
            waiting=row.sender_id in waiting,
            assigned_to=assigned,
            tags=tags.get(row.sender_id, []),
        )
        for row, assigned in found
    ]
    return InboxPage(rows=rows, page=filters.page, has_next=has_next)


def matching_senders(
    session: Session, filters: InboxFilters, low_confidence: float, limit: int
) -> list[str]:
    """Ids of the conversations matching every filter, newest activity first (at most ``limit``)."""
    summary = ConversationSummary
    return list(
        session.execute(
            select(summary.sender_id)
            .where(and_(True, *_conditions(filters, low_confidence)))
            .order_by(summary.last_activity_at.desc(), summary.sender_id.desc())
            .limit(limit)
        ).scalars()
    )


@dataclass(frozen=True)
class WaitingShopper:
    """A conversation in the waiting-for-a-person queue."""

    sender_id: str
    reason: str
    since: datetime
    waited: timedelta
    preview: str
    assigned_to: str | None
    #: The bot heard frustration in the conversation (the ``frustrated`` tag, docs/console.md).
    frustrated: bool = False


def waiting_queue(session: Session, now: datetime, limit: int = 50) -> list[WaitingShopper]:
    """Open handoffs, frustrated shoppers first, then longest waiting first, with who (if
    anyone) has taken each."""
    frustrated = (
        exists()
        .where(
            ConversationTag.sender_id == HandoffRequest.sender_id,
            ConversationTag.tag == FRUSTRATED_TAG,
        )
        .label("frustrated")
    )
    rows = session.execute(
        select(HandoffRequest, ConversationSummary.last_user_text, StaffMember.name, frustrated)
        .outerjoin(ConversationSummary, ConversationSummary.sender_id == HandoffRequest.sender_id)
        .outerjoin(StaffMember, StaffMember.id == ConversationSummary.assigned_staff_id)
        .where(HandoffRequest.status == HandoffStatus.OPEN)
        .order_by(frustrated.desc(), HandoffRequest.created_at, HandoffRequest.id)
        .limit(limit)
    ).all()
    return [
        WaitingShopper(
            sender_id=handoff.sender_id,
            reason=handoff.reason.value.replace("_", " "),
            since=handoff.created_at,
            waited=max(now - handoff.created_at, timedelta()),
            preview=preview or "",
            assigned_to=assigned,
            frustrated=bool(is_frustrated),
        )
        for handoff, preview, assigned, is_frustrated in rows
    ]


def channels(session: Session) -> list[str]:
    """The channels conversations came in on (for the filter's choices)."""
    return [
        channel
        for channel in session.execute(
            select(ConversationSummary.channel).distinct().order_by(ConversationSummary.channel)
        ).scalars()
        if channel
    ]
