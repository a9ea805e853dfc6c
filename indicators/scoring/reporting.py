"""The reporting calendar and where a round stands: which cells are owed, by when, and in what state.

Pure functions of the catalogue, the cells' states (see `rounds.state_frame`) and a date.

Which cells are expected (owed):
- periods: every period of the indicator's frequency from `framework.reporting.start_year` that has ENDED
  by the date (a period under way is not owed yet);
- places: the city (framework.default_place) always; the counties too when the indicator says
  `report_counties: true`, or, when it says nothing, when the store already holds a county value of it
  (a department that reported by county once is expected to keep doing so);
- the department that owes the cell is the indicator's first (reporting) department.

A cell's state: approved / submitted (awaiting review) / returned (with reason) when it has a value;
otherwise missing, and overdue once its due date (period end + due days) has passed.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import pandas as pd

from indicators.catalogue import Catalogue
from indicators.models import Indicator
from indicators.periods import _end_date, parse_period, periods_between

COUNTS = ["expected", "approved", "submitted", "returned", "missing", "overdue"]


@functools.lru_cache(maxsize=4096)
def period_last_day(period: str) -> dt.date:
    """Return the last day of a period (2024 → 2024-12-31, 2024Q1 → 2024-03-31)."""
    return _end_date(parse_period(period)) - dt.timedelta(days=1)


def due_days(catalogue: Catalogue, ind: Indicator) -> int:
    """Return how many days after its period ends an indicator's value is due."""
    if ind.due_days is not None:
        return ind.due_days
    return getattr(catalogue.framework.reporting.due_days, ind.frequency)


def due_date(catalogue: Catalogue, indicator_id: str, period: str) -> dt.date:
    """Return the date by which the indicator's value for the period is due."""
    ind = catalogue.indicators[indicator_id]
    return period_last_day(period) + dt.timedelta(days=due_days(catalogue, ind))


def expected_periods(frequency: str, start_year: int, today: dt.date) -> list[str]:
    """Return the periods of a frequency from start_year that have ended by `today`, oldest first."""
    return [p for p in periods_between(frequency, start_year, today.year) if period_last_day(p) < today]


def expected_places(catalogue: Catalogue, ind: Indicator, with_county_data: set[str]) -> list[str]:
    """Return the places that owe the indicator's value (see the module doc)."""
    city = catalogue.framework.default_place
    counties = ind.report_counties if ind.report_counties is not None else ind.id in with_county_data
    return [city] + ([p.code for p in catalogue.counties(city)] if counties else [])


def county_indicators(catalogue: Catalogue, states: pd.DataFrame) -> set[str]:
    """Return the indicators the store holds a county value of."""
    city = catalogue.framework.default_place
    counties = {p.code for p in catalogue.counties(city)}
    if states.empty:
        return set()
    return set(states.loc[states["place_code"].isin(counties), "indicator_id"].unique())


@dataclass(frozen=True)
class Expected:
    """The expected cells of one indicator: its places × its ended periods, with each period's due date."""

    indicator_id: str
    department: str
    places: list[str]
    periods: list[str]
    due: list[dt.date]


def expectations(
    catalogue: Catalogue, states: pd.DataFrame, today: dt.date, start_year: int | None = None
) -> list[Expected]:
    """Return what each indicator owes as of `today`."""
    first = start_year if start_year is not None else catalogue.framework.reporting.start_year
    with_counties = county_indicators(catalogue, states)
    by_frequency = {f: expected_periods(f, first, today) for f in ("year", "quarter", "month")}
    out = []
    for ind_id, ind in catalogue.indicators.items():
        periods = by_frequency[ind.frequency]
        days = dt.timedelta(days=due_days(catalogue, ind))
        out.append(
            Expected(
                indicator_id=ind_id,
                department=ind.departments[0],
                places=expected_places(catalogue, ind, with_counties),
                periods=periods,
                due=[period_last_day(p) + days for p in periods],
            )
        )
    return out


def _owed_states(catalogue: Catalogue, exp: list[Expected], states: pd.DataFrame) -> pd.DataFrame:
    # The states of expected cells only (values for other places or periods are not part of the round).
    if states.empty:
        return states.assign(department=pd.Series(dtype=object))
    city = catalogue.framework.default_place
    with_counties = {e.indicator_id for e in exp if len(e.places) > 1}
    counties = [p.code for p in catalogue.counties(city)]
    owed_periods = {p for e in exp for p in e.periods}
    ind = states["indicator_id"]
    place = states["place_code"]
    # Vectorised: a period is owed when it has ended (and lies in range); every indicator of a frequency owes
    # the same periods, and a stored period always fits its indicator's frequency.
    keep = states["period"].isin(owed_periods) & (
        (place == city) | (place.isin(counties) & ind.isin(with_counties))
    )
    owed = states.loc[keep.to_numpy(), ["indicator_id", "period", "state"]]
    dept = {e.indicator_id: e.department for e in exp}
    return owed.assign(department=owed["indicator_id"].map(dept))


