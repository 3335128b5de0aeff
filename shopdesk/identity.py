"""Identity tokens for signed-in shoppers: ``shopdesk identity token 42`` or :func:`identity_token`.

The shop's backend makes a token for the customer who is signed in and puts it in the
widget's ``identity-token`` attribute; the bot then knows the shopper without asking for an
order number and email (docs/personalisation.md). The token is an HS256 JSON Web Token
(claims ``sub``: the customer id as a string, ``exp``: expiry in seconds since the epoch)
signed with ``SHOPDESK_IDENTITY_KEY``, so a backend in any language can make one with its JWT
library; this module is the Python way, and the command is for trying it out.
"""

from __future__ import annotations

import argparse
from typing import Any

from actions.identity import IdentityTokens
from shopdesk.secrets import identity_key
from shopdesk.settings import Settings, get_settings
from storage.errors import ShopdeskError

#: A short lifetime: the page asks its backend for a new token when it renders.
DEFAULT_MINUTES = 10.0


class UnknownCustomer(ShopdeskError):
    """A token was asked for a customer the shop database does not have."""


def identity_token(
    customer_id: int, minutes: float = DEFAULT_MINUTES, settings: Settings | None = None
) -> str:
    """A token saying the shopper is customer ``customer_id`` for the next ``minutes``."""
    settings = settings or get_settings()
    return IdentityTokens(identity_key(settings).encode()).issue(customer_id, minutes)


def _cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    from storage.db import create_engine_for, session_factory
    from storage.schema import Customer

    engine = create_engine_for(settings.database_url)
    try:
        with session_factory(engine)() as session:
            known = session.get(Customer, args.customer_id) is not None
    finally:
        engine.dispose()
    if not known:
        raise UnknownCustomer(
            f"There is no customer {args.customer_id} in {settings.database_url}: the bot would "
            "treat the token as anonymous. Use the id of the customer in the shop database."
        )
    print(identity_token(args.customer_id, args.minutes, settings))
    return 0


def add_commands(commands: Any) -> None:
    """``shopdesk identity token CUSTOMER_ID [--minutes N]``."""
    identity = commands.add_parser(
        "identity", help="identity tokens of signed-in shoppers (the widget's identity-token)"
    ).add_subparsers(dest="identity_command", required=True)
    token = identity.add_parser(
        "token", help="print a signed identity token for a customer (for trying the widget)"
    )
    token.add_argument("customer_id", type=int, help="the customer's id in the shop database")
    token.add_argument(
        "--minutes", type=float, default=DEFAULT_MINUTES, help="how long it is valid (10)"
    )
    token.set_defaults(handler=_cmd_token)
