"""A policy question that may be about the shopper's own order: the policy, then an offer,
whichever of the two intents the classifier read it as."""

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.policy_or_order import DELIVERY, REFUND, Reading, policy_or_my_order
from actions.support import ActionAnswerPolicy, ActionHandleConfirmation, ActionStartSupportFlow
from tests.helpers.trackers import entity, tracker_for

FOLLOWUP_VERIFICATION = {"event": "followup", "timestamp": None, "name": "verification_form"}


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def slots(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def ranked(*intents: tuple[str, float]) -> list[dict]:
    return [{"name": name, "confidence": confidence} for name, confidence in intents]


def read(text: str, *intents: tuple[str, float], order_number: bool = False):
    decision = policy_or_my_order(text, ranked(*intents), order_number=order_number)
    return (decision.reading, decision.kind) if decision else None


POLICY_QUESTIONS = [
    ("how long does a refund take?", REFUND),
    ("how long do refunds usually take", REFUND),
    ("How long does it take to get a refund?", REFUND),
    ("how many business days until a refund shows up", REFUND),
    ("when do refunds get processed?", REFUND),
    ("how long does delivery take?", DELIVERY),
    ("when will it arrive usually?", DELIVERY),
    ("how soon do orders ship", DELIVERY),
]
MY_ORDER_QUESTIONS = [
    ("when will I get my refund", REFUND),
    ("how long will my refund take?", REFUND),
    ("I returned the shoes last week, when does the refund come?", REFUND),
    ("when will order 10005 arrive?", DELIVERY),
    ("when will it arrive?", DELIVERY),
    ("how long until our package is delivered", DELIVERY),
]


@pytest.mark.parametrize(("text", "kind"), POLICY_QUESTIONS)
@pytest.mark.parametrize("reading_as", ["policy", "order"])
def test_a_general_timing_question_is_the_policy_whichever_intent(text, kind, reading_as) -> None:
    policy, order = kind.topic, kind.flow
    top, second = (policy, order) if reading_as == "policy" else (order, policy)
    assert read(text, (top, 0.74), (second, 0.25)) == (Reading.POLICY, kind)


@pytest.mark.parametrize(("text", "kind"), MY_ORDER_QUESTIONS)
@pytest.mark.parametrize("intent", ["return_policy", "refund_status", "shipping_info"])
def test_a_question_about_their_own_order_is_their_order(text, kind, intent) -> None:
    assert read(text, (intent, 0.6)) == (Reading.MY_ORDER, kind)


def test_an_order_number_found_by_the_nlu_makes_it_their_order() -> None:
    assert read("how long do refunds take for #10005", ("refund_status", 0.9)) == (
        Reading.MY_ORDER,
        REFUND,
    )
    assert read("how long do refunds take", ("refund_status", 0.9), order_number=True) == (
        Reading.MY_ORDER,
        REFUND,
    )


def test_other_questions_are_left_to_the_intent() -> None:
    assert read("can I return sale items?", ("return_policy", 0.9)) is None
    assert read("do you ship to Canada?", ("shipping_info", 0.9)) is None
    assert read("where is my refund?", ("refund_status", 0.9)) is None
    assert read("how long does paypal take?", ("payment_methods", 0.9)) is None
    assert read("how long does it take to cancel an order?", ("cancel_order", 0.8)) is None
    assert read("how long does it take?", ("refund_status", 0.8)) is None


def test_the_ranking_decides_the_kind_only_when_the_words_name_both() -> None:
    text = "how long after a return is delivered do refunds take"
    assert read(text, ("shipping_info", 0.5), ("return_policy", 0.4))[1] is DELIVERY
    assert read(text, ("refund_status", 0.5), ("shipping_info", 0.4))[1] is REFUND
    # Behind a fallback, the best real intent counts.
    assert read(text, ("nlu_fallback", 0.3), ("order_status", 0.29))[1] is DELIVERY


def test_read_as_my_refund_it_gets_the_policy_and_an_offer_not_verification(services):
    tracker = tracker_for("how long does a refund take?", "refund_status")
    messages, events = run(ActionStartSupportFlow(services), tracker)
    assert "business days" in messages[0]["text"]
    assert messages[0]["text"].endswith(REFUND.offer)
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert slots(events) == {
        "last_flow": "return_policy",
        "requested_flow": "refund_status",
        "pending_confirmation": "check_order",
    }
    assert FOLLOWUP_VERIFICATION not in events


def test_an_order_flow_starts_verification_itself(services):
    text = "where is order 10005?"
    tracker = tracker_for(text, "order_status", [entity("order_number", "10005", text)])
    messages, events = run(ActionStartSupportFlow(services), tracker)
    assert messages == []
    assert slots(events) == {"requested_flow": "order_status", "order_number": "10005"}
    assert events[-1] == FOLLOWUP_VERIFICATION
    tracker = tracker_for("where's my refund", "refund_status")
    _, events = run(ActionStartSupportFlow(services), tracker)
    assert slots(events) == {"requested_flow": "refund_status", "order_number": None}
    assert events[-1] == FOLLOWUP_VERIFICATION


def test_refund_timing_is_answered_and_checking_the_order_offered(services):
    messages, events = run(
        ActionAnswerPolicy(services), tracker_for("how long do refunds take?", "return_policy")
    )
    assert "business days" in messages[0]["text"]
    assert "check the refund of one of your orders" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert slots(events) == {
        "last_flow": "return_policy",
        "requested_flow": "refund_status",
        "pending_confirmation": "check_order",
    }
    assert not any(e.get("event") == "followup" for e in events)


def test_read_as_the_policy_my_own_refund_starts_verification(services):
    tracker = tracker_for("when will I get my refund", "return_policy")
    messages, events = run(ActionAnswerPolicy(services), tracker)
    assert messages == []
    assert slots(events) == {"requested_flow": "refund_status", "order_number": None}
    assert events[-1] == FOLLOWUP_VERIFICATION


def test_other_policy_questions_are_just_answered(services):
    messages, events = run(
        ActionAnswerPolicy(services), tracker_for("can I return sale items?", "return_policy")
    )
    assert not messages[0].get("buttons")
    assert slots(events) == {"last_flow": "return_policy"}


def test_inside_a_form_the_policy_is_answered_without_an_offer(services):
    for text, intent in [
        ("how long do refunds take?", "return_policy"),
        ("how long do refunds take?", "refund_status"),
        ("when will I get my refund", "return_policy"),
    ]:
        tracker = tracker_for(text, intent)
        tracker = Tracker(
            tracker.sender_id,
            {},
            tracker.latest_message,
            [],
            False,
            None,
            {"name": "return_form"},
            "action_listen",
        )
        messages, events = run(ActionAnswerPolicy(services), tracker)
        assert "business days" in messages[0]["text"], text
        assert not messages[0].get("buttons")
        assert "pending_confirmation" not in slots(events)
        assert not any(e.get("event") == "followup" for e in events)


def test_yes_starts_verification_for_the_offered_flow_and_no_leaves_it(services):
    pending = {"pending_confirmation": "check_order", "requested_flow": "refund_status"}
    _, events = run(ActionHandleConfirmation(services), tracker_for("yes", "affirm", slots=pending))
    assert FOLLOWUP_VERIFICATION in events
    assert slots(events)["requested_flow"] == "refund_status"
    messages, events = run(
        ActionHandleConfirmation(services), tracker_for("no", "deny", slots=pending)
    )
    assert "anything else" in messages[0]["text"]
    assert not any(e.get("event") == "followup" for e in events)
    assert slots(events) == {"pending_confirmation": None, "requested_flow": None}
