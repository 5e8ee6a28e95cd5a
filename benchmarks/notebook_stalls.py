"""How long a notebook takes to execute, run after run, in fresh kernels.

A notebook that now and then waits for something (a kernel message, a
thread, a core) shows up here as a run, or a cell, far slower than its
median. The script executes each notebook ``--runs`` times, each time in a
new kernel (as ``make execute``, nbval and the book build do), and prints
the distribution of the wall-clock times (kernel start, every cell, kernel
shutdown), the slowest cell, the cells whose time varies most from run to
run, and the time the kernel took to shut down.

``--load N`` keeps N other processes busy meanwhile (pure-Python loops,
ended with the script), as a browser, a Jupyter server and a kernel share
the cores during the JupyterLab test: that is when a stall shows.

``--shutdown`` chooses how the kernel is stopped: ``graceful`` (a shutdown
request, as the book build's jupyter-cache does) or ``immediate`` (killed
once every output is in, as nbval and ``make execute`` do). A graceful
shutdown of ipykernel 7.4 now and then hangs (its control thread flushes
stdout into the IOPub thread that the exiting main thread has just
stopped) until jupyter_client terminates the kernel 2.5 s later.

Run: ``.venv/bin/python benchmarks/notebook_stalls.py [--runs N] [--load N]
[--shutdown graceful|immediate] [NOTEBOOK ...]`` (default: the
widget-heaviest chapter and ``tests/notebooks/explorers.ipynb``, 40 runs
each). Nothing is asserted: the numbers are evidence for a closing note.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = [
    ROOT / "book" / "02-spatial-separable.ipynb",
    ROOT / "tests" / "notebooks" / "explorers.ipynb",
]


def execute_once(path, timeout, shutdown):
    """Execute ``path`` in a fresh kernel.

    Returns the total seconds, the seconds of each code cell by index, and
    the seconds the kernel took to shut down.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        shutdown_kernel=shutdown,
        resources={"metadata": {"path": str(path.parent)}},
    )
    cells = {}
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                t0 = time.perf_counter()
                client.execute_cell(cell, index)
                cells[index] = time.perf_counter() - t0
        stop = time.perf_counter()
    end = time.perf_counter()
    return end - start, cells, end - stop


def busy(seconds):
    """Keep one core busy for at most ``seconds``."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def summarise(name, totals, per_cell, shutdowns):
    median = statistics.median(totals)
    p95 = statistics.quantiles(totals, n=20, method="inclusive")[-1]
    print(f"\n{name}: {len(totals)} runs")
    print(
        f"  min {min(totals):.2f} s, median {median:.2f} s, p95 {p95:.2f} s,"
        f" max {max(totals):.2f} s (max/median {max(totals) / median:.2f})"
    )
    print(f"  runs over twice the median: {sum(t > 2 * median for t in totals)}")
    spread = sorted(
        per_cell.items(),
        key=lambda item: max(item[1]) - statistics.median(item[1]),
        reverse=True,
    )
    index, seconds = max(per_cell.items(), key=lambda item: max(item[1]))
    print(f"  slowest cell: cell {index}, max {max(seconds):.2f} s")
    for index, seconds in spread[:3]:
        print(
            f"  cell {index}: median {statistics.median(seconds):.2f} s,"
            f" max {max(seconds):.2f} s"
        )
    print(
        f"  kernel shutdown: median {statistics.median(shutdowns):.2f} s,"
        f" max {max(shutdowns):.2f} s, over 1 s in {sum(t > 1 for t in shutdowns)}"
        " runs"
    )
    print("  all runs (s): " + " ".join(f"{t:.1f}" for t in totals))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--timeout", type=int, default=120, help="per cell, s")
    parser.add_argument("--load", type=int, default=0, help="busy processes")
    parser.add_argument(
        "--shutdown", choices=["graceful", "immediate"], default="graceful"
    )
    args = parser.parse_args()
    print(
        f"{args.runs} runs each; busy processes alongside: {args.load};"
        f" kernel shutdown: {args.shutdown}"
    )
    for path in args.notebooks:
        loads = [
            multiprocessing.Process(target=busy, args=(3600,), daemon=True)
            for _ in range(args.load)
        ]
        for process in loads:
            process.start()
        try:
            totals, per_cell, shutdowns = [], {}, []
            for _ in range(args.runs):
                total, cells, shutdown = execute_once(
                    path.resolve(), args.timeout, args.shutdown
                )
                totals.append(total)
                shutdowns.append(shutdown)
                for index, seconds in cells.items():
                    per_cell.setdefault(index, []).append(seconds)
        finally:
            for process in loads:
                process.terminate()
                process.join()
        summarise(path.name, totals, per_cell, shutdowns)


if __name__ == "__main__":
    main()
