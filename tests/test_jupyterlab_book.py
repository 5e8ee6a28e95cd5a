"""Every chapter, read in a real JupyterLab as a learner reads it.

Each chapter is copied into a JupyterLab (:mod:`lab`: 127.0.0.1, a token,
jupyterlab-myst as installed from requirements.txt, and the settings the
book's environment installs, ``jupyterlab-settings/overrides.json``), opened
in Chromium at 1280 x 900 and run with Run All Cells. Then:

* no code cell has an error or a stderr output;
* every inline expression (``{eval}``) was evaluated by jupyterlab-myst in the
  kernel, and shows the value the notebook stores (cells of measured times
  excepted, as in the book build);
* no markdown cell shows raw MyST (``{glue``, ``:::{``, ``{numref}``,
  ``{cite``, ``{doc}``, ``{eval}``) or an expression error;
* exercise solutions are folded: their dropdowns are closed and the code
  of a gated solution (code cells between ``solution-start`` and
  ``solution-end``) is collapsed (JupyterLab unfolds the outputs of a cell
  it runs, so those show after Run All);
* every animation player shows its first frame when scrolled to, without a
  click;
* every control of every explorer changes its figure or its readout.

A last test opens two chapters at once and checks that each player drives
its own image. With ``SEPCONV_SHOTS_DIR`` set, screenshots of each chapter
after Run All are saved there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from chapters import BOOK, CHAPTERS, EVAL, cells, gated
from lab import browser, open_notebook, serve

pytestmark = pytest.mark.browser

RAW_MYST = ("{glue", ":::{", "{numref}", "{cite", "{doc}", "{eval}", "{ref}")
RUN_TIMEOUT = 300_000  # ms for one chapter's Run All (a busy 2-core machine)

# JavaScript run in the page: the notebook panel of a file, from the app.
PANEL = """(name) => {
    const app = window.jupyterapp;
    for (const widget of app.shell.widgets('main')) {
        if (widget.context && widget.context.path === name) return widget;
    }
    return null;
}"""


def js(body):
    """A page function with ``panel(name)`` in scope."""
    return f"(arg) => {{ const panel = {PANEL}; {body} }}"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    (root / "work").mkdir()
    for name in CHAPTERS:
        shutil.copy(BOOK / name, root / "work" / name)
    with serve(root) as server:
        yield server


@pytest.fixture(scope="module")
def context(lab, playwright):
    with browser(playwright, lab) as context:
        yield context


def run_chapter(tab, name):
    """Clear the outputs, Run All Cells, wait until every code cell ran.

    Clearing first (which also clears the execution counts) tells the new
    outputs from the stored ones; the reader who runs a chapter without it
    ends with the same outputs.
    """
    tab.evaluate(
        js(
            """
            const app = window.jupyterapp;
            const p = panel(arg);
            app.shell.activateById(p.id);
            const current = () => app.shell.currentWidget === p;
            const wait = async (ok, what) => {
                for (let i = 0; i < 200 && !ok(); i++)
                    await new Promise(r => setTimeout(r, 50));
                if (!ok()) throw new Error(what);
            };
            return (async () => {
                await wait(current, 'the notebook did not become current');
                await app.commands.execute('notebook:clear-all-cell-outputs');
                await wait(() => p.content.widgets.every(c =>
                    c.model.type !== 'code' || c.model.executionCount === null),
                    'the outputs were not cleared');
                await app.commands.execute('notebook:run-all-cells');
                return null;
            })();
            """
        ),
        name,
    )
    # Run All executes in order and stops at an error: done when every code
    # cell has an execution count again (the kernel may have run before, so
    # the counts need not start at 1) and the kernel is idle.
    tab.wait_for_function(
        js(
            """
            const p = panel(arg);
            const kernel = p.sessionContext.session?.kernel;
            const cells = p.content.widgets.filter(c => c.model.type === 'code');
            const failed = cells.some(c => c.model.outputs.toJSON().some(
                o => o.output_type === 'error'));
            const ran = cells.every(c => c.model.executionCount !== null);
            return failed || (ran && kernel?.status === 'idle');
            """
        ),
        arg=name,
        timeout=RUN_TIMEOUT,
        polling=500,
    )
    tab.wait_for_timeout(1_000)


def model(tab, name):
    """Type, source, metadata and outputs of every cell, from JupyterLab."""
    return tab.evaluate(
        js(
            """
            return panel(arg).content.widgets.map(c => {
                const cell = c.model.toJSON();
                return {
                    type: cell.cell_type,
                    source: c.model.sharedModel.getSource(),
                    metadata: cell.metadata,
                    outputs: cell.outputs || [],
                };
            });
            """
        ),
        name,
    )


def show(tab, name, index):
    """Scroll cell ``index`` into the window; return its DOM node's handle."""
    tab.evaluate(
        js(
            """
            const p = panel(arg.name);
            return p.content.scrollToItem(arg.index, 'start');
            """
        ),
        {"name": name, "index": index},
    )
    tab.wait_for_timeout(150)
    return tab.evaluate_handle(
        js("return panel(arg.name).content.widgets[arg.index].node;"),
        {"name": name, "index": index},
    )


