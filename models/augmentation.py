"""Training-data augmentation for the intent classifier: the shop's own words in its examples.

An NLU example such as "in [blue](color)" teaches the classifier one colour; a shop sells
sixteen, hundreds of product types and dozens of brands. :func:`substitute_entities` copies
each annotated example with its entity values replaced by other values of the same type
(from the catalog's lookup tables), so "in navy" or "any Stridewell hoodies?" are as familiar
as the examples that were written by hand. Only the text changes; the intent stays.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class EntitySpan:
    """An annotated entity: character offsets into the example text and the entity type."""

    start: int
    end: int
    entity: str


@dataclass(frozen=True)
class AnnotatedExample:
    """One intent example with its entity annotations."""

    text: str
    intent: str
    entities: tuple[EntitySpan, ...] = ()


def _matching_case(value: str, original: str) -> str:
    """``value`` in lower case when the shopper wrote the original in lower case."""
    return value.lower() if original == original.lower() else value


def substitute_entities(
    examples: Sequence[AnnotatedExample],
    vocabularies: Mapping[str, Sequence[str]],
    copies: int,
    seed: int,
) -> list[tuple[str, str]]:
    """Up to ``copies`` new (text, intent) pairs per example whose entities have a vocabulary.

    Every such entity of a copy gets a value drawn (seeded) from ``vocabularies[entity]``
    other than the annotated one; a draw that repeats the example or an earlier copy is drawn
    again (a few times at most, so small vocabularies give fewer copies). Examples without
    such entities give nothing.
    """
    if copies < 0:
        raise ValueError(f"copies must be 0 or more, got {copies}")
    rng = random.Random(seed)
    pools = {
        name: sorted(set(values)) for name, values in vocabularies.items() if len(set(values)) > 1
    }
    augmented: list[tuple[str, str]] = []
    for example in examples:
        spans = sorted(
            (
                s
                for s in example.entities
                if s.entity in pools and 0 <= s.start < s.end <= len(example.text)
            ),
            key=lambda s: s.start,
        )
        if not spans or any(a.end > b.start for a, b in pairwise(spans)):
            continue
        seen = {example.text}
        made = 0
        for _ in range(copies * 4):
            if made == copies:
                break
            pieces, position = [], 0
            for span in spans:
                original = example.text[span.start : span.end]
                choices = [v for v in pools[span.entity] if v.lower() != original.lower()]
                pieces += [
                    example.text[position : span.start],
                    _matching_case(rng.choice(choices), original),
                ]
                position = span.end
            text = "".join(pieces) + example.text[position:]
            if text not in seen:
                seen.add(text)
                augmented.append((text, example.intent))
                made += 1
    return augmented
