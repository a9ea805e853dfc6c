"""Text helpers shared by the catalogue's quote checks and the article readers.

A flat module below both, so the catalogue does not import the articles package (which imports it)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

_SPACE = re.compile(r"\s+")


def squash(text: str) -> str:
    """Remove all whitespace, so newspaper line-wraps do not break a match."""
    return _SPACE.sub("", text)


@lru_cache(maxsize=64)
def _seed_text(path: str) -> str | None:
    try:
        return squash(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def quote_in_seed(quote: str, seed_path: Path) -> bool | None:
    """True when the quote occurs in the seed ignoring whitespace; None if the seed is unreadable."""
    text = _seed_text(str(seed_path))
    if text is None:
        return None
    return squash(quote) in text
