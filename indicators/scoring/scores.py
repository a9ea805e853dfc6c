"""Score observations against the catalogue: place roll-up, per-indicator progress, theme and city index."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from indicators.catalogue import Catalogue
from indicators.models import Scoring
from indicators.scoring.params import indicator_params, period_ends, place_params
from indicators.scoring.progress import latest_values, target_progress, unknown_indicators
from indicators.scoring.rollup import GAP_COLUMNS, rollup_places, rollup_scores
from indicators.scoring.sdg_progress import sdg_progress

Method = Literal["target_progress", "sdg_progress"]

# Columns of Scores.indicators a page shows, in reading order.
INDICATOR_COLUMNS = [
    "indicator_id",
    "place_code",
    "theme_id",
    "first_level_id",
    "period",
    "value",
    "unit",
    "qualifier",
    "source_kind",
    "baseline_value",
    "baseline_period",
    "baseline_source",
    "target_value",
    "target_period",
    "target_kind",
    "target_applies",
    "direction",
    "range_min",
    "range_max",
    "progress",
    "expected",
    "target_status",
    "cagr_observed",
    "cagr_required",
    "sdg_value",
    "sdg_status",
    "sdg_score",
    "sdg_limit",
    "sdg_coefficient",
    "method",
    "status",
    "score",
    "prev_period",
    "prev_value",
    "change_prev",
    "change_baseline",
    "trend",
    "n_periods",
]


@dataclass
class Scores:
    """Everything scoring produces for a set of observations."""

    method: Method
    indicators: pd.DataFrame  # one row per indicator × place (INDICATOR_COLUMNS)
    rollups: pd.DataFrame  # first_level / theme / index per place with coverage (rollup.ROLLUP_COLUMNS)
    county_gaps: pd.DataFrame  # (indicator, period) pairs the city could not be rolled up for
    unknown_indicators: list[str] = field(default_factory=list)


def score_frames(
    observations: pd.DataFrame,
    params: pd.DataFrame,
    places: pd.DataFrame,
    scoring: Scoring,
    method: Method | None = None,
) -> Scores:
    """Score observations given prebuilt parameter tables (indicator_params, place_params)."""
    chosen: Method = method or scoring.method
    frame, gaps = _scored_rows(observations, params, places, scoring, chosen)
    rollups = rollup_scores(frame)
    indicators = frame[INDICATOR_COLUMNS + ["weight", "first_level_weight", "theme_weight"]]
    return Scores(
        method=chosen,
        indicators=indicators,
        rollups=rollups,
        county_gaps=gaps,
        unknown_indicators=unknown_indicators(observations, params),
    )


def _scored_rows(
    observations: pd.DataFrame, params: pd.DataFrame, places: pd.DataFrame, scoring: Scoring, chosen: Method
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return one scored row per indicator × place (before the roll-ups) and the county gaps."""
    obs, gaps = rollup_places(observations, params, places)
    frame = latest_values(obs, params, places)
    frame = target_progress(frame, scoring.status)
    frame = sdg_progress(frame, scoring.sdg)
    frame["method"] = chosen
    if chosen == "sdg_progress":
        frame["status"] = frame["sdg_status"]
        # sdg-build's score runs from -5 to 5; the index needs 0–100.
        frame["score"] = np.where(
            frame["sdg_status"].isin(["no_data", "insufficient_data"]), np.nan, (frame["sdg_score"] + 5) * 10
        )
    else:
        frame["status"] = frame["target_status"]
        frame["score"] = frame["progress"]
    return frame, gaps


def score(observations: pd.DataFrame, catalogue: Catalogue, method: Method | None = None) -> Scores:
    """Score current observations against the catalogue with the framework's (or the given) method."""
    return score_frames(
        observations,
        indicator_params(catalogue),
        place_params(catalogue),
        catalogue.framework.scoring,
        method,
    )


# More indicators touched than this share of the catalogue: score everything again instead.
RESCORE_SHARE = 0.25


def rescore(
    previous: Scores,
    observations: pd.DataFrame,
    changed: set[str],
    catalogue: Catalogue,
    method: Method | None = None,
) -> Scores | None:
    """Return what `score(observations, catalogue, method)` returns, reusing `previous` for the indicators
    not in `changed`; None when that cannot be done safely (the caller then scores everything).

    `previous` must be the scores of observations that differ from these only in `changed` indicators.
    An indicator's rows depend on its own observations alone (the city's roll-up of its counties
    included); the first-level, theme and index scores of a place depend on that place's rows alone.
    """
    return rescore_frames(
        previous,
        observations,
        changed,
        indicator_params(catalogue),
        place_params(catalogue),
        catalogue.framework.scoring,
        method,
    )


