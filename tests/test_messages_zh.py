"""No English-only message in the Chinese interface: every problem the domain can raise has a code with a
Chinese and an English text, the write, import, upload, access and sign-in paths really set those codes,
the Chinese text names things (健康, 滨州市) rather than ids, and every locale key is used by some code."""

from __future__ import annotations

import ast
import datetime as dt
import re
import string

import pytest

from dashboard import messages
from dashboard.i18n import load_locale
from indicators import bulk, tabular
from indicators.access import User, authorize
from indicators.accounts import FAILURES_BEFORE_LOCK, open_accounts
from indicators.errors import IndicatorsError, Problem
from indicators.paths import PROJECT_DIR
from indicators.store.store import Store
from indicators.uploads import check_row_count, check_upload

CJK = re.compile(r"[\u4e00-\u9fff]")
PASSWORD = "correct horse battery"
# Calls that take the code positionally: name → index of the code argument.
POSITIONAL_CODE = {"refused": 2, "refusal": 3, "FieldProblem": 3, "RowError": 4, "_doc_problem": 1}
# Keys built at run time from a domain value (see test_locales.py, which checks each value has its key).
DYNAMIC_PREFIXES = (
    "status.",
    "qualifier.",
    "qualifier_prefix.",
    "source_kind.",
    "frequency.",
    "direction.",
    "origin.",
    "origin_short.",
    "trend.",
    "import.kind_",
    "session.action.",
    "reporting.state.",
    "reporting.col.",
    "lock.action_",
)


def _python_files() -> list:
    return [*(PROJECT_DIR / "indicators").rglob("*.py"), *(PROJECT_DIR / "dashboard").rglob("*.py")]


def raised_codes() -> set[str]:
    """Return every problem code written in the source: `code="..."` and the positional forms."""
    codes: set[str] = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for kw in node.keywords:
                if kw.arg != "code":
                    continue
                # `code="a" if … else "b"` raises either.
                for value in (
                    (kw.value.body, kw.value.orelse) if isinstance(kw.value, ast.IfExp) else (kw.value,)
                ):
                    if isinstance(value, ast.Constant) and value.value:
                        codes.add(value.value)
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            at = POSITIONAL_CODE.get(name or "")
            if at is not None and len(node.args) > at:
                arg = node.args[at]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value:
                    codes.add(arg.value)
    return codes


def test_every_code_the_domain_raises_has_a_chinese_and_an_english_text():
    codes = raised_codes()
    assert len(codes) > 50  # the scan really finds the codes
    zh, en = load_locale("zh"), load_locale("en")
    assert sorted(c for c in codes if f"problem.{c}" not in zh) == []
    assert sorted(c for c in codes if f"problem.{c}" not in en) == []
    assert sorted(c for c in codes if not CJK.search(zh[f"problem.{c}"])) == []


def test_no_problem_text_names_a_yaml_file_or_a_code_the_reader_cannot_use():
    zh = load_locale("zh")
    texts = {k: v for k, v in zh.items() if k.startswith("problem.")}
    assert [k for k, v in texts.items() if ".yaml" in v or "indicator_id" in v or "place_code" in v] == []


def test_every_locale_key_is_used_by_some_code():
    used: set[str] = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                used.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                # f"frequency.{x}": the literal prefix is what the code asks for.
                used.add(str(node.values[0].value) + "*")
    prefixes = {u[:-1] for u in used if u.endswith("*") and "." in u}
    codes = raised_codes()
    dead = []
    for key in load_locale("zh"):
        if key.startswith("problem."):
            if key.removeprefix("problem.") not in codes:
                dead.append(key)
        elif key not in used and not key.startswith(DYNAMIC_PREFIXES) and not key.startswith(tuple(prefixes)):
            dead.append(key)
    assert dead == []


# --- the paths people take really set codes, and the Chinese reads as Chinese ------------------------


@pytest.fixture
def app_db(sqlite_url, monkeypatch, catalogue):
    url = sqlite_url
    monkeypatch.setenv("XINAN_DB_URL", url)
    accounts = open_accounts(url)
    accounts.add_user("wang.fang", "editor", themes=["health"], password=PASSWORD, display_name="王芳")
    with Store(url, catalogue) as store:
        yield store, accounts


