"""Update time of the explorers, per slider step, at their largest settings.

One "update" is what a reader waits for after moving a slider by one step:
the callback recomputes the numbers, updates the artists, redraws the figure
on the Agg canvas and encodes the PNG sent to the browser. Each slider of
each explorer is stepped back and forth around the largest settings, and the
median time per step is reported (the target is 50 ms or less).

Run: ``.venv/bin/python benchmarks/bench_widgets.py [--steps N]``.
Timings depend on the machine and its load; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from sepconv import widgets

TARGET_MS = 50.0

#: The largest (heaviest to draw) settings of each explorer.
LARGEST = {
    "scan_explorer": (
        widgets.scan_explorer,
        {"image_size": 9, "kernel_size": 3, "stride": 1, "padding": 2, "dilation": 1,
         "position": 60},
    ),
    "spatial_cost_explorer": (
        widgets.spatial_cost_explorer, {"image_size": 128, "kernel_size": 15}
    ),
    "depthwise_cost_explorer": (
        widgets.depthwise_cost_explorer,
        {"height": 224, "width": 224, "depth": 512, "kernel_size": 7, "filters": 1024,
         "stride": 1, "padding": 3, "dilation": 1},
    ),
    "low_rank_explorer": (
        widgets.low_rank_explorer,
        {"kernel": "random integers (5×5)", "rank": 3},
    ),
}  # fmt: skip


def step_values(control):
    """Two neighbouring values of a control, to step between."""
    if hasattr(control, "options"):  # values, or (label, value) pairs
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        k = options.index(control.value)
        other = options[k - 1] if k else options[1]
        return [other, control.value]
    value = control.value
    other = value - control.step if value > control.min else value + control.step
    return [other, value]


def bench(make, settings, steps):
    explorer = make()
    for name, value in settings.items():
        explorer.controls[name].value = value
    rows = []
    for name, control in explorer.controls.items():
        values = step_values(control)
        times = []
        for k in range(steps):
            start = time.perf_counter()
            control.value = values[k % 2]
            times.append((time.perf_counter() - start) * 1000)
        assert "error" not in explorer.numbers, explorer.numbers
        rows.append((name, statistics.median(times), max(times)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=21, help="steps per slider")
    args = parser.parse_args()
    print(f"{'explorer':26s} {'control':13s} {'median ms':>10s} {'max ms':>8s}  target")
    worst = {}
    for label, (make, settings) in LARGEST.items():
        for name, median, slowest in bench(make, settings, args.steps):
            flag = "ok" if median <= TARGET_MS else "OVER"
            print(f"{label:26s} {name:13s} {median:10.1f} {slowest:8.1f}  {flag}")
            worst[label] = max(worst.get(label, 0.0), median)
    print()
    print(f"{'explorer':26s} {'worst median ms':>16s}")
    for label, value in worst.items():
        print(f"{label:26s} {value:16.1f}  {'ok' if value <= TARGET_MS else 'OVER'}")


if __name__ == "__main__":
    main()
