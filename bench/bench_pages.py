"""Time a rerun of every dashboard page on a large generated database against two floors, and print a
markdown table.

- The issue's floor: a bare Streamlit page drawing the same number of plotly charts (and nothing else).
- A "same elements" floor: a bare script making the same Streamlit calls the page made in that run (its
  navigation, sidebar widgets, texts, metrics, the same charts and the same tables, built beforehand), with
  no app logic at all: what Streamlit itself needs to draw that page.

    python -m indicators generate --db sqlite:///data/generated.db --observations 500000
    python bench/bench_pages.py --db sqlite:///data/generated.db [--runs 5]

It runs from the project folder, so Streamlit reads .streamlit/config.toml as `streamlit run` does there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.chdir(ROOT)

from app_pages import open_page  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402
from streamlit.testing.v1.element_tree import Column, SpecialBlock  # noqa: E402

APP = str(ROOT / "dashboard" / "app.py")
PAGES = (
    "overview",
    "theme",
    "indicator",
    "places",
    "entry",
    "bulk_import",
    "sources",
    "history",
    "briefing",
    "reporting",
)
NAV_PAGES = 11  # what app.py hands st.navigation: ten pages and the hidden root
GOAL = 1.5
REGISTRY = "_bench_floor_data"  # the same-elements floor reads its prepared figures and tables here

FLOOR_SCRIPT = """
import plotly.graph_objects as go
import streamlit as st

st.set_page_config(layout="wide")
st.title("floor")
for i in range({charts}):
    fig = go.Figure(go.Scatter(x=list(range(26)), y=[j * 1.5 for j in range(26)], mode="lines+markers"))
    fig.update_layout(title=f"chart {{i}}", height=360)
    st.plotly_chart(fig, key=f"c{{i}}")
"""


def _median_rerun(at: AppTest, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
        assert not at.exception, [e.message for e in at.exception]
    return statistics.median(times)


def floor(charts: int, runs: int) -> float:
    """Return the median rerun time of a bare page drawing `charts` plotly charts."""
    at = AppTest.from_string(FLOOR_SCRIPT.format(charts=charts), default_timeout=600).run()
    return _median_rerun(at, runs)


class _Script:
    """Python source of a bare script redrawing an element tree; prepared values go to `values`."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.values: list[Any] = []
        self.n = 0

    def value(self, obj: Any) -> str:
        self.values.append(obj)
        return f"D[{len(self.values) - 1}]"

    def key(self) -> str:
        self.n += 1
        return f"'k{self.n}'"

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def node(self, node: Any, depth: int, in_form: bool = False) -> None:
        kind = node.type
        if isinstance(node, SpecialBlock) or kind in ("main",):
            return self.children(node, depth, in_form)
        if hasattr(node, "children") and not isinstance(node, Column):
            children = list(node.children.values())
            if kind == "flex_container" and children and all(isinstance(c, Column) for c in children):
                self.emit(depth, f"cols = st.columns({len(children)})")
                names = [f"c{self.n}_{i}" for i in range(len(children))]
                self.n += 1
                self.emit(depth, f"{', '.join(names)}, = cols")
                for name, child in zip(names, children, strict=True):
                    self.emit(depth, f"with {name}:")
                    self.emit(depth + 1, "pass")
                    self.children(child, depth + 1, in_form)
                return None
            if kind == "form":
                self.emit(depth, f"with st.form({self.key()}):")
                self.emit(depth + 1, "pass")
                return self.children(node, depth + 1, True)
            if kind == "popover":
                self.emit(depth, f"with st.popover({self.value(node.proto.popover.label)}):")
            elif kind == "expandable":
                label = self.value(node.proto.expandable.label)
                self.emit(depth, f"with st.expander({label}, expanded={node.proto.expandable.expanded}):")
            else:
                self.emit(depth, "with st.container():")
            self.emit(depth + 1, "pass")
            return self.children(node, depth + 1, in_form)
        self.element(node, kind, depth, in_form)
        return None

    def children(self, node: Any, depth: int, in_form: bool) -> None:
        for child in node.children.values():
            self.node(child, depth, in_form)

    def element(self, node: Any, kind: str, depth: int, in_form: bool) -> None:
        import plotly.graph_objects as go

        p = node.proto
        if kind in ("markdown", "caption", "title", "subheader", "header", "text"):
            html = ", unsafe_allow_html=True" if kind == "markdown" else ""
            self.emit(depth, f"st.{kind}({self.value(node.value)}{html})")
        elif kind in ("warning", "info", "error", "success"):
            self.emit(depth, f"st.{kind}({self.value(node.value)})")
        elif kind == "metric":
            self.emit(depth, f"st.metric({self.value(node.label)}, {self.value(node.value)})")
        elif kind == "dataframe":
            self.emit(depth, f"st.dataframe({self.value(node.value)}, hide_index=True)")
        elif kind == "plotly_chart":
            figure = self.value(go.Figure(json.loads(p.spec)))
            self.emit(depth, f"st.plotly_chart({figure}, key={self.key()})")
        elif kind in ("radio", "selectbox", "multiselect"):
            options = self.value(list(p.options))
            extra = "" if kind == "multiselect" else ", index=0"
            self.emit(depth, f"st.{kind}({self.value(p.label)}, {options}{extra}, key={self.key()})")
        elif kind == "button_group":
            options = self.value([o.content for o in p.options])
            multi = "multi" if p.click_mode == p.ClickMode.MULTI_SELECT else "single"
            call = "segmented_control" if p.style == p.Style.SEGMENTED_CONTROL else "pills"
            label = self.value(p.label)
            self.emit(depth, f"st.{call}({label}, {options}, selection_mode='{multi}', key={self.key()})")
        elif kind in ("toggle", "checkbox"):
            self.emit(depth, f"st.{kind}({self.value(p.label)}, key={self.key()})")
        elif kind == "text_input":
            self.emit(depth, f"st.text_input({self.value(p.label)}, key={self.key()})")
        elif kind == "date_input":
            self.emit(depth, f"st.date_input({self.value(p.label)}, value=None, key={self.key()})")
        elif kind == "button":
            call = "form_submit_button" if in_form else "button"
            self.emit(depth, f"st.{call}({self.value(p.label)}, key={self.key()})")
        elif kind == "download_button":
            label = self.value(p.label)
            self.emit(depth, f"st.download_button({label}, data=b'', key={self.key()}, on_click='ignore')")
        elif kind == "page_link":
            url = self.value(f"https://example.org/{self.n}")
            self.emit(depth, f"st.page_link({url}, label={self.value(p.label)})")
            self.n += 1
        else:
            raise ValueError(f"the same-elements floor does not know element type {kind!r}")


