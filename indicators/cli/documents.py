"""Commands for documents: `documents add FILE` stores a report's text; `documents list` shows them."""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path

from indicators.articles.documents import list_documents, parse_date, read_document_file
from indicators.catalogue import load_catalogue
from indicators.guarded import GuardedStore
from indicators.paths import DEFINITIONS_DIR
from indicators.store.store import Store


def _store(args: argparse.Namespace) -> Store:
    return Store(args.db, catalogue=load_catalogue(args.definitions))


def _add(args: argparse.Namespace) -> int:
    published = parse_date(args.date)
    text = read_document_file(args.file)
    with _store(args) as store:
        doc = GuardedStore.as_account(store, args.user, "--user").add_document(
            text,
            title=args.title,
            publisher=args.publisher,
            published=published,
            url=args.url,
            file_name=Path(args.file).name,
        )
    print(f"added document #{doc.id}: {doc.label()} — {len(doc.text):,} characters")
    return 0


def _list(args: argparse.Namespace) -> int:
    with _store(args) as store:
        docs = list_documents(store, args.search)
    if args.json:
        rows = [
            {
                "id": d.id,
                "title": d.title,
                "publisher": d.publisher,
                "published": d.published.isoformat() if d.published else None,
                "url": d.url,
                "file_name": d.file_name,
                "chars": len(d.text),
                "added_by": d.added_by,
                "added_at": d.added_at.isoformat(),
            }
            for d in docs
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for d in docs:
        date = d.published.isoformat() if d.published else "          "
        print(f"#{d.id:<4} {date}  {d.title}  [{d.file_name or d.url or ''}]")
    print(f"{len(docs)} document{'s' if len(docs) != 1 else ''}")
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", help="database URL (default: $XINAN_DB_URL, else data/xinan.db)")
    p.add_argument("--definitions", default=str(DEFINITIONS_DIR), help="catalogue folder with framework.yaml")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `documents` command with `add` and `list`."""
    p = sub.add_parser("documents", help="reports and articles stored with their full text")
    inner = p.add_subparsers(dest="documents_command", required=True)

    a = inner.add_parser("add", help="store a .txt, .docx or .pdf report (the same text twice is refused)")
    a.add_argument("file")
    a.add_argument("--title", help="title (default: the first line of the text)")
    a.add_argument("--date", help="publication date, e.g. 2025-03-20")
    a.add_argument("--url", help="web address the report was taken from")
    a.add_argument("--publisher", help="who published it, e.g. 滨州市统计局")
    a.add_argument(
        "--user",
        default=getpass.getuser(),
        help="your account (one that may enter values; default: your login name)",
    )
    _common(a)
    a.set_defaults(handler=_add)

    ls = inner.add_parser("list", help="list stored documents, newest first")
    ls.add_argument("--search", help="only documents whose title or text holds these words")
    ls.add_argument("--json", action="store_true")
    _common(ls)
    ls.set_defaults(handler=_list)
