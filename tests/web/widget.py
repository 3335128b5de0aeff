"""Driving the <shopdesk-chat> widget as a shopper does: roles and labels, no fixed sleeps."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

#: How long a bot answer may take on a busy two-core machine.
ANSWER_MS = 90_000


class Widget:
    """The chat widget on ``page`` (Playwright locators pierce its open shadow root)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.host = page.locator("shopdesk-chat")

    def open(self) -> Widget:
        """Open the chat panel and wait until the widget is connected."""
        launcher = self.page.get_by_role("button", name="Chat with us")
        if launcher.is_visible():
            launcher.click()
        self.wait_for_state("online")
        return self

    def wait_for_state(self, state: str, timeout: float = ANSWER_MS) -> None:
        """Wait for the connection state ("online", "offline", "connecting")."""
        expect(self.host).to_have_attribute("connection-state", state, timeout=timeout)

    @property
    def log(self) -> Locator:
        return self.page.get_by_role("log")

    @property
    def bot_messages(self) -> Locator:
        return self.log.locator(".msg.bot")

    @property
    def user_messages(self) -> Locator:
        return self.log.locator(".msg.user")

    @property
    def cards(self) -> Locator:
        return self.log.locator(".card")

    @property
    def carousels(self) -> Locator:
        return self.log.locator(".carousel")

    @property
    def banner(self) -> Locator:
        return self.page.get_by_role("alert")

    def say(self, text: str) -> None:
        """Type ``text`` into the message box and press Enter."""
        box = self.page.get_by_role("textbox", name="Message")
        box.fill(text)
        box.press("Enter")

    def ask(self, text: str, expected: str | re.Pattern) -> Locator:
        """Say ``text`` and wait for a bot message containing ``expected``; return it."""
        before = self.bot_messages.count()
        self.say(text)
        expect(self.bot_messages.nth(before)).to_be_visible(timeout=ANSWER_MS)
        answer = self.bot_messages.filter(has_text=expected).last
        expect(answer).to_be_visible(timeout=ANSWER_MS)
        return answer

    def send_twice(self, text: str, message_id: str) -> None:
        """Emit one message twice on the widget's own socket (two copies of a resend both
        reaching the server), keeping every reply that answers it in ``window.replies``."""
        self.host.evaluate(
            """(chat, [text, id]) => {
                window.replies = window.replies || {};
                window.replies[id] = [];
                chat.socket.on("bot_uttered", (reply) => {
                    if (reply && reply.reply_to === id) {
                        window.replies[id].push(JSON.stringify(reply));
                    }
                });
                const message = { message: text, session_id: chat.sessionId, message_id: id,
                                  metadata: {} };
                chat.socket.emit("user_uttered", message);
                chat.socket.emit("user_uttered", message);
            }""",
            [text, message_id],
        )

    def wait_for_a_replayed_answer(self, message_id: str) -> list[str]:
        """Wait until the replies to ``message_id`` are an answer and the same answer again
        (replayed from the stored conversation); return the replies received."""
        self.page.wait_for_function(
            """(id) => {
                const got = (window.replies || {})[id] || [];
                const half = got.length / 2;
                return got.length >= 2 && got.length % 2 === 0
                    && got.slice(0, half).join("\\n") === got.slice(half).join("\\n");
            }""",
            arg=message_id,
            timeout=ANSWER_MS,
        )
        return self.page.evaluate("(id) => window.replies[id]", message_id)
