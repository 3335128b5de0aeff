"""Shoppers search for products and ask about them over the real REST channel."""

from collections import Counter

from sqlalchemy import select

from storage.catalog import iter_product_records
from storage.schema import Product


def test_running_shoes_under_100_returns_only_running_shoes_at_most_100(bot):
    replies = bot.say("e2e-shoes", "do you have running shoes under $100?")
    products = bot.payload(replies, "product_list")["products"]
    assert products, replies
    with bot.session() as session:
        records = {
            r.product_id: r
            for r in iter_product_records(session, product_ids=[p["id"] for p in products])
        }
    for product in products:
        record = records[product["id"]]
        assert record.price <= 100
        assert "Running Shoes" in record.category
        assert record.title in "\n".join(r.get("text", "") for r in replies)


def test_something_for_my_kitchen_returns_kitchen_products(bot):
    products = bot.payload(bot.say("e2e-kitchen", "something for my kitchen"), "product_list")[
        "products"
    ]
    assert products
    assert all("Kitchen" in p["category"] for p in products), [p["category"] for p in products]


def test_shopper_asks_about_the_first_product_shown(bot):
    products = bot.payload(bot.say("e2e-question", "show me hoodies"), "product_list")["products"]
    first = products[0]
    answer = bot.text("e2e-question", "what sizes does the first one come in?")
    with bot.session() as session:
        product = session.execute(select(Product).where(Product.id == first["id"])).scalar_one()
        sizes = sorted({v.size for v in product.variants if v.size})
    assert product.title in answer
    assert all(size in answer for size in sizes), (answer, sizes)


def test_nothing_matches_says_which_filter_to_relax(bot):
    answer = bot.text("e2e-nothing", "do you have running shoes under $2?")
    assert "price limit" in answer


def test_greeting_gets_the_greeting(bot):
    assert "shop assistant" in bot.text("e2e-greet", "hello there")


def test_malformed_and_oversized_webhooks_get_clear_errors_and_the_bot_keeps_working(bot):
    status, body = bot.post("/webhooks/rest/webhook", b"{broken", raw=True)
    assert status == 400 and "not valid JSON" in body["error"]
    status, body = bot.post(
        "/webhooks/rest/webhook", {"sender": "e2e-big", "message": "x" * 1_000_000}
    )
    assert status == 413 and "characters" in body["error"]
    assert bot.payload(bot.say("e2e-big", "show me headphones"), "product_list")["products"]


def test_http_api_needs_the_token(bot):
    status, _ = bot.get("/status")
    assert status == 401
    status, body = bot.get(f"/status?token={bot.token}")
    assert status == 200 and body["model_file"]


def test_shopper_refines_the_search_cheaper_in_a_colour_then_more(bot):
    sender = "e2e-refine"
    first = bot.payload(bot.say(sender, "show me running shoes"), "product_list")["products"]
    assert first
    upper_median = sorted(p["price"] for p in first)[len(first) // 2]

    cheaper = bot.payload(bot.say(sender, "anything cheaper?"), "product_list")["products"]
    assert cheaper and all(p["price"] < upper_median for p in cheaper), (first, cheaper)
    price_max = bot.slots(sender)["last_search"]["filters"]["price_max"]

    # The colour most of the cheaper running shoes in the catalog come in.
    with bot.session() as session:
        affordable = [
            r
            for r in iter_product_records(session)
            if r.category and "Running Shoes" in r.category and r.price <= price_max
        ]
    colour = Counter(c.lower() for r in affordable for c in r.colors).most_common(1)[0][0]
    replies = bot.say(sender, f"do you have them in {colour}?")
    coloured = bot.payload(replies, "product_list").get("products")
    assert coloured, (colour, replies)
    records = {r.product_id: r for r in affordable}
    for product in coloured:
        assert product["id"] in records, "left the category or the price limit"
        assert colour in {c.lower() for c in records[product["id"]].colors}
    assert bot.slots(sender)["last_search"]["filters"]["color"] == colour

    replies = bot.say(sender, "show more")
    cards = [r["custom"] for r in replies if (r.get("custom") or {}).get("type") == "product_list"]
    if cards:
        more = cards[0]["products"]
        assert more and not {p["id"] for p in more} & {p["id"] for p in coloured}, (
            "show more repeated products"
        )
        assert cards[0]["offset"] == len(coloured)
    else:
        assert "That's everything I have" in " ".join(r.get("text", "") for r in replies), replies


def test_misspelled_and_vague_requests_still_find_products(bot):
    misspelled = bot.payload(bot.say("e2e-typo", "do you have runing shoes?"), "product_list")[
        "products"
    ]
    vague = bot.payload(bot.say("e2e-vague", "something to keep my coffee hot"), "product_list")[
        "products"
    ]
    with bot.session() as session:
        typo_categories = {
            r.product_id: r.category
            for r in iter_product_records(session, product_ids=[p["id"] for p in misspelled])
        }
        vague_titles = [
            r.title.lower()
            for r in iter_product_records(session, product_ids=[p["id"] for p in vague])
        ]
    assert misspelled and all("Running Shoes" in typo_categories[p["id"]] for p in misspelled[:3])
    assert vague and any(
        word in title
        for title in vague_titles[:3]
        for word in ("mug", "thermos", "bottle", "tumbler", "flask")
    ), vague_titles
