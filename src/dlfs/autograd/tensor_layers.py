"""A tiny layer set on the NumPy :class:`Tensor` engine: Module, Linear, MLP, SGD.

Just enough to train a classifier; ``dlfs.nn`` (on torch) is the full, torch-parity library.
Names follow torch: ``Linear.weight`` is (out_features, in_features) and ``y = x W^T + b``.

>>> model = MLP([4, 8, 3], seed=0)
>>> model(Tensor(np.zeros((2, 4), dtype=np.float32))).shape
(2, 3)
>>> [tuple(p.shape) for p in model.parameters()]
[(8, 4), (8,), (3, 8), (3,)]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from .tensor import Tensor, no_grad

__all__ = ["MLP", "SGD", "Linear", "Module"]


class Module:
    """Base class: parameters are the Tensors that require grad among the attributes
    (searched through sub-modules and lists of them)."""

    def parameters(self) -> Iterator[Tensor]:
        """Every parameter, in attribute order."""
        for value in vars(self).values():
            items = value if isinstance(value, (list, tuple)) else [value]
            for item in items:
                if isinstance(item, Tensor) and item.requires_grad:
                    yield item
                elif isinstance(item, Module):
                    yield from item.parameters()

    def zero_grad(self) -> None:
        """Forget every parameter's gradient."""
        for p in self.parameters():
            p.zero_grad()

    def __call__(self, x: Tensor) -> Tensor:
        return self.forward(x)

    def forward(self, x: Tensor) -> Tensor:
        raise NotImplementedError


class Linear(Module):
    """y = x W^T + b:  (B, in_features) -> (B, out_features).

    W and b start uniform in [-1/sqrt(in_features), 1/sqrt(in_features)], as in torch.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: type = np.float32, seed: int | None = None) -> None:
        rng = np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(in_features)
        self.weight = Tensor(rng.uniform(-bound, bound, (out_features, in_features))
                             .astype(dtype), requires_grad=True)
        self.bias = (Tensor(rng.uniform(-bound, bound, out_features).astype(dtype),
                            requires_grad=True) if bias else None)

    def forward(self, x: Tensor) -> Tensor:
        y = x @ self.weight.T  # (B, out_features)
        return y + self.bias if self.bias is not None else y


class MLP(Module):
    """Linear layers with ReLU between them: sizes [64, 256, 10] is 64 -> 256 -> ReLU -> 10.

    Input (B, sizes[0]), output (B, sizes[-1]) (logits: no activation after the last layer).
    """

    def __init__(self, sizes: Sequence[int], dtype: type = np.float32,
                 seed: int | None = None) -> None:
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least an input and an output, got {sizes}")
        rng = np.random.default_rng(seed)
        self.layers = [Linear(n_in, n_out, dtype=dtype, seed=int(rng.integers(2**31)))
                       for n_in, n_out in zip(sizes[:-1], sizes[1:])]

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers[:-1]:
            x = layer(x).relu()  # (B, hidden)
        return self.layers[-1](x)  # (B, sizes[-1])


class SGD:
    """Stochastic gradient descent with optional momentum, as ``torch.optim.SGD``:

        v <- momentum * v + grad;   p <- p - lr * v
    """

    def __init__(self, params: Iterable[Tensor], lr: float, momentum: float = 0.0) -> None:
        self.params = list(params)
        self.lr, self.momentum = lr, momentum
        self.velocity: list[np.ndarray | None] = [None] * len(self.params)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient."""
        for p in self.params:
            p.zero_grad()

    @no_grad()
    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            step = p.grad
            if self.momentum:
                v = self.velocity[i]
                self.velocity[i] = step = step.copy() if v is None else self.momentum * v + step
            p.data -= self.lr * step
