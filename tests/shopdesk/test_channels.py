"""`shopdesk channels enable|status` and the credentials file the Rasa server reads."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from shopdesk.channels import channel_status, enable_channel, write_credentials
from shopdesk.cli import main
from shopdesk.settings import SettingsError, get_settings

TOKEN = "987654:secret-bot-token"
SECRET = "telegram_secret-value"


class FakeTelegram(BaseHTTPRequestHandler):
    """Telegram's setWebhook/getWebhookInfo, remembering the registered URL."""

    calls: list[tuple[str, dict]] = []
    registered = ""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.calls.append((self.path, body))
        FakeTelegram.registered = body["url"]
        self._answer({"ok": True, "result": True, "description": "Webhook was set"})

    def do_GET(self) -> None:  # noqa: N802
        self.calls.append((self.path, {}))
        self._answer(
            {"ok": True, "result": {"url": FakeTelegram.registered, "pending_update_count": 0}}
        )

    def _answer(self, body: dict) -> None:
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def telegram_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTelegram)
    FakeTelegram.calls, FakeTelegram.registered = [], ""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def environment(monkeypatch, tmp_path, telegram_api):
    for name in (
        "TELEGRAM_TOKEN",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_NUMBER",
        "MESSENGER_PAGE_TOKEN",
        "MESSENGER_APP_SECRET",
        "MESSENGER_VERIFY_TOKEN",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "PUBLIC_URL",
    ):
        monkeypatch.delenv(f"SHOPDESK_{name}", raising=False)
    monkeypatch.setenv("SHOPDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHOPDESK_TELEGRAM_API_URL", telegram_api)
    monkeypatch.setenv("SHOPDESK_TELEGRAM_SECRET", SECRET)
    return monkeypatch


def test_the_credentials_file_lists_the_channels_whose_settings_are_set(environment):
    environment.setenv("SHOPDESK_SLACK_BOT_TOKEN", "xoxb-1")
    environment.setenv("SHOPDESK_SLACK_SIGNING_SECRET", "sign-secret")
    environment.setenv("SHOPDESK_TWILIO_ACCOUNT_SID", "AC1")  # incomplete: stays off
    path = write_credentials(get_settings())
    text = path.read_text()
    credentials = yaml.safe_load(text)
    assert "bot.messaging.slack.SlackShopInput" in credentials
    assert "bot.messaging.twilio.TwilioShopInput" not in credentials
    assert "bot.channels.ShopRestInput" in credentials  # the shipped channels stay
    assert "xoxb-1" not in text and "sign-secret" not in text


def test_enable_refuses_a_channel_whose_settings_are_missing(environment):
    environment.setenv("SHOPDESK_MESSENGER_PAGE_TOKEN", "page")
    with pytest.raises(SettingsError) as error:
        enable_channel(get_settings(), "facebook")
    assert "SHOPDESK_MESSENGER_APP_SECRET" in str(error.value)
    assert "SHOPDESK_MESSENGER_VERIFY_TOKEN" in str(error.value)
    with pytest.raises(SettingsError, match="choose one of"):
        enable_channel(get_settings(), "icq")


def test_enable_telegram_registers_the_webhook_with_its_secret_and_prints_none(environment, capsys):
    environment.setenv("SHOPDESK_TELEGRAM_TOKEN", TOKEN)
    environment.setenv("SHOPDESK_PUBLIC_URL", "https://bot.example.com")
    assert main(["channels", "enable", "telegram"]) == 0
    printed = capsys.readouterr().out
    path, body = FakeTelegram.calls[-1]
    assert path == f"/bot{TOKEN}/setWebhook"
    assert body["url"] == "https://bot.example.com/webhooks/telegram/webhook"
    assert body["secret_token"] == SECRET
    assert "Registered the Telegram webhook" in printed
    assert TOKEN not in printed and SECRET not in printed

    assert main(["channels", "status"]) == 0
    printed = capsys.readouterr().out
    assert "Telegram: on" in printed and "registered" in printed
    assert "Slack: off (set SHOPDESK_SLACK_BOT_TOKEN, SHOPDESK_SLACK_SIGNING_SECRET)" in printed
    assert TOKEN not in printed and SECRET not in printed


def test_status_says_when_telegram_has_no_webhook(environment):
    environment.setenv("SHOPDESK_TELEGRAM_TOKEN", TOKEN)
    rows = {row.channel.name: row for row in channel_status(get_settings())}
    assert rows["telegram"].on and rows["telegram"].webhook.startswith("not registered")
    assert not rows["slack"].on


def test_other_platforms_say_where_to_enter_the_webhook(environment):
    environment.setenv("SHOPDESK_SLACK_BOT_TOKEN", "xoxb-1")
    environment.setenv("SHOPDESK_SLACK_SIGNING_SECRET", "sign-secret")
    environment.setenv("SHOPDESK_PUBLIC_URL", "https://bot.example.com")
    _, message = enable_channel(get_settings(), "slack")
    assert "https://bot.example.com/webhooks/slack/webhook" in message
    assert "Event Subscriptions" in message
