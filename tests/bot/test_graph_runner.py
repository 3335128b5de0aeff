"""The sequential graph runner gives Rasa's dask runner's results, calls and errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.exceptions import GraphComponentException, GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from bot.graph_runner import SequentialGraphRunner

CALLS: list[str] = []


class Step(GraphComponent):
    """Appends its name to the list it is given; fails on a list containing "boom"."""

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Step:
        return cls(config["name"])

    def run(self, **inputs: list[str]) -> list[str]:
        CALLS.append(self.name)
        seen = [item for name in sorted(inputs) for item in inputs[name]]
        if "boom" in seen:
            raise ValueError("boom")
        return [*seen, self.name]


def node(name: str, **needs: str) -> SchemaNode:
    return SchemaNode(
        needs=needs, uses=Step, constructor_name="create", fn="run", config={"name": name}
    )


# a diamond (b and c both need a) plus a branch the "d" target does not need
SCHEMA = GraphSchema(
    {
        "a": node("a", start="__start__"),
        "b": node("b", x="a"),
        "c": node("c", y="a"),
        "d": node("d", first="b", second="c"),
        "unused": node("unused", z="__start__"),
    }
)


def runners(tmp_path: Path) -> list[Any]:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(SCHEMA, "model")
    return [cls(SCHEMA, storage, context) for cls in (DaskGraphRunner, SequentialGraphRunner)]


@pytest.mark.parametrize("targets", [["d"], ["b", "c"], ["a"], None])
def test_same_results_and_calls_as_dask(tmp_path: Path, targets: list[str] | None) -> None:
    dask_runner, ours = runners(tmp_path)
    results = []
    for runner in (dask_runner, ours, ours):  # twice: the second run uses the cached order
        CALLS.clear()
        results.append((runner.run({"__start__": ["in"]}, targets), sorted(CALLS)))
    assert results[0] == results[1] == results[2]
    if targets == ["d"]:
        assert results[1][0] == {"d": ["in", "a", "b", "in", "a", "c", "d"]}
        assert "unused" not in results[1][1]


def test_component_errors_and_clashing_inputs_raise_as_in_dask(tmp_path: Path) -> None:
    for runner in runners(tmp_path):
        with pytest.raises(GraphComponentException):
            runner.run({"__start__": ["boom"]}, ["d"])
        with pytest.raises(GraphRunError, match="clashes with a node name"):
            runner.run({"__start__": "a"}, ["d"])
