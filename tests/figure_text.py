"""How large a figure's text is where the reader sees it (issue 18, item 3).

The book's figure rule: no text smaller than :data:`MIN_TEXT_PX` CSS pixels
as displayed on a 1280 px wide screen. One inch of a figure is 100 CSS
pixels there: static figures are PNGs at twice the density (``retina``: 200
dpi, shown at half their pixel size) and animation frames are drawn at 100
dpi and shown at their pixel size, as long as a figure is no wider than the
page's content column (:data:`COLUMN_PX`), which the site tests check in
Chromium. So a text of ``s`` points is displayed at ``s * 100 / 72`` px, and
the rule is that every text is at least :data:`MIN_TEXT_PT` points and every
figure at most :data:`COLUMN_PX` / 100 inches wide.

:func:`text_sizes` records the size of every text matplotlib actually draws
(``Text`` artists, mathtext, and the glyph outlines of
:class:`sepconv.plotting.GlyphLabels`), from matplotlib's own layout.
"""

from __future__ import annotations

import contextlib

from matplotlib.backends.backend_agg import RendererAgg

from sepconv import plotting

#: The smallest text, in CSS px, displayed at 1280 px.
MIN_TEXT_PX = 11
#: CSS px per figure inch, as displayed (see the module docstring).
PX_PER_INCH = 100
#: The same rule in points: ``MIN_TEXT_PT * PX_PER_INCH / 72 >= MIN_TEXT_PX``.
MIN_TEXT_PT = 8.0
#: The narrowest content column a figure or player is shown in at 1280 px
#: (a cell's output area; tests/site measures it).
COLUMN_PX = 670


@contextlib.contextmanager
def text_sizes():
    """Record the size in points of every text drawn inside the block.

    Yields a list that fills with ``(size, text)`` pairs as figures draw.
    """
    drawn = []
    draw_text, glyphs = RendererAgg.draw_text, plotting._glyphs

    def recording_draw_text(self, gc, x, y, s, prop, *args, **kwargs):
        if s.strip():
            drawn.append((prop.get_size_in_points(), s))
        return draw_text(self, gc, x, y, s, prop, *args, **kwargs)

    def recording_glyphs(text, size, *args, **kwargs):
        if str(text).strip():
            drawn.append((size, str(text)))
        return glyphs(text, size, *args, **kwargs)

    RendererAgg.draw_text = recording_draw_text
    plotting._glyphs = recording_glyphs
    try:
        yield drawn
    finally:
        RendererAgg.draw_text = draw_text
        plotting._glyphs = glyphs


def too_small(drawn):
    """The recorded texts below :data:`MIN_TEXT_PT`, smallest first."""
    return sorted({(size, text) for size, text in drawn if size < MIN_TEXT_PT - 1e-9})


def displayed_px(size_pt, dpi=PX_PER_INCH):
    """A text of ``size_pt`` points as displayed, in CSS px, in a figure of
    ``dpi`` (shown one figure pixel per CSS pixel, at any PNG density)."""
    return size_pt * dpi / 72
