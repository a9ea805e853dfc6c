"""Documents in the store: .txt/.docx/.pdf read, hostile files refused, the same text never stored twice."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from cli_helpers import add_accounts

from indicators.access import User
from indicators.articles.documents import (
    MAX_DOCUMENT_BYTES,
    add_document,
    content_hash,
    get_document,
    list_documents,
    read_document_bytes,
    read_document_file,
    reviews_of,
)
from indicators.cli.main import main
from indicators.errors import IndicatorsError
from indicators.guarded import GuardedStore
from indicators.initdb import initialise
from indicators.store.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "documents"
REPORT = "惠民县2024年民政工作总结\n\n2024年，惠民县完成适老化改造1200户，累计提供居家上门服务3.2万人次。\n"


def docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """Build a .docx with python-docx, as Word would save it."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for i, row in enumerate(table):
            for j, cell in enumerate(row):
                t.cell(i, j).text = cell
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def blank_pdf(pages: int = 2) -> bytes:
    """A PDF of pages without any text, like a scan."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def one_problem(exc: pytest.ExceptionInfo[IndicatorsError]) -> tuple[str, str]:
    assert len(exc.value.problems) == 1
    p = exc.value.problems[0]
    return p.code, p.message


def test_a_txt_file_is_read_in_utf8_or_gbk():
    assert read_document_bytes("r.txt", REPORT.encode("utf-8")).startswith("惠民县2024年")
    assert "1200户" in read_document_bytes("r.txt", REPORT.encode("gb18030"))
    assert read_document_bytes("r.txt", "\ufeff甲乙丙丁\r\n第二行  \r\n".encode()) == "甲乙丙丁\n第二行"


def test_a_docx_is_read_with_its_paragraphs_and_table_rows():
    data = docx_bytes(
        ["惠民县2024年民政工作总结", "完成适老化改造1200户。"], [["指标", "数值"], ["社工站", "12家"]]
    )
    text = read_document_bytes("report.docx", data)
    assert text.split("\n\n")[:2] == ["惠民县2024年民政工作总结", "完成适老化改造1200户。"]
    assert "社工站 12家" in text


def test_a_pdf_with_a_text_layer_is_read_and_its_radicals_folded():
    text = read_document_file(FIXTURES / "huimin_2024.pdf")
    # Chromium's PDF maps 民 and 工 to radical code points; the text must hold the ordinary characters.
    assert "惠民县完成适老化改造1200户" in text
    assert "社工站12家" in text
    assert "⺠" not in text and "⼯" not in text


def test_a_pdf_without_text_is_explained():
    with pytest.raises(IndicatorsError) as exc:
        read_document_bytes("scan.pdf", blank_pdf(3))
    code, message = one_problem(exc)
    assert code == "documents.pdf_no_text"
    assert "no text layer" in message and "3 pages" in message
    assert "OCR" in exc.value.problems[0].hint


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("report.exe", b"MZ...", "documents.unsupported_type"),
        ("report.txt", b"", "documents.empty"),
        ("report.txt", b"x" * (MAX_DOCUMENT_BYTES + 1), "documents.too_big"),
        ("report.docx", b"PK not really a zip", "documents.bad_docx"),
        ("report.pdf", b"%PDF-1.7 garbage", "documents.bad_pdf"),
        ("report.txt", b"\xff\xfe\x00\xd8" * 3, "documents.bad_text"),
        ("report.txt", b"   \n\n  ", "documents.empty"),
    ],
)
def test_wrong_or_broken_files_are_refused_with_their_reason(name: str, data: bytes, code: str):
    with pytest.raises(IndicatorsError) as exc:
        read_document_bytes(name, data)
    assert one_problem(exc)[0] == code
    assert exc.value.problems[0].file == name


def test_a_docx_zip_bomb_is_refused_before_it_is_unpacked():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\x00" * (60 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < MAX_DOCUMENT_BYTES
    with pytest.raises(IndicatorsError) as exc:
        read_document_bytes("bomb.docx", data)
    assert one_problem(exc)[0] == "documents.zip_bomb"


def test_the_same_document_twice_is_refused_as_a_duplicate(store: Store):
    first = add_document(
        store, REPORT, title=None, added_by="li", file_name="a.txt", published=dt.date(2025, 1, 8)
    )
    assert first.title == "惠民县2024年民政工作总结"
    # The same text with other line-wraps and full-width digits is the same report.
    rewrapped = REPORT.replace("，", "，\n").replace("1200", "１２００")
    with pytest.raises(IndicatorsError) as exc:
        add_document(store, rewrapped, title="别的标题", added_by="wang", file_name="b.docx")
    code, message = one_problem(exc)
    assert code == "documents.duplicate"
    assert f"#{first.id}" in message and "li" in message and "nothing was added" in message
    assert exc.value.problems[0].params["title"] == first.title
    assert [d.id for d in list_documents(store)] == [first.id]
    assert get_document(store, first.id).text == REPORT.strip()


def test_documents_are_listed_newest_first_and_searched(store: Store):
    old = add_document(
        store, "河北省社工站1435家", title="河北", added_by="li", published=dt.date(2022, 8, 16)
    )
    new = add_document(
        store, "滨州市统计公报全文", title="统计公报", added_by="li", published=dt.date(2025, 3, 1)
    )
    assert [d.id for d in list_documents(store)] == [new.id, old.id]
    assert [d.id for d in list_documents(store, "社工站")] == [old.id]
    assert [d.id for d in list_documents(store, "统计 滨州")] == [new.id]
    assert list_documents(store, "上海") == []


def test_only_editors_add_documents_and_record_decisions(store: Store):
    viewer = GuardedStore(store, User(name="guest", role="viewer"))
    with pytest.raises(IndicatorsError):
        viewer.add_document(REPORT, title=None)
    assert list_documents(store) == []
    editor = GuardedStore(store, User(name="zhang", role="editor", themes=("habitat",)))
    doc = editor.add_document(REPORT, title=None)
    assert doc.added_by == "zhang"
    with pytest.raises(IndicatorsError):
        viewer.decide_figure(doc.id, 10, "1200户", "skipped")
    editor.decide_figure(doc.id, 10, "1200户", "skipped")
    editor.decide_figure(doc.id, 10, "1200户", "accepted", indicator_id="x", place_code="371621")
    assert reviews_of(store)[(doc.id, 10)].decision == "accepted"


def test_init_loads_the_five_seeds_as_documents_once(tmp_path: Path, catalogue):
    with Store(f"sqlite:///{tmp_path / 'x.db'}", catalogue=catalogue) as store:
        report = initialise(store)
        assert report.documents_added == 5
        docs = list_documents(store)
        assert sorted(d.file_name for d in docs) == sorted(p.name for p in Path("seeds").glob("*.txt"))
        hebei = next(d for d in docs if d.file_name and d.file_name.startswith("004"))
        assert hebei.published == dt.date(2022, 8, 16)
        assert initialise(store).documents_added == 0
        assert len(list_documents(store)) == 5


def test_cli_adds_and_lists_documents_and_refuses_a_duplicate(tmp_path: Path, capsys):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    path = tmp_path / "report.docx"
    path.write_bytes(docx_bytes(REPORT.splitlines()))
    argv = ["documents", "add", str(path), "--db", db, "--date", "2025-01-08", "--publisher", "惠民县民政局"]
    # The command acts as an account that may enter values, as the page does.
    assert main([*argv, "--user", "nobody_at_all"]) == 1
    assert "no account named 'nobody_at_all'" in capsys.readouterr().err
    add_accounts(db, ("li", "vic"))
    assert main([*argv, "--user", "vic"]) == 1
    assert "cannot enter" in capsys.readouterr().err
    argv += ["--user", "li"]
    assert main([*argv, "--url", "https://example.org/r.docx"]) == 0
    assert "added document #1" in capsys.readouterr().out
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "already stored as #1" in err and "report.docx" in err
    assert main(["documents", "add", str(path), "--db", db, "--date", "2025-13-40", "--user", "li"]) == 1
    assert "not a date" in capsys.readouterr().err
    assert main(["documents", "list", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "2025-01-08" in out and "report.docx" in out and "1 document" in out


def test_content_hash_ignores_whitespace_and_width_only():
    assert content_hash("滨州 1.5 万户\n") == content_hash("滨州1.5万户")
    assert content_hash("滨州１.５万户") == content_hash("滨州1.5万户")
    assert content_hash("滨州1.6万户") != content_hash("滨州1.5万户")
