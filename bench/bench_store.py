"""Benchmark the observation store on SQLite and PostgreSQL: save latency and a 100,000-row import.

Run: .venv/bin/python bench/bench_store.py [--rows 100000] [--saves 500] [--no-write]
Writes the numbers into docs/storage.md between the bench markers (unless --no-write).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pg_server import create_database, temporary_postgres  # noqa: E402

from indicators.bulk import apply, dry_run  # noqa: E402
from indicators.catalogue import Catalogue, load_catalogue  # noqa: E402
from indicators.store.store import Store  # noqa: E402
from indicators.tabular import read_table  # noqa: E402
from indicators.units import UNITS  # noqa: E402

DOC = ROOT / "docs" / "storage.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def _period(frequency: str, steps_back: int, today: dt.date) -> str:
    if frequency == "year":
        return str(today.year - 1 - steps_back)
    if frequency == "quarter":
        q = (today.year - 1) * 4 + 3 - steps_back  # counting back from last year's Q4
        return f"{q // 4}Q{q % 4 + 1}"
    m = (today.year - 1) * 12 + 11 - steps_back
    return f"{m // 12}-{m % 12 + 1:02d}"


def _value(unit: str, rng: random.Random) -> float:
    if unit in ("%", "‰"):
        return round(rng.uniform(0, 100), 1)
    if UNITS[unit].kind == "measure":
        return round(rng.uniform(1, 500), 2)
    return float(rng.randint(0, 100000))


def import_csv(catalogue: Catalogue, rows: int, seed: int = 7) -> bytes:
    """Return a CSV of `rows` distinct valid cells over every indicator and place, going back in time."""
    rng = random.Random(seed)
    today = dt.date.today()
    indicators = list(catalogue.indicators.values())
    places = [p.code for p in catalogue.places]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["indicator_id", "place_code", "period", "value", "unit", "qualifier", "note"])
    written, step = 0, 0
    while written < rows:
        for ind in indicators:
            period = _period(ind.frequency, step, today)
            for place in places:
                if written == rows:
                    break
                writer.writerow([ind.id, place, period, _value(ind.unit, rng), ind.unit, "exact", ""])
                written += 1
        step += 1
    return out.getvalue().encode("utf-8")


def bench_saves(store: Store, saves: int) -> dict[str, float]:
    """Time single saves (half new cells, half corrections of them) as a form would make them."""
    ind = next(i for i in store.catalogue.indicators.values() if i.frequency == "year" and i.unit != "%")
    places = [p.code for p in store.catalogue.places]
    today = dt.date.today()
    timings = []
    for n in range(saves):
        cell = (ind.id, places[n % len(places)], _period("year", (n // 2) // len(places), today))
        revision = store.current_revision(*cell)
        start = time.perf_counter()
        store.save(*cell, n + 1, entered_by="bench", expected_revision=revision)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "p50_ms": statistics.median(timings),
        "p95_ms": timings[int(len(timings) * 0.95) - 1],
        "max_ms": timings[-1],
    }


def bench_import(store: Store, data: bytes) -> dict[str, float]:
    """Time reading, planning and applying a CSV into an empty store, then importing it again."""
    t0 = time.perf_counter()
    table = read_table(data, "bench.csv")
    t1 = time.perf_counter()
    plan = dry_run(store, table, "bench")
    t2 = time.perf_counter()
    assert not plan.errors, plan.problems()[:3]
    written = apply(store, plan)
    t3 = time.perf_counter()
    again = dry_run(store, read_table(data, "bench.csv"), "bench")
    t4 = time.perf_counter()
    assert len(again.unchanged) == written
    return {
        "rows": written,
        "read_s": t1 - t0,
        "check_s": t2 - t1,
        "write_s": t3 - t2,
        "total_s": t3 - t0,
        "reimport_dry_run_s": t4 - t3,
    }


@contextmanager
def backends(which: list[str]) -> Iterator[list[tuple[str, str, str]]]:
    """Yield (name, url for saves, url for the import) per backend, each a fresh database."""
    with tempfile.TemporaryDirectory() as tmp:
        found = []
        if "sqlite" in which:
            found.append(
                ("SQLite (WAL, synchronous=FULL)", f"sqlite:///{tmp}/saves.db", f"sqlite:///{tmp}/import.db")
            )
        if "postgresql" in which:
            with temporary_postgres(durable=True) as server:
                found.append(
                    (
                        "PostgreSQL 15 (local, fsync on)",
                        create_database(server, "bench_saves"),
                        create_database(server, "bench_import"),
                    )
                )
                yield found
                return
        yield found


def write_doc(text: str) -> None:
    """Replace the numbers between the bench markers in docs/storage.md."""
    doc = DOC.read_text(encoding="utf-8")
    head, _, rest = doc.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def main() -> int:
    """Run the benchmarks and print (and record) the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--saves", type=int, default=500)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/storage.md alone")
    args = parser.parse_args()
    catalogue = load_catalogue()
    data = import_csv(catalogue, args.rows)
    lines = [
        f"Measured {dt.date.today().isoformat()} on {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, real catalogue ({len(catalogue.indicators)} indicators), "
        f"{args.saves} saves, {args.rows:,}-row CSV ({len(data) / 1e6:.1f} MB); "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} when it started.",
        "",
        "| backend | save p50 | save p95 | save max | import read | check | write | **import total** | re-import dry run |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    with backends(args.backend or ["sqlite", "postgresql"]) as found:
        for name, saves_url, import_url in found:
            with Store(saves_url, catalogue=catalogue) as store:
                saves = bench_saves(store, args.saves)
            with Store(import_url, catalogue=catalogue) as store:
                imp = bench_import(store, data)
            line = (
                f"| {name} | {saves['p50_ms']:.1f} ms | {saves['p95_ms']:.1f} ms | {saves['max_ms']:.1f} ms "
                f"| {imp['read_s']:.2f} s | {imp['check_s']:.2f} s | {imp['write_s']:.2f} s "
                f"| **{imp['total_s']:.2f} s** | {imp['reimport_dry_run_s']:.2f} s |"
            )
            print(line, flush=True)
            lines.append(line)
    lines += ["", "Goals: save p95 ≤ 20 ms; 100,000-row import ≤ 10 s."]
    if not args.no_write:
        write_doc("\n".join(lines))
        print(f"recorded in {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
