"""A Mixture-of-Experts feed-forward layer: top-k routing, expert capacity, load balancing.

For each token x (of N = B * T):

    p = softmax(x W_r)                           router probabilities over E experts
    top-k experts e_1..e_k with gates g_i = p_{e_i} / sum_j p_{e_j}     (sum_i g_i = 1)
    y = sum_i g_i * Expert_{e_i}(x)              over the choices that were not dropped

Capacity: each expert takes at most ceil(capacity_factor * N * k / E) assignments; first
choices are served before second choices, earlier tokens before later ones, and the rest
are dropped (their term is missing from y; in a Transformer the residual carries them).

Switch-style load-balancing loss, with f_e the fraction of the N * k assignments that chose
expert e and P_e the mean router probability of e:

    L_aux = E * sum_e f_e * P_e

It equals 1 when routing is balanced (f_e = 1/E) and approaches E when one expert takes
everything; when P_e = f_e it is E * sum_e f_e^2 >= 1 (Cauchy–Schwarz).
Shapes: x (B, T, C) -> y (B, T, C).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from .. import nn as dnn
from ..nn import functional as F
from .swiglu import SwiGLU

__all__ = ["MoE", "MoEOutput", "Routing", "load_balancing_loss"]


@dataclass(frozen=True)
class Routing:
    """Where each of N tokens went. probs (N, E); expert_index, gate, kept (N, k)."""

    probs: Tensor
    expert_index: Tensor
    gate: Tensor
    kept: Tensor
    capacity: int


@dataclass(frozen=True)
class MoEOutput:
    """output (B, T, C), aux_loss (scalar), routing of the flattened tokens."""

    output: Tensor
    aux_loss: Tensor
    routing: Routing


def load_balancing_loss(probs: Tensor, expert_index: Tensor, n_experts: int) -> Tensor:
    """E * sum_e f_e P_e from probs (N, E) and the chosen experts (N, k).

    >>> probs = torch.full((4, 2), 0.5)
    >>> load_balancing_loss(probs, torch.tensor([[0], [1], [0], [1]]), 2)
    tensor(1.)
    """
    counts = torch.zeros(n_experts, dtype=probs.dtype, device=probs.device)
    counts = counts.index_add(0, expert_index.flatten(),
                              torch.ones(expert_index.numel(), dtype=probs.dtype,
                                         device=probs.device))        # (E,)
    f = counts / expert_index.numel()                                 # (E,) dispatch fractions
    P = probs.mean(dim=0)                                             # (E,) mean probabilities
    return n_experts * (f * P).sum()


def _positions_in_expert(expert_index: Tensor, n_experts: int) -> Tensor:
    """For every (token, choice), how many earlier assignments went to the same expert.
    Priority: all first choices (in token order), then all second choices, ... -> (N, k)."""
    N, k = expert_index.shape
    one_hot = F.one_hot(expert_index.t().reshape(-1), n_experts)      # (k * N, E)
    before = torch.cumsum(one_hot, dim=0) - one_hot                   # (k * N, E)
    pos = (before * one_hot).sum(dim=-1)                              # (k * N,)
    return pos.view(k, N).t()                                         # (N, k)


class MoE(nn.Module):
    """E SwiGLU experts behind a linear router; see the module docstring.

    ``capacity_factor=None`` means unlimited capacity (no token is dropped).

    >>> moe = MoE(16, n_experts=4, top_k=2, d_hidden=32)
    >>> out = moe(torch.randn(2, 5, 16))
    >>> out.output.shape, out.routing.expert_index.shape
    (torch.Size([2, 5, 16]), torch.Size([10, 2]))
    """

    def __init__(self, d_model: int, n_experts: int, top_k: int = 2,
                 d_hidden: int | None = None, capacity_factor: float | None = 1.25) -> None:
        super().__init__()
        if not 1 <= top_k <= n_experts:
            raise ValueError(f"MoE: top_k must be in 1..n_experts ({n_experts}), got {top_k}")
        self.n_experts, self.top_k, self.capacity_factor = n_experts, top_k, capacity_factor
        self.router = dnn.Linear(d_model, n_experts, bias=False)
        self.experts = nn.ModuleList(SwiGLU(d_model, d_hidden) for _ in range(n_experts))

    def capacity(self, n_tokens: int) -> int:
        """Most assignments one expert accepts in a batch of ``n_tokens``."""
        if self.capacity_factor is None:
            return n_tokens
        return math.ceil(self.capacity_factor * n_tokens * self.top_k / self.n_experts)

    def route(self, x: Tensor) -> Routing:
        """x (N, C) -> the routing decision for each token."""
        probs = F.softmax(self.router(x), dim=-1)                     # (N, E)
        top_p, expert_index = probs.topk(self.top_k, dim=-1)          # (N, k) each
        gate = top_p / top_p.sum(dim=-1, keepdim=True)                # renormalized, sums to 1
        capacity = self.capacity(x.shape[0])
        kept = _positions_in_expert(expert_index, self.n_experts) < capacity  # (N, k)
        return Routing(probs, expert_index, gate, kept, capacity)

    def forward(self, x: Tensor) -> MoEOutput:
        B, T, C = x.shape
        tokens = x.reshape(B * T, C)                                  # (N, C)
        r = self.route(tokens)
        y = torch.zeros_like(tokens)                                  # (N, C)
        for e, expert in enumerate(self.experts):
            tok, slot = ((r.expert_index == e) & r.kept).nonzero(as_tuple=True)
            if tok.numel() == 0:
                continue
            out = expert(tokens[tok])                                 # (n_e, C)
            y = y.index_add(0, tok, out * r.gate[tok, slot].unsqueeze(-1))
        aux = load_balancing_loss(r.probs, r.expert_index, self.n_experts)
        return MoEOutput(y.view(B, T, C), aux, r)
