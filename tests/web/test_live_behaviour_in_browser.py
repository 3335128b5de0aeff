"""Live behaviour and reasons in a real Chromium: the storefront's product page view and
*Add to cart* are stored for the widget's conversation and change its next recommendation,
whose cards show their reasons."""

from __future__ import annotations

import time

from playwright.sync_api import expect
from sqlalchemy import select

from storage.db import create_engine_for, session_factory
from storage.schema import Interaction, InteractionKind, Product
from tests.web.test_widget_in_browser import session_id
from tests.web.widget import ANSWER_MS, Widget

TEMPO = "stridewell-tempo-3-running-shoe"
TEMPO_TITLE = "Stridewell Tempo 3 Running Shoe"


def events_of(settings, sender: str) -> list[tuple[str, InteractionKind]]:
    engine = create_engine_for(settings.database_url)
    with session_factory(engine)() as session:
        rows = session.execute(
            select(Product.handle, Interaction.kind)
            .join(Product, Product.id == Interaction.product_id)
            .where(Interaction.session_id == sender)
            .order_by(Interaction.id)
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_a_carted_product_drives_the_next_recommendation_and_cards_show_reasons(shop, page):
    page.goto(f"{shop.storefront_url}/products/{TEMPO}")
    widget = Widget(page).open()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".cart-status")).to_have_text("Added to your cart.")
    sender = session_id(page)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(events_of(shop.settings, sender)) < 2:
        time.sleep(0.1)
    assert events_of(shop.settings, sender) == [
        (TEMPO, InteractionKind.VIEW),
        (TEMPO, InteractionKind.CART),
    ]

    widget.ask("what do you recommend", "Picked for you")
    expect(widget.carousels).to_have_count(1, timeout=ANSWER_MS)
    # Each card: a line with rating and stock, then the reason the shopper reads.
    expect(widget.cards.first.locator(".meta").nth(1)).to_contain_text(TEMPO_TITLE)
    reasons = [card.locator(".meta").nth(1).inner_text() for card in widget.cards.all()]
    assert all(reasons), reasons
