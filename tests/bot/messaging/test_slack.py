"""Slack: signing secret and the 5-minute replay window, retries, Block Kit replies."""

from __future__ import annotations

import itertools
import json
import time
from urllib.parse import urlencode

import httpx

from tests.helpers.platform_requests import post_slack, slack_dm

events = itertools.count(1)


def dm(text: str, event_id: str | None = None) -> dict:
    """An Events API callback with a direct message, as Slack documents it."""
    return slack_dm(text, event_id or f"Ev{next(events):08d}")


def post(server, raw: bytes, **kwargs) -> httpx.Response:
    return post_slack(server.url, raw, **kwargs)


def post_json(server, body: dict, **kwargs) -> httpx.Response:
    return post(server, json.dumps(body).encode(), **kwargs)


def test_url_verification_returns_the_challenge(server):
    body = {
        "token": "x",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    answer = post_json(server, body)
    assert answer.status_code == 200 and answer.json()["challenge"] == body["challenge"]


def test_products_are_sections_with_pictures_and_buttons(server):
    assert post_json(server, dm("running shoes under $100")).status_code == 200
    call = server.platforms.to("/chat.postMessage")[0]
    assert call["headers"]["Authorization"] == "Bearer xoxb-slack-token"
    assert call["body"]["channel"] == "D024BE91L"
    blocks = call["body"]["blocks"]
    assert blocks[0]["text"]["text"].startswith("Here are running shoes under $100:")
    product = blocks[1]
    assert product["text"]["text"] == (
        "*<https://shop.example.com/products/trail-runner-1|Trail Runner 1>*\n$61.00 · in stock"
    )
    assert product["accessory"]["image_url"].endswith("trail-runner-1.jpg")
    buttons = blocks[2]["elements"]
    assert buttons[0]["url"].endswith("trail-runner-1") and buttons[1]["value"] == (
        "something like the Trail Runner 1"
    )
    assert len(blocks) <= 50


def test_a_button_tap_arrives_as_its_value(server):
    payload = {
        "type": "block_actions",
        "user": {"id": "U2147483697"},
        "channel": {"id": "D024BE91L"},
        "trigger_id": "t1",
        "actions": [
            {
                "action_id": "button_0",
                "value": "/affirm",
                "type": "button",
                "action_ts": "1700000000.1",
            }
        ],
    }
    raw = urlencode({"payload": json.dumps(payload)}).encode()
    answer = post(server, raw, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200
    assert [m.text for m in server.received] == ["/affirm"]


def test_buttons_are_an_actions_block(server):
    post_json(server, dm("cancel my order"))
    blocks = server.platforms.to("/chat.postMessage")[0]["body"]["blocks"]
    assert [(e["text"]["text"], e["value"]) for e in blocks[-1]["elements"]] == [
        ("Yes", "/affirm"),
        ("No", "/deny"),
    ]


def test_a_stale_timestamp_is_refused_even_with_a_valid_signature(server):
    answer = post_json(server, dm("hi"), stamp=int(time.time()) - 6 * 60)
    assert answer.status_code == 403 and "ago" in answer.json()["error"]
    assert server.received == []


def test_bad_or_missing_signatures_are_refused(server):
    assert post_json(server, dm("hi"), signature=None).status_code == 401
    assert post_json(server, dm("hi"), signature="v0=" + "0" * 64).status_code == 403
    assert server.received == [] and server.platforms.calls == []


def test_slack_retries_of_an_event_are_answered_once(server):
    body = dm("hello", event_id="Ev_retry")
    assert post_json(server, body).status_code == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert post_json(server, body, headers=retry).status_code == 200
    assert len(server.received) == 1 and len(server.platforms.to("/chat.postMessage")) == 1


def test_the_bots_own_messages_and_edits_are_ignored(server):
    own = dm("echo: hi")
    own["event"]["bot_id"] = "B1"
    edit = dm("hi")
    edit["event"]["subtype"] = "message_changed"
    assert post_json(server, own).status_code == 200
    assert post_json(server, edit).status_code == 200
    assert server.received == [] and server.platforms.calls == []


def test_a_file_gets_a_polite_answer(server):
    body = dm("")
    body["event"].update(subtype="file_share", files=[{"id": "F1", "mimetype": "audio/webm"}])
    post_json(server, body)
    text = server.platforms.to("/chat.postMessage")[0]["body"]["blocks"][0]["text"]["text"]
    assert "can't read files or pictures" in text


def test_malformed_bodies_are_4xx(server):
    assert post(server, b"{oops").status_code == 400
    assert (
        post_json(
            server, {"type": "event_callback", "event": {"type": "message", "channel_type": "im"}}
        ).status_code
        == 400
    )
    raw = b"payload=not-json"
    assert post(server, raw, content_type="application/x-www-form-urlencoded").status_code == 400
