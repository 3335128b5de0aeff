"""The console in a real Chromium, as staff use it, against a seeded conversation store.

Also takes the screenshots of docs/console.md (fixed viewport, into docs/images/).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from shopdesk.settings import PROJECT_ROOT
from storage.orders import utcnow
from storage.support import record_rating, request_handoff
from tests.helpers.browser import VIEWPORT, launch_chromium
from tests.helpers.console import PASSWORD
from tests.helpers.console_server import serve_console
from tests.helpers.conversation_log import Conversation

IMAGES = PROJECT_ROOT / "docs" / "images"


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def console_url(settings, conversation_log, shop_session) -> Iterator[str]:
    """A console over three conversations of today: one waiting for a person."""
    now = utcnow().replace(microsecond=0)
    earlier = now - timedelta(hours=2)
    conversation_log.save(
        Conversation("shopper-anna", channel="shopdesk")
        .start(earlier)
        .user(earlier, "do you have blue running shoes?", "product_search", 0.96)
        .bot(
            earlier,
            "Here are blue running shoes:",
            "action_search_products",
            data={
                "custom": {
                    "type": "product_list",
                    "products": [
                        {"title": "Aero Runner", "price_text": "$89.00", "in_stock": True},
                        {"title": "Trail Blazer 2", "price_text": "$99.00", "in_stock": False},
                    ],
                }
            },
        )
        .user(
            now - timedelta(minutes=6),
            "my parcel never came, I want a person",
            "human_handoff",
            0.93,
        )
        .pause(now - timedelta(minutes=6)),
        Conversation("shopper-ben", channel="rest")
        .start(earlier)
        .user(earlier, "blorp the flux capacitor", "nlu_fallback", 0.22)
        .bot(earlier, "Sorry, I didn't get that.", "utter_default"),
        Conversation("shopper-cem", channel="shopdesk")
        .start(earlier)
        .user(earlier, "where is my order 10002", "order_status", 0.97)
        .bot(earlier, "Order 10002 shipped on Monday."),
    )
    request_handoff(shop_session, "shopper-anna", "requested", now=now - timedelta(minutes=6))
    record_rating(shop_session, "shopper-cem", 5, "order_status", now=earlier)
    with serve_console(settings) as url:
        yield url


@pytest.fixture
def page(chromium) -> Iterator[Page]:
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def sign_in(page: Page, url: str, role: str, password: str = PASSWORD) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("E-mail").fill(f"{role}@shop.test")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def shot(page: Page, name: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / f"console-{name}.png"))


def test_refusals_show_no_data(page: Page, console_url: str) -> None:
    page.goto(f"{console_url}/inbox")
    expect(page).to_have_url(f"{console_url}/login?next=/inbox")
    shot(page, "login")
    sign_in(page, console_url, "agent", "wrong password!")
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
    assert "shopper-anna" not in page.content()
    sign_in(page, console_url, "agent")
    expect(page.get_by_role("heading", name="Conversations")).to_be_visible()
    expect(page.get_by_role("link", name="Staff")).to_have_count(0)
    reply = page.goto(f"{console_url}/staff")
    assert reply.status == 403
    expect(page.get_by_role("alert")).to_contain_text("Your role does not allow")
    forged = page.request.post(
        f"{console_url}/conversations/shopper-anna/notes", form={"body": "no token"}
    )
    assert forged.status == 403 and "security token" in forged.text()


def test_agent_finds_the_waiting_shopper_and_reads_the_transcript(
    page, console_url, shop_session
) -> None:
    sign_in(page, console_url, "agent")
    queue = page.locator("#queue")
    expect(queue.get_by_role("link", name="shopper-anna")).to_be_visible()
    expect(queue).to_contain_text("waiting 6 min")
    # The queue is live: a shopper handed off now appears without reloading the page.
    request_handoff(shop_session, "shopper-ben", "repeated_fallback")
    expect(queue.get_by_role("link", name="shopper-ben")).to_be_visible(timeout=15_000)
    expect(queue).to_contain_text("repeated fallback")
    rows = page.get_by_role("table", name="Conversations")
    expect(rows.get_by_role("row")).to_have_count(4)  # header + 3
    page.get_by_label("Handoff").select_option("waiting")
    expect(rows.get_by_role("row")).to_have_count(3)  # header, anna, ben
    expect(rows).not_to_contain_text("shopper-cem")
    expect(page).to_have_url(re.compile(r"/inbox\?.*handoff=waiting"))  # a link to this view
    page.get_by_label("Handoff").select_option("")
    expect(rows.get_by_role("row")).to_have_count(4)
    shot(page, "inbox")
    rows.get_by_role("link", name="shopper-anna").click()
    expect(page.get_by_role("heading", name="Conversation shopper-anna")).to_be_visible()
    transcript = page.get_by_role("region", name="Transcript")
    expect(transcript).to_contain_text("product_search 0.96")
    expect(transcript.locator(".card")).to_have_count(2)
    expect(transcript).to_contain_text("the bot paused")
    page.get_by_label("New note").fill("Parcel 10002: check with the carrier")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("region", name="Private notes")).to_contain_text(
        "check with the carrier"
    )
    shot(page, "conversation")


def test_analytics_show_the_seeded_numbers(page, console_url) -> None:
    sign_in(page, console_url, "admin")
    page.goto(f"{console_url}/analytics")
    totals = page.get_by_role("table", name="Totals")
    expect(totals.locator('[data-total="conversations"]')).to_have_text("3")
    expect(totals.locator('[data-total="handoff rate"]')).to_have_text("33.3%")
    expect(totals.locator('[data-total="CSAT average"]')).to_have_text("5.0")
    expect(page.locator("canvas[data-chart]").first).to_be_visible()
    shot(page, "analytics")
    page.goto(f"{console_url}/staff")
    expect(page.get_by_role("table", name="Staff accounts")).to_contain_text("annotator@shop.test")
    expect(page.get_by_role("table", name="Audit log")).to_contain_text("sign_in")
    shot(page, "staff")


def test_annotator_labels_a_misunderstood_message(page, console_url, settings) -> None:
    sign_in(page, console_url, "annotator")
    expect(page.get_by_role("link", name="Fix the bot")).to_be_visible()
    # The first visit loads the sentence-embedding model: slow on a busy machine.
    page.goto(f"{console_url}/review", timeout=180_000)
    group = page.get_by_role("region", name="Group 1")
    expect(group).to_contain_text("blorp the flux capacitor")
    shot(page, "fix-the-bot")
    group.get_by_role("textbox", name="New intent").fill("time_travel")
    group.get_by_role("button", name="Label").click()
    expect(page.get_by_role("status")).to_contain_text("time_travel: blorp the flux capacitor")
    assert "blorp the flux capacitor" in settings.reviewed_examples.read_text()
