"""Secrets shopdesk generates when the operator sets none: kept in the data directory, mode 0600.

Each secret is the setting's value when it is set, else the content of a file in the data
directory, created on first use with 32 random bytes (URL-safe). The file is created with
mode 0600 in one step (``O_EXCL``), so two processes starting at once agree on one value and
no other user can read it in between.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from shopdesk.settings import Settings, SettingsError


def stored_secret(configured: str, path: Path) -> str:
    """``configured`` when set, else the secret kept in ``path``.

    The secret is generated there the first time.
    """
    if configured:
        return configured
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text().strip()
        if not value:
            raise SettingsError(
                f"{path} is empty: delete it and shopdesk generates a new secret"
            ) from None
        return value
    value = secrets.token_urlsafe(32)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value + "\n")
    return value


def api_token_file(settings: Settings) -> Path:
    """Where the generated token of Rasa's HTTP API is kept."""
    return settings.data_dir / "api-token"


def api_token(settings: Settings) -> str:
    """The token of Rasa's HTTP API (``SHOPDESK_API_TOKEN``, else ``<data dir>/api-token``)."""
    return stored_secret(settings.api_token, api_token_file(settings))


def action_token(settings: Settings) -> str:
    """The secret Rasa sends to the action server.

    ``SHOPDESK_ACTION_TOKEN``, else ``<data dir>/action-token``.
    """
    return stored_secret(settings.action_token, settings.data_dir / "action-token")


def verification_key(settings: Settings) -> str:
    """The key only the action server holds, signing verified shoppers
    (``SHOPDESK_VERIFICATION_KEY``, else ``<data dir>/verification-key``)."""
    return stored_secret(settings.verification_key, settings.data_dir / "verification-key")


def identity_key(settings: Settings) -> str:
    """The key shared with the shop's backend, signing identity tokens of signed-in shoppers
    (``SHOPDESK_IDENTITY_KEY``, else ``<data dir>/identity-key``)."""
    return stored_secret(settings.identity_key, settings.data_dir / "identity-key")


def console_session_secret(settings: Settings) -> str:
    """The key signing the support console's session cookies
    (``SHOPDESK_CONSOLE_SESSION_SECRET``, else ``<data dir>/console-session-secret``)."""
    return stored_secret(
        settings.console_session_secret, settings.data_dir / "console-session-secret"
    )


def telegram_secret(settings: Settings) -> str:
    """The secret Telegram sends with every update (``SHOPDESK_TELEGRAM_SECRET``, else
    ``<data dir>/telegram-secret``); given to Telegram when the webhook is registered."""
    return stored_secret(settings.telegram_secret, settings.data_dir / "telegram-secret")
