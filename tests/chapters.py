"""The chapters' notebooks as data, for the tests that read their sources."""

from __future__ import annotations

import json
import re
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent / "book"
CHAPTERS = sorted(p.name for p in BOOK.glob("[0-9][0-9]-*.ipynb"))
EVAL = re.compile(r"\{eval\}`([^`]+)`")
GATE = re.compile(r"^:{3,}\{(solution-start|solution-end)\}", re.MULTILINE)


def cells(name):
    """The cells of chapter ``name`` as stored."""
    return json.loads((BOOK / name).read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


def gated(chapter_cells):
    """Indices of the cells inside gated solutions.

    A markdown cell may hold several directives (the end of one solution, the
    next exercise, the start of its solution): the last gate marker in a cell
    says whether the cells after it are inside a solution.
    """
    inside, found = False, []
    for index, cell in enumerate(chapter_cells):
        marks = GATE.findall(source(cell)) if cell["cell_type"] == "markdown" else []
        if marks:
            inside = marks[-1] == "solution-start"
        elif inside:
            found.append(index)
    return found
