"""Checks that the machine can render exports: Chromium and the Noto CJK fonts."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

from indicators.errors import IndicatorsError, Problem

# Debian names; `make run` and `make test` install them (Makefile DEB_PACKAGES).
CHROMIUM_PACKAGE = "chromium"
CJK_FONT_PACKAGE = "fonts-noto-cjk"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CJK_FAMILY = "Noto Sans CJK SC"


def chromium_path() -> Path | None:
    """Return the Chromium executable to use, or None when none is installed."""
    wanted = os.environ.get("BROWSER_PATH")
    if wanted and Path(wanted).is_file():
        return Path(wanted)
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    found = shutil.which("chromium")
    return Path(found) if found else None


@cache
def cjk_font_files() -> dict[str, Path]:
    """Return the Noto Sans CJK font files by weight ("regular", "bold"), as fontconfig lists them."""
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file", "family", "style"],
            capture_output=True,
            text=True,
            check=False,
            timeout=20,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return {}
    files: dict[str, Path] = {}
    for line in out.splitlines():
        path, _, rest = line.partition(":")
        if "NotoSansCJK" not in path or "Mono" in rest:
            continue
        style = rest.rpartition("style=")[2].split(",")[0].strip().lower()
        if style in ("regular", "bold"):
            files.setdefault(style, Path(path.strip()))
    return files


def missing_packages() -> list[str]:
    """Return the Debian packages an export needs that are not on this machine."""
    missing = []
    if chromium_path() is None:
        missing.append(CHROMIUM_PACKAGE)
    if "regular" not in cjk_font_files():
        missing.append(CJK_FONT_PACKAGE)
    return missing


def require_export_tools() -> Path:
    """Return the Chromium path; raise IndicatorsError naming the Debian packages to install if missing."""
    missing = missing_packages()
    if missing:
        names = " ".join(missing)
        what = []
        if CHROMIUM_PACKAGE in missing:
            what.append("Chromium (checked /usr/bin/chromium) renders charts and PDFs")
        if CJK_FONT_PACKAGE in missing:
            what.append("the Noto CJK fonts (`fc-list :lang=zh` lists none) draw the Chinese text")
        raise IndicatorsError(
            [
                Problem(
                    f"chart export needs Debian packages that are missing: {names}; " + "; ".join(what),
                    hint=f"run `make run` or `make test` (they install them), or `apt-get install -y {names}`",
                )
            ]
        )
    path = chromium_path()
    assert path is not None
    return path
