"""Recipe: the vanilla encoder-decoder Transformer on dates, sort or copy
(``dlfs train transformer``).

Library pieces only: the tasks (``dlfs.data.text.dates``, ``dlfs.data.text.toy_seq``), the
model (``dlfs.models.transformer_seq2seq``), the loop (``dlfs.train.fit`` with teacher
forcing, gradient clipping, a learning-rate warmup then cosine decay, optional label
smoothing) and the metrics: exact match of greedy and of beam decoding on held-out pairs.
Used by the lesson ``vanilla-transformer`` and ``benchmarks/bench_transformer_seq2seq.py``.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch

from ..data import DataLoader
from ..data.text.dates import Seq2SeqTask, make_date_task
from ..data.text.toy_seq import make_toy_task
from ..errors import DlfsError
from ..i18n import t
from ..models.transformer_seq2seq import TransformerSeq2Seq, TransformerSeq2SeqConfig
from ..nn import functional as F
from ..optim import Adam
from ..optim.lr_scheduler import LambdaLR, warmup_cosine_factor
from ..train import Callback, History, PeriodicEval, PrintCurves, fit
from ..train.run_report import run_logging
from .options import check_fields, flat_values, from_dict
from .registry import RecipeCommand

__all__ = ["COMMAND", "QUICK", "Seq2SeqEval", "TransformerRecipe", "evaluate_seq2seq",
           "load_run", "make_task", "run_transformer", "save_run", "target_len",
           "train_transformer"]


@dataclass(frozen=True)
class TransformerRecipe:
    """One run (defaults: ``dlfs train transformer``, about 1.5 minutes on a CPU core:
    99% exact match on unseen dates, measured)."""

    task: Literal["dates", "sort", "copy"] = field(default="dates", metadata={
        "help": "free-form dates to ISO dates, or sorting / copying digit strings",
        "help_zh": "把自由格式的日期转成 ISO 日期，或对数字串排序 / 复制"})
    model: TransformerSeq2SeqConfig = field(default_factory=TransformerSeq2SeqConfig,
                                            metadata={"help": "the network; vocab_size comes "
                                                      "from the task",
                                                      "help_zh": "网络结构；vocab_size 由任务决定"})
    n_train: int = field(default=20_000, metadata={"help": "training pairs",
                                                   "help_zh": "训练样本对数"})
    n_test: int = field(default=1_000, metadata={"min": 1,
        "help": "test pairs (their sources never occur in training)",
        "help_zh": "测试样本对数（其源序列从不出现在训练中）"})
    min_src_len: int = field(default=3, metadata={"help": "sort/copy: the shortest source",
                                                  "help_zh": "sort/copy 任务：源序列的最短长度",
                                                  "min": 1})
    max_src_len: int = field(default=12, metadata={"help": "sort/copy: the longest source",
                                                   "help_zh": "sort/copy 任务：源序列的最长长度"})
    batch_size: int = field(default=64, metadata={"help": "pairs per optimizer step",
                                                  "help_zh": "每个优化步的样本对数",
                                                  "min": 1})
    max_steps: int = field(default=1_000, metadata={
        "help": "optimizer steps",
        "help_zh": "优化步数", "aliases": ("--steps",)})
    lr: float = field(default=2e-3, metadata={"help": "peak learning rate (Adam)",
                                              "help_zh": "峰值学习率（Adam）"})
    warmup_steps: int | None = field(default=None, metadata={
        "help": "steps of linear warm-up before the cosine decay (default: a fifth of "
                "max_steps, at most 150)",
        "help_zh": "余弦衰减之前线性预热的步数（默认：max_steps 的五分之一，最多 150）"})
    label_smoothing: float = field(default=0.0, metadata={"min": 0, "max": 1,
        "help": "label smoothing of the cross-entropy",
        "help_zh": "交叉熵的标签平滑系数"})
    grad_clip: float | None = field(default=1.0, metadata={"above": 0,
        "help": "clip the global gradient norm to this",
        "help_zh": "把全局梯度范数裁剪到这个值"})
    beam_width: int = field(default=4, metadata={"help": "beams of the beam search",
                                                 "help_zh": "束搜索的束宽",
                                                 "min": 1})
    alpha: float = field(default=0.6, metadata={"min": 0, "max": 10,
        "help": "exponent of the GNMT length penalty of the beam search",
        "help_zh": "束搜索中 GNMT 长度惩罚的指数"})
    beam_eval: int = field(default=200, metadata={"min": 0,
        "help": "test pairs scored with beam search (it is slower)",
        "help_zh": "用束搜索评分的测试样本对数（束搜索更慢）"})
    seed: int = field(default=0, metadata={"min": 0, "below": 2**32,
        "help": "seed of the data, the initialization and the batch order",
        "help_zh": "数据、初始化和批次顺序的随机种子"})
    deterministic: bool = field(default=True, metadata={
        "help": "bitwise-repeatable training on any fixed number of threads: torch's "
                "deterministic kernels (on the CPU only the embeddings' backward changes; "
                "measured no slower)",
        "help_zh": "在任意固定线程数下逐位可复现的训练：使用 torch "
                   "的确定性内核（在 CPU 上只改变各嵌入层的反向传播；实测不更慢）"})
    out_dir: str = field(default="runs/transformer", metadata={
        "help": "where the model is saved (as <task>.pt)",
        "help_zh": "模型的保存位置（保存为 `<task>.pt`）", "aliases": ("--out",),
        "metavar": "DIR", "path": "out-dir"})

    def __post_init__(self) -> None:
        check_fields(self)
        if self.max_steps < 1 or (self.warmup_steps or 0) < 0 or self.lr <= 0:
            raise ValueError(t("recipes.transformer.steps_lr"))
        if self.max_src_len < self.min_src_len:
            raise ValueError(t("recipes.transformer.src_len", min_src_len=self.min_src_len,
                               max_src_len=self.max_src_len))


    @property
    def warmup(self) -> int:
        """``warmup_steps``, or by default a fifth of ``max_steps``, at most 150."""
        return min(150, self.max_steps // 5) if self.warmup_steps is None else self.warmup_steps

    def model_config(self, vocab_size: int) -> TransformerSeq2SeqConfig:
        """The model config with the task vocabulary's size filled in."""
        return dataclasses.replace(self.model, vocab_size=vocab_size)


