"""Static checks of what the built pages say and link to.

No link points at a placeholder host; the repository and launch buttons are
there exactly when ``_config.yml`` names the book's repository; the tab title
names the book once; exercises are numbered per chapter; there is no second
search bar at the top of the page.
"""

from __future__ import annotations

import re

import pytest
from sitepages import SITE, site_pages

PAGES = site_pages() or ["index.html"]


def _html(path):
    return (SITE / path).read_text(encoding="utf-8")


@pytest.mark.site
@pytest.mark.parametrize("path", PAGES)
def test_no_second_search_bar(site, path):
    header = re.search(
        r'<header id="pst-header"[^>]*>(.*?)</header>', _html(path), flags=re.S
    )
    assert header is None or header.group(1).strip() == "", (
        f"{path}: a top bar with content (a second search box, a second sidebar toggle)"
    )
