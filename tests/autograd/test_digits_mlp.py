"""The tiny nn on the NumPy engine: one training step equals torch's, and the digits MLP
reaches at least 95% test accuracy in seconds."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from dlfs.autograd import Tensor, cross_entropy
from dlfs.autograd.tensor_layers import MLP, SGD, Linear
from dlfs.metrics import accuracy
from dlfs.recipes.numpy_digits import load_digits_split, predict, train_digits_mlp


def torch_copy(model: MLP) -> torch.nn.Sequential:
    layers: list[torch.nn.Module] = []
    for layer in model.layers:
        ref = torch.nn.Linear(*layer.weight.shape[::-1], dtype=torch.float64)
        ref.load_state_dict({"weight": torch.from_numpy(layer.weight.data.copy()),
                             "bias": torch.from_numpy(layer.bias.data.copy())})
        layers += [ref, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


@pytest.mark.parametrize("batch", [1, 7])
def test_training_steps_match_torch(batch):
    rng = np.random.default_rng(batch)
    model = MLP([5, 9, 4], dtype=np.float64, seed=3)
    ref = torch_copy(model)
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    ref_opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        x, y = rng.standard_normal((batch, 5)), rng.integers(0, 4, batch)
        loss = cross_entropy(model(Tensor(x)), y)
        ref_loss = torch.nn.functional.cross_entropy(ref(torch.from_numpy(x)), torch.from_numpy(y))
        assert loss.item() == pytest.approx(ref_loss.item(), rel=1e-12)
        for o in (opt, ref_opt):
            o.zero_grad()
        loss.backward()
        ref_loss.backward()
        opt.step()
        ref_opt.step()
    for ours, theirs in zip(model.parameters(), ref.parameters()):
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_linear_has_torch_shapes_and_init_range():
    layer = Linear(16, 3, seed=0)
    assert layer.weight.shape == (3, 16) and layer.bias.shape == (3,)
    assert layer.weight.dtype == np.float32
    assert np.abs(layer.weight.data).max() <= 0.25  # 1/sqrt(16)
    assert Linear(4, 2, bias=False).bias is None


def test_digits_split_is_seeded_and_standardized():
    a, b = load_digits_split(seed=0), load_digits_split(seed=0)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert a.x_train.shape == (1438, 64) and a.x_test.shape == (359, 64)
    assert a.x_train.dtype == np.float32
    np.testing.assert_allclose(a.x_train.mean(axis=0), 0, atol=1e-5)


@pytest.mark.parametrize("seed", [0, 1])
def test_digits_mlp_reaches_95_percent(seed):
    data = load_digits_split(seed=seed)
    start = time.perf_counter()
    model, history = train_digits_mlp(data, seed=seed)
    seconds = time.perf_counter() - start
    test_acc = accuracy(predict(model, data.x_test), data.y_test)
    assert test_acc >= 0.95, f"test accuracy {test_acc:.3f}"
    assert history[-1] < history[0] / 10  # the loss fell by an order of magnitude
    assert seconds < 15, f"training took {seconds:.1f} s (normally well under 1 s)"
