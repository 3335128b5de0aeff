"""Rasa adapter for shopdesk's BERT intent classifier (``models.intent_classifier``).

Pipeline entry in ``config.yml``::

    - name: bot.components.bert_intent_classifier.BertIntentClassifier
      epochs: 10            # any IntentClassifierConfig key, plus ranking_length, progress
      entity_augmentation: 2  # and entity_augmentation (copies per annotated example, 0 = off)
      base_model: null      # null: use SHOPDESK_INTENT_BASE_MODEL
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from dataclasses import fields
from typing import Any

import torch
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier as RasaIntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    METADATA,
    METADATA_INTENT,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH

from models.augmentation import AnnotatedExample, EntitySpan, substitute_entities
from models.intent_classifier import FORMAT_VERSION, IntentClassifier, IntentClassifierConfig
from models.intent_model import IntentConfigError, IntentScore
from shopdesk.settings import get_settings

logger = logging.getLogger(__name__)

BASE_MODEL = "base_model"
PROGRESS = "progress"
ENTITY_AUGMENTATION = "entity_augmentation"
#: Intent-level metadata key the console writes on reviewed examples (console/review.py).
REVIEWED = "reviewed"
#: Copies of each annotated example with other catalog values (models/augmentation.py).
DEFAULT_ENTITY_AUGMENTATION = 2
#: Keys of the component config that are not training settings of the model.
COMPONENT_KEYS = (RANKING_LENGTH, PROGRESS, ENTITY_AUGMENTATION)


def _model_config(component_config: dict[str, Any]) -> IntentClassifierConfig:
    """The model's training config from a component config; ``base_model: null`` reads settings."""
    values = {key: value for key, value in component_config.items() if key not in COMPONENT_KEYS}
    if values.get(BASE_MODEL) is None:
        values[BASE_MODEL] = get_settings().intent_base_model
    try:
        return IntentClassifierConfig.from_mapping(values)
    except IntentConfigError as exc:
        raise IntentConfigError(f"BertIntentClassifier in config.yml: {exc}") from exc


def _intent_examples(training_data: TrainingData) -> list[Message]:
    return [
        example
        for example in training_data.intent_examples
        if example.get(INTENT) and (example.get(TEXT) or "").strip()
    ]


def reviewed_positions(training_data: TrainingData) -> frozenset[int]:
    """Positions (in :func:`intent_training_examples`' texts) of the examples staff labelled in
    the console, whose intent block says ``metadata: {reviewed: true}``: never held out for
    validation, so a label always reaches the model."""
    return frozenset(
        position
        for position, example in enumerate(_intent_examples(training_data))
        if ((example.get(METADATA) or {}).get(METADATA_INTENT) or {}).get(REVIEWED) is True
    )


def intent_training_examples(
    training_data: TrainingData, copies: int, seed: int
) -> tuple[list[str], list[str]]:
    """Texts and intents to train on: the intent examples, plus ``copies`` per annotated example
    with its brand/colour/category values swapped for others from the lookup tables."""
    examples = [
        AnnotatedExample(
            example.get(TEXT),
            example.get(INTENT),
            tuple(
                EntitySpan(
                    int(e[ENTITY_ATTRIBUTE_START]),
                    int(e[ENTITY_ATTRIBUTE_END]),
                    e[ENTITY_ATTRIBUTE_TYPE],
                )
                for e in example.get(ENTITIES) or []
            ),
        )
        for example in _intent_examples(training_data)
    ]
    vocabularies = {
        table["name"]: table["elements"]
        for table in training_data.lookup_tables
        if isinstance(table.get("elements"), list)
    }
    extra = substitute_entities(examples, vocabularies, copies, seed) if copies else []
    if extra:
        logger.info(
            "BertIntentClassifier: %d examples + %d with other catalog values",
            len(examples),
            len(extra),
        )
    return (
        [e.text for e in examples] + [text for text, _ in extra],
        [e.intent for e in examples] + [intent for _, intent in extra],
    )


