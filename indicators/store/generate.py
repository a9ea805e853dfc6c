"""A generated data set of observations for load tests: plausible values with revision histories."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from indicators.catalogue import Catalogue
from indicators.models import Indicator, Place
from indicators.periods import parse_period, periods_between
from indicators.store.db import bump
from indicators.store.integrity import GENESIS, row_hash
from indicators.store.store import _bulk_insert
from indicators.units import UNITS

if TYPE_CHECKING:
    from sqlalchemy import Connection

FIRST_YEAR = 2000
LAST_YEAR = 2025
# Seven counties × 13 = the 91 towns and streets (乡镇/街道) of the town-level set.
TOWNS_PER_COUNTY = 13
LEVELS = ("county", "town")


def generated_towns(catalogue: Catalogue, per_county: int = TOWNS_PER_COUNTY) -> list[Place]:
    """Return made-up towns under each county: code county+001…, named '滨城区 乡镇 01（生成）'.

    They are not Binzhou's real towns and never enter the shipped catalogue: they exist only with the
    generated town-level data set (see town_catalogue).
    """
    city = catalogue.framework.default_place
    return [
        Place(
            code=f"{county.code}{i:03d}",
            name_zh=f"{county.name_zh} 乡镇 {i:02d}（生成）",
            name_en=f"{county.name_en} town {i:02d} (generated)",
            level="town",
            parent=county.code,
        )
        for county in catalogue.counties(city)
        for i in range(1, per_county + 1)
    ]


def town_catalogue(catalogue: Catalogue) -> Catalogue:
    """Return the catalogue with the generated towns added, for reading and writing the town-level set."""
    return catalogue.with_places(generated_towns(catalogue))


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


def _local_places(catalogue: Catalogue, level: str = "county") -> list[tuple[str, float]]:
    city = catalogue.framework.default_place
    counties = catalogue.counties(city)
    share = 1.0 / max(len(counties), 1)
    places = [(city, 1.0)] + [(p.code, share) for p in counties]
    if level == "town":
        towns = generated_towns(catalogue)
        places += [(t.code, share / TOWNS_PER_COUNTY) for t in towns]
    return places


def series_plan(
    catalogue: Catalogue, level: str = "county", first_year: int = FIRST_YEAR
) -> list[tuple[Indicator, str, float, list[str]]]:
    """Return (indicator, place code, scale, periods) for every generated series.

    Periods follow each indicator's frequency: monthly indicators get every month, quarterly ones every
    quarter, annual ones every year, from first_year to LAST_YEAR.
    """
    plan = []
    for ind in catalogue.indicators.values():
        periods = periods_for(ind.frequency, first_year)
        for code, share in _local_places(catalogue, level):
            # Counts of the city are the sum of its counties; rates are alike across places.
            scale = share if ind.combine == "sum" else 1.0
            plan.append((ind, code, scale, periods))
    return plan


def generate_observations(
    catalogue: Catalogue,
    observations: int,
    seed: int = 0,
    *,
    level: str = "county",
    first_year: int = FIRST_YEAR,
) -> pd.DataFrame:
    """Return exactly `observations` saved values (with revisions) for the city and its counties (and towns).

    Columns: indicator_id, place_code, period, value, unit, revision. Every (indicator, place, period)
    gets revision 1; later revisions are corrections spread over the values until the count is reached.
    level "town" adds the generated towns (generated_towns) under every county.
    """
    rng = np.random.default_rng(seed)
    first = _first_revisions(catalogue, rng, level, first_year)
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
        counts = rev["unit"].map(lambda u: UNITS[u].kind == "count").to_numpy(dtype=bool)
        rev["value"] = np.where(counts, np.round(values), np.round(values, 2))
        revisions.append(rev)
        remaining -= take
    out = pd.concat(revisions, ignore_index=True)
    # Revisions of one value must be numbered 1, 2, 3 … without gaps, whatever was sampled.
    out = out.sort_values(["indicator_id", "place_code", "period", "revision"], kind="stable")
    out["revision"] = out.groupby(["indicator_id", "place_code", "period"]).cumcount() + 1
    return out.reset_index(drop=True)


def _first_revisions(
    catalogue: Catalogue, rng: np.random.Generator, level: str, first_year: int
) -> pd.DataFrame:
    # One frame built from whole columns: a frame per series costs milliseconds each, 8,000 of them.
    ids, codes, periods, values, units, lengths = [], [], [], [], [], []
    for ind, code, scale, series_periods in series_plan(catalogue, level, first_year):
        values.append(_series(ind, series_periods, scale, rng))
        periods.extend(series_periods)
        ids.append(ind.id)
        codes.append(code)
        units.append(ind.unit)
        lengths.append(len(series_periods))
    return pd.DataFrame(
        {
            "indicator_id": np.repeat(np.asarray(ids, dtype=object), lengths),
            "place_code": np.repeat(np.asarray(codes, dtype=object), lengths),
            "period": periods,
            "value": np.concatenate(values),
            "unit": np.repeat(np.asarray(units, dtype=object), lengths),
            "revision": 1,
        }
    )


GENERATED_PEOPLE = tuple(f"gen.user{i}" for i in range(1, 9))
_CHUNK = 20_000


def _entered_at(frame: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    # Each value is entered some weeks after its period ends, each correction some days after the last.
    # Each distinct period is parsed once: the town-level set has millions of rows but a few hundred periods.
    codes, texts = pd.factorize(frame["period"])
    ends = [parse_period(p).end for p in texts]
    moments = pd.DatetimeIndex(
        [
            pd.Timestamp(year=int(e), month=1, day=1, tz="UTC") + pd.Timedelta(days=(e - int(e)) * 365.25)
            for e in ends
        ]
    )
    base = pd.Series(moments[codes], index=frame.index)
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


def load_generated(
    url: str,
    observations: int,
    seed: int = 0,
    catalogue: Catalogue | None = None,
    *,
    level: str = "county",
    first_year: int = FIRST_YEAR,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Write a generated data set into an empty database; return the number of rows written.

    Every row is hash-chained as the store chains it (indicators.store.integrity), so `verify` passes;
    PostgreSQL receives the rows through COPY.
    """
    from sqlalchemy import func, select

    from indicators.catalogue import load_catalogue
    from indicators.errors import IndicatorsError, Problem
    from indicators.store.db import observations as table
    from indicators.store.db import write_transaction
    from indicators.store.store import Store

    say = progress or (lambda _text: None)
    cat = catalogue if catalogue is not None else load_catalogue()
    if level == "town":
        cat = town_catalogue(cat)
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
        started = time.perf_counter()
        frame = _generated_frame(cat, observations, seed, level, first_year)
        review_records = _generated_reviews(
            frame, np.random.default_rng(seed + 1), cat.framework.default_place
        )
        say(
            f"generated {len(frame):,} rows and {len(review_records):,} reviews in {time.perf_counter() - started:.1f} s"
        )
        with write_transaction(store.engine) as conn:
            bump(conn)  # first: holds the write lock the hash chain needs, as every writer does
            prev = GENESIS
            for start in range(0, len(frame), _CHUNK):
                records = _records(frame.iloc[start : start + _CHUNK])
                for r in records:
                    r["prev_hash"] = prev
                    r["row_hash"] = prev = row_hash(prev, r)
                _bulk_insert(conn, records)
                if (start // _CHUNK) % 25 == 24:
                    say(f"wrote {start + len(records):,} rows ({time.perf_counter() - started:.0f} s)")
            _insert_reviews(conn, review_records)
        with store.engine.connect() as conn:
            # Fresh statistics: without them PostgreSQL plans the current-value join for a handful of rows.
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        say(f"committed {len(frame):,} rows in {time.perf_counter() - started:.1f} s")
        return len(frame)
    finally:
        store.close()


def _generated_frame(
    cat: Catalogue, observations: int, seed: int, level: str, first_year: int
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = generate_observations(cat, observations, seed, level=level, first_year=first_year)
    frame["entered_at"] = _entered_at(frame, rng)
    frame["entered_by"] = np.asarray(GENERATED_PEOPLE)[rng.integers(0, len(GENERATED_PEOPLE), len(frame))]
    frame["qualifier"] = "exact"
    frame["retracted"] = False
    frame["source_kind"] = "import"
    frame["source_ref"] = f"generated data set (seed {seed})"
    frame["note"] = None
    frame["reason"] = np.where(frame["revision"] > 1, "generated correction", None)
    return frame


def _records(chunk: pd.DataFrame) -> list[dict[str, object]]:
    # Plain Python values: the row hash is computed over exactly what the database gives back.
    records = chunk.drop(columns="entered_at").to_dict("records")
    for r, when in zip(records, chunk["entered_at"].dt.to_pydatetime(), strict=True):
        r["entered_at"] = when
        for name in ("note", "reason"):
            if not isinstance(r[name], str):  # pandas may hold a missing text as NaN
                r[name] = None
        for name in _NULL_COLUMNS:
            r[name] = None
    return records


_NULL_COLUMNS = ("document_id", "quote", "quote_offset", "flags", "flag_reason")
_REVIEW_COLUMNS = (
    "indicator_id",
    "place_code",
    "period",
    "revision",
    "action",
    "reason",
    "reviewed_by",
    "reviewed_at",
)


def _insert_reviews(conn: Connection, records: list[dict[str, object]]) -> None:
    from sqlalchemy import insert

    from indicators.store.db import reviews

    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY reviews ({', '.join(_REVIEW_COLUMNS)}) FROM STDIN") as copy:
            for r in records:
                copy.write_row([r[n] for n in _REVIEW_COLUMNS])
        cursor.close()
        return
    for start in range(0, len(records), _CHUNK):
        conn.execute(insert(reviews), records[start : start + _CHUNK])
