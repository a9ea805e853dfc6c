"""Reporting rounds in the store: reviews (approve / return) of revisions, and locked periods.

Both tables are append-only like the observations: the state of a cell is the newest review of its newest
revision (see `approval`, the one home of which values count), and the state of a period is its newest lock
or unlock (see `locks`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from sqlalchemy import Connection, insert, select

from indicators.canonical import canonical_cell
from indicators.errors import IndicatorsError, Problem, ProblemCollector
from indicators.periods import parse_period
from indicators.store import approval
from indicators.store.cells import Cell, CurrentCell, cell_text, conflict_problem, utc
from indicators.store.db import (
    bump,
    is_latest_revision,
    observations,
    period_locks,
    reviews,
    write_transaction,
)
from indicators.store.locks import ALL_PLACES, Lock, active_locks, check_unlocked, when_minutes
from indicators.store.queries import (
    current_cells,
    last_review_ids,
    last_reviews,
    latest_row,
    latest_subquery,
    read_frame,
)

if TYPE_CHECKING:
    from indicators.store.store import Store


ReviewAction = Literal["approve", "return"]
_o = observations.c
_r = reviews.c
_l = period_locks.c


# --- locks ---------------------------------------------------------------------------------------------


def _check_place_period(store: Store, period: str, place_code: str | None, out: ProblemCollector) -> None:
    try:
        parse_period(period)
    except ValueError as exc:
        out.add(str(exc), path="period", code="lock.bad_period", params={"period": period})
    if place_code is not None and place_code not in store.catalogue.place_by_code:
        out.add(
            f"unknown place code {place_code}",
            path="place",
            hint="use a code from places.yaml, or leave it out for all places",
            code="lock.unknown_place",
            params={"place": place_code},
        )


def set_lock(
    store: Store, period: str, place_code: str | None, *, by: str, reason: str | None = None
) -> Lock:
    """Lock a period (for one place or all) so that no value can be saved into it."""
    period, place_code = period.strip(), (place_code or "").strip() or None
    out = ProblemCollector()
    _check_place_period(store, period, place_code, out)
    out.raise_if_any()
    now = dt.datetime.now(dt.UTC)
    with write_transaction(store.engine) as conn:
        bump(conn)
        current = active_locks(conn).get((period, place_code))
        if current is not None:
            raise IndicatorsError(
                [
                    Problem(
                        f"period {period} is already locked by {current.set_by} at {when_minutes(current.set_at)}",
                        path="period",
                        code="lock.already_locked",
                        params={"period": period, "who": current.set_by, "when": utc(current.set_at)},
                    )
                ]
            )
        conn.execute(
            insert(period_locks),
            {
                "period": period,
                "place_code": place_code,
                "action": "lock",
                "reason": (reason or "").strip() or None,
                "set_by": by,
                "set_at": now,
            },
        )
    return Lock(period, place_code, by, now, reason)


def unlock(store: Store, period: str, place_code: str | None, *, by: str, reason: str) -> None:
    """Reopen a locked period; the reason is recorded beside the lock it ends."""
    period, place_code = period.strip(), (place_code or "").strip() or None
    out = ProblemCollector()
    _check_place_period(store, period, place_code, out)
    if not (reason or "").strip():
        out.add(
            "unlocking needs a reason",
            path="reason",
            hint="say why the closed period must change",
            code="lock.reason_required",
        )
    out.raise_if_any()
    with write_transaction(store.engine) as conn:
        bump(conn)
        if (period, place_code) not in active_locks(conn):
            raise IndicatorsError(
                [
                    Problem(
                        f"period {period} is not locked"
                        + ("" if place_code is None else f" for {place_code}"),
                        path="period",
                        code="lock.not_locked",
                        params={"period": period, "place": place_code or ALL_PLACES},
                    )
                ]
            )
        conn.execute(
            insert(period_locks),
            {
                "period": period,
                "place_code": place_code,
                "action": "unlock",
                "reason": reason.strip(),
                "set_by": by,
                "set_at": dt.datetime.now(dt.UTC),
            },
        )


def lock_history(store: Store) -> pd.DataFrame:
    """Return every lock and unlock, newest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(period_locks).order_by(_l.id.desc())).all()
    columns = ["period", "place_code", "action", "reason", "set_by", "set_at"]
    return pd.DataFrame([[getattr(r, c) for c in columns] for r in rows], columns=columns, dtype=object)


