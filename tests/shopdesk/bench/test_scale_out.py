"""The scale-out check finds each way a stored conversation can go wrong (known answers)."""

from __future__ import annotations

from shopdesk.bench.scale_out import SentMessage, StoredEvent, Verdict, check
from storage.outages import APOLOGY

SENDER = "c1"


def sent(*ids_and_bursts: tuple[str, int], replies: int = 1) -> list[SentMessage]:
    return [SentMessage(SENDER, i, burst, 0.1, 1, replies) for i, burst in ids_and_bursts]


def turn(message_id: str, start: float, answers: int = 1, text: str = "ok") -> list[StoredEvent]:
    """A user message, its answers and the closing action_listen, made from ``start`` on."""
    events = [StoredEvent("user", start, None, {"message_id": message_id})]
    events += [StoredEvent("bot", start + 0.1, None, {"text": text}) for _ in range(answers)]
    events.append(StoredEvent("action", start + 0.2, "action_listen", {}))
    return events


MESSAGES = sent(("a", 0), ("b", 0), ("c", 1))


def verdict(events: list[StoredEvent], messages: list[SentMessage] = MESSAGES) -> Verdict:
    return check(messages, {SENDER: events})


def test_a_conversation_stored_as_sent_is_flawless() -> None:
    session = [StoredEvent("action", 0.5, "action_session_start", {})]
    result = verdict(session + turn("b", 1) + turn("a", 2) + turn("c", 3))
    assert result == Verdict(1, 3, 3, 0, 0, 0, 0, 0, 0, 0) and result.ok


def test_a_missing_message_is_lost() -> None:
    assert verdict(turn("a", 1) + turn("c", 3)).lost == 1


def test_a_stored_message_the_client_got_no_answer_to_is_lost() -> None:
    messages = [*MESSAGES[:2], *sent(("c", 1), replies=0)]
    assert verdict(turn("a", 1) + turn("b", 2) + turn("c", 3), messages).lost == 1


def test_a_message_stored_twice_is_duplicated() -> None:
    result = verdict(turn("a", 1) + turn("b", 2) + turn("b", 3) + turn("c", 4))
    assert (result.duplicated, result.lost) == (1, 0)


def test_a_message_stored_before_one_sent_earlier_is_out_of_order() -> None:
    assert verdict(turn("a", 1) + turn("c", 2) + turn("b", 3)).out_of_order == 1


def test_turns_handled_at_the_same_time_overlap() -> None:
    # b's turn was made while a's was still being made (both read the same conversation).
    assert verdict(turn("a", 1) + turn("b", 1.05) + turn("c", 3)).overlapping == 1


def test_a_message_without_an_answer_and_one_answered_twice_are_counted() -> None:
    twice = turn("b", 2) + [StoredEvent("action", 2.3, "action_listen", {})]
    result = verdict(turn("a", 1, answers=0) + twice + turn("c", 3))
    assert (result.unanswered, result.answered_twice) == (1, 1)


def test_an_apology_is_not_a_flawless_answer() -> None:
    result = verdict(turn("a", 1) + turn("b", 2, text=APOLOGY) + turn("c", 3))
    assert result.apologies == 1 and not result.ok
