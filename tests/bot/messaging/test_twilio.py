"""Twilio (WhatsApp and SMS): X-Twilio-Signature, resent MessageSids, numbered choices, media."""

from __future__ import annotations

import itertools

import httpx

from tests.helpers.fake_platforms import SECRETS
from tests.helpers.platform_requests import post_twilio, twilio_signature
from tests.helpers.platform_requests import whatsapp as whatsapp_fields

AUTH_TOKEN = SECRETS["SHOPDESK_TWILIO_AUTH_TOKEN"]
MESSAGES = f"/2010-04-01/Accounts/{SECRETS['SHOPDESK_TWILIO_ACCOUNT_SID']}/Messages.json"
sids = itertools.count(1)


def signed(url: str, fields: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """Twilio's documented signature: HMAC-SHA1 of the URL + sorted name/value pairs, base64."""
    return twilio_signature(url, fields, token)


def whatsapp(body: str, **extra: str) -> dict[str, str]:
    return whatsapp_fields(body, f"SM{next(sids):032x}", **extra)


def post(server, fields: dict[str, str], signature: str | None = "sign") -> httpx.Response:
    return post_twilio(server.url, fields, signature)


def test_whatsapp_products_stay_a_numbered_list_with_links_and_a_picture(server):
    answer = post(server, whatsapp("running shoes under $100"))
    assert answer.status_code == 200 and "<Response>" in answer.text
    sent = server.platforms.to(MESSAGES)
    first = sent[0]["body"]
    assert first["To"] == "whatsapp:+15557654321"
    assert first["From"] == "whatsapp:+14155238886"
    assert "1. Trail Runner 1 — $61.00" in first["Body"]
    assert "https://shop.example.com/products/trail-runner-1" in first["Body"]
    assert first["MediaUrl"] == "https://shop.example.com/images/trail-runner-1.jpg"
    assert all(len(call["body"]["Body"]) <= 1600 for call in sent)
    assert sent[0]["headers"]["Authorization"].startswith("Basic ")


def test_sms_buttons_are_numbered_and_a_number_reply_sends_the_payload(server):
    sms = whatsapp("please cancel my order", From="+15557654321", To="+15550001111")
    post(server, sms)
    body = server.platforms.to(MESSAGES)[0]["body"]
    assert body["From"] == "+15550001111" and "MediaUrl" not in body
    assert body["Body"] == "Cancel order 10002?\nReply with a number:\n1. Yes\n2. No"
    post(server, whatsapp("2", From="+15557654321", To="+15550001111"))
    assert [m.text for m in server.received] == ["please cancel my order", "/deny"]


def test_a_bad_or_missing_signature_is_refused_and_nothing_is_stored(server):
    fields = whatsapp("where is my order 10002?")
    assert post(server, fields, signature=None).status_code == 401
    assert post(server, fields, signature=signed("https://elsewhere/", fields)).status_code == 403
    forged = {**fields, "From": "whatsapp:+19990000000"}
    assert (
        post(
            server, forged, signature=signed(f"{server.url}/webhooks/twilio/webhook", fields)
        ).status_code
        == 403
    )
    assert server.received == [] and server.platforms.calls == []


def test_a_resent_message_sid_is_answered_once(server):
    fields = whatsapp("hello")
    assert post(server, fields).status_code == 200
    assert post(server, fields).status_code == 200
    assert len(server.received) == 1
    assert len(server.platforms.to(MESSAGES)) == 1


def test_a_voice_note_gets_a_polite_answer(server):
    fields = whatsapp(
        "", NumMedia="1", MediaContentType0="audio/ogg", MediaUrl0="https://api.twilio.com/media/1"
    )
    assert post(server, fields).status_code == 200
    assert server.received == []
    assert "can't read voice notes" in server.platforms.to(MESSAGES)[0]["body"]["Body"]


def test_a_location_gets_a_polite_answer(server):
    post(server, whatsapp("", Latitude="37.78", Longitude="-122.39"))
    assert "can't read locations" in server.platforms.to(MESSAGES)[0]["body"]["Body"]


def test_fields_missing_are_a_400(server):
    assert post(server, {"Body": "hi"}).status_code == 400
    assert server.received == []


def test_conversation_ids_cannot_be_guessed_from_the_phone_number(server):
    post(server, whatsapp("hi"))
    sender = server.received[0].sender_id
    assert sender.startswith("twilio:whatsapp:+15557654321:") and len(sender.split(":")[-1]) == 32
