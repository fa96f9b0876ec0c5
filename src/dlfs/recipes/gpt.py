"""The capstone recipe: train the from-scratch GPT on a text corpus, then sample from it.

    text --tokenizer--> ids --windows of T+1--> (x, y) batches --fit--> GPT --generate--> text

Everything is a library piece: the corpus and tokenizers (``dlfs.data.text``), the
windows and the DataLoader (``dlfs.data``), the model (``dlfs.models.GPT``), AdamW and the LR
schedule (``dlfs.optim``), the loop with checkpoints and TensorBoard (``dlfs.train.fit``) and
the decoding (``dlfs.generate``). This file only wires them together: :func:`train_gpt` for
code, :func:`run_gpt` for ``dlfs train gpt`` (options generated from :class:`GPTRecipe`).
Sampling a saved run later (``dlfs sample``) is :mod:`dlfs.recipes.sampling`.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch

from ..data import DataLoader
from ..data.text import ByteBPETokenizer, CharTokenizer, load_corpus
from ..data.text.batching import TokenWindows
from ..models import GPT, GPTConfig
from ..optim import AdamW
from ..optim.lr_scheduler import LambdaLR, warmup_cosine_factor
from ..train import Callback, PeriodicEval, fit
from .lm import estimate_loss, lm_forward, next_token_loss
from .options import check_choices, command_line, replace_nested
from .registry import RecipeCommand
from .sampling import SamplingConfig, sample_text

__all__ = ["COMMAND", "QUICK", "GPTRecipe", "GPTRun", "PreparedText", "build_model",
           "prepare_text", "run_gpt", "train_gpt"]

Tokenizer = CharTokenizer | ByteBPETokenizer


@dataclass(frozen=True)
class GPTRecipe:
    """Everything that defines a capstone run. Defaults: the ~0.8 M-parameter character
    model of :class:`GPTConfig` (4 layers, 4 heads, width 128, context 64), batches of 12,
    on Python's help topics."""

    data: str = field(default="help", metadata={
        "help": "the text: 'help' (Python's help topics), 'stdlib' (its source code) or "
                "a UTF-8 text file", "metavar": "CORPUS"})
    tokenizer: Literal["char", "bpe"] = field(default="char", metadata={
        "help": "characters, or byte-level BPE merges learned on the training split"})
    bpe_vocab_size: int = field(default=512, metadata={
        "help": "vocabulary size of the BPE tokenizer"})
    model: GPTConfig = field(default_factory=GPTConfig, metadata={
        "help": "the network; vocab_size comes from the tokenizer"})
    batch_size: int = field(default=12, metadata={"help": "windows per optimizer step"})
    max_steps: int = field(default=3000, metadata={
        "help": "optimizer steps; the default takes about 4 minutes on 2 CPU cores",
        "aliases": ("--steps",)})
    lr: float = field(default=1e-3, metadata={"help": "peak learning rate (AdamW)"})
    min_lr: float = field(default=1e-4, metadata={
        "help": "learning rate at the end of the cosine decay"})
    warmup_steps: int = field(default=100, metadata={"help": "steps of linear warm-up"})
    weight_decay: float = field(default=0.1, metadata={
        "help": "AdamW weight decay of the matrices and embeddings (not biases, gains)"})
    grad_clip: float | None = field(default=1.0, metadata={
        "help": "clip the global gradient norm to this"})
    amp: Literal["bf16"] | None = field(default=None, metadata={
        "help": "bfloat16 autocast on the CPU"})
    eval_every: int = field(default=250, metadata={
        "help": "steps between validation losses (and checkpoints)"})
    eval_batches: int = field(default=20, metadata={
        "help": "batches of validation windows per validation loss"})
    seed: int = field(default=1337, metadata={
        "help": "seed of the initialization, the batch order and the final sample"})
    out_dir: str = field(default="runs/gpt", metadata={
        "help": "run directory: checkpoints, TensorBoard logs, run.json",
        "aliases": ("--out",), "metavar": "DIR"})
    resume: bool = field(default=False, metadata={
        "help": "continue from the newest checkpoint in the run directory"})
    explain_shapes: bool = field(default=False, metadata={
        "help": "first print every tensor's shape in one forward pass"})
    sample: SamplingConfig = field(default_factory=SamplingConfig, metadata={
        "prefix": "sample_", "help": "the sample printed at the end (`dlfs sample` later)"})

    def __post_init__(self) -> None:
        check_choices(self)
        for name in ("bpe_vocab_size", "batch_size", "max_steps", "eval_every",
                     "eval_batches"):
            if getattr(self, name) < 1:
                raise ValueError(f"GPTRecipe: {name} must be >= 1, got {getattr(self, name)}")
        if not 0 < self.min_lr <= self.lr:
            raise ValueError(f"GPTRecipe: need 0 < min_lr <= lr, got {self.min_lr}, {self.lr}")

    def model_config(self, vocab_size: int) -> GPTConfig:
        """The model config with the tokenizer's vocabulary size filled in."""
        return dataclasses.replace(self.model, vocab_size=vocab_size)


