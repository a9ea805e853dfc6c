"""PDF from HTML, printed by the export browser, with the Noto CJK font embedded as a real (TrueType) font."""

from __future__ import annotations

import base64
import hashlib
import html
import io
import os
import string
import tempfile
import threading
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

from dashboard.export.system import CJK_FAMILY, cjk_font_files, require_export_tools
from indicators.paths import DEFINITIONS_DIR, PROJECT_DIR

PDF_FAMILY = "XinanPdfCJK"
PUNCTUATION = "，。：；、（）·—…％“”《》　！？【】"
# Bump when the font conversion changes, so cached base fonts are made again.
BASE_FONT_VERSION = 1
# Index of the Simplified Chinese face inside the Noto Sans CJK collection (JP, KR, SC, TC, HK, …).
_SC_NAME = "Noto Sans CJK SC"


def _face_index(path: Path) -> int:
    from fontTools.ttLib import TTCollection

    if path.suffix.lower() != ".ttc":
        return 0
    coll = TTCollection(str(path), lazy=True)
    for i, font in enumerate(coll.fonts):
        if font["name"].getDebugName(1) == _SC_NAME:
            return i
    return 0


def _cff_to_truetype(font: TTFont) -> None:
    # Chromium's PDF writer embeds TrueType outlines as a real font but turns CFF ones (all of Noto CJK)
    # into Type 3 glyph drawings; converting the subset's cubic curves to quadratic keeps the font a font.
    glyph_set = font.getGlyphSet()
    order = font.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    font["head"].indexToLocFormat = 0
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"


@lru_cache(maxsize=32)
def subset_font(path: str, characters: str) -> bytes:
    """Return a TrueType font with just these characters from a Noto CJK file (SC face)."""
    font = TTFont(path, fontNumber=_face_index(Path(path)), lazy=False)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    _cff_to_truetype(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _gb2312_level1() -> str:
    # The 3,755 most common hanzi (GB 2312 level 1), in code order.
    return "".join(
        bytes([hi, lo]).decode("gb2312")
        for hi in range(0xB0, 0xD8)
        for lo in range(0xA1, 0xFF)
        if not (hi == 0xD7 and lo > 0xF9)
    )


@cache
def base_characters() -> frozenset[str]:
    """Return the characters the cached base font holds: common hanzi and every character our texts use."""
    chars = set(_gb2312_level1()) | set(string.printable) | set(PUNCTUATION)
    texts = [
        *DEFINITIONS_DIR.glob("*.yaml"),
        *(PROJECT_DIR / "dashboard" / "locales").glob("*.yaml"),
        *(PROJECT_DIR / "dashboard" / "export").glob("*.py"),
        PROJECT_DIR / "dashboard" / "figures.py",
    ]
    for path in texts:
        chars |= set(path.read_text(encoding="utf-8"))
    return frozenset(_shown(chars))


def _shown(chars: set[str]) -> set[str]:
    # Controls (newlines, tabs) draw nothing and need no glyph; every other character does.
    return {c for c in chars if unicodedata.category(c)[0] != "C"}


def cache_dir() -> Path:
    """Return where built fonts are kept between runs (XINAN_CACHE_DIR, else ~/.cache/xinan)."""
    wanted = os.environ.get("XINAN_CACHE_DIR")
    if wanted:
        return Path(wanted)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "xinan"


def _base_font_path(style: str, source: Path, chars: frozenset[str]) -> Path:
    stat = source.stat()
    key = f"{BASE_FONT_VERSION}|{source}|{stat.st_size}|{stat.st_mtime_ns}|{''.join(sorted(chars))}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return cache_dir() / f"pdf-font-{style}-{digest}.ttf"


_BUILD_LOCK = threading.Lock()


def base_font_files(*, build: bool = False) -> dict[str, Path] | None:
    """Return the cached base fonts (TrueType, regular and bold), making them first if build; None if absent.

    Making them takes ~15 s of CPU (two faces, ~4,000 glyphs each); they are kept on disk, so only the first
    start of a machine pays it (dashboard/serve.py's warming does).
    """
    files = cjk_font_files()
    chars = base_characters()
    out: dict[str, Path] = {}
    for style in ("regular", "bold"):
        source = files.get(style) or files.get("regular")
        if source is None:
            return None
        target = _base_font_path(style, source, chars)
        if not target.exists():
            if not build:
                return None
            with _BUILD_LOCK:
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    data = subset_font(str(source), "".join(sorted(chars)))
                    # Written whole and then renamed: another process never reads half a font.
                    tmp = target.with_suffix(f".{os.getpid()}.tmp")
                    tmp.write_bytes(data)
                    tmp.replace(target)
        out[style] = target
    return out


def font_face_css(text: str) -> str:
    """Return @font-face rules that make PDF_FAMILY (regular and bold) cover every character of text."""
    needed = _shown(set(text) | set(string.printable) | set(PUNCTUATION))
    base = base_font_files()
    if base is not None and needed <= base_characters():
        # The cached base font as a file: nothing to make, and Chromium keeps only the glyphs printed.
        sources = {style: f"url({path.as_uri()}) format('truetype')" for style, path in base.items()}
    else:
        # Characters outside the base font (or no base font yet): a subset made for this text.
        files = cjk_font_files()
        chars = "".join(sorted(needed))
        sources = {}
        for style in ("regular", "bold"):
            path = files.get(style) or files.get("regular")
            if path is not None:
                data = base64.b64encode(subset_font(str(path), chars)).decode("ascii")
                sources[style] = f"url(data:font/ttf;base64,{data}) format('truetype')"
    # Both weights are real faces: Chromium prints synthetic bold as Type 3 drawings, not as a font.
    return "\n".join(
        f"@font-face {{ font-family: '{PDF_FAMILY}'; font-weight: {weight}; src: {sources[style]}; }}"
        for weight, style in ((400, "regular"), (700, "bold"))
        if style in sources
    )


def prefer_pdf_family(svg: str) -> str:
    """Return plotly SVG text with the embedded PDF font named before Noto Sans CJK SC."""
    # A family name of its own, so that no text falls back to the installed (CFF) face, which Chromium
    # prints as Type 3 drawings.
    return svg.replace(f"'{CJK_FAMILY}'", f"{PDF_FAMILY}, '{CJK_FAMILY}'")


def html_to_pdf(
    document: str, *, text: str | None = None, ready: str | None = None, long: bool = False
) -> bytes:
    """Print an HTML document to PDF in the export browser; its CJK text uses an embedded Noto CJK font.

    text: every character the page will show, when scripts add some that the document does not spell out.
    ready: a JavaScript promise the page resolves when its scripts have drawn everything.
    long: a long document (a briefing pack), printed in a tab of its own.
    """
    from dashboard.export.engine import engine, file_url

    require_export_tools()
    css = font_face_css(document if text is None else text)
    document = document.replace("</head>", f"<style>{css}</style></head>", 1)
    with tempfile.TemporaryDirectory(prefix="xinan-pdf-") as tmp:
        src = Path(tmp) / "doc.html"
        src.write_text(document, encoding="utf-8")
        return engine().print_pdf(file_url(src), ready=ready, own_tab=long)


def svg_to_pdf(svg: str, width: int, height: int) -> bytes:
    """Return a one-page PDF of an SVG image, the page exactly the image's size."""
    document = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape("chart")}</title>
<style>
  @page {{ size: {width}px {height}px; margin: 0; }}
  html, body {{ margin: 0; padding: 0; }}
  svg {{ display: block; }}
</style></head>
<body>{prefer_pdf_family(svg)}</body></html>"""
    return html_to_pdf(document)
