"""Telegram's webhook: secret token, redeliveries, update kinds, photos with inline keyboards."""

from __future__ import annotations

import itertools

import httpx

from tests.helpers.fake_platforms import SECRETS
from tests.helpers.messaging_server import serve_channels
from tests.helpers.platform_requests import post_telegram, telegram_tap, telegram_text

SECRET = SECRETS["SHOPDESK_TELEGRAM_SECRET"]
TOKEN = SECRETS["SHOPDESK_TELEGRAM_TOKEN"]
updates = itertools.count(1000)


def text_update(text: str, chat_id: int = 4242, update_id: int | None = None) -> dict:
    """A text message update as Telegram documents it (Update with a Message)."""
    return telegram_text(text, chat_id, update_id if update_id is not None else next(updates))


def post(server, body, secret: str | None = SECRET) -> httpx.Response:
    return post_telegram(server.url, body, secret)


def test_product_list_arrives_as_photos_with_prices_and_an_inline_keyboard(server):
    assert post(server, text_update("running shoes under $100")).status_code == 200
    calls = server.platforms.to(f"/bot{TOKEN}/")
    intro = calls[0]
    assert intro["path"].endswith("/sendMessage")
    assert intro["body"]["text"].startswith("Here are running shoes under $100:")
    assert "1. Trail Runner 1" not in intro["body"]["text"]  # the cards replace the list
    photos = [c["body"] for c in calls if c["path"].endswith("/sendPhoto")]
    assert len(photos) == 12
    assert photos[0]["photo"] == "https://shop.example.com/images/trail-runner-1.jpg"
    assert photos[0]["caption"] == "Trail Runner 1\n$61.00 · in stock"
    assert "only 3 left" in photos[1]["caption"]
    row = photos[0]["reply_markup"]["inline_keyboard"][0]
    assert row[0] == {"text": "View", "url": "https://shop.example.com/products/trail-runner-1"}
    assert row[1]["text"] == "More like this"
    assert row[1]["callback_data"] == "something like the Trail Runner 1"
    assert server.received[0].sender_id.startswith("telegram:4242:")
    assert server.received[0].input_channel == "telegram"


def test_a_tapped_button_arrives_as_its_payload_and_the_spinner_stops(server):
    update = {
        "update_id": next(updates),
        "callback_query": {
            "id": "cbq-1",
            "from": {"id": 4242, "is_bot": False, "first_name": "Ana"},
            "message": {
                "message_id": 9,
                "date": 1700000000,
                "chat": {"id": 4242, "type": "private"},
            },
            "chat_instance": "1",
            "data": "something like the Trail Runner 1",
        },
    }
    assert post(server, update).status_code == 200
    assert server.received[0].text == "something like the Trail Runner 1"
    answered = server.platforms.to(f"/bot{TOKEN}/answerCallbackQuery")
    assert answered[0]["body"] == {"callback_query_id": "cbq-1"}


def test_buttons_are_an_inline_keyboard(server):
    post(server, text_update("cancel my order"))
    sent = server.platforms.to(f"/bot{TOKEN}/sendMessage")[0]["body"]
    assert sent["text"] == "Cancel order 10002?"
    assert sent["reply_markup"]["inline_keyboard"] == [
        [{"text": "Yes", "callback_data": "/affirm"}],
        [{"text": "No", "callback_data": "/deny"}],
    ]


def test_missing_or_wrong_secret_is_refused_before_the_bot(server):
    assert post(server, text_update("hi"), secret=None).status_code == 401
    assert post(server, text_update("hi"), secret="guess").status_code == 403
    assert server.received == [] and server.platforms.calls == []


def test_a_redelivered_update_is_answered_once(server):
    update = text_update("hello", update_id=next(updates))
    assert post(server, update).status_code == 200
    assert post(server, update).status_code == 200
    assert [m.text for m in server.received] == ["hello"]
    assert len(server.platforms.to(f"/bot{TOKEN}/sendMessage")) == 1


def test_a_sticker_gets_a_polite_answer_saying_what_the_bot_reads(server):
    update = text_update("x")
    del update["message"]["text"]
    update["message"]["sticker"] = {"file_id": "abc", "width": 512, "height": 512}
    assert post(server, update).status_code == 200
    assert server.received == []
    text = server.platforms.to(f"/bot{TOKEN}/sendMessage")[0]["body"]["text"]
    assert "can't read stickers" in text and "text messages" in text


