"""Time ratios of :mod:`sepconv.core` against its peers, in one run.

Run from the repository root::

    python benchmarks/bench_core.py            # the full table
    python benchmarks/bench_core.py --quick    # fewer repeats, smaller budget
    python benchmarks/bench_core.py --threads 1
    python benchmarks/bench_core.py --threads 1 --clock cpu   # on a busy machine

Every number printed is a ratio ``time(sepconv) / time(peer)`` measured in
this run, float32, batch 1, with every library limited to the same number of
threads (``--threads``, default: all cores). Below 1 means sepconv is faster.
Each time is the best of several repeats, taken alternately for sepconv and
its peer. With more than one thread, each timed block of calls follows
0.15 s of untimed calls, so that the other library's idle threads have
stopped spinning (OpenBLAS keeps its threads busy for about 0.1 s after a
matrix product; without this they slowed torch's blocks, flattering sepconv).
On Linux, glibc's malloc thresholds are fixed first, so that neither side
pays page faults for fresh outputs depending on what ran before. On a busy
machine wall-clock ratios still swing (a multi-threaded library stalls
whenever one of its threads waits for a core); there, ``--threads 1 --clock
cpu`` compares CPU times, which other processes barely disturb.

The peers are ``scipy.ndimage.correlate``, two ``scipy.ndimage.correlate1d``
passes, ``scipy.signal.correlate2d`` and, when torch is importable,
``torch.nn.functional``; the gradients of :mod:`sepconv.grad` are compared
with ``torch.nn.grad`` (no targets). The targets of issue 3 are checked at
the end.

Some machines set ``OPENBLAS_CORETYPE`` (and ``OPENBLAS_L2_SIZE``) to work
around old OpenBLAS builds; they slow a current NumPy. To measure against
the NumPy you actually have, unset both for this command only::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_core.py
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    parser.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="threads for BLAS and torch (default: all cores)",
    )
    parser.add_argument("--repeat", type=int, default=None, help="repeats per timing")
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="wall-clock time (default), or the CPU time of this thread, which "
        "other processes barely disturb (needs --threads 1)",
    )
    parser.add_argument(
        "--only",
        choices=["filters", "layers", "gradients"],
        default=None,
        help="run only the image filters, the MobileNet layers or their gradients",
    )
    return parser.parse_args(argv)


ARGS = _parse(sys.argv[1:]) if __name__ == "__main__" else _parse([])
if ARGS.clock == "cpu" and ARGS.threads != 1:
    sys.exit("--clock cpu measures this thread only: use it with --threads 1")
CLOCK = time.thread_time if ARGS.clock == "cpu" else time.perf_counter


def _steady_malloc():
    """Fix glibc's malloc thresholds; return a description of what was done.

    By default glibc serves large allocations with fresh pages from the
    kernel and raises that threshold as blocks are freed, so whether a call
    that allocates megabytes of output pays hundreds of page faults depends
    on what ran before (torch's depthwise-then-pointwise chain was seen at
    1,751 faults and 3.2 ms a call in one state, none and 0.54 ms in
    another). With fixed thresholds both sides reuse freed memory, as a
    long-running program does.
    """
    if not sys.platform.startswith("linux"):
        return "malloc: default (not Linux)"
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return "malloc: default (no glibc mallopt)"
    m_trim_threshold, m_mmap_threshold = -1, -3
    if mallopt(m_mmap_threshold, 32 << 20) and mallopt(m_trim_threshold, 1 << 30):
        return "malloc: mmap threshold 32 MiB, trim threshold 1 GiB (glibc mallopt)"
    return "malloc: default (mallopt refused)"


MALLOC = _steady_malloc()
# Thread limits must be set before NumPy (and its BLAS) is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)

import numpy as np  # noqa: E402
from scipy import ndimage, signal  # noqa: E402

import sepconv.core as sc  # noqa: E402
from sepconv import grad  # noqa: E402

try:  # torch is optional
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

FILTER_SIZES = (3, 5, 7, 15)
IMAGE = 1024
# (spatial size, C_in, C_out) of three MobileNetV1 layers, 3x3 kernels, pad 1.
LAYERS = ((112, 32, 64), (56, 128, 128), (14, 512, 512))
# Two more MobileNetV1 shapes, held out: no target, so that the engine's
# crossovers cannot be tuned to the table (their peer is "torch, held out").
HELD_OUT = ((28, 256, 256), (7, 1024, 1024))


def _shapes(peer):
    """Every layer shape with its peer's label, the held-out ones marked."""
    return [(shape, peer) for shape in LAYERS] + [
        (shape, f"{peer}, held out") for shape in HELD_OUT
    ]


