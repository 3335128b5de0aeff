"""Generated but coherent shopping behaviour for the demo store.

It gives the demo store's recommender something to learn.
Guest shoppers (sessions) follow a *theme*: a runner browses running shoes, buys one, then
looks at running socks, running gear and a sports bottle; a coffee lover buys a coffee maker
and a mug. Within a subcategory some products are best sellers (the contract products of
docs/demo-data.md first), so co-occurrence and popularity are both visible. Everything comes
from one ``random.Random`` seeded from the demo seed, so the same seed gives the same events.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.demo_vocabulary import CONTRACT_PRODUCTS
from storage.schema import Category, Interaction, InteractionKind, Product

#: Shopping trips generated for a store of 2400 products or more (see ``session_count``).
DEFAULT_SESSIONS = 1500
#: Fewest shopping trips, so that even a small demo store shows clear patterns.
MIN_SESSIONS = 1000


@dataclass(frozen=True)
class Theme:
    """A kind of shopper.

    What they come for (``anchors``) and what they buy with it (``companions``).
    Each entry is a subcategory path, optionally narrowed to product types after a colon:
    ``"Apparel > Socks: Running Socks"``.
    """

    name: str
    anchors: tuple[str, ...]
    companions: tuple[str, ...]


THEMES: tuple[Theme, ...] = (
    Theme(
        "runner",
        ("Shoes > Running Shoes",),
        (
            "Apparel > Socks: Running Socks",
            "Sports & Outdoors > Running Gear",
            "Sports & Outdoors > Water Bottles: Sports Water Bottle",
            "Electronics > Headphones: Sport Earbuds",
            "Electronics > Smartwatches: GPS Sports Watch, Fitness Tracker",
        ),
    ),
    Theme(
        "hiker",
        ("Shoes > Hiking Boots",),
        (
            "Apparel > Socks: Wool Hiking Socks",
            "Sports & Outdoors > Camping",
            "Apparel > Jackets & Coats: Rain Jacket, Windbreaker",
            "Sports & Outdoors > Water Bottles: Insulated Water Bottle",
        ),
    ),
    Theme(
        "camper",
        ("Sports & Outdoors > Camping: 2-Person Tent, 4-Person Tent, Sleeping Bag",),
        (
            "Sports & Outdoors > Camping: Headlamp, Camping Stove, Camping Chair",
            "Home & Kitchen > Coffee & Tea: Insulated Thermos",
            "Electronics > Speakers: Bluetooth Speaker",
        ),
    ),
    Theme(
        "coffee lover",
        (
            "Home & Kitchen > Kitchen Appliances: Drip Coffee Maker, Espresso Machine",
            "Home & Kitchen > Coffee & Tea: French Press, Pour-Over Coffee Maker",
        ),
        ("Home & Kitchen > Coffee & Tea: Coffee Mug, Travel Mug, Insulated Thermos",),
    ),
    Theme(
        "tea drinker",
        (
            "Home & Kitchen > Coffee & Tea: Tea Kettle, Teapot with Infuser",
            "Home & Kitchen > Kitchen Appliances: Electric Kettle",
        ),
        (
            "Home & Kitchen > Coffee & Tea: Coffee Mug",
            "Home & Kitchen > Home Decor: Scented Candle",
        ),
    ),
    Theme(
        "home cook",
        ("Home & Kitchen > Cookware",),
        (
            "Home & Kitchen > Kitchen Utensils",
            "Books > Cookbooks",
            "Home & Kitchen > Kitchen Appliances: Blender, Air Fryer, Toaster",
        ),
    ),
    Theme(
        "music listener",
        (
            "Electronics > Headphones: Wireless Headphones, Noise Cancelling Headphones, "
            "Wireless Earbuds",
        ),
        (
            "Electronics > Chargers & Cables: USB-C Charging Cable, Wall Charger",
            "Electronics > Phone Accessories: Power Bank",
            "Electronics > Speakers",
        ),
    ),
    Theme(
        "new phone",
        ("Electronics > Phone Accessories: Phone Case, Screen Protector",),
        (
            "Electronics > Phone Accessories: Screen Protector, Phone Stand, Car Phone Mount",
            "Electronics > Chargers & Cables",
        ),
    ),
    Theme(
        "photographer",
        ("Electronics > Cameras",),
        ("Electronics > Chargers & Cables", "Electronics > Phone Accessories: Power Bank"),
    ),
    Theme(
        "yogi",
        ("Sports & Outdoors > Yoga & Fitness: Yoga Mat, Yoga Block",),
        (
            "Sports & Outdoors > Yoga & Fitness: Yoga Block, Foam Roller, Resistance Bands Set",
            "Sports & Outdoors > Water Bottles",
            "Books > Self-Help: Mindfulness Guide",
        ),
    ),
    Theme(
        "cyclist",
        ("Sports & Outdoors > Cycling: Bike Helmet, Bike Light Set",),
        (
            "Sports & Outdoors > Cycling: Bike Lock, Bike Pump, Cycling Jersey",
            "Sports & Outdoors > Water Bottles: Sports Water Bottle",
        ),
    ),
    Theme(
        "skincare",
        ("Beauty > Skincare",),
        ("Beauty > Skincare", "Beauty > Makeup", "Beauty > Fragrance"),
    ),
    Theme(
        "haircare", ("Beauty > Haircare",), ("Beauty > Haircare", "Beauty > Fragrance: Body Mist")
    ),
    Theme(
        "parent",
        ("Toys & Games > Building Sets", "Toys & Games > Plush Toys"),
        (
            "Books > Children's Books",
            "Toys & Games > Puzzles: Kids Floor Puzzle",
            "Sports & Outdoors > Water Bottles: Kids Water Bottle",
        ),
    ),
    Theme(
        "game night",
        ("Toys & Games > Board Games",),
        (
            "Toys & Games > Board Games",
            "Toys & Games > Puzzles: 1000-Piece Jigsaw Puzzle, 500-Piece Jigsaw Puzzle",
        ),
    ),
    Theme(
        "reader",
        ("Books > Fiction",),
        (
            "Books > Fiction",
            "Home & Kitchen > Bedding: Throw Blanket",
            "Home & Kitchen > Home Decor: Scented Candle",
        ),
    ),
    Theme(
        "bedroom",
        ("Home & Kitchen > Bedding",),
        ("Home & Kitchen > Bedding", "Home & Kitchen > Home Decor"),
    ),
    Theme(
        "casual wear",
        ("Apparel > T-Shirts", "Apparel > Jeans & Pants"),
        (
            "Apparel > Jeans & Pants",
            "Shoes > Sneakers",
            "Apparel > Hoodies & Sweatshirts",
            "Apparel > Socks: Ankle Socks 5-Pack, Crew Socks 3-Pack",
        ),
    ),
    Theme(
        "going out",
        ("Apparel > Dresses", "Shoes > Dress Shoes"),
        ("Beauty > Fragrance", "Beauty > Makeup", "Shoes > Sandals: Sandal, Slide Sandal"),
    ),
)


@dataclass(frozen=True)
class _CatalogProduct:
    product_id: int
    title: str
    category: str


class _Shelves:
    """The store's products per theme entry, best sellers first, with Zipf-like pick weights."""

    def __init__(self, products: Sequence[_CatalogProduct], rng: random.Random) -> None:
        contract = {product.title for product in CONTRACT_PRODUCTS}
        by_category: dict[str, list[_CatalogProduct]] = defaultdict(list)
        for product in products:
            by_category[product.category].append(product)
        self._by_category = {}
        for category, items in sorted(by_category.items()):
            rng.shuffle(items)
            items.sort(key=lambda p: p.title not in contract)  # stable: contract products first
            self._by_category[category] = items
        self._cache: dict[str, tuple[list[_CatalogProduct], list[float]]] = {}

    def shelf(self, entry: str) -> tuple[list[_CatalogProduct], list[float]]:
        """Products matching ``entry`` ("path" or "path: Type, Type") and their pick weights."""
        if entry not in self._cache:
            path, _, types = entry.partition(":")
            wanted = [t.strip() for t in types.split(",") if t.strip()]
            items = [
                p
                for p in self._by_category.get(path.strip(), [])
                if not wanted or any(p.title.endswith(t) for t in wanted)
            ]
            self._cache[entry] = (items, [1.0 / (rank + 1) ** 1.2 for rank in range(len(items))])
        return self._cache[entry]

    def pick(self, rng: random.Random, entry: str) -> _CatalogProduct | None:
        items, weights = self.shelf(entry)
        return rng.choices(items, weights=weights)[0] if items else None


