"""`python -m dashboard.export briefing|chart`: briefing packs and single chart images from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from indicators.catalogue import Catalogue, load_catalogue
from indicators.errors import IndicatorsError, Problem
from indicators.periods import parse_period
from indicators.store.store import Store


def load_observations(url: str | None, include_pending: bool = False) -> tuple[pd.DataFrame, str | None]:
    """Return the store's current approved observations (include_pending: the working view) and its version."""
    store = Store(url) if url else Store()
    frame = store.current_frame(approved_only=not include_pending)
    if frame.empty and not include_pending and not store.current_frame().empty:
        raise IndicatorsError(
            [
                Problem(
                    "no approved values yet: values awaiting review are left out of exports",
                    hint="approve them on /reporting, or add --include-pending for the working view",
                )
            ]
        )
    return frame, str(store.data_version())


def _write(path: Path, data: bytes) -> None:
    # Write next to the target and rename, so a failed export never leaves half a file behind.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    tmp.replace(path)


def run_briefing(args: argparse.Namespace) -> int:
    """Build the briefing pack and write the PPTX (and the PDF if asked)."""
    from dashboard.export.briefing import build_briefing, build_pack

    catalogue = load_catalogue()
    observations, version = load_observations(args.db, args.include_pending)
    pack = build_pack(
        catalogue,
        observations,
        place_code=args.place,
        theme_ids=args.theme,
        period=args.period,
        data_version=version,
    )

    def progress(fraction: float, text: str) -> None:
        if not args.quiet:
            print(f"[{fraction:4.0%}] {text}", file=sys.stderr)

    files = build_briefing(pack, pdf=args.pdf is not None, progress=progress)
    _write(Path(args.out), files.pptx)
    print(f"wrote {args.out} ({len(files.pptx):,} bytes, {files.n_charts} charts)")
    if args.pdf is not None and files.pdf is not None:
        _write(Path(args.pdf), files.pdf)
        print(f"wrote {args.pdf} ({len(files.pdf):,} bytes)")
    print(f"took {files.timings['total']:.1f} s")
    return 0


def indicator_chart(catalogue: Catalogue, observations: pd.DataFrame, indicator_id: str, place_code: str):
    """Return the trend figure of one indicator at one place, its metadata and the data behind it."""
    from dashboard.export.charts import ChartMeta
    from dashboard.export.pack import PackChart
    from dashboard.export.pack_figures import trend_figure

    problems = []
    if indicator_id not in catalogue.indicators:
        problems.append(
            Problem(
                f"unknown indicator '{indicator_id}'", path="INDICATOR_ID", hint="see indicators/definitions"
            )
        )
    if place_code not in catalogue.place_by_code:
        problems.append(Problem(f"unknown place code '{place_code}'", path="--place", hint="see places.yaml"))
    if problems:
        raise IndicatorsError(problems)
    ind = catalogue.indicators[indicator_id]
    rows = observations[
        (observations["indicator_id"] == indicator_id) & (observations["place_code"] == place_code)
    ]
    data = rows[["indicator_id", "period", "value", "unit"]].reset_index(drop=True)
    periods = sorted(data["period"].astype(str), key=lambda p: parse_period(p).end)
    baseline = _scored_baseline(catalogue, observations, indicator_id, place_code)
    target = (ind.target.period, ind.target.value) if ind.target else None
    example = ind.target is not None and ind.target.kind == "example"
    meta = ChartMeta(
        title=ind.name_zh,
        unit=ind.unit,
        place=catalogue.place_by_code[place_code].name_zh,
        period=f"{periods[0]}—{periods[-1]}" if periods else "暂无数据",
        source=f"{catalogue.department_names(ind.id)}（{ind.data_source}）",
        example_target=example,
    )
    fig = trend_figure(data, unit=ind.unit, baseline=baseline, target=target, example_target=example)
    return PackChart(key=indicator_id, figure=fig, meta=meta, data=data)


def _scored_baseline(
    catalogue: Catalogue, observations: pd.DataFrame, indicator_id: str, place_code: str
) -> tuple[str, float] | None:
    # The baseline progress counts from (the place's own value at the baseline period, else the
    # catalogue's), as the indicator page and the briefing pack draw it: one baseline everywhere.
    from indicators.scoring.scores import score

    scored = score(observations, catalogue).indicators
    row = scored[(scored["indicator_id"] == indicator_id) & (scored["place_code"] == place_code)]
    if row.empty or pd.isna(row["baseline_value"].iloc[0]) or row["baseline_period"].iloc[0] is None:
        return None
    return str(row["baseline_period"].iloc[0]), float(row["baseline_value"].iloc[0])


def run_chart(args: argparse.Namespace) -> int:
    """Write one indicator's chart as PNG, SVG or PDF."""
    from dashboard.export.charts import export_chart

    catalogue = load_catalogue()
    observations, _ = load_observations(args.db, args.include_pending)
    chart = indicator_chart(catalogue, observations, args.indicator_id, args.place)
    data = export_chart(chart.figure, chart.meta, args.format)
    _write(Path(args.out), data)
    print(f"wrote {args.out} ({len(data):,} bytes)")
    return 0


def parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    p = argparse.ArgumentParser(prog="python -m dashboard.export", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("briefing", help="briefing pack as PPTX (and PDF)")
    b.add_argument("--out", required=True, help="PPTX file to write")
    b.add_argument("--pdf", help="also write the same pack as this PDF file")
    b.add_argument("--place", help="place code (default: the framework's default place, 滨州市)")
    b.add_argument("--theme", nargs="+", help="theme ids (default: all five)")
    b.add_argument("--period", help="values as of this period, e.g. 2024 or 2024Q4 (default: latest)")
    b.add_argument("--db", help="database URL (default: the project's database)")
    b.add_argument("--include-pending", action="store_true", help="also values awaiting review")
    b.add_argument("--quiet", action="store_true", help="no progress lines")
    b.set_defaults(handler=run_briefing)
    c = sub.add_parser("chart", help="one indicator's chart as an image")
    c.add_argument("indicator_id")
    c.add_argument("--place", required=True, help="place code, e.g. 371600")
    c.add_argument("--format", required=True, choices=["png", "svg", "pdf"])
    c.add_argument("--out", required=True, help="file to write")
    c.add_argument("--db", help="database URL (default: the project's database)")
    c.add_argument("--include-pending", action="store_true", help="also values awaiting review")
    c.set_defaults(handler=run_chart)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command; print every problem and return 1 when the input is wrong."""
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except IndicatorsError as exc:
        print("export failed:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
