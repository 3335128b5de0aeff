"""A deterministic demo shop: catalog, customers, orders, shipments, returns and refunds.

``seed_demo_store(session, today)`` fills an empty database. The same ``seed`` and
``today`` always give the same data; the contract customers, orders and products listed
in docs/demo-data.md are fixed and independent of ``seed`` and ``product_count``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from tqdm import tqdm

from storage.catalog import CategoryResolver, ProductData, VariantData, money, upsert_products
from storage.db import StorageError
from storage.demo_behaviour import seed_demo_behaviour
from storage.demo_vocabulary import (
    ADJECTIVES,
    BOOK_TITLES,
    CARRIERS,
    CITIES,
    CLOSINGS,
    CONTRACT_PRODUCTS,
    FIRST_NAMES,
    LAST_NAMES,
    MODEL_NAMES,
    RETURN_REASONS,
    SIZE_RUNS,
    STREETS,
    SUBCATEGORIES,
    ProductType,
    Subcategory,
)
from storage.orders import Address
from storage.schema import (
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductVariant,
    Refund,
    RefundStatus,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
    Shipment,
)
from storage.wording import list_in_words

#: Generated order numbers start here so they never collide with the contract orders 10001-10006.
FIRST_GENERATED_ORDER_NUMBER = 20001
GENERATED_CUSTOMER_COUNT = 50


class DemoStoreNotEmpty(StorageError):
    """The database already holds products or customers, so the demo store was not seeded."""


@dataclass(frozen=True)
class DemoStoreSummary:
    """What :func:`seed_demo_store` created."""

    products: int
    variants: int
    categories: int
    customers: int
    orders: int
    interactions: int = 0


def slugify(text: str) -> str:
    """``"Hearth & Home Tea Kettle"`` -> ``"hearth-home-tea-kettle"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _sku_prefix(brand: str) -> str:
    return re.sub(r"[^A-Z]", "", brand.upper())[:3]


def _sku(sequence: int, brand: str, color: str | None, size: str | None) -> str:
    """``STR000001-NAV-10``: brand code and product number, then color code and size if any."""
    parts = [f"{_sku_prefix(brand)}{sequence:06d}"]
    parts += [color[:3].upper()] if color else []
    parts += [size] if size else []
    return "-".join(parts)


def _variant_data(
    sequence: int,
    brand: str,
    price: Decimal,
    colors: Sequence[str],
    sizes: Sequence[str],
    stock_for: Callable[[], int],
) -> tuple[VariantData, ...]:
    """One variant per color x size (either may be empty)."""
    return tuple(
        VariantData(_sku(sequence, brand, color, size), price, color, size, stock_for())
        for color in colors or (None,)
        for size in sizes or (None,)
    )


