"""A conversation's past states replayed once per event instead of on every policy call.

Before every action Rasa 3.6's policies turn the tracker into its list of past states
(``Domain.states_for_tracker_history``): a new tracker is built, every applied event of the
conversation is replayed into it, and the state of the dialogue before each action is read out.
The MemoizationPolicy does this once per prediction, the RulePolicy twice (text, then intent),
so a conversation of n events costs three replays of n events per action, most of it building
trackers and reading slots (about a tenth of the shop bot's Rasa server CPU per message,
docs/benchmarks.md).

:func:`states_for_tracker_history` keeps, per tracker object, the replayed tracker and the state
read before each action, and replays only the events added since. The kept replay is used only
if the tracker's applied events still begin with exactly the events replayed (an undone turn, a
restart, a loop's rewound execution or a trimmed history start again from the first event;
Rasa's ``applied_events`` itself is asked only when an event that can change earlier ones was
added since),
and only if no replayed user message or slot event was changed in place since (Rasa's own
``DefinePrevUserUtteredFeaturization`` and ``EntitiesAdded`` change the latest user message,
and the conversation store masks personal data in the events it saves). The turns are then put
together by the same steps as Rasa's (``ignore_rule_only_turns``, rule-only data), on copies,
so the policies see the states Rasa computes; ``omit_unset_slots`` takes Rasa's own path.

:func:`prediction_states` lets the MemoizationPolicy's featurizer (``max_history`` 4) have only
the newest states built: Rasa builds and copies a state for every turn of the conversation on
every call and then keeps the last four (py-spy under the throughput benchmark with
200-message conversations, 2026-12-01: past states 20% of the Rasa server's CPU samples, 7% of
them replaying new events, the rest building states; docs/benchmarks.md).
"""

from __future__ import annotations

import itertools
import weakref
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.shared.core import constants
from rasa.shared.core.constants import ACTION_UNLIKELY_INTENT_NAME
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, is_prev_action_listen_in_state

#: Rasa's own methods (tests compare against them).
RASAS_STATES_FOR_TRACKER_HISTORY = Domain.states_for_tracker_history
RASAS_PREDICTION_STATES = MaxHistoryTrackerFeaturizer.prediction_states

#: How many of the newest states the caller keeps (set by :func:`prediction_states`); None: all.
_KEPT_STATES: ContextVar[int | None] = ContextVar("kept_states", default=None)


@dataclass(frozen=True)
class _Turn:
    """What Rasa reads from the replayed tracker before an action (or at the end)."""

    state: State
    hide_rule_turn: bool
    prev_action: dict[str, Any] | None
    #: A follow-up action is set, or the latest action is the active loop.
    keeps_hidden: bool


@dataclass
class _Replay:
    """A tracker's events replayed so far, and the turns read on the way."""

    domain: Domain
    tracker: DialogueStateTracker
    events: list[Event] = field(default_factory=list)
    turns: list[_Turn] = field(default_factory=list)
    #: Replayed user messages and slot events with what they held when replayed.
    fingerprints: list[tuple[Event, Any]] = field(default_factory=list)
    #: The tracker's own events when last replayed: the deque, its length, first and last.
    raw: Any = None
    raw_count: int = 0
    raw_first: Event | None = None
    raw_last: Event | None = None
    #: Names of the loops the tracker's events activate (Rasa's ``applied_events`` needs them).
    loop_names: set[str] = field(default_factory=set)
    #: The turn after the last replayed event (``None``: not read since events were added).
    current: _Turn | None = None


#: id(tracker) -> (weak reference to the tracker, its replay); entries leave with the tracker.
_REPLAYS: dict[int, tuple[weakref.ref, _Replay]] = {}


def _fingerprint(event: Event) -> Any:
    if isinstance(event, UserUttered):
        return event.as_sub_state()
    return (event.key, event.value)  # type: ignore[attr-defined]


def _unchanged(replay: _Replay) -> bool:
    """No replayed user message or slot event was changed in place since it was replayed."""
    for event, seen in replay.fingerprints:
        if isinstance(event, SlotSet):
            if event.key != seen[0] or (event.value is not seen[1] and event.value != seen[1]):
                return False
        elif _fingerprint(event) != seen:
            return False
    return True


def _turn(domain: Domain, tracker: DialogueStateTracker, hide_rule_turn: bool) -> _Turn:
    return _Turn(
        domain.get_active_state(tracker),
        hide_rule_turn,
        domain._get_prev_action_sub_state(tracker),
        bool(tracker.followup_action) or tracker.latest_action_name == tracker.active_loop_name,
    )


#: Events after which Rasa's ``applied_events`` drops or rewinds earlier events.
_REWINDING = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted)


def _rewinds(event: Event, loop_names: set[str]) -> bool:
    """Whether ``applied_events`` may do more with ``event`` than append it."""
    if isinstance(event, ActiveLoop):
        return bool(event.name) and event.name not in loop_names
    if isinstance(event, ActionExecuted):
        return event.action_name in loop_names
    return isinstance(event, _REWINDING)


def _appended_events(tracker: DialogueStateTracker, replay: _Replay) -> list[Event] | None:
    """The events appended to ``tracker`` since ``replay``, if Rasa would only append them.

    ``None`` when the tracker's events are not the ones replayed plus new ones, or when one of
    the new ones would make ``applied_events`` change earlier events (then it is asked).
    """
    events = tracker.events
    seen = replay.raw_count
    if (
        events is not replay.raw
        or not 0 < seen <= len(events)
        or events[0] is not replay.raw_first
        or events[seen - 1] is not replay.raw_last
    ):
        return None
    appended = list(itertools.islice(events, seen, None))
    if any(_rewinds(event, replay.loop_names) for event in appended):
        return None
    return appended


