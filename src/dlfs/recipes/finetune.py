"""Recipe: transfer learning with a frozen backbone (`dlfs train finetune`).

    backbone weights ──> freeze every parameter ──> swap the head for a new Linear
        ──> features (N, F) computed ONCE with the backbone in eval mode
        ──> train the head alone on (features, labels) ──> put it back, save the state_dict

Where the backbone weights come from:

- ``--weights FILE``: a torchvision-format state dict (e.g. ``resnet18-f37072fd.pth``) loaded
  strictly into the zoo model at its 1000-class configuration (:func:`load_weights` names any
  missing, unexpected or wrongly shaped key). The new head learns *which shape* (circle /
  square / triangle, 3 classes) on the shapes set, the images resized to ``image_size`` and
  normalised with ImageNet's channel mean and std, as those weights expect.
- no file (nothing is downloaded): transfer *within the project*. The model (small-input
  layout) is first trained on task A, *which shape*; then its backbone is frozen and a new
  head learns task B, *has corners* (circle vs square-or-triangle), on other images.

A frozen backbone in eval mode is a fixed function, so computing its features once and
training the head on them gives the same head as running the whole model every step, at the
cost of one forward pass. (Running it in train mode would also move BatchNorm's running
statistics, which ``requires_grad_(False)`` does not freeze.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from dlfs import nn
from dlfs.errors import DlfsError

from ..i18n import t
from ..metrics import accuracy
from .options import check_fields, flat_values
from .registry import RecipeCommand
from .vision import predict_logits, shapes_tensors, train_classifier

__all__ = ["COMMAND", "HEADS", "QUICK", "FinetuneRecipe", "FinetuneRun", "backbone_features",
           "corner_labels", "finetune", "freeze_backbone", "new_head", "pretrain_on_shapes",
           "replace_head", "run_finetune", "shapes_task"]

#: where each zoo model keeps its final Linear layer (torchvision's names)
HEADS = {"resnet18": "fc", "resnet34": "fc", "resnet50": "fc", "plainnet18": "fc",
         "googlenet": "fc", "densenet121": "classifier", "alexnet": "classifier.6",
         "vgg11": "classifier.6", "vgg16": "classifier.6", "mobilenet_v2": "classifier.1",
         "efficientnet_b0": "classifier.1"}
#: the small-input layout used when the backbone is pretrained here (kept fast on a CPU)
PRETRAIN_KW: dict[str, dict] = {"resnet18": {"width": 8}, "resnet34": {"width": 8},
                                "resnet50": {"width": 8}, "vgg11": {"batch_norm": True},
                                "vgg16": {"batch_norm": True}}
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
TASKS = {"shape": "recipes.finetune.task.shape",       # message keys: the question asked
         "corners": "recipes.finetune.task.corners"}


@dataclass(frozen=True)
class FinetuneRecipe:
    """One fine-tuning run (defaults: a ResNet-18 backbone pretrained here, 1,500 images)."""

    arch: str = field(default="resnet18", metadata={
        "help": "the zoo model",
        "help_zh": "模型库中的模型", "choices": tuple(HEADS)})
    weights: str | None = field(default=None, metadata={
        "help": "a torchvision-format state_dict for the backbone (default: pretrain it "
                "here on task A)",
        "help_zh": "骨干网络的 torchvision 格式 state_dict（默认：在这里先用任务 "
                   "A 预训练）", "metavar": "FILE", "path": "in-file"})
    n: int = field(default=1500, metadata={"help": "shapes images (80 % train, 20 % test)",
                                           "help_zh": "形状图像的数量（80 % 训练，20 % 测试）",
                                           "min": 10})
    epochs: int = field(default=20, metadata={"help": "epochs of training the new head",
                                              "help_zh": "训练新分类头的轮数"})
    pretrain_epochs: int = field(default=8, metadata={
        "help": "epochs of pretraining the backbone on task A (without --weights)",
        "help_zh": "在任务 A 上预训练骨干网络的轮数（不给 --weights 时）"})
    image_size: int = field(default=64, metadata={
        "help": "input size for a --weights backbone (a pretrained-here one takes 32)",
        "help_zh": "用 --weights 骨干网络时的输入尺寸（在这里预训练的骨干网络用 32）"})
    lr: float = field(default=1e-2, metadata={"help": "learning rate of the new head",
                                              "help_zh": "新分类头的学习率",
                                              "above": 0})
    batch_size: int = field(default=64, metadata={"help": "feature rows per optimizer step",
                                                  "help_zh": "每个优化步的特征行数"})
    seed: int = field(default=0, metadata={"help": "seed of the initialization and batches",
                                           "help_zh": "初始化和批次的随机种子",
                                           "min": 0, "below": 2**32})
    out_dir: str = field(default="runs/finetune", metadata={
        "help": "where the fine-tuned state_dict is saved",
        "help_zh": "微调后 state_dict 的保存位置", "aliases": ("--out",),
        "metavar": "DIR", "path": "out-dir"})

    def __post_init__(self) -> None:
        check_fields(self)
        for name in ("n", "epochs", "pretrain_epochs", "image_size", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(t("recipes.options.out_of_bounds", cls="FinetuneRecipe",
                                   name=name, sign=">=", bound=1, value=getattr(self, name)))


#: `--quick`: seconds-long runs (what the tests use)
QUICK = {"n": 120, "epochs": 5, "pretrain_epochs": 2, "image_size": 32}


def head_path(arch: str) -> str:
    """The dotted name of ``arch``'s final Linear layer, e.g. ``"fc"``, ``"classifier.6"``."""
    if arch not in HEADS:
        raise DlfsError(t("recipes.finetune.no_head", arch=arch, heads=", ".join(HEADS)))
    return HEADS[arch]


