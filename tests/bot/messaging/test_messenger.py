"""Messenger: verify-token handshake, X-Hub-Signature-256, redeliveries, carousels."""

from __future__ import annotations

import hashlib
import hmac
import itertools

import httpx

from tests.helpers.fake_platforms import SECRETS
from tests.helpers.platform_requests import messenger_event, messenger_text, post_messenger

APP_SECRET = SECRETS["SHOPDESK_MESSENGER_APP_SECRET"]
mids = itertools.count(1)


def event(message: dict | None = None, **other) -> dict:
    """A page webhook body with one messaging event, as Meta documents it."""
    return messenger_event(message, **other)


def text(value: str, mid: str | None = None) -> dict:
    return messenger_text(value, mid or f"m_{next(mids)}")


def post(server, body: dict, signature: str | None = "sign") -> httpx.Response:
    return post_messenger(server.url, body, signature)


def test_the_verify_token_handshake(server):
    url = f"{server.url}/webhooks/facebook/webhook"
    good = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
    answer = httpx.get(url, params=good)
    assert answer.status_code == 200 and answer.text == "1158201444"
    assert httpx.get(url, params={**good, "hub.verify_token": "nope"}).status_code == 403


def test_products_arrive_as_a_carousel_of_at_most_ten_cards(server):
    assert post(server, text("running shoes under $100")).status_code == 200
    calls = server.platforms.to("/me/messages")
    assert calls[0]["headers"]["Authorization"] == "Bearer page-token"
    assert calls[0]["body"]["recipient"] == {"id": "6543210"}
    assert calls[0]["body"]["message"]["text"].startswith("Here are running shoes")
    template = calls[1]["body"]["message"]["attachment"]["payload"]
    assert template["template_type"] == "generic"
    cards = template["elements"]
    assert len(cards) == 10
    assert cards[0]["title"] == "Trail Runner 1" and cards[0]["subtitle"] == "$61.00 · in stock"
    assert cards[0]["image_url"] == "https://shop.example.com/images/trail-runner-1.jpg"
    assert cards[0]["buttons"] == [
        {
            "type": "web_url",
            "url": "https://shop.example.com/products/trail-runner-1",
            "title": "View",
        },
        {
            "type": "postback",
            "title": "More like this",
            "payload": "something like the Trail Runner 1",
        },
    ]


def test_buttons_are_quick_replies_and_taps_arrive_as_payloads(server):
    post(server, text("cancel it"))
    message = server.platforms.to("/me/messages")[0]["body"]["message"]
    assert message["quick_replies"] == [
        {"content_type": "text", "title": "Yes", "payload": "/affirm"},
        {"content_type": "text", "title": "No", "payload": "/deny"},
    ]
    post(server, event({"mid": "m_qr", "text": "Yes", "quick_reply": {"payload": "/affirm"}}))
    post(
        server,
        event(
            postback={
                "mid": "m_pb",
                "title": "More like this",
                "payload": "something like the Trail Runner 1",
            }
        ),
    )
    assert [m.text for m in server.received] == [
        "cancel it",
        "/affirm",
        "something like the Trail Runner 1",
    ]


def test_a_redelivered_message_id_is_answered_once(server):
    body = text("hello", mid="m_same")
    assert post(server, body).status_code == 200
    assert post(server, body).status_code == 200
    assert len(server.received) == 1 and len(server.platforms.to("/me/messages")) == 1


def test_bad_or_missing_signatures_are_refused(server):
    assert post(server, text("hi"), signature=None).status_code == 401
    assert post(server, text("hi"), signature="sha256=" + "0" * 64).status_code == 403
    sha1 = "sha1=" + hmac.new(APP_SECRET.encode(), b"{}", hashlib.sha1).hexdigest()
    assert post(server, text("hi"), signature=sha1).status_code == 403
    assert server.received == [] and server.platforms.calls == []


def test_deliveries_reads_and_echoes_do_nothing(server):
    assert post(server, event(delivery={"mids": ["m_1"], "watermark": 1})).status_code == 200
    assert post(server, event(read={"watermark": 1})).status_code == 200
    assert post(server, event({"mid": "m_echo", "text": "hi", "is_echo": True})).status_code == 200
    assert server.received == [] and server.platforms.calls == []


def test_a_sticker_gets_a_polite_answer(server):
    sticker = {
        "mid": "m_st",
        "sticker_id": 369239263222822,
        "attachments": [{"type": "image", "payload": {"url": "https://x/s.png"}}],
    }
    post(server, event(sticker))
    assert server.received == []
    assert (
        "can't read pictures or stickers"
        in (server.platforms.to("/me/messages")[0]["body"]["message"]["text"])
    )


def test_malformed_bodies_are_4xx(server):
    assert post(server, {"object": "instagram"}).status_code == 400
    url = f"{server.url}/webhooks/facebook/webhook"
    raw = b"not json"
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    answer = httpx.post(url, content=raw, headers={"X-Hub-Signature-256": signature})
    assert answer.status_code == 400
