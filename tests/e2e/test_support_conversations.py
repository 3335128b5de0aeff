"""Order support over the real REST channel, checked in the shop database (docs/demo-data.md)."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from shopdesk.handoffs import list_open_handoffs, resume_conversation
from storage.schema import (
    Customer,
    HandoffRequest,
    Order,
    OrderStatus,
    ReturnRequest,
    SatisfactionRating,
)


def verify(bot, sender: str, opening: str, contact: str) -> str:
    """Open a flow and answer the verification question; return the bot's answer."""
    asked = bot.text(sender, opening)
    assert "email" in asked.lower() or "order number" in asked.lower(), asked
    return bot.text(sender, contact)


def order_status(bot, number: str) -> str:
    with bot.session() as session:
        return session.execute(select(Order.status).where(Order.number == number)).scalar_one()


def test_order_status_after_verification(bot):
    answer = verify(bot, "s-status", "where is my order 10002?", "alex@example.com")
    arriving = date.today() + timedelta(days=3)
    assert "UPS" in answer and "1Z999AA10123456784" in answer
    assert f"{arriving:%B} {arriving.day}" in answer


def test_wrong_email_and_wrong_number_get_the_same_reply(bot):
    wrong_email = verify(bot, "s-wrong-email", "where is order 10002", "sam@example.com")
    wrong_number = verify(bot, "s-wrong-number", "where is order 19999", "alex@example.com")
    assert "don't match" in wrong_email
    assert wrong_email == wrong_number
    assert "1Z999AA10123456784" not in wrong_email


def test_verified_alex_cannot_see_sams_order(bot):
    verify(bot, "s-alex-sam", "track order 10003 please", "zip 94107")
    answer = bot.text("s-alex-sam", "and where is order 10006?")
    assert "can't find an order 10006" in answer
    assert "612999AA10123456" not in answer and "FedEx" not in answer


def test_verified_alex_can_ask_about_another_of_his_orders(bot):
    verify(bot, "s-alex-two", "where is my order 10003", "alex@example.com")
    answer = bot.text("s-alex-two", "where is my order 10002?")
    assert "1Z999AA10123456784" in answer


def test_cancelling_a_processing_order_once(bot):
    with bot.session() as session:
        number, email = session.execute(
            select(Order.number, Customer.email)
            .join(Customer)
            .where(Order.status == "processing", Order.number != "10001")
        ).first()
    asked = verify(bot, "s-cancel", f"please cancel order {number}", email)
    assert "Shall I cancel it?" in asked
    assert "cancelled" in bot.text("s-cancel", "yes")
    assert order_status(bot, number) == "cancelled"
    again = verify(bot, "s-cancel-again", f"cancel order {number}", email)
    assert "already cancelled" in again
    assert order_status(bot, number) == "cancelled"


def test_cancelling_the_shipped_order_is_refused_and_a_return_offered(bot):
    answer = verify(bot, "s-cancel-shipped", "cancel my order 10002", "alex@example.com")
    assert "can't be cancelled" in answer and "UPS" in answer and "return" in answer
    assert order_status(bot, "10002") == "shipped"


def test_return_outside_the_window_is_refused(bot):
    answer = verify(bot, "s-return-late", "I want to return order 10004", "alex@example.com")
    assert "can't be returned" in answer
    with bot.session() as session:
        returns = session.execute(
            select(func.count(ReturnRequest.id)).join(Order).where(Order.number == "10004")
        ).scalar_one()
    assert returns == 0


def test_return_with_a_policy_question_inside_the_form(bot):
    answer = verify(
        bot, "s-return", "I'd like to return something from order 10003", "alex@example.com"
    )
    assert (
        "you can return" in answer and "can't be returned" in answer and "final" in answer.lower()
    )
    assert "Why are you returning" in answer
    # Asked for the reason, a question (the NLU may not see a policy intent in it) is answered
    # and the reason asked again, never stored as the reason (issue 18).
    policy = bot.text("s-return", "how long does a refund take?")
    assert "business days" in policy and "Why are you returning" in policy
    slots = bot.slots("s-return")
    assert slots["requested_slot"] == "return_reason" and slots["return_reason"] is None
    # Read as a return request (not a policy intent), this one reaches the form's validation.
    how = bot.text("s-return", "how do I send it back?")
    assert "label" in how and "Why are you returning" in how, how
    assert bot.slots("s-return")["return_reason"] is None
    done = bot.text("s-return", "they are too small")
    assert "RMA" in done
    with bot.session() as session:
        request = session.execute(
            select(ReturnRequest).join(Order).where(Order.number == "10003")
        ).scalar_one()
    assert request.rma_number in done and request.reason == "they are too small"


