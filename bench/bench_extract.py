"""Benchmark and measurement of the article extractor.

Run: python bench/bench_extract.py — prints precision/recall on the seeds against the hand-checked
expectations (tests/fixtures/seed_quantities.yaml) and timings (best of 5); numbers go in docs/articles.md.
"""

from __future__ import annotations

import math
import re
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indicators.articles.extract import extract  # noqa: E402
from indicators.articles.quantity import parse_quantity  # noqa: E402

EXPECTED = yaml.safe_load((ROOT / "tests" / "fixtures" / "seed_quantities.yaml").read_text("utf-8"))
SEEDS = {p.name[:3]: p for p in sorted((ROOT / "seeds").glob("*.txt"))}


def _spans(fragment: str, text: str) -> list[tuple[int, int]]:
    pattern = r"\s*".join(re.escape(c) for c in fragment)
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def measure() -> None:
    """Print per-seed and total precision and recall."""
    total = {"found": 0, "right": 0, "expected": 0, "arabic": 0, "arabic_found": 0}
    print("seed  found  right  expected  precision  recall")
    for seed, path in SEEDS.items():
        text = path.read_text("utf-8")
        left = [e for e in EXPECTED["quantities"].get(seed, []) for _ in range(e.get("count", 1))]
        expected = len(left)
        arabic = sum(1 for e in left if re.search(r"\d", e["text"]))
        findings = extract(text)
        right = 0
        for f in findings:
            hit = next(
                (
                    e
                    for e in left
                    if "".join(f.text.split()) == e["text"]
                    and math.isclose(f.value, e["value"])
                    and (f.unit, f.qualifier) == (e["unit"], e["qualifier"])
                    and any(lo <= f.offset < hi for lo, hi in _spans(e["near"], text))
                ),
                None,
            )
            if hit is not None:
                left.remove(hit)
                right += 1
        arabic_found = arabic - sum(1 for e in left if re.search(r"\d", e["text"]))
        for key, value in zip(total, (len(findings), right, expected, arabic, arabic_found), strict=True):
            total[key] += value
        precision = right / len(findings) if findings else 1.0
        print(
            f"{seed}   {len(findings):5}  {right:5}  {expected:8}  {precision:9.1%}  {right / expected:6.1%}"
        )
    print(
        f"all   {total['found']:5}  {total['right']:5}  {total['expected']:8}  "
        f"{total['right'] / total['found']:9.1%}  {total['right'] / total['expected']:6.1%}"
    )
    print(f"Arabic-digit quantities found: {total['arabic_found']}/{total['arabic']}")


def best_of(fn, repeat: int = 5) -> float:
    """Best wall time of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def timings() -> None:
    """Print extraction speed on the seeds and on a 1 MB article, and parse speed per expression."""
    texts = [p.read_text("utf-8") for p in SEEDS.values()]
    chars = sum(len(t) for t in texts)
    t = best_of(lambda: [extract(x) for x in texts])
    print(f"extract 5 seeds ({chars:,} chars): {t * 1000:.1f} ms  ({chars / t / 1e6:.2f} M chars/s)")
    big = "\n".join(texts) * (1_000_000 // chars + 1)
    t = best_of(lambda: extract(big), repeat=3)
    n = len(extract(big))
    print(
        f"extract 1 article of {len(big):,} chars: {t:.2f} s, {n:,} quantities  ({len(big) / t / 1e6:.2f} M chars/s)"
    )
    exprs = ["1.5 万户", "超九成", "一千二百余个", "百分之九十八点五", "2.3 万多次", "约 50 家"] * 2000
    t = best_of(lambda: [parse_quantity(e) for e in exprs])
    print(f"parse_quantity: {len(exprs) / t:,.0f} expressions/s")


if __name__ == "__main__":
    measure()
    timings()