#: ``--quick``: a seconds-long smoke run of the whole pipeline (the tests use it).
QUICK = {"task": "sort", "n_train": 2_000, "n_test": 100, "max_src_len": 6,
         "model.d_model": 32, "model.dim_feedforward": 64, "model.num_layers": 1,
         "max_steps": 60, "warmup_steps": 10, "lr": 3e-3, "beam_eval": 20}


def make_task(recipe: TransformerRecipe) -> Seq2SeqTask:
    """The recipe's task: date normalization, or sort/copy of digit strings."""
    if recipe.task == "dates":
        return make_date_task(recipe.n_train, recipe.n_test, seed=recipe.seed)
    return make_toy_task(recipe.task, recipe.n_train, recipe.n_test, seed=recipe.seed,
                         min_len=recipe.min_src_len, max_len=recipe.max_src_len)


def target_len(task: Seq2SeqTask) -> int:
    """Decoding length: the longest training target + 1 for <eos>."""
    return max(len(t) for _, t in task.train) + 1


def train_transformer(recipe: TransformerRecipe, task: Seq2SeqTask | None = None,
                      callbacks: list[Callback] | None = None
                      ) -> tuple[TransformerSeq2Seq, History]:
    """Train a :class:`TransformerSeq2Seq` on ``task.train`` with teacher forcing, under
    the NaN/Inf guard (:class:`dlfs.train.NonFiniteError` at the first NaN or Inf)."""
    task = task or make_task(recipe)
    if len(task.train) < recipe.batch_size:
        raise DlfsError(t("recipes.transformer.too_few", n_train=len(task.train),
                          batch_size=recipe.batch_size))
    torch.manual_seed(recipe.seed)
    model = TransformerSeq2Seq(recipe.model_config(len(task.vocab)))
    loader = DataLoader(task.train, batch_size=recipe.batch_size, shuffle=True,
                        drop_last=True, collate_fn=lambda pairs: tuple(task.batch(pairs)),
                        generator=torch.Generator().manual_seed(recipe.seed))
    V, pad = len(task.vocab), task.vocab.PAD

    def loss_fn(logits: torch.Tensor, tgt_out: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits.reshape(-1, V), tgt_out.reshape(-1), ignore_index=pad,
                               label_smoothing=recipe.label_smoothing)

    def forward(m: Any, b: tuple) -> tuple[torch.Tensor, torch.Tensor]:
        src, _, tgt_in, tgt_out = b
        return m(src, tgt_in), tgt_out                                  # (B, T, V), (B, T)

    optimizer = Adam(model.parameters(), lr=recipe.lr, betas=(0.9, 0.98))
    scheduler = LambdaLR(optimizer, warmup_cosine_factor(recipe.warmup, recipe.max_steps))
    history = fit(model, loader, loss_fn=loss_fn, forward=forward, optimizer=optimizer,
                  scheduler=scheduler, callbacks=callbacks or (), max_steps=recipe.max_steps,
                  clip_grad_norm=recipe.grad_clip, device="cpu", seed=recipe.seed,
                  nan_guard=True, deterministic=recipe.deterministic)
    return model, history


@dataclass
class Seq2SeqEval:
    """Exact match of one decoding method on a list of pairs, and its outputs."""

    exact_match: float
    predictions: list[str]


def evaluate_seq2seq(model: TransformerSeq2Seq, task: Seq2SeqTask,
                     pairs: list[tuple[str, str]], *, beam_width: int | None = None,
                     alpha: float = 0.6, batch_size: int = 500) -> Seq2SeqEval:
    """Greedy decoding (``beam_width=None``) or beam search; exact match against targets.
    (Both decoders run in eval mode and restore the model's mode themselves.)"""
    v, max_len, predictions = task.vocab, target_len(task), []
    for i in range(0, len(pairs), batch_size):
        src = task.batch(pairs[i:i + batch_size]).src                    # (B, S)
        if beam_width is None:
            rows = model.greedy_decode(src, max_len, v.BOS, v.EOS).tolist()
        else:
            rows = [list(hyps[0].tokens) for hyps in
                    model.beam_decode(src, max_len, v.BOS, v.EOS, beam_width=beam_width,
                                      alpha=alpha)]
        predictions += [v.decode(row) for row in rows]
    exact = sum(p == t for p, (_, t) in zip(predictions, pairs)) / max(1, len(pairs))
    return Seq2SeqEval(exact, predictions)


