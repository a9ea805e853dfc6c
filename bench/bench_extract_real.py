"""Precision and recall of the extractor on hand-labelled excerpts of real bulletins and reports.

Run: python bench/bench_extract_real.py — the table goes in docs/articles.md (seeds: bench/bench_extract.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from extract_eval import score_all  # noqa: E402


def main() -> None:
    """Print one row per excerpt and the total, with what was missed and what was found in excess."""
    scores = score_all(ROOT / "tests" / "fixtures" / "bulletins")
    print(f"{'excerpt':28} found  right  labelled  precision  recall")
    for s in scores:
        print(f"{s.name:28} {s.found:5}  {s.right:5}  {s.expected:8}  {s.precision:9.1%}  {s.recall:6.1%}")
    found, right, expected = (sum(getattr(s, k) for s in scores) for k in ("found", "right", "expected"))
    print(f"{'all':28} {found:5}  {right:5}  {expected:8}  {right / found:9.1%}  {right / expected:6.1%}")
    for s in scores:
        if s.missed or s.extra:
            print(f"  {s.name}: missed {list(s.missed)}; not labelled {list(s.extra)}")


if __name__ == "__main__":
    main()
