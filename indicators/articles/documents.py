"""Documents in the store: reports and articles with their full text, read from .txt/.docx/.pdf, never twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from indicators.access import User, authorize
from indicators.errors import IndicatorsError, Problem
from indicators.store.approval import state_for
from indicators.store.db import document_reviews, documents, write_transaction
from indicators.store.queries import last_reviews
from indicators.store.store import Store, utc, when_text
from indicators.uploads import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB

# The same limit as imports (and the server's maxUploadSize): a bulletin's text is far smaller.
MAX_DOCUMENT_BYTES = MAX_UPLOAD_BYTES
MAX_DOCUMENT_MB = MAX_UPLOAD_MB
MAX_TEXT_CHARS = 400_000  # a 300-page bulletin is well under this; more is not one report
MAX_PDF_PAGES = 500
# A .docx unpacks to a few times its size; a zip bomb is hundreds of times more.
MAX_DOCX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_DOCX_RATIO = 100
MAX_DOCX_MEMBERS = 2_000
RATIO_CHECK_FROM = 1024 * 1024
SUFFIXES = (".txt", ".docx", ".pdf")
TITLE_CHARS = 200
DECISIONS = ("accepted", "skipped")

_SPACE = re.compile(r"\s+")
_LINE_END_SPACE = re.compile(r"[ \t\u3000]+\n")


@dataclass(frozen=True)
class Document:
    """A stored document: its description, full text and who added it when."""

    id: int
    title: str
    publisher: str | None
    published: dt.date | None
    url: str | None
    file_name: str | None
    text: str
    content_hash: str
    added_by: str
    added_at: dt.datetime

    def label(self) -> str:
        """Return 'title (publisher, date)' for lists and messages."""
        extra = ", ".join(
            x for x in (self.publisher, self.published.isoformat() if self.published else "") if x
        )
        return f"{self.title} ({extra})" if extra else self.title


@dataclass(frozen=True)
class Review:
    """A person's decision on one figure of a document: accepted (with where it went) or skipped."""

    document_id: int
    quote_offset: int
    figure_text: str
    decision: str
    indicator_id: str | None
    place_code: str | None
    period: str | None
    value: float | None
    decided_by: str
    decided_at: dt.datetime


def _doc_problem(
    message: str, code: str, file: str | None = None, hint: str = "", **params: object
) -> Problem:
    return Problem(message, file=file, hint=hint, code=code, params=params)


# PDF fonts often map common characters to radical code points (⼯ for 工, ⺠ for 民); fold them back, or
# no indicator name, unit or place would match. Kangxi radicals fold by NFKC; the supplement needs a table.
_RADICALS = str.maketrans(
    {
        **{chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0x2F00, 0x2FD6)},
        "⼾": "户",  # NFKC gives the traditional 戶
        "⺠": "民",
        "⻔": "门",
        "⻓": "长",
        "⻅": "见",
        "⻋": "车",
        "⻢": "马",
        "⻛": "风",
        "⻝": "食",
        "⻜": "飞",
        "⻮": "齿",
        "⻰": "龙",
        "⻥": "鱼",
        "⻚": "页",
        "⻆": "角",
        "⻄": "西",
        "⺟": "母",
        "⻉": "贝",
        "⻙": "韦",
        "⻘": "青",
        "⻣": "骨",
        "⻬": "齐",
        "⻨": "麦",
        "⻩": "黄",
        "⻤": "鬼",
        "⺁": "厂",
        "⺇": "几",
        "⺈": "刀",
        "⺊": "卜",
        "⺌": "小",
        "⺍": "小",
        "⺗": "心",
        "⺮": "竹",
        "⺳": "网",
        "⺶": "羊",
        "⺻": "聿",
        "⻊": "足",
        "⻍": "辶",
        "⻏": "阝",
        "⻖": "阝",
        "⻗": "雨",
    }
)


def fold_radicals(text: str) -> str:
    """Replace radical code points that PDF text layers use for ordinary characters (⼯ → 工)."""
    return text.translate(_RADICALS)


