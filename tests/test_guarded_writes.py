"""Writes go through the signed-in user: anonymous and viewer writes are refused, editors write only in their
themes, and every stored revision carries the editor's name."""

from __future__ import annotations

import ast

import pytest

from indicators.access import User
from indicators.errors import IndicatorsError
from indicators.guarded import GuardedStore
from indicators.paths import PROJECT_DIR
from indicators.store.store import Store

CITY = "371600"


@pytest.fixture
def store(sqlite_url, catalogue):
    with Store(sqlite_url, catalogue=catalogue) as s:
        yield s


def _yearly_percent_in(catalogue, theme_id: str) -> str:
    return next(
        i
        for i, ind in catalogue.indicators.items()
        if catalogue.theme_of[i] == theme_id and ind.frequency == "year" and ind.unit == "%"
    )


ZHANG = User(name="zhang", role="editor", themes=("health",))


def test_anonymous_write_is_refused_and_nothing_is_stored(store, catalogue):
    ind = _yearly_percent_in(catalogue, "health")
    with pytest.raises(IndicatorsError, match="not signed in"):
        GuardedStore(store, None).save(ind, CITY, "2024", 50.0)
    assert store.history(ind, CITY, "2024") == []
    assert store.data_version() == 0


def test_viewer_write_is_refused(store, catalogue):
    ind = _yearly_percent_in(catalogue, "health")
    with pytest.raises(IndicatorsError, match="only editors change data"):
        GuardedStore(store, User(name="li", role="viewer")).save(ind, CITY, "2024", 50.0)
    assert store.history(ind, CITY, "2024") == []


def test_editor_write_in_assigned_theme_records_the_editor_name(store, catalogue):
    ind = _yearly_percent_in(catalogue, "health")
    GuardedStore(store, ZHANG).save(ind, CITY, "2024", 50.0, note="首次录入")
    (revision,) = store.history(ind, CITY, "2024")
    assert revision.entered_by == "zhang" and revision.value == 50.0
    assert store.current_frame()["entered_by"].tolist() == ["zhang"]


def test_editor_cannot_write_or_retract_outside_assigned_themes(store, catalogue):
    health, safety = _yearly_percent_in(catalogue, "health"), _yearly_percent_in(catalogue, "safety")
    guarded = GuardedStore(store, ZHANG)
    with pytest.raises(IndicatorsError, match=f"{safety} is in theme 'safety'"):
        guarded.save(safety, CITY, "2024", 50.0)
    GuardedStore(store, User(name="wang", role="editor", themes=("safety",))).save(safety, CITY, "2024", 60.0)
    with pytest.raises(IndicatorsError, match="may write only in themes"):
        guarded.retract(safety, CITY, "2024", reason="wrong", expected_revision=1)
    assert [r.entered_by for r in store.history(safety, CITY, "2024")] == ["wang"]
    assert store.history(health, CITY, "2024") == []


def test_entered_by_cannot_be_chosen_by_the_caller(store, catalogue):
    ind = _yearly_percent_in(catalogue, "health")
    with pytest.raises(TypeError, match="signed-in user"):
        GuardedStore(store, ZHANG).save(ind, CITY, "2024", 50.0, entered_by="somebody else")


def _import_rows(store, catalogue, ids, entered_by="from the file"):
    checker = store.checker()
    rows = []
    for ind in ids:
        checked, problems = checker.check(ind, CITY, "2024", 40.0, None, None)
        assert not problems
        rows.append(
            store.row(
                checked,
                note=None,
                source_kind="import",
                source_ref="f.xlsx",
                entered_by=entered_by,
                reason=None,
            )
        )
    return rows


def test_import_with_any_row_outside_the_themes_is_refused_whole(store, catalogue):
    health, safety = _yearly_percent_in(catalogue, "health"), _yearly_percent_in(catalogue, "safety")
    rows = _import_rows(store, catalogue, [health, safety])
    with pytest.raises(IndicatorsError) as err:
        GuardedStore(store, ZHANG).append_many(rows, {})
    assert safety in str(err.value) and health not in str(err.value)
    assert store.current_frame().empty


def test_import_is_attributed_to_the_signed_in_editor_not_the_file(store, catalogue):
    health = _yearly_percent_in(catalogue, "health")
    assert GuardedStore(store, ZHANG).append_many(_import_rows(store, catalogue, [health]), {}) == 1
    assert [r.entered_by for r in store.history(health, CITY, "2024")] == ["zhang"]