# (operation, peer) -> largest allowed time ratio sepconv / peer.
TARGETS = {
    ("correlate2d", "ndimage.correlate"): 1 / 2,
    ("separable_correlate2d", "2 x ndimage.correlate1d"): 1 / 1.5,
    ("pointwise_conv2d", "torch"): 1.1,
    ("conv2d", "torch"): 1.5,
    ("depthwise_conv2d", "torch"): 4.0,
    ("depthwise_separable_conv2d", "torch"): 1.6,
}


def _calibrate(func, budget):
    """How many calls make one timing block of about ``budget`` seconds."""
    func()  # warm up (allocations, lazy imports, BLAS threads)
    start = CLOCK()
    func()
    once = max(CLOCK() - start, 1e-7)
    return max(1, int(budget / once))


# After a multi-threaded call, idle worker threads keep spinning on their
# cores for a while (OpenBLAS about 0.1 s after a matrix product, libgomp,
# torch's OpenMP, about 10 ms), which slows whatever runs next. So each
# block first calls its function, untimed, for SETTLE seconds: the other
# library's threads go to sleep meanwhile, and the block is timed warm and
# alone. (A pause instead of the untimed calls leaves the processor cold:
# both sides then start slower, by different amounts.)
SETTLE = 0.15


def _block(func, number):
    if ARGS.threads > 1:
        until = time.perf_counter() + SETTLE
        while time.perf_counter() < until:
            func()
    start = CLOCK()
    for _ in range(number):
        func()
    return (CLOCK() - start) / number


def time_ratio(ours, theirs, *, repeat, budget):
    """``time(ours) / time(theirs)``, each the best of ``repeat`` blocks.

    The blocks alternate (ours, theirs, ours, ...), so that a burst of load
    from other processes hits both sides alike.
    """
    n_ours, n_theirs = _calibrate(ours, budget), _calibrate(theirs, budget)
    best_ours = best_theirs = float("inf")
    for _ in range(repeat):
        best_ours = min(best_ours, _block(ours, n_ours))
        best_theirs = min(best_theirs, _block(theirs, n_theirs))
    return best_ours / best_theirs


def _ndimage_two_passes(image, column, row):
    mid = ndimage.correlate1d(image, column, axis=0, mode="constant")
    return ndimage.correlate1d(mid, row, axis=1, mode="constant")


def _torch_separable(x, depthwise, pointwise, groups):
    return F.conv2d(F.conv2d(x, depthwise, padding=1, groups=groups), pointwise)


def filter_rows(rng, ratio):
    """correlate2d and separable_correlate2d on a 1024x1024 float32 image."""
    image = rng.standard_normal((IMAGE, IMAGE)).astype(np.float32)
    rows = []
    for m in FILTER_SIZES:
        kernel = rng.standard_normal((m, m)).astype(np.float32)
        column = rng.standard_normal(m).astype(np.float32)
        row = rng.standard_normal(m).astype(np.float32)
        size = f"{IMAGE}^2, m={m}"
        ours = partial(sc.correlate2d, image, kernel, padding="same")
        peers = {
            "ndimage.correlate": partial(
                ndimage.correlate, image, kernel, mode="constant"
            ),
            "signal.correlate2d": partial(
                signal.correlate2d, image, kernel, mode="same"
            ),
        }
        if torch is not None:
            t_image = torch.from_numpy(image)[None, None]
            t_kernel = torch.from_numpy(kernel)[None, None]
            peers["torch"] = partial(F.conv2d, t_image, t_kernel, padding="same")
        for peer, func in peers.items():
            rows.append(("correlate2d", size, peer, ratio(ours, func)))
        ours = partial(sc.separable_correlate2d, image, column, row, padding="same")
        theirs = partial(_ndimage_two_passes, image, column, row)
        peer = "2 x ndimage.correlate1d"
        rows.append(("separable_correlate2d", size, peer, ratio(ours, theirs)))
    return rows