def locks_in_force(store: Store) -> list[Lock]:
    """Return the locks in force, by period."""
    with store.engine.connect() as conn:
        return sorted(active_locks(conn).values(), key=lambda lk: (lk.period, lk.place_code or ""))


# --- reviews -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellState:
    """Where a cell stands in its round: its latest revision and the review of it."""

    state: str  # submitted | returned | approved (a cell without a value is 'missing' and has no CellState)
    revision: int
    value: float | None
    entered_by: str
    entered_at: dt.datetime
    source_kind: str
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None
    reason: str | None = None  # the return's reason
    resubmitted: bool = False  # submitted again after an earlier revision was returned


def state_of(current: CurrentCell, review: Any, earlier_return: bool) -> CellState:
    """Return the state of a cell from its newest revision and that revision's newest review (or None)."""
    action = review.action if review is not None else None
    state = approval.state_for(action)
    reviewed = (
        {"reviewed_by": review.reviewed_by, "reviewed_at": utc(review.reviewed_at), "reason": review.reason}
        if review is not None
        else {}
    )
    return CellState(
        state=state,
        revision=current.revision,
        value=current.value,
        entered_by=current.entered_by,
        entered_at=utc(current.entered_at),
        source_kind=current.source_kind,
        resubmitted=earlier_return and state != "returned",
        **reviewed,
    )


def cell_states(store: Store, indicator_ids: Iterable[str] | None = None) -> dict[Cell, CellState]:
    """Return the state of every cell that has a value (retracted cells are left out: they are missing)."""
    ids = list(indicator_ids) if indicator_ids is not None else None
    with store.engine.connect() as conn:
        current = current_cells(conn, ids)
        last = last_reviews(conn, ids)
    returned_before = {key[:3] for key, r in last.items() if r.action == "return" and key[:3] in current}
    states: dict[Cell, CellState] = {}
    for cell, cur in current.items():
        if cur.retracted:
            continue
        review = last.get((*cell, cur.revision))
        earlier = cell in returned_before and (review is None or review.action != "return")
        states[cell] = state_of(cur, review, earlier)
    return states


