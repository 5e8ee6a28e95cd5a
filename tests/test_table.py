"""The chapters' tables: one set of numbers, as HTML and as text."""

import pytest

import sepconv


def test_html_table_text_and_html_carry_the_same_numbers():
    table = sepconv.html_table(
        [("standard", 86400, 1.0), ("separable", 10275, 0.11892)],
        ["layer", "multiplications", "ratio"],
        floatfmt=".3f",
    )
    for shown in ("86,400", "10,275", "0.119", "1.000"):
        assert shown in table.html
        assert shown in repr(table)
    assert table._repr_html_().startswith('<table class="table sepconv-table"')


def test_html_table_rejects_ragged_rows():
    with pytest.raises(ValueError, match="rows"):
        sepconv.html_table([(1, 2), (3,)], ["a", "b"])
    with pytest.raises(ValueError, match="rows"):
        sepconv.html_table([], ["a"])
