"""Roll-ups: county figures into the city's, and indicator scores into first-level, theme and the 心安指数."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.scoring.params import period_ends
from indicators.scoring.progress import OBS_COLUMNS

ROLLUP_SOURCE = "county_rollup"

GAP_COLUMNS = ["indicator_id", "period", "combine", "n_reported", "n_counties", "missing_counties", "reason"]


def _combined_qualifier(counts: dict[str, np.ndarray], n: int) -> np.ndarray:
    # A sum or mean of exact figures and lower bounds is a lower bound, and likewise for upper bounds;
    # mixing kinds of bound leaves only "about".
    kinds = np.zeros(n, dtype=int)
    chosen = np.full(n, "exact", dtype=object)
    for name, count in counts.items():
        present = count > 0
        kinds += present
        chosen = np.where(present, name, chosen)
    return np.where(kinds > 1, "about", chosen)


def rollup_places(
    observations: pd.DataFrame, params: pd.DataFrame, places: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add the city's value from its counties where the city has none; return (observations, gaps).

    Counties are the city's non-comparison children. `combine: sum` adds them, `mean` takes their plain
    mean, `none` never rolls up. A period gets a rolled-up value only when every county reported it; the
    others are listed in `gaps` (columns GAP_COLUMNS). The city's own value for a period always wins.
    """
    city_rows = places.loc[places["is_city"], "place_code"]
    empty_gaps = pd.DataFrame(columns=GAP_COLUMNS)
    if city_rows.empty:
        return observations, empty_gaps
    city = city_rows.iat[0]
    counties = places.loc[places["is_county"], "place_code"].to_numpy()
    n_counties = len(counties)
    combine = params.set_index("indicator_id")["combine"]
    rollable = combine[combine.isin(["sum", "mean"])].index
    sub = observations.loc[
        observations["place_code"].isin(counties) & observations["indicator_id"].isin(rollable),
        ["indicator_id", "period", "place_code", "value", "qualifier"],
    ]
    if sub.empty or n_counties == 0:
        return observations, empty_gaps

    # Group by integer codes of (indicator, period): bincount does the sums without string hashing.
    ind_codes, ind_uniques = pd.factorize(sub["indicator_id"])
    per_codes, per_uniques = pd.factorize(sub["period"])
    ind_uniques = np.asarray(ind_uniques, dtype=object)
    per_uniques = np.asarray(per_uniques, dtype=object)
    n_per = len(per_uniques)
    codes, key_uniques = pd.factorize(ind_codes.astype(np.int64) * n_per + per_codes)
    n = len(key_uniques)
    values = sub["value"].to_numpy(dtype=float)
    total = np.bincount(codes, weights=values, minlength=n)
    count = np.bincount(codes, minlength=n)
    qual = sub["qualifier"].fillna("exact").to_numpy(dtype=object)
    q_counts = {
        q: np.bincount(codes[qual == q], minlength=n) for q in ("more_than", "nearly", "about", "at_most")
    }
    key_ind, key_per = np.divmod(np.asarray(key_uniques), n_per)
    grouped = pd.DataFrame({"indicator_id": ind_uniques[key_ind], "period": per_uniques[key_per]})
    grouped["combine"] = combine.reindex(grouped["indicator_id"]).to_numpy()
    grouped["n_reported"] = count
    grouped["value"] = np.where(grouped["combine"] == "sum", total, total / np.maximum(count, 1))
    grouped["qualifier"] = _combined_qualifier(q_counts, n)

    # The city's own value wins: drop (indicator, period) pairs it already has.
    own = observations.loc[observations["place_code"] == city, ["indicator_id", "period"]]
    own_ind = pd.Index(ind_uniques).get_indexer(own["indicator_id"])
    own_per = pd.Index(per_uniques).get_indexer(own["period"])
    both = (own_ind >= 0) & (own_per >= 0)
    own_keys = own_ind[both].astype(np.int64) * n_per + own_per[both]
    grouped = grouped.loc[~np.isin(np.asarray(key_uniques), own_keys)]
    complete = grouped["n_reported"] == n_counties

    new_rows = _city_rows(grouped.loc[complete], params, city, n_counties)
    combined = pd.concat([observations, new_rows], ignore_index=True) if len(new_rows) else observations
    partial = grouped.loc[~complete]
    if partial.empty:
        return combined, empty_gaps
    return combined, _gaps(sub, partial, counties)


