"""Every page runs in both languages on the real (sparse) and the generated data; a staff member enters a
value, sees it on the indicator page, gets an error next to a bad value, and imports a file after a dry run."""

from __future__ import annotations

import json

import pytest
from app_pages import open_page
from html_tables import html_tables
from streamlit.testing.v1 import AppTest

from dashboard.i18n import translate
from indicators.accounts import open_accounts
from indicators.articles.metrics import load_article_metrics
from indicators.initdb import load_metrics
from indicators.paths import PROJECT_DIR
from indicators.store.generate import load_generated
from indicators.store.store import Store

APP = str(PROJECT_DIR / "dashboard" / "app.py")
PAGES = (
    "overview",
    "theme",
    "indicator",
    "places",
    "entry",
    "bulk_import",
    "sources",
    "history",
    "reporting",
)
TITLE_KEYS = {p: ("import" if p == "bulk_import" else p) + ".title" for p in PAGES}
PASSWORD = "correct horse battery"
EDITOR = "wang.editor"


def _article_db(path, catalogue) -> str:
    # The real data today: the figures curated from the articles, loaded (and approved) as `init` loads them.
    url = f"sqlite:///{path}"
    with Store(url, catalogue) as store:
        load_metrics(store, list(load_article_metrics(catalogue=catalogue)))
    return url


@pytest.fixture(scope="module")
def article_url(tmp_path_factory, catalogue) -> str:
    """A database holding only the article figures."""
    return _article_db(tmp_path_factory.mktemp("articles") / "x.db", catalogue)


