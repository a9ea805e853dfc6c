"""Reporting periods: `2024`, `2024Q3`, `2024-07`, matched to a frequency."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

FREQUENCIES = ("year", "quarter", "month")

_PATTERNS = {
    "year": re.compile(r"^(\d{4})$"),
    "quarter": re.compile(r"^(\d{4})Q([1-4])$"),
    "month": re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
}
_EXAMPLES = {"year": "2024", "quarter": "2024Q3", "month": "2024-07"}


@dataclass(frozen=True, order=True)
class Period:
    """A parsed period, ordered by the moment it ends."""

    end: float
    text: str
    frequency: str

    @property
    def year(self) -> int:
        """The calendar year the period lies in."""
        return int(self.text[:4])


def frequency_of(text: str) -> str | None:
    """Return the frequency a period string is written for, or None if none fits."""
    for freq, pattern in _PATTERNS.items():
        if pattern.match(text):
            return freq
    return None


def parse_period(text: object) -> Period:
    """Parse a period string; raise ValueError with an example when it fits no form."""
    value = str(text).strip()
    freq = frequency_of(value)
    if freq is None:
        raise ValueError(
            f"'{value}' is not a period; write a year (2024), a quarter (2024Q3) or a month (2024-07)"
        )
    year = int(value[:4])
    if freq == "year":
        end = year + 1.0
    elif freq == "quarter":
        end = year + int(value[5]) / 4
    else:
        end = year + int(value[5:7]) / 12
    return Period(end=end, text=value, frequency=freq)


def check_frequency(text: object, frequency: str) -> str | None:
    """Return a message if the period does not match the frequency, else None."""
    value = str(text).strip()
    freq = frequency_of(value)
    if freq == frequency:
        return None
    return f"period '{value}' does not fit frequency '{frequency}'; write it like {_EXAMPLES[frequency]}"


def period_start(period: Period) -> date:
    """Return the first day of the period."""
    year = period.year
    if period.frequency == "year":
        return date(year, 1, 1)
    if period.frequency == "quarter":
        return date(year, (int(period.text[5]) - 1) * 3 + 1, 1)
    return date(year, int(period.text[5:7]), 1)


def years_between(a: Period, b: Period) -> float:
    """Return the number of years from the end of `a` to the end of `b`."""
    return b.end - a.end


def example_for(frequency: str) -> str:
    """Return an example period string for the frequency."""
    return _EXAMPLES[frequency]
