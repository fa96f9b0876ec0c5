"""Linear attention: replace exp(q . k) by a kernel phi(q) . phi(k) and reorder the products.

With a positive feature map phi (here phi(x) = elu(x) + 1), attention becomes

    out_t = sum_s (phi(q_t) . phi(k_s)) v_s / sum_s phi(q_t) . phi(k_s)            (quadratic form)
          = phi(q_t)^T [sum_s phi(k_s) v_s^T] / phi(q_t)^T [sum_s phi(k_s)]        (linear form)

The bracketed sums are computed once, (D, Dv) and (D,), so the cost is O(T D Dv) instead of
O(T S D). Causal: the sums run over s <= t only, which are prefix sums (cumsum) over time:

    KV_t = sum_{s<=t} phi(k_s) v_s^T,    z_t = sum_{s<=t} phi(k_s),
    out_t = phi(q_t)^T KV_t / phi(q_t)^T z_t

The quadratic form (:func:`linear_attention_quadratic`) is kept as the readable reference;
the tests check that both linear forms equal it.

Shapes: query (..., T, D), key (..., S, D), value (..., S, Dv) -> (..., T, Dv).
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["elu_feature_map", "linear_attention", "linear_attention_quadratic"]


def elu_feature_map(x: Tensor) -> Tensor:
    """phi(x) = elu(x) + 1 = x + 1 for x > 0, exp(x) otherwise; always positive.

    >>> elu_feature_map(torch.tensor([-1.0, 0.0, 2.0]))
    tensor([0.3679, 1.0000, 3.0000])
    """
    return torch.where(x > 0, x + 1, torch.exp(torch.clamp(x, max=0.0)))


def linear_attention_quadratic(query: Tensor, key: Tensor, value: Tensor,
                               causal: bool = False, eps: float = 1e-6) -> Tensor:
    """The explicit O(T S) form: A = phi(Q) phi(K)^T (masked if causal), out = A V / rowsum(A)."""
    a = elu_feature_map(query) @ elu_feature_map(key).transpose(-2, -1)  # (..., T, S)
    if causal:
        a = a.tril()                                                     # keep s <= t
    return (a @ value) / (a.sum(dim=-1, keepdim=True) + eps)             # (..., T, Dv)


def linear_attention(query: Tensor, key: Tensor, value: Tensor, causal: bool = False,
                     eps: float = 1e-6) -> Tensor:
    """Linear-time attention with the elu+1 feature map (see the module docstring).

    Causal mode needs T == S and keeps (..., T, D, Dv) prefix sums.

    >>> q = torch.randn(2, 5, 3)
    >>> torch.allclose(linear_attention(q, q, q, causal=True),
    ...                linear_attention_quadratic(q, q, q, causal=True), atol=1e-5)
    True
    """
    phi_q, phi_k = elu_feature_map(query), elu_feature_map(key)          # (..., T, D), (..., S, D)
    if not causal:
        kv = phi_k.transpose(-2, -1) @ value                             # (..., D, Dv)
        z = phi_k.sum(dim=-2)                                            # (..., D)
        num = phi_q @ kv                                                 # (..., T, Dv)
        den = (phi_q * z.unsqueeze(-2)).sum(dim=-1, keepdim=True)        # (..., T, 1)
        return num / (den + eps)
    if query.shape[-2] != key.shape[-2]:
        raise ValueError(f"linear_attention: causal mode needs T == S, got query "
                         f"{tuple(query.shape)} and key {tuple(key.shape)}")
    kv = torch.cumsum(phi_k.unsqueeze(-1) * value.unsqueeze(-2), dim=-3)  # (..., T, D, Dv)
    z = torch.cumsum(phi_k, dim=-2)                                      # (..., T, D)
    num = (phi_q.unsqueeze(-2) @ kv).squeeze(-2)                         # (..., T, Dv)
    den = (phi_q * z).sum(dim=-1, keepdim=True)                          # (..., T, 1)
    return num / (den + eps)
