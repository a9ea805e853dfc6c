"""Hostile text and numbers are refused with a message, on SQLite and PostgreSQL: a NUL (PostgreSQL's
DataError), bidirectional overrides that make a shown note read differently from the stored one, a value of
1.797e308, and a PDF that trips pypdf's own limits."""

from __future__ import annotations

import pytest

from indicators import tabular
from indicators.access import User
from indicators.articles import documents
from indicators.errors import IndicatorsError
from indicators.guarded import GuardedStore
from indicators.store.store import Store

HOMES, CITY = "homes_adapted_for_elderly", "371600"
EDITOR = User(name="li", role="editor", departments=("civil_affairs",))


@pytest.mark.parametrize(
    ("text", "char"), [("台账\x00第二页", "U+0000"), ("台账\u202e页二第", "U+202E"), ("a\u2066b", "U+2066")]
)
def test_a_note_with_a_control_character_is_refused_and_nothing_is_stored(store: Store, text, char):
    with pytest.raises(IndicatorsError) as exc:
        GuardedStore(store, EDITOR).save(HOMES, CITY, "2024", 10, note=text)
    (problem,) = exc.value.problems
    assert problem.code == "text.control_character" and problem.params["char"] == char
    assert store.history(HOMES, CITY, "2024") == []


def test_an_import_row_with_a_bidi_override_is_a_row_error(store: Store):
    body = f"indicator_id,place_code,period,value,note\n{HOMES},{CITY},2024,10,正常\n{HOMES},{CITY},2023,9,台账\u202e\n"
    plan = GuardedStore(store, EDITOR).dry_run_import(tabular.read_table(body.encode(), "values.csv"))
    assert [(e.row, e.column, e.code) for e in plan.errors] == [(3, "note", "text.control_character")]


def test_a_value_larger_than_any_indicator_is_refused(store: Store):
    with pytest.raises(IndicatorsError) as exc:
        GuardedStore(store, EDITOR).save(HOMES, CITY, "2024", 1.797e308)
    assert [p.code for p in exc.value.problems] == ["value.too_large"]
    assert store.history(HOMES, CITY, "2024") == []


def test_a_report_is_stored_without_invisible_controls(store: Store):
    doc = GuardedStore(store, EDITOR).add_document("全市完成适老化改造\u202e1.5万户\x00。", title="报告")
    assert doc.text == "全市完成适老化改造1.5万户。"


def test_a_pdf_that_trips_pypdfs_limits_is_refused_with_its_own_message(monkeypatch):
    from pypdf.errors import LimitReachedError

    def refuse(*_a, **_k):
        raise LimitReachedError("too many objects")

    monkeypatch.setattr("pypdf.PdfReader", refuse)
    with pytest.raises(IndicatorsError) as exc:
        documents._pdf_text("huge.pdf", b"%PDF-1.7\n")
    assert [p.code for p in exc.value.problems] == ["documents.pdf_too_complex"]
