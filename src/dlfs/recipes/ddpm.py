"""Recipe: a DDPM on digit images, with classifier-free guidance and DDIM (`dlfs train ddpm`).

    digit_images (N, 1, 8, 8) in [-1, 1], labels --batches--> x0, c
      c --drop_labels (p_uncond)--> c or null;  t, eps --q_sample--> x_t
      UNet(x_t, t, c) = eps_hat --l_simple--> Adam --fit--> weights --EMA--> sampling weights
    --DDIM (sample_steps) or ancestral, guided (1 + w) eps(c) - w eps(null)--> samples.png
      + the sample-quality line (digits-FD, coverage, accuracy on the requested digits)

Every piece is a library one: the images (:func:`dlfs.generative.data.digit_images`), the
schedule, forward process, loss, samplers and guidance (:mod:`dlfs.generative.diffusion`),
the network (:class:`dlfs.models.unet.UNet`), the loop (:func:`dlfs.train.fit`), the grids and
the quality measures (:mod:`dlfs.generative`).

The default run: 8x8 images (the digits' own size; the quality classifier upsamples), a
~125 K-parameter U-Net (widths 16, 32), the cosine schedule with T = 1000, labels dropped
with p = 0.2 (0.1 left the null class's unconditional samples at 3.1x the FD floor, 0.2 at
2.6x), 2000 Adam steps of 64 images, an exponential moving average of the weights
(decay 0.995) that sampling uses — on these short runs it halves the digits-FD of the raw
weights — and guided DDIM samples (50 steps, w = 1).

Every ``eval_every`` steps the held-out images' L_simple (fixed t and noise) is printed and
logged, with a grid of guided samples (one row per digit) to TensorBoard. At the end,
``samples.png`` holds 8 guided samples of each digit, and the quality of 360 unconditional
samples (``run.json``'s ``"quality"``; from the null class of a guided model) and of 360
guided ones, 36 of each digit (``"guided"``, with the accuracy on the requested digits) is
printed and stored (``--quality-samples`` sets the 360).
``dlfs sample --run DIR [--digit D] [--steps S]`` calls :func:`generate`.
The random draws of training (batches, t, eps, dropped labels) come from torch's generator,
which checkpoints carry, so a resumed run continues exactly as the uninterrupted one.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from torch import Tensor

from .. import nn
from ..data import DataLoader, TensorDataset
from ..errors import DlfsError
from ..generative.diffusion import (
    NoiseSchedule,
    ancestral_sample,
    ddim_sample,
    drop_labels,
    l_simple,
    model_eps_fn,
    noise_batch,
    q_sample,
)
from ..i18n import t
from ..models.unet import UNet, UNetConfig
from ..optim import Adam
from ..optim.lr_scheduler import LambdaLR, warmup_constant_factor
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

__all__ = ["COMMAND", "QUICK", "RESUME_POLICY", "DDPMRecipe", "DDPMRun", "Denoiser",
           "EMAUpdate", "FinalSamples", "HeldOutLoss", "build_model", "default_sampler",
           "generate", "held_out_loss", "load_digits", "load_sampler", "plan_ddpm_resume",
           "run_ddpm", "sample_digits", "train_ddpm"]

NUM_DIGITS = 10
GRID_PER_DIGIT = 4              # samples per digit in the TensorBoard grids


@dataclass(frozen=True)
class DDPMRecipe:
    """One DDPM run (the defaults: see the module docstring)."""

    data: str | None = field(default=None, metadata={
        "help": "folder with the four MNIST IDX files (default: scikit-learn's digits, "
                "built in)",
        "help_zh": "存放四个 MNIST IDX 文件的文件夹（默认：内置的 scikit-learn"
                   " `digits` 数据集）", "metavar": "DIR", "path": "in-dir"})
    model: UNetConfig = field(default_factory=UNetConfig, metadata={
        "help": "the noise-predicting U-Net (the images are resized to its image_size)",
        "help_zh": "预测噪声的 U-Net（图像会缩放到它的 image_size）"})
    schedule: Literal["linear", "cosine"] = field(default="cosine", metadata={
        "help": "the noise schedule beta_t: linear (DDPM's 1e-4..0.02, scaled by 1000/T) or "
                "cosine (alpha_bar a squared cosine)",
        "help_zh": "噪声调度 beta_t：`linear`（DDPM 的 1e-4..0.02，按 "
                   "1000/T 缩放）或 `cosine`（alpha_bar 为余弦的平方）"})
    timesteps: int = field(default=1000, metadata={
        "help": "T, the number of diffusion steps",
        "help_zh": "T，扩散步数", "min": 2})
    guidance: bool = field(default=True, metadata={
        "help": "the U-Net is class-conditional (10 digits + a null class), trained with "
                "label dropout and sampled with classifier-free guidance; --no-guidance "
                "trains an unconditional one",
        "help_zh": "U-Net 以类别为条件（10 个数字加一个空类别），训练时随机丢弃标签，"
                   "采样时用无分类器引导；--no-guidance 则训练一个无条件模型"})
    p_uncond: float = field(default=0.2, metadata={
        "help": "probability that a training label is replaced by the null class",
        "help_zh": "训练标签被替换为空类别的概率",
        "min": 0, "below": 1})
    guidance_weight: float = field(default=1.0, metadata={
        "help": "w of the guided noise (1 + w) eps(x, c) - w eps(x, null) when sampling "
                "(0: the plain conditional model)",
        "help_zh": "采样时引导噪声 `(1 + w) eps(x, c) - w eps(x, "
                   "null)` 中的 w（0：普通的条件模型）", "min": 0})
    sample_steps: int | None = field(default=50, metadata={
        "help": "DDIM steps of the samples (evaluation grids, samples.png, the quality "
                "lines); T or 'none': the ancestral sampler, all T steps",
        "help_zh": "采样用的 DDIM 步数（评估网格、samples.png、质量报告行）"
                   "；T 或 `none`：祖先采样器，走完全部 T 步", "min": 1})
    batch_size: int = field(default=64, metadata={"help": "images per optimizer step",
                                                  "help_zh": "每个优化步的图像数",
                                                  "min": 1})
    max_steps: int = field(default=2000, metadata={
        "help": "optimizer steps",
        "help_zh": "优化步数", "aliases": ("--steps",), "min": 1})
    lr: float = field(default=2e-3, metadata={
        "help": "learning rate (Adam), constant after the warm-up",
        "help_zh": "学习率（Adam），预热之后保持不变", "above": 0})
    warmup_steps: int = field(default=100, metadata={
        "help": "steps of linear learning-rate warm-up",
        "help_zh": "学习率线性预热的步数", "min": 0})
    grad_clip: float | None = field(default=1.0, metadata={
        "help": "clip the global gradient norm to this",
        "help_zh": "把全局梯度范数裁剪到这个值", "above": 0})
    ema: float | None = field(default=0.995, metadata={
        "help": "decay of the exponential moving average of the weights that sampling "
                "uses (off: sample with the trained weights)",
        "help_zh": "采样所用权重的指数移动平均（EMA）衰减率（关闭："
                   "直接用训练出的权重采样）", "min": 0, "below": 1})
    quality_samples: int = field(default=360, metadata={
        "help": "samples scored at the end (digits-FD, coverage, accuracy on the requested "
                "digits); 360, the held-out size, is what reported figures use",
        "help_zh": "结束时评分的样本数（`digits-FD`、覆盖率、指定数字上的准确率）"
                   "；报告中的数字用的是留出集大小 360", "min": 10})
    eval_every: int = field(default=500, metadata={
        "help": "steps between held-out losses, TensorBoard sample grids and checkpoints",
        "help_zh": "每隔多少步计算留出集损失、写 TensorBoard 样本网格并保存检查点",
        "min": 1})
    seed: int = field(default=0, metadata={
        "help": "seed of the initialization, the batch order, the noise and the final "
                "samples",
        "help_zh": "初始化、批次顺序、噪声和最终样本的随机种子", "min": 0, "below": 2**32})
    out_dir: str = field(default="runs/ddpm", metadata={
        "help": "run directory: checkpoints, TensorBoard logs, run.json, samples.png",
        "help_zh": "运行目录：检查点、TensorBoard 日志、run.json、samples.png",
        "aliases": ("--out",), "metavar": "DIR", "path": "out-dir"})
    resume: bool = resume_field()

    def __post_init__(self) -> None:
        check_fields(self)
        if self.model.image_size < 8:
            raise ValueError(t("recipes.ddpm.image_size", image_size=self.model.image_size))
        if self.sample_steps is not None and self.sample_steps > self.timesteps:
            raise ValueError(t("recipes.ddpm.sample_steps", sample_steps=self.sample_steps,
                               timesteps=self.timesteps))

    def model_config(self) -> UNetConfig:
        """The U-Net's config, with the class embedding set by ``guidance``."""
        return dataclasses.replace(self.model, num_classes=NUM_DIGITS if self.guidance else 0)

    def noise_schedule(self) -> NoiseSchedule:
        """The recipe's beta_t schedule."""
        return NoiseSchedule.make(self.schedule, self.timesteps)


