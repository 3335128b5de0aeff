"""What operators see of the running servers: Prometheus metrics, JSON logs, readiness.

Every server process (Rasa, action server, console, storefront) imports this module; the
metrics each one updates are the ones it exposes on ``/metrics`` (docs/operations.md lists them).
With several processes on one port (``SHOPDESK_RASA_WORKERS`` > 1), ``shopdesk run`` sets
``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` adds up the workers' numbers
(prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import contextvars
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from pythonjsonlogger.json import JsonFormatter

# The ``*_created`` timestamp series add nothing to these dashboards.
disable_created_metrics()

#: Latency buckets (seconds) of the message path: a reply is due in ~20 ms of CPU, p95 ≤ 300 ms.
LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5, 5)

MESSAGES = Counter("shopdesk_messages", "Shopper messages the Rasa server handled", ["channel"])
MESSAGE_SECONDS = Histogram(
    "shopdesk_message_seconds",
    "Time from a shopper's message to the bot's replies (lock, NLU, policies, actions, save)",
    buckets=LATENCY_BUCKETS,
)
STAGE_SECONDS = Histogram(
    "shopdesk_stage_seconds",
    "Time spent per stage of the message path: nlu, policies, action (Rasa server); "
    "search (action server)",
    ["stage"],
    buckets=LATENCY_BUCKETS,
)
ACTION_SECONDS = Histogram(
    "shopdesk_action_seconds",
    "Time the action server spends running each custom action",
    ["action"],
    buckets=LATENCY_BUCKETS,
)
FALLBACKS = Counter(
    "shopdesk_fallbacks",
    "Messages the bot did not understand: nlu (intent below the threshold), action (fallback ran)",
    ["kind"],
)
HANDOFFS = Counter("shopdesk_handoffs", "Conversations handed over to a person")
ERRORS = Counter(
    "shopdesk_errors",
    "Failures by cause (action_server, tracker_store, lock_store, event_broker, message, "
    "database, ...)",
    ["cause"],
)
EVENTS_PUBLISHED = Counter(
    "shopdesk_events_published", "Conversation events the event broker accepted"
)
EVENTS_BUFFERED = Gauge(
    "shopdesk_events_buffered",
    "Conversation events waiting in memory for the event broker to come back",
    multiprocess_mode="livesum",
)
EVENTS_DROPPED = Counter(
    "shopdesk_events_dropped",
    "Conversation events lost because the buffer was full while the broker was down",
)

#: The conversation (sender id) the current task works for; JSON log lines carry it.
conversation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "shopdesk_conversation_id", default=None
)


@contextmanager
def timed(histogram: Histogram) -> Iterator[None]:
    """Observe the seconds the ``with`` block takes on ``histogram`` (also when it raises)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        histogram.observe(time.perf_counter() - start)


def metrics_page() -> tuple[bytes, str]:
    """The Prometheus text exposition of this process (or of all workers) and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


class ConversationFilter(logging.Filter):
    """Adds ``conversation_id`` (the current conversation, or None) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "conversation_id"):
            record.conversation_id = conversation_id.get()
        return True


def json_formatter() -> logging.Formatter:
    """One JSON object per line: time, level, logger, message, conversation id, exception."""
    return JsonFormatter(
        "{asctime}{levelname}{name}{message}{conversation_id}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


def configure_logging(log_format: str, loggers: tuple[str, ...] = ()) -> None:
    """Switch the handlers of the root logger and of ``loggers`` to ``log_format``.

    ``json`` gives every handler the JSON formatter and the conversation id; ``text`` leaves
    the process's own formatting as it is. A root logger without handlers gets one on stderr.
    """
    if log_format not in ("text", "json"):
        from shopdesk.settings import SettingsError

        raise SettingsError(f"SHOPDESK_LOG_FORMAT must be 'text' or 'json', got {log_format!r}")
    if log_format == "text":
        return
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    formatter = json_formatter()
    for name in ("", *loggers):
        for handler in logging.getLogger(name).handlers:
            handler.setFormatter(formatter)
            if not any(isinstance(f, ConversationFilter) for f in handler.filters):
                handler.addFilter(ConversationFilter())