# The GuardedStore's writes; called anywhere in the dashboard, the receiver must be `writer(user)`.
GUARDED_WRITES = {
    "save",
    "retract",
    "append_many",
    "review",
    "lock",
    "unlock",
    "apply_import",
    "dry_run_import",
    "add_document",
    "decide_figure",
}
# The domain's writes that take a raw store: never called from the dashboard (GuardedStore calls them).
RAW_WRITES = {
    ("rounds", "review"),
    ("rounds", "set_lock"),
    ("rounds", "unlock"),
    ("bulk", "apply"),
    ("documents", "add_document"),
    ("documents", "record_review"),
    ("initdb", "initialise"),
    ("initdb", "load_metrics"),
}
# Objects that save files, not values: python-pptx's presentation and fontTools' font (export).
FILE_SAVERS = {"prs", "font"}
# A raw Store the dashboard holds (to read): what may be asked of it.
STORE_READS = {
    "current_read",
    "current_frame",
    "current_cells",
    "current_revision",
    "latest",
    "history",
    "changes_frame",
    "people",
    "data_version",
    "indicators_changed_since",
    "plausibility",
    "checker",
    "close",
}


def _is_writer_call(node: ast.AST) -> bool:
    # writer(user) or writes.writer(user)
    return isinstance(node, ast.Call) and (
        getattr(node.func, "id", None) == "writer" or getattr(node.func, "attr", None) == "writer"
    )


def _is_store(node: ast.AST) -> bool:
    # store(), resources.store(), _store(url), views.store, ctx.views.store, self._store
    if isinstance(node, ast.Call):
        node = node.func
    name = getattr(node, "attr", None) or getattr(node, "id", None)
    return name in {"store", "_store"}


def test_the_dashboard_writes_only_through_the_signed_in_users_guarded_store():
    offenders = []
    dashboard_modules = {p.stem for p in (PROJECT_DIR / "dashboard").rglob("*.py")}
    for path in (PROJECT_DIR / "dashboard").rglob("*.py"):
        where = path.relative_to(PROJECT_DIR)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("indicators"):
                module = node.module.rsplit(".", 1)[-1]
                offenders += [
                    f"{where}:{node.lineno}: imports {module}.{a.name}"
                    for a in node.names
                    if (module, a.name) in RAW_WRITES
                ]
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            receiver, method = node.func.value, node.func.attr
            owner = getattr(receiver, "id", None)
            if (owner, method) in RAW_WRITES:
                offenders.append(f"{where}:{node.lineno}: {owner}.{method}(…) with a raw store")
            elif _is_store(receiver) and method not in STORE_READS:
                offenders.append(f"{where}:{node.lineno}: a raw store's {method}(…)")
            elif (
                method in GUARDED_WRITES
                and not _is_writer_call(receiver)
                and owner not in dashboard_modules | FILE_SAVERS
            ):
                offenders.append(f"{where}:{node.lineno}: {method}(…) not on writer(user)")
    assert offenders == []


def test_the_write_guard_check_sees_a_raw_review_and_a_raw_save():
    # The check itself: the calls it exists to catch are caught.
    tree = ast.parse(
        "rounds.review(store(), items, 'approve', by='x')\nviews.store.save(1)\nwriter(u).save(1)"
    )
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    caught = [
        (getattr(c.func.value, "id", None), c.func.attr) in RAW_WRITES
        or (_is_store(c.func.value) and c.func.attr not in STORE_READS)
        for c in calls
    ]
    assert caught == [True, True, False]


def _csv_table(rows: list[tuple[str, str]]):
    from indicators import tabular

    text = "indicator_id,place_code,period,value\n" + "".join(f"{i},{CITY},2024,{v}\n" for i, v in rows)
    return tabular.read_table(text.encode("utf-8"), "values.csv")


def test_import_dry_run_marks_rows_outside_the_themes_and_apply_writes_as_the_editor(store, catalogue):
    health, safety = _yearly_percent_in(catalogue, "health"), _yearly_percent_in(catalogue, "safety")
    guarded = GuardedStore(store, ZHANG)
    plan = guarded.dry_run_import(_csv_table([(health, "41"), (safety, "42")]))
    assert [(e.row, e.column) for e in plan.errors] == [(3, "indicator_id")]
    assert "may write only in themes" in plan.errors[0].message
    with pytest.raises(IndicatorsError):
        guarded.apply_import(plan)
    ok = guarded.dry_run_import(_csv_table([(health, "41")]))
    assert guarded.apply_import(ok) == 1
    assert [r.entered_by for r in store.history(health, CITY, "2024")] == ["zhang"]


def test_import_plan_made_by_an_editor_cannot_be_applied_by_a_viewer(store, catalogue):
    health = _yearly_percent_in(catalogue, "health")
    plan = GuardedStore(store, ZHANG).dry_run_import(_csv_table([(health, "41")]))
    with pytest.raises(IndicatorsError, match="only editors change data"):
        GuardedStore(store, User(name="li", role="viewer")).apply_import(plan)
    with pytest.raises(IndicatorsError, match="not signed in"):
        GuardedStore(store, None).dry_run_import(_csv_table([(health, "41")]))
    assert store.current_frame().empty
