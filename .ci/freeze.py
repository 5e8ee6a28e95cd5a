"""Write the pinned requirement files from the environment (``make freeze``).

The roots are the two dependency groups of ``pyproject.toml``: ``book``
(what a reader needs to run and build the book) and ``test`` (the test and
lint tools). Every installed distribution that a root needs, directly or
through its dependencies, is pinned at its installed version:

* ``requirements.txt``: the closure of ``book``, then ``-e .``;
* ``requirements-dev.txt``: what the closure of ``test`` adds to it.

Anything else in the environment (torch, say, installed by ``make torch``)
is left out. ``--check`` writes nothing and fails if a file would change.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.metadata as metadata
import sys
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
SELF = "sepconv"

RUNTIME_HEADER = """\
# Pinned environment of the sepconv book: what a reader needs to run the
# notebooks (JupyterLab, the kernel, the explorers) and to build the website.
# Also a Binder / JupyterHub (repo2docker) environment. The test and lint
# tools are in requirements-dev.txt; PyPI's torch is a test-only oracle
# (`make torch`). Written by `make freeze` from the `book` dependency group
# of pyproject.toml: edit the group, not this file.
"""
RUNTIME_FOOTER = """\
# The package itself, editable (repo2docker installs it after copying the repo).
-e .
"""
DEV_HEADER = """\
# Pinned test and lint tools of the sepconv book (`make test` installs this
# file and requirements.txt). Written by `make freeze` from the `test`
# dependency group of pyproject.toml: edit the group, not this file.
"""


def installed():
    """Installed distributions by canonical name."""
    return {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions()}


def closure(roots, dists):
    """Canonical names of ``roots`` and everything they need, extras included."""
    seen, todo = set(), [Requirement(r) for r in roots]
    done = set()
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        key = (name, frozenset(req.extras))
        if key in done:
            continue
        done.add(key)
        if name not in dists:
            sys.exit(f"freeze: {req} is needed but not installed (make setup first)")
        seen.add(name)
        for line in dists[name].requires or []:
            dep = Requirement(line)
            extras = req.extras or {""}
            if dep.marker and not any(
                dep.marker.evaluate({"extra": e}) for e in extras
            ):
                continue
            todo.append(dep)
    return seen


def pins(names, dists):
    """``name==version`` lines, in pip freeze's order (by lower-case name)."""
    spelled = sorted((dists[n].metadata["Name"] for n in names - {SELF}), key=str.lower)
    return "".join(f"{name}=={metadata.version(name)}\n" for name in spelled)


def render():
    """The text of each pinned file, by path."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    dists = installed()
    runtime = closure(groups["book"], dists)
    dev = closure(groups["test"], dists) - runtime
    return {
        ROOT / "requirements.txt": RUNTIME_HEADER
        + pins(runtime, dists)
        + RUNTIME_FOOTER,
        ROOT / "requirements-dev.txt": DEV_HEADER + pins(dev, dists),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing")
    args = parser.parse_args()
    stale = []
    for path, text in render().items():
        old = path.read_text() if path.exists() else ""
        if old == text:
            continue
        stale.append(path.name)
        if args.check:
            sys.stdout.writelines(
                difflib.unified_diff(
                    old.splitlines(True), text.splitlines(True), path.name, "frozen"
                )
            )
        else:
            path.write_text(text)
            print(f"wrote {path.name}")
    if args.check and stale:
        sys.exit(f"freeze: {', '.join(stale)} differ from the environment")


if __name__ == "__main__":
    main()
