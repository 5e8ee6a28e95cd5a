"""Tables for the notebooks: HTML on the page, the same numbers as text.

:func:`html_table` formats rows of numbers once, with ``tabulate``, twice
over: an HTML table that the book renders, and a plain-text table that is the
object's ``repr``, so that a stored-output comparison (nbval) sees every
number a reader sees. It is re-exported as ``sepconv.html_table``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._validation import fail

__all__ = ["Table", "html_table"]


@dataclass(frozen=True)
class Table:
    """A table of numbers for a notebook: HTML on the page, text for nbval.

    Made by :func:`html_table`. ``html`` is what the book renders; the text
    form (``repr``) carries the same formatted values, so a changed number
    fails a stored-output comparison either way.
    """

    html: str
    text: str

    def _repr_html_(self):
        return self.html

    def __repr__(self):
        return self.text


def html_table(rows, headers, *, floatfmt=".2f", intfmt=",", colalign=None):
    """Format ``rows`` as a compact table (HTML for the page, text for tests).

    Parameters
    ----------
    rows : sequence of sequences
        One sequence of cells per row: numbers, strings, fractions.
    headers : sequence of str
        One header per column.
    floatfmt, intfmt : str or sequence of str, keyword-only
        Format specifications for floats and integers (per column if a
        sequence); by default two decimals and thousands separators.
    colalign : sequence of str, optional
        "left", "right", "center" or "decimal" per column.

    Returns
    -------
    Table
        Displays as an HTML table in a notebook; ``repr`` is the plain-text
        table.

    Examples
    --------
    >>> html_table([("standard", 86400), ("separable", 10275)],
    ...            ["layer", "multiplications"])
    layer        multiplications
    ---------  -----------------
    standard              86,400
    separable             10,275
    """
    from tabulate import tabulate

    rows = [list(row) for row in rows]
    headers = list(headers)
    widths = {len(row) for row in rows}
    if not rows or widths != {len(headers)}:
        fail(
            "rows",
            f"a non-empty sequence of rows of {len(headers)} cells (one per header)",
            f"rows of {sorted(widths)} cells" if rows else rows,
        )
    options = {"floatfmt": floatfmt, "intfmt": intfmt}
    if colalign is not None:
        options["colalign"] = tuple(colalign)
    html = tabulate(rows, headers, tablefmt="html", **options)
    style = 'class="table sepconv-table" style="font-size: 0.85em; width: auto"'
    html = html.replace("<table>", f"<table {style}>", 1)
    text = tabulate(rows, headers, tablefmt="simple", **options)
    return Table(html=html, text=text)
