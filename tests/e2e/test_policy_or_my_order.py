"""Policy or my order? A question that could be either gets the policy and an offer to check
the shopper's own order, never a verification question first (issue 18, item 4), whichever
intent the model reads it as (actions/policy_or_order.py); a question about the shopper's own
refund still starts verification."""

import re

import pytest

REFUND_OFFER = "Would you like me to check the refund of one of your orders?"
DELIVERY_OFFER = "Would you like me to check where one of your orders is?"


def asks_to_verify(answer: str) -> bool:
    return "email" in answer.lower() or "order number" in answer.lower()


def reading(bot, sender: str) -> str:
    """The intent ranking the model gave the latest message, for failure messages."""
    _, tracker = bot.get(f"/conversations/{sender}/tracker?token={bot.token}")
    ranking = tracker["latest_message"].get("intent_ranking") or []
    return ", ".join(f"{i['name']} {i['confidence']:.2f}" for i in ranking[:3])


@pytest.mark.parametrize(
    ("question", "offer"),
    [
        ("how long does a refund take?", REFUND_OFFER),
        ("how long do refunds usually take", REFUND_OFFER),
        ("How long does it take to get a refund?", REFUND_OFFER),
        ("how quickly are refunds processed?", REFUND_OFFER),
        ("how many days until a refund shows up?", REFUND_OFFER),
        ("how long does shipping usually take", DELIVERY_OFFER),
    ],
)
def test_a_general_timing_question_gets_the_policy_and_an_offer(bot, question, offer):
    sender = "p-" + re.sub(r"\W+", "-", question.lower())
    answer = bot.text(sender, question)
    read = reading(bot, sender)
    assert answer.endswith(offer), (read, answer)
    assert bot.slots(sender)["requested_slot"] is None, read
    assert bot.slots(sender)["pending_confirmation"] == "check_order", read


@pytest.mark.parametrize(
    "question",
    ["when will I get my refund", "how long will my refund take?", "where is my refund?"],
)
def test_a_question_about_my_own_refund_starts_verification(bot, question):
    sender = "p-mine-" + re.sub(r"\W+", "-", question.lower())
    asked = bot.text(sender, question)
    assert asks_to_verify(asked), (reading(bot, sender), asked)
    assert bot.slots(sender)["requested_slot"] == "order_number", reading(bot, sender)


def test_refund_timing_gets_the_policy_and_an_offer_then_yes_checks_the_order(bot):
    replies = bot.say("p-refund", "how long do refunds take?")
    answer = "\n".join(r["text"] for r in replies if "text" in r)
    assert "business days" in answer, answer
    assert answer.endswith(REFUND_OFFER), (reading(bot, "p-refund"), answer)
    assert [b["title"] for r in replies for b in r.get("buttons") or []] == ["Yes", "No"]
    # No verification started: the policy text may mention order numbers, but no form asks.
    assert bot.slots("p-refund")["requested_slot"] is None

    asked = bot.text("p-refund", "yes")
    assert asks_to_verify(asked), asked
    answer = bot.text("p-refund", "order 10005")
    if "refund" not in answer or "issued" not in answer:
        answer = bot.text("p-refund", "alex@example.com")
    assert "refund" in answer and "issued" in answer, answer


def test_delivery_timing_gets_the_policy_and_no_leaves_the_orders_alone(bot):
    answer = bot.text("p-delivery", "how long does delivery take?")
    assert answer.endswith(DELIVERY_OFFER), (reading(bot, "p-delivery"), answer)
    assert bot.slots("p-delivery")["requested_slot"] is None
    reply = bot.text("p-delivery", "no")
    assert "anything else" in reply.lower()
    assert not asks_to_verify(reply)
    assert bot.slots("p-delivery")["pending_confirmation"] is None
