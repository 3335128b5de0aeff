"""The recommender's API on a small synthetic shop whose right answers are known.

Runners buy a running shoe (products 1-4), then running socks (5-8); coffee lovers buy a
coffee maker (11-14), then a mug (15-18). Product 30 is a new running shoe nobody has
touched yet: only its embedding says what it is.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.recommender import (
    CorruptRecommenderError,
    IncompatibleRecommenderError,
    Interaction,
    InteractionKind,
    NotFittedError,
    ReasonKind,
    Recommender,
    RecommenderConfig,
    RecommenderDataError,
    RecommenderNotFound,
    SequentialConfig,
)

SHOES, SOCKS = [1, 2, 3, 4], [5, 6, 7, 8]
COFFEE_MAKERS, MUGS = [11, 12, 13, 14], [15, 16, 17, 18]
NEW_SHOE = 30
CATALOG = SHOES + SOCKS + COFFEE_MAKERS + MUGS + [NEW_SHOE]
NAMES = {p: f"Shoe {p}" for p in SHOES + [NEW_SHOE]} | {p: f"Socks {p}" for p in SOCKS}
NAMES |= {p: f"Coffee maker {p}" for p in COFFEE_MAKERS} | {p: f"Mug {p}" for p in MUGS}
SMALL = RecommenderConfig(
    sequential=SequentialConfig(
        hidden=16, blocks=1, heads=1, dropout=0.1, epochs=15, negatives=None
    ),
    als_factors=8,
    als_iterations=5,
)


def group_of(product: int) -> int:
    for number, group in enumerate((SHOES + [NEW_SHOE], SOCKS, COFFEE_MAKERS, MUGS)):
        if product in group:
            return number
    raise KeyError(product)


def embeddings() -> np.ndarray:
    """Each product near its group's direction (4 groups, 8 dimensions), with a little noise."""
    rng = np.random.default_rng(3)
    rows = []
    for product in CATALOG:
        vector = 0.1 * rng.normal(size=8)
        vector[group_of(product)] += 1.0
        rows.append(vector)
    return np.array(rows, dtype=np.float32)


def behaviour() -> list[Interaction]:
    rng = np.random.default_rng(5)
    events = []
    for shopper in range(240):
        first, second = (SHOES, SOCKS) if shopper % 2 == 0 else (COFFEE_MAKERS, MUGS)
        main = int(rng.choice(first))
        pair = second[first.index(main)] if rng.random() < 0.8 else int(rng.choice(second))
        name = f"s{shopper}"
        events += [
            Interaction(name, int(rng.choice(first)), InteractionKind.VIEW, 1.0),
            Interaction(name, main, InteractionKind.PURCHASE, 2.0, basket=f"o{shopper}"),
            Interaction(name, pair, InteractionKind.PURCHASE, 2.0, basket=f"o{shopper}"),
        ]
    return events


@pytest.fixture(scope="module")
def recommender() -> Recommender:
    model = Recommender(SMALL)
    model.fit(
        behaviour(), products=CATALOG, embeddings=embeddings(), product_names=NAMES, progress=False
    )
    return model


def ids(recommendations) -> list[int]:
    return [r.product_id for r in recommendations]


def test_bought_together_finds_the_paired_product_first(recommender: Recommender) -> None:
    together = recommender.bought_together(1, n=3)
    assert together[0].product_id == 5  # shoe 1 is mostly bought with socks 5
    assert set(ids(together)) <= set(SOCKS + SHOES)
    assert together[0].reason == "often bought with Shoe 1"
    assert together[0].reason_kind is ReasonKind.BOUGHT_WITH and together[0].basis == 1
    assert recommender.bought_together(NEW_SHOE) == []  # no history, no co-purchases


def test_recommend_after_a_shoe_suggests_socks_because_of_the_shoe(
    recommender: Recommender,
) -> None:
    history = [Interaction("me", 2, InteractionKind.PURCHASE)]
    suggestions = recommender.recommend(history, n=4)
    assert 2 not in ids(suggestions)
    assert suggestions[0].product_id == 6
    assert set(ids(suggestions)[:2]) <= set(SOCKS)
    assert suggestions[0].reason == "because you bought Shoe 2"
    coffee = recommender.recommend([13], n=2)  # plain ids count as viewed
    assert coffee[0].product_id == 17
    assert coffee[0].reason == "because you looked at Coffee maker 13"


def test_similar_items_are_of_the_same_kind(recommender: Recommender) -> None:
    similar = recommender.similar_items(12, n=3)
    assert set(ids(similar)) <= set(COFFEE_MAKERS)
    assert all(r.reason == "similar to Coffee maker 12" for r in similar)


def test_a_new_product_without_history_gets_content_recommendations(
    recommender: Recommender,
) -> None:
    similar = recommender.similar_items(NEW_SHOE, n=4)
    assert set(ids(similar)) == set(SHOES)
    suggestions = recommender.recommend([NEW_SHOE], n=3)
    assert set(ids(suggestions)) <= set(SHOES + SOCKS)
    assert any(
        r.reason == f"similar to Shoe {NEW_SHOE}" or r.basis == NEW_SHOE for r in suggestions
    )