@pytest.fixture(scope="module")
def generated_url(tmp_path_factory, catalogue) -> str:
    """A database with a generated data set (the 500,000-row run is bench/bench_pages.py)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('generated') / 'g.db'}"
    load_generated(url, 20_000, seed=5, catalogue=catalogue)
    return url


@pytest.fixture
def editor_url(tmp_path, catalogue, monkeypatch) -> str:
    """A fresh article database with an editor of every theme, used by the app."""
    url = _article_db(tmp_path / "e.db", catalogue)
    open_accounts(url).add_user(EDITOR, "editor", themes=[t.id for t in catalogue.themes], password=PASSWORD)
    monkeypatch.setenv("XINAN_DB_URL", url)
    monkeypatch.delenv("XINAN_REQUIRE_LOGIN", raising=False)
    return url


def _app(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


def _open(at: AppTest, page: str) -> AppTest:
    open_page(at, page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _sign_in(at: AppTest) -> AppTest:
    at.text_input(key="signin_name").input(EDITOR)
    at.text_input(key="signin_password").input(PASSWORD)
    next(b for b in at.button if b.label.startswith("登录")).click()
    at.run()
    assert not at.exception
    return at


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("dataset", ["article_url", "generated_url"])
def test_every_page_runs_and_is_labelled_in_the_chosen_language(request, monkeypatch, dataset, lang):
    monkeypatch.setenv("XINAN_DB_URL", request.getfixturevalue(dataset))
    monkeypatch.delenv("XINAN_REQUIRE_LOGIN", raising=False)
    at = _app(lang)
    for page in PAGES:
        _open(at, page)
        assert at.title[0].value == translate(TITLE_KEYS[page], lang), page
        assert at.sidebar.radio(key="lang").value == lang
    # The other language's page titles never show.
    other = "en" if lang == "zh" else "zh"
    assert at.title[0].value != translate("history.title", other)


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_overview_draws_the_index_themes_and_statuses_from_the_generated_data(monkeypatch, generated_url):
    monkeypatch.setenv("XINAN_DB_URL", generated_url)
    at = _open(_app(), "overview")
    charts = at.get("plotly_chart")
    assert len(charts) == 3
    gauge = json.loads(charts[0].proto.spec)
    assert gauge["layout"]["title"]["text"] == "滨州市心安指数"
    assert 0 <= gauge["data"][0]["value"] <= 100
    metrics = {m.label: m.value for m in at.metric}
    assert all(metrics[name] != "—" for name in ("平安", "就业", "人居", "健康", "安心"))


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_the_overview_says_when_a_zero_score_means_first_year_figures_not_falling_behind(
    monkeypatch, article_url, generated_url
):
    # The article figures are the baselines of their indicators: progress 0 %, on track.
    monkeypatch.setenv("XINAN_DB_URL", article_url)
    at = _open(_app(), "overview")
    notes = [i.value for i in at.info if "基线期" in i.value]
    assert len(notes) == 1 and "其中 5 项指标" in notes[0]
    assert {m.label: m.value for m in at.metric}["人居"] == "0.0"  # two indicators, both at their baseline

    monkeypatch.setenv("XINAN_DB_URL", generated_url)
    at = _open(_app(), "overview")
    assert not [i.value for i in at.info if "基线期" in i.value]


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_switching_the_language_relabels_the_page(monkeypatch, article_url):
    monkeypatch.setenv("XINAN_DB_URL", article_url)
    at = _open(_app("zh"), "theme")
    assert at.title[0].value == "主题"
    at.sidebar.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Theme"
    assert at.sidebar.selectbox(key="place").label == "Place"


def test_an_english_session_picks_places_and_filters_by_their_english_names(
    monkeypatch, article_url, catalogue
):
    # AppTest formats a chosen value with the widget's format function after the run that drew it, outside
    # any session: the labels must be those of that run (English), not the default language's.
    monkeypatch.setenv("XINAN_DB_URL", article_url)
    at = _open(_app("en"), "history")
    wudi = catalogue.place_by_code["371623"]
    at.sidebar.selectbox(key="place").set_value(wudi.code).run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="place").value == wudi.code
    assert wudi.name_en in at.sidebar.selectbox(key="place").options
    at.selectbox(key="history_place").set_value(wudi.code).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="history_place").value == wudi.code
    assert at.title[0].value == "History"


def _theme_rows(at: AppTest) -> list[dict]:
    # The theme tables are static HTML (one per first-level indicator); rows are found by the shown name.
    return [r for df in html_tables(at) for r in df.to_dict("records")]


def _theme_row(at: AppTest, theme: str, ind_id: str, name: str) -> dict:
    at.button_group(key="theme_choice").set_value(theme).run()
    assert not at.exception
    column = "Indicator" if at.sidebar.radio(key="lang").value == "en" else "指标"
    rows = [r for r in _theme_rows(at) if r[column] == name]
    assert len(rows) == 1, ind_id
    return rows[0]


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_the_theme_table_names_the_article_figure_of_an_indicator_and_whose_it_is(
    monkeypatch, article_url, catalogue
):
    monkeypatch.setenv("XINAN_DB_URL", article_url)
    at = _open(_app("zh"), "theme")
    ind = catalogue.indicators
    retrofits = _theme_row(at, "habitat", "elderly_home_retrofits", ind["elderly_home_retrofits"].name_zh)
    assert "15,000 户" in retrofits["文章数据"] and "滨州市" in retrofits["文章数据"]
    assert retrofits["出处"] == "文章"
    # Article 004 reports Hebei's stations: the table says so and never credits them to Binzhou.
    stations = _theme_row(
        at, "peace", "township_social_work_stations", ind["township_social_work_stations"].name_zh
    )
    assert "河北省" in stations["文章数据"] and "1,435" in stations["文章数据"]
    assert "滨州市" not in stations["文章数据"]
    # Indicators no curated figure feeds say so.
    fed = {m.indicator for m in load_article_metrics(catalogue=catalogue)}
    fed_names = {ind[i].name_zh for i in fed}
    unfed = [r for r in _theme_rows(at) if r["指标"] not in fed_names]
    assert unfed and all(r["文章数据"] == "—" for r in unfed)
    at.sidebar.radio(key="lang").set_value("en").run()
    stations = _theme_row(
        at, "peace", "township_social_work_stations", ind["township_social_work_stations"].name_en
    )
    assert "Hebei" in stations["Article figure"] and stations["Origin"] == "article"


def _entry(at: AppTest, indicator: str, theme: str, place: str, period_key: str, period: str) -> AppTest:
    _open(at, "entry")
    at.selectbox(key="entry_theme").set_value(theme).run()
    at.selectbox(key="entry_indicator").set_value(indicator).run()
    at.selectbox(key="entry_place").set_value(place).run()
    at.selectbox(key=period_key).set_value(period).run()
    assert not at.exception
    return at


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_an_entered_value_is_stored_as_the_next_revision_and_shown_on_the_indicator_page(
    editor_url, catalogue
):
    at = _entry(_sign_in(_app()), "xinan_cells", "peace", "371600", "entry_period_year", "2024")
    # Before saving, the page shows the article's value for that cell.
    assert any("100" in m.value and "滨州市" in m.value for m in at.markdown)
    at.text_input(key="entry_value").input("120")
    at.text_input(key="entry_source_ref").input("市委社会工作部 2024 年报")
    at.text_input(key="entry_reason").input("年报更正")
    at.button(key="entry_save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        "已保存，状态为“已报送，待审核”：审核人通过后才计入得分、图表和简报。存储内容如下："
    ]
    with Store(editor_url, catalogue) as store:
        history = store.history("xinan_cells", "371600", "2024")
    assert [(h.revision, h.value, h.entered_by) for h in history] == [
        (1, 100.0, "article-import"),
        (2, 120.0, EDITOR),
    ]
    assert history[-1].reason == "年报更正" and history[-1].source_ref == "市委社会工作部 2024 年报"
    # After saving, the page states exactly what was stored.
    assert any("120 个" in m.value and "第 2 版" in m.value for m in at.markdown)

    at.session_state["indicator_choice"] = "xinan_cells"
    _open(at, "indicator")
    # The correction awaits review: the page shows the approved article figure until the working view is on.
    assert at.metric[0].value == "＞100 个"
    at.toggle(key="include_pending").set_value(True).run()
    assert at.metric[0].value == "120 个"
    assert at.metric[1].value == "2024"


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_a_withdrawn_value_needs_a_reason_keeps_its_history_and_the_cell_can_be_filled_again(
    editor_url, catalogue
):
    at = _entry(_sign_in(_app()), "xinan_cells", "peace", "371600", "entry_period_year", "2024")
    submit = "FormSubmitter:entry_retract_form-撤回"
    at.button(key=submit).click().run()
    assert not at.exception
    # Without a reason nothing is withdrawn, and the page says why next to the form.
    assert any("撤回数值必须填写原因" in e.value for e in at.error)
    with Store(editor_url, catalogue) as store:
        assert store.current_revision("xinan_cells", "371600", "2024") == 1

    at.text_input(key="entry_retract_reason").input("文章数字不属于本年度")
    at.button(key=submit).click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["已撤回，存储内容如下（原数值仍在修改记录中）："]
    with Store(editor_url, catalogue) as store:
        history = store.history("xinan_cells", "371600", "2024")
        assert store.current_frame().query("indicator_id == 'xinan_cells' and place_code == '371600'").empty
    assert [(h.revision, h.retracted, h.entered_by) for h in history] == [
        (1, False, "article-import"),
        (2, True, EDITOR),
    ]
    assert history[-1].reason == "文章数字不属于本年度"
    assert any(i.value == "该时期尚无数值" for i in at.info)
    assert any(m.value.startswith("**已撤回** · 滨州市 · 2024") and "第 2 版" in m.value for m in at.markdown)

    # The withdrawn cell takes a new value as the next revision (not a conflict with revision 0).
    at.text_input(key="entry_value").input("105")
    at.button(key="entry_save").click().run()
    assert not at.exception and not at.error
    with Store(editor_url, catalogue) as store:
        history = store.history("xinan_cells", "371600", "2024")
    assert [(h.revision, h.value) for h in history][-1] == (3, 105.0)


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
@pytest.mark.parametrize(
    "indicator,theme,period_key,period,typed,message",
    [
        ("xinan_cells", "peace", "entry_period_year", "2024", "很多", "不是数值"),
        ("xinan_cells", "peace", "entry_period_year", "2024", "-5", "不能为负数"),
        ("video_surveillance_coverage", "safety", "entry_period_year", "2024", "120", "100"),
    ],
)
def test_a_bad_value_is_refused_next_to_the_value_field_and_nothing_is_stored(
    editor_url, catalogue, indicator, theme, period_key, period, typed, message
):
    with Store(editor_url, catalogue) as store:
        before = len(store.changes_frame())
    at = _entry(_sign_in(_app()), indicator, theme, "371600", period_key, period)
    at.text_input(key="entry_value").input(typed)
    at.button(key="entry_save").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    # The value's refusal (and, on a cell that has a value, the missing reason for changing it), at once.
    assert sum(message in e for e in errors) == 1
    assert all(message in e or "修改原因" in e for e in errors)
    assert not at.success
    # Refused before any confirmation: no panel promising a save the store would refuse.
    assert "entry_confirm" not in [b.key for b in at.button]
    with Store(editor_url, catalogue) as store:
        assert len(store.changes_frame()) == before


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_an_import_is_dry_run_first_and_stored_only_after_confirming(editor_url, catalogue):
    csv = (
        "indicator_id,place_code,period,value,qualifier,source_ref\n"
        "xinan_cells,371602,2024,12,exact,滨城区台账\n"
        "xinan_cells,371600,2024,100,more_than,\n"
        "social_work_trainees,371600,2024,2100,exact,学院台账\n"
    ).encode()
    at = _open(_sign_in(_app()), "bulk_import")
    at.get("file_uploader")[0].set_value(("upload.csv", csv, "text/csv"))
    at.run()
    assert not at.exception
    counts = {m.label: m.value for m in at.metric}
    assert counts == {"新增": "1", "修改": "1", "未变": "1", "错误": "0"}
    with Store(editor_url, catalogue) as store:
        assert store.current_revision("xinan_cells", "371602", "2024") == 0  # a dry run writes nothing
    at.button(key="import_confirm").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        "已导入 2 条，状态为“已报送，待审核”：审核通过后才计入得分、图表和简报。"
    ]
    with Store(editor_url, catalogue) as store:
        assert store.history("xinan_cells", "371602", "2024")[-1].value == 12
        trainees = store.history("social_work_trainees", "371600", "2024")
    assert [(h.revision, h.value, h.entered_by) for h in trainees][-1] == (2, 2100.0, EDITOR)


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_an_import_with_errors_names_row_and_column_and_offers_no_confirm(editor_url, catalogue):
    csv = b"indicator_id,place_code,period,value\nxinan_cells,371602,2024Q1,12\nno_such,371600,2024,1\n"
    at = _open(_sign_in(_app()), "bulk_import")
    at.get("file_uploader")[0].set_value(("bad.csv", csv, "text/csv"))
    at.run()
    assert {m.label: m.value for m in at.metric}["错误"] == "2"
    frames = [df.value for df in at.dataframe]
    errors = next(f for f in frames if "列" in f.columns)
    # Columns by the template's Chinese headers, and the reasons in Chinese.
    assert errors[["行", "列"]].values.tolist() == [[2, "时期"], [3, "指标编号"]]
    reasons = errors[next(c for c in errors.columns if c not in ("行", "列"))].tolist()
    assert "季度" not in reasons[0] and "应写作 2024" in reasons[0]
    assert "“no_such”不在指标目录中" in reasons[1]
    assert not [b for b in at.button if b.key == "import_confirm"]


def _drawn_by_magic(source: str) -> list[int]:
    # Lines Streamlit's "magic" would draw: bare expressions that are neither calls nor docstrings.
    import ast

    lines = []
    for node in ast.walk(ast.parse(source)):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            for i, stmt in enumerate(block if isinstance(block, list) else []):
                if not isinstance(stmt, ast.Expr) or isinstance(stmt.value, (ast.Call, ast.Await, ast.Yield)):
                    continue
                if field == "body" and i == 0 and isinstance(stmt.value, ast.Constant):
                    continue  # a docstring
                lines.append(stmt.lineno)
    return lines


def test_no_page_relies_on_streamlit_magic():
    # .streamlit/config.toml turns "magic" off (a rerun then compiles the page as written), so a bare
    # expression meant to be drawn would silently show nothing: every element must be an explicit call.
    assert _drawn_by_magic('"""doc"""\nimport streamlit as st\nframe = 1\nframe\nst.write(frame)\n') == [4]
    found = {
        path.name: _drawn_by_magic(path.read_text(encoding="utf-8"))
        for path in sorted((PROJECT_DIR / "dashboard").rglob("*.py"))
    }
    assert {name: lines for name, lines in found.items() if lines} == {}


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_the_overview_names_the_standard_and_a_theme_page_its_part(monkeypatch, article_url):
    monkeypatch.setenv("XINAN_DB_URL", article_url)
    at = _open(_app("zh"), "overview")
    captions = [c.value for c in at.caption]
    assert any(
        "DB3716/T 68—2024" in c and "滨州市市场监督管理局" in c and "2024-04-20" in c for c in captions
    )
    _open(at, "theme")
    at.button_group(key="theme_choice").set_value("peace").run()
    assert any("DB3716/T 68.6—2024" in c.value and "第6部分：安心" in c.value for c in at.caption)
    # A part whose number was read from part 6 and the articles' order says so.
    at.button_group(key="theme_choice").set_value("safety").run()
    part = [c.value for c in at.caption if "DB3716/T 68.2—2024" in c.value]
    assert len(part) == 1 and "推定" in part[0]
    at.sidebar.radio(key="lang").set_value("en").run()
    assert any("Part standard for this theme: DB3716/T 68.2—2024" in c.value for c in at.caption)


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_a_national_target_is_labelled_with_its_document_and_clause(monkeypatch, article_url):
    monkeypatch.setenv("XINAN_DB_URL", article_url)
    at = _app("zh")
    at.session_state["indicator_choice"] = "community_psych_room_coverage"
    _open(at, "indicator")
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "80 %（2021） · 国家目标" in text or "80%（2021） · 国家目标" in text
    assert "《全国社会心理服务体系建设试点2021年重点工作任务》" in text and "（五）" in text
    assert "示例目标" not in text
    assert "标准出处：DB3716/T 68.6—2024 第 5.2 条" in text
    assert "None" not in text  # a standard heading has no article to name


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_the_entry_pickers_labels_carry_the_aliases_staff_type(editor_url):
    at = _sign_in(_app())
    _open(at, "entry")
    at.selectbox(key="entry_theme").set_value("habitat").run()
    picker = at.selectbox(key="entry_indicator")
    # The selectbox filters on its labels, so an alias in the label is an alias staff can type.
    labels = picker.options  # AppTest holds the formatted labels, as the browser shows them
    assert any("适老化改造户数" in lab and "居家适老化改造" in lab for lab in labels)


@pytest.mark.slow  # a page script through AppTest
@pytest.mark.parametrize("param", ["theme", "id"])
def test_a_link_to_a_theme_opens_it_and_the_url_names_it_as_the_entry_page_does(
    monkeypatch, article_url, param
):
    # ?theme= as on the entry page; ?id= is how links were made before, and a bookmark keeps working.
    monkeypatch.setenv("XINAN_DB_URL", article_url)
    at = _app("zh")
    at.query_params[param] = "health"
    _open(at, "theme")
    assert at.button_group(key="theme_choice").value == "health"
    assert at.query_params["theme"] == "health" and "id" not in at.query_params
    at.button_group(key="theme_choice").set_value("peace").run()
    assert at.query_params["theme"] == "peace"


@pytest.mark.slow  # page scripts through AppTest
def test_a_row_link_on_the_places_page_opens_that_theme_for_that_place(monkeypatch, article_url):
    monkeypatch.setenv("XINAN_DB_URL", article_url)
    at = _open(_app("zh"), "places")
    at.button_group(key="places_columns").set_value("health").run()
    frame = next(df.value for df in at.dataframe if "打开" in df.value.columns)
    link = frame.loc["无棣县", "打开"]
    path, _, query = link.partition("?")
    followed = _app("zh")
    for name, value in (pair.split("=") for pair in query.split("&")):
        followed.query_params[name] = value
    _open(followed, path)
    assert followed.button_group(key="theme_choice").value == "health"
    assert followed.sidebar.selectbox(key="place").value == "371623"
