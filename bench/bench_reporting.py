"""Benchmark the reporting matrix on the generated data set (every indicator × 8 places × every period).

Run: .venv/bin/python bench/bench_reporting.py [--observations 500000] [--db URL] [--no-write]
Generates the data set into a temporary SQLite file (or uses --db when it already holds one), reads the cells'
states once, then times the department × period matrix, one department's owed cells and the round rate.
Writes the numbers into docs/reporting.md between the bench markers (unless --no-write).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indicators.catalogue import load_catalogue  # noqa: E402
from indicators.scoring import reporting  # noqa: E402
from indicators.store import rounds  # noqa: E402
from indicators.store.generate import FIRST_YEAR, load_generated  # noqa: E402
from indicators.store.store import Store  # noqa: E402

DOC = ROOT / "docs" / "reporting.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
# As of a day in the generated data's next year: every generated period has ended and is owed.
TODAY = dt.date(2026, 2, 10)


def _timed(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    _timed.fastest = min(times)  # type: ignore[attr-defined]
    return statistics.median(times), result


def main() -> int:
    """Run the benchmark and print (and write) the numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--observations", type=int, default=500_000)
    parser.add_argument("--db", help="a database that already holds a generated data set")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    catalogue = load_catalogue()
    url = args.db
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="bench_reporting_"))
        url = f"sqlite:///{folder / 'generated.db'}"
        start = time.perf_counter()
        load_generated(url, args.observations, seed=11, catalogue=catalogue)
        print(f"generated {args.observations} observations in {time.perf_counter() - start:.1f} s")
    with Store(url, catalogue=catalogue) as store:
        with store.engine.connect() as conn:
            total = conn.exec_driver_sql("SELECT COUNT(*) FROM observations").scalar_one()
            reviews = conn.exec_driver_sql("SELECT COUNT(*) FROM reviews").scalar_one()
        load_ms, states = _timed(lambda: rounds.state_frame(store), 3)
    matrix_ms, matrix = _timed(
        lambda: reporting.status_matrix(catalogue, states, TODAY, FIRST_YEAR), args.repeat
    )
    matrix_min = _timed.fastest  # type: ignore[attr-defined]
    cells_ms, cells = _timed(
        lambda: reporting.cells(
            catalogue, states, TODAY, department="health_commission", start_year=FIRST_YEAR
        ),
        args.repeat,
    )
    rate_ms, _ = _timed(lambda: reporting.round_rate(matrix, TODAY.year - 1), args.repeat)
    expected = int(matrix["expected"].sum())
    lines = [
        f"- data: {total:,} observations ({len(states):,} cells with a value, {reviews:,} reviews), "
        f"{len(catalogue.indicators)} indicators × 8 places × every period {FIRST_YEAR}–2025; "
        f"{expected:,} cells owed as of {TODAY}",
        f"- department × period matrix ({len(matrix):,} rows): **{matrix_ms:.0f} ms** median of {args.repeat}, "
        f"fastest {matrix_min:.0f} ms",
        f"- one department's owed cells with due dates ({len(cells):,} cells, 卫健委): {cells_ms:.0f} ms",
        f"- round rate from the matrix: {rate_ms:.1f} ms",
        f"- reading every cell's state from SQLite (once per data version, cached by the page): {load_ms:.0f} ms",
        f"- machine: {platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
        f"2 cores shared with other work (load average {os.getloadavg()[0]:.1f} during the run)",
    ]
    print("\n".join(lines))
    if not args.no_write and DOC.exists():
        text = DOC.read_text(encoding="utf-8")
        if START in text and END in text:
            head, rest = text.split(START, 1)
            _, tail = rest.split(END, 1)
            DOC.write_text(head + START + "\n" + "\n".join(lines) + "\n" + END + tail, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
