"""The demo storefront's FastAPI app: home, category and product pages, and view events.

Every page carries the ``<shopdesk-chat>`` widget (``/static/shopdesk-chat.js``), pointed at
the Rasa server. ``POST /api/interactions`` records that a shopper viewed, clicked or carted a
product, under the widget's session id (the conversation's sender id), in the
``interactions`` table: the next recommendation in that conversation uses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, validator
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from shopdesk.settings import Settings
from storage.behaviour import record_events
from storage.catalog import product_id_for_handle
from storage.db import StorageError, create_engine_for, session_factory
from storage.schema import InteractionKind
from web.catalog import category_products, departments, featured_products, product_by_handle

HERE = Path(__file__).resolve().parent
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{22,128}$")
templates = Jinja2Templates(directory=str(HERE / "templates"))


class InteractionIn(BaseModel):
    """A product page view, a card click or an add-to-cart, reported by the page's widget."""

    session_id: str = Field(..., description="the widget's conversation id")
    product_handle: str = Field(..., min_length=1, max_length=255)
    kind: Literal["view", "click", "cart"] = "view"

    @validator("session_id")
    def _session_id(cls, value: str) -> str:  # noqa: N805 (pydantic validator)
        if not SESSION_ID.match(value):
            raise ValueError("must be the widget's random session id (22-128 URL-safe characters)")
        return value


def shop_session(request: Request) -> Iterator[Session]:
    """A session on the shop database for one request."""
    with request.app.state.sessions() as db:
        yield db


Db = Annotated[Session, Depends(shop_session)]


def price_text(amount: float, currency: str) -> str:
    """``$84.99`` for USD, ``84.99 EUR`` otherwise."""
    return f"${amount:,.2f}" if currency == "USD" else f"{amount:,.2f} {currency}"


def create_app(settings: Settings) -> FastAPI:
    """The storefront for the shop database in ``settings``."""
    engine = create_engine_for(settings.database_url)
    sessions = session_factory(engine)
    app = FastAPI(title="shopdesk demo storefront", docs_url=None, redoc_url=None)
    app.state.sessions = sessions
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    templates.env.globals["price_text"] = price_text

    def page(
        request: Request, template: str, db: Session, status: int = 200, **context
    ) -> HTMLResponse:
        server = settings.widget_server_url or (
            f"{request.url.scheme}://{request.url.hostname}:{settings.rasa_port}"
        )
        return templates.TemplateResponse(
            request,
            template,
            {"departments": departments(db), "chat_server": server, **context},
            status_code=status,
        )

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request, db: Db) -> HTMLResponse:
        return page(request, "home.html", db, featured=featured_products(db))

    @app.get("/c/{path:path}", response_class=HTMLResponse)
    def category(request: Request, path: str, db: Db) -> HTMLResponse:
        products = category_products(db, path)
        if not products:
            raise HTTPException(404, f"There is no category {path!r} in this shop.")
        return page(request, "category.html", db, path=path, products=products)

    @app.get("/products/{handle}", response_class=HTMLResponse)
    def product(request: Request, handle: str, db: Db) -> HTMLResponse:
        record = product_by_handle(db, handle)
        if record is None:
            raise HTTPException(404, f"There is no product {handle!r} in this shop.")
        return page(request, "product.html", db, product=record)

    @app.post("/api/interactions", status_code=201)
    def interaction(event: InteractionIn, db: Db) -> dict[str, str]:
        product_id = product_id_for_handle(db, event.product_handle)
        if product_id is None:
            raise HTTPException(404, f"There is no product {event.product_handle!r}.")
        if not settings.record_behaviour:
            return {"recorded": "nothing (SHOPDESK_RECORD_BEHAVIOUR is off)"}
        try:
            record_events(db, [product_id], event.session_id, InteractionKind(event.kind))
        except (SQLAlchemyError, StorageError) as exc:
            raise HTTPException(503, "The event could not be recorded; try again later.") from exc
        return {"recorded": event.kind, "product_handle": event.product_handle}

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", response_model=None)
    def ready() -> dict[str, str] | JSONResponse:
        """Ready when the shop database answers (503 with the problem otherwise)."""
        try:
            with sessions() as db:
                db.execute(text("SELECT 1"))
        except (SQLAlchemyError, StorageError) as error:
            problem = f"shop database: {type(error).__name__}: {error}"
            return JSONResponse({"status": "not ready", "problems": [problem]}, status_code=503)
        return {"status": "ready"}

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> HTMLResponse | JSONResponse:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        with sessions() as db:
            return page(request, "error.html", db, exc.status_code, message=exc.detail)

    return app
