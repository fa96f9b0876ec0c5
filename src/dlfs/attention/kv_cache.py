"""The KV cache: what a decoder keeps of past tokens so that a new token costs one step.

Without a cache, generating token t recomputes the keys and values of all t earlier tokens
in every layer. With one, each attention layer appends this step's tensors to its entry and
attends over the whole of it:

    K_{1..S} = concat(K_{1..S-T}, K_new),   V_{1..S} = concat(V_{1..S-T}, V_new)

Each layer keeps named tensors — ``"k"`` and ``"v"`` (B, H or G, S, D) for MHA/GQA/MQA,
``"latent"`` (B, S, d_latent) for MLA — all grown along the position axis, dim -2.
One :class:`KVCache` serves a whole model (the GPT, a stack of attention layers) and the
decoders in :mod:`dlfs.generate`.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["KVCache"]

POSITION_DIM = -2                     # (B, H, S, D) and (B, S, d_latent) both grow here


class KVCache:
    """Per layer, named tensors grown along the position axis (dim -2).

    >>> cache = KVCache()
    >>> cache.append(0, "k", torch.zeros(1, 2, 3, 4)).shape      # prompt: 3 positions
    torch.Size([1, 2, 3, 4])
    >>> cache.append(0, "k", torch.zeros(1, 2, 1, 4)).shape      # one more token
    torch.Size([1, 2, 4, 4])
    >>> cache.layer_length(0), cache.length, cache.bytes()
    (4, 4, 128)
    """

    def __init__(self) -> None:
        self.layers: list[dict[str, Tensor]] = []

    def append(self, layer: int, name: str, t: Tensor) -> Tensor:
        """Concatenate this step's ``t`` (..., T, ·) to the cached one of ``layer``; return
        the full tensor (..., S, ·), S = cached + T."""
        while len(self.layers) <= layer:
            self.layers.append({})
        entry = self.layers[layer]
        if name in entry:
            t = torch.cat([entry[name], t], dim=POSITION_DIM)    # (..., S, ·)
        entry[name] = t
        return t

    def layer_length(self, layer: int) -> int:
        """Positions cached for one layer (0 when it has nothing yet)."""
        if layer >= len(self.layers) or not self.layers[layer]:
            return 0
        return next(iter(self.layers[layer].values())).shape[POSITION_DIM]

    @property
    def length(self) -> int:
        """Positions cached before the current forward pass. Layers are updated in order,
        so the last one tells."""
        return self.layer_length(len(self.layers) - 1) if self.layers else 0

    def bytes(self) -> int:
        """Memory held by all cached tensors."""
        return sum(t.numel() * t.element_size()
                   for entry in self.layers for t in entry.values())