def status_matrix(
    catalogue: Catalogue, states: pd.DataFrame, today: dt.date, start_year: int | None = None
) -> pd.DataFrame:
    """Return one row per department × period: expected, approved, submitted, returned, missing, overdue."""
    exp = expectations(catalogue, states, today, start_year)
    rows: dict[tuple[str, str], list[int]] = {}
    overdue_at: dict[tuple[str, str], bool] = {}
    for e in exp:
        for period, due in zip(e.periods, e.due, strict=True):
            key = (e.department, period)
            counts = rows.setdefault(key, [0, 0, 0, 0, 0, 0])
            counts[0] += len(e.places)
            overdue_at[key] = due < today
    owed = _owed_states(catalogue, exp, states)
    got = owed.groupby(["department", "period", "state"]).size() if len(owed) else pd.Series(dtype=int)
    for (dept, period, state), n in got.items():
        counts = rows[(dept, period)]
        counts[{"approved": 1, "submitted": 2, "returned": 3}[state]] += int(n)
    records = []
    for (dept, period), c in sorted(rows.items(), key=lambda kv: (kv[0][0], _period_end(kv[0][1]))):
        missing = c[0] - c[1] - c[2] - c[3]
        overdue = missing if overdue_at[(dept, period)] else 0
        records.append((dept, period, c[0], c[1], c[2], c[3], missing, overdue))
    frame = pd.DataFrame(records, columns=["department", "period", *COUNTS])
    if frame.empty:
        return frame
    frame["reported_rate"] = (frame["expected"] - frame["missing"]) / frame["expected"]
    frame["approved_rate"] = frame["approved"] / frame["expected"]
    return frame


@functools.lru_cache(maxsize=4096)
def _period_end(period: str) -> float:
    return parse_period(period).end


def cells(
    catalogue: Catalogue,
    states: pd.DataFrame,
    today: dt.date,
    *,
    department: str | None = None,
    periods: set[str] | None = None,
    start_year: int | None = None,
) -> pd.DataFrame:
    """Return every expected cell (of a department / periods) with its state, due date and days overdue."""
    exp = expectations(catalogue, states, today, start_year)
    if department is not None:
        exp = [e for e in exp if e.department == department]
    part = states[states["indicator_id"].isin({e.indicator_id for e in exp})] if len(states) else states
    if periods is not None and len(part):
        part = part[part["period"].isin(periods)]
    found: dict[tuple[str, str, str], tuple[str, object, int]] = {}
    if len(part):
        found = {
            (i, pl, pe): (st, rs, int(rv))
            for i, pl, pe, st, rs, rv in zip(
                part["indicator_id"],
                part["place_code"],
                part["period"],
                part["state"],
                part["reason"],
                part["revision"],
                strict=True,
            )
        }
    records = []
    for e in exp:
        for period, due in zip(e.periods, e.due, strict=True):
            if periods is not None and period not in periods:
                continue
            for place in e.places:
                hit = found.get((e.indicator_id, place, period))
                if hit is not None:
                    state, reason, revision = hit
                    reason = reason if isinstance(reason, str) else None
                else:
                    state, reason, revision = ("overdue" if due < today else "missing"), None, 0
                days = (today - due).days if state == "overdue" else 0
                records.append(
                    (e.department, e.indicator_id, place, period, due, state, days, reason, revision)
                )
    columns = [
        "department",
        "indicator_id",
        "place_code",
        "period",
        "due",
        "state",
        "days_overdue",
        "reason",
        "revision",
    ]
    return pd.DataFrame(records, columns=columns)


def awaiting_review(
    catalogue: Catalogue,
    states: pd.DataFrame,
    periods: set[str] | None = None,
    department: str | None = None,
) -> pd.DataFrame:
    """Return the cells awaiting review (state submitted), oldest entry first, whatever path wrote them."""
    waiting = states[states["state"] == "submitted"]
    if periods is not None:
        waiting = waiting[waiting["period"].isin(periods)]
    if department is not None:
        waiting = waiting[waiting["indicator_id"].isin(set(catalogue.indicators_of_department(department)))]
    # entered_at is one kind of time (rounds.state_frame); the revision breaks ties of one import.
    return waiting.sort_values(["entered_at", "indicator_id", "place_code", "period"], kind="stable")


def current_round(today: dt.date) -> int:
    """Return the year whose values are being collected now: the last year that has ended."""
    return today.year - 1


def round_periods(year: int) -> set[str]:
    """Return every period of a year: the year, its quarters and months."""
    return {p for f in ("year", "quarter", "month") for p in periods_between(f, year, year)}


def round_rate(matrix: pd.DataFrame, year: int) -> dict[str, float | int]:
    """Return the reporting rate of a year's round over every department: counts and rates."""
    part = matrix[matrix["period"].isin(round_periods(year))] if len(matrix) else matrix
    totals = {c: int(part[c].sum()) if len(part) else 0 for c in COUNTS}
    expected = totals["expected"]
    reported = expected - totals["missing"]
    return {
        **totals,
        "reported_rate": reported / expected if expected else 0.0,
        "approved_rate": totals["approved"] / expected if expected else 0.0,
    }
