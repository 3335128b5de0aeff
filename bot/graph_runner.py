"""Rasa's prediction graph run node after node in a fixed order, without dask's scheduler.

Rasa 3.6 runs the model's graph (the NLU pipeline for each message, the policies for each
predicted action) with ``DaskGraphRunner``: for every run it recomputes the minimal graph for
the targets, builds a dask task graph, orders it and executes it with dask's synchronous
scheduler. For a graph of a dozen nodes that bookkeeping costs about as much as the cheaper
components themselves (7% of the shop bot's Rasa server CPU under the throughput benchmark,
docs/benchmarks.md). :class:`SequentialGraphRunner` computes each target list's order once and
then calls the same ``GraphNode`` objects in it with the same inputs, so every component sees
exactly what it saw under dask; only the bookkeeping goes. Training still uses Rasa's runner.
"""

from __future__ import annotations

from typing import Any

from rasa.core import processor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

#: (node name, names of the nodes or inputs it needs, in the order its call takes them)
_Step = tuple[str, tuple[str, ...]]


class SequentialGraphRunner(DaskGraphRunner):
    """``DaskGraphRunner`` whose ``run`` calls the nodes in a cached topological order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, ...], list[_Step]] = {}

    def _plan(self, targets: tuple[str, ...]) -> list[_Step]:
        """The nodes the targets need, each after the nodes it needs (cached per targets)."""
        plan = self._plans.get(targets)
        if plan is None:
            schema = self._graph_schema.minimal_graph_schema(list(targets))
            plan, placed = [], set()

            def place(name: str) -> None:
                if name in placed or name not in schema.nodes:
                    return
                placed.add(name)
                needs = tuple(schema.nodes[name].needs.values())
                for needed in needs:
                    place(needed)
                plan.append((name, needs))

            for name in schema.nodes:
                place(name)
            self._plans[targets] = plan
        return plan

    def run(
        self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
    ) -> dict[str, Any]:
        """Run the graph (same inputs, targets, results and errors as Rasa's runner)."""
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        plan = self._plan(run_targets)
        inputs = inputs or {}
        if any(name in self._graph_schema.nodes for name in inputs):
            # An input standing in for a node: dask's semantics, let dask handle it.
            return super().run(inputs, list(run_targets))
        for value in inputs.values():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of "
                    "the input names passed to the `run` method are the same as node names in "
                    "the graph schema."
                )
        # As under dask, an input is passed to the nodes as the pair (name, value) and each
        # node returns the pair (its name, its output).
        results: dict[str, Any] = {name: (name, value) for name, value in inputs.items()}
        try:
            for name, needs in plan:
                results[name] = self._instantiated_nodes[name](*(results[n] for n in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)


def install() -> None:
    """Make Rasa's message processor load its graphs with :class:`SequentialGraphRunner`."""
    processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]
