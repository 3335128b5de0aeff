"""Product recommendations from shop behaviour, product content and popularity (no Rasa).

``Recommender.fit(interactions, products=..., embeddings=...)`` learns;
``recommend(history, n, filters)``, ``similar_items(product, n)`` and
``bought_together(product, n)`` answer with reasons; ``save(dir)`` / ``Recommender.load(dir)``
persist it. See docs/recommender.md.
"""

from models.recommender.data import Interaction, InteractionKind, RecommenderDataError
from models.recommender.recommender import (
    CorruptRecommenderError,
    EnsembleWeights,
    FitReport,
    IncompatibleRecommenderError,
    NotFittedError,
    ReasonKind,
    Recommendation,
    Recommender,
    RecommenderConfig,
    RecommenderError,
    RecommenderNotFound,
)
from models.recommender.sequential import SequentialConfig

__all__ = [
    "CorruptRecommenderError",
    "EnsembleWeights",
    "FitReport",
    "IncompatibleRecommenderError",
    "Interaction",
    "InteractionKind",
    "NotFittedError",
    "ReasonKind",
    "Recommendation",
    "Recommender",
    "RecommenderConfig",
    "RecommenderDataError",
    "RecommenderError",
    "RecommenderNotFound",
    "SequentialConfig",
]
