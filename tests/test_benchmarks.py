"""The benchmark scripts run and print complete tables (no timing is checked).

The ratios themselves are evidence for the closing notes of issues, measured
on a quiet machine with ``make bench``; here only the machinery is tested, so
that the scripts cannot rot between measurements.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args):
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


ROW = re.compile(
    r"^(correlate2d|separable_correlate2d)\s+1024\^2, m=(\d+)\s+(.+?)\s+\d+\.\d{3}\b"
)


@pytest.mark.slow
def test_bench_core_prints_every_filter_row():
    out = _run(
        "benchmarks/bench_core.py", "--quick", "--threads", "1", "--only", "filters"
    )
    assert "threads=1, clock=wall" in out
    found = {
        (match[1], int(match[2]), match[3])
        for match in map(ROW.match, out.splitlines())
        if match
    }
    for m in (3, 5, 7, 15):
        assert ("correlate2d", m, "ndimage.correlate") in found, out
        assert ("correlate2d", m, "signal.correlate2d") in found, out
        assert ("separable_correlate2d", m, "2 x ndimage.correlate1d") in found, out
    assert re.search(r"^targets met: \d of 8$", out, re.MULTILINE), out


@pytest.mark.slow
def test_bench_widgets_prints_every_explorer():
    out = _run("benchmarks/bench_widgets.py", "--steps", "2")
    for name in (
        "scan_explorer",
        "spatial_cost_explorer",
        "depthwise_cost_explorer",
        "low_rank_explorer",
    ):
        assert name in out


@pytest.mark.slow
def test_notebook_stalls_prints_each_notebook():
    out = _run(
        "benchmarks/notebook_stalls.py",
        "--runs",
        "2",
        "--load",
        "1",
        "tests/notebooks/explorers.ipynb",
    )
    assert "2 runs each; busy processes alongside: 1; kernel shutdown: graceful" in out
    assert re.search(r"^explorers\.ipynb: 2 runs$", out, re.MULTILINE), out
    assert re.search(r"^  runs over twice the median: [012]$", out, re.MULTILINE)
    assert re.search(r"^  slowest cell: cell \d+, max \d+\.\d\d s$", out, re.MULTILINE)
    assert re.search(r"^  cell \d+: median \d+\.\d\d s, max", out, re.MULTILINE)
    assert "kernel shutdown: median" in out


@pytest.mark.slow
def test_bench_core_prints_every_gradient_row():
    out = _run(
        "benchmarks/bench_core.py", "--quick", "--threads", "1", "--only", "gradients"
    )
    if "the gradients have no peer, skipped" in out:  # no torch here
        return
    for size in ("112^2 x 32 -> 64", "7^2 x 1024 -> 1024"):
        for op in ("conv2d_input", "conv2d_weight"):
            for kind in ("", "depthwise "):
                assert re.search(
                    rf"^{kind}{op}\s+{re.escape(size)}\s+torch\.nn\.grad", out, re.M
                ), out
