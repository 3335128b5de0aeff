"""The storefront and its chat widget in a real Chromium, talking to the real bot.

One shop (two Rasa workers behind a Redis lock store, the action server, the storefront) is
started for all tests (tests/web/conftest.py); each test has its own browser profile, so its
own conversation.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect

from shopdesk.settings import PROJECT_ROOT
from tests.helpers.live_shop import API_TOKEN, HOSTILE_HANDLE, HOSTILE_TITLE
from tests.web.widget import ANSWER_MS, Widget

SCREENSHOT = PROJECT_ROOT / "docs" / "images" / "storefront-widget.png"
TEMPO = "stridewell-tempo-3-running-shoe"
TEMPO_SIZES = ["7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "11.5", "12"]
PRICE = re.compile(r"\$([\d,]+\.\d\d)")


def prices(widget: Widget, carousel: int) -> list[float]:
    texts = widget.carousels.nth(carousel).locator(".price").all_inner_texts()
    return [float(PRICE.search(t).group(1).replace(",", "")) for t in texts]


def session_id(page: Page) -> str:
    return page.evaluate(
        "() => Object.entries(localStorage).find(([k]) => k.endsWith(':session'))[1]"
    )


def test_search_shows_cards_and_more_like_this_shows_more(shop, page):
    page.goto(shop.storefront_url)
    widget = Widget(page).open()
    widget.ask("do you have running shoes under $100?", "running shoes")
    expect(widget.carousels).to_have_count(1, timeout=ANSWER_MS)
    first = prices(widget, 0)
    assert first and all(p <= 100 for p in first)
    expect(widget.cards.first.locator(".meta").first).to_contain_text(re.compile("In stock|Sold"))
    expect(widget.cards.first.locator(".meta").nth(1)).to_contain_text("matches:")
    expect(widget.cards.first.get_by_role("link")).to_have_attribute(
        "href", re.compile(r"/products/")
    )

    widget.carousels.first.scroll_into_view_if_needed()
    Path(SCREENSHOT).parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    title = widget.cards.first.locator(".title").inner_text()
    widget.cards.first.get_by_role("button", name=f"More like this: {title}").click()
    expect(widget.carousels).to_have_count(2, timeout=ANSWER_MS)
    assert widget.carousels.nth(1).locator(".card").count() > 0


def test_order_tracking_then_csat_stars(shop, page):
    page.goto(shop.storefront_url)
    widget = Widget(page).open()
    widget.ask("where is my order 10002?", re.compile("email", re.I))
    widget.ask("alex@example.com", "1Z999AA10123456784")
    stars = page.get_by_role("button", name=re.compile(r"Rate \d out of 5"))
    expect(stars).to_have_count(5)
    page.get_by_role("button", name="Rate 5 out of 5").click()
    expect(widget.user_messages.last).to_have_text(re.compile("Rated 5 out of 5"))
    expect(widget.bot_messages.filter(has_text="Thank you").last).to_be_visible(timeout=ANSWER_MS)
    expect(stars).to_have_count(0)


def test_reload_keeps_the_transcript_and_the_conversation(shop, page):
    page.goto(shop.storefront_url)
    widget = Widget(page).open()
    widget.ask("where is my order 10002?", re.compile("email", re.I))
    before = widget.log.locator(".msg").count()
    page.reload()
    widget = Widget(page)
    expect(widget.log).to_be_visible()  # it opens where it was left: open
    widget.wait_for_state("online")
    assert widget.log.locator(".msg").count() == before
    expect(widget.user_messages.first).to_have_text(re.compile("order 10002"))
    widget.ask("alex@example.com", "1Z999AA10123456784")


def test_this_on_a_product_page_is_that_product(shop, page):
    page.goto(f"{shop.storefront_url}/products/{TEMPO}")
    widget = Widget(page).open()
    answer = widget.ask("what sizes does this come in?", "Tempo 3")
    text = answer.inner_text()
    assert all(size in text for size in TEMPO_SIZES), text


def test_a_staff_message_reaches_the_open_widget_within_a_second(shop, page):
    page.goto(shop.storefront_url)
    widget = Widget(page).open()
    widget.ask("hi", re.compile("."))
    sender = session_id(page)

    def post(kind: str, text: str = "") -> None:
        request = urllib.request.Request(
            f"{shop.rasa_url}/webhooks/shopdesk/staff_message",
            data=json.dumps(
                {"sender": sender, "agent": "Sam", "kind": kind, "text": text}
            ).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {API_TOKEN}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as reply:
            assert reply.status == 200

    post("joined")
    expect(widget.log.get_by_text("Sam joined the conversation")).to_be_visible()
    # Two workers share the port; repeat so the posts reach both (and time each delivery).
    for n in range(4):
        started = time.monotonic()
        post("message", f"Sam here, message {n}")
        expect(widget.log.locator(".msg.staff").filter(has_text=f"message {n}")).to_be_visible(
            timeout=1000
        )
        assert time.monotonic() - started < 1.5
    expect(widget.log.locator(".msg.staff .who").first).to_have_text("Sam (staff)")


def test_markup_in_product_titles_and_messages_stays_text(shop, page):
    page.goto(f"{shop.storefront_url}/products/{HOSTILE_HANDLE}")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOSTILE_TITLE)
    widget = Widget(page).open()
    widget.ask("what sizes does this come in?", re.compile("size|one", re.I))
    expect(widget.cards.locator(".title").last).to_have_text(HOSTILE_TITLE)
    answers = widget.bot_messages.count()
    widget.say(HOSTILE_TITLE)
    expect(widget.user_messages.last).to_have_text(re.compile(re.escape(HOSTILE_TITLE)))
    expect(widget.bot_messages.nth(answers)).to_be_visible(timeout=ANSWER_MS)
    expect(widget.log.locator("img[src='x']")).to_have_count(0)
    expect(page.locator("img[src='x']")).to_have_count(0)
    assert page.dialogs == []


def test_the_widget_survives_the_server_going_down(shop, page):
    page.goto(shop.storefront_url)
    widget = Widget(page).open()
    widget.ask("hello", re.compile("."))
    shop.stop_bot()
    try:
        widget.wait_for_state("offline")
        expect(widget.banner).to_contain_text("Reconnecting")
        widget.say("do you have running shoes under $100?")
        expect(widget.user_messages.last).to_contain_text("Waiting for connection")
    finally:
        shop.start_bot()
    widget.wait_for_state("online", timeout=60_000)
    expect(widget.banner).to_be_hidden()
    expect(widget.carousels).to_have_count(1, timeout=ANSWER_MS)
    widget.ask("where is my order 10002?", re.compile("email", re.I))
    expect(widget.user_messages.filter(has_text="running shoes under $100")).to_have_count(1)
    expect(widget.carousels).to_have_count(1)


def test_a_message_that_reaches_the_bot_twice_is_handled_once_and_shown_once(shop, page):
    page.goto(shop.storefront_url)
    widget = Widget(page).open()
    widget.ask("hello", re.compile("."))
    shown = widget.bot_messages.count()
    widget.send_twice("where is my order 10002?", "dup-live-1")
    replies = widget.wait_for_a_replayed_answer("dup-live-1")
    # The second copy was answered from the stored conversation with the same replies ...
    assert "email" in replies[0].lower()
    # ... which the widget shows once.
    widget.ask("alex@example.com", "1Z999AA10123456784")
    answers = [json.loads(reply) for reply in replies[: len(replies) // 2]]
    first = widget.bot_messages.nth(shown)
    expect(first).to_contain_text(answers[0]["text"])
    expect(widget.bot_messages.filter(has_text=answers[0]["text"])).to_have_count(1)
    url = f"{shop.rasa_url}/conversations/{session_id(page)}/tracker?token={API_TOKEN}"
    with urllib.request.urlopen(url, timeout=30) as reply:
        events = json.load(reply)["events"]
    ids = [e.get("message_id") for e in events if e["event"] == "user"]
    assert ids.count("dup-live-1") == 1
