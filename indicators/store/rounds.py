"""Reporting rounds in the store: reviews (approve / return) of revisions, and locked periods.

Both tables are append-only like the observations: the state of a cell is the latest review of its latest
revision, and the state of a period is its latest lock or unlock.

Which values count as approved:
- a revision with an 'approve' as its latest review;
- article figures (source_kind 'article', loaded by `init`): their source is the published article;
- values stored before the reporting migration (it wrote an 'approve' by 'system' for each of them);
- retractions: withdrawing a value takes effect at once (the history keeps what was withdrawn).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    insert,
    or_,
    select,
    union_all,
    update,
)

from indicators.canonical import canonical_cell
from indicators.errors import IndicatorsError, Problem, ProblemCollector
from indicators.periods import parse_period
from indicators.store.cells import Cell, CurrentCell, cell_text, conflict_problem
from indicators.store.db import (
    ID_TYPE,
    PLACE_CODE_LENGTH,
    is_latest_revision,
    metadata,
    observations,
    store_state,
    write_transaction,
)

if TYPE_CHECKING:
    from indicators.store.store import Store


reviews = Table(
    "reviews",
    metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("indicator_id", String(64), nullable=False),
    Column("place_code", String(PLACE_CODE_LENGTH), nullable=False),
    Column("period", String(7), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("action", String(8), nullable=False),
    Column("reason", Text, nullable=True),
    Column("reviewed_by", String(100), nullable=False),
    Column("reviewed_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("action IN ('approve', 'return')", name="ck_review_action"),
    CheckConstraint("action = 'approve' OR reason IS NOT NULL", name="ck_review_return_reason"),
    Index("ix_reviews_cell", "indicator_id", "place_code", "period", "revision"),
)

period_locks = Table(
    "period_locks",
    metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("period", String(7), nullable=False),
    # NULL: every place.
    Column("place_code", String(PLACE_CODE_LENGTH), nullable=True),
    Column("action", String(8), nullable=False),
    Column("reason", Text, nullable=True),
    Column("set_by", String(100), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("action IN ('lock', 'unlock')", name="ck_lock_action"),
    CheckConstraint("action = 'lock' OR reason IS NOT NULL", name="ck_unlock_reason"),
)

ReviewAction = Literal["approve", "return"]
STATES = ("missing", "submitted", "returned", "approved")
ALL_PLACES = "all"
_o = observations.c
_r = reviews.c
_l = period_locks.c


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _when(value: dt.datetime) -> str:
    return f"{_utc(value):%Y-%m-%d %H:%M} UTC"


def _bump(conn: Connection) -> None:
    # Same as Store._bump: serialises writers and tells page caches that something changed.
    conn.execute(
        update(store_state).where(store_state.c.id == 1).values(data_version=store_state.c.data_version + 1)
    )


# --- locks ---------------------------------------------------------------------------------------------


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
        (r.period, r.place_code): Lock(r.period, r.place_code, r.set_by, _utc(r.set_at), r.reason)
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
        f"{_when(lock.set_at)}; nothing was saved",
        path=where or "/".join(cell),
        hint="ask an admin to unlock the period (with a reason) if the value must change",
        # Two codes, so the translated sentence names a county lock's place and needs no word for "all".
        code="lock.period_locked" if lock.place_code is None else "lock.place_locked",
        # The time itself, not text: each reader sees it in their own zone and language.
        params={"period": lock.period, "place": place, "who": lock.set_by, "when": _utc(lock.set_at)},
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
        _bump(conn)
        current = active_locks(conn).get((period, place_code))
        if current is not None:
            raise IndicatorsError(
                [
                    Problem(
                        f"period {period} is already locked by {current.set_by} at {_when(current.set_at)}",
                        path="period",
                        code="lock.already_locked",
                        params={"period": period, "who": current.set_by, "when": _utc(current.set_at)},
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
        _bump(conn)
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


def _last_reviews(conn: Connection, indicator_ids: Sequence[str] | None) -> dict[tuple[Any, ...], Any]:
    last = select(func.max(_r.id).label("last_id")).group_by(
        _r.indicator_id, _r.place_code, _r.period, _r.revision
    )
    if indicator_ids is not None:
        last = last.where(_r.indicator_id.in_(list(indicator_ids)))
    sub = last.subquery("last")
    rows = conn.execute(select(reviews).join(sub, _r.id == sub.c.last_id)).all()
    return {(r.indicator_id, r.place_code, r.period, r.revision): r for r in rows}


def state_of(current: CurrentCell, review: Any, earlier_return: bool) -> CellState:
    """Return the state of a cell from its latest revision and that revision's latest review (or None)."""
    base = {
        "revision": current.revision,
        "value": current.value,
        "entered_by": current.entered_by,
        "entered_at": current.entered_at,
        "source_kind": current.source_kind,
    }
    if review is not None:
        state = "approved" if review.action == "approve" else "returned"
        return CellState(
            state=state,
            reviewed_by=review.reviewed_by,
            reviewed_at=_utc(review.reviewed_at),
            reason=review.reason,
            resubmitted=earlier_return and state != "returned",
            **base,
        )
    if current.source_kind == "article" or current.retracted:
        return CellState(state="approved", **base)
    return CellState(state="submitted", resubmitted=earlier_return, **base)


