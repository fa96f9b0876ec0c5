"""One training step of an MLP 64 -> 256 -> 256 -> 10 (batch 256, float32) in the NumPy
engine (dlfs.autograd) and in torch eager, measured in the same run; plus the scalar engine
on a 2 -> 16 -> 16 -> 1 MLP over 100 points.

A step is zero_grad, forward, cross-entropy, backward and an SGD update. Steps of the two
engines are interleaved and the median is reported, so that noise from other processes on
the machine hits both alike.
"""

from __future__ import annotations

import gc
import statistics
import time

import numpy as np
import torch

from dlfs.autograd import Tensor, Value, cross_entropy
from dlfs.autograd.tensor_layers import MLP, SGD

SIZES = [64, 256, 256, 10]
BATCH = 256


def _numpy_step(rng: np.random.Generator):
    model = MLP(SIZES, dtype=np.float32, seed=0)
    opt = SGD(model.parameters(), lr=0.01)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)

    def step() -> float:
        opt.zero_grad()
        loss = cross_entropy(model(Tensor(x)), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def _torch_step(rng: np.random.Generator):
    torch.manual_seed(0)
    layers: list[torch.nn.Module] = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.from_numpy(rng.standard_normal((BATCH, SIZES[0])).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, SIZES[-1], BATCH))

    def step() -> float:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def _scalar_step(rng: np.random.Generator):
    """The scalar engine: tanh MLP 2 -> 16 -> 16 -> 1, squared error over 100 points."""
    sizes = [2, 16, 16, 1]
    layers = [[[Value(w) for w in rng.uniform(-1, 1, n_in + 1)] for _ in range(n_out)]
              for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    params = [v for layer in layers for neuron in layer for v in neuron]
    points = rng.standard_normal((100, 2)).tolist()
    targets = [1.0 if a * b > 0 else -1.0 for a, b in points]

    def forward(x):
        for i, layer in enumerate(layers):
            x = [sum((w * xi for w, xi in zip(n[:-1], x)), n[-1]) for n in layer]
            x = x if i == len(layers) - 1 else [v.tanh() for v in x]
        return x[0]

    def step() -> float:
        for p in params:
            p.grad = 0.0
        loss = sum((forward(x) - t) ** 2 for x, t in zip(points, targets)) / len(points)
        loss.backward()
        for p in params:
            p.data -= 0.05 * p.grad
        return loss.data

    return step


def _times_ms(steps: list, repeats: int) -> list[list[float]]:
    """Interleave the steps ``repeats`` times; the milliseconds of every call of each."""
    times: list[list[float]] = [[] for _ in steps]
    for _ in range(repeats):
        for step, record in zip(steps, times):
            start = time.perf_counter()
            step()
            record.append((time.perf_counter() - start) * 1e3)
    return times


def _pair_rows(repeats: int, label: str) -> list[dict]:
    """NumPy engine vs torch: median times, their ratio, and the ratio of the fastest calls
    (the best estimate of each one's cost when nothing else competes for the cores)."""
    rng = np.random.default_rng(0)
    steps = [_numpy_step(rng), _torch_step(rng)]
    _times_ms(steps, 5)  # warm-up: first calls allocate and load kernels
    ours, ref = _times_ms(steps, repeats)
    shape = f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, float32, {label}"
    ours_med, ref_med = statistics.median(ours), statistics.median(ref)
    return [
        {"name": f"numpy engine step ({label})", "value": ours_med, "unit": "ms",
         "note": f"median; {shape}"},
        {"name": f"torch eager step ({label})", "value": ref_med, "unit": "ms",
         "note": f"median; fastest {min(ref):.3g} ms vs ours {min(ours):.3g} ms"},
        {"name": f"numpy engine / torch ({label})", "value": ours_med / ref_med, "unit": "x",
         "note": f"medians; fastest calls: {min(ours) / min(ref):.2f}x; goal <= 2"},
    ]


def run(quick: bool = False) -> list[dict]:
    from threadpoolctl import threadpool_limits  # ships with scikit-learn

    repeats = 20 if quick else 200
    threads = torch.get_num_threads()
    rows = _pair_rows(repeats, f"{threads} threads")
    try:  # one thread each: no spinning BLAS threads competing on a busy machine
        torch.set_num_threads(1)
        with threadpool_limits(limits=1):
            rows += _pair_rows(repeats, "1 thread")
    finally:
        torch.set_num_threads(threads)
    scalar = _scalar_step(np.random.default_rng(0))
    scalar_ms = statistics.median(_times_ms([scalar], 2 if quick else 5)[0])
    gc.disable()  # the share of a step that is Python's garbage collector (no cycles to find)
    try:
        scalar_nogc_ms = statistics.median(_times_ms([scalar], 2 if quick else 5)[0])
    finally:
        gc.enable()
    return rows + [
        {"name": "scalar engine step", "value": scalar_ms, "unit": "ms",
         "note": "Value MLP 2-16-16-1, 100 points (~68k nodes per step)"},
        {"name": "scalar engine step, gc disabled", "value": scalar_nogc_ms, "unit": "ms",
         "note": "the same; the difference is time in the garbage collector"},
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['value']:.4g} {row['unit']}  {row['note']}")
