"""Both languages label everything: same keys in zh and en, and every key the code asks for exists."""

from __future__ import annotations

import ast

import pytest

from dashboard.i18n import load_locale, translate
from indicators.models import TARGET_KINDS
from indicators.paths import PROJECT_DIR
from indicators.periods import FREQUENCIES
from indicators.scoring.plausibility import FLAG_CODES
from indicators.scoring.progress import BASELINE_SOURCES, STATUSES
from indicators.scoring.sdg_progress import SDG_STATUSES
from indicators.store.observations import QUALIFIERS

DASHBOARD = PROJECT_DIR / "dashboard"


def _string_constants() -> set[str]:
    found: set[str] = set()
    for path in DASHBOARD.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def test_chinese_and_english_files_have_the_same_keys():
    zh, en = set(load_locale("zh")), set(load_locale("en"))
    assert sorted(zh - en) == [], "in zh.yaml but not en.yaml"
    assert sorted(en - zh) == [], "in en.yaml but not zh.yaml"


def test_every_key_written_in_the_code_exists_in_both_files():
    zh = load_locale("zh")
    sections = {key.split(".")[0] for key in zh}
    used = {
        s
        for s in _string_constants()
        if "." in s and " " not in s and s.split(".")[0] in sections and not s.endswith((".", "_", ".py"))
    }
    assert len(used) > 100  # the pages really do go through t()
    missing = sorted(k for k in used if k not in zh)
    assert missing == []


@pytest.mark.parametrize(
    "prefix,values",
    [
        ("status.", STATUSES + SDG_STATUSES),
        ("qualifier.", QUALIFIERS),
        ("qualifier_prefix.", QUALIFIERS),
        ("source_kind.", ("article", "form", "import", "county_rollup")),
        ("frequency.", FREQUENCIES),
        ("direction.", ("increase", "decrease", "range")),
        ("origin.", ("article", "inferred", "proposed", "standard")),
        ("origin_short.", ("article", "inferred", "proposed", "standard")),
        ("standard.target_kind.", TARGET_KINDS),
        ("trend.", ("improving", "worsening", "unchanged")),
        ("import.kind_", ("new", "changed", "unchanged", "errors")),
        ("baseline_source.", BASELINE_SOURCES),
        ("entry_safety.flag_", FLAG_CODES),
    ],
)
def test_keys_built_from_domain_values_exist_for_every_value(prefix, values):
    for lang in ("zh", "en"):
        labels = load_locale(lang)
        assert [v for v in values if prefix + v not in labels] == [], lang


def test_placeholders_are_the_same_in_both_languages():
    import string

    zh, en = load_locale("zh"), load_locale("en")
    fields = lambda text: sorted({f for _, f, _, _ in string.Formatter().parse(text) if f})  # noqa: E731
    assert [k for k in zh if fields(zh[k]) != fields(en[k])] == []


def test_a_missing_key_shows_itself_instead_of_failing():
    assert translate("no.such_key", "zh") == "⟨no.such_key⟩"
    assert translate("nav.overview", "en") == "Overview"
    assert translate("overview.index", "zh", place="滨州市") == "滨州市心安指数"
