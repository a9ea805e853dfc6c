"""Command line for reporting rounds: reporting status, review approve|return, lock / unlock.

Run on the server by staff holding the database URL. `--by` names the account that acts: it must be an
enabled account whose role allows the action (reviewer or admin to review and lock, admin to unlock), and
the same guard as the app's checks it (indicators.guarded): no self-approval, reasons, locks, no second
approval of one revision. Its name is written into the review or lock as the app writes the signed-in one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json

from indicators.catalogue import Catalogue, load_catalogue
from indicators.errors import IndicatorsError, Problem
from indicators.guarded import GuardedStore
from indicators.paths import DEFINITIONS_DIR
from indicators.scoring import reporting
from indicators.store import rounds
from indicators.store.observations import china_today
from indicators.store.store import Store


def _store(args: argparse.Namespace) -> Store:
    return Store(args.db, catalogue=load_catalogue(args.definitions))


def _today(args: argparse.Namespace) -> dt.date:
    if not args.date:
        return china_today()
    try:
        return dt.date.fromisoformat(args.date)
    except ValueError as exc:
        raise IndicatorsError(
            [
                Problem(
                    f"not a date: {args.date!r}",
                    path="--date",
                    hint="write 2025-02-10",
                    code="cli.bad_date",
                    params={"given": args.date},
                )
            ]
        ) from exc


def _check_department(catalogue: Catalogue, department: str | None) -> None:
    if department is not None and department not in catalogue.department_by_id:
        import difflib

        close = difflib.get_close_matches(department, list(catalogue.department_by_id), n=1, cutoff=0.6)
        raise IndicatorsError(
            [
                Problem(
                    f"unknown department {department!r}",
                    path="--department",
                    hint=f"did you mean '{close[0]}'?" if close else "use an id from departments.yaml",
                    code="cli.unknown_department",
                    params={"given": department},
                )
            ]
        )


def _reporting(args: argparse.Namespace) -> int:
    today = _today(args)
    with _store(args) as store:
        catalogue = store.catalogue
        _check_department(catalogue, args.department)
        states = rounds.state_frame(store)
    matrix = reporting.status_matrix(catalogue, states, today, args.since)
    year = reporting.current_round(today)
    wanted = {args.period} if args.period else reporting.round_periods(year)
    if len(matrix):
        matrix = matrix[matrix["period"].isin(wanted)]
        if args.department:
            matrix = matrix[matrix["department"] == args.department]
    if args.json:
        payload = {
            "date": today.isoformat(),
            "periods": sorted(wanted) if args.period else f"round {year}",
            "rows": [
                {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
                for r in matrix.to_dict("records")
            ],
        }
        print(json.dumps(payload, ensure_ascii=False, default=int))
        return 0
    scope = args.period or f"round {year} (the year and its quarters and months)"
    print(f"reporting status on {today} for {scope}")
    if matrix.empty:
        print("nothing is owed for these periods yet")
        return 0
    print(f"{'department':26} {'period':8} " + " ".join(f"{c:>9}" for c in reporting.COUNTS) + "  reported")
    for r in matrix.itertuples():
        counts = " ".join(f"{getattr(r, c):>9}" for c in reporting.COUNTS)
        print(f"{r.department:26} {r.period:8} {counts}  {r.reported_rate:>7.0%}")
    return 0


def _review(args: argparse.Namespace) -> int:
    with _store(args) as store:
        cell = (args.indicator_id, args.place, args.period)
        revision = args.revision or store.current_revision(*cell)
        if revision == 0:
            raise IndicatorsError(
                [
                    Problem(
                        f"{'/'.join(cell)} has no value to review",
                        path="/".join(cell),
                        code="review.nothing_to_review",
                        params={"indicator": cell[0], "place": cell[1], "period": cell[2]},
                    )
                ]
            )
        guarded = GuardedStore.as_account(store, args.by)
        guarded.review([(cell, revision)], args.action, reason=args.reason)
    verb = "approved" if args.action == "approve" else "returned"
    print(
        f"{verb} {args.indicator_id} at {args.place} for {args.period} (revision {revision}) as {guarded.user.name}"
    )
    return 0


def _lock(args: argparse.Namespace) -> int:
    with _store(args) as store:
        if args.list:
            history = rounds.lock_history(store)
            if history.empty:
                print("no locks yet")
            for r in history.itertuples():
                where = r.place_code or "all places"
                print(
                    f"{r.set_at:%Y-%m-%d %H:%M} {r.action:6} {r.period:8} {where:10} {r.set_by:16} {r.reason or ''}"
                )
            return 0
        if not args.period:
            raise IndicatorsError(
                [
                    Problem(
                        "give the period to lock, e.g. 2024 or 2025Q1", path="period", code="lock.no_period"
                    )
                ]
            )
        if not args.by.strip():
            raise IndicatorsError(
                [Problem("say who locks the period", path="--by", hint="--by NAME", code="lock.no_locker")]
            )
        guarded = GuardedStore.as_account(store, args.by)
        guarded.lock(args.period, args.place, reason=args.reason)
    print(f"locked {args.period} for {args.place or 'all places'} as {guarded.user.name}")
    return 0


def _unlock(args: argparse.Namespace) -> int:
    with _store(args) as store:
        guarded = GuardedStore.as_account(store, args.by)
        guarded.unlock(args.period, args.place, args.reason)
    print(f"unlocked {args.period} for {args.place or 'all places'} as {guarded.user.name}: {args.reason}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `reporting`, `review`, `lock` and `unlock` commands."""

    def common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--db", help="database URL (default: env XINAN_DB_URL, else the project's SQLite file)"
        )
        p.add_argument("--definitions", default=str(DEFINITIONS_DIR), help="catalogue folder")
        return p

    p = common(
        subparsers.add_parser("reporting", help="expected / submitted / approved / overdue per department")
    )
    p.add_argument("--period", help="one period, e.g. 2024 or 2025Q1 (default: the current round's periods)")
    p.add_argument("--department", metavar="ID", help="one department id from departments.yaml")
    p.add_argument("--date", help="as of this date, YYYY-MM-DD (default: today in Binzhou)")
    p.add_argument("--since", type=int, metavar="YEAR", help="first year owed (default: framework reporting)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_reporting)

    p = common(subparsers.add_parser("review", help="approve or return a submitted value"))
    p.add_argument("action", choices=["approve", "return"])
    p.add_argument("indicator_id")
    p.add_argument("--place", required=True, metavar="CODE")
    p.add_argument("--period", required=True, metavar="P")
    p.add_argument("--revision", type=int, help="the revision reviewed (default: the latest)")
    p.add_argument(
        "--by",
        required=True,
        metavar="NAME",
        help="your account (reviewer or admin; not the one who entered it)",
    )
    p.add_argument("--reason", help="required for return: what the department should check or correct")
    p.set_defaults(handler=_review)

    p = common(subparsers.add_parser("lock", help="lock a period so no value can be saved into it"))
    p.add_argument("period", nargs="?", help="e.g. 2024 (also locks its quarters and months) or 2025Q1")
    p.add_argument("--place", metavar="CODE", help="lock one place only (default: all places)")
    p.add_argument("--by", metavar="NAME", default="", help="your account (reviewer or admin)")
    p.add_argument("--reason", help="why, e.g. 2024年度考核")
    p.add_argument("--list", action="store_true", help="list every lock and unlock instead")
    p.set_defaults(handler=_lock)

    p = common(subparsers.add_parser("unlock", help="reopen a locked period (admin, with a reason)"))
    p.add_argument("period")
    p.add_argument("--place", metavar="CODE", help="the place of a place lock (default: the all-places lock)")
    p.add_argument("--by", required=True, metavar="NAME", help="your account (admin)")
    p.add_argument("--reason", required=True, help="why the closed period must change")
    p.set_defaults(handler=_unlock)
