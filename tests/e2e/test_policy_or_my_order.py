"""Policy or my order? A question that could be either gets the policy and an offer to check
the shopper's own order, never a verification question first (issue 18, item 4)."""


def asks_to_verify(answer: str) -> bool:
    return "email" in answer.lower() or "order number" in answer.lower()


def test_refund_timing_gets_the_policy_and_an_offer_then_yes_checks_the_order(bot):
    replies = bot.say("p-refund", "how long do refunds take?")
    answer = "\n".join(r["text"] for r in replies if "text" in r)
    assert "business days" in answer, answer
    assert answer.endswith("Would you like me to check the refund of one of your orders?")
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
    assert answer.endswith("Would you like me to check where one of your orders is?"), answer
    assert bot.slots("p-delivery")["requested_slot"] is None
    reply = bot.text("p-delivery", "no")
    assert "anything else" in reply.lower()
    assert not asks_to_verify(reply)
    assert bot.slots("p-delivery")["pending_confirmation"] is None


def test_my_own_refund_still_starts_verification(bot):
    asked = bot.text("p-my-refund", "where is my refund?")
    assert asks_to_verify(asked), asked
