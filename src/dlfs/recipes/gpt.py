"""The capstone recipe: train the from-scratch GPT on a text corpus, then sample from it.

    text --tokenizer--> ids --windows of T+1--> (x, y) batches --fit--> GPT --generate--> text

Everything is a library piece: the corpus and tokenizers (``dlfs.data.text``), the
windows and the DataLoader (``dlfs.data``), the model (``dlfs.models.GPT``), AdamW and the LR
schedule (``dlfs.optim``), the loop with checkpoints and TensorBoard (``dlfs.train.fit``) and
the decoding (``dlfs.generate``). This file only wires them together: :func:`train_gpt` for
code, :func:`run_gpt` for ``dlfs train gpt`` (options generated from :class:`GPTRecipe`).
Sampling a saved run later (``dlfs sample``) is :mod:`dlfs.recipes.sampling`.

Many processes: ``dlfs train gpt --nproc N`` starts N copies through torchrun
(:func:`dlfs.distributed.launch`); the same run also starts by hand as
``torchrun --nproc_per_node N -m dlfs train gpt …`` (or across machines with
``--nnodes`` and ``--rdzv-endpoint``). Each process reads its shard of every batch (the
``--batch-size`` windows are split evenly, through :class:`dlfs.distributed.DistributedSampler`),
so N processes follow the trajectory of one (up to float rounding); rank 0 alone prints,
logs and writes checkpoints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shlex
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch

from ..data import DataLoader
from ..data.text import ByteBPETokenizer, CharTokenizer, load_corpus
from ..data.text.batching import TokenWindows
from ..distributed import DistributedSampler
from ..distributed import env as dist_env
from ..distributed.launch import launch, quiet_unless_main
from ..errors import DlfsError
from ..i18n import t
from ..models import GPT, GPTConfig
from ..optim import AdamW
from ..optim.lr_scheduler import LambdaLR, warmup_cosine_factor
from ..train import Callback, PeriodicEval, RunReport, TensorBoardLogger, fit
from ..train.checkpoint import atomic_write_text
from .lm import check_windows_fit, estimate_loss, lm_forward, next_token_loss
from .options import check_fields, command_line, flat_values, print_next, replace_nested
from .registry import RecipeCommand
from .resume import (
    RecordRecipe,
    ResumePlan,
    ResumePolicy,
    check_state_shapes,
    plan_resume,
    resume_field,
)
from .sampling import SamplingConfig, read_run_info, sample_text

__all__ = ["COMMAND", "QUICK", "RESUME_POLICY", "GPTRecipe", "GPTRun", "PreparedText",
           "build_model", "check_compiler", "check_fits", "compile_cache_dir",
           "plan_gpt_resume", "prepare_text", "run_gpt", "train_gpt"]

Tokenizer = CharTokenizer | ByteBPETokenizer


@dataclass(frozen=True)
class GPTRecipe:
    """Everything that defines a capstone run. Defaults: the ~0.8 M-parameter character
    model of :class:`GPTConfig` (4 layers, 4 heads, width 128, context 64), batches of 12,
    on Python's help topics."""

    data: str = field(default="help", metadata={
        "help": "the text: 'help' (Python's help topics), 'stdlib' (its source code) or "
                "a UTF-8 text file",
        "help_zh": "训练文本：`help`（Python 的帮助主题）、`stdlib`（标准库"
                   "源码）或一个 UTF-8 文本文件", "metavar": "CORPUS"})
    tokenizer: Literal["char", "bpe"] = field(default="char", metadata={
        "help": "characters, or byte-level BPE merges learned on the training split",
        "help_zh": "按字符切分，或用在训练集上学到的字节级 BPE 合并规则"})
    bpe_vocab_size: int = field(default=512, metadata={
        "help": "vocabulary size of the BPE tokenizer",
        "help_zh": "BPE 分词器的词表大小"})
    model: GPTConfig = field(default_factory=GPTConfig, metadata={
        "help": "the network; vocab_size comes from the tokenizer",
        "help_zh": "网络结构；vocab_size 由分词器决定"})
    batch_size: int = field(default=12, metadata={"help": "windows per optimizer step",
                                                  "help_zh": "每个优化步的窗口数"})
    max_steps: int = field(default=3000, metadata={
        "help": "optimizer steps; the default takes about 4 minutes on 2 CPU cores",
        "help_zh": "优化步数；默认值在 2 个 CPU 核上约需 4 分钟",
        "aliases": ("--steps",)})
    lr: float = field(default=1e-3, metadata={"help": "peak learning rate (AdamW)",
                                              "help_zh": "峰值学习率（AdamW）"})
    min_lr: float = field(default=1e-4, metadata={
        "help": "learning rate at the end of the cosine decay",
        "help_zh": "余弦衰减结束时的学习率"})
    warmup_steps: int = field(default=100, metadata={"help": "steps of linear warm-up",
                                                     "help_zh": "线性预热的步数",
                                                     "min": 0})
    weight_decay: float = field(default=0.1, metadata={
        "help": "AdamW weight decay of the matrices and embeddings (not biases, gains)",
        "help_zh": "矩阵和嵌入的 AdamW 权重衰减（偏置和增益不衰减）",
        "min": 0})
    grad_clip: float | None = field(default=1.0, metadata={
        "help": "clip the global gradient norm to this",
        "help_zh": "把全局梯度范数裁剪到这个值", "above": 0})
    amp: Literal["bf16", "fp16"] | None = field(default=None, metadata={
        "help": "mixed precision: bf16 (bfloat16 autocast, the CPU's fast format) or fp16 "
                "(float16 autocast with dynamic loss scaling; on most CPUs float16 matmuls "
                "are emulated and slow: for learning, or a GPU)",
        "help_zh": "混合精度：bf16（`bfloat16` 自动混合精度，CPU 上的快速格式）"
                   "或 fp16（`float16` 自动混合精度加动态损失缩放；多数 CPU 上的 "
                   "`float16` 矩阵乘法靠模拟，很慢：适合学习，或在 GPU 上用）"})
    nproc: int = field(default=1, metadata={
        "help": "train with N processes on this machine (torchrun, gloo on the CPU): each "
                "takes batch-size / N windows of every batch; the same trajectory as one "
                "process, up to float rounding",
        "help_zh": "在本机用 N 个进程训练（`torchrun`，CPU 上用 `gloo`）："
                   "每个进程处理每批中的 batch-size / N 个窗口；"
                   "训练轨迹与单进程相同，只差浮点舍入", "min": 1, "metavar": "N"})
    eval_every: int = field(default=250, metadata={
        "help": "steps between validation losses (and checkpoints)",
        "help_zh": "每隔多少步计算一次验证损失（并保存检查点）"})
    eval_batches: int = field(default=20, metadata={
        "help": "batches of validation windows per validation loss",
        "help_zh": "每次验证损失用多少批验证窗口"})
    seed: int = field(default=1337, metadata={
        "help": "seed of the initialization, the batch order and the final sample",
        "help_zh": "初始化、批次顺序和最终采样的随机种子",
        "min": 0, "below": 2**32})
    out_dir: str = field(default="runs/gpt", metadata={
        "help": "run directory: checkpoints, TensorBoard logs, run.json",
        "help_zh": "运行目录：检查点、TensorBoard 日志、run.json",
        "aliases": ("--out",), "metavar": "DIR", "path": "out-dir"})
    resume: bool = resume_field()
    deterministic: bool = field(default=True, metadata={
        "help": "bitwise-repeatable training on any fixed number of threads: torch's "
                "deterministic kernels, which on the CPU change only the embedding's backward "
                "(otherwise summed with thread-timing-dependent atomic adds); measured no "
                "slower (2 threads: 63.3 ms per step of the default model, 64.0 without)",
        "help_zh": "在任意固定线程数下逐位可复现的训练：使用 torch 的确定性内核，在 "
                   "CPU 上只改变嵌入层的反向传播（否则由依赖线程时序的原子加法求和）"
                   "；实测不更慢（2 线程：默认模型每步 63.3 ms，不开启时 64.0）"})
    compile: bool = field(default=False, metadata={
        "help": "train through torch.compile of the model (C++ kernels built by TorchInductor; "
                "needs a C++ compiler): the first step compiles (29-65 s measured on 2 "
                "cores, 5-15 s once the kernels are cached in compile-cache/ beside the run "
                "directory), later steps are faster; evaluation and sampling stay eager",
        "help_zh": "用 `torch.compile` 编译后的模型训练（`TorchInductor` 生成并编译 C++ "
                   "内核，需要 C++ 编译器）：第一步用来编译（2 核上实测 29–65 秒，内核缓存到"
                   "运行目录旁的 compile-cache/ 之后 5–15 秒），之后每步更快；"
                   "验证和采样仍用未编译的模型"})
    explain_shapes: bool = field(default=False, metadata={
        "help": "first print every tensor's shape in one forward pass",
        "help_zh": "先打印一次前向传播中每个张量的形状"})
    sample: SamplingConfig = field(default_factory=SamplingConfig, metadata={
        "prefix": "sample_", "help": "the sample printed at the end (`dlfs sample` later)",
        "help_zh": "训练结束时打印的采样（之后可用 `dlfs sample`）"})

    def __post_init__(self) -> None:
        check_fields(self)
        for name in ("bpe_vocab_size", "batch_size", "max_steps", "eval_every",
                     "eval_batches"):
            if getattr(self, name) < 1:
                raise ValueError(t("recipes.options.out_of_bounds", cls="GPTRecipe", name=name,
                                   sign=">=", bound=1, value=getattr(self, name)))
        if not 0 < self.min_lr <= self.lr:
            raise ValueError(t("recipes.gpt.min_lr", min_lr=self.min_lr, lr=self.lr))
        if self.batch_size % self.nproc:
            raise ValueError(t("recipes.gpt.nproc_split", batch_size=self.batch_size,
                               nproc=self.nproc))

    def model_config(self, vocab_size: int) -> GPTConfig:
        """The model config with the tokenizer's vocabulary size filled in."""
        return dataclasses.replace(self.model, vocab_size=vocab_size)


