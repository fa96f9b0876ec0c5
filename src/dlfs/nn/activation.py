"""Activation modules: thin wrappers that hold the hyper-parameters of
``dlfs.nn.functional`` activations (see there for the equations)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from . import functional as F

__all__ = ["GELU", "LeakyReLU", "LogSoftmax", "ReLU", "SiLU", "Sigmoid", "Softmax",
           "Softplus", "Tanh"]


class ReLU(nn.Module):
    """relu(x) = max(x, 0), elementwise.

    >>> import torch
    >>> ReLU()(torch.tensor([-2.0, 3.0]))
    tensor([0., 3.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(nn.Module):
    """x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class GELU(nn.Module):
    """x * Phi(x), exact (``approximate='none'``) or with the tanh approximation.

    ``fused=True`` (not in torch) calls torch's built-in kernel instead of ours, so the speed
    of both can be compared; the results agree up to float rounding.

    >>> import torch
    >>> x = torch.tensor([-1.0, 0.0, 1.0])
    >>> torch.allclose(GELU()(x), GELU(fused=True)(x))
    True
    """

    def __init__(self, approximate: str = "none", *, fused: bool = False) -> None:
        super().__init__()
        self.approximate = approximate
        self.fused = fused

    def forward(self, input: Tensor) -> Tensor:
        if self.fused:
            return self._fused_forward(input)
        return F.gelu(input, approximate=self.approximate)

    def _fused_forward(self, input: Tensor) -> Tensor:
        """torch's kernel (the opt-in fast path)."""
        return torch.nn.functional.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}" + (", fused=True" if self.fused else "")


class SiLU(nn.Module):
    """x * sigmoid(x) (a.k.a. swish)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(nn.Module):
    """1 / (1 + exp(-x))."""

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(nn.Module):
    """(e^x - e^-x) / (e^x + e^-x)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class Softmax(nn.Module):
    """exp(x_i) / sum_j exp(x_j) along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(nn.Module):
    """log(softmax(x)) along ``dim``, computed without forming the softmax."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softplus(nn.Module):
    """log(1 + exp(beta x)) / beta, and x where beta x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"
