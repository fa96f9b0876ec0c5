"""Recipe: supervised fine-tuning (SFT) of the capstone GPT on offline instructions
(`dlfs train sft`).

    help topics --dlfs train gpt (or --base RUN)--> a character GPT
      --extend_vocabulary (+ <|user|> <|assistant|> <|end|>)--> the same GPT, three ids more
      --fit on (prompt, response) turns, loss masked on the prompt--> a model that answers

Stage 1, pre-training, is the capstone recipe itself (:func:`dlfs.recipes.gpt.train_gpt`): it
runs inside this run's directory (``<out>/pretrain``) unless ``--base`` names a finished
``dlfs train gpt`` run. Stage 2 trains every weight on the instruction set of
:mod:`dlfs.data.text.instructions` with :func:`~dlfs.data.text.instructions.sft_loss` (the
prompt tokens contribute nothing), through :func:`dlfs.train.fit` with checkpoints, resume,
TensorBoard and the NaN guard. The exact-answer accuracy on the held-out questions is measured
before SFT (the pre-trained model alone), every ``eval_every`` steps, and at the end; all of
it lands in ``run.json`` (``kind: "sft"``), which ``dlfs chat`` and ``dlfs train dpo`` read.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..data import DataLoader
from ..data.text.instructions import (
    END,
    FAMILIES,
    ChatTokenizer,
    Instruction,
    InstructionSet,
    collate_sft,
    make_instructions,
    sft_example,
    sft_loss,
)
from ..data.text.tokenizers import CharTokenizer
from ..errors import DlfsError
from ..i18n import t
from ..models import GPT, GPTConfig
from ..models.chat import ChatModel, extend_vocabulary
from ..optim import AdamW
from ..optim.lr_scheduler import LambdaLR, warmup_cosine_factor
from ..train import Callback, RunReport, TensorBoardLogger, fit, log_scalar
from ..train.checkpoint import atomic_write_text
from .options import check_fields, command_line, flat_values, print_next, replace_nested
from .registry import RecipeCommand
from .resume import (
    RecordRecipe,
    ResumePlan,
    ResumePolicy,
    plan_resume,
    resume_field,
)
from .sampling import SamplingConfig

__all__ = ["COMMAND", "QUICK", "RESUME_POLICY", "Accuracy", "HeldOutAccuracy", "SFTRecipe",
           "SFTRun", "accuracy", "instructions_of", "run_sft", "train_sft"]

#: questions per family held out / kept for DPO's preference pairs (the set's other sizes)
N_TEST, N_DPO = 50, 200
#: the longest answer is 10 characters (then <|end|>); one more shows a model that rambles
EVAL_TOKENS = 12


@dataclass(frozen=True)
class SFTRecipe:
    """One SFT run. Defaults: the capstone GPT (4 layers, width 128) pre-trained here for
    1500 steps on the help topics, then 1000 SFT steps of 32 turns."""

    base: str | None = field(default=None, metadata={
        "help": "a finished `dlfs train gpt` run (character tokenizer) to start from; "
                "default: pre-train one first, inside this run (<out>/pretrain)",
        "help_zh": "作为起点的一次已完成的 `dlfs train gpt` 运行（字符分词器）"
                   "；默认：先在本次运行里预训练一个（`<out>/pretrain`）",
        "metavar": "DIR", "path": "in-dir"})
    pretrain_data: str = field(default="help", metadata={
        "help": "the pre-training text without --base: 'help', 'stdlib' or a UTF-8 file "
                "(it must contain every character of the instructions)",
        "help_zh": "不给 --base 时的预训练文本：`help`、`stdlib` 或一个 UTF-8 "
                   "文件（必须包含指令中的每个字符）", "metavar": "CORPUS"})
    pretrain_steps: int = field(default=1500, metadata={
        "help": "pre-training steps (the capstone recipe) without --base",
        "help_zh": "不给 --base 时的预训练步数（用毕业项目的配方）", "min": 1})
    model: GPTConfig = field(default_factory=GPTConfig, metadata={
        "help": "the network pre-trained here (a --base run brings its own)",
        "help_zh": "在这里预训练的网络（--base 运行自带网络）"})
    n_train: int = field(default=2000, metadata={
        "help": "training questions per instruction family (at most; five families)",
        "help_zh": "每类指令的训练问题数（上限；共五类）",
        "min": 1})
    batch_size: int = field(default=32, metadata={"help": "turns per optimizer step",
                                                  "help_zh": "每个优化步的对话轮数",
                                                  "min": 1})
    max_steps: int = field(default=1000, metadata={
        "help": "SFT optimizer steps",
        "help_zh": "SFT 优化步数", "aliases": ("--steps",), "min": 1})
    lr: float = field(default=1e-3, metadata={"help": "peak learning rate (AdamW)",
                                              "help_zh": "峰值学习率（AdamW）",
                                              "above": 0})
    min_lr: float = field(default=1e-4, metadata={
        "help": "learning rate at the end of the cosine decay",
        "help_zh": "余弦衰减结束时的学习率", "above": 0})
    warmup_steps: int = field(default=30, metadata={"help": "steps of linear warm-up",
                                                    "help_zh": "线性预热的步数",
                                                    "min": 0})
    weight_decay: float = field(default=0.0, metadata={
        "help": "AdamW weight decay of the matrices and embeddings",
        "help_zh": "矩阵和嵌入的 AdamW 权重衰减", "min": 0})
    grad_clip: float | None = field(default=1.0, metadata={
        "help": "clip the global gradient norm to this",
        "help_zh": "把全局梯度范数裁剪到这个值", "above": 0})
    eval_every: int = field(default=250, metadata={
        "help": "steps between held-out accuracies (and checkpoints)",
        "help_zh": "每隔多少步计算一次留出集准确率（并保存检查点）", "min": 1})
    seed: int = field(default=1337, metadata={
        "help": "seed of the pre-training (initialization, batches) and of the SFT batch "
                "order",
        "help_zh": "预训练（初始化、批次）和 SFT 批次顺序的随机种子", "min": 0, "below": 2**32})
    out_dir: str = field(default="runs/sft", metadata={
        "help": "run directory: checkpoints, TensorBoard logs, run.json (and pretrain/)",
        "help_zh": "运行目录：检查点、TensorBoard 日志、run.json（以及 `pretrain/`）",
        "aliases": ("--out",), "metavar": "DIR", "path": "out-dir"})
    resume: bool = resume_field()

    def __post_init__(self) -> None:
        check_fields(self)
        if self.min_lr > self.lr:
            raise ValueError(t("recipes.min_lr", cls="SFTRecipe", min_lr=self.min_lr,
                               lr=self.lr))


#: `--quick`: the whole pipeline in seconds (a tiny model; its answers are poor)
QUICK = {"pretrain_steps": 20, "max_steps": 30, "eval_every": 30, "n_train": 200,
         "model.n_layer": 1, "model.n_embd": 32, "model.n_head": 2}

#: `--resume`: what may differ from the saved run (see :mod:`dlfs.recipes.resume`)
RESUME_POLICY = ResumePolicy(
    applied=("max_steps", "lr", "min_lr", "warmup_steps", "weight_decay", "grad_clip"),
    free=("eval_every", "out_dir", "resume"))


# ---- measuring: exact-answer accuracy ------------------------------------------------------

@dataclass(frozen=True)
class Accuracy:
    """Exact-answer accuracy over a list of questions, overall and per family."""

    overall: float
    by_family: dict[str, float]
    n: int

    def describe(self) -> str:
        parts = ", ".join(t(f"recipes.sft.family.{f}") + f" {v:.0%}"
                          for f, v in self.by_family.items())
        return t("recipes.sft.accuracy", overall=self.overall, n=self.n, parts=parts)

    def to_dict(self) -> dict[str, Any]:
        return {"overall": self.overall, "by_family": self.by_family, "n": self.n}


def accuracy(chat: ChatModel, items: Sequence[Instruction]) -> Accuracy:
    """Greedy answers to ``items``, each counted right only when exactly its answer."""
    if not items:
        raise ValueError("accuracy: got no questions to ask")
    replies = chat.answers([i.prompt for i in items], max_new_tokens=EVAL_TOKENS)
    right = [i.is_correct(r) for i, r in zip(items, replies)]
    by_family = {}
    for family in FAMILIES:
        hits = [ok for i, ok in zip(items, right) if i.family == family]
        if hits:
            by_family[family] = sum(hits) / len(hits)
    return Accuracy(sum(right) / len(right), by_family, len(right))


def answer_samples(chat: ChatModel, items: Sequence[Instruction], n: int = 3) -> str:
    """Greedy answers to ``n`` of the held-out questions, spread over the list, with the
    expected ones: ``samples/text`` in TensorBoard at each evaluation."""
    picked = list(items[::max(1, len(items) // n)])[:n]
    replies = chat.answers([i.prompt for i in picked], max_new_tokens=EVAL_TOKENS)
    return "\n".join(f"Q: {i.prompt}\nA: {r!r}  (expected {i.answer!r})"
                     for i, r in zip(picked, replies))


class HeldOutAccuracy(Callback):
    """Every ``every`` steps and at the end: the held-out accuracy, logged to TensorBoard
    (``val/accuracy`` and ``val/accuracy_<family>``) and kept in the checkpoint
    (``evals``: [step, mean train loss since the last one, accuracy] rows)."""

    def __init__(self, every: int, chat: ChatModel, items: Sequence[Instruction],
                 logger: TensorBoardLogger,
                 report: Callable[[list[float], Accuracy, float], None] | None = None):
        self.every, self.chat, self.items, self.logger = every, chat, items, logger
        self.report = report
        self.evals: list[list[float]] = []
        self.last: Accuracy | None = None
        self.start = time.perf_counter()

    def on_train_begin(self, trainer: Any) -> None:
        self.start = time.perf_counter()
        self.evals = trainer.checkpoint_extra.setdefault("evals", [])

    def on_step_end(self, trainer: Any, logs: dict[str, float]) -> None:
        if trainer.state.step % self.every == 0:
            self._eval(trainer)

    def on_train_end(self, trainer: Any) -> None:
        if trainer.error is None:
            self._eval(trainer)

    def _eval(self, trainer: Any) -> None:
        step = trainer.state.step
        if self.evals and self.evals[-1][0] == step and self.last is not None:
            return
        self.last = acc = accuracy(self.chat, self.items)
        recent = trainer.history.step_loss[-self.every:] or [float("nan")]
        row = [step, sum(recent) / len(recent), acc.overall]
        if not (self.evals and self.evals[-1][0] == step):
            self.evals.append(row)
        log_scalar(trainer, "val/accuracy", acc.overall, step)
        for family, value in acc.by_family.items():
            log_scalar(trainer, f"val/accuracy_{family}", value, step)
        if self.report:
            self.report(row, acc, time.perf_counter() - self.start)


# ---- the pipeline -----------------------------------------------------------------------------

def instructions_of(info: dict[str, Any]) -> InstructionSet:
    """The instruction set a run describes (``run.json``'s ``instructions``)."""
    return make_instructions(**info["instructions"])


def _instruction_args(recipe: SFTRecipe) -> dict[str, int]:
    return {"n_train": recipe.n_train, "n_dpo": N_DPO, "n_test": N_TEST, "seed": 0}


def _pretrain(recipe: SFTRecipe, report: Callable[[str], None] | None) -> tuple[GPT, Any]:
    """Stage 1: the capstone recipe, run into ``<out>/pretrain``; (model, tokenizer)."""
    from .gpt import GPTRecipe, train_gpt

    steps = recipe.pretrain_steps
    gpt_recipe = GPTRecipe(data=recipe.pretrain_data, model=recipe.model, max_steps=steps,
                           warmup_steps=min(100, steps // 10), eval_every=min(250, steps),
                           eval_batches=4, seed=recipe.seed,
                           out_dir=str(Path(recipe.out_dir) / "pretrain"),
                           sample=SamplingConfig(tokens=0))

    def line(step: int, train: float, val: float, seconds: float) -> None:
        if report:
            report(t("recipes.sft.pretrain_step", step=step, train=train, val=val,
                     seconds=seconds))

    run = train_gpt(gpt_recipe, report=line)
    return run.model, run.tokenizer


def _load_base(path: str) -> tuple[GPT, Any]:
    from .sampling import load_run, read_run_info

    kind = read_run_info(path).get("kind", "gpt")
    if kind != "gpt":
        raise DlfsError(t("recipes.sft.base_kind", path=path, kind=kind))
    model, tokenizer, _ = load_run(path)
    return model, tokenizer


def chat_tokenizer(base: Any, instructions: InstructionSet, where: str) -> ChatTokenizer:
    """The chat tokenizer over ``base``; a :class:`DlfsError` when ``base`` is not a
    character tokenizer or lacks a character of the instructions (``where`` names the run)."""
    if not isinstance(base, CharTokenizer):
        raise DlfsError(t("recipes.sft.not_char", where=where,
                          kind=getattr(base, "kind", type(base).__name__)))
    missing = sorted(set(instructions.text()) - set(base.itos))
    if missing:
        raise DlfsError(t("recipes.sft.missing_chars", where=where, chars="".join(missing)))
    return ChatTokenizer(base)


def _check_context(block_size: int, instructions: InstructionSet, where: str) -> None:
    """A :class:`DlfsError` unless the longest turn of every split fits the context."""
    tokenizer = ChatTokenizer(CharTokenizer.from_text(instructions.text()))
    every = (*instructions.train, *instructions.dpo, *instructions.test)
    longest = max(len(sft_example(tokenizer, i.prompt, i.answer)[0]) for i in every)
    if longest > block_size:
        raise DlfsError(t("recipes.sft.context", where=where, block_size=block_size,
                          longest=longest))


def _check_before_start(recipe: SFTRecipe, instructions: InstructionSet) -> None:
    """What can be refused before any pre-training: the batch, the pre-training text's
    characters, the context."""
    if recipe.batch_size > len(instructions.train):
        raise DlfsError(t("recipes.batch_too_large", batch_size=recipe.batch_size,
                          n=len(instructions.train), what=t("recipes.what.turns")))
    if recipe.base is None:
        from ..data.text import load_corpus

        text = load_corpus(recipe.pretrain_data).text
        chat_tokenizer(CharTokenizer.from_text(text), instructions,
                       f"--pretrain-data {recipe.pretrain_data}")
        _check_context(recipe.model.block_size, instructions, "--block-size")


@dataclass
class SFTRun:
    """What :func:`train_sft` returns."""

    chat: ChatModel
    instructions: InstructionSet
    before: Accuracy | dict[str, Any]   # the pre-trained model alone (a dict after a resume)
    after: Accuracy
    evals: list[list[float]]            # [step, mean train loss, held-out accuracy]
    seconds: float
    out_dir: Path


def _write_run_info(recipe: SFTRecipe, chat: ChatModel, instructions: dict[str, int],
                    extra: dict[str, Any]) -> None:
    """``run.json`` (atomically): what ``dlfs chat`` and ``dlfs train dpo`` rebuild from."""
    info = {"kind": "sft", "recipe": dataclasses.asdict(recipe),
            "model": dataclasses.asdict(chat.model.config),
            "tokenizer": chat.tokenizer.to_dict(), "instructions": instructions, **extra}
    atomic_write_text(Path(recipe.out_dir) / "run.json",
                      json.dumps(info, ensure_ascii=False, indent=1))


def _saved_info(out_dir: Path) -> dict[str, Any]:
    from .chat import read_chat_info

    return read_chat_info(out_dir, kinds=("sft",))


def plan_sft_resume(recipe: SFTRecipe) -> ResumePlan:
    """Check that ``recipe`` may ``--resume`` the run in its ``out_dir``; nothing is written."""
    return plan_resume(recipe, Path(recipe.out_dir) / "checkpoints", RESUME_POLICY)


def _starting_model(recipe: SFTRecipe, resume: ResumePlan | None,
                    report: Callable[[str], None] | None
                    ) -> tuple[ChatModel, InstructionSet, dict[str, int], Any]:
    """The model SFT starts from, its instruction set, and the accuracy before SFT."""
    args = _instruction_args(recipe)
    instructions = make_instructions(**args)
    _check_before_start(recipe, instructions)
    if resume is not None:                       # the checkpoint holds every weight
        info = _saved_info(Path(recipe.out_dir))
        tokenizer = ChatTokenizer.from_dict(info["tokenizer"])
        model = GPT(GPTConfig(**info["model"]))
        return ChatModel(model, tokenizer), instructions, args, info["accuracy"]["pretrain"]
    if recipe.base is not None:
        base_model, base_tok = _load_base(recipe.base)
        where = f"--base {recipe.base}"
    else:
        base_model, base_tok = _pretrain(recipe, report)
        where = f"--pretrain-data {recipe.pretrain_data}"
    tokenizer = chat_tokenizer(base_tok, instructions, where)
    _check_context(base_model.config.block_size, instructions, where)
    torch.manual_seed(recipe.seed)
    chat = ChatModel(extend_vocabulary(base_model, tokenizer.vocab_size), tokenizer)
    return chat, instructions, args, accuracy(chat, instructions.test)


def train_sft(recipe: SFTRecipe, *, callbacks: Sequence[Callback] = (),
              report: Callable[[list[float], Accuracy, float], None] | None = None,
              say: Callable[[str], None] | None = None,
              resume: ResumePlan | None = None) -> SFTRun:
    """Pre-train (or load ``--base``), extend the vocabulary, measure, fine-tune, measure.

    Checkpoints go to ``<out_dir>/checkpoints`` (resumable: the pre-training is then not
    repeated), TensorBoard logs to ``<out_dir>/tensorboard``; ``run.json`` is written when
    SFT starts and again with the final accuracy. Trains under the NaN/Inf guard."""
    if recipe.resume and resume is None:
        resume = plan_sft_resume(recipe)
    chat, instructions, args, before = _starting_model(recipe, resume, say)
    model, tokenizer = chat.model, chat.tokenizer
    examples = [sft_example(tokenizer, i.prompt, i.answer) for i in instructions.train]
    before_dict = before.to_dict() if isinstance(before, Accuracy) else before
    out_dir = Path(recipe.out_dir)
    pad_id = tokenizer.id_of(END)
    loader = DataLoader(examples, batch_size=recipe.batch_size, shuffle=True, drop_last=True,
                        collate_fn=lambda batch: collate_sft(batch, pad_id),
                        generator=torch.Generator().manual_seed(recipe.seed))
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = AdamW([{"params": decay, "weight_decay": recipe.weight_decay},
                       {"params": no_decay, "weight_decay": 0.0}], lr=recipe.lr,
                      betas=(0.9, 0.99))
    scheduler = LambdaLR(optimizer, warmup_cosine_factor(
        recipe.warmup_steps, recipe.max_steps, recipe.min_lr / recipe.lr))
    logger = TensorBoardLogger(str(out_dir / "tensorboard"), throughput="tokens")
    held_out = HeldOutAccuracy(recipe.eval_every, chat, instructions.test, logger, report)
    report_run = RunReport(out_dir, every=recipe.eval_every, hparams=flat_values(recipe),
                           text=lambda m: answer_samples(chat, instructions.test),
                           metrics=("val/accuracy",), title="dlfs train sft")
    started = RecordRecipe(recipe, lambda: _write_run_info(
        recipe, chat, args, {"accuracy": {"pretrain": before_dict}}))
    start = time.perf_counter()
    fit(model, loader, optimizer=optimizer, scheduler=scheduler, loss_fn=sft_loss,
        forward=lambda m, batch: (m(batch[0])[0], batch[1]),
        callbacks=[started, held_out, report_run, logger, *callbacks],
        max_steps=recipe.max_steps,
        device="cpu", clip_grad_norm=recipe.grad_clip, seed=recipe.seed,
        checkpoint_dir=str(out_dir / "checkpoints"), checkpoint_every=recipe.eval_every,
        log_dir=str(out_dir / "tensorboard"),
        resume=str(resume.checkpoint) if resume is not None else False,
        resume_hparams="given", nan_guard=True)
    seconds = time.perf_counter() - start
    after = held_out.last or accuracy(chat, instructions.test)
    _write_run_info(recipe, chat, args, {"accuracy": {"pretrain": before_dict,
                                                      "sft": after.to_dict()},
                                         "sft_seconds": seconds})
    return SFTRun(chat, instructions, before, after, held_out.evals, seconds, out_dir)


# ---- the command line: `dlfs train sft` --------------------------------------------------------

def next_commands(recipe: SFTRecipe, quick: bool) -> list[tuple[str, str]]:
    """What to try after a run, as commands that work when pasted: (command, why)."""
    run = shlex.quote(recipe.out_dir)
    base = replace_nested(SFTRecipe(), QUICK) if quick else SFTRecipe()
    words = ["dlfs", "train", "sft", *(["--quick"] if quick else [])]
    longer = dataclasses.replace(recipe, max_steps=2 * recipe.max_steps, resume=True)
    return [(f"dlfs chat --run {run} --once \"What is 17 + 25?\"", t("recipes.sft.next.once")),
            (f"dlfs chat --run {run}", t("recipes.sft.next.chat")),
            (f"dlfs train dpo --from {run}" + (" --quick" if quick else ""),
             t("recipes.sft.next.dpo")),
            (command_line(words, longer, base), t("recipes.next.continue")),
            (f"tensorboard --logdir {run}/tensorboard", t("recipes.sft.next.curves"))]


def run_sft(recipe: SFTRecipe, quick: bool = False) -> int:
    """`dlfs train sft`: pre-train (or load --base), then SFT with progress lines, then the
    accuracies before and after."""
    from ..train import PrintCurves, ProgressBar

    print(t("recipes.sft.header", command="dlfs train sft",
            quick=t("recipes.quick") if quick else ""), flush=True)
    resume = plan_sft_resume(recipe) if recipe.resume else None
    if resume is not None:
        print(resume.describe(), flush=True)
    elif recipe.base is None:
        print(t("recipes.sft.stage1", data=recipe.pretrain_data, steps=recipe.pretrain_steps,
                out=recipe.out_dir), flush=True)

    def report(row: list[float], acc: Accuracy, seconds: float) -> None:
        print(t("recipes.sft.step", step=int(row[0]), train=row[1], acc=acc.describe(),
                seconds=seconds), flush=True)

    def say(text: str) -> None:
        print(text, flush=True)

    run = train_sft(recipe, report=report, say=say, callbacks=[ProgressBar(), PrintCurves()],
                    resume=resume)
    before = run.before.overall if isinstance(run.before, Accuracy) else run.before["overall"]
    print("\n" + t("recipes.sft.result", n=run.after.n, before=before,
                   after=run.after.overall, seconds=run.seconds))
    for item in run.instructions.test[::N_TEST][:5]:
        print(t("recipes.sft.example", prompt=item.prompt,
                answer=run.chat.answer(item.prompt), expected=item.answer))
    print_next(next_commands(recipe, quick))
    return 0


#: `dlfs train sft` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(SFTRecipe, QUICK, run_sft)