#: `--quick`: a smoke run of the whole pipeline in seconds (what the tests use).
QUICK = {"max_steps": 30, "eval_every": 15, "eval_batches": 2, "model.n_layer": 2,
         "model.n_embd": 64, "sample.tokens": 60}

#: `--resume`: what may differ from the saved run (see :mod:`dlfs.recipes.resume`)
RESUME_POLICY = ResumePolicy(
    applied=("max_steps", "lr", "min_lr", "warmup_steps", "weight_decay", "grad_clip", "amp",
             "deterministic", "model.dropout", "model.fused", "model.grad_checkpoint",
             "nproc", "compile"),
    free=("eval_every", "eval_batches", "out_dir", "resume", "explain_shapes", "sample."))


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
    """``run.json``: what ``dlfs sample`` rebuilds the run from; written atomically."""
    info = {"recipe": dataclasses.asdict(recipe), "model": dataclasses.asdict(model_cfg),
            "tokenizer": tokenizer.to_dict()}
    atomic_write_text(out_dir / "run.json", json.dumps(info, ensure_ascii=False))


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


def step_bytes(recipe: GPTRecipe, vocab_size: int) -> int:
    """A rough lower bound of the memory one training step needs: parameters with their
    gradients and two AdamW moments (4 floats each), and per layer the attention scores
    ``(B, H, T, T)`` kept for the backward (scores, softmax, its gradient)."""
    c = recipe.model
    params = vocab_size * c.n_embd + c.block_size * c.n_embd + 12 * c.n_layer * c.n_embd ** 2
    scores = recipe.batch_size * c.n_head * c.block_size ** 2
    return 4 * (4 * params + 3 * c.n_layer * scores)


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):   # not a POSIX system
        return None


