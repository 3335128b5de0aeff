"""Conversations written the way the Rasa server writes them: through Rasa's own SQLTrackerStore."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url


def epoch(moment: datetime) -> float:
    """A naive UTC datetime as Rasa's timestamp."""
    return moment.replace(tzinfo=timezone.utc).timestamp()


@dataclass
class Conversation:
    """Builds one conversation's events, each at a given time."""

    sender_id: str
    channel: str = "rest"
    events: list[Event] = field(default_factory=list)

    def start(self, at: datetime) -> Conversation:
        self.events += [
            ActionExecuted("action_session_start", timestamp=epoch(at)),
            SessionStarted(timestamp=epoch(at)),
            ActionExecuted("action_listen", timestamp=epoch(at)),
        ]
        return self

    def user(
        self,
        at: datetime,
        text: str,
        intent: str,
        confidence: float,
        runner_up: tuple[str, float] = ("greet", 0.01),
        entities: list[dict[str, Any]] | None = None,
    ) -> Conversation:
        ranking = [{"name": intent, "confidence": confidence}]
        ranking.append({"name": runner_up[0], "confidence": runner_up[1]})
        self.events.append(
            UserUttered(
                text,
                intent={"name": intent, "confidence": confidence},
                entities=entities or [],
                parse_data={
                    "intent": {"name": intent, "confidence": confidence},
                    "intent_ranking": ranking,
                    "entities": entities or [],
                    "text": text,
                },
                timestamp=epoch(at),
                input_channel=self.channel,
            )
        )
        return self

    def bot(
        self, at: datetime, text: str, action: str = "utter_answer", data: dict | None = None
    ) -> Conversation:
        self.events += [
            ActionExecuted(action, timestamp=epoch(at)),
            BotUttered(text, data=data or {}, timestamp=epoch(at)),
            ActionExecuted("action_listen", timestamp=epoch(at)),
        ]
        return self

    def staff(self, at: datetime, text: str, agent: str, kind: str = "message") -> Conversation:
        """A staff line as bot/channels.py stores it (``metadata.staff``)."""
        self.events.append(
            BotUttered(
                text, metadata={"staff": {"agent": agent, "kind": kind}}, timestamp=epoch(at)
            )
        )
        return self

    def action(self, at: datetime, name: str) -> Conversation:
        self.events.append(ActionExecuted(name, timestamp=epoch(at)))
        return self

    def slot(self, at: datetime, name: str, value: Any) -> Conversation:
        self.events.append(SlotSet(name, value, timestamp=epoch(at)))
        return self

    def pause(self, at: datetime) -> Conversation:
        self.events.append(ConversationPaused(timestamp=epoch(at)))
        return self

    def resume(self, at: datetime) -> Conversation:
        self.events.append(ConversationResumed(timestamp=epoch(at)))
        return self


class ConversationLog:
    """Rasa's SQL tracker store on a database URL; ``save`` writes conversations into it."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        options: dict[str, Any] = {
            "dialect": parsed.drivername.split("+")[0],
            "db": parsed.database,
        }
        if parsed.host:
            options.update(host=parsed.host, port=parsed.port, username=parsed.username)
        self.store = SQLTrackerStore(**options)

    def save(self, *conversations: Conversation) -> None:
        """Store the conversations as the Rasa server would (in a thread of its own, so that
        it works beside Playwright's event loop too)."""

        async def save_all() -> None:
            for conversation in conversations:
                tracker = DialogueStateTracker.from_events(
                    conversation.sender_id, conversation.events
                )
                await self.store.save(tracker)

        worker = threading.Thread(target=asyncio.run, args=(save_all(),))
        worker.start()
        worker.join()

    def close(self) -> None:
        self.store.engine.dispose()
