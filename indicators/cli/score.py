"""`python -m indicators score`: progress and status per indicator, theme and city scores with coverage."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

import pandas as pd

from indicators.catalogue import Catalogue, load_catalogue
from indicators.errors import IndicatorsError, Problem
from indicators.paths import DEFINITIONS_DIR
from indicators.scoring.scores import Scores, score
from indicators.store.store import Store

_QUALIFIER_MARK = {"more_than": "＞", "nearly": "近", "about": "约", "at_most": "≤"}


def load_observations(url: str | None, include_pending: bool = False) -> pd.DataFrame:
    """Return the store's current approved observations (with include_pending: also those awaiting review)."""
    store = Store(url) if url else Store()
    return store.current_frame(approved_only=not include_pending)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `score` sub-command."""
    p = subparsers.add_parser("score", help="progress, status, theme scores and the 心安指数 with coverage")
    p.add_argument("--db", help="database URL (default: the project's database)")
    p.add_argument("--place", help="place code (default: the framework's default place, 滨州市)")
    p.add_argument("--method", choices=["target_progress", "sdg_progress"], help="override framework.scoring")
    p.add_argument("--definitions", default=str(DEFINITIONS_DIR), help="folder with framework.yaml")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--include-pending",
        action="store_true",
        help="working view: also values awaiting review (default: approved values only)",
    )
    p.set_defaults(handler=run_score)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    if isinstance(value, tuple | list):
        return [_clean(v) for v in value]
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _fmt(value: Any, digits: int = 1, suffix: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}{suffix}"


def _coverage(row: pd.Series) -> str:
    return (
        f"data {row.n_with_data}/{row.n_indicators}, target {row.n_with_target}/{row.n_indicators}, "
        f"scored {row.n_scored}/{row.n_indicators}"
        + (f" ({row.n_scored_example_target} on example targets)" if row.n_scored_example_target else "")
    )


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _indicator_line(r: Any, name_zh: str) -> str:
    parts = [f"{r.status:17}", f"{name_zh} [{r.indicator_id}]"]
    if _present(r.value):
        mark = _QUALIFIER_MARK.get(r.qualifier, "")
        parts.append(f"{r.period}: {mark}{_fmt(r.value, 2)} {r.unit}")
    else:
        parts.append("no data")
    if _present(r.target_value):
        kind = " (示例目标)" if r.target_kind == "example" else ""
        parts.append(f"target {_fmt(r.target_value, 2)} by {r.target_period}{kind}")
    if _present(r.progress):
        parts.append(f"progress {_fmt(r.progress, 0, '%')}, expected {_fmt(r.expected, 0, '%')}")
    if _present(r.change_prev):
        parts.append(f"since {r.prev_period}: {r.change_prev:+,.2f}")
    return "  ".join(parts)


def _print_text(scores: Scores, catalogue: Catalogue, place: str) -> None:
    ind = scores.indicators[scores.indicators["place_code"] == place]
    name = catalogue.place_by_code[place].name_zh if place in catalogue.place_by_code else place
    print(f"{name} {place} · method {scores.method}")
    for theme in catalogue.themes:
        print(f"\n{theme.name_zh} {theme.id}")
        rows = ind[ind["theme_id"] == theme.id]
        for r in rows.itertuples():
            print("  " + _indicator_line(r, catalogue.indicators[r.indicator_id].name_zh))
    roll = scores.rollups[scores.rollups["place_code"] == place]
    print("\nThemes")
    for theme in catalogue.themes:
        row = roll[(roll["level"] == "theme") & (roll["id"] == theme.id)]
        if not row.empty:
            r = row.iloc[0]
            print(f"  {theme.name_zh:4} {_fmt(r.score, 1):>6}  {_coverage(r)}")
    index = roll[roll["level"] == "index"]
    if not index.empty:
        r = index.iloc[0]
        print(f"心安指数 {_fmt(r.score, 1)} / 100  {_coverage(r)}")
    gaps = scores.county_gaps
    if len(gaps) and place == catalogue.framework.default_place:
        print(f"\n{len(gaps)} indicator-period(s) not rolled up from counties (not every county reported):")
        for g in gaps.itertuples():
            print(
                f"  {g.indicator_id} {g.period}: {g.n_reported}/{g.n_counties}, missing {', '.join(g.missing_counties)}"
            )
    if scores.unknown_indicators:
        print(f"\nNot scored (not in the catalogue): {', '.join(scores.unknown_indicators)}")


def run_score(args: argparse.Namespace) -> int:
    """Score the store's current observations and print the result for one place."""
    catalogue = load_catalogue(args.definitions)
    place = args.place or catalogue.framework.default_place
    if place not in catalogue.place_by_code:
        raise IndicatorsError(
            [
                Problem(
                    f"place code {place} is not in places.yaml",
                    path="--place",
                    hint="codes: " + ", ".join(p.code for p in catalogue.places),
                )
            ]
        )
    scores = score(load_observations(args.db, args.include_pending), catalogue, args.method)
    if args.json:
        ind = scores.indicators[scores.indicators["place_code"] == place]
        payload = {
            "place_code": place,
            "method": scores.method,
            "indicators": _records(ind),
            "rollups": _records(scores.rollups[scores.rollups["place_code"] == place]),
            "county_gaps": _records(scores.county_gaps),
            "unknown_indicators": scores.unknown_indicators,
        }
        print(json.dumps(payload, ensure_ascii=False))
    else:
        _print_text(scores, catalogue, place)
    return 0
