"""The jshtml player shared by :mod:`sepconv.animation` and :mod:`sepconv.widgets`.

A sequence of frames becomes a small self-contained HTML player
(:func:`frames_to_html`): the first frame as an image of known size, buttons
with inline SVG icons, a frame slider, and a script that finds its elements
from its own position, so that the player needs no element id, no external
resource and no layout. The frames are palette PNGs (:func:`figure_png`,
:func:`render_figure_frames`) kept under a byte budget; a frame that would
not fit raises an error instead of being dropped. :class:`AnimationHTML`
displays a player in a notebook.
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass, field

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import plotting as pl
from ._validation import check_int, fail

__all__ = [
    "FRAME_STYLE",
    "MAX_HTML_BYTES",
    "AnimationHTML",
    "figure_png",
    "frames_to_html",
    "player_html",
    "png_bytes",
    "render_figure_frames",
]

#: Byte budget of one animation's HTML (frames, player and styles).
MAX_HTML_BYTES = 400 * 1024

#: Frames are drawn in the book style with crisp (not anti-aliased) text:
#: palette PNGs of hinted text are about half the size, at the same legibility.
FRAME_STYLE = {**pl.BOOK_STYLE, "text.antialiased": False}

#: Inline SVG paths (16 x 16 box) of the player's buttons, by action.
_ICONS = {
    "first": "M2 3h2v10H2zM14 3v10L9 8zM9 3v10L4 8z",
    "previous": "M3 3h2v10H3zM13 3v10L6 8z",
    "play": "M4 3v10l8-5z",
    "pause": "M4 3h3v10H4zM9 3h3v10H9z",
    "next": "M3 3v10l7-5zM11 3h2v10h-2z",
    "last": "M2 3v10l5-5zM7 3v10l5-5zM12 3h2v10h-2z",
}


def _icon(action):
    return (
        '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">'
        f'<path fill="currentColor" d="{_ICONS[action]}"/></svg>'
    )


def _button(action):
    label = "Play" if action == "play" else f"{action.capitalize()} frame"
    return (
        f'<button type="button" data-action="{action}" aria-label="{label}" '
        f'title="{label}">{_icon(action)}</button>'
    )


# The player finds its own elements from its script (no element ids, so two
# notebooks open in one JupyterLab, or one figure drawn twice, cannot drive
# each other's players). The first frame is in the <img> itself, with its
# size: the player shows a picture before any script runs, and whether or
# not its output has been laid out (JupyterLab draws no off-screen cell).
_PLAYER_SCRIPT = """<script>
(function (root) {
  var img = root.querySelector("img"), range = root.querySelector("input");
  var frames = [img.src].concat(%(frames)s);  // the first is in the image
  var interval = %(interval)d, mode = "%(mode)s";
  var count = root.querySelector("output"), play = root.querySelector(
    "[data-action=play]"), note = root.querySelector(".sepconv-player-note");
  var texts = root.querySelectorAll(".sepconv-player-frames li"),
    live = root.querySelector(".sepconv-player-live");
  var index = 0, step = 1, timer = null;
  function show(i) {
    index = Math.max(0, Math.min(frames.length - 1, i));
    img.src = frames[index];
    range.value = index;
    count.textContent = (index + 1) + " / " + frames.length;
    // screen readers hear the frame in words when a reader steps (not
    // while it plays: one frame every interval would drown everything)
    if (live && texts.length && !timer) {
      live.textContent = texts[index].textContent;
    }
  }
  function stop() {
    clearInterval(timer);
    timer = null;
    play.innerHTML = %(play_icon)s;
    play.setAttribute("aria-label", "Play");
  }
  function tick() {
    var last = frames.length - 1, next = index + step;
    if (next > last || next < 0) {
      if (mode === "loop") { next = next > last ? 0 : last; }
      else if (mode === "reflect") { step = -step; next = index + step; }
      else { stop(); return; }
    }
    show(next);
  }
  var actions = {
    first: function () { stop(); show(0); },
    previous: function () { stop(); show(index - 1); },
    next: function () { stop(); show(index + 1); },
    last: function () { stop(); show(frames.length - 1); },
    play: function () {
      if (timer) { stop(); return; }
      if (index === frames.length - 1 && mode === "once") { show(0); }
      timer = setInterval(tick, interval);
      play.innerHTML = %(pause_icon)s;
      play.setAttribute("aria-label", "Pause");
    }
  };
  root.querySelectorAll("button[data-action]").forEach(function (button) {
    button.addEventListener("click", actions[button.dataset.action]);
  });
  range.addEventListener("input", function () { stop(); show(+range.value); });
  note.style.display = "none";
  root.querySelector(".sepconv-player-controls").style.display = "";
})(document.currentScript.parentElement);
</script>"""

_PLAYER_STYLE = (
    "<style>.sepconv-player{margin:0.5em 0}"
    ".sepconv-player img{display:block;max-width:100%%;height:auto}"
    ".sepconv-player-controls{display:flex;flex-wrap:wrap;align-items:center;"
    "gap:0.3em;margin-top:0.3em}"
    ".sepconv-player button{min-width:2.2em;min-height:2em;"
    "color:inherit;background:transparent;border:1px solid currentColor;"
    "border-radius:4px;cursor:pointer}"
    ".sepconv-player input{flex:1 1 8em;max-width:%(width)dpx}"
    ".sepconv-player output{font-variant-numeric:tabular-nums}"
    ".sepconv-player details{margin-top:0.3em;font-size:0.9em}"
    ".sepconv-player summary{display:list-item;cursor:pointer}"
    ".sepconv-player-live{position:absolute;width:1px;height:1px;"
    "overflow:hidden;clip-path:inset(50%%);white-space:nowrap}</style>"
)


def _png_size(png):
    """(width, height) from a PNG's header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        fail("frames", "PNG images", png[:8], error=TypeError)
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def frames_to_html(
    frames,
    *,
    name,
    alt="",
    texts=None,
    interval=700,
    default_mode="once",
    max_bytes=MAX_HTML_BYTES,
):
    """A self-contained HTML player of PNG frames, with no external URL.

    Parameters
    ----------
    frames : sequence of bytes
        PNG images, in order, all of one size.
    name : str, keyword-only
        The player's ``data-animation`` attribute (it sets no element id).
    alt : str, keyword-only
        Alternative text of the image.
    texts : sequence of str, keyword-only, optional
        Each frame in words, for readers who cannot see it: listed under the
        player ("The frames in words"), and spoken by screen readers (an
        ``aria-live`` region) as a reader steps through the frames.
    interval : int, keyword-only
        Milliseconds between frames when playing.
    default_mode : {"once", "loop", "reflect"}, keyword-only
        What playing does at the end: stop, start again, or go back.
    max_bytes : int, keyword-only
        Size budget; a larger result raises ``ValueError`` (nothing is ever
        dropped silently).

    Returns
    -------
    str
        A ``div.sepconv-player``: the first frame as an ``<img>`` with its
        width and height, the buttons (first, previous, play, next, last), a
        frame slider and counter, which show once the player's script runs,
        a line "run the cell to animate" for when it does not, the frames
        in words if ``texts`` are given, and the script, which finds its
        elements from its own position (no ids).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(1, 1), dpi=20)
    >>> html = frames_to_html(render_figure_frames(fig, lambda k: None, 2), name="demo")
    >>> html.count("data:image/png;base64,")  # each frame once
    2
    >>> 'data-animation="demo"' in html, 'width="20" height="20"' in html
    (True, True)
    """
    frames = list(frames)
    if not frames or not all(isinstance(f, bytes | bytearray) for f in frames):
        fail("frames", "a non-empty sequence of PNG bytes", frames, error=TypeError)
    if default_mode not in ("once", "loop", "reflect"):
        fail("default_mode", '"once", "loop" or "reflect"', default_mode)
    interval = check_int(interval, "interval", minimum=1)
    max_bytes = check_int(max_bytes, "max_bytes", minimum=1)
    words = ""
    if texts is not None:
        texts = [str(t) for t in texts]
        if len(texts) != len(frames) or not all(t.strip() for t in texts):
            fail("texts", f"{len(frames)} non-empty strings, one per frame", texts)
        items = "".join(f"<li>{html.escape(t)}</li>" for t in texts)
        words = (
            '<details class="sepconv-player-frames"><summary>The frames in words'
            f"</summary><ol>{items}</ol></details>"
            '<p class="sepconv-player-live" aria-live="polite"></p>'
        )
    sizes = {_png_size(bytes(f)) for f in frames}
    if len(sizes) != 1:
        fail("frames", "PNG images of one size", sorted(sizes))
    ((width, height),) = sizes
    uris = [
        "data:image/png;base64," + base64.b64encode(f).decode("ascii") for f in frames
    ]
    buttons = "".join(map(_button, ("first", "previous", "play", "next", "last")))
    script = _PLAYER_SCRIPT % {
        "frames": "[" + "".join(f'\n"{uri}",' for uri in uris[1:]) + "]",
        "interval": interval,
        "mode": default_mode,
        "play_icon": repr(_icon("play")),
        "pause_icon": repr(_icon("pause")),
    }
    page = (
        _PLAYER_STYLE
        % {"width": width}
        + f'<div class="sepconv-player" data-animation="{html.escape(name)}" '
        f'role="group" aria-label="{html.escape(alt or name)}">'
        f'<img src="{uris[0]}" width="{width}" height="{height}" '
        f'alt="{html.escape(alt)}">'
        f'<div class="sepconv-player-controls" style="display: none">{buttons}'
        f'<input type="range" min="0" max="{len(frames) - 1}" value="0" '
        f'aria-label="Frame"><output>1 / {len(frames)}</output></div>'
        f'<p class="sepconv-player-note">{len(frames)} frames: run the cell to '
        "animate.</p>"
        f"{words}{script}</div>"
    )
    markup = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]*", "", page)
    if re.search(r"https?:|//[a-z]", markup, flags=re.IGNORECASE):
        raise RuntimeError("the player refers to an external resource")
    if len(page.encode("utf-8")) > max_bytes:
        raise ValueError(
            f"animation {name!r} is {len(page.encode('utf-8'))} bytes, over the "
            f"budget max_bytes={max_bytes}: use fewer frames, a smaller figure or a "
            "lower dpi (or raise max_bytes deliberately)"
        )
    return page


