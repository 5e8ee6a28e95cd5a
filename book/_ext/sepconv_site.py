"""Sphinx glue for the sepconv book (loaded from _config.yml).

* **Numbers in the prose are computed, and stored ones are checked.** The
  chapters write their numbers as MyST inline expressions, ``{eval}`expr```,
  which myst-nb evaluates in the kernel while it executes the notebook
  (``execute_notebooks: inline``) and jupyterlab-myst evaluates in the
  reader's kernel. ``make execute`` also stores each markdown cell's values
  in its metadata (``user_expressions``, jupyterlab-myst's format), so that a
  notebook shows its numbers in JupyterLab before it is run. The role below
  renders myst-nb's value, as myst-nb does, and warns (an error under ``-W``)
  when the stored value differs from the one computed now, or is missing: the
  stored prose cannot drift from the code, as nbval keeps the stored outputs
  from drifting. A markdown cell tagged ``nbval-ignore-output`` quotes
  measured times, which change from run to run: its stored values are not
  compared (as nbval does not compare such a code cell's outputs).
* **Gated solutions keep their opening text.** The prose of a gated solution
  lives in the body of its ``solution-start`` directive, so that JupyterLab
  (jupyterlab-myst) folds it with the solution. sphinx-exercise 1.2.1 parses
  that body into a section which its ``MergeGatedSolutions`` transform then
  skips, dropping the text without a warning. The transform below moves the
  body to just after the directive (priority 9, before the merge at 10), so
  that it opens the solution's content, before the solution's code cells.
* Sphinx 7.4 can register the same inline script twice on a page (for
  instance when two extensions add the same snippet); the second copy throws
  a page error ("Identifier ... has already been declared"). Duplicates are
  dropped here, keeping the first occurrence. The handler runs first
  (priority 1): ``html-page-context`` is emitted with ``emit_firstresult``, so
  a theme handler that returns a template would stop a later one.
* **Buttons only when they work.** The repository button and the launch
  buttons (Binder, Colab, a JupyterHub) need the book's public repository:
  they are kept exactly when ``repository.url`` in ``_config.yml`` is set.
  A repository or launch address on a placeholder host (``example.org``,
  ``*.invalid``, ...) stops the build.
* **Exercises are numbered per chapter** (Exercise 2.1, 2.2, ...), not across
  the book: the chapter number is the ``NN-`` prefix of the chapter's file
  name (``book/02-spatial-separable``), the order of ``_toc.yml``. Sphinx
  numbers the exercises (sphinx-exercise registers them with numfig) across
  the whole book; the handler below renumbers them after Sphinx has.
* **Names that match what is shown** (axe-core's accessibility rules). A
  hidden code cell's toggle is named by its visible text ("Show code cell
  source"), not myst-nb's fixed ``aria-label`` "Toggle hidden content"
  (label-content-name-mismatch). The bibliography is a list of list items:
  docutils marks each entry ``role="doc-biblioentry"``, a role that ARIA 1.2
  deprecates and that a ``role="list"`` may not hold
  (aria-required-children). The colour-mode and search buttons are themed
  in book/_templates for the same reason.
* **Search snippets without TeX source.** Sphinx builds a result's snippet
  from the page's HTML, where the math is still TeX (``\\(3 \\times 3\\)``):
  ``static/sepconv-search.js``, on the search page only, makes the math of a
  snippet plain text (``3 × 3``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from docutils import nodes
from myst_nb.core.variables import (
    RetrievalError,
    create_warning,
    render_variable_outputs,
)
from myst_nb.ext.eval import retrieve_eval_data
from myst_nb.ext.utils import RoleBase
from myst_nb.sphinx_ import HideCodeCellNode
from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx.errors import ConfigError
from sphinx.transforms import SphinxTransform
from sphinx_exercise.nodes import solution_start_node

STATIC = Path(__file__).resolve().parent / "static"
# Host names reserved for examples and tests (RFC 2606, RFC 6761).
PLACEHOLDER_HOST = re.compile(
    r"(^|\.)(example\.(com|net|org)|example|invalid|test|localhost)$",
    flags=re.IGNORECASE,
)
CHAPTER = re.compile(r"^(\d+)-")
EVAL = re.compile(r"\{eval\}`([^`]+)`")
IGNORE_TAG = "nbval-ignore-output"


def stored_expressions(notebook):
    """The (expression, stored result or None, compared) of each ``{eval}``.

    In the order of the notebook's markdown cells, and within a cell in the
    order of its text, which is the order in which the roles run.
    """
    entries = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"])
        stored = list(cell.get("metadata", {}).get("user_expressions", []))
        compared = IGNORE_TAG not in cell.get("metadata", {}).get("tags", [])
        for expression in EVAL.findall(source):
            match = next((e for e in stored if e.get("expression") == expression), None)
            if match is not None:
                stored.remove(match)
            entries.append((expression, match, compared))
    return entries


class CheckedEvalRole(RoleBase):
    """myst-nb's ``{eval}`` role, checked against the value stored in the cell."""

    def run(self):
        self._run_cells_above()
        try:
            outputs = retrieve_eval_data(self.document, self.text)
        except RetrievalError as exc:
            return [], [self._warning(str(exc))]
        for output in outputs:  # as myst-nb does: strings without quotes
            output.metadata["strip_text_quotes"] = True
        rendered = render_variable_outputs(
            outputs, self.document, self.line, self.source, inline=True
        )
        computed = next(
            (o.data["text/plain"] for o in outputs if "text/plain" in o.data), None
        )
        problem = self._compare(computed)
        if problem is None:
            return rendered, []
        return rendered, [
            self._warning(f"{problem}; refresh the stored values with `make execute`")
        ]

    def _run_cells_above(self):
        """Run every cell above this one, as Run All would have.

        In inline mode myst-nb runs a code cell only when it draws the cell's
        outputs (and every cell before it then), so a cell tagged
        ``remove-cell`` just above the text has not run yet.
        """
        renderer = self.document.get("nb_renderer")
        client = getattr(getattr(renderer, "renderer", None), "nb_client", None)
        if client is None or not isinstance(self.line, int):
            return
        above = [
            index
            for index in range(len(client.notebook.cells))
            if client.cell_line(index) <= self.line
        ]
        if len(above) > 1:  # the cells before the one holding this text
            client.code_cell_outputs(above[-2])

    def _compare(self, computed):
        """What is wrong with the value stored for this role, or None."""
        source = Path(self.document["source"])
        if source.suffix != ".ipynb":
            return None
        key = "sepconv_stored_expressions"
        if key not in self.document:
            notebook = json.loads(source.read_text(encoding="utf-8"))
            self.document[key] = stored_expressions(notebook)
        queue = self.document[key]
        if not queue or queue[0][0] != self.text:
            return "the stored expressions are out of step with the text"
        _, stored, compared = queue.pop(0)
        if stored is None:
            return "no stored value"
        result = stored.get("result", {})
        if result.get("status") != "ok":
            return f"the stored value is an error: {result}"
        text = result.get("data", {}).get("text/plain")
        if compared and text != computed:
            return f"stored {text!r}, computed now {computed!r}"
        return None

    def _warning(self, message):
        return create_warning(
            f"{{eval}}`{self.text}`: {message}", self.document, self.line, "eval"
        )


