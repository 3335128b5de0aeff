"""What the widget shows and how it behaves, in Chromium, against the real socket.io channel
with a scripted bot (tests/helpers/scripted_channel_server.py), so every answer is known."""

from __future__ import annotations

import json
import re
import time
import urllib.request

from playwright.sync_api import Page, expect
from sqlalchemy import select

from storage.db import create_engine_for, session_factory
from storage.schema import Interaction, Product
from tests.helpers.live_shop import API_TOKEN, HOSTILE_TITLE
from tests.web.widget import Widget

TEMPO = "stridewell-tempo-3-running-shoe"


def session_id(page: Page) -> str:
    return page.evaluate(
        "() => Object.entries(localStorage).find(([k]) => k.endsWith(':session'))[1]"
    )


def staff_post(shop, body: dict) -> int:
    request = urllib.request.Request(
        f"{shop.chat_url}/webhooks/shopdesk/staff_message?token={API_TOKEN}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.status


def test_the_session_id_is_128_random_bits_kept_in_local_storage(scripted_shop, page):
    page.goto(scripted_shop.storefront_url)
    Widget(page).open()
    first = session_id(page)
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    page.reload()
    Widget(page).wait_for_state("online")
    assert session_id(page) == first


def test_cards_show_price_stock_rating_and_link_and_markup_stays_text(scripted_shop, page):
    page.goto(scripted_shop.storefront_url)
    widget = Widget(page).open()
    widget.say("cards please")
    expect(widget.cards).to_have_count(2)
    tempo, hostile = widget.cards.nth(0), widget.cards.nth(1)
    expect(tempo.locator(".price")).to_have_text("$89.99")
    expect(tempo.get_by_role("link")).to_have_attribute("href", re.compile("/products/"))
    expect(tempo).to_contain_text("★ 4.5")
    expect(tempo).to_contain_text("In stock")
    expect(hostile.locator(".title")).to_have_text(HOSTILE_TITLE)
    expect(hostile).to_contain_text("Sold out")
    link = widget.bot_messages.get_by_role("link", name="https://example.com/help")
    expect(link).to_have_attribute("rel", "noopener noreferrer")

    widget.say(HOSTILE_TITLE)
    expect(widget.bot_messages.last).to_have_text(
        re.compile(re.escape(f"You said: {HOSTILE_TITLE}"))
    )
    expect(widget.log.locator("img[src='x']")).to_have_count(0)
    assert page.dialogs == []


def test_card_buttons_ask_for_more_or_fill_in_a_question(scripted_shop, page):
    page.goto(scripted_shop.storefront_url)
    widget = Widget(page).open()
    widget.say("cards please")
    title = "Stridewell Tempo 3 Running Shoe"
    page.get_by_role("button", name=f"Ask about this: {title}").click()
    expect(page.get_by_role("textbox", name="Message")).to_have_value(f"About the {title}: ")
    page.get_by_role("button", name=f"More like this: {title}").click()
    expect(widget.bot_messages.last).to_contain_text(f"You said: something like the {title}")


def test_quick_replies_disappear_after_a_click(scripted_shop, page):
    page.goto(scripted_shop.storefront_url)
    widget = Widget(page).open()
    widget.say("options")
    page.get_by_role("button", name="Yes").click()
    expect(widget.user_messages.last).to_have_text(re.compile("Yes"))
    expect(widget.bot_messages.last).to_contain_text("You said: /affirm")
    expect(page.get_by_role("button", name="No")).to_have_count(0)


def test_the_rating_question_shows_five_stars(scripted_shop, page):
    page.goto(scripted_shop.storefront_url)
    widget = Widget(page).open()
    widget.say("rate")
    stars = page.get_by_role("button", name=re.compile(r"Rate \d out of 5"))
    expect(stars).to_have_count(5)
    page.get_by_role("button", name="Rate 4 out of 5").click()
    expect(widget.user_messages.last).to_have_text(re.compile("Rated 4 out of 5"))
    expect(widget.bot_messages.last).to_contain_text('You said: /rate{"rating": "4"}')
    expect(stars).to_have_count(0)


def test_staff_messages_show_the_person_and_joined_left_lines(scripted_shop, page):
    page.goto(scripted_shop.storefront_url)
    widget = Widget(page).open()
    widget.say("hello")
    expect(widget.bot_messages.last).to_contain_text("You said: hello")
    sender = session_id(page)
    assert staff_post(scripted_shop, {"sender": sender, "agent": "Sam", "kind": "joined"}) == 200
    expect(widget.log.get_by_text("Sam joined the conversation")).to_be_visible(timeout=1000)
    staff_post(scripted_shop, {"sender": sender, "agent": "Sam", "text": "Sam here, <b>hi</b>"})
    staff = widget.log.locator(".msg.staff")
    expect(staff).to_have_text(re.compile(r"Sam \(staff\).*Sam here, <b>hi</b>"), timeout=1000)
    staff_post(scripted_shop, {"sender": sender, "agent": "Sam", "kind": "left"})
    expect(widget.log.get_by_text("Sam left the conversation")).to_be_visible(timeout=1000)


def test_the_transcript_follows_the_shopper_across_pages_and_tabs(scripted_shop, page):
    page.goto(scripted_shop.storefront_url)
    widget = Widget(page).open()
    widget.say("hello there")
    expect(widget.bot_messages.last).to_contain_text("You said: hello there")
    other = page.context.new_page()
    other.goto(f"{scripted_shop.storefront_url}/products/{TEMPO}")
    other_widget = Widget(other)
    expect(other_widget.log).to_be_visible()  # opens where it was left
    expect(other_widget.bot_messages.last).to_contain_text("You said: hello there")
    other_widget.wait_for_state("online")
    other_widget.say("does this come in blue?")
    expect(other_widget.bot_messages.last).to_contain_text(
        f"You said: does this come in blue? on {TEMPO}"
    )
    # The first tab shows the second tab's exchange too (localStorage events).
    expect(widget.bot_messages.last).to_contain_text(
        f"You said: does this come in blue? on {TEMPO}"
    )


def test_a_product_page_view_is_recorded_under_the_conversation(scripted_shop, page):
    page.goto(scripted_shop.storefront_url)
    Widget(page).open()
    sender = session_id(page)
    page.goto(f"{scripted_shop.storefront_url}/products/{TEMPO}")
    Widget(page).wait_for_state("online")
    engine = create_engine_for(scripted_shop.settings.database_url)

    def viewed() -> list[str]:
        with session_factory(engine)() as session:
            return list(
                session.scalars(
                    select(Product.handle)
                    .join(Interaction, Interaction.product_id == Product.id)
                    .where(Interaction.session_id == sender)
                )
            )

    deadline = time.monotonic() + 15
    while not viewed() and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    try:
        assert viewed() == [TEMPO]
    finally:
        engine.dispose()


def test_keyboard_opens_and_closes_the_chat(scripted_shop, page):
    page.goto(scripted_shop.storefront_url)
    launcher = page.get_by_role("button", name="Chat with us")
    launcher.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("textbox", name="Message")).to_be_focused()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_the_chat_fills_a_phone_screen(scripted_shop, browser):
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    page = context.new_page()
    page.goto(scripted_shop.storefront_url)
    Widget(page).open()
    box = page.get_by_role("dialog").bounding_box()
    assert box["width"] >= 370 and box["height"] >= 600
    context.close()


