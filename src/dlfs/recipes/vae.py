"""Recipe: the convolutional VAE on digit images (`dlfs train vae`).

    digit_images (N, 1, S, S) in [-1, 1] --batches--> ConvVAE --elbo_loss (recon + beta kl)-->
    Adam --fit (checkpoints, TensorBoard)--> samples.png + the sample-quality line

Every piece is a library one: the images (:func:`dlfs.generative.data.digit_images`:
scikit-learn's digits, or MNIST IDX files with ``--data DIR``), the network
(:class:`dlfs.models.vae.ConvVAE`), the loss (:func:`dlfs.generative.vae.elbo_loss`), the loop
(:func:`dlfs.train.fit`), the grids and the quality measures (:mod:`dlfs.generative`).
The learning rate is constant, so a run resumed at any step continues exactly as the
uninterrupted run would have (no schedule tied to ``--max-steps``).

Every ``eval_every`` steps the held-out images' recon and kl (one latent sample per image,
fixed noise) are printed with the loss recon + beta kl and the -ELBO recon + kl, and logged
with a grid of samples from a fixed set of z to TensorBoard. At the end ``samples.png``
holds 64 samples and the quality of 360 samples (digits-FD against the held-out images, its
real-vs-real floor, class coverage) is printed and stored in ``run.json``.
``dlfs sample --run DIR`` calls :func:`generate`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from ..data import DataLoader, TensorDataset
from ..errors import DlfsError
from ..generative.vae import elbo_loss, gaussian_kl, reparameterize
from ..i18n import t
from ..models.vae import ConvVAE, ConvVAEConfig
from ..optim import Adam
from ..train import Callback, CheckpointManager, RunReport, TensorBoardLogger, fit, log_scalar
from ..train.checkpoint import atomic_write_text
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

__all__ = ["COMMAND", "QUALITY_SAMPLES", "QUICK", "RESUME_POLICY", "HeldOutELBO", "VAERecipe",
           "VAERun", "build_model", "generate", "held_out_elbo", "load_images",
           "plan_vae_resume", "run_vae", "train_vae"]

#: samples scored at the end of a run (the size of the held-out split)
QUALITY_SAMPLES = 360


@dataclass(frozen=True)
class VAERecipe:
    """One VAE run. Defaults: 16x16 digits, a 16-dimensional latent code, widths 32 and 64,
    3000 Adam steps of 64 images, beta = 0.5. Why not beta = 1, the ELBO itself? At beta = 1
    the codes carry ~7.5 nats, at 0.5 ~11, and the samples get sharper: in three pairs of
    runs (seeds and batch orders, 2000-3000 steps, measured) the digits-FD of 360 samples was
    15-27 % lower at beta = 0.5 in every pair (the default run: 51.0 vs 60.3, the floor
    2.94), with 8-10 digits covered either way, for a held-out -ELBO ~1 nat (1 %) worse."""

    data: str | None = field(default=None, metadata={
        "help": "folder with the four MNIST IDX files (default: scikit-learn's digits, "
                "built in)",
        "help_zh": "存放四个 MNIST IDX 文件的文件夹（默认：内置的 scikit-learn"
                   " `digits` 数据集）", "metavar": "DIR", "path": "in-dir"})
    model: ConvVAEConfig = field(default_factory=ConvVAEConfig, metadata={
        "help": "the network (the images are resized to its image_size)",
        "help_zh": "网络结构（图像会缩放到它的 image_size）"})
    beta: float = field(default=0.5, metadata={
        "help": "weight of the KL term: loss = recon + beta * kl (1: the ELBO itself; "
                "smaller: codes that carry more, sharper samples; larger: a smoother latent "
                "space, blurrier images)",
        "help_zh": "KL 项的权重：`loss = recon + beta * kl`（1：就是 ELBO 本身；更小："
                   "编码携带更多信息，样本更清晰；更大：隐空间更平滑，图像更模糊）", "min": 0})
    batch_size: int = field(default=64, metadata={"help": "images per optimizer step",
                                                  "help_zh": "每个优化步的图像数",
                                                  "min": 1})
    max_steps: int = field(default=3000, metadata={
        "help": "optimizer steps",
        "help_zh": "优化步数", "aliases": ("--steps",), "min": 1})
    lr: float = field(default=2e-3, metadata={"help": "learning rate (Adam), constant",
                                              "help_zh": "学习率（Adam），保持不变",
                                              "above": 0})
    eval_every: int = field(default=500, metadata={
        "help": "steps between held-out losses, TensorBoard sample grids and checkpoints",
        "help_zh": "每隔多少步计算留出集损失、写 TensorBoard 样本网格并保存检查点",
        "min": 1})
    seed: int = field(default=0, metadata={
        "help": "seed of the initialization, the batch order, the latent noise and the "
                "final samples",
        "help_zh": "初始化、批次顺序、隐空间噪声和最终样本的随机种子", "min": 0, "below": 2**32})
    out_dir: str = field(default="runs/vae", metadata={
        "help": "run directory: checkpoints, TensorBoard logs, run.json, samples.png",
        "help_zh": "运行目录：检查点、TensorBoard 日志、run.json、samples.png",
        "aliases": ("--out",), "metavar": "DIR", "path": "out-dir"})
    resume: bool = resume_field()

    def __post_init__(self) -> None:
        check_fields(self)
        if self.model.channels != 1:
            raise ValueError(t("recipes.vae.channels", channels=self.model.channels))
        if self.model.image_size < 8:
            raise ValueError(t("recipes.vae.image_size", image_size=self.model.image_size))


#: `--quick`: a smoke run of the whole pipeline in seconds (what the tests use).
QUICK = {"max_steps": 30, "eval_every": 15, "model.width": 8, "model.latent_dim": 4}

#: `--resume`: what may differ from the saved run (see :mod:`dlfs.recipes.resume`)
RESUME_POLICY = ResumePolicy(applied=("max_steps", "lr", "beta"),
                             free=("eval_every", "out_dir", "resume"))


def load_images(recipe: VAERecipe, split: str) -> Tensor:
    """The recipe's images of ``split`` ("train" or "test"), (N, 1, S, S) in [-1, 1]."""
    from ..generative.data import digit_images

    images, _ = digit_images(split, size=recipe.model.image_size, data=recipe.data)
    return images


