"""Recipe: character-level RNN/LSTM/GRU language models on Python's help topics.

    text --CharTokenizer--> ids --SeqDataLoader (random partitioning)--> (X, Y) (B, T)
         --fit (gradient clipping)--> CharRNN --generate (temperature)--> text

Library pieces only: corpus and tokenizer (``dlfs.data.text``), LM batching
(``dlfs.data.text.batching``), the model (``dlfs.models.charrnn``), Adam (``dlfs.optim``),
the loop with checkpoints and TensorBoard (``dlfs.train.fit``). `dlfs train charrnn` calls
:func:`cmd_train_charrnn`; the lesson ``charrnn-lm`` calls :func:`train_charrnn`.
Perplexity = exp(mean next-character cross-entropy) on the validation split.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..data.text import CharTokenizer, load_corpus
from ..data.text.batching import SeqDataLoader
from ..errors import DlfsError
from ..models.charrnn import CELLS, CharRNN
from ..nn import functional as F
from ..optim import SGD, Adam
from ..train import Callback, PeriodicEval, ProgressBar, fit
from .cli import options_from_args

__all__ = ["CharRNNRecipe", "CharRNNRun", "GradNormRecorder", "QUICK", "cmd_train_charrnn",
           "perplexity", "train_charrnn"]


@dataclass(frozen=True)
class CharRNNRecipe:
    """One character-LM run. Defaults: a 1-layer width-256 LSTM, 35-character windows."""

    cell: str = "lstm"
    hidden: int = 256
    layers: int = 1
    num_steps: int = 35
    batch_size: int = 32
    max_steps: int = 1500
    lr: float = 2e-3
    optimizer: str = "adam"            # or "sgd" (plain SGD: exploding gradients show)
    grad_clip: float | None = 1.0
    eval_every: int = 100
    eval_batches: int = 8
    data: str = "help"
    max_chars: int | None = None
    seed: int = 0
    out_dir: str = "runs/charrnn"
    resume: bool = False
    prompt: str = "The "
    sample_chars: int = 300
    temperature: float = 0.8

    def __post_init__(self) -> None:
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"CharRNNRecipe: optimizer must be 'adam' or 'sgd', got "
                             f"{self.optimizer!r}")
        if self.cell not in CELLS:
            raise ValueError(f"CharRNNRecipe: cell must be one of {sorted(CELLS)}, got "
                             f"{self.cell!r}")
        for name in ("hidden", "layers", "num_steps", "batch_size", "max_steps", "eval_every",
                     "eval_batches"):
            if getattr(self, name) < 1:
                raise ValueError(f"CharRNNRecipe: {name} must be >= 1, got "
                                 f"{getattr(self, name)}")


#: `--quick`: the whole pipeline in a few seconds (what the tests and lessons use)
QUICK = {"hidden": 64, "max_steps": 40, "eval_every": 20, "eval_batches": 2,
         "batch_size": 16, "num_steps": 20, "max_chars": 60_000, "sample_chars": 60}


def perplexity(loss: float) -> float:
    """exp(mean cross-entropy in nats).

    >>> round(perplexity(math.log(4.0)), 6)   # as unsure as a uniform pick among 4
    4.0
    """
    return math.exp(loss)


@torch.no_grad()
def estimate_loss(model: CharRNN, ids: torch.Tensor, recipe: CharRNNRecipe) -> float:
    """Mean next-character loss over evenly spaced windows of ``ids`` (eval mode, fresh state)."""
    T, n = recipe.num_steps, recipe.eval_batches * recipe.batch_size
    starts = torch.linspace(0, len(ids) - T - 1, n).long()          # (n,)
    index = starts[:, None] + torch.arange(T)                       # (n, T)
    was_training = model.training
    model.eval()
    losses = []
    for rows in index.split(recipe.batch_size):
        logits, _ = model(ids[rows])                                # (B, T, V)
        losses.append(F.cross_entropy(logits.reshape(-1, model.vocab_size),
                                      ids[rows + 1].reshape(-1)).item())
    model.train(was_training)
    return sum(losses) / len(losses)


class GradNormRecorder(Callback):
    """Records the global gradient L2 norm of every step *before* clipping
    (``on_backward_end`` runs before the trainer clips)."""

    def __init__(self) -> None:
        self.norms: list[float] = []

    def on_backward_end(self, trainer: Any) -> None:
        grads = [p.grad.detach().flatten() for p in trainer.model.parameters()
                 if p.grad is not None]
        self.norms.append(float(torch.cat(grads).norm()))


@dataclass
class CharRNNRun:
    """What :func:`train_charrnn` returns."""

    model: CharRNN
    tokenizer: CharTokenizer
    evals: list[list[float]]       # [step, mean train loss since last eval, val loss]
    grad_norms: list[float]        # global gradient norm of each step, before clipping
    seconds: float
    sample: str

    @property
    def val_perplexity(self) -> float:
        return perplexity(self.evals[-1][2])


def prepare(recipe: CharRNNRecipe) -> tuple[CharTokenizer, torch.Tensor, torch.Tensor]:
    """Tokenizer over the whole corpus, and the train and validation id streams (N,)."""
    corpus = load_corpus(recipe.data, max_chars=recipe.max_chars)
    tokenizer = CharTokenizer.from_text(corpus.text)

    def encode(text: str) -> torch.Tensor:
        return torch.tensor(tokenizer.encode(text), dtype=torch.long)    # (N,)
    return tokenizer, encode(corpus.split("train")), encode(corpus.split("val"))


def train_charrnn(recipe: CharRNNRecipe, *, callbacks: Sequence[Callback] = (),
                  report: Callable[[int, float, float, float], None] | None = None,
                  checkpoints: bool = True) -> CharRNNRun:
    """Train one CharRNN per ``recipe`` (checkpoints and TensorBoard under ``out_dir`` when
    ``checkpoints``), then sample ``sample_chars`` characters from ``prompt``."""
    tokenizer, train_ids, val_ids = prepare(recipe)
    torch.manual_seed(recipe.seed)
    model = CharRNN(tokenizer.vocab_size, recipe.hidden, recipe.layers, recipe.cell)
    loader = SeqDataLoader(train_ids, recipe.batch_size, recipe.num_steps, seed=recipe.seed)
    V = tokenizer.vocab_size
    norms = GradNormRecorder()
    evaluator = PeriodicEval(recipe.eval_every,
                             lambda m: estimate_loss(m, val_ids, recipe), report)
    out = Path(recipe.out_dir) / recipe.cell
    files = {"checkpoint_dir": str(out / "checkpoints"), "log_dir": str(out / "tensorboard"),
             "checkpoint_every": recipe.eval_every, "resume": recipe.resume} if checkpoints else {}
    start = time.perf_counter()
    opt = (Adam if recipe.optimizer == "adam" else SGD)(model.parameters(), lr=recipe.lr)
    fit(model, loader, optimizer=opt,
        loss_fn=lambda logits, y: F.cross_entropy(logits.reshape(-1, V), y.reshape(-1)),
        forward=lambda m, batch: (m(batch[0])[0], batch[1]),
        callbacks=[norms, evaluator, *callbacks], max_steps=recipe.max_steps, device="cpu",
        clip_grad_norm=recipe.grad_clip, seed=recipe.seed, **files)
    seconds = time.perf_counter() - start
    prompt = recipe.prompt if all(c in tokenizer.stoi for c in recipe.prompt) else "\n"
    ids = torch.tensor([tokenizer.encode(prompt)], dtype=torch.long)
    out_ids = model.generate(ids, recipe.sample_chars, temperature=recipe.temperature,
                             generator=torch.Generator().manual_seed(recipe.seed))
    return CharRNNRun(model, tokenizer, evaluator.evals, norms.norms, seconds,
                      tokenizer.decode(out_ids[0].tolist()))


def _recipes_from_args(args: argparse.Namespace) -> list[CharRNNRecipe]:
    mapping = {"steps": "max_steps", "data": "data", "out": "out_dir", "resume": "resume",
               "prompt": "prompt", "sample_tokens": "sample_chars", "seed": "seed",
               "batch_size": "batch_size", "block_size": "num_steps", "layers": "layers",
               "width": "hidden", "lr": "lr", "eval_every": "eval_every"}
    changes = options_from_args(args, mapping, QUICK)
    cell = getattr(args, "cell", None) or "lstm"
    cells = sorted(CELLS) if cell == "all" else [cell]
    try:
        return [dataclasses.replace(CharRNNRecipe(), cell=c, **changes) for c in cells]
    except ValueError as exc:
        raise DlfsError(str(exc)) from exc


def cmd_train_charrnn(args: argparse.Namespace) -> int:
    """`dlfs train charrnn [--cell rnn|lstm|gru|all] [--quick]`: train, report perplexity,
    sample. All printing of the recipe happens here."""
    recipes = _recipes_from_args(args)
    first = recipes[0]
    tokenizer, train_ids, val_ids = prepare(first)
    print(f"dlfs train charrnn: character language models on {first.data!r}"
          f"{' (quick smoke run)' if args.quick else ''}; vocabulary {tokenizer.vocab_size}, "
          f"train {len(train_ids):,} / val {len(val_ids):,} characters", flush=True)
    results = []
    for recipe in recipes:
        print(f"\n[{recipe.cell}] {recipe.layers} layer(s), hidden {recipe.hidden}, "
              f"{recipe.max_steps} steps of {recipe.batch_size} x {recipe.num_steps} chars, "
              f"clip {recipe.grad_clip}; checkpoints in {recipe.out_dir}/{recipe.cell}",
              flush=True)

        def report(step: float, train: float, val: float, seconds: float) -> None:
            print(f"  step {int(step):>5}  train loss {train:.3f}  val loss {val:.3f}  "
                  f"val perplexity {perplexity(val):7.2f}", flush=True)

        run = train_charrnn(recipe, report=report, callbacks=[ProgressBar()])  # TTY only
        results.append((recipe.cell, run))
        print(f"  done in {run.seconds:.1f}s; max gradient norm before clipping "
              f"{max(run.grad_norms):.2f}")
        print(f"  --- sample (temperature {recipe.temperature}) ---\n{run.sample}\n  ---")
    print("\nvalidation perplexity: " + ", ".join(f"{cell} {run.val_perplexity:.2f}"
                                                  for cell, run in results))
    return 0
