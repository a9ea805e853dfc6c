"""Which values count: the one approval rule behind every score, chart, pack and reporting count.

A revision counts when its newest review is an approval, or when it is a withdrawal (withdrawing a value
takes it out at once; the history keeps what was withdrawn). Nothing else counts: not the kind of source,
not who entered it. Every value a person adds — a form save, an import, a figure taken from a document —
waits for a reviewer. The figures quoted in the shipped seed articles are approved when `init` loads them,
by an approval review written by `SYSTEM_REVIEWER` in the same transaction (migration 0009 wrote the same
review for seed figures loaded before this rule).

A cell's state is that of its newest revision: no review → submitted, approved → approved, returned →
returned. The approved view of a cell is its newest revision that counts; the working view is its newest
revision. This module is the rule's only home: the cell state (`state_for`, `state_column`), the approved
view (`approved_latest_subquery`) and the reviews written at load (`approval_rows`) are all built here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import func, select, union_all

from indicators.store.db import observations, reviews
from indicators.store.queries import last_review_ids

# Who approves the shipped seed figures: not an account, so no person can sign in as it.
SYSTEM_REVIEWER = "system"
STATE_OF_ACTION = {"approve": "approved", "return": "returned"}
UNREVIEWED = "submitted"
_o = observations.c
_r = reviews.c


def state_for(action: str | None) -> str:
    """Return a cell's state from the newest review action of its newest revision (None: not reviewed)."""
    return STATE_OF_ACTION.get(action or "", UNREVIEWED)


def state_column(frame: pd.DataFrame) -> pd.Series:
    """Return `state_for` of each row's `action` (NaN/None: not reviewed)."""
    return frame["action"].map(STATE_OF_ACTION).fillna(UNREVIEWED).astype(object)


def approved_latest_subquery(indicator_ids: Iterable[str] | None, place_codes: Iterable[str] | None) -> Any:
    """Return a subquery: per cell, the newest revision that counts (see the module doc), as `latest`."""
    ids = list(indicator_ids) if indicator_ids is not None else None
    codes = list(place_codes) if place_codes is not None else None
    last = last_review_ids(ids, codes)
    reviewed = (
        select(_r.indicator_id, _r.place_code, _r.period, _r.revision)
        .join(last, _r.id == last.c.last_id)
        .where(_r.action == "approve")
    )
    withdrawn = select(_o.indicator_id, _o.place_code, _o.period, _o.revision).where(_o.retracted.is_(True))
    if ids is not None:
        withdrawn = withdrawn.where(_o.indicator_id.in_(ids))
    if codes is not None:
        withdrawn = withdrawn.where(_o.place_code.in_(codes))
    ok = union_all(reviewed, withdrawn).subquery("approved")
    return (
        select(ok.c.indicator_id, ok.c.place_code, ok.c.period, func.max(ok.c.revision).label("latest"))
        .group_by(ok.c.indicator_id, ok.c.place_code, ok.c.period)
        .subquery("latest")
    )


def approval_rows(rows: Sequence[dict[str, Any]], at: dt.datetime) -> list[dict[str, Any]]:
    """Return the approval reviews by SYSTEM_REVIEWER for just-written seed rows (each with its revision)."""
    return [
        {
            "indicator_id": r["indicator_id"],
            "place_code": r["place_code"],
            "period": r["period"],
            "revision": r["revision"],
            "action": "approve",
            "reason": None,
            "reviewed_by": SYSTEM_REVIEWER,
            "reviewed_at": at,
        }
        for r in rows
    ]
