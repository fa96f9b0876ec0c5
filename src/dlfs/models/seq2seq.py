"""GRU encoder-decoder for sequence-to-sequence tasks, with or without Bahdanau attention.

Encoder: ids (B, S) -> Embedding -> GRU (packed, so padding never enters the state)
    -> outputs h_1..h_S (B, S, H) and the final state h_S (B, H).

Decoder, one step t (the same code for training and for decoding)::

    without attention:  c_t = h_S                                   the whole source in one vector
    with attention:     e_ti = v^T tanh(W s_{t-1} + U h_i)          additive score (B, S)
                        a_ti = softmax_i(e_ti)  (padding masked)     weights, sum_i a_ti = 1
                        c_t  = sum_i a_ti h_i                        context (B, H)
    s_t = GRUCell([emb(y_{t-1}); c_t], s_{t-1}),   s_0 = h_S
    logits_t = Linear([s_t; c_t])                                    (B, V)

Training feeds the true previous token y_{t-1} (teacher forcing); :meth:`Seq2Seq.greedy_decode`
feeds the model's own argmax. Bahdanau, Cho & Bengio (2015) introduced the additive score.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .. import nn
from ..nn import functional as F

__all__ = ["AdditiveAttention", "Memory", "Seq2Seq"]


class AdditiveAttention(nn.Module):
    """score(s, h) = v^T tanh(W s + U h); weights = masked softmax over the S keys.

    >>> attn = AdditiveAttention(query_size=4, key_size=6, attn_size=5)
    >>> ctx, w = attn(torch.randn(2, 4), torch.randn(2, 3, 6),
    ...               mask=torch.tensor([[True, True, False], [True, True, True]]))
    >>> tuple(ctx.shape), w[0, 2].item(), torch.allclose(w.sum(-1), torch.ones(2))
    ((2, 6), 0.0, True)
    """

    def __init__(self, query_size: int, key_size: int, attn_size: int):
        super().__init__()
        self.W = nn.Linear(query_size, attn_size, bias=False)
        self.U = nn.Linear(key_size, attn_size, bias=False)
        self.v = nn.Linear(attn_size, 1, bias=False)

    def project_keys(self, keys: Tensor) -> Tensor:
        """U h for all keys at once (B, S, Dk) -> (B, S, A); reuse it for every decoder step."""
        return self.U(keys)

    def forward(self, query: Tensor, keys: Tensor, mask: Tensor | None = None,
                projected_keys: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """query s (B, Dq), keys h (B, S, Dk) (also the values), mask (B, S) True on real
        positions -> context (B, Dk), weights (B, S)."""
        Uh = self.U(keys) if projected_keys is None else projected_keys      # (B, S, A)
        Ws = self.W(query)[:, None, :]                                        # (B, 1, A)
        e = self.v(torch.tanh(Ws + Uh)).squeeze(-1)                           # (B, S)
        if mask is not None:
            e = e.masked_fill(~mask, float("-inf"))
        a = F.softmax(e, dim=-1)                                              # (B, S)
        c = (a[:, :, None] * keys).sum(1)                                     # (B, Dk)
        return c, a


class Memory(NamedTuple):
    """What the encoder hands the decoder."""

    outputs: Tensor        # (B, S, H) h_1..h_S, zeros at padding
    projected: Tensor      # (B, S, A) U h_i (attention only; else an empty tensor)
    mask: Tensor           # (B, S) True on real source positions
    final: Tensor          # (B, H) h_S of each sequence (its true last position)


class Seq2Seq(nn.Module):
    """Char-level GRU encoder-decoder; ``attention=True`` adds Bahdanau attention.

    >>> model = Seq2Seq(vocab_size=12, embed=8, hidden=16, attention=True)
    >>> src, lengths = torch.randint(3, 12, (2, 5)), torch.tensor([5, 3])
    >>> logits, weights = model(src, lengths, torch.randint(3, 12, (2, 4)))
    >>> tuple(logits.shape), tuple(weights.shape)
    ((2, 4, 12), (2, 4, 5))
    """

    def __init__(self, vocab_size: int, embed: int = 32, hidden: int = 128,
                 attention: bool = True, pad_id: int = 0):
        super().__init__()
        self.vocab_size, self.hidden, self.attention, self.pad_id = (vocab_size, hidden,
                                                                     attention, pad_id)
        self.src_embedding = nn.Embedding(vocab_size, embed, padding_idx=pad_id)
        self.encoder = nn.GRU(embed, hidden, batch_first=True)
        self.tgt_embedding = nn.Embedding(vocab_size, embed, padding_idx=pad_id)
        self.attn = AdditiveAttention(hidden, hidden, hidden) if attention else None
        self.cell = nn.GRUCell(embed + hidden, hidden)
        self.out = nn.Linear(2 * hidden, vocab_size)

    def encode(self, src: Tensor, src_lengths: Tensor) -> Memory:
        """src (B, S) ids, src_lengths (B,) -> :class:`Memory`."""
        x = self.src_embedding(src)                                           # (B, S, E)
        packed = pack_padded_sequence(x, src_lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        out, h_n = self.encoder(packed)
        out, _ = pad_packed_sequence(out, batch_first=True,
                                     total_length=src.shape[1])               # (B, S, H)
        mask = torch.arange(src.shape[1], device=src.device)[None] < src_lengths[:, None]
        projected = self.attn.project_keys(out) if self.attn is not None else out[:, :0]
        return Memory(out, projected, mask.to(src.device), h_n[0])           # h_n: (1, B, H)

    def step(self, y_prev: Tensor, s: Tensor, memory: Memory
             ) -> tuple[Tensor, Tensor, Tensor | None]:
        """One decoder step: y_prev (B,) ids, s (B, H) -> logits (B, V), new s (B, H),
        attention weights (B, S) or None."""
        if self.attn is not None:
            c, a = self.attn(s, memory.outputs, memory.mask, memory.projected)  # (B, H), (B, S)
        else:
            c, a = memory.final, None                                          # (B, H)
        e = self.tgt_embedding(y_prev)                                         # (B, E)
        s = self.cell(torch.cat([e, c], dim=-1), s)                            # (B, H)
        return self.out(torch.cat([s, c], dim=-1)), s, a                       # (B, V)

    def forward(self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor
                ) -> tuple[Tensor, Tensor | None]:
        """Teacher forcing: tgt_in (B, T) = <bos> + target -> logits (B, T, V) and the
        attention weights (B, T, S) (None without attention)."""
        memory = self.encode(src, src_lengths)
        s = memory.final
        logits, weights = [], []
        for t in range(tgt_in.shape[1]):
            step_logits, s, a = self.step(tgt_in[:, t], s, memory)
            logits.append(step_logits)
            weights.append(a)
        attn = torch.stack(weights, 1) if self.attn is not None else None     # (B, T, S)
        return torch.stack(logits, 1), attn                                   # (B, T, V)

    def loss(self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor, tgt_out: Tensor
             ) -> Tensor:
        """Mean cross-entropy of the next target token, padding ignored."""
        logits, _ = self(src, src_lengths, tgt_in)                            # (B, T, V)
        return F.cross_entropy(logits.reshape(-1, self.vocab_size), tgt_out.reshape(-1),
                               ignore_index=self.pad_id)

    @torch.no_grad()
    def greedy_decode(self, src: Tensor, src_lengths: Tensor, max_len: int, bos: int,
                      eos: int) -> tuple[Tensor, Tensor | None]:
        """Feed back the argmax for ``max_len`` steps -> ids (B, max_len) (positions after a
        row's <eos> are set to <eos>) and weights (B, max_len, S) or None."""
        memory = self.encode(src, src_lengths)
        s = memory.final
        y = torch.full((src.shape[0],), bos, dtype=torch.long, device=src.device)  # (B,)
        done = torch.zeros_like(y, dtype=torch.bool)
        ids, weights = [], []
        for _ in range(max_len):
            logits, s, a = self.step(y, s, memory)
            y = logits.argmax(-1).masked_fill(done, eos)                       # (B,)
            done |= y == eos
            ids.append(y)
            weights.append(a)
        attn = torch.stack(weights, 1) if self.attn is not None else None     # (B, T, S)
        return torch.stack(ids, 1), attn                                      # (B, T)
