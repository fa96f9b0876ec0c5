"""Recipe: character-level RNN/LSTM/GRU language models on Python's help topics.

    text --CharTokenizer--> ids --SeqDataLoader (random partitioning)--> (X, Y) (B, T)
         --fit (gradient clipping)--> CharRNN --generate (temperature)--> text

Library pieces only: corpus and tokenizer (``dlfs.data.text``), LM batching
(``dlfs.data.text.batching``), the model (``dlfs.models.charrnn``), Adam (``dlfs.optim``),
the loop with checkpoints and TensorBoard (``dlfs.train.fit``), the loss shared with the GPT
(``dlfs.recipes.lm``). `dlfs train charrnn` calls :func:`run_charrnn` (options generated from
:class:`CharRNNRecipe`); the lesson ``charrnn-lm`` calls :func:`train_charrnn`.
Perplexity = exp(mean next-character cross-entropy) on the validation split.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch

from ..data.text import CharTokenizer, load_corpus
from ..data.text.batching import SeqDataLoader, TokenWindows
from ..errors import DlfsError
from ..i18n import t
from ..models.charrnn import CELLS, CharRNN
from ..optim import SGD, Adam
from ..train import Callback, NonFiniteError, PeriodicEval, PrintCurves, ProgressBar, fit
from ..train.run_report import run_logging
from .lm import check_windows_fit, estimate_loss, lm_forward, next_token_loss
from .options import check_fields, flat_values
from .registry import RecipeCommand
from .resume import (
    RESUME_HELP,
    RESUME_HELP_ZH,
    RecordRecipe,
    ResumePlan,
    ResumePolicy,
    check_state_shapes,
    plan_resume,
    resume_field,
)
from .sampling import SamplingConfig, diverged_model_errors

__all__ = ["COMMAND", "QUICK", "RESUME_POLICY", "CharRNNRecipe", "CharRNNRun",
           "GradNormRecorder", "check_fits", "perplexity", "plan_charrnn_resume", "run_charrnn",
           "sample_chars", "train_charrnn"]


@dataclass(frozen=True)
class CharRNNRecipe:
    """One character-LM run. Defaults: a 1-layer width-256 LSTM, 35-character windows."""

    cell: Literal["rnn", "lstm", "gru", "all"] = field(default="lstm", metadata={
        "help": "the recurrent layer; 'all' trains one model per cell and compares them",
        "help_zh": "循环层类型；`all` 表示每种单元各训练一个模型并加以比较"})
    hidden: int = field(default=256, metadata={
        "help": "H, the width of the hidden state (and of the character embedding)",
        "help_zh": "H，隐藏状态的宽度（也是字符嵌入的宽度）"})
    layers: int = field(default=1, metadata={"help": "stacked recurrent layers",
                                             "help_zh": "堆叠的循环层数"})
    num_steps: int = field(default=35, metadata={
        "help": "T, characters per training window (steps of backpropagation through time)",
        "help_zh": "T，每个训练窗口的字符数（随时间反向传播的步数）"})
    batch_size: int = field(default=32, metadata={"help": "windows per optimizer step",
                                                  "help_zh": "每个优化步的窗口数"})
    max_steps: int = field(default=1500, metadata={
        "help": "optimizer steps",
        "help_zh": "优化步数", "aliases": ("--steps",)})
    lr: float = field(default=2e-3, metadata={"help": "learning rate",
                                              "help_zh": "学习率", "above": 0})
    optimizer: Literal["adam", "sgd"] = field(default="adam", metadata={
        "help": "Adam, or plain SGD (exploding gradients show)",
        "help_zh": "Adam，或朴素 SGD（可以看到梯度爆炸）"})
    grad_clip: float | None = field(default=1.0, metadata={
        "help": "clip the global gradient norm to this",
        "help_zh": "把全局梯度范数裁剪到这个值", "above": 0})
    eval_every: int = field(default=100, metadata={
        "help": "steps between validation losses (and checkpoints)",
        "help_zh": "每隔多少步计算一次验证损失（并保存检查点）"})
    eval_batches: int = field(default=8, metadata={
        "help": "batches of validation windows per validation loss",
        "help_zh": "每次验证损失用多少批验证窗口"})
    data: str = field(default="help", metadata={
        "help": "the text: 'help' (Python's help topics), 'stdlib' (its source code) or "
                "a UTF-8 text file",
        "help_zh": "训练文本：`help`（Python 的帮助主题）、`stdlib`（标准库"
                   "源码）或一个 UTF-8 文本文件", "metavar": "CORPUS"})
    max_chars: int | None = field(default=None, metadata={"min": 1,
        "help": "use only the first N characters of the text",
        "help_zh": "只使用文本的前 N 个字符"})
    seed: int = field(default=0, metadata={
        "help": "seed of the initialization, the batch order and the final sample",
        "help_zh": "初始化、批次顺序和最终采样的随机种子",
        "min": 0, "below": 2**32})
    out_dir: str = field(default="runs/charrnn", metadata={
        "help": "run directory (one subdirectory per cell: checkpoints, TensorBoard logs)",
        "help_zh": "运行目录（每种单元一个子目录：检查点、TensorBoard 日志）",
        "aliases": ("--out",), "metavar": "DIR", "path": "out-dir"})
    resume: bool = resume_field(
        RESUME_HELP + " (each cell its own)",
        RESUME_HELP_ZH + "（每种单元各自恢复）")
    deterministic: bool = field(default=True, metadata={
        "help": "bitwise-repeatable training on any fixed number of threads: torch's "
                "deterministic kernels (on the CPU only the embedding's backward changes; "
                "measured no slower)",
        "help_zh": "在任意固定线程数下逐位可复现的训练：使用 torch "
                   "的确定性内核（在 CPU 上只改变嵌入层的反向传播；实测不更慢）"})
    sample: SamplingConfig = field(default_factory=SamplingConfig, metadata={
        "prefix": "sample_", "help": "the sample printed at the end of each run",
        "help_zh": "每次运行结束时打印的采样"})

    def __post_init__(self) -> None:
        check_fields(self)
        for name in ("hidden", "layers", "num_steps", "batch_size", "max_steps", "eval_every",
                     "eval_batches"):
            if getattr(self, name) < 1:
                raise ValueError(t("recipes.options.out_of_bounds", cls="CharRNNRecipe",
                                   name=name, sign=">=", bound=1, value=getattr(self, name)))

    def per_cell(self) -> list[CharRNNRecipe]:
        """One recipe per cell to train: every cell for ``cell="all"``, else this one."""
        if self.cell != "all":
            return [self]
        return [dataclasses.replace(self, cell=cell) for cell in sorted(CELLS)]


#: `--quick`: the whole pipeline in a few seconds (what the tests and lessons use)
QUICK = {"hidden": 64, "max_steps": 40, "eval_every": 20, "eval_batches": 2,
         "batch_size": 16, "num_steps": 20, "max_chars": 60_000, "sample.tokens": 60}

#: `--resume`: what may differ from the saved run (see :mod:`dlfs.recipes.resume`); the
#: optimizer is fixed (Adam's state does not load into SGD), and so is the window length
#: (the data position counts windows)
RESUME_POLICY = ResumePolicy(
    applied=("max_steps", "lr", "grad_clip", "deterministic"),
    free=("eval_every", "eval_batches", "out_dir", "resume", "sample."))


def perplexity(loss: float) -> float:
    """exp(mean cross-entropy in nats); ``inf`` once it exceeds the float range.

    >>> round(perplexity(math.log(4.0)), 6), perplexity(1e4)  # a uniform pick among 4; huge
    (4.0, inf)
    """
    return math.exp(loss) if loss < 709.0 else math.inf


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


def check_fits(recipe: CharRNNRecipe, n_train: int, n_val: int) -> None:
    """Refuse a text too short for the windows (see :func:`dlfs.recipes.lm.check_windows_fit`)
    or for one batch of the training loader."""
    data = f"--data {recipe.data}" + (f" --max-chars {recipe.max_chars}"
                                      if recipe.max_chars is not None else "")
    check_windows_fit(data, n_train, n_val, window=recipe.num_steps,
                      batch_size=recipe.batch_size, window_flag="--num-steps")
    need = recipe.batch_size * recipe.num_steps + recipe.num_steps + 1
    if n_train < need:
        raise DlfsError(t("recipes.charrnn.too_short", batch_size=recipe.batch_size,
                          num_steps=recipe.num_steps, need=need, data=data, n_train=n_train))


def out_dir(recipe: CharRNNRecipe) -> Path:
    """Where one cell's run lives: ``<out_dir>/<cell>``."""
    return Path(recipe.out_dir) / recipe.cell


