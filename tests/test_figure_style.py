"""The book's figure rule (issue 18, item 3), on everything ``sepconv`` draws.

No text smaller than 11 CSS pixels where a reader sees it at 1280 px, and no
figure wider than the content column, where it would be scaled down (see
tests/figure_text.py for how points become pixels). Checked here with
matplotlib's own layout: every animation's frames, the explorers' pictures
and their scrubbers. The notebooks' own figures are checked as nbval runs
them (tests/nbval_figure_rule.py), their stored PNGs below, and the pages
in Chromium (tests/site).
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_text import COLUMN_PX, MIN_TEXT_PT, PX_PER_INCH, text_sizes, too_small

from sepconv import _player, animation, plotting

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("[0-9][0-9]-*.ipynb"))


def _png_width(png):
    return _player._png_size(png)[0]


def test_the_book_style_sets_no_text_below_the_rule():
    fonts = ("font.size", "titlesize", "labelsize", "fontsize")
    sizes = {k: v for k, v in plotting.BOOK_STYLE.items() if k.endswith(fonts)}
    assert "font.size" in sizes and len(sizes) >= 5, sizes
    assert min(sizes.values()) >= MIN_TEXT_PT, sizes
    # the rule's points-to-pixels: one figure inch is PX_PER_INCH CSS px
    assert plotting.BOOK_STYLE["figure.dpi"] == PX_PER_INCH


@pytest.mark.parametrize("name", list(animation.CONFIGURATIONS))
def test_animation_frames_follow_the_rule(name):
    scene = animation._scene(name, PX_PER_INCH)
    count = len(scene.steps)
    with text_sizes() as drawn:
        for index in sorted({0, count // 2, count - 1}):
            png = animation.render_frame(name, index)
    assert _png_width(png) <= COLUMN_PX, (name, _png_width(png))
    assert drawn, "no text recorded: the check would pass on anything"
    assert too_small(drawn) == [], name


def _widgets():
    """sepconv.widgets, which needs ipywidgets (the ``widgets`` extra)."""
    pytest.importorskip("ipywidgets", reason="sepconv.widgets needs ipywidgets")
    from sepconv import widgets

    return widgets


FIGURES = {  # the explorers' pictures as the chapters show them
    "scan": ("scan_figure", {"image_size": 6, "kernel_size": 4, "stride": 2,
                             "padding": 1, "position": 4}),
    "spatial cost": ("spatial_cost_figure", {}),
    "depthwise cost": ("depthwise_cost_figure", {}),
    **{
        f"low rank {kernel}": ("low_rank_figure", {"kernel": kernel})
        for kernel in (  # every kernel of the explorer's menu
            "Sobel x (3×3)", "Gaussian σ=1 (5×5)", "Laplacian (3×3)",
            "Laplacian, 8 neighbours (3×3)", "box (3×3)", "disk r=2 (5×5)",
            "random integers (5×5)",
        )
    },
}  # fmt: skip


@pytest.mark.parametrize("name", list(FIGURES))
def test_explorer_pictures_follow_the_rule(name):
    function, arguments = FIGURES[name]
    fig = getattr(_widgets(), function)(**arguments)
    buffer = io.BytesIO()
    try:
        with text_sizes() as drawn:
            fig.savefig(buffer, format="png", bbox_inches="tight", dpi=fig.dpi)
    finally:
        plt.close(fig)
    assert fig.dpi == PX_PER_INCH
    assert _png_width(buffer.getvalue()) <= COLUMN_PX
    assert drawn and too_small(drawn) == [], name


SCRUBBERS = {
    "scan": ("scan_scrubber", {"padding": 1, "stride": 2}),
    "spatial cost": ("spatial_cost_scrubber", {}),
    "depthwise cost": ("depthwise_cost_scrubber", {}),
    "low rank": ("low_rank_scrubber", {}),
}


def _frames(html_text):
    return [
        base64.b64decode(uri)
        for uri in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html_text)
    ]


@pytest.mark.parametrize("name", list(SCRUBBERS))
def test_scrubbers_follow_the_rule_and_speak(name):
    function, arguments = SCRUBBERS[name]
    scrubber = getattr(_widgets(), function)
    with text_sizes() as drawn:
        player = scrubber(**arguments)
    html_text = player._repr_html_()
    frames = _frames(html_text)
    assert len(frames) == player.frames
    assert max(_png_width(f) for f in frames) <= COLUMN_PX
    assert drawn and too_small(drawn) == [], name
    words = re.findall(r"<li>([^<]+)</li>", html_text)
    assert len(words) == player.frames and len(set(words)) == player.frames


@pytest.mark.parametrize("name", list(animation.CONFIGURATIONS))
def test_every_animation_frame_is_described_in_words(name):
    html_text = animation.animation_html(name)
    words = re.findall(r"<li>([^<]+)</li>", html_text)
    steps = animation.animation_steps(name)
    assert len(words) == len(steps) == len(_frames(html_text))
    # each description is the frame's own: its running total, in order
    for step, text in zip(steps, words, strict=True):
        assert re.search(rf"\b{step.total:,}\b", text), (step, text)
    assert len(set(words)) == len(words)
    alt = re.search(r'<img [^>]*alt="([^"]+)"', html_text).group(1)
    assert animation.CONFIGURATIONS[name].title.split(":")[0] in alt
    assert f"{len(steps)} frames" in alt


def test_frame_texts_must_match_the_frames():
    png = _player.png_bytes(np.zeros((1, 1, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"texts.*2 non-empty strings"):
        _player.frames_to_html([png, png], name="demo", texts=["one"])
    with pytest.raises(ValueError, match="texts"):
        _player.frames_to_html([png, png], name="demo", texts=["one", " "])
    html_text = _player.frames_to_html(
        [png, png], name="demo", texts=["one & two", "three"]
    )
    assert "<li>one &amp; two</li><li>three</li>" in html_text
    assert 'aria-live="polite"' in html_text


def test_the_nbval_hook_reports_a_figure_that_breaks_the_rule():
    """The check nbval relies on fails where it should (and only there)."""
    code = """
import io, runpy, sys
import matplotlib
matplotlib.use("Agg")
runpy.run_path(sys.argv[1])
from matplotlib.figure import Figure
for size, width in ((9, 6.0), (6, 3.0), (9, 7.5)):
    fig = Figure(figsize=(width, 1), dpi=100)
    fig.text(0.1, 0.5, f"text at {size} pt", fontsize=size)
    fig.canvas.print_figure(io.BytesIO(), format="png", dpi=200)
"""
    hook = ROOT / "tests" / "nbval_figure_rule.py"
    result = subprocess.run(
        [sys.executable, "-c", code, str(hook)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert "'text at 6 pt' at 6 pt is shown 8.3 px high" in lines[0]
    assert "750 px wide" in lines[1]


def _image_outputs():
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    yield f"{path.stem}[{index}]", output


@pytest.mark.book
def test_stored_figures_are_sharp_and_fit_the_column():
    """Static figures are stored at twice their density with their display
    size (IPython's ``retina``, set by ``use_book_style``), no wider than
    the column."""
    found = list(_image_outputs())
    assert len(found) >= 20
    for where, output in found:
        png = base64.b64decode(output["data"]["image/png"])
        size = output.get("metadata", {}).get("image/png", {})
        assert "width" in size, f"{where}: no display width (not retina)"
        assert _png_width(png) in (2 * size["width"], 2 * size["width"] + 1), where
        assert size["width"] <= COLUMN_PX, (where, size)
