"""`dlfs.models.ensemble.Ensemble`: the mean of its members' logits, modes passed on."""

from __future__ import annotations

import pytest
import torch

import dlfs.nn as dnn
from dlfs.builtin_guard import BuiltinCallRecorder
from dlfs.models.ensemble import Ensemble


def _member(seed, p=0.0):
    torch.manual_seed(seed)
    return dnn.Sequential(dnn.Linear(6, 16), dnn.ReLU(), dnn.Dropout(p),
                          dnn.Linear(16, 4)).double()


@pytest.mark.parametrize("m, batch", [(1, 1), (3, 5), (4, 2)])
def test_ensemble_is_the_mean_of_the_member_logits(m, batch):
    members = [_member(s) for s in range(m)]
    x = torch.randn(batch, 6, dtype=torch.float64)
    ens = Ensemble(members)
    stacked = ens.member_logits(x)
    assert stacked.shape == (m, batch, 4)
    manual = sum(net(x) for net in members) / m
    torch.testing.assert_close(ens(x), manual)
    # gradients reach every member, each scaled by 1/M
    ens(x).sum().backward()
    alone = _member(0)
    alone(x).sum().backward()
    torch.testing.assert_close(members[0][0].weight.grad, alone[0].weight.grad / m)


def test_copies_of_one_model_change_nothing_and_eval_mode_reaches_the_members():
    net = _member(0, p=0.5)
    ens = Ensemble([net, net, net]).eval()
    x = torch.randn(3, 6, dtype=torch.float64)
    assert not net.training and not net[2].training
    torch.testing.assert_close(ens(x), net(x))               # dropout off: deterministic
    ens.train()
    assert net[2].training


def test_ensemble_calls_no_builtin_layer_and_rejects_bad_members():
    ens = Ensemble([_member(0), _member(1)])
    with BuiltinCallRecorder() as recorder:
        ens(torch.randn(2, 6, dtype=torch.float64)).sum().backward()
    assert recorder.calls == []
    with pytest.raises(ValueError, match="at least one member"):
        Ensemble([])
    with pytest.raises(TypeError, match="member 1 must be an nn.Module"):
        Ensemble([_member(0), lambda x: x])
    mismatched = Ensemble([_member(0), dnn.Linear(6, 3).double()])
    with pytest.raises(ValueError, match=r"differ in shape: \[\(2, 4\), \(2, 3\)\]"):
        mismatched(torch.randn(2, 6, dtype=torch.float64))
