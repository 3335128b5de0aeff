"""The demo storefront's pages and its interactions endpoint, on a seeded demo store."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shopdesk.operations import seed_demo
from shopdesk.settings import get_settings
from storage.db import create_engine_for, session_factory
from storage.schema import Interaction, InteractionKind, Product
from tests.helpers.live_shop import HOSTILE_HANDLE, HOSTILE_TITLE, add_hostile_product
from web.app import create_app

SESSION = "a" * 32
TEMPO = "stridewell-tempo-3-running-shoe"


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    home = tmp_path_factory.mktemp("storefront")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOPDESK_DATA_DIR", str(home))
        env.setenv("SHOPDESK_RASA_PORT", "5999")
        env.delenv("SHOPDESK_DATABASE_URL", raising=False)
        env.delenv("SHOPDESK_WIDGET_SERVER_URL", raising=False)
        settings = get_settings()
        seed_demo(settings, products=120)
        add_hostile_product(settings)
        yield settings


@pytest.fixture(scope="module")
def client(settings) -> TestClient:
    return TestClient(create_app(settings))


def views(settings, session_id: str) -> list[tuple[str, InteractionKind]]:
    engine = create_engine_for(settings.database_url)
    with session_factory(engine)() as session:
        rows = session.execute(
            select(Product.handle, Interaction.kind)
            .join(Product, Product.id == Interaction.product_id)
            .where(Interaction.session_id == session_id)
            .order_by(Interaction.id)
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_home_lists_departments_and_carries_the_widget(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "Shoes" in page.text and "Running Shoes" in page.text
    assert '<script src="/static/shopdesk-chat.js"></script>' in page.text
    assert 'server-url="http://testserver:5999"' in page.text


def test_a_category_page_lists_its_products(client):
    page = client.get("/c/Shoes%20%3E%20Running%20Shoes")
    assert page.status_code == 200
    assert "Stridewell Tempo 3 Running Shoe" in page.text
    assert "$89.99" in page.text


def test_a_product_page_shows_the_catalog_facts_and_tells_the_widget(client):
    page = client.get(f"/products/{TEMPO}")
    assert page.status_code == 200
    assert "navy, black, white" in page.text and "10.5" in page.text
    assert f'product-handle="{TEMPO}"' in page.text


def test_a_hostile_product_title_is_escaped(client):
    page = client.get(f"/products/{HOSTILE_HANDLE}")
    assert HOSTILE_TITLE not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text


def test_unknown_pages_say_what_is_missing(client):
    page = client.get("/products/no-such-thing")
    assert page.status_code == 404 and "no-such-thing" in page.text
    assert client.get("/c/Nowhere").status_code == 404


def test_a_view_from_the_widget_is_recorded_for_the_recommender(client, settings):
    reply = client.post(
        "/api/interactions", json={"session_id": SESSION, "product_handle": TEMPO, "kind": "view"}
    )
    assert reply.status_code == 201, reply.text
    client.post(
        "/api/interactions", json={"session_id": SESSION, "product_handle": TEMPO, "kind": "click"}
    )
    client.post(
        "/api/interactions", json={"session_id": SESSION, "product_handle": TEMPO, "kind": "cart"}
    )
    assert views(settings, SESSION) == [
        (TEMPO, InteractionKind.VIEW),
        (TEMPO, InteractionKind.CLICK),
        (TEMPO, InteractionKind.CART),
    ]


def test_the_product_page_has_an_add_to_cart_button(client):
    page = client.get(f"/products/{TEMPO}")
    assert f'class="add-to-cart" data-product-handle="{TEMPO}"' in page.text
    assert "/static/storefront.js" in page.text
    assert client.get("/static/storefront.js").status_code == 200


@pytest.mark.parametrize(
    "body, status",
    [
        ({"session_id": "short", "product_handle": TEMPO}, 422),
        ({"session_id": SESSION, "product_handle": TEMPO, "kind": "purchase"}, 422),
        ({"session_id": SESSION, "product_handle": "no-such-thing"}, 404),
    ],
)
def test_bad_interactions_are_refused_and_nothing_is_stored(client, settings, body, status):
    session_id = "b" * 32
    body = {**body, "session_id": body["session_id"].replace(SESSION, session_id)}
    reply = client.post("/api/interactions", json=body)
    assert reply.status_code == status
    assert views(settings, session_id) == []
