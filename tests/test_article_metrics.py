"""Curated article figures: every one is quoted, parsed, in the catalogue, and attributed to its place."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from indicators.articles.metrics import METRICS_FILE, load_article_metrics, owner_of
from indicators.catalogue import Catalogue
from indicators.errors import IndicatorsError
from indicators.paths import PROJECT_DIR

HEBEI, SHANDONG, BINZHOU, WUDI = "130000", "370000", "371600", "371623"
SHIPPED = METRICS_FILE.read_text("utf-8")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indicators", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def block_of(text: str, indicator: str, place: str | None = None) -> tuple[int, int]:
    """Character span of the metric entry for this indicator (and place) in the YAML text."""
    starts = [m.start() for m in re.finditer(r"^  - indicator: ", text, re.M)] + [len(text)]
    for lo, hi in itertools.pairwise(starts):
        entry = text[lo:hi]
        if entry.startswith(f"  - indicator: {indicator}\n") and (place is None or f'"{place}"' in entry):
            return lo, hi
    raise AssertionError(f"no entry for {indicator} {place}")


def edit(text: str, indicator: str, old: str, new: str, place: str | None = None) -> tuple[str, int]:
    """Replace `old` by `new` inside one metric entry; return the text and the 1-based line of the edit."""
    lo, hi = block_of(text, indicator, place)
    at = text.index(old, lo, hi)
    return text[:at] + new + text[at + len(old) :], text.count("\n", 0, at) + 1


def problems(tmp_path: Path, text: str, catalogue: Catalogue) -> list[str]:
    path = tmp_path / "article_metrics.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(IndicatorsError) as err:
        load_article_metrics(path, catalogue)
    return [str(p) for p in err.value.problems]


def test_shipped_article_metrics_validate(catalogue):
    metrics = load_article_metrics(catalogue=catalogue)
    ids = {m.indicator for m in metrics}
    assert {"elderly_home_retrofits", "home_care_service_visits", "xinan_cells"} <= ids
    assert {
        "township_social_work_stations",
        "registered_volunteers",
        "severe_mental_disorder_incidents",
    } <= ids


def test_hebei_and_shandong_figures_from_004_are_theirs_never_binzhou(catalogue):
    metrics = load_article_metrics(catalogue=catalogue)
    by_value = {(m.indicator, m.value): m.place for m in metrics}
    assert by_value[("township_social_work_stations", 1435)] == HEBEI
    assert by_value[("township_social_work_station_coverage", 63.7)] == HEBEI
    assert by_value[("township_social_work_station_coverage", 90)] == SHANDONG
    assert by_value[("registered_volunteers", 12037000)] == HEBEI
    assert by_value[("severe_mental_disorder_incidents", 0)] == WUDI
    assert all(m.place != BINZHOU for m in metrics if m.seed.startswith("004_"))


HEBEI_ENTRIES = [
    "township_social_work_stations",
    "social_work_station_activities",
    "social_work_station_people_served",
    "registered_volunteers",
    "volunteer_service_hours",
]


@pytest.mark.parametrize("indicator", HEBEI_ENTRIES)
def test_a_hebei_figure_attributed_to_binzhou_is_refused_at_its_line(tmp_path, catalogue, indicator):
    text, line = edit(SHIPPED, indicator, f'place: "{HEBEI}"', f'place: "{BINZHOU}"')
    found = problems(tmp_path, text, catalogue)
    assert len(found) == 1
    assert f"article_metrics.yaml:{line}:" in found[0]
    assert "attributed to 滨州市 (371600) but the article ties it to 河北省 (130000)" in found[0]


def test_the_shandong_headline_figure_attributed_to_binzhou_or_hebei_is_refused(tmp_path, catalogue):
    for wrong, name in ((BINZHOU, "滨州市"), (HEBEI, "河北省")):
        text, line = edit(SHIPPED, "township_social_work_station_coverage", "370000", wrong, SHANDONG)
        found = problems(tmp_path, text, catalogue)
        assert any(
            f":{line}:" in p and f"attributed to {name}" in p and "山东省 (370000)" in p for p in found
        )


def test_a_county_figure_attributed_to_the_city_is_refused(tmp_path, catalogue):
    text, _ = edit(SHIPPED, "severe_mental_disorder_incidents", WUDI, BINZHOU)
    (found,) = problems(tmp_path, text, catalogue)
    assert "ties it to 无棣县 (371623)" in found


def test_a_quote_that_names_no_place_needs_a_context_that_does(tmp_path, catalogue):
    text, _ = edit(
        SHIPPED,
        "township_social_work_station_coverage",
        "    context: 山东：加快搭建社工服务载体 超九成乡镇建成社工站\n",
        "",
        SHANDONG,
    )
    (found,) = problems(tmp_path, text, catalogue)
    assert "names no place" in found and "add context" in found


def test_nearest_place_named_decides_whose_figure_it_is(catalogue):
    passage = "山东省滨州市完成改造1.5万户，河北省建成社工站1435家"
    assert owner_of(passage, passage.index("1.5"), catalogue.places).code == BINZHOU
    assert owner_of(passage, passage.index("1435"), catalogue.places).code == HEBEI
    assert owner_of("完成改造1.5万户", 4, catalogue.places) is None


BROKEN = [
    # (indicator, old, new, expected message)
    (
        "elderly_home_retrofits",
        "value: 15000",
        "value: 1.5",
        "the quote reads as 15000 户 (exact), not 1.5 户 (exact)",
    ),
    (
        "social_work_trainees",
        "qualifier: more_than",
        "qualifier: exact",
        "the quote reads as 1800 人次 (more_than)",
    ),
    ("xinan_cells", "unit: 个", "unit: 家", "the quote reads as 100 个 (more_than), not 100 家"),
    (
        "elderly_home_retrofits",
        "indicator: elderly_home_retrofits",
        "indicator: elderly_home_retrofit",
        "did you mean 'elderly_home_retrofits'?",
    ),
    ("xinan_cells", 'place: "371600"', 'place: "371699"', "place 371699 is not in places.yaml"),
    (
        "township_social_work_stations",
        "indicator: township_social_work_stations",
        "indicator: social_work_trainees",
        "unit '家' does not fit indicator 'social_work_trainees' counted in '人次'",
    ),
    ("xinan_cells", "period: 2024", "period: 2024Q4", "period '2024Q4' does not fit frequency 'year'"),
    ("xinan_cells", "as_of: 2024-11-14", "as_of: 2025-01-02", "as_of 2025-01-02 lies outside period 2024"),
    (
        "xinan_cells",
        "quote: 培育“心安细胞”100 余个",
        "quote: 培育“心安细胞”200 余个",
        "quote does not occur in 000_",
    ),
    (
        "xinan_cells",
        "seed: 000_cbbc4acc49a2d301.txt",
        "seed: 009_missing.txt",
        "seed file '009_missing.txt' not found",
    ),
    (
        "elderly_home_retrofits",
        "    context: 滨州创新",
        "    context: 青岛创新",
        "context does not occur in 000_",
    ),
    (
        "xinan_cells",
        "qualifier: more_than",
        "qualifier: roughly",
        "Input should be 'exact', 'more_than', 'nearly', 'about' or 'at_most'",
    ),
    ("xinan_cells", "place: ", "palce: ", "unknown key 'palce' (hint: did you mean 'place'?)"),
    ("xinan_cells", "value: 100", "value: 一百", "Input should be a valid number"),
]


@pytest.mark.parametrize(("indicator", "old", "new", "message"), BROKEN)
def test_each_broken_metric_is_reported_at_its_file_and_line(
    tmp_path, catalogue, indicator, old, new, message
):
    text, line = edit(SHIPPED, indicator, old, new)
    found = problems(tmp_path, text, catalogue)
    assert any(message in p for p in found), found
    hit = next(p for p in found if message in p)
    assert re.search(r"article_metrics\.yaml:(\d+):", hit).group(1) == str(line)


def test_every_problem_is_reported_at_once(tmp_path, catalogue):
    text = SHIPPED
    for indicator, old, new, _ in BROKEN[:7]:
        text, _ = edit(text, indicator, old, new)
    assert len(problems(tmp_path, text, catalogue)) >= 7


def test_the_same_indicator_place_and_period_twice_is_refused(tmp_path, catalogue):
    lo, hi = block_of(SHIPPED, "xinan_cells")
    found = problems(tmp_path, SHIPPED + SHIPPED[lo:hi], catalogue)
    assert any("xinan_cells for 371600 in 2024 is already given on line" in p for p in found)


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_metrics_command_lists_them_and_exits_0():
    result = run_cli("metrics", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    hebei = next(r for r in rows if r["indicator"] == "township_social_work_stations")
    assert (hebei["place"], hebei["place_zh"], hebei["value"], hebei["unit"]) == (HEBEI, "河北省", 1435, "家")
    table = run_cli("metrics")
    assert table.returncode == 0 and "OK:" in table.stdout and "河北省" in table.stdout


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_metrics_command_exits_1_with_file_line_problems(tmp_path):
    text, line = edit(SHIPPED, "registered_volunteers", f'place: "{HEBEI}"', f'place: "{BINZHOU}"')
    path = tmp_path / "m.yaml"
    path.write_text(text, "utf-8")
    result = run_cli("metrics", "--file", str(path))
    assert result.returncode == 1
    assert f"{path}:{line}: metrics[" in result.stderr
    assert "1 problem found." in result.stderr


def test_missing_metrics_file_is_named(tmp_path, catalogue):
    with pytest.raises(IndicatorsError) as err:
        load_article_metrics(tmp_path / "none.yaml", catalogue)
    assert "file not found" in str(err.value) and "none.yaml" in str(err.value)