def _decoded(model: TransformerSeq2Seq, task: Seq2SeqTask, pairs: list[tuple[str, str]]
             ) -> str:
    """``source -> greedy output`` lines of ``pairs`` (a sample for TensorBoard)."""
    outputs = evaluate_seq2seq(model, task, pairs).predictions
    return "\n".join(f"{s!r} -> {p!r}" + ("" if p == t_ else f" (expected {t_!r})")
                     for (s, t_), p in zip(pairs, outputs))


def save_run(model: TransformerSeq2Seq, recipe: TransformerRecipe, out: Path) -> Path:
    """Write ``{"recipe": ..., "model": state_dict}`` atomically to ``out/<task>.pt``; the
    recipe (a nested dict) rebuilds the task (its vocabulary) and the model: see
    :func:`load_run`."""
    from ..train.checkpoint import atomic_save

    return atomic_save({"recipe": dataclasses.asdict(recipe), "model": model.state_dict()},
                       out / f"{recipe.task}.pt")


def load_run(path: str | Path) -> tuple[TransformerSeq2Seq, TransformerRecipe, Seq2SeqTask]:
    """The model saved by :func:`save_run`, in eval mode, with its recipe and task."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    recipe = from_dict(TransformerRecipe, saved["recipe"])
    task = make_task(recipe)
    model = TransformerSeq2Seq(recipe.model_config(len(task.vocab)))
    model.load_state_dict(saved["model"])
    return model.eval(), recipe, task


# ---- the command line ------------------------------------------------------------------------

def run_transformer(recipe: TransformerRecipe, quick: bool = False) -> int:
    """`dlfs train transformer`: train with greedy exact match on a probe set every sixth of
    the run, then greedy and beam exact match on the test pairs; save the model."""
    task = make_task(recipe)
    print(t("recipes.transformer.header", command="dlfs train transformer",
            task=recipe.task,
            quick=t("recipes.quick") if quick else "", train=len(task.train),
            test=len(task.test), vocab=len(task.vocab)), flush=True)
    src, tgt = task.test[0]
    print(t("recipes.transformer.example", src=src, tgt=tgt))
    probe = task.test[:200]
    every = max(1, recipe.max_steps // 6)

    def report(step: float, train: float, em: float, seconds: float) -> None:
        print(t("recipes.transformer.step", step=int(step), train=train, em=em,
                probe=len(probe), seconds=seconds), flush=True)

    evaluate = PeriodicEval(every, lambda m: evaluate_seq2seq(m, task, probe).exact_match,
                            report, tag="val/exact_match")
    # TensorBoard and curves.png in <out>/<task>; greedy outputs of 4 test pairs as samples
    logs = run_logging(Path(recipe.out_dir) / recipe.task, every=every,
                       text=lambda m: _decoded(m, task, task.test[:4]),
                       hparams=flat_values(recipe), metrics=("val/exact_match",),
                       title=f"dlfs train transformer --task {recipe.task}")
    cfg = recipe.model
    print(t("recipes.transformer.model", norm="Pre-LN" if cfg.norm_first else "Post-LN",
            layers=cfg.num_layers, nhead=cfg.nhead, d_model=cfg.d_model,
            max_steps=recipe.max_steps, batch_size=recipe.batch_size, lr=recipe.lr,
            warmup=recipe.warmup), flush=True)
    start = time.perf_counter()
    model, _ = train_transformer(recipe, task, callbacks=[evaluate, *logs, PrintCurves()])
    seconds = time.perf_counter() - start
    greedy = evaluate_seq2seq(model, task, task.test)
    beam_pairs = task.test[:recipe.beam_eval]
    beam = evaluate_seq2seq(model, task, beam_pairs, beam_width=recipe.beam_width,
                            alpha=recipe.alpha)
    print(t("recipes.transformer.params", params=model.num_params(), seconds=seconds))
    print(t("recipes.transformer.test", greedy=greedy.exact_match, n_test=len(task.test),
            beam_width=recipe.beam_width, beam=beam.exact_match, n_beam=len(beam_pairs),
            greedy_beam=evaluate_seq2seq(model, task, beam_pairs).exact_match))
    for (s, target), p in list(zip(task.test, greedy.predictions))[:5]:
        verdict = (t("recipes.transformer.ok") if p == target
                   else t("recipes.transformer.expected", target=target))
        print(f"  {s!r:>34} -> {p!r} {verdict}")
    path = save_run(model, recipe, Path(recipe.out_dir))
    print(t("recipes.transformer.saved", path=path))
    return 0


#: `dlfs train transformer` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(TransformerRecipe, QUICK, run_transformer)
