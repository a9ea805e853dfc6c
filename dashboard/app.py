"""Streamlit entry point: the catalogue as a tree (theme → first level → second level)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run dashboard/app.py` puts dashboard/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indicators import IndicatorsError, load_catalogue
from indicators.article_metrics import load_article_metrics
from indicators.tables import catalogue_frame

DIRECTION_ZH = {"increase": "越高越好 ↑", "decrease": "越低越好 ↓", "range": "区间内为好 ↔"}
FREQUENCY_ZH = {"year": "年", "quarter": "季度", "month": "月"}
ORIGIN_ZH = {"article": "文章", "proposed": "建议", "inferred": "推断"}


def _target_text(row: dict) -> str:
    if row["target_value"] is None or row["target_value"] != row["target_value"]:
        return "—"
    text = f"{row['target_value']:g} {row['unit']}（{row['target_period']}）"
    return text + (" 示例目标" if row["target_kind"] == "example" else "")


def main() -> None:
    """Render the catalogue page."""
    st.set_page_config(page_title="心安城市指标体系", page_icon="🏙️", layout="wide")
    try:
        catalogue = load_catalogue()
        metrics = load_article_metrics(catalogue=catalogue)
    except IndicatorsError as exc:
        st.error("指标目录或文章数据有误，请修改以下YAML位置 / The catalogue has problems:")
        st.code(str(exc), language="text")
        st.stop()
    fw = catalogue.framework
    st.title(fw.name_zh)
    st.caption(f"{fw.name_en} · {fw.issuing_body_zh} · v{fw.version}")
    summary = catalogue.summary()
    cols = st.columns(4)
    cols[0].metric("主题 Themes", summary["themes"])
    cols[1].metric("一级指标 First level", summary["first_level"])
    cols[2].metric("二级指标 Second level", summary["second_level"])
    cols[3].metric("来自文章 From articles", summary["from_articles"])
    if fw.structure_zh:
        st.info(fw.structure_zh)
    frame = catalogue_frame(catalogue)
    figures: dict[str, list[str]] = {}
    for m in metrics:
        place = catalogue.place_by_code[m.place].name_zh
        figures.setdefault(m.indicator, []).append(f"{m.value:,.10g} {m.unit}（{place} {m.period}）")
    for theme in catalogue.themes:
        rows = frame[frame["theme_id"] == theme.id]
        with st.expander(f"{theme.name_zh} {theme.name_en} · {len(rows)} 项二级指标", expanded=False):
            for first in theme.first_level:
                mark = "（推断）" if first.origin.kind == "inferred" else ""
                st.markdown(f"**{first.name_zh}{mark}** · {first.name_en}")
                sub = rows[rows["first_level_id"] == first.id]
                table = [
                    {
                        "指标": r["name_zh"],
                        "ID": r["indicator_id"],
                        "单位": r["unit"],
                        "方向": DIRECTION_ZH[r["direction"]],
                        "频率": FREQUENCY_ZH[r["frequency"]],
                        "目标": _target_text(r),
                        "来源": ORIGIN_ZH[r["origin"]],
                        "文章数据": "；".join(figures.get(r["indicator_id"], [])) or "—",
                        "责任部门": r["department"],
                    }
                    for r in sub.to_dict("records")
                ]
                st.dataframe(table, hide_index=True, width="stretch")


main()
