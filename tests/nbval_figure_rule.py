"""Check the book's figure rule on every figure a notebook shows (nbval).

`make nbval` runs the notebooks' kernels with ``PYTHONSTARTUP`` pointing at
this file (IPython runs it when a kernel starts). It wraps matplotlib's
``print_figure``, through which IPython's inline backend turns every figure
into the PNG a notebook stores and the website shows, and checks each one
with matplotlib's own layout (tests/figure_text.py):

- no text smaller than ``MIN_TEXT_PX`` CSS pixels as displayed (a text of
  ``s`` points is shown ``s * figure.dpi / 72`` pixels high, whatever the
  PNG's density);
- no figure wider than the content column (``COLUMN_PX``), where it would be
  scaled down, and its text with it.

A figure that breaks the rule writes a line to stderr: nbval then fails the
cell, since its stored outputs have no such line.
"""

import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from figure_text import COLUMN_PX, MIN_TEXT_PX, displayed_px, text_sizes
from matplotlib.backend_bases import FigureCanvasBase

from sepconv._player import _png_size

_print_figure = FigureCanvasBase.print_figure


def _checked_print_figure(self, filename, *args, **kwargs):
    with text_sizes() as drawn:
        result = _print_figure(self, filename, *args, **kwargs)
    if not isinstance(filename, io.BytesIO):
        return result
    png = filename.getvalue()
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        return result
    fig = self.figure
    dpi = kwargs.get("dpi") or fig.dpi
    width = _png_size(png)[0] * fig.dpi / dpi  # CSS px
    problems = []
    if width > COLUMN_PX + 0.5:
        problems.append(f"{width:.0f} px wide (at most {COLUMN_PX})")
    for size, text in sorted(set(drawn))[:3]:
        shown = displayed_px(size, fig.dpi)
        if shown < MIN_TEXT_PX - 1e-6:
            problems.append(f"{text!r} at {size:g} pt is shown {shown:.1f} px high")
    if problems:
        print(
            f"figure rule (at least {MIN_TEXT_PX} px text): " + "; ".join(problems),
            file=sys.stderr,
        )
    return result


FigureCanvasBase.print_figure = _checked_print_figure
