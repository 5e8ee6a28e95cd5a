"""The bibliography and the chapters agree: every entry of references.bib is
cited somewhere, and every citation has an entry (the book build would only
warn about the second, and never about the first)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")

pytestmark = pytest.mark.book


def prose():
    """The markdown of every chapter and page, as one text."""
    texts = [path.read_text(encoding="utf-8") for path in BOOK.glob("*.md")]
    for path in sorted(BOOK.glob("[0-9][0-9]-*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        texts += ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    return "\n".join(texts)


def test_every_entry_is_cited_and_every_citation_has_an_entry():
    bib = (BOOK / "references.bib").read_text(encoding="utf-8")
    entries = set(re.findall(r"^@\w+\{([^,\s]+),", bib, flags=re.MULTILINE))
    cited = {key.strip() for keys in CITE.findall(prose()) for key in keys.split(",")}
    assert len(entries) > 10 and len(cited) > 10  # the patterns found something
    assert sorted(cited - entries) == [], "cited without an entry"
    assert sorted(entries - cited) == [], "entries that no page cites"
