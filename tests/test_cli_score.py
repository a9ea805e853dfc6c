"""`python -m indicators score`: what staff see for a place, in text and JSON."""

from __future__ import annotations

import json

import pytest
from catalogue_helpers import MIN_CATALOGUE
from scoring_helpers import CITY, COUNTIES, observations

from indicators.cli import main as cli
from indicators.cli import score as cli_score


@pytest.fixture
def fake_store(monkeypatch):
    frames: dict[str, object] = {}

    def load(url, include_pending=False):
        frames["url"] = url
        return observations(
            [
                ("criminal_cases_per_100k", CITY, "2024", 430.0),
                ("criminal_cases_per_100k", CITY, "2025", 415.0),
                ("public_safety_satisfaction", COUNTIES[0], "2025", 98.5),
            ]
        )

    monkeypatch.setattr(cli_score, "load_observations", load)
    return frames


def test_score_json_gives_indicator_status_and_index_with_coverage(fake_store, capsys):
    code = cli.main(["score", "--definitions", str(MIN_CATALOGUE), "--db", "sqlite:///x.db", "--json"])
    assert code == 0
    assert fake_store["url"] == "sqlite:///x.db"
    payload = json.loads(capsys.readouterr().out)
    assert payload["place_code"] == CITY and payload["method"] == "target_progress"
    by_id = {r["indicator_id"]: r for r in payload["indicators"]}
    crime = by_id["criminal_cases_per_100k"]
    assert crime["status"] == "on_track" and crime["progress"] == pytest.approx(50.0)
    assert crime["target_kind"] == "example" and crime["change_prev"] == pytest.approx(-15.0)
    assert by_id["public_safety_satisfaction"]["status"] == "no_data"  # only a county reported it
    assert by_id["public_safety_satisfaction"]["value"] is None
    index = next(r for r in payload["rollups"] if r["level"] == "index")
    assert index["score"] == pytest.approx(50.0)
    assert (index["n_indicators"], index["n_with_data"], index["n_scored"]) == (3, 1, 1)


def test_score_text_names_status_theme_and_index_with_coverage(fake_store, capsys):
    assert cli.main(["score", "--definitions", str(MIN_CATALOGUE)]) == 0
    out = capsys.readouterr().out
    assert "on_track" in out and "criminal_cases_per_100k" in out and "示例目标" in out
    assert "心安指数 50.0 / 100" in out
    assert "data 1/3" in out


def test_score_for_a_county_uses_its_own_values(fake_store, capsys):
    assert cli.main(["score", "--definitions", str(MIN_CATALOGUE), "--place", COUNTIES[0], "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    by_id = {r["indicator_id"]: r for r in payload["indicators"]}
    assert by_id["public_safety_satisfaction"]["value"] == 98.5


def test_score_sdg_method_can_be_chosen_on_the_command_line(fake_store, capsys):
    assert cli.main(["score", "--definitions", str(MIN_CATALOGUE), "--method", "sdg_progress", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    crime = next(r for r in payload["indicators"] if r["indicator_id"] == "criminal_cases_per_100k")
    assert payload["method"] == "sdg_progress" and crime["status"] == "substantial"


def test_unknown_place_is_refused_with_the_known_codes(fake_store, capsys):
    assert cli.main(["score", "--definitions", str(MIN_CATALOGUE), "--place", "999999"]) == 1
    err = capsys.readouterr().err
    assert "999999" in err and "371600" in err


@pytest.mark.slow  # loads every article figure, then scores twice (~3 s)
def test_score_reads_the_real_store_after_init_and_a_saved_correction(tmp_path, capsys):
    from indicators.store.store import Store

    db = f"sqlite:///{tmp_path / 'score.db'}"
    assert cli.main(["init", "--db", db]) == 0
    store = Store(db)
    store.save(
        "elderly_home_retrofits", CITY, "2025", 17500, entered_by="tester", expected_revision=0, unit="户"
    )
    capsys.readouterr()
    # The correction awaits review: scores use the approved article figure until a reviewer approves it.
    assert cli.main(["score", "--db", db, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    retrofits = next(r for r in payload["indicators"] if r["indicator_id"] == "elderly_home_retrofits")
    assert retrofits["period"] == "2024"
    assert cli.main(["score", "--db", db, "--json", "--include-pending"]) == 0
    payload = json.loads(capsys.readouterr().out)
    retrofits = next(r for r in payload["indicators"] if r["indicator_id"] == "elderly_home_retrofits")
    assert (retrofits["period"], retrofits["value"]) == ("2025", 17500)
    # Hebei's 1435 stations are a comparison figure: never Binzhou's value.
    stations = next(r for r in payload["indicators"] if r["indicator_id"] == "township_social_work_stations")
    assert stations["value"] is None