def same_elements_script(at: AppTest) -> tuple[str, list[Any]]:
    """Return a bare script drawing what the page drew in its last run, and the values it reads."""
    script = _Script()
    script.emit(0, "def page():")
    script.emit(1, "pass")
    script.node(at.main, 1)
    script.emit(0, "with st.sidebar:")
    script.emit(1, "pass")
    script.node(at.sidebar, 1)
    nav = ", ".join(
        f"st.Page(page, title='p{i}', url_path='p{i}', default={i == 0})" for i in range(NAV_PAGES)
    )
    script.emit(0, f"st.navigation([{nav}]).run()")
    head = f"import sys\nimport streamlit as st\nD = sys.modules[{REGISTRY!r}].values\n"
    head += "st.set_page_config(layout='wide')\n"
    return head + "\n".join(script.lines) + "\n", script.values


def same_elements_floor(at: AppTest, runs: int) -> float:
    """Return the median rerun time of a bare script making the same Streamlit calls as the page's run."""
    source, values = same_elements_script(at)
    sys.modules[REGISTRY] = types.SimpleNamespace(values=values)
    floor_at = AppTest.from_string(source, default_timeout=600).run()
    assert not floor_at.exception, [e.message for e in floor_at.exception]
    return _median_rerun(floor_at, runs)


def main() -> int:
    """Run the benchmark and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL with the generated data")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ["XINAN_DB_URL"] = args.db

    from indicators.store.store import Store

    with Store(args.db) as store:
        size = len(store.changes_frame())
    print(f"database {args.db}: {size} observations (every revision)")

    started = time.perf_counter()
    at = AppTest.from_file(APP, default_timeout=600).run()
    print(f"first run (load, score, cache): {time.perf_counter() - started:.2f} s")
    rows = []
    for page in PAGES:
        started = time.perf_counter()
        open_page(at, page).run()
        first = time.perf_counter() - started
        assert not at.exception, [e.message for e in at.exception]
        charts = len(at.get("plotly_chart"))
        rerun = _median_rerun(at, args.runs)
        base = floor(charts, args.runs)
        same = same_elements_floor(at, args.runs)
        rows.append((page, charts, first, rerun, base, rerun / base, same, rerun / same))
        print(
            f"{page:12} charts {charts}  open {first:6.3f} s  rerun {rerun:6.3f} s  "
            f"floor {base:6.3f} s ×{rerun / base:.2f}  same-elements floor {same:6.3f} s ×{rerun / same:.2f}"
        )

    print()
    print(
        "| page | charts | first open (s) | rerun (s) | issue floor: same charts (s) | rerun / issue floor "
        "| same-elements floor (s) | rerun / same-elements floor |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for page, charts, first, rerun, base, ratio, same, same_ratio in rows:
        mark = "" if ratio <= GOAL else " ⚠"
        same_mark = "" if same_ratio <= GOAL else " ⚠"
        print(
            f"| {page} | {charts} | {first:.3f} | {rerun:.3f} | {base:.3f} | {ratio:.2f}{mark} "
            f"| {same:.3f} | {same_ratio:.2f}{same_mark} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
