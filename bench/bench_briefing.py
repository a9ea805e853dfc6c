"""Benchmark: a full briefing pack (5 themes, ≥ 20 charts) as PPTX and PDF, on generated data.

Run: python bench/bench_briefing.py [--runs 3] [--out DIR]  — prints timings; numbers go in docs/export.md.
The first run includes starting the export Chromium (cold); later runs reuse it, as the dashboard does, and
draw every chart again (warm); one more run makes the same pack again with the drawn images kept (repeat).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.export.briefing import build_briefing, build_pack
from dashboard.export.charts import renderer
from indicators.catalogue import load_catalogue
from indicators.store.generate import generate_observations


def current_frame(n: int, seed: int):
    """Return generated observations reduced to the latest revision of each cell, like Store.current_frame."""
    catalogue = load_catalogue()
    obs = generate_observations(catalogue, n, seed=seed)
    latest = obs.sort_values("revision").groupby(["indicator_id", "place_code", "period"]).tail(1)
    return catalogue, latest.assign(
        qualifier="exact", source_kind="form", source_ref="generated"
    ).reset_index(drop=True)


def main() -> None:
    """Build the pack a few times and print how long each step took."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--observations", type=int, default=50_000)
    p.add_argument("--details", type=int, default=4, help="trend slides per theme")
    p.add_argument("--place", help="place code (default: the city); a county's pack has other charts")
    p.add_argument("--out", type=Path, help="write the last pack here (pack.pptx, pack.pdf)")
    p.add_argument(
        "--json", action="store_true", help="end with one JSON line of the runs (bench_browser.py)"
    )
    args = p.parse_args()
    t0 = time.perf_counter()
    catalogue, obs = current_frame(args.observations, seed=7)
    print(f"data: {len(obs):,} current values, generated in {time.perf_counter() - t0:.1f} s")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    runs = []
    for run in range(1, args.runs + 2):
        # The last run makes the same pack again with the images kept (renderer's content cache); the
        # others draw every chart (cache cleared), as a pack of new data does.
        repeat = run == args.runs + 1
        if not repeat:
            renderer().clear_cache()
        kind = "repeat" if repeat else ("cold" if run == 1 else "warm")
        t1 = time.perf_counter()
        pack = build_pack(catalogue, obs, place_code=args.place, details_per_theme=args.details)
        t_pack = time.perf_counter() - t1
        files = build_briefing(pack)
        total = time.perf_counter() - t1
        tm = files.timings
        print(
            f"run {run} ({kind}): {len(pack.themes)} themes, {files.n_charts} charts"
            f" | pack {t_pack:.2f} s | server start {tm['start']:.2f} s | SVGs {tm.get('svgs', 0):.2f} s"
            f" | PNGs {tm['charts']:.2f} s"
            f" ({tm['charts'] / files.n_charts:.2f} s/chart) | PPTX {tm['pptx']:.2f} s"
            f" | PDF {tm['pdf']:.2f} s (alongside the PNGs) | total {total:.2f} s"
            f" | PPTX {len(files.pptx) / 1e6:.1f} MB, PDF {len(files.pdf or b'') / 1e6:.1f} MB"
            f" | load {os.getloadavg()[0]:.1f}"
        )
        runs.append(
            {
                "kind": kind,
                "charts": files.n_charts,
                "total": total,
                "start": tm["start"],
                "load": round(os.getloadavg()[0], 2),
            }
        )
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "pack.pptx").write_bytes(files.pptx)
        (args.out / "pack.pdf").write_bytes(files.pdf or b"")
        print(f"wrote {args.out / 'pack.pptx'} and {args.out / 'pack.pdf'}")
    if args.json:
        print(json.dumps(runs))


if __name__ == "__main__":
    main()
