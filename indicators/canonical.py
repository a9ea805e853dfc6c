"""Canonical ASCII spellings of the keys of a cell (period, place code, indicator id).

Chinese input methods type full-width digits (２０２４); other scripts have their own digits (٢٠٢٤).
Stored as typed, each would be a second cell beside 2024, so every write path passes keys through here
before any check.
"""

from __future__ import annotations

import unicodedata


def canonical(text: object, *, upper: bool = False) -> str:
    """Return `text` in NFKC, trimmed, with every Unicode decimal digit written as its ASCII digit."""
    value = unicodedata.normalize("NFKC", "" if text is None else str(text)).strip()
    if not value.isascii():
        value = "".join(
            str(unicodedata.decimal(ch))
            if not ch.isascii() and unicodedata.decimal(ch, None) is not None
            else ch
            for ch in value
        )
    return value.upper() if upper else value


def canonical_cell(indicator_id: object, place_code: object, period: object) -> tuple[str, str, str]:
    """Return the cell key (indicator id, place code, period) in canonical spelling."""
    return canonical(indicator_id), canonical(place_code), canonical(period, upper=True)
