"""Affine maps: ``linear`` (y = x W^T + b) and ``bilinear`` (y_o = x1^T A_o x2 + b_o)."""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["bilinear", "linear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b.

    Shapes: input (*, in), weight (out, in), bias (out,) -> (*, out).

    >>> x, w, b = torch.ones(2, 3), torch.ones(4, 3), torch.zeros(4)
    >>> linear(x, w, b).shape
    torch.Size([2, 4])
    """
    if bias is not None and input.dim() >= 1:
        rows = input.reshape(-1, input.shape[-1])  # (N, in), a view when input is contiguous
        y = torch.addmm(bias, rows, weight.t())  # (N, out): b + x W^T in one matmul call
        return y.view(*input.shape[:-1], weight.shape[0])  # (*, out)
    y = input.matmul(weight.t())  # (*, out)
    if bias is not None:
        y = y + bias
    return y


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None
             ) -> Tensor:
    """y_o = sum_ij x1_i A_oij x2_j + b_o.

    Shapes: input1 ``(*, in1)``, input2 ``(*, in2)``, weight (out, in1, in2), bias (out,)
    -> ``(*, out)``.

    >>> bilinear(torch.ones(5, 2), torch.ones(5, 3), torch.ones(4, 2, 3)).shape
    torch.Size([5, 4])
    """
    out, in1, in2 = weight.shape
    lead = input1.shape[:-1]
    x1 = input1.reshape(-1, in1)  # (N, in1)
    x2 = input2.reshape(-1, in2)  # (N, in2)
    a = weight.permute(1, 0, 2).reshape(in1, out * in2)  # (in1, out*in2)
    t = (x1 @ a).reshape(-1, out, in2)  # (N, out, in2): t_oj = sum_i x1_i A_oij
    y = (t * x2.unsqueeze(1)).sum(-1)  # (N, out)
    if bias is not None:
        y = y + bias
    return y.reshape(*lead, out)