_INVISIBLE = re.compile("[\x00\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """Return the text as stored: one kind of line break, no byte-order mark, no trailing spaces."""
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    # NUL and the bidirectional overrides/isolates (which can make a shown sentence read differently from
    # the stored one) are never part of a report's words: removed, not refused.
    text = _INVISIBLE.sub("", text)
    return _LINE_END_SPACE.sub("\n", text).strip()


def content_hash(text: str) -> str:
    """Return the SHA-256 of the text with width folded and all whitespace removed (wraps do not count)."""
    folded = _SPACE.sub("", unicodedata.normalize("NFKC", text))
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


# --- reading files -------------------------------------------------------------------------------


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_document_upload(name: str, data: bytes) -> str:
    """Raise IndicatorsError if a file is of the wrong kind, empty or too big; return its suffix."""
    suffix = _suffix(name)
    if suffix not in SUFFIXES:
        raise IndicatorsError(
            [
                _doc_problem(
                    f"file type {suffix or '(none)'} is not supported; add a .txt, .docx or .pdf",
                    "documents.unsupported_type",
                    name,
                    "save the report as .docx or .pdf, or paste its text",
                    suffix=suffix or "—",
                )
            ]
        )
    if not data:
        raise IndicatorsError([_doc_problem("the file is empty", "documents.empty", name)])
    if len(data) > MAX_DOCUMENT_BYTES:
        raise IndicatorsError(
            [
                _doc_problem(
                    f"file is {len(data):,} bytes; the limit is {MAX_DOCUMENT_BYTES:,} bytes",
                    "documents.too_big",
                    name,
                    "split the report, or paste the part with the figures",
                    size_mb=f"{len(data) / 1024 / 1024:.1f}",
                    limit_mb=MAX_DOCUMENT_MB,
                )
            ]
        )
    return suffix


def _check_docx_container(name: str, data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise IndicatorsError(
            [
                _doc_problem(
                    "not a valid .docx file (it is not a zip archive)",
                    "documents.bad_docx",
                    name,
                    "save it again as .docx",
                )
            ]
        ) from None
    with archive:
        members = archive.infolist()
        names = {m.filename for m in members}
        if len(members) > MAX_DOCX_MEMBERS or "word/document.xml" not in names:
            raise IndicatorsError(
                [
                    _doc_problem(
                        "not a valid .docx file (word/document.xml missing)", "documents.bad_docx", name
                    )
                ]
            )
        total = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members)
        bomb = total > MAX_DOCX_UNCOMPRESSED or (
            total >= RATIO_CHECK_FROM and total > MAX_DOCX_RATIO * max(packed, 1)
        )
        bomb = bomb or any(
            m.file_size >= RATIO_CHECK_FROM and m.file_size > MAX_DOCX_RATIO * max(m.compress_size, 1)
            for m in members
        )
        if bomb:
            raise IndicatorsError(
                [
                    _doc_problem(
                        f"the .docx unpacks to {total:,} bytes from {packed:,}; this looks like a zip bomb",
                        "documents.zip_bomb",
                        name,
                        "the file was not opened",
                    )
                ]
            )


def _docx_text(name: str, data: bytes) -> str:
    import docx  # python-docx

    _check_docx_container(name, data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for damaged files
        raise IndicatorsError(
            [_doc_problem(f"cannot read the .docx: {exc}", "documents.bad_docx", name)]
        ) from exc
    # Word paragraphs are paragraphs, not a newspaper's line-wraps: keep them apart with a blank line.
    lines = [p.text for p in document.paragraphs if p.text.strip()]
    # Tables in bulletins hold figures too: one line per row, cells separated by a space.
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text.strip() for cell in row.cells))
    return "\n\n".join(lines)


def _pdf_text(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise IndicatorsError(
                [
                    _doc_problem(
                        "the PDF is encrypted", "documents.pdf_encrypted", name, "save an unprotected copy"
                    )
                ]
            )
        pages = reader.pages
        if len(pages) > MAX_PDF_PAGES:
            raise IndicatorsError(
                [
                    _doc_problem(
                        f"the PDF has {len(pages)} pages; the limit is {MAX_PDF_PAGES}",
                        "documents.pdf_too_many_pages",
                        name,
                        pages=len(pages),
                        limit=MAX_PDF_PAGES,
                    )
                ]
            )
        texts = []
        size = 0
        for page in pages:
            chunk = page.extract_text() or ""
            size += len(chunk)
            if size > MAX_TEXT_CHARS:
                break
            texts.append(chunk)
    except IndicatorsError:
        raise
    except LimitReachedError as exc:
        # pypdf's own bound on a hostile or huge file: said as such, not as a generic error.
        raise IndicatorsError(
            [
                _doc_problem(
                    f"the PDF is too complex to read safely: {exc}",
                    "documents.pdf_too_complex",
                    name,
                    "save it again as a simpler PDF, or paste its text",
                )
            ]
        ) from exc
    except (PdfReadError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise IndicatorsError(
            [
                _doc_problem(
                    f"cannot read the PDF: {exc}",
                    "documents.bad_pdf",
                    name,
                    "open it and save it again as PDF",
                )
            ]
        ) from exc
    text = fold_radicals("\n".join(texts))
    if not _SPACE.sub("", text):
        raise IndicatorsError(
            [
                _doc_problem(
                    f"the PDF has no text layer ({len(pages)} pages of images, e.g. a scan): "
                    "there is no text to read figures from",
                    "documents.pdf_no_text",
                    name,
                    "ask for the original PDF or Word file, or run OCR and paste the text",
                    pages=len(pages),
                )
            ]
        )
    return text


def read_document_bytes(name: str, data: bytes) -> str:
    """Check an uploaded report's kind and limits, then return its text (cleaned, see clean_text)."""
    suffix = check_document_upload(name, data)
    if suffix == ".txt":
        try:
            raw = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            try:
                raw = data.decode("gb18030")  # Chinese Windows saves plain text in GBK
            except UnicodeDecodeError:
                raise IndicatorsError(
                    [
                        _doc_problem(
                            f"not UTF-8 or GBK text (byte {exc.start})",
                            "documents.bad_text",
                            name,
                            "save the text as UTF-8",
                            byte=exc.start,
                        )
                    ]
                ) from exc
    elif suffix == ".docx":
        raw = _docx_text(name, data)
    else:
        raw = _pdf_text(name, data)
    text = clean_text(raw)
    check_text(text, name)
    return text


def read_document_file(path: str | Path) -> str:
    """Read a report file from disk (see read_document_bytes)."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            check_document_upload(file.name, b"-")  # a wrong kind says so before the size does
            raise IndicatorsError(
                [
                    _doc_problem(
                        f"file is {size:,} bytes; the limit is {MAX_DOCUMENT_BYTES:,} bytes",
                        "documents.too_big",
                        str(path),
                        size_mb=f"{size / 1024 / 1024:.1f}",
                        limit_mb=MAX_DOCUMENT_MB,
                    )
                ]
            )
        data = file.read_bytes()
    except FileNotFoundError:
        raise IndicatorsError([_doc_problem("file not found", "documents.not_found", str(path))]) from None
    except IsADirectoryError:
        raise IndicatorsError(
            [_doc_problem("is a folder, not a file", "documents.not_found", str(path))]
        ) from None
    except OSError as exc:
        raise IndicatorsError(
            [_doc_problem(f"cannot read file: {exc.strerror or exc}", "documents.not_found", str(path))]
        ) from exc
    try:
        return read_document_bytes(file.name, data)
    except IndicatorsError as exc:
        # Messages name the path given, so the CLI user sees which file.
        raise IndicatorsError(
            [
                Problem(p.message, file=str(path), hint=p.hint, code=p.code, params=p.params)
                for p in exc.problems
            ]
        ) from None


def check_text(text: str, where: str | None = None) -> None:
    """Raise IndicatorsError when a document's text is empty or longer than one report can be."""
    if not text.strip():
        raise IndicatorsError([_doc_problem("the document has no text", "documents.empty", where)])
    if len(text) > MAX_TEXT_CHARS:
        raise IndicatorsError(
            [
                _doc_problem(
                    f"the text has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}",
                    "documents.text_too_long",
                    where,
                    "add the report in parts",
                    chars=len(text),
                    limit=MAX_TEXT_CHARS,
                )
            ]
        )


# --- the store -----------------------------------------------------------------------------------

_d = documents.c
_r = document_reviews.c


def _document(row: Any) -> Document:
    return Document(
        id=int(row.id),
        title=row.title,
        publisher=row.publisher,
        published=row.published,
        url=row.url,
        file_name=row.file_name,
        text=row.text,
        content_hash=row.content_hash,
        added_by=row.added_by,
        added_at=utc(row.added_at),
    )


def find_by_hash(store: Store, digest: str) -> Document | None:
    """Return the stored document with this content hash, if any."""
    with store.engine.connect() as conn:
        row = conn.execute(select(documents).where(_d.content_hash == digest)).first()
    return _document(row) if row is not None else None


def _duplicate(existing: Document, where: str | None) -> IndicatorsError:
    return IndicatorsError(
        [
            _doc_problem(
                f"this document is already stored as #{existing.id} '{existing.title}', added by "
                f"{existing.added_by} at {when_text(existing.added_at)}; nothing was added",
                "documents.duplicate",
                where,
                "open it on the sources page to review its figures",
                id=existing.id,
                title=existing.title,
                who=existing.added_by,
                when=when_text(existing.added_at),
            )
        ]
    )


def _clean_field(value: str | None, limit: int = 500) -> str | None:
    if value is None:
        return None
    value = _SPACE.sub(" ", value).strip()
    return value[:limit] or None


def add_document(
    store: Store,
    text: str,
    *,
    title: str | None,
    added_by: str,
    publisher: str | None = None,
    published: dt.date | None = None,
    url: str | None = None,
    file_name: str | None = None,
) -> Document:
    """Store a document; refused (nothing stored) when the same text is already stored."""
    text = clean_text(text)
    where = file_name or url
    check_text(text, where)
    if not added_by or not added_by.strip():
        raise IndicatorsError(
            [_doc_problem("who adds the document must be given", "documents.no_user", where)]
        )
    if url and not re.match(r"^https?://\S+$", url.strip()):
        raise IndicatorsError(
            [
                _doc_problem(
                    f"'{url}' is not a web address",
                    "documents.bad_url",
                    where,
                    "start it with https://",
                    url=url,
                )
            ]
        )
    digest = content_hash(text)
    existing = find_by_hash(store, digest)
    if existing is not None:
        raise _duplicate(existing, where)
    row = {
        "title": _clean_field(title, TITLE_CHARS) or default_title(text),
        "publisher": _clean_field(publisher),
        "published": published,
        "url": _clean_field(url, 2000),
        "file_name": _clean_field(file_name),
        "text": text,
        "content_hash": digest,
        "added_by": added_by.strip()[:100],
        "added_at": dt.datetime.now(dt.UTC),
    }
    try:
        with write_transaction(store.engine) as conn:
            new_id = conn.execute(insert(documents).returning(_d.id), row).scalar_one()
    except IntegrityError:
        # Someone added the same text a moment ago, between our look-up and the insert.
        existing = find_by_hash(store, digest)
        assert existing is not None
        raise _duplicate(existing, where) from None
    return Document(id=int(new_id), **row)  # type: ignore[arg-type]


def default_title(text: str) -> str:
    """Return the first non-empty line of the text, shortened, as a title."""
    for line in text.splitlines():
        line = line.strip().lstrip("-").strip()
        if len(line) >= 4:
            return line if len(line) <= 60 else line[:59] + "…"
    return text[:60]


def list_documents(store: Store, search: str | None = None) -> list[Document]:
    """Return stored documents, newest first (publication date, else when added); filtered by words."""
    with store.engine.connect() as conn:
        rows = [_document(r) for r in conn.execute(select(documents))]
    if search and search.strip():
        words = search.split()
        rows = [
            d
            for d in rows
            if all(
                w.lower() in f"{d.title} {d.publisher or ''} {d.file_name or ''} {d.url or ''}".lower()
                or w in d.text
                for w in words
            )
        ]

    def newest(d: Document) -> tuple[dt.date, dt.datetime, int]:
        return (d.published or d.added_at.date(), d.added_at, d.id)

    return sorted(rows, key=newest, reverse=True)


def get_document(store: Store, document_id: int) -> Document:
    """Return one stored document; raise IndicatorsError when there is none with this id."""
    with store.engine.connect() as conn:
        row = conn.execute(select(documents).where(_d.id == document_id)).first()
    if row is None:
        raise IndicatorsError(
            [
                _doc_problem(
                    f"no document #{document_id}",
                    "documents.not_stored",
                    hint="see `documents list`",
                    id=document_id,
                )
            ]
        )
    return _document(row)


def record_review(
    store: Store,
    user: User | None,
    document_id: int,
    quote_offset: int,
    figure_text: str,
    decision: str,
    *,
    indicator_id: str | None = None,
    place_code: str | None = None,
    period: str | None = None,
    value: float | None = None,
) -> Review:
    """Record a person's decision on one figure (accepted after its value was saved, or skipped)."""
    authorize(user, "enter", catalogue=store.catalogue)
    assert user is not None
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}")
    row = {
        "document_id": document_id,
        "quote_offset": quote_offset,
        "figure_text": figure_text,
        "decision": decision,
        "indicator_id": indicator_id,
        "place_code": place_code,
        "period": period,
        "value": value,
        "decided_by": user.name,
        "decided_at": dt.datetime.now(dt.UTC),
    }
    with write_transaction(store.engine) as conn:
        conn.execute(insert(document_reviews), row)
    return Review(**row)


