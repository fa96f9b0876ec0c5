"""Sampling a trained language model: :class:`SamplingConfig` (one config for ``dlfs
sample`` and for the sample at the end of ``dlfs train gpt`` and ``dlfs train charrnn``,
nested there as ``recipe.sample``: ``--sample-prompt``, ``--sample-tokens`` …),
:func:`sample_text` for the GPT, and :func:`load_run` to rebuild a saved GPT run.

torch is imported inside the functions: ``dlfs`` builds its ``sample`` options from
:class:`SamplingConfig` at every start, and ``dlfs list`` should not wait for torch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DlfsError
from ..i18n import t

if TYPE_CHECKING:
    from ..models import GPT

__all__ = ["SamplingConfig", "diverged_model_errors", "load_run", "read_run_info",
           "sample_text"]


@dataclass(frozen=True)
class SamplingConfig:
    """Prompt, length and decoding of one sample.

    >>> SamplingConfig(top_p=1.5)
    Traceback (most recent call last):
    ...
    ValueError: SamplingConfig: top_p must be in (0, 1], got 1.5
    """

    prompt: str = field(default="The ", metadata={"help": "text the sample starts from",
                                                  "help_zh": "采样的起始文本"})
    tokens: int = field(default=300, metadata={"help": "tokens to generate",
                                               "help_zh": "生成的词元数"})
    temperature: float = field(default=0.8, metadata={
        "help": "divide the logits by this before the softmax; 0 means greedy",
        "help_zh": "softmax 之前把 logits 除以这个值；0 表示贪心解码"})
    top_k: int | None = field(default=None, metadata={
        "help": "sample only among the k most likely tokens",
        "help_zh": "只在概率最高的 k 个词元中采样"})
    top_p: float | None = field(default=None, metadata={
        "help": "sample only among the most likely tokens whose probabilities add up to p",
        "help_zh": "只在累计概率达到 p 的最可能词元中采样"})
    seed: int | None = field(default=None, metadata={
        "help": "seed of the sampler's random generator (default: the run's seed)",
        "help_zh": "采样器随机数生成器的种子（默认：运行的种子）"})

    def __post_init__(self) -> None:
        if self.tokens < 0 or self.temperature < 0:
            raise ValueError(t("recipes.sampling.negative", tokens=self.tokens,
                               temperature=self.temperature))
        if self.top_k is not None and self.top_k < 1:
            raise ValueError(t("recipes.sampling.top_k", top_k=self.top_k))
        if self.top_p is not None and not 0 < self.top_p <= 1:
            raise ValueError(t("recipes.sampling.top_p", top_p=self.top_p))

    def seed_for(self, run_seed: int) -> int:
        """The sampler's seed: ``seed`` if given, else the seed of the run being sampled (so
        ``dlfs sample`` repeats the sample printed at the end of training)."""
        return run_seed if self.seed is None else self.seed


@contextmanager
def diverged_model_errors() -> Iterator[None]:
    """Turn torch's refusal to sample from NaN/Inf probabilities into a :class:`DlfsError`
    that says why: the weights grew too large for a finite forward pass (training with too
    high a learning rate can get there without a NaN loss)."""
    try:
        yield
    except RuntimeError as exc:
        if "probability tensor" not in str(exc):
            raise
        raise DlfsError(t("recipes.sampling.diverged")) from exc


def sample_text(model: GPT, tokenizer: Any, sampling: SamplingConfig, *, seed: int) -> str:
    """Continue ``sampling.prompt`` by ``sampling.tokens`` tokens (temperature, top-k, top-p
    as configured; the generator seeded with ``seed``); returns prompt + continuation."""
    import torch

    from ..generate import generate

    try:
        start = tokenizer.encode(sampling.prompt) or [0]
    except ValueError as exc:
        raise DlfsError(t("recipes.sampling.prompt", exc=exc)) from exc
    idx = torch.tensor([start], dtype=torch.long)                 # (1, T0)
    with diverged_model_errors():
        out = generate(model, idx, sampling.tokens, temperature=sampling.temperature,
                       top_k=sampling.top_k, top_p=sampling.top_p,
                       generator=torch.Generator().manual_seed(seed))  # (1, T0 + tokens)
    return tokenizer.decode(out[0].tolist())


def read_run_info(run_dir: str | Path) -> dict[str, Any]:
    """The ``run.json`` of a ``dlfs train gpt`` run directory, checked: a
    :class:`DlfsError` says when it is missing, not JSON, or lacks a part."""
    info_file = Path(run_dir) / "run.json"
    if not info_file.is_file():
        raise DlfsError(t("recipes.sampling.no_run_json", run_dir=run_dir))
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DlfsError(t("recipes.sampling.unreadable", file=info_file, exc=exc)) from exc
    parts = ("recipe", "model", "tokenizer")
    missing = [k for k in parts if not isinstance(info, dict) or not isinstance(info.get(k), dict)]
    if missing:
        raise DlfsError(t("recipes.sampling.missing_parts", file=info_file,
                          parts=", ".join(parts), missing=", ".join(missing)))
    return info


def _rebuild(info: dict[str, Any], info_file: Path) -> tuple[GPT, Any]:
    """The (untrained) GPT and the tokenizer that ``run.json`` describes."""
    from ..data.text.tokenizers import tokenizer_from_dict
    from ..models import GPT, GPTConfig

    try:
        return GPT(GPTConfig(**info["model"])), tokenizer_from_dict(info["tokenizer"])
    except (TypeError, ValueError, KeyError) as exc:
        raise DlfsError(t("recipes.sampling.no_build", file=info_file,
                          error=type(exc).__name__, exc=exc)) from exc


def load_run(path: str | Path) -> tuple[GPT, Any, dict]:
    """Rebuild model, tokenizer and ``run.json`` from a run directory of ``dlfs train gpt``
    (newest good checkpoint) or from a checkpoint file inside ``<run>/checkpoints``."""
    from ..train import CheckpointManager, load_checkpoint
    from .resume import check_state_shapes

    path = Path(path)
    if not path.exists():
        raise DlfsError(t("recipes.sampling.no_run", path=path))
    run_dir = path if path.is_dir() else path.parent.parent
    info = read_run_info(run_dir)
    if path.is_dir():
        source, payload, _ = CheckpointManager(path / "checkpoints").load_latest()
        if payload is None:
            raise DlfsError(t("recipes.sampling.no_checkpoint", folder=path / "checkpoints"))
    else:
        source, payload = path, load_checkpoint(path)
    model, tokenizer = _rebuild(info, run_dir / "run.json")
    check_state_shapes(model, payload["model"], source,
                       hint=t("recipes.sampling.other_run", file=run_dir / "run.json"))
    model.load_state_dict(payload["model"])
    return model, tokenizer, info
