"""A place's summary for the overview: the 心安指数, each theme's and first-level score and coverage; and an
indicator's target path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from indicators.catalogue import Catalogue
from indicators.periods import parse_period
from indicators.scoring.progress import at_baseline
from indicators.scoring.scores import Scores
from indicators.scoring.target_path import target_path as _target_path


@dataclass
class Summary:
    """The 心安指数 of one place with its themes and first-level scores."""

    score: float | None
    coverage: float | None
    period: str | None
    indicators_with_data: int
    indicators_total: int
    themes: pd.DataFrame
    first_levels: dict[str, float] = field(default_factory=dict)
    status_counts: dict[str, int] = field(default_factory=dict)
    # Scored indicators whose latest value is from their baseline period: progress 0 by definition.
    at_baseline: int = 0

    def first_level_score(self, first_id: str) -> float | None:
        """Return a first-level indicator's score, or None without data."""
        return self.first_levels.get(first_id)


def _summary(sc: Scores, cat: Catalogue, place: str) -> Summary:
    roll = sc.rollups[sc.rollups["place_code"] == place]
    inds = sc.indicators[sc.indicators["place_code"] == place]
    index = roll[roll["level"] == "index"]
    counts = inds.groupby(["theme_id", "status"]).size().unstack(fill_value=0)
    themes = roll[roll["level"] == "theme"][["id", "score", "coverage_data", "coverage_scored"]].rename(
        columns={"id": "theme_id", "coverage_data": "coverage"}
    )
    order = [th.id for th in cat.themes]
    themes = themes.set_index("theme_id").reindex(order).join(counts).fillna({c: 0 for c in counts.columns})
    themes = themes.reset_index()
    themes["coverage"] = themes["coverage"].fillna(0.0)
    firsts = roll[roll["level"] == "first_level"].set_index("id")["score"].dropna().to_dict()
    latest = inds["period"].dropna()
    period = max(latest, key=lambda p: parse_period(p).end) if len(latest) else None
    idx_score = float(index["score"].iat[0]) if len(index) and pd.notna(index["score"].iat[0]) else None
    idx_cov = float(index["coverage_data"].iat[0]) if len(index) else None
    return Summary(
        score=idx_score,
        coverage=idx_cov,
        period=period,
        indicators_with_data=int(inds["value"].notna().sum()),
        indicators_total=len(cat.indicators),
        themes=themes,
        first_levels=firsts,
        status_counts=inds["status"].value_counts().to_dict(),
        at_baseline=int(at_baseline(inds).sum()),
    )


def target_path(catalogue: Catalogue, ind_id: str) -> pd.DataFrame:
    """Return the target path knots (period, value) of an indicator of the catalogue."""
    return pd.DataFrame(_target_path(catalogue.indicators[ind_id]), columns=["period", "value"])