def reviews_of(store: Store, document_ids: Sequence[int] | None = None) -> dict[tuple[int, int], Review]:
    """Return the latest decision for each (document, figure offset)."""
    query = select(document_reviews).order_by(_r.id)
    if document_ids is not None:
        query = query.where(_r.document_id.in_(list(document_ids)))
    out: dict[tuple[int, int], Review] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            out[(int(row.document_id), int(row.quote_offset))] = Review(
                document_id=int(row.document_id),
                quote_offset=int(row.quote_offset),
                figure_text=row.figure_text,
                decision=row.decision,
                indicator_id=row.indicator_id,
                place_code=row.place_code,
                period=row.period,
                value=row.value,
                decided_by=row.decided_by,
                decided_at=utc(row.decided_at),
            )
    return out


def parse_date(text: str | None, where: str = "--date") -> dt.date | None:
    """Read a date written 2024-11-14, 2024/11/14 or 2024年11月14日; None when empty."""
    if text is None or not text.strip():
        return None
    m = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", text)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise IndicatorsError(
        [
            Problem(
                f"'{text}' is not a date",
                path=where,
                hint="write it as 2024-11-14",
                code="documents.bad_date",
                params={"text": text},
            )
        ]
    )


# --- the seed articles ---------------------------------------------------------------------------

