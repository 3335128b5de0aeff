"""The recommender: one object that learns from behaviour and answers the shop's three questions.

* :meth:`Recommender.recommend` — what next for this shopper (their items in time order),
* :meth:`Recommender.similar_items` — what is like this product,
* :meth:`Recommender.bought_together` — what goes with this product,

each answer carrying its reason. Signals, blended after scaling each to zero mean and unit
variance over all items (so their weights are comparable):

* ``sequential``: a SASRec-style self-attention model of what comes next (PyTorch),
* ``transitions``: item-to-item co-occurrence within a few steps of shoppers' histories,
* ``purchases``: bought by the same shopper,
* ``factorization``: ALS matrix factorization of shopper x item (``implicit``),
* ``content``: cosine similarity of product embeddings (covers products nobody touched yet),
* ``popularity``: the last resort.
"""

from __future__ import annotations

import enum
import json
import logging
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from models.recommender.content import content_scores, normalise_rows
from models.recommender.cooccurrence import history_scores, purchase_matrix, transition_matrix
from models.recommender.data import (
    KIND_WEIGHTS,
    Interaction,
    InteractionKind,
    RecommenderDataError,
    ShopperHistories,
    group_histories,
)
from models.recommender.evaluation import Case, ndcg, ranks_in_batches, target_ranks
from models.recommender.factorization import (
    fit_item_factors,
    fold_in,
    regularised_gram,
    shopper_item_matrix,
)
from models.recommender.sequential import SequentialConfig, SequentialModel, train_sequential
from models.torch_threads import check_thread_count, torch_threads
from storage.artefacts import (
    ArtefactKind,
    ArtefactNotFoundError,
    CorruptArtefactError,
    IncompatibleArtefactError,
)
from storage.errors import ShopdeskError

logger = logging.getLogger(__name__)

#: Version of the on-disk layout written by :meth:`Recommender.save` (2: manifest.json).
FORMAT_VERSION = 2
CONFIG_FILE = "recommender.json"
ARRAYS_FILE = "signals.safetensors"
SEQUENTIAL_FILE = "sequential.safetensors"

#: Weight of "viewed together" next to content similarity in :meth:`Recommender.similar_items`:
#: small, because shoppers also view what goes *with* a product, not only what is like it.
SIMILAR_VIEWED_WEIGHT = 0.2
#: Validation cases the sequential model's early stopping looks at (a seeded sample when there
#: are more).
VALIDATION_CASES = 5000

#: What :meth:`Recommender.recommend` accepts as filters: a test per product id, or the allowed ids.
ProductFilter = Callable[[int], bool] | Collection[int] | None
#: A shopper's history: product ids (taken as viewed) or interactions, oldest first.
History = Sequence[int | Interaction]


class RecommenderError(ShopdeskError):
    """Base class of recommender errors."""


class NotFittedError(RecommenderError):
    """The recommender was asked for recommendations before :meth:`Recommender.fit`."""


class RecommenderNotFound(RecommenderError, ArtefactNotFoundError):
    """No saved recommender in the given directory."""


class CorruptRecommenderError(RecommenderError, CorruptArtefactError):
    """A saved recommender whose files are unreadable or disagree with each other."""


class IncompatibleRecommenderError(RecommenderError, IncompatibleArtefactError):
    """The directory holds a recommender of another format version, or something else."""


#: The saved recommender in the persistence contract of :mod:`storage.artefacts`.
ARTEFACT = ArtefactKind(
    name="recommender",
    label="recommender",
    format_version=FORMAT_VERSION,
    fix="retrain it with `shopdesk recommender train`",
    not_found=RecommenderNotFound,
    incompatible=IncompatibleRecommenderError,
    corrupt=CorruptRecommenderError,
)


class ReasonKind(str, enum.Enum):
    """Why a product is recommended."""

    BECAUSE_YOU = "because_you"
    BOUGHT_WITH = "bought_with"
    SIMILAR_TO = "similar_to"
    POPULAR = "popular"


_VERBS = {
    InteractionKind.PURCHASE: "bought",
    InteractionKind.CART: "put in your cart",
    InteractionKind.VIEW: "looked at",
    InteractionKind.CLICK: "looked at",
    InteractionKind.SHOWN: "saw",
}