def build_model(recipe: VAERecipe) -> ConvVAE:
    """The recipe's ConvVAE, initialized from ``recipe.seed``."""
    torch.manual_seed(recipe.seed)
    return ConvVAE(recipe.model)


@torch.no_grad()
def held_out_elbo(model: ConvVAE, images: Tensor, *, beta: float = 1.0, seed: int = 0
                  ) -> tuple[float, float, float]:
    """(loss, recon, kl) of :func:`elbo_loss` on ``images`` (N, C, S, S), means over all N
    (batches of 512), one latent sample per image with noise from a generator seeded with
    ``seed``: repeatable, and torch's global random state is not touched."""
    gen = torch.Generator().manual_seed(seed)
    sums = torch.zeros(3, dtype=torch.float64)
    for x in images.split(512):
        mu, logvar = model.encode(x)                                   # (b, D) each
        eps = torch.randn(mu.shape, generator=gen, dtype=mu.dtype)
        terms = elbo_loss(x, model.decode(reparameterize(mu, logvar, eps)), mu, logvar, beta)
        sums += torch.tensor([float(t) for t in terms], dtype=torch.float64) * len(x)
    loss, recon, kl = (sums / len(images)).tolist()
    return loss, recon, kl


class HeldOutELBO(Callback):
    """Every ``every`` steps and at the end: the loss on held-out ``images`` (one latent sample
    per image, from a fixed noise generator, so the value is repeatable and the run's random
    state is untouched), logged as ``loss/val``, ``vae/val_recon``, ``vae/val_kl``; the
    training recon and KL of every step as ``vae/recon``, ``vae/kl`` (the sample grid is
    :func:`sample_grid`, through the run's :class:`dlfs.train.RunReport`). ``evals``
    ([step, train loss, val loss, val recon, val kl] rows) lives in the checkpoint, so a
    resumed run continues its table."""

    def __init__(self, every: int, images: Tensor, beta: float, logger: TensorBoardLogger,
                 report: Callable[[list[float], float], None] | None = None, seed: int = 0):
        self.every, self.images, self.beta, self.logger = every, images, beta, logger
        self.report, self.seed = report, seed
        self.evals: list[list[float]] = []
        self.start = time.perf_counter()
        self._terms: list[tuple[float, float]] = []

    def on_train_begin(self, trainer: Any) -> None:
        self.start = time.perf_counter()
        self.evals = trainer.checkpoint_extra.setdefault("evals", [])

    def on_forward_end(self, trainer: Any, output: Any, loss: Any) -> None:
        _, mu, logvar = output
        kl = float(gaussian_kl(mu.detach(), logvar.detach()).mean())
        self._terms.append((float(loss.detach()) - self.beta * kl, kl))

    def on_step_end(self, trainer: Any, logs: dict[str, float]) -> None:
        step, n = trainer.state.step, len(self._terms)
        if n:
            log_scalar(trainer, "vae/recon", sum(r for r, _ in self._terms) / n, step)
            log_scalar(trainer, "vae/kl", sum(k for _, k in self._terms) / n, step)
        self._terms = []
        if step % self.every == 0:
            self._eval(trainer)

    def on_train_end(self, trainer: Any) -> None:
        if trainer.error is None:
            self._eval(trainer)

    def _guard(self, trainer: Any, value: float) -> None:
        """Under the NaN guard, a non-finite held-out loss stops the run before this step's
        checkpoint (as :class:`dlfs.train.PeriodicEval` does), naming the first module whose
        output went non-finite."""
        from ..train.nan_guard import NaNGuard, NonFiniteError, blame_evaluation

        if trainer.callbacks.find(NaNGuard) is None:
            return
        module = blame_evaluation(trainer.model, lambda m: held_out_elbo(
            m, self.images, beta=self.beta, seed=self.seed))
        raise NonFiniteError("evaluation", trainer.state.step, trainer.state.epoch, module,
                             t("recipes.vae.nan_eval", value=value))

    def _eval(self, trainer: Any) -> None:
        step = trainer.state.step
        if self.evals and self.evals[-1][0] == step:
            return
        model = trainer.model
        recent = trainer.history.step_loss[-self.every:] or [float("nan")]
        loss, recon, kl = held_out_elbo(model, self.images, beta=self.beta, seed=self.seed)
        if not math.isfinite(loss):
            self._guard(trainer, loss)
        row = [step, sum(recent) / len(recent), loss, recon, kl]
        self.evals.append(row)
        for tag, value in (("val/loss", loss), ("vae/val_recon", recon), ("vae/val_kl", kl)):
            log_scalar(trainer, tag, value, step)
        if self.report:
            self.report(row, time.perf_counter() - self.start)


