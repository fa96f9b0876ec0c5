"""Cross-attention, and Flamingo's gated cross-attention block: how one modality reads another.

In self-attention a sequence attends to itself. In cross-attention the queries come from
one sequence x (text tokens, learned queries) and the keys and values from another, the
context c (image patches, an encoder's output):

    q = x W_q,  k = c W_k,  v = c W_v            split into H heads of size D = C / H
    A = softmax(q k^T / sqrt(D) + M)              (B, H, T, S): token t's weights over patches
    CrossAttn(x, c) = concat_h(A^h v^h) W_o       (B, T, C)

The context may have its own width C_ctx (W_k, W_v are C x C_ctx). The mask M blocks
pairs: ``key_padding_mask`` (B, S) hides padded context positions (images with fewer
patches), ``attn_mask`` (T, S) or (B * H, T, S) hides any (query, key) pair. Both follow
``torch.nn.MultiheadAttention``'s convention: a bool True means *masked out*; a float mask
is added to the scores. A query whose every key is masked gets zeros (not NaN).

The gated block (Flamingo, Alayrac et al. 2022) inserts cross-attention into a frozen
language model without changing it at the start:

    x <- x + tanh(alpha_attn) * CrossAttn(LN(x), c)
    x <- x + tanh(alpha_ff)   * FFN(LN(x))          FFN = Linear(C, F) -> GELU -> Linear(F, C)

with the scalar gates alpha initialised at 0: tanh(0) = 0, so at initialisation the block is
the identity and the language model's outputs are exactly what they were. The gradient still
reaches alpha (d out / d alpha = branch output at alpha = 0), so training opens the gates.

Legend: B batch, T query length, S context length, C = d_model, C_ctx = d_context,
H heads, D = C / H, F = d_ff.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .. import nn as dnn

__all__ = ["CrossAttention", "GatedCrossAttentionBlock"]


def _check_positive(owner: str, **values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")


class CrossAttention(nn.Module):
    """Multi-head cross-attention: x (B, T, C) reads context (B, S, C_ctx) -> (B, T, C).

    The projections are those of :class:`dlfs.nn.MultiheadAttention` (kept as ``attn``,
    ``batch_first``), so the parameter names, masks and results are
    ``torch.nn.MultiheadAttention(C, H, kdim=C_ctx, vdim=C_ctx, batch_first=True)``'s with
    query = x and key = value = context; :meth:`attend` also returns the weights per head.

    >>> xattn = CrossAttention(8, 2, d_context=6)
    >>> text, patches = torch.randn(3, 5, 8), torch.randn(3, 16, 6)
    >>> xattn(text, patches).shape
    torch.Size([3, 5, 8])
    >>> pad = torch.zeros(3, 16, dtype=torch.bool); pad[:, 12:] = True   # 4 padded patches
    >>> out, weights = xattn.attend(text, patches, key_padding_mask=pad)
    >>> weights.shape, bool((weights[..., 12:] == 0).all())
    (torch.Size([3, 2, 5, 16]), True)
    """

    def __init__(self, d_model: int, n_heads: int, d_context: int | None = None,
                 dropout: float = 0.0, bias: bool = True) -> None:
        super().__init__()
        _check_positive(type(self).__name__, d_model=d_model, n_heads=n_heads,
                        **({} if d_context is None else {"d_context": d_context}))
        if d_model % n_heads:
            raise ValueError(f"CrossAttention: d_model ({d_model}) must be divisible by "
                             f"n_heads ({n_heads})")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"CrossAttention: dropout must be in [0, 1), got {dropout!r}")
        self.d_model, self.n_heads = d_model, n_heads
        self.d_context = d_model if d_context is None else d_context
        self.attn = dnn.MultiheadAttention(d_model, n_heads, dropout=dropout, bias=bias,
                                           kdim=self.d_context, vdim=self.d_context,
                                           batch_first=True)

    def _check(self, x: Tensor, context: Tensor, key_padding_mask: Tensor | None) -> None:
        name = type(self).__name__
        if x.dim() != 3 or x.shape[-1] != self.d_model:
            raise ValueError(f"{name}: x must be (B, T, d_model={self.d_model}), got "
                             f"{tuple(x.shape)}")
        if context.dim() != 3 or context.shape[-1] != self.d_context:
            raise ValueError(f"{name}: context must be (B, S, d_context={self.d_context}), "
                             f"got {tuple(context.shape)}")
        if context.shape[0] != x.shape[0]:
            raise ValueError(f"{name}: x has batch {x.shape[0]} but context has batch "
                             f"{context.shape[0]}")
        if key_padding_mask is not None and tuple(key_padding_mask.shape) != (
                context.shape[0], context.shape[1]):
            raise ValueError(f"{name}: key_padding_mask must be (B, S) = "
                             f"{tuple(context.shape[:2])} like the context, got "
                             f"{tuple(key_padding_mask.shape)}")

    def attend(self, x: Tensor, context: Tensor, key_padding_mask: Tensor | None = None,
               attn_mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """(output (B, T, C), weights (B, H, T, S)): which context positions each query
        read, per head (after dropout in train mode)."""
        self._check(x, context, key_padding_mask)
        out, weights = self.attn(x, context, context, key_padding_mask=key_padding_mask,
                                 attn_mask=attn_mask, need_weights=True,
                                 average_attn_weights=False)
        return out, weights                                     # (B, T, C), (B, H, T, S)

    def forward(self, x: Tensor, context: Tensor, key_padding_mask: Tensor | None = None,
                attn_mask: Tensor | None = None) -> Tensor:
        """x (B, T, C), context (B, S, C_ctx) -> (B, T, C); masks: True = masked out."""
        self._check(x, context, key_padding_mask)
        return self.attn(x, context, context, key_padding_mask=key_padding_mask,
                         attn_mask=attn_mask, need_weights=False)[0]

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, n_heads={self.n_heads}, d_context={self.d_context}"


class GatedCrossAttentionBlock(nn.Module):
    """Flamingo's tanh-gated cross-attention and feed-forward block (pre-LayerNorm):

        x <- x + tanh(attn_gate) * xattn(ln_attn(x), context)
        x <- x + tanh(ff_gate) * ff(ln_ff(x))

    ``attn_gate`` and ``ff_gate`` are scalars initialised at 0, so a new block is the
    identity. x (B, T, C), context (B, S, C_ctx) -> (B, T, C). ``ff`` is
    Sequential(Linear(C, F), GELU, Linear(F, C)), F = ``d_ff`` (default 4C).

    >>> block = GatedCrossAttentionBlock(8, 2, d_context=6)
    >>> x = torch.randn(2, 5, 8)
    >>> torch.equal(block(x, torch.randn(2, 16, 6)), x)          # closed gates: identity
    True
    """

    def __init__(self, d_model: int, n_heads: int, d_context: int | None = None,
                 d_ff: int | None = None, dropout: float = 0.0) -> None:
        super().__init__()
        d_ff = 4 * d_model if d_ff is None else d_ff
        _check_positive(type(self).__name__, d_ff=d_ff)
        self.ln_attn = dnn.LayerNorm(d_model)
        self.xattn = CrossAttention(d_model, n_heads, d_context, dropout=dropout)
        self.attn_gate = nn.Parameter(torch.zeros(()))           # alpha_attn
        self.ln_ff = dnn.LayerNorm(d_model)
        self.ff = nn.Sequential(dnn.Linear(d_model, d_ff), dnn.GELU(), dnn.Linear(d_ff, d_model))
        self.ff_gate = nn.Parameter(torch.zeros(()))             # alpha_ff

    def gates(self) -> tuple[float, float]:
        """(tanh(alpha_attn), tanh(alpha_ff)): how far each branch is open, in [-1, 1]."""
        return float(self.attn_gate.detach().tanh()), float(self.ff_gate.detach().tanh())

    def forward(self, x: Tensor, context: Tensor, key_padding_mask: Tensor | None = None,
                attn_mask: Tensor | None = None) -> Tensor:
        """x (B, T, C), context (B, S, C_ctx) -> (B, T, C); masks as in CrossAttention."""
        read = self.xattn(self.ln_attn(x), context, key_padding_mask, attn_mask)  # (B, T, C)
        x = x + self.attn_gate.tanh() * read
        return x + self.ff_gate.tanh() * self.ff(self.ln_ff(x))                    # (B, T, C)