#: `--quick`: a smoke run of the whole pipeline in seconds (what the tests use).
QUICK = {"max_steps": 20, "eval_every": 10, "batch_size": 32, "model.width": 8,
         "model.groups": 4, "timesteps": 100, "sample_steps": 5, "warmup_steps": 5,
         "quality_samples": 50}

#: `--resume`: what may differ from the saved run (see :mod:`dlfs.recipes.resume`)
RESUME_POLICY = ResumePolicy(
    applied=("max_steps", "lr", "warmup_steps", "grad_clip", "model.fused"),
    free=("eval_every", "out_dir", "resume", "guidance_weight", "sample_steps",
          "quality_samples"))


# ---- the model: the trained U-Net and its moving average ------------------------------------

class Denoiser(nn.Module):
    """The U-Net being trained (``net``) and the moving average of its weights (``ema``), in
    one module so that checkpoints carry both. ``forward`` is the trained network's::

        ema <- decay * ema + (1 - decay) * net        after every optimizer step
    """

    def __init__(self, config: UNetConfig, ema: bool = True) -> None:
        super().__init__()
        self.net = UNet(config)
        self.ema = copy.deepcopy(self.net).requires_grad_(False) if ema else None

    def forward(self, x_t: Tensor, t: Tensor, c: Tensor | None = None) -> Tensor:
        return self.net(x_t, t, c)                                   # (B, C, S, S)

    @property
    def sampler(self) -> UNet:
        """The network samples come from: the average if there is one."""
        return self.ema if self.ema is not None else self.net

    @torch.no_grad()
    def update_ema(self, decay: float) -> None:
        """ema <- decay * ema + (1 - decay) * net, parameters and buffers alike."""
        if self.ema is None:
            return
        for avg, new in zip(self.ema.state_dict().values(), self.net.state_dict().values()):
            avg.lerp_(new, 1 - decay)