def sample_grid(model: ConvVAE, seed: int) -> Tensor:
    """64 samples from the fixed z of ``seed`` as one image (1, H, W) in [0, 1], 8 a row
    (``samples/grid`` in TensorBoard at each evaluation)."""
    from ..generative.grid import grid_image

    return grid_image(model.sample(64, torch.Generator().manual_seed(seed)), nrow=8)


@dataclass
class VAERun:
    """What :func:`train_vae` returns."""

    model: ConvVAE
    evals: list[list[float]]          # [step, train loss, val loss, val recon, val kl]
    seconds: float
    cpu_seconds: float
    samples: Tensor                   # (QUALITY_SAMPLES, 1, S, S) in [-1, 1]
    quality: Any                      # dlfs.generative.quality.SampleQuality
    out_dir: Path

    @property
    def val_loss(self) -> float:
        return self.evals[-1][2]


def _run_info(recipe: VAERecipe, quality: Any = None) -> dict[str, Any]:
    info: dict[str, Any] = {"kind": "vae", "recipe": dataclasses.asdict(recipe),
                            "model": dataclasses.asdict(recipe.model)}
    if quality is not None:
        info["quality"] = quality.to_dict()
    return info


def _write_run_info(recipe: VAERecipe, quality: Any = None) -> None:
    """``run.json`` (atomically): what ``dlfs sample`` rebuilds the run from."""
    atomic_write_text(Path(recipe.out_dir) / "run.json",
                      json.dumps(_run_info(recipe, quality), ensure_ascii=False, indent=1))