def returnable_order(bot, skip: int) -> tuple[str, str]:
    """A generated delivered order inside the return window with nothing final-sale or returned
    yet, and its customer's email (the ``skip``-th such order, so tests do not share one)."""
    recent = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=20)
    with bot.session() as session:
        orders = session.scalars(
            select(Order)
            .join(Customer)
            .where(Order.status == OrderStatus.DELIVERED)
            .where(Customer.email.not_in(["alex@example.com", "sam@example.com"]))
            .order_by(Order.number)
        ).all()
        fits = [
            (order.number, order.customer.email)
            for order in orders
            if not order.returns
            and not any(line.final_sale for line in order.lines)
            and any(s.delivered_at and s.delivered_at > recent for s in order.shipments)
        ]
    return fits[skip]


@pytest.mark.parametrize(
    ("skip", "reason"),
    [(0, "it arrived broken"), (1, "it came damaged and I'm really not happy about that")],
)
def test_a_reason_read_as_a_complaint_is_the_returns_reason(bot, skip, reason):
    number, email = returnable_order(bot, skip)
    sender = f"s-return-complaint-{skip}"
    answer = verify(bot, sender, f"I want to return order {number}", email)
    assert "Why are you returning" in answer, answer
    done = bot.text(sender, reason)
    _, tracker = bot.get(f"/conversations/{sender}/tracker?token={bot.token}")
    read = tracker["latest_message"]["intent"]
    assert "RMA" in done and "person" not in done.lower(), (read, done)
    with bot.session() as session:
        request = session.execute(
            select(ReturnRequest).join(Order).where(Order.number == number)
        ).scalar_one()
    assert request.rma_number in done and request.reason == reason, read


def test_refund_status_of_the_returned_order(bot):
    answer = verify(bot, "s-refund", "where is my refund for order 10005", "alex@example.com")
    issued = date.today() - timedelta(days=2)
    assert "refund" in answer and "issued" in answer and f"{issued:%B} {issued.day}" in answer


def test_change_shipping_address_validates_then_saves(bot):
    verify(
        bot, "s-address", "I need to change the shipping address of order 10001", "alex@example.com"
    )
    retry = bot.text("s-address", "somewhere nice")
    assert "name, street, city, state ZIP" in retry
    done = bot.text("s-address", "Alex Morgan, 500 Howard St, San Francisco, CA 94105")
    assert "Done" in done
    with bot.session() as session:
        order = session.execute(select(Order).where(Order.number == "10001")).scalar_one()
    assert order.shipping_line1 == "500 Howard St" and order.shipping_postal_code == "94105"


def test_three_failed_verifications_hand_over_to_a_person(bot):
    sender = "s-three-failures"
    bot.text(sender, "where is my order")
    for _ in range(3):
        bot.text(sender, "10002")
        reply = bot.text(sender, "nobody@example.com")
    assert "person" in reply
    with bot.session() as session:
        handoff = session.execute(
            select(HandoffRequest).where(HandoffRequest.sender_id == sender)
        ).scalar_one()
    assert handoff.reason == "verification_failed"
    assert bot.say(sender, "hello?") == []


def test_handoff_on_request_keeps_the_bot_silent_until_staff_resume(bot):
    sender = "s-handoff"
    assert "person" in bot.text(sender, "I want to talk to a human")
    with bot.session() as session:
        assert (
            session.execute(
                select(HandoffRequest.status).where(HandoffRequest.sender_id == sender)
            ).scalar_one()
            == "open"
        )
    assert bot.say(sender, "hello? anyone?") == []
    assert sender in [handoff.sender_id for handoff in list_open_handoffs(bot.settings)]
    resume_conversation(bot.settings, sender)
    with bot.session() as session:
        assert (
            session.execute(
                select(HandoffRequest.status).where(HandoffRequest.sender_id == sender)
            ).scalar_one()
            == "resolved"
        )
    assert "shop assistant" in bot.text(sender, "hi")


def test_two_fallbacks_in_a_row_hand_over(bot):
    sender = "s-fallbacks"
    bot.say(sender, "/nlu_fallback")
    assert "person" in bot.text(sender, "/nlu_fallback")
    with bot.session() as session:
        reason = session.execute(
            select(HandoffRequest.reason).where(HandoffRequest.sender_id == sender)
        ).scalar_one()
    assert reason == "repeated_fallback"


def test_policy_question_answered_from_the_knowledge_base(bot):
    assert "Canada" in bot.text("s-policy", "do you deliver to canada?")


def test_stopping_a_form_clears_its_slots(bot):
    sender = "s-stop"
    assert "order number" in bot.text(sender, "I want to cancel an order").lower()
    assert "stopped" in bot.text(sender, "never mind")
    slots = bot.slots(sender)
    assert slots["requested_flow"] is None and slots["requested_slot"] is None


def test_rating_is_stored_with_the_conversation(bot):
    sender = "s-rating"
    verify(bot, sender, "where is order 10002", "alex@example.com")
    assert "Thank you" in bot.text(sender, '/rate{"rating": "5"}')
    with bot.session() as session:
        rating = session.execute(
            select(SatisfactionRating).where(SatisfactionRating.sender_id == sender)
        ).scalar_one()
    assert rating.rating == 5 and rating.flow == "order_status"