def plan_charrnn_resume(recipe: CharRNNRecipe) -> ResumePlan:
    """Check that ``recipe`` (one cell) may ``--resume`` its run; nothing is written."""
    return plan_resume(recipe, out_dir(recipe) / "checkpoints", RESUME_POLICY)


def train_charrnn(recipe: CharRNNRecipe, *, callbacks: Sequence[Callback] = (),
                  report: Callable[[int, float, float, float], None] | None = None,
                  checkpoints: bool = True, resume: ResumePlan | None = None) -> CharRNNRun:
    """Train one CharRNN per ``recipe`` (checkpoints and TensorBoard under
    ``out_dir/<cell>`` when ``checkpoints``), then sample per ``recipe.sample``.

    The text is checked against the windows and, with ``recipe.resume``, the saved run
    against the recipe (``resume``, or :func:`plan_charrnn_resume`) before anything is
    written. Trains under the NaN/Inf guard (a :class:`dlfs.train.NonFiniteError` carries
    this ``recipe``)."""
    if recipe.cell == "all":
        raise ValueError("train_charrnn: cell 'all' means one run per cell; train each of "
                         "recipe.per_cell()")
    tokenizer, train_ids, val_ids = prepare(recipe)
    check_fits(recipe, len(train_ids), len(val_ids))
    if recipe.resume and checkpoints and resume is None:
        resume = plan_charrnn_resume(recipe)
    torch.manual_seed(recipe.seed)
    model = CharRNN(tokenizer.vocab_size, recipe.hidden, recipe.layers, recipe.cell)
    if resume is not None:
        check_state_shapes(model, resume.payload["model"], resume.checkpoint)
    loader = SeqDataLoader(train_ids, recipe.batch_size, recipe.num_steps, seed=recipe.seed)
    norms = GradNormRecorder()
    val_windows = TokenWindows(val_ids, recipe.num_steps)
    evaluator = PeriodicEval(recipe.eval_every, lambda m: estimate_loss(
        m, val_windows, batches=recipe.eval_batches, batch_size=recipe.batch_size), report,
        tag="val/loss")
    out = out_dir(recipe)
    short = dataclasses.replace(recipe.sample, tokens=min(recipe.sample.tokens, 100))
    logs = run_logging(out, throughput="tokens", every=recipe.eval_every,
                       text=lambda m: sample_chars(m, tokenizer, short, recipe.seed),
                       hparams=flat_values(recipe),
                       title=f"dlfs train charrnn --cell {recipe.cell}") if checkpoints else []
    files = {"checkpoint_dir": str(out / "checkpoints"), "log_dir": str(out / "tensorboard"),
             "checkpoint_every": recipe.eval_every, "resume_hparams": "given",
             "resume": str(resume.checkpoint) if resume is not None else False,
             } if checkpoints else {}
    start = time.perf_counter()
    opt = (Adam if recipe.optimizer == "adam" else SGD)(model.parameters(), lr=recipe.lr)
    try:
        fit(model, loader, optimizer=opt, loss_fn=next_token_loss, forward=lm_forward,
            callbacks=[RecordRecipe(recipe), norms, evaluator, *logs, *callbacks],
            max_steps=recipe.max_steps, device="cpu", clip_grad_norm=recipe.grad_clip,
            seed=recipe.seed, nan_guard=True, deterministic=recipe.deterministic, **files)
    except NonFiniteError as exc:
        exc.recipe = recipe                            # the cell that failed
        raise
    seconds = time.perf_counter() - start
    return CharRNNRun(model, tokenizer, evaluator.evals, norms.norms, seconds,
                      sample_chars(model, tokenizer, recipe.sample, recipe.seed))