def png_bytes(rgb, *, colors=0, fast=False):
    """An RGB(A) array as PNG bytes (deterministic, no metadata).

    ``colors`` > 0 makes a palette PNG of that many colours (half the size of
    frames stored in a page); ``fast`` trades size for speed (a picture sent
    to the browser once, never stored).
    """
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(np.asarray(rgb)[..., :3]))
    if colors:
        image = image.quantize(
            colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    buffer = io.BytesIO()
    options = {"compress_level": 1} if fast else {"optimize": True}
    image.save(buffer, format="png", **options)
    return buffer.getvalue()


def figure_png(fig, *, colors=64):
    """The figure drawn as a palette PNG (see :func:`png_bytes`)."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    return png_bytes(fig.canvas.buffer_rgba(), colors=colors)


def render_figure_frames(fig, update, count, *, colors=64):
    """Call ``update(k)`` for ``k`` in ``range(count)`` and grab each frame.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure (an Agg canvas is attached if it has none).
    update : callable
        Changes the figure's artists for frame ``k``.
    count : int
        Number of frames.
    colors : int, keyword-only
        Palette size of the PNGs (0 keeps full colour).

    Returns
    -------
    list of bytes
        One PNG per frame.

    Examples
    --------
    >>> fig = Figure(figsize=(1, 1), dpi=20)
    >>> text = fig.text(0.5, 0.5, "")
    >>> frames = render_figure_frames(fig, lambda k: text.set_text(str(k)), 3)
    >>> len(frames), frames[0][:4]
    (3, b'\\x89PNG')
    """
    if not isinstance(fig, Figure):
        fail("fig", "a matplotlib Figure", fig, error=TypeError)
    count = check_int(count, "count", minimum=1)
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    frames = []
    for k in range(count):
        update(k)
        frames.append(figure_png(fig, colors=colors))
    return frames


def player_html(fig, update, count, *, name, what, interval, max_bytes=MAX_HTML_BYTES):
    """The player of ``count`` frames of ``fig``, drawn in :data:`FRAME_STYLE`.

    ``update(k)`` sets frame ``k`` and returns it in words (a str), which
    the player lists and speaks (``texts`` of :func:`frames_to_html`);
    ``what`` the animation shows begins the image's alt text.
    """
    texts = []
    with mpl.rc_context(FRAME_STYLE):
        frames = render_figure_frames(fig, lambda k: texts.append(update(k)), count)
    alt = f"{what}: an animation of {count} frames, described in words below it"
    return frames_to_html(frames, name=name, alt=alt, texts=texts,
                          interval=interval, max_bytes=max_bytes)  # fmt: skip


@dataclass(frozen=True)
class AnimationHTML:
    """A notebook-displayable animation (``_repr_html_``) with a stable repr."""

    name: str
    html: str = field(repr=False)
    frames: int = 0

    def _repr_html_(self):
        return self.html

    def __repr__(self):
        return f"<animation {self.name!r}: {self.frames} frames>"
