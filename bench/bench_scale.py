"""City scale: what the store, scoring, the reporting matrix and the app server cost as the data grow.

Run on databases that hold a town-level generated set (one per size), e.g.

    .venv/bin/python -m indicators generate --level town --observations 5000000 --db postgresql://…/town5m
    .venv/bin/python bench/bench_scale.py --db postgresql://…/town500k --db postgresql://…/town2m \\
        --db postgresql://…/town5m [--browser] [--json out.json]

Each database is measured in its own child process (so memory is that size's alone): rows, cells, reviews,
database size; Store.current_frame (working and approved view) time, frame memory and the process's peak
memory; score(); the reporting matrix (cell states read once, then the department × period matrix);
scoring after one write (save → data version → current frame and scores recomputed, as the page does);
with --browser, the app server (`streamlit run dashboard/serve.py`) after opening the overview and an
indicator page in chromium: its memory (VmRSS of the server and its children) and the page times.
The save adds one revision to a city cell of the measured database (it is a benchmark database).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
# As of a day in the generated data's next year: every generated period has ended and is owed.
TODAY = dt.date(2026, 2, 10)
SAVE_INDICATOR = "elderly_home_retrofits"


def _kib(field: str, pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _mib(kib: int) -> float:
    return kib / 1024


def _timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def measure_store(url: str) -> dict[str, Any]:
    """Measure one database in this process; return the numbers."""
    from indicators.catalogue import load_catalogue
    from indicators.periods import parse_period
    from indicators.scoring import reporting
    from indicators.scoring.scores import score
    from indicators.store import rounds
    from indicators.store.generate import FIRST_YEAR, town_catalogue
    from indicators.store.store import Store

    out: dict[str, Any] = {"url": url.rsplit("@", 1)[-1], "load_average": os.getloadavg()[0]}
    cat = town_catalogue(load_catalogue())
    rss0 = _kib("VmRSS")
    with Store(url, catalogue=cat) as store:
        with store.engine.connect() as conn:
            q = conn.exec_driver_sql
            out["rows"] = q("SELECT COUNT(*) FROM observations").scalar_one()
            out["reviews"] = q("SELECT COUNT(*) FROM reviews").scalar_one()
            out["places"] = q("SELECT COUNT(DISTINCT place_code) FROM observations").scalar_one()
            if conn.dialect.name == "postgresql":
                out["db_mib"] = q("SELECT pg_database_size(current_database())").scalar_one() / 2**20
                out["observations_mib"] = (
                    q("SELECT pg_total_relation_size('observations')").scalar_one() / 2**20
                )
        out["current_s"], frame = _timed(store.current_frame)
        out["cells"] = len(frame)
        out["frame_mib"] = frame.memory_usage(deep=True).sum() / 2**20
        out["rss_after_frame_mib"] = _mib(_kib("VmRSS") - rss0)
        out["approved_s"], approved = _timed(lambda: store.current_frame(approved_only=True))
        out["approved_cells"] = len(approved)
        out["score_s"], _ = _timed(lambda: score(approved, cat))
        out["states_s"], states = _timed(lambda: rounds.state_frame(store))
        out["matrix_ms"] = (
            min(_timed(lambda: reporting.status_matrix(cat, states, TODAY, FIRST_YEAR))[0] for _ in range(5))
            * 1000
        )
        states = approved = None  # free them before the save
        # Save → visible: one new revision, then what the page does for the new data version.
        city = cat.framework.default_place
        period = str(TODAY.year - 1)
        before = store.current_revision(SAVE_INDICATOR, city, period)
        old = frame[
            (frame["indicator_id"] == SAVE_INDICATOR)
            & (frame["place_code"] == city)
            & (frame["period"] == period)
        ]["value"]
        value = float(old.iloc[0]) if len(old) else 1000.0
        start = time.perf_counter()
        store.save(
            SAVE_INDICATOR,
            city,
            period,
            value,
            entered_by="bench.scale",
            expected_revision=before,
            flag_reason="benchmark",
        )
        out["save_s"] = time.perf_counter() - start
        store.data_version()
        fresh = store.current_frame()
        out["save_delta_read_s"] = time.perf_counter() - start - out["save_s"]
        # What dashboard/data.py then does with the frame of the new data version, before scoring it.
        fresh = fresh.assign(_end=[parse_period(p).end for p in fresh["period"]])
        fresh = fresh.sort_values(["indicator_id", "place_code", "_end"])
        out["save_page_prep_s"] = time.perf_counter() - start - out["save_s"] - out["save_delta_read_s"]
        scored = score(fresh, cat)
        out["save_visible_s"] = time.perf_counter() - start
        assert scored.indicators is not None
        out["peak_rss_mib"] = _mib(_kib("VmHWM"))
    return out


_SCRIPT_DONE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stStatusWidget"]')
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(el => el.querySelector('.main-svg'));
}"""


