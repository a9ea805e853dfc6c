"""The controlled list of units and the conversions between them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    """A unit a figure can be recorded in: its base unit and the factor to it."""

    symbol: str
    base: str
    factor: float
    name_en: str
    kind: str  # count | share | rate | amount | measure — decides what values are plausible


def _scaled(base: str, name_en: str, kind: str) -> list[Unit]:
    return [
        Unit(base, base, 1.0, name_en, kind),
        Unit("万" + base, base, 1e4, f"10,000 {name_en}", kind),
        Unit("亿" + base, base, 1e8, f"100 million {name_en}", kind),
    ]


_UNITS: list[Unit] = [
    *_scaled("人", "people", "count"),
    *_scaled("人次", "person-times", "count"),
    *_scaled("户", "households", "count"),
    *_scaled("个", "units", "count"),
    *_scaled("家", "organisations", "count"),
    *_scaled("件", "cases", "count"),
    *_scaled("次", "times", "count"),
    *_scaled("小时", "hours", "count"),
    *_scaled("元", "yuan", "amount"),
    Unit("名", "人", 1.0, "people", "count"),
    Unit("项", "项", 1.0, "items", "count"),
    Unit("起", "起", 1.0, "incidents", "count"),
    Unit("所", "所", 1.0, "institutions", "count"),
    Unit("处", "处", 1.0, "sites", "count"),
    Unit("场", "场", 1.0, "sessions", "count"),
    Unit("期", "期", 1.0, "training courses", "count"),
    Unit("支", "支", 1.0, "teams", "count"),
    Unit("张", "张", 1.0, "beds", "count"),
    Unit("%", "%", 1.0, "percent", "share"),
    Unit("百分点", "百分点", 1.0, "percentage points", "measure"),
    Unit("‰", "‰", 1.0, "per mille", "share"),
    Unit("人/万人", "人/万人", 1.0, "people per 10,000 residents", "rate"),
    Unit("张/千人", "张/千人", 1.0, "beds per 1,000 residents", "rate"),
    Unit("起/10万人", "起/10万人", 1.0, "incidents per 100,000 residents", "rate"),
    Unit("平方米/人", "平方米/人", 1.0, "square metres per person", "rate"),
    Unit("平方米", "平方米", 1.0, "square metres", "measure"),
    Unit("万平方米", "平方米", 1e4, "10,000 square metres", "measure"),
    Unit("公顷", "公顷", 1.0, "hectares", "measure"),
    Unit("微克/立方米", "微克/立方米", 1.0, "micrograms per cubic metre", "measure"),
    Unit("天", "天", 1.0, "days", "measure"),
    Unit("分钟", "分钟", 1.0, "minutes", "measure"),
    Unit("岁", "岁", 1.0, "years of age", "measure"),
    Unit("分", "分", 1.0, "score points", "measure"),
]

UNITS: dict[str, Unit] = {u.symbol: u for u in _UNITS}

# Units a value can never be negative in.
NON_NEGATIVE_KINDS = {"count", "share", "rate", "amount"}
# Shares of a whole cannot pass the whole.
PERCENT_TOP = {"%": 100.0, "‰": 1000.0}


def value_bound(value: float, symbol: str) -> str | None:
    """Return which bound a value in this unit breaks ("out_of_range" or "negative"), or None."""
    unit = UNITS[symbol]
    if unit.symbol in PERCENT_TOP and not 0 <= value <= PERCENT_TOP[unit.symbol]:
        return "out_of_range"
    if unit.kind in NON_NEGATIVE_KINDS and value < 0:
        return "negative"
    return None


def convert(value: float, from_unit: str, to_unit: str) -> float | None:
    """Convert a value between two units of the same base; None when they differ."""
    src, dst = UNITS.get(from_unit), UNITS.get(to_unit)
    if src is None or dst is None or src.base != dst.base:
        return None
    return value * src.factor / dst.factor


def unit_list_text() -> str:
    """Return the allowed unit symbols as one comma-separated line."""
    return ", ".join(UNITS)
