"""On the website, a gated solution opens with the text of its ``solution-start``.

The chapters keep a gated solution's prose in the body of its
``solution-start`` directive, where JupyterLab folds it. sphinx-exercise
1.2.1 would drop that body without a warning; ``book/_ext`` moves it into the
solution. This reads the built pages: every such body's words are inside the
page's solution dropdowns.
"""

from __future__ import annotations

import html.parser
import re

import pytest
from chapters import CHAPTERS, cells, source

pytestmark = pytest.mark.site


class _Solutions(html.parser.HTMLParser):
    """The text inside each ``div.solution`` of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0  # open <div>s since the current solution began
        self.texts = []

    def handle_starttag(self, tag, attrs):
        if tag != "div":
            return
        if self.depth:
            self.depth += 1
        elif "solution" in (dict(attrs).get("class") or "").split():
            self.depth = 1
            self.texts.append("")

    def handle_endtag(self, tag):
        if tag == "div" and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.texts[-1] += data


def bodies(name):
    """The plain-word runs of each solution-start body of a chapter."""
    found = []
    for cell in cells(name):
        text = source(cell)
        for match in re.finditer(
            r"^:{3,}\{solution-start\}[^\n]*\n((?::\w[^\n]*\n)*)(.*?)^:{3,}[ \t]*$",
            text,
            flags=re.MULTILINE | re.DOTALL,
        ):
            body = match.group(2)
            # the longest stretch of plain words (no math, code or roles)
            runs = re.findall(r"[A-Za-z][A-Za-z ,;'\-]{30,}", body)
            if runs:
                found.append(max(runs, key=len).strip(" ,;"))
    return found


def words(text):
    return " ".join(text.split())


@pytest.mark.parametrize("name", CHAPTERS)
def test_solution_start_bodies_open_their_solutions(site, name):
    expected = bodies(name)
    page = site / "book" / name.replace(".ipynb", ".html")
    parser = _Solutions()
    parser.feed(page.read_text(encoding="utf-8"))
    shown = [words(t) for t in parser.texts]
    for run in expected:
        assert any(words(run) in text for text in shown), run
