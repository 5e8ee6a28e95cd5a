"""The explorers in a real JupyterLab, driven in the system Chromium.

JupyterLab is started from the project's virtual environment on 127.0.0.1
with a token (:mod:`lab`), in a temporary directory holding a copy of
``tests/notebooks/explorers.ipynb``; Chromium (Playwright, a fresh profile,
every request to another host aborted) opens the notebook, runs all cells,
moves sliders with the keyboard and reads the counts the explorers display,
which must equal those computed here with :mod:`sepconv.counting`.

The server (and its kernels) is always shut down in the fixture's teardown.
Without ``/usr/bin/chromium`` the test is skipped, or fails when
``SEPCONV_REQUIRE_BROWSER=1`` (as in CI).

Set ``SEPCONV_SHOTS_DIR`` to a folder to also save a screenshot of each
explorer there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import lab
import pytest
from lab import TIMEOUT, browser, open_notebook, serve

from sepconv import counting

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "notebooks" / "explorers.ipynb"


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server in a temporary directory; always shut down."""
    root = tmp_path_factory.mktemp("lab")
    (root / "work").mkdir()
    shutil.copy(NOTEBOOK, root / "work" / NOTEBOOK.name)
    with serve(root) as server:
        yield server


@pytest.fixture(scope="module")
def page(jupyterlab, playwright):
    """The notebook, opened and run in a fresh Chromium profile."""
    with browser(playwright, jupyterlab, viewport=(1280, 1000)) as context:
        tab = context.new_page()
        open_notebook(tab, jupyterlab, NOTEBOOK.name)
        try:
            run_all(tab, timeout=TIMEOUT)
        except Exception:
            tab.screenshot(path=str(jupyterlab["root"] / "failure.png"))
            raise
        yield tab
        save_screenshots(tab)


def run_all(tab, *, timeout):
    """Run > Run All Cells, then wait until the four explorers show numbers."""
    lab.run_all(tab)
    # cells out of view may be virtualised: count in the DOM, not visibility
    tab.wait_for_function(
        """() => [...document.querySelectorAll('.sepconv-readout')]
            .filter(r => r.querySelector('td[data-name]')).length === 4""",
        timeout=timeout,
    )


def displayed(page, explorer, name):
    """The number the reader sees in an explorer's readout."""
    cell = (
        page.locator(".sepconv-readout").nth(explorer).locator(f"[data-name='{name}']")
    )
    return cell.inner_text()


def press(page, explorer, slider, key, times=1, *, stops=None):
    """Focus a slider's handle (by its description) and press ``key``.

    Each press is checked on the slider's own readout (the next integer, or
    the next of ``stops`` for a selection slider); a press lost to a focus
    race is repeated once.
    """
    box = page.locator(".sepconv-explorer").nth(explorer)
    widget = box.locator(".widget-slider").filter(has_text=slider).first
    handle = widget.locator(".noUi-handle")
    readout = widget.locator(".widget-readout")
    step = 1 if key == "ArrowRight" else -1
    for _ in range(times):
        current = int(readout.inner_text())
        if stops is None:
            target = str(current + step)
        else:
            target = str(stops[stops.index(current) + step])
        for _attempt in range(2):
            handle.focus()
            handle.press(key)
            try:
                page.wait_for_function(
                    "([el, v]) => el.textContent.trim() === v",
                    arg=[readout.element_handle(), target],
                    timeout=10_000,
                )
                break
            except Exception:
                continue
        else:
            raise AssertionError(f"slider {slider!r} did not move to {target}")


def wait_for_text(page, explorer, name, expected):
    try:
        page.wait_for_function(
            """([k, name, expected]) => {
                const cell = document.querySelectorAll('.sepconv-readout')[k]
                    ?.querySelector(`[data-name='${name}']`);
                return cell && cell.textContent.trim() === expected;
            }""",
            arg=[explorer, name, expected],
            timeout=30_000,
        )
    except Exception:
        shown = page.locator(".sepconv-readout").nth(explorer).inner_text()
        sliders = page.locator(".sepconv-explorer").nth(explorer).inner_text()
        raise AssertionError(
            f"{name} never showed {expected!r}; readout:\n{shown}\ncontrols:\n{sliders}"
        ) from None


def test_scan_explorer_position_slider(page):
    windows = counting.scan_positions((5, 5), 3)
    assert displayed(page, 0, "so_far") == f"{len(windows[0].taps):,}"
    before = explorer_image(page, 0).get_attribute("src")
    press(page, 0, "position", "ArrowRight", times=3)
    expected = sum(len(w.taps) for w in windows[:4])
    wait_for_text(page, 0, "so_far", f"{expected:,}")
    wait_for_new_picture(page, 0, before)  # the picture was redrawn too


def test_scan_explorer_image_size_slider(page):
    press(page, 0, "image", "ArrowRight")
    cost = counting.correlate2d_cost((6, 6), 3)
    wait_for_text(page, 0, "multiplications", f"{cost.multiplications:,}")
    assert displayed(page, 0, "output_shape") == "4×4"


def test_spatial_cost_explorer_n_slider(page):
    assert displayed(page, 1, "full") == f"{counting.spatial_full_cost(32, 3):,}"
    press(page, 1, "N (image)", "ArrowRight", times=2)
    wait_for_text(page, 1, "full", f"{counting.spatial_full_cost(34, 3):,}")
    assert (
        displayed(page, 1, "separable") == f"{counting.spatial_separable_cost(34, 3):,}"
    )


def explorer_image(page, explorer):
    return page.locator(".sepconv-explorer").nth(explorer).locator("img")


