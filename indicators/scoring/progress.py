"""Per indicator × place: latest value, baseline, progress toward the target, expected progress, status, trend.

Everything is vectorised: one sort of the observations, then array arithmetic over the groups. The rules
are explained in docs/scoring.md; the short version is in each function's comments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.models import StatusThresholds
from indicators.scoring.params import factorized_periods

# Statuses of the target_progress method, in the order a page lists them.
STATUSES = ("achieved", "on_track", "at_risk", "off_track", "insufficient_data", "no_target", "no_data")

# Where the true value lies relative to the stated number, for the qualifiers that make it a bound.
# Only matters when the stated number sits exactly on a target or range bound (see achieved_mask).
_BELOW_OR_EQUAL = ("nearly", "at_most")  # true value ≤ stated: cannot prove "at least the target"
_ABOVE = ("more_than",)  # true value > stated: cannot prove "at most the target"

OBS_COLUMNS = ["indicator_id", "place_code", "period", "value", "unit", "qualifier", "source_kind"]


def _group_bounds(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return start and end (exclusive) positions of runs of equal keys in a sorted array."""
    if len(keys) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    change = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [len(keys)]))
    return starts, ends


def target_applies(params: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Return indicator_id × place_code with `target_applies`: the city's target is judged at this place."""
    # Targets are the city's. They hold for the city itself; for its counties only where the indicator is a
    # rate or share (combine mean/none), because a county cannot be held to the city's total of a count;
    # never for comparison places, whose figures are shown for reference only.
    has_goal = params["target_value"].notna() | (params["direction"] == "range")
    grid = (
        params[["indicator_id", "combine"]]
        .assign(_goal=has_goal.to_numpy())
        .merge(places[["place_code", "is_city", "is_county"]], how="cross")
    )
    applies = grid["_goal"] & (grid["is_city"] | (grid["is_county"] & (grid["combine"] != "sum")))
    return grid[["indicator_id", "place_code"]].assign(target_applies=applies.to_numpy())


def latest_values(observations: pd.DataFrame, params: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Return one row per indicator × place: latest value, previous value and the resolved baseline.

    Places are those in `places` plus any in the observations; indicator × place pairs without data get a
    row with NaN value so that missing data stays visible. Observations of indicators not in `params` are
    left out (see unknown_indicators).
    """
    frame = _latest_per_pair(observations, params)
    # Every indicator × place pair, so pairs without data are rows too.
    all_places = pd.concat([places[["place_code"]], frame[["place_code"]]]).drop_duplicates()
    place_info = all_places.merge(places, on="place_code", how="left")
    place_info[["is_city", "is_county", "comparison"]] = (
        place_info[["is_city", "is_county", "comparison"]].fillna(False).astype(bool)
    )
    grid = target_applies(params, place_info)
    out = grid.merge(frame, on=["indicator_id", "place_code"], how="left").merge(
        params, on="indicator_id", how="left", suffixes=("", "_cat")
    )
    out = out.merge(place_info[["place_code", "is_city"]], on="place_code", how="left")
    if "unit" in out and "unit_cat" in out:
        out["unit"] = out["unit"].fillna(out["unit_cat"])
        out = out.drop(columns="unit_cat")
    out["qualifier"] = out["qualifier"].fillna("exact")
    out["n_periods"] = out["n_periods"].fillna(0).astype(int)
    _resolve_baseline(out)
    # Targets are blanked where they do not apply so no page shows Binzhou's target next to Hebei's figure.
    no_target = ~out["target_applies"]
    out.loc[no_target, ["target_value", "target_end"]] = np.nan
    out.loc[no_target, ["target_period", "target_kind"]] = None
    return out.drop(columns=[c for c in out.columns if c.startswith("_")])


def _latest_per_pair(observations: pd.DataFrame, params: pd.DataFrame) -> pd.DataFrame:
    """Return one row per indicator × place with data: latest and previous value, first value at or after the
    baseline period and the value at it (columns starting with _ are for _resolve_baseline)."""
    ind_index = pd.Index(params["indicator_id"])
    obs = observations
    # Factorise the text columns once; string work on a million rows is what costs time.
    ind_codes, ind_uniques = pd.factorize(obs["indicator_id"])
    ind_pos = ind_index.get_indexer(ind_uniques)[ind_codes] if len(obs) else np.empty(0, dtype=np.int64)
    known = ind_pos >= 0
    if not known.all():
        obs = obs.loc[known]
        ind_pos = ind_pos[known]
    place_codes, place_uniques = pd.factorize(obs["place_code"])
    place_uniques = np.asarray(place_uniques, dtype=object)
    period_codes, period_texts, period_end_of = factorized_periods(obs["period"])
    ends = period_end_of[period_codes]
    values = obs["value"].to_numpy(dtype=float)

    order = np.lexsort((ends, place_codes, ind_pos))
    ind_s, place_s, end_s, val_s = ind_pos[order], place_codes[order], ends[order], values[order]
    key = ind_s.astype(np.int64) * max(len(place_uniques), 1) + place_s
    starts, stops = _group_bounds(key)
    n_groups = len(starts)
    group_of_row = np.repeat(np.arange(n_groups), stops - starts)
    last = stops - 1
    has_prev = (stops - starts) >= 2
    prev = np.where(has_prev, last - 1, last)

    g_ind = ind_s[starts]
    base_end_cat = params["baseline_end"].to_numpy(dtype=float)

    # Baseline step 1: the place's own observation at the catalogue's baseline period.
    at_base = end_s == base_end_cat[ind_s]
    obs_base = np.full(n_groups, np.nan)
    obs_base[group_of_row[at_base]] = val_s[at_base]
    # Step 3 (step 2 needs the place table, below): first observation at or after the baseline period,
    # or the first observation at all when the catalogue gives no baseline.
    row_base_end = base_end_cat[ind_s]
    eligible = np.isnan(row_base_end) | (end_s >= row_base_end)
    elig_rows = np.flatnonzero(eligible)
    first_elig = np.full(n_groups, -1, dtype=np.int64)
    if len(elig_rows):
        eg = group_of_row[elig_rows]
        first_pos = np.flatnonzero(np.concatenate(([True], eg[1:] != eg[:-1])))
        first_elig[eg[first_pos]] = elig_rows[first_pos]

    take = order[last]
    take_prev = order[prev]

    def column_at(name: str, default: object) -> object:
        return obs[name].iloc[take].to_numpy(dtype=object) if name in obs else default

    period_text_of_row = lambda rows: period_texts[period_codes[rows]]  # noqa: E731
    frame = pd.DataFrame(
        {
            "indicator_id": ind_index.to_numpy()[g_ind],
            "place_code": place_uniques[place_s[starts]],
            "period": period_text_of_row(take),
            "period_end": end_s[last],
            "value": val_s[last],
            "unit": column_at("unit", None),
            "qualifier": column_at("qualifier", "exact"),
            "source_kind": column_at("source_kind", None),
            "n_periods": stops - starts,
            "prev_period": np.where(has_prev, period_text_of_row(take_prev), None),
            "prev_value": np.where(has_prev, val_s[prev], np.nan),
            "_obs_base": obs_base,
            "_first_value": np.where(first_elig >= 0, val_s[np.maximum(first_elig, 0)], np.nan),
            "_first_end": np.where(first_elig >= 0, end_s[np.maximum(first_elig, 0)], np.nan),
            "_first_period": np.where(
                first_elig >= 0, period_text_of_row(order[np.maximum(first_elig, 0)]), None
            ),
        }
    )
    return frame


# Where a row's baseline comes from (see _resolve_baseline); pages name each one.
BASELINE_SOURCES = ("observed", "catalogue", "first_observation")


def _resolve_baseline(out: pd.DataFrame) -> None:
    # Baseline, in order: (1) the place's own observation at the catalogue's baseline period; (2) for the
    # city, the catalogue's baseline value; (3) the place's first observation at or after that period.
    cat_val = out["baseline_value"].to_numpy(dtype=float)
    cat_end = out["baseline_end"].to_numpy(dtype=float)
    cat_period = out["baseline_period"].to_numpy(dtype=object)
    own = out["_obs_base"].to_numpy(dtype=float)
    is_city = out["is_city"].fillna(False).to_numpy(dtype=bool)
    first_val = out["_first_value"].to_numpy(dtype=float)
    first_end = out["_first_end"].to_numpy(dtype=float)
    first_period = out["_first_period"].to_numpy(dtype=object)
    use_own = ~np.isnan(own)
    use_cat = ~use_own & is_city & ~np.isnan(cat_val)
    use_first = ~use_own & ~use_cat & ~np.isnan(first_val)
    out["baseline_value"] = np.select(
        [use_own | use_cat, use_first], [np.where(use_own, own, cat_val), first_val], np.nan
    )
    out["baseline_end"] = np.select([use_own | use_cat, use_first], [cat_end, first_end], np.nan)
    out["baseline_period"] = np.select([use_own | use_cat, use_first], [cat_period, first_period], None)
    out["baseline_source"] = np.select([use_own, use_cat, use_first], list(BASELINE_SOURCES), None)


def unknown_indicators(observations: pd.DataFrame, params: pd.DataFrame) -> list[str]:
    """Return indicator ids present in the observations but not in the catalogue (they are not scored)."""
    ids = pd.unique(observations["indicator_id"])
    return sorted(set(ids) - set(params["indicator_id"]))


def achieved_mask(
    value: np.ndarray,
    qualifier: np.ndarray,
    direction: np.ndarray,
    target: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> np.ndarray:
    """Return where the value meets its goal: target for increase/decrease, inside [lo, hi] for range.

    A bound (`more_than`, `nearly`, `at_most`) counts at face value except exactly on the goal, where the
    qualifier decides: "nearly 100" does not prove ≥ 100, "more than 20" does not prove ≤ 20.
    """
    below = np.isin(qualifier, _BELOW_OR_EQUAL)
    above = np.isin(qualifier, _ABOVE)
    meets_at_least = lambda goal: (value > goal) | ((value == goal) & ~below)  # noqa: E731
    meets_at_most = lambda goal: (value < goal) | ((value == goal) & ~above)  # noqa: E731
    with np.errstate(invalid="ignore"):
        inc = (direction == "increase") & meets_at_least(target)
        dec = (direction == "decrease") & meets_at_most(target)
        rng = (direction == "range") & meets_at_least(lo) & meets_at_most(hi)
    return inc | dec | rng


def at_baseline(scored: pd.DataFrame) -> pd.Series:
    """Return where a scored row's value is from its baseline period (its progress is 0 by design)."""
    return scored["progress"].notna() & (scored["expected"] == 0)


def _gap(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Distance from the band [lo, hi]; 0 inside."""
    return np.maximum(np.maximum(lo - values, values - hi), 0.0)


def expected_share(frame: pd.DataFrame) -> np.ndarray:
    """Return the share (0..1) of the way from baseline to target the path expects at each row's period."""
    pe = frame["period_end"].to_numpy(dtype=float)
    be = frame["baseline_end"].to_numpy(dtype=float)
    te = frame["target_end"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.clip((pe - be) / (te - be), 0.0, 1.0)
    # No target period (a range band with no deadline): the band should hold now.
    share = np.where(np.isnan(te), 1.0, share)
    share = np.where(~np.isnan(te) & (pe >= te), 1.0, share)
    # Milestones bend the path; loop over the few indicators that have them, not over rows.
    has_ms = frame["milestone_ends"].map(len).to_numpy() > 0 if len(frame) else np.zeros(0, bool)
    if has_ms.any():
        ms = frame.loc[has_ms]
        for _, rows in ms.groupby("indicator_id").groups.items():
            pos = frame.index.get_indexer(rows)
            m_end = np.asarray(frame["milestone_ends"].iat[pos[0]], dtype=float)
            m_frac = np.asarray(frame["milestone_fracs"].iat[pos[0]], dtype=float)
            share[pos] = _through_milestones(pe[pos], be[pos], te[pos], m_end, m_frac, share[pos])
    return share


def _through_milestones(
    pe: np.ndarray, be: np.ndarray, te: np.ndarray, m_end: np.ndarray, m_frac: np.ndarray, linear: np.ndarray
) -> np.ndarray:
    """Interpolate the expected share on the path (be,0) → milestones after be → (te,1)."""
    inside = (pe > be) & (pe < te)
    k = np.searchsorted(m_end, pe, side="right")  # milestones at or before the period
    j0 = np.searchsorted(m_end, be, side="right")  # first milestone after the baseline
    left_is_base = k <= j0
    kl = np.clip(k - 1, 0, len(m_end) - 1)
    kr = np.clip(k, 0, len(m_end) - 1)
    lt = np.where(left_is_base, be, m_end[kl])
    lf = np.where(left_is_base, 0.0, m_frac[kl])
    right_is_target = k >= len(m_end)
    rt = np.where(right_is_target, te, m_end[kr])
    rf = np.where(right_is_target, 1.0, m_frac[kr])
    with np.errstate(invalid="ignore", divide="ignore"):
        share = lf + (rf - lf) * np.where(rt > lt, (pe - lt) / (rt - lt), 1.0)
    return np.where(inside & ~np.isnan(be), np.clip(share, 0.0, 1.0), linear)


def target_progress(frame: pd.DataFrame, thresholds: StatusThresholds) -> pd.DataFrame:
    """Add progress, expected, target_status, change_prev, change_baseline and trend to latest_values()."""
    out = frame
    v = out["value"].to_numpy(dtype=float)
    b = out["baseline_value"].to_numpy(dtype=float)
    t = out["target_value"].to_numpy(dtype=float)
    lo = out["range_min"].to_numpy(dtype=float)
    hi = out["range_max"].to_numpy(dtype=float)
    direction = out["direction"].to_numpy(dtype=object)
    qualifier = out["qualifier"].to_numpy(dtype=object)
    applies = out["target_applies"].to_numpy(dtype=bool)
    has_data = ~np.isnan(v)
    is_range = direction == "range"
    sign = np.where(direction == "decrease", -1.0, 1.0)

    # Progress runs on an axis where "more is better": x = ±value, or minus the distance from a range band.
    x = np.where(is_range, -_gap(v, lo, hi), sign * v)
    xb = np.where(is_range, -_gap(b, lo, hi), sign * b)
    xt = np.where(is_range, 0.0, sign * t)
    achieved = achieved_mask(v, qualifier, direction, t, lo, hi) & applies & has_data
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = (x - xb) / (xt - xb)
    maintain = xt == xb  # target equals baseline (or a range already in band): keep it
    raw = np.where(maintain, np.where(achieved, 1.0, 0.0), raw)
    progress = np.where(achieved, 1.0, np.clip(raw, 0.0, 1.0))
    expected = np.where(maintain, 1.0, expected_share(out))

    pe = out["period_end"].to_numpy(dtype=float)
    be = out["baseline_end"].to_numpy(dtype=float)
    te = out["target_end"].to_numpy(dtype=float)
    src = out["baseline_source"].to_numpy(dtype=object)
    # Progress needs a starting point before the latest value: a baseline that is only the latest value
    # itself (a single data point, no catalogue baseline) or that lies after it measures nothing.
    measurable = ~np.isnan(b) & ~((src == "first_observation") & (be >= pe)) & ~(be > pe)
    past_deadline = ~np.isnan(te) & (pe >= te)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(expected > 0, progress / expected, np.where(raw >= 0, np.inf, -np.inf))
    status = np.select(
        [
            ~has_data,
            ~applies,
            achieved,
            ~measurable,
            past_deadline,
            ratio >= thresholds.on_track,
            ratio >= thresholds.at_risk,
        ],
        ["no_data", "no_target", "achieved", "insufficient_data", "off_track", "on_track", "at_risk"],
        "off_track",
    )
    scored = np.isin(status, ["achieved", "on_track", "at_risk", "off_track"])
    out["progress"] = np.where(scored, progress * 100.0, np.nan)
    out["expected"] = np.where(scored, expected * 100.0, np.nan)
    out["target_status"] = status
    out["change_prev"] = v - out["prev_value"].to_numpy(dtype=float)
    out["change_baseline"] = v - b
    pv = out["prev_value"].to_numpy(dtype=float)
    prev_x = np.where(is_range, -_gap(pv, lo, hi), sign * pv)
    delta = x - prev_x
    out["trend"] = np.select(
        [np.isnan(delta), delta > 0, delta < 0], [None, "improving", "worsening"], "unchanged"
    )
    return out
