"""The intent classifier's prediction paths on one saved model: same predictions? CPU cost?

Usage: ``.venv/bin/python scripts/bench/intent_inference.py MODEL_DIR`` where MODEL_DIR is a
directory written by ``IntentClassifier.save`` (the BertIntentClassifier resource of an unpacked
Rasa model). Compares ONNX Runtime's float32 graph (``inference_dtype: onnx``) and the default
(``auto``: the int8 graph, near ties re-checked in float32) with PyTorch float32 on every message
of nlu_data/test and the outside set, then times ``predict`` one message at a time on one thread
(process CPU milliseconds). Run it under the heavy lock; figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import sys
import time

import torch

from models.intent_classifier import IntentClassifier
from shopdesk.bench.nlu.data import NLU_EXTERNAL_SET, NLU_TEST_DIR, read_split

WARMUP = 20


def cpu_ms_per_message(classifier: IntentClassifier, texts: list[str]) -> list[float]:
    """Sorted process-CPU milliseconds of ``classifier.predict`` per text."""
    for text in texts[:WARMUP]:
        classifier.predict(text)
    times = []
    for text in texts:
        started = time.process_time()
        classifier.predict(text)
        times.append((time.process_time() - started) * 1000)
    return sorted(times)


def main(directory: str) -> None:
    """Print agreement with PyTorch float32, accuracy and CPU per message of each path."""
    torch.set_num_threads(1)
    loaded = IntentClassifier.load(directory)
    paths = {
        "pytorch float32": "float32",
        "onnx runtime float32": "onnx",
        "onnx runtime int8 + float32 re-checks (auto)": "auto",
    }
    models = {name: loaded.with_inference_dtype(dtype) for name, dtype in paths.items()}
    reference = models["pytorch float32"]
    for name, path in (("nlu_data/test", NLU_TEST_DIR), ("outside set", NLU_EXTERNAL_SET)):
        split = read_split(path)
        exact = reference.predict_batch(split.texts)
        print(f"{name}: {len(exact)} messages")
        for path_name, model in models.items():
            rankings = model.predict_batch(split.texts)
            same = sum(e[0].intent == r[0].intent for e, r in zip(exact, rankings, strict=True))
            right = sum(r[0].intent == gold for r, gold in zip(rankings, split.labels, strict=True))
            print(
                f"  {path_name}: accuracy {right / len(exact):.4f}, same top intent as PyTorch "
                f"float32 {same}"
            )
        default = models["onnx runtime int8 + float32 re-checks (auto)"]
        quick = default._int8_model()
        rechecked = sum(
            bool(default._near_ties(quick(default._encode([text], tensors="np")))[0])
            for text in split.texts
        )
        print(f"  re-checked in float32 by auto: {rechecked} of {len(exact)}")
    texts = read_split(NLU_TEST_DIR).texts
    for name, classifier in models.items():
        times = cpu_ms_per_message(classifier, texts)
        print(
            f"{name}: predict() CPU p50 {times[len(times) // 2]:.2f} ms, "
            f"p95 {times[int(len(times) * 0.95)]:.2f} ms ({len(times)} messages, 1 thread)"
        )


if __name__ == "__main__":
    main(sys.argv[1])