def _zh(problem: Problem) -> str:
    assert problem.code, f"no code: {problem.message}"
    text = messages.problem_text(problem)
    assert CJK.search(text), text
    assert "⟨" not in text, text
    # No placeholder left unfilled.
    assert not [f for _, f, _, _ in string.Formatter().parse(text) if f], text
    return text


def _problems(call) -> list[Problem]:
    with pytest.raises(IndicatorsError) as err:
        call()
    return err.value.problems


@pytest.mark.parametrize(
    "args,expect",
    [
        (("no_such_indicator", "371600", "2024", 1.0), "不在指标目录中"),
        (("xinan_cells", "999999", "2024", 1.0), "地区“999999”不存在"),
        (("xinan_cells", "371600", "2024Q1", 1.0), "统计频率（年）"),
        (("xinan_cells", "371600", "2099", 1.0), "尚未开始"),
        (("xinan_cells", "371600", "2999", 1.0), "1949"),
        (("xinan_cells", "371600", "2024", -5.0), "不能为负数"),
        (("xinan_cells", "371600", "2024", "很多"), "“很多”"),
        (("video_surveillance_coverage", "371600", "2024", 120.0), "0–100"),
    ],
)
def test_a_refused_save_is_told_in_chinese(app_db, args, expect):
    store, _ = app_db
    problems = _problems(lambda: store.save(*args, entered_by="wang.fang"))
    texts = [_zh(p) for p in problems]
    assert any(expect in text for text in texts), texts


def test_a_stale_save_names_the_person_the_place_and_the_time_in_beijing(app_db):
    store, _ = app_db
    store.save("xinan_cells", "371623", "2024", 12, entered_by="wang.fang")
    (problem,) = _problems(lambda: store.save("xinan_cells", "371623", "2024", 13, entered_by="li"))
    text = _zh(problem)
    assert "王芳" in text and "无棣县" in text and "（北京时间）" in text
    assert "wang.fang" not in text and "371623" not in text and "xinan_cells" not in text


def test_access_refusals_name_themes_and_people_not_ids(app_db, catalogue):
    editor = User(name="wang.fang", role="editor", themes=("health",), display_name="王芳")
    viewer = User(name="li", role="viewer")
    ind = next(i for i in catalogue.indicators if catalogue.theme_of[i] == "safety")
    wrong_theme = _zh(_problems(lambda: authorize(editor, "enter", ind, catalogue=catalogue))[0])
    assert "王芳" in wrong_theme and "健康" in wrong_theme and "平安" in wrong_theme
    assert "责任单位是 市公安局" in wrong_theme  # who reports it, not only which theme
    assert "health" not in wrong_theme and "safety" not in wrong_theme
    assert "录入数据" in _zh(_problems(lambda: authorize(None, "enter", ind, catalogue=catalogue))[0])
    assert "查看账号" in _zh(_problems(lambda: authorize(viewer, "import", ind, catalogue=catalogue))[0])


def test_upload_refusals_are_told_in_chinese(app_db):
    for call in (
        lambda: check_upload("data.txt", b"x"),
        lambda: check_upload("data.csv", b""),
        lambda: check_upload("data.xlsx", b"not a zip"),
        lambda: check_row_count("data.csv", 10**7),
    ):
        for problem in _problems(call):
            _zh(problem)


def test_import_row_errors_are_told_in_chinese_with_row_and_column(app_db):
    store, _ = app_db
    csv = (
        "指标编号,地区（名称或代码）,时期,数值,颜色\n"
        "xinan_cells,无棣县,2024,12,\n"
        "xinan_cells,无棣县,2024,13,\n"
        "xinan_cells,火星,2024,x,\n"
    ).encode()
    plan = bulk.dry_run(store, tabular.read_table(csv, "f.csv"), "wang.fang")
    texts = [_zh(p) for p in plan.problems()]
    assert any("无法识别的列“颜色”" in t for t in texts), texts
    # A header problem stops the rows; without the stray column the rows are checked.
    csv = csv.replace(",颜色".encode(), b"").replace(b",\n", b"\n")
    plan = bulk.dry_run(store, tabular.read_table(csv, "f.csv"), "wang.fang")
    texts = [_zh(p) for p in plan.problems()]
    assert any(t.startswith("第 3 行") and "无棣县" in t and "第 2 行出现" in t for t in texts), texts
    assert any("“数值”列" in t and "“x”不是数字" in t for t in texts), texts
    assert any("地区“火星”不存在" in t for t in texts), texts


