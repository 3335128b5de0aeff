"""The action server's metrics, readiness and conversation id in logs (docs/operations.md).

:func:`observe` adds to rasa-sdk's app: ``/metrics`` (Prometheus), ``/readyz`` (the shop
database answers; 503 with the problem otherwise; ``/health`` stays rasa-sdk's liveness
check), the time each action takes (``shopdesk_action_seconds{action}``), failed actions
(``shopdesk_errors_total{cause="action_exception"}``) and the conversation id on log lines.
:func:`time_searches` times every product search of the process (stage ``search``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import text

from retrieval.product_index import ProductIndex
from shopdesk.observability import (
    ACTION_SECONDS,
    ERRORS,
    STAGE_SECONDS,
    conversation_id,
    metrics_page,
)

#: Sanic's loggers, which have handlers of their own (JSON logs reformat them too).
SANIC_LOGGERS = ("sanic.root", "sanic.error", "sanic.access")

#: Paths of the operators' endpoints, open like ``/health`` (no shop data in them).
OPERATOR_PATHS = frozenset({"/metrics", "/readyz"})


def observe(app: Sanic) -> None:
    """Add the metrics and readiness routes and per-action timing to the action server."""

    @app.middleware("request")
    async def start_timer(request: Request) -> None:
        request.ctx.started = time.perf_counter()
        if request.path != "/webhook":
            return
        request.ctx.action = "unknown"
        # A deflated body (Rasa's optional compression) is left to rasa-sdk: no second unpacking.
        if not request.body or request.headers.get("Content-Encoding") == "deflate":
            return
        try:
            body = request.json  # parsed once: rasa-sdk's handler reuses it
        except Exception:  # a malformed body is rasa-sdk's to refuse
            return
        if isinstance(body, dict):
            request.ctx.action = str(body.get("next_action") or "unknown")
            tracker = body.get("tracker")
            sender = tracker.get("sender_id") if isinstance(tracker, dict) else None
            if isinstance(sender, str):
                request.ctx.conversation = conversation_id.set(sender)

    @app.middleware("response")
    async def stop_timer(request: Request, reply: HTTPResponse) -> None:
        if getattr(request.ctx, "conversation", None) is not None:
            # Requests on a kept-alive connection share one task: the next must not inherit it.
            with contextlib.suppress(ValueError):
                conversation_id.reset(request.ctx.conversation)
        action = getattr(request.ctx, "action", None)
        if action is None:
            return
        ACTION_SECONDS.labels(action=action).observe(time.perf_counter() - request.ctx.started)
        if reply.status >= 500:
            ERRORS.labels(cause="action_exception").inc()

    async def metrics(request: Request) -> HTTPResponse:
        body, content_type = metrics_page()
        return response.raw(body, content_type=content_type)

    async def readyz(request: Request) -> HTTPResponse:
        try:
            await asyncio.to_thread(_database_answers)
        except Exception as error:  # any failure means: not ready, and why
            problem = f"shop database: {type(error).__name__}: {error}"
            return response.json({"status": "not ready", "problems": [problem]}, status=503)
        return response.json({"status": "ready"})

    app.add_route(metrics, "/metrics", methods=["GET"], name="shopdesk_metrics")
    app.add_route(readyz, "/readyz", methods=["GET"], name="shopdesk_readyz")


def _database_answers() -> None:
    """Build the shared services (cached after the first call) and ask the database."""
    from actions.services import shop_services

    with shop_services().session() as session:
        session.execute(text("SELECT 1"))


def time_searches() -> None:
    """Time every ``ProductIndex.search`` of this process on stage ``search`` (idempotent).

    Wrapped here rather than in retrieval/, which knows nothing of servers and metrics.
    """
    search = ProductIndex.search
    if getattr(search, "_shopdesk_timed", False):
        return

    @functools.wraps(search)
    def timed_search(self: ProductIndex, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return search(self, *args, **kwargs)
        finally:
            STAGE_SECONDS.labels(stage="search").observe(time.perf_counter() - start)

    timed_search._shopdesk_timed = True  # type: ignore[attr-defined]
    ProductIndex.search = timed_search  # type: ignore[method-assign]
