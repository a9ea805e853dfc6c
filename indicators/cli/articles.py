"""Command line: `extract` lists the figures found in article files."""

from __future__ import annotations

import argparse
import json
import unicodedata
from collections.abc import Sequence
from typing import Any

from indicators.articles.extract import Finding, extract_files, unwrap


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def finding_as_json(finding: Finding) -> dict[str, Any]:
    """Return a finding as the JSON object `extract --json` prints."""
    return {
        "value": _number(finding.value),
        "unit": finding.unit,
        "qualifier": finding.qualifier,
        "quote": finding.quote,
        "source": finding.source,
        "offset": finding.offset,
        "text": unwrap(finding.text),
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(rows: Sequence[Sequence[str]], max_last: int = 60) -> str:
    """Render rows as aligned columns (CJK counted double width); the last column is cut to max_last."""
    cut = []
    for row in rows:
        last = row[-1]
        if _width(last) > max_last:
            while _width(last) > max_last - 1:
                last = last[:-1]
            last += "…"
        cut.append([*row[:-1], last])
    widths = [max(_width(r[i]) for r in cut) for i in range(len(cut[0]) - 1)]
    lines = ["  ".join(_pad(c, w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1] for r in cut]
    return "\n".join(line.rstrip() for line in lines)


def _extract(args: argparse.Namespace) -> int:
    findings = extract_files(args.files)
    if args.json:
        print(json.dumps([finding_as_json(f) for f in findings], ensure_ascii=False, indent=1))
        return 0
    rows = [["source", "offset", "value", "unit", "qualifier", "quote"]]
    for f in findings:
        rows.append([f.source, str(f.offset), f"{_number(f.value):,}", f.unit, f.qualifier, f.quote])
    print(table(rows))
    print(f"{len(findings)} quantit{'y' if len(findings) == 1 else 'ies'} in {len(args.files)} file(s)")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `extract` command."""
    p = subparsers.add_parser("extract", help="list every quantity in article text files")
    p.add_argument("files", nargs="+", metavar="FILE", help="UTF-8 text files, e.g. seeds/*.txt")
    p.add_argument("--json", action="store_true", help="print one JSON array over all files")
    p.set_defaults(handler=_extract)
