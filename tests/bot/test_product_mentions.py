"""The entity extractors of bot/config.yml on lookup tables generated from a small catalog.

Real components: Rasa's RegexEntityExtractor with the bot's settings, ProductMentionExtractor
(trained, persisted and loaded back) and ShopAttributeExtractor, in the pipeline's order.
"""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bot.components.product_mentions import ProductMentionExtractor
from bot.components.shop_attribute_extractor import ShopAttributeExtractor
from shopdesk.bench.nlu.data import BOT_CONFIG, bot_pipeline
from shopdesk.lookups import catalog_lookup_tables, write_lookup_file
from storage.db import create_engine_for, session_factory
from storage.migrations import upgrade
from storage.schema import Category, Product

#: (category path, brand, product titles) of the test catalog.
CATALOG = [
    ("Shoes > Sneakers", "Pacer", ["Pacer Aero Canvas Sneaker", "Pacer Loop Leather Sneaker"]),
    (
        "Shoes > Hiking Boots",
        "Trailforge",
        ["Trailforge Ridge Hiking Boot", "Trailforge Crag Boot"],
    ),
    (
        "Apparel > Jeans & Pants",
        "Loomcraft",
        ["Loomcraft Metro Chino Pants", "Loomcraft Flex Slim Jeans"],
    ),
    (
        "Apparel > Jackets & Coats",
        "Kestrel",
        ["Kestrel Storm Rain Jacket", "Kestrel Gale Rain Jacket"],
    ),
    ("Home & Kitchen > Coffee & Tea", "BrewMaster", ["BrewMaster Leaf Teapot with Infuser"]),
    (
        "Sports & Outdoors > Cycling",
        "Ridgeback",
        ["Ridgeback Nova Bike Light Set", "Ridgeback Beam Bike Light Set"],
    ),
    ("Sports & Outdoors > Yoga & Fitness", "Zenflow", ["Zenflow Align Yoga Mat"]),
]
#: One annotated example: RegexEntityExtractor only uses tables of annotated entity types.
TRAINING = """version: "3.1"
nlu:
- intent: product_search
  examples: |
    - [blue](color) [boots](product_category) by [Pacer](brand)
"""


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


@pytest.fixture(scope="module")
def training_files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The lookup file `shopdesk train` would write for the test catalog, and one example."""
    folder = tmp_path_factory.mktemp("catalog")
    url = f"sqlite:///{folder / 'shop.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    with session_factory(engine)() as session:
        for path, brand, titles in CATALOG:
            node = Category(name=path.split(" > ")[-1], path=path)
            session.add(node)
            session.flush()
            for title in titles:
                handle = title.lower().replace(" ", "-")
                session.add(Product(handle=handle, title=title, brand=brand, category_id=node.id))
        session.commit()
        tables = catalog_lookup_tables(session)
    engine.dispose()
    examples = folder / "nlu.yml"
    examples.write_text(TRAINING, encoding="utf-8")
    return [str(write_lookup_file(tables, folder / "lookups.yml")), str(examples)]


@pytest.fixture(scope="module")
def extract(training_files: list[str], tmp_path_factory: pytest.TempPathFactory):
    """Train the pipeline's extractors, load ProductMentionExtractor back from its storage,
    and return a function giving (type, phrase, value) of each entity found in a text."""
    data = load_data(training_files[0]).merge(load_data(training_files[1]))
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    settings = next(
        {k: v for k, v in entry.items() if k != "name"}
        for entry in bot_pipeline(BOT_CONFIG)
        if entry.get("name") == "RegexEntityExtractor"
    )
    regex = RegexEntityExtractor.create(
        {**RegexEntityExtractor.get_default_config(), **settings},
        storage,
        Resource("regex"),
        context(),
    )
    regex.train(data)
    resource = Resource("mentions")
    ProductMentionExtractor.create({}, storage, resource, context()).train(data)
    mentions = ProductMentionExtractor.load({}, storage, resource, context())
    attributes = ShopAttributeExtractor.create({}, storage, Resource("attributes"), context())

    def run(text: str) -> list[tuple[str, str, str]]:
        [message] = attributes.process(mentions.process(regex.process([Message({"text": text})])))
        return sorted(
            (e["entity"], text[e["start"] : e["end"]], str(e["value"]))
            for e in message.get("entities", [])
        )

    return run


def test_the_pipeline_runs_the_mention_extractor_after_the_lookup_tables() -> None:
    names = [entry["name"] for entry in bot_pipeline(BOT_CONFIG)]
    regex = names.index("RegexEntityExtractor")
    assert names[regex + 1] == "bot.components.product_mentions.ProductMentionExtractor"


def test_a_shopper_asking_for_sneakers_under_a_price_gets_category_and_bound(extract) -> None:
    assert extract("any sneakers under $80?") == [
        ("price_max", "$80", "80"),
        ("product_category", "sneakers", "sneakers"),
    ]


def test_everyday_words_find_the_catalogs_category(extract) -> None:
    assert extract("got any trousers?") == [("product_category", "trousers", "pants")]
    assert extract("i need new trainers") == [("product_category", "trainers", "sneakers")]


def test_compounds_the_catalog_does_not_list_are_found_whole(extract) -> None:
    assert extract("got yoga pants?") == [("product_category", "yoga pants", "yoga pants")]
    assert extract("where are the Trailforge rain boots") == [
        ("brand", "Trailforge", "Trailforge"),
        ("product_category", "rain boots", "rain boots"),
    ]


def test_types_are_read_from_titles_without_their_qualifier_or_pack_word(extract) -> None:
    assert extract("does the teapot have an infuser") == [("product_category", "teapot", "teapot")]
    assert extract("bike lights please") == [("product_category", "bike lights", "bike lights")]
    assert extract("is it light enough") == []


def test_messages_without_products_get_no_category(extract) -> None:
    assert extract("where is my order 10001") == [("order_number", "10001", "10001")]
