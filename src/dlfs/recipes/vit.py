"""Recipe: a Vision Transformer on the digits, beside a CNN of similar size (`dlfs train vit`).

    digit_images (N, 1, S, S) in [-1, 1] --batches--> ViT      --fit--> held-out accuracy
                                         --batches--> LeNet-5  --fit--> held-out accuracy
    --> one table: parameters, held-out accuracy, seconds (wall and CPU) of each

Every piece is a library one: the images (:func:`dlfs.generative.data.digit_images`, the
project's fixed split of scikit-learn's digits, or MNIST IDX files with ``--data DIR``), the
models (:class:`dlfs.models.vit.ViT`; the zoo's :func:`dlfs.models.cnn.lenet5` with ReLU,
about as many parameters as the default ViT), AdamW with a linear warm-up, then a constant
rate (so a run resumed at any step continues exactly as the uninterrupted one), and the loop
(:func:`dlfs.train.fit`: checkpoints, ``--resume``, TensorBoard, NaN guard). Both models
see the same batches in the same order. Each model trains in its own folder of the run
directory, ``<out>/vit`` and ``<out>/cnn`` (checkpoints, TensorBoard logs); ``<out>/run.json``
describes the run and, at the end, holds the table.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from torch import Tensor, nn

from ..data import DataLoader, TensorDataset
from ..errors import DlfsError
from ..i18n import t
from ..metrics import accuracy
from ..models.cnn import lenet5
from ..models.vit import ViT, ViTConfig
from ..nn import functional as F
from ..optim import AdamW
from ..optim.lr_scheduler import LambdaLR, warmup_constant_factor
from ..runtime import eval_mode
from ..textui import table
from ..train import Callback, PeriodicEval, fit
from ..train.checkpoint import atomic_write_text
from ..train.run_report import run_logging
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

__all__ = ["COMMAND", "MODELS", "QUICK", "RESUME_POLICY", "ModelResult", "ViTRecipe",
           "ViTRun", "build_model", "held_out_accuracy", "load_digits", "plan_vit_resume",
           "run_vit", "train_vit"]

#: parameters that AdamW does not decay, besides biases and gains
NO_DECAY = ("cls_token", "pos_embed")
#: what ``--models`` trains, and the name each gets in the table
MODELS = {"vit": "ViT", "cnn": "CNN (LeNet-5, ReLU)"}


@dataclass(frozen=True)
class ViTRecipe:
    """One comparison run. Defaults: 16x16 digits; a ViT with 4x4 patches (16 tokens + the
    class token), width 32, 2 layers, 4 heads (about 20 K parameters) and LeNet-5 (about
    21 K), each 3000 AdamW steps of 64 images."""

    data: str | None = field(default=None, metadata={
        "help": "folder with the four MNIST IDX files (default: scikit-learn's digits, "
                "built in)",
        "help_zh": "存放四个 MNIST IDX 文件的文件夹（默认：内置的 scikit-learn"
                   " `digits` 数据集）", "metavar": "DIR", "path": "in-dir"})
    models: Literal["both", "vit", "cnn"] = field(default="both", metadata={
        "help": "which to train: the ViT, the CNN, or both (then the table compares them)",
        "help_zh": "训练哪个：ViT、CNN，或两者都训（此时用表格比较）"})
    model: ViTConfig = field(default_factory=ViTConfig, metadata={
        "help": "the Vision Transformer (the images are resized to its image_size)",
        "help_zh": "视觉 Transformer（图像会缩放到它的 image_size）"})
    batch_size: int = field(default=64, metadata={"help": "images per optimizer step",
                                                  "help_zh": "每个优化步的图像数",
                                                  "min": 1})
    max_steps: int = field(default=3000, metadata={
        "help": "optimizer steps of each model",
        "help_zh": "每个模型的优化步数", "aliases": ("--steps",), "min": 1})
    lr: float = field(default=3e-3, metadata={
        "help": "learning rate (AdamW) after the warm-up",
        "help_zh": "预热之后的学习率（AdamW）", "above": 0})
    warmup_steps: int = field(default=100, metadata={
        "help": "steps of linear warm-up of the learning rate",
        "help_zh": "学习率线性预热的步数", "min": 0})
    weight_decay: float = field(default=0.01, metadata={
        "help": "AdamW weight decay of the matrices (not of biases, gains, the class token "
                "or the positions)",
        "help_zh": "矩阵的 AdamW 权重衰减（偏置、增益、类别词元和位置编码不衰减）", "min": 0})
    eval_every: int = field(default=500, metadata={
        "help": "steps between held-out accuracies (and checkpoints)",
        "help_zh": "每隔多少步计算一次留出集准确率（并保存检查点）", "min": 1})
    seed: int = field(default=0, metadata={
        "help": "seed of the initialization and the batch order",
        "help_zh": "初始化和批次顺序的随机种子", "min": 0, "below": 2**32})
    out_dir: str = field(default="runs/vit", metadata={
        "help": "run directory: <out>/vit and <out>/cnn (checkpoints, TensorBoard logs), "
                "run.json",
        "help_zh": "运行目录：`<out>/vit` 和 `<out>/cnn`（检查点、TensorBoard 日志）、"
                   "run.json", "aliases": ("--out",), "metavar": "DIR", "path": "out-dir"})
    resume: bool = resume_field(
        "continue each model from the newest good checkpoint in its folder of the run "
        "directory. Refused, before anything is written, when there is none or when a "
        "setting of the model, the data or the batches differs from the saved run; a "
        "changed --lr, --max-steps or --weight-decay is applied from the resumed step "
        "on and reported",
        "让每个模型从运行目录中各自文件夹里最新的完好检查点继续训练。若没有检查点，"
        "或模型、数据、批次的某项设置与保存的运行不同，则在写入任何内容之前拒绝；改动的 "
        "--lr、--max-steps 或 --weight-decay 从恢复的那一步起生效，并会报告出来")

    def __post_init__(self) -> None:
        check_fields(self)
        if self.model.in_channels != 1 or self.model.num_classes != 10:
            raise ValueError(t("recipes.vit.channels_classes"))
        if self.models != "vit" and self.model.image_size < 12:
            raise ValueError(t("recipes.vit.image_size", image_size=self.model.image_size))

    @property
    def trained(self) -> tuple[str, ...]:
        """The models this run trains, in table order."""
        return ("vit", "cnn") if self.models == "both" else (self.models,)


#: `--quick`: a smoke run of the whole pipeline in seconds (what the tests use).
QUICK = {"max_steps": 30, "eval_every": 15, "warmup_steps": 10, "model.d_model": 16,
         "model.n_head": 2, "model.dim_feedforward": 32}

#: `--resume`: what may differ from the saved run (see :mod:`dlfs.recipes.resume`)
RESUME_POLICY = ResumePolicy(applied=("max_steps", "lr", "weight_decay"),
                             free=("models", "eval_every", "out_dir", "resume"))


def load_digits(recipe: ViTRecipe, split: str) -> tuple[Tensor, Tensor]:
    """The recipe's images of ``split`` ("train" or "test"): (N, 1, S, S) in [-1, 1], (N,)."""
    from ..generative.data import digit_images

    return digit_images(split, size=recipe.model.image_size, data=recipe.data)


