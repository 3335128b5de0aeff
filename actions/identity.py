"""The shop's signed identity token: "this shopper is signed in as customer C, until T".

A shop whose pages know the signed-in customer asks its own backend for a token and gives
it to the chat widget (attribute ``identity-token``), which sends it with every message
(``metadata.identity_token``). The token is an HS256 JSON Web Token (PyJWT, the library
Rasa's socket.io channel uses) signed with ``SHOPDESK_IDENTITY_KEY``: claims ``sub`` (the
customer id, as a string) and ``exp`` (expiry, seconds since the epoch), so any JWT library
can make one. A forged, expired or malformed token, or one whose key is wrong, names no one:
the conversation stays anonymous and the reason is logged, never shown as an error.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import jwt

logger = logging.getLogger(__name__)

ALGORITHM = "HS256"
#: The message metadata key the widget (or any channel client) puts the token under.
METADATA_KEY = "identity_token"
#: Longest token read; anything longer is not one of ours.
MAX_TOKEN_CHARS = 2048


@dataclass(frozen=True)
class IdentityTokens:
    """Makes and checks identity tokens with the key shared with the shop's backend."""

    key: bytes

    def issue(self, customer_id: int, minutes: float = 10.0, now: float | None = None) -> str:
        """A token saying the shopper is customer ``customer_id`` for the next ``minutes``."""
        issued = int(now if now is not None else time.time())
        claims = {"sub": str(int(customer_id)), "iat": issued, "exp": issued + int(minutes * 60)}
        return jwt.encode(claims, self.key, algorithm=ALGORITHM)

    def customer(self, token: Any) -> int | None:
        """The customer id a valid ``token`` names, or None (logged) for anything else."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            logger.warning("Identity token ignored: not a token string; shopper stays anonymous.")
            return None
        try:
            claims = jwt.decode(
                token, self.key, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
            )
            return int(claims["sub"])
        except jwt.ExpiredSignatureError:
            reason = "expired"
        except jwt.InvalidSignatureError:
            reason = "bad signature (forged, or signed with another key)"
        except jwt.InvalidTokenError as error:
            reason = f"invalid ({error})"
        except (TypeError, ValueError):
            reason = "its subject is not a customer id"
        logger.warning("Identity token refused: %s; shopper stays anonymous.", reason)
        return None


def token_in(metadata: Any) -> str | None:
    """The identity token in a message's metadata, if there is one."""
    if not isinstance(metadata, dict):
        return None
    token = metadata.get(METADATA_KEY)
    return token if token not in (None, "") else None