class KeepGatedSolutionBody(SphinxTransform):
    """Move a ``solution-start`` body to the top of the solution's content."""

    default_priority = 9

    def apply(self):
        for start in list(self.document.findall(solution_start_node)):
            bodies = [c for c in start.children if isinstance(c, nodes.section)]
            after = start
            for body in bodies:
                start.remove(body)
                for child in list(body.children):
                    body.remove(child)
                    parent = after.parent
                    parent.insert(parent.index(after) + 1, child)
                    after = child


def is_placeholder_url(url):
    """Whether ``url`` points at a host reserved for examples or tests.

    >>> is_placeholder_url("https://jupyterhub.example.org/hub")
    True
    >>> is_placeholder_url("https://mybinder.org")
    False
    """
    host = urlsplit(url).hostname or ""
    return bool(PLACEHOLDER_HOST.search(host.rstrip(".")))


def _buttons_need_a_repository(app, config):
    """Keep the repository and launch buttons only with a repository URL."""
    options = config.html_theme_options
    url = (options.get("repository_url") or "").strip()
    launch = options.get("launch_buttons") or {}
    addresses = {"repository.url": url}
    addresses.update(
        (f"launch_buttons.{key}", value)
        for key, value in launch.items()
        if isinstance(value, str)
    )
    for key, address in addresses.items():
        if is_placeholder_url(address):
            raise ConfigError(
                f"{key} in _config.yml points at a placeholder host: {address!r}; "
                "give the real address or leave it empty"
            )
    options["use_repository_button"] = bool(url)
    if not url:
        options["launch_buttons"] = {}