class EMAUpdate(Callback):
    """After every optimizer step, move the average towards the weights. The decay ramps up
    as ``min(decay, (1 + n) / (10 + n))`` after n steps, so the early average is not stuck at
    the random initialization."""

    def __init__(self, decay: float) -> None:
        self.decay = decay

    def on_step_end(self, trainer: Any, logs: dict[str, float]) -> None:
        n = trainer.state.step
        trainer.model.update_ema(min(self.decay, (1 + n) / (10 + n)))


def build_model(recipe: DDPMRecipe) -> Denoiser:
    """The recipe's U-Net (and its average), initialized from ``recipe.seed``."""
    torch.manual_seed(recipe.seed)
    return Denoiser(recipe.model_config(), ema=recipe.ema is not None)


def load_digits(recipe: DDPMRecipe, split: str) -> tuple[Tensor, Tensor]:
    """The recipe's images (N, 1, S, S) in [-1, 1] and labels (N,) of ``split``."""
    from ..generative.data import digit_images

    if recipe.model.in_channels != 1:
        raise DlfsError(t("recipes.ddpm.in_channels", in_channels=recipe.model.in_channels))
    return digit_images(split, size=recipe.model.image_size, data=recipe.data)


# ---- sampling -----------------------------------------------------------------------------------

def sample_digits(model: UNet, schedule: NoiseSchedule, n: int, *, steps: int | None,
                  w: float, digits: Tensor | None, seed: int) -> Tensor:
    """n samples (n, C, S, S) from ``model`` in eval mode: DDIM with ``steps`` (ancestral
    when None or T); ``digits`` (n,) guided with weight w, or unconditional when None. The
    noise comes from a generator seeded with ``seed``; torch's global one is not touched."""
    size, channels = model.config.image_size, model.config.in_channels
    shape = (n, channels, size, size)
    gen = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    try:
        eps_fn = model_eps_fn(model, digits, w)
        if steps is None or steps == schedule.T:
            return ancestral_sample(eps_fn, shape, schedule, generator=gen)
        return ddim_sample(eps_fn, shape, schedule, steps, generator=gen)
    finally:
        model.train(was_training)


