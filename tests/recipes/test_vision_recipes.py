"""The vision recipes (shared with benchmarks/bench_vision.py), in tiny quick versions.

The full runs (LeNet >= 98.5 % on digits, ResNet >= 99 % on shapes) are benchmarks; here a
few seconds of training must already land well above chance (10 % and 33 %).
"""

import torch

from dlfs.metrics import accuracy
from dlfs.recipes.vision import (
    predict_logits,
    shapes_tensors,
    train_lenet_digits,
    train_resnet_shapes,
)


def test_lenet_digits_quick_learns() -> None:
    run = train_lenet_digits(epochs=3, n_train=500)
    assert (run.n_train, run.n_test) == (500, 359)
    assert run.accuracy > 0.6, run.accuracy  # chance is 0.10
    assert run.seconds > 0 and run.cpu_seconds > 0
    # the reported accuracy is the model's accuracy on the held-out 20 %
    from dlfs.data.datasets import digits
    x, y = digits("test", size=28)[:]
    assert accuracy(predict_logits(run.model, x), y) == run.accuracy


def test_resnet_shapes_quick_learns() -> None:
    run = train_resnet_shapes(epochs=3, n_train=400, n_test=100, width=4, lr=1e-2)
    assert run.accuracy > 0.45, run.accuracy  # chance is 1/3
    assert run.model.fc.out_features == 3


def test_shapes_tensors_layout() -> None:
    x, y = shapes_tensors(6, seed=3)
    assert x.shape == (6, 3, 32, 32) and x.dtype == torch.float32
    assert 0 <= x.min() and x.max() <= 1 and sorted(y.tolist()) == [0, 0, 1, 1, 2, 2]
