"""Checks on the NLU training and test data in nlu_data/, read with Rasa's own loader."""

from __future__ import annotations

import re
import warnings
from collections import Counter
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.validation import YamlValidationException

NLU_DATA_DIR = Path(__file__).resolve().parents[2] / "nlu_data"
TRAIN_DIR = NLU_DATA_DIR / "train"
TEST_DIR = NLU_DATA_DIR / "test"

REQUIRED_INTENTS = {
    "greet",
    "goodbye",
    "thank_you",
    "affirm",
    "deny",
    "bot_challenge",
    "product_search",
    "product_question",
    "recommend",
    "why_this_product",
    "order_status",
    "cancel_order",
    "change_order",
    "change_shipping_address",
    "return_item",
    "refund_status",
    "shipping_info",
    "return_policy",
    "payment_methods",
    "payment_issue",
    "invoice",
    "account_help",
    "contact_info",
    "newsletter",
    "complaint",
    "feedback",
    "human_handoff",
    "inform",
    "stop",
    "out_of_scope",
}
ENTITY_TYPES = {
    "product_category",
    "brand",
    "color",
    "size",
    "price_min",
    "price_max",
    "order_number",
    "email",
    "zipcode",
    "usual_size",
}
PRODUCT_INTENTS = ("product_search", "product_question", "recommend")

MIN_TRAIN_EXAMPLES = 30
MIN_TEST_EXAMPLES = 10

# Conventions from nlu_data/README.md for the value an annotated entity resolves to.
APPAREL_SIZES = {"XS", "S", "M", "L", "XL", "XXL", "S/M", "L/XL"}
SHOE_SIZE = re.compile(r"^(?:[6-9]|1[0-3])(?:\.5)?$")
PRICE = re.compile(r"^\$?\d+(?:\.\d{2})?$")
FIVE_DIGITS = re.compile(r"^\d{5}$")
EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
COLORS = {
    "black",
    "white",
    "gray",
    "navy",
    "blue",
    "red",
    "green",
    "olive",
    "beige",
    "brown",
    "pink",
    "purple",
    "yellow",
    "orange",
    "silver",
    "gold",
}
BRANDS = {
    "Loomcraft",
    "Urban Thread",
    "Kestrel",
    "Everyday Basics",
    "Stridewell",
    "Trailforge",
    "Pacer",
    "Voltra",
    "Sonique",
    "Lumio",
    "Ampere",
    "Hearth & Home",
    "BrewMaster",
    "Copperline",
    "Nestwell",
    "Glow Theory",
    "Pure Petal",
    "Lumen Skin",
    "Summit Gear",
    "Zenflow",
    "Ridgeback",
    "BrickWorks",
    "Playful Minds",
    "Tiny Tales",
    "Lantern Press",
    "Oakleaf Books",
    "Maple Street Press",
}


def _load_without_rasa_warnings(path: Path) -> TrainingData:
    """Load with Rasa's reader and fail on any warning Rasa raises about the data."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = load_data(str(path))
    problems = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert not problems, f"Rasa warned while reading {path}: {problems}"
    return data


@pytest.fixture(scope="module")
def train() -> TrainingData:
    return _load_without_rasa_warnings(TRAIN_DIR)


@pytest.fixture(scope="module")
def test_set() -> TrainingData:
    return _load_without_rasa_warnings(TEST_DIR)


def _intent_counts(data: TrainingData) -> Counter:
    return Counter(m.get("intent") for m in data.intent_examples)


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def _template(message: Message) -> str:
    """The example with every annotated entity replaced by its type and punctuation dropped.

    Two examples with the same template differ only in their entity values.
    """
    text = message.get("text")
    for entity in sorted(message.get("entities", []), key=lambda e: -e["start"]):
        text = f"{text[: entity['start']]}<{entity['entity']}>{text[entity['end'] :]}"
    return " ".join(re.sub(r"[^\w<> ]", " ", text.lower()).split())


def _entities(data: TrainingData) -> list[dict]:
    return [e for m in data.intent_examples for e in m.get("entities", [])]


def test_every_yaml_file_passes_the_rasa_schema() -> None:
    files = sorted(TRAIN_DIR.glob("*.yml")) + sorted(TEST_DIR.glob("*.yml"))
    assert files, f"no NLU YAML files found under {NLU_DATA_DIR}"
    for path in files:
        assert _load_without_rasa_warnings(path).intent_examples, f"{path} has no examples"


def test_rasa_loader_rejects_a_schema_violation(tmp_path: Path) -> None:
    """The schema check above is real: a list instead of a block string is refused."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples:\n  - hi\n  - hello\n',
        encoding="utf-8",
    )
    with pytest.raises(YamlValidationException):
        load_data(str(broken))


def test_train_covers_every_intent_with_enough_examples(train: TrainingData) -> None:
    counts = _intent_counts(train)
    missing = REQUIRED_INTENTS - counts.keys()
    assert not missing, f"intents missing from training data: {sorted(missing)}"
    thin = {i: counts[i] for i in REQUIRED_INTENTS if counts[i] < MIN_TRAIN_EXAMPLES}
    assert not thin, f"intents with fewer than {MIN_TRAIN_EXAMPLES} training examples: {thin}"


