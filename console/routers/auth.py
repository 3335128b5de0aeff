"""Sign in and sign out."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from console.app import DB, CsrfRefused, check_csrf, page
from console.staff import LoginRefused, sign_in, sign_out

router = APIRouter(tags=["sign-in"])


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/inbox"


def _login_page(
    request: Request, status: int = 200, error: str = "", next_url: str = ""
) -> Response:
    token = request.session.get("login_csrf") or secrets.token_urlsafe(32)
    request.session["login_csrf"] = token
    return page(
        request, "login.html", status, error=error, next_url=_safe_next(next_url), csrf_token=token
    )


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:  # noqa: A002
    """The sign-in page."""
    return _login_page(request, next_url=next)


@router.post("/login")
def login(
    request: Request,
    session: DB,
    email: Annotated[str, Form(max_length=255)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "",  # noqa: A002
) -> Response:
    """Check the password; on success start a session and go where the staff member wanted."""
    expected = request.session.get("login_csrf", "")
    if not expected or not hmac.compare_digest(csrf_token.encode(), expected.encode()):
        raise CsrfRefused()
    address = request.client.host if request.client else "unknown"
    try:
        signed_in = sign_in(session, email, password, address)
    except LoginRefused as error:
        return _login_page(request, 401, str(error), next)
    request.session.clear()
    request.session["sid"] = signed_in.session_id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request, session: DB) -> Response:
    """End the session."""
    sign_out(session, request.session.get("sid", ""))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