@torch.no_grad()
def held_out_loss(model: UNet, images: Tensor, labels: Tensor | None,
                  schedule: NoiseSchedule, *, seed: int = 0) -> float:
    """L_simple on ``images`` (N, C, S, S) with t and eps drawn from a generator seeded with
    ``seed`` (the same draws at every evaluation; torch's global generator untouched); the
    true labels when the model is class-conditional (``labels`` (N,), else None)."""
    gen = torch.Generator().manual_seed(seed)
    total = 0.0
    was_training = model.training
    model.eval()
    try:
        for i in range(0, len(images), 512):
            x0 = images[i:i + 512]
            t = torch.randint(0, schedule.T, (len(x0),), generator=gen)
            eps = torch.randn(x0.shape, generator=gen)
            c = labels[i:i + 512] if labels is not None else None
            total += l_simple(model(q_sample(x0, t, eps, schedule), t, c), eps).item() * len(x0)
    finally:
        model.train(was_training)
    return total / len(images)


class HeldOutLoss(Callback):
    """Every ``every`` steps and at the end: L_simple of the held-out images (fixed t and
    eps) under the sampling weights, logged as ``loss/val`` (the grid of guided samples is
    :func:`sample_grid`, through the run's :class:`dlfs.train.RunReport`). ``evals``
    ([step, train loss, held-out loss] rows) lives in the checkpoint, so a resumed run
    continues its table."""

    def __init__(self, recipe: DDPMRecipe, images: Tensor, labels: Tensor,
                 schedule: NoiseSchedule, logger: TensorBoardLogger,
                 report: Callable[[list[float], float], None] | None = None) -> None:
        self.recipe, self.images, self.schedule, self.logger = recipe, images, schedule, logger
        self.labels = labels if recipe.guidance else None
        self.report = report
        self.evals: list[list[float]] = []
        self.start = time.perf_counter()

    def on_train_begin(self, trainer: Any) -> None:
        self.start = time.perf_counter()
        self.evals = trainer.checkpoint_extra.setdefault("evals", [])

    def on_step_end(self, trainer: Any, logs: dict[str, float]) -> None:
        if trainer.state.step % self.recipe.eval_every == 0:
            self._eval(trainer)

    def on_train_end(self, trainer: Any) -> None:
        if trainer.error is None:
            self._eval(trainer)

    def _eval(self, trainer: Any) -> None:
        step, r = trainer.state.step, self.recipe
        if self.evals and self.evals[-1][0] == step:
            return
        model = trainer.model.sampler
        recent = trainer.history.step_loss[-r.eval_every:] or [float("nan")]
        value = held_out_loss(model, self.images, self.labels, self.schedule, seed=r.seed)
        row = [step, sum(recent) / len(recent), value]
        self.evals.append(row)
        log_scalar(trainer, "val/loss", value, step)
        if self.report:
            self.report(row, time.perf_counter() - self.start)