SEED_USER = "article-import"
# What the seed files do not say about themselves (the date is the day the article reports).
SEED_FACTS: dict[str, tuple[str | None, dt.date | None]] = {
    "000_cbbc4acc49a2d301.txt": ("滨州日报", dt.date(2024, 11, 14)),
    "001_7b59dc989c79f410.txt": ("人民网", dt.date(2024, 11, 15)),
    "002_38984b908ec6dde1.txt": (None, None),
    "003_ebf6949240cae94c.txt": ("滨州日报", None),
    "004_4ffd5773b4f85cfa.txt": ("中国社会工作联合会", dt.date(2022, 8, 16)),
}


def load_seed_documents(store: Store, seeds_dir: str | Path | None = None) -> tuple[int, int]:
    """Store the seed articles as documents unless already stored; return (added, already stored)."""
    from indicators.articles.sources import article_title
    from indicators.paths import SEEDS_DIR

    folder = Path(seeds_dir) if seeds_dir is not None else SEEDS_DIR
    added = kept = 0
    for path in sorted(folder.glob("*.txt")):
        text = clean_text(path.read_text(encoding="utf-8"))
        if find_by_hash(store, content_hash(text)) is not None:
            kept += 1
            continue
        publisher, published = SEED_FACTS.get(path.name, (None, None))
        add_document(
            store,
            text,
            title=article_title(text) or path.name,
            publisher=publisher,
            published=published,
            file_name=path.name,
            added_by=SEED_USER,
        )
        added += 1
    return added, kept


