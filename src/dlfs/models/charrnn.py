"""A character-level recurrent language model: Embedding -> RNN/LSTM/GRU -> Linear.

    e_t = E[x_t]                              (B, T, C)   embedding of each character
    h_t = cell(e_t, h_{t-1})                  (B, T, H)   RNN, LSTM or GRU from dlfs.nn
    logits_t = h_t W^T + b                    (B, T, V)   scores for the next character

Trained with cross-entropy on the next character; perplexity = exp(mean loss).
Sampling feeds one character at a time and carries the hidden state, so generating n
characters costs n cell steps (no re-reading of the prompt).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .. import nn
from ..generate.sampling import choose_next
from ..runtime import eval_mode

__all__ = ["CELLS", "CharRNN"]

#: the recurrent layers a CharRNN can use, by name
CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class CharRNN(nn.Module):
    """Embedding -> ``layers`` recurrent layers of width ``hidden`` -> Linear to the vocabulary.

    ``forward(x, state=None)`` takes ids (B, T) and returns ``(logits (B, T, V), state)``;
    ``state`` is what the recurrent layer returns (h_n, or (h_n, c_n) for an LSTM), shape
    (layers, B, H).

    >>> model = CharRNN(vocab_size=10, hidden=16, layers=2, cell="gru")
    >>> logits, h = model(torch.zeros(3, 7, dtype=torch.long))
    >>> tuple(logits.shape), tuple(h.shape)
    ((3, 7, 10), (2, 3, 16))
    """

    def __init__(self, vocab_size: int, hidden: int = 128, layers: int = 1, cell: str = "lstm",
                 embed: int | None = None, dropout: float = 0.0):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"CharRNN: cell must be one of {sorted(CELLS)}, got {cell!r}")
        if vocab_size < 1 or hidden < 1 or layers < 1:
            raise ValueError(f"CharRNN: vocab_size, hidden, layers must be >= 1, got "
                             f"{vocab_size}, {hidden}, {layers}")
        self.vocab_size, self.hidden, self.layers, self.cell = vocab_size, hidden, layers, cell
        embed = embed or hidden
        self.embedding = nn.Embedding(vocab_size, embed)
        self.rnn = CELLS[cell](embed, hidden, num_layers=layers, batch_first=True,
                               dropout=dropout if layers > 1 else 0.0)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, x: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """x: (B, T) int64 ids -> logits (B, T, V) and the final recurrent state."""
        e = self.embedding(x)                        # (B, T, C)
        h, state = self.rnn(e, state)                # (B, T, H)
        return self.head(h), state                   # (B, T, V)

    @torch.no_grad()
    def generate(self, prompt: Tensor, n_new: int, *, temperature: float = 1.0,
                 top_k: int | None = None, top_p: float | None = None,
                 generator: torch.Generator | None = None) -> Tensor:
        """Continue ``prompt`` (B, T0) by ``n_new`` ids sampled from softmax(logits / temperature),
        optionally among the ``top_k`` most likely or the ``top_p`` nucleus only (the filters
        of :mod:`dlfs.generate.sampling`); temperature 0 means greedy (argmax). Returns
        (B, T0 + n_new).

        The prompt is read once; after that each step feeds only the newest id together with
        the carried hidden state.
        """
        if prompt.dim() != 2 or prompt.shape[1] < 1:
            raise ValueError(f"generate: prompt must be (B, T0) with T0 >= 1, got "
                             f"{tuple(prompt.shape)}")
        if temperature < 0:
            raise ValueError(f"generate: temperature must be >= 0, got {temperature}")
        with eval_mode(self):
            logits, state = self(prompt)                         # (B, T0, V)
            out = [prompt]
            for _ in range(n_new):
                nxt = choose_next(logits[:, -1], temperature=temperature, top_k=top_k,
                                  top_p=top_p, generator=generator)   # (B, 1)
                out.append(nxt)
                logits, state = self(nxt, state)                 # (B, 1, V)
        return torch.cat(out, dim=1)                             # (B, T0 + n_new)
