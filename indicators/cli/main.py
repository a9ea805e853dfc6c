"""Command line: validate the catalogue, print schemas; errors are shown once, here."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from indicators.catalogue import load_catalogue
from indicators.cli import (
    aliases,
    articles,
    backup,
    documents,
    generate,
    metrics,
    reporting,
    score,
    store,
    users,
)
from indicators.errors import IndicatorsError
from indicators.paths import DEFINITIONS_DIR
from indicators.schema import SCHEMAS, schema_text, write_schemas

Handler = Callable[[argparse.Namespace], int]

# Each module here defines `register(subparsers)` adding its own sub-commands with a `handler`.
COMMAND_MODULES = (score, store, users, articles, metrics, generate, aliases, documents, backup, reporting)


def _validate(args: argparse.Namespace) -> int:
    catalogue = load_catalogue(args.definitions)
    summary = catalogue.summary()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(f"OK: {catalogue.directory}")
        for key, value in summary.items():
            print(f"  {key:18} {value}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    if args.write:
        for path in write_schemas(Path(args.write)):
            print(path)
        return 0
    print(schema_text(SCHEMAS[f"{args.kind}.schema.json"]), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="python -m indicators", description="心安城市 indicator tools")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check the YAML catalogue and print a summary")
    p.add_argument("--definitions", default=str(DEFINITIONS_DIR), help="folder with framework.yaml")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(handler=_validate)

    p = sub.add_parser("schema", help="print the JSON Schema of a catalogue file")
    p.add_argument(
        "kind", nargs="?", default="theme", choices=["framework", "theme", "places", "departments", "rules"]
    )
    p.add_argument("--write", metavar="DIR", help="write all schema files into DIR instead")
    p.set_defaults(handler=_schema)

    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; print every problem as FILE:LINE: path: message and return 1 on error."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except IndicatorsError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the one boundary: details to the log, one line to the person
        from indicators.logs import log_file, logger
        from indicators.store.db import mask_password

        logger().error("command %s failed", args.command, exc_info=True)
        name = type(exc).__name__
        print(
            f"error: {args.command} failed ({name}: {mask_password(str(exc).splitlines()[0] if str(exc) else '')})",
            file=sys.stderr,
        )
        print(f"details are in {log_file()}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
