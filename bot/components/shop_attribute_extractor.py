"""Rasa adapter that turns price bounds and sizes in a message into entities."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from retrieval.message_attributes import extract_attributes


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ShopAttributeExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts price bounds, sizes, order numbers, emails and ZIP codes as entities."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No settings: the patterns live in :mod:`retrieval.message_attributes`."""
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ShopAttributeExtractor:
        """Creates the extractor; it has nothing to train or load."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Appends the price and size entities found in each message."""
        for message in messages:
            text = message.get(TEXT) or ""
            found = [
                {
                    ENTITY_ATTRIBUTE_TYPE: mention.entity,
                    ENTITY_ATTRIBUTE_START: mention.start,
                    ENTITY_ATTRIBUTE_END: mention.end,
                    ENTITY_ATTRIBUTE_VALUE: mention.value,
                }
                for mention in extract_attributes(text)
            ]
            message.set(
                ENTITIES,
                message.get(ENTITIES, []) + self.add_extractor_name(found),
                add_to_output=True,
            )
        return messages
