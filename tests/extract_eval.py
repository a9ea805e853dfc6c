"""Measure the extractor on hand-labelled excerpts of real bulletins and reports (tests/fixtures/bulletins).

A test helper (and bench/bench_extract_real.py), not part of the app: it reads the labels with yaml.safe_load.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from indicators.articles.extract import extract

# The extractor counts 个百分点 as 百分点 and 标准箱 as 标箱; labels may use either name.
_SAME_UNIT = {"个百分点": "百分点", "标准箱": "标箱"}


@dataclass(frozen=True)
class Score:
    """How many figures were found, how many of them are labelled ones, and how many are labelled."""

    name: str
    found: int
    right: int
    expected: int
    missed: tuple[str, ...]
    extra: tuple[str, ...]

    @property
    def precision(self) -> float:
        """Share of what was found that is a labelled figure."""
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        """Share of the labelled figures that were found."""
        return self.right / self.expected if self.expected else 1.0


def _unit(unit: str) -> str:
    return _SAME_UNIT.get(unit, unit)


def score_fixture(path: str | Path) -> Score:
    """Extract from a labelled excerpt and compare with its labels by value and unit, each used once."""
    data = yaml.safe_load(Path(path).read_text("utf-8"))
    left = [(str(text), float(value), _unit(str(unit))) for text, value, unit in data["figures"]]
    expected = len(left)
    findings = extract(data["text"])
    right = 0
    extra = []
    for f in findings:
        hit = next(
            (
                e
                for e in left
                if math.isclose(f.value, e[1], rel_tol=1e-9, abs_tol=1e-9) and _unit(f.unit) == e[2]
            ),
            None,
        )
        if hit is None:
            extra.append("".join(f.text.split()))
        else:
            left.remove(hit)
            right += 1
    return Score(Path(path).stem, len(findings), right, expected, tuple(e[0] for e in left), tuple(extra))


def score_all(folder: str | Path) -> list[Score]:
    """Score every labelled excerpt in the folder, in name order."""
    return [score_fixture(p) for p in sorted(Path(folder).glob("*.yaml"))]
