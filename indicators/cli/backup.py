"""Commands that keep the history safe: verify (hash chain), backup, restore, and the app's database role."""

from __future__ import annotations

import argparse

from indicators.errors import IndicatorsError, Problem
from indicators.store.db import ENV_VAR, make_engine, resolve_url
from indicators.store.integrity import verify


def _verify(args: argparse.Namespace) -> int:
    from indicators.store.db import migrate

    engine = make_engine(resolve_url(args.db))
    try:
        migrate(engine)
        report = verify(engine)
    finally:
        engine.dispose()
    if report.ok:
        print(f"OK: {report.rows} revisions, hash chain intact (head {report.head[:16]}…), triggers in place")
        return 0
    problems = [
        Problem(line, path="observations", code="verify.broken", params={"row": line})
        for line in report.broken[:50]
    ]
    if len(report.broken) > 50:
        problems.append(Problem(f"… and {len(report.broken) - 50} more rows", path="observations"))
    problems += [
        Problem(
            f"trigger {name} is missing or disabled", path="triggers", hint="history can be edited in place"
        )
        for name in report.missing_triggers
    ]
    raise IndicatorsError(problems)


def _backup(args: argparse.Namespace) -> int:
    from indicators.store.backup import backup

    manifest = backup(args.db, args.out)
    print(f"backup written to {args.out}: {manifest.revisions} revisions, digest {manifest.digest[:16]}…")
    print(f"manifest: {args.out}.manifest.json (keep it with the backup)")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from indicators.store.backup import restore

    manifest = restore(args.db, args.file)
    print(f"restored {manifest.revisions} revisions; count and digest match the backup, hash chain intact")
    return 0


def _grant_app_role(args: argparse.Namespace) -> int:
    from indicators.store.roles import grant_app_role, grant_statements

    if args.print:
        print(";\n".join(grant_statements(args.role)) + ";")
        return 0
    engine = make_engine(resolve_url(args.db))
    try:
        statements = grant_app_role(engine, args.role)
    finally:
        engine.dispose()
    print(f"OK: {args.role} may read, append, and update only sessions, sign-in throttle and data version")
    print(f"({len(statements)} statements; run again after every `init` that adds tables)")
    return 0


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", help=f"database URL (default: ${ENV_VAR}, else data/xinan.db)")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add verify, backup, restore and grant-app-role to the CLI."""
    p = sub.add_parser("verify", help="check every revision's hash chain and the append-only triggers")
    _db(p)
    p.set_defaults(handler=_verify)

    p = sub.add_parser("backup", help="write a consistent backup while the app runs (new file, mode 0600)")
    _db(p)
    p.add_argument("--out", required=True, metavar="FILE", help="backup file to create (never overwritten)")
    p.set_defaults(handler=_backup)

    p = sub.add_parser(
        "grant-app-role", help="PostgreSQL: give the app servers' role read/append-only rights (run as owner)"
    )
    p.add_argument("role", metavar="ROLE", help="an existing role, e.g. xinan_app")
    p.add_argument("--print", action="store_true", help="only print the SQL (for a DBA), change nothing")
    _db(p)
    p.set_defaults(handler=_grant_app_role)

    p = sub.add_parser("restore", help="load a backup into an EMPTY database and check it equals the backup")
    p.add_argument("file", metavar="FILE")
    _db(p)
    p.set_defaults(handler=_restore)
