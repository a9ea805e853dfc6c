"""Values count only after review on every write path, and every stored time has one form.

The mix people make: an import, a form save, a figure taken from a document and the seed articles' figures
in one database; the reviewer's queue sorts them all; migration 0009 brings an older database to the rule.
"""

from __future__ import annotations

import datetime as dt
import re

from alembic import command
from sqlalchemy import insert, text
from test_rounds import _seed_metric

from indicators import tabular
from indicators.access import User
from indicators.articles.documents import add_document
from indicators.guarded import GuardedStore
from indicators.initdb import load_metrics
from indicators.scoring import reporting
from indicators.store import rounds
from indicators.store.db import (
    _alembic_config,
    current_revision,
    make_engine,
    observations,
    reviews,
    write_transaction,
)
from indicators.store.integrity import chain, verify
from indicators.store.store import Store

CITY = "371600"
COUNTY = "371623"
HOMES = "homes_adapted_for_elderly"  # civil_affairs, yearly
EDITOR = User(name="li", role="editor", departments=("civil_affairs",), display_name="李民政")
REVIEWER = User(name="zhao", role="reviewer", display_name="赵审核")
# SQLAlchemy's text form of a time on SQLite: naive UTC, always with microseconds.
ONE_FORM = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")


def _import(store: Store, rows: list[tuple[str, str, str, float]]) -> None:
    body = "indicator_id,place_code,period,value,unit\n" + "".join(
        f"{ind},{place},{period},{value},户\n" for ind, place, period, value in rows
    )
    guarded = GuardedStore(store, EDITOR)
    plan = guarded.dry_run_import(tabular.read_table(body.encode(), "values.csv"))
    assert not plan.errors, plan.errors
    guarded.apply_import(plan)


def _a_round(store: Store) -> None:
    """An import, a form save, a document figure and a seed figure, as a real round has them."""
    load_metrics(store, [_seed_metric(15000, "2023")])
    _import(store, [(HOMES, COUNTY, "2024", 700)])
    guarded = GuardedStore(store, EDITOR)
    guarded.save(HOMES, CITY, "2024", 16000, note="无棣县民政局台账")
    document = add_document(
        store, "滨州市民政局 2024 年工作总结：全市完成适老化改造 1.7 万户。", title="工作总结", added_by="li"
    )
    guarded.save(
        HOMES,
        CITY,
        "2025",
        17000,
        source_kind="article",
        source_ref="《工作总结》",
        document_id=document.id,
        quote="全市完成适老化改造 1.7 万户",
        quote_offset=0,
    )


def test_only_the_seed_figure_counts_until_a_reviewer_approves_the_rest(store: Store):
    _a_round(store)
    states = rounds.state_frame(store).set_index(["place_code", "period"])["state"].to_dict()
    assert states == {
        (CITY, "2023"): "approved",
        (COUNTY, "2024"): "submitted",
        (CITY, "2024"): "submitted",
        (CITY, "2025"): "submitted",  # the document figure waits too
    }
    approved = store.current_frame(approved_only=True)
    assert approved[["place_code", "period"]].values.tolist() == [[CITY, "2023"]]
    # The reviewer works through the queue: everything approved now counts.
    queue = [((HOMES, p, period), 1) for (p, period), s in states.items() if s == "submitted"]
    GuardedStore(store, REVIEWER).review(queue, "approve")
    assert len(store.current_frame(approved_only=True)) == 4


def test_the_queue_sorts_an_import_a_form_save_and_a_document_figure_together(store: Store):
    _a_round(store)
    states = rounds.state_frame(store)
    # One kind of time whatever wrote it: comparable, aware UTC.
    assert str(states["entered_at"].dtype).startswith("datetime64") and states["entered_at"].dt.tz is not None
    waiting = reporting.awaiting_review(store.catalogue, states)
    assert waiting["period"].tolist() == ["2024", "2024", "2025"]
    assert waiting["entered_at"].is_monotonic_increasing


def test_every_write_path_stores_times_in_one_form(sqlite_url: str, small_catalogue):
    with Store(sqlite_url, catalogue=small_catalogue) as store:
        _a_round(store)
        GuardedStore(store, REVIEWER).review([((HOMES, CITY, "2024"), 1)], "approve")
        GuardedStore(store, REVIEWER).lock("2020", reason="年度考核")
        with store.engine.connect() as conn:
            stored = {
                (table, column): [r[0] for r in conn.exec_driver_sql(f"SELECT {column} FROM {table}")]
                for table, column in [
                    ("observations", "entered_at"),
                    ("reviews", "reviewed_at"),
                    ("period_locks", "set_at"),
                    ("documents", "added_at"),
                ]
            }
    assert all(stored.values())
    odd = {key: [v for v in values if not ONE_FORM.match(v)] for key, values in stored.items()}
    assert odd == {key: [] for key in stored}