def test_an_import_takes_place_names_and_chinese_headers(app_db):
    store, _ = app_db
    csv = (
        "指标编号,地区（名称或代码）,时期,数值,数值性质\n"
        "xinan_cells,无棣县,2024,12,约\n"
        "xinan_cells,Boxing County,2024,7,\n"
        "xinan_cells,371602,2024,3,exact\n"
    )
    plan = bulk.dry_run(store, tabular.read_table(csv.encode(), "f.csv"), "wang.fang")
    assert plan.errors == []
    assert sorted((r.place_code, r.qualifier) for r in plan.rows) == [
        ("371602", "exact"),
        ("371623", "about"),
        ("371625", "exact"),
    ]


def test_sign_in_refusals_are_told_in_chinese(app_db):
    _, accounts = app_db
    for _ in range(FAILURES_BEFORE_LOCK):
        wrong = _problems(lambda: accounts.sign_in("wang.fang", "not the password"))
    assert "用户名或密码错误" in _zh(wrong[0])
    locked = _problems(lambda: accounts.sign_in("wang.fang", PASSWORD))
    assert "秒后再试" in _zh(locked[0])


def test_times_in_messages_are_beijing_time(app_db):
    problem = Problem(
        "x",
        code="lock.period_locked",
        params={"period": "2025", "who": "wang.fang", "when": dt.datetime(2026, 12, 3, 13, 5, tzinfo=dt.UTC)},
    )
    params = messages.problem_params(problem.params)
    assert params["when"] == "2026-12-03 21:05（北京时间）" and params["who"] == "王芳"


def test_a_save_refused_by_a_lock_names_the_locker_by_name_and_the_time_in_beijing_time(app_db):
    store, accounts = app_db
    accounts.add_user("li.shen", "reviewer", password=PASSWORD, display_name="李审")
    from indicators.store import rounds

    lock = rounds.set_lock(store, "2024", None, by="li.shen", reason="年度考核")
    refused = _problems(lambda: store.save("xinan_cells", "371600", "2024", 1.0, entered_by="wang.fang"))
    text = _zh(refused[0])
    beijing = (lock.set_at.astimezone(dt.UTC) + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    shown = text.replace("\\", "")  # the markdown escapes of '-' and ':'
    assert f"2024 已被 李审 于 {beijing}（北京时间） 锁定" in shown, shown
    assert "UTC" not in text


def test_the_entry_form_says_what_its_editor_may_enter(app_db):
    # An editor scoped to a department read "主题：—", as if they could enter nothing.
    from dashboard import signin

    by_department = User(name="yibao", role="editor", departments=("medical_insurance",))
    both = User(name="wang.fang", role="editor", themes=("health",), departments=("medical_insurance",))
    assert signin.entering_as(by_department) == "录入人：yibao（责任单位：市医保局）"
    assert signin.entering_as(both) == "录入人：wang.fang（主题：健康；责任单位：市医保局）"
    assert signin.entering_as(User(name="admin", role="admin")) == "录入人：admin（全部指标）"


def test_the_registry_of_problem_codes_matches_the_code_and_both_locales():
    import string

    from indicators.problem_codes import CODES

    raised = raised_codes()
    assert sorted(raised - set(CODES)) == []  # every code written in the source is registered
    zh, en = load_locale("zh"), load_locale("en")
    for code, params in CODES.items():
        for lang, texts in (("zh", zh), ("en", en)):
            text = texts.get(f"problem.{code}")
            assert text is not None, (lang, code)
            used = {name for _, name, _, _ in string.Formatter().parse(text) if name}
            assert used <= set(params), (lang, code, used - set(params))


def test_a_problem_with_an_unregistered_code_or_a_missing_parameter_fails_where_it_is_made():
    with pytest.raises(ValueError, match=re.escape("unregistered problem code 'review.self_aproval'")):
        Problem("x", code="review.self_aproval")
    with pytest.raises(ValueError, match=re.escape("needs the params ['period']")):
        Problem("x", code="review.self_approval", params={"indicator": "i", "place": "p", "who": "li"})
    assert Problem("x").code == ""  # a problem without a code (the CLI's own words) needs no entry
