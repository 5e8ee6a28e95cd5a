"""pytest set-up for the whole repository (the tests have their own conftest).

``sepconv.widgets`` needs ipywidgets, which ``pip install .`` leaves out (it
is the ``widgets`` extra). Without it the doctests of that one module are
skipped, with the reason, instead of failing to import.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

WIDGETS = Path("sepconv", "widgets.py").parts


class _NeedsIpywidgets(pytest.File):
    def collect(self):
        pytest.skip("sepconv.widgets needs ipywidgets (pip install 'sepconv[widgets]')")


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path, parent):
    collectors = yield
    if file_path.parts[-2:] == WIDGETS and not importlib.util.find_spec("ipywidgets"):
        return [_NeedsIpywidgets.from_parent(parent, path=file_path)]
    return collectors
