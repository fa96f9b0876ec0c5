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
from dlfs.autograd.nn import MLP, SGD

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


def _median_ms(steps: list, repeats: int) -> list[float]:
    """Interleave the steps; the median milliseconds of each."""
    times: list[list[float]] = [[] for _ in steps]
    for _ in range(repeats):
        for step, record in zip(steps, times):
            start = time.perf_counter()
            step()
            record.append((time.perf_counter() - start) * 1e3)
    return [statistics.median(t) for t in times]


def _pair_ms(repeats: int) -> tuple[float, float]:
    """Median ms per step of the NumPy engine and of torch, interleaved, after a warm-up."""
    rng = np.random.default_rng(0)
    ours, ref = _numpy_step(rng), _torch_step(rng)
    _median_ms([ours, ref], 5)  # warm-up: first calls allocate and load kernels
    ours_ms, ref_ms = _median_ms([ours, ref], repeats)
    return ours_ms, ref_ms


def run(quick: bool = False) -> list[dict]:
    from threadpoolctl import threadpool_limits  # ships with scikit-learn

    repeats = 20 if quick else 200
    shape = f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, float32"
    ours_ms, ref_ms = _pair_ms(repeats)
    threads = torch.get_num_threads()
    try:  # one BLAS thread each: no spinning threads competing on a busy machine
        torch.set_num_threads(1)
        with threadpool_limits(limits=1):
            ours_1, ref_1 = _pair_ms(repeats)
    finally:
        torch.set_num_threads(threads)
    scalar = _scalar_step(np.random.default_rng(0))
    (scalar_ms,) = _median_ms([scalar], 2 if quick else 5)
    gc.disable()  # the share of a step that is Python's garbage collector (no cycles to find)
    try:
        (scalar_nogc_ms,) = _median_ms([scalar], 2 if quick else 5)
    finally:
        gc.enable()
    return [
        {"name": "numpy engine step", "value": ours_ms, "unit": "ms",
         "note": f"{shape}, default threads ({threads} torch)"},
        {"name": "torch eager step", "value": ref_ms, "unit": "ms", "note": shape},
        {"name": "numpy engine / torch", "value": ours_ms / ref_ms, "unit": "x",
         "note": "goal: <= 2"},
        {"name": "numpy engine step, 1 thread", "value": ours_1, "unit": "ms", "note": shape},
        {"name": "torch eager step, 1 thread", "value": ref_1, "unit": "ms", "note": shape},
        {"name": "numpy engine / torch, 1 thread", "value": ours_1 / ref_1, "unit": "x",
         "note": "goal: <= 2"},
        {"name": "scalar engine step", "value": scalar_ms, "unit": "ms",
         "note": "Value MLP 2-16-16-1, 100 points (~68k nodes per step)"},
        {"name": "scalar engine step, gc disabled", "value": scalar_nogc_ms, "unit": "ms",
         "note": "the same; the difference is time in the garbage collector"},
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['value']:.4g} {row['unit']}  {row['note']}")
