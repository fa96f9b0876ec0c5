"""A sequence classifier: Embedding -> bidirectional GRU over packed sequences -> Linear.

    h_fwd = GRU reading x_1 .. x_L      (the forward direction's last state, after x_L)
    h_bwd = GRU reading x_L .. x_1      (the backward direction's last state, after x_1)
    logits = [h_fwd; h_bwd] W^T + b     (B, K)

Packing (``pack_padded_sequence``) makes each direction stop at a sequence's true length
L, so padding never enters either state: the backward direction starts at x_L, not at the
padding after it (Liu Er, lecture 13).
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.utils.rnn import pack_padded_sequence

from .. import nn

__all__ = ["BiGRUClassifier"]


class BiGRUClassifier(nn.Module):
    """ids (B, T) with lengths (B,) -> logits (B, num_classes).

    >>> model = BiGRUClassifier(vocab_size=20, embed=8, hidden=16, num_classes=3)
    >>> model(torch.randint(1, 20, (4, 7)), torch.tensor([7, 3, 5, 1])).shape
    torch.Size([4, 3])
    """

    def __init__(self, vocab_size: int, embed: int, hidden: int, num_classes: int,
                 num_layers: int = 1, pad_id: int = 0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed, padding_idx=pad_id)
        self.gru = nn.GRU(embed, hidden, num_layers=num_layers, batch_first=True,
                          bidirectional=True)
        self.fc = nn.Linear(2 * hidden, num_classes)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        x = self.embedding(ids)                                           # (B, T, E)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        _, h_n = self.gru(packed)                                         # (2 * layers, B, H)
        h = torch.cat([h_n[-2], h_n[-1]], dim=-1)                         # (B, 2H): fwd, bwd
        return self.fc(h)                                                 # (B, K)