def check_fits(recipe: GPTRecipe, prepared: PreparedText) -> None:
    """Refuse, before anything is allocated, a context longer than the text's splits or a
    step larger than this machine's memory; a :class:`DlfsError` names the options."""
    check_windows_fit(f"--data {recipe.data}", len(prepared.train_ids), len(prepared.val_ids),
                      window=recipe.model.block_size, batch_size=recipe.batch_size,
                      window_flag="--block-size")
    need, have = step_bytes(recipe, prepared.tokenizer.vocab_size), _memory_bytes()
    if have is not None and need > have:
        c = recipe.model
        raise DlfsError(t("recipes.gpt.memory", block_size=c.block_size, n_embd=c.n_embd,
                          n_layer=c.n_layer, n_head=c.n_head, batch_size=recipe.batch_size,
                          need=need / 2**30, have=have / 2**30))


def plan_gpt_resume(recipe: GPTRecipe) -> ResumePlan:
    """Check that ``recipe`` may ``--resume`` the run in its ``out_dir`` (see
    :mod:`dlfs.recipes.resume`); nothing is written."""
    out_dir = Path(recipe.out_dir)
    try:
        saved = read_run_info(out_dir)["recipe"]
    except DlfsError:
        saved = None                      # the checkpoints carry their recipe anyway
    return plan_resume(recipe, out_dir / "checkpoints", RESUME_POLICY, fallback_recipe=saved)


