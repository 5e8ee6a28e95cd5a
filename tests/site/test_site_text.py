"""Static checks of what the built pages say and link to.

No link points at a placeholder host; the repository and launch buttons are
there exactly when ``_config.yml`` names the book's repository; the tab title
names the book once; exercises are numbered per chapter; there is no second
search bar at the top of the page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sitepages import ROOT, SITE, site_pages

PAGES = site_pages() or ["index.html"]
CHAPTERS = [p for p in PAGES if re.match(r"book/\d\d-", p)]
# Host names reserved for examples and tests (RFC 2606, RFC 6761).
PLACEHOLDER = re.compile(
    r"(^|\.)(example\.(com|net|org)|example|invalid|test|localhost)$", re.IGNORECASE
)
LAUNCH_HOSTS = ("mybinder.org", "colab.research.google.com")
ANY_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"']+)["']""")


def _html(path):
    return (SITE / path).read_text(encoding="utf-8")


def _config():
    import yaml  # the book's environment has it; a plain install of sepconv does not

    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


@pytest.mark.site
@pytest.mark.parametrize("path", PAGES)
def test_no_link_to_a_placeholder_host(site, path):
    hosts = {urlsplit(url).hostname or "" for url in ANY_URL.findall(_html(path))}
    placeholders = sorted(h for h in hosts if PLACEHOLDER.search(h))
    assert placeholders == [], f"{path} links to placeholder hosts: {placeholders}"


@pytest.mark.site
def test_buttons_only_with_a_repository(site):
    repository = (_config().get("repository") or {}).get("url") or ""
    for path in CHAPTERS:
        html = _html(path)
        launch = [
            u for u in ANY_URL.findall(html) if urlsplit(u).hostname in LAUNCH_HOSTS
        ]
        if not repository:
            assert launch == [], f"{path}: launch buttons without a repository"
            assert "repository-button" not in html, f"{path}: repository button"
        else:
            assert launch, f"{path}: no launch button though repository.url is set"
            name = urlsplit(repository).path.strip("/")
            assert all(name in u for u in launch), f"{path}: {launch}"


@pytest.mark.site
@pytest.mark.parametrize("path", PAGES)
def test_tab_title_names_the_book_once(site, path):
    book = _config()["title"]
    for title in re.findall(r"<title>(.*?)</title>", _html(path), flags=re.S):
        title = title.replace("&#8212;", "—").replace("&amp;", "&")
        assert title.count(book) <= 1, f"{path}: {title!r}"


@pytest.mark.site
@pytest.mark.parametrize("path", CHAPTERS)
def test_exercises_are_numbered_per_chapter(site, path):
    chapter = int(re.match(r"book/(\d\d)-", path).group(1))
    found = re.findall(r'<span class="caption-number">Exercise ([\d.]+)', _html(path))
    expected = [f"{chapter}.{k}" for k in range(1, len(found) + 1)]
    assert found == expected, f"{path}: exercises numbered {found}"


@pytest.mark.site
@pytest.mark.parametrize("path", PAGES)
def test_no_second_search_bar(site, path):
    header = re.search(
        r'<header id="pst-header"[^>]*>(.*?)</header>', _html(path), flags=re.S
    )
    assert header is None or header.group(1).strip() == "", (
        f"{path}: a top bar with content (a second search box, a second sidebar toggle)"
    )
