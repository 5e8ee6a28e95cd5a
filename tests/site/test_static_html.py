"""Static scan of the built HTML: nothing external is loaded, no link is broken,
every image in a chapter's text has an alternative text.

These checks read the files; they need no browser. URLs are looked for where
URLs live: the attributes that load something (``src``, ``srcset``,
``poster``, ``data``, and ``href`` on a stylesheet, font, icon or preload),
and CSS ``url(...)`` and ``@import`` in style sheets, ``<style>`` elements and
``style`` attributes; never inside a ``data:`` URI, whose base64 text can
spell "http" by chance. (What scripts fetch is checked in the browser, by
``test_site.py``.) An external ``href`` is fine on an ordinary link (``<a>``:
launch buttons, the repository).

Every ``<img>`` inside a chapter page's article (figures, animation frames) has
an ``alt`` of at least three words that is not a path: myst-nb writes the
image's own path there unless the cell's metadata gives one (``mystnb.image.alt``).
"""

from __future__ import annotations

import html.parser
import posixpath
import re
from urllib.parse import unquote, urlsplit

import pytest
from chapters import CHAPTERS
from sitepages import SITE, site_pages

PAGES = site_pages() or ["index.html"]
CHAPTER_PAGES = [p for p in PAGES if re.fullmatch(r"book/\d\d-[^/]+\.html", p)] or [
    f"book/{name.removesuffix('.ipynb')}.html" for name in CHAPTERS
]
IMAGE_PATH = re.compile(r"\.(png|jpe?g|gif|svg|webp)\b|_images|^data:", re.IGNORECASE)
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


class _ArticleImages(html.parser.HTMLParser):
    """The ``<img>`` elements inside a page's article (``article.bd-article``),
    each as ``(where, alt)``: ``where`` names the image (its ``src``, or for
    inline data the nearest element id or animation name before it)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images, self._depth, self._last_name = [], 0, "the page"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("id") or attrs.get("data-animation")
        if name:
            self._last_name = f"#{name}"
        classes = (attrs.get("class") or "").split()
        if tag == "article" and (self._depth or "bd-article" in classes):
            self._depth += 1
        elif tag == "img" and self._depth:
            src = attrs.get("src") or ""
            where = (
                f"inline image after {self._last_name}"
                if src.startswith("data:")
                else src
            )
            self.images.append((where, attrs.get("alt")))

    def handle_endtag(self, tag):
        if tag == "article" and self._depth:
            self._depth -= 1


def article_images(text):
    """``(where, alt)`` of every ``<img>`` in the article of an HTML text."""
    parser = _ArticleImages()
    parser.feed(text)
    parser.close()
    return parser.images


def alt_problem(alt):
    """What keeps ``alt`` from telling a reader what an image shows, or None."""
    if alt is None or not alt.strip():
        return "no alt text"
    if IMAGE_PATH.search(alt) or (" " not in alt.strip() and "/" in alt):
        return "a path, not a description"
    if len(alt.split()) < 3:
        return "fewer than 3 words"
    return None


def test_article_images_and_their_alt_problems_are_found():
    """Only the article's images count; a path or a word or two is no alt text."""
    page = (
        '<header><img src="../_static/logo.svg" alt=""></header>'
        '<article class="bd-article"><figure id="fig-a">'
        '<img alt="../_images/0a1b.png" src="../_images/0a1b.png" /></figure>'
        '<div data-animation="scan"><img src="data:image/png;base64,AAAA" '
        'alt="a kernel scanning an image"></div>'
        '<img src="../_images/c.png" alt="ratio curve"><img src="d.png">'
        "</article>"
    )
    found = article_images(page)
    assert found == [
        ("../_images/0a1b.png", "../_images/0a1b.png"),
        ("inline image after #scan", "a kernel scanning an image"),
        ("../_images/c.png", "ratio curve"),
        ("d.png", None),
    ]
    assert [alt_problem(alt) for _, alt in found] == [
        "a path, not a description",
        None,
        "fewer than 3 words",
        "no alt text",
    ]
    assert alt_problem("the separable to full ratio falls towards 2 over m") is None


@pytest.mark.site
@pytest.mark.parametrize("path", CHAPTER_PAGES)
def test_every_image_in_a_chapter_has_an_alternative_text(site, path):
    images = article_images((SITE / path).read_text(encoding="utf-8"))
    assert images, f"{path}: no image found in its article"
    missing = [
        f"{where}: {problem} ({alt!r})"
        for where, alt in images
        if (problem := alt_problem(alt))
    ]
    assert missing == [], f"{path}: images without a usable alt text: {missing}"
