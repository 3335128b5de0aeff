"""A live takeover, end to end: the shopper hands off in the storefront's widget, an agent takes
over in the support console, replies, hands back, and the bot answers again.

Real servers on loopback (tests/web/conftest.py: the Rasa server with two workers, the action
server, the storefront) plus the console; two browser profiles: the shopper's and the agent's.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from console.staff import add_staff
from storage.db import create_engine_for, session_factory
from tests.helpers.browser import VIEWPORT
from tests.helpers.console import PASSWORD
from tests.helpers.console_server import serve_console
from tests.web.widget import Widget


def session_id(page: Page) -> str:
    return page.evaluate(
        "() => Object.entries(localStorage).find(([k]) => k.endsWith(':session'))[1]"
    )


def test_agent_takes_over_replies_and_hands_back(shop, page: Page, browser: Browser) -> None:
    engine = create_engine_for(shop.settings.database_url)
    with session_factory(engine)() as session:
        add_staff(session, "sam@shop.test", PASSWORD, "agent", "Sam")
    engine.dispose()

    page.goto(shop.storefront_url)
    widget = Widget(page).open()
    widget.ask("I want to talk to a human", "passed this conversation to our support team")
    sender = session_id(page)

    staff = browser.new_context(viewport=VIEWPORT).new_page()
    staff.set_default_timeout(60_000)
    with serve_console(shop.settings, rasa_url=shop.rasa_url) as console:
        staff.goto(f"{console}/login")
        staff.get_by_label("E-mail").fill("sam@shop.test")
        staff.get_by_label("Password").fill(PASSWORD)
        staff.get_by_role("button", name="Sign in").click()
        staff.get_by_label("Handoff").select_option("waiting")
        rows = staff.get_by_role("table", name="Conversations")
        rows.get_by_role("link", name=sender).click()
        expect(staff.get_by_role("region", name="Transcript")).to_contain_text(
            "I want to talk to a human"
        )

        staff.get_by_role("button", name="Take over").click()
        expect(staff.get_by_role("region", name="Live chat")).to_contain_text("Sam (you)")
        expect(widget.log.get_by_text("Sam joined the conversation")).to_be_visible()

        staff.get_by_label("Reply as Sam").fill("Hi, I'm Sam from the shop. How can I help?")
        staff.get_by_role("button", name="Send").click()
        reply = widget.log.locator(".msg.staff").filter(has_text="How can I help?")
        expect(reply).to_be_visible(timeout=5_000)

        staff.get_by_role("button", name="Hand back to the bot").click()
        expect(widget.log.get_by_text("Sam left the conversation")).to_be_visible()
        expect(staff.get_by_role("region", name="Live chat")).to_contain_text(
            "The bot is answering"
        )
        staff.reload()
        transcript = staff.get_by_role("region", name="Transcript")
        expect(transcript).to_contain_text("Sam (staff)")
        expect(transcript).to_contain_text("the bot answers again")

    staff.context.close()
    # The bot answers the shopper again.
    widget.ask("do you have running shoes under $100?", re.compile(r"\$\d"))
