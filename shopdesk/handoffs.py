"""Support staff's side of a handoff: the waiting list, pausing the bot, resuming it."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from shopdesk.secrets import api_token
from shopdesk.settings import Settings
from storage.db import create_engine_for, session_factory
from storage.errors import ShopdeskError
from storage.support import Handoff, open_handoffs, resolve_handoff


class ConversationUpdateFailed(ShopdeskError, RuntimeError):
    """The Rasa server did not take events posted to a conversation."""


class ResumeFailed(ConversationUpdateFailed):
    """The Rasa server did not take the resume event; the handoff stays open."""


def list_open_handoffs(settings: Settings) -> list[Handoff]:
    """Conversations waiting for a person, oldest first."""
    engine = create_engine_for(settings.database_url)
    try:
        with session_factory(engine)() as session:
            return open_handoffs(session)
    finally:
        engine.dispose()


def resume_conversation(settings: Settings, sender_id: str, rasa_url: str | None = None) -> None:
    """Let the bot answer ``sender_id`` again (Rasa's ``resume`` event) and close its handoff."""
    try:
        # action_listen after resume: the shopper's messages during the pause got no bot turn,
        # so without it the next message would be read as the continuation of those.
        post_events(
            settings,
            sender_id,
            [{"event": "resume"}, {"event": "action", "name": "action_listen"}],
            rasa_url,
        )
    except ConversationUpdateFailed as error:
        raise ResumeFailed(f"{error} The handoff stays open.") from error
    engine = create_engine_for(settings.database_url)
    try:
        with session_factory(engine)() as session:
            resolve_handoff(session, sender_id, "resumed by staff")
    finally:
        engine.dispose()


def post_events(
    settings: Settings, sender_id: str, events: list[dict], rasa_url: str | None = None
) -> None:
    """Append ``events`` to a conversation through Rasa's HTTP API
    (``POST /conversations/<id>/tracker/events`` with the API token);
    :class:`ConversationUpdateFailed` when the server does not take them."""
    base = rasa_url or f"http://127.0.0.1:{settings.rasa_port}"
    query = urllib.parse.urlencode({"token": api_token(settings)})
    request = urllib.request.Request(
        f"{base}/conversations/{urllib.parse.quote(sender_id, safe='')}/tracker/events?{query}",
        data=json.dumps(events).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30):
            pass
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        raise ConversationUpdateFailed(
            f"The Rasa server at {base} did not take the change to conversation {sender_id!r} "
            f"({error}); is it running ('shopdesk run')?"
        ) from error


def pause_conversation(settings: Settings, sender_id: str, rasa_url: str | None = None) -> None:
    """Stop the bot answering ``sender_id`` (Rasa's ``pause`` event) while a person has it."""
    post_events(settings, sender_id, [{"event": "pause"}], rasa_url)