#: `--quick`: a smoke run of the whole pipeline in seconds (what the tests use).
QUICK = {"max_steps": 30, "eval_every": 15, "eval_batches": 2, "model.n_layer": 2,
         "model.n_embd": 64, "sample.tokens": 60}


def build_tokenizer(recipe: GPTRecipe, train_text: str) -> Tokenizer:
    """Character vocabulary of the whole corpus, or BPE merges learned on the train split."""
    if recipe.tokenizer == "bpe":
        return ByteBPETokenizer.train(train_text, recipe.bpe_vocab_size)
    return CharTokenizer.from_text(train_text)


def warmup_cosine(recipe: GPTRecipe) -> Callable[[int], float]:
    """LR multiplier: linear warm-up, then cosine decay from lr to min_lr at max_steps."""
    return warmup_cosine_factor(recipe.warmup_steps, recipe.max_steps, recipe.min_lr / recipe.lr)


@dataclass
class GPTRun:
    """What :func:`train_gpt` returns."""

    model: GPT
    tokenizer: Tokenizer
    evals: list[list[float]]          # [step, mean train loss since last eval, val loss]
    seconds: float
    sample: str
    out_dir: Path
    prompt: str                       # the prompt the sample started from

    @property
    def val_loss(self) -> float:
        return self.evals[-1][2]


def _save_run_info(out_dir: Path, recipe: GPTRecipe, model_cfg: GPTConfig,
                   tokenizer: Tokenizer) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    info = {"recipe": dataclasses.asdict(recipe), "model": dataclasses.asdict(model_cfg),
            "tokenizer": tokenizer.to_dict()}
    (out_dir / "run.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")


@dataclass(frozen=True)
class PreparedText:
    """Tokenized corpus for a run."""

    description: str
    tokenizer: Tokenizer
    train_ids: torch.Tensor   # (N_train,)
    val_ids: torch.Tensor     # (N_val,)


def prepare_text(recipe: GPTRecipe) -> PreparedText:
    """Load the corpus, build the tokenizer, encode the train and validation splits."""
    corpus = load_corpus(recipe.data)
    train_text, val_text = corpus.split("train"), corpus.split("val")
    # A character vocabulary covers the whole corpus, so validation has no unknown symbol;
    # BPE merges are learned on the training split only (any text still encodes).
    tokenizer = build_tokenizer(recipe, corpus.text if recipe.tokenizer == "char" else
                                train_text)
    return PreparedText(corpus.describe(), tokenizer,
                        torch.tensor(tokenizer.encode(train_text), dtype=torch.long),
                        torch.tensor(tokenizer.encode(val_text), dtype=torch.long))


def usable_prompt(prompt: str, prepared: PreparedText) -> str:
    """``prompt`` if the tokenizer can encode it, else the first characters of the
    validation text (a character vocabulary built from a user's file may lack 'T')."""
    try:
        prepared.tokenizer.encode(prompt)
        return prompt
    except ValueError:
        return prepared.tokenizer.decode(prepared.val_ids[:4].tolist())


def build_model(recipe: GPTRecipe, vocab_size: int) -> GPT:
    """The recipe's GPT, initialized from ``recipe.seed``."""
    torch.manual_seed(recipe.seed)
    return GPT(recipe.model_config(vocab_size))


def train_gpt(recipe: GPTRecipe, *, prepared: PreparedText | None = None,
              callbacks: Sequence[Callback] = (),
              report: Callable[[int, float, float, float], None] | None = None) -> GPTRun:
    """Train per ``recipe``, checkpointing into ``<out_dir>/checkpoints`` (resumable), log to
    ``<out_dir>/tensorboard``, and sample ``recipe.sample.tokens`` tokens at the end."""
    prepared = prepared or prepare_text(recipe)
    tokenizer = prepared.tokenizer
    sampling = dataclasses.replace(recipe.sample,   # the prompt is checked before training
                                   prompt=usable_prompt(recipe.sample.prompt, prepared))
    model = build_model(recipe, tokenizer.vocab_size)
    out_dir = Path(recipe.out_dir)
    _save_run_info(out_dir, recipe, model.config, tokenizer)

    T = recipe.model.block_size
    loader = DataLoader(TokenWindows(prepared.train_ids, T),
                        batch_size=recipe.batch_size, shuffle=True, drop_last=True,
                        generator=torch.Generator().manual_seed(recipe.seed))
    decay = [p for p in model.parameters() if p.dim() >= 2]       # matrices and embeddings
    no_decay = [p for p in model.parameters() if p.dim() < 2]     # biases and norm gains
    optimizer = AdamW([{"params": decay, "weight_decay": recipe.weight_decay},
                       {"params": no_decay, "weight_decay": 0.0}],
                      lr=recipe.lr, betas=(0.9, 0.99))
    scheduler = LambdaLR(optimizer, warmup_cosine(recipe))
    val_windows = TokenWindows(prepared.val_ids, T)
    evaluator = PeriodicEval(recipe.eval_every, lambda m: estimate_loss(
        m, val_windows, batches=recipe.eval_batches, batch_size=recipe.batch_size), report)
    start = time.perf_counter()
    fit(model, loader, optimizer=optimizer, scheduler=scheduler, loss_fn=next_token_loss,
        forward=lm_forward, callbacks=[evaluator, *callbacks], max_steps=recipe.max_steps,
        device="cpu", clip_grad_norm=recipe.grad_clip, amp=recipe.amp, seed=recipe.seed,
        checkpoint_dir=str(out_dir / "checkpoints"), checkpoint_every=recipe.eval_every,
        log_dir=str(out_dir / "tensorboard"), resume=recipe.resume)
    seconds = time.perf_counter() - start
    text = sample_text(model, tokenizer, sampling, seed=sampling.seed_for(recipe.seed))
    return GPTRun(model, tokenizer, evaluator.evals, seconds, text, out_dir, sampling.prompt)