def cell_states(store: Store, indicator_ids: Iterable[str] | None = None) -> dict[Cell, CellState]:
    """Return the state of every cell that has a value (retracted cells are left out: they are missing)."""
    ids = list(indicator_ids) if indicator_ids is not None else None
    with store.engine.connect() as conn:
        current = store._current_cells(conn, ids)
        last = _last_reviews(conn, ids)
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
            "reviewed_at": _utc(r.reviewed_at),
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
        out.add(f"unknown review action {action!r}", path="action", hint="approve or return")
    if action == "return" and reason is None:
        out.add(
            "a returned value needs a reason",
            path="reason",
            hint="say what the department should check or correct",
            code="review.reason_required",
        )
    out.raise_if_any()
    now = dt.datetime.now(dt.UTC)
    with write_transaction(store.engine) as conn:
        _bump(conn)
        rows = []
        for cell, revision in items:
            latest = store._latest(conn, cell)
            if latest is None or latest.revision != revision:
                out.problems.append(conflict_problem(cell, revision, latest))
                continue
            if latest.retracted:
                out.add(f"{cell_text(cell)} was retracted; there is no value to review", path="/".join(cell))
                continue
            if action == "approve" and latest.entered_by == by:
                out.add(
                    f"{cell_text(cell)} revision {revision} was entered by {by}; "
                    "a reviewer cannot approve their own value",
                    path="/".join(cell),
                    hint="another reviewer must approve it",
                    code="review.self_approval",
                    params={"indicator": cell[0], "place": cell[1], "period": cell[2], "who": by},
                )
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


def approved_latest_subquery(indicator_ids: Iterable[str] | None, place_codes: Iterable[str] | None) -> Any:
    """Return a subquery: per cell, the newest revision that counts as approved (see the module doc)."""
    last = (
        select(func.max(_r.id).label("last_id"))
        .group_by(_r.indicator_id, _r.place_code, _r.period, _r.revision)
        .subquery("last_review")
    )
    reviewed = (
        select(_r.indicator_id, _r.place_code, _r.period, _r.revision)
        .join(last, _r.id == last.c.last_id)
        .where(_r.action == "approve")
    )
    automatic = select(_o.indicator_id, _o.place_code, _o.period, _o.revision).where(
        or_(_o.source_kind == "article", _o.retracted.is_(True))
    )
    if indicator_ids is not None:
        ids = list(indicator_ids)
        reviewed = reviewed.where(_r.indicator_id.in_(ids))
        automatic = automatic.where(_o.indicator_id.in_(ids))
    if place_codes is not None:
        codes = list(place_codes)
        reviewed = reviewed.where(_r.place_code.in_(codes))
        automatic = automatic.where(_o.place_code.in_(codes))
    ok = union_all(reviewed, automatic).subquery("approved")
    return (
        select(ok.c.indicator_id, ok.c.place_code, ok.c.period, func.max(ok.c.revision).label("latest"))
        .group_by(ok.c.indicator_id, ok.c.place_code, ok.c.period)
        .subquery("latest")
    )


__all__ = [
    "CellState",
    "Lock",
    "cell_states",
    "check_unlocked",
    "review",
    "set_lock",
    "unlock",
]


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
    latest = store._latest_subquery(ids, None if cell is None else [cell[1]])
    obs = (
        select(
            _o.indicator_id,
            _o.place_code,
            _o.period,
            _o.revision,
            _o.value,
            _o.source_kind,
            _o.entered_by,
            _o.entered_at,
            _o.flags,
            _o.flag_reason,
        )
        .join(
            latest,
            is_latest_revision(latest),
        )
        .where(_o.retracted.is_(False))
    )
    last = select(func.max(_r.id).label("last_id")).group_by(
        _r.indicator_id, _r.place_code, _r.period, _r.revision
    )
    if ids is not None:
        obs = obs.where(_o.indicator_id.in_(ids))
        last = last.where(_r.indicator_id.in_(ids))
    if cell is not None:
        # The entry page shows one cell's state: reading every cell's took seconds at 500,000 revisions.
        obs = obs.where(_o.place_code == cell[1], _o.period == cell[2])
        last = last.where(_r.place_code == cell[1], _r.period == cell[2])
    sub = last.subquery("last")
    review_columns = ["indicator_id", "place_code", "period", "revision", "action", "reason", "reviewed_by"]
    reviewed = select(*[_r[c] for c in review_columns], _r.reviewed_at).join(sub, _r.id == sub.c.last_id)
    with store.engine.connect() as conn:
        cells = _read_frame(conn, obs, STATE_COLUMNS[:10])
        last_frame = _read_frame(conn, reviewed, [*review_columns, "reviewed_at"])
    cell = ["indicator_id", "place_code", "period"]
    returned = pd.MultiIndex.from_frame(last_frame.loc[last_frame["action"] == "return", cell])
    merged = cells.merge(last_frame, on=["indicator_id", "place_code", "period", "revision"], how="left")
    merged["returned_before"] = pd.MultiIndex.from_frame(merged[cell]).isin(returned)
    merged["state"] = state_column(merged)
    return merged


# Rows turned into a frame at a time: holding every row's Python objects at once made the first read of
# the town-level set (400,000 cells) the app server's memory peak (1 GB).
_READ_SLICE = 50_000


def _read_frame(conn: Connection, query: Any, columns: list[str]) -> pd.DataFrame:
    # Slice by slice into one list per column, then one frame: the same types as one read gives.
    data: list[list[Any]] = [[] for _ in columns]
    for rows in conn.execution_options(yield_per=_READ_SLICE).execute(query).partitions():
        for values, column in zip(zip(*rows, strict=True), data, strict=True):
            column.extend(values)
    if not data[0]:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(dict(zip(columns, data, strict=True)), columns=columns)


def state_column(frame: pd.DataFrame) -> pd.Series:
    """Return each row's state from its latest review action and source (see the module doc)."""
    action = frame["action"].fillna("")
    state = pd.Series("submitted", index=frame.index, dtype=object)
    state[(action == "") & (frame["source_kind"] == "article")] = "approved"
    state[action == "approve"] = "approved"
    state[action == "return"] = "returned"
    return state
