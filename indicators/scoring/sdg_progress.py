"""The Open SDG progress measure (sdg-build's sdg/ProgressMeasure.py), vectorised over indicator × place rows.

Observed compound annual growth from the baseline to the latest value:
    CAGR_o = (x_t / x_0) ** (1 / (t - t_0)) - 1
With a target x* at t*, the growth the target requires:
    CAGR_r = (x* / x_0) ** (1 / (t* - t_0)) - 1,   progress value = s · d · CAGR_o / |CAGR_r|
Without a target:   progress value = s · d · CAGR_o
With a `limit` L (sdg-build's option; per indicator `sdg_limit`, else `framework.scoring.sdg.limit`) and no
target, the no-target thresholds are multiplied by a coefficient that falls to 0 as the baseline x₀ nears L:
    c = 1 − (|x₀|/|L|)^4.44          when |x₀| ≤ |L|
    c = 1 − ((2|L| − |x₀|)/|L|)^4.44 when |L| < |x₀| < 2|L|,      c = 1 when |x₀| ≥ 2|L|
(sdg-build `SeriesProgress.get_progress_thresholds`); the score divides a non-negative value by c
(`get_score`, coefficient 0 → 5). A limit is ignored when there is a target, as in sdg-build.
where d = +1 to increase, -1 to decrease, and s = -1 when the baseline is negative. The status is
`target_achieved` when the latest value meets the target (checked first), otherwise by thresholds
(high, med, low): ≥ high substantial, ≥ med moderate, ≥ low limited, below low deterioration. Defaults
are sdg-build's: (0.95, 0.6, 0) with a target, (0.015, 0.005, 0) without.
See docs/scoring.md for where this departs from sdg-build (periods shorter than a year, ranges, zero
required growth).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.models import SdgThresholds
from indicators.scoring.progress import _gap, achieved_mask

SDG_STATUSES = (
    "target_achieved",
    "substantial",
    "moderate",
    "limited",
    "deterioration",
    "insufficient_data",
    "no_data",
)

# sdg-build replaces a zero baseline or target by this to avoid dividing by zero.
_ZERO_STANDIN = 0.001
# sdg-build's exponent of the limit coefficient (get_progress_thresholds: a = 4.44).
_LIMIT_EXPONENT = 4.44


def limit_coefficient(base: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Return sdg-build's threshold coefficient for baselines near a limit (1 where no limit is set)."""
    b, lim = np.abs(base), np.abs(limit)
    with np.errstate(invalid="ignore", divide="ignore"):
        near = np.where(
            b <= lim, 1.0 - (b / lim) ** _LIMIT_EXPONENT, 1.0 - ((2 * lim - b) / lim) ** _LIMIT_EXPONENT
        )
    # Checked first in sdg-build so that a zero baseline with a zero limit gives 1, not 0/0.
    coeff = np.where(b >= 2 * lim, 1.0, near)
    return np.where(np.isnan(limit) | np.isnan(base), 1.0, coeff)


