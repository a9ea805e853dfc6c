"""The extractor finds every figure in an article, and only figures, with clause, offset and source."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from indicators.articles.extract import Finding, extract, extract_files
from indicators.errors import IndicatorsError
from indicators.paths import PROJECT_DIR, SEEDS_DIR

EXPECTED = yaml.safe_load((Path(__file__).parent / "fixtures" / "seed_quantities.yaml").read_text("utf-8"))
SEEDS = {path.name[:3]: path for path in sorted(SEEDS_DIR.glob("*.txt"))}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indicators", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def spans_of(fragment: str, text: str) -> list[tuple[int, int]]:
    """Where a whitespace-free fragment occurs in text that may have spaces and line-wraps inside it."""
    pattern = r"\s*".join(re.escape(c) for c in fragment)
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def squash(text: str) -> str:
    return "".join(text.split())


def score_seed(seed: str) -> tuple[list[Finding], list[Finding], list[dict]]:
    """Match a seed's findings with its hand-checked expectations: (matched, unexpected, missed)."""
    text = SEEDS[seed].read_text("utf-8")
    findings = extract(text, str(SEEDS[seed]))
    left: list[dict] = []
    for exp in EXPECTED["quantities"].get(seed, []):
        left.extend([exp] * exp.get("count", 1))
    matched, unexpected = [], []
    for f in findings:
        hit = next(
            (
                e
                for e in left
                if squash(f.text) == e["text"]
                and math.isclose(f.value, e["value"])
                and (f.unit, f.qualifier) == (e["unit"], e["qualifier"])
                and any(lo <= f.offset < hi for lo, hi in spans_of(e["near"], text))
            ),
            None,
        )
        if hit is None:
            unexpected.append(f)
        else:
            left.remove(hit)
            matched.append(f)
    return matched, unexpected, left


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_every_expected_fragment_is_in_its_seed(seed):
    # Guards the expectations file itself: a typo there would make the precision test meaningless.
    text = SEEDS[seed].read_text("utf-8")
    for exp in EXPECTED["quantities"].get(seed, []):
        assert len(spans_of(exp["near"], text)) >= 1, exp
    for fragment in EXPECTED["not_quantities"].get(seed, []):
        assert spans_of(fragment, text), fragment


def test_at_least_95_percent_of_what_is_extracted_from_the_seeds_is_a_real_quantity():
    matched = unexpected = 0
    for seed in SEEDS:
        m, u, _ = score_seed(seed)
        matched += len(m)
        unexpected += len(u)
    assert matched + unexpected > 50
    assert matched / (matched + unexpected) >= 0.95


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_every_arabic_digit_quantity_in_a_seed_is_found_with_value_unit_and_qualifier(seed):
    _, _, missed = score_seed(seed)
    assert [e for e in missed if re.search(r"\d", e["text"])] == []


def test_every_quantity_in_the_seeds_is_found_including_chinese_numerals():
    missed = [e for seed in SEEDS for e in score_seed(seed)[2]]
    assert missed == []


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_dates_ordinals_names_and_idioms_in_the_seeds_are_not_quantities(seed):
    text = SEEDS[seed].read_text("utf-8")
    spans = [s for fragment in EXPECTED["not_quantities"].get(seed, []) for s in spans_of(fragment, text)]
    wrong = [f.text for f in extract(text) if any(lo <= f.offset < hi for lo, hi in spans)]
    assert wrong == []


def test_chinese_numeral_forms_in_the_seeds_are_found():
    found = {squash(f.text) for f in extract_files(SEEDS.values())}
    assert {"四名", "零发生", "超九成", "近千件", "两天", "三個"} <= found


def test_each_finding_points_at_its_expression_and_quotes_its_clause():
    text = SEEDS["000"].read_text("utf-8")
    for f in extract(text, "000.txt"):
        assert text[f.offset : f.offset + len(f.text)] == f.text
        assert squash(f.text) in squash(f.quote)
        assert squash(f.quote) in squash(text)
        assert f.source == "000.txt"
        assert not re.search(r"[。；，]", f.quote)


# --- new wordings, not from the seeds -------------------------------------------------------------------