def test_test_set_covers_every_intent_with_enough_examples(test_set: TrainingData) -> None:
    counts = _intent_counts(test_set)
    missing = REQUIRED_INTENTS - counts.keys()
    assert not missing, f"intents missing from the test set: {sorted(missing)}"
    thin = {i: counts[i] for i in REQUIRED_INTENTS if counts[i] < MIN_TEST_EXAMPLES}
    assert not thin, f"intents with fewer than {MIN_TEST_EXAMPLES} test examples: {thin}"


@pytest.mark.parametrize("split", ["train", "test_set"])
def test_no_unexpected_intents(split: str, request: pytest.FixtureRequest) -> None:
    extra = set(_intent_counts(request.getfixturevalue(split))) - REQUIRED_INTENTS
    assert not extra, f"intents not in the agreed list (typo?): {sorted(extra)}"


@pytest.mark.parametrize("split", ["train", "test_set"])
def test_no_duplicate_or_conflicting_examples(split: str, request: pytest.FixtureRequest) -> None:
    data = request.getfixturevalue(split)
    counts = Counter(_normalised(m.get("text")) for m in data.intent_examples)
    duplicates = sorted(text for text, n in counts.items() if n > 1)
    assert not duplicates, f"examples listed more than once: {duplicates}"


def test_train_and_test_share_no_text(train: TrainingData, test_set: TrainingData) -> None:
    train_texts = {_normalised(m.get("text")) for m in train.intent_examples}
    shared = sorted(
        m.get("text") for m in test_set.intent_examples if _normalised(m.get("text")) in train_texts
    )
    assert not shared, f"test examples that also appear in training: {shared}"


def test_test_examples_are_not_training_examples_with_other_values(
    train: TrainingData, test_set: TrainingData
) -> None:
    train_templates = {_template(m) for m in train.intent_examples}
    reworded_values_only = sorted(
        m.get("text") for m in test_set.intent_examples if _template(m) in train_templates
    )
    assert not reworded_values_only, (
        f"test examples that only change an entity value of a training example: "
        f"{reworded_values_only}"
    )


@pytest.mark.parametrize("split", ["train", "test_set"])
def test_every_entity_type_is_annotated(split: str, request: pytest.FixtureRequest) -> None:
    found = {e["entity"] for e in _entities(request.getfixturevalue(split))}
    assert ENTITY_TYPES - found == set(), f"entity types never annotated: {ENTITY_TYPES - found}"
    assert found - ENTITY_TYPES == set(), f"unknown entity types: {found - ENTITY_TYPES}"


@pytest.mark.parametrize("split", ["train", "test_set"])
def test_entity_values_follow_the_conventions(split: str, request: pytest.FixtureRequest) -> None:
    checks = {
        "size": lambda v: v in APPAREL_SIZES or bool(SHOE_SIZE.match(v)),
        "price_min": lambda v: bool(PRICE.match(v)),
        "price_max": lambda v: bool(PRICE.match(v)),
        "order_number": lambda v: bool(FIVE_DIGITS.match(v)),
        "zipcode": lambda v: bool(FIVE_DIGITS.match(v)),
        "email": lambda v: bool(EMAIL.match(v)),
        "color": lambda v: v in COLORS,
        "brand": lambda v: v in BRANDS,
    }
    bad = [
        (e["entity"], e["value"])
        for e in _entities(request.getfixturevalue(split))
        if e["entity"] in checks and not checks[e["entity"]](e["value"])
    ]
    assert not bad, f"entity values breaking the README conventions: {bad}"


@pytest.mark.parametrize("split", ["train", "test_set"])
def test_product_intents_carry_entities(split: str, request: pytest.FixtureRequest) -> None:
    data = request.getfixturevalue(split)
    for intent in PRODUCT_INTENTS:
        examples = [m for m in data.intent_examples if m.get("intent") == intent]
        annotated = sum(1 for m in examples if m.get("entities"))
        assert annotated * 3 >= len(examples), (
            f"only {annotated} of {len(examples)} {intent} examples carry entities; "
            "at least a third should"
        )


def test_readme_counts_match_the_data(train: TrainingData, test_set: TrainingData) -> None:
    readme = (NLU_DATA_DIR / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| (\d+) \| (\d+) \|$", readme, flags=re.MULTILINE)
    documented = {name: (int(n_train), int(n_test)) for name, n_train, n_test in rows}
    train_counts, test_counts = _intent_counts(train), _intent_counts(test_set)
    actual = {i: (train_counts[i], test_counts[i]) for i in REQUIRED_INTENTS}
    stale = {
        i: {"README": documented.get(i), "data": actual[i]}
        for i in REQUIRED_INTENTS
        if documented.get(i) != actual[i]
    }
    assert not stale, f"update the counts table in nlu_data/README.md: {stale}"
