"""The shipped catalogue and what the loader says about broken YAML."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from catalogue_helpers import BROKEN, MIN_CATALOGUE, catalogue_with_theme, problems_as_text

from indicators.catalogue import Catalogue, load_catalogue
from indicators.errors import IndicatorsError
from indicators.paths import DEFINITIONS_DIR, PROJECT_DIR
from indicators.schema import SCHEMAS, schema_text

THEME_IDS = ["safety", "employment", "habitat", "health", "peace"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indicators", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_validate_json_reports_five_themes_18_first_level_and_at_least_60_second_level():
    result = run_cli("validate", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["themes"] == 5
    assert summary["first_level"] == 18
    assert summary["second_level"] >= 60
    assert summary["from_articles"] >= 10
    assert 0 < summary["with_target"] <= summary["second_level"]


def test_themes_come_in_the_framework_order(catalogue: Catalogue):
    assert [t.id for t in catalogue.themes] == THEME_IDS
    assert [t.name_zh for t in catalogue.themes] == ["平安", "就业", "人居", "健康", "安心"]


def test_first_level_indicators_are_the_ones_article_003_names(catalogue: Catalogue):
    names = {t.id: [f.name_zh for f in t.first_level] for t in catalogue.themes}
    assert names["safety"] == ["安全防范", "治安治理", "监督管理", "社会诚信", "城市应急"]
    assert names["employment"] == ["经营主体", "营商环境", "就业支持建设"]
    assert names["habitat"] == ["生态环境", "生活环境", "人文环境", "社会保障"]
    assert names["health"] == ["医疗卫生", "医保服务体系", "全民健身"]


def test_peace_follows_part_6s_contents_and_marks_what_is_inferred(catalogue: Catalogue):
    peace = catalogue.theme("peace")
    assert len(peace.first_level) == 3
    kinds = {f.name_zh: f.origin.kind for f in peace.first_level}
    assert kinds == {
        "社会心理服务体系建设": "standard",
        "社会心理服务内容": "standard",
        "矛盾纠纷化解": "inferred",
    }
    for first in peace.first_level:
        if first.origin.kind == "standard":
            assert first.origin.part == "DB3716/T 68.6—2024" and first.origin.clause
    networks = {
        i.origin.quote for f in peace.first_level for i in f.indicators if i.origin.kind == "standard"
    }
    assert {
        "基层社会心理服务平台",
        "学生社会心理服务网络",
        "职工社会心理服务网络",
        "医疗机构社会心理服务网络",
    } <= networks


def test_every_first_level_has_at_least_three_second_level(catalogue: Catalogue):
    thin = {f.id: len(f.indicators) for f in catalogue.first_levels.values() if len(f.indicators) < 3}
    assert thin == {}


def test_every_target_is_an_example_or_names_the_document_that_sets_it(catalogue: Catalogue):
    for ind in catalogue.indicators.values():
        if ind.target is None:
            continue
        if ind.target.kind == "example":
            assert ind.target.source is None, ind.id
            continue
        src = ind.target.source
        assert src is not None, ind.id
        # Document, clause and year are what a reader checks; the figure is the target as worded there.
        assert src.document.startswith("《") and src.clause.strip() and 1949 < src.year <= 2030, ind.id
        assert src.figure.strip() and src.url, ind.id


def test_national_targets_are_the_pilot_plan_and_healthy_china_figures(catalogue: Catalogue):
    national = {
        i.id: i.target for i in catalogue.indicators.values() if i.target and i.target.kind == "national"
    }
    assert national["community_psych_room_coverage"].value == 80.0
    assert national["psychiatric_hospital_psych_clinic_share"].value == 100.0
    assert national["general_hospital_psych_clinic_share"].value == 40.0
    assert (national["mental_health_literacy"].value, national["mental_health_literacy"].period) == (
        30.0,
        "2030",
    )
    assert "试点" in national["community_psych_room_coverage"].source.document


# The seed's slip, as a fact: "15 part standards" (15个部分标准, 15 part standards, fifteen parts).
_FIFTEEN = re.compile(r"15\s*个?\s*部分标准|15\s+part[- ]standards|fifteen\s+part", re.IGNORECASE)


def _text_files() -> list[Path]:
    files = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]
    files += sorted(DEFINITIONS_DIR.glob("*.yaml"))
    files += sorted((PROJECT_DIR / "tests" / "fixtures").glob("catalogue_*/*.yaml"))
    files += sorted((PROJECT_DIR / "dashboard" / "locales").glob("*.yaml"))
    return files


def test_the_seeds_fifteen_part_standards_appears_nowhere_as_a_fact(catalogue: Catalogue):
    claims = []
    for path in _text_files():
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # Quoting the seed to say it is a slip is allowed; stating it is not.
            if _FIFTEEN.search(line) and "slip" not in line:
                claims.append(f"{path.relative_to(PROJECT_DIR)}:{no}: {line.strip()}")
    assert claims == []
    std = catalogue.framework.standard
    assert std is not None and _FIFTEEN.search(std.seed_note or "") and "slip" in std.seed_note
    assert "15" not in (catalogue.framework.structure_zh or "").replace("158", "")


def test_the_standard_has_six_parts_and_each_theme_names_its_part(catalogue: Catalogue):
    std = catalogue.framework.standard
    assert std is not None
    assert (std.code, std.issuer_zh) == ("DB3716/T 68—2024", "滨州市市场监督管理局")
    assert (std.published.isoformat(), std.in_force.isoformat()) == ("2024-03-20", "2024-04-20")
    assert [p.number for p in std.parts] == [1, 2, 3, 4, 5, 6]
    assert [p.code for p in std.parts] == [f"DB3716/T 68.{n}—2024" for n in range(1, 7)]
    by_theme = {p.theme: p for p in std.parts if p.theme}
    assert {t.id: t.standard_part for t in catalogue.themes} == {k: v.code for k, v in by_theme.items()}
    assert by_theme["peace"].confirmed and by_theme["peace"].title_zh == "第6部分：安心"


def test_a_theme_naming_an_unknown_part_is_a_located_error(tmp_path: Path):
    target = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS_DIR, target)
    peace = target / "peace.yaml"
    text = peace.read_text(encoding="utf-8")
    peace.write_text(text.replace("standard_part: DB3716/T 68.6—2024", "standard_part: DB3716/T 68.7—2024"))
    line = next(i for i, ln in enumerate(peace.read_text().splitlines(), 1) if ln.startswith("standard_part"))
    problems = problems_as_text(target)
    assert problems == [
        f"peace.yaml:{line}: standard_part: standard_part 'DB3716/T 68.7—2024' is not one of framework.yaml's "
        "standard parts (hint: known parts: " + ", ".join(f"DB3716/T 68.{n}—2024" for n in range(1, 7)) + ")"
    ]


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_a_national_target_without_its_source_is_refused_at_its_line(tmp_path: Path):
    target = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS_DIR, target)
    health = target / "health.yaml"
    lines = health.read_text(encoding="utf-8").splitlines()
    at = next(i for i, ln in enumerate(lines) if "target: {value: 36.0, period: 2027, kind: example}" in ln)
    lines[at] = lines[at].replace("kind: example", "kind: provincial")
    health.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("validate", "--definitions", str(target))
    assert result.returncode == 1
    assert (
        f"health.yaml:{at + 1}: first_level[0].indicators[0].target.kind: target kind 'provincial' needs its source"
        in result.stderr
    )


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_every_indicator_has_aliases_and_validate_counts_them():
    summary = json.loads(run_cli("validate", "--json").stdout)
    assert summary["with_aliases"] == summary["second_level"]
    kinds = summary["targets_by_kind"]
    assert set(kinds) == {"example", "official", "national", "provincial", "municipal"}
    assert sum(kinds.values()) == summary["with_target"]
    assert kinds["national"] >= 4


@pytest.mark.parametrize(
    ("indicator_id", "unit"),
    [
        ("elderly_home_retrofits", "户"),
        ("home_care_service_visits", "人次"),
        ("xinan_cells", "个"),
        ("social_work_trainees", "人次"),
        ("severe_mental_disorder_incidents", "起"),
        ("township_social_work_stations", "家"),
        ("township_social_work_station_coverage", "%"),
        ("registered_volunteers", "人"),
        ("volunteer_service_hours", "小时"),
    ],
)
def test_article_figures_are_indicators_with_their_quote(catalogue: Catalogue, indicator_id: str, unit: str):
    indicator = catalogue.indicators[indicator_id]
    assert indicator.unit == unit
    assert indicator.origin.kind == "article"


def test_places_are_binzhou_its_seven_counties_and_four_comparison_places(catalogue: Catalogue):
    counties = {p.code for p in catalogue.counties("371600")}
    assert counties == {"371602", "371603", "371621", "371622", "371623", "371625", "371681"}
    comparison = {p.code for p in catalogue.places if p.comparison}
    assert comparison == {"370000", "130000", "310000", "620000"}
    assert not catalogue.place_by_code["371600"].comparison


def test_theme_weights_are_normalised_to_one(catalogue: Catalogue):
    weights = catalogue.theme_weights()
    assert list(weights) == THEME_IDS
    assert sum(weights.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("case", sorted(p.stem for p in BROKEN.glob("*.yaml")))
def test_broken_yaml_gives_the_golden_errors(tmp_path: Path, case: str):
    expected = (BROKEN / f"{case}.expected").read_text(encoding="utf-8").splitlines()
    assert problems_as_text(catalogue_with_theme(tmp_path, BROKEN / f"{case}.yaml")) == expected


def test_unsafe_yaml_tag_is_refused_and_never_executed(tmp_path: Path):
    marker = tmp_path / "pwned"
    theme = tmp_path / "theme.yaml"
    text = (MIN_CATALOGUE / "safety.yaml").read_text(encoding="utf-8")
    theme.write_text(
        text.replace("name_en: Safety", f'name_en: !!python/object/apply:os.system ["touch {marker}"]')
    )
    with pytest.raises(IndicatorsError) as info:
        load_catalogue(catalogue_with_theme(tmp_path, theme))
    assert "tag" in str(info.value)
    assert not marker.exists()


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_three_mistakes_in_a_copy_of_the_shipped_definitions_give_three_located_lines(tmp_path: Path):
    copy = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS_DIR, copy)
    health = copy / "health.yaml"
    safety = copy / "safety.yaml"

    lines = safety.read_text(encoding="utf-8").splitlines()
    unit_at = next(i for i, line in enumerate(lines) if line.strip().startswith("unit:"))
    lines.insert(unit_at + 1, lines[unit_at].replace("unit:", "colour:"))
    target_at = next(i for i, line in enumerate(lines) if "target: {value:" in line)
    lines[target_at] = lines[target_at].split("{value:")[0] + "{value: lots, period: 2027, kind: example}"
    safety.write_text("\n".join(lines) + "\n", encoding="utf-8")

    hlines = health.read_text(encoding="utf-8").splitlines()
    ids = [i for i, line in enumerate(hlines) if line.strip().startswith("- id:")]
    first_id = hlines[ids[-2]].split("- id:")[1].strip()
    hlines[ids[-1]] = hlines[ids[-1]].split("- id:")[0] + f"- id: {first_id}"
    health.write_text("\n".join(hlines) + "\n", encoding="utf-8")

    result = run_cli("validate", "--definitions", str(copy))
    assert result.returncode == 1
    problem_lines = [line for line in result.stderr.splitlines() if "problem" not in line]
    assert len(problem_lines) == 3, result.stderr
    by_file = sorted(problem_lines)
    assert f"{health}:{ids[-1] + 1}:" in by_file[0] and "already used" in by_file[0]
    assert f"{safety}:{unit_at + 2}:" in by_file[1] and "unknown key 'colour'" in by_file[1]
    assert f"{safety}:{target_at + 1}:" in by_file[2] and "valid number" in by_file[2]


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_validate_exits_1_and_lists_problems_for_a_broken_folder(tmp_path: Path):
    result = run_cli("validate", "--definitions", str(tmp_path / "missing"))
    assert result.returncode == 1
    assert "framework.yaml" in result.stderr and "not found" in result.stderr


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_files_match_the_models(name: str):
    committed = (DEFINITIONS_DIR / "schema" / name).read_text(encoding="utf-8")
    assert committed == schema_text(SCHEMAS[name]), (
        "run: python -m indicators schema --write indicators/definitions/schema"
    )


def test_every_yaml_file_points_editors_to_its_schema():
    for path in DEFINITIONS_DIR.glob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=schema/"), path.name
        schema = first.split("$schema=")[1]
        assert (DEFINITIONS_DIR / schema).exists(), path.name


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_schema_command_prints_json_schema_of_a_theme():
    result = run_cli("schema", "theme")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert "first_level" in schema["properties"]
    assert schema["additionalProperties"] is False


def test_shipped_yaml_uses_only_safe_constructs():
    paths = sorted(DEFINITIONS_DIR.glob("*.yaml"))
    # framework, places and the five themes: an empty glob must not pass silently.
    assert {"framework.yaml", "places.yaml", "safety.yaml", "peace.yaml"} <= {p.name for p in paths}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert "!!python" not in text, path.name
        # The safe loader refuses any tag that builds a Python object; each file is a plain mapping.
        assert isinstance(yaml.safe_load(text), dict), path.name
