"""Score observations against the catalogue: place roll-up, per-indicator progress, theme and city index."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from indicators.catalogue import Catalogue
from indicators.models import Scoring
from indicators.scoring.params import indicator_params, place_params
from indicators.scoring.progress import latest_values, target_progress, unknown_indicators
from indicators.scoring.rollup import rollup_places, rollup_scores
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
    rollups = rollup_scores(frame)
    indicators = frame[INDICATOR_COLUMNS + ["weight", "first_level_weight", "theme_weight"]]
    return Scores(
        method=chosen,
        indicators=indicators,
        rollups=rollups,
        county_gaps=gaps,
        unknown_indicators=unknown_indicators(observations, params),
    )


def score(observations: pd.DataFrame, catalogue: Catalogue, method: Method | None = None) -> Scores:
    """Score current observations against the catalogue with the framework's (or the given) method."""
    return score_frames(
        observations,
        indicator_params(catalogue),
        place_params(catalogue),
        catalogue.framework.scoring,
        method,
    )