def chapter_number(docname):
    """The chapter number of a document, from its file name, or None.

    >>> chapter_number("book/02-spatial-separable")
    2
    >>> chapter_number("book/intro") is None
    True
    """
    match = CHAPTER.match(docname.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else None


def _number_exercises_per_chapter(app, env):
    """Renumber the exercises of each chapter 1, 2, ... after its number."""
    changed = []
    for docname, numbers in env.toc_fignumbers.items():
        exercises = numbers.get("exercise")
        if not exercises:
            continue
        chapter = chapter_number(docname)
        prefix = () if chapter is None else (chapter,)
        ordered = sorted(exercises, key=exercises.get)
        for index, node_id in enumerate(ordered, start=1):
            exercises[node_id] = (*prefix, index)
        changed.append(docname)
    return changed


def _search_snippets_as_text(app, pagename, templatename, context, doctree):
    if pagename == "search":
        app.add_js_file("sepconv-search.js", loading_method="defer")


def visit_hidden_cell(self, node):
    """myst-nb's toggle of a hidden cell, named by its visible text."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    for state, prompt in (("collapsed", "prompt_show"), ("expanded", "prompt_hide")):
        text = self.encode(node[prompt])
        self.body.append(f'<p class="{state} admonition-title">{text}</p>\n')
    self.body.append("</summary>\n")


def depart_hidden_cell(self, node):
    self.body.append("</details>\n")


def visit_citation(self, node):
    """docutils' citation entry, as a list item of the citation list."""
    if not isinstance(node.previous_sibling(), type(node)):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(
        self.starttag(node, "div", classes=[node.tagname], role="listitem")
    )


def depart_citation(self, node):
    self.body.append("</div>\n")
    if not isinstance(node.next_node(descend=False, siblings=True), type(node)):
        self.body.append("</div>\n")


def _add_static_path(app):
    app.config.html_static_path.append(str(STATIC))


def _register_role(app):
    app.add_role("eval", CheckedEvalRole(), override=True)


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # The copies differ only in filename None vs "" (both: inline).
        attributes = getattr(script, "attributes", {})
        key = (
            getattr(script, "filename", script) or "",
            tuple(sorted((k, str(v)) for k, v in attributes.items())),
        )
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    scripts[:] = unique


class AuthorYearLabels(BaseLabelStyle):
    """Bibliography labels in the text's author-year style: "Howard et al., 2017".

    sphinxcontrib-bibtex cites author-year in the text
    (``bibtex_reference_style``) but labels the list with pybtex's label
    style, "alpha" ([HZC+17]) by default; this one makes the two agree.
    """

    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            persons = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [" ".join(p.last_names).strip("{}") for p in persons]
            if len(names) > 2:
                who = f"{names[0]} et al."
            else:
                who = " and ".join(names)
            yield f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearStyle(PlainStyle):
    """pybtex's plain style (sorted by author, year, title) with those labels."""

    default_label_style = "authoryear"


def setup(app):
    register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    app.connect("config-inited", _buttons_need_a_repository)
    app.connect("builder-inited", _register_role)
    app.connect("builder-inited", _add_static_path)
    app.add_transform(KeepGatedSolutionBody)
    app.add_node(
        HideCodeCellNode, override=True, html=(visit_hidden_cell, depart_hidden_cell)
    )
    app.add_node(nodes.citation, override=True, html=(visit_citation, depart_citation))
    # After Sphinx's own numbering (the toctree collector, at priority 500).
    app.connect("env-get-updated", _number_exercises_per_chapter, priority=900)
    app.connect("html-page-context", _search_snippets_as_text, priority=0)
    app.connect("html-page-context", _dedupe_scripts, priority=1)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
