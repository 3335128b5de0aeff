"""Staff accounts and the audit log (admins), canned replies (agents)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from console.app import DB, allowed, page
from console.staff import Staff, add_staff, audit, list_staff, recent_audit, set_active
from storage.orders import committing, utcnow
from storage.schema import CannedReply

router = APIRouter(tags=["staff"])
Admin = Annotated[Staff, Depends(allowed("manage_staff"))]
Agent = Annotated[Staff, Depends(allowed("answer"))]
MAX_CANNED_CHARS = 2000


@router.get("/staff")
def staff_page(request: Request, session: DB, staff: Admin) -> Response:
    """Accounts and the newest audit entries."""
    return page(request, "staff.html", members=list_staff(session), audit_log=recent_audit(session))


@router.post("/staff")
def create_staff(
    session: DB,
    staff: Admin,
    email: Annotated[str, Form(max_length=255)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Add an account."""
    member = add_staff(session, email, password, role, name)
    audit(session, staff, "staff_add", member.email, member.role.value)
    return RedirectResponse("/staff", status_code=303)


@router.post("/staff/{member_id}/active")
def change_active(
    session: DB, staff: Admin, member_id: int, active: Annotated[str, Form()] = "no"
) -> Response:
    """Disable (ending its sessions) or enable an account."""
    if member_id == staff.id:
        raise ValueError("You cannot disable your own account.")
    member = set_active(session, member_id, active == "yes")
    audit(session, staff, "staff_enable" if active == "yes" else "staff_disable", member.email)
    return RedirectResponse("/staff", status_code=303)


@router.get("/canned")
def canned_page(request: Request, session: DB, staff: Agent) -> Response:
    """The team's canned replies."""
    replies = session.execute(select(CannedReply).order_by(CannedReply.title)).scalars()
    return page(request, "canned.html", replies=list(replies))


@router.post("/canned")
def save_canned(
    session: DB,
    staff: Agent,
    title: Annotated[str, Form(max_length=200)] = "",
    body: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """Add a canned reply, or replace the one with the same title."""
    title, body = title.strip(), body.strip()
    if not title or len(title) > 100 or not body or len(body) > MAX_CANNED_CHARS:
        raise ValueError(
            f"A canned reply needs a title (at most 100 characters) and a text "
            f"(at most {MAX_CANNED_CHARS})."
        )
    existing = session.execute(
        select(CannedReply).where(CannedReply.title == title)
    ).scalar_one_or_none()
    try:
        with committing(session):
            if existing is None:
                session.add(CannedReply(title=title, body=body, updated_at=utcnow()))
            else:
                existing.body, existing.updated_at = body, utcnow()
    except IntegrityError:
        raise ValueError(f"A canned reply titled {title!r} was just added; reload.") from None
    audit(session, staff, "canned_save", title)
    return RedirectResponse("/canned", status_code=303)


@router.post("/canned/{reply_id}/delete")
def delete_canned(session: DB, staff: Agent, reply_id: int) -> Response:
    """Remove a canned reply."""
    with committing(session):
        session.execute(delete(CannedReply).where(CannedReply.id == reply_id))
    audit(session, staff, "canned_delete", str(reply_id))
    return RedirectResponse("/canned", status_code=303)