def build_model(recipe: ViTRecipe, kind: str) -> nn.Module:
    """The ``kind`` ("vit" or "cnn") model, initialized from ``recipe.seed``."""
    torch.manual_seed(recipe.seed)
    if kind == "vit":
        return ViT(recipe.model)
    if kind == "cnn":
        return lenet5(num_classes=10, in_channels=1, image_size=recipe.model.image_size,
                      activation="relu")
    raise ValueError(f"build_model: kind must be 'vit' or 'cnn', got {kind!r}")


def count_params(model: nn.Module) -> int:
    """Every parameter of ``model``."""
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def held_out_accuracy(model: nn.Module, images: Tensor, labels: Tensor) -> float:
    """Share of ``images`` (N, 1, S, S) classified as ``labels`` (N,), in eval mode (batches
    of 512; the model's mode is restored)."""
    with eval_mode(model):
        logits = torch.cat([model(x) for x in images.split(512)])      # (N, 10)
    return accuracy(logits, labels)


@dataclass
class ModelResult:
    """One row of the table."""

    name: str
    params: int
    accuracy: float
    seconds: float
    cpu_seconds: float
    evals: list[list[float]]            # [step, mean train loss since the last, accuracy]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class ViTRun:
    """What :func:`train_vit` returns: the trained models and their rows, by kind."""

    models: dict[str, nn.Module]
    results: dict[str, ModelResult]
    out_dir: Path