def cells_showing(chapter_cells, shows):
    """Indices of the cells with an output whose data ``shows`` accepts."""
    return [
        index
        for index, cell in enumerate(chapter_cells)
        if any(shows(o.get("data", {})) for o in cell.get("outputs", []))
    ]


def player_cells(chapter_cells):
    return cells_showing(
        chapter_cells,
        lambda data: 'class="sepconv-player"' in "".join(data.get("text/html", "")),
    )


def explorer_cells(chapter_cells):
    return cells_showing(
        chapter_cells, lambda data: "application/vnd.jupyter.widget-view+json" in data
    )


def save_shots(tab, name, count):
    shots = os.environ.get("SEPCONV_SHOTS_DIR")
    if not shots:
        return
    folder = Path(shots)
    folder.mkdir(parents=True, exist_ok=True)
    stem = Path(name).stem
    for k, index in enumerate(range(0, count, max(1, count // 8))):
        show(tab, name, index)
        tab.wait_for_timeout(500)
        tab.screenshot(path=str(folder / f"jupyterlab_{stem}_{k}.png"))


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_reads_as_the_book(lab, context, name):
    stored = cells(name)
    tab = context.new_page()
    try:
        open_notebook(tab, lab, name)
        run_chapter(tab, name)
        live = model(tab, name)
        assert len(live) == len(stored)

        # No error, no stderr, every code cell ran.
        for index, cell in enumerate(live):
            for output in cell["outputs"]:
                assert output["output_type"] != "error", (index, output)
                assert output.get("name") != "stderr", (index, output)

        # Every {eval} was evaluated, and agrees with the stored value.
        for index, (cell, kept) in enumerate(zip(live, stored, strict=True)):
            if cell["type"] != "markdown":
                continue
            wanted = EVAL.findall(cell["source"])
            got = cell["metadata"].get("user_expressions", [])
            assert [e["expression"] for e in got] == wanted, index
            assert all(e["result"]["status"] == "ok" for e in got), (index, got)
            if "nbval-ignore-output" in kept["metadata"].get("tags", []):
                continue
            before = kept["metadata"].get("user_expressions", [])
            text = [e["result"]["data"]["text/plain"] for e in got]
            assert text == [e["result"]["data"]["text/plain"] for e in before], index

        # Rendered MyST, folded solutions.
        inside = set(gated(stored))
        for index, cell in enumerate(live):
            node = show(tab, name, index)
            if cell["type"] == "markdown":
                # jupyterlab-myst renders into div.myst
                tab.wait_for_function("n => n.querySelector('.myst')", arg=node)
                text = node.evaluate("n => n.querySelector('.myst').innerText")
                raw = [r for r in RAW_MYST if r in text]
                assert not raw, f"cell {index} shows raw MyST {raw}: {text[:300]}"
                errors = node.evaluate(
                    "n => n.querySelectorAll('.myst-RenderedExpressionError,"
                    ' [data-mime-type="application/vnd.jupyter.stderr"]\').length'
                )
                assert errors == 0, f"cell {index}: expression error shown"
                opened = node.evaluate(
                    "n => n.querySelectorAll('details[open]').length"
                )
                assert opened == 0, f"cell {index}: a dropdown is open"
            elif index in inside:
                # The input stays folded. Its output does not: JupyterLab 4
                # unfolds the outputs of every cell it runs (CodeCell.execute
                # sets outputHidden = false); before a run, both are folded.
                folded = node.evaluate("n => !!n.querySelector('.jp-InputPlaceholder')")
                assert folded, f"the code of solution cell {index} is not folded"

        # Players show their first frame without a click.
        for index in player_cells(stored):
            node = show(tab, name, index)
            tab.wait_for_function(
                """n => { const img = n.querySelector('.sepconv-player img');
                    const controls = n.querySelector('.sepconv-player-controls');
                    return img && img.complete && img.naturalWidth > 0
                        && img.getBoundingClientRect().height > 0
                        && controls && controls.offsetParent !== null; }""",
                arg=node,
                timeout=30_000,
            )

        # Every control of every explorer changes what the explorer shows.
        for index in explorer_cells(stored):
            check_every_control(tab, name, index)

        save_shots(tab, name, len(live))
    finally:
        tab.close()


SNAPSHOT = """n => {
    const box = n.querySelector('.sepconv-explorer');
    if (!box) return null;
    const images = [...box.querySelectorAll('img')].map(i => i.src).join('|');
    const readouts = [...box.querySelectorAll('.sepconv-readout')]
        .map(r => r.innerText).join('|');
    return images + '#' + readouts;
}"""


def check_every_control(tab, name, index):
    node = show(tab, name, index)
    tab.wait_for_function(
        "n => n.querySelector('.sepconv-explorer .sepconv-readout')", arg=node
    )
    box = node.evaluate_handle("n => n.querySelector('.sepconv-explorer')")
    sliders = box.evaluate("b => b.querySelectorAll('.noUi-handle').length")
    dropdowns = box.evaluate("b => b.querySelectorAll('select').length")
    assert sliders + dropdowns > 0, f"cell {index}: an explorer without controls"
    for k in range(sliders):
        handle = box.evaluate_handle(
            "(b, k) => b.querySelectorAll('.noUi-handle')[k]", k
        )
        label = handle.evaluate(
            "h => h.closest('.widget-slider, .widget-hslider')"
            "?.querySelector('.widget-label')?.innerText"
        )
        before = node.evaluate(SNAPSHOT)
        # forward where the slider can go (right, or left at its maximum)
        key = move(tab, box, k, ("ArrowRight", "ArrowLeft"), f"slider {label!r}")
        changed(tab, node, before, f"cell {index}: slider {label!r}")
        # back again, so that each control is tried near the defaults
        moved = node.evaluate(SNAPSHOT)
        back = {"ArrowRight": "ArrowLeft", "ArrowLeft": "ArrowRight"}[key]
        move(tab, box, k, (back,), f"cell {index}: slider {label!r}")
        changed(tab, node, moved, f"cell {index}: slider {label!r} (back)")
    for k in range(dropdowns):
        select = box.evaluate_handle("(b, k) => b.querySelectorAll('select')[k]", k)
        values = select.evaluate("s => [...s.options].map(o => o.value)")
        current = select.evaluate("s => s.value")
        other = next(v for v in values if v != current)
        before = node.evaluate(SNAPSHOT)
        select.as_element().select_option(other)
        changed(tab, node, before, f"cell {index}: dropdown {k}")
        moved = node.evaluate(SNAPSHOT)
        select.as_element().select_option(current)
        changed(tab, node, moved, f"cell {index}: dropdown {k} (back)")


def move(tab, box, k, keys, what):
    """Press the first of ``keys`` that moves the ``k``-th slider of ``box``.

    A key press can be lost to a focus race in the widget, and a slider whose
    range another control changed is drawn anew (its old handle is gone): the
    handle is looked up again for each of two tries per key. Returns the key
    that moved it; what the move does to the explorer is checked apart.
    """
    find = "(b, k) => b.querySelectorAll('.noUi-handle')[k]"
    value = "h => h.getAttribute('aria-valuenow')"
    for key in keys:
        for _ in range(2):
            handle = box.evaluate_handle(find, k)
            start = handle.evaluate(value)
            handle.focus()
            handle.press(key)
            try:
                tab.wait_for_function(
                    f"([b, k, start]) => ({value})(({find})(b, k)) !== start",
                    arg=[box, k, start],
                    timeout=5_000,
                )
                return key
            except Exception:
                continue
    raise AssertionError(f"{what}: the slider does not move with {keys}")


def changed(tab, node, before, what):
    try:
        tab.wait_for_function(
            f"([n, before]) => ({SNAPSHOT})(n) !== before",
            arg=[node, before],
            timeout=20_000,
        )
    except Exception:
        # what the reader sees: the sliders' own readouts and the numbers
        shown = node.evaluate(
            """n => [...n.querySelectorAll('.sepconv-explorer .widget-readout,'
                + ' .sepconv-explorer .sepconv-readout')].map(e => e.innerText)"""
        )
        raise AssertionError(
            f"{what} changes neither figure nor readout; shown: {shown}"
        ) from None


def test_two_open_chapters_keep_their_own_players(lab, context):
    """Chapters 1 and 2 open side by side: stepping one player leaves the
    players of the other chapter where they were."""
    first, second = CHAPTERS[0], CHAPTERS[1]
    tab = context.new_page()
    try:
        open_notebook(tab, lab, first)
        tab.evaluate(
            "name => window.jupyterapp.commands.execute("
            "'docmanager:open', {path: name, options: {mode: 'split-right'}})"
            ".then(() => null)",
            second,
        )
        tab.wait_for_function(js("return panel(arg) !== null;"), arg=second)
        for name in (first, second):
            run_chapter(tab, name)
        first_players = player_cells(cells(first))
        second_players = player_cells(cells(second))
        assert first_players and second_players
        shown = show(tab, first, first_players[0])
        reference = show(tab, second, second_players[0])
        ready = "n => n.querySelector(\".sepconv-player button[data-action='next']\")"
        for node in (shown, reference):
            tab.wait_for_function(ready, arg=node)
        frame = "n => n.querySelector('.sepconv-player output').innerText"
        start = shown.evaluate(frame)
        reference.evaluate(f"n => ({ready})(n).click()")
        tab.wait_for_function(f"n => ({frame})(n).startsWith('2 / ')", arg=reference)
        assert shown.evaluate(frame) == start
    finally:
        tab.close()
