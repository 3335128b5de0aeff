"""Rasa's calls to the action server on kept-alive connections, with a faster JSON encoder.

Rasa 3.6 opens a new aiohttp ``ClientSession``, and so a new TCP connection, for every action
call (``EndpointConfig.request``), and encodes the request, which carries every event of the
conversation, with the standard library's ``json``. Under the throughput benchmark (20
conversations of 50 messages) the HTTP request took 8% of the Rasa server's CPU and the JSON 5%
(docs/benchmarks.md, third round). :func:`install` (called by ``bot/rasa_main.py``) makes
``EndpointConfig.session`` hand out sessions that share one pool of connections per event loop
(``connector_owner=False``: closing a session leaves its connection open for the next call) and
encode ``json=`` bodies with ujson (already installed with Rasa; the action server's Sanic
decodes with it too); :func:`prepare_app` closes the pool when the server stops.

A connection idle longer than :data:`KEEPALIVE_SECONDS` is not reused (aiohttp checks when it
takes one from the pool), well before the action server's Sanic closes it (after 5 s idle), so
no call goes out on a connection the server is closing; a connection the action server closed
(it stopped or was restarted) leaves the pool as soon as its close arrives. So there is no
retry, which would not be safe: an action server that ran the action and died before answering
looks the same to the client as a closed idle connection.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import ujson
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig
from sanic import Sanic

#: Seconds an idle connection to the action server is kept (Sanic's keep-alive timeout is 5).
KEEPALIVE_SECONDS = 2.0

_pool: dict[str, Any] = {}
_installed: dict[str, Any] = {}


def encode_json(body: Any) -> str:
    """``body`` as JSON text (ujson; ``/`` left unescaped, as the standard library leaves it)."""
    return ujson.dumps(body, escape_forward_slashes=False)


def shared_connector() -> aiohttp.TCPConnector:
    """The running event loop's pool of kept-alive connections (made at its first call)."""
    loop = asyncio.get_running_loop()
    connector = _pool.get("connector")
    if connector is None or connector.closed or _pool.get("loop") is not loop:
        # No limit on connections at once, as before (Rasa opened one per call).
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_SECONDS)
        _pool.update(connector=connector, loop=loop)
    return connector


def pooled_session(self: EndpointConfig) -> aiohttp.ClientSession:
    """Rasa's ``EndpointConfig.session`` (same headers, auth and timeout) on the shared pool."""
    auth = (
        aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
        if self.basic_auth
        else None
    )
    return aiohttp.ClientSession(
        headers=self.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=shared_connector(),
        connector_owner=False,
        json_serialize=encode_json,
    )


async def close_connections() -> None:
    """Close the pooled connections (when the server stops: left open, aiohttp reports an
    unclosed connector as the process exits)."""
    connector = _pool.pop("connector", None)
    _pool.pop("loop", None)
    if connector is not None:
        await connector.close()


async def _close_on_stop(app: Sanic, loop: Any) -> None:
    await close_connections()


def prepare_app(app: Sanic) -> None:
    """Close the pooled connections when the Rasa server's ``app`` stops."""
    app.register_listener(_close_on_stop, "after_server_stop")


def install() -> None:
    """Replace ``EndpointConfig.session`` (idempotent)."""
    if _installed:
        return
    _installed.update(session=EndpointConfig.session)
    EndpointConfig.session = pooled_session  # type: ignore[method-assign]
