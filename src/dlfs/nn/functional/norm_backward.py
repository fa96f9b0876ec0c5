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

from collections.abc import Iterator

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


#: rows of a layer norm are processed in blocks of about this many bytes, so that every
#: pass after the first over a block reads it from the cache instead of from memory
_BLOCK_BYTES = 2 << 20


def _row_blocks(*tensors: Tensor) -> Iterator[tuple[Tensor, ...]]:
    """The same rows of each of ``tensors`` (N, ...), ~_BLOCK_BYTES of the first at a time,
    as views; all of them at once when they fit."""
    first = tensors[0]
    step = max(1, _BLOCK_BYTES // max(1, first[0].numel() * first.element_size()))
    if first.shape[0] <= step:
        yield tensors
        return
    for i in range(0, first.shape[0], step):
        yield tuple(t[i:i + step] for t in tensors)


class LayerNormRows(torch.autograd.Function):
    """Layer norm of the rows of x (*, D) (all leading dims read as N rows), with weight and
    bias (D,) or None: y = x_hat * w + b, statistics per row. The reshapes happen inside,
    where autograd does not record them.

    Both passes walk the rows in ~2 MB blocks (``_row_blocks``) and write into whole
    outputs, so of the elementwise passes over a block only the first reads memory and the
    rest hit the cache (on (8192, 512): 3.3x -> 2.1x torch's fused kernel,
    benchmarks/bench_nn_modules.py). The row means mean(dy * w) and mean(dy * w * x_hat)
    are matrix products with -w / D; dw and db are column sums.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, input: Tensor, weight: Tensor | None, bias: Tensor | None,
                eps: float) -> Tensor:
        D = input.shape[-1]
        x = input.reshape(-1, D)  # (N, D)
        x_hat, r = torch.empty_like(x), x.new_empty(x.shape[0], 1)  # (N, D), (N, 1)
        y = x_hat if weight is None and bias is None else torch.empty_like(x)
        for xb, hb, rb, yb in _row_blocks(x, x_hat, r, y):
            torch.sub(xb, xb.mean(-1, keepdim=True), out=hb)  # x - mu
            torch.linalg.vector_norm(hb, dim=-1, keepdim=True, out=rb)
            hb.mul_(rb.square_().div_(D).add_(eps).rsqrt_())  # x_hat = (x - mu) r
            if weight is not None and bias is not None:
                torch.addcmul(bias, hb, weight, out=yb)
            elif weight is not None:
                torch.mul(hb, weight, out=yb)
            elif bias is not None:
                torch.add(hb, bias, out=yb)
        ctx.save_for_backward(x_hat, r, weight)
        ctx.has_bias = bias is not None
        return y.view(input.shape)

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dy: Tensor) -> tuple[Tensor | None, ...]:
        x_hat, r, w = ctx.saved_tensors
        D = x_hat.shape[1]
        shape, dy = dy.shape, dy.reshape(-1, D)  # (N, D)
        dx = torch.empty_like(x_hat)  # (N, D), the one new tensor
        # -w / D as a column: one matrix product gives the row mean -mean(dy * w) (n, 1)
        w_col = (w if w is not None else x_hat.new_ones(D)).div(-D).unsqueeze_(1)  # (D, 1)
        dw = db = None
        for hb, dyb, dxb, rb in _row_blocks(x_hat, dy, dx, r):
            p = torch.mul(dyb, hb, out=dxb)  # dy * x_hat, in dx's block for now
            if w is not None:  # column sums, block by block
                dw = p.sum(0) if dw is None else dw.add_(p.sum(0))
            if ctx.has_bias:
                db = dyb.sum(0) if db is None else db.add_(dyb.sum(0))
            m1 = dyb @ w_col  # (n, 1): -mean(dy * w)
            m2 = p @ w_col  # (n, 1): -mean(dy * w * x_hat)
            dxb = torch.mul(hb, m2, out=dxb).add_(m1)  # -(m1 + x_hat m2)
            dxb = dxb.add_(dyb) if w is None else dxb.addcmul_(dyb, w)
            dxb.mul_(rb)  # r (dy w - m1 - x_hat m2)
        return (dx.view(shape) if ctx.needs_input_grad[0] else None), dw, db, None
