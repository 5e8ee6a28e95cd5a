"""Shared pytest set-up: the notebooks are checked by nbval, not collected here."""

import matplotlib
import pytest
from browser import CHROMIUM, require_or_skip

# Unit tests draw off-screen. (Only the test process: kernels started by nbval
# or JupyterLab keep their own inline backend.)
matplotlib.use("Agg", force=True)

collect_ignore_glob = ["../_build/*", "../book/*"]


@pytest.fixture(scope="session")
def playwright():
    """One Playwright driver for the whole run (its sync API allows only one)."""
    if not CHROMIUM.is_file():
        require_or_skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver
