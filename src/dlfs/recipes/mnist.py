"""Recipe: the documented CNN for real MNIST (`dlfs train mnist`).

    data/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]
        --read_idx--> uint8 (N, 28, 28) --scale, normalise--> float (N, 1, 28, 28)
        --random shifts (train only)--> mnist_cnn --AdamW, one-cycle lr--> test accuracy

The network (:func:`mnist_cnn`, built from ``dlfs.nn``) is two conv blocks and a head::

    [Conv3x3 -> BN -> ReLU] x 2 -> MaxPool 2 -> Dropout     (B, 32, 14, 14)
    [Conv3x3 -> BN -> ReLU] x 2 -> MaxPool 2 -> Dropout     (B, 64, 7, 7)
    Flatten -> Linear 3136->128 -> ReLU -> Dropout -> Linear 128->10

Training reuses :func:`dlfs.recipes.vision.train_classifier` (one loop, ``dlfs.train.fit``).
On the real 60,000/10,000 images this recipe is *expected* to reach at least 99.3 % test
accuracy; no MNIST file ships with dlfs and nothing downloads, so that figure is not
measured in this repository. :func:`write_digits_idx` writes scikit-learn's digits as the
same four IDX files, so the identical code path runs offline (a much smaller, easier set).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor

from dlfs import nn
from dlfs.errors import DlfsError

from ..i18n import t
from .options import check_fields, flat_values
from .registry import RecipeCommand
from .vision import VisionRun, timed_run

__all__ = ["COMMAND", "MEAN", "MNIST_FILES", "QUICK", "STD", "MNISTRecipe",
           "load_mnist_tensors", "mnist_cnn", "random_shift", "run_mnist", "train_mnist",
           "write_digits_idx"]

#: the four files of the MNIST distribution (each may also end in ``.gz``)
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
MEAN, STD = 0.1307, 0.3081          # pixel mean and std of MNIST's training images in [0, 1]
#: the message key that says where the four files come from
WHERE_TO_GET = "recipes.mnist.where"


@dataclass(frozen=True)
class MNISTRecipe:
    """One MNIST run (the defaults: the documented recipe, 10 epochs on all 60,000 images)."""

    data: str | None = field(default=None, metadata={
        "help": "folder with the four IDX files (default: data/mnist)",
        "help_zh": "存放四个 IDX 文件的文件夹（默认：data/mnist）", "metavar": "DIR",
        "path": "in-dir"})
    epochs: int = field(default=10, metadata={"help": "passes over the training images",
                                              "help_zh": "遍历训练图像的轮数"})
    n_train: int | None = field(default=None, metadata={
        "help": "use only the first N training images (default: all)",
        "help_zh": "只使用前 N 张训练图像（默认：全部）"})
    n_test: int | None = field(default=None, metadata={
        "help": "use only the first N test images (default: all)",
        "help_zh": "只使用前 N 张测试图像（默认：全部）"})
    batch_size: int = field(default=64, metadata={"help": "images per optimizer step",
                                                  "help_zh": "每个优化步的图像数"})
    lr: float = field(default=3e-3, metadata={"above": 0,
        "help": "peak learning rate of the one-cycle schedule (AdamW)",
        "help_zh": "单周期（one-cycle）调度的峰值学习率（AdamW）"})
    weight_decay: float = field(default=1e-4, metadata={"help": "AdamW weight decay",
                                                        "help_zh": "AdamW 权重衰减", "min": 0})
    shift: int = field(default=2, metadata={"min": 0, "max": 27,
        "help": "random shifts of up to this many pixels (0 turns the augmentation off)",
        "help_zh": "随机平移的最大像素数（0 表示关闭这项数据增强）"})
    seed: int = field(default=0, metadata={"min": 0, "below": 2**32,
        "help": "seed of the initialization, the batch order and the shifts",
        "help_zh": "初始化、批次顺序和平移的随机种子"})
    fused: bool = field(default=False, metadata={
        "help": "the convolutions call torch's kernel (2-3x faster steps on a CPU)",
        "help_zh": "卷积调用 torch 的内核（在 CPU 上每步快 2-3 倍）"})
    out_dir: str = field(default="runs/mnist", metadata={
        "help": "where the trained state_dict is saved (mnist_cnn.pt)",
        "help_zh": "训练好的 state_dict 的保存位置（mnist_cnn.pt）",
        "aliases": ("--out",), "metavar": "DIR", "path": "out-dir"})

    def __post_init__(self) -> None:
        check_fields(self)
        for name in ("epochs", "batch_size", "n_train", "n_test"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(t("recipes.options.out_of_bounds", cls="MNISTRecipe",
                                   name=name, sign=">=", bound=1, value=value))

    def folder(self) -> Path:
        """Where the IDX files are: ``data``, or ``mnist/`` in the data directory."""
        from dlfs.paths import data_dir

        return Path(self.data) if self.data is not None else data_dir() / "mnist"


#: `--quick`: a seconds-long smoke run on a subset
QUICK = {"epochs": 1, "n_train": 192, "n_test": 300}


def mnist_cnn(num_classes: int = 10, width: int = 32, dropout: float = 0.25,
              fused: bool = False) -> nn.Sequential:
    """Two conv blocks (``width`` and ``2·width`` channels) and a 128-unit head.

    Input ``(B, 1, 28, 28)``, output logits ``(B, num_classes)``. ``fused=True`` lets the
    convolutions call torch's kernel (about 2-3x faster per step on a CPU).

    >>> mnist_cnn()(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """
    def block(c_in: int, c_out: int) -> list[nn.Module]:
        return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False, fused=fused),
                nn.BatchNorm2d(c_out), nn.ReLU(),
                nn.Conv2d(c_out, c_out, 3, padding=1, bias=False, fused=fused),
                nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(dropout)]

    return nn.Sequential(
        *block(1, width),                          # (B, w, 14, 14)
        *block(width, 2 * width),                  # (B, 2w, 7, 7)
        nn.Flatten(),                              # (B, 2w·49)
        nn.Linear(2 * width * 49, 128), nn.ReLU(), nn.Dropout(2 * dropout),
        nn.Linear(128, num_classes))               # (B, num_classes)


def random_shift(x: Tensor, max_shift: int = 2, fill: float = 0.0) -> Tensor:
    """Move each image of ``x`` ``(B, C, H, W)`` by its own random offset in
    ``[-max_shift, max_shift]`` pixels along each axis; uncovered pixels get ``fill``.

    >>> random_shift(torch.ones(3, 1, 5, 5), max_shift=0).equal(torch.ones(3, 1, 5, 5))
    True
    """
    b, c, h, w = x.shape
    p = max_shift
    padded = x.new_full((b, c, h + 2 * p, w + 2 * p), fill)
    padded[..., p:p + h, p:p + w] = x                                   # (B, C, H+2p, W+2p)
    rows = torch.randint(0, 2 * p + 1, (b, 1)) + torch.arange(h)        # (B, H)
    cols = torch.randint(0, 2 * p + 1, (b, 1)) + torch.arange(w)        # (B, W)
    return padded[torch.arange(b)[:, None, None, None], torch.arange(c)[None, :, None, None],
                  rows[:, None, :, None], cols[:, None, None, :]]       # (B, C, H, W)


def _check_files(folder: Path) -> None:
    from dlfs.data.datasets.real import _find  # the one place that knows the name variants

    missing = [name for name in MNIST_FILES if _find(folder, name) is None]
    if missing:
        found = t("recipes.mnist.none_there") if len(missing) == len(MNIST_FILES) else \
            t("recipes.mnist.missing", missing=", ".join(missing))
        raise DlfsError(t("recipes.mnist.not_found", folder=folder,
                          files=", ".join(MNIST_FILES), found=found, where=t(WHERE_TO_GET)))


def load_mnist_tensors(root: str | Path, split: str) -> tuple[Tensor, Tensor]:
    """The IDX files of ``split`` in ``root`` as normalised float ``(N, 1, 28, 28)`` and
    labels int64 ``(N,)``; a :class:`DlfsError` names any missing file."""
    from dlfs.data.datasets import mnist

    folder = Path(root)
    _check_files(folder)
    ds = mnist(split, root=folder)
    x = torch.from_numpy(ds.images).float().div(255).unsqueeze(1)       # (N, 1, 28, 28)
    return (x - MEAN) / STD, torch.from_numpy(ds.targets)


def train_mnist(recipe: MNISTRecipe, *, callbacks: tuple = (), log: bool = False) -> VisionRun:
    """Train :func:`mnist_cnn` per ``recipe`` on its IDX files; accuracy on the test files.

    ``n_train`` / ``n_test`` keep only the first images (quick runs); ``callbacks`` go to
    the training loop (e.g. a progress bar). ``log``: the test images are the validation
    set of every epoch, and the run's TensorBoard log and ``curves.png`` go to ``out_dir``.
    """
    x_tr, y_tr = load_mnist_tensors(recipe.folder(), "train")   # (N, 1, 28, 28), (N,)
    x_te, y_te = load_mnist_tensors(recipe.folder(), "test")
    x_tr, y_tr = x_tr[:recipe.n_train], y_tr[:recipe.n_train]
    x_te, y_te = x_te[:recipe.n_test], y_te[:recipe.n_test]
    background = (0.0 - MEAN) / STD                     # a black pixel after normalising

    def augment(x: Tensor) -> Tensor:
        return random_shift(x, recipe.shift, fill=background)

    torch.manual_seed(recipe.seed)
    return timed_run(lambda: mnist_cnn(fused=recipe.fused), x_tr, y_tr, x_te, y_te,
                     recipe.epochs, batch_size=recipe.batch_size, lr=recipe.lr,
                     weight_decay=recipe.weight_decay, seed=recipe.seed,
                     augment=augment if recipe.shift else None, callbacks=callbacks,
                     **({"val": (x_te, y_te), "log_to": recipe.out_dir,
                         "hparams": flat_values(recipe), "title": "dlfs train mnist"}
                        if log else {}))


def write_digits_idx(folder: str | Path, gzip: bool = False) -> Path:
    """Write scikit-learn's digits (28×28 uint8) as the four MNIST IDX files in ``folder``.

    The split is the one of the stand-in in :func:`dlfs.data.datasets.mnist`: 1438 train /
    359 test images (seeded 80/20).
    """
    from dlfs.data.datasets._common import split_indices
    from dlfs.data.datasets.digits import digits_uint8
    from dlfs.data.formats.idx import write_idx

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = digits_uint8(28)                  # (1797, 28, 28), (1797,)
    ext = ".gz" if gzip else ""
    for split, prefix in (("train", "train"), ("test", "t10k")):
        idx = split_indices(len(images), split, 0.2, seed=0).numpy()
        write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", images[idx])
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", labels[idx].astype("uint8"))
    return folder


def run_mnist(recipe: MNISTRecipe, quick: bool = False) -> int:
    """`dlfs train mnist`: train, report test accuracy, save the state_dict. All printing of
    the recipe happens here."""
    from dlfs.train import PrintCurves, ProgressBar
    from dlfs.train.checkpoint import atomic_save

    folder = recipe.folder()
    _check_files(folder)
    print(t("recipes.mnist.header", command="dlfs train mnist",
            folder=folder,
            quick=t("recipes.mnist.quick") if quick else ""), flush=True)
    n_params = sum(p.numel() for p in mnist_cnn().parameters())
    print(t("recipes.mnist.model", n_params=n_params, epochs=recipe.epochs, shift=recipe.shift,
            fused=t("recipes.mnist.fused") if recipe.fused else ""), flush=True)
    run = train_mnist(recipe, callbacks=(ProgressBar(), PrintCurves()), log=True)
    wrong = round((1 - run.accuracy) * run.n_test)
    print(t("recipes.mnist.result", n_train=run.n_train, n_test=run.n_test,
            accuracy=run.accuracy, wrong=wrong, seconds=run.seconds, cpu=run.cpu_seconds))
    path = atomic_save(run.model.state_dict(), Path(recipe.out_dir) / "mnist_cnn.pt")
    print(t("recipes.saved_weights", path=path))
    return 0


#: `dlfs train mnist` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(MNISTRecipe, QUICK, run_mnist)
