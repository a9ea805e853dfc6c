"""Times as people here read them: stored in UTC, shown in Beijing time (or XINAN_TIMEZONE), labelled."""

from __future__ import annotations

import datetime as dt
import os
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from dashboard.i18n import current_language, translate
from indicators.store.cells import utc

TIMEZONE_ENV = "XINAN_TIMEZONE"
DEFAULT_TIMEZONE = "Asia/Shanghai"


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # A mistyped setting must not hide every time in the app; Beijing time is what staff expect.
        return ZoneInfo(DEFAULT_TIMEZONE)


def zone() -> ZoneInfo:
    """Return the time zone times are shown in (env XINAN_TIMEZONE, default Asia/Shanghai)."""
    return _zone(os.environ.get(TIMEZONE_ENV, "").strip() or DEFAULT_TIMEZONE)


def zone_label(lang: str | None = None) -> str:
    """Return the label shown after a time: 北京时间 for Asia/Shanghai, else the zone's name."""
    if zone().key != DEFAULT_TIMEZONE:
        return zone().key
    return translate("timefmt.beijing", lang or current_language())


def local(value: dt.datetime | pd.Timestamp | str) -> dt.datetime:
    """Return a stored time in the display zone; a time without zone is UTC (how the database keeps it)."""
    if not isinstance(value, dt.datetime):  # pd.Timestamp is a datetime; text is parsed once here
        value = pd.Timestamp(value).to_pydatetime()
    return utc(value).astimezone(zone())


def time_text(value: object, *, seconds: bool = False, lang: str | None = None) -> str:
    """Return a stored time as `2026-12-04 05:05（北京时间）`; — when there is none."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value) or value == "—":
        return "—"
    if not isinstance(value, dt.datetime | pd.Timestamp | str):
        return str(value)
    try:
        shown = local(value)
    except (ValueError, TypeError):
        return str(value)
    fmt = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    lang = lang or current_language()
    return translate("timefmt.at", lang, time=shown.strftime(fmt), zone=zone_label(lang))


def now_text(lang: str | None = None) -> str:
    """Return the current time, labelled, for 'generated at' lines."""
    return time_text(dt.datetime.now(dt.UTC), lang=lang)


def today() -> dt.date:
    """Return today's date in the display zone (not the server's)."""
    return dt.datetime.now(zone()).date()


def day_start_utc(day: dt.date) -> dt.datetime:
    """Return the UTC time (naive, as stored) at which a day begins in the display zone."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone())
    return start.astimezone(dt.UTC).replace(tzinfo=None)
