"""What the shopper hears and the log says when a component the bot needs is down.

Shared by the Rasa server (``bot/faults.py``: action server, conversation store, lock store)
and the action server (``actions/base.py``: shop database), which may import nothing else of
each other; it lives in ``storage``, the bottom layer both import.

An :class:`Outage` logs a failing component once, with its cause, when it starts failing,
counts the failures that follow without repeating them, and logs once more when it works
again, so an hour of a database being down is two log lines, not one per message. What both
servers do on a failure is here too: which errors are failures (:data:`INFRASTRUCTURE_ERRORS`),
saying the apology once per turn (:func:`apologised_this_turn`) and keeping a form waiting
(:func:`keep_form_waiting`), on plain event dicts, so neither needs the other's Rasa.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from storage.errors import ShopdeskError

#: The shopper's reply when a component fails: short, an apology, what to do, a person.
APOLOGY = (
    "Sorry, something went wrong on our side and I can't help with that right now. "
    "Please try again in a few minutes, or ask to talk to a person."
)
#: The button under the apology: its payload is the handoff intent.
TALK_TO_A_PERSON = {"title": "Talk to a person", "payload": "/human_handoff"}

#: Failures of what both servers depend on (databases, saved artefacts, the network); any
#: other exception is a bug and keeps its traceback. The Rasa server adds its own (Redis, the
#: lock store, HTTP client errors).
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (SQLAlchemyError, ShopdeskError, OSError)


class Outage:
    """One component's failures: logged once per outage with the cause, and its recovery."""

    def __init__(self, component: str, logger: logging.Logger) -> None:
        self.component = component
        self.logger = logger
        self.failures = 0
        self.since: float | None = None
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        """Whether the component failed last time it was used."""
        return self.since is not None

    def failed(self, cause: BaseException | str) -> None:
        """Record one failure; the first of an outage is logged (error level) with ``cause``."""
        reason = cause if isinstance(cause, str) else describe(cause)
        with self._lock:
            self.failures += 1
            first = self.since is None
            if first:
                self.since = time.monotonic()
        if first:
            self.logger.error(
                "%s is unavailable: %s. Shoppers get an apology until it is back; "
                "further failures are counted, not logged.",
                self.component,
                reason,
            )
        else:
            self.logger.debug("%s still unavailable: %s", self.component, reason)

    def recovered(self) -> None:
        """Record a success; after an outage, log once that the component is back."""
        if self.since is None:
            return
        with self._lock:
            if self.since is None:
                return
            seconds, failures = time.monotonic() - self.since, self.failures
            self.since, self.failures = None, 0
        self.logger.warning(
            "%s is back after %.0f s; %d request(s) got the apology meanwhile.",
            self.component,
            seconds,
            failures,
        )


def apologised_this_turn(latest_first: Iterable[Mapping[str, Any]]) -> bool:
    """Whether the bot already apologised since the shopper's latest message (say it once).

    ``latest_first`` are the conversation's events as Rasa serialises them (``{"event":
    "user", ...}``, ``{"event": "bot", "text": ...}``), newest first; it is read only back to
    the shopper's latest message.
    """
    for event in latest_first:
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and event.get("text") == APOLOGY:
            return True
    return False


def keep_form_waiting(requested_slot: str | None) -> list[dict[str, Any]]:
    """In a form (``requested_slot`` set): the event emptying it, so the form keeps waiting.

    Rasa rejects a form whose validation sets no slot and lets the policies answer the
    shopper's reply as if no form were active, dropping the apology with the rejected action.
    Emptying the requested slot (it holds no validated answer yet) keeps the form asking for
    the same answer, which the shopper can send again once the failing component is back.
    The event is a serialised ``slot`` event, as an action server returns it.
    """
    if not requested_slot:
        return []
    return [{"event": "slot", "timestamp": None, "name": requested_slot, "value": None}]


def describe(error: BaseException) -> str:
    """``Type: message`` of ``error`` and of the error that caused it, on one line."""
    text = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error) else ''}"
    cause = error.__cause__ or error.__context__
    if cause is not None and cause is not error:
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        text += f" (caused by {type(cause).__name__}: {first})"
    return text
