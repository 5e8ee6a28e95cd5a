"""Checks that CI requires: a missing tool fails there and skips elsewhere.

``.ci/run`` sets ``SEPCONV_REQUIRE_BROWSER=1`` and ``SEPCONV_REQUIRE_TORCH=1``,
so that the browser checks and the torch oracle cannot be skipped in CI. A
plain ``make test`` on a machine without Chromium or torch skips them and
says why.
"""

from __future__ import annotations

import importlib
import os

import pytest


def require_or_skip(reason, variable):
    """Fail when ``variable`` is set to 1 in the environment, skip otherwise."""
    if os.environ.get(variable) == "1":
        pytest.fail(f"{reason} ({variable}=1 forbids skipping)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def import_torch():
    """The torch module, or a skip (a failure under SEPCONV_REQUIRE_TORCH=1)."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        require_or_skip(
            "torch is not installed: the torch oracle tests are skipped "
            "(make torch installs it)",
            "SEPCONV_REQUIRE_TORCH",
        )
