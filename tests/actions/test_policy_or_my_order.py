"""A policy question that may be about the shopper's own order: the policy, then an offer."""

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.support import ActionAnswerPolicy, ActionHandleConfirmation, order_check_offer
from tests.helpers.trackers import tracker_for


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def slots(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_only_timing_questions_get_the_offer() -> None:
    assert order_check_offer("return_policy", "how long do refunds take?") is not None
    assert order_check_offer("shipping_info", "when will it arrive usually?") is not None
    assert order_check_offer("return_policy", "can I return sale items?") is None
    assert order_check_offer("shipping_info", "do you ship to Canada?") is None
    assert order_check_offer("payment_methods", "how long does paypal take?") is None


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


def test_inside_a_form_the_policy_is_answered_without_an_offer(services):
    tracker = tracker_for("how long do refunds take?", "return_policy")
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
    assert "business days" in messages[0]["text"]
    assert not messages[0].get("buttons")
    assert "pending_confirmation" not in slots(events)


def test_yes_starts_verification_for_the_offered_flow_and_no_leaves_it(services):
    pending = {"pending_confirmation": "check_order", "requested_flow": "refund_status"}
    _, events = run(ActionHandleConfirmation(services), tracker_for("yes", "affirm", slots=pending))
    assert {"event": "followup", "timestamp": None, "name": "verification_form"} in events
    assert slots(events)["requested_flow"] == "refund_status"
    messages, events = run(
        ActionHandleConfirmation(services), tracker_for("no", "deny", slots=pending)
    )
    assert "anything else" in messages[0]["text"]
    assert not any(e.get("event") == "followup" for e in events)
    assert slots(events) == {"pending_confirmation": None, "requested_flow": None}
