"""Fixtures for the checks of the built website (``_build/html``).

The site is served from 127.0.0.1 by a thread in the test process and opened
in the system Chromium through Playwright. Nothing else is started, so
nothing is left running.
"""

from __future__ import annotations

import functools
import http.server
import threading

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS
from sitepages import SITE


@pytest.fixture(scope="session")
def site():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site at {SITE}: run `make book` first")
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser(playwright):
    """The system Chromium, headless; each test opens its own fresh context.

    Playwright starts it with a new temporary ``--user-data-dir``.
    """
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture
def context(browser):
    """A fresh browser context (empty cache and storage) for one test."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()
