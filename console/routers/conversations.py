"""A conversation: transcript, tags, notes, review, flags and live takeover."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from console.app import DB, NotFound, allowed, console_of, page
from console.staff import Staff, audit
from console.takeover import assignee, hand_back, reply, take_over
from console.transcript import load_transcript
from storage.customer_profile import PRODUCT_ACTIVITIES, customer_profile, linked_customer
from storage.orders import committing, utcnow
from storage.schema import (
    CannedReply,
    ConversationMessage,
    ConversationNote,
    ConversationSummary,
    ConversationTag,
    HandoffRequest,
    SatisfactionRating,
    StaffMember,
)

router = APIRouter(prefix="/conversations", tags=["conversations"])
Reader = Annotated[Staff, Depends(allowed("read"))]
Agent = Annotated[Staff, Depends(allowed("answer"))]
MAX_TAG_CHARS = 50
MAX_NOTE_CHARS = 5000


def summary_of(session: Session, sender_id: str) -> ConversationSummary:
    """The conversation's index row, or :class:`NotFound`."""
    row = session.get(ConversationSummary, sender_id)
    if row is None:
        raise NotFound(f"There is no conversation {sender_id!r} (yet).")
    return row


def _back(sender_id: str) -> Response:
    return RedirectResponse(f"/conversations/{sender_id}", status_code=303)


@router.get("/{sender_id}")
def transcript(request: Request, session: DB, staff: Reader, sender_id: str) -> Response:
    """The transcript, newest turns first loaded; ``?before=`` loads earlier ones (htmx)."""
    summary = summary_of(session, sender_id)
    before = request.query_params.get("before")
    if before is not None and not before.isdigit():
        raise NotFound("Earlier turns are addressed by an event number.")
    events = console_of(request).conversations
    transcript = load_transcript(events, sender_id, int(before) if before else None)
    if before is not None:
        return page(request, "conversation/_items.html", transcript=transcript, sender_id=sender_id)
    notes = session.execute(
        select(ConversationNote, StaffMember.name)
        .outerjoin(StaffMember, StaffMember.id == ConversationNote.staff_id)
        .where(ConversationNote.sender_id == sender_id)
        .order_by(ConversationNote.id)
    ).all()
    tags = session.execute(
        select(ConversationTag.tag).where(ConversationTag.sender_id == sender_id)
    ).scalars()
    flagged = set(
        session.execute(
            select(ConversationMessage.event_id).where(
                ConversationMessage.sender_id == sender_id,
                ConversationMessage.flagged_by.is_not(None),
            )
        ).scalars()
    )
    handoffs = session.execute(
        select(HandoffRequest)
        .where(HandoffRequest.sender_id == sender_id)
        .order_by(HandoffRequest.id)
    ).scalars()
    ratings = session.execute(
        select(SatisfactionRating).where(SatisfactionRating.sender_id == sender_id)
    ).scalars()
    canned = session.execute(select(CannedReply).order_by(CannedReply.title)).scalars()
    customer = linked_customer(session, sender_id)
    return page(
        request,
        "conversation/index.html",
        summary=summary,
        transcript=transcript,
        sender_id=sender_id,
        notes=list(notes),
        tags=list(tags),
        flagged=flagged,
        handoffs=list(handoffs),
        ratings=list(ratings),
        holder=assignee(session, sender_id),
        canned=list(canned),
        profile=customer_profile(session, customer) if customer is not None else None,
        activities=PRODUCT_ACTIVITIES,
    )


@router.post("/{sender_id}/tags")
def add_tag(
    session: DB, staff: Agent, sender_id: str, tag: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """Tag the conversation (lower case, at most 50 characters)."""
    summary_of(session, sender_id)
    tag = tag.strip().lower()
    if not tag or len(tag) > MAX_TAG_CHARS:
        raise ValueError(f"A tag has 1 to {MAX_TAG_CHARS} characters.")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    with committing(session):
        session.execute(
            insert(ConversationTag).values(sender_id=sender_id, tag=tag).on_conflict_do_nothing()
        )
    audit(session, staff, "tag", sender_id, tag)
    return _back(sender_id)


@router.post("/{sender_id}/tags/remove")
def remove_tag(
    session: DB, staff: Agent, sender_id: str, tag: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """Take a tag off the conversation."""
    with committing(session):
        session.execute(
            delete(ConversationTag).where(
                ConversationTag.sender_id == sender_id, ConversationTag.tag == tag
            )
        )
    audit(session, staff, "untag", sender_id, tag)
    return _back(sender_id)


@router.post("/{sender_id}/notes")
def add_note(
    session: DB, staff: Agent, sender_id: str, body: Annotated[str, Form(max_length=20000)] = ""
) -> Response:
    """A private note for the team (the shopper never sees it)."""
    summary_of(session, sender_id)
    body = body.strip()
    if not body or len(body) > MAX_NOTE_CHARS:
        raise ValueError(f"A note has 1 to {MAX_NOTE_CHARS} characters.")
    with committing(session):
        session.add(
            ConversationNote(sender_id=sender_id, staff_id=staff.id, body=body, created_at=utcnow())
        )
    audit(session, staff, "note", sender_id)
    return _back(sender_id)


@router.post("/{sender_id}/reviewed")
def mark_reviewed(
    session: DB, staff: Reader, sender_id: str, reviewed: Annotated[str, Form()] = "yes"
) -> Response:
    """Mark the conversation reviewed (or not)."""
    summary = summary_of(session, sender_id)
    with committing(session):
        summary.reviewed_at = utcnow() if reviewed == "yes" else None
    audit(session, staff, "reviewed" if reviewed == "yes" else "unreviewed", sender_id)
    return _back(sender_id)


@router.post("/{sender_id}/messages/{event_id}/flag")
def flag_message(session: DB, staff: Reader, sender_id: str, event_id: int) -> Response:
    """Flag a shopper's message as misunderstood: it joins the fix-the-bot queue."""
    with committing(session):
        changed = session.execute(
            update(ConversationMessage)
            .where(
                ConversationMessage.event_id == event_id,
                ConversationMessage.sender_id == sender_id,
                ConversationMessage.actor == "user",
            )
            .values(flagged_by=staff.id)
            .execution_options(synchronize_session=False)
        ).rowcount
    if not changed:
        raise NotFound(f"Conversation {sender_id!r} has no shopper message {event_id}.")
    audit(session, staff, "flag", sender_id, str(event_id))
    return _back(sender_id)


@router.post("/{sender_id}/take-over")
def take_over_route(request: Request, session: DB, staff: Agent, sender_id: str) -> Response:
    """Take the conversation: the bot pauses and the shopper sees that a person joined."""
    summary_of(session, sender_id)
    take_over(session, console_of(request).rasa, staff, sender_id)
    return _back(sender_id)


@router.post("/{sender_id}/reply")
def reply_route(
    request: Request,
    session: DB,
    staff: Agent,
    sender_id: str,
    text: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """Send a reply to the shopper as yourself."""
    reply(session, console_of(request).rasa, staff, sender_id, text)
    return _back(sender_id)


@router.post("/{sender_id}/hand-back")
def hand_back_route(request: Request, session: DB, staff: Agent, sender_id: str) -> Response:
    """Give the conversation back to the bot."""
    hand_back(session, console_of(request).rasa, staff, sender_id)
    return _back(sender_id)


@router.post("/{sender_id}/close")
def close_route(request: Request, session: DB, staff: Agent, sender_id: str) -> Response:
    """Hand back to the bot and mark the conversation reviewed."""
    hand_back(session, console_of(request).rasa, staff, sender_id, close=True)
    return _back(sender_id)