@dataclass(frozen=True)
class QuotedValue:
    """A current value read from a document, with the sentence it stands in and the figure's span there."""

    place_code: str
    period: str
    value: float
    unit: str
    qualifier: str
    entered_by: str
    document_id: int
    document_title: str
    sentence: str
    start: int
    end: int
    state: str = (
        "submitted"  # the revision's review state (indicators.store.approval): it counts once approved
    )


def quoted_values(store: Store, indicator_id: str) -> list[QuotedValue]:
    """Return the indicator's current values that came from a document, each in its sentence, newest first."""
    from sqlalchemy import and_, func

    from indicators.articles.proposals import sentence_at
    from indicators.store.db import observations

    o = observations.c
    latest = (
        select(o.place_code, o.period, func.max(o.revision).label("rev"))
        .where(o.indicator_id == indicator_id)
        .group_by(o.place_code, o.period)
        .subquery()
    )
    query = (
        select(observations, _d.title, _d.text)
        .join(
            latest,
            and_(
                o.place_code == latest.c.place_code, o.period == latest.c.period, o.revision == latest.c.rev
            ),
        )
        .join(documents, _d.id == o.document_id)
        .where(o.indicator_id == indicator_id, o.retracted.is_(False), o.quote_offset.is_not(None))
        .order_by(o.entered_at.desc())
    )
    with store.engine.connect() as conn:
        rows = list(conn.execute(query))
        value_reviews = last_reviews(conn, [indicator_id])
    reviews = reviews_of(store, sorted({int(r.document_id) for r in rows}))
    out = []
    for r in rows:
        review = reviews.get((int(r.document_id), int(r.quote_offset)))
        length = len(review.figure_text) if review is not None else 0
        sentence, start, end = sentence_at(r.text, int(r.quote_offset), length)
        out.append(
            QuotedValue(
                place_code=r.place_code,
                period=r.period,
                value=float(r.value),
                unit=r.unit,
                qualifier=r.qualifier,
                entered_by=r.entered_by,
                document_id=int(r.document_id),
                document_title=r.title,
                sentence=sentence,
                start=start,
                end=end,
                state=state_for(
                    getattr(
                        value_reviews.get((indicator_id, r.place_code, r.period, r.revision)), "action", None
                    )
                ),
            )
        )
    return out
