"""Lookup tables generated from the catalog for the entity extractor."""

from rasa.shared.nlu.training_data.loading import load_data

from shopdesk.lookups import category_phrases, singular, write_lookup_file


def test_singular_forms():
    assert [singular(w) for w in ["shoes", "accessories", "watches", "dress", "glass"]] == [
        "shoe",
        "accessory",
        "watch",
        "dress",
        "glass",
    ]


def test_category_phrases_cover_segments_parts_and_singulars():
    phrases = category_phrases(["Shoes > Running Shoes", "Home & Kitchen > Cookware"])
    for phrase in [
        "running shoes",
        "running shoe",
        "shoes",
        "home & kitchen",
        "kitchen",
        "cookware",
    ]:
        assert phrase in phrases


def test_lookup_file_is_rasa_training_data(tmp_path):
    path = write_lookup_file(
        {"brand": ["Voltra", "Hearth & Home"], "color": ["blue"], "product_category": []},
        tmp_path / "l.yml",
    )
    data = load_data(str(path))
    tables = {table["name"]: table["elements"] for table in data.lookup_tables}
    assert tables == {"brand": ["Voltra", "Hearth & Home"], "color": ["blue"]}


def test_longest_phrases_come_first_so_the_regex_finds_them_whole():
    import re

    from rasa.nlu.utils.pattern_utils import _generate_lookup_regex

    from shopdesk.lookups import longest_first

    ordered = longest_first(["yoga", "mat", "yoga mat", "running shoes", "shoes"])
    assert ordered[:2] == ["running shoes", "yoga mat"]
    pattern = _generate_lookup_regex({"elements": ordered})
    assert [m.group() for m in re.finditer(pattern, "a yoga mat and running shoes")] == [
        "yoga mat",
        "running shoes",
    ]


def test_catalog_tables_leave_out_words_that_need_their_neighbour(tmp_path):
    from shopdesk.lookups import catalog_lookup_tables
    from storage.db import create_engine_for, session_factory
    from storage.migrations import upgrade
    from storage.schema import Category, Product

    url = f"sqlite:///{tmp_path / 'shop.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    with session_factory(engine)() as session:
        tech = Category(name="Phone Accessories", path="Electronics > Phone Accessories")
        session.add(tech)
        session.flush()
        for number, title in enumerate(
            [
                "Voltra Go Power Bank",
                "Voltra Max Power Bank",
                "Voltra Clip Phone Case",
                "Voltra Slim Phone Case",
            ]
        ):
            session.add(
                Product(handle=f"voltra-{number}", title=title, brand="Voltra", category_id=tech.id)
            )
        session.commit()
        categories = catalog_lookup_tables(session)["product_category"]
    engine.dispose()
    assert "power bank" in categories and "power banks" in categories
    assert "bank" not in categories and "case" not in categories
    assert categories.index("phone accessories") < categories.index("electronics")


def test_product_types_leave_out_qualifiers_and_pack_words() -> None:
    from shopdesk.lookups import product_type_phrases

    titles = [
        ("BrewMaster Leaf Teapot with Infuser", "BrewMaster", "Coffee & Tea"),
        ("BrewMaster Stone Teapot with Infuser", "BrewMaster", "Coffee & Tea"),
        ("Ridgeback Nova Bike Light Set", "Ridgeback", "Cycling"),
        ("Ridgeback Beam Bike Light Set", "Ridgeback", "Cycling"),
        ("Loomcraft Daily Crew Socks 3-Pack", "Loomcraft", "Socks"),
        ("Loomcraft Sport Crew Socks 3-Pack", "Loomcraft", "Socks"),
    ]
    phrases = product_type_phrases(titles)
    for wanted in ["teapot", "teapots", "bike light", "bike lights", "crew socks", "crew sock"]:
        assert wanted in phrases
    for unwanted in ["infuser", "teapot with infuser", "light", "lights"]:
        assert unwanted not in phrases
