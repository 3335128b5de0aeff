"""Lookup tables generated from the catalog for the entity extractor."""

from rasa.shared.nlu.training_data.loading import load_data

from shopdesk.lookups import category_phrases, singular, write_lookup_file


def test_singular_forms():
    assert [singular(w) for w in ["shoes", "accessories", "watches", "dress", "glass"]] == [
        "shoe", "accessory", "watch", "dress", "glass",
    ]


def test_category_phrases_cover_segments_parts_and_singulars():
    phrases = category_phrases(["Shoes > Running Shoes", "Home & Kitchen > Cookware"])
    for phrase in ["running shoes", "running shoe", "shoes", "home & kitchen", "kitchen", "cookware"]:
        assert phrase in phrases


def test_lookup_file_is_rasa_training_data(tmp_path):
    path = write_lookup_file(
        {"brand": ["Voltra", "Hearth & Home"], "color": ["blue"], "product_category": []}, tmp_path / "l.yml"
    )
    data = load_data(str(path))
    tables = {table["name"]: table["elements"] for table in data.lookup_tables}
    assert tables == {"brand": ["Voltra", "Hearth & Home"], "color": ["blue"]}
