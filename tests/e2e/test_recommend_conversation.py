"""A shopper asks for recommendations over the real REST channel."""

from storage.catalog import iter_product_records


def records_of(bot, products):
    with bot.session() as session:
        return {
            r.product_id: r
            for r in iter_product_records(session, product_ids=[p["id"] for p in products])
        }


def test_what_goes_with_the_shoes_just_shown_then_something_cheaper(bot):
    shown = bot.payload(bot.say("e2e-recommend", "show me running shoes"), "product_list")[
        "products"
    ]
    assert shown
    replies = bot.say("e2e-recommend", "what goes with these shoes?")
    suggested = bot.payload(replies, "product_list")["products"]
    assert suggested, replies
    assert all(p["in_stock"] and p["id"] != shown[0]["id"] and p["reason"] for p in suggested)
    text = "\n".join(r.get("text", "") for r in replies)
    assert all(p["title"] in text and p["reason"] in text for p in suggested)

    focused = bot.slots("e2e-recommend")["focused_product"]
    anchor = records_of(bot, [{"id": int(focused)}])[int(focused)]
    cheaper = bot.payload(
        bot.say("e2e-recommend", "something like this but cheaper"), "product_list"
    )["products"]
    assert cheaper
    records = records_of(bot, cheaper)
    assert all(
        records[p["id"]].price < anchor.price and records[p["id"]].stock > 0 for p in cheaper
    )
    assert all(p["reason"] == f"similar to {anchor.title}" for p in cheaper)


def test_best_sellers_of_a_category(bot):
    replies = bot.say("e2e-best", "what are your best sellers in electronics?")
    products = bot.payload(replies, "product_list")["products"]
    assert products, replies
    records = records_of(bot, products)
    assert all(
        records[p["id"]].category.startswith("Electronics") and records[p["id"]].stock > 0
        for p in products
    )