def sample_grid(recipe: DDPMRecipe, model: Any, schedule: NoiseSchedule) -> Tensor:
    """Guided samples of ``model`` (the sampler: EMA weights if kept), a row of 4 per digit
    (unguided: 40 samples), as one image (1, H, W) in [0, 1]: ``samples/grid`` in
    TensorBoard at each evaluation."""
    from ..generative.grid import grid_image

    n = NUM_DIGITS * GRID_PER_DIGIT
    digits = torch.arange(n) // GRID_PER_DIGIT if recipe.guidance else None
    images = sample_digits(model, schedule, n, steps=recipe.sample_steps,
                           w=recipe.guidance_weight, digits=digits, seed=recipe.seed)
    return grid_image(images, nrow=GRID_PER_DIGIT)


# ---- training ----------------------------------------------------------------------------------

@dataclass
class FinalSamples:
    """Samples scored at the end of a run."""

    images: Tensor                    # (quality_samples, 1, S, S) in [-1, 1]
    requested: Tensor | None          # (quality_samples,) the digit asked of each, if guided
    quality: Any                      # dlfs.generative.quality.SampleQuality
    seconds: float                    # sampling time (wall clock)


@dataclass
class DDPMRun:
    """What :func:`train_ddpm` returns: ``unconditional`` samples (the null class of a
    guided model) and, for a guided run, ``guided`` ones."""

    model: Denoiser
    evals: list[list[float]]          # [step, train loss, held-out loss]
    seconds: float
    cpu_seconds: float
    guided: FinalSamples | None
    unconditional: FinalSamples
    out_dir: Path


def _run_info(recipe: DDPMRecipe, run: DDPMRun | None = None) -> dict[str, Any]:
    """run.json: ``quality`` of the unconditional samples, ``guided`` of the guided ones."""
    info: dict[str, Any] = {"kind": "ddpm", "recipe": dataclasses.asdict(recipe),
                            "model": dataclasses.asdict(recipe.model_config())}
    if run is not None:
        info["quality"] = run.unconditional.quality.to_dict()
        if run.guided is not None:
            info["guided"] = {**run.guided.quality.to_dict(), "w": recipe.guidance_weight}
    return info


def _write_run_info(recipe: DDPMRecipe, run: DDPMRun | None = None) -> None:
    """``run.json`` (atomically): what ``dlfs sample`` rebuilds the run from."""
    atomic_write_text(Path(recipe.out_dir) / "run.json",
                      json.dumps(_run_info(recipe, run), ensure_ascii=False, indent=1))


def plan_ddpm_resume(recipe: DDPMRecipe) -> ResumePlan:
    """Check that ``recipe`` may ``--resume`` the run in its ``out_dir``; nothing is written."""
    return plan_resume(recipe, Path(recipe.out_dir) / "checkpoints", RESUME_POLICY)


