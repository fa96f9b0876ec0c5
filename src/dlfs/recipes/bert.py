"""Recipe: BERT, pre-trained as a masked language model, then fine-tuned (`dlfs train bert`).

    source lines --BPE, pack--> chunks [CLS] t_1..t_n --mask_tokens (80/10/10)--> BertForMaskedLM
        --fit (checkpoints, --resume, TensorBoard)-->  <out>/pretrain          stage "pretrain"
    a few labelled lines per package --> BertClassifier, body from <out>/pretrain
        --fit--> <out>/finetuned ;  the same classifier from random weights --> <out>/scratch
        --> held-out accuracy of both: the gain from pre-training            stage "finetune"

Every piece is a library one: the text, its BPE tokenizer (learned on the pre-training
lines, stored in every checkpoint) and the masking rule (:mod:`dlfs.data.text.mlm`), the
models (:mod:`dlfs.models.bert`), AdamW with a linear warm-up then a constant rate (so a
resumed pre-training continues exactly as the uninterrupted one), and the loop
(:func:`dlfs.train.fit`). The held-out test lines of the classification task are removed
from the pre-training text: the model never sees them before the test. The masks of
training batches are drawn from torch's global generator inside the loop's forward, whose
state the checkpoints carry; the held-out MLM loss uses fixed masks (its own generator).

``--stage both`` (the default) runs the two stages in turn; ``--stage finetune`` fine-tunes
from the newest pre-training checkpoint of ``--out`` (the model settings must match it).
Fine-tuning always starts afresh (it takes seconds); ``--resume`` continues pre-training.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from torch import Tensor

from ..data import DataLoader, TensorDataset
from ..data.text.mlm import (
    IGNORE_INDEX,
    BertTokenizer,
    FineTuneData,
    finetune_data,
    mask_tokens,
    pretraining_lines,
)
from ..errors import DlfsError
from ..i18n import t
from ..metrics import accuracy
from ..models.bert import BertClassifier, BertConfig, BertForMaskedLM
from ..nn import functional as F
from ..optim import AdamW
from ..optim.lr_scheduler import LambdaLR, warmup_constant_factor
from ..runtime import eval_mode
from ..textui import table
from ..train import (
    Callback,
    CheckpointManager,
    PeriodicEval,
    RunReport,
    TensorBoardLogger,
    fit,
    log_scalar,
)
from ..train.checkpoint import atomic_write_text
from ..train.run_report import run_logging
from .options import check_fields, flat_values, recipe_options
from .registry import RecipeCommand
from .resume import (
    RecordRecipe,
    ResumePlan,
    ResumePolicy,
    check_state_shapes,
    plan_resume,
    resume_field,
)

__all__ = ["COMMAND", "QUICK", "RESUME_POLICY", "BertRecipe", "FinetuneResult", "PretrainResult",
           "PretrainText", "Pretrained", "finetune_bert", "held_out_mlm", "load_pretrained",
           "mlm_forward", "plan_bert_resume", "pretrain_bert", "pretraining_text", "run_bert"]

#: the fine-tuned classifier and the one trained from scratch (sub-folders of the run)
VARIANTS = {"finetuned": "pre-trained, then fine-tuned", "scratch": "from scratch"}
#: chunks of held-out text the MLM loss is measured on
EVAL_CHUNKS = 512


@dataclass(frozen=True)
class BertRecipe:
    """One run. Defaults: a character BERT of width 64, 2 layers, 4 heads (about 0.12 M
    parameters); 2000 pre-training steps of 64 chunks; then 20 labelled lines per package
    (100 in all), 300 fine-tuning steps, and the same from scratch."""

    stage: Literal["both", "pretrain", "finetune"] = field(default="both", metadata={
        "help": "what to run: pre-training, fine-tuning (from the newest pre-training "
                "checkpoint in the run directory), or both in turn",
        "help_zh": "运行什么：预训练、微调（从运行目录中最新的预训练检查点开始），或依次两者都做"})
    model: BertConfig = field(default_factory=BertConfig, metadata={
        "help": "the network (vocabulary: the BPE tokens, [PAD], [CLS], [MASK])",
        "help_zh": "网络结构（词表：BPE 词元以及 `[PAD]`、`[CLS]`、`[MASK]`）"})
    bpe_vocab_size: int = field(default=1024, metadata={
        "help": "BPE tokens learned on the pre-training text (256 bytes + merges); the "
                "three special ids come on top",
        "help_zh": "在预训练文本上学到的 BPE 词元数（256 "
                   "个字节加上合并规则）；另加三个特殊 id", "min": 257})
    pretrain_data: Literal["packages", "stdlib"] = field(default="packages", metadata={
        "help": "the unlabelled text: the source of the five packages of the task, or of "
                "the whole standard library (test lines of the task always left out)",
        "help_zh": "无标注文本：任务中五个包的源码，"
                   "或整个标准库的源码（任务的测试行始终排除在外）"})
    pretrain_chars: int | None = field(default=None, metadata={
        "help": "read only about this many characters of that source (default: all)",
        "help_zh": "只读取该源码的大约这么多个字符（默认：全部）",
        "min": 1000})
    batch_size: int = field(default=64, metadata={
        "help": "chunks of text per pre-training step",
        "help_zh": "每个预训练步的文本块数", "min": 1})
    max_steps: int = field(default=2000, metadata={
        "help": "pre-training steps",
        "help_zh": "预训练步数", "aliases": ("--steps",), "min": 1})
    lr: float = field(default=1e-3, metadata={
        "help": "pre-training learning rate (AdamW) after the warm-up",
        "help_zh": "预热之后的预训练学习率（AdamW）", "above": 0})
    warmup_steps: int = field(default=200, metadata={
        "help": "steps of linear warm-up of the pre-training learning rate",
        "help_zh": "预训练学习率线性预热的步数", "min": 0})
    weight_decay: float = field(default=0.01, metadata={
        "help": "AdamW weight decay of the matrices (pre-training and fine-tuning)",
        "help_zh": "矩阵的 AdamW 权重衰减（预训练和微调都用）",
        "min": 0})
    mask_prob: float = field(default=0.15, metadata={
        "help": "share of the characters chosen for prediction (of those: 80 % [MASK], "
                "10 % a random character, 10 % unchanged)",
        "help_zh": "被选中用于预测的字符比例（其中 80 % 换成 `[MASK]`，10 "
                   "% 换成随机字符，10 % 保持不变）", "above": 0, "max": 1})
    eval_every: int = field(default=500, metadata={
        "help": "pre-training steps between held-out MLM losses (and checkpoints)",
        "help_zh": "每隔多少个预训练步计算一次留出集 MLM 损失（并保存检查点）", "min": 1})
    labelled_per_class: int = field(default=20, metadata={
        "help": "labelled training lines per package for fine-tuning (the test set is "
                "always the same 300 per package)",
        "help_zh": "微调时每个包的带标注训练行数（测试集始终是每"
                   "个包同样的 300 行）", "min": 1, "max": 1200})
    finetune_steps: int = field(default=300, metadata={
        "help": "optimizer steps of each classifier (fine-tuned and from scratch)",
        "help_zh": "每个分类器（微调的和从零训练的）的优化步数", "min": 1})
    finetune_lr: float = field(default=1e-3, metadata={
        "help": "learning rate of both classifiers",
        "help_zh": "两个分类器的学习率", "above": 0})
    finetune_batch_size: int = field(default=32, metadata={
        "help": "labelled lines per fine-tuning step",
        "help_zh": "每个微调步的带标注行数", "min": 1})
    finetune_dropout: float = field(default=0.1, metadata={
        "help": "dropout of both classifiers (their bodies and the pooled [CLS])",
        "help_zh": "两个分类器的 Dropout（主体和池化后的 `[CLS]`）",
        "min": 0, "below": 1})
    seed: int = field(default=0, metadata={
        "help": "seed of the initializations, the batch order and the masks",
        "help_zh": "初始化、批次顺序和掩码的随机种子", "min": 0,
        "below": 2**32})
    out_dir: str = field(default="runs/bert", metadata={
        "help": "run directory: pretrain/, finetuned/, scratch/ (checkpoints, TensorBoard "
                "logs) and run.json",
        "help_zh": "运行目录：`pretrain/`、`finetuned/`、`scratch/`（检查点、TensorBoard "
                   "日志）和 run.json", "aliases": ("--out",), "metavar": "DIR",
        "path": "out-dir"})
    resume: bool = resume_field(
        "continue pre-training from the newest good checkpoint in the run directory "
        "(refused when there is none or when a model or data setting differs; a "
        "changed --lr or --max-steps is applied from the resumed step on). "
        "Fine-tuning always starts afresh",
        "从运行目录中最新的完好检查点继续预训练（若没有检查点，"
        "或模型、数据的某项设置不同，则拒绝；改动的 --lr 或 "
        "--max-steps 从恢复的那一步起生效）。微调总是从头开始")

    def __post_init__(self) -> None:
        check_fields(self)
        if self.resume and self.stage == "finetune":
            raise ValueError(t("recipes.bert.resume_finetune"))

    def model_config(self, tokenizer: BertTokenizer) -> BertConfig:
        """The body's config with the tokenizer's vocabulary filled in."""
        return dataclasses.replace(self.model, vocab_size=tokenizer.vocab_size,
                                   pad_id=tokenizer.pad_id)


#: `--quick`: a smoke run of the whole pipeline in seconds (what the tests use).
QUICK = {"max_steps": 30, "eval_every": 15, "warmup_steps": 10, "pretrain_chars": 100_000,
         "bpe_vocab_size": 384, "batch_size": 32, "model.d_model": 32,
         "model.dim_feedforward": 64, "model.max_len": 32, "finetune_steps": 20}

#: `--resume` of the pre-training: what may differ from the saved run
RESUME_POLICY = ResumePolicy(
    applied=("max_steps", "lr", "warmup_steps", "weight_decay", "model.dropout"),
    free=("stage", "eval_every", "out_dir", "resume", "labelled_per_class", "finetune_steps",
          "finetune_lr", "finetune_batch_size", "finetune_dropout"))


# ---- pre-training ---------------------------------------------------------------------------


@dataclass
class PretrainResult:
    """What :func:`pretrain_bert` returns."""

    model: BertForMaskedLM
    tokenizer: BertTokenizer
    evals: list[list[float]]          # [step, mean train loss, held-out loss, held-out acc]
    seconds: float
    cpu_seconds: float
    chunks: int                       # training chunks of text

    def to_dict(self) -> dict[str, Any]:
        step, train, loss, acc = self.evals[-1]
        return {"step": int(step), "train_loss": train, "val_loss": loss, "val_acc": acc,
                "seconds": self.seconds, "cpu_seconds": self.cpu_seconds,
                "chunks": self.chunks}


@dataclass(frozen=True)
class PretrainText:
    """The tokenizer learned on the pre-training text, and the text packed: (N, T) ids."""

    tokenizer: BertTokenizer
    train: Tensor
    val: Tensor


def pretraining_text(recipe: BertRecipe, task: FineTuneData) -> PretrainText:
    """Read the unlabelled lines (the task's test lines left out), learn the BPE tokenizer
    on the training lines, pack both splits into chunks of ``model.max_len`` ids."""
    train, val = pretraining_lines(recipe.pretrain_data, exclude={s for s, _ in task.test},
                                   max_chars=recipe.pretrain_chars)
    tokenizer = BertTokenizer.train("\n".join(train), recipe.bpe_vocab_size)
    T = recipe.model.max_len
    train_ids = tokenizer.pack(train, T)
    if len(train_ids) < recipe.batch_size or not val:
        raise DlfsError(t("recipes.bert.few_chunks", n=len(train_ids), tokens=T - 1,
                          batch_size=recipe.batch_size))
    return PretrainText(tokenizer, train_ids, tokenizer.pack(val, T)[:EVAL_CHUNKS])


def _masked(ids: Tensor, recipe: BertRecipe, tokenizer: BertTokenizer,
            generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    return mask_tokens(ids, vocab_size=tokenizer.vocab_size, mask_id=tokenizer.mask_id,
                       special_ids=tokenizer.special_ids, mask_prob=recipe.mask_prob,
                       generator=generator)


def mlm_forward(recipe: BertRecipe, tokenizer: BertTokenizer
                ) -> Callable[[torch.nn.Module, Any], tuple[Tensor, Tensor]]:
    """The loop's forward for a batch of chunks (B, T): mask them (torch's global
    generator, whose state the checkpoints carry), then the logits at the chosen positions
    (M, V) and their targets (M,)."""
    def forward(model: torch.nn.Module, batch: Any) -> tuple[Tensor, Tensor]:
        inputs, labels = _masked(batch[0], recipe, tokenizer)
        chosen = labels != IGNORE_INDEX                               # (B, T)
        return model.masked_logits(inputs, chosen), labels[chosen]    # (M, V), (M,)
    return forward


@torch.no_grad()
def held_out_mlm(model: BertForMaskedLM, ids: Tensor, recipe: BertRecipe,
                 tokenizer: BertTokenizer, seed: int = 0) -> tuple[float, float]:
    """(mean MLM loss, share of chosen tokens predicted right) on the chunks ``ids``
    (N, T), with masks from a generator seeded with ``seed`` (the same every time; torch's
    global state untouched), in eval mode."""
    gen = torch.Generator().manual_seed(seed)
    loss_sum, right, total = 0.0, 0, 0
    with eval_mode(model):
        for batch in ids.split(128):
            inputs, labels = _masked(batch, recipe, tokenizer, gen)
            chosen = labels != IGNORE_INDEX
            if not bool(chosen.any()):
                continue
            logits, target = model.masked_logits(inputs, chosen), labels[chosen]
            loss_sum += float(F.cross_entropy(logits, target, reduction="sum"))
            right += int((logits.argmax(-1) == target).sum())
            total += len(target)
    return loss_sum / max(total, 1), right / max(total, 1)


class MLMEval(PeriodicEval):
    """Every ``every`` steps and at the end: the held-out MLM loss (the row's value) and the
    masked-token accuracy (appended to the row), logged to TensorBoard as ``loss/val`` and
    ``val/masked_accuracy``."""

    def __init__(self, every: int, measure: Callable[[Any], tuple[float, float]],
                 logger: TensorBoardLogger,
                 report: Callable[[list[float], float], None] | None = None):
        super().__init__(every, self._loss, tag="val/loss")
        self.measure, self.logger, self.row_report = measure, logger, report
        self._acc = float("nan")

    def _loss(self, model: Any) -> float:
        loss, self._acc = self.measure(model)
        return loss

    def _eval(self, trainer: Any) -> None:
        before = len(self.evals)
        super()._eval(trainer)
        if len(self.evals) == before:
            return
        row = self.evals[-1]
        row.append(self._acc)
        log_scalar(trainer, "val/masked_accuracy", row[3], row[0])
        if self.row_report is not None:
            self.row_report(row, time.perf_counter() - self.start)


class StoreTokenizer(Callback):
    """Keep the tokenizer's merges in every checkpoint: a pre-training checkpoint alone is
    enough to fine-tune from."""

    def __init__(self, tokenizer: BertTokenizer):
        self.data = tokenizer.to_dict()

    def on_train_begin(self, trainer: Any) -> None:
        trainer.checkpoint_extra["tokenizer"] = self.data


def _adamw(model: torch.nn.Module, lr: float, weight_decay: float) -> AdamW:
    """AdamW that decays the matrices and embeddings only (not biases and gains)."""
    params = list(model.parameters())
    return AdamW([{"params": [p for p in params if p.dim() >= 2],
                   "weight_decay": weight_decay},
                  {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
                 lr=lr)


def plan_bert_resume(recipe: BertRecipe) -> ResumePlan:
    """Check that ``recipe`` may ``--resume`` the pre-training in its ``out_dir``."""
    return plan_resume(recipe, Path(recipe.out_dir) / "pretrain" / "checkpoints",
                       RESUME_POLICY)


def pretrain_bert(recipe: BertRecipe, task: FineTuneData, *,
                  text: PretrainText | None = None, callbacks: Sequence[Callback] = (),
                  report: Callable[[list[float], float], None] | None = None,
                  resume: ResumePlan | None = None) -> PretrainResult:
    """Masked-language-model pre-training per ``recipe`` into ``<out>/pretrain``
    (checkpoints every ``eval_every`` steps, TensorBoard), under the NaN guard."""
    if recipe.resume and resume is None:
        resume = plan_bert_resume(recipe)
    text = text or pretraining_text(recipe, task)
    tokenizer = text.tokenizer
    torch.manual_seed(recipe.seed)
    model = BertForMaskedLM(recipe.model_config(tokenizer))
    if resume is not None:
        check_state_shapes(model, resume.payload["model"], resume.checkpoint)
    out = Path(recipe.out_dir) / "pretrain"
    loader = DataLoader(TensorDataset(text.train), batch_size=recipe.batch_size, shuffle=True,
                        drop_last=True, generator=torch.Generator().manual_seed(recipe.seed))
    optimizer = _adamw(model, recipe.lr, recipe.weight_decay)
    logger = TensorBoardLogger(str(out / "tensorboard"), throughput="tokens")
    report_run = RunReport(out, hparams=flat_values(recipe), title="dlfs train bert: MLM",
                           metrics=("loss/val", "val/masked_accuracy"))
    evaluator = MLMEval(recipe.eval_every,
                        lambda m: held_out_mlm(m, text.val, recipe, tokenizer, recipe.seed),
                        logger, report)
    started = RecordRecipe(recipe, lambda: _write_run_info(recipe, tokenizer))
    start, cpu = time.perf_counter(), time.process_time()
    fit(model, loader, optimizer=optimizer, scheduler=LambdaLR(
            optimizer, warmup_constant_factor(recipe.warmup_steps)),
        loss_fn=F.cross_entropy, forward=mlm_forward(recipe, tokenizer),
        callbacks=[started, StoreTokenizer(tokenizer), evaluator, report_run, logger,
                   *callbacks],
        max_steps=recipe.max_steps, device="cpu", seed=recipe.seed, clip_grad_norm=1.0,
        checkpoint_dir=str(out / "checkpoints"), checkpoint_every=recipe.eval_every,
        log_dir=str(out / "tensorboard"),
        resume=str(resume.checkpoint) if resume is not None else False,
        resume_hparams="given", nan_guard=True)
    return PretrainResult(model, tokenizer, evaluator.evals, time.perf_counter() - start,
                          time.process_time() - cpu, len(text.train))


# ---- fine-tuning -----------------------------------------------------------------------------


@dataclass
class Pretrained:
    """A pre-trained body to fine-tune from: its weights, tokenizer and step."""

    state: dict[str, Tensor]
    tokenizer: BertTokenizer
    step: int


def load_pretrained(recipe: BertRecipe) -> Pretrained:
    """The newest good pre-training checkpoint of ``recipe.out_dir``. A :class:`DlfsError`
    when there is none, or when it was trained with other model or tokenizer settings
    (naming them)."""
    folder = Path(recipe.out_dir) / "pretrain" / "checkpoints"
    path, payload, problems = CheckpointManager(folder).load_latest()
    if payload is None or "tokenizer" not in payload.get("extra", {}):
        found = t("recipes.run.found", problems="; ".join(problems)) if problems else ""
        raise DlfsError(t("recipes.bert.no_pretrained", folder=folder, found=found))
    saved = payload["extra"].get("recipe", {})
    now = dataclasses.asdict(recipe)
    flags = {o.path: o.flags[0].replace("--no-", "--") for o in recipe_options(BertRecipe)}
    pairs = [(f"model.{k}", saved.get("model", {}).get(k), v)
             for k, v in now["model"].items() if k != "dropout"]
    pairs.append(("bpe_vocab_size", saved.get("bpe_vocab_size"), recipe.bpe_vocab_size))
    diffs = [f"{flags.get(path, path)} {old} -> {new}" for path, old, new in pairs
             if old is not None and old != new]
    if diffs:
        raise DlfsError(t("recipes.bert.other_settings", folder=folder,
                          diffs=", ".join(diffs)))
    tokenizer = BertTokenizer.from_dict(payload["extra"]["tokenizer"])
    check_state_shapes(BertForMaskedLM(recipe.model_config(tokenizer)), payload["model"], path)
    return Pretrained(payload["model"], tokenizer, int(payload["trainer"]["step"]))


@dataclass
class FinetuneResult:
    """One classifier's outcome."""

    name: str
    accuracy: float
    seconds: float
    cpu_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _fresh_checkpoints(folder: Path) -> None:
    """Fine-tuning starts afresh: drop the step files of an earlier fine-tuning here, so the
    newest file always belongs to this run."""
    manager = CheckpointManager(folder)
    for path in [*manager.step_files(), manager.best_path]:
        path.unlink(missing_ok=True)


def finetune_bert(recipe: BertRecipe, task: FineTuneData, pretrained: Pretrained, *,
                  callbacks: Sequence[Callback] = ()) -> dict[str, FinetuneResult]:
    """Train the classifier twice on ``task.train`` with the same settings, head
    initialisation and batches: once with the ``pretrained`` body, once from random
    weights; return the held-out accuracy of each (``"finetuned"``, ``"scratch"``)."""
    tok, T = pretrained.tokenizer, recipe.model.max_len
    x_tr = tok.encode_batch([s for s, _ in task.train], T)
    y_tr = torch.tensor([y for _, y in task.train])
    x_te = tok.encode_batch([s for s, _ in task.test], T)
    y_te = torch.tensor([y for _, y in task.test])
    config = dataclasses.replace(recipe.model_config(tok), dropout=recipe.finetune_dropout)
    results = {}
    for variant, name in VARIANTS.items():
        torch.manual_seed(recipe.seed)
        model = BertClassifier(config, len(task.classes))
        if variant == "finetuned":
            model.load_pretrained(pretrained.state)
        out = Path(recipe.out_dir) / variant
        _fresh_checkpoints(out / "checkpoints")
        loader = DataLoader(TensorDataset(x_tr, y_tr), batch_size=min(
            recipe.finetune_batch_size, len(x_tr)), shuffle=True, drop_last=True,
            generator=torch.Generator().manual_seed(recipe.seed))
        optimizer = _adamw(model, recipe.finetune_lr, recipe.weight_decay)
        evaluator = PeriodicEval(recipe.finetune_steps, lambda m: _accuracy(m, x_te, y_te),
                                 tag="val/accuracy")
        logs = run_logging(out, hparams=flat_values(recipe), metrics=("val/accuracy",),
                           title=f"dlfs train bert: {name}")
        start, cpu = time.perf_counter(), time.process_time()
        fit(model, loader, optimizer=optimizer, scheduler=LambdaLR(
                optimizer, warmup_constant_factor(min(20, recipe.finetune_steps))),
            loss_fn=F.cross_entropy, callbacks=[evaluator, *logs, *callbacks],
            max_steps=recipe.finetune_steps, device="cpu", seed=recipe.seed, clip_grad_norm=1.0,
            checkpoint_dir=str(out / "checkpoints"), checkpoint_every=recipe.finetune_steps,
            log_dir=str(out / "tensorboard"), nan_guard=True)
        results[variant] = FinetuneResult(name, evaluator.evals[-1][2],
                                          time.perf_counter() - start,
                                          time.process_time() - cpu)
    return results


@torch.no_grad()
def _accuracy(model: torch.nn.Module, x: Tensor, y: Tensor) -> float:
    with eval_mode(model):
        logits = torch.cat([model(b) for b in x.split(256)])
    return accuracy(logits, y)


# ---- run.json and the command line -----------------------------------------------------------


def _write_run_info(recipe: BertRecipe, tokenizer: BertTokenizer, **parts: Any) -> None:
    """``<out>/run.json`` (atomically): the recipe, model and tokenizer, plus what each stage
    measured (an earlier stage's part is kept when a later one runs alone)."""
    path = Path(recipe.out_dir) / "run.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        kept = {k: info[k] for k in ("pretrain", "finetune") if k in info and k not in parts}
    except (OSError, ValueError, TypeError):
        kept = {}
    info = {"kind": "bert", "recipe": dataclasses.asdict(recipe),
            "model": dataclasses.asdict(recipe.model_config(tokenizer)),
            "tokenizer": tokenizer.to_dict(), **kept, **parts}
    atomic_write_text(path, json.dumps(info, ensure_ascii=False))


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{seconds % 60:04.1f}s"


def _run_pretrain(recipe: BertRecipe, task: FineTuneData) -> PretrainResult:
    from ..train import PrintCurves, ProgressBar

    resume = plan_bert_resume(recipe) if recipe.resume else None
    text = pretraining_text(recipe, task)
    tok, c = text.tokenizer, recipe.model
    n_params = sum(p.numel() for p in BertForMaskedLM(recipe.model_config(tok)).parameters())
    print(t("recipes.bert.pretraining", source=recipe.pretrain_data, n_test=len(task.test),
            chunks=len(text.train), tokens=c.max_len - 1, vocab=tok.vocab_size,
            d_model=c.d_model, n_layer=c.n_layer, n_head=c.n_head, params=n_params),
          flush=True)
    if resume is not None:
        print(resume.describe(), flush=True)

    def report(row: list[float], seconds: float) -> None:
        step, train, loss, acc = row
        print(t("recipes.bert.step", step=int(step), train=train, loss=loss, acc=acc,
                time=_minutes(seconds)), flush=True)

    result = pretrain_bert(recipe, task, text=text, callbacks=[ProgressBar(), PrintCurves()],
                           report=report, resume=resume)
    print(t("recipes.bert.pretrained", max_steps=recipe.max_steps,
            batch_size=recipe.batch_size, time=_minutes(result.seconds),
            cpu=result.cpu_seconds, out=recipe.out_dir), flush=True)
    _write_run_info(recipe, tok, pretrain=result.to_dict())
    return result


def _run_finetune(recipe: BertRecipe, task: FineTuneData,
                  pretrained: Pretrained) -> dict[str, FinetuneResult]:
    from ..train import PrintCurves, ProgressBar

    k = len(task.classes)
    print(t("recipes.bert.finetuning", classes=", ".join(task.classes), n=len(task.train),
            per_class=recipe.labelled_per_class, n_test=len(task.test), chance=1 / k,
            steps=recipe.finetune_steps, step=pretrained.step), flush=True)
    results = finetune_bert(recipe, task, pretrained, callbacks=[ProgressBar(), PrintCurves()])
    rows = [[t("recipes.table.classifier"), t("recipes.table.accuracy"),
             t("recipes.table.seconds"), t("recipes.table.cpu")]]
    rows += [[t(f"recipes.bert.variant.{variant}"), f"{r.accuracy:.1%}", f"{r.seconds:.1f}",
              f"{r.cpu_seconds:.1f}"] for variant, r in results.items()]
    print("\n" + "\n".join(table(rows, align="<>>>")))
    gain = results["finetuned"].accuracy - results["scratch"].accuracy
    print(t("recipes.bert.gain", points=100 * gain), flush=True)
    _write_run_info(recipe, pretrained.tokenizer,
                    finetune={**{v: r.to_dict() for v, r in results.items()}, "gain": gain,
                              "pretrain_step": pretrained.step, "labelled": len(task.train),
                              "test": len(task.test)})
    return results


def run_bert(recipe: BertRecipe, quick: bool = False) -> int:
    """`dlfs train bert`: pre-train and/or fine-tune, printing as it goes."""
    print(t("recipes.bert.header", command="dlfs train bert",
            stage=recipe.stage,
            quick=t("recipes.quick") if quick else ""), flush=True)
    task = finetune_data(recipe.labelled_per_class)
    if recipe.stage == "finetune":
        pretrained = load_pretrained(recipe)
    else:
        result = _run_pretrain(recipe, task)
        pretrained = Pretrained(result.model.state_dict(), result.tokenizer,
                                int(result.evals[-1][0]))
    if recipe.stage in ("both", "finetune"):
        _run_finetune(recipe, task, pretrained)
    return 0


#: `dlfs train bert` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(BertRecipe, QUICK, run_bert)