class _CatalogGenerator:
    """Invents the catalog product by product from one ``random.Random``."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.now = datetime.combine(today, time(6, 0))
        self.handles: set[str] = set()
        self.sequence = 0

    def contract_products(self) -> Iterator[ProductData]:
        for product in CONTRACT_PRODUCTS:
            self.sequence += 1
            handle = slugify(product.title)
            self.handles.add(handle)
            variants = _variant_data(
                self.sequence,
                product.brand,
                money(product.price),
                product.colors,
                product.sizes,
                partial(int, product.stock),  # every variant gets the product's stock
            )
            yield ProductData(
                handle=handle,
                title=product.title,
                variants=variants,
                brand=product.brand,
                category=product.category,
                description=product.description,
                currency="USD",
                material=product.material,
                rating=product.rating,
                image_url=image_url(handle),
                final_sale=product.final_sale,
                created_at=self.now - timedelta(days=400),
                updated_at=self.now - timedelta(days=30),
            )

    def product(self, sub: Subcategory) -> ProductData:
        rng = self.rng
        self.sequence += 1
        kind = rng.choice(sub.types)
        brand = rng.choice(sub.brands)
        title = self._title(sub, kind, brand)
        handle = self._unique_handle(slugify(title))
        material = rng.choice(sub.materials)
        low, mode, high = sub.price
        price = _shop_price(rng.triangular(low, high, mode))
        colors = (
            tuple(rng.sample(sub.colors, k=min(len(sub.colors), rng.randint(1, 3))))
            if sub.colors
            else ()
        )
        sizes = self._sizes(kind.sizes or sub.sizes)
        sold_out = rng.random() < 0.04
        variants = _variant_data(
            self.sequence,
            brand,
            price,
            colors,
            sizes,
            lambda: 0 if sold_out or rng.random() < 0.08 else rng.randint(1, 60),
        )
        created_at = self.now - timedelta(days=rng.randint(30, 900), minutes=rng.randint(0, 1439))
        return ProductData(
            handle=handle,
            title=title,
            variants=variants,
            brand=brand,
            category=sub.path,
            description=self._description(sub, kind, brand, title, material, colors, sizes),
            currency="USD",
            material=material,
            rating=None if rng.random() < 0.05 else round(rng.uniform(3.0, 5.0), 1),
            image_url=image_url(handle),
            final_sale=rng.random() < 0.03,
            created_at=created_at,
            updated_at=min(self.now, created_at + timedelta(days=rng.randint(0, 60))),
        )

    def _title(self, sub: Subcategory, kind: ProductType, brand: str) -> str:
        rng = self.rng
        if not sub.brand_in_title:
            return f"{rng.choice(BOOK_TITLES)} {kind.name}"
        model = rng.choice(MODEL_NAMES)
        version = f" {rng.randint(2, 5)}" if rng.random() < 0.35 else ""
        return f"{brand} {model}{version} {kind.name}"

    def _unique_handle(self, handle: str) -> str:
        candidate, suffix = handle, 2
        while candidate in self.handles:
            candidate = f"{handle}-{suffix}"
            suffix += 1
        self.handles.add(candidate)
        return candidate

    def _sizes(self, run_name: str) -> tuple[str, ...]:
        run = SIZE_RUNS[run_name]
        if run_name == "apparel":
            return run[self.rng.randint(0, 1) : self.rng.randint(4, 6)]
        if run_name == "shoes":
            start = self.rng.choice((0, 1, 2))  # from US 6, 6.5 or 7
            return run[start : start + self.rng.randint(9, 13)]
        return run

    def _description(
        self,
        sub: Subcategory,
        kind: ProductType,
        brand: str,
        title: str,
        material: str,
        colors: Sequence[str],
        sizes: Sequence[str],
    ) -> str:
        rng = self.rng
        first, second = rng.sample(sub.features, k=2)
        top_level = sub.path.split(" > ")[0]
        sentences = [
            f"The {title} is a {rng.choice(ADJECTIVES)} choice: {kind.purpose}.",
            sub.material_sentence.format(material=material, feature=first),
            f"On top of that, it {second}.",
        ]
        if colors:
            sentences.append(f"Available in {list_in_words(colors)}.")
        if sizes:
            sentences.append(f"Sizes {sizes[0]} to {sizes[-1]}.")
        sentences.append(CLOSINGS[top_level])
        return " ".join(sentences)


def _shop_price(amount: float) -> Decimal:
    """Round to a shop-like price: 7.99, 24.99, 129.00 ..."""
    whole = max(1, int(amount))
    return money(whole) if whole >= 100 and whole % 5 == 0 else money(whole + 0.99)


def image_url(handle: str) -> str:
    """Placeholder product photo for ``handle``."""
    return f"https://picsum.photos/seed/{handle}/600/600"


ALEX_ADDRESS = Address(
    name="Alex Morgan",
    line1="500 Howard Street",
    line2="Apt 4B",
    city="San Francisco",
    region="CA",
    postal_code="94107",
)
SAM_ADDRESS = Address(
    name="Sam Lee", line1="350 West 31st Street", city="New York", region="NY", postal_code="10001"
)
ALEX_CARD = "Visa ending 4242"
SAM_CARD = "Mastercard ending 4444"


def _at(today: date, days_ago: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), time(hour, minute))


def _tracking_number(rng: random.Random, carrier: str) -> str:
    if carrier == "UPS":
        return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16))
    digits = 12 if carrier == "FedEx" else 22
    return "".join(rng.choice("0123456789") for _ in range(digits))


class _OrderWriter:
    """Adds orders with their lines, shipments, returns and refunds to the session."""

    def __init__(self, session: Session, today: date) -> None:
        self.session = session
        self.today = today
        self._variants: dict[str, ProductVariant] = {}

    def variant(self, sku: str) -> ProductVariant:
        if sku not in self._variants:
            self._variants[sku] = self.session.execute(
                select(ProductVariant)
                .options(joinedload(ProductVariant.product))
                .where(ProductVariant.sku == sku)
            ).scalar_one()
        return self._variants[sku]

    def order(
        self,
        number: int | str,
        customer: Customer,
        address: Address,
        payment_method: str,
        status: OrderStatus,
        placed_days_ago: int,
        lines: Sequence[tuple[str, int]],
    ) -> Order:
        variants = [(self.variant(sku), quantity) for sku, quantity in lines]
        order = Order(
            number=str(number),
            customer=customer,
            status=status,
            placed_at=_at(self.today, placed_days_ago, 14, 30),
            currency="USD",
            shipping_name=address.name,
            shipping_line1=address.line1,
            shipping_line2=address.line2,
            shipping_city=address.city,
            shipping_region=address.region,
            shipping_postal_code=address.postal_code,
            shipping_country=address.country,
            payment_method=payment_method,
        )
        self.session.add(order)
        for variant, quantity in variants:
            order.lines.append(
                OrderLine(
                    variant=variant,
                    product_title=variant.product.title,
                    quantity=quantity,
                    unit_price=variant.price,
                    final_sale=variant.product.final_sale,
                )
            )
        return order

    def ship(
        self,
        order: Order,
        carrier: str,
        tracking_number: str,
        shipped_days_ago: int,
        transit_days: int,
        delivered_days_ago: int | None = None,
    ) -> Shipment:
        shipped_at = _at(self.today, shipped_days_ago, 17, 0)
        shipment = Shipment(
            carrier=carrier,
            tracking_number=tracking_number,
            shipped_at=shipped_at,
            estimated_delivery=shipped_at.date() + timedelta(days=transit_days),
            delivered_at=None
            if delivered_days_ago is None
            else _at(self.today, delivered_days_ago, 15, 45),
        )
        order.shipments.append(shipment)
        return shipment

    def refund_return(
        self,
        order: Order,
        rma_number: str,
        reason: str,
        requested_days_ago: int,
        refunded_days_ago: int,
    ) -> ReturnRequest:
        amount = order.total
        request = ReturnRequest(
            rma_number=rma_number,
            status=ReturnStatus.REFUNDED,
            reason=reason,
            created_at=_at(self.today, requested_days_ago, 9, 15),
            refund_amount=amount,
            lines=[ReturnLine(order_line=line, quantity=line.quantity) for line in order.lines],
        )
        order.returns.append(request)
        order.refunds.append(
            Refund(
                return_request=request,
                amount=amount,
                method=order.payment_method,
                status=RefundStatus.ISSUED,
                issued_at=_at(self.today, refunded_days_ago, 11, 0),
            )
        )
        return request


def _contract_sku(title: str, color: str | None = None, size: str | None = None) -> str:
    """SKU of a contract product's variant (contract products are numbered first, from 1)."""
    index = next(i for i, product in enumerate(CONTRACT_PRODUCTS) if product.title == title)
    return _sku(index + 1, CONTRACT_PRODUCTS[index].brand, color, size)


