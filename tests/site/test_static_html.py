"""Static scan of the built HTML: nothing external is loaded, no link is broken.

These checks read the files; they need no browser. URLs are looked for where
URLs live: the attributes that load something (``src``, ``srcset``,
``poster``, ``data``, and ``href`` on a stylesheet, font, icon or preload),
and CSS ``url(...)`` and ``@import`` in style sheets, ``<style>`` elements and
``style`` attributes; never inside a ``data:`` URI, whose base64 text can
spell "http" by chance. (What scripts fetch is checked in the browser, by
``test_site.py``.) An external ``href`` is fine on an ordinary link (``<a>``:
launch buttons, the repository).
"""

from __future__ import annotations

import html.parser
import posixpath
import re
from urllib.parse import unquote, urlsplit

import pytest
from sitepages import SITE, site_pages

PAGES = site_pages() or ["index.html"]
LOADING_RELS = {"stylesheet", "preload", "modulepreload", "icon", "prefetch", "font"}
LOADING_ATTRIBUTES = ("src", "poster", "data")
CSS_URL = re.compile(
    r"""url\(\s*(['"]?)(?P<url>[^'")]*)\1\s*\)|@import\s+(['"])(?P<sheet>[^'"]*)\3""",
    flags=re.IGNORECASE,
)


def css_urls(css):
    """The URLs that CSS text loads: ``url(...)`` and ``@import "..."``."""
    return [url for m in CSS_URL.finditer(css) if (url := m["url"] or m["sheet"])]


class _Collector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.loads, self.links = set(), [], []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in LOADING_ATTRIBUTES:
            if attrs.get(key):
                self.loads.append((tag, attrs[key]))
        for candidate in (attrs.get("srcset") or "").split(","):
            if candidate.strip():
                self.loads.append((tag, candidate.split()[0]))
        self.loads += [
            (f"{tag} style", url) for url in css_urls(attrs.get("style") or "")
        ]
        if tag == "link" and attrs.get("href"):
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & LOADING_RELS or attrs.get("as"):
                self.loads.append((tag, attrs["href"]))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.loads += [("style", url) for url in css_urls(data)]


def _parse(text):
    collector = _Collector()
    collector.feed(text)
    collector.close()
    return collector


def _parse_page(path):
    return _parse((SITE / path).read_text(encoding="utf-8"))


def _is_external(url):
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") or url.strip().startswith("//")


def external_loads(text):
    """What an HTML text loads from elsewhere, as ``(where, url)`` pairs."""
    return [(where, url) for where, url in _parse(text).loads if _is_external(url)]


def test_external_loads_are_found_where_urls_live():
    """Base64 image data that spells "http" is no URL; a real one is found."""
    image = "data:image/png;base64,iVBORw0KGgohttpAAhttp//AAAA"
    local = (
        f'<img src="{image}" alt="http://example.org">'
        f'<script>var frames = ["{image}", "{image}"];</script>'
        '<a href="https://github.com/">the repository</a>'
        "<style>.a{background:url(data:image/png;base64,httpAA)}</style>"
        '<link rel="stylesheet" href="_static/book.css">'
        "<p>see https://example.org</p>"
    )
    assert external_loads(local) == []
    assert external_loads('<img src="https://example.org/x.png">') == [
        ("img", "https://example.org/x.png")
    ]
    assert external_loads(
        '<link rel="stylesheet" href="//cdn.example.org/a.css">'
        "<style>@import url('https://fonts.example.org/f.css');</style>"
        '<div style="background: url(http://example.org/b.png)"></div>'
        '<img srcset="a.png 1x, https://example.org/c.png 2x">'
    ) == [
        ("link", "//cdn.example.org/a.css"),
        ("style", "https://fonts.example.org/f.css"),
        ("div style", "http://example.org/b.png"),
        ("img", "https://example.org/c.png"),
    ]


@pytest.mark.site
@pytest.mark.parametrize("path", PAGES)
def test_no_external_resources(site, path):
    external = external_loads((SITE / path).read_text(encoding="utf-8"))
    assert external == [], f"{path} loads from elsewhere: {external}"


@pytest.mark.site
@pytest.mark.parametrize("path", PAGES)
def test_internal_links_resolve(site, path):
    here = posixpath.dirname(path)
    broken = []
    for href in _parse_page(path).links:
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
            if unquote(parts.fragment) not in _parse_page(target).ids:
                broken.append(f"{href} (no anchor #{parts.fragment} in {target})")
    assert broken == [], f"{path} has broken links: {broken}"


@pytest.mark.site
def test_css_has_no_external_imports(site):
    """The shared stylesheets must not pull fonts or sheets from a CDN."""
    offenders = []
    for css in (SITE / "_static").rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        offenders += [
            f"{css.relative_to(SITE)}: {url}"
            for url in css_urls(text)
            if _is_external(url)
        ]
    assert offenders == []
