"""Batch normalization whose statistics are taken over all ranks' batches.

With data parallelism each rank normalizes with the mean and variance of *its own* b
samples. Those are not the statistics of the whole batch of N·b, so N processes no longer
compute what one process with the whole batch computes, and each rank's running statistics
differ (DDP then copies rank 0's buffers to the others at each forward, so only rank 0's
survive). With small per-rank batches the statistics also get noisy. SyncBatchNorm sums over
the ranks first:

    n   = sum_r n_r                                   samples per channel, all ranks
    mu  = (sum_r sum_i x_ri) / n                      (C,)
    var = (sum_r sum_i (x_ri - mu)^2) / n             (C,), biased, as in normalization
    y   = (x - mu) / sqrt(var + eps) * weight + bias

The sums go through ``torch.distributed.nn.functional.all_reduce``, an all-reduce with a
backward (the backward all-reduces the gradients), so each rank's gradient includes what its
samples did to the other ranks' outputs through mu and var — the gradient of the whole
batch's loss. torch's own ``nn.SyncBatchNorm`` refuses CPU tensors (it needs CUDA); this one
works on gloo processes. Outside a multi-process run, or in eval mode, it is plain batch norm.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import Tensor, nn

from .. import nn as dnn
from .env import is_distributed

__all__ = ["SyncBatchNorm", "convert_sync_batchnorm"]


def _sum_over_ranks(t: Tensor) -> Tensor:
    """A differentiable all-reduce (sum): its backward sums the gradients over the ranks."""
    from torch.distributed.nn.functional import all_reduce

    return all_reduce(t)


class SyncBatchNorm(dnn.BatchNorm2d):
    """Batch norm of (B, C), (B, C, L), (B, C, H, W) or (B, C, D, H, W) per channel C, with
    the batch statistics summed over all ranks while training in a process group. Same
    parameters and buffers as :class:`dlfs.nn.BatchNorm2d` (and torch's BatchNorm)."""

    _dims = (2, 3, 4, 5)

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        if not (self.training and is_distributed()):
            return super().forward(input)                # one process, or eval: plain
        C = input.shape[1]
        dims = [0, *range(2, input.dim())]                  # every axis but the channel
        shape = [1, C] + [1] * (input.dim() - 2)             # (1, C, 1, …) for broadcasting
        count = torch.tensor([input.numel() // C], dtype=torch.float64, device=input.device)
        dist.all_reduce(count)                               # n, all ranks (no gradient)
        n = float(count.item())
        mu = _sum_over_ranks(input.sum(dims)) / n                          # (C,)
        centered = input - mu.view(shape)
        var = _sum_over_ranks((centered * centered).sum(dims)) / n         # (C,)
        if self.track_running_stats:
            self._update_running(mu.detach(), var.detach() * n / max(n - 1, 1))
        y = centered / torch.sqrt(var.view(shape) + self.eps)
        if self.weight is not None:
            y = y * self.weight.view(shape)
        if self.bias is not None:
            y = y + self.bias.view(shape)
        return y

    @torch.no_grad()
    def _update_running(self, mean: Tensor, unbiased_var: Tensor) -> None:
        """running <- (1 - m) running + m batch (m = 1/t for momentum=None: the mean)."""
        self.num_batches_tracked.add_(1)
        m = self.momentum if self.momentum is not None else \
            1.0 / float(self.num_batches_tracked)
        self.running_mean.mul_(1 - m).add_(m * mean)
        self.running_var.mul_(1 - m).add_(m * unbiased_var)


_BATCH_NORMS = (dnn.BatchNorm1d, dnn.BatchNorm2d, nn.BatchNorm1d, nn.BatchNorm2d,
                nn.BatchNorm3d)


def convert_sync_batchnorm(module: nn.Module) -> nn.Module:
    """``module`` with every BatchNorm (dlfs's or torch's) replaced by a
    :class:`SyncBatchNorm` holding the same parameters and running statistics (in place for
    the children; returns the new module when ``module`` itself is a BatchNorm)."""
    if isinstance(module, _BATCH_NORMS) and not isinstance(module, SyncBatchNorm):
        sync = SyncBatchNorm(module.num_features, module.eps, module.momentum,
                             module.affine, module.track_running_stats)
        like = next((t for t in module.state_dict().values() if t.is_floating_point()), None)
        if like is not None:
            sync.to(device=like.device, dtype=like.dtype)
        sync.load_state_dict(module.state_dict())
        return sync.train(module.training)
    for name, child in module.named_children():
        setattr(module, name, convert_sync_batchnorm(child))
    return module