def _raw(period: str, at: dt.datetime, **fields: object) -> dict:
    return {
        "indicator_id": HOMES,
        "place_code": CITY,
        "period": period,
        "revision": 1,
        "value": 10.0,
        "unit": "户",
        "qualifier": "exact",
        "retracted": False,
        "note": None,
        "source_kind": "article",
        "source_ref": "seed",
        "entered_by": "article-import",
        "entered_at": at,
        "reason": None,
        **fields,
    }


def test_migration_0009_approves_the_seed_figures_only_and_gives_times_one_form(db_url, small_catalogue):
    engine = make_engine(db_url)
    sqlite = engine.dialect.name == "sqlite"
    at = dt.datetime(2025, 1, 1, 8, 30, tzinfo=dt.UTC)
    with write_transaction(engine) as conn:
        # The SQLite template comes migrated, the PostgreSQL database empty: both end at 0008.
        if current_revision(conn) is not None:
            command.downgrade(_alembic_config(conn), "0008")
        command.upgrade(_alembic_config(conn), "0008")
        conn.execute(insert(reviews).values(**_review("2022", "return", at)))
        rows = [
            _raw("2021", at),  # a seed figure
            _raw("2022", at),  # a seed figure a reviewer returned: it must stop counting
            _raw("2023", at, document_id=1, entered_by="li"),  # taken from a document: it waits
            _raw("2024", at, source_kind="form", entered_by="li"),
        ]
        chain(conn, rows)
        for row in rows:
            if sqlite:
                # Through the driver, as imports and article loads wrote them: '... +00:00'.
                names, marks = ", ".join(row), ", ".join("?" for _ in row)
                conn.exec_driver_sql(
                    f"INSERT INTO observations ({names}) VALUES ({marks})", tuple(row.values())
                )
            else:
                conn.execute(insert(observations), row)
    if sqlite:
        with engine.connect() as conn:
            assert (
                conn.exec_driver_sql("SELECT entered_at FROM observations")
                .scalars()
                .first()
                .endswith("+00:00")
            )
    engine.dispose()
    with Store(db_url, catalogue=small_catalogue) as store:
        states = rounds.state_frame(store).set_index("period")["state"].to_dict()
        assert states == {"2021": "approved", "2022": "returned", "2023": "submitted", "2024": "submitted"}
        assert store.current_frame(approved_only=True)["period"].tolist() == ["2021"]
        if sqlite:
            with store.engine.connect() as conn:
                times = conn.execute(text("SELECT entered_at FROM observations")).scalars().all()
            assert times == ["2025-01-01 08:30:00.000000"] * 4
        # The hashes cover the time, not its text: the history still verifies.
        report = verify(store.engine)
        assert report.ok and report.rows == 4
        # Downgrading removes exactly the approvals 0009 wrote; the reviewer's return stays.
        with write_transaction(store.engine) as conn:
            command.downgrade(_alembic_config(conn), "0008")
            left = conn.execute(text("SELECT action, reviewed_by FROM reviews")).all()
        assert [tuple(r) for r in left] == [("return", "zhao")]


def _review(period: str, action: str, at: dt.datetime) -> dict:
    return {
        "indicator_id": HOMES,
        "place_code": CITY,
        "period": period,
        "revision": 1,
        "action": action,
        "reason": "口径不符",
        "reviewed_by": "zhao",
        "reviewed_at": at,
    }


def test_a_report_figure_taken_over_a_seed_figure_is_a_correction_that_waits(store: Store):
    from indicators.articles.proposals import propose, save_fields
    from indicators.entry import plan_entry, save_entry

    load_metrics(store, [_seed_metric(15000, "2024")])
    text = "滨州市民政局工作总结：2024年全市完成适老化改造1.6万户。"
    document = add_document(store, text, title="工作总结", added_by="li")
    proposal = next(
        p for p in propose(text, store.catalogue, title=document.title) if p.finding.value == 16000
    )
    guarded = GuardedStore(store, EDITOR)
    plan = plan_entry(
        guarded,
        HOMES,
        CITY,
        "2024",
        "16000",
        expected_revision=1,
        **save_fields(document.id, "工作总结", proposal),
    )
    assert plan.problems == [] and plan.correction  # the figure's source says why it changes
    saved = save_entry(guarded, plan)
    assert saved.reason and "工作总结" in saved.reason
    # The seed figure still counts until a reviewer approves the report's.
    assert store.current_frame(approved_only=True)["value"].tolist() == [15000.0]
