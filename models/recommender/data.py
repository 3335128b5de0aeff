"""Behaviour data the recommender learns from: who viewed, carted or bought what, and when."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from storage.errors import ShopdeskError
from storage.schema import InteractionKind

#: How much one interaction of each kind counts in the collaborative signals.
#: ``shown`` (the bot listed it) is the weakest: seen, not chosen.
KIND_WEIGHTS = {
    InteractionKind.SHOWN: 0.25,
    InteractionKind.VIEW: 1.0,
    InteractionKind.CLICK: 1.0,
    InteractionKind.CART: 2.0,
    InteractionKind.PURCHASE: 4.0,
}


@dataclass(frozen=True)
class Interaction:
    """One event: ``shopper`` (a customer id or a session id) did ``kind`` with ``product_id``.

    ``timestamp`` orders a shopper's events (a datetime or any comparable number);
    ``basket`` groups products bought together (an order number), if known.
    """

    shopper: str
    product_id: int
    kind: InteractionKind = InteractionKind.PURCHASE
    timestamp: datetime | float = 0.0
    basket: str | None = None


class RecommenderDataError(ShopdeskError, ValueError):
    """The interactions or catalog handed to the recommender cannot be used as given."""


@dataclass
class ShopperHistories:
    """Interactions grouped per shopper in time order, with products as item indices."""

    shoppers: list[str]
    items: list[np.ndarray]  # per shopper: item indices in time order
    weights: list[np.ndarray]  # per shopper: KIND_WEIGHTS of each event
    baskets: list[list[np.ndarray]]  # per shopper: item indices of each purchase basket


def group_histories(
    interactions: Iterable[Interaction], index_of: dict[int, int]
) -> ShopperHistories:
    """Group ``interactions`` per shopper (time order).

    Products missing from ``index_of`` are dropped.
    Purchases with the same ``basket`` form one basket; purchases without one are grouped by
    timestamp, so one order placed at one moment is one basket.
    """
    events: dict[str, list[tuple[object, int, Interaction]]] = defaultdict(list)
    for position, event in enumerate(interactions):
        if event.product_id in index_of:
            events[event.shopper].append((event.timestamp, position, event))
    histories = ShopperHistories([], [], [], [])
    for shopper in sorted(events):
        ordered = [event for _, _, event in sorted(events[shopper], key=lambda e: (e[0], e[1]))]
        histories.shoppers.append(shopper)
        histories.items.append(np.array([index_of[e.product_id] for e in ordered], dtype=np.int64))
        histories.weights.append(
            np.array([KIND_WEIGHTS[InteractionKind(e.kind)] for e in ordered], dtype=np.float32)
        )
        baskets: dict[object, list[int]] = defaultdict(list)
        for event in ordered:
            if InteractionKind(event.kind) is InteractionKind.PURCHASE:
                key = event.basket if event.basket is not None else ("at", event.timestamp)
                baskets[key].append(index_of[event.product_id])
        histories.baskets.append([np.unique(np.array(b, dtype=np.int64)) for b in baskets.values()])
    return histories


def read_sequences(lines: Iterable[str]) -> list[list[int]]:
    """Parse the public sequence format into item lists.

    The format is ``user item item ...`` per line, in time order.
    """
    sequences = []
    for number, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            sequences.append([int(item) for item in parts[1:]])
        except ValueError as exc:
            raise RecommenderDataError(
                f"Line {number} is not 'user item item ...' with whole-number items: {line[:80]!r}"
            ) from exc
    return sequences


def sequence_interactions(sequences: Sequence[Sequence[int]]) -> list[Interaction]:
    """Interactions from item sequences.

    Shopper ``i`` bought the items of sequence ``i`` in order.
    """
    return [
        Interaction(str(user), int(item), InteractionKind.PURCHASE, float(step))
        for user, sequence in enumerate(sequences)
        for step, item in enumerate(sequence)
    ]
