"""Commands that keep the history safe: verify (hash chain), backup and restore."""

from __future__ import annotations

import argparse

from indicators.db import ENV_VAR, make_engine, resolve_url
from indicators.errors import IndicatorsError, Problem
from indicators.integrity import verify


def _verify(args: argparse.Namespace) -> int:
    from indicators.db import migrate

    engine = make_engine(resolve_url(args.db))
    try:
        migrate(engine)
        report = verify(engine)
    finally:
        engine.dispose()
    if report.ok:
        print(f"OK: {report.rows} revisions, hash chain intact (head {report.head[:16]}…), triggers in place")
        return 0
    problems = [Problem(line, path="observations", code="verify.broken") for line in report.broken[:50]]
    if len(report.broken) > 50:
        problems.append(Problem(f"… and {len(report.broken) - 50} more rows", path="observations"))
    problems += [
        Problem(
            f"trigger {name} is missing or disabled", path="triggers", hint="history can be edited in place"
        )
        for name in report.missing_triggers
    ]
    raise IndicatorsError(problems)


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", help=f"database URL (default: ${ENV_VAR}, else data/xinan.db)")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add verify, backup and restore to the CLI."""
    p = sub.add_parser("verify", help="check every revision's hash chain and the append-only triggers")
    _db(p)
    p.set_defaults(handler=_verify)