def session_count(product_count: int) -> int:
    """Shopping trips to generate: about 0.6 per product.

    The count stays between MIN_SESSIONS and DEFAULT_SESSIONS.
    """
    return max(MIN_SESSIONS, min(DEFAULT_SESSIONS, int(product_count * 0.625)))


def seed_demo_behaviour(
    session: Session, today: date, seed: int, sessions: int | None = None
) -> int:
    """Add generated views, cart additions and purchases of guest sessions; returns the row count.

    Each session is one shopping trip on one theme, so what is bought in a session goes
    together. Flushes, does not commit. Events fall in the 180 days before ``today``.
    """
    rng = random.Random(f"demo-behaviour-{seed}")
    rows = session.execute(
        select(Product.id, Product.title, Category.path)
        .join(Category, Product.category_id == Category.id)
        .order_by(Product.id)
    ).all()
    shelves = _Shelves([_CatalogProduct(r.id, r.title, r.path) for r in rows], rng)
    start = datetime.combine(today, time(0, 0)) - timedelta(days=180)
    events: list[dict] = []
    for number in range(sessions if sessions is not None else session_count(len(rows))):
        moment = start + timedelta(minutes=rng.randint(0, 179 * 24 * 60))
        _journey(rng, shelves, rng.choice(THEMES), f"demo-session-{number + 1:05d}", moment, events)
    if events:
        session.execute(insert(Interaction.__table__), events)
    session.flush()
    return len(events)


