"""Rasa adapter that reads product-type mentions as the shopper meant them.

Runs after RegexEntityExtractor: adds everyday words for the catalog's product types
("trousers", "duvet"), joins compounds ("yoga" + "pants") and gives each mention the catalog's
word as its value. The rules live in :class:`retrieval.query_understanding.ProductVocabulary`;
this component only learns the catalog's ``product_category`` lookup table at training time.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from retrieval.query_understanding import ProductVocabulary

logger = logging.getLogger(__name__)

#: The lookup table whose phrases are the catalog's product types.
CATEGORY_TABLE = "product_category"
_PHRASES_FILE = "product_category_phrases.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class ProductMentionExtractor(GraphComponent, EntityExtractorMixin):
    """Finds shoppers' product words and reads category mentions with the catalog's words."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No settings: the vocabulary comes from the catalog's lookup table."""
        return {}

    def __init__(
        self, model_storage: ModelStorage, resource: Resource, phrases: list[str] | None = None
    ) -> None:
        """A component knowing the catalog's product-type ``phrases`` (none until trained)."""
        self._model_storage = model_storage
        self._resource = resource
        self._phrases = phrases or []
        self._vocabulary = ProductVocabulary.from_phrases(self._phrases)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ProductMentionExtractor:
        """A new, untrained component."""
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Learn the ``product_category`` lookup table of the training data and persist it."""
        phrases = sorted(
            {
                str(element)
                for table in training_data.lookup_tables
                if table.get("name") == CATEGORY_TABLE and isinstance(table.get("elements"), list)
                for element in table["elements"]
            }
        )
        if not phrases:
            logger.warning(
                "ProductMentionExtractor: no %r lookup table in the training data (shopdesk "
                "train generates it from the catalog); only the compounds of its category "
                "mentions will be read",
                CATEGORY_TABLE,
            )
        self._phrases = phrases
        self._vocabulary = ProductVocabulary.from_phrases(phrases)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _PHRASES_FILE).write_text(json.dumps(phrases), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ProductMentionExtractor:
        """The component with the phrases persisted by :meth:`train`."""
        with model_storage.read_from(resource) as directory:
            phrases = json.loads((directory / _PHRASES_FILE).read_text(encoding="utf-8"))
        return cls(model_storage, resource, phrases)

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace each message's entities by :meth:`ProductVocabulary.refine`'s reading."""
        for message in messages:
            entities = message.get(ENTITIES, [])
            refined = self._vocabulary.refine(message.get(TEXT) or "", entities)
            if refined != entities:
                message.set(
                    ENTITIES,
                    [
                        item if "extractor" in item else self.add_extractor_name([item])[0]
                        for item in refined
                    ],
                    add_to_output=True,
                )
        return messages
