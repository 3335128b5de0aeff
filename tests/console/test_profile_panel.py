"""The transcript shows the linked customer's profile beside the conversation."""

from __future__ import annotations

from datetime import datetime

from storage.customer_profile import link_conversation, record_preferences
from storage.schema import Customer, LinkMethod, PreferenceKind, SatisfactionRating
from tests.helpers.conversation_log import Conversation

DAY = datetime(2026, 11, 2, 9, 0)


def test_a_linked_conversation_shows_the_customers_profile(
    client, conversation_log, console_app, shop_session
) -> None:
    for sender, channel in (("web-chat", "shopdesk"), ("phone-chat", "whatsapp")):
        conversation_log.save(
            Conversation(sender, channel=channel).start(DAY).user(DAY, "hi", "greet", 0.9)
        )
    console_app.state.console.index_now()
    dana = Customer(name="Dana Whitfield", email="dana@example.com", zip_code="94110")
    shop_session.add(dana)
    shop_session.add(SatisfactionRating(sender_id="phone-chat", rating=2, flow="order_status"))
    shop_session.commit()
    link_conversation(shop_session, dana.id, "web-chat", LinkMethod.IDENTITY_TOKEN, "shopdesk")
    link_conversation(shop_session, dana.id, "phone-chat", LinkMethod.VERIFICATION, "whatsapp")
    record_preferences(
        shop_session, dana.id, "phone-chat", [(PreferenceKind.SIZE, "8.5")], "Running Shoes"
    )

    page = client("agent").http.get("/conversations/web-chat").text

    profile = page.split('aria-label="Customer profile"')[1].split("</section>")[0]
    for expected in (
        "Dana Whitfield",
        "dana@example.com",
        "CSAT average <strong>2.0</strong>/5",
        "<strong>this one</strong>",
        'href="/conversations/phone-chat"',
        "whatsapp",
        "identity token",
        "size: 8.5 (Running Shoes) ×1",
    ):
        assert expected in profile, expected


def test_an_anonymous_conversation_shows_no_one(client, conversation_log, console_app) -> None:
    conversation_log.save(Conversation("anon").start(DAY).user(DAY, "hi", "greet", 0.9))
    console_app.state.console.index_now()
    page = client("annotator").http.get("/conversations/anon").text
    profile = page.split('aria-label="Customer profile"')[1].split("</section>")[0]
    assert "Anonymous" in profile and "@" not in profile
