"""The system Chromium for the browser tests (site checks and JupyterLab)."""

import os
from pathlib import Path

from required import require_or_skip as _require

CHROMIUM = Path(os.environ.get("SEPCONV_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--disable-sync",
    "--no-first-run",
]


def require_or_skip(reason):
    """Fail when CI requires the browser checks, skip otherwise."""
    _require(reason, "SEPCONV_REQUIRE_BROWSER")