def train_ddpm(recipe: DDPMRecipe, *, callbacks: Sequence[Callback] = (),
               report: Callable[[list[float], float], None] | None = None,
               resume: ResumePlan | None = None) -> DDPMRun:
    """Train per ``recipe``, checkpointing into ``<out_dir>/checkpoints`` (resumable), logging
    to ``<out_dir>/tensorboard``; then write ``samples.png`` and score
    ``recipe.quality_samples`` samples.

    With ``recipe.resume`` the saved run is checked first (``resume`` or
    :func:`plan_ddpm_resume`). ``run.json`` is written once training has started, and again
    with the quality at the end. Trains under the NaN/Inf guard."""
    if recipe.resume and resume is None:
        resume = plan_ddpm_resume(recipe)
    train_x, train_y = load_digits(recipe, "train")
    test_x, test_y = load_digits(recipe, "test")
    if len(train_x) < recipe.batch_size:
        raise DlfsError(t("recipes.batch_too_large", batch_size=recipe.batch_size,
                          n=len(train_x), what=t("recipes.what.images")))
    schedule = recipe.noise_schedule()
    model = build_model(recipe)
    if resume is not None:
        check_state_shapes(model, resume.payload["model"], resume.checkpoint)
    out_dir = Path(recipe.out_dir)
    loader = DataLoader(TensorDataset(train_x, train_y), batch_size=recipe.batch_size,
                        shuffle=True, drop_last=True,
                        generator=torch.Generator().manual_seed(recipe.seed))
    null = model.net.null_class

    def forward(m: Denoiser, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        x0, c = batch                                             # (B, 1, S, S), (B,)
        c = drop_labels(c, recipe.p_uncond, null) if recipe.guidance else None
        x_t, t, eps = noise_batch(x0, schedule)                   # torch's generator
        return m(x_t, t, c), eps                                  # (eps_hat, eps)

    logger = TensorBoardLogger(str(out_dir / "tensorboard"))
    held_out = HeldOutLoss(recipe, test_x, test_y, schedule, logger, report)
    report_run = RunReport(out_dir, every=recipe.eval_every, hparams=flat_values(recipe),
                           grid=lambda m: sample_grid(recipe, m.sampler, schedule),
                           title="dlfs train ddpm")
    started = RecordRecipe(recipe, lambda: _write_run_info(recipe))
    ema = [EMAUpdate(recipe.ema)] if recipe.ema is not None else []
    optimizer = Adam(model.net.parameters(), lr=recipe.lr)
    start, cpu = time.perf_counter(), time.process_time()
    fit(model, loader, optimizer=optimizer,
        scheduler=LambdaLR(optimizer, warmup_constant_factor(recipe.warmup_steps)),
        loss_fn=l_simple, forward=forward,
        callbacks=[started, *ema, held_out, report_run, logger, *callbacks],
        max_steps=recipe.max_steps,
        device="cpu", clip_grad_norm=recipe.grad_clip, seed=recipe.seed,
        checkpoint_dir=str(out_dir / "checkpoints"), checkpoint_every=recipe.eval_every,
        log_dir=str(out_dir / "tensorboard"),
        resume=str(resume.checkpoint) if resume is not None else False,
        resume_hparams="given", nan_guard=True)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    guided, unconditional = _final_samples(recipe, model, schedule)
    run = DDPMRun(model, held_out.evals, seconds, cpu_seconds, guided, unconditional, out_dir)
    _write_run_info(recipe, run)
    return run


def _final_samples(recipe: DDPMRecipe, model: Denoiser, schedule: NoiseSchedule
                   ) -> tuple[FinalSamples | None, FinalSamples]:
    """``quality_samples`` unconditional samples and (for a guided run) as many guided ones,
    the digits 0..9 in turn; ``samples.png`` (guided: 8 per digit, a row each; else 64);
    returns (guided or None, unconditional), each with its quality."""
    from ..generative.grid import save_grid

    n, path = recipe.quality_samples, Path(recipe.out_dir) / "samples.png"
    unconditional = _scored(recipe, model, schedule, None)
    if not recipe.guidance:
        save_grid(unconditional.images[:64], path, nrow=8)
        return None, unconditional
    guided = _scored(recipe, model, schedule, torch.arange(n) % NUM_DIGITS)
    per_digit = min(8, n // NUM_DIGITS)             # row d of the grid: the first samples of d
    rows = guided.images[:per_digit * NUM_DIGITS].view(per_digit, NUM_DIGITS,
                                                       *guided.images.shape[1:])
    save_grid(rows.transpose(0, 1).reshape(-1, *guided.images.shape[1:]), path,
              nrow=per_digit)
    return guided, unconditional


def _scored(recipe: DDPMRecipe, model: Denoiser, schedule: NoiseSchedule,
            digits: Tensor | None) -> FinalSamples:
    from ..generative.quality import sample_quality

    start = time.perf_counter()
    images = sample_digits(model.sampler, schedule, recipe.quality_samples,
                           steps=recipe.sample_steps, w=recipe.guidance_weight, digits=digits,
                           seed=recipe.seed)
    seconds = time.perf_counter() - start
    return FinalSamples(images, digits, sample_quality(images, digits), seconds)


# ---- `dlfs sample --run DIR` -------------------------------------------------------------------

def load_sampler(run_dir: str | Path, info: dict | None = None) -> tuple[DDPMRecipe, UNet]:
    """The recipe of the run in ``run_dir`` and the U-Net its samples come from (the
    averaged weights, if the run kept an average) from its newest good checkpoint, in eval
    mode. ``info``: its run.json, if already read."""
    from .options import from_dict

    if info is None:
        try:
            info = json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DlfsError(t("recipes.ddpm.unreadable", file=Path(run_dir) / "run.json",
                              exc=exc)) from exc
    try:
        recipe = from_dict(DDPMRecipe, info["recipe"])
        config = UNetConfig(**info["model"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DlfsError(t("recipes.ddpm.not_ddpm", file=Path(run_dir) / "run.json",
                          exc=exc)) from exc
    path, payload, problems = CheckpointManager(Path(run_dir) / "checkpoints").load_latest()
    if payload is None:
        found = t("recipes.run.found", problems="; ".join(problems)) if problems else ""
        raise DlfsError(t("recipes.no_checkpoint_train", folder=Path(run_dir) / "checkpoints",
                          found=found, name="ddpm"))
    model = Denoiser(config, ema=recipe.ema is not None)
    check_state_shapes(model, payload["model"], path, hint=t("recipes.run.json_mismatch"))
    model.load_state_dict(payload["model"])
    return recipe, model.sampler.eval()


def default_sampler(fallback_dir: str | Path) -> tuple[DDPMRecipe, UNet]:
    """The sampler of a run with every default of `dlfs train ddpm` (what the lessons' full
    mode measures): ``runs/ddpm`` if it is one, else ``fallback_dir`` if it is one, else a
    default run trained into ``fallback_dir`` (about four minutes on two cores)."""
    from ..paths import runs_dir

    for run_dir in (runs_dir() / "ddpm", Path(fallback_dir)):
        if (run_dir / "run.json").exists():
            recipe, model = load_sampler(run_dir)
            if dataclasses.replace(recipe, out_dir="", resume=False) == DDPMRecipe(out_dir=""):
                return recipe, model
    train_ddpm(DDPMRecipe(out_dir=str(fallback_dir)))
    return load_sampler(fallback_dir)


def generate(run_dir: Path, info: dict, *, n: int, seed: int, digit: int | None = None,
             steps: int | None = None) -> Tensor:
    """``n`` samples (n, 1, S, S) in [-1, 1] from the newest good checkpoint of ``run_dir``
    (what ``dlfs sample --run DIR`` calls), from the averaged weights.

    ``digit``: guided samples of that digit at the run's guidance weight (a guided run
    only); without it a guided run gives the digits 0, 1, ..., 9, 0, ... in turn, an
    unconditional run unconditional samples. ``steps``: DDIM with that many steps (T: the
    ancestral sampler); default: the run's ``sample_steps``."""
    recipe, model = load_sampler(run_dir, info)
    T = recipe.timesteps
    if digit is not None and not recipe.guidance:
        raise DlfsError(t("recipes.ddpm.unconditional", digit=digit))
    if digit is not None and not 0 <= digit < NUM_DIGITS:
        raise DlfsError(t("recipes.ddpm.digit", digit=digit))
    if steps is not None and not 1 <= steps <= T:
        raise DlfsError(t("recipes.ddpm.steps", steps=steps, T=T))
    if n < 1:
        raise DlfsError(t("recipes.ddpm.n_images", n=n))
    if digit is not None:
        digits: Tensor | None = torch.full((n,), digit, dtype=torch.long)
    else:
        digits = torch.arange(n) % NUM_DIGITS if recipe.guidance else None
    return sample_digits(model, recipe.noise_schedule(), n,
                         steps=steps if steps is not None else recipe.sample_steps,
                         w=recipe.guidance_weight, digits=digits, seed=seed)


# ---- the command line: `dlfs train ddpm` (all printing of the recipe happens here) -------------

def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{seconds % 60:04.1f}s"


def _sampler_words(recipe: DDPMRecipe, guidance: bool = True) -> str:
    steps = recipe.sample_steps
    kind = (t("recipes.ddpm.ancestral", steps=recipe.timesteps)
            if steps is None or steps == recipe.timesteps else t("recipes.ddpm.ddim", steps=steps))
    return kind + (t("recipes.ddpm.guidance", w=recipe.guidance_weight)
                   if recipe.guidance and guidance else "")


def next_commands(recipe: DDPMRecipe, quick: bool) -> list[tuple[str, str]]:
    """What to try after a run, as commands that work when pasted: (command, why)."""
    base = replace_nested(DDPMRecipe(), QUICK) if quick else DDPMRecipe()
    words = ["dlfs", "train", "ddpm", *(["--quick"] if quick else [])]
    longer = dataclasses.replace(recipe, max_steps=2 * recipe.max_steps, resume=True)
    run = shlex.quote(recipe.out_dir)
    commands = [(f"dlfs sample --run {run}", t("recipes.next.samples"))]
    if recipe.guidance:
        commands.append((f"dlfs sample --run {run} --digit 7", t("recipes.ddpm.next.digit")))
    commands += [(f"dlfs sample --run {run} --steps 10", t("recipes.ddpm.next.ddim")),
                 (command_line(words, longer, base), t("recipes.next.continue")),
                 (f"tensorboard --logdir {run}/tensorboard", t("recipes.ddpm.next.curves")),
                 ("dlfs run ddpm-forward-process" + (" --quick" if quick else ""),
                  t("recipes.ddpm.next.lesson"))]
    return commands


def run_ddpm(recipe: DDPMRecipe, quick: bool = False) -> int:
    """`dlfs train ddpm`: train with a line per evaluation, then samples and their quality."""
    from ..train import PrintCurves, ProgressBar

    cfg = recipe.model_config()
    source = recipe.data or t("recipes.digits")
    print(t("recipes.ddpm.header", command="dlfs train ddpm",
            source=source, quick=t("recipes.quick") if quick else ""),
          flush=True)
    resume = plan_ddpm_resume(recipe) if recipe.resume else None
    model = build_model(recipe)
    widths = [cfg.channels(level) for level in range(cfg.levels)]
    print(t("recipes.ddpm.model", size=cfg.image_size, widths=widths, blocks=cfg.blocks,
            conditioning=t("recipes.ddpm.conditional") if cfg.num_classes
            else t("recipes.ddpm.unconditional_model"), params=model.net.num_params(),
            schedule=recipe.schedule, T=recipe.timesteps), flush=True)
    print(t("recipes.ddpm.training", max_steps=recipe.max_steps, batch_size=recipe.batch_size,
            lr=recipe.lr, out=recipe.out_dir,
            dropped=t("recipes.ddpm.dropped", p=recipe.p_uncond) if recipe.guidance else "",
            ema=t("recipes.ddpm.ema", ema=recipe.ema) if recipe.ema is not None else ""),
          flush=True)
    if resume is not None:
        print(resume.describe(), flush=True)

    def report(row: list[float], seconds: float) -> None:
        step, train, val = row
        print(t("recipes.ddpm.step", step=int(step), train=train, val=val,
                time=_minutes(seconds)), flush=True)

    run = train_ddpm(recipe, callbacks=[ProgressBar(), PrintCurves()], report=report,
                     resume=resume)
    print("\n" + t("recipes.ddpm.done", max_steps=recipe.max_steps,
                   time=_minutes(run.seconds), cpu=run.cpu_seconds))
    n, sampler = recipe.quality_samples, _sampler_words(recipe)
    print(t("recipes.samples", path=run.out_dir / "samples.png"))
    u = run.unconditional
    print(t("recipes.ddpm.unconditional_samples", n=n,
            sampler=_sampler_words(recipe, guidance=False),
            null=t("recipes.ddpm.null_class") if recipe.guidance else "", seconds=u.seconds,
            quality=u.quality.describe()))
    if run.guided is not None:
        g = run.guided
        print(t("recipes.ddpm.guided_samples", n=n, each=n // NUM_DIGITS, sampler=sampler,
                seconds=g.seconds, quality=g.quality.describe()))
    print_next(next_commands(recipe, quick))
    return 0


#: `dlfs train ddpm` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(DDPMRecipe, QUICK, run_ddpm)