@dataclass(frozen=True)
class Recommendation:
    """A recommended product, its blended score and why it is recommended.

    ``reason`` is the sentence fragment to show ("because you bought Trail Shoe X");
    ``basis`` is the product it refers to, if any.
    """

    product_id: int
    score: float
    reason: str
    reason_kind: ReasonKind
    basis: int | None = None
    #: Each signal's weighted, standardised share of ``score`` (``recommend`` only), for staff.
    signals: Mapping[str, float] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class EnsembleWeights:
    """Weight of each standardised signal in the blend (0 switches a signal off)."""

    sequential: float = 1.0
    transitions: float = 0.5
    purchases: float = 0.1
    factorization: float = 0.2
    content: float = 0.2
    popularity: float = 0.05

    def as_dict(self) -> dict[str, float]:
        """The weights by signal name."""
        return asdict(self)


@dataclass(frozen=True)
class RecommenderConfig:
    """What to learn and how.

    Every field has a default that works for a shop of thousands of products.
    """

    sequential: SequentialConfig = field(default_factory=SequentialConfig)
    weights: EnsembleWeights = field(default_factory=EnsembleWeights)
    #: Train the sequential model (the slowest part; off for tiny shops or quick retrains).
    use_sequential: bool = True
    use_factorization: bool = True
    #: Pairs up to this many steps apart in a history count as transitions.
    transition_window: int = 3
    #: A pair ``d`` steps apart counts ``transition_decay ** (d - 1)``.
    transition_decay: float = 0.6
    #: The item ``k`` steps before the latest counts ``history_recency ** k`` in a history's scores.
    history_recency: float = 0.7
    als_factors: int = 64
    als_regularization: float = 0.1
    als_iterations: int = 15
    als_alpha: float = 2.0
    seed: int = 7

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecommenderConfig:
        """Inverse of :meth:`to_dict` (unknown keys are an error, missing ones take defaults)."""
        values = dict(data)
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise RecommenderDataError(f"Unknown recommender config fields: {sorted(unknown)}")
        if "sequential" in values:
            values["sequential"] = SequentialConfig(**values["sequential"])
        if "weights" in values:
            values["weights"] = EnsembleWeights(**values["weights"])
        return cls(**values)


@dataclass(frozen=True)
class FitReport:
    """What :meth:`Recommender.fit` learned from."""

    products: int
    shoppers: int
    interactions: int
    products_with_history: int
    seconds: float


def standardise(scores: np.ndarray) -> np.ndarray:
    """Each row to zero mean and unit variance (constant rows become 0)."""
    mean = scores.mean(axis=1, keepdims=True)
    std = scores.std(axis=1, keepdims=True)
    return (scores - mean) / np.where(std > 0, std, 1.0)


