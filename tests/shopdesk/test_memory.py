"""The servers' start-up objects kept out of full garbage collections, and released when the
model they belong to is replaced."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from shopdesk import memory


class LoadedModel:
    """Stands for a loaded model: objects that refer to each other, freed only by the collector."""

    def __init__(self) -> None:
        self.graph = {"model": self}


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_objects_alive_at_start_up_are_skipped_by_later_collections() -> None:
    model = LoadedModel()
    frozen = memory.freeze_startup_objects()
    assert frozen == gc.get_freeze_count() > 0
    tracked = {id(obj) for obj in gc.get_objects()}
    assert id(model) not in tracked and id(model.graph) not in tracked
    made_later = LoadedModel()
    assert id(made_later) in {id(obj) for obj in gc.get_objects()}


def test_a_replaced_model_is_freed_by_refreezing() -> None:
    old = LoadedModel()
    alive = weakref.ref(old)
    memory.freeze_startup_objects()
    del old
    gc.collect()
    assert alive() is not None  # frozen: a plain collection leaves it, as it should
    memory.refreeze()
    assert alive() is None
    assert gc.get_freeze_count() > 0
