"""``shopdesk bench nlu``: its options, reading the splits and writing the report."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from shopdesk.bench.nlu.benchmark import run_benchmark
from shopdesk.bench.nlu.data import BenchDataError, read_split
from shopdesk.bench.nlu.rasa_diet import DIET_MODEL
from shopdesk.bench.nlu.summary import PUBLISHED_ANCHORS, console, markdown_section, print_summary
from shopdesk.bench.report import update_section


def _parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    overrides = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator:
            raise BenchDataError(f"--set takes KEY=VALUE, got {pair!r}")
        parsed = yaml.safe_load(value)
        if isinstance(parsed, str):
            # YAML 1.1 reads "3e-3" (no dot) as text; a number is meant.
            try:
                parsed = float(parsed)
            except ValueError:
                pass
        overrides[key] = parsed
    return overrides


def _write_section(report: dict[str, Any], section: str, title: str | None) -> None:
    markdown = markdown_section(report, title or section, PUBLISHED_ANCHORS.get(section, []))
    console.print(f"Updated {update_section(f'nlu-{section}', markdown)}")


def cmd_nlu(args: argparse.Namespace) -> int:
    """Handler of ``shopdesk bench nlu``."""
    if args.from_json:
        report = json.loads(Path(args.from_json).read_text(encoding="utf-8"))
        print_summary(report)
        if args.section:
            _write_section(report, args.section, args.title)
        return 0
    if not args.train or not args.test:
        raise BenchDataError("--train and --test are required (or --from-json REPORT)")
    train, test = read_split(Path(args.train)), read_split(Path(args.test))
    val = read_split(Path(args.val)) if args.val else None
    external = read_split(Path(args.external)) if args.external else None
    json_path = Path(args.json) if args.json else None
    png_stem = (
        Path(args.png)
        if args.png
        else (json_path.with_suffix("") if json_path else Path("nlu-confusion"))
    )
    reused = None
    if args.baseline_json:
        earlier = json.loads(Path(args.baseline_json).read_text(encoding="utf-8"))
        if earlier["dataset"]["test_examples"] != len(test.texts):
            raise BenchDataError(f"{args.baseline_json} was measured on another test set")
        reused = {DIET_MODEL: earlier["models"][DIET_MODEL]}
    report = run_benchmark(
        train,
        test,
        val=val,
        oos_label=args.oos_label,
        baseline=args.baseline,
        threshold=args.threshold,
        min_oos_recall=args.min_oos_recall,
        png_stem=png_stem,
        config_overrides=_parse_overrides(args.set or []),
        progress=not args.no_progress,
        reused_rows=reused,
        train_shopdesk=not args.baseline_only,
        oos_training=not args.no_oos_training,
        external=external,
    )
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report, indent=2), encoding="utf-8")
        console.print(f"Report: {json_path}")
    print_summary(report)
    if args.section:
        _write_section(report, args.section, args.title)
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``shopdesk bench nlu``."""
    nlu = subparsers.add_parser(
        "nlu", help="train the bot's intent classifier on a split and score it (and Rasa DIET)"
    )
    nlu.add_argument("--train", help="CSV text,label or Rasa NLU YAML (file/dir)")
    nlu.add_argument("--test", help="CSV text,label or Rasa NLU YAML (file/dir)")
    nlu.add_argument(
        "--from-json", help="print (and with --section write) an earlier report instead of training"
    )
    nlu.add_argument(
        "--external",
        help="a second test set scored with the same trained models, e.g. the outside set "
        "nlu_data/external/external_nlu.csv (reported beside the test set)",
    )
    nlu.add_argument("--val", help="validation split: picks the out-of-scope threshold")
    nlu.add_argument("--oos-label", help="label of out-of-scope examples, e.g. oos")
    nlu.add_argument("--threshold", type=float, help="fixed out-of-scope confidence threshold")
    nlu.add_argument(
        "--min-oos-recall",
        type=float,
        help="with --val: choose the threshold with the best in-scope accuracy among those that "
        "keep at least this out-of-scope recall on --val (default: best mean of the two)",
    )
    nlu.add_argument(
        "--no-oos-training",
        action="store_true",
        help="with --oos-label: leave the training set's out-of-scope examples out, so out of "
        "scope is detected by the confidence threshold alone",
    )
    nlu.add_argument("--json", help="write every figure to this JSON file")
    nlu.add_argument("--png", help="confusion-matrix file stem (default: next to --json)")
    nlu.add_argument("--baseline", choices=[DIET_MODEL], help="also train Rasa's default pipeline")
    nlu.add_argument(
        "--baseline-only",
        action="store_true",
        help="train only the --baseline model (its row can then be reused)",
    )
    nlu.add_argument(
        "--baseline-json",
        help="copy the rasa-diet row from an earlier JSON report "
        "of the same split instead of training it again",
    )
    nlu.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a BertIntentClassifier setting for an experiment (repeatable)",
    )
    nlu.add_argument(
        "--section",
        help="write docs/benchmarks.md section nlu-SECTION "
        "(clinc150 and banking77 add the published figures)",
    )
    nlu.add_argument("--title", help="heading of the docs section")
    nlu.add_argument("--no-progress", action="store_true", help="no progress bars")
    nlu.set_defaults(handler=cmd_nlu)