def test_edits_and_other_updates_are_acknowledged_and_ignored(server):
    edited = text_update("changed my mind")
    edited["edited_message"] = edited.pop("message")
    assert post(server, edited).status_code == 200
    member = {"update_id": next(updates), "my_chat_member": {"chat": {"id": 1}}}
    assert post(server, member).status_code == 200
    assert server.received == [] and server.platforms.calls == []


def test_malformed_bodies_get_400_never_500(server):
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    url = f"{server.url}/webhooks/telegram/webhook"
    assert httpx.post(url, content=b"{not json", headers=headers).status_code == 400
    assert httpx.post(url, content=b"[1, 2]", headers=headers).status_code == 400
    assert post(server, {"message": {"text": "no update id"}}).status_code == 400
    assert post(server, {"update_id": 5, "message": {"text": "no chat"}}).status_code == 400
    assert httpx.post(url, content=b"x" * 300_000, headers=headers).status_code == 413
    assert server.received == []


def test_a_huge_message_is_answered_without_reaching_the_bot(server):
    assert post(server, text_update("a" * 2000)).status_code == 200
    assert server.received == []
    text = server.platforms.to(f"/bot{TOKEN}/sendMessage")[0]["body"]["text"]
    assert "2,000 characters" in text and "at most 500" in text


def test_long_texts_are_split_at_telegrams_limit(server):
    post(server, text_update("a long answer please"))
    texts = [c["body"]["text"] for c in server.platforms.to(f"/bot{TOKEN}/sendMessage")]
    assert len(texts) == 3 and all(len(t) <= 4096 for t in texts)
    assert " ".join(texts) == ("word " * 2000).strip()


def test_commands_do_not_reach_rasa_as_intents(server):
    post(server, text_update("/start"))
    post(server, text_update("/affirm"))
    assert [m.text for m in server.received] == ["hi", "affirm"]


def tap(chat_id: int, data: str) -> dict:
    """A callback_query update: the shopper tapped an inline button carrying ``data``."""
    return telegram_tap(chat_id, data, next(updates))


def test_a_button_payload_over_64_bytes_arrives_whole(server):
    post(server, text_update("which sizes?", chat_id=5151))
    sent = server.platforms.to(f"/bot{TOKEN}/sendMessage")[0]["body"]
    data = [row[0]["callback_data"] for row in sent["reply_markup"]["inline_keyboard"]]
    assert all(len(d.encode()) <= 64 for d in data) and data[0] != data[1]
    assert post(server, tap(5151, data[1])).status_code == 200
    assert server.received[-1].text == (
        '/choose_size{"size": "EU 41", "product": "Trail Runner 1", "colour": "midnight blue"}'
    )


def test_more_like_this_of_a_long_product_name_arrives_whole(server):
    post(server, text_update("show me long names", chat_id=5252))
    photo = server.platforms.to(f"/bot{TOKEN}/sendPhoto")[0]["body"]
    more = photo["reply_markup"]["inline_keyboard"][0][1]
    assert more["text"] == "More like this" and len(more["callback_data"].encode()) <= 64
    post(server, tap(5252, more["callback_data"]))
    assert server.received[-1].text == (
        "something like the Trail Runner 1 Gore-Tex Waterproof Wide Fit — Midnight Blue"
    )


def test_a_key_the_conversation_never_showed_gets_an_answer_not_the_bot(server):
    post(server, text_update("which sizes?", chat_id=5353))
    server.received.clear()
    server.platforms.calls.clear()
    assert post(server, tap(5353, "~key:" + "0" * 32)).status_code == 200
    assert server.received == []
    text = server.platforms.to(f"/bot{TOKEN}/sendMessage")[0]["body"]["text"]
    assert "older message" in text and "type what you are looking for" in text


def test_a_long_payload_tap_arrives_whole_after_a_server_restart(server, tmp_path):
    with serve_channels(server.platforms, tmp_path) as before:
        post(before, text_update("which sizes?", chat_id=5454))
        sent = server.platforms.to(f"/bot{TOKEN}/sendMessage")[0]["body"]
        data = sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    server.received.clear()
    with serve_channels(server.platforms, tmp_path) as after:
        assert post(after, tap(5454, data)).status_code == 200
    assert [m.text for m in server.received] == [
        '/choose_size{"size": "EU 40", "product": "Trail Runner 1", "colour": "midnight blue"}'
    ]