def check_compiler(recipe: GPTRecipe) -> None:
    """With ``--compile``, refuse before training when no C++ compiler is on the PATH
    (TorchInductor builds its CPU kernels with one; without it the first step would fail
    deep inside torch)."""
    if not recipe.compile:
        return
    names = [os.environ["CXX"]] if os.environ.get("CXX") else ["g++", "c++", "clang++"]
    if not any(shutil.which(name) for name in names):
        raise DlfsError(t("recipes.gpt.no_compiler", names=", ".join(names)))


def compile_cache_dir(recipe: GPTRecipe) -> Path:
    """Where ``--compile`` keeps TorchInductor's kernels: ``compile-cache/`` beside the run
    directory (``runs/compile-cache`` by default), shared by the runs there."""
    return Path(recipe.out_dir).resolve().parent / "compile-cache"


@contextlib.contextmanager
def _compile_cache(recipe: GPTRecipe) -> Iterator[None]:
    """With ``--compile``: TorchInductor's kernels go to :func:`compile_cache_dir` while the
    run trains (``TORCHINDUCTOR_CACHE_DIR``, restored afterwards), so the next run of the same
    model finds them there and compiles in seconds instead of a minute."""
    if not recipe.compile:
        yield
        return
    before = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(compile_cache_dir(recipe))
    try:
        yield
    finally:
        if before is None:
            del os.environ["TORCHINDUCTOR_CACHE_DIR"]
        else:
            os.environ["TORCHINDUCTOR_CACHE_DIR"] = before


def _world_size(recipe: GPTRecipe) -> int:
    """The number of processes of this run (joining torchrun's group first, if launched by
    it); the batch must split evenly among them."""
    dist_env.init_from_env()
    world = dist_env.world_size()
    if recipe.batch_size % world:
        raise DlfsError(t("recipes.gpt.world_split", batch_size=recipe.batch_size,
                          world=world))
    return world


