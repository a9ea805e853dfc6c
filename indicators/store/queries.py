"""The queries every part of the store shares: a cell's newest revision, the last review of each revision,
and reading a large result into a frame slice by slice.

One home for each, so the store, the reporting rounds and the approval rule read the same rows the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select

from indicators.store.cells import Cell, CurrentCell, utc, utc_micros
from indicators.store.db import is_latest_revision, observations, reviews

_o = observations.c
_r = reviews.c
CELL_COLUMNS = (_o.indicator_id, _o.place_code, _o.period)
CELL_NAMES = ["indicator_id", "place_code", "period"]
# Rows turned into a frame at a time: holding every row's Python objects at once made the first read of
# the town-level set (400,000 cells) the app server's memory peak (1 GB).
READ_SLICE = 50_000


def current_cell(row: Any) -> CurrentCell:
    """Return a CurrentCell from an observations row (its time as aware UTC)."""
    return CurrentCell(
        revision=row.revision,
        value=row.value,
        unit=row.unit,
        qualifier=row.qualifier,
        retracted=bool(row.retracted),
        note=row.note,
        source_kind=row.source_kind,
        source_ref=row.source_ref,
        entered_by=row.entered_by,
        entered_at=utc(row.entered_at),
    )


def latest_row(conn: Connection, cell: Cell) -> CurrentCell | None:
    """Return the cell's newest revision (retracted or not), or None when it has none."""
    row = conn.execute(
        select(observations)
        .where(_o.indicator_id == cell[0], _o.place_code == cell[1], _o.period == cell[2])
        .order_by(_o.revision.desc())
        .limit(1)
    ).first()
    return current_cell(row) if row is not None else None


def latest_subquery(indicator_ids: Iterable[str] | None, place_codes: Iterable[str] | None) -> Any:
    """Return a subquery: per cell, its highest revision as `latest` (join with `db.is_latest_revision`)."""
    query = select(*CELL_COLUMNS, func.max(_o.revision).label("latest")).group_by(*CELL_COLUMNS)
    if indicator_ids is not None:
        query = query.where(_o.indicator_id.in_(list(indicator_ids)))
    if place_codes is not None:
        query = query.where(_o.place_code.in_(list(place_codes)))
    return query.subquery("latest")


def current_cells(conn: Connection, indicator_ids: Iterable[str] | None) -> dict[Cell, CurrentCell]:
    """Return the newest revision (retracted or not) of every cell, in one query."""
    latest = latest_subquery(indicator_ids, None)
    query = select(*CELL_COLUMNS, *[_o[name] for name in CurrentCell._fields]).join(
        latest, is_latest_revision(latest)
    )
    # A hundred thousand cells: plain tuples, times as the driver gives them (naive UTC from SQLite, aware
    # from PostgreSQL; readers that show or compare them call cells.utc): converting each cost the import's
    # dry run a tenth of a second at 500,000 revisions.
    make = CurrentCell._make
    return {(r[0], r[1], r[2]): make(r[3:]) for r in conn.execute(query)}


def last_review_ids(
    indicator_ids: Iterable[str] | None = None,
    place_codes: Iterable[str] | None = None,
    period: str | None = None,
) -> Any:
    """Return a subquery of `last_id`: the newest review of each revision (reviews are append-only)."""
    query = select(func.max(_r.id).label("last_id")).group_by(
        _r.indicator_id, _r.place_code, _r.period, _r.revision
    )
    if indicator_ids is not None:
        query = query.where(_r.indicator_id.in_(list(indicator_ids)))
    if place_codes is not None:
        query = query.where(_r.place_code.in_(list(place_codes)))
    if period is not None:
        query = query.where(_r.period == period)
    return query.subquery("last_review")


def last_reviews(conn: Connection, indicator_ids: Iterable[str] | None) -> dict[tuple[Any, ...], Any]:
    """Return (indicator, place, period, revision) → that revision's newest review row."""
    last = last_review_ids(indicator_ids)
    rows = conn.execute(select(reviews).join(last, _r.id == last.c.last_id)).all()
    return {(r.indicator_id, r.place_code, r.period, r.revision): r for r in rows}


def read_frame(conn: Connection, query: Any, columns: list[str], times: Sequence[str] = ()) -> pd.DataFrame:
    """Return the query's rows as a frame, read slice by slice into one list per column.

    `times`: columns holding times, returned as one aware UTC dtype whatever the driver gave (naive UTC
    from SQLite, aware from PostgreSQL), converted slice by slice as integers.
    """
    data: list[list[Any]] = [[] for _ in columns]
    when = {columns.index(name) for name in times}
    micros: dict[int, list[np.ndarray]] = {i: [] for i in when}
    for rows in conn.execution_options(yield_per=READ_SLICE).execute(query).partitions():
        for i, values in enumerate(zip(*rows, strict=True)):
            if i in when:
                micros[i].append(utc_micros(values))
            else:
                data[i].extend(values)
    if not any(micros.values()) and not any(data):
        frame = pd.DataFrame(columns=columns)
        for name in times:
            frame[name] = pd.to_datetime([], utc=True)
        return frame
    for i in when:
        data[i] = pd.to_datetime(np.concatenate(micros[i]), unit="us", utc=True)  # type: ignore[assignment]
    return pd.DataFrame(dict(zip(columns, data, strict=True)), columns=columns)
