"""The action server: rasa-sdk's app, reachable only with the shared secret Rasa sends.

rasa-sdk 3.6 answers anyone who can reach its port and binds to all interfaces. This entry
point (``python -m actions.server``) binds to ``SHOPDESK_ACTION_HOST`` (loopback by default)
and refuses, with 401 and before any action runs, every request but ``/health`` that does
not carry ``Authorization: Bearer <SHOPDESK_ACTION_TOKEN>``. Rasa sends that header from the
endpoints file ``shopdesk run`` writes (the token itself stays in Rasa's environment).
"""

from __future__ import annotations

import argparse
import hmac
import logging
from collections.abc import Sequence

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.observability import SANIC_LOGGERS, observe, time_searches
from shopdesk.memory import freeze_after_start
from shopdesk.observability import configure_logging
from shopdesk.secrets import action_token
from shopdesk.settings import get_settings
from storage.pii import install_log_redaction

logger = logging.getLogger(__name__)

#: Paths anyone may ask for: the health probes and metrics say nothing about the shop.
PUBLIC_PATHS = frozenset({"/health", "/metrics", "/readyz"})


def bearer_header(token: str) -> str:
    """The ``Authorization`` header value that carries ``token``."""
    return f"Bearer {token}"


def create_action_app(token: str, actions_package: str = "actions") -> Sanic:
    """rasa-sdk's Sanic app for ``actions_package``, guarded by ``token``."""
    if not token:
        raise ValueError("The action server needs a token: set SHOPDESK_ACTION_TOKEN")
    app = create_app(actions_package, cors_origins=None)
    expected = bearer_header(token).encode()

    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in PUBLIC_PATHS:
            return None
        given = request.headers.get("Authorization", "").encode()
        if hmac.compare_digest(given, expected):
            return None
        logger.warning(
            "Refused a %s %s from %s without the action token",
            request.method,
            request.path,
            request.ip,
        )
        return response.json(
            {
                "error": "This action server answers only the shop's Rasa server: "
                "the request lacks its token."
            },
            status=401,
        )

    @app.exception(Exception)
    async def internal_error(request: Request, exception: Exception) -> HTTPResponse:
        # rasa-sdk's own handler echoes the request body (the whole conversation) back.
        logger.error(
            "The action server failed on %s %s", request.method, request.path, exc_info=exception
        )
        return response.json(
            {"error": f"The action server failed: {type(exception).__name__}"}, status=500
        )

    observe(app)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    """Run the guarded action server with the shop's settings."""
    parser = argparse.ArgumentParser(description="shopdesk's action server")
    parser.add_argument("--actions", default="actions", help="package holding the actions")
    parser.add_argument(
        "--port", type=int, default=None, help="port (default: SHOPDESK_ACTION_PORT)"
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    configure_logging(settings.log_format, SANIC_LOGGERS)
    time_searches()
    if settings.redact_pii:
        install_log_redaction()
    app = create_action_app(action_token(settings), args.actions)
    # The catalog, index and models loaded with the actions stay out of full collections.
    app.register_listener(freeze_after_start, "after_server_start")
    port = args.port or settings.action_port
    logger.info(
        "Action server listening on http://%s:%d (token required)", settings.action_host, port
    )
    app.run(settings.action_host, port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
