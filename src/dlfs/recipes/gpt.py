"""The capstone recipe: train the from-scratch GPT on a text corpus, then sample from it.

    text --tokenizer--> ids --windows of T+1--> (x, y) batches --fit--> GPT --generate--> text

Everything is a library piece: the corpus and tokenizers (``dlfs.data.text``), the
DataLoader (``dlfs.data``), the model (``dlfs.models.GPT``), AdamW and the LR schedule
(``dlfs.optim``), the loop with checkpoints and TensorBoard (``dlfs.train.fit``) and the
decoding (``dlfs.generate``). This file only wires them together; `dlfs train gpt` and
`make demo` call :func:`train_gpt`.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from ..data import DataLoader, Dataset
from ..data.text import ByteBPETokenizer, CharTokenizer, load_corpus
from ..data.text.tokenizers import tokenizer_from_dict
from ..errors import DlfsError
from ..generate import generate
from ..models import GPT, GPTConfig
from ..nn import functional as F
from ..optim import AdamW
from ..optim.lr_scheduler import LambdaLR, warmup_cosine_factor
from ..train import Callback, PeriodicEval, fit, load_checkpoint

__all__ = ["GPTRecipe", "GPTRun", "PreparedText", "TokenWindows", "build_model", "load_run",
           "prepare_text", "sample_text", "train_gpt"]

Tokenizer = CharTokenizer | ByteBPETokenizer


@dataclass(frozen=True)
class GPTRecipe:
    """Everything that defines a capstone run. Defaults: the ~0.8 M-parameter character
    model (4 layers, 4 heads, width 128, context 64, batch 12) on Python's help topics."""

    data: str = "help"
    tokenizer: str = "char"
    bpe_vocab_size: int = 512
    block_size: int = 64
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    fused: bool = False
    batch_size: int = 12
    max_steps: int = 3000
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup_steps: int = 100
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    amp: str | None = None
    eval_every: int = 250
    eval_batches: int = 20
    seed: int = 1337
    out_dir: str = "runs/gpt"
    resume: bool = False
    prompt: str = "The "
    sample_tokens: int = 300
    temperature: float = 0.8
    top_k: int | None = None

    def __post_init__(self) -> None:
        if self.tokenizer not in ("char", "bpe"):
            raise ValueError(f"GPTRecipe: tokenizer must be 'char' or 'bpe', got "
                             f"{self.tokenizer!r}")
        for name in ("max_steps", "batch_size", "eval_every", "eval_batches", "block_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"GPTRecipe: {name} must be >= 1, got {getattr(self, name)}")
        if not 0 < self.min_lr <= self.lr:
            raise ValueError(f"GPTRecipe: need 0 < min_lr <= lr, got {self.min_lr}, {self.lr}")

    def model_config(self, vocab_size: int) -> GPTConfig:
        return GPTConfig(vocab_size=vocab_size, block_size=self.block_size,
                         n_layer=self.n_layer, n_head=self.n_head, n_embd=self.n_embd,
                         dropout=self.dropout, fused=self.fused)


class TokenWindows(Dataset):
    """Every window of ``block_size + 1`` consecutive tokens: item i is
    (x, y) = (ids[i : i+T], ids[i+1 : i+T+1]), so y is x shifted by one (next tokens)."""

    def __init__(self, ids: torch.Tensor, block_size: int):
        if ids.dim() != 1 or len(ids) <= block_size:
            raise ValueError(f"TokenWindows: need a 1-D id tensor longer than block_size "
                             f"{block_size}, got shape {tuple(ids.shape)}")
        self.ids, self.block_size = ids, block_size

    def __len__(self) -> int:
        return len(self.ids) - self.block_size

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        chunk = self.ids[i:i + self.block_size + 1]          # (T + 1,)
        return chunk[:-1], chunk[1:]                          # (T,), (T,)


def build_tokenizer(recipe: GPTRecipe, train_text: str) -> Tokenizer:
    """Character vocabulary of the whole corpus, or BPE merges learned on the train split."""
    if recipe.tokenizer == "bpe":
        return ByteBPETokenizer.train(train_text, recipe.bpe_vocab_size)
    return CharTokenizer.from_text(train_text)


def warmup_cosine(recipe: GPTRecipe) -> Callable[[int], float]:
    """LR multiplier: linear warm-up, then cosine decay from lr to min_lr at max_steps."""
    return warmup_cosine_factor(recipe.warmup_steps, recipe.max_steps, recipe.min_lr / recipe.lr)


@torch.no_grad()
def estimate_loss(model: GPT, ids: torch.Tensor, recipe: GPTRecipe) -> float:
    """Mean next-token loss over fixed, evenly spaced windows of ``ids`` (eval mode)."""
    T = recipe.block_size
    n = recipe.eval_batches * recipe.batch_size
    starts = torch.linspace(0, len(ids) - T - 1, n).long()
    was_training = model.training
    model.eval()
    losses = []
    for batch in starts.split(recipe.batch_size):
        x = torch.stack([ids[s:s + T] for s in batch.tolist()])           # (B, T)
        y = torch.stack([ids[s + 1:s + T + 1] for s in batch.tolist()])   # (B, T)
        losses.append(model(x, y)[1].item())
    model.train(was_training)
    return sum(losses) / len(losses)


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
    ``<out_dir>/tensorboard``, and sample ``sample_tokens`` tokens at the end."""
    prepared = prepared or prepare_text(recipe)
    tokenizer = prepared.tokenizer
    prompt = usable_prompt(recipe.prompt, prepared)      # checked before any training
    model = build_model(recipe, tokenizer.vocab_size)
    out_dir = Path(recipe.out_dir)
    _save_run_info(out_dir, recipe, model.config, tokenizer)

    loader = DataLoader(TokenWindows(prepared.train_ids, recipe.block_size),
                        batch_size=recipe.batch_size, shuffle=True, drop_last=True,
                        generator=torch.Generator().manual_seed(recipe.seed))
    decay = [p for p in model.parameters() if p.dim() >= 2]       # matrices and embeddings
    no_decay = [p for p in model.parameters() if p.dim() < 2]     # biases and norm gains
    optimizer = AdamW([{"params": decay, "weight_decay": recipe.weight_decay},
                       {"params": no_decay, "weight_decay": 0.0}],
                      lr=recipe.lr, betas=(0.9, 0.99))
    scheduler = LambdaLR(optimizer, warmup_cosine(recipe))
    V = tokenizer.vocab_size
    evaluator = PeriodicEval(recipe.eval_every,
                             lambda m: estimate_loss(m, prepared.val_ids, recipe), report)
    start = time.perf_counter()
    fit(model, loader, optimizer=optimizer, scheduler=scheduler,
        loss_fn=lambda logits, y: F.cross_entropy(logits.reshape(-1, V), y.reshape(-1)),
        forward=lambda m, batch: (m(batch[0])[0], batch[1]),
        callbacks=[evaluator, *callbacks], max_steps=recipe.max_steps, device="cpu",
        clip_grad_norm=recipe.grad_clip, amp=recipe.amp, seed=recipe.seed,
        checkpoint_dir=str(out_dir / "checkpoints"), checkpoint_every=recipe.eval_every,
        log_dir=str(out_dir / "tensorboard"), resume=recipe.resume)
    seconds = time.perf_counter() - start
    text = sample_text(model, tokenizer, prompt, recipe.sample_tokens,
                       temperature=recipe.temperature, top_k=recipe.top_k, seed=recipe.seed)
    return GPTRun(model, tokenizer, evaluator.evals, seconds, text, out_dir, prompt)


def sample_text(model: GPT, tokenizer: Tokenizer, prompt: str, n_tokens: int, *,
                temperature: float = 0.8, top_k: int | None = None, top_p: float | None = None,
                seed: int = 0) -> str:
    """Continue ``prompt`` by ``n_tokens`` tokens; returns prompt + continuation."""
    try:
        start = tokenizer.encode(prompt) or [0]
    except ValueError as exc:
        raise DlfsError(f"prompt cannot be encoded by this run's tokenizer: {exc}") from exc
    idx = torch.tensor([start], dtype=torch.long)
    out = generate(model, idx, n_tokens, temperature=temperature, top_k=top_k, top_p=top_p,
                   generator=torch.Generator().manual_seed(seed))
    return tokenizer.decode(out[0].tolist())


def load_run(path: str | Path) -> tuple[GPT, Tokenizer, dict]:
    """Rebuild model and tokenizer from a run directory (newest good checkpoint) or from a
    checkpoint file inside ``<run>/checkpoints``."""
    from ..train import CheckpointManager

    path = Path(path)
    run_dir = path if path.is_dir() else path.parent.parent
    info_file = run_dir / "run.json"
    if not info_file.is_file():
        raise DlfsError(f"no run.json in {run_dir}: give a run directory made by "
                        "`dlfs train gpt` (default runs/gpt) or a checkpoint inside it")
    info = json.loads(info_file.read_text(encoding="utf-8"))
    if path.is_dir():
        ckpt_path, payload, _ = CheckpointManager(path / "checkpoints").load_latest()
        if payload is None:
            raise DlfsError(f"no usable checkpoint under {path / 'checkpoints'}")
    else:
        payload = load_checkpoint(path)
    model = GPT(GPTConfig(**info["model"]))
    model.load_state_dict(payload["model"])
    return model, tokenizer_from_dict(info["tokenizer"]), info
