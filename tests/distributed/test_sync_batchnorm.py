"""SyncBatchNorm alone (no process group) is batch norm; the conversion keeps the state.
The multi-process equality is in test_multiprocess.py (slow)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import dlfs.nn as dnn
from dlfs.distributed.sync_batchnorm import SyncBatchNorm, convert_sync_batchnorm
from dlfs.testing import assert_module_parity


@pytest.mark.parametrize("ref_cls,shape", [(nn.BatchNorm1d, (5, 3)), (nn.BatchNorm1d, (1, 3, 7)),
                                           (nn.BatchNorm2d, (2, 3, 4, 5)),
                                           (nn.BatchNorm3d, (2, 3, 2, 3, 4))])
@pytest.mark.parametrize("train", [True, False])
def test_without_a_process_group_it_is_batch_norm(ref_cls, shape, train):
    torch.manual_seed(0)
    ref = ref_cls(3).double().train(train)
    ref.running_mean.uniform_(-1, 1)
    ref.running_var.uniform_(0.5, 2)
    ours = SyncBatchNorm(3).double().train(train)
    ours.load_state_dict(ref.state_dict())
    assert_module_parity(ours, ref, torch.randn(*shape, dtype=torch.float64))


def test_convert_replaces_dlfs_and_torch_batch_norms_keeping_state():
    torch.manual_seed(0)
    model = nn.Sequential(dnn.Conv2d(1, 2, 3), dnn.BatchNorm2d(2), nn.BatchNorm2d(2),
                          nn.Sequential(dnn.BatchNorm1d(4))).double().eval()
    model[1].running_mean.fill_(0.5)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model = convert_sync_batchnorm(model)
    assert [type(m).__name__ for m in (model[1], model[2], model[3][0])] == \
        ["SyncBatchNorm"] * 3
    assert all(torch.equal(model.state_dict()[k], v) for k, v in before.items())
    assert model[1].weight.dtype == torch.float64 and not model[1].training
    with pytest.raises(ValueError, match="expected 2D or 3D or 4D or 5D input"):
        SyncBatchNorm(3)(torch.zeros(3))
