"""A page with the database down shows a sentence in the user's language, not a traceback."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def test_database_down_is_a_message_on_the_page(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("XINAN_DB_URL", "postgresql://admin:s3cret@127.0.0.1:1/xinan")
    monkeypatch.setenv("XINAN_LOG_FILE", str(tmp_path / "xinan.log"))
    monkeypatch.delenv("XINAN_REQUIRE_LOGIN", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [e.value for e in at.error] == ["无法连接数据库，已记入日志；请稍后再试或联系管理员。"]
    assert "s3cret" not in (tmp_path / "xinan.log").read_text()
