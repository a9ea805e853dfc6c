"""Locked periods: which periods are closed for saving, and the refusal a save into one gets.

Every write path (form, import, review, withdrawal) calls `check_unlocked` inside its write transaction.
The locks themselves are set and lifted in `rounds` (append-only `period_locks`: the newest row of a period
and place says whether it is locked).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from indicators.errors import Problem, ProblemCollector
from indicators.periods import parse_period
from indicators.store.cells import Cell, utc
from indicators.store.db import period_locks

ALL_PLACES = "all"
_l = period_locks.c


def when_minutes(value: dt.datetime) -> str:
    """Return a time as lock messages show it (UTC, to the minute)."""
    return f"{utc(value):%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class Lock:
    """A period closed for saving, for one place or (place_code None) for all."""

    period: str
    place_code: str | None
    set_by: str
    set_at: dt.datetime
    reason: str | None


def covering_periods(period: str) -> list[str]:
    """Return the period and the longer periods containing it (2024-05 → 2024-05, 2024Q2, 2024)."""
    parsed = parse_period(period)
    year = period[:4]
    if parsed.frequency == "year":
        return [period]
    if parsed.frequency == "quarter":
        return [period, year]
    quarter = f"{year}Q{(int(period[5:7]) - 1) // 3 + 1}"
    return [period, quarter, year]


def active_locks(conn: Connection) -> dict[tuple[str, str | None], Lock]:
    """Return every lock in force, keyed by (period, place_code or None)."""
    latest = (
        select(func.max(_l.id).label("last_id"))
        .group_by(_l.period, func.coalesce(_l.place_code, ALL_PLACES))
        .subquery("latest")
    )
    rows = conn.execute(select(period_locks).join(latest, _l.id == latest.c.last_id)).all()
    return {
        (r.period, r.place_code): Lock(r.period, r.place_code, r.set_by, utc(r.set_at), r.reason)
        for r in rows
        if r.action == "lock"
    }


def lock_for(locks: dict[tuple[str, str | None], Lock], period: str, place_code: str) -> Lock | None:
    """Return the lock that closes this period at this place, if any."""
    try:
        periods = covering_periods(period)
    except ValueError:
        return None
    for p in periods:
        for key in ((p, place_code), (p, None)):
            if key in locks:
                return locks[key]
    return None


def lock_problem(lock: Lock, cell: Cell, where: str = "") -> Problem:
    """Return the refusal of a save into a locked period, naming the lock, who set it and when."""
    place = lock.place_code or ALL_PLACES
    return Problem(
        f"{cell[0]} at {cell[1]} for {cell[2]}: period {lock.period} is locked"
        f"{'' if lock.place_code is None else ' for ' + lock.place_code} by {lock.set_by} at "
        f"{when_minutes(lock.set_at)}; nothing was saved",
        path=where or "/".join(cell),
        hint="ask an admin to unlock the period (with a reason) if the value must change",
        # Two codes, so the translated sentence names a county lock's place and needs no word for "all".
        code="lock.period_locked" if lock.place_code is None else "lock.place_locked",
        # The time itself, not text: each reader sees it in their own zone and language.
        params={"period": lock.period, "place": place, "who": lock.set_by, "when": utc(lock.set_at)},
    )


def check_unlocked(conn: Connection, cells: Iterable[tuple[Cell, str]]) -> None:
    """Raise IndicatorsError naming the lock of every (cell, where) that lies in a locked period."""
    locks = active_locks(conn)
    if not locks:
        return
    out = ProblemCollector()
    for cell, where in cells:
        lock = lock_for(locks, cell[2], cell[1])
        if lock is not None:
            out.problems.append(lock_problem(lock, cell, where))
    out.raise_if_any()
