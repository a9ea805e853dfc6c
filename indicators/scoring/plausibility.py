"""Is an entered value plausible? Flags that ask a person to confirm (never refuse) before it is stored.

Three things are flagged: a value far from the cell's history (ratio to the previous period outside a
band, or a robust z-score — median and MAD — against the previous periods), a fall in a cumulative count,
and a value for a period that has not ended yet. The flags are stored, as JSON, with the revision.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from indicators.errors import Problem
from indicators.models import Indicator, PlausibilityBand
from indicators.periods import parse_period

# 1.4826 × MAD estimates the standard deviation of normally distributed values.
MAD_SCALE = 1.4826
FLAG_CODES = ("far_from_history", "cumulative_fall", "period_not_ended")


@dataclass(frozen=True)
class Flag:
    """One reason to double-check a value: a code (locale key `plausibility.<code>`) and its params."""

    code: str
    message: str
    params: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """Return the flag as stored in the revision's `flags` column."""
        return {"code": self.code, "message": self.message, "params": self.params}


def _num(value: float) -> str:
    return f"{value:,.6g}" if abs(value) < 1e15 else repr(value)


def _ratio_text(ratio: float) -> str:
    # 656,116 not 6.56e+05; small ratios keep three significant digits (0.0158).
    return f"{ratio:,.0f}" if ratio >= 100 else f"{ratio:.3g}"


def period_end_date(period: str) -> dt.date:
    """Return the first day after the period (2024 → 2025-01-01, 2024Q4 → 2025-01-01, 2024-07 → 2024-08-01)."""
    p = parse_period(period)
    year = p.year
    if p.frequency == "year":
        return dt.date(year + 1, 1, 1)
    month = int(p.text[5]) * 3 + 1 if p.frequency == "quarter" else int(p.text[5:7]) + 1
    return dt.date(year + 1, 1, 1) if month > 12 else dt.date(year, month, 1)


def _period_end(period: str) -> dt.date | None:
    # A period stored under another spelling before migration 0006 (e.g. ０００１) is no history to compare.
    try:
        return parse_period(period).end
    except ValueError:
        return None


def check_value(
    indicator: Indicator,
    period: str,
    value: float,
    previous: Iterable[tuple[str, float]],
    *,
    band: PlausibilityBand | None = None,
    today: dt.date | None = None,
) -> list[Flag]:
    """Return the flags for `value` at `period`, given the cell's current values of other periods."""
    band = band or PlausibilityBand()
    today = today or dt.datetime.now(dt.UTC).date()
    end = parse_period(period).end
    others = sorted(
        (
            (end_of, p, float(v))
            for p, v in previous
            if p != period and v is not None
            if (end_of := _period_end(p))
        ),
        key=lambda item: item[0],
    )
    earlier = [item for item in others if item[0] < end]
    flags: list[Flag] = []
    far = _far_from_history(value, earlier, band)
    if far is not None:
        flags.append(far)
    if indicator.cumulative and earlier:
        _end, top_period, top_value = max(earlier, key=lambda item: item[2])
        if value < top_value:
            flags.append(
                Flag(
                    "cumulative_fall",
                    f"{indicator.id} is a running total, but {_num(value)} is less than "
                    f"{_num(top_value)} in {top_period}",
                    {"previous_period": top_period, "previous_value": _num(top_value), "value": _num(value)},
                )
            )
    ends = period_end_date(period)
    if today < ends:
        flags.append(
            Flag(
                "period_not_ended",
                f"{period} has not ended yet (it ends on {ends - dt.timedelta(days=1):%Y-%m-%d})",
                {"period": period, "last_day": f"{ends - dt.timedelta(days=1):%Y-%m-%d}"},
            )
        )
    return flags


def _far_from_history(
    value: float, earlier: Sequence[tuple[float, str, float]], band: PlausibilityBand
) -> Flag | None:
    if not earlier:
        return None
    _, last_period, last_value = earlier[-1]
    if last_value > 0 and value >= 0:
        ratio = value / last_value
        if ratio > band.ratio_high or ratio < band.ratio_low:
            times = _ratio_text(ratio)
            return Flag(
                "far_from_history",
                f"{_num(value)} is {times}× the value of {last_period} ({_num(last_value)})",
                {"ratio": times, "previous_period": last_period, "previous_value": _num(last_value)},
            )
    values = [v for _, _, v in earlier]
    if len(values) >= band.min_history:
        median = statistics.median(values)
        mad = statistics.median(abs(v - median) for v in values)
        if mad > 0:
            z = (value - median) / (MAD_SCALE * mad)
            if abs(z) > band.robust_z:
                return Flag(
                    "far_from_history",
                    f"{_num(value)} is {abs(z):.1f} robust standard deviations from the median "
                    f"{_num(median)} of {len(values)} earlier periods",
                    {
                        "ratio": _ratio_text(value / median) if median else "—",
                        "previous_period": f"{earlier[0][1]}—{earlier[-1][1]}",
                        "previous_value": _num(median),
                    },
                )
    return None


def flags_json(flags: Sequence[Flag]) -> str | None:
    """Return the flags as the JSON text stored with a revision (None when there are none)."""
    if not flags:
        return None
    return json.dumps([f.as_dict() for f in flags], ensure_ascii=False, sort_keys=True)


def read_flags(text: str | None) -> list[Flag]:
    """Return the flags stored with a revision (an empty list for none or unreadable text)."""
    if not text:
        return []
    try:
        items = json.loads(text)
    except ValueError:
        return []
    if not isinstance(items, list):
        return []
    return [
        Flag(
            str(i.get("code", "")),
            str(i.get("message", "")),
            {k: str(v) for k, v in i.get("params", {}).items()},
        )
        for i in items
        if isinstance(i, dict)
    ]


def unconfirmed_problem(cell: tuple[str, str, str], flags: Sequence[Flag]) -> Problem:
    """Return the problem a flagged save without a reason reports: confirm with a reason, or correct it."""
    return Problem(
        f"{cell[0]} at {cell[1]} for {cell[2]}: "
        + "; ".join(f.message for f in flags)
        + "; nothing was saved",
        path="flag_reason",
        hint="check the value; if it is right, confirm it with a reason",
        code="plausibility.unconfirmed",
        params={"n": len(flags)},
    )
