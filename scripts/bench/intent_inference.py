"""The intent classifier's two prediction paths on one saved model: same predictions? CPU cost?

Usage: ``.venv/bin/python scripts/bench/intent_inference.py MODEL_DIR`` where MODEL_DIR is a
directory written by ``IntentClassifier.save`` (the BertIntentClassifier resource of an unpacked
Rasa model). Compares ONNX Runtime (``inference_dtype: onnx``) with PyTorch float32 on every
message of nlu_data/test and the outside set, then times ``predict`` one message at a time on one
thread (process CPU milliseconds). Run it under the heavy lock; figures go to docs/benchmarks.md.
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
    """Print agreement, accuracy and CPU per message of both paths."""
    torch.set_num_threads(1)
    loaded = IntentClassifier.load(directory)
    paths = {"pytorch float32": "float32", "onnx runtime": "onnx"}
    models = {name: loaded.with_inference_dtype(dtype) for name, dtype in paths.items()}
    reference, fast = models.values()
    for name, path in (("nlu_data/test", NLU_TEST_DIR), ("outside set", NLU_EXTERNAL_SET)):
        split = read_split(path)
        exact, onnx = reference.predict_batch(split.texts), fast.predict_batch(split.texts)
        pairs = list(zip(exact, onnx, strict=True))
        same = sum(e[0].intent == o[0].intent for e, o in pairs)
        gap = max(
            abs(score.confidence - {s.intent: s.confidence for s in o}[score.intent])
            for e, o in pairs
            for score in e
        )
        right = [
            sum(r[0].intent == gold for r, gold in zip(rankings, split.labels, strict=True))
            for rankings in (exact, onnx)
        ]
        print(
            f"{name}: {len(pairs)} messages, same top intent {same}, largest confidence gap "
            f"{gap:.1e}, accuracy {right[0] / len(pairs):.4f} (torch) {right[1] / len(pairs):.4f}"
            " (onnx)"
        )
    texts = read_split(NLU_TEST_DIR).texts
    for name, classifier in models.items():
        times = cpu_ms_per_message(classifier, texts)
        print(
            f"{name}: predict() CPU p50 {times[len(times) // 2]:.2f} ms, "
            f"p95 {times[int(len(times) * 0.95)]:.2f} ms ({len(times)} messages, 1 thread)"
        )


if __name__ == "__main__":
    main(sys.argv[1])