def _journey(
    rng: random.Random,
    shelves: _Shelves,
    theme: Theme,
    session_id: str,
    moment: datetime,
    events: list[dict],
) -> None:
    """One shopping trip: compare a few anchor products, maybe buy one, then its companions."""

    def record(product: _CatalogProduct, kind: InteractionKind) -> None:
        nonlocal moment
        moment += timedelta(minutes=rng.randint(1, 15))
        events.append(
            {
                "customer_id": None,
                "session_id": session_id,
                "product_id": product.product_id,
                "kind": kind.value,
                "order_id": None,
                "occurred_at": moment,
            }
        )

    anchor_entry = rng.choice(theme.anchors)
    anchor = shelves.pick(rng, anchor_entry)
    if anchor is None:
        return
    for _ in range(rng.randint(0, 3)):
        other = shelves.pick(rng, anchor_entry)
        if other is not None and other != anchor:
            record(other, InteractionKind.VIEW)
    record(anchor, InteractionKind.VIEW)
    bought = rng.random() < 0.55
    if bought:
        record(anchor, InteractionKind.CART)
        record(anchor, InteractionKind.PURCHASE)
    for entry in rng.sample(theme.companions, k=min(len(theme.companions), rng.randint(1, 3))):
        companion = shelves.pick(rng, entry)
        if companion is None or companion == anchor:
            continue
        record(companion, InteractionKind.VIEW)
        if bought and rng.random() < 0.75:
            record(companion, InteractionKind.CART)
            record(companion, InteractionKind.PURCHASE)
