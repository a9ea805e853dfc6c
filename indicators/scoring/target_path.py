"""The path an indicator is meant to follow: baseline, then its milestones, then the target."""

from __future__ import annotations

from indicators.models import Indicator
from indicators.periods import parse_period


def target_path(indicator: Indicator) -> list[tuple[str, float]]:
    """Return the (period, value) knots of the path, in time order; empty without baseline and target.

    Between knots the path is a straight line, the same path progress is judged against.
    """
    if indicator.baseline is None or indicator.target is None:
        return []
    knots = [(indicator.baseline.period, indicator.baseline.value)]
    knots += [(m.period, m.value) for m in indicator.milestones]
    knots.append((indicator.target.period, indicator.target.value))
    return sorted(knots, key=lambda k: parse_period(k[0]).end)
