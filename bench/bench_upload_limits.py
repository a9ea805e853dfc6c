"""Peak memory and time to refuse a hostile workbook (one cell in column XFD per row), and to read a
normal 10,000-row workbook. Run: .venv/bin/python bench/bench_upload_limits.py"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import pandas as pd  # noqa: E402
from test_upload_limits import xfd_workbook  # noqa: E402

from indicators.errors import IndicatorsError  # noqa: E402
from indicators.tabular import to_xlsx_bytes  # noqa: E402
from indicators.uploads import read_upload  # noqa: E402


def measure(label: str, data: bytes) -> None:
    """Print time and peak Python memory of reading `data` as an upload."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        table = read_upload("bench.xlsx", data)
        outcome = f"read {len(table.rows)} rows"
    except IndicatorsError as exc:
        outcome = f"refused: {exc.problems[0].message}"
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label}: {len(data) / 1024:.0f} KB, {elapsed * 1000:.0f} ms, peak {peak / 1024 / 1024:.1f} MB — {outcome}"
    )


def main() -> None:
    """Run the three cases."""
    for dimension in ("A1:XFD20000", None, "A1:A1"):
        measure(f"XFD x 20000 rows, dimension {dimension}", xfd_workbook(20_000, dimension))
    frame = pd.DataFrame(
        {
            "indicator_id": ["x"] * 10_000,
            "place_code": ["371600"] * 10_000,
            "period": ["2023"] * 10_000,
            "value": range(10_000),
        }
    )
    measure("normal 10000 rows", to_xlsx_bytes(frame))


if __name__ == "__main__":
    main()
