"""Hand-offs to human agents and satisfaction ratings, keyed by the Rasa conversation id.

Plain functions on a session; they return frozen dataclasses (no ORM objects) and the
ones that write commit. ``sender_id`` is the conversation id Rasa gives every chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import StorageError
from storage.orders import committing, utcnow
from storage.schema import HandoffReason, HandoffRequest, HandoffStatus, SatisfactionRating

LOWEST_RATING = 1
HIGHEST_RATING = 5


class InvalidRating(StorageError, ValueError):
    """A satisfaction rating outside 1-5, or without a flow name."""


@dataclass(frozen=True)
class Handoff:
    """A request for a human agent to take over a conversation."""

    id: int
    sender_id: str
    reason: HandoffReason
    status: HandoffStatus
    created_at: datetime
    resolved_at: datetime | None
    note: str | None


@dataclass(frozen=True)
class Rating:
    """One stored satisfaction rating."""

    id: int
    sender_id: str
    rating: int
    flow: str
    comment: str | None
    created_at: datetime


@dataclass(frozen=True)
class RatingSummary:
    """How satisfied shoppers were: count, average and how many gave each score 1-5."""

    count: int
    average: float | None
    by_score: dict[int, int]


def _handoff(row: HandoffRequest) -> Handoff:
    return Handoff(
        id=row.id,
        sender_id=row.sender_id,
        reason=row.reason,
        status=row.status,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
        note=row.note,
    )


def _open_request(session: Session, sender_id: str) -> HandoffRequest | None:
    return session.execute(
        select(HandoffRequest)
        .where(HandoffRequest.sender_id == sender_id, HandoffRequest.status == HandoffStatus.OPEN)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def request_handoff(
    session: Session,
    sender_id: str,
    reason: HandoffReason | str,
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> Handoff:
    """Ask a human to take over the conversation; returns the open request.

    While a request for ``sender_id`` is open, asking again returns that one unchanged
    (also when two requests race: the database allows one open request per
    conversation). ``reason`` is a :class:`HandoffReason` or its value, e.g.
    ``"repeated_fallback"``; anything else raises ``ValueError``. Commits.
    """
    try:
        reason = HandoffReason(reason)
    except ValueError:
        choices = ", ".join(member.value for member in HandoffReason)
        raise ValueError(f"Unknown hand-off reason {reason!r}; use one of: {choices}.") from None
    existing = _open_request(session, sender_id)
    if existing is not None:
        return _handoff(existing)
    row = HandoffRequest(
        sender_id=sender_id,
        reason=reason,
        status=HandoffStatus.OPEN,
        note=note,
        created_at=now or utcnow(),
    )
    try:
        with committing(session):
            session.add(row)
    except IntegrityError:
        # Another request for this conversation was opened in the meantime: use that one.
        existing = _open_request(session, sender_id)
        if existing is None:
            raise
        return _handoff(existing)
    return _handoff(row)


def is_handed_off(session: Session, sender_id: str) -> bool:
    """True while the conversation waits for (or is with) a human agent."""
    return _open_request(session, sender_id) is not None


def open_handoffs(session: Session) -> list[Handoff]:
    """Conversations waiting for a human, oldest first (the agents' queue)."""
    rows = session.execute(
        select(HandoffRequest)
        .where(HandoffRequest.status == HandoffStatus.OPEN)
        .order_by(HandoffRequest.created_at, HandoffRequest.id)
        .execution_options(populate_existing=True)
    ).scalars()
    return [_handoff(row) for row in rows]


def resolve_handoff(
    session: Session, sender_id: str, note: str | None = None, *, now: datetime | None = None
) -> Handoff | None:
    """Close the conversation's open request (the bot takes over again); None if none is open.

    A ``note`` (e.g. what the agent did) is appended to the request's note. Commits.
    """
    with committing(session):
        row = _open_request(session, sender_id)
        if row is None:
            return None
        row.status = HandoffStatus.RESOLVED
        row.resolved_at = now or utcnow()
        if note:
            row.note = f"{row.note}\n{note}" if row.note else note
    return _handoff(row)


def record_rating(
    session: Session,
    sender_id: str,
    rating: int,
    flow: str,
    comment: str | None = None,
    *,
    now: datetime | None = None,
) -> Rating:
    """Store a shopper's 1-5 rating of a support ``flow`` (e.g. ``"order_status"``). Commits.

    Raises :class:`InvalidRating` for a rating outside 1-5 (or not a whole number) or an
    empty flow name.
    """
    if isinstance(rating, bool) or not isinstance(rating, int):
        raise InvalidRating(f"A rating must be a whole number from 1 to 5, got {rating!r}.")
    if not LOWEST_RATING <= rating <= HIGHEST_RATING:
        raise InvalidRating(f"A rating must be from 1 to 5, got {rating}.")
    flow = flow.strip()
    if not flow:
        raise InvalidRating("Name the support flow being rated, e.g. 'order_status'.")
    row = SatisfactionRating(
        sender_id=sender_id,
        rating=rating,
        flow=flow,
        comment=comment,
        created_at=now or utcnow(),
    )
    with committing(session):
        session.add(row)
    return Rating(row.id, row.sender_id, row.rating, row.flow, row.comment, row.created_at)


def rating_summary(
    session: Session, *, flow: str | None = None, since: datetime | None = None
) -> RatingSummary:
    """Count and average of the ratings, optionally of one ``flow`` and from ``since`` on."""
    query = select(SatisfactionRating.rating, func.count()).group_by(SatisfactionRating.rating)
    if flow is not None:
        query = query.where(SatisfactionRating.flow == flow)
    if since is not None:
        query = query.where(SatisfactionRating.created_at >= since)
    counts = dict(session.execute(query).all())
    by_score = {score: counts.get(score, 0) for score in range(LOWEST_RATING, HIGHEST_RATING + 1)}
    count = sum(by_score.values())
    average = sum(score * n for score, n in by_score.items()) / count if count else None
    return RatingSummary(count=count, average=average, by_score=by_score)
