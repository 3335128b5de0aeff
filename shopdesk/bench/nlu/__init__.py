"""``shopdesk bench nlu`` and ``shopdesk bench entities``: intent and entity quality and speed.

``bench nlu`` trains exactly the intent classifier ``rasa train`` trains (the
BertIntentClassifier entry of ``bot/config.yml``) on a labelled split, scores the test set and
measures single-message latency; ``--baseline rasa-diet`` trains Rasa's default pipeline on the
same split through Rasa's own API for a side-by-side row. ``bench entities`` scores the
production entity extractors (catalog lookup tables + ShopAttributeExtractor patterns) on the
annotated NLU test data. JSON shape: docs/nlu-benchmark.md.

Modules: ``data`` (labelled splits, the bot's NLU config), ``runs`` (one model's predictions
and timings), ``shopdesk_classifier`` and ``rasa_diet`` (the two models), ``intent_metrics``,
``benchmark`` (one scored run), ``summary`` (docs section and console lines), ``command``
(``bench nlu``) and ``entities`` (``bench entities``).
"""

from __future__ import annotations

import argparse

from shopdesk.bench.nlu import command, entities


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``shopdesk bench nlu`` and ``shopdesk bench entities``."""
    command.add_parser(subparsers)
    entities.add_parser(subparsers)
