"""Shape helpers for ``nn.Sequential``: ``Flatten`` merges dims, ``Unflatten`` splits one."""

from __future__ import annotations

import math

from torch import Tensor, nn

__all__ = ["Flatten", "Unflatten"]


class Flatten(nn.Module):
    """Merge dims start_dim..end_dim into one: (B, C, H, W) -> (B, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() == 0:
            return input.reshape(1)
        start, end = self.start_dim % input.dim(), self.end_dim % input.dim()
        shape = input.shape
        merged = math.prod(shape[start:end + 1])
        return input.reshape(*shape[:start], merged, *shape[end + 1:])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(nn.Module):
    """Split dim ``dim`` into ``unflattened_size``: (B, 12) -> (B, 3, 4)."""

    def __init__(self, dim: int | str, unflattened_size: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        if isinstance(dim, str):
            raise NotImplementedError("named dimensions are not supported")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        dim = self.dim % input.dim()
        sizes = list(self.unflattened_size)
        if -1 in sizes:  # infer the one missing size
            known = math.prod(s for s in sizes if s != -1)
            sizes[sizes.index(-1)] = input.shape[dim] // known
        return input.reshape(*input.shape[:dim], *sizes, *input.shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