class Recommender:
    """Recommendations from behaviour, content and popularity; see the module docstring."""

    def __init__(self, config: RecommenderConfig | None = None) -> None:
        self.config = config or RecommenderConfig()
        self.product_ids = np.zeros(0, dtype=np.int64)
        self._index_of: dict[int, int] = {}
        self.product_names: dict[int, str] = {}
        self.popularity = np.zeros(0, dtype=np.float32)
        self.transitions: sparse.csr_matrix | None = None
        self.purchases: sparse.csr_matrix | None = None
        self.item_factors: np.ndarray | None = None
        self.embeddings: np.ndarray | None = None
        self.sequential: SequentialModel | None = None
        self.metadata: dict[str, Any] = {}
        #: (item_factors, their regularised gram): the fold-in's fixed part, kept per factor matrix.
        self._gram_cache: tuple[np.ndarray, np.ndarray] | None = None

    # ----------------------------------------------------------------- learning

    @property
    def is_fitted(self) -> bool:
        """True once :meth:`fit` or :meth:`load` has run."""
        return self.product_ids.size > 0

    def __len__(self) -> int:
        return int(self.product_ids.size)

    def __contains__(self, product_id: object) -> bool:
        return product_id in self._index_of

    def fit(
        self,
        interactions: Iterable[Interaction],
        *,
        products: Sequence[int] | None = None,
        embeddings: np.ndarray | None = None,
        product_names: Mapping[int, str] | None = None,
        validation: Sequence[tuple[Sequence[int], int]] | None = None,
        metadata: Mapping[str, Any] | None = None,
        threads: int | None = None,
        progress: bool = True,
    ) -> FitReport:
        """Learn every signal from ``interactions``.

        ``products`` is the catalog (product ids; default: the products in ``interactions``)
        and ``embeddings`` one row per product in that order, so products without history
        still get content recommendations. ``validation`` pairs (history of product ids, the
        product that came next) select the sequential model's best epoch. ``metadata`` is
        saved along (e.g. a fingerprint of the data it was trained on). ``threads`` limits
        PyTorch's threads while training (on a busy machine 1 thread is often fastest); see
        :mod:`models.torch_threads` (None leaves PyTorch's setting, 0 is refused).
        """
        check_thread_count(threads)
        started = time.monotonic()
        events = list(interactions)
        catalog = np.array(
            sorted({int(p) for p in products})
            if products is not None
            else sorted({e.product_id for e in events}),
            dtype=np.int64,
        )
        if products is not None and len(catalog) != len(products):
            raise RecommenderDataError("Product ids given to Recommender.fit must be unique.")
        if catalog.size == 0:
            raise RecommenderDataError(
                "The recommender needs at least one product: pass the catalog as products= "
                "or some interactions."
            )
        order = np.argsort(np.asarray(products, dtype=np.int64)) if products is not None else None
        self.product_ids = catalog
        self._index_of = {int(p): i for i, p in enumerate(catalog)}
        self.product_names = {int(k): str(v) for k, v in (product_names or {}).items()}
        self.metadata = dict(metadata or {})
        count = catalog.size
        if embeddings is not None:
            if products is None or len(embeddings) != len(products):
                raise RecommenderDataError(
                    f"embeddings must have one row per product in products= "
                    f"({len(products) if products is not None else 'none given'} products, "
                    f"{len(embeddings)} rows)."
                )
            self.embeddings = normalise_rows(np.asarray(embeddings)[order])
        else:
            self.embeddings = None

        histories = self._fit_signals(events, progress)
        config = self.config
        self.sequential = None
        if (
            config.use_sequential
            and config.weights.sequential
            and any(i.size >= 2 for i in histories.items)
        ):
            validate = None
            cases = self._cases(validation or [], VALIDATION_CASES)
            if cases:
                validate = lambda model: _ndcg_of(model.next_item_scores, cases)  # noqa: E731
            with torch_threads(threads):
                self.sequential = train_sequential(
                    count, histories.items, config.sequential, validate, config.seed, progress
                )
        report = FitReport(
            products=count,
            shoppers=len(histories.shoppers),
            interactions=int(sum(items.size for items in histories.items)),
            products_with_history=int((self.popularity > 0).sum()),
            seconds=time.monotonic() - started,
        )
        logger.info("Recommender fitted: %s", report)
        return report

    def refresh_signals(self, interactions: Iterable[Interaction], progress: bool = False) -> None:
        """Re-learn the quick signals from ``interactions``.

        The quick signals are popularity, co-occurrence and factorization. Seconds instead of
        minutes: the sequential model and the blend weights are kept. Use it between full
        retrains, or to add data that arrived after model selection.
        """
        self._require_fitted()
        self._fit_signals(list(interactions), progress)

    def _fit_signals(self, events: list[Interaction], progress: bool) -> ShopperHistories:
        """Fit every signal except the sequential model; returns the grouped histories."""
        config, count = self.config, len(self)
        histories = group_histories(events, self._index_of)
        all_items = np.concatenate(histories.items) if histories.items else np.zeros(0, np.int64)
        all_weights = (
            np.concatenate(histories.weights) if histories.weights else np.zeros(0, np.float32)
        )
        self.popularity = np.bincount(all_items, weights=all_weights, minlength=count).astype(
            np.float32
        )
        self.transitions = transition_matrix(
            histories, count, config.transition_window, config.transition_decay
        )
        self.purchases = purchase_matrix(histories, count)
        self.item_factors = None
        if config.use_factorization and histories.items and config.weights.factorization:
            self.item_factors = fit_item_factors(
                shopper_item_matrix(histories, count),
                config.als_factors,
                config.als_regularization,
                config.als_iterations,
                config.als_alpha,
                config.seed,
                progress,
            )
        return histories

    # ----------------------------------------------------------------- scoring

    def index_of(self, product_id: int) -> int | None:
        """The item index (row in every signal) of ``product_id``, or None when unknown."""
        return self._index_of.get(int(product_id))

    def indices(self, product_ids: Iterable[int]) -> np.ndarray:
        """Item indices of the known products among ``product_ids`` (unknown ones are dropped)."""
        return self._indices(product_ids)

    def _indices(self, product_ids: Iterable[int]) -> np.ndarray:
        return np.array(
            [self._index_of[int(p)] for p in product_ids if int(p) in self._index_of],
            dtype=np.int64,
        )

    def _cases(self, pairs: Sequence[tuple[Sequence[int], int]], limit: int) -> list[Case]:
        """Validation pairs as item-index cases (unknown products dropped).

        At most ``limit`` cases are kept (a seeded sample).
        """
        candidates = [(self._indices(h), self._index_of.get(int(t))) for h, t in pairs]
        cases = [(h, t) for h, t in candidates if t is not None and h.size]
        if len(cases) > limit:
            keep = np.random.default_rng(self.config.seed).choice(len(cases), limit, replace=False)
            cases = [cases[i] for i in sorted(keep)]
        return cases

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError(
                "The recommender has not been trained: call fit() or Recommender.load(directory)."
            )

    def signal_scores(self, histories: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
        """Each switched-on signal's standardised scores for item-index histories.

        Each score array is batch x items.
        """
        self._require_fitted()
        weights = self.config.weights
        recency = self.config.history_recency
        batch = len(histories)
        signals: dict[str, np.ndarray] = {}
        if weights.sequential and self.sequential is not None:
            signals["sequential"] = self.sequential.next_item_scores(histories)
        if weights.transitions and self.transitions is not None and self.transitions.nnz:
            signals["transitions"] = history_scores(self.transitions, list(histories), recency)
        if weights.purchases and self.purchases is not None and self.purchases.nnz:
            signals["purchases"] = history_scores(self.purchases, list(histories), recency)
        if weights.factorization and self.item_factors is not None:
            signals["factorization"] = fold_in(
                self.item_factors,
                list(histories),
                self.config.als_regularization,
                self.config.als_alpha,
                self._factor_gram(self.item_factors),
            )
        if weights.content and self.embeddings is not None:
            signals["content"] = content_scores(self.embeddings, list(histories), recency)
        if weights.popularity:
            signals["popularity"] = np.broadcast_to(
                np.log1p(self.popularity), (batch, len(self))
            ).copy()
        return {name: standardise(values) for name, values in signals.items()}

    def _factor_gram(self, factors: np.ndarray) -> np.ndarray:
        """:func:`regularised_gram` of the item factors, computed once per factor matrix."""
        cached = self._gram_cache
        if cached is None or cached[0] is not factors:
            cached = (factors, regularised_gram(factors, self.config.als_regularization))
            self._gram_cache = cached
        return cached[1]

    def blend(
        self, signals: Mapping[str, np.ndarray], weights: EnsembleWeights | None = None
    ) -> np.ndarray:
        """Weighted sum of standardised signals (batch x items)."""
        weights = weights or self.config.weights
        total: np.ndarray | None = None
        for name, values in signals.items():
            weight = getattr(weights, name)
            if weight:
                total = weight * values if total is None else total + weight * values
        if total is None:
            raise RecommenderError(
                "Every recommender signal is switched off; give one a weight above 0."
            )
        return total

    def score_histories(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        """Blended scores (batch x items) for item-index histories; history items are not masked."""
        return self.blend(self.signal_scores(histories))

    # ----------------------------------------------------------------- answers

    def recommend(
        self, history: History, n: int = 5, filters: ProductFilter = None
    ) -> list[Recommendation]:
        """Up to ``n`` products for a shopper whose ``history`` (oldest first) is given.

        Products already in the history are left out; ``filters`` (a test per product id or
        the allowed ids) decides what may be shown. With no known history the best sellers
        come back, with reason "popular".
        """
        self._require_fitted()
        events = [
            item
            if isinstance(item, Interaction)
            else Interaction("", int(item), InteractionKind.VIEW)
            for item in history
        ]
        known = [e for e in events if e.product_id in self._index_of]
        indices = self._indices(e.product_id for e in known)
        if indices.size == 0:
            return self._popular(n, filters, exclude={e.product_id for e in events})
        signals = self.signal_scores([indices])
        scores = self.blend(signals)[0]
        scores[indices] = -np.inf
        chosen = self._top(scores, n, filters, exclude={e.product_id for e in events})
        links = self._history_links(indices, chosen)
        weights = self.config.weights
        return [
            replace(
                self._explain_for_history(i, float(scores[i]), known, indices, links[:, column]),
                signals={
                    name: round(float(getattr(weights, name) * values[0, i]), 3)
                    for name, values in signals.items()
                    if getattr(weights, name)
                },
            )
            for column, i in enumerate(chosen)
        ]

    def similar_items(
        self, product_id: int, n: int = 5, filters: ProductFilter = None
    ) -> list[Recommendation]:
        """Up to ``n`` products like ``product_id``.

        Content similarity, helped by "viewed together".
        Empty when the product is unknown to the recommender.
        """
        self._require_fitted()
        index = self._index_of.get(int(product_id))
        if index is None:
            return []
        parts = []
        if self.embeddings is not None:
            parts.append(standardise((self.embeddings @ self.embeddings[index])[None])[0])
        elif self.item_factors is not None:
            factors = normalise_rows(self.item_factors)
            parts.append(standardise((factors @ factors[index])[None])[0])
        if self.transitions is not None and self.transitions[index].nnz:
            parts.append(SIMILAR_VIEWED_WEIGHT * standardise(self.transitions[index].toarray())[0])
        if not parts:
            return []
        scores = np.sum(parts, axis=0)
        return self._related(product_id, scores, n, filters, "similar to", ReasonKind.SIMILAR_TO)

    def bought_together(
        self, product_id: int, n: int = 5, filters: ProductFilter = None
    ) -> list[Recommendation]:
        """Up to ``n`` products bought by the shoppers who bought ``product_id``.

        Else the products that follow it.
        Only products with a co-occurrence come back, so the list may be short or empty.
        """
        self._require_fitted()
        index = self._index_of.get(int(product_id))
        if index is None:
            return []
        row = self.purchases[index] if self.purchases is not None else None
        if row is None or row.nnz == 0:
            row = self.transitions[index] if self.transitions is not None else None
        if row is None or row.nnz == 0:
            return []
        scores = np.full(len(self), -np.inf, dtype=np.float32)
        scores[row.indices] = row.data
        return self._related(
            product_id, scores, n, filters, "often bought with", ReasonKind.BOUGHT_WITH
        )

    def _related(
        self,
        product_id: int,
        scores: np.ndarray,
        n: int,
        filters: ProductFilter,
        reason: str,
        kind: ReasonKind,
    ) -> list[Recommendation]:
        """The best ``n`` products by ``scores`` other than the known ``product_id`` itself,
        each explained as ``reason`` followed by that product's name ("similar to Mug")."""
        product_id = int(product_id)
        scores[self._index_of[product_id]] = -np.inf
        explanation = f"{reason} {self._name(product_id)}"
        return [
            Recommendation(
                int(self.product_ids[i]), float(scores[i]), explanation, kind, product_id
            )
            for i in self._top(scores, n, filters, exclude={product_id})
        ]

    def best_sellers(self, n: int = 5, filters: ProductFilter = None) -> list[Recommendation]:
        """The ``n`` most popular products that pass ``filters``."""
        self._require_fitted()
        return self._popular(n, filters, exclude=set())

    def _popular(self, n: int, filters: ProductFilter, exclude: set[int]) -> list[Recommendation]:
        scores = self.popularity.astype(np.float64)
        return [
            Recommendation(
                int(self.product_ids[i]),
                float(scores[i]),
                "popular with other shoppers",
                ReasonKind.POPULAR,
            )
            for i in self._top(scores, n, filters, exclude)
        ]

    def _top(
        self, scores: np.ndarray, n: int, filters: ProductFilter, exclude: set[int]
    ) -> list[int]:
        """Indices of the best ``n`` finite scores passing ``filters``, best first.

        Ties: lower id first.
        """
        scores = np.asarray(scores, dtype=np.float64).copy()
        if filters is not None and not callable(filters):
            allowed = np.zeros(len(self), dtype=bool)
            allowed[self._indices(filters)] = True
            scores[~allowed] = -np.inf
        # Rank only the best candidates (all items tied with the last one included, so ties
        # still go to the lower id); widen the pool when filters or exclusions leave too few.
        pool = min(len(scores), max(64, 4 * (n + len(exclude))))
        while True:
            if pool < len(scores):
                cutoff = np.partition(scores, len(scores) - pool)[len(scores) - pool]
                candidates = np.flatnonzero(scores >= cutoff)
            else:
                candidates = np.arange(len(scores))
            order = candidates[np.lexsort((candidates, -scores[candidates]))]
            chosen: list[int] = []
            for index in order:
                if len(chosen) >= n or not np.isfinite(scores[index]):
                    return chosen
                product_id = int(self.product_ids[index])
                if product_id in exclude or (callable(filters) and not filters(product_id)):
                    continue
                chosen.append(int(index))
            if pool >= len(scores) or len(chosen) >= n:
                return chosen
            pool = min(len(scores), pool * 4)

    def _history_links(self, indices: np.ndarray, chosen: Sequence[int]) -> np.ndarray:
        """Co-occurrence (views + purchases) of each history item with each chosen item.

        The result is history x chosen.
        One sparse slice per matrix for all recommendations: slicing item by item costs more
        than scoring the whole catalog.
        """
        links = np.zeros((indices.size, len(chosen)), dtype=np.float64)
        if chosen:
            for matrix in (self.transitions, self.purchases):
                if matrix is not None and matrix.nnz:
                    links += matrix[indices][:, list(chosen)].toarray()
        return links

    def _explain_for_history(
        self,
        index: int,
        score: float,
        known: Sequence[Interaction],
        indices: np.ndarray,
        links: np.ndarray,
    ) -> Recommendation:
        """The history product that links most strongly to ``index``, as a reason.

        ``links`` holds one value per history item.
        """
        product_id = int(self.product_ids[index])
        if links.max(initial=0.0) > 0:
            position = int(np.argmax(links * _explanation_weights(known)))
            event = known[position]
            verb = _VERBS[InteractionKind(event.kind)]
            return Recommendation(
                product_id,
                score,
                f"because you {verb} {self._name(event.product_id)}",
                ReasonKind.BECAUSE_YOU,
                event.product_id,
            )
        if self.embeddings is not None:
            # Among the events of the strongest kind present (what the shopper chose, not
            # what they were merely shown), the most similar product.
            kinds = _explanation_weights(known)
            similarity = self.embeddings[indices] @ self.embeddings[index]
            similarity = np.where(kinds >= kinds.max() * 0.9 - 1e-9, similarity, -np.inf)
            position = int(np.argmax(similarity))
            basis = known[position].product_id
            return Recommendation(
                product_id, score, f"similar to {self._name(basis)}", ReasonKind.SIMILAR_TO, basis
            )
        latest = known[-1]
        verb = _VERBS[InteractionKind(latest.kind)]
        return Recommendation(
            product_id,
            score,
            f"because you {verb} {self._name(latest.product_id)}",
            ReasonKind.BECAUSE_YOU,
            latest.product_id,
        )

    def _name(self, product_id: int) -> str:
        return self.product_names.get(product_id, f"product {product_id}")

    # ----------------------------------------------------------------- tuning

    def tune_weights(
        self,
        validation: Sequence[tuple[Sequence[int], int]],
        grid: Sequence[float] = (0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5),
        rounds: int = 2,
        k: int = 10,
        max_cases: int = 4000,
    ) -> EnsembleWeights:
        """Pick the blend weights that maximise NDCG@k on ``validation`` (coordinate ascent).

        The first active signal (the sequential model when trained) keeps weight 1 as the
        scale; each other weight is tried over ``grid`` in turn, ``rounds`` times, on at most
        ``max_cases`` validation pairs (a seeded sample). The best weights are set on the
        recommender and returned. Never pass test data here.
        """
        self._require_fitted()
        cases = self._cases(validation, max_cases)
        if not cases:
            raise RecommenderDataError("tune_weights needs validation pairs with known products.")
        signals = self.signal_scores([h for h, _ in cases])
        names = list(signals)
        current = self.config.weights.as_dict()
        current[names[0]] = 1.0

        def quality(candidate: dict[str, float]) -> float:
            return ndcg(target_ranks(self.blend(signals, EnsembleWeights(**candidate)), cases), k)

        best = quality(current)
        for _ in range(rounds):
            for name in names[1:]:
                for value in grid:
                    trial = {**current, name: value}
                    score = quality(trial)
                    if score > best + 1e-6:
                        best, current = score, trial
        self.config = replace(self.config, weights=EnsembleWeights(**current))
        self.metadata["tuned_validation_ndcg"] = best
        return self.config.weights

    # ----------------------------------------------------------------- persistence

    def save(self, directory: str | Path) -> Path:
        """Write the recommender to ``directory`` atomically (JSON + safetensors + manifest).

        The manifest records the product count and :attr:`metadata` (what it was trained on).
        """
        from safetensors.numpy import save_file as save_arrays
        from safetensors.torch import save_file as save_tensors

        self._require_fitted()
        target = Path(directory)
        arrays: dict[str, np.ndarray] = {
            "product_ids": self.product_ids,
            "popularity": self.popularity,
        }
        for name in ("transitions", "purchases"):
            matrix = getattr(self, name)
            if matrix is not None:
                arrays[f"{name}.data"] = matrix.data.astype(np.float32)
                arrays[f"{name}.indices"] = matrix.indices.astype(np.int64)
                arrays[f"{name}.indptr"] = matrix.indptr.astype(np.int64)
        if self.item_factors is not None:
            arrays["item_factors"] = self.item_factors
        if self.embeddings is not None:
            arrays["embeddings"] = self.embeddings
        description = {
            "config": self.config.to_dict(),
            "product_names": {str(k): v for k, v in self.product_names.items()},
            "has_sequential": self.sequential is not None,
        }
        built_from = {"product_count": len(self), "metadata": self.metadata}
        with ARTEFACT.saving(target, built_from) as staging:
            save_arrays(
                {k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(staging / ARRAYS_FILE)
            )
            if self.sequential is not None:
                save_tensors(
                    {k: v.contiguous() for k, v in self.sequential.state_dict().items()},
                    str(staging / SEQUENTIAL_FILE),
                )
            (staging / CONFIG_FILE).write_text(json.dumps(description, indent=1), encoding="utf-8")
        return target

    @classmethod
    def load(cls, directory: str | Path) -> Recommender:
        """Read a recommender written by :meth:`save`.

        Raises :class:`RecommenderNotFound` when there is none,
        :class:`IncompatibleRecommenderError` for another format version or kind of artefact
        and :class:`CorruptRecommenderError` when its files are damaged.
        """
        # safetensors' __init__.pyi omits SafetensorError, which the package exports at runtime.
        from safetensors import SafetensorError  # type: ignore[attr-defined]
        from safetensors.numpy import load_file as load_arrays
        from safetensors.torch import load_file as load_tensors

        source = Path(directory)
        manifest = ARTEFACT.read_manifest(source)
        try:
            description = json.loads((source / CONFIG_FILE).read_text(encoding="utf-8"))
            recommender = cls(RecommenderConfig.from_dict(description["config"]))
            arrays = load_arrays(str(source / ARRAYS_FILE))
            recommender.product_ids = arrays["product_ids"].astype(np.int64)
            recommender._index_of = {int(p): i for i, p in enumerate(recommender.product_ids)}
            recommender.product_names = {int(k): v for k, v in description["product_names"].items()}
            recommender.popularity = arrays["popularity"]
            count = len(recommender)
            for name in ("transitions", "purchases"):
                if f"{name}.data" in arrays:
                    matrix = sparse.csr_matrix(
                        (
                            arrays[f"{name}.data"],
                            arrays[f"{name}.indices"],
                            arrays[f"{name}.indptr"],
                        ),
                        shape=(count, count),
                    )
                    setattr(recommender, name, matrix)
            recommender.item_factors = arrays.get("item_factors")
            recommender.embeddings = arrays.get("embeddings")
            recommender.metadata = dict(manifest.get("metadata") or {})
            if description["has_sequential"]:
                model = SequentialModel(count, recommender.config.sequential)
                model.load_state_dict(load_tensors(str(source / SEQUENTIAL_FILE)))
                model.eval()
                recommender.sequential = model
        except (OSError, KeyError, ValueError, TypeError, RuntimeError, SafetensorError) as exc:
            raise ARTEFACT.unreadable(source, exc) from exc
        if len(recommender) != manifest.get("product_count"):
            raise ARTEFACT.disagreeing(
                source,
                f"{len(recommender)} products, manifest says {manifest.get('product_count')}",
            )
        return recommender


def _explanation_weights(events: Sequence[Interaction]) -> np.ndarray:
    """Kind weight of each event, with a small bonus for recent ones.

    A purchase explains more than a view.
    """
    weights = np.array([KIND_WEIGHTS[InteractionKind(e.kind)] for e in events], dtype=np.float64)
    return weights * np.linspace(0.9, 1.0, num=len(events))


def _ndcg_of(
    score: Callable[[list[np.ndarray]], np.ndarray], cases: Sequence[Case], k: int = 10
) -> float:
    return ndcg(ranks_in_batches(score, cases), k)
