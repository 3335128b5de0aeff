"""What an NLU report says: its docs/benchmarks.md section and its console summary."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from shopdesk.bench.nlu.shopdesk_classifier import SHOPDESK_MODEL

console = Console(stderr=True)

#: Published figures shown beside ours, by data set name (``--dataset``).
PUBLISHED_ANCHORS: dict[str, list[tuple[str, str]]] = {
    "clinc150": [
        ("BERT-base, trained with oos (Larson et al. 2019)", "in-scope 96.9 / oos recall 40.3"),
        ("BERT-base, confidence threshold (Larson et al. 2019)", "in-scope 96.2 / oos recall 52.3"),
        ("Rasa (Larson et al. 2019)", "in-scope 91.5 / oos recall 45.3"),
        ("Dialogflow (Larson et al. 2019)", "in-scope 91.7 / oos recall 14.0"),
    ],
    "banking77": [
        ("BERT fine-tuned, full data (Casanueva et al. 2020)", "accuracy 93.7"),
        ("USE+ConveRT, full data (Casanueva et al. 2020)", "accuracy 93.4"),
    ],
}


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _cpu(row: dict[str, Any], key: str, spec: str) -> str:
    """ " (CPU figure)" when the row has it (reports before CPU timing lack it)."""
    return f" ({format(row[key], spec)})" if row.get(key) is not None else ""


def markdown_section(report: dict[str, Any], title: str, anchors: Sequence[tuple[str, str]]) -> str:
    """The docs/benchmarks.md section for one data set."""
    data = report["dataset"]
    lines = [
        f"### NLU: {title}",
        "",
        f"{report['measured']} Train {data['train_examples']} examples / {data['intents']} intents "
        f"(`{Path(data['train']).name}`"
        + (" without its out-of-scope examples" if data.get("oos_training") is False else "")
        + f"), test {data['test_examples']} (`{Path(data['test']).name}`)"
        + (f", oos label `{data['oos_label']}`" if data["oos_label"] else "")
        + (f", threshold chosen on `{Path(data['val']).name}`" if data.get("val") else "")
        + ".",
        "",
        "| model | accuracy | macro-F1 | in-scope acc. | oos recall | oos precision "
        "| oos detection | train s (CPU s) | p50 ms (CPU) | p95 ms (CPU) |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for row in report["models"].values():
        lines.append(
            f"| {row['model']} | {_pct(row['accuracy'])} | {_pct(row['macro_f1'])} "
            f"| {_pct(row['in_scope_accuracy'])} | {_pct(row['oos_recall'])} "
            f"| {_pct(row['oos_precision'])} | {row['oos_detection'] or '–'} "
            f"| {row['train_seconds']:.0f}{_cpu(row, 'train_cpu_seconds', '.0f')} "
            f"| {row['latency_p50_ms']:.1f}{_cpu(row, 'latency_cpu_p50_ms', '.1f')} "
            f"| {row['latency_p95_ms']:.1f}{_cpu(row, 'latency_cpu_p95_ms', '.1f')} |"
        )
    outside = report.get("external")
    if outside:
        lines += [
            "",
            f"Outside set `{Path(outside['test']).name}` ({outside['examples']} requests written "
            "by others, never trained on; nlu_data/README.md), same trained models:",
            "",
            "| model | accuracy | understood (right, above fallback) | fallback rate | macro-F1 |",
            "|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {name} | {_pct(row['accuracy'])} | {_pct(row['understood'])} "
            f"| {_pct(row['fallback_rate'])} | {_pct(row['macro_f1'])} |"
            for name, row in outside["models"].items()
        ]
    if anchors:
        lines += ["", "Published figures on the same data:", ""]
        lines += [f"- {name}: {figures}" for name, figures in anchors]
    ours = report["models"].get(SHOPDESK_MODEL)
    if ours:
        worst = sorted(
            (scores["f1"], name) for name, scores in ours["per_intent"].items() if scores["support"]
        )[:5]
        lines += [
            "",
            "Weakest intents (shopdesk-bert, F1): "
            + ", ".join(f"`{name}` {100 * f1:.0f}" for f1, name in worst)
            + f". Latency: one message at a time on {ours.get('latency_threads', 1)} thread(s).",
        ]
    return "\n".join(lines)


def print_summary(report: dict[str, Any]) -> None:
    """One console line per model of ``report``."""
    for row in report["models"].values():
        console.print(
            f"[bold]{row['model']}[/bold]: accuracy {_pct(row['accuracy'])}%, macro-F1 "
            f"{_pct(row['macro_f1'])}, in-scope {_pct(row['in_scope_accuracy'])}, oos recall "
            f"{_pct(row['oos_recall'])}, oos precision {_pct(row['oos_precision'])} "
            f"({row['oos_detection'] or 'no oos'}), trained in {row['train_seconds']:.0f} s, "
            f"latency p50 {row['latency_p50_ms']:.1f} ms / p95 {row['latency_p95_ms']:.1f} ms; "
            f"confusion matrix {row['confusion_png']}"
        )
    for name, row in (report.get("external") or {}).get("models", {}).items():
        console.print(
            f"[bold]{name}[/bold] on the outside set: accuracy {_pct(row['accuracy'])}%, "
            f"understood above the fallback {_pct(row['understood'])}%, fallback rate "
            f"{_pct(row['fallback_rate'])}%"
        )
