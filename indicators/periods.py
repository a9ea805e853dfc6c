"""Reporting periods: `2024`, `2024Q3`, `2024-07`, matched to a frequency."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

FREQUENCIES = ("year", "quarter", "month")

# [0-9], not \d: \d also matches full-width and other scripts' digits, which would make a second cell.
_PATTERNS = {
    "year": re.compile(r"^([0-9]{4})$"),
    "quarter": re.compile(r"^([0-9]{4})Q([1-4])$"),
    "month": re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$"),
}
# Years a value may be entered for: the People's Republic's statistics start in 1949; 2100 is far enough
# ahead for any target. Outside these a year is a typing slip (0000, 0001, 20240) and is refused.
MIN_YEAR = 1949
MAX_YEAR = 2100
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
        return year_problem(value)
    return f"period '{value}' does not fit frequency '{frequency}'; write it like {_EXAMPLES[frequency]}"


def year_problem(text: str) -> str | None:
    """Return a message when a well-formed period's year lies outside MIN_YEAR..MAX_YEAR, else None."""
    year = int(text[:4])
    if MIN_YEAR <= year <= MAX_YEAR:
        return None
    return f"period '{text}': the year must be between {MIN_YEAR} and {MAX_YEAR}"


def period_start(period: Period) -> date:
    """Return the first day of the period."""
    year = period.year
    if period.frequency == "year":
        return date(year, 1, 1)
    if period.frequency == "quarter":
        return date(year, (int(period.text[5]) - 1) * 3 + 1, 1)
    return date(year, int(period.text[5:7]), 1)


def example_for(frequency: str) -> str:
    """Return an example period string for the frequency."""
    return _EXAMPLES[frequency]


def periods_between(frequency: str, first_year: int, last_year: int) -> list[str]:
    """Return every period of a frequency from first_year to last_year, oldest first."""
    years = range(first_year, last_year + 1)
    if frequency == "year":
        return [str(y) for y in years]
    if frequency == "quarter":
        return [f"{y}Q{q}" for y in years for q in range(1, 5)]
    return [f"{y}-{m:02d}" for y in years for m in range(1, 13)]


def begun_periods(frequency: str, today: date, first_year: int) -> tuple[list[str], str]:
    """Return periods that have begun by `today`, newest first, and the last one already ended.

    A form offers these (values for periods not yet begun are refused) and preselects the last ended
    period, the one figures are usually reported for.
    """
    begun = [
        p
        for p in periods_between(frequency, first_year, today.year)
        if period_start(parse_period(p)) <= today
    ]
    begun.reverse()
    ended = [p for p in begun if _end_date(parse_period(p)) <= today]
    return begun, (ended[0] if ended else begun[-1])


def _end_date(period: Period) -> date:
    # The day after the period's last day.
    start = period_start(period)
    if period.frequency == "year":
        return date(start.year + 1, 1, 1)
    months = 3 if period.frequency == "quarter" else 1
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)
