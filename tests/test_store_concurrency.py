"""Several processes writing and correcting the same cells: nothing is lost, stale saves are refused."""

from __future__ import annotations

import multiprocessing
import queue

import pytest
from conftest import SMALL_CATALOGUE_DIR
from store_workers import LOCKSTEP, SHARED, own_cell, work

from indicators.store.store import Store

# Many writer processes at once, on SQLite and PostgreSQL.
pytestmark = pytest.mark.slow

WORKERS = 4
ROUNDS = 5
ATTEMPTS = 15


def test_many_writers_keep_every_revision_and_stale_saves_are_refused(db_url: str, small_catalogue):
    with Store(db_url, catalogue=small_catalogue) as store:
        for cell in [LOCKSTEP, *SHARED]:
            store.save(*cell, 1, entered_by="setup")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=work,
            args=(db_url, str(SMALL_CATALOGUE_DIR), w, ROUNDS, ATTEMPTS, barrier, results),
        )
        for w in range(WORKERS)
    ]
    for p in procs:
        p.start()
    reports = []
    try:
        for _ in procs:
            reports.append(results.get(timeout=300))
    except queue.Empty:
        raise AssertionError(f"only {len(reports)} of {WORKERS} workers reported") from None
    finally:
        for p in procs:
            p.join(timeout=60)
    assert [r["unexpected"] for r in reports] == [[]] * WORKERS

    attempted = sum(r["attempted"] for r in reports)
    accepted = sum(r["accepted"] for r in reports)
    refused = sum(r["refused"] for r in reports)
    assert attempted == WORKERS * (ROUNDS + 2 * ATTEMPTS)
    assert accepted + refused == attempted

    # Lock-step: every round, all read the same revision and saved on it; exactly one save can win.
    assert sum(r["lockstep_accepted"] for r in reports) == ROUNDS
    assert sum(r["lockstep_refused"] for r in reports) == ROUNDS * (WORKERS - 1)
    refusals = [m for r in reports for m in r["messages"]]
    assert refusals and all("by worker" in m and " UTC " in m for m in refusals)

    with Store(db_url, catalogue=small_catalogue) as store:
        stored = 0
        for cell in [LOCKSTEP, *SHARED]:
            revisions = [o.revision for o in store.history(*cell)]
            assert revisions == list(range(1, len(revisions) + 1)), f"revisions of {cell} are contiguous"
            stored += len(revisions) - 1  # the set-up revision is not a worker's
        for w in range(WORKERS):
            history = store.history(*own_cell(w))
            assert [o.revision for o in history] == list(range(1, ATTEMPTS + 1)), "own cells lose nothing"
            stored += len(history)
        assert stored == accepted, "every accepted save is stored, and nothing else"
