"""Batches for sequence models: language-model minibatches cut from one token stream, and
padding with masks for batches of sequences of different lengths.

A language model reads a long stream of token ids ``corpus`` (N,) and learns to predict
each next token, so every minibatch is a pair (X, Y) of shape (B, T) with Y = X shifted
by one position.

:class:`TokenWindows` is the data set of every such window (item i starts at token i); a
DataLoader shuffles it into batches (the GPT recipe), and :meth:`TokenWindows.spaced` picks
a fixed set of evenly spaced windows (the validation loss of both language-model recipes).
For models that carry a state, two ways to cut the stream into pieces (as in d2l, "Dive
into Deep Learning"):

* **random partitioning**: drop a random offset of 0..T-1 tokens at the start, cut the rest
  into non-overlapping length-T pieces and put the pieces into batches in random order.
  Neighbouring rows of consecutive batches are unrelated, so the hidden state must be
  reset for every batch.
* **sequential partitioning**: after the random offset, lay the stream out as B parallel
  rows and walk along them T columns at a time. Row b of batch i+1 continues row b of batch
  i exactly, so an RNN may carry (a detached copy of) its hidden state from one batch to the
  next.

A random offset per epoch means different epochs see the stream cut at different places.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch import Tensor

from ..dataset import Dataset

__all__ = ["SeqDataLoader", "TokenWindows", "pad_sequences", "seq_data_iter_random",
           "seq_data_iter_sequential"]


class TokenWindows(Dataset):
    """Every window of ``block_size + 1`` consecutive tokens: item i is
    (x, y) = (ids[i : i+T], ids[i+1 : i+T+1]), so y is x shifted by one (the next tokens).

    >>> windows = TokenWindows(torch.arange(10), block_size=4)
    >>> len(windows), [t.tolist() for t in windows[2]]
    (6, [[2, 3, 4, 5], [3, 4, 5, 6]])
    """

    def __init__(self, ids: Tensor, block_size: int):
        if ids.dim() != 1 or len(ids) <= block_size:
            raise ValueError(f"TokenWindows: need a 1-D id tensor longer than block_size "
                             f"{block_size}, got shape {tuple(ids.shape)}")
        self.ids, self.block_size = ids, block_size

    def __len__(self) -> int:
        return len(self.ids) - self.block_size

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        chunk = self.ids[i:i + self.block_size + 1]          # (T + 1,)
        return chunk[:-1], chunk[1:]                          # (T,), (T,)

    def spaced(self, n: int, batch_size: int) -> Iterator[tuple[Tensor, Tensor]]:
        """``n`` windows at evenly spaced starts from the first to the last, stacked into
        batches of ``batch_size``: yields (x, y), each (B, T). The same windows every call,
        so losses measured on them at different steps compare.

        >>> [x[:, 0].tolist() for x, _ in TokenWindows(torch.arange(14), 4).spaced(3, 2)]
        [[0, 4], [9]]
        """
        starts = torch.linspace(0, len(self) - 1, n).long()           # (n,)
        for batch in starts.split(batch_size):
            xs, ys = zip(*(self[s] for s in batch.tolist()))
            yield torch.stack(xs), torch.stack(ys)                     # (B, T), (B, T)


def _as_ids(corpus: Sequence[int] | Tensor) -> Tensor:
    ids = torch.as_tensor(corpus, dtype=torch.long)
    if ids.dim() != 1:
        raise ValueError(f"corpus: expected a 1-D sequence of token ids, got shape "
                         f"{tuple(ids.shape)}")
    return ids


def _offset(num_steps: int, generator: torch.Generator | None) -> int:
    return int(torch.randint(num_steps, (1,), generator=generator))


def seq_data_iter_random(corpus: Sequence[int] | Tensor, batch_size: int, num_steps: int,
                         generator: torch.Generator | None = None
                         ) -> Iterator[tuple[Tensor, Tensor]]:
    """Random partitioning: yields (X, Y), both (B, T) = (batch_size, num_steps), Y[:, t] =
    X[:, t + 1] in the stream. Each length-T piece after a random offset appears once.

    >>> batches = list(seq_data_iter_random(range(12), 2, 3, torch.Generator().manual_seed(0)))
    >>> [tuple(x.shape) for x, _ in batches]
    [(2, 3)]
    >>> all(bool((y == x + 1).all()) for x, y in batches)
    True
    """
    ids = _as_ids(corpus)
    ids = ids[_offset(num_steps, generator):]
    n_pieces = (len(ids) - 1) // num_steps                   # Y needs one token more
    starts = torch.arange(n_pieces) * num_steps              # (n_pieces,)
    starts = starts[torch.randperm(n_pieces, generator=generator)]
    steps = torch.arange(num_steps)                          # (T,)
    for i in range(n_pieces // batch_size):
        s = starts[i * batch_size:(i + 1) * batch_size]      # (B,)
        index = s[:, None] + steps                           # (B, T)
        yield ids[index], ids[index + 1]


def seq_data_iter_sequential(corpus: Sequence[int] | Tensor, batch_size: int, num_steps: int,
                             generator: torch.Generator | None = None
                             ) -> Iterator[tuple[Tensor, Tensor]]:
    """Sequential partitioning: yields (X, Y), both (B, T); row b of batch i+1 starts where
    row b of batch i ended, so hidden states may be carried between batches.

    >>> it = seq_data_iter_sequential(range(13), 2, 3)   # no generator: offset 0
    >>> x, y = next(it); x.tolist(), y.tolist()
    ([[0, 1, 2], [6, 7, 8]], [[1, 2, 3], [7, 8, 9]])
    >>> next(it)[0].tolist()
    [[3, 4, 5], [9, 10, 11]]
    """
    ids = _as_ids(corpus)
    offset = _offset(num_steps, generator) if generator is not None else 0
    n_cols = ((len(ids) - offset - 1) // batch_size // num_steps) * num_steps
    n_tokens = n_cols * batch_size            # every one of these is used exactly once
    xs = ids[offset:offset + n_tokens].reshape(batch_size, -1)          # (B, L)
    ys = ids[offset + 1:offset + 1 + n_tokens].reshape(batch_size, -1)  # (B, L)
    for i in range(n_cols // num_steps):
        cols = slice(i * num_steps, (i + 1) * num_steps)
        yield xs[:, cols], ys[:, cols]                                   # (B, T), (B, T)


class SeqDataLoader:
    """Iterable of (X, Y) language-model batches over ``corpus``; a new random offset and
    order each pass. Has ``generator`` and ``__len__``, so ``dlfs.train.fit`` can re-seed it
    per epoch and resume mid-epoch.

    >>> loader = SeqDataLoader(range(100), batch_size=4, num_steps=5, sequential=True)
    >>> len(loader), tuple(next(iter(loader))[0].shape)
    (4, (4, 5))
    """

    def __init__(self, corpus: Sequence[int] | Tensor, batch_size: int, num_steps: int, *,
                 sequential: bool = False, seed: int = 0):
        if batch_size < 1 or num_steps < 1:
            raise ValueError(f"SeqDataLoader: batch_size and num_steps must be >= 1, got "
                             f"{batch_size}, {num_steps}")
        self.ids = _as_ids(corpus)
        if len(self.ids) < batch_size * num_steps + num_steps + 1:
            raise ValueError(f"SeqDataLoader: corpus of {len(self.ids)} tokens is too short "
                             f"for batches of {batch_size} x {num_steps}")
        self.batch_size, self.num_steps, self.sequential = batch_size, num_steps, sequential
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        """Batches per pass, for the worst-case offset (T - 1), so every pass has as many."""
        usable = len(self.ids) - (self.num_steps - 1) - 1
        if self.sequential:
            return (usable // self.batch_size) // self.num_steps
        return (usable // self.num_steps) // self.batch_size

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        make = seq_data_iter_sequential if self.sequential else seq_data_iter_random
        batches = make(self.ids, self.batch_size, self.num_steps, self.generator)
        for _, batch in zip(range(len(self)), batches):
            yield batch


def pad_sequences(sequences: Sequence[Sequence[int]], pad_id: int
                  ) -> tuple[Tensor, Tensor, Tensor]:
    """Right-pad id lists to one length: returns ``padded`` (B, T) int64 with
    T = the longest length, ``lengths`` (B,) int64 and ``mask`` (B, T) bool, True on real
    tokens (``mask[b, t] = t < lengths[b]``).

    >>> padded, lengths, mask = pad_sequences([[5, 6, 7], [8]], pad_id=0)
    >>> padded.tolist(), lengths.tolist(), mask.int().tolist()
    ([[5, 6, 7], [8, 0, 0]], [3, 1], [[1, 1, 1], [1, 0, 0]])
    """
    if len(sequences) == 0:
        raise ValueError("pad_sequences: got no sequences")
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)   # (B,)
    T = int(lengths.max())
    padded = torch.full((len(sequences), T), pad_id, dtype=torch.long)     # (B, T)
    for b, seq in enumerate(sequences):
        padded[b, :len(seq)] = torch.as_tensor(list(seq), dtype=torch.long)
    mask = torch.arange(T)[None, :] < lengths[:, None]                       # (B, T)
    return padded, lengths, mask