def replace_head(model: nn.Module, head: str, module: nn.Module) -> nn.Module:
    """Put ``module`` where ``model.get_submodule(head)`` was; returns the old head."""
    parent_name, _, name = head.rpartition(".")
    old = model.get_submodule(head)
    setattr(model.get_submodule(parent_name), name, module)
    return old


def freeze_backbone(model: nn.Module, head: str) -> tuple[int, int]:
    """Freeze every parameter outside ``head``; return ``(trainable, frozen)`` counts."""
    head_params = {id(p) for p in model.get_submodule(head).parameters()}
    for p in model.parameters():
        p.requires_grad_(id(p) in head_params)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in model.parameters()) - trainable


@torch.no_grad()
def backbone_features(model: nn.Module, head: str, x: Tensor) -> Tensor:
    """What ``model`` feeds its head, for images ``x`` ``(N, C, H, W)``: ``(N, F)``,
    computed in eval mode (the head is swapped for an Identity meanwhile)."""
    old = replace_head(model, head, nn.Identity())
    try:
        return predict_logits(model, x)                  # (N, F)
    finally:
        replace_head(model, head, old)


def new_head(model: nn.Module, head: str, num_classes: int) -> tuple[nn.Linear, int, int]:
    """Replace the Linear ``head`` by a fresh ``Linear(F, num_classes)`` and freeze every
    other parameter; returns ``(new head, trainable, frozen)`` parameter counts."""
    old = model.get_submodule(head)
    new = nn.Linear(old.in_features, num_classes)
    replace_head(model, head, new)
    return (new, *freeze_backbone(model, head))


def corner_labels(y: Tensor) -> Tensor:
    """Shape labels (0 circle, 1 square, 2 triangle) to task B: 0 round, 1 has corners."""
    return (y > 0).long()