def layer_rows(rng, ratio):
    """The four layers on the MobileNetV1 shapes, against torch."""
    if torch is None:
        print("torch is not importable: the MobileNet layers have no peer, skipped")
        return []
    rows = []
    for (s, c_in, c_out), peer in _shapes("torch"):
        x = rng.standard_normal((1, c_in, s, s)).astype(np.float32)
        dw = rng.standard_normal((c_in, 1, 3, 3)).astype(np.float32)
        pw = rng.standard_normal((c_out, c_in, 1, 1)).astype(np.float32)
        full = rng.standard_normal((c_out, c_in, 3, 3)).astype(np.float32)
        tx, tdw, tpw, tfull = (torch.from_numpy(a) for a in (x, dw, pw, full))
        size = f"{s}^2 x {c_in} -> {c_out}"
        cases = {
            "pointwise_conv2d": (
                partial(sc.pointwise_conv2d, x, pw),
                partial(F.conv2d, tx, tpw),
            ),
            "conv2d": (
                partial(sc.conv2d, x, full, padding=1),
                partial(F.conv2d, tx, tfull, padding=1),
            ),
            "depthwise_conv2d": (
                partial(sc.depthwise_conv2d, x, dw, padding=1),
                partial(F.conv2d, tx, tdw, padding=1, groups=c_in),
            ),
            "depthwise_separable_conv2d": (
                partial(sc.depthwise_separable_conv2d, x, dw, pw, padding=1),
                partial(_torch_separable, tx, tdw, tpw, c_in),
            ),
        }
        with torch.no_grad():
            for name, (ours, theirs) in cases.items():
                rows.append((name, size, peer, ratio(ours, theirs)))
    return rows


def gradient_rows(rng, ratio):
    """The gradients of standard and depthwise layers, against torch.nn.grad.

    Informative (no targets): each backward pass does as many
    multiplications as the forward pass, so these ratios read like the
    layers' own.
    """
    if torch is None:
        print("torch is not importable: the gradients have no peer, skipped")
        return []
    rows = []
    for (s, c_in, c_out), peer in _shapes("torch.nn.grad"):
        x = rng.standard_normal((1, c_in, s, s)).astype(np.float32)
        size = f"{s}^2 x {c_in} -> {c_out}"
        for name, c, groups in (("", c_out, 1), ("depthwise ", c_in, c_in)):
            w = rng.standard_normal((c, c_in // groups, 3, 3)).astype(np.float32)
            g = rng.standard_normal((1, c, s, s)).astype(np.float32)
            tx, tw, tg = (torch.from_numpy(a) for a in (x, w, g))
            kwargs = {"padding": 1, "groups": groups}
            cases = {
                "conv2d_input": (
                    partial(grad.conv2d_input, x.shape, w, g, **kwargs),
                    partial(torch.nn.grad.conv2d_input, x.shape, tw, tg, **kwargs),
                ),
                "conv2d_weight": (
                    partial(grad.conv2d_weight, x, w.shape, g, **kwargs),
                    partial(torch.nn.grad.conv2d_weight, tx, w.shape, tg, **kwargs),
                ),
            }
            with torch.no_grad():
                for op, (ours, theirs) in cases.items():
                    rows.append((f"{name}{op}", size, peer, ratio(ours, theirs)))
    return rows


def blas_description():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        config = np.__config__.CONFIG["Build Dependencies"]["blas"]
        return f"{config['name']} {config['version']} (threadpoolctl not installed)"
    parts = [
        f"{i['internal_api']} {i['version']} {i.get('architecture', '')}"
        f" threads={i['num_threads']}"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    ]
    return "; ".join(parts)


def main():
    repeat = ARGS.repeat or (3 if ARGS.quick else 7)
    budget = 0.01 if ARGS.quick else 0.05

    def ratio(ours, theirs):
        return time_ratio(ours, theirs, repeat=repeat, budget=budget)

    print(f"numpy {np.__version__}, BLAS: {blas_description()}")
    env = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    print(f"threads={ARGS.threads}, clock={ARGS.clock}, {env}")
    print(MALLOC)
    if torch is not None:
        torch.set_num_threads(ARGS.threads)
        print(f"torch {torch.__version__}, threads={torch.get_num_threads()}")
    rng = np.random.default_rng(0)
    rows = []
    if ARGS.only in (None, "filters"):
        rows += filter_rows(rng, ratio)
    if ARGS.only in (None, "layers"):
        rows += layer_rows(rng, ratio)
    if ARGS.only in (None, "gradients"):
        rows += gradient_rows(rng, ratio)

    header = ("operation", "size", "peer", "sepconv/peer", "target", "met")
    table = []
    verdicts = []
    for name, size, peer, value in rows:
        limit = TARGETS.get((name, peer))
        met = "" if limit is None else ("yes" if value <= limit else "NO")
        if limit is not None:
            verdicts.append(met == "yes")
        target = "" if limit is None else f"<= {limit:.3g}"
        table.append((name, size, peer, f"{value:.3f}", target, met))
    widths = [max(len(str(r[i])) for r in [header, *table]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    print()
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for r in table:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    print(line)
    print(f"targets met: {sum(verdicts)} of {len(verdicts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