NEW_TEXTS = [
    (
        "截至今年6月底，全县累计建成心理咨询室二十三处，培训志愿者一千二百余名，服务群众十二万人次。",
        [(23, "处", "exact"), (1200, "名", "more_than"), (120000, "人次", "exact")],
    ),
    (
        "将近两万户家庭完成改造，占比约百分之四十五点五。",
        [(20000, "户", "nearly"), (45.5, "%", "about")],
    ),
    (
        "全市共有城乡社区 512 个，其中超过八成已建成心理服务站，比上年提高 3.5 个百分点。",
        [(512, "个", "exact"), (80, "%", "more_than"), (3.5, "百分点", "exact")],
    ),
    (
        "2023年，市财政投入专项资金 3,200 万元，惠及 4.6 万\n户。",
        [(32000000, "元", "exact"), (46000, "户", "exact")],
    ),
    (
        "会议于 2024 年 3 月 5 日 15 时 30 分开始，持续约 2 小时，逾 300 人参加。",
        [(2, "小时", "about"), (300, "人", "more_than")],
    ),
    (
        "第三季度新增就业岗位 1.2 万个，第十五次会议审议通过 27 项议案。",
        [(12000, "个", "exact"), (27, "项", "exact")],
    ),
    (
        "“十四五”期间建成 5G 基站 300 座，12345 热线接听来电 8.6 万件次。",
        [(300, "座", "exact"), (86000, "件次", "exact")],
    ),
    ("该区全年未发生一起安全生产事故，实现重大事故零发生。", [(0, "起", "exact"), (0, "", "exact")]),
    (
        "参赛队伍不到 10 支，每队 5 人以内，赛事历时 1 年多。",
        [(10, "支", "at_most"), (5, "人/队", "at_most"), (1, "年", "more_than")],
    ),
    ("千家万户都十分关心，一名志愿者说，数十人自发前来。", []),
    ("见本报 09 版。2024年11月14日—11月15日，第27届年会在京召开。", []),
]


@pytest.mark.parametrize(("text", "expected"), NEW_TEXTS)
def test_new_wordings_give_exactly_their_quantities(text, expected):
    got = [(f.value, f.unit, f.qualifier) for f in extract(text)]
    assert len(got) == len(expected), got
    for (value, unit, qualifier), (v, u, q) in zip(got, expected, strict=True):
        assert math.isclose(value, v) and (unit, qualifier) == (u, q)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("全市每万人拥有社会工作者 12 名", 12, "名/万人"),
        ("每十万人刑事案件立案数 3.2 起", 3.2, "起/10万人"),
        ("每千人口拥有床位 6.5 张", 6.5, "张/千人"),
        ("每 10 万人口拥有心理咨询师 18.5 人", 18.5, "人/10万人"),
    ],
)
def test_rate_denominator_is_part_of_the_unit_not_a_quantity(text, value, unit):
    found = extract(text)
    assert [(f.value, f.unit) for f in found] == [(value, unit)]


def test_traditional_text_with_romanisation_reads_like_simplified():
    text = "全縣(xiàn)建成心理諮詢室二十三處(chù)，完成適老化改造1.5萬(wàn)戶(hù)，服務(wù)群眾十二萬人次"
    found = extract(text)
    assert [(f.value, f.unit) for f in found] == [(23, "处"), (15000, "户"), (120000, "人次")]
    assert found[1].text.startswith("1.5萬")


# --- command line ----------------------------------------------------------------------------------------


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_extract_json_is_one_array_over_all_files_with_the_paths_given():
    files = [f"seeds/{SEEDS['000'].name}", f"seeds/{SEEDS['004'].name}"]
    result = run_cli("extract", *files, "--json")
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    assert Counter(i["source"] for i in items).keys() == set(files)
    hebei = next(i for i in items if i["quote"].endswith("1435 家"))
    assert hebei | {"quote": None} == {
        "value": 1435,
        "unit": "家",
        "qualifier": "exact",
        "quote": None,
        "source": files[1],
        "offset": hebei["offset"],
        "text": "1435 家",
    }
    text = (PROJECT_DIR / files[1]).read_text("utf-8")
    assert text[hebei["offset"] :].startswith("1435")
    assert {i["qualifier"] for i in items} <= {"exact", "more_than", "nearly", "about", "at_most"}
    retrofit = next(i for i in items if i["text"] == "1.5 万户")
    assert (retrofit["value"], retrofit["unit"]) == (15000, "户")


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_extract_without_json_prints_a_table_with_one_row_per_quantity():
    result = run_cli("extract", f"seeds/{SEEDS['004'].name}")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["source", "offset", "value", "unit", "qualifier", "quote"]
    assert any("1,435" in line and "家" in line and "河北省" in line for line in lines)
    assert lines[-1].startswith(f"{len(lines) - 2} quantities")


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_extract_on_a_missing_or_unreadable_file_names_it_and_prints_nothing_else(tmp_path):
    bad = tmp_path / "gbk.txt"
    bad.write_bytes("滨州".encode("gbk"))
    result = run_cli("extract", f"seeds/{SEEDS['000'].name}", "no_such_article.txt", str(bad))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no_such_article.txt: file not found" in result.stderr
    assert f"{bad}: not UTF-8 text" in result.stderr


def test_extract_files_raises_one_error_with_every_unreadable_file(tmp_path):
    with pytest.raises(IndicatorsError) as err:
        extract_files([tmp_path / "a.txt", tmp_path])
    assert [p.file for p in err.value.problems] == [str(tmp_path / "a.txt"), str(tmp_path)]