def _write_run_info(recipe: ViTRecipe, results: dict[str, ModelResult] | None = None) -> None:
    """``run.json`` (atomically): the recipe, the ViT's config, and the table at the end."""
    info: dict[str, Any] = {"kind": "vit", "recipe": dataclasses.asdict(recipe),
                            "model": dataclasses.asdict(recipe.model)}
    if results:
        info["results"] = {k: r.to_dict() for k, r in results.items()}
    atomic_write_text(Path(recipe.out_dir) / "run.json",
                      json.dumps(info, ensure_ascii=False, indent=1))


def plan_vit_resume(recipe: ViTRecipe) -> dict[str, ResumePlan]:
    """Check that ``recipe`` may ``--resume`` each model it trains (a checkpoint in
    ``<out>/<kind>/checkpoints``, matching settings); nothing is written."""
    return {kind: plan_resume(recipe, Path(recipe.out_dir) / kind / "checkpoints",
                              RESUME_POLICY) for kind in recipe.trained}


def _train_one(recipe: ViTRecipe, kind: str, data: tuple[Tensor, ...],
               resume: ResumePlan | None, callbacks: Sequence[Callback],
               report: Callable[[str, int, float, float, float], None] | None) -> tuple[
                   nn.Module, ModelResult]:
    x_tr, y_tr, x_te, y_te = data
    model = build_model(recipe, kind)
    if resume is not None:
        check_state_shapes(model, resume.payload["model"], resume.checkpoint)
    out = Path(recipe.out_dir) / kind
    loader = DataLoader(TensorDataset(x_tr, y_tr), batch_size=recipe.batch_size, shuffle=True,
                        drop_last=True, generator=torch.Generator().manual_seed(recipe.seed))
    named = list(model.named_parameters())
    decay = [p for n, p in named if p.dim() >= 2 and not n.startswith(NO_DECAY)]
    no_decay = [p for n, p in named if p.dim() < 2 or n.startswith(NO_DECAY)]
    optimizer = AdamW([{"params": decay, "weight_decay": recipe.weight_decay},
                       {"params": no_decay, "weight_decay": 0.0}], lr=recipe.lr)
    scheduler = LambdaLR(optimizer, warmup_constant_factor(recipe.warmup_steps))
    evaluator = PeriodicEval(recipe.eval_every, lambda m: held_out_accuracy(m, x_te, y_te),
                             None if report is None else lambda *row: report(kind, *row),
                             tag="val/accuracy")
    logs = run_logging(out, hparams=flat_values(recipe), metrics=("val/accuracy",),
                       title=f"dlfs train vit: {MODELS[kind]}")
    started = RecordRecipe(recipe, lambda: _write_run_info(recipe))
    start, cpu = time.perf_counter(), time.process_time()
    fit(model, loader, optimizer=optimizer, scheduler=scheduler, loss_fn=F.cross_entropy,
        callbacks=[started, evaluator, *logs, *callbacks], max_steps=recipe.max_steps,
        device="cpu", seed=recipe.seed, checkpoint_dir=str(out / "checkpoints"),
        checkpoint_every=recipe.eval_every, log_dir=str(out / "tensorboard"),
        resume=str(resume.checkpoint) if resume is not None else False,
        resume_hparams="given", nan_guard=True)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    return model, ModelResult(MODELS[kind], count_params(model), evaluator.evals[-1][2],
                              seconds, cpu_seconds, evaluator.evals)