def _seed_contract_orders(writer: _OrderWriter) -> tuple[Customer, Customer]:
    alex = Customer(name="Alex Morgan", email="alex@example.com", zip_code="94107")
    sam = Customer(name="Sam Lee", email="sam@example.com", zip_code="10001")
    writer.session.add_all([alex, sam])

    def alex_order(
        number: int, status: OrderStatus, days_ago: int, lines: Sequence[tuple[str, int]]
    ) -> Order:
        return writer.order(number, alex, ALEX_ADDRESS, ALEX_CARD, status, days_ago, lines)

    alex_order(
        10001,
        OrderStatus.PROCESSING,
        1,
        [(_contract_sku("Stridewell Tempo 3 Running Shoe", "navy", "10"), 1)],
    )

    order = alex_order(
        10002,
        OrderStatus.SHIPPED,
        4,
        [
            (_contract_sku("Sonique Pulse Wireless Headphones", "black"), 1),
            (_contract_sku("Voltra USB-C Charging Cable", "black"), 2),
        ],
    )
    writer.ship(order, "UPS", "1Z999AA10123456784", shipped_days_ago=2, transit_days=5)

    order = alex_order(
        10003,
        OrderStatus.DELIVERED,
        9,
        [
            (_contract_sku("Loomcraft Everyday Cotton T-Shirt", "white", "M"), 2),
            (_contract_sku("Kestrel Storm Rain Jacket", "olive", "M"), 1),
        ],
    )
    writer.ship(
        order, "UPS", "1Z999AA10123456791", shipped_days_ago=7, transit_days=2, delivered_days_ago=5
    )

    order = alex_order(
        10004,
        OrderStatus.DELIVERED,
        65,
        [(_contract_sku("BrewMaster Classic Ceramic Coffee Mug", "white"), 2)],
    )
    writer.ship(
        order,
        "USPS",
        "9400111899223100010004",
        shipped_days_ago=63,
        transit_days=3,
        delivered_days_ago=60,
    )

    order = alex_order(
        10005,
        OrderStatus.RETURNED,
        30,
        [(_contract_sku("Trailforge Ridge Hiking Boot", "brown", "9"), 1)],
    )
    writer.ship(
        order,
        "UPS",
        "1Z999AA10123456805",
        shipped_days_ago=28,
        transit_days=3,
        delivered_days_ago=25,
    )
    writer.refund_return(
        order, "RMA-10005-1", "Too small", requested_days_ago=20, refunded_days_ago=2
    )

    order = writer.order(
        10006,
        sam,
        SAM_ADDRESS,
        SAM_CARD,
        OrderStatus.SHIPPED,
        3,
        [(_contract_sku("Zenflow Align Yoga Mat", "purple"), 1)],
    )
    writer.ship(order, "FedEx", "612999AA10123456", shipped_days_ago=1, transit_days=3)
    return alex, sam


