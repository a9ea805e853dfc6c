"""Why dashboard/export/engine.py still patches kaleido, and that the patch applies to the pinned version.

kaleido 1.x's public API (`Kaleido(n=…, timeout=…)`, `calc_fig`, and the sync server over them)
has no way to keep a tab between images: `Kaleido._return_kaleido_tab` reloads the tab
(and plotly.js) after every image. Measured on this machine (docs/export.md): public API warm PNG
~0.27–0.29 s (n=2 tabs: ~0.43 s), with the reuse patch ~0.065 s; first PNG ~3–4 s either way. When a kaleido
upgrade changes these internals, these tests fail, so the patch is looked at again instead of silently
falling back to the slow path or breaking."""

from __future__ import annotations

import inspect
from importlib.metadata import version

import kaleido
from kaleido.kaleido import Kaleido

from dashboard.export import engine
from indicators.paths import PROJECT_DIR


def test_kaleido_is_the_pinned_version_the_patch_was_written_for() -> None:
    pinned = next(
        line.split("==")[1].strip()
        for line in (PROJECT_DIR / "requirements.txt").read_text().splitlines()
        if line.startswith("kaleido==")
    )
    assert version("kaleido") == pinned == "1.5.0"


def test_the_public_api_still_reloads_the_tab_after_every_image() -> None:
    # The reason for the patch: without it every image reloads the page and plotly.js.
    assert "reload()" in inspect.getsource(Kaleido._return_kaleido_tab)
    # And the public starter offers no option to turn that off.
    opened = inspect.signature(Kaleido.__init__).parameters
    assert not {name for name in opened if "reload" in name or "reuse" in name}
    assert callable(kaleido.start_sync_server) and callable(kaleido.calc_fig_sync)


def test_the_engine_uses_a_tab_reusing_kaleido() -> None:
    patched = engine._reusing_kaleido()
    assert issubclass(patched, Kaleido) and patched._xinan_reuse is True
    assert "_return_kaleido_tab" in vars(patched)