def review_history(store: Store, cell: Cell) -> list[dict[str, Any]]:
    """Return every review of the cell's revisions, oldest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(reviews)
            .where(_r.indicator_id == cell[0], _r.place_code == cell[1], _r.period == cell[2])
            .order_by(_r.id)
        ).all()
    return [
        {
            "revision": r.revision,
            "action": r.action,
            "reason": r.reason,
            "reviewed_by": r.reviewed_by,
            "reviewed_at": utc(r.reviewed_at),
        }
        for r in rows
    ]


def review(
    store: Store,
    items: Sequence[tuple[Cell, int]],
    action: ReviewAction,
    *,
    by: str,
    reason: str | None = None,
) -> int:
    """Approve or return revisions (cell, revision seen), all or none; return how many were reviewed."""
    reason = (reason or "").strip() or None
    out = ProblemCollector()
    if action not in ("approve", "return"):
        out.add(
            f"unknown review action {action!r}",
            path="action",
            hint="approve or return",
            code="review.unknown_action",
            params={"action": action},
        )
    if action == "return" and reason is None:
        out.add(
            "a returned value needs a reason",
            path="reason",
            hint="say what the department should check or correct",
            code="review.reason_required",
        )
    out.raise_if_any()
    if not by.strip():
        out.add("say who reviews", path="by", code="review.no_reviewer")
    out.raise_if_any()
    now = dt.datetime.now(dt.UTC)
    with write_transaction(store.engine) as conn:
        bump(conn)
        rows = []
        for cell, revision in dict(items).items():  # the same cell twice is one review
            problem = _review_problem(conn, cell, revision, action, by)
            if problem is not None:
                out.problems.append(problem)
                continue
            rows.append(
                {
                    "indicator_id": cell[0],
                    "place_code": cell[1],
                    "period": cell[2],
                    "revision": revision,
                    "action": action,
                    "reason": reason,
                    "reviewed_by": by,
                    "reviewed_at": now,
                }
            )
        try:
            check_unlocked(conn, [(cell, "") for cell, _ in items])
        except IndicatorsError as exc:
            out.extend(exc.problems)
        out.raise_if_any()
        if rows:
            conn.execute(insert(reviews), rows)
    return len(rows)


def _review_problem(conn: Connection, cell: Cell, revision: int, action: str, by: str) -> Problem | None:
    # Why this revision cannot get this review now, or None: stale, withdrawn, own value, or already done.
    latest = latest_row(conn, cell)
    if latest is None or latest.revision != revision:
        return conflict_problem(cell, revision, latest)
    params = {"indicator": cell[0], "place": cell[1], "period": cell[2], "who": by}
    if latest.retracted:
        return Problem(
            f"{cell_text(cell)} was retracted; there is no value to review",
            path="/".join(cell),
            code="review.retracted",
            params=params,
        )
    # Account names are the identity (one spelling per login): compared without case, so that a second
    # spelling of one's own name cannot approve one's own value.
    if action == "approve" and latest.entered_by.casefold() == by.casefold():
        return Problem(
            f"{cell_text(cell)} revision {revision} was entered by {by}; a reviewer cannot approve their own value",
            path="/".join(cell),
            hint="another reviewer must approve it",
            code="review.self_approval",
            params=params,
        )
    last = conn.execute(
        select(reviews)
        .where(_r.indicator_id == cell[0], _r.place_code == cell[1], _r.period == cell[2])
        .where(_r.revision == revision)
        .order_by(_r.id.desc())
        .limit(1)
    ).first()
    if last is not None and last.action == action:
        done = approval.state_for(action)
        return Problem(
            f"{cell_text(cell)} revision {revision} is already {done} by {last.reviewed_by} at "
            f"{when_minutes(last.reviewed_at)}; nothing was changed",
            path="/".join(cell),
            hint="reload the queue: someone reviewed it first",
            code="review.already_approved" if action == "approve" else "review.already_returned",
            params={**params, "who": last.reviewed_by, "when": utc(last.reviewed_at), "revision": revision},
        )
    return None


STATE_COLUMNS = [
    "indicator_id",
    "place_code",
    "period",
    "revision",
    "value",
    "source_kind",
    "entered_by",
    "entered_at",
    "flags",
    "flag_reason",
    "action",
    "reason",
    "reviewed_by",
    "reviewed_at",
    "returned_before",
]


def state_frame(store: Store, indicator_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Return one row per cell with a (non-retracted) value: its latest revision, flags, state and review."""
    return _states(store, list(indicator_ids) if indicator_ids is not None else None)


def cell_state(store: Store, indicator_id: str, place_code: str, period: str) -> pd.DataFrame:
    """Return `state_frame`'s row of one cell (none when it holds no value), reading that cell only."""
    cell = canonical_cell(indicator_id, place_code, period)
    return _states(store, [cell[0]], cell)


def _states(store: Store, ids: list[str] | None, cell: tuple[str, str, str] | None = None) -> pd.DataFrame:
    latest = latest_subquery(ids, None if cell is None else [cell[1]])
    obs = (
        select(*[_o[c] for c in STATE_COLUMNS[:10]])
        .join(latest, is_latest_revision(latest))
        .where(_o.retracted.is_(False))
    )
    if ids is not None:
        obs = obs.where(_o.indicator_id.in_(ids))
    if cell is not None:
        # The entry page shows one cell's state: reading every cell's took seconds at 500,000 revisions.
        obs = obs.where(_o.place_code == cell[1], _o.period == cell[2])
    last = last_review_ids(ids, None if cell is None else [cell[1]], None if cell is None else cell[2])
    review_columns = ["indicator_id", "place_code", "period", "revision", "action", "reason", "reviewed_by"]
    reviewed = select(*[_r[c] for c in review_columns], _r.reviewed_at).join(last, _r.id == last.c.last_id)
    with store.engine.connect() as conn:
        # One kind of time whatever the driver gave (SQLite: naive UTC; PostgreSQL: aware): sortable together.
        cells = read_frame(conn, obs, STATE_COLUMNS[:10], times=("entered_at",))
        last_frame = read_frame(conn, reviewed, [*review_columns, "reviewed_at"], times=("reviewed_at",))
    names = ["indicator_id", "place_code", "period"]
    returned = pd.MultiIndex.from_frame(last_frame.loc[last_frame["action"] == "return", names])
    merged = cells.merge(last_frame, on=[*names, "revision"], how="left")
    merged["returned_before"] = pd.MultiIndex.from_frame(merged[names]).isin(returned)
    merged["state"] = approval.state_column(merged)
    return merged