def train_vit(recipe: ViTRecipe, *, callbacks: Sequence[Callback] = (),
              report: Callable[[str, int, float, float, float], None] | None = None,
              resume: dict[str, ResumePlan] | None = None) -> ViTRun:
    """Train the models ``recipe`` asks for, one after the other on the same batches;
    checkpoints and TensorBoard logs in ``<out_dir>/<kind>``; ``run.json`` once training has
    started and again, with the table, at the end. ``report(kind, step, train loss,
    accuracy, seconds)`` receives each evaluation. With ``recipe.resume`` every model's saved
    run is checked first (``resume`` or :func:`plan_vit_resume`)."""
    if recipe.resume and resume is None:
        resume = plan_vit_resume(recipe)
    x_tr, y_tr = load_digits(recipe, "train")
    x_te, y_te = load_digits(recipe, "test")
    if len(x_tr) < recipe.batch_size:
        raise DlfsError(t("recipes.batch_too_large", batch_size=recipe.batch_size,
                          n=len(x_tr), what=t("recipes.what.images")))
    models, results = {}, {}
    for kind in recipe.trained:
        plan = resume.get(kind) if resume else None
        models[kind], results[kind] = _train_one(recipe, kind, (x_tr, y_tr, x_te, y_te), plan,
                                                 callbacks, report)
    _write_run_info(recipe, results)
    return ViTRun(models, results, Path(recipe.out_dir))


# ---- the command line: `dlfs train vit` (all printing of the recipe happens here) ---------

def comparison_table(results: dict[str, ModelResult]) -> str:
    """The results as a table, one row per model."""
    rows = [[t("recipes.table.model"), t("recipes.table.parameters"),
             t("recipes.table.accuracy"), t("recipes.table.seconds"), t("recipes.table.cpu")]]
    rows += [[r.name, f"{r.params:,}", f"{r.accuracy:.1%}", f"{r.seconds:.1f}",
              f"{r.cpu_seconds:.1f}"] for r in results.values()]
    return "\n".join(table(rows, align="<>>>>"))


def next_commands(recipe: ViTRecipe, quick: bool) -> list[tuple[str, str]]:
    """What to try after a run, as commands that work when pasted: (command, why)."""
    base = replace_nested(ViTRecipe(), QUICK) if quick else ViTRecipe()
    words = ["dlfs", "train", "vit", *(["--quick"] if quick else [])]
    longer = dataclasses.replace(recipe, max_steps=2 * recipe.max_steps, resume=True)
    return [(command_line(words, longer, base), t("recipes.vit.next.continue")),
            (f"tensorboard --logdir {shlex.quote(recipe.out_dir)}", t("recipes.vit.next.curves")),
            ("dlfs run vision-transformer" + (" --quick" if quick else ""),
             t("recipes.vit.next.lesson"))]


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{seconds % 60:04.1f}s"


def run_vit(recipe: ViTRecipe, quick: bool = False) -> int:
    """`dlfs train vit`: train with a line per evaluation, then print the table."""
    from ..train import PrintCurves, ProgressBar

    c = recipe.model
    source = recipe.data or t("recipes.digits")
    print(t("recipes.vit.header", command="dlfs train vit",
            source=source, quick=t("recipes.quick") if quick else ""),
          flush=True)
    resume = plan_vit_resume(recipe) if recipe.resume else None
    if "vit" in recipe.trained:
        print(t("recipes.vit.vit", size=c.image_size, n_patches=c.num_patches,
                patch=c.patch_size, embedding=c.patch_embedding, d_model=c.d_model,
                n_layer=c.n_layer, n_head=c.n_head,
                params=count_params(build_model(recipe, "vit"))), flush=True)
    if "cnn" in recipe.trained:
        print(t("recipes.vit.cnn", params=count_params(build_model(recipe, "cnn"))),
              flush=True)
    print(t("recipes.vit.training", max_steps=recipe.max_steps, batch_size=recipe.batch_size,
            lr=recipe.lr, warmup=recipe.warmup_steps, out=recipe.out_dir), flush=True)
    for plan in (resume or {}).values():
        print(plan.describe(), flush=True)

    def report(kind: str, step: int, train: float, acc: float, seconds: float) -> None:
        print(t("recipes.vit.step", kind=kind, step=step, train=train, acc=acc,
                time=_minutes(seconds)), flush=True)

    run = train_vit(recipe, callbacks=[ProgressBar(), PrintCurves()], report=report,
                    resume=resume)
    print()
    print(comparison_table(run.results))
    print_next(next_commands(recipe, quick))
    return 0


#: `dlfs train vit` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(ViTRecipe, QUICK, run_vit)