def test_filters_as_a_set_or_a_test_decide_what_may_be_shown(recommender: Recommender) -> None:
    history = [Interaction("me", 2, InteractionKind.PURCHASE)]
    allowed = {7, 8, 15}
    assert set(ids(recommender.recommend(history, n=5, filters=allowed))) == allowed
    no_six = recommender.recommend(history, n=3, filters=lambda product: product != 6)
    assert 6 not in ids(no_six) and len(no_six) == 3
    assert recommender.bought_together(1, n=3, filters={16, 17}) == []  # never bought with shoe 1
    assert ids(recommender.similar_items(12, n=5, filters=set(MUGS) | {13}))[0] == 13


def test_without_history_the_best_sellers_come_back(recommender: Recommender) -> None:
    popular = recommender.recommend([], n=3)
    assert popular == recommender.best_sellers(n=3)
    assert all(r.reason_kind is ReasonKind.POPULAR for r in popular)
    assert NEW_SHOE not in ids(recommender.best_sellers(n=len(CATALOG) - 1))
    assert recommender.recommend([999], n=2) == recommender.best_sellers(n=2)  # unknown product


def test_save_and_load_give_the_same_answers(recommender: Recommender, tmp_path: Path) -> None:
    recommender.save(tmp_path / "rec")
    assert (tmp_path / "rec" / "sequential.safetensors").is_file()
    loaded = Recommender.load(tmp_path / "rec")
    history = [
        Interaction("me", 3, InteractionKind.PURCHASE),
        Interaction("me", 12, InteractionKind.VIEW),
    ]
    assert loaded.recommend(history, n=5) == recommender.recommend(history, n=5)
    assert loaded.similar_items(NEW_SHOE, n=3) == recommender.similar_items(NEW_SHOE, n=3)
    assert loaded.bought_together(11, n=3) == recommender.bought_together(11, n=3)
    assert loaded.config == recommender.config
    loaded.save(tmp_path / "again")
    assert Recommender.load(tmp_path / "again").recommend(history, n=5) == recommender.recommend(
        history, n=5
    )


def test_loading_reports_missing_and_damaged_models(
    tmp_path: Path, recommender: Recommender
) -> None:
    with pytest.raises(RecommenderNotFound, match="shopdesk recommender train"):
        Recommender.load(tmp_path / "nothing")
    recommender.save(tmp_path / "rec")
    (tmp_path / "rec" / "signals.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(CorruptRecommenderError, match="retrain"):
        Recommender.load(tmp_path / "rec")
    manifest = json.loads((tmp_path / "rec" / "manifest.json").read_text())
    manifest["format_version"] = 99
    (tmp_path / "rec" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IncompatibleRecommenderError, match="format version 99"):
        Recommender.load(tmp_path / "rec")


def test_misuse_is_reported_clearly() -> None:
    with pytest.raises(NotFittedError, match="fit"):
        Recommender().recommend([1])
    with pytest.raises(RecommenderDataError, match="one row per product"):
        Recommender(SMALL).fit(
            behaviour(), products=CATALOG, embeddings=np.zeros((3, 8)), progress=False
        )
    with pytest.raises(RecommenderDataError, match="at least one product"):
        Recommender(SMALL).fit([], progress=False)


def test_tuning_weights_on_validation_pairs_keeps_or_improves_the_score() -> None:
    model = Recommender(SMALL)
    model.fit(behaviour(), products=CATALOG, embeddings=embeddings(), progress=False)
    validation = [([shoe], sock) for shoe, sock in zip(SHOES, SOCKS, strict=True)] + [
        ([maker], mug) for maker, mug in zip(COFFEE_MAKERS, MUGS, strict=True)
    ]
    from models.recommender.evaluation import ndcg, ranks_in_batches

    cases = [(model.indices(h), model.index_of(t)) for h, t in validation]
    before = ndcg(ranks_in_batches(model.score_histories, cases), 10)
    weights = model.tune_weights(validation, rounds=1)
    after = ndcg(ranks_in_batches(model.score_histories, cases), 10)
    assert after >= before
    assert model.config.weights == weights
    assert model.metadata["tuned_validation_ndcg"] == pytest.approx(after)


def test_refreshing_the_quick_signals_learns_new_pairs_and_keeps_the_sequence_model() -> None:
    model = Recommender(SMALL)
    model.fit(
        behaviour(), products=CATALOG, embeddings=embeddings(), product_names=NAMES, progress=False
    )
    sequential = model.sequential
    fashion = [
        event
        for shopper in range(100)
        for event in (
            Interaction(f"n{shopper}", 1, InteractionKind.PURCHASE, 1.0, basket=f"b{shopper}"),
            Interaction(f"n{shopper}", 15, InteractionKind.PURCHASE, 1.0, basket=f"b{shopper}"),
        )
    ]
    model.refresh_signals(behaviour() + fashion)
    assert model.bought_together(1, n=1)[0].product_id == 15
    assert model.sequential is sequential
