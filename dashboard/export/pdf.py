"""PDF from HTML by Chromium headless, with the Noto CJK font embedded as a real (TrueType) font."""

from __future__ import annotations

import base64
import html
import io
import string
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

from dashboard.export.system import CJK_FAMILY, cjk_font_files, require_export_tools
from indicators.errors import IndicatorsError, Problem

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)
PRINT_TIMEOUT_S = 120
PDF_FAMILY = "XinanPdfCJK"
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


def font_face_css(text: str) -> str:
    """Return @font-face rules that make PDF_FAMILY (regular and bold) cover every character of text."""
    files = cjk_font_files()
    chars = "".join(sorted(set(text) | set(string.printable) | set("，。：；、（）·—…％")))
    rules = []
    # Both weights are real faces: Chromium prints synthetic bold as Type 3 drawings, not as a font.
    for weight, style in ((400, "regular"), (700, "bold")):
        path = files.get(style) or files.get("regular")
        if path is None:
            continue
        data = base64.b64encode(subset_font(str(path), chars)).decode("ascii")
        rules.append(
            f"@font-face {{ font-family: '{PDF_FAMILY}'; font-weight: {weight}; "
            f"src: url(data:font/ttf;base64,{data}) format('truetype'); }}"
        )
    return "\n".join(rules)


def prefer_pdf_family(svg: str) -> str:
    """Return plotly SVG text with the embedded PDF font named before Noto Sans CJK SC."""
    # A family name of its own, so that no text falls back to the installed (CFF) face, which Chromium
    # prints as Type 3 drawings.
    return svg.replace(f"'{CJK_FAMILY}'", f"{PDF_FAMILY}, '{CJK_FAMILY}'")


def html_to_pdf(document: str, *, text: str | None = None, wait_ms: int = 0) -> bytes:
    """Print an HTML document to PDF with Chromium headless; its CJK text uses an embedded Noto CJK subset.

    text: every character the page will show, when scripts add some that the document does not spell out.
    wait_ms: time the page's scripts get before printing.
    """
    chromium = require_export_tools()
    css = font_face_css(document if text is None else text)
    document = document.replace("</head>", f"<style>{css}</style></head>", 1)
    with tempfile.TemporaryDirectory(prefix="xinan-pdf-") as tmp:
        src = Path(tmp) / "doc.html"
        out = Path(tmp) / "doc.pdf"
        src.write_text(document, encoding="utf-8")
        cmd = [
            str(chromium),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={out}",
            *([f"--virtual-time-budget={wait_ms}"] if wait_ms else []),
            src.as_uri(),
        ]
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise IndicatorsError(
                [Problem(f"Chromium did not finish printing the PDF within {PRINT_TIMEOUT_S} s")]
            ) from exc
        if not out.exists() or out.stat().st_size == 0:
            tail = "\n".join(result.stderr.strip().splitlines()[-5:])
            raise IndicatorsError(
                [
                    Problem(
                        f"Chromium could not print the PDF (exit {result.returncode}): {tail}",
                        hint="check that the chromium package works: chromium --headless --version",
                    )
                ]
            )
        return out.read_bytes()


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
