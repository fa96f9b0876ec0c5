"""Training results of the vision recipes (issue 6), from :mod:`dlfs.recipes.vision`.

1. LeNet-5 (ReLU, from ``dlfs.models.cnn``) on scikit-learn's digits **upscaled to 28×28**,
   the fixed seeded 80/20 split of ``dlfs.data.datasets.digits`` (1438 train / 359 test),
   AdamW + one-cycle learning rate, 10 epochs. Goal: >= 98.5 % test accuracy in < 60 s.
2. A narrow ResNet-18 (``resnet18(num_classes=3, small_input=True, width=8)``: the ResNet-18
   layout with 8 instead of 64 channels in layer1) on the synthetic shapes set, 1200 train
   images (seed 100) / 400 test images (seed 101), 8 epochs. Goal: >= 99 % test accuracy.

All layers are dlfs's from-scratch ones (no fused kernels). Torch runs with ONE thread: the
machine is shared with other jobs, and two threads there ran several times slower than one.
Each result reports wall seconds and process CPU seconds; the CPU time is the honest figure
on a busy machine (the wall time includes waiting for the CPU).

    python benchmarks/bench_vision.py [--quick]
"""

from __future__ import annotations

import sys

import torch

from dlfs.recipes.vision import train_lenet_digits, train_resnet_shapes


def _rows(name: str, run, goal: float, quick: bool) -> list[dict]:
    tag = "quick run, not the goal setting; " if quick else ""
    return [
        {"name": f"{name}/test_accuracy", "value": round(100 * run.accuracy, 2), "unit": "%",
         "note": f"{tag}goal >= {goal}%; {run.n_train} train / {run.n_test} test images, "
                 f"{run.epochs} epochs"},
        {"name": f"{name}/cpu_seconds", "value": round(run.cpu_seconds, 1), "unit": "s",
         "note": "process CPU time of training + evaluation (1 torch thread)"},
        {"name": f"{name}/wall_seconds", "value": round(run.seconds, 1), "unit": "s",
         "note": "wall time, inflated when the machine is shared"},
    ]


def run(quick: bool = False) -> list[dict]:
    """Train both recipes; rows ``{"name", "value", "unit", "note"}``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        lenet = train_lenet_digits(epochs=3 if quick else 10, n_train=500 if quick else None)
        resnet = train_resnet_shapes(**({"epochs": 3, "n_train": 400, "n_test": 100,
                                         "width": 4, "lr": 1e-2} if quick else {}))
    finally:
        torch.set_num_threads(threads)
    return (_rows("lenet5_digits28", lenet, 98.5, quick)
            + _rows("resnet18w8_shapes", resnet, 99.0, quick))


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']}: {row['value']:.4g} {row['unit']}  ({row['note']})")
