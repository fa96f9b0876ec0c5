"""Batch norm and layer norm as autograd Functions with hand-derived backward passes.

Autograd through the elementary ops of ``(x - mean) * rsqrt(var + eps) * w + b`` allocates a
fresh full-size tensor per op, forward and backward, and on CPU a fresh allocation costs
about as much as the arithmetic. Deriving the gradient by hand collapses it into one
expression. With x_hat = (x - mu) r, r = 1 / sqrt(var + eps), n values per statistic:

    dx = w r (dy - mean(dy) - x_hat * mean(dy * x_hat))      dw = sum(dy * x_hat)
                                                             db = sum(dy)

(means and sums over the same n values as the statistics). Each pass below allocates one
full-size tensor and reuses it in place. Both functions are checked against torch's fused
kernels in tests/nn/test_nn_normalization.py. They are differentiable once.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.autograd.function import FunctionCtx, once_differentiable

__all__: list[str] = []


class BatchNormTrain(torch.autograd.Function):
    """Training-mode batch norm of x (B, C, *) with statistics over dims (0, 2, 3, ...).

    Returns (y, mean, var) with mean and var (C,) (biased) for the running statistics.
    Per channel the gradient is affine in dy and x:
    dx = A dy + B x + C0 with A = w r, B = -A r m2, C0 = -A m1 - B mu,
    m1 = mean(dy), m2 = mean(dy * (x - mu)) r.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, weight: Tensor | None, bias: Tensor | None,
                eps: float) -> tuple[Tensor, Tensor, Tensor]:
        dims = [0] + list(range(2, x.dim()))
        n = x.numel() // x.shape[1]
        mu = x.mean(dims, keepdim=True)  # (1, C, 1, ...)
        y = x - mu  # (B, C, *), the one new tensor
        var = torch.linalg.vector_norm(y, dim=dims, keepdim=True).square_().div_(n)
        r = torch.rsqrt(var + eps)  # (1, C, 1, ...)
        scale = r if weight is None else r * weight.reshape(r.shape)
        y.mul_(scale)
        if bias is not None:
            y.add_(bias.reshape(r.shape))
        ctx.save_for_backward(x, mu, r, weight)
        ctx.has_bias = bias is not None
        mean_c, var_c = mu.reshape(-1), var.reshape(-1)
        ctx.mark_non_differentiable(mean_c, var_c)
        return y, mean_c, var_c

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dy: Tensor, _dmean: Tensor, _dvar: Tensor
                 ) -> tuple[Tensor | None, ...]:
        x, mu, r, weight = ctx.saved_tensors
        dims = [0] + list(range(2, x.dim()))
        n = x.numel() // x.shape[1]
        buf = x - mu  # (B, C, *), the one new tensor
        sum_dy_xc = buf.mul_(dy).sum(dims, keepdim=True)  # sum(dy * (x - mu))
        sum_dy = dy.sum(dims, keepdim=True)
        m1, m2 = sum_dy / n, sum_dy_xc * r / n
        a = r if weight is None else r * weight.reshape(r.shape)
        b = -a * r * m2
        c0 = -a * m1 - b * mu
        dx = None
        if ctx.needs_input_grad[0]:
            dx = torch.mul(x, b, out=buf).add_(c0).addcmul_(dy, a)  # reuses buf
        dw = (sum_dy_xc * r).reshape(-1) if weight is not None else None
        db = sum_dy.reshape(-1) if ctx.has_bias else None
        return dx, dw, db, None


class LayerNormRows(torch.autograd.Function):
    """Layer norm of the rows of x (N, D): y = x_hat * w + b, statistics per row.

    The row means mean(dy * w) and mean(dy * w * x_hat) are matrix-vector products with w;
    dw and db are column sums.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, weight: Tensor | None, bias: Tensor | None,
                eps: float) -> Tensor:
        D = x.shape[-1]
        x_hat = x - x.mean(-1, keepdim=True)  # (N, D), first new tensor
        var = torch.linalg.vector_norm(x_hat, dim=-1, keepdim=True).square_().div_(D)
        r = torch.rsqrt(var + eps)  # (N, 1)
        x_hat.mul_(r)
        ctx.save_for_backward(x_hat, r, weight)
        ctx.has_bias = bias is not None
        if weight is None:
            return x_hat if bias is None else x_hat + bias
        if bias is None:
            return x_hat * weight
        return torch.addcmul(bias, x_hat, weight)  # (N, D), second new tensor

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dy: Tensor) -> tuple[Tensor | None, ...]:
        x_hat, r, w = ctx.saved_tensors
        D = x_hat.shape[-1]
        p = dy * x_hat  # (N, D), the one new tensor
        dw = p.sum(0) if w is not None else None
        db = dy.sum(0) if ctx.has_bias else None
        if w is None:
            m1, m2 = dy.mean(-1, keepdim=True), p.mean(-1, keepdim=True)  # (N, 1)
        else:
            m1 = (dy @ w).unsqueeze(-1) / D  # (N, 1): mean(dy * w)
            m2 = (p @ w).unsqueeze(-1) / D  # (N, 1): mean(dy * w * x_hat)
        dx = None
        if ctx.needs_input_grad[0]:
            dx = torch.mul(x_hat, -m2, out=p).sub_(m1)  # reuses p
            dx = dx.add_(dy) if w is None else dx.addcmul_(dy, w)
            dx.mul_(r)  # (N, D)
        return dx, dw, db, None