# ---- the command line: `dlfs train gpt` (all printing of the recipe happens here) ---------

def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{seconds % 60:04.1f}s"


def _explain_shapes(model: GPT, prepared: PreparedText, block_size: int) -> None:
    from ..models import format_trace

    x = prepared.train_ids[:block_size + 1]                              # (T + 1,)
    rows = model.explain(x[None, :-1].repeat(2, 1), x[None, 1:].repeat(2, 1))
    print(f"\nEvery tensor of one forward pass (batch 2):\n{format_trace(rows)}\n")


def next_commands(recipe: GPTRecipe, run: GPTRun, quick: bool) -> list[tuple[str, str]]:
    """What to try after a run, as complete commands: (command, why)."""
    base = replace_nested(GPTRecipe(), QUICK) if quick else GPTRecipe()
    words = ["dlfs", "train", "gpt", *(["--quick"] if quick else [])]
    longer = dataclasses.replace(recipe, max_steps=2 * recipe.max_steps, resume=True,
                                 explain_shapes=False)
    return [
        (f"dlfs sample --run {shlex.quote(recipe.out_dir)} --prompt {shlex.quote(run.prompt)}",
         "more text from this model"),
        (command_line(words, longer, base), "continue training"),
        ("dlfs run capstone-shapes", "Day 27: every tensor shape, explained"),
        ("dlfs tour", "the 60-second tour of the lessons"),
        ("dlfs list --track pytorch", "the lessons behind every piece"),
    ]


def run_gpt(recipe: GPTRecipe, quick: bool = False) -> int:
    """`dlfs train gpt`: train with progress lines, then print a sample and what to do next."""
    from ..train import ProgressBar

    cfg = recipe.model
    print(f"dlfs train gpt: the from-scratch GPT on {recipe.data!r}"
          f"{' (quick smoke run)' if quick else ''}", flush=True)
    prepared = prepare_text(recipe)
    print(prepared.description)
    print(f"tokenizer {recipe.tokenizer}: vocabulary {prepared.tokenizer.vocab_size}; "
          f"train {len(prepared.train_ids):,} tokens, val {len(prepared.val_ids):,} tokens")
    model = build_model(recipe, prepared.tokenizer.vocab_size)
    print(f"model: {cfg.n_layer} layers, {cfg.n_head} heads, width {cfg.n_embd}, "
          f"context {cfg.block_size}: {model.num_params() / 1e6:.2f} M parameters "
          f"({'fused torch kernels' if cfg.fused else 'from-scratch layers'})")
    if recipe.explain_shapes:
        _explain_shapes(model, prepared, cfg.block_size)
    print(f"training {recipe.max_steps} steps, batch {recipe.batch_size} x {cfg.block_size} "
          f"tokens; checkpoints in {recipe.out_dir}/checkpoints, TensorBoard logs in "
          f"{recipe.out_dir}/tensorboard", flush=True)

    def report(step: int, train: float, val: float, seconds: float) -> None:
        print(f"step {step:>6}  train loss {train:.3f}  val loss {val:.3f}  "
              f"{_minutes(seconds)}", flush=True)

    # the bar draws only on a terminal, so logs and `make demo | tee` stay clean
    run = train_gpt(recipe, prepared=prepared, report=report, callbacks=[ProgressBar()])
    print(f"\ndone: val loss {run.val_loss:.3f} after {recipe.max_steps} steps; "
          f"training took {_minutes(run.seconds)}")
    print(f"--- sample (temperature {recipe.sample.temperature}, prompt {run.prompt!r}) ---")
    print(run.sample)
    print("---\nNext:")
    for command, why in next_commands(recipe, run, quick):
        print(f"  {command:<44} # {why}")
    return 0


#: `dlfs train gpt` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(GPTRecipe, QUICK, run_gpt)
