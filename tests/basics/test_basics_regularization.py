"""The L2 penalty (`dlfs.train.regularization`) against the optimizers' weight decay."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import dlfs.optim as optim
from dlfs.train.regularization import l2_penalty

D = torch.float64


def test_l2_penalty_value_and_gradient():
    torch.manual_seed(0)
    a, b = torch.randn(3, 4, dtype=D, requires_grad=True), torch.randn(5, dtype=D,
                                                                        requires_grad=True)
    penalty = l2_penalty([a, b])
    torch.testing.assert_close(penalty, 0.5 * (a.pow(2).sum() + b.pow(2).sum()))
    penalty.backward()
    torch.testing.assert_close(a.grad, a.detach())            # d/dw (1/2 ||w||^2) = w
    torch.testing.assert_close(b.grad, b.detach())
    # a generator (model.parameters()) and a lone tensor work too
    lin = nn.Linear(3, 2).double()
    torch.testing.assert_close(l2_penalty(lin.parameters()),
                               0.5 * sum(p.pow(2).sum() for p in lin.parameters()))
    torch.testing.assert_close(l2_penalty(b), 0.5 * b.pow(2).sum())


def test_l2_penalty_rejects_empty_and_integer_inputs():
    with pytest.raises(ValueError, match="no tensors"):
        l2_penalty(iter([]))
    with pytest.raises(TypeError, match="item 1 must be a floating-point tensor"):
        l2_penalty([torch.zeros(2), torch.zeros(2, dtype=torch.int64)])


def _trajectory(opt_cls, lam: float, *, in_loss: bool, steps: int = 25, **kw) -> torch.Tensor:
    torch.manual_seed(0)
    x, y = torch.randn(16, 5, dtype=D), torch.randn(16, dtype=D)
    w = nn.Parameter(torch.linspace(-1, 1, 5, dtype=D))
    opt = opt_cls([w], lr=0.05, weight_decay=0.0 if in_loss else lam, **kw)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((x @ w - y) ** 2).mean()
        if in_loss:
            loss = loss + lam * l2_penalty([w])
        loss.backward()
        opt.step()
    return w.detach()


@pytest.mark.parametrize("opt_cls", [optim.SGD, torch.optim.SGD])
def test_sgd_with_the_penalty_in_the_loss_equals_weight_decay(opt_cls):
    torch.testing.assert_close(_trajectory(opt_cls, 0.3, in_loss=True),
                               _trajectory(opt_cls, 0.3, in_loss=False), atol=1e-13, rtol=0)
    # and the decay is not a no-op: without it the weights end elsewhere
    assert not torch.allclose(_trajectory(opt_cls, 0.0, in_loss=True),
                              _trajectory(opt_cls, 0.3, in_loss=True), atol=1e-3)


def test_adam_weight_decay_is_the_l2_term_but_adamw_is_not():
    l2_in_loss = _trajectory(optim.Adam, 0.3, in_loss=True)
    torch.testing.assert_close(l2_in_loss, _trajectory(optim.Adam, 0.3, in_loss=False),
                               atol=1e-13, rtol=0)
    decoupled = _trajectory(optim.AdamW, 0.3, in_loss=False)
    assert (decoupled - l2_in_loss).abs().max() > 1e-3
