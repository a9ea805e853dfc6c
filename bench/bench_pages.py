"""Time a rerun of every dashboard page on a large generated database, against a bare Streamlit page that
draws the same number of plotly charts (the floor). Prints one line per page and a markdown table.

    python -m indicators generate --db sqlite:///data/generated.db --observations 500000
    python bench/bench_pages.py --db sqlite:///data/generated.db [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

APP = str(ROOT / "dashboard" / "app.py")
PAGES = ("overview", "theme", "indicator", "places", "entry", "bulk_import", "sources", "history")
GOAL = 1.5

FLOOR_SCRIPT = """
import plotly.graph_objects as go
import streamlit as st

st.set_page_config(layout="wide")
st.title("floor")
for i in range({charts}):
    fig = go.Figure(go.Scatter(x=list(range(26)), y=[j * 1.5 for j in range(26)], mode="lines+markers"))
    fig.update_layout(title=f"chart {{i}}", height=360)
    st.plotly_chart(fig, key=f"c{{i}}")
"""


def _median_rerun(at: AppTest, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
        assert not at.exception, [e.message for e in at.exception]
    return statistics.median(times)


def floor(charts: int, runs: int) -> float:
    """Return the median rerun time of a bare page drawing `charts` plotly charts."""
    at = AppTest.from_string(FLOOR_SCRIPT.format(charts=charts), default_timeout=600).run()
    return _median_rerun(at, runs)


def main() -> int:
    """Run the benchmark and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL with the generated data")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ["XINAN_DB_URL"] = args.db

    from indicators.store import Store

    with Store(args.db) as store:
        size = len(store.changes_frame())
    print(f"database {args.db}: {size} observations (every revision)")

    started = time.perf_counter()
    at = AppTest.from_file(APP, default_timeout=600).run()
    print(f"first run (load, score, cache): {time.perf_counter() - started:.2f} s")
    rows = []
    for page in PAGES:
        started = time.perf_counter()
        at.switch_page(f"pages_/{page}.py").run()
        first = time.perf_counter() - started
        assert not at.exception, [e.message for e in at.exception]
        charts = len(at.get("plotly_chart"))
        rerun = _median_rerun(at, args.runs)
        base = floor(charts, args.runs)
        ratio = rerun / base
        rows.append((page, charts, first, rerun, base, ratio))
        print(
            f"{page:12} charts {charts}  open {first:6.3f} s  rerun {rerun:6.3f} s  floor {base:6.3f} s  ×{ratio:.2f}"
        )

    print()
    print("| page | charts | first open (s) | rerun (s) | floor (s) | rerun / floor |")
    print("|---|---:|---:|---:|---:|---:|")
    for page, charts, first, rerun, base, ratio in rows:
        mark = "" if ratio <= GOAL else " ⚠"
        print(f"| {page} | {charts} | {first:.3f} | {rerun:.3f} | {base:.3f} | {ratio:.2f}{mark} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
