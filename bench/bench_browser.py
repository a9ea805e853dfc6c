"""Benchmark: what staff feel, in a real browser (Chromium), against a bare Streamlit app on the same machine.

For every page it times (a) opening it in a new tab of a warm browser and (b) going to it from another page
through the sidebar, until the script run has ended and every plotly chart is drawn; the bare app
(bench/bare_app.py: the same pages with as many plotly charts of the same size) is timed alternately in the
same run, and the table gives medians and ratios. Also: save → value visible on the indicator page, the first
visitor after a server start against later ones, the first chart download (PNG, PDF) and a briefing pack.

Run (quick):   python bench/bench_browser.py --data article --db sqlite --repeats 3 --pages overview,theme
Run (full):    python bench/bench_browser.py --data article,500k --db sqlite,postgresql --repeats 5 --write
`--write` puts the tables into docs/performance.md between the bench markers; results also go to
artifacts/bench/browser-<time>.json. The machine's load average is recorded with each result.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser_helpers import free_port, wait_healthy  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
# reporting?tab=review is the review queue as a reviewer's bookmark opens it (the page draws only its open tab).
PAGES = (
    "overview",
    "theme",
    "indicator",
    "entry",
    "history",
    "sources",
    "briefing",
    "reporting",
    "reporting?tab=review",
)


def bare_path(path: str) -> str:
    """Return the bare app's url path standing for a dashboard path (a query string becomes part of it)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", path)


USER, PASSWORD = "bench.admin", "bench browser password"
DATA_DIR = Path(tempfile.gettempdir()) / "xinan-bench"
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- bench_browser:start -->", "<!-- bench_browser:end -->"
TIMEOUT = 120_000

# Done = the run has ended (no status widget, no skeleton) and every plotly chart holds its svg.
DONE_JS = """(n) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (!document.querySelector('[data-testid="stMain"] h1')) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-testid^="stSkeleton"], [data-testid="stAppSkeleton"]')) return false;
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  return charts.length >= n && charts.every(el => el.querySelector('.main-svg'));
}"""
COUNT_RUNS_JS = """() => {
  // Counts finished runs in this document; watches the whole tree, as the app root may be drawn anew.
  if (window.__xaRuns === undefined) {
    window.__xaRuns = 0;
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.target.getAttribute('data-test-script-state') === 'notRunning') window.__xaRuns += 1;
      }
    }).observe(document.documentElement,
               {attributes: true, subtree: true, attributeFilter: ['data-test-script-state']});
  }
  return window.__xaRuns;
}"""
CHART_HEIGHTS_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .map(el => Math.round(el.getBoundingClientRect().height))"""


def load() -> float:
    """Return the 1-minute load average now."""
    return round(os.getloadavg()[0], 2)


@dataclass
class Result:
    """One measured quantity: medians of the dashboard and (when compared) the bare app."""

    data: str
    db: str
    what: str
    page: str
    app_s: float
    bare_s: float | None = None
    runs: int = 1
    load: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Return dashboard ÷ bare (None when not compared)."""
        return self.app_s / self.bare_s if self.bare_s else None


# --- servers and data ----------------------------------------------------------------------------------


