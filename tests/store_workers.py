"""Worker processes for the concurrency tests (a module of its own so `spawn` can import it)."""

from __future__ import annotations

import random
from typing import Any

from indicators.catalogue import load_catalogue
from indicators.errors import IndicatorsError
from indicators.store.store import Store

SHARED = [("home_visits", "371600", "2024Q1"), ("home_visits", "371600", "2024Q2")]
LOCKSTEP = ("homes_adapted_for_elderly", "371600", "2023")


def own_cell(worker: int) -> tuple[str, str, str]:
    """A cell only this worker writes."""
    return ("hotline_calls", "371600", f"2024-{worker + 1:02d}")


def work(
    url: str, catalogue_dir: str, worker: int, rounds: int, attempts: int, barrier: Any, results: Any
) -> None:
    """Write and correct shared cells against the other workers; report what was accepted and refused."""
    store = Store(url, catalogue=load_catalogue(catalogue_dir))
    user = f"worker{worker}"
    rng = random.Random(worker)
    counts = {"attempted": 0, "accepted": 0, "refused": 0, "lockstep_accepted": 0, "lockstep_refused": 0}
    unexpected: list[str] = []
    refusal_messages: list[str] = []

    def attempt(cell: tuple[str, str, str], revision: int, key: str = "") -> None:
        counts["attempted"] += 1
        try:
            # Random values trip the plausibility checks; a flagged save is confirmed with a reason.
            store.save(
                *cell,
                rng.randint(1, 10**6),
                entered_by=user,
                expected_revision=revision,
                flag_reason="concurrency test: random values",
            )
        except IndicatorsError as exc:
            if [p.code for p in exc.problems] != ["conflict"]:
                unexpected.append(str(exc))
            counts["refused"] += 1
            if key:
                counts[f"{key}refused"] += 1
            refusal_messages.append(exc.problems[0].message)
        except Exception as exc:  # anything but a clean refusal is a failure the test reports
            unexpected.append(f"{type(exc).__name__}: {exc}")
        else:
            counts["accepted"] += 1
            if key:
                counts[f"{key}accepted"] += 1

    try:
        # Lock-step rounds: everyone reads the same revision, then everyone saves on it. One may win.
        for _ in range(rounds):
            barrier.wait(timeout=120)
            revision = store.current_revision(*LOCKSTEP)
            barrier.wait(timeout=120)
            attempt(LOCKSTEP, revision, "lockstep_")
        barrier.wait(timeout=120)
        # Free for all: shared cells corrected from whatever each worker last read, and a cell of its own.
        mine = own_cell(worker)
        for i in range(attempts):
            cell = SHARED[rng.randrange(len(SHARED))]
            attempt(cell, store.current_revision(*cell))
            attempt(mine, i)
    finally:
        store.close()
        results.put({"worker": worker, **counts, "unexpected": unexpected, "messages": refusal_messages[:5]})
