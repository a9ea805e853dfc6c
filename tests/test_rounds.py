"""Reporting rounds in the store: department scoping, review (approve / return / resubmit), approved-only
view, and locked periods, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command

from indicators.access import User
from indicators.articles.metrics import ArticleMetric
from indicators.errors import IndicatorsError
from indicators.guarded import GuardedStore
from indicators.initdb import load_metrics
from indicators.store import approval, rounds
from indicators.store.db import _alembic_config, write_transaction
from indicators.store.store import Store

CITY = "371600"
COUNTY = "371602"
HOMES = "homes_adapted_for_elderly"  # civil_affairs, yearly
CALLS = "hotline_calls"  # health_commission, monthly
VISITS = "home_visits"  # civil_affairs, quarterly

HEALTH_EDITOR = User(name="wei", role="editor", departments=("health_commission",))
CIVIL_EDITOR = User(name="li", role="editor", departments=("civil_affairs",))
REVIEWER = User(name="zhao", role="reviewer")
ADMIN = User(name="boss", role="admin", themes=("care",))


def _codes(exc: pytest.ExceptionInfo[IndicatorsError]) -> list[str]:
    return [p.code for p in exc.value.problems]


def test_a_department_editor_writes_only_their_departments_indicators(store: Store):
    guarded = GuardedStore(store, HEALTH_EDITOR)
    guarded.save(CALLS, CITY, "2024-03", 120)
    with pytest.raises(IndicatorsError, match="department"):
        guarded.save(HOMES, CITY, "2024", 10)
    assert store.history(HOMES, CITY, "2024") == []
    assert GuardedStore(store, CIVIL_EDITOR).save(HOMES, CITY, "2024", 10).revision == 1


def test_a_reviewer_may_not_enter_values_and_an_editor_may_not_review(store: Store):
    with pytest.raises(IndicatorsError, match="only editors change data"):
        GuardedStore(store, REVIEWER).save(CALLS, CITY, "2024-03", 1)
    GuardedStore(store, HEALTH_EDITOR).save(CALLS, CITY, "2024-03", 1)
    with pytest.raises(IndicatorsError, match="only a reviewer or admin"):
        GuardedStore(store, HEALTH_EDITOR).review([((CALLS, CITY, "2024-03"), 1)], "approve")


def test_a_new_value_is_submitted_and_counts_only_once_approved(store: Store):
    GuardedStore(store, CIVIL_EDITOR).save(HOMES, CITY, "2024", 10)
    cell = (HOMES, CITY, "2024")
    assert rounds.cell_states(store)[cell].state == "submitted"
    assert store.current_frame().shape[0] == 1
    assert store.current_frame(approved_only=True).empty
    GuardedStore(store, REVIEWER).review([(cell, 1)], "approve")
    state = rounds.cell_states(store)[cell]
    assert (state.state, state.reviewed_by) == ("approved", "zhao")
    assert store.current_frame(approved_only=True)["value"].tolist() == [10.0]


def test_a_correction_waits_for_review_while_the_approved_value_still_counts(store: Store):
    editor, reviewer = GuardedStore(store, CIVIL_EDITOR), GuardedStore(store, REVIEWER)
    cell = (HOMES, CITY, "2024")
    editor.save(HOMES, CITY, "2024", 10)
    reviewer.review([(cell, 1)], "approve")
    editor.save(HOMES, CITY, "2024", 12, expected_revision=1)
    assert store.current_frame()["value"].tolist() == [12.0]  # working view
    assert store.current_frame(approved_only=True)["value"].tolist() == [10.0]  # what scores use


def test_self_approval_is_refused_and_nothing_is_recorded(store: Store):
    admin = GuardedStore(store, ADMIN)
    admin.save(HOMES, CITY, "2024", 10)
    with pytest.raises(IndicatorsError) as exc:
        admin.review([((HOMES, CITY, "2024"), 1)], "approve")
    assert _codes(exc) == ["review.self_approval"]
    assert rounds.cell_states(store)[(HOMES, CITY, "2024")].state == "submitted"
    assert rounds.review_history(store, (HOMES, CITY, "2024")) == []


def test_a_returned_value_shows_its_reason_and_a_correction_is_a_resubmission(store: Store):
    editor, reviewer = GuardedStore(store, CIVIL_EDITOR), GuardedStore(store, REVIEWER)
    cell = (HOMES, CITY, "2024")
    editor.save(HOMES, CITY, "2024", 1000)
    with pytest.raises(IndicatorsError) as exc:
        reviewer.review([(cell, 1)], "return")
    assert _codes(exc) == ["review.reason_required"]
    reviewer.review([(cell, 1)], "return", reason="比上年高10倍，请核实口径")
    state = rounds.cell_states(store)[cell]
    assert (state.state, state.reason) == ("returned", "比上年高10倍，请核实口径")
    editor.save(HOMES, CITY, "2024", 100, expected_revision=1)
    state = rounds.cell_states(store)[cell]
    assert (state.state, state.revision, state.resubmitted) == ("submitted", 2, True)
    reviewer.review([(cell, 2)], "approve")
    assert rounds.cell_states(store)[cell].state == "approved"
    assert [(h["revision"], h["action"]) for h in rounds.review_history(store, cell)] == [
        (1, "return"),
        (2, "approve"),
    ]


def test_a_review_of_a_revision_that_changed_since_it_was_shown_is_refused(store: Store):
    editor, reviewer = GuardedStore(store, CIVIL_EDITOR), GuardedStore(store, REVIEWER)
    cell = (HOMES, CITY, "2024")
    editor.save(HOMES, CITY, "2024", 10)
    editor.save(HOMES, CITY, "2024", 11, expected_revision=1)
    with pytest.raises(IndicatorsError) as exc:
        reviewer.review([(cell, 1), ((CALLS, CITY, "2024-01"), 1)], "approve")
    assert _codes(exc) == ["conflict", "conflict"]
    assert rounds.review_history(store, cell) == []


def _seed_metric(value: float, period: str = "2023") -> ArticleMetric:
    return ArticleMetric(
        indicator=HOMES,
        place=CITY,
        period=period,
        value=value,
        unit="户",
        qualifier="exact",
        seed="000_cbbc4acc49a2d301.txt",
        quote="完成适老化改造 1.5 万户",
    )


def test_the_seed_articles_figures_are_approved_when_init_loads_them(store: Store):
    load_metrics(store, [_seed_metric(8)])
    state = rounds.cell_states(store)[(HOMES, CITY, "2023")]
    assert (state.state, state.reviewed_by) == ("approved", approval.SYSTEM_REVIEWER)
    assert store.current_frame(approved_only=True)["value"].tolist() == [8.0]


def test_a_figure_taken_from_a_document_waits_for_review(store: Store):
    # The document page stores a figure with source_kind 'article' too: being quoted is no approval.
    GuardedStore(store, CIVIL_EDITOR).save(
        HOMES, CITY, "2023", 8, source_kind="article", source_ref="《报告》", document_id=None
    )
    assert rounds.cell_states(store)[(HOMES, CITY, "2023")].state == "submitted"
    assert store.current_frame(approved_only=True).empty
    assert rounds.state_frame(store)["state"].tolist() == ["submitted"]


def test_a_returned_seed_figure_stops_counting_everywhere(store: Store):
    load_metrics(store, [_seed_metric(8)])
    cell = (HOMES, CITY, "2023")
    GuardedStore(store, REVIEWER).review([(cell, 1)], "return", reason="口径不符")
    # The cell state, the frame of states and the approved view agree: one rule.
    assert rounds.cell_states(store)[cell].state == "returned"
    assert rounds.state_frame(store)["state"].tolist() == ["returned"]
    assert rounds.cell_state(store, *cell)["state"].tolist() == ["returned"]
    assert store.current_frame(approved_only=True).empty
    assert store.current_frame([HOMES], [CITY], approved_only=True).empty


def test_an_approved_revision_cannot_be_approved_twice_nor_a_returned_one_returned_twice(store: Store):
    GuardedStore(store, CIVIL_EDITOR).save(HOMES, CITY, "2024", 10)
    cell = (HOMES, CITY, "2024")
    GuardedStore(store, REVIEWER).review([(cell, 1)], "approve")
    with pytest.raises(IndicatorsError) as exc:
        GuardedStore(store, ADMIN).review([(cell, 1)], "approve")
    assert _codes(exc) == ["review.already_approved"]
    assert exc.value.problems[0].params["who"] == "zhao"
    GuardedStore(store, ADMIN).review([(cell, 1)], "return", reason="再核")
    with pytest.raises(IndicatorsError) as exc:
        GuardedStore(store, REVIEWER).review([(cell, 1)], "return", reason="再核")
    assert _codes(exc) == ["review.already_returned"]
    assert [r["action"] for r in rounds.review_history(store, cell)] == ["approve", "return"]


def test_self_approval_is_refused_whatever_the_spelling_of_the_name(store: Store):
    store.save(HOMES, CITY, "2024", 10, entered_by="Zhao")
    with pytest.raises(IndicatorsError) as exc:
        GuardedStore(store, REVIEWER).review([((HOMES, CITY, "2024"), 1)], "approve")
    assert _codes(exc) == ["review.self_approval"]


def test_a_locked_period_refuses_saves_imports_and_reviews_naming_the_lock(store: Store):
    editor = GuardedStore(store, CIVIL_EDITOR)
    editor.save(HOMES, CITY, "2024", 10)
    GuardedStore(store, REVIEWER).lock("2024", reason="年度考核")
    with pytest.raises(IndicatorsError) as exc:
        editor.save(HOMES, CITY, "2024", 11, expected_revision=1)
    problem = exc.value.problems[0]
    assert problem.code == "lock.period_locked"
    assert problem.params["period"] == "2024" and problem.params["who"] == "zhao"
    assert "locked" in problem.message and "zhao" in problem.message
    # A year lock closes its quarters too, for every place; an import is refused whole.
    row = store.row(
        store.checker().check(VISITS, COUNTY, "2024Q2", 5, None, "exact")[0],
        note=None,
        source_kind="import",
        source_ref=None,
        entered_by="li",
        reason=None,
    )
    with pytest.raises(IndicatorsError) as exc:
        editor.append_many([row], {})
    assert _codes(exc) == ["lock.period_locked"]
    with pytest.raises(IndicatorsError) as exc:
        GuardedStore(store, ADMIN).review([((HOMES, CITY, "2024"), 1)], "approve")
    assert "lock.period_locked" in _codes(exc)
    assert [h.revision for h in store.history(HOMES, CITY, "2024")] == [1]
    assert store.history(VISITS, COUNTY, "2024Q2") == []
    editor.save(HOMES, CITY, "2025", 12)  # other periods stay open


def test_a_county_lock_leaves_the_city_open(store: Store):
    editor = GuardedStore(store, CIVIL_EDITOR)
    GuardedStore(store, REVIEWER).lock("2024Q1", COUNTY)
    with pytest.raises(IndicatorsError) as exc:
        editor.save(VISITS, COUNTY, "2024Q1", 3)
    assert _codes(exc) == ["lock.place_locked"]
    assert exc.value.problems[0].params["place"] == COUNTY
    editor.save(VISITS, CITY, "2024Q1", 3)


def test_only_an_admin_unlocks_and_only_with_a_reason(store: Store):
    GuardedStore(store, REVIEWER).lock("2024")
    with pytest.raises(IndicatorsError, match="only an admin unlocks"):
        GuardedStore(store, REVIEWER).unlock("2024", None, "需要更正")
    with pytest.raises(IndicatorsError) as exc:
        GuardedStore(store, ADMIN).unlock("2024", None, " ")
    assert _codes(exc) == ["lock.reason_required"]
    GuardedStore(store, ADMIN).unlock("2024", None, "卫健委更正数据")
    GuardedStore(store, CIVIL_EDITOR).save(HOMES, CITY, "2024", 10)
    history = rounds.lock_history(store)
    assert history[["action", "set_by", "reason"]].values.tolist() == [
        ["unlock", "boss", "卫健委更正数据"],
        ["lock", "zhao", None],
    ]
    assert rounds.locks_in_force(store) == []


def test_locking_twice_is_refused_naming_the_first_lock(store: Store):
    GuardedStore(store, REVIEWER).lock("2024")
    with pytest.raises(IndicatorsError) as exc:
        GuardedStore(store, ADMIN).lock("2024")
    assert _codes(exc) == ["lock.already_locked"]


def test_values_stored_before_the_upgrade_count_as_approved(store: Store):
    store.save(HOMES, CITY, "2024", 10, entered_by="li")
    store.save(HOMES, CITY, "2024", 11, entered_by="li", expected_revision=1)
    with write_transaction(store.engine) as conn:
        command.downgrade(_alembic_config(conn), "0002")
    with write_transaction(store.engine) as conn:
        command.upgrade(_alembic_config(conn), "head")
    state = rounds.cell_states(store)[(HOMES, CITY, "2024")]
    assert (state.state, state.revision, state.reviewed_by) == ("approved", 2, "system")


def test_an_account_is_scoped_to_known_departments_only(store: Store, db_url: str):
    from indicators.accounts import open_accounts

    accounts = open_accounts(db_url)
    with pytest.raises(IndicatorsError) as exc:
        accounts.add_user(
            "wei", "editor", departments=["health_comission"], password=None, catalogue=store.catalogue
        )
    assert "did you mean 'health_commission'" in exc.value.problems[0].hint
    with pytest.raises(IndicatorsError, match="reviewer cannot be assigned"):
        accounts.add_user("zhao", "reviewer", departments=["civil_affairs"], password=None)
    user = accounts.add_user(
        "wei", "editor", departments=["health_commission"], password=None, catalogue=store.catalogue
    )
    assert user.departments == ("health_commission",)
    assert [r.departments for r in accounts.list_users()] == [("health_commission",)]
    accounts.add_user("zhao", "reviewer", password=None)
    assert {r.name: r.role for r in accounts.list_users()}["zhao"] == "reviewer"


def test_a_flagged_value_carries_its_flags_and_confirmed_reason_into_the_review_state(store: Store):
    guarded = GuardedStore(store, CIVIL_EDITOR)
    guarded.save(HOMES, CITY, "2022", 10)
    guarded.save(HOMES, CITY, "2023", 11)
    with pytest.raises(IndicatorsError) as exc:
        guarded.save(HOMES, CITY, "2024", 1100)  # 100× last year: confirmed or not stored
    assert _codes(exc) == ["plausibility.unconfirmed"]
    guarded.save(HOMES, CITY, "2024", 1100, flag_reason="新口径含社区日间照料")
    frame = rounds.state_frame(store).set_index("period")
    row = frame.loc["2024"]
    assert row["state"] == "submitted" and row["flag_reason"] == "新口径含社区日间照料"
    assert "far_from_history" in row["flags"]
    assert frame.loc[["2022", "2023"], ["flags", "flag_reason"]].isna().all().all()


def test_one_cells_state_is_its_row_of_every_cells_states(store: Store):
    # The entry page reads one cell's state; it must say what the reporting page says of that cell.
    guarded = GuardedStore(store, CIVIL_EDITOR)
    guarded.save(HOMES, CITY, "2023", 10)
    guarded.save(HOMES, COUNTY, "2023", 3)
    guarded.save(HOMES, CITY, "2024", 11)
    rounds.review(store, [((HOMES, CITY, "2023"), 1)], "return", by="zhao", reason="口径不对")
    guarded.save(HOMES, CITY, "2023", 12, expected_revision=1)
    rounds.review(store, [((HOMES, COUNTY, "2023"), 1)], "approve", by="zhao")
    every = rounds.state_frame(store)
    for cell in [(HOMES, CITY, "2023"), (HOMES, COUNTY, "2023"), (HOMES, CITY, "2024")]:
        one = rounds.cell_state(store, *cell)
        expected = every[
            (every["indicator_id"] == cell[0])
            & (every["place_code"] == cell[1])
            & (every["period"] == cell[2])
        ]
        assert _records(one) == _records(expected)
    assert rounds.cell_state(store, HOMES, CITY, "2023")["state"].tolist() == ["submitted"]
    assert rounds.cell_state(store, HOMES, CITY, "2023")["returned_before"].tolist() == [True]
    assert rounds.cell_state(store, HOMES, COUNTY, "2023")["state"].tolist() == ["approved"]
    assert rounds.cell_state(store, HOMES, COUNTY, "2022").empty


def _records(frame):
    # Missing is missing: a left join gives NaN where a one-cell read gives None.
    return frame.astype(object).where(frame.notna(), None).to_dict("records")
