"""Where a page run's time goes: cProfile of one script run of a dashboard page (AppTest, no browser).

Run: python bench/profile_page.py --db sqlite:///path.db --page overview [--top 25]
The app's first run (the default page) warms scores and imports; then the page is run three times and each
run profiled; the browser adds sending the elements and drawing them (see bench_browser.py). `--no-memo`
shows what the page memo (ctx.memo / Views.memo: figures and display tables kept per data version) saves.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.chdir(ROOT)

from app_pages import open_page  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

APP = str(ROOT / "dashboard" / "app.py")


def profiled(at: AppTest, page: str, top: int) -> tuple[float, str]:
    """Return the seconds one script run of the page took and the top functions by cumulative time."""
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    profile = cProfile.Profile()
    original = ScriptRunner._run_script
    took = 0.0

    def run_profiled(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # The script runs in its own thread: profile that thread, not the one waiting for it.
        nonlocal took
        started = time.perf_counter()
        profile.enable()
        try:
            return original(self, *args, **kwargs)
        finally:
            profile.disable()
            took = time.perf_counter() - started

    ScriptRunner._run_script = run_profiled
    try:
        open_page(at, page).run()
    finally:
        ScriptRunner._run_script = original
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(top)
    return took, out.getvalue()


def main() -> None:
    """Profile a cold and a warm run of one page and print both."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--db", required=True)
    p.add_argument("--page", default="overview")
    p.add_argument("--top", type=int, default=25)
    p.add_argument(
        "--no-memo", action="store_true", help="build figures and tables every run (Views.memo off)"
    )
    args = p.parse_args()
    if args.no_memo:
        from dashboard import cached_views

        # What the page memo saves: every figure and display table built again in each run.
        cached_views.Views.memo = lambda self, build, *args: build(self, *args)
    os.environ["XINAN_DB_URL"] = args.db
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    for label in ("first", "second", "third"):
        took, text = profiled(at, args.page, args.top)
        print(f"== {args.page} {label} run: {took:.2f} s (load {os.getloadavg()[0]:.1f})")
        print(text)


if __name__ == "__main__":
    main()