def wait_for_new_picture(page, explorer, before):
    """The picture is sent after the readout: wait for it to change."""
    page.wait_for_function(
        "([k, before]) => document.querySelectorAll('.sepconv-explorer')[k]"
        ".querySelector('img').src !== before",
        arg=[explorer, before],
        timeout=20_000,
    )


def test_depthwise_cost_explorer_filters_slider(page):
    """Nc moves over powers of two: one key press halves it."""
    before = explorer_image(page, 2).get_attribute("src")
    press(page, 2, "Nc", "ArrowLeft", stops=[2**k for k in range(11)])
    cost = counting.depthwise_separable_conv2d_cost((3, 7, 7), 64, 3)
    wait_for_text(page, 2, "separable", f"{cost.multiplications:,}")
    steps = cost.passes
    assert displayed(page, 2, "depthwise") == f"{steps['depthwise'].multiplications:,}"
    assert displayed(page, 2, "pointwise") == f"{steps['pointwise'].multiplications:,}"
    wait_for_new_picture(page, 2, before)


def test_depthwise_cost_explorer_stride_slider(page):
    """A geometry slider changes the output size and the counts."""
    before = explorer_image(page, 2).get_attribute("src")
    press(page, 2, "stride", "ArrowRight")
    standard = counting.conv2d_cost((3, 7, 7), 64, 3, stride=2)
    wait_for_text(page, 2, "standard", f"{standard.multiplications:,}")
    assert displayed(page, 2, "output_shape") == "3×3×64"
    wait_for_new_picture(page, 2, before)
    press(page, 2, "stride", "ArrowLeft")


def test_every_depthwise_control_redraws_the_picture(page):
    """Each of the eight sliders, moved one step by keyboard, redraws."""
    box = page.locator(".sepconv-explorer").nth(2)
    handles = box.locator(".noUi-handle")
    assert handles.count() == 8
    for k in range(8):
        handle = handles.nth(k)
        before = explorer_image(page, 2).get_attribute("src")
        at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute(
            "aria-valuemax"
        )
        handle.focus()
        handle.press("ArrowLeft" if at_max else "ArrowRight")
        page.wait_for_function(
            "([img, before]) => img.src !== before",
            arg=[explorer_image(page, 2).element_handle(), before],
            timeout=20_000,
        )


def test_depthwise_cost_explorer_fits_the_first_screen(page):
    """At 1280 x 900 the explorer's cell, input and output, fits in the
    notebook's view, and its picture is not scaled down (text stays legible)."""
    page.set_viewport_size({"width": 1280, "height": 900})
    try:
        box = page.locator(".sepconv-explorer").nth(2)
        box.scroll_into_view_if_needed()
        assert box.locator("[data-name='output_shape']").count() == 1  # all rows
        sizes = box.evaluate(
            """el => {
                const cell = el.closest('.jp-Cell');
                const input = cell.querySelector('.jp-Cell-inputWrapper');
                const panel = el.closest('.jp-WindowedPanel-outer');
                const img = el.querySelector('img');
                return {
                    input: input.getBoundingClientRect().height,
                    explorer: el.getBoundingClientRect().height,
                    view: panel.clientHeight,
                    shown: img.getBoundingClientRect().width,
                    natural: img.naturalWidth,
                };
            }"""
        )
    finally:
        page.set_viewport_size({"width": 1280, "height": 1000})
    assert sizes["input"] + sizes["explorer"] <= sizes["view"], sizes
    assert sizes["shown"] >= 0.95 * sizes["natural"], sizes


def save_screenshots(tab):
    """With SEPCONV_SHOTS_DIR set, save a picture of each explorer and player."""
    shots = os.environ.get("SEPCONV_SHOTS_DIR")
    if not shots:
        return
    folder = Path(shots)
    folder.mkdir(parents=True, exist_ok=True)
    names = ["scan", "spatial_cost", "depthwise_cost", "low_rank"]
    for k, name in enumerate(names):
        box = tab.locator(".sepconv-explorer").nth(k)
        box.scroll_into_view_if_needed()
        box.screenshot(path=str(folder / f"jupyterlab_{name}_explorer.png"))
    players = tab.locator(".sepconv-player")
    for k in range(players.count()):
        players.nth(k).scroll_into_view_if_needed()
        players.nth(k).screenshot(path=str(folder / f"jupyterlab_player_{k}.png"))


def test_players_below_the_fold_show_and_step_on_their_own(page):
    """Two players of one animation, run off-screen: each shows its first
    frame when scrolled to, without a click, and steps alone."""
    page.evaluate(
        """() => { for (const panel of document.querySelectorAll(
            '.jp-NotebookPanel .jp-WindowedPanel-outer')) panel.scrollTop = 1e9; }"""
    )
    page.wait_for_function(
        "() => document.querySelectorAll('.sepconv-player').length === 2"
    )
    players = page.locator(".sepconv-player")
    for k in range(2):
        player = players.nth(k)
        player.scroll_into_view_if_needed()
        page.wait_for_function(
            "el => el.querySelector('img').complete"
            " && el.querySelector('img').naturalWidth > 0",
            arg=player.element_handle(),
        )
        assert player.locator(".sepconv-player-controls").is_visible()
        assert not player.locator(".sepconv-player-note").is_visible()
        assert player.locator("output").inner_text() == "1 / 9"
    second = players.nth(1)
    second.locator("button[data-action='next']").click()
    assert second.locator("output").inner_text() == "2 / 9"
    assert players.nth(0).locator("output").inner_text() == "1 / 9"