@contextmanager
def streamlit_server(script: Path, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run `streamlit run script` on a free port (as tests/browser_helpers.serve does); yield URL and process."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    command += ["--server.fileWatcherType", "none"]
    full_env = dict(os.environ, **env)
    full_env.pop("XINAN_REQUIRE_LOGIN", None)
    proc = subprocess.Popen(
        command, cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, seconds=180)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _cli(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "indicators", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )


def _fill(url: str, data: str) -> None:
    """Put a data set into an empty database and add the bench's admin account."""
    from indicators.accounts import open_accounts

    if data == "article":
        _cli("init", "--db", url)
    else:
        n = int(float(data.rstrip("k")) * 1000)
        _cli("generate", "--db", url, "--observations", str(n))
    accounts = open_accounts(url)
    accounts.add_user(USER, "admin", password=PASSWORD)
    # Closing the engine checkpoints SQLite's write-ahead log into the file: the file is then copied for each
    # run, and a copy taken with the account still in the log had no bench admin (sign-in timed out).
    accounts.engine.dispose()


@contextmanager
def database(data: str, db: str) -> Iterator[str]:
    """Yield the URL of a database holding the data set (SQLite files are kept between bench runs)."""
    if db == "sqlite":
        DATA_DIR.mkdir(exist_ok=True)
        path = DATA_DIR / f"{data}.db"
        ready = DATA_DIR / f"{data}.ready"
        if not ready.exists():
            path.unlink(missing_ok=True)
            started = time.perf_counter()
            _fill(f"sqlite:///{path}", data)
            ready.write_text(f"{time.perf_counter() - started:.1f} s")
        # Each run gets a copy: saves made by the bench do not pile up in the kept file.
        work = Path(tempfile.mkdtemp(prefix="xinan-bench-")) / "xinan.db"
        shutil.copy(path, work)
        try:
            yield f"sqlite:///{work}"
        finally:
            shutil.rmtree(work.parent, ignore_errors=True)
    else:
        from pg_server import temporary_postgres

        with temporary_postgres() as url:
            _fill(url, data)
            yield url


# --- browser steps -------------------------------------------------------------------------------------


def settle(pg: object, charts: int = 0) -> None:
    """Wait until the run has ended and at least `charts` plotly charts are drawn."""
    pg.wait_for_function(DONE_JS, arg=charts, timeout=TIMEOUT, polling=20)


def open_in_new_tab(context: object, url: str, charts: int) -> float:
    """Return seconds from opening a new tab at url until it is drawn; close the tab."""
    started = time.perf_counter()
    pg = context.new_page()
    pg.goto(url)
    settle(pg, charts)
    took = time.perf_counter() - started
    pg.close()
    return took


def navigate(pg: object, path: str, charts: int) -> float:
    """Return seconds from clicking the sidebar link to `path` until that page is drawn."""
    link = pg.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').first
    before = pg.evaluate(COUNT_RUNS_JS)
    title = pg.evaluate("() => (document.querySelector('[data-testid=\"stMain\"] h1') || {}).innerText")
    started = time.perf_counter()
    link.click()
    # The new page's run has ended (counted), or its title is up (a run counted before the click ended).
    pg.wait_for_function(
        """([n, p, title]) => location.pathname.endsWith('/' + p) && (window.__xaRuns > n
           || ((document.querySelector('[data-testid="stMain"] h1') || {}).innerText || title) !== title)""",
        arg=[before, path, title],
        timeout=TIMEOUT,
        polling=20,
    )
    settle(pg, charts)
    return time.perf_counter() - started


def sign_in(context: object, base: str) -> None:
    """Sign the browser context in as the bench's admin through the sidebar's form (cookie sign-in)."""
    pg = context.new_page()
    pg.goto(f"{base}/overview")
    settle(pg)
    sidebar = pg.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("textbox", name="用户名").fill(USER)
    sidebar.get_by_label("密码").fill(PASSWORD)
    sidebar.get_by_role("button", name="登录").click()
    pg.wait_for_function(
        "() => (document.querySelector('[data-testid=\"stSidebar\"]') || {innerText: ''}).innerText"
        ".includes('已登录')",
        timeout=TIMEOUT,
    )
    settle(pg)
    pg.close()


def discover(context: object, base: str, pages: list[str]) -> dict[str, list[int]]:
    """Return the heights of the plotly charts each page draws (opening each once also warms the caches)."""
    found = {}
    for path in pages:
        pg = context.new_page()
        pg.goto(f"{base}/{path}")
        settle(pg)
        # Charts may still be arriving right after the run ends: wait a little for the count to settle.
        heights: list[int] = []
        for _ in range(10):
            now = pg.evaluate(CHART_HEIGHTS_JS)
            if now == heights:
                break
            heights = now
            pg.wait_for_timeout(200)
        settle(pg, len(heights))
        found[path] = pg.evaluate(CHART_HEIGHTS_JS)
        pg.close()
    return found


def median(values: list[float]) -> float:
    """Return the median, rounded to milliseconds."""
    return round(statistics.median(values), 3)


def compare(
    measure_app: Callable[[], float], measure_bare: Callable[[], float], repeats: int
) -> tuple[float, float, list[float]]:
    """Time the dashboard and the bare app alternately (starting with each in turn); return medians and loads."""
    app, bare, loads = [], [], []
    for i in range(repeats):
        if i % 2 == 0:
            app.append(measure_app())
            bare.append(measure_bare())
        else:
            bare.append(measure_bare())
            app.append(measure_app())
        loads.append(load())
    return median(app), median(bare), loads


# --- the measurements ----------------------------------------------------------------------------------


def bench_pages(
    browser: object, url: str, data: str, db: str, pages: list[str], repeats: int
) -> list[Result]:
    """Time every page opened in a new tab and reached through the sidebar, beside the bare app."""
    results: list[Result] = []
    with ExitStack() as stack:
        base, _ = stack.enter_context(
            streamlit_server(ROOT / "dashboard" / "serve.py", {"XINAN_DB_URL": url})
        )
        app_ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
        stack.callback(app_ctx.close)
        sign_in(app_ctx, base)
        layout = discover(app_ctx, base, pages)
        bare_base, _ = stack.enter_context(
            streamlit_server(
                ROOT / "bench" / "bare_app.py",
                {"BARE_LAYOUT": json.dumps({bare_path(p): h for p, h in layout.items()})},
            )
        )
        bare_ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
        stack.callback(bare_ctx.close)
        discover(bare_ctx, bare_base, [bare_path(p) for p in pages])
        for path in pages:
            n = len(layout[path])
            app_s, bare_s, loads = compare(
                lambda: open_in_new_tab(app_ctx, f"{base}/{path}", n),  # noqa: B023
                lambda: open_in_new_tab(bare_ctx, f"{bare_base}/{bare_path(path)}", n),  # noqa: B023
                repeats,
            )
            results.append(
                Result(data, db, "open in new tab", path, app_s, bare_s, repeats, loads, f"{n} charts")
            )
            print(results[-1].what, path, app_s, bare_s, f"{app_s / bare_s:.2f}", loads[-1], flush=True)
        # Sidebar navigation: one tab per server walks the pages in order, arriving at each from the one before
        # (the sidebar links pages, not a page's tab).
        pages = [p for p in pages if "?" not in p]
        app_tab, bare_tab = app_ctx.new_page(), bare_ctx.new_page()
        last = pages[-1]
        app_tab.goto(f"{base}/{last}")
        bare_tab.goto(f"{bare_base}/{last}")
        settle(app_tab, len(layout[last]))
        settle(bare_tab, len(layout[last]))
        times: dict[str, tuple[list[float], list[float]]] = {p: ([], []) for p in pages}
        loads_nav: dict[str, list[float]] = {p: [] for p in pages}
        for i in range(repeats):
            for path in pages:
                n = len(layout[path])
                order = [(app_tab, 0), (bare_tab, 1)] if i % 2 == 0 else [(bare_tab, 1), (app_tab, 0)]
                for tab, which in order:
                    times[path][which].append(navigate(tab, path, n))
                loads_nav[path].append(load())
        for path in pages:
            app_s, bare_s = median(times[path][0]), median(times[path][1])
            results.append(
                Result(data, db, "sidebar navigation", path, app_s, bare_s, repeats, loads_nav[path], "")
            )
            print("sidebar", path, app_s, bare_s, round(app_s - bare_s, 3), flush=True)
        results += bench_downloads_and_save(app_ctx, base, data, db)
    return results


def bench_downloads_and_save(context: object, base: str, data: str, db: str) -> list[Result]:
    """Time the first PNG and PDF download of a chart, then save → the value shown on the indicator page."""
    results = []
    pg = context.new_page()
    pg.goto(f"{base}/overview")
    settle(pg, 1)
    for fmt in ("PNG", "PDF", "PNG"):
        pg.locator('[data-testid="stPopover"] button').first.click()
        button = pg.get_by_role("button", name=fmt, exact=True).first
        button.wait_for(timeout=TIMEOUT)
        started = time.perf_counter()
        with pg.expect_download(timeout=TIMEOUT) as download:
            button.click()
        download.value.path()
        took = time.perf_counter() - started
        pg.keyboard.press("Escape")
        label = f"chart download {fmt}" + (" (again)" if fmt == "PNG" and results else " (first)")
        results.append(Result(data, db, label, "overview", round(took, 3), load=[load()]))
        print(label, round(took, 3), flush=True)
    results.append(save_to_visible(pg, base, data, db))
    pg.close()
    return results


def save_to_visible(pg: object, base: str, data: str, db: str) -> Result:
    """Save a value on the entry page and follow its link: seconds from the save until the indicator page shows it."""
    pg.goto(f"{base}/entry")
    settle(pg)
    toggle = pg.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"] input')
    if not toggle.is_checked():
        # The working view shows values awaiting review, so the saved value is visible at once.
        before = pg.evaluate(COUNT_RUNS_JS)
        pg.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"] label').click()
        pg.wait_for_function("(n) => window.__xaRuns > n", arg=before, timeout=TIMEOUT)
        settle(pg)
    value = f"{40 + time.time() % 10:.2f}"
    form = pg.locator('[data-testid="stForm"]').filter(has=pg.get_by_role("button", name="保存"))
    form.get_by_role("textbox", name="数值（单位：").fill(value)
    form.get_by_role("textbox", name="来源说明").fill("bench")
    started = time.perf_counter()
    pg.get_by_role("button", name="保存到").click()
    pg.get_by_text("已保存").or_(pg.get_by_text("请确认后保存")).first.wait_for(timeout=TIMEOUT)
    note = ""
    if pg.get_by_text("请确认后保存").count():
        # A value far from the history asks for a reason first; the time counts from the confirming click.
        pg.get_by_role("textbox", name="确认原因（必填）").fill("bench")
        started = time.perf_counter()
        pg.get_by_role("button", name="确认保存到").click()
        pg.wait_for_selector("text=已保存", timeout=TIMEOUT)
        note = "confirmed as unusual; "
    saved = time.perf_counter() - started
    pg.get_by_text("在指标页查看").click()
    pg.wait_for_function(
        "v => { const m = document.querySelector('[data-testid=\"stMetricValue\"]');"
        " return location.pathname.endsWith('/indicator') && m && m.innerText.includes(v); }",
        arg=value,
        timeout=TIMEOUT,
        polling=20,
    )
    settle(pg, 1)
    took = time.perf_counter() - started
    print("save → visible", round(took, 3), "(saved message after", round(saved, 3), ")", flush=True)
    return Result(
        data,
        db,
        "save → visible",
        "entry → indicator",
        round(took, 3),
        load=[load()],
        note=f"{note}'saved' shown after {saved:.2f} s",
    )


def bench_first_visitor(browser: object, url: str, data: str, db: str, repeats: int) -> list[Result]:
    """Time the first visitor after a server start against later visitors (overview, signed out)."""
    with streamlit_server(ROOT / "dashboard" / "serve.py", {"XINAN_DB_URL": url}) as (base, _):

        def visitor() -> float:
            # Each visitor is a new person: own browser context (cold browser cache), signed out.
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            took = open_in_new_tab(context, f"{base}/overview", 3)
            context.close()
            return took

        first = visitor()
        later = [visitor() for _ in range(repeats)]
    result = Result(
        data,
        db,
        "first visitor after start",
        "overview",
        round(first, 3),
        median(later),
        repeats,
        [load()],
        "bare = later visitors",
    )
    print("first visitor", result.app_s, result.bare_s, flush=True)
    return [result]


def bench_pack(data: str) -> list[Result]:
    """Time a briefing pack of 26 charts in a fresh process (cold kaleido) and again (warm) via bench_briefing."""
    observations = "50000" if data == "article" else str(int(float(data.rstrip("k")) * 1000))
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_briefing.py"),
            "--runs",
            "2",
            "--details",
            "4",
            "--observations",
            observations,
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    runs = json.loads(out.stdout.strip().splitlines()[-1])
    results = [
        Result(
            data,
            "-",
            f"briefing pack ({run['charts']} charts, {run['kind']})",
            "in process",
            round(run["total"], 3),
            load=[run["load"]],
            note=f"kaleido start {run['start']:.2f} s",
        )
        for run in runs
    ]
    for r in results:
        print(r.what, r.app_s, flush=True)
    return results


# --- report --------------------------------------------------------------------------------------------

GOALS = {
    "open in new tab": "≤ 1.15× bare",
    "sidebar navigation": "≤ bare + 0.15 s",
    "first visitor after start": "≤ 1.2× later",
    "save → visible": "≤ 1 s",
}


def verdict(r: Result) -> str:
    """Return the goal and ✓/⚠ for one result."""
    if r.what == "open in new tab":
        return f"{r.ratio:.2f}× {'✓' if r.ratio <= 1.15 else '⚠'}"
    if r.what == "sidebar navigation":
        extra = r.app_s - (r.bare_s or 0)
        return f"{extra:+.2f} s {'✓' if extra <= 0.15 else '⚠'}"
    if r.what == "first visitor after start":
        return f"{r.ratio:.2f}× {'✓' if r.ratio <= 1.2 else '⚠'}"
    if r.what.startswith("chart download") or r.what == "save → visible":
        return "✓" if r.app_s <= 1 else "⚠"
    if r.what.startswith("briefing pack"):
        limit = 8 if "cold" in r.what else 5
        return "✓" if r.app_s <= limit else "⚠"
    return ""


def table(results: list[Result]) -> str:
    """Return the results as a markdown table."""
    lines = [
        "| data | db | measure | page | dashboard s | bare s | against goal | runs | load (1 min) | note |",
        "|---|---|---|---|---:|---:|---|---:|---|---|",
    ]
    for r in results:
        bare = f"{r.bare_s:.2f}" if r.bare_s is not None else ""
        loads = f"{min(r.load):.1f}–{max(r.load):.1f}" if r.load else ""
        lines.append(
            f"| {r.data} | {r.db} | {r.what} | {r.page} | {r.app_s:.2f} | {bare} | {verdict(r)} | {r.runs} "
            f"| {loads} | {r.note} |"
        )
    return "\n".join(lines)


def write_doc(text: str) -> None:
    """Replace the bench's part of docs/performance.md (between the markers) with text."""
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else f"# Performance\n\n{START}\n{END}\n"
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    """Run the chosen measurements and print (and optionally write) the tables."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="article", help="comma list of: article, 500k (any NNNk generated set)")
    p.add_argument("--db", default="sqlite", help="comma list of: sqlite, postgresql")
    p.add_argument("--pages", default=",".join(PAGES), help="comma list of url paths")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--skip", default="", help="comma list of: pages, first, pack")
    p.add_argument("--write", action="store_true", help="write the table into docs/performance.md")
    p.add_argument("--label", default="", help="a heading for this run in the doc (e.g. 'after warm start')")
    args = p.parse_args()
    from playwright.sync_api import sync_playwright

    skip = set(filter(None, args.skip.split(",")))
    pages = args.pages.split(",")
    results: list[Result] = []
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"start {started}, load {os.getloadavg()}", flush=True)
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for data in args.data.split(","):
            for db in args.db.split(","):
                with database(data, db) as url:
                    if "first" not in skip:
                        results += bench_first_visitor(browser, url, data, db, args.repeats)
                    if "pages" not in skip:
                        results += bench_pages(browser, url, data, db, pages, args.repeats)
            if "pack" not in skip:
                results += bench_pack(data)
        browser.close()
    text = (
        f"{args.label + ': ' if args.label else ''}measured {started} on {os.cpu_count()} cores; "
        f"load average at the end {tuple(round(x, 2) for x in os.getloadavg())}; medians of {args.repeats}.\n\n"
        + table(results)
    )
    print(text)
    out = ROOT / "artifacts" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"browser-{time.strftime('%H%M%S')}.json").write_text(
        json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=1), encoding="utf-8"
    )
    if args.write:
        write_doc(text)


if __name__ == "__main__":
    main()