def train_gpt(recipe: GPTRecipe, *, prepared: PreparedText | None = None,
              callbacks: Sequence[Callback] = (),
              report: Callable[[int, float, float, float], None] | None = None,
              resume: ResumePlan | None = None) -> GPTRun:
    """Train per ``recipe``, checkpointing into ``<out_dir>/checkpoints`` (resumable), log to
    ``<out_dir>/tensorboard``, and sample ``recipe.sample.tokens`` tokens at the end.

    Everything is checked before anything is written: the text against the context
    (:func:`check_fits`) and, with ``recipe.resume``, the saved run against the recipe
    (``resume``, or :func:`plan_gpt_resume`). ``run.json`` is written once training has
    started. Trains under the NaN/Inf guard: a non-finite loss, gradient or weight raises
    :class:`dlfs.train.NonFiniteError` and leaves the last finite checkpoint the newest."""
    prepared = prepared or prepare_text(recipe)
    check_fits(recipe, prepared)
    check_compiler(recipe)
    if recipe.resume and resume is None:
        resume = plan_gpt_resume(recipe)
    tokenizer = prepared.tokenizer
    sampling = dataclasses.replace(recipe.sample,   # the prompt is checked before training
                                   prompt=usable_prompt(recipe.sample.prompt, prepared))
    model = build_model(recipe, tokenizer.vocab_size)
    if resume is not None:
        check_state_shapes(model, resume.payload["model"], resume.checkpoint)
    out_dir = Path(recipe.out_dir)
    started = RecordRecipe(recipe, lambda: _save_run_info(out_dir, recipe, model.config,
                                                          tokenizer))

    world = _world_size(recipe)
    T = recipe.model.block_size
    windows = TokenWindows(prepared.train_ids, T)
    # each rank takes batch_size / world windows of every batch (see DistributedSampler)
    loader = DataLoader(windows, batch_size=recipe.batch_size // world, drop_last=True,
                        sampler=DistributedSampler(windows, seed=recipe.seed),
                        generator=torch.Generator().manual_seed(recipe.seed))
    decay = [p for p in model.parameters() if p.dim() >= 2]       # matrices and embeddings
    no_decay = [p for p in model.parameters() if p.dim() < 2]     # biases and norm gains
    optimizer = AdamW([{"params": decay, "weight_decay": recipe.weight_decay},
                       {"params": no_decay, "weight_decay": 0.0}],
                      lr=recipe.lr, betas=(0.9, 0.99),
                      foreach=True)   # one _foreach_ call per operation, the same numbers
    scheduler = LambdaLR(optimizer, warmup_cosine(recipe))
    val_windows = TokenWindows(prepared.val_ids, T)
    evaluator = PeriodicEval(recipe.eval_every, lambda m: estimate_loss(
        m, val_windows, batches=recipe.eval_batches, batch_size=recipe.batch_size), report,
        tag="val/loss")
    # 100 characters: a line of text per evaluation, ~1 s on two cores (12 in a default run)
    sample_settings = dataclasses.replace(sampling, tokens=min(sampling.tokens, 100))
    # the run's report (samples/text, hparams, curves.png) and its log, tokens per second
    extras = [RunReport(out_dir, every=recipe.eval_every, hparams=flat_values(recipe),
                        text=lambda m: sample_text(m, tokenizer, sample_settings,
                                                   seed=sampling.seed_for(recipe.seed)),
                        title=f"dlfs train gpt on {recipe.data!r}"),
              TensorBoardLogger(str(out_dir / "tensorboard"), throughput="tokens")]
    start = time.perf_counter()
    on_main = [started] if dist_env.is_main_process() else []   # run.json: rank 0 writes it
    with _compile_cache(recipe):
        fit(model, loader, optimizer=optimizer, scheduler=scheduler, loss_fn=next_token_loss,
            forward=lm_forward, callbacks=[*on_main, evaluator, *extras, *callbacks],
            max_steps=recipe.max_steps, device="cpu", clip_grad_norm=recipe.grad_clip,
            amp=recipe.amp, seed=recipe.seed, checkpoint_dir=str(out_dir / "checkpoints"),
            checkpoint_every=recipe.eval_every, log_dir=str(out_dir / "tensorboard"),
            resume=str(resume.checkpoint) if resume is not None else False,
            resume_hparams="given", nan_guard=True, deterministic=recipe.deterministic,
            compile=recipe.compile)
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
    print("\n" + t("recipes.gpt.shapes") + f"\n{format_trace(rows)}\n")


def next_commands(recipe: GPTRecipe, run: GPTRun, quick: bool) -> list[tuple[str, str]]:
    """What to try after a run, as complete commands that work when pasted (after a
    ``--quick`` run, in their quick form): (command, why)."""
    base = replace_nested(GPTRecipe(), QUICK) if quick else GPTRecipe()
    words = ["dlfs", "train", "gpt", *(["--quick"] if quick else [])]
    longer = dataclasses.replace(recipe, max_steps=2 * recipe.max_steps, resume=True,
                                 explain_shapes=False)
    return [
        (f"dlfs sample --run {shlex.quote(recipe.out_dir)} --prompt {shlex.quote(run.prompt)}",
         t("recipes.gpt.next.sample")),
        (command_line(words, longer, base), t("recipes.next.continue")),
        ("dlfs run capstone-shapes" + (" --quick" if quick else ""),
         t("recipes.gpt.next.shapes")),
        ("dlfs tour", t("recipes.gpt.next.tour")),
        ("dlfs list --track pytorch", t("recipes.gpt.next.lessons")),
    ]


