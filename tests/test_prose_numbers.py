"""No figure about the book's subject is typed in the prose.

Every number a chapter's text states about convolutions (a count, a ratio, a
share, a measured time) comes from code: an ``{eval}`` expression, or math
that the code beside it checks. This test strips from each markdown cell what
may hold digits legitimately, then fails on any digit left:

- fenced code blocks (the PyTorch and Keras code of the chapters, whose
  numbers ``test_framework_snippets.py`` checks);
- math (``$...$``, ``$$...$$``), inline expressions (``{eval}``), citations,
  cross-references, code spans, link targets, directive lines and labels;
- the short allow-list below, each entry with its reason.

A typed result ("81 multiplications", "a ratio of 9/25") survives the
stripping and fails the test; so does a typed range about a machine ("between
4 and 20"): measured values are glued, and their direction is asserted in the
cell that measures them.
"""

from __future__ import annotations

import re

import pytest
from chapters import BOOK, CHAPTERS, cells, source

pytestmark = pytest.mark.book

# Code, not prose: removed before the lines of a paragraph are joined.
FENCED = re.compile(r"^(`{3,}).*?^\1[ \t]*$", re.M | re.S)

# What may hold digits: markup, not prose.
MARKUP = [
    # a short quotation followed by its citation: the source's own words
    re.compile(r'"[^"\n]{1,60}"\s*\{cite(?::\w+)?\}`[^`]*`'),
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"\$[^$]+\$"),  # inline math
    re.compile(r"\{[a-z:]+\}`[^`]*`"),  # roles: {eval}, {cite:p}, {numref}, ...
    re.compile(r"`[^`\n]*`"),  # code spans: names, calls, shapes as code
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"^:[a-z-]+:.*$", re.M),  # directive options (:label:, :class:)
    re.compile(r"^:{3,}.*$", re.M),  # directive fences
]

NUMBER = r"\d+(?:\.\d+)?"
LIST = rf"{NUMBER}(?:(?:, | and | to | or ){NUMBER})*"
PARAMETERS = (
    "stride|strides|padding|dilation|dilations|groups|rank|ranks|multiplier|"
    "multipliers|width|widths|seed|seeds|epoch|epochs|batch|batches of|radius|"
    "rules?|blocks?|layers? of|kernel sizes?|channels?|resolution"
)
UNITS = (
    "channels?|filters?|groups|pixels?|images?|layers?|blocks?|taps|kernels|"
    "classes|digits|epochs|seeds|bytes|MB|threads?|cores?|weights|positions|"
    "rows|columns|terms|steps|frames|outputs|inputs|entries|values"
)
ALLOWED = [
    # years of publication
    re.compile(r"\b(?:19|20)\d\d\b"),
    # numbered parts of this book and of the papers it quotes
    re.compile(rf"\b(?:chapter|table|figure|exercise|section)s? {LIST}\b", re.I),
    # 1-D, 2-D, 3-D, and shape names written as sizes (3×3, 7x7x3, 56²)
    re.compile(r"\b[1-3]-D\b"),
    re.compile(rf"\b{NUMBER}(?: ?[×x] ?{NUMBER})+\b"),
    # names that contain a number: float32, d2l, MobileNetV1, Inception-v3
    re.compile(r"\b[A-Za-z]+\d+[A-Za-z0-9]*\b|\b[A-Za-z]+[- ][Vv]\d\b"),
    re.compile(r"\bMobileNet-\d+\b"),
    # shape words: a rank-1 kernel, a 3-wide kernel, the 8-neighbour Laplacian
    re.compile(r"(?i)\brank-\d\b"),
    re.compile(r"\b\d+-(?:wide|neighbour|tap|filter|channel|pixel|bit)\b"),
    # angles of a turn (a true convolution turns the kernel by 180 degrees)
    re.compile(r"\b\d+[- ]degrees?\b"),
    # markers of numbered lists and steps
    re.compile(r"^\s*\d+\.\s", re.M),
    re.compile(r"\b[Ss]tep \d\b"),
    # the inputs of a worked example, which the reader may change: "stride 2",
    # "dilations 1, 2 and 4", "32 channels", "a batch of 64 images"
    re.compile(rf"\b(?:{PARAMETERS})(?: of)? {LIST}\b", re.I),
    re.compile(rf"\b{LIST} (?:input |output |pointwise |depthwise )?(?:{UNITS})\b"),
]


def typed_numbers(text):
    """The lines of ``text`` that still hold a digit once markup is stripped."""
    text = FENCED.sub("\n", text)  # a code block ends a paragraph
    # one line per paragraph, list item or heading: soft line breaks join
    text = re.sub(r"[ \t]*\n[ \t]*(?!\n|[-*|] |\||\d+\. |#|:{3})", " ", text)
    for pattern in MARKUP + ALLOWED:
        text = pattern.sub(" ", text)
    return [line.strip() for line in text.splitlines() if re.search(r"\d", line)]


def test_the_filter_catches_typed_results_and_passes_markup():
    assert typed_numbers("Nine positions, 81 multiplications") != []
    assert typed_numbers("a ratio of 9/25, between 4 and 20") != []
    assert typed_numbers("expect the crossing between m = 11 and m = 21") != []
    assert typed_numbers("{eval}`n_full` positions, $o = 3$, stride 2") == []
    assert typed_numbers("32 channels of $16 \\times 16$, 4 groups, 1-D") == []
    assert typed_numbers("Run\n```python\nx = 81\n```\nfor 81 more") == ["for 81 more"]


@pytest.mark.parametrize("name", [*CHAPTERS, "intro.md"])
def test_no_typed_number_in_the_prose(name):
    if name.endswith(".md"):
        texts = [(0, (BOOK / name).read_text(encoding="utf-8"))]
        # a MyST text notebook: only its markdown, not its code cells
        texts = [(0, re.sub(r"```\{code-cell\}.*?```", " ", texts[0][1], flags=re.S))]
        texts = [(0, re.sub(r"\A---.*?---", " ", texts[0][1], flags=re.S))]
    else:
        texts = [
            (index, source(cell))
            for index, cell in enumerate(cells(name))
            if cell["cell_type"] == "markdown"
        ]
    found = [(index, line) for index, text in texts for line in typed_numbers(text)]
    assert found == [], "\n".join(f"cell {i}: {line}" for i, line in found)
