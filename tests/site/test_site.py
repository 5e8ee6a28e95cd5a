"""Checks of every page of the built site, in a real browser.

For every page: no request leaves 127.0.0.1, no request fails, no console or
page error, the math is typeset by MathJax, no code cell needs a horizontal
scroll bar at 1280 pixels, every animation player steps when its next-frame
button is pressed, and the page's own weight (its HTML plus the images it
embeds or links from ``_images``) is at most 2 MB.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sitepages import SITE, site_pages

PAGE_BUDGET = 2 * 1024 * 1024
PAGES = site_pages() or ["index.html"]


def _visit(context, url):
    """Open ``url``; return the page and what happened while it loaded."""
    events = {"requests": [], "failed": [], "errors": [], "bytes": 0}
    page = context.new_page()

    def on_response(response):
        if response.status >= 400:
            events["failed"].append(f"{response.status} {response.url}")

    def on_console(message):
        if message.type == "error":
            events["errors"].append(f"console: {message.text}")

    page.on("request", lambda r: events["requests"].append(r.url))
    page.on("requestfailed", lambda r: events["failed"].append(f"{r.failure} {r.url}"))
    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda e: events["errors"].append(f"pageerror: {e}"))
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, events


def _math_count(page):
    return page.evaluate(
        "() => document.querySelectorAll("
        "'div.math, span.math, .math-wrapper, .amsmath').length"
    )


@pytest.mark.site
@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly(context, server, path):
    page, events = _visit(context, f"{server}/{path}")
    try:
        if _math_count(page):
            page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
            )
            page.evaluate("() => MathJax.startup.promise")
            typeset = page.evaluate(
                "() => document.querySelectorAll('mjx-container').length"
            )
            merrors = page.evaluate(
                "() => document.querySelectorAll('mjx-merror').length"
            )
            raw = page.evaluate(
                r"""() => [...document.querySelectorAll('.math')]
                    .filter(e => !e.querySelector('mjx-container'))
                    .map(e => e.textContent.slice(0, 60))"""
            )
            assert typeset > 0, "math on the page but MathJax typeset nothing"
            assert merrors == 0, f"{merrors} MathJax errors"
            assert raw == [], f"math left as raw TeX: {raw[:5]}"
        # Code cells and their text outputs fit the page (1280 pixels wide):
        # no horizontal scroll bar.
        wide = page.evaluate(
            r"""() => [...document.querySelectorAll(
                    'div.cell_input pre, div.cell_output pre')]
                .filter(e => e.scrollWidth > e.clientWidth + 1)
                .map(e => e.textContent.split('\n')
                    .reduce((a, l) => (l.length > a.length ? l : a), ''))"""
        )
        assert wide == [], f"code or output wider than the page: {wide[:3]}"
        base = urlsplit(server).netloc
        foreign = [
            u
            for u in events["requests"]
            if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != base
        ]
        assert foreign == [], f"requests to other hosts: {foreign}"
        assert events["failed"] == [], f"failed requests: {events['failed']}"
        assert events["errors"] == [], f"errors: {events['errors']}"
    finally:
        page.close()


@pytest.mark.site
@pytest.mark.parametrize("path", PAGES)
def test_animations_step(context, server, path):
    page, events = _visit(context, f"{server}/{path}")
    try:
        players = page.locator(".sepconv-player")
        for i in range(players.count()):
            player = players.nth(i)
            name = player.get_attribute("data-animation")
            img = player.locator("img")
            button = player.locator("button[data-action='next']")
            assert button.count() == 1, f"animation {name} has no next button"
            assert button.is_visible(), f"animation {name}: next button hidden"
            assert not player.locator(".sepconv-player-note").is_visible(), name
            before = img.get_attribute("src")
            button.click()
            after = img.get_attribute("src")
            assert after != before, f"animation {name}: next did not change frame"
        assert events["errors"] == [], f"errors: {events['errors']}"
    finally:
        page.close()


def _page_weight(path):
    """Bytes of a page's HTML plus the local images it shows."""
    html_file = SITE / path
    html = html_file.read_text(encoding="utf-8")
    total = html_file.stat().st_size
    for src in set(re.findall(r'<img[^>]+src="([^"]+)"', html)):
        if src.startswith("data:") or "_static/" in src:
            continue
        target = (html_file.parent / src.split("#")[0].split("?")[0]).resolve()
        if target.is_file():
            total += target.stat().st_size
    return total


@pytest.mark.site
@pytest.mark.parametrize("path", PAGES)
def test_page_weight(site, path):
    weight = _page_weight(path)
    assert weight <= PAGE_BUDGET, f"{path} weighs {weight / 1e6:.2f} MB"


@pytest.mark.site
def test_site_report(context, server, site):
    """Write the figures for the closing note (sizes, first-visit transfer)."""
    sizes = {}
    for path in PAGES:
        sizes[path] = _page_weight(path)
    page = context.new_page()
    transferred = []

    def on_response(response):
        try:
            transferred.append(len(response.body()))
        except Exception:  # redirects have no body
            transferred.append(0)

    page.on("response", on_response)
    page.goto(f"{server}/index.html", wait_until="load")
    page.wait_for_load_state("networkidle")
    page.close()
    total = sum(f.stat().st_size for f in Path(site).rglob("*") if f.is_file())
    report = {
        "site_bytes": total,
        "largest_page": max(sizes, key=sizes.get),
        "largest_page_bytes": max(sizes.values()),
        "first_visit_bytes": sum(transferred),
        "first_visit_requests": len(transferred),
        "pages": sizes,
    }
    (Path(site).parent / "site-report.json").write_text(json.dumps(report, indent=1))
    assert report["first_visit_requests"] > 0


@pytest.mark.site
def test_every_configured_animation_is_on_the_site(site):
    """The per-page stepping test above has something to step: each named
    animation of sepconv.animation appears on at least one page."""
    from sepconv.animation import CONFIGURATIONS

    html = "".join((SITE / path).read_text(encoding="utf-8") for path in PAGES)
    missing = [
        name for name in CONFIGURATIONS if f'data-animation="{name}"' not in html
    ]
    assert missing == [], f"animations not shown on any page: {missing}"
