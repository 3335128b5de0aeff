"""``python -m web``: serve the demo storefront (``shopdesk run``/``demo`` start it)."""

from __future__ import annotations

import argparse

import uvicorn

from shopdesk.observability import configure_logging
from shopdesk.settings import get_settings
from web.app import create_app


def main() -> None:
    """Serve the storefront on the settings' port (or ``--port``)."""
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m web", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=settings.storefront_port)
    args = parser.parse_args()
    configure_logging(settings.log_format)
    # JSON logs: uvicorn's loggers pass their records to the root logger's JSON handler.
    log_config = None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="warning",
        log_config=log_config,
    )


if __name__ == "__main__":
    main()
