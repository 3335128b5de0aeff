"""Frustration on the real servers: an angry shopper is offered a person, once; a calm one and
a shopper in the middle of verification are not (docs/personalisation.md, "Frustration")."""

from __future__ import annotations

from shopdesk.handoffs import list_open_handoffs

ANGRY = "this is ridiculous, third time I ask and still no refund!!!"


def offer_in(replies: list[dict]) -> dict | None:
    """The bot's reply that apologises and offers a person, if any."""
    for reply in replies:
        text = (reply.get("text") or "").lower()
        if "sorry" in text and "person" in text:
            return reply
    return None


def test_an_angry_shopper_gets_an_apology_and_a_person_offered(bot) -> None:
    sender = "frustrated-refund"
    offer = offer_in(bot.say(sender, ANGRY))
    assert offer is not None
    assert [b["title"] for b in offer.get("buttons", [])] == ["Yes", "No"]
    slots = bot.slots(sender)
    assert slots["frustration"] >= bot.settings.frustration_threshold
    assert slots["frustrated"] is True and slots["frustration_offered"] is True
    # Saying yes hands the conversation over; the queue shows it.
    assert "support team" in bot.text(sender, "yes")
    assert sender in [handoff.sender_id for handoff in list_open_handoffs(bot.settings)]


def test_a_calm_shopper_is_not_offered_a_person(bot) -> None:
    sender = "calm-order"
    replies = bot.say(sender, "where is my order 10002?")
    assert offer_in(replies) is None
    assert "email" in " ".join(r.get("text") or "" for r in replies).lower()
    slots = bot.slots(sender)
    assert slots["frustration"] == 0.0 and not slots["frustrated"]


def test_the_offer_comes_once_per_conversation(bot) -> None:
    sender = "frustrated-twice"
    assert offer_in(bot.say(sender, ANGRY)) is not None
    bot.say(sender, "no")
    again = bot.say(sender, "this is a joke, still no refund after three weeks!!!")
    assert offer_in(again) is None
    assert bot.slots(sender)["frustrated"] is True


def test_no_offer_while_verifying(bot) -> None:
    sender = "frustrated-verifying"
    asked = bot.text(sender, "where is my order 10002?")
    assert "email" in asked.lower()
    replies = bot.say(sender, "this is ridiculous, third time I ask!!!")
    assert offer_in(replies) is None
    assert bot.slots(sender)["frustration"] >= bot.settings.frustration_threshold
