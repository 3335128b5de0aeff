"""Objects made at start-up kept out of the garbage collector's full passes.

Once its models are loaded a server holds hundreds of thousands of Python objects (a Rasa
worker about 630,000: Rasa's graph, the tokenizer, the PyTorch modules), and every full
(generation 2) collection of CPython's cyclic garbage collector walks all of them: 0.7 s of CPU
for one ``gc.collect()`` on the machine of docs/benchmarks.md ("Fifth round"), a pause for
every conversation that worker serves.

``gc.freeze()`` (Python's own answer to this, see its documentation) moves every object alive
at that moment into a permanent generation the collector skips; objects made later are
collected as before. Frozen objects are never freed, so when the Rasa server's model is
replaced at run time (``PUT /model`` from the console) :func:`refreeze` releases the old
model's objects and freezes the new ones.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

logger = logging.getLogger(__name__)


def freeze_startup_objects() -> int:
    """Collect once, then keep every object alive now out of later collections; how many."""
    gc.collect()
    gc.freeze()
    count = gc.get_freeze_count()
    logger.info("%d start-up objects frozen: the garbage collector skips them from now on", count)
    return count


def refreeze() -> int:
    """Unfreeze, collect what was dropped since (e.g. a replaced model) and freeze again."""
    gc.unfreeze()
    return freeze_startup_objects()


async def freeze_after_start(*_: Any) -> None:
    """Sanic ``after_server_start`` listener: :func:`freeze_startup_objects` once the server
    has loaded what it serves with."""
    freeze_startup_objects()
