"""The demo store's generated shopping behaviour: deterministic and coherent."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from storage.db import create_engine_for, session_factory
from storage.demo_behaviour import MIN_SESSIONS
from storage.demo_store import seed_demo_store
from storage.migrations import upgrade
from storage.schema import Category, Interaction, InteractionKind, Product

TODAY = date(2025, 3, 14)
RUNNER_COMPANIONS = (
    "Running Socks",
    "Sports Water Bottle",
    "Sport Earbuds",
    "GPS Sports Watch",
    "Fitness Tracker",
)


def seeded_events(directory: Path, seed: int = 7) -> tuple[int, list[tuple]]:
    url = f"sqlite:///{directory / 'shop.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    try:
        with session_factory(engine)() as session:
            summary = seed_demo_store(session, TODAY, seed=seed, product_count=120, progress=False)
            rows = session.execute(
                select(
                    Interaction.session_id,
                    Interaction.customer_id,
                    Interaction.kind,
                    Interaction.occurred_at,
                    Product.title,
                    Category.path,
                )
                .join(Product, Interaction.product_id == Product.id)
                .join(Category, Product.category_id == Category.id)
                .order_by(Interaction.id)
            ).all()
            return summary.interactions, [tuple(row) for row in rows]
    finally:
        engine.dispose()


def test_the_same_seed_gives_the_same_behaviour_and_another_seed_other_behaviour(
    tmp_path: Path,
) -> None:
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir(), (tmp_path / "c").mkdir()
    count, events = seeded_events(tmp_path / "a")
    assert count == len(events) > 3 * MIN_SESSIONS
    assert seeded_events(tmp_path / "b")[1] == events
    assert seeded_events(tmp_path / "c", seed=8)[1] != events


def test_guest_sessions_view_before_they_buy_within_the_last_half_year(tmp_path: Path) -> None:
    _, events = seeded_events(tmp_path)
    assert {session_id for session_id, *_ in events} >= {
        "demo-session-00001",
        f"demo-session-{MIN_SESSIONS:05d}",
    }
    assert all(customer_id is None for _, customer_id, *_ in events)
    assert all(
        TODAY - timedelta(days=181) <= occurred.date() < TODAY for _, _, _, occurred, _, _ in events
    )
    first_kind: dict[tuple[str, str], InteractionKind] = {}
    for session_id, _, kind, _, title, _ in events:
        first_kind.setdefault((session_id, title), kind)
    assert set(first_kind.values()) == {
        InteractionKind.VIEW
    }  # nobody buys what they never looked at


def test_runners_who_buy_shoes_buy_running_things_with_them(tmp_path: Path) -> None:
    _, events = seeded_events(tmp_path)
    bought: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for session_id, _, kind, _, title, path in events:
        if kind is InteractionKind.PURCHASE:
            bought[session_id].append((title, path))
    with_shoes = [
        items
        for items in bought.values()
        if any(path == "Shoes > Running Shoes" for _, path in items)
    ]
    companions = [
        (title, path)
        for items in with_shoes
        for title, path in items
        if path != "Shoes > Running Shoes"
    ]
    assert len(with_shoes) >= 20 and companions
    running = [
        t
        for t, p in companions
        if p == "Sports & Outdoors > Running Gear" or t.endswith(RUNNER_COMPANIONS)
    ]
    assert len(running) == len(companions)
