"""The widget passes the shop's signed identity token with each message, and never stores it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.widget import Widget

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


def test_the_identity_token_travels_with_messages_but_not_into_storage(scripted_shop, page):
    page.goto(scripted_shop.storefront_url)
    widget = Widget(page).open()
    before = widget.ask("hello before signing in", "You said: hello before signing in")
    expect(before).not_to_contain_text("identity token")
    page.evaluate(
        "token => document.querySelector('shopdesk-chat').setAttribute('identity-token', token)",
        TOKEN,
    )
    widget.ask(
        "hello signed in", f"You said: hello signed in (identity token of {len(TOKEN)} characters)"
    )
    stored = page.evaluate("() => JSON.stringify(Object.entries(localStorage))")
    assert "hello signed in" in stored and TOKEN not in stored
