"""How products are shown to shoppers: one line of text and a card payload for widgets."""

from __future__ import annotations

from typing import Any

from retrieval.product_index import SearchFilters
from storage.catalog import ProductRecord

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}


def format_price(amount: float, currency: str) -> str:
    """``12.5, "USD"`` -> ``"$12.50"``; unknown currencies keep their code."""
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency.upper()}"


def stock_phrase(record: ProductRecord) -> str:
    """ "in stock", "only 3 left" or "out of stock"."""
    if record.stock <= 0:
        return "out of stock"
    if record.stock <= 5:
        return f"only {record.stock} left"
    return "in stock"


def product_line(record: ProductRecord, url: str) -> str:
    """One line per product: name, price, stock and link."""
    price = format_price(record.price, record.currency)
    return f"{record.title} — {price}, {stock_phrase(record)} — {url}"


def product_card(record: ProductRecord, url: str) -> dict[str, Any]:
    """The structured form of a product, for widgets that render cards."""
    return {
        "id": record.product_id,
        "title": record.title,
        "brand": record.brand,
        "category": record.category,
        "price": round(record.price, 2),
        "currency": record.currency,
        "price_text": format_price(record.price, record.currency),
        "in_stock": record.stock > 0,
        "stock": record.stock,
        "colors": list(record.colors),
        "sizes": list(record.sizes),
        "rating": record.rating,
        "url": url,
        "image_url": record.image_url,
    }


def describe_filters(filters: SearchFilters) -> str:
    """Filters in words: "blue running shoes in size 10 under $100"."""
    words = []
    if filters.color:
        words.append(filters.color.lower())
    if filters.brand:
        words.append(filters.brand)
    words.append(filters.category.lower() if filters.category else ("products" if words else ""))
    phrase = " ".join(w for w in words if w)
    if filters.size:
        phrase += f" in size {filters.size}"
    if filters.price_min is not None and filters.price_max is not None:
        phrase += f" between ${filters.price_min:,.0f} and ${filters.price_max:,.0f}"
    elif filters.price_max is not None:
        phrase += f" under ${filters.price_max:,.0f}"
    elif filters.price_min is not None:
        phrase += f" over ${filters.price_min:,.0f}"
    return phrase.strip()
