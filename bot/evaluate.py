"""``python -m bot.evaluate MODEL TEST_DATA``: how a trained model classifies the test set.

Runs in its own process (the console, which imports no Rasa, starts it) and prints one JSON
object: ``{"predictions": [[text, expected intent, predicted intent], ...]}``.
"""

from __future__ import annotations

import asyncio
import json
import sys


async def _predictions(model: str, test_data: str) -> list[list[str]]:
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data

    agent = Agent.load(model)
    rows = []
    for example in load_data(test_data).intent_examples:
        text = example.get("text")
        parsed = await agent.parse_message(text)
        rows.append([text, example.get("intent"), (parsed.get("intent") or {}).get("name")])
    return rows


def main(argv: list[str]) -> int:
    """Evaluate ``argv[0]`` (a model archive) on ``argv[1]`` (NLU test file or directory)."""
    if len(argv) != 2:
        print("usage: python -m console.evaluate MODEL TEST_DATA", file=sys.stderr)
        return 2
    print(json.dumps({"predictions": asyncio.run(_predictions(argv[0], argv[1]))}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