def sample_chars(model: CharRNN, tokenizer: CharTokenizer, sampling: SamplingConfig,
                 run_seed: int) -> str:
    """Continue ``sampling.prompt`` by ``sampling.tokens`` characters; returns prompt +
    continuation. An empty prompt, or one with a character the vocabulary lacks, is
    replaced by a newline (or, in a text without one, the vocabulary's first character)."""
    prompt = sampling.prompt
    if not prompt or not all(c in tokenizer.stoi for c in prompt):
        prompt = "\n" if "\n" in tokenizer.stoi else tokenizer.decode([0])
    ids = torch.tensor([tokenizer.encode(prompt)], dtype=torch.long)         # (1, T0)
    with diverged_model_errors():
        out = model.generate(ids, sampling.tokens, temperature=sampling.temperature,
                             top_k=sampling.top_k, top_p=sampling.top_p,
                             generator=torch.Generator().manual_seed(
                                 sampling.seed_for(run_seed)))
    return tokenizer.decode(out[0].tolist())


# ---- the command line: `dlfs train charrnn` (all printing of the recipe happens here) -----

def run_charrnn(recipe: CharRNNRecipe, quick: bool = False) -> int:
    """`dlfs train charrnn`: train one model per cell (``--cell all``: every cell), report
    the validation perplexity, print a sample of each."""
    recipes = recipe.per_cell()
    tokenizer, train_ids, val_ids = prepare(recipe)
    check_fits(recipe, len(train_ids), len(val_ids))
    plans = [plan_charrnn_resume(one) if one.resume else None for one in recipes]
    print(t("recipes.charrnn.header", command="dlfs train charrnn",
            data=recipe.data,
            quick=t("recipes.quick") if quick else "", vocab=tokenizer.vocab_size,
            train=len(train_ids), val=len(val_ids)), flush=True)
    results = []
    for one, plan in zip(recipes, plans):
        print("\n" + t("recipes.charrnn.cell", cell=one.cell, layers=one.layers,
                       hidden=one.hidden, max_steps=one.max_steps, batch_size=one.batch_size,
                       num_steps=one.num_steps, clip=one.grad_clip, out=one.out_dir),
              flush=True)
        if plan is not None:
            print(f"  {plan.describe()}", flush=True)

        def report(step: float, train: float, val: float, seconds: float) -> None:
            print(t("recipes.charrnn.step", step=int(step), train=train, val=val,
                    perplexity=perplexity(val)), flush=True)

        run = train_charrnn(one, report=report, callbacks=[ProgressBar(), PrintCurves()],
                            resume=plan)
        results.append((one.cell, run))
        print(t("recipes.charrnn.done", seconds=run.seconds, norm=max(run.grad_norms)))
        print(t("recipes.charrnn.sample", temperature=one.sample.temperature)
              + f"\n{run.sample}\n  ---")
    print("\n" + t("recipes.charrnn.perplexity", results=", ".join(
        f"{cell} {run.val_perplexity:.2f}" for cell, run in results)))
    return 0


#: `dlfs train charrnn` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(CharRNNRecipe, QUICK, run_charrnn)