def rescore_frames(
    previous: Scores,
    observations: pd.DataFrame,
    changed: set[str],
    params: pd.DataFrame,
    places: pd.DataFrame,
    scoring: Scoring,
    method: Method | None = None,
) -> Scores | None:
    """`rescore` given prebuilt parameter tables (indicator_params, place_params)."""
    chosen: Method = method or scoring.method
    if chosen != previous.method or len(observations) == 0:
        return None
    known = params["indicator_id"]
    touched = known[known.isin(changed)]
    if len(touched) > RESCORE_SHARE * len(known):
        return None
    old = previous.indicators
    # Places outside the catalogue make their own rows for every indicator: their order and set can change
    # with any write, so such data are scored from scratch.
    if not old["place_code"].isin(places["place_code"]).all():
        return None
    unknown = unknown_indicators(observations, params)
    if not len(touched):
        return Scores(chosen, old, previous.rollups, previous.county_gaps, unknown)
    rows, part_gaps = _scored_rows(
        observations.loc[observations["indicator_id"].isin(touched)],
        params.loc[params["indicator_id"].isin(touched)].reset_index(drop=True),
        places,
        scoring,
        chosen,
    )
    after = rows[INDICATOR_COLUMNS + ["weight", "first_level_weight", "theme_weight"]]
    hit = old["indicator_id"].isin(touched).to_numpy()
    indicators = _spliced(old, hit, after, ["indicator_id", "place_code"])
    if indicators is None:
        return None
    # A place's roll-ups change only when one of its rows of the touched indicators did.
    before = old.loc[hit].reset_index(drop=True)
    differs = np.zeros(len(after), dtype=bool)
    for column in ("value", "score", "target_applies", "target_kind", "weight"):
        a, b = before[column], after[column]
        differs |= ~((a == b) | (a.isna() & b.isna())).to_numpy()
    places_changed = pd.unique(after.loc[differs, "place_code"])
    rollups = previous.rollups
    if len(places_changed):
        in_place = indicators["place_code"].isin(places_changed)
        fresh = rollup_scores(indicators.loc[in_place].reset_index(drop=True))
        spliced = _spliced(
            rollups,
            rollups["place_code"].isin(places_changed).to_numpy(),
            fresh,
            ["level", "place_code", "id"],
        )
        if spliced is None:
            return None
        rollups = spliced
    old_gaps = previous.county_gaps
    gaps = pd.concat([old_gaps.loc[~old_gaps["indicator_id"].isin(touched)], part_gaps], ignore_index=True)
    if not len(gaps):
        gaps = pd.DataFrame(columns=GAP_COLUMNS)
    else:
        # The order rollup_places gives: by indicator, then by the period's end.
        gaps = gaps.sort_values(["indicator_id", "period"], key=_period_key).reset_index(drop=True)
        if len(old_gaps):
            gaps = gaps.astype(old_gaps.dtypes.to_dict())
    return Scores(chosen, indicators, rollups, gaps, unknown)


def _spliced(old: pd.DataFrame, hit: np.ndarray, fresh: pd.DataFrame, keys: list[str]) -> pd.DataFrame | None:
    """Return `old` with its `hit` rows replaced, in place and order, by `fresh`; None unless the keys match."""
    if int(hit.sum()) != len(fresh):
        return None
    replaced = old.loc[hit, keys].reset_index(drop=True)
    if not replaced.equals(fresh[keys].reset_index(drop=True).astype(replaced.dtypes.to_dict())):
        return None
    combined = pd.concat([old.loc[~hit], fresh], ignore_index=True)
    positions = np.concatenate([np.flatnonzero(~hit), np.flatnonzero(hit)])
    out = combined.take(np.argsort(positions, kind="stable")).reset_index(drop=True)
    # A column all missing in the fresh rows may come back as another type than the whole column had.
    wrong = {c: old[c].dtype for c in out.columns if out[c].dtype != old[c].dtype}
    return out.astype(wrong) if wrong else out


def _period_key(col: pd.Series) -> pd.Series:
    return pd.Series(period_ends(col), index=col.index) if col.name == "period" else col
