"""Rasa's action calls share kept-alive connections and send the same JSON as before."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from rasa.core import run
from rasa.utils.endpoints import EndpointConfig

from bot import action_calls
from tests.helpers.live_shop import free_port


class ActionServer:
    """A loopback HTTP server that records each request's body and client connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.bodies: list[bytes] = []
        self.connections: list[tuple[str, int]] = []
        self.runner: web.AppRunner | None = None

    async def webhook(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.read())
        self.connections.append(request.transport.get_extra_info("peername"))
        return web.json_response({"events": [], "responses": []})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhook", self.webhook)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


@pytest.fixture
async def action_server() -> AsyncIterator[ActionServer]:
    server = ActionServer(free_port())
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(autouse=True)
async def pooled() -> AsyncIterator[None]:
    """Rasa's EndpointConfig with the pooled session, as the Rasa server runs it."""
    original_session = EndpointConfig.session
    action_calls.install()
    yield
    await action_calls.close_connections()
    EndpointConfig.session = original_session  # type: ignore[method-assign]
    action_calls._installed.clear()


async def test_the_rasa_server_closes_the_pooled_connections_when_it_stops(
    action_server: ActionServer,
) -> None:
    app = run.configure_app(port=0)
    action_calls.prepare_app(app)
    await endpoint(action_server).request(json={"next_action": "action_listen"}, method="post")
    connector = action_calls.shared_connector()
    assert not connector.closed

    # What Sanic signals after the server stopped.
    app.signal_router.finalize()
    await app.dispatch(
        "server.shutdown.after", context={"app": app, "loop": asyncio.get_running_loop()}
    )

    assert connector.closed
    assert action_calls.shared_connector() is not connector


def endpoint(server: ActionServer) -> EndpointConfig:
    return EndpointConfig(url=f"http://127.0.0.1:{server.port}/webhook")


async def test_action_calls_reuse_one_connection(action_server: ActionServer) -> None:
    calls = endpoint(action_server)
    for action in ("action_search_products", "action_check_order", "action_listen"):
        answer = await calls.request(json={"next_action": action}, method="post")
        assert answer == {"events": [], "responses": []}
    assert len(action_server.connections) == 3
    assert len(set(action_server.connections)) == 1


async def test_the_body_is_the_json_rasa_sent_before(action_server: ActionServer) -> None:
    body = {
        "next_action": "action_search_products",
        "tracker": {
            "latest_message": {"text": "Schuhe für 50 € / pair — 👟", "confidence": 0.8734},
            "events": [{"event": "slot", "name": "budget", "value": None}] * 3,
        },
    }
    await endpoint(action_server).request(json=body, method="post")
    sent = action_server.bodies[0]
    assert json.loads(sent) == body
    assert b"\\/" not in sent  # slashes as the standard library writes them


async def test_a_restarted_action_server_is_called_on_a_new_connection(
    action_server: ActionServer,
) -> None:
    calls = endpoint(action_server)
    await calls.request(json={"next_action": "action_search_products"}, method="post")
    await action_server.stop()
    await action_server.start()
    await asyncio.sleep(0.05)  # the old connection's close arrives

    answer = await calls.request(json={"next_action": "action_check_order"}, method="post")
    assert answer == {"events": [], "responses": []}
    assert len(set(action_server.connections)) == 2


async def test_an_idle_connection_is_closed_before_the_action_servers_timeout(
    action_server: ActionServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(action_calls, "KEEPALIVE_SECONDS", 0.2)
    monkeypatch.setattr(action_calls, "_pool", {})
    calls = endpoint(action_server)
    await calls.request(json={"next_action": "action_search_products"}, method="post")
    await asyncio.sleep(0.5)  # longer than KEEPALIVE_SECONDS: the connection is not reused
    await calls.request(json={"next_action": "action_check_order"}, method="post")
    assert len(set(action_server.connections)) == 2
