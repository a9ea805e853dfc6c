"""The town-level generated set: 91 generated towns under the 7 counties, periods at each indicator's
frequency, reviews of stored revisions and an unbroken hash chain, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from indicators.errors import IndicatorsError
from indicators.periods import periods_between
from indicators.store.db import reviews
from indicators.store.generate import generated_towns, load_generated, town_catalogue
from indicators.store.integrity import verify
from indicators.store.store import Store

YEAR = 2025


def test_generated_towns_are_91_clearly_generated_places_under_the_counties(catalogue):
    towns = generated_towns(catalogue)
    counties = {p.code for p in catalogue.counties(catalogue.framework.default_place)}
    assert len(towns) == 91 and len(counties) == 7
    assert {t.parent for t in towns} == counties
    for town in towns:
        assert town.level == "town" and len(town.code) == 9 and town.code[:6] == town.parent
        assert "（生成）" in town.name_zh and "(generated)" in town.name_en
    # The shipped catalogue the city sees lists no town.
    assert not [p for p in catalogue.places if p.level == "town"]
    assert len(town_catalogue(catalogue).towns(towns[0].parent)) == 13


@pytest.mark.slow  # generates and checks the whole 91-town set (~6 s)
def test_town_level_set_has_every_place_and_period_valid_reviews_and_chain(db_url, catalogue):
    written = load_generated(db_url, 20_000, seed=7, catalogue=catalogue, level="town", first_year=YEAR)
    assert written == 20_000
    cat = town_catalogue(catalogue)
    with Store(db_url, cat) as store:
        history = store.changes_frame()
        assert len(history) == 20_000
        current = store.current_frame()
        towns = {t.code for t in generated_towns(catalogue)}
        assert towns <= set(current["place_code"])
        assert len(set(current["place_code"])) == 1 + 7 + 91
        # Every indicator at every place has every period of its frequency in that year, nothing else.
        for ind_id, periods in current.groupby("indicator_id")["period"]:
            expected = periods_between(cat.indicators[ind_id].frequency, YEAR, YEAR)
            assert sorted(set(periods)) == expected
            assert len(periods) == len(expected) * 99
        # 20,000 rows over 16,335 cells: the rest are corrections, numbered without gaps.
        assert (current["revision"] > 1).any()
        with store.engine.connect() as conn:
            stored = {
                (r.indicator_id, r.place_code, r.period, r.revision) for r in conn.execute(select(reviews))
            }
        assert stored, "the generated round has reviews"
        revisions = set(
            history[["indicator_id", "place_code", "period", "revision"]].itertuples(index=False, name=None)
        )
        assert stored <= revisions  # each review names a revision that exists
        approved = store.current_frame(approved_only=True)
        assert towns & set(approved["place_code"])
        report = verify(store.engine)
        assert report.ok and report.rows == 20_000
        # A town's value can be corrected through the store like any other place's.
        town = sorted(towns)[0]
        cell = current[(current["place_code"] == town) & (current["period"] == YEAR_TEXT)].iloc[0]
        store.save(
            cell["indicator_id"],
            town,
            YEAR_TEXT,
            float(cell["value"]),
            entered_by="tester",
            expected_revision=int(cell["revision"]),
        )
        assert verify(store.engine).ok


YEAR_TEXT = str(YEAR)


def test_the_shipped_catalogue_refuses_a_generated_town_value(tmp_path, catalogue):
    url = f"sqlite:///{tmp_path / 'towns.db'}"
    with Store(url, catalogue) as store, pytest.raises(IndicatorsError, match="371602001"):
        store.save("elderly_home_retrofits", "371602001", "2024", 10.0, entered_by="tester")


def test_a_catalogue_may_list_towns_under_their_county_and_refuses_a_stray_code(tmp_path):
    import shutil

    from catalogue_helpers import MIN_CATALOGUE, problems_as_text

    from indicators.catalogue import load_catalogue

    target = tmp_path / "definitions"
    shutil.copytree(MIN_CATALOGUE, target)
    places = target / "places.yaml"
    base = places.read_text(encoding="utf-8")
    town = '  - {code: "371602001", name_zh: 某街道, name_en: A street, level: town, parent: "371602"}\n'
    places.write_text(base + town, encoding="utf-8")
    loaded = load_catalogue(target)
    assert [p.code for p in loaded.towns("371602")] == ["371602001"]
    # A town must extend its own county's code; a county never has nine digits.
    places.write_text(base + town.replace('parent: "371602"', 'parent: "371603"'), encoding="utf-8")
    (problem,) = problems_as_text(target)
    assert "places.yaml" in problem and "must have its county 371602 as parent" in problem
    stray = '  - {code: "371699001", name_zh: 某县, name_en: A county, level: county, parent: "371600"}\n'
    places.write_text(base + stray, encoding="utf-8")
    (problem,) = problems_as_text(target)
    assert "level county needs a 6-digit code" in problem
