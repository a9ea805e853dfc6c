"""Labels in the user's language: `t(key)` looks a key up in dashboard/locales/<lang>.yaml."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_KEY = "lang"
T = TypeVar("T")


@cache
def load_locale(lang: str) -> dict[str, str]:
    """Return the flat key → label mapping of one language file."""
    with open(LOCALES_DIR / f"{lang}.yaml", encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return _flatten(data)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, full + "."))
        else:
            out[full] = str(value)
    return out


def current_language() -> str:
    """Return the language chosen in this session (Chinese unless switched; Chinese outside a session)."""
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        # Server start, the CLI: no session, no choice.
        return DEFAULT_LANGUAGE
    lang = st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def labels_for(options: Iterable[T], label: Callable[[T], str]) -> Callable[[T], str]:
    """Return a widget's format function: every option labelled now, in this run's language.

    A widget's format function is also called after the run that drew it (AppTest formats the values it
    sets between runs, outside any session), so it must not look the language up when called.
    """
    made = {option: label(option) for option in options}
    return made.__getitem__


def translate(key: str, lang: str, **values: object) -> str:
    """Return the label for key in lang, with {placeholders} filled; a missing key shows itself."""
    text = load_locale(lang).get(key)
    if text is None:
        return f"⟨{key}⟩"
    return text.format(**values) if values else text


def has_key(key: str) -> bool:
    """Return whether the session's language file has this key."""
    return key in load_locale(current_language())


def t(key: str, **values: object) -> str:
    """Return the label for key in the session's language."""
    return translate(key, current_language(), **values)


def name_of(obj: Any) -> str:
    """Return an object's name_zh or name_en, following the session's language."""
    return obj.name_en if current_language() == "en" else obj.name_zh
