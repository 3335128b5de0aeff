"""A real shop for the browser tests: demo store, trained bot (two Rasa workers), storefront,
and a Chromium driven by Playwright."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from shopdesk.operations import seed_demo
from shopdesk.serve import RunningBot, start_bot, start_storefront, wait_until_up
from shopdesk.settings import PROJECT_ROOT, Settings, get_settings
from tests.helpers.browser import VIEWPORT, launch_chromium
from tests.helpers.demo_shop import environment, seed_and_index
from tests.helpers.live_shop import (
    API_TOKEN,
    TEST_PRODUCTS,
    add_hostile_product,
    free_port,
    serve_copy,
)

#: Redis database of the lock store shared by the two Rasa workers.
LOCK_STORE_URL = "redis://127.0.0.1:6379/5"


@dataclass
class LiveShop:
    """The running shop: storefront URL, Rasa URL, and a way to restart the bot."""

    settings: Settings
    model: Path
    bot: RunningBot
    storefront_url: str
    rasa_url: str
    environment: dict[str, str | None]

    def stop_bot(self) -> None:
        """Stop the Rasa server and the action server (the storefront stays up)."""
        self.bot.stop()

    def start_bot(self) -> None:
        """Start both servers again on the same ports, with this shop's own environment.

        The servers read their settings from the environment, and other session fixtures
        (``scripted_shop``) set their own data directory and storefront port meanwhile.
        """
        with environment(self.environment):
            self.bot = start_bot(self.settings, self.model, log_dir=self.settings.data_dir / "logs")


@pytest.fixture(scope="session")
def shop(tmp_path_factory, bot_model) -> Iterator[LiveShop]:
    """Seed, index, train and start everything once for all browser tests."""
    home = tmp_path_factory.mktemp("shopdesk-web")
    overrides = {
        "SHOPDESK_DATA_DIR": str(home),
        "SHOPDESK_RASA_PORT": str(free_port()),
        "SHOPDESK_ACTION_PORT": str(free_port()),
        "SHOPDESK_STOREFRONT_PORT": str(free_port()),
        "SHOPDESK_API_TOKEN": API_TOKEN,
        # Every browser of these tests is one client address (127.0.0.1): no per-address limit.
        "SHOPDESK_RATE_LIMIT_IP": "0",
        "SHOPDESK_RASA_WORKERS": "2",
        "SHOPDESK_LOCK_STORE_URL": LOCK_STORE_URL,
        # Unset: the shop's links go to this storefront (the settings' default), its widget to
        # this Rasa server and its data to this data directory, whatever other fixtures set.
        "SHOPDESK_SHOP_URL": None,
        "SHOPDESK_WIDGET_SERVER_URL": None,
        "SHOPDESK_DATABASE_URL": None,
    }
    with environment(overrides):
        settings = get_settings()
        seed_and_index(settings, TEST_PRODUCTS, also=add_hostile_product)
        model = serve_copy(bot_model, settings)
        bot = start_bot(settings, model, log_dir=home / "logs")
        try:
            storefront = start_storefront(settings, log_dir=home / "logs")
        except BaseException:
            bot.stop()
            raise
        live = LiveShop(
            settings,
            model,
            bot,
            f"http://127.0.0.1:{settings.storefront_port}",
            f"http://127.0.0.1:{settings.rasa_port}",
            overrides,
        )
        try:
            yield live
        finally:
            storefront.terminate()
            live.bot.stop()
            storefront.wait(10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (installed by scripts/ensure-browser.sh, which `make test` runs)."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser profile (own localStorage) at a fixed viewport, offline except loopback.

    Scripts that a page runs by accident (an ``alert``) are collected in ``page.dialogs``.
    """
    context = browser.new_context(viewport=VIEWPORT)
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("http://127.0.0.1", "http://localhost", "ws://"))
            else route.abort()
        ),
    )
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.set_default_timeout(90_000)
    yield page
    context.close()


@dataclass
class ScriptedShop:
    """The storefront in front of the real channel with a scripted bot (no model, fast)."""

    storefront_url: str
    chat_url: str
    settings: Settings
    chat_port: int
    chat_server: subprocess.Popen | None = None

    def start_chat(self) -> None:
        """Start the scripted channel server and wait until it answers."""
        self.chat_server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.helpers.scripted_channel_server",
                "--port",
                str(self.chat_port),
                "--origin",
                self.storefront_url,
            ],
            cwd=PROJECT_ROOT,
            env={**os.environ, "SHOPDESK_API_TOKEN": API_TOKEN},
        )
        wait_until_up(f"{self.chat_url}/", self.chat_server, "scripted channel server", 300)

    def stop_chat(self) -> None:
        """Stop the scripted channel server at once, as a crash would."""
        if self.chat_server is not None and self.chat_server.poll() is None:
            self.chat_server.kill()
            self.chat_server.wait(20)


@pytest.fixture(scope="session")
def scripted_shop(tmp_path_factory) -> Iterator[ScriptedShop]:
    """A small demo store on the storefront whose widget talks to the scripted channel server."""
    home = tmp_path_factory.mktemp("shopdesk-scripted")
    chat_port, storefront_port = free_port(), free_port()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOPDESK_DATA_DIR", str(home))
        env.setenv("SHOPDESK_STOREFRONT_PORT", str(storefront_port))
        env.setenv("SHOPDESK_WIDGET_SERVER_URL", f"http://127.0.0.1:{chat_port}")
        env.delenv("SHOPDESK_DATABASE_URL", raising=False)
        settings = get_settings()
        seed_demo(settings, products=120)
        storefront = start_storefront(settings, log_dir=home / "logs")
        shop = ScriptedShop(
            f"http://127.0.0.1:{storefront_port}",
            f"http://127.0.0.1:{chat_port}",
            settings,
            chat_port,
        )
        try:
            shop.start_chat()
            yield shop
        finally:
            shop.stop_chat()
            storefront.terminate()
            storefront.wait(10)
