"""Live takeover: one staff member has a conversation, the bot pauses, replies go to the shopper."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from console.rasa_client import RasaClient
from console.staff import Staff, audit
from storage.orders import committing, utcnow
from storage.schema import ConversationSummary, StaffMember

MAX_REPLY_CHARS = 2000


class TakeoverRefused(Exception):
    """The conversation cannot be taken, answered or handed back by this staff member now."""


def assignee(session: Session, sender_id: str) -> tuple[int, str] | None:
    """Id and name of the staff member who has the conversation, if anyone."""
    row = session.execute(
        select(StaffMember.id, StaffMember.name)
        .join(ConversationSummary, ConversationSummary.assigned_staff_id == StaffMember.id)
        .where(ConversationSummary.sender_id == sender_id)
    ).first()
    return (row.id, row.name) if row else None


def take_over(session: Session, rasa: RasaClient, staff: Staff, sender_id: str) -> None:
    """Give the conversation to ``staff`` (unless someone has it) and pause the bot."""
    with committing(session):
        taken = session.execute(
            update(ConversationSummary)
            .where(
                ConversationSummary.sender_id == sender_id,
                ConversationSummary.assigned_staff_id.is_(None),
            )
            .values(assigned_staff_id=staff.id, assigned_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
    if not taken:
        holder = assignee(session, sender_id)
        if holder is None:
            raise LookupError(f"No conversation {sender_id!r}.")
        if holder[0] == staff.id:
            return
        raise TakeoverRefused(f"{holder[1]} has this conversation.")
    try:
        rasa.pause(sender_id)
    except Exception:
        _release(session, sender_id)
        raise
    rasa.staff_message(sender_id, f"{staff.name} joined the chat.", staff.name, kind="joined")
    audit(session, staff, "take_over", sender_id)


def _release(session: Session, sender_id: str, **values: object) -> None:
    with committing(session):
        session.execute(
            update(ConversationSummary)
            .where(ConversationSummary.sender_id == sender_id)
            .values(assigned_staff_id=None, assigned_at=None, **values)
            .execution_options(synchronize_session=False)
        )


def _require_holder(session: Session, staff: Staff, sender_id: str) -> None:
    holder = assignee(session, sender_id)
    if holder is None:
        raise TakeoverRefused("Take the conversation over first.")
    if holder[0] != staff.id:
        raise TakeoverRefused(f"{holder[1]} has this conversation.")


def reply(session: Session, rasa: RasaClient, staff: Staff, sender_id: str, text: str) -> None:
    """Send ``text`` to the shopper as ``staff``; only the staff member who has it may."""
    text = text.strip()
    if not text:
        raise ValueError("Write a reply first.")
    if len(text) > MAX_REPLY_CHARS:
        raise ValueError(f"A reply can have at most {MAX_REPLY_CHARS} characters.")
    _require_holder(session, staff, sender_id)
    rasa.staff_message(sender_id, text, staff.name)
    audit(session, staff, "reply", sender_id, text[:200])


def hand_back(
    session: Session, rasa: RasaClient, staff: Staff, sender_id: str, *, close: bool = False
) -> None:
    """The bot answers the conversation again; ``close`` also marks it reviewed."""
    _require_holder(session, staff, sender_id)
    rasa.staff_message(sender_id, f"{staff.name} left the chat.", staff.name, kind="left")
    rasa.resume(sender_id)  # also closes the open handoff
    # The indexer reads the resume event within a second; the page shown now must not wait.
    _release(session, sender_id, paused=False)
    if close:
        with committing(session):
            session.execute(
                update(ConversationSummary)
                .where(ConversationSummary.sender_id == sender_id)
                .values(reviewed_at=utcnow())
                .execution_options(synchronize_session=False)
            )
    audit(session, staff, "close" if close else "hand_back", sender_id)