def _tree_rss_kib(pid: int) -> int:
    total = _kib("VmRSS", pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            total += _tree_rss_kib(int(child))
    return total


def measure_server(url: str) -> dict[str, Any]:
    """Start the app server on the database, open the overview and an indicator page; return memory and times."""
    from browser_helpers import free_port, wait_healthy
    from playwright.sync_api import sync_playwright

    env = dict(os.environ, XINAN_DB_URL=url)
    env.pop("XINAN_REQUIRE_LOGIN", None)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "serve.py")]
        + ["--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
        + ["--server.fileWatcherType", "none"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {"load_average_server": os.getloadavg()[0]}
    try:
        wait_healthy(base, proc, 120)
        out["server_start_mib"] = _mib(_tree_rss_kib(proc.pid))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1440, "height": 1400})
            for name, path in (
                ("overview_first", "overview"),
                ("overview_again", "overview"),
                ("indicator_first", f"indicator?id={SAVE_INDICATOR}"),
                ("indicator_again", f"indicator?id={SAVE_INDICATOR}"),
            ):
                page = context.new_page()
                start = time.perf_counter()
                page.goto(f"{base}/{path}")
                page.wait_for_selector('[data-testid="stMain"] h1', timeout=300_000)
                page.wait_for_function(_SCRIPT_DONE_JS, timeout=300_000)
                out[f"{name}_s"] = time.perf_counter() - start
                out[f"{name}_errors"] = page.locator('[data-testid="stException"]').count()
                page.close()
            browser.close()
        out["server_rss_mib"] = _mib(_tree_rss_kib(proc.pid))
        out["server_peak_mib"] = _mib(_kib("VmHWM", proc.pid))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out


ROWS = [
    ("observations (revisions)", "rows", "{:,}"),
    ("cells (current values)", "cells", "{:,}"),
    ("places with data", "places", "{}"),
    ("reviews", "reviews", "{:,}"),
    ("database size (MiB)", "db_mib", "{:.0f}"),
    ("`current_frame()` working view (s)", "current_s", "{:.2f}"),
    ("`current_frame(approved_only=True)` (s)", "approved_s", "{:.2f}"),
    ("current frame in memory (MiB)", "frame_mib", "{:.0f}"),
    ("`score()` of the approved frame (s)", "score_s", "{:.2f}"),
    ("reporting: cell states read (s)", "states_s", "{:.2f}"),
    ("reporting matrix (ms, fastest of 5)", "matrix_ms", "{:.0f}"),
    ("save one value (s)", "save_s", "{:.3f}"),
    ("… then the store reads the cells it changed (s)", "save_delta_read_s", "{:.2f}"),
    ("… then data.py's period column and sort (s)", "save_page_prep_s", "{:.2f}"),
    ("save → new current frame + scores, total (s)", "save_visible_s", "{:.2f}"),
    ("bench process peak memory (MiB)", "peak_rss_mib", "{:.0f}"),
    ("app server after start (MiB)", "server_start_mib", "{:.0f}"),
    ("overview, first open after start (s)", "overview_first_s", "{:.1f}"),
    ("overview, opened again (s)", "overview_again_s", "{:.1f}"),
    ("indicator page, first open (s)", "indicator_first_s", "{:.1f}"),
    ("indicator page, opened again (s)", "indicator_again_s", "{:.1f}"),
    ("app server RSS after both pages (MiB)", "server_rss_mib", "{:.0f}"),
    ("app server peak RSS (MiB)", "server_peak_mib", "{:.0f}"),
    ("load average (1 min) when measured", "load_average", "{:.1f}"),
]


def table(results: list[dict[str, Any]]) -> str:
    """Return the measurements as a markdown table, one column per database."""
    head = "| | " + " | ".join(f"{r['rows']:,} rows" for r in results) + " |"
    lines = [head, "|---|" + "---:|" * len(results)]
    for label, key, fmt in ROWS:
        if any(key in r for r in results):
            cells = [fmt.format(r[key]) if key in r else "—" for r in results]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    """Measure every --db (each in a child process) and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", action="append", required=True, help="a database holding a generated set")
    parser.add_argument("--browser", action="store_true", help="also measure the app server in chromium")
    parser.add_argument("--json", help="write the numbers here too")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        result = measure_store(args.db[0])
        if args.browser:
            result.update(measure_server(args.db[0]))
        print(json.dumps(result))
        return 0
    results = []
    for url in args.db:
        command = [sys.executable, __file__, "--one", "--db", url] + (["--browser"] if args.browser else [])
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
