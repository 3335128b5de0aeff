"""The console's FastAPI application: shared services, sign-in checks, error pages."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

from console.indexer import catch_up
from console.model_update import ModelUpdates
from console.rasa_client import RasaClient, RasaUnavailable
from console.staff import Staff, TooManyLogins, session_staff
from console.takeover import TakeoverRefused
from shopdesk.secrets import console_session_secret
from shopdesk.settings import Settings
from storage.db import create_engine_for, session_factory

HERE = Path(__file__).resolve().parent
logger = logging.getLogger(__name__)
templates = Jinja2Templates(directory=str(HERE / "templates"))


@dataclass
class Console:
    """What every request of the console shares."""

    settings: Settings
    shop: Engine
    conversations: Engine
    sessions: sessionmaker
    rasa: RasaClient
    updates: ModelUpdates | None = None
    _encoder: Any = None
    _encoder_lock: threading.Lock = field(default_factory=threading.Lock)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings (L2-normalised) of ``texts``; the model loads on first use."""
        with self._encoder_lock:
            if self._encoder is None:
                from retrieval.embeddings import TextEncoder

                self._encoder = TextEncoder(self.settings.embedding_model)
        return self._encoder.encode(texts)

    def index_now(self) -> int:
        """Bring the console's index up to date with the conversation store."""
        with self.sessions() as session:
            return catch_up(self.conversations, session)


class NotSignedIn(Exception):
    """The request has no live session."""


class Forbidden(Exception):
    """The staff member's role does not allow this."""


class CsrfRefused(Exception):
    """A state-changing request without the session's CSRF token."""


class NotFound(LookupError):
    """The conversation, staff member or page does not exist."""


def console_of(request: Request) -> Console:
    """The application's shared services."""
    return request.app.state.console


def db(request: Request) -> Iterator[Session]:
    """A session on the shop database for one request."""
    with console_of(request).sessions() as session:
        yield session


DB = Annotated[Session, Depends(db)]


def current_staff(request: Request, session: DB) -> Staff:
    """The signed-in staff member; :class:`NotSignedIn` otherwise."""
    session_id = request.session.get("sid")
    if not session_id:
        raise NotSignedIn()
    idle = timedelta(minutes=console_of(request).settings.console_session_minutes)
    found = session_staff(session, session_id, idle)
    if found is None:
        request.session.clear()
        raise NotSignedIn()
    staff, csrf = found
    request.state.staff = staff
    request.state.csrf_token = csrf
    return staff


async def check_csrf(request: Request, staff: Annotated[Staff, Depends(current_staff)]) -> None:
    """Refuse a state-changing request whose form or header lacks the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent: object = request.headers.get("X-CSRF-Token")  # a form may hold any field type
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get("csrf_token")
    if not isinstance(sent, str) or not hmac.compare_digest(
        sent.encode(), request.state.csrf_token.encode()
    ):
        raise CsrfRefused()


def allowed(permission: str):
    """A dependency: the signed-in staff member, whose role allows ``permission``."""

    def guard(
        staff: Annotated[Staff, Depends(current_staff)], _: Annotated[None, Depends(check_csrf)]
    ) -> Staff:
        if not staff.can(permission):
            raise Forbidden()
        return staff

    return guard


def page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    """Render ``template`` with the signed-in staff member and CSRF token in its context."""
    context.setdefault("staff", getattr(request.state, "staff", None))
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", ""))
    context.setdefault("htmx", request.headers.get("HX-Request") == "true")
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    response.headers["Vary"] = "HX-Request"
    return response


def _error(request: Request, status: int, title: str, message: str) -> Response:
    if (
        "text/html" not in request.headers.get("accept", "")
        and request.headers.get("HX-Request") != "true"
    ):
        return Response(f"{title}: {message}\n", status_code=status, media_type="text/plain")
    return page(request, "error.html", status, title=title, message=message)


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _: NotSignedIn) -> Response:
        wants_page = request.method == "GET" and request.headers.get("HX-Request") != "true"
        if wants_page and "text/html" in request.headers.get("accept", ""):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return _error(request, 401, "Not signed in", "Sign in at /login first.")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _: Forbidden) -> Response:
        return _error(request, 403, "Not allowed", "Your role does not allow this page or action.")

    @app.exception_handler(CsrfRefused)
    async def csrf(request: Request, _: CsrfRefused) -> Response:
        return _error(
            request,
            403,
            "Form expired",
            "The form was missing its security token. Reload the page and try again.",
        )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> Response:
        return _error(request, 404, "Not found", str(error))

    @app.exception_handler(ValueError)
    async def bad_input(request: Request, error: ValueError) -> Response:
        return _error(request, 400, "Check the input", str(error))

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, error: RequestValidationError) -> Response:
        fields = sorted({str(problem["loc"][-1]) for problem in error.errors() if problem["loc"]})
        return _error(
            request,
            400,
            "Check the input",
            f"These fields are missing, too long or not the right kind: {', '.join(fields)}.",
        )

    @app.exception_handler(TooManyLogins)
    async def too_many(request: Request, error: TooManyLogins) -> Response:
        return _error(request, 429, "Too many attempts", str(error))

    @app.exception_handler(TakeoverRefused)
    async def refused(request: Request, error: TakeoverRefused) -> Response:
        return _error(request, 409, "Not possible now", str(error))

    @app.exception_handler(RasaUnavailable)
    async def rasa_down(request: Request, error: RasaUnavailable) -> Response:
        return _error(request, 502, "The bot server did not answer", str(error))


async def _keep_index_fresh(console: Console, interval: float) -> None:
    while True:
        try:
            await asyncio.to_thread(console.index_now)
        except Exception:  # keep serving; the next round retries
            logger.exception("Indexing the conversation store failed")
        await asyncio.sleep(interval)


def create_app(
    settings: Settings,
    *,
    rasa_url: str | None = None,
    index_interval: float | None = 1.0,
    train: Callable[[Settings], Path] | None = None,
) -> FastAPI:
    """The console application. ``index_interval`` seconds between index updates (None: only
    when :meth:`Console.index_now` is called, as tests do); ``train`` retrains the bot for
    "Retrain and compare" (default: ``shopdesk train``'s :func:`~shopdesk.training.train_bot`)."""
    from console.routers import routers

    shop = create_engine_for(settings.database_url)
    console = Console(
        settings=settings,
        shop=shop,
        conversations=create_engine_for(settings.tracker_store_url),
        sessions=session_factory(shop),
        rasa=RasaClient.for_settings(settings, rasa_url),
    )

    from shopdesk.training import NLU_TRAIN_DIR, train_bot

    console.updates = ModelUpdates(
        settings, console.rasa, train or train_bot, NLU_TRAIN_DIR.parent / "test"
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = None
        if index_interval is not None:
            task = asyncio.create_task(_keep_index_fresh(console, index_interval))
        yield
        if task is not None:
            task.cancel()
        console.shop.dispose()
        console.conversations.dispose()

    app = FastAPI(
        title="shopdesk support console", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.console = console
    app.add_middleware(
        SessionMiddleware,
        secret_key=console_session_secret(settings),
        session_cookie="shopdesk_console",
        max_age=settings.console_session_minutes * 60,
        same_site="strict",
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in routers():
        app.include_router(router)
    _install_error_pages(app)
    return app
