"""Problems as people read them: the locale's sentence with names, Beijing times and display names, next to the field it concerns."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import pandas as pd

from dashboard.i18n import current_language, has_key, name_of, t
from dashboard.numbers import fmt_number
from dashboard.texts import plain_md
from dashboard.timefmt import time_text
from indicators.articles.quantity import format_plain  # noqa: F401  (pages write plain numbers with it)
from indicators.bulk import COLUMN_HEADERS_ZH
from indicators.catalogue import Catalogue
from indicators.errors import Problem


def problem_field(problem: Problem) -> str:
    """Return the form field a problem concerns (the last part of its path)."""
    return problem.path.split(".")[-1] if problem.path else ""


def problem_params(params: Mapping[str, object]) -> dict[str, object]:
    """Return a problem's parameters as people read them: names for ids, Beijing times, display names."""
    from dashboard import context, resources

    catalogue = resources.catalogue()
    themes = {theme.id: name_of(theme) for theme in catalogue.themes}
    out: dict[str, object] = {}
    for key, value in params.items():
        if isinstance(value, dt.datetime | pd.Timestamp):
            value = time_text(value)
        elif key == "indicator" and value in catalogue.indicators:
            value = name_of(catalogue.indicators[value])
        elif key == "place" and value in catalogue.place_by_code:
            value = name_of(catalogue.place_by_code[value])
        elif key == "theme":
            value = themes.get(str(value), value)
        elif key == "themes" and isinstance(value, tuple | list):
            value = "、".join(str(themes.get(x, x)) for x in value) or "—"
        elif key in ("departments", "owners") and isinstance(value, tuple | list):
            sep = "、" if current_language() == "zh" else "; "
            value = sep.join(catalogue.department_name(str(x), current_language()) for x in value) or "—"
        elif key in ("user", "who") and value != "—":
            value = context.person(value)
        elif key == "action" and has_key(f"session.action.{value}"):
            value = t(f"session.action.{value}")
        elif key == "frequency" and has_key(f"frequency.{value}"):
            value = t(f"frequency.{value}")
        elif key in ("column", "field"):
            value = column_label(str(value))
        elif isinstance(value, float):
            value = fmt_number(value)
        out[key] = value
    return out


def column_label(code: str) -> str:
    """Return an import column as the template names it (Chinese), or its code in English."""
    if current_language() == "zh":
        return COLUMN_HEADERS_ZH.get(code, code)
    return code


def problem_message(problem: Problem) -> str:
    """Return a problem's message from the locale (`problem.<code>` with its params), else as raised."""
    key = f"problem.{problem.code}"
    if problem.code and has_key(key):
        return t(key, **problem_params(problem.params))
    return problem.message


def problem_text(problem: Problem) -> str:
    """Return a problem as the sentence shown next to its field, in the session's language."""
    if problem.code == "conflict" and "who" in problem.params:
        from dashboard import resources

        return conflict_text(problem, resources.catalogue())
    text = problem_message(problem)
    translated = has_key(f"problem.{problem.code}")
    if problem.hint and not translated:
        text += f"（{t('common.hint')}：{problem.hint}）"
    row = problem.params.get("row")
    if translated and row:
        # Where in the file, in the reader's language (the English `path` is for the CLI).
        column = problem.params.get("column")
        where = t("session.at_cell", row=row, column=column_label(str(column))) if column else None
        text = f"{where or t('session.at_row', row=row)} · {text}"
    elif problem.line is not None and problem.file and not translated:
        text = f"{problem.file}:{problem.line} · {problem.path}: {text}"
    # Messages quote file contents (unknown ids, cells); shown in markdown they must stay plain text.
    return plain_md(text)


def conflict_text(problem: Problem, catalogue: Catalogue) -> str:
    """Return a refused stale save: which value, who changed it, when, to what, and on which revision."""
    params = problem_params(problem.params)
    if params.get("retracted") is True:
        params["value"] = t("history.retracted")
    where = str(params.pop("where", "") or "")
    row = re.fullmatch(r"row (\d+)", where)
    if row is not None:
        # An import row: the plan was made before someone else's change.
        return plain_md(t("entry_safety.import_conflict", row=row.group(1), **params))
    text = t("entry_safety.conflict", **params)
    return plain_md(f"{where}：{text}" if where else text)
