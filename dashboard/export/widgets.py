"""Streamlit download buttons under a chart: PNG, SVG, PDF of the decorated chart; CSV, XLSX of its data."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.export.charts import MIME, ChartMeta, Format, export_chart
from dashboard.export.data import CSV_MIME, XLSX_MIME, to_csv, to_xlsx
from dashboard.export.system import missing_packages
from dashboard.i18n import t
from indicators.errors import IndicatorsError


def _image(fig: go.Figure, meta: ChartMeta, fmt: Format) -> Callable[[], bytes]:
    # Images are made when the button is clicked (Streamlit runs the callable then), not on every rerun.
    def make() -> bytes:
        try:
            return export_chart(fig, meta, fmt)
        except IndicatorsError as exc:
            raise RuntimeError(str(exc)) from exc

    return make


def chart_downloads(
    fig: go.Figure,
    meta: ChartMeta,
    frame: pd.DataFrame | None,
    key: str,
    shown: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> None:
    """Render the PNG/SVG/PDF/CSV/XLSX download buttons of one chart, behind one 下载 button under it.

    `shown` turns the frame into what people read (headers, names); applied only when a file is made."""
    stem = meta.file_stem()
    # One compact button per chart: five buttons in a row are cut to single letters in narrow columns.
    box = st.popover(t("export.download"), icon=":material/download:")
    cols = [box] * 5
    missing = missing_packages()
    help_missing = t("export.missing_packages", packages=" ".join(missing)) if missing else None
    for col, fmt in zip(cols[:3], ("png", "svg", "pdf"), strict=True):
        col.download_button(
            fmt.upper(),
            data=_image(fig, meta, fmt),
            file_name=f"{stem}.{fmt}",
            mime=MIME[fmt],
            key=f"{key}-dl-{fmt}",
            on_click="ignore",
            disabled=bool(missing),
            help=help_missing or t("export.image_help", fmt=fmt.upper()),
            icon=":material/image:",
            width="stretch",
        )
    has_data = frame is not None and not frame.empty
    raw = frame if frame is not None else pd.DataFrame()

    def data() -> pd.DataFrame:
        return shown(raw) if shown is not None and has_data else raw

    cols[3].download_button(
        "CSV",
        data=lambda: to_csv(data()),
        file_name=f"{stem}.csv",
        mime=CSV_MIME,
        key=f"{key}-dl-csv",
        on_click="ignore",
        disabled=not has_data,
        icon=":material/table:",
        width="stretch",
    )
    cols[4].download_button(
        "XLSX",
        data=lambda: to_xlsx(data(), meta),
        file_name=f"{stem}.xlsx",
        mime=XLSX_MIME,
        key=f"{key}-dl-xlsx",
        on_click="ignore",
        disabled=not has_data,
        icon=":material/table:",
        width="stretch",
    )