def test_a_message_typed_while_the_server_is_down_is_sent_once_it_is_back(scripted_shop, page):
    page.goto(scripted_shop.storefront_url)
    widget = Widget(page).open()
    widget.say("before")
    expect(widget.bot_messages.last).to_contain_text("You said: before")
    scripted_shop.stop_chat()
    try:
        widget.wait_for_state("offline", timeout=20_000)
        expect(widget.banner).to_contain_text("Reconnecting")
        widget.say("while down")
        expect(widget.user_messages.last).to_contain_text("Waiting for connection")
    finally:
        scripted_shop.start_chat()
    widget.wait_for_state("online", timeout=30_000)
    expect(widget.banner).to_be_hidden()
    expect(widget.bot_messages.last).to_contain_text("You said: while down")
    expect(widget.bot_messages.filter(has_text="You said: while down")).to_have_count(1)
    expect(widget.user_messages.last).not_to_contain_text("Waiting")


def test_a_reply_that_arrives_twice_is_shown_once(scripted_shop, page):
    # The scripted bot answers each copy (it keeps no message ids); the two replies are the
    # same, as the Rasa server's replay from the stored conversation is.
    page.goto(scripted_shop.storefront_url)
    widget = Widget(page).open()
    widget.say("before")
    expect(widget.bot_messages.last).to_contain_text("You said: before")
    widget.send_twice("sent twice", "dup-scripted-1")
    replies = widget.wait_for_a_replayed_answer("dup-scripted-1")
    assert len(replies) == 2
    widget.say("after")
    expect(widget.bot_messages.last).to_contain_text("You said: after")
    expect(widget.bot_messages.filter(has_text="You said: sent twice")).to_have_count(1)
    page.reload()
    expect(Widget(page).bot_messages.filter(has_text="You said: sent twice")).to_have_count(1)
