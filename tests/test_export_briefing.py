"""Briefing packs: what goes on which slide, and the PPTX and PDF a leader receives."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest
from export_helpers import CITY, fill_store, observations
from pptx import Presentation
from pypdf import PdfReader
from test_export_charts import assert_embeds_noto_cjk, png_size

from dashboard.export.briefing import build_briefing, build_pack
from indicators.catalogue import Catalogue
from indicators.errors import IndicatorsError
from indicators.store.store import Store

ROOT = Path(__file__).resolve().parent.parent
THEMES = ["safety", "health"]
# Held at their baseline while the rest reach their targets: these and only these fall behind.
BEHIND = ["public_safety_satisfaction", "video_surveillance_coverage", "licensed_doctors_per_10k"]


def _behind(catalogue: Catalogue) -> list[str]:
    assert all(catalogue.indicators[i].target is not None for i in BEHIND)
    return BEHIND


@pytest.fixture(scope="module")
def pack(catalogue: Catalogue):
    obs = observations(catalogue, THEMES, behind=_behind(catalogue))
    return build_pack(catalogue, obs, place_code=CITY, theme_ids=THEMES, made_on=dt.date(2025, 3, 1))


@pytest.fixture(scope="module")
def files(pack):
    return build_briefing(pack, pdf=True)


def slide_texts(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts.extend(cell.text for row in shape.table.rows for cell in row.cells)
    return "\n".join(p for p in parts if p.strip())


def pictures(slide) -> list:
    return [s for s in slide.shapes if s.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE


def test_behind_target_lists_only_lagging_indicators_worst_first(pack, catalogue: Catalogue) -> None:
    behind = {row.indicator_id for section in pack.themes for row in section.behind}
    assert behind == set(_behind(catalogue))
    for section in pack.themes:
        statuses = [row.status for row in section.behind]
        assert statuses == sorted(statuses, key=lambda s: {"滞后": 0, "有风险": 1}[s])


def test_example_targets_are_marked_in_tables_and_charts(pack) -> None:
    rows = [row for section in pack.themes for row in section.behind]
    assert rows and all(("示例" in row.target) == row.example_target for row in rows)
    assert all(section.chart.meta.example_target for section in pack.themes)
    assert any("示例目标" in note for note in pack.notes)


def test_values_after_the_chosen_period_are_left_out(catalogue: Catalogue) -> None:
    obs = observations(catalogue, ["safety"])
    early = build_pack(catalogue, obs, theme_ids=["safety"], period="2022Q4")
    late = build_pack(catalogue, obs, theme_ids=["safety"], period="2024Q4")
    assert early.period_text == "截至2022年第4季度"
    assert early.themes[0].chart.data["period"].dropna().map(lambda p: p[:4]).max() <= "2022"
    assert late.themes[0].chart.data["period"].dropna().map(lambda p: p[:4]).max() == "2024"


def test_wrong_place_theme_and_period_are_reported_together(catalogue: Catalogue) -> None:
    obs = observations(catalogue, ["safety"])
    with pytest.raises(IndicatorsError) as caught:
        build_pack(catalogue, obs, place_code="999999", theme_ids=["safety", "wealth"], period="2024-13")
    paths = [p.path for p in caught.value.problems]
    assert paths == ["place", "theme", "period"]


@pytest.mark.slow  # kaleido export of a whole pack
def test_pptx_has_title_overview_theme_detail_and_sources_slides(files, pack) -> None:
    deck = Presentation(io.BytesIO(files.pptx))
    slides = list(deck.slides)
    texts = [slide_texts(s) for s in slides]
    assert pack.title in texts[0]
    assert "心安指数" in texts[1] and all(s.name in texts[1] for s in pack.themes)
    assert len(pictures(slides[1])) == 1
    for section in pack.themes:
        theme_slides = [s for s, t in zip(slides, texts, strict=True) if t.startswith(section.name)]
        assert len(theme_slides) == 1, section.name
        slide = theme_slides[0]
        assert len(pictures(slide)) == 1
        for row in section.behind_shown()[0]:
            assert row.name in slide_texts(slide)
    details = [t for t in texts if t.startswith("重点关注")]
    assert len(details) == sum(len(s.details) for s in pack.themes) > 0
    assert texts[-1].startswith("数据来源与说明")
    assert len(slides) == 2 + len(pack.themes) + len(details) + 1


@pytest.mark.slow  # kaleido export of a whole pack
def test_slide_pictures_are_png_at_twice_the_chart_size(files, pack) -> None:
    deck = Presentation(io.BytesIO(files.pptx))
    overview = pictures(list(deck.slides)[1])[0]
    fig = pack.overview.decorated()
    assert png_size(overview.image.blob) == (2 * fig.layout.width, 2 * fig.layout.height)


@pytest.mark.slow  # kaleido export of a whole pack
def test_pdf_has_the_same_pages_and_embeds_noto_cjk(files, pack) -> None:
    reader = PdfReader(io.BytesIO(files.pdf))
    deck = Presentation(io.BytesIO(files.pptx))
    assert len(reader.pages) == len(deck.slides)
    assert pack.title in reader.pages[0].extract_text()
    assert "数据来源与说明" in reader.pages[-1].extract_text()
    assert_embeds_noto_cjk(files.pdf)


def _run(*args: str, env_db: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard.export", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'xinan.db'}"
    with Store(url, catalogue=catalogue) as store:
        fill_store(store, observations(catalogue, ["health"], behind=_behind(catalogue)))
    return url


@pytest.mark.slow  # kaleido export of a whole pack
def test_cli_writes_pptx_and_pdf(tmp_path: Path, sqlite_db: str) -> None:
    out, pdf = tmp_path / "pack.pptx", tmp_path / "pack.pdf"
    # The values were entered, not reviewed: a pack uses approved values unless asked for the working view.
    done = _run("briefing", "--out", str(out), "--theme", "health", "--db", sqlite_db)
    assert done.returncode == 1 and "--include-pending" in done.stderr and not out.exists()
    done = _run(
        "briefing",
        "--out",
        str(out),
        "--pdf",
        str(pdf),
        "--theme",
        "health",
        "--db",
        sqlite_db,
        "--include-pending",
    )
    assert done.returncode == 0, done.stderr
    assert len(Presentation(str(out)).slides) >= 4
    assert PdfReader(str(pdf)).pages


@pytest.mark.slow  # kaleido export of a whole pack
def test_cli_chart_writes_png_at_twice_the_size(tmp_path: Path, sqlite_db: str, catalogue: Catalogue) -> None:
    ind = next(i for i in catalogue.indicators if catalogue.theme_of[i] == "health")
    out = tmp_path / "chart.png"
    done = _run(
        "chart",
        ind,
        "--place",
        CITY,
        "--format",
        "png",
        "--out",
        str(out),
        "--db",
        sqlite_db,
        "--include-pending",
    )
    assert done.returncode == 0, done.stderr
    width, _ = png_size(out.read_bytes())
    assert width == 2 * 1000


@pytest.mark.slow  # kaleido export of a whole pack
def test_cli_reports_unknown_place_and_indicator_and_writes_nothing(tmp_path: Path, sqlite_db: str) -> None:
    out = tmp_path / "chart.svg"
    done = _run(
        "chart",
        "no_such",
        "--place",
        "999999",
        "--format",
        "svg",
        "--out",
        str(out),
        "--db",
        sqlite_db,
        "--include-pending",
    )
    assert done.returncode == 1
    assert "unknown indicator 'no_such'" in done.stderr and "unknown place code '999999'" in done.stderr
    assert not out.exists()


@pytest.mark.slow  # kaleido export of a whole pack
def test_the_pack_names_the_standard_its_parts_and_target_documents(pack, files, catalogue) -> None:
    assert "依据 DB3716/T 68—2024" in pack.subtitle
    text = "\n".join(pack.sources)
    assert "DB3716/T 68—2024" in text and "滨州市市场监督管理局" in text and "2024-04-20 实施" in text
    assert "平安 DB3716/T 68.2—2024" in text and "健康 DB3716/T 68.5—2024" in text
    # health's 经常参加体育锻炼人数比例 carries a national target: its document is named, and counted in the notes.
    assert "《国务院关于实施健康中国行动的意见》（2019）" in text
    assert any("国家目标 1 项" in n for n in pack.notes)
    deck = Presentation(io.BytesIO(files.pptx))
    texts = [slide_texts(s) for s in deck.slides]
    assert "DB3716/T 68—2024" in texts[0]
    assert any("部分标准：" in t and "DB3716/T 68.5—2024" in t for t in texts)