def shapes_task(task: str, n: int, seed: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``n`` shapes images for ``task`` (``"shape"`` or ``"corners"``), split 80/20:
    ``x_train (0.8n, 3, 32, 32), y_train, x_test, y_test``."""
    x, y = shapes_tensors(n, seed=seed)                  # (n, 3, 32, 32), (n,)
    if task == "corners":
        y = corner_labels(y)
    cut = int(0.8 * n)
    return x[:cut], y[:cut], x[cut:], y[cut:]


def pretrain_on_shapes(build: Callable[[], nn.Module], n: int, epochs: int, *,
                       lr: float = 3e-3, seed: int = 0) -> tuple[nn.Module, float]:
    """Task A: train ``build()`` (3 outputs) on *which shape*, ``n`` images of data seed 7;
    returns the model and its test accuracy on the held-out 20 %."""
    x_tr, y_tr, x_te, y_te = shapes_task("shape", n, seed=7)
    torch.manual_seed(seed)
    model = train_classifier(build(), x_tr, y_tr, epochs=epochs, lr=lr, seed=seed)
    return model, accuracy(predict_logits(model, x_te), y_te)


@dataclass
class FinetuneRun:
    """What :func:`finetune` did, for the command to print and the tests to check."""

    model: nn.Module
    arch: str
    head: str
    task: str
    num_classes: int
    accuracy: float              # test accuracy of the fine-tuned head
    accuracy_before: float       # the same head at its random initialization
    trainable: int
    frozen: int
    n_train: int
    n_test: int
    image_size: int
    seconds: float
    pretrain_accuracy: float | None = None   # task A test accuracy (no weights file)
    pretrain_seconds: float = 0.0


def _imagenet_inputs(x: Tensor, size: int, arch: str) -> Tensor:
    """Images in [0, 1] ``(N, 3, 32, 32)`` resized to ``size`` and normalised the way the
    weights were trained. torchvision's GoogLeNet weights come with ``transform_input=True``,
    which turns ImageNet-normalised input into ``(x - 0.5) / 0.5``; our GoogLeNet has no such
    switch, so that normalisation is applied here instead."""
    from dlfs.data.image_ops import bilinear_resize

    if x.shape[-1] != size:
        x = bilinear_resize(x, size, size)                # (N, 3, size, size)
    if arch == "googlenet":
        return (x - 0.5) / 0.5
    mean, std = torch.tensor(IMAGENET_MEAN), torch.tensor(IMAGENET_STD)
    return (x - mean[:, None, None]) / std[:, None, None]


def _model_for_file(arch: str, sd: dict[str, Tensor]) -> nn.Module:
    """The 1000-class zoo model the state dict ``sd`` should fit. torchvision's GoogLeNet file
    keeps the two auxiliary classifiers (``aux1.*``, ``aux2.*``), so when ``sd`` has them the
    model is built with them; they only run in train mode, and features are taken in eval mode."""
    from dlfs.models.cnn import get_model

    if arch == "googlenet":
        return get_model(arch, aux_logits=any(k.startswith("aux1.") for k in sd))
    return get_model(arch)


def finetune(recipe: FinetuneRecipe, *, log: bool = False,
             callbacks: Sequence[Any] = ()) -> FinetuneRun:
    """Backbone from ``recipe.weights`` (or pretrained here on task A), frozen; a new head
    trained on ``recipe.n`` shapes images (80 % train); see the module docstring. ``log``:
    the head's training is logged (validation on the held-out 20 %) to TensorBoard and
    ``curves.png`` in ``recipe.out_dir``; ``callbacks`` go to its ``fit``."""
    from dlfs.models.cnn import fit_weights, get_model_for_input, read_weights

    arch, n, seed, image_size = recipe.arch, recipe.n, recipe.seed, recipe.image_size
    head = head_path(arch)
    start, pre_acc, pre_seconds = time.perf_counter(), None, 0.0
    if recipe.weights is not None:
        sd = read_weights(recipe.weights)                # read once: it may be ~100 MB
        model = fit_weights(_model_for_file(arch, sd), sd, Path(recipe.weights).name)
        task = "shape"
        x_tr, y_tr, x_te, y_te = shapes_task(task, n, seed=8)
        x_tr, x_te = (_imagenet_inputs(x, image_size, arch) for x in (x_tr, x_te))
    else:
        def build() -> nn.Module:
            return get_model_for_input(arch, 3, 32, num_classes=3, **PRETRAIN_KW.get(arch, {}))

        model, pre_acc = pretrain_on_shapes(build, n, recipe.pretrain_epochs, lr=3e-3,
                                            seed=seed)
        pre_seconds, image_size, task = time.perf_counter() - start, 32, "corners"
        x_tr, y_tr, x_te, y_te = shapes_task(task, n, seed=8)
    num_classes = int(y_tr.max()) + 1
    f_tr = backbone_features(model, head, x_tr)          # (0.8n, F), the only backbone passes
    f_te = backbone_features(model, head, x_te)          # (0.2n, F)
    torch.manual_seed(seed)
    linear, trainable, frozen = new_head(model, head, num_classes)
    before = accuracy(predict_logits(linear, f_te), y_te)
    logging = {"val": (f_te, y_te), "log_to": recipe.out_dir, "hparams": flat_values(recipe),
               "title": f"dlfs train finetune --arch {arch}"} if log else {}
    train_classifier(linear, f_tr, y_tr, epochs=recipe.epochs, lr=recipe.lr,
                     batch_size=recipe.batch_size, seed=seed, callbacks=callbacks, **logging)
    after = accuracy(predict_logits(linear, f_te), y_te)
    return FinetuneRun(model, arch, head, task, num_classes, after, before, trainable, frozen,
                       len(x_tr), len(x_te), image_size, time.perf_counter() - start, pre_acc,
                       pre_seconds)


def run_finetune(recipe: FinetuneRecipe, quick: bool = False) -> int:
    """`dlfs train finetune`: pretrain or load the backbone, freeze it, fine-tune a new head,
    save the state_dict. All printing of the recipe happens here."""
    from dlfs.train import PrintCurves
    from dlfs.train.checkpoint import atomic_save

    source = (t("recipes.finetune.from_weights", weights=recipe.weights) if recipe.weights
              else t("recipes.finetune.from_pretraining"))
    print(t("recipes.finetune.header", command="dlfs train finetune",
            arch=recipe.arch, source=source,
            quick=t("recipes.quick") if quick else ""), flush=True)
    run = finetune(recipe, log=True, callbacks=[PrintCurves()])
    if run.pretrain_accuracy is not None:
        print(t("recipes.finetune.pretrained", task=t(TASKS["shape"]), arch=run.arch,
                accuracy=run.pretrain_accuracy, seconds=run.pretrain_seconds))
    else:
        print(t("recipes.finetune.loaded", weights=recipe.weights, arch=run.arch))
    print(t("recipes.finetune.head", head=run.head, num_classes=run.num_classes,
            task=t(TASKS[run.task]), size=run.image_size))
    print(t("recipes.finetune.params", trainable=run.trainable, frozen=run.frozen))
    print(t("recipes.finetune.accuracy", n_test=run.n_test, n_train=run.n_train,
            accuracy=run.accuracy, before=run.accuracy_before, seconds=run.seconds))
    path = atomic_save(run.model.state_dict(),
                       Path(recipe.out_dir) / f"{run.arch}_{run.task}.pt")
    print(t("recipes.finetune.saved", path=path))
    return 0


#: `dlfs train finetune` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(FinetuneRecipe, QUICK, run_finetune)
