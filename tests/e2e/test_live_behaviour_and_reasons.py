"""Live behaviour and explanations on the real servers (Rasa + action server, REST channel).

A product viewed in the storefront (the demo storefront app, writing to the same shop
database under the widget's session id) changes the next "recommend something" answer of
that conversation; every product card carries its reason, and "why this one?" names it.
"""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient

from web.app import create_app


def session_id() -> str:
    """A conversation id as the widget makes them (random, URL-safe)."""
    return secrets.token_urlsafe(16)


def test_a_product_viewed_in_the_storefront_changes_the_next_recommendation(bot):
    viewer, control = session_id(), session_id()
    for sender in (viewer, control):
        shown = bot.payload(bot.say(sender, "show me running shoes"), "product_list")["products"]
        assert shown
    storefront = TestClient(create_app(bot.settings))
    watch = next(
        p
        for p in bot.payload(
            bot.say(session_id(), "do you have fitness trackers?"), "product_list"
        )["products"]
        if p["in_stock"]
    )
    handle = watch["url"].rsplit("/products/", 1)[1]
    reply = storefront.post(
        "/api/interactions", json={"session_id": viewer, "product_handle": handle, "kind": "view"}
    )
    assert reply.status_code == 201, reply.text

    picked = bot.payload(bot.say(viewer, "what do you recommend"), "product_list")["products"]
    usual = bot.payload(bot.say(control, "what do you recommend"), "product_list")["products"]
    assert picked and usual
    assert [p["id"] for p in picked] != [p["id"] for p in usual]
    assert watch["title"] in picked[0]["reason"], picked[0]
    assert watch["title"] not in " ".join(p["reason"] for p in usual)


def test_every_card_carries_its_reason_and_why_this_one_names_it(bot):
    sender = session_id()
    replies = bot.say(sender, "do you have running shoes under $100?")
    cards = bot.payload(replies, "product_list")["products"]
    assert len(cards) >= 2
    assert all(c["reason"].startswith("matches:") and "under $100" in c["reason"] for c in cards)
    answer = bot.text(sender, "why the second one?")
    assert cards[1]["title"] in answer and cards[1]["reason"][1:] in answer, answer

    suggested = bot.payload(bot.say(sender, "what do you recommend"), "product_list")["products"]
    assert suggested and all(p["reason"] for p in suggested)
    answer = bot.text(sender, "why this one?")
    assert suggested[0]["title"] in answer and suggested[0]["reason"][1:] in answer, answer