def _replay(domain: Domain, tracker: DialogueStateTracker) -> tuple[list[_Turn], _Turn]:
    """The turns before each action of ``tracker``, and its current turn."""
    key = id(tracker)
    kept = _REPLAYS.get(key)
    replay = kept[1] if kept is not None and kept[0]() is tracker else None
    if replay is not None and (replay.domain is not domain or not _unchanged(replay)):
        replay = None
    new = _appended_events(tracker, replay) if replay is not None else None
    if replay is None or new is None:
        applied = tracker.applied_events()
        if (
            replay is None
            or len(replay.events) > len(applied)
            or any(old is not new for old, new in zip(replay.events, applied, strict=False))
        ):
            replay = _Replay(domain, tracker.init_copy())
            _REPLAYS[key] = (weakref.ref(tracker, lambda _: _REPLAYS.pop(key, None)), replay)
        new = applied[len(replay.events) :]
        replay.loop_names = {
            event.name for event in tracker.events if isinstance(event, ActiveLoop) and event.name
        }
    if new:
        replay.current = None
    for event in new:
        if isinstance(event, ActionExecuted):
            replay.turns.append(_turn(domain, replay.tracker, event.hide_rule_turn))
        replay.tracker.update(event)
        replay.events.append(event)
        if isinstance(event, (UserUttered, SlotSet)):
            replay.fingerprints.append((event, _fingerprint(event)))
    replay.raw = tracker.events
    replay.raw_count = len(tracker.events)
    replay.raw_first = tracker.events[0] if tracker.events else None
    replay.raw_last = tracker.events[-1] if tracker.events else None
    if replay.current is None:
        replay.current = _turn(domain, replay.tracker, False)
    return replay.turns, replay.current


def _copy(state: State) -> State:
    return {kind: dict(sub_state) for kind, sub_state in state.items()}  # type: ignore[misc]


def states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """``Domain.states_for_tracker_history`` from the kept replay (same states as Rasa's)."""
    if omit_unset_slots:
        return RASAS_STATES_FOR_TRACKER_HISTORY(
            self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )
    turns, current = _replay(self, tracker)
    # Rasa's loop over its prior trackers, reading the kept turns instead: first which turns
    # give a state (and the previous action each then shows), then the states themselves.
    shown: list[tuple[_Turn, dict[str, Any] | None]] = []
    last_ml_action_sub_state = None
    turn_was_hidden = False
    for turn in [*turns, current]:
        if ignore_rule_only_turns:
            if not turn_was_hidden:
                last_ml_action_sub_state = turn.prev_action
            if not turn.keeps_hidden:
                turn_was_hidden = turn.hide_rule_turn
            if turn_was_hidden:
                continue
        shown.append((turn, last_ml_action_sub_state))
    kept = _KEPT_STATES.get()
    start = 0
    if kept is not None and len(shown) > kept:
        start = len(shown) - kept
        # A state not after action_listen takes its user input from the state before it.
        while (
            ignore_rule_only_turns
            and start > 0
            and not is_prev_action_listen_in_state(shown[start][0].state)
        ):
            start -= 1
    states: list[State] = []
    for turn, prev_action in shown[start:]:
        state = _copy(turn.state)
        if ignore_rule_only_turns:
            self._remove_rule_only_features(state, rule_only_data)
            if states:
                self._substitute_rule_only_user_input(state, states[-1])
            if prev_action:
                state[constants.PREVIOUS_ACTION] = dict(prev_action)  # type: ignore[assignment]
        states.append(self._clean_state(state))
    return states if kept is None else states[-kept:]


def prediction_states(
    self: MaxHistoryTrackerFeaturizer,
    trackers: list[DialogueStateTracker],
    domain: Domain,
    use_text_for_last_user_input: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
    ignore_action_unlikely_intent: bool = False,
) -> list[list[State]]:
    """``MaxHistoryTrackerFeaturizer.prediction_states`` building only the ``max_history``
    newest states it keeps (the MemoizationPolicy's 4), not every state of the conversation.

    The same states as Rasa's: it slices the last ``max_history`` after building them all, and
    what it does to them before (dropping ``action_unlikely_intent`` turns) is left to Rasa's
    full path when a conversation has such a turn.
    """
    arguments = (
        trackers,
        domain,
        use_text_for_last_user_input,
        ignore_rule_only_turns,
        rule_only_data,
        ignore_action_unlikely_intent,
    )
    if (
        type(self) is not MaxHistoryTrackerFeaturizer
        or not self.max_history
        or (ignore_action_unlikely_intent and any(_has_unlikely_intent(t) for t in trackers))
    ):
        return RASAS_PREDICTION_STATES(self, *arguments)
    token = _KEPT_STATES.set(self.max_history)
    try:
        return RASAS_PREDICTION_STATES(self, *arguments)
    finally:
        _KEPT_STATES.reset(token)


def _has_unlikely_intent(tracker: DialogueStateTracker) -> bool:
    return any(
        isinstance(event, ActionExecuted) and event.action_name == ACTION_UNLIKELY_INTENT_NAME
        for event in tracker.events
    )


def install() -> None:
    """Make Rasa's domain compute past states from the kept replays, and its max-history
    featurizer ask only for the states it keeps."""
    Domain.states_for_tracker_history = states_for_tracker_history  # type: ignore[method-assign]
    MaxHistoryTrackerFeaturizer.prediction_states = prediction_states  # type: ignore[method-assign]
