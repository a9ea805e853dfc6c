"""A generated data set of observations for load tests: plausible values with revision histories."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd

from indicators.catalogue import Catalogue
from indicators.models import Indicator
from indicators.periods import parse_period, periods_between
from indicators.units import UNITS

GENERATED_BY = "generator"
FIRST_YEAR = 2000
LAST_YEAR = 2025


def periods_for(frequency: str, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> list[str]:
    """Return every period of a frequency from first_year to last_year, in order."""
    return periods_between(frequency, first_year, last_year)


def _anchor(ind: Indicator) -> tuple[float, float]:
    # Start and end levels of the generated trend: the baseline and target when the catalogue has them.
    if ind.direction == "range" and ind.range is not None:
        mid = (ind.range.min + ind.range.max) / 2
        return mid, mid
    if ind.baseline is not None and ind.target is not None:
        return ind.baseline.value, ind.target.value
    if ind.baseline is not None:
        return ind.baseline.value, ind.baseline.value * (1.2 if ind.direction == "increase" else 0.8)
    return (50.0, 80.0) if ind.direction == "increase" else (80.0, 50.0)


def _series(ind: Indicator, periods: list[str], scale: float, rng: np.random.Generator) -> np.ndarray:
    start, end = _anchor(ind)
    n = len(periods)
    # Places reach different parts of the path: some ahead, some behind.
    reach = rng.uniform(0.3, 1.1)
    frac = np.linspace(0.0, 1.0, n) * reach
    values = (start + (end - start) * frac) * scale
    noise = rng.normal(0.0, 0.03 * max(abs(start), abs(end), 1.0) * scale, n)
    values = values + noise
    unit = UNITS[ind.unit]
    if unit.symbol == "%":
        values = np.clip(values, 0.0, 100.0)
    elif unit.kind in ("count", "share", "rate", "amount"):
        values = np.clip(values, 0.0, None)
    values = np.round(values) if unit.kind == "count" else np.round(values, 2)
    return values


def _local_places(catalogue: Catalogue) -> list[tuple[str, float]]:
    city = catalogue.framework.default_place
    counties = catalogue.counties(city)
    return [(city, 1.0)] + [(p.code, 1.0 / max(len(counties), 1)) for p in counties]


def series_plan(catalogue: Catalogue) -> list[tuple[Indicator, str, float, list[str]]]:
    """Return (indicator, place code, scale, periods) for every generated series."""
    plan = []
    for ind in catalogue.indicators.values():
        periods = periods_for(ind.frequency)
        for code, share in _local_places(catalogue):
            # Counts of the city are the sum of its counties; rates are alike across places.
            scale = share if ind.combine == "sum" else 1.0
            plan.append((ind, code, scale, periods))
    return plan


def generate_observations(catalogue: Catalogue, observations: int, seed: int = 0) -> pd.DataFrame:
    """Return exactly `observations` saved values (with revisions) for the city and its counties.

    Columns: indicator_id, place_code, period, value, unit, revision. Every (indicator, place, period)
    gets revision 1; later revisions are corrections spread over the values until the count is reached.
    """
    rng = np.random.default_rng(seed)
    frames = list(_first_revisions(catalogue, rng))
    first = pd.concat(frames, ignore_index=True)
    if observations <= len(first):
        # A small set keeps the most recent periods of every series, so every indicator and place has data.
        recency = first.groupby(["indicator_id", "place_code"]).cumcount(ascending=False)
        keep = first.assign(_recency=recency).sort_values("_recency", kind="stable").head(observations)
        return keep.drop(columns="_recency").sort_index().reset_index(drop=True)
    extra = observations - len(first)
    per_value = math.ceil(extra / len(first))
    revisions = [first]
    remaining = extra
    for k in range(2, per_value + 2):
        take = min(remaining, len(first))
        if take <= 0:
            break
        chosen = first.iloc[rng.choice(len(first), size=take, replace=False)] if take < len(first) else first
        rev = chosen.copy()
        rev["revision"] = k
        jitter = rng.normal(1.0, 0.01, take)
        values = np.clip(rev["value"].to_numpy() * jitter, 0.0, None)
        values = np.where(rev["unit"].to_numpy() == "%", np.minimum(values, 100.0), values)
        rev["value"] = np.round(values, 2)
        revisions.append(rev)
        remaining -= take
    out = pd.concat(revisions, ignore_index=True)
    # Revisions of one value must be numbered 1, 2, 3 … without gaps, whatever was sampled.
    out = out.sort_values(["indicator_id", "place_code", "period", "revision"], kind="stable")
    out["revision"] = out.groupby(["indicator_id", "place_code", "period"]).cumcount() + 1
    return out.reset_index(drop=True)


def _first_revisions(catalogue: Catalogue, rng: np.random.Generator) -> Iterator[pd.DataFrame]:
    for ind, code, scale, periods in series_plan(catalogue):
        values = _series(ind, periods, scale, rng)
        yield pd.DataFrame(
            {
                "indicator_id": ind.id,
                "place_code": code,
                "period": periods,
                "value": values,
                "unit": ind.unit,
                "revision": 1,
            }
        )


GENERATED_PEOPLE = tuple(f"gen.user{i}" for i in range(1, 9))
_CHUNK = 20_000


def _entered_at(frame: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    # Each value is entered some weeks after its period ends, each correction some days after the last.
    ends = frame["period"].map(lambda p: parse_period(p).end)
    uniq = {e: pd.Timestamp(year=int(e), month=1, day=1, tz="UTC") for e in ends.unique()}
    base = ends.map(lambda e: uniq[e] + pd.Timedelta(days=(e - int(e)) * 365.25))
    offset_days = 20 + (frame["revision"].to_numpy() - 1) * 7 + rng.integers(0, 5, len(frame))
    return base + pd.to_timedelta(offset_days, unit="D")


GENERATED_REVIEWER = "reviewer_gen"


def _generated_reviews(frame: pd.DataFrame, rng: np.random.Generator, city: str) -> list[dict[str, object]]:
    # Past years and the city's own values are reviewed and approved; the counties' last year is a round
    # under way: most approved, some returned, the rest still waiting for review.
    cells = ["indicator_id", "place_code", "period"]
    latest = frame.loc[frame.groupby(cells)["revision"].idxmax(), cells + ["revision", "entered_at"]]
    draw = rng.random(len(latest))
    last_year = (latest["period"].str[:4].astype(int).to_numpy() >= LAST_YEAR) & (
        latest["place_code"].to_numpy() != city
    )
    action = np.where(~last_year | (draw < 0.6), "approve", np.where(draw < 0.7, "return", ""))
    latest = latest.assign(action=action)
    latest = latest[latest["action"] != ""]
    at = (latest["entered_at"] + pd.Timedelta(days=3)).dt.to_pydatetime()
    return [
        {
            "indicator_id": r.indicator_id,
            "place_code": r.place_code,
            "period": r.period,
            "revision": int(r.revision),
            "action": r.action,
            "reason": "generated: 请核实口径" if r.action == "return" else None,
            "reviewed_by": GENERATED_REVIEWER,
            "reviewed_at": when,
        }
        for r, when in zip(latest.itertuples(index=False), at, strict=True)
    ]


def load_generated(url: str, observations: int, seed: int = 0, catalogue: Catalogue | None = None) -> int:
    """Write a generated data set into an empty database; return the number of rows written."""
    from sqlalchemy import func, insert, select, update

    from indicators.catalogue import load_catalogue
    from indicators.errors import IndicatorsError, Problem
    from indicators.store.db import observations as table
    from indicators.store.db import store_state, write_transaction
    from indicators.store.rounds import reviews
    from indicators.store.store import Store

    cat = catalogue if catalogue is not None else load_catalogue()
    store = Store(url=url, catalogue=cat)
    try:
        with store.engine.connect() as conn:
            existing = conn.execute(select(func.count()).select_from(table)).scalar_one()
        if existing:
            raise IndicatorsError(
                [
                    Problem(
                        f"the database already holds {existing} observations; generated data go into an "
                        "empty database only",
                        path="db",
                        hint="give a new file, e.g. --db sqlite:///data/generated.db",
                    )
                ]
            )
        rng = np.random.default_rng(seed)
        frame = generate_observations(cat, observations, seed)
        frame["entered_at"] = _entered_at(frame, rng)
        frame["entered_by"] = np.asarray(GENERATED_PEOPLE)[rng.integers(0, len(GENERATED_PEOPLE), len(frame))]
        frame["qualifier"] = "exact"
        frame["retracted"] = False
        frame["source_kind"] = "import"
        frame["source_ref"] = f"generated data set (seed {seed})"
        frame["note"] = None
        frame["reason"] = np.where(frame["revision"] > 1, "generated correction", None)
        review_records = _generated_reviews(frame, rng, cat.framework.default_place)
        frame["entered_at"] = frame["entered_at"].dt.to_pydatetime()
        records = frame.to_dict("records")
        with write_transaction(store.engine) as conn:
            for start in range(0, len(records), _CHUNK):
                conn.execute(insert(table), records[start : start + _CHUNK])
            for start in range(0, len(review_records), _CHUNK):
                conn.execute(insert(reviews), review_records[start : start + _CHUNK])
            conn.execute(
                update(store_state)
                .where(store_state.c.id == 1)
                .values(data_version=store_state.c.data_version + 1)
            )
        return len(records)
    finally:
        store.close()
