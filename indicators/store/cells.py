"""A cell (indicator × place × period), its current revision, and the problem a stale save reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from indicators.errors import Problem

Cell = tuple[str, str, str]  # (indicator_id, place_code, period)


class CurrentCell(NamedTuple):
    """The latest revision of a cell, light enough to hold a hundred thousand of them."""

    revision: int
    value: float | None
    unit: str
    qualifier: str
    retracted: bool
    note: str | None
    source_kind: str
    source_ref: str | None
    entered_by: str
    entered_at: dt.datetime


def utc(value: dt.datetime) -> dt.datetime:
    """Return the time as an aware UTC datetime; naive times from SQLite are already UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_NAIVE = dt.datetime(1970, 1, 1)


def utc_micros(values: Sequence[dt.datetime]) -> np.ndarray:
    """Return microseconds since 1970 UTC of each time (naive times from SQLite are UTC already)."""
    # Exact, and one subtraction each: converting hundreds of thousands of aware datetimes through pandas'
    # object path took seconds.
    out = np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(values):
        d = v - (_EPOCH_NAIVE if v.tzinfo is None else _EPOCH)
        out[i] = (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds
    return out


def when_text(value: dt.datetime) -> str:
    """Return a UTC time the way conflict messages show it."""
    return f"{utc(value):%Y-%m-%d %H:%M:%S} UTC"


def cell_text(cell: Cell) -> str:
    """Return 'indicator at place for period' for messages."""
    return f"{cell[0]} at {cell[1]} for {cell[2]}"


def cell_params(cell: Cell) -> dict[str, object]:
    """Return a cell as message parameters: ids, which the app shows as names."""
    return {"indicator": cell[0], "place": cell[1], "period": cell[2]}


def _value_text(latest: CurrentCell) -> str:
    if latest.retracted or latest.value is None:
        return "—"
    value = latest.value
    number = str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:.10g}"
    return f"{number} {latest.unit}".strip()


def conflict_problem(cell: Cell, expected: int, latest: CurrentCell | None, where: str = "") -> Problem:
    """Return the problem a stale save reports: who changed the cell, when, the value they stored."""
    hint = "reload to see the current value, then enter your change again"
    # One code for every variant (callers test for "conflict"); the parameters say who, when and what.
    params: dict[str, object] = {**cell_params(cell), "expected": expected, "yours": expected, "where": where}
    if latest is not None:
        params.update(
            who=latest.entered_by,
            when=utc(latest.entered_at),
            at=utc(latest.entered_at).isoformat(),
            value=_value_text(latest),
            unit="",
            revision=latest.revision,
            retracted=latest.retracted,
        )
    if latest is None:
        message = f"{cell_text(cell)} has no value yet, but the save was based on revision {expected}"
    elif expected == 0:
        message = (
            f"{cell_text(cell)} already has a value (revision {latest.revision}, entered by "
            f"{latest.entered_by} at {when_text(latest.entered_at)}); nothing was saved"
        )
        hint = "to correct it, start from its current revision"
    else:
        verb = "retracted" if latest.retracted else "changed"
        message = (
            f"{cell_text(cell)} was {verb} by {latest.entered_by} at {when_text(latest.entered_at)} "
            f"(now revision {latest.revision}; your copy was revision {expected}); nothing was saved"
        )
    if latest is not None:
        message += f" (their value: {params['value']})"
    else:
        params.update(who="—", when="—", at="", value="—", unit="", revision=0, retracted=False)
    return Problem(message, path=where or "/".join(cell), hint=hint, code="conflict", params=params)