def _seed_generated_orders(
    writer: _OrderWriter, rng: random.Random, skus: Sequence[str], customer_count: int
) -> int:
    """Invent ``customer_count`` customers with 1-3 orders each; returns the number of orders."""
    number = FIRST_GENERATED_ORDER_NUMBER
    for index in range(customer_count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, region, postal_code = rng.choice(CITIES)
        customer = Customer(
            name=f"{first} {last}",
            email=f"{first}.{last}{index + 1}@example.net".lower(),
            zip_code=postal_code,
        )
        writer.session.add(customer)
        street = f"{rng.randint(10, 9999)} {rng.choice(STREETS)}"
        address = Address(
            name=customer.name, line1=street, city=city, region=region, postal_code=postal_code
        )
        card = f"{rng.choice(('Visa', 'Mastercard', 'Amex'))} ending {rng.randint(1000, 9999)}"
        for _ in range(rng.randint(1, 3)):
            status = rng.choices(list(OrderStatus), weights=(15, 20, 50, 7, 8))[0]
            lines = [(sku, rng.randint(1, 2)) for sku in rng.sample(skus, k=rng.randint(1, 3))]
            _seed_generated_order(writer, rng, str(number), customer, address, card, status, lines)
            number += 1
    return number - FIRST_GENERATED_ORDER_NUMBER


def _seed_generated_order(
    writer: _OrderWriter,
    rng: random.Random,
    number: str,
    customer: Customer,
    address: Address,
    card: str,
    status: OrderStatus,
    lines: Sequence[tuple[str, int]],
) -> None:
    """One order whose shipment, delivery and return dates fit its status."""
    if status in (OrderStatus.PROCESSING, OrderStatus.CANCELLED):
        writer.order(number, customer, address, card, status, rng.randint(0, 3), lines)
        return
    carrier, transit = rng.choice(CARRIERS), rng.randint(2, 5)
    if status is OrderStatus.SHIPPED:
        placed = rng.randint(2, 6)
        order = writer.order(number, customer, address, card, status, placed, lines)
        writer.ship(
            order, carrier, _tracking_number(rng, carrier), rng.randint(0, placed - 1), transit
        )
        return
    placed = rng.randint(10, 180)
    shipped = placed - rng.randint(1, 2)
    delivered = shipped - transit
    order = writer.order(number, customer, address, card, status, placed, lines)
    writer.ship(order, carrier, _tracking_number(rng, carrier), shipped, transit, delivered)
    if status is OrderStatus.RETURNED:
        requested = max(0, delivered - rng.randint(1, 10))
        refunded = max(0, requested - rng.randint(2, 7))
        writer.refund_return(
            order, f"RMA-{number}-1", rng.choice(RETURN_REASONS), requested, refunded
        )


def _catalog(generator: _CatalogGenerator, product_count: int) -> Iterator[ProductData]:
    yield from generator.contract_products()
    for index in range(max(0, product_count - len(CONTRACT_PRODUCTS))):
        yield generator.product(SUBCATEGORIES[index % len(SUBCATEGORIES)])


def _batches(items: Iterator[ProductData], size: int) -> Iterator[list[ProductData]]:
    batch: list[ProductData] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _ensure_empty(session: Session) -> None:
    products = session.execute(select(func.count()).select_from(Product)).scalar_one()
    customers = session.execute(select(func.count()).select_from(Customer)).scalar_one()
    if products or customers:
        raise DemoStoreNotEmpty(
            f"The database already holds {products} products and {customers} customers, so the "
            "demo store was not seeded (seeding only fills an empty database). Use a new database "
            "URL, or empty this one first: storage.migrations.downgrade(url, 'base'), then "
            "upgrade(url)."
        )


#: Products `make demo` seeds (benchmarks that use the demo catalog use the same number).
DEMO_PRODUCT_COUNT = 2400


def seed_demo_store(
    session: Session,
    today: date,
    seed: int = 7,
    product_count: int = DEMO_PRODUCT_COUNT,
    *,
    progress: bool = True,
) -> DemoStoreSummary:
    """Fill an empty, migrated database with the demo shop and commit.

    The contract customers, orders and products (docs/demo-data.md) come first; the rest
    of the catalog, ``product_count`` products in total spread evenly over all
    subcategories, and ~50 more customers with orders numbered from 20001 are generated
    from ``random.Random(seed)``; guest shoppers' views, cart additions and purchases
    (storage/demo_behaviour.py) give the recommender coherent behaviour to learn from.
    Raises :class:`DemoStoreNotEmpty` if the database already holds products or customers.
    """
    if product_count < len(CONTRACT_PRODUCTS):
        raise ValueError(
            f"product_count must be at least {len(CONTRACT_PRODUCTS)}, got {product_count}"
        )
    _ensure_empty(session)
    rng = random.Random(seed)
    generator = _CatalogGenerator(rng, today)
    categories = CategoryResolver(session)
    for sub in SUBCATEGORIES:
        categories.id_for(sub.path)
    skus: list[str] = []
    with tqdm(
        total=product_count, desc="Demo catalog", unit="product", disable=not progress
    ) as bar:
        for batch in _batches(_catalog(generator, product_count), 2000):
            upsert_products(session, batch, now=generator.now, categories=categories)
            skus.extend(variant.sku for item in batch for variant in item.variants)
            bar.update(len(batch))

    writer = _OrderWriter(session, today)
    with session.no_autoflush:  # one flush at the end instead of one per variant lookup
        _seed_contract_orders(writer)
        _seed_generated_orders(writer, rng, skus, GENERATED_CUSTOMER_COUNT)
    interactions = seed_demo_behaviour(session, today, seed)
    session.commit()

    def count(model: type) -> int:
        return session.execute(select(func.count()).select_from(model)).scalar_one()

    return DemoStoreSummary(
        products=count(Product),
        variants=count(ProductVariant),
        categories=len(categories.paths),
        customers=count(Customer),
        orders=count(Order),
        interactions=interactions,
    )
