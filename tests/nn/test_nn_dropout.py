"""Dropout: the mask differs from torch's, so test what must hold: eval is the identity,
training zeroes a fraction p, survivors are scaled by 1 / (1 - p), the mean is kept, and the
gradient flows through exactly the surviving elements with the same scale."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import dlfs.nn as dnn
import dlfs.nn.functional as F


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_training_statistics(p):
    torch.manual_seed(0)
    n = 50_000
    x = torch.full((n,), 2.0, dtype=torch.float64, requires_grad=True)
    y = F.dropout(x, p, training=True)
    kept = y != 0
    frac_dropped = 1 - kept.double().mean().item()
    assert abs(frac_dropped - p) < 4 * (p * (1 - p) / n) ** 0.5 + 1e-9
    torch.testing.assert_close(y[kept], torch.full_like(y[kept], 2.0 / (1 - p)))
    assert abs(y.mean().item() - 2.0) < 0.1
    y.sum().backward()
    torch.testing.assert_close(x.grad, kept.double() / (1 - p))


def test_eval_is_identity_and_edge_probabilities():
    x = torch.randn(4, 5)
    assert F.dropout(x, 0.5, training=False) is x
    assert torch.equal(F.dropout(x, 0.0), x)
    assert torch.equal(F.dropout(x, 1.0), torch.zeros_like(x))
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, 1.5)


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_module_train_vs_eval_matches_torch_behaviour(p):
    torch.manual_seed(1)
    ours, ref = dnn.Dropout(p), nn.Dropout(p)
    assert repr(ours) == repr(ref)
    x = torch.randn(64, 128)
    for m in (ours, ref):
        y = m.train()(x)
        dropped = (y == 0).float().mean().item()
        assert abs(dropped - p) < 0.03
        assert torch.allclose(y[y != 0], (x / (1 - p))[y != 0])
        assert torch.equal(m.eval()(x), x)
    assert ours.state_dict().keys() == ref.state_dict().keys()


def test_inplace_and_fresh_masks():
    torch.manual_seed(2)
    x = torch.ones(1000)
    y = F.dropout(x, 0.5, inplace=True)
    assert y.data_ptr() == x.data_ptr()
    a, b = F.dropout(torch.ones(1000), 0.5), F.dropout(torch.ones(1000), 0.5)
    assert not torch.equal(a, b)  # a new mask per call
