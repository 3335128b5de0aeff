"""The Rasa server's metrics, health endpoints and JSON logs (docs/operations.md).

:func:`install` (called by ``bot/rasa_main.py``) wraps the points of Rasa 3.6 a message passes
through, each timed on ``shopdesk_stage_seconds`` or counted (shopdesk/observability.py):

* ``Agent.handle_message``: messages per channel, the whole reply's latency, the conversation id
  JSON log lines carry;
* ``MessageProcessor.parse_message``: stage ``nlu``, and ``nlu`` fallbacks (``nlu_fallback``);
* ``MessageProcessor._predict_next_with_tracker``: stage ``policies``;
* ``EndpointConfig.request`` for action server calls: stage ``action`` (the round trip), errors
  ``action_server`` (unreachable, timed out) and ``action_failed`` (it answered 5xx);
* ``MessageProcessor._run_action``: ``action`` fallbacks and handoffs by the action that ran;
* ``MessageProcessor.handle_message``: ``tracker_store`` errors (the conversation database).

:func:`prepare_app` (called when ``rasa run`` builds its server) adds three routes:
``/metrics`` (Prometheus), ``/healthz`` (the process answers) and ``/readyz`` (a model is loaded
and the conversation database and lock store answer: 503 with the problems otherwise).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shopdesk.observability import (
    ERRORS,
    FALLBACKS,
    HANDOFFS,
    MESSAGE_SECONDS,
    MESSAGES,
    STAGE_SECONDS,
    configure_logging,
    conversation_id,
    metrics_page,
    timed,
)
from shopdesk.settings import get_settings

logger = logging.getLogger(__name__)

#: Actions that mean the bot did not understand, and the one that hands over to a person.
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "action_two_stage_fallback"})
HANDOFF_ACTION = "action_handoff"
#: Rasa's and Sanic's loggers that have handlers of their own (JSON logs reformat them too).
SERVER_LOGGERS = ("sanic.root", "sanic.error", "sanic.access", "rasa")

_installed: dict[str, Any] = {}


def install() -> None:
    """Wrap Rasa's message path (idempotent)."""
    if _installed:
        return
    _installed.update(
        handle=Agent.handle_message,
        process=MessageProcessor.handle_message,
        parse=MessageProcessor.parse_message,
        predict=MessageProcessor._predict_next_with_tracker,
        run_action=MessageProcessor._run_action,
        request=EndpointConfig.request,
    )
    Agent.handle_message = _handle_message  # type: ignore[method-assign]
    MessageProcessor.handle_message = _process_message  # type: ignore[method-assign]
    MessageProcessor.parse_message = _parse_message  # type: ignore[method-assign]
    MessageProcessor._predict_next_with_tracker = _predict  # type: ignore[method-assign]
    MessageProcessor._run_action = _run_action  # type: ignore[method-assign]
    EndpointConfig.request = _request  # type: ignore[method-assign]


async def _handle_message(self: Agent, message: UserMessage) -> Any:
    token = conversation_id.set(message.sender_id)
    MESSAGES.labels(channel=message.input_channel or "unknown").inc()
    try:
        with timed(MESSAGE_SECONDS):
            return await _installed["handle"](self, message)
    finally:
        conversation_id.reset(token)


async def _process_message(self: MessageProcessor, message: UserMessage) -> Any:
    try:
        return await _installed["process"](self, message)
    except SQLAlchemyError:
        ERRORS.labels(cause="tracker_store").inc()
        raise


async def _parse_message(self: MessageProcessor, *args: Any, **kwargs: Any) -> dict[str, Any]:
    with timed(STAGE_SECONDS.labels(stage="nlu")):
        parse_data = await _installed["parse"](self, *args, **kwargs)
    if (parse_data.get("intent") or {}).get("name") == "nlu_fallback":
        FALLBACKS.labels(kind="nlu").inc()
    return parse_data


def _predict(self: MessageProcessor, *args: Any, **kwargs: Any) -> Any:
    with timed(STAGE_SECONDS.labels(stage="policies")):
        return _installed["predict"](self, *args, **kwargs)


async def _run_action(self: MessageProcessor, action: Any, *args: Any, **kwargs: Any) -> Any:
    name = action.name()
    if name in FALLBACK_ACTIONS:
        FALLBACKS.labels(kind="action").inc()
    elif name == HANDOFF_ACTION:
        HANDOFFS.inc()
    return await _installed["run_action"](self, action, *args, **kwargs)


async def _request(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
    body = kwargs.get("json")
    if not (isinstance(body, dict) and "next_action" in body):
        return await _installed["request"](self, *args, **kwargs)
    start = time.perf_counter()
    try:
        return await _installed["request"](self, *args, **kwargs)
    except ClientResponseError as error:
        if error.status >= 500:
            ERRORS.labels(cause="action_failed").inc()
        raise
    except Exception:
        ERRORS.labels(cause="action_server").inc()
        raise
    finally:
        STAGE_SECONDS.labels(stage="action").observe(time.perf_counter() - start)


def prepare_app(app: Sanic) -> None:
    """Add ``/metrics``, ``/healthz`` and ``/readyz`` to the Rasa server's ``app``; set up the
    server's logs (JSON with the conversation id, or plain: ``SHOPDESK_LOG_FORMAT``)."""
    add_routes(app)
    configure_logging(get_settings().log_format, SERVER_LOGGERS)


def add_routes(app: Sanic) -> None:
    """Add the metrics, liveness and readiness routes to the Rasa server's app."""

    async def metrics(request: Request) -> HTTPResponse:
        body, content_type = metrics_page()
        return response.raw(body, content_type=content_type)

    async def healthz(request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    async def readyz(request: Request) -> HTTPResponse:
        problems = await readiness_problems(getattr(request.app.ctx, "agent", None))
        if problems:
            return response.json({"status": "not ready", "problems": problems}, status=503)
        return response.json({"status": "ready"})

    app.add_route(metrics, "/metrics", methods=["GET"], name="shopdesk_metrics")
    app.add_route(healthz, "/healthz", methods=["GET"], name="shopdesk_healthz")
    app.add_route(readyz, "/readyz", methods=["GET"], name="shopdesk_readyz")


async def readiness_problems(agent: Agent | None) -> list[str]:
    """What keeps this server from answering shoppers (empty when it is ready)."""
    if agent is None or not agent.is_ready():
        return ["no model is loaded yet"]
    problems = []
    store = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)
    engine = getattr(store, "engine", None)
    if engine is not None:
        try:
            await asyncio.to_thread(_select_one, engine)
        except Exception as error:  # any failure means: not ready, and why
            problems.append(f"conversation database: {type(error).__name__}: {error}")
    redis = getattr(agent.lock_store, "red", None)
    if redis is not None:
        try:
            answer = await asyncio.to_thread(redis.ping)
            if inspect.isawaitable(answer):  # bot/lock_store.py's asyncio client
                await answer
        except Exception as error:  # any failure means: not ready, and why
            problems.append(f"lock store (Redis): {type(error).__name__}: {error}")
    return problems


def _select_one(engine: Any) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
