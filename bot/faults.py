"""The Rasa server's answer when something it needs fails: an apology, never silence.

Rasa 3.6 leaves the shopper with silence in two places:

* an action server that is down, times out or answers with an error: ``RemoteAction.run``
  raises, the processor logs a traceback and the action's events are dropped;
* a message that fails before the policies run (the conversation store or the Redis lock
  store down, no model loaded): ``Agent.handle_message`` raises or returns nothing, the REST
  channel answers 500 and socket.io and the messaging channels answer nothing.

:func:`install` (called by ``bot/rasa_main.py``) wraps both: the shopper gets
:data:`storage.outages.APOLOGY` with a "Talk to a person" button, and each failing component
is logged once per outage with its cause (:class:`storage.outages.Outage`), then once more
when it is back. The next message takes Rasa's normal path, so the conversation continues
as soon as the component answers again. Shop-database failures inside actions are answered
by the action server itself (``actions/base.py``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.events import BotUttered, Event
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from storage import outages
from storage.outages import APOLOGY, TALK_TO_A_PERSON, Outage, describe

logger = logging.getLogger(__name__)

ACTION_SERVER = Outage("The action server", logger)
CONVERSATION_STORE = Outage("The conversation store (SHOPDESK_TRACKER_STORE_URL)", logger)
LOCK_STORE = Outage("The lock store (Redis, SHOPDESK_LOCK_STORE_URL)", logger)
MODEL = Outage("The Rasa model", logger)
OTHER = Outage("A service the Rasa server uses", logger)

#: Failures of what the Rasa server depends on; anything else is a bug and keeps its traceback.
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    *outages.INFRASTRUCTURE_ERRORS,
    RedisError,
    LockError,
    asyncio.TimeoutError,
    aiohttp.ClientError,
)

#: The methods :func:`install` wrapped (Rasa's, or another wrapper installed before).
_wrapped: dict[str, Any] = {}


def apology() -> dict[str, Any]:
    """The apology as a bot message (text and the "Talk to a person" button)."""
    return {"text": APOLOGY, "buttons": [dict(TALK_TO_A_PERSON)]}


def apologised_this_turn(tracker: Any) -> bool:
    """Whether the bot already apologised since the shopper's latest message (say it once)."""
    return outages.apologised_this_turn(event.as_dict() for event in reversed(tracker.events))


def outage_of(error: BaseException) -> Outage:
    """The component a failure of ``Agent.handle_message`` points at."""
    if isinstance(error, SQLAlchemyError):
        return CONVERSATION_STORE
    if isinstance(error, RedisError | LockError):
        return LOCK_STORE
    return OTHER


async def run_remote_action(
    self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> list[Event]:
    """``RemoteAction.run``; when the action server fails, the apology instead of nothing."""
    try:
        events = await _wrapped["run"](self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise
    except (RasaException, asyncio.TimeoutError, aiohttp.ClientError) as error:
        answered = error.__cause__
        if isinstance(answered, ClientResponseError):
            # The action server is up but the action failed: a bug, logged there with its
            # traceback; here once per failed action.
            logger.error(
                "Action %s failed on the action server (HTTP %s); the shopper got the "
                "apology. Its traceback is in the action server's log.",
                self.name(),
                answered.status,
            )
        else:
            ACTION_SERVER.failed(f"{describe(error)} (while running {self.name()})")
        keep_form = _keep_form_waiting(self, tracker)
        if apologised_this_turn(tracker):
            return keep_form
        message = apology()
        return [BotUttered(message["text"], {"buttons": message["buttons"]}), *keep_form]
    ACTION_SERVER.recovered()
    return events


def _keep_form_waiting(action: RemoteAction, tracker: Any) -> list[Event]:
    """For a failed form validation: the requested slot emptied, so the form keeps waiting.

    The shopper sends the same answer again once the action server is back (why:
    :func:`storage.outages.keep_form_waiting`).
    """
    if not action.name().startswith("validate_"):
        return []
    return [
        Event.from_parameters(event)
        for event in outages.keep_form_waiting(tracker.get_slot(REQUESTED_SLOT))
    ]


async def handle_message(self: Agent, message: UserMessage) -> list[dict[str, Any]] | None:
    """``Agent.handle_message``; a message that cannot be handled gets the apology."""
    if not self.is_ready():
        MODEL.failed("no model is loaded (see the start of this log for why)")
        await _send_apology(message)
        return None
    try:
        result = await _wrapped["handle"](self, message)
    except INFRASTRUCTURE_ERRORS as error:
        outage_of(error).failed(error)
        await _send_apology(message)
        return None
    except Exception:
        logger.exception(
            "Handling a message of %s failed; the shopper got the apology.", message.sender_id
        )
        await _send_apology(message)
        return None
    for outage in (CONVERSATION_STORE, LOCK_STORE, MODEL, OTHER):
        outage.recovered()
    return result


async def _send_apology(message: UserMessage) -> None:
    """Send the apology on the message's channel; a channel that fails too is logged."""
    if message.output_channel is None:
        return
    try:
        await message.output_channel.send_response(message.sender_id, apology())
    except Exception as error:  # the channel's own service may be what is down
        logger.error(
            "Could not send the apology to %s either: %s", message.sender_id, describe(error)
        )


def raise_retrieve_error(self: FailSafeTrackerStore, error: Exception) -> None:
    """``FailSafeTrackerStore``'s reading error, raised instead of starting over in memory.

    Rasa's wrapper answers a conversation store it cannot read with a new, empty
    conversation: the shopper in the middle of a verification is answered as a stranger and
    the in-memory copy is lost on restart. Raised, the error reaches :func:`handle_message`,
    which apologises; the stored conversation goes on once the store is back.
    """
    raise error


class _RasaConnectionErrorFilter(logging.Filter):
    """Drops Rasa's own error line for an unreachable action server (logged once here)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not (text.startswith("Failed to run custom action") and "connect" in text)


def install() -> None:
    """Wrap ``RemoteAction.run`` and ``Agent.handle_message`` (idempotent)."""
    if _wrapped:
        return
    _wrapped.update(run=RemoteAction.run, handle=Agent.handle_message)
    RemoteAction.run = run_remote_action  # type: ignore[method-assign]
    Agent.handle_message = handle_message  # type: ignore[method-assign]
    FailSafeTrackerStore.on_tracker_store_retrieve_error = (  # type: ignore[method-assign]
        raise_retrieve_error
    )
    quiet_rasa_connection_errors()


def quiet_rasa_connection_errors() -> None:
    """Drop Rasa's error line per unreachable-action-server call (the outage logs it once)."""
    action_logger = logging.getLogger("rasa.core.actions.action")
    if not any(isinstance(f, _RasaConnectionErrorFilter) for f in action_logger.filters):
        action_logger.addFilter(_RasaConnectionErrorFilter())
