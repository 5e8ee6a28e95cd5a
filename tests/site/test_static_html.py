"""Static scan of the built HTML: nothing external is loaded, no link is broken.

These checks read the files; they need no browser. An external ``href`` is
fine on an ordinary link (``<a>``: launch buttons, the repository), but never
on a stylesheet, script, font, or preload, and no ``src`` may point off-site.
"""

from __future__ import annotations

import html.parser
import posixpath
from urllib.parse import unquote, urlsplit

import pytest
from sitepages import SITE, site_pages

PAGES = site_pages() or ["index.html"]
LOADING_RELS = {"stylesheet", "preload", "modulepreload", "icon", "prefetch", "font"}


class _Collector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.loads, self.links = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if attrs.get("src"):
            self.loads.append((tag, attrs["src"]))
        if tag == "link" and attrs.get("href"):
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & LOADING_RELS or attrs.get("as"):
                self.loads.append((tag, attrs["href"]))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_data(self, data):
        # Inline CSS may import fonts or sheets from elsewhere.
        if "@import" in data or "url(http" in data:
            self.loads.append(("inline", data.strip()[:120]))


def _parse(path):
    collector = _Collector()
    collector.feed((SITE / path).read_text(encoding="utf-8"))
    return collector


def _is_external(url):
    parts = urlsplit(url)
    return bool(parts.scheme in ("http", "https") or url.startswith("//"))


@pytest.mark.site
@pytest.mark.parametrize("path", PAGES)
def test_no_external_resources(site, path):
    external = [
        (tag, url)
        for tag, url in _parse(path).loads
        if tag == "inline" or _is_external(url)
    ]
    assert external == [], f"{path} loads from elsewhere: {external}"


@pytest.mark.site
@pytest.mark.parametrize("path", PAGES)
def test_internal_links_resolve(site, path):
    here = posixpath.dirname(path)
    broken = []
    for href in _parse(path).links:
        parts = urlsplit(href)
        if parts.scheme or href.startswith(("//", "mailto:", "javascript:")):
            continue
        target = posixpath.normpath(posixpath.join(here, unquote(parts.path)))
        if not parts.path:
            target = path
        if not (SITE / target).is_file():
            broken.append(f"{href} (no file {target})")
            continue
        if parts.fragment and target.endswith(".html"):
            if unquote(parts.fragment) not in _parse(target).ids:
                broken.append(f"{href} (no anchor #{parts.fragment} in {target})")
    assert broken == [], f"{path} has broken links: {broken}"


@pytest.mark.site
def test_css_has_no_external_imports(site):
    """The shared stylesheets must not pull fonts or sheets from a CDN."""
    offenders = []
    for css in (SITE / "_static").rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        for marker in ("url(http", "url(//", "@import url(http", '@import "http'):
            if marker in text:
                offenders.append(f"{css.relative_to(SITE)}: {marker}")
    assert offenders == []