def _cagr(current: np.ndarray, base: np.ndarray, years: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return (current / base) ** (1.0 / years) - 1.0


def sdg_score(value: np.ndarray, with_target: np.ndarray, thresholds: SdgThresholds) -> np.ndarray:
    """Return sdg-build's score in [-5, 5] for progress values (piecewise linear through the thresholds)."""
    # sdg-build hard-codes these lines for its default thresholds: with a target they pass through
    # (-0.6,-5) (0,-2.5) (0.6,0) (0.95,2.5) (1.3,5); without, through (-0.02,-5) (0,-2.5) (0.005,0)
    # (0.015,2.5) (0.02,5). Written in terms of the thresholds they reproduce those at the defaults.
    out = np.full(len(value), np.nan)
    for mask, (high, med, low), outer_lo, outer_hi in (
        (with_target, thresholds.with_target, None, None),
        (~with_target, thresholds.without_target, 4.0, 1.0),
    ):
        if outer_lo is None:
            x_lo, x_hi = low - (med - low), high + (high - med)
        else:
            x_lo, x_hi = low - outer_lo * (med - low), high + outer_hi * (med - low)
        xs = [x_lo, low, med, high, x_hi]
        ok = mask & ~np.isnan(value)
        out[ok] = np.interp(value[ok], xs, [-5.0, -2.5, 0.0, 2.5, 5.0])
    return out


def sdg_status(
    value: np.ndarray, with_target: np.ndarray, achieved: np.ndarray, thresholds: SdgThresholds
) -> np.ndarray:
    """Return the status for progress values: target achieved first, then ≥ high, ≥ med, ≥ low, below."""
    high = np.where(with_target, thresholds.with_target[0], thresholds.without_target[0])
    med = np.where(with_target, thresholds.with_target[1], thresholds.without_target[1])
    low = np.where(with_target, thresholds.with_target[2], thresholds.without_target[2])
    with np.errstate(invalid="ignore"):
        return np.select(
            [achieved, np.isnan(value), value >= high, value >= med, value >= low],
            ["target_achieved", "insufficient_data", "substantial", "moderate", "limited"],
            "deterioration",
        )


def sdg_progress(frame: pd.DataFrame, thresholds: SdgThresholds) -> pd.DataFrame:
    """Add cagr_observed, cagr_required, sdg_value, sdg_status, sdg_score, sdg_limit, sdg_coefficient."""
    out = frame
    v = out["value"].to_numpy(dtype=float)
    b = out["baseline_value"].to_numpy(dtype=float)
    pe = out["period_end"].to_numpy(dtype=float)
    be = out["baseline_end"].to_numpy(dtype=float)
    te = out["target_end"].to_numpy(dtype=float)
    t = out["target_value"].to_numpy(dtype=float)
    lo = out["range_min"].to_numpy(dtype=float)
    hi = out["range_max"].to_numpy(dtype=float)
    direction = out["direction"].to_numpy(dtype=object)
    applies = out["target_applies"].to_numpy(dtype=bool)
    qualifier = out["qualifier"].to_numpy(dtype=object)
    has_data = ~np.isnan(v)

    # A range has no direction of its own: outside the band it heads for the nearer bound, which is then
    # its target (reached by the target period when one is given; else judged without a target).
    is_range = direction == "range"
    d = np.where(direction == "increase", 1.0, -1.0)
    d = np.where(is_range, np.where(v < lo, 1.0, -1.0), d)
    t = np.where(is_range & applies, np.where(v < lo, lo, hi), t)
    achieved = achieved_mask(v, qualifier, direction, t, lo, hi) & applies & has_data
    achieved |= is_range & applies & has_data & (_gap(v, lo, hi) == 0)

    base = np.where(b == 0, _ZERO_STANDIN, b)
    target = np.where(t == 0, _ZERO_STANDIN, t)
    s = np.where(base < 0, -1.0, 1.0)
    elapsed = pe - be
    with_target = applies & ~np.isnan(target) & ~np.isnan(te) & (te > be)
    measurable = (
        has_data & ~np.isnan(base) & (elapsed > 0) & ~((base > 0) & (v < 0)) & ~((base < 0) & (v > 0))
    )
    cagr_o = np.where(measurable, _cagr(v, base, elapsed), np.nan)
    cagr_r = np.where(measurable & with_target, _cagr(target, base, te - be), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = s * d * cagr_o / np.abs(cagr_r)
    # Zero required growth (target equals baseline) and not achieved: any move is away from the target.
    zero_req = with_target & (cagr_r == 0)
    ratio = np.where(zero_req, np.where(s * d * cagr_o < 0, -np.inf, 0.0), ratio)
    value = np.where(with_target, ratio, s * d * cagr_o)
    value = np.where(measurable, value, np.nan)

    # sdg-build's `limit`: without a target, thresholds shrink by c as the baseline nears the limit.
    # Comparing v with c·thresholds equals comparing v/c with the thresholds (for v ≥ c·low), and the
    # score lines take v/c there (get_score); below, sdg-build leaves v as it is.
    own = out["sdg_limit"].to_numpy(dtype=float) if "sdg_limit" in out else np.full(len(out), np.nan)
    limit = np.where(np.isnan(own), np.nan if thresholds.limit is None else thresholds.limit, own)
    limit = np.where(with_target, np.nan, limit)
    coeff = limit_coefficient(b, limit)  # sdg-build takes the raw base value here, before its 0.001 stand-in
    low_c = thresholds.without_target[2] * coeff
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(coeff > 0, value / coeff, np.inf)
    judged = np.where(~with_target & (value >= low_c), scaled, value)

    status = np.where(has_data, sdg_status(judged, with_target, achieved, thresholds), "no_data")
    score = sdg_score(np.where(np.isinf(judged), np.sign(judged) * 1e9, judged), with_target, thresholds)
    score = np.where(achieved, 5.0, score)
    out["cagr_observed"] = cagr_o
    out["cagr_required"] = cagr_r
    out["sdg_with_target"] = with_target & has_data
    out["sdg_value"] = np.where(np.isinf(value), np.nan, value)
    out["sdg_status"] = status
    out["sdg_score"] = score
    out["sdg_limit"] = limit
    out["sdg_coefficient"] = np.where(np.isnan(limit), np.nan, coeff)
    return out
