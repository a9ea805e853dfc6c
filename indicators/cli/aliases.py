"""Command line: `aliases` lists the words each indicator goes by, or which indicators a text names."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from indicators.articles.aliases import alias_table, indicators_named_in
from indicators.catalogue import load_catalogue
from indicators.cli.articles import table
from indicators.paths import DEFINITIONS_DIR


def _aliases(args: argparse.Namespace) -> int:
    catalogue = load_catalogue(args.definitions)
    if args.text is not None:
        found = indicators_named_in(args.text, catalogue, args.unit)
        print(json.dumps(found, ensure_ascii=False) if args.json else "\n".join(found) or "(none)")
        return 0
    terms = alias_table(catalogue)
    if args.json:
        print(json.dumps([asdict(t) for t in terms], ensure_ascii=False, indent=1))
        return 0
    print(
        table(
            [["indicator", "kind", "term", "unit"]]
            + [[t.indicator_id, t.kind, t.term, t.unit] for t in terms]
        )
    )
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `aliases` command."""
    p = subparsers.add_parser("aliases", help="list indicator names and aliases, or find those a text names")
    p.add_argument("--definitions", default=str(DEFINITIONS_DIR), help="catalogue folder")
    p.add_argument("--text", help="print the indicators this text names (longest match first)")
    p.add_argument("--unit", help="with --text: only indicators a figure in this unit fits")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_aliases)
