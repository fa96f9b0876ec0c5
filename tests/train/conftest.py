"""Tiny, deterministic pieces shared by the trainer tests (a 64-sample regression set)."""

from __future__ import annotations

import pytest
import torch
from torch import nn


class TinyNet(nn.Module):
    """Linear → ReLU → Dropout → Linear: small, but with an RNG-using layer (dropout)."""

    def __init__(self, d_in: int = 4, hidden: int = 8, d_out: int = 1, p: float = 0.2):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Dropout(p),
                                  nn.Linear(hidden, d_out))

    def forward(self, x):
        return self.body(x)


def make_data(n: int = 64, d_in: int = 4, dtype=torch.float32, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d_in, generator=g, dtype=dtype)
    w = torch.randn(d_in, 1, generator=g, dtype=dtype)
    y = x @ w + 0.1 * torch.randn(n, 1, generator=g, dtype=dtype)
    return x, y


def make_model(seed: int = 0, **kwargs) -> nn.Module:
    torch.manual_seed(seed)
    return TinyNet(**kwargs)


@pytest.fixture
def tiny():
    """Factories: ``tiny.data()``, ``tiny.model()``, ``tiny.Net``."""

    class Tiny:
        Net = TinyNet
        data = staticmethod(make_data)
        model = staticmethod(make_model)

    return Tiny
