"""Reasons on product cards, "why this one?", and live behaviour changing recommendations."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.explanations import ActionExplainProduct
from actions.product_search import ActionSearchProducts
from actions.recommend import ActionRecommendProducts
from storage.behaviour import conversation_events, record_events
from storage.schema import InteractionKind
from tests.helpers.trackers import entity, tracker_for


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def after(messages, text, intent, sender, slots=None):
    """A tracker whose history holds the bot's ``messages`` (as Rasa stores them), then ``text``."""
    bot_events = [
        {"event": "bot", "text": m.get("text"), "data": {"custom": m.get("custom")}}
        for m in messages
    ]
    latest = tracker_for(text, intent, slots=slots, sender=sender).latest_message
    return Tracker(sender, slots or {}, latest, bot_events, False, None, {}, "action_listen")


def search(services, sender):
    text = "do you have navy running shoes under $100?"
    tracker = tracker_for(
        text,
        "product_search",
        [
            entity("color", "navy", text),
            entity("product_category", "running shoes", text),
            entity("price_max", "100", text, "$100"),
        ],
        sender=sender,
    )
    return run(ActionSearchProducts(services), tracker)


def test_search_results_say_which_wishes_they_match_and_are_stored_as_shown(services):
    messages, slots = search(services, "explain-search")
    cards = messages[0]["custom"]["products"]
    assert len(cards) >= 2
    assert all(c["reason"] == "matches: running shoes, under $100, navy" for c in cards)
    assert all(set(c["scores"]) == {"fused", "semantic", "keywords"} for c in cards)
    with services.session() as session:
        stored = conversation_events(session, "explain-search")
    assert stored == [(c["id"], InteractionKind.SHOWN) for c in cards]


def test_why_the_second_one_answers_from_that_cards_reason(services):
    messages, slots = search(services, "explain-why")
    second = messages[0]["custom"]["products"][1]
    tracker = after(messages, "why the second one?", "why_this_product", "explain-why", slots)
    answer, new_slots = run(ActionExplainProduct(services), tracker)
    assert (
        answer[0]["text"] == f"Why the {second['title']}? Matches: running shoes, under $100, navy."
    )
    assert new_slots == {"focused_product": float(second["id"])}


def test_why_before_anything_was_shown_says_so(services):
    tracker = tracker_for("why this one?", "why_this_product", sender="explain-nothing")
    answer, _ = run(ActionExplainProduct(services), tracker)
    assert "haven't shown you any products" in answer[0]["text"]


def test_a_storefront_view_changes_the_next_recommendation(services):
    def recommend(sender):
        tracker = tracker_for("recommend something", "recommend", sender=sender)
        messages, _ = run(ActionRecommendProducts(services), tracker)
        return messages[0]["custom"]["products"]

    watch = next(
        h.record for h in services.product_index.search("fitness tracker watch", None, k=5)
    )
    control, viewer = recommend("live-control"), recommend("live-viewer")
    assert [c["id"] for c in control] == [c["id"] for c in viewer]
    with services.session() as session:
        # What the storefront's /api/interactions stores for the widget's session id.
        record_events(session, [watch.product_id], "live-viewer", InteractionKind.VIEW)
    control_again, viewer_again = recommend("live-control"), recommend("live-viewer")
    assert [c["id"] for c in viewer_again] != [c["id"] for c in control_again]
    assert watch.title in viewer_again[0]["reason"]
    assert all(c["reason"] and "blend" in c["scores"] for c in viewer_again)
    assert watch.product_id not in [c["id"] for c in viewer_again]


def test_with_recording_off_nothing_is_stored(services, monkeypatch):
    from dataclasses import replace

    monkeypatch.setattr(services, "settings", replace(services.settings, record_behaviour=False))
    search(services, "explain-off")
    with services.session() as session:
        assert conversation_events(session, "explain-off") == []
