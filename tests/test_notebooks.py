"""The chapters' sources follow the rules that make them read well anywhere.

These read the stored notebooks only (fast, no kernel): nbval checks their
outputs, the book build their prose's values, and the JupyterLab test what a
learner sees.

* The first code cell is the set-up cell (tagged ``remove-cell``): it installs
  ``sepconv`` where ``import sepconv`` fails and does nothing otherwise.
* Reader-facing cells import only the standard library, NumPy, SciPy,
  matplotlib, ipywidgets and ``sepconv``: nothing that a bare host (Colab, a
  fresh JupyterHub) lacks once ``sepconv`` is installed.
* Numbers in the prose are inline expressions (``{eval}``), never myst-nb
  glue, which JupyterLab cannot show; every expression has a stored value.
* What the website hides, JupyterLab folds: cells tagged ``remove-cell`` or
  ``hide-input`` have their source folded, and the code of a gated solution
  its source and outputs; no markdown cell sits inside a gated solution (its
  prose belongs in the body of ``solution-start``, which folds).
* Cross-references to chapters are links to the notebooks
  (``[text](NN-name.ipynb)``), which work in JupyterLab and on the website,
  and each points to a chapter that exists.
* Every static figure (a code cell with a PNG output) has an alternative text
  in its cell's metadata (``mystnb.image.alt``): plain words that say what the
  picture shows and what to see in it, neither a path nor a copy of the
  caption, which screen readers read as well.
"""

from __future__ import annotations

import ast
import re
import sys

import pytest
from chapters import BOOK, CHAPTERS, EVAL, cells, gated, source

pytestmark = pytest.mark.book

ALLOWED = {"numpy", "scipy", "matplotlib", "ipywidgets", "sepconv", "IPython"}
SETUP_MARK = "Set-up: installs sepconv where it is missing"


def code_cells(name):
    return [c for c in cells(name) if c["cell_type"] == "code"]


@pytest.mark.parametrize("name", CHAPTERS)
def test_the_first_code_cell_sets_up_sepconv_and_nothing_else(name):
    first = code_cells(name)[0]
    text = source(first)
    assert SETUP_MARK in text
    assert "remove-cell" in first["metadata"].get("tags", [])
    tree = ast.parse(re.sub(r"^(\s*)%pip .*$", r"\1pass", text, flags=re.M))
    (statement,) = tree.body
    assert isinstance(statement, ast.Try)
    assert ast.unparse(statement.body[0]) == "import sepconv"
    assert [h.type.id for h in statement.handlers] == ["ImportError"]
    assert re.search(
        r'%pip install --quiet "sepconv\[widgets(,learn)?\] @ git\+https://', text
    )


@pytest.mark.parametrize("name", CHAPTERS)
def test_reader_cells_import_only_what_sepconv_brings(name):
    stdlib = set(sys.stdlib_module_names)
    for cell in code_cells(name)[1:]:
        text = re.sub(r"^\s*[%!].*$", "", source(cell), flags=re.M)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            for root in roots:
                assert root in ALLOWED or root in stdlib, (name, root)


@pytest.mark.parametrize("name", CHAPTERS)
def test_prose_numbers_are_inline_expressions_with_stored_values(name):
    for index, cell in enumerate(cells(name)):
        text = source(cell)
        assert "glue" not in text, (name, index)
        if cell["cell_type"] != "markdown":
            continue
        stored = cell["metadata"].get("user_expressions", [])
        assert [e["expression"] for e in stored] == EVAL.findall(text), (name, index)
        assert all(e["result"]["status"] == "ok" for e in stored), (name, index)


@pytest.mark.parametrize("name", CHAPTERS)
def test_what_the_website_hides_jupyterlab_folds(name):
    chapter = cells(name)
    inside = set(gated(chapter))
    for index, cell in enumerate(chapter):
        folded = cell["metadata"].get("jupyter", {})
        tags = cell["metadata"].get("tags", [])
        if index in inside:
            assert cell["cell_type"] == "code", (
                f"{name}, cell {index}: prose inside a gated solution shows in "
                "JupyterLab; put it in the body of solution-start"
            )
            assert folded == {"source_hidden": True, "outputs_hidden": True}, index
        elif cell["cell_type"] == "code" and {"remove-cell", "hide-input"} & set(tags):
            if SETUP_MARK not in source(cell):
                assert folded.get("source_hidden") is True, (name, index)


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_links_are_notebook_links_that_exist(name):
    for cell in cells(name):
        if cell["cell_type"] != "markdown":
            continue
        text = source(cell)
        assert "{doc}" not in text
        for target in re.findall(r"\]\(([^)#\s]+\.ipynb)(?:#[^)]*)?\)", text):
            assert (BOOK / target).is_file(), (name, target)


def _figure_cells(name):
    """``(index, cell)`` of the code cells of chapter ``name`` with a PNG output."""
    return [
        (index, cell)
        for index, cell in enumerate(cells(name))
        if cell["cell_type"] == "code"
        and any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
    ]


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_figure_has_an_alternative_text(name):
    for index, cell in _figure_cells(name):
        options = cell["metadata"].get("mystnb", {})
        alt = options.get("image", {}).get("alt", "")
        where = f"{name}, cell {index}"
        assert len(alt.split()) >= 12, (
            f"{where}: the figure needs mystnb.image.alt, 12 words or more "
            f"on what it shows; found {alt!r}"
        )
        assert "/" not in alt and ".png" not in alt.lower(), (where, "path-like", alt)
        assert alt.strip() != options.get("figure", {}).get("caption", "").strip(), (
            where,
            "the alt text repeats the caption",
        )
        assert not set("{`$") & set(alt), (where, "markup in the alt text", alt)


def _stored_value(name, expression):
    """The stored text of the inline expression ``expression`` in chapter ``name``."""
    for cell in cells(name):
        for stored in cell["metadata"].get("user_expressions", []):
            if stored["expression"] == expression:
                return ast.literal_eval(stored["result"]["data"]["text/plain"])
    raise AssertionError(f"{expression} is not in {name}")


def _number(text):
    return int(re.sub(r"\D", "", text))


def test_summary_verdicts_agree_with_the_alternatives_table():
    """Chapter 8's verdicts against chapter 7's stored table of every layer."""
    table = next(
        "".join(out["data"]["text/html"])
        for cell in cells("07-alternatives.ipynb")
        if cell["cell_type"] == "code"
        for out in cell.get("outputs", [])
        if "text/html" in out.get("data", {})
        and "<th>layer" in "".join(out["data"]["text/html"])
    )
    rows = {}
    for row in re.findall(r"<tr>(<td.*?)</tr>", table, flags=re.S):
        label, _, weights, mults, _ = re.findall(r"<td[^>]*>(.*?)</td>", row)
        rows[label.strip().split(" (")[0]] = (_number(weights), _number(mults))
    assert len(rows) == 8, rows
    reach = {name: value for name, value in rows.items() if "pointwise" not in name}
    summary = "08-summary.ipynb"
    fewest = _stored_value(summary, "fewest_weights")
    assert reach[fewest][0] == min(w for w, _ in reach.values())
    fewest = _stored_value(summary, "fewest_mults")
    assert reach[fewest][1] == min(m for _, m in reach.values())
    difference = rows["flattened"][0] - rows["depthwise separable"][0]
    assert _stored_value(summary, "abs(flat_minus_sep)") == abs(difference)
    more = _stored_value(summary, "flat_vs_sep") == "more"
    assert more == (difference > 0)
