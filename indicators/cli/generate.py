"""`python -m indicators generate`: fill an empty database with a generated data set for load tests."""

from __future__ import annotations

import argparse
import time

from indicators.store.db import display_url, resolve_url
from indicators.store.generate import FIRST_YEAR, LAST_YEAR, LEVELS, load_generated


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `generate` sub-command."""
    p = subparsers.add_parser("generate", help="write a generated data set into an empty database")
    p.add_argument("--db", required=True, help="database URL, e.g. sqlite:///data/generated.db")
    p.add_argument("--observations", type=int, default=500_000, help="how many saved values (with revisions)")
    p.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same data")
    p.add_argument(
        "--level",
        choices=LEVELS,
        default="county",
        help="county: the city and its 7 counties; town: also 91 generated towns/streets (乡镇/街道)",
    )
    p.add_argument(
        "--first-year",
        type=int,
        default=FIRST_YEAR,
        help=f"first year of the generated periods (to {LAST_YEAR}); each indicator at its own frequency",
    )
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    url = resolve_url(args.db)
    started = time.perf_counter()
    written = load_generated(
        url, args.observations, args.seed, level=args.level, first_year=args.first_year, progress=print
    )
    print(f"wrote {written} observations into {display_url(url)} in {time.perf_counter() - started:.1f} s")
    return 0
