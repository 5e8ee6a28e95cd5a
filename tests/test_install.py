"""The package as a reader's ``pip install .`` gives it, and the pinned files.

``pip install .`` installs only what ``pyproject.toml`` declares (no extras,
no book, no test tools). In a throwaway virtual environment under the
test's temporary directory, with pytest and hypothesis added, the installed
package must import and pass its doctests and the unit tests. Only what
needs the ``widgets`` extra (ipywidgets), the ``learn`` extra
(scikit-learn, for the digits) or torch, the oracle installed apart, may be
skipped. It is installed twice: with the versions pinned in
requirements.txt and requirements-dev.txt, and with the oldest versions
``pyproject.toml`` allows (its lower bounds), so that those bounds are
tested, not guessed.
Packages come from the registry, or from pip's cache.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _run(*args, cwd):
    # CI's demand that the torch oracle runs is for the project's own
    # environment: this one has no torch on purpose.
    env = {k: v for k, v in os.environ.items() if k != "SEPCONV_REQUIRE_TORCH"}
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _pinned():
    """The versions of requirements*.txt (pip refuses ``-e .`` as a constraint)."""
    lines = []
    for name in ("requirements.txt", "requirements-dev.txt"):
        text = (ROOT / name).read_text()
        lines += [line for line in text.splitlines() if "==" in line]
    return lines


def _bounds():
    """Each dependency of pyproject.toml at its lower bound."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = []
    for line in project["dependencies"]:
        requirement = Requirement(line)
        (bound,) = (s.version for s in requirement.specifier if s.operator == ">=")
        lines.append(f"{requirement.name}=={bound}")
    return lines


def _lowest():
    """The lower bounds, and everything else as pinned."""
    bounds = _bounds()
    named = {_name(line) for line in bounds}
    return bounds + [line for line in _pinned() if _name(line) not in named]


def _name(pin):
    return canonicalize_name(pin.partition("==")[0])


@pytest.mark.slow
@pytest.mark.parametrize("versions", [_pinned, _lowest], ids=["pinned", "lowest"])
def test_plain_install_imports_and_passes_its_doctests(tmp_path, versions):
    source = tmp_path / "source"
    shutil.copytree(
        ROOT / "sepconv",
        source / "sepconv",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("\n".join(versions()) + "\n")
    _run(*pip, "-c", constraints, source, "pytest", "hypothesis", cwd=tmp_path)
    options = []
    if versions is _lowest:  # really the lower bounds, not something newer
        installed = _run(python, "-m", "pip", "list", "--format=freeze", cwd=tmp_path)
        for line in _bounds():
            assert line.lower() in installed.lower(), (line, installed)
        # The oldest matplotlib calls pyparsing names that today's pyparsing
        # deprecates (oneOf, parseString, ...): its warning, not ours.
        options = ["-W", "ignore::pyparsing.warnings.PyparsingDeprecationWarning"]
    shutil.rmtree(source)  # what runs below is the installed package

    # The repository's pytest set-up (its config, its conftest loaded as a
    # plugin for the ipywidgets rule) and its tests, in a folder with no
    # sepconv of its own, so that they import the installed package.
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(ROOT / "pyproject.toml", run)
    shutil.copy(ROOT / "conftest.py", run)
    shutil.copytree(
        ROOT / "tests", run / "tests", ignore=shutil.ignore_patterns("__pycache__")
    )
    code = "import sepconv.animation, sepconv.plotting; print(sepconv.__file__)"
    where = _run(python, "-c", code, cwd=run)
    assert Path(where.strip()).is_relative_to(venv)
    pytest = [python, "-m", "pytest", "-p", "conftest", "-q", *options]
    doctests = _run(*pytest, "--pyargs", "sepconv", cwd=run)
    _assert_only_expected_skips(doctests)
    assert "sepconv.widgets needs ipywidgets" in doctests
    # (test_install.py itself checks the repository's environment; the book
    # tests read the book's sources, which a package does not ship.)
    unit = _run(
        *pytest,
        "tests",
        "--ignore=tests/test_install.py",
        "-m",
        "not site and not browser and not slow and not book",
        cwd=run,
    )
    _assert_only_expected_skips(unit)


def _assert_only_expected_skips(out):
    summary = out.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed(, \d+ skipped)?(, \d+ deselected)? in .*", summary)
    for line in out.splitlines():
        if line.startswith("SKIPPED"):
            allowed = ("ipywidgets", "torch is not installed", "scikit-learn")
            assert any(reason in line for reason in allowed), line


def test_pinned_files_are_what_make_freeze_writes():
    """requirements*.txt equal the environment's pins of the dependency groups."""
    _run(sys.executable, ROOT / ".ci" / "freeze.py", "--check", cwd=ROOT)
