"""Forward + backward time of ``dlfs.nn.LSTM`` against ``torch.nn.LSTM``, measured in one run.

Size from issue 7: 2 layers, input and hidden 256, batch 32, length 100, float32, CPU. dlfs
runs a Python time loop (input projections for all steps in one matmul, then one matmul for
all four gates per step); torch runs its C++ kernel (oneDNN where available). Also timed: our
module with ``fused=True`` (the same built-in behind our API), as a check of the harness.

The three are interleaved and the fastest of the repetitions is kept (the machine is shared
and noisy: only ratios from the same run mean anything). Torch runs single-threaded, as in
bench_nn_modules.py, and the clock is the process CPU time, which a busy machine inflates
much less than the wall clock. Goal: dlfs within 3x of torch.

    python benchmarks/bench_lstm.py [--quick]
"""

from __future__ import annotations

import sys
import time

import torch
from torch import nn

import dlfs.nn as dnn

GOAL = 3.0


def _step(module: nn.Module, x: torch.Tensor) -> float:
    """CPU seconds of this process for one forward+backward (1 thread: equals the wall time
    on an idle machine, and does not count the time the scheduler gives to others)."""
    start = time.process_time()
    out, (h_n, c_n) = module(x)
    (out.sum() + h_n.sum() + c_n.sum()).backward()
    return time.process_time() - start


def _time_all(modules: dict[str, nn.Module], x: torch.Tensor, reps: int) -> dict[str, float]:
    """Fastest CPU seconds of one forward+backward per module, interleaved, two warm-up rounds."""
    times: dict[str, list[float]] = {name: [] for name in modules}
    for i in range(reps + 2):
        for name, module in modules.items():
            x.grad = None
            module.zero_grad(set_to_none=True)
            elapsed = _step(module, x)
            if i >= 2:
                times[name].append(elapsed)
    return {name: min(ts) for name, ts in times.items()}


def run(quick: bool = False) -> list[dict]:
    seq_len, batch, size = (20, 8, 64) if quick else (100, 32, 256)
    reps = 2 if quick else 10
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        ref = nn.LSTM(size, size, num_layers=2)
        ours = dnn.LSTM(size, size, num_layers=2)
        fused = dnn.LSTM(size, size, num_layers=2, fused=True)
        ours.load_state_dict(ref.state_dict(), strict=True)
        fused.load_state_dict(ref.state_dict(), strict=True)
        x = torch.randn(seq_len, batch, size, requires_grad=True)
        t = _time_all({"dlfs": ours, "torch": ref, "dlfs_fused": fused}, x, reps)
    finally:
        torch.set_num_threads(threads)
    ratio = t["dlfs"] / t["torch"]
    shape = f"L=2, H={size}, B={batch}, T={seq_len}, float32, CPU 1 thread"
    verdict = "meets" if ratio <= GOAL else "misses"
    return [
        {"name": "LSTM fwd+bwd dlfs", "value": round(t["dlfs"] * 1e3, 2), "unit": "ms",
         "note": f"{shape}; fastest of {reps} (process CPU time)"},
        {"name": "LSTM fwd+bwd torch.nn.LSTM", "value": round(t["torch"] * 1e3, 2), "unit": "ms",
         "note": f"{shape}; fastest of {reps} (process CPU time)"},
        {"name": "LSTM fwd+bwd dlfs fused=True", "value": round(t["dlfs_fused"] * 1e3, 2),
         "unit": "ms", "note": "our module calling the built-in kernel (harness check)"},
        {"name": "LSTM fwd+bwd dlfs/torch", "value": round(ratio, 3), "unit": "x",
         "note": f"{verdict} goal {GOAL}x; shared noisy machine, ratio of one run"},
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']}: {row['value']:.4g} {row['unit']}  ({row['note']})")