def _command_args(recipe: GPTRecipe, quick: bool) -> list[str]:
    """``recipe`` as ``dlfs`` arguments (``train gpt [--quick] --option value …``)."""
    base = replace_nested(GPTRecipe(), QUICK) if quick else GPTRecipe()
    words = ["train", "gpt", *(["--quick"] if quick else [])]
    return shlex.split(command_line(words, recipe, base))


def run_gpt(recipe: GPTRecipe, quick: bool = False) -> int:
    """`dlfs train gpt`: train with progress lines, then print a sample and what to do next.
    With ``--nproc N`` (and not already one of torchrun's processes): start N processes
    through torchrun, each running this; rank 0 alone prints."""
    if recipe.nproc > 1 and not dist_env.launched_by_torchrun():
        return launch(recipe.nproc, _command_args(recipe, quick))
    try:
        with quiet_unless_main():
            return _run_gpt(recipe, quick)
    finally:
        dist_env.destroy()


def _run_gpt(recipe: GPTRecipe, quick: bool) -> int:
    from ..train import PrintCurves, ProgressBar

    cfg = recipe.model
    print(t("recipes.gpt.header", command="dlfs train gpt",
            data=recipe.data,
            quick=t("recipes.quick") if quick else ""), flush=True)
    prepared = prepare_text(recipe)
    print(prepared.description)
    print(t("recipes.gpt.tokens", tokenizer=recipe.tokenizer,
            vocab=prepared.tokenizer.vocab_size, train=len(prepared.train_ids),
            val=len(prepared.val_ids)))
    check_fits(recipe, prepared)
    check_compiler(recipe)
    resume = plan_gpt_resume(recipe) if recipe.resume else None
    model = build_model(recipe, prepared.tokenizer.vocab_size)
    print(t("recipes.gpt.model", n_layer=cfg.n_layer, n_head=cfg.n_head, n_embd=cfg.n_embd,
            block_size=cfg.block_size, millions=model.num_params() / 1e6,
            kind=t("recipes.gpt.fused") if cfg.fused else t("recipes.gpt.from_scratch"),
            checkpointing=t("recipes.gpt.grad_checkpoint") if cfg.grad_checkpoint else ""))
    if recipe.explain_shapes:
        _explain_shapes(model, prepared, cfg.block_size)
    if recipe.compile:
        print(t("recipes.gpt.compile", cache=compile_cache_dir(recipe)), flush=True)
    world = _world_size(recipe)
    split = t("recipes.gpt.split", world=world) if world > 1 else ""
    print(t("recipes.gpt.training", max_steps=recipe.max_steps, batch_size=recipe.batch_size,
            block_size=cfg.block_size, split=split, out=recipe.out_dir), flush=True)
    if resume is not None:
        print(resume.describe(), flush=True)

    def report(step: int, train: float, val: float, seconds: float) -> None:
        print(t("recipes.gpt.step", step=step, train=train, val=val,
                time=_minutes(seconds)), flush=True)

    # the bar draws only on a terminal, so logs and `make demo | tee` stay clean
    run = train_gpt(recipe, prepared=prepared, report=report,
                    callbacks=[ProgressBar(), PrintCurves()], resume=resume)
    steps = recipe.max_steps - (resume.step if resume is not None else 0)
    rate = steps * recipe.batch_size * cfg.block_size / max(run.seconds, 1e-9)
    print("\n" + t("recipes.gpt.done", val=run.val_loss, max_steps=recipe.max_steps,
                   time=_minutes(run.seconds), rate=rate))
    print(t("recipes.gpt.sample", temperature=recipe.sample.temperature, prompt=run.prompt))
    print(run.sample)
    print("---")
    print_next(next_commands(recipe, run, quick))
    return 0


#: `dlfs train gpt` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(GPTRecipe, QUICK, run_gpt)
