"""Recipe: the GRU encoder-decoder (with or without Bahdanau attention) on the date task:
normalize dates ("3 de marzo de 2021" -> "2021-03-03").

Library pieces only: the task (``dlfs.data.text.dates``), the model
(``dlfs.models.seq2seq``), the loop (``dlfs.train.fit``, teacher forcing, gradient clipping),
and the metrics (exact match, ``dlfs.metrics.bleu`` on characters). Used by the lesson
``seq2seq-attention`` and by ``benchmarks/bench_seq2seq_dates.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..data import DataLoader
from ..data.text.dates import DateTask, make_date_task
from ..metrics import corpus_bleu
from ..models.seq2seq import Seq2Seq
from ..nn import functional as F
from ..optim import Adam
from ..runtime import eval_mode
from ..train import Callback, History, fit

__all__ = ["DateEval", "DateRecipe", "evaluate_dates", "train_date_model"]

TARGET_LEN = 11          # "YYYY-MM-DD" + <eos>


@dataclass(frozen=True)
class DateRecipe:
    """One date-normalization run (defaults: the benchmark's full run)."""

    attention: bool = True
    embed: int = 32
    hidden: int = 128
    n_train: int = 20_000
    n_test: int = 2_000
    batch_size: int = 64
    max_steps: int = 2_000
    lr: float = 3e-3
    grad_clip: float = 1.0
    seed: int = 0

    def task(self) -> DateTask:
        return make_date_task(self.n_train, self.n_test, seed=self.seed)


@dataclass
class DateEval:
    """Scores on a list of pairs and the decoded strings."""

    exact_match: float                 # share of outputs equal to the target string
    char_bleu: float                   # corpus BLEU-4 over characters
    predictions: list[str]
    weights: list[torch.Tensor] | None  # per pair (T, S_i) attention weights, or None


def train_date_model(recipe: DateRecipe, task: DateTask | None = None,
                     callbacks: list[Callback] | None = None) -> tuple[Seq2Seq, History]:
    """Train a :class:`Seq2Seq` on ``task.train`` with teacher forcing."""
    task = task or recipe.task()
    torch.manual_seed(recipe.seed)
    model = Seq2Seq(len(task.vocab), recipe.embed, recipe.hidden, recipe.attention)
    loader = DataLoader(task.train, batch_size=recipe.batch_size, shuffle=True,
                        drop_last=True, collate_fn=lambda pairs: tuple(task.batch(pairs)),
                        generator=torch.Generator().manual_seed(recipe.seed))
    V, pad = len(task.vocab), task.vocab.PAD

    def loss_fn(logits: torch.Tensor, tgt_out: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits.reshape(-1, V), tgt_out.reshape(-1), ignore_index=pad)

    def forward(m: Any, b: tuple) -> tuple[torch.Tensor, torch.Tensor]:
        src, src_lengths, tgt_in, tgt_out = b     # a plain tuple: the trainer moves tuples
        return m(src, src_lengths, tgt_in)[0], tgt_out                # (B, T, V), (B, T)

    history = fit(model, loader, loss_fn=loss_fn, forward=forward,
                  optimizer=Adam(model.parameters(), lr=recipe.lr), callbacks=callbacks or (),
                  max_steps=recipe.max_steps, clip_grad_norm=recipe.grad_clip, device="cpu",
                  seed=recipe.seed)
    return model, history


def evaluate_dates(model: Seq2Seq, task: DateTask, pairs: list[tuple[str, str]],
                   batch_size: int = 500) -> DateEval:
    """Greedy-decode every source of ``pairs`` (in eval mode); exact match and character
    BLEU-4."""
    predictions: list[str] = []
    weights: list[torch.Tensor] = []
    with eval_mode(model):
        for i in range(0, len(pairs), batch_size):
            b = task.batch(pairs[i:i + batch_size])
            ids, a = model.greedy_decode(b.src, b.src_lengths, TARGET_LEN, task.vocab.BOS,
                                         task.vocab.EOS)             # (B, T), (B, T, S)
            predictions += [task.vocab.decode(row) for row in ids.tolist()]
            if a is not None:
                weights += [w[:, :n] for w, n in zip(a, b.src_lengths.tolist())]  # (T, S_i)
    targets = [t for _, t in pairs]
    exact = sum(p == t for p, t in zip(predictions, targets)) / len(pairs)
    bleu = corpus_bleu([list(p) for p in predictions], [[list(t)] for t in targets])
    return DateEval(exact, bleu, predictions, weights or None)
