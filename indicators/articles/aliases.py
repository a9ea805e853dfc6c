"""The words an indicator goes by (name and aliases) and which indicators a piece of text names."""

from __future__ import annotations

from dataclasses import dataclass

from indicators.articles.metrics import units_compatible
from indicators.catalogue import Catalogue
from indicators.models import Indicator
from indicators.text import squash


@dataclass(frozen=True)
class Term:
    """One word for an indicator: its Chinese or English name, or an alias."""

    indicator_id: str
    term: str
    kind: str  # name_zh, name_en or alias
    unit: str


def terms_of(ind: Indicator) -> list[Term]:
    """Return the indicator's names and aliases as terms."""
    terms = [Term(ind.id, ind.name_zh, "name_zh", ind.unit), Term(ind.id, ind.name_en, "name_en", ind.unit)]
    terms += [Term(ind.id, a.strip(), "alias", ind.unit) for a in ind.aliases]
    return terms


def alias_table(catalogue: Catalogue) -> list[Term]:
    """Return every term of every indicator, in catalogue order (for export and matching)."""
    return [term for ind in catalogue.indicators.values() for term in terms_of(ind)]


def indicators_named_in(text: str, catalogue: Catalogue, unit: str | None = None) -> list[str]:
    """Return ids of indicators whose name or alias occurs in the text, longest match first.

    With `unit`, only indicators a figure in that unit can be recorded for (so 1435 家 names the station
    count, not the station coverage in %). Whitespace is ignored: articles wrap lines mid-word.
    """
    folded = squash(text).casefold()
    best: dict[str, int] = {}
    for term in alias_table(catalogue):
        word = squash(term.term).casefold()
        if len(word) < 2 or word not in folded:
            continue
        if unit is not None and not units_compatible(unit, term.unit):
            continue
        best[term.indicator_id] = max(best.get(term.indicator_id, 0), len(word))
    order = list(catalogue.indicators)
    return sorted(best, key=lambda i: (-best[i], order.index(i)))
