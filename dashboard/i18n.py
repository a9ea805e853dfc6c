"""Labels in the user's language: `t(key)` looks a key up in dashboard/locales/<lang>.yaml."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_KEY = "lang"


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


# Only for code called outside a script run: AppTest formats widget values between runs with the
# widgets' format functions, which must label in the language of the run that drew them.
_last_language = DEFAULT_LANGUAGE


def current_language() -> str:
    """Return the language chosen in this session (Chinese unless switched)."""
    global _last_language
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        # Outside a script run (AppTest formats widget options there) the last run's language holds.
        return _last_language
    lang = st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE)
    _last_language = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    return _last_language


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
