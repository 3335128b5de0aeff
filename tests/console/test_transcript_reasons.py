"""The console's transcript shows why the bot showed each product, and the scores behind it."""

from __future__ import annotations

from datetime import datetime

from tests.helpers.conversation_log import Conversation

DAY = datetime(2026, 11, 3, 10, 0)


def test_each_product_card_shows_its_reason_and_scores(client, conversation_log, console_app):
    conversation_log.save(
        Conversation("reasons-1", channel="shopdesk")
        .start(DAY)
        .user(DAY, "recommend something", "recommend", 0.93)
        .bot(
            DAY,
            "Picked for you:",
            "action_recommend_products",
            data={
                "custom": {
                    "type": "product_list",
                    "products": [
                        {
                            "title": "Aero Runner",
                            "price_text": "$89.00",
                            "in_stock": True,
                            "reason": "because you looked at Trail Socks",
                            "scores": {"blend": 2.31, "sequential": 1.4, "transitions": 0.6},
                        }
                    ],
                }
            },
        )
        .user(DAY, "what is the Lumio lamp made of?", "product_question", 0.9)
        .bot(
            DAY,
            "The Lumio lamp is made of aluminium.",
            "action_answer_product_question",
            data={
                "custom": {
                    "type": "product",
                    "product": {
                        "title": "Lumio Desk Lamp",
                        "in_stock": True,
                        "reason": "the product you asked about",
                    },
                }
            },
        )
    )
    console_app.state.console.index_now()
    page = client("annotator").http.get("/conversations/reasons-1").text
    assert "why: because you looked at Trail Socks" in page
    assert "blend 2.31 · sequential 1.4 · transitions 0.6" in page
    assert "Lumio Desk Lamp" in page and "why: the product you asked about" in page
