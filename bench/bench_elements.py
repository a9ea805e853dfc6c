"""Benchmark: what each kind of element the dashboard adds costs the browser (bench/element_costs_app.py).

Every page of the experiment app draws a title and one plotly chart; all but `bare` add one kind of element
(grids, HTML tables, popovers of download buttons, the sign-in form, article texts, metrics). Each page is
opened in a new tab of a warm browser and reached through the sidebar from `bare`, alternating the pages in
turn, until the run has ended and the chart is drawn (bench_browser's measure). The result is each page's
median minus `bare`'s: the browser's price of that element. The load average is printed beside.

Run: python bench/bench_elements.py --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    load,
    navigate,
    open_in_new_tab,
    settle,
    streamlit_server,
)

VARIANTS = [
    "bare",
    "grids",
    "grids_plain",
    "grid_one",
    "tables",
    "html_tables",
    "popovers",
    "signin_form",
    "articles",
    "articles_folded",
    "metrics",
]


def main() -> None:
    """Time each variant page against the bare one and print a table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    variants = args.variants.split(",")
    from playwright.sync_api import sync_playwright

    opened: dict[str, list[float]] = {v: [] for v in variants}
    reached: dict[str, list[float]] = {v: [] for v in variants}
    loads = [load()]
    with streamlit_server(ROOT / "bench" / "element_costs_app.py", {}) as (base, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        for v in variants:  # warm: each page once (scripts, chunks in the browser cache)
            open_in_new_tab(context, f"{base}/{v}", 1)
        tab = context.new_page()
        tab.goto(f"{base}/bare")
        settle(tab, 1)
        for i in range(args.repeats):
            order = variants if i % 2 == 0 else variants[::-1]
            for v in order:
                opened[v].append(open_in_new_tab(context, f"{base}/{v}", 1))
            for v in order:
                if v == "bare":
                    continue
                reached[v].append(navigate(tab, v, 1))
                navigate(tab, "bare", 1)
            loads.append(load())
            print("round", i + 1, "load", loads[-1], flush=True)
        browser.close()
    base_open = statistics.median(opened["bare"])
    print(f"\nload (1 min) during the run: {min(loads)}–{max(loads)}")
    print("| element page | open in new tab s | − bare | ratio | sidebar from bare s |")
    print("|---|---:|---:|---:|---:|")
    for v in variants:
        o = statistics.median(opened[v])
        r = f"{statistics.median(reached[v]):.2f}" if reached[v] else ""
        print(f"| {v} | {o:.2f} | {o - base_open:+.2f} | {o / base_open:.2f}× | {r} |")


if __name__ == "__main__":
    main()
