"""``python -m web``: serve the demo storefront (``shopdesk run``/``demo`` start it)."""

from __future__ import annotations

import argparse

import uvicorn

from shopdesk.settings import get_settings
from web.app import create_app


def main() -> None:
    """Serve the storefront on the settings' port (or ``--port``)."""
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m web", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=settings.storefront_port)
    args = parser.parse_args()
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