def plan_vae_resume(recipe: VAERecipe) -> ResumePlan:
    """Check that ``recipe`` may ``--resume`` the run in its ``out_dir``; nothing is written."""
    return plan_resume(recipe, Path(recipe.out_dir) / "checkpoints", RESUME_POLICY)


def train_vae(recipe: VAERecipe, *, callbacks: Sequence[Callback] = (),
              report: Callable[[list[float], float], None] | None = None,
              resume: ResumePlan | None = None) -> VAERun:
    """Train per ``recipe``, checkpointing into ``<out_dir>/checkpoints`` (resumable), logging
    to ``<out_dir>/tensorboard``; then write ``samples.png`` and score 360 samples.

    With ``recipe.resume`` the saved run is checked first (``resume`` or
    :func:`plan_vae_resume`). ``run.json`` is written once training has started, and again
    with the quality at the end. Trains under the NaN/Inf guard."""
    from ..generative.grid import save_grid
    from ..generative.quality import sample_quality

    if recipe.resume and resume is None:
        resume = plan_vae_resume(recipe)
    train_x, test_x = load_images(recipe, "train"), load_images(recipe, "test")
    if len(train_x) < recipe.batch_size:
        raise DlfsError(t("recipes.batch_too_large", batch_size=recipe.batch_size,
                          n=len(train_x), what=t("recipes.what.images")))
    model = build_model(recipe)
    if resume is not None:
        check_state_shapes(model, resume.payload["model"], resume.checkpoint)
    out_dir = Path(recipe.out_dir)
    loader = DataLoader(TensorDataset(train_x), batch_size=recipe.batch_size, shuffle=True,
                        drop_last=True, generator=torch.Generator().manual_seed(recipe.seed))
    logger = TensorBoardLogger(str(out_dir / "tensorboard"))
    report_run = RunReport(out_dir, every=recipe.eval_every, hparams=flat_values(recipe),
                           grid=lambda m: sample_grid(m, recipe.seed),
                           metrics=("loss/val", "vae/val_recon", "vae/val_kl"),
                           title="dlfs train vae")
    held_out = HeldOutELBO(recipe.eval_every, test_x, recipe.beta, logger, report,
                           seed=recipe.seed)
    started = RecordRecipe(recipe, lambda: _write_run_info(recipe))
    start, cpu = time.perf_counter(), time.process_time()
    fit(model, loader, optimizer=Adam(model.parameters(), lr=recipe.lr),
        loss_fn=lambda out, x: elbo_loss(x, *out, beta=recipe.beta)[0],
        forward=lambda m, batch: (m(batch[0]), batch[0]),
        callbacks=[started, held_out, report_run, logger, *callbacks],
        max_steps=recipe.max_steps,
        device="cpu", seed=recipe.seed, checkpoint_dir=str(out_dir / "checkpoints"),
        checkpoint_every=recipe.eval_every, log_dir=str(out_dir / "tensorboard"),
        resume=str(resume.checkpoint) if resume is not None else False,
        resume_hparams="given", nan_guard=True)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    samples = model.sample(QUALITY_SAMPLES, torch.Generator().manual_seed(recipe.seed))
    if not torch.isfinite(samples).all():
        raise DlfsError(t("recipes.vae.nonfinite_samples", lr=recipe.lr,
                          folder=out_dir / "checkpoints"))
    save_grid(samples[:64], out_dir / "samples.png", nrow=8)
    quality = sample_quality(samples)
    _write_run_info(recipe, quality)
    return VAERun(model, held_out.evals, seconds, cpu_seconds, samples, quality, out_dir)