def _intent_dict(score: IntentScore) -> dict[str, Any]:
    return {INTENT_NAME_KEY: score.intent, PREDICTED_CONFIDENCE_KEY: score.confidence}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class BertIntentClassifier(GraphComponent, RasaIntentClassifier):
    """Fine-tunes a BERT-family encoder on the NLU intents and ranks each message's intents."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """IntentClassifierConfig's defaults; ``base_model`` from settings; top 10 ranked."""
        defaults: dict[str, Any] = {
            field.name: field.default for field in fields(IntentClassifierConfig)
        }
        defaults[BASE_MODEL] = None
        defaults[RANKING_LENGTH] = LABEL_RANKING_LENGTH
        defaults[PROGRESS] = True
        defaults[ENTITY_AUGMENTATION] = DEFAULT_ENTITY_AUGMENTATION
        return defaults

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages the component needs."""
        return ["torch", "transformers", "onnxruntime"]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrain when the saved model's format version changes (a model cached by an older
        shopdesk cannot be loaded) or SHOPDESK_INTENT_BASE_MODEL changes a ``base_model: null``
        component."""
        addon = f"format {FORMAT_VERSION}"
        if config.get(BASE_MODEL) is None:
            addon += f", base model {get_settings().intent_base_model}"
        return addon

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        classifier: IntentClassifier | None = None,
    ) -> None:
        """Wrap a trained ``classifier`` (``None`` until :meth:`train` has run)."""
        self.component_config = {**self.get_default_config(), **config}
        self.model_config = _model_config(self.component_config)
        copies = self.component_config[ENTITY_AUGMENTATION]
        if type(copies) is not int or copies < 0:
            raise IntentConfigError(
                f"BertIntentClassifier: {ENTITY_AUGMENTATION} must be a whole number >= 0 "
                f"(0 turns it off), got {copies!r}"
            )
        ranking_length = self.component_config[RANKING_LENGTH]
        if type(ranking_length) is not int or ranking_length < 0:
            raise IntentConfigError(
                f"BertIntentClassifier: {RANKING_LENGTH} must be a whole number >= 0 "
                f"(0 lists every intent), got {ranking_length!r}"
            )
        self._model_storage = model_storage
        self._resource = resource
        self._classifier = classifier

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BertIntentClassifier:
        """A new, untrained component."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fine-tune on the intent examples and persist the model into the resource."""
        texts, intents = intent_training_examples(
            training_data, self.component_config[ENTITY_AUGMENTATION], self.model_config.seed
        )
        if not texts:
            logger.warning("BertIntentClassifier: no intent examples in the NLU data; not trained")
            return self._resource
        self._classifier = IntentClassifier.train(
            texts,
            intents,
            self.model_config,
            progress=bool(self.component_config[PROGRESS]),
            always_train=reviewed_positions(training_data),
        )
        with self._model_storage.write_to(self._resource) as directory:
            self._classifier.save(directory)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> BertIntentClassifier:
        """Load the persisted model; PyTorch uses ``SHOPDESK_TORCH_THREADS`` threads."""
        torch.set_num_threads(get_settings().torch_threads)
        with ExitStack() as stack:
            try:
                directory = stack.enter_context(model_storage.read_from(resource))
            except ValueError as exc:
                # Rasa's ValueError: the resource was never written (no intent examples to
                # train on). Only this is tolerated: a model that is there but cannot be read
                # raises IntentModelLoadError naming the broken file.
                logger.warning(
                    "BertIntentClassifier: no trained model in resource %r (%s)", resource.name, exc
                )
                return cls(config, model_storage, resource, None)
            classifier = IntentClassifier.load(directory)
        return cls(config, model_storage, resource, classifier)

    def _ranking(self, scores: list[IntentScore]) -> list[dict[str, Any]]:
        ranking_length = self.component_config[RANKING_LENGTH]
        kept = scores[:ranking_length] if ranking_length > 0 else scores
        return [_intent_dict(score) for score in kept]

    def process(self, messages: list[Message]) -> list[Message]:
        """Set ``intent`` and ``intent_ranking``; empty messages get no intent, confidence 0."""
        if self._classifier is None:
            return messages
        texts = [(message.get(TEXT) or "") for message in messages]
        to_classify = [i for i, text in enumerate(texts) if text.strip()]
        rankings = self._classifier.predict_batch([texts[i] for i in to_classify])
        predictions = dict(zip(to_classify, rankings, strict=True))
        for position, message in enumerate(messages):
            scores = predictions.get(position, [])
            intent = (
                _intent_dict(scores[0])
                if scores
                else {
                    INTENT_NAME_KEY: None,
                    PREDICTED_CONFIDENCE_KEY: 0.0,
                }
            )
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, self._ranking(scores), add_to_output=True)
        return messages
