"""Forward + backward time of dlfs.nn layers against torch.nn, measured in one run.

Each row is the ratio t(dlfs) / t(torch) of the smallest CPU time (``time.process_time``)
over interleaved repetitions, with torch single-threaded. The machine is shared: wall-clock
times of multi-threaded kernels on an oversubscribed 2-core machine scatter by 10x, while the
CPU time of one thread counts the work done (including page faults of fresh allocations),
not the time spent waiting for a core. Only ratios from the same run mean anything.
Goals: Conv2d within 3x of the built-in kernel, the others within 1.5x.

Where the time goes: our layers are several basic ops, each writing a fresh tensor, while
torch's kernels are fused. On these VMs a fresh allocation costs ~1.6 us per 4 KiB page, and
glibc hands large blocks back to the OS on free, so the 75 MB im2col buffer of the Conv2d
case is page-faulted in again at every step. Under
``MALLOC_MMAP_THRESHOLD_=17179869184 MALLOC_TRIM_THRESHOLD_=17179869184`` (memory kept for
reuse) the Conv2d ratio drops from ~2.9x to ~1.7x. LayerNorm: its hand-derived forward +
backward is ~15 elementwise/reduction ops, against torch's fused kernel that reads x and dy
about twice. Run over whole 16 MB tensors (which do not stay in the 32 MB L3 cache), each op
is a pass over memory: 3.2-3.7x. Walking the rows in ~2 MB blocks, so that only the first op
on a block reads memory (``norm_backward._row_blocks``), gives 2.0-2.2x (2026-12-04; median
of three runs 3.34x -> 2.12x); rebuilding x_hat in backward instead of saving it, 2.1-2.2x;
``torch.compile`` of the plain formula ``(x - mu) * rsqrt(var + eps) * w + b``, 2.2x
(2026-11-23). Only a fused kernel reaches 1.5x: the ``LayerNorm(fused=True)`` row, the
off-by-default fast path the nn contract allows "where it helps a benchmark" (it calls
torch's kernel, so it measures our module overhead).

    python benchmarks/bench_nn_modules.py [--quick]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import torch
from torch import nn

import dlfs.nn as dnn


def _cases(quick: bool) -> list[tuple[str, Callable[[], nn.Module], Callable[[], nn.Module],
                                      Callable[[], tuple], float]]:
    """(name, make ours, make torch, make inputs, goal)."""
    b = 8 if quick else 32
    x_conv = lambda: (torch.randn(b, 64, 32, 32, requires_grad=True),)
    x_lin = lambda: (torch.randn(4 * b * 4, 1024, requires_grad=True),)
    x_ln = lambda: (torch.randn(b, 256, 512, requires_grad=True),)
    x_ce = lambda: (torch.randn(b * 32, 1000, requires_grad=True),
                    torch.randint(0, 1000, (b * 32,)))
    cases = [
        ("Linear(1024, 1024)", lambda: dnn.Linear(1024, 1024), lambda: nn.Linear(1024, 1024),
         x_lin, 1.5),
        ("Conv2d(64, 64, 3, padding=1)", lambda: dnn.Conv2d(64, 64, 3, padding=1),
         lambda: nn.Conv2d(64, 64, 3, padding=1), x_conv, 3.0),
        ("BatchNorm2d(64)", lambda: dnn.BatchNorm2d(64), lambda: nn.BatchNorm2d(64), x_conv,
         1.5),
        ("LayerNorm(512)", lambda: dnn.LayerNorm(512), lambda: nn.LayerNorm(512), x_ln, 1.5),
        ("LayerNorm(512, fused=True)", lambda: dnn.LayerNorm(512, fused=True),
         lambda: nn.LayerNorm(512), x_ln, 1.5),
    ]
    if hasattr(dnn, "CrossEntropyLoss"):
        cases.append(("CrossEntropyLoss", lambda: dnn.CrossEntropyLoss(),
                      lambda: nn.CrossEntropyLoss(), x_ce, 1.5))
    return cases


def _step(module: nn.Module, inputs: tuple) -> float:
    start = time.process_time()
    out = module(*inputs)
    out.backward(torch.ones_like(out))
    return time.process_time() - start


def compare(make_ours: Callable[[], nn.Module], make_ref: Callable[[], nn.Module],
            make_inputs: Callable[[], tuple], reps: int) -> tuple[float, float]:
    """Smallest CPU seconds of one forward+backward for ours and for torch, interleaved."""
    torch.manual_seed(0)
    ref = make_ref()
    ours = make_ours()
    ours.load_state_dict(ref.state_dict())
    inputs = make_inputs()
    times: dict[str, list[float]] = {"ours": [], "ref": []}
    for i in range(reps + 2):
        for key, module in (("ours", ours), ("ref", ref)):
            for t in inputs:
                t.grad = None
            module.zero_grad(set_to_none=True)
            elapsed = _step(module, inputs)
            if i >= 2:  # two warm-up rounds
                times[key].append(elapsed)
    return min(times["ours"]), min(times["ref"])


def run(quick: bool = False) -> list[dict]:
    reps = 3 if quick else 20
    rows = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        timings = [(case, compare(*case[1:4], reps)) for case in _cases(quick)]
    finally:
        torch.set_num_threads(threads)
    for (name, _, _, _, goal), (t_ours, t_ref) in timings:
        ratio = t_ours / t_ref
        verdict = "meets" if ratio <= goal else "misses"
        note = (f"{t_ours * 1e3:.1f} vs {t_ref * 1e3:.1f} ms CPU, 1 thread; "
                f"{verdict} goal {goal}x")
        rows.append({"name": f"{name} fwd+bwd dlfs/torch", "value": round(ratio, 3),
                     "unit": "x", "note": note})
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']}: {row['value']:.3g}{row['unit']}  ({row['note']})")
