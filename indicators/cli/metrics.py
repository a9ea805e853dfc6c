"""Command line: `metrics` validates and lists the curated article figures."""

from __future__ import annotations

import argparse
import json

from indicators.articles.metrics import METRICS_FILE, load_article_metrics, metrics_as_rows
from indicators.catalogue import load_catalogue
from indicators.cli.articles import table
from indicators.paths import DEFINITIONS_DIR


def _metrics(args: argparse.Namespace) -> int:
    catalogue = load_catalogue(args.definitions)
    metrics = load_article_metrics(args.file, catalogue)
    rows = metrics_as_rows(metrics, catalogue)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    lines = [["indicator", "place", "period", "value", "unit", "qualifier", "quote"]]
    for r in rows:
        value = f"{r['value']:,}"
        lines.append(
            [r["indicator"], r["place_zh"], r["period"], value, r["unit"], r["qualifier"], r["quote"]]
        )
    print(table(lines))
    print(f"OK: {len(rows)} article metrics")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `metrics` command."""
    p = subparsers.add_parser("metrics", help="validate and list the figures curated from the articles")
    p.add_argument(
        "--file", default=str(METRICS_FILE), help="metrics YAML (default data/article_metrics.yaml)"
    )
    p.add_argument("--definitions", default=str(DEFINITIONS_DIR), help="catalogue folder")
    p.add_argument("--json", action="store_true", help="print the metrics as a JSON array")
    p.set_defaults(handler=_metrics)