def generate(run_dir: Path, info: dict, *, n: int, seed: int, digit: int | None = None,
             steps: int | None = None) -> Tensor:
    """``n`` samples (n, 1, S, S) in [-1, 1] from the newest good checkpoint of ``run_dir``
    (what ``dlfs sample --run DIR`` calls). The VAE is not class-conditional and samples in
    one decoder pass: ``digit`` and ``steps`` are refused with a :class:`DlfsError`."""
    if digit is not None:
        raise DlfsError(t("recipes.vae.no_digit", digit=digit))
    if steps is not None:
        raise DlfsError(t("recipes.vae.no_steps", steps=steps))
    try:
        config = ConvVAEConfig(**info["model"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DlfsError(t("recipes.vae.not_vae", file=Path(run_dir) / "run.json",
                          exc=exc)) from exc
    path, payload, problems = CheckpointManager(Path(run_dir) / "checkpoints").load_latest()
    if payload is None:
        found = t("recipes.run.found", problems="; ".join(problems)) if problems else ""
        raise DlfsError(t("recipes.no_checkpoint_train", folder=Path(run_dir) / "checkpoints",
                          found=found, name="vae"))
    model = ConvVAE(config)
    check_state_shapes(model, payload["model"], path, hint=t("recipes.run.json_mismatch"))
    model.load_state_dict(payload["model"])
    model.eval()
    return model.sample(n, torch.Generator().manual_seed(seed))


# ---- the command line: `dlfs train vae` (all printing of the recipe happens here) ---------

def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{seconds % 60:04.1f}s"


def next_commands(recipe: VAERecipe, quick: bool) -> list[tuple[str, str]]:
    """What to try after a run, as commands that work when pasted: (command, why)."""
    base = replace_nested(VAERecipe(), QUICK) if quick else VAERecipe()
    words = ["dlfs", "train", "vae", *(["--quick"] if quick else [])]
    longer = dataclasses.replace(recipe, max_steps=2 * recipe.max_steps, resume=True)
    return [(f"dlfs sample --run {shlex.quote(recipe.out_dir)}", t("recipes.next.samples")),
            (command_line(words, longer, base), t("recipes.next.continue")),
            (f"tensorboard --logdir {shlex.quote(recipe.out_dir)}/tensorboard",
             t("recipes.vae.next.curves")),
            ("dlfs run vae-elbo" + (" --quick" if quick else ""),
             t("recipes.vae.next.lesson"))]


def run_vae(recipe: VAERecipe, quick: bool = False) -> int:
    """`dlfs train vae`: train with a line per evaluation, then samples and their quality."""
    from ..train import PrintCurves, ProgressBar

    cfg = recipe.model
    source = recipe.data or t("recipes.digits")
    print(t("recipes.vae.header", command="dlfs train vae",
            source=source, quick=t("recipes.quick") if quick else ""),
          flush=True)
    resume = plan_vae_resume(recipe) if recipe.resume else None
    model = build_model(recipe)
    print(t("recipes.vae.model", size=cfg.image_size, widths=list(cfg.widths),
            latent=cfg.latent_dim, params=model.num_params(), beta=recipe.beta), flush=True)
    print(t("recipes.training_adam", max_steps=recipe.max_steps, batch_size=recipe.batch_size,
            lr=recipe.lr, out=recipe.out_dir), flush=True)
    if resume is not None:
        print(resume.describe(), flush=True)

    def report(row: list[float], seconds: float) -> None:
        step, train, val, recon, kl = row
        print(t("recipes.vae.step", step=int(step), train=train, val=val, recon=recon, kl=kl,
                elbo=recon + kl, time=_minutes(seconds)), flush=True)

    run = train_vae(recipe, callbacks=[ProgressBar(), PrintCurves()], report=report,
                    resume=resume)
    _, _, val, recon, kl = run.evals[-1]
    print("\n" + t("recipes.vae.done", max_steps=recipe.max_steps, elbo=recon + kl,
                   beta=recipe.beta, val=val, time=_minutes(run.seconds),
                   cpu=run.cpu_seconds))
    print(t("recipes.samples", path=run.out_dir / "samples.png"))
    print(t("recipes.vae.quality", n=QUALITY_SAMPLES, quality=run.quality.describe()))
    print_next(next_commands(recipe, quick))
    return 0


#: `dlfs train vae` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(VAERecipe, QUICK, run_vae)