def _city_rows(rolled: pd.DataFrame, params: pd.DataFrame, city: str, n_counties: int) -> pd.DataFrame:
    """Return the city's rolled-up observations, one per complete (indicator, period), noted as sum or mean."""
    unit = params.set_index("indicator_id")["unit"]
    return pd.DataFrame(
        {
            "indicator_id": rolled["indicator_id"].to_numpy(),
            "place_code": city,
            "period": rolled["period"].to_numpy(),
            "value": rolled["value"].to_numpy(),
            "unit": unit.reindex(rolled["indicator_id"]).to_numpy(),
            "qualifier": rolled["qualifier"].to_numpy(),
            "source_kind": ROLLUP_SOURCE,
            "note": np.where(
                rolled["combine"] == "sum", f"sum of {n_counties} counties", f"mean of {n_counties} counties"
            ),
        }
    )


def _gaps(sub: pd.DataFrame, partial: pd.DataFrame, counties: np.ndarray) -> pd.DataFrame:
    """Return the (indicator, period) pairs not every county reported, naming the missing counties."""
    # Naming the missing counties loops over incomplete (indicator, period) pairs only.
    reported = (
        sub.merge(partial[["indicator_id", "period"]], on=["indicator_id", "period"])
        .groupby(["indicator_id", "period"])["place_code"]
        .agg(set)
    )
    gaps = partial[["indicator_id", "period", "combine", "n_reported"]].copy()
    gaps["n_counties"] = len(counties)
    gaps["missing_counties"] = [
        sorted(set(counties) - reported.get((i, p), set()))
        for i, p in zip(gaps["indicator_id"], gaps["period"], strict=True)
    ]
    gaps["reason"] = "not every county reported; no city value rolled up"
    gaps = gaps.sort_values(["indicator_id", "period"], key=_period_sort_key).reset_index(drop=True)
    return gaps[GAP_COLUMNS]


def _period_sort_key(col: pd.Series) -> pd.Series:
    return pd.Series(period_ends(col), index=col.index) if col.name == "period" else col


def _weighted(frame: pd.DataFrame, keys: list[str], score: str, weight: str) -> pd.Series:
    has = frame[score].notna()
    w = frame[weight].where(has, 0.0)
    num = (frame[score].fillna(0.0) * w).groupby([frame[k] for k in keys]).sum()
    den = w.groupby([frame[k] for k in keys]).sum()
    # No child with data → no score (NaN), never 0.
    return (num / den).where(den > 0)


COUNT_COLUMNS = ["n_indicators", "n_with_data", "n_with_target", "n_scored", "n_scored_example_target"]
ROLLUP_COLUMNS = [
    "place_code",
    "level",
    "id",
    "parent_id",
    "score",
    *COUNT_COLUMNS,
    "coverage_data",
    "coverage_target",
    "coverage_scored",
]


def rollup_scores(scored: pd.DataFrame, score_col: str = "score") -> pd.DataFrame:
    """Return first-level, theme and city-index scores per place, each with its coverage (ROLLUP_COLUMNS).

    Scores are weighted means over the children that have a score, weights renormalised over those;
    coverage counts second-level indicators: with data, with a target that applies, and scored.
    """
    f = scored.assign(
        n_indicators=1,
        n_with_data=scored["value"].notna().astype(int),
        n_with_target=scored["target_applies"].astype(int),
        n_scored=scored[score_col].notna().astype(int),
        n_scored_example_target=(scored[score_col].notna() & (scored["target_kind"] == "example")).astype(
            int
        ),
    )
    first = f.groupby(["place_code", "theme_id", "first_level_id"])[COUNT_COLUMNS].sum()
    first["score"] = _weighted(f, ["place_code", "theme_id", "first_level_id"], score_col, "weight")
    first["weight"] = f.groupby(["place_code", "theme_id", "first_level_id"])["first_level_weight"].first()
    first = first.reset_index()

    theme = first.groupby(["place_code", "theme_id"])[COUNT_COLUMNS].sum()
    theme["score"] = _weighted(first, ["place_code", "theme_id"], "score", "weight")
    theme["weight"] = f.groupby(["place_code", "theme_id"])["theme_weight"].first()
    theme = theme.reset_index()

    index = theme.groupby(["place_code"])[COUNT_COLUMNS].sum()
    index["score"] = _weighted(theme, ["place_code"], "score", "weight")
    index = index.reset_index()

    parts = [
        first.rename(columns={"first_level_id": "id", "theme_id": "parent_id"}).assign(level="first_level"),
        theme.rename(columns={"theme_id": "id"}).assign(level="theme", parent_id="index"),
        index.assign(level="index", id="index", parent_id=None),
    ]
    out = pd.concat(parts, ignore_index=True)
    n = out["n_indicators"].where(out["n_indicators"] > 0)
    out["coverage_data"] = out["n_with_data"] / n
    out["coverage_target"] = out["n_with_target"] / n
    out["coverage_scored"] = out["n_scored"] / n
    return out[ROLLUP_COLUMNS]


__all__ = ["GAP_COLUMNS", "OBS_COLUMNS", "ROLLUP_COLUMNS", "rollup_places", "rollup_scores"]
