"""Benchmark: score 1,000,000 generated observations (200 indicators × 100 places × 50 periods).

Run: python bench/bench_scoring.py   — prints timings (best of 5) and memory; numbers go in docs/scoring.md.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indicators.catalogue import Catalogue, load_catalogue
from indicators.models import (
    Bounds,
    FirstLevel,
    Indicator,
    PeriodValue,
    Place,
    ProposedOrigin,
    Target,
    Theme,
    ThemeRef,
)
from indicators.scoring.params import indicator_params, place_params
from indicators.scoring.scores import score_frames

N_INDICATORS, N_PLACES, N_PERIODS = 200, 100, 50
CITY = "371600"
FREQS = ("year", "quarter", "month")


def periods_for(freq: str) -> list[str]:
    """The last 50 periods up to the end of 2024 for a frequency."""
    if freq == "year":
        return [str(y) for y in range(2024 - N_PERIODS + 1, 2025)]
    if freq == "quarter":
        q = [f"{y}Q{i}" for y in range(2000, 2025) for i in range(1, 5)]
        return q[-N_PERIODS:]
    m = [f"{y}-{i:02d}" for y in range(2000, 2025) for i in range(1, 13)]
    return m[-N_PERIODS:]


def build_catalogue(rng: np.random.Generator) -> Catalogue:
    """A catalogue of 5 themes × 4 first-level × 10 indicators, 1 city, 79 counties, 20 comparison places."""
    base = load_catalogue()
    origin = ProposedOrigin(kind="proposed")
    themes = []
    n = 0
    for t in range(5):
        firsts = []
        for f in range(4):
            inds = []
            for _ in range(10):
                freq = FREQS[n % 3]
                ps = periods_for(freq)
                direction = ("increase", "decrease", "range")[n % 3 if n % 7 else 0]
                b = float(rng.uniform(50, 100))
                kw: dict = {}
                if direction == "range":
                    kw["range"] = Bounds(min=40.0, max=90.0)
                elif n % 5:
                    tgt = b * (1.2 if direction == "increase" else 0.8)
                    kw["baseline"] = PeriodValue(value=b, period=ps[20])
                    kw["target"] = Target(value=tgt, period=ps[-1], kind="example")
                    if n % 4 == 0:
                        kw["milestones"] = [PeriodValue(value=b + (tgt - b) * 0.3, period=ps[35])]
                inds.append(
                    Indicator(
                        id=f"ind_{n:03d}",
                        name_zh=f"指标{n}",
                        name_en=f"Indicator {n}",
                        definition="generated",
                        unit="%",
                        direction=direction,
                        frequency=freq,
                        combine=("sum", "mean", "none")[n % 3],
                        department="test_dept",
                        data_source="generated",
                        origin=origin,
                        **kw,
                    )
                )
                n += 1
            firsts.append(
                FirstLevel(id=f"fl_{t}_{f}", name_zh="一级", name_en="First", origin=origin, indicators=inds)
            )
        themes.append(
            Theme(id=f"theme_{t}", name_zh="主题", name_en="Theme", origin=origin, first_level=firsts)
        )
    framework = base.framework.model_copy(
        update={"themes": [ThemeRef(id=f"theme_{t}", file=f"t{t}.yaml", weight=1.0) for t in range(5)]}
    )
    places = [Place(code=CITY, name_zh="市", name_en="City", level="city")]
    places += [
        Place(code=f"{371700 + i}", name_zh="县", name_en="County", level="county", parent=CITY)
        for i in range(79)
    ]
    places += [
        Place(code=f"{500000 + i}", name_zh="省", name_en="Province", level="province", comparison=True)
        for i in range(20)
    ]
    return Catalogue(framework=framework, themes=themes, places=places, directory=base.directory)


def build_observations(catalogue: Catalogue, rng: np.random.Generator) -> pd.DataFrame:
    """One value per indicator × place × period: 1,000,000 rows."""
    ids = list(catalogue.indicators)
    codes = [p.code for p in catalogue.places]
    ind_col = np.repeat(ids, N_PLACES * N_PERIODS)
    place_col = np.tile(np.repeat(codes, N_PERIODS), N_INDICATORS)
    period_col = np.concatenate(
        [np.tile(periods_for(catalogue.indicators[i].frequency), N_PLACES) for i in ids]
    )
    n = len(ind_col)
    quals = np.array(["exact", "exact", "exact", "more_than", "nearly"], dtype=object)
    return pd.DataFrame(
        {
            "indicator_id": ind_col,
            "place_code": place_col,
            "period": period_col,
            "value": rng.uniform(30, 130, n),
            "unit": "%",
            "qualifier": quals[rng.integers(0, 5, n)],
            "source_kind": "official",
            "revision": 1,
            "entered_at": "2025-01-01T00:00:00",
            "entered_by": "bench",
            "note": None,
            "source_ref": None,
        }
    )


def best_of(fn, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    rng = np.random.default_rng(7)
    catalogue = build_catalogue(rng)
    obs = build_observations(catalogue, rng)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"observations: {len(obs):,} rows, frame {obs.memory_usage(deep=True).sum() / 2**20:.0f} MiB")

    t_params, (params, places) = best_of(lambda: (indicator_params(catalogue), place_params(catalogue)))
    scoring = catalogue.framework.scoring
    t_tp, scores = best_of(lambda: score_frames(obs, params, places, scoring, "target_progress"))
    t_sdg, _ = best_of(lambda: score_frames(obs, params, places, scoring, "sdg_progress"))
    # Variant: the city has no own values for half of the indicators, so those are rolled up from counties.
    drop = obs["place_code"].eq(CITY) & obs["indicator_id"].isin(list(catalogue.indicators)[::2])
    obs_rollup = obs.loc[~drop].reset_index(drop=True)
    t_roll, scores_roll = best_of(
        lambda: score_frames(obs_rollup, params, places, scoring, "target_progress")
    )
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    tracemalloc.start()
    score_frames(obs, params, places, scoring, "target_progress")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    rolled = (scores_roll.indicators["source_kind"] == "county_rollup").sum()
    print(f"indicator_params + place_params:     {t_params * 1000:7.1f} ms")
    print(f"score (target_progress), 1M rows:    {t_tp * 1000:7.1f} ms  -> {len(scores.indicators):,} rows")
    print(f"score (sdg_progress), 1M rows:       {t_sdg * 1000:7.1f} ms")
    print(
        f"score with city roll-up, {len(obs_rollup):,} rows: {t_roll * 1000:7.1f} ms  ({rolled} city series from counties)"
    )
    print(f"peak RSS: {rss1:.0f} MiB (after building data: {rss0:.0f} MiB)")
    print(f"peak allocated during one scoring run (tracemalloc): {peak / 2**20:.0f} MiB")
    print(f"best of 5; python {sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
