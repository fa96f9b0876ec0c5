"""Recipe: a DCGAN on the digits, non-saturating or WGAN-GP (`dlfs train gan [--loss ...]`).

    digit_images (N, 1, S, S) in [-1, 1] --random batches--+
    z ~ N(0, I) (B, z_dim) --DCGANGenerator--> x_fake -----+--> DCGANDiscriminator --> losses

One generator step is preceded by ``n_critic`` discriminator (critic) steps::

    repeat n_critic times:                         # the discriminator / critic
        x_real ~ data, x_fake = G(z).detach()
        ns:       L_D = -mean log D(x_real) - mean log(1 - D(x_fake))
        wgan-gp:  L_C = mean f(x_fake) - mean f(x_real) + lambda * GP
        step the critic's Adam
    ns: L_G = -mean log D(G(z));  wgan-gp: L_G = -mean f(G(z));  step the generator's Adam

The losses are :mod:`dlfs.generative.gan`, the networks :mod:`dlfs.models.dcgan`. Two
networks with two optimizers do not fit :func:`dlfs.train.fit` (one model, one optimizer,
one loss), so this file holds the loop itself, built from the same pieces: checkpoints by
:class:`~dlfs.train.CheckpointManager` (atomic, checksummed, keep-last-3), ``--resume``
checked by :func:`~dlfs.recipes.resume.plan_resume`, the NaN/Inf checks of
:mod:`dlfs.train.nan_guard`, TensorBoard through ``SummaryWriter``. All randomness after the
initialization (batches, z, eps) comes from one ``torch.Generator`` whose state is
checkpointed, so a resumed run equals an uninterrupted one exactly.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from torch import Tensor

from ..errors import DlfsError
from ..generative.data import digit_images
from ..generative.gan import (
    discriminator_loss,
    gradient_penalty,
    nonsaturating_generator_loss,
    wgan_critic_loss,
    wgan_generator_loss,
)
from ..generative.grid import grid_image, save_grid
from ..i18n import t
from ..models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from ..optim import Adam
from ..train import CheckpointManager, NonFiniteError
from ..train.checkpoint import atomic_write_text
from ..train.loop import total_grad_norm
from ..train.nan_guard import first_nonfinite_param, first_nonfinite_weight
from ..train.run_report import CURVES_FILE, add_grid, curves_line, save_curves, write_hparams
from ..train.tensorboard import write_layout
from .options import check_fields, flat_values
from .registry import RecipeCommand
from .resume import (
    ResumePlan,
    ResumePolicy,
    check_state_shapes,
    plan_resume,
    resume_field,
)

__all__ = ["COMMAND", "QUICK", "RESUME_POLICY", "GANRecipe", "GANRun", "build_models",
           "generate", "run_gan", "train_gan"]

#: samples for the quality line (the size of the held-out split), and for samples.png
QUALITY_SAMPLES, GRID_SAMPLES = 360, 64


@dataclass(frozen=True)
class GANRecipe:
    """One GAN run. Defaults: the non-saturating DCGAN on 16x16 digits, 3000 steps (measured:
    all 10 digits covered, digits-FD 3.8x the real-vs-real floor, 234 CPU s on one thread of a
    heavily loaded machine)."""

    loss: Literal["ns", "wgan-gp"] = field(default="ns", metadata={
        "help": "ns: the non-saturating GAN (a discriminator with logits); wgan-gp: the "
                "Wasserstein critic with the gradient penalty",
        "help_zh": "`ns`：非饱和 GAN（输出 logits 的判别器）；"
                   "`wgan-gp`：带梯度惩罚的 Wasserstein 评论器"})
    model: DCGANConfig = field(default_factory=DCGANConfig, metadata={
        "help": "the generator and the discriminator/critic",
        "help_zh": "生成器和判别器/评论器"})
    n_critic: int | None = field(default=None, metadata={"min": 1,
        "help": "critic steps per generator step (default: 1 for ns, 5 for wgan-gp)",
        "help_zh": "每个生成器步对应的评论器步数（默认：`ns` 为 1，`wgan-gp` 为 5）"})
    gp_weight: float = field(default=10.0, metadata={"min": 0,
        "help": "lambda, the weight of the gradient penalty (wgan-gp)",
        "help_zh": "`lambda`，梯度惩罚的权重（wgan-gp）"})
    lr: float = field(default=2e-4, metadata={"above": 0,
        "help": "Adam learning rate of both networks",
        "help_zh": "两个网络的 Adam 学习率"})
    beta1: float = field(default=0.5, metadata={"min": 0, "below": 1,
        "help": "Adam's beta1 (momentum); GANs train better with little of it",
        "help_zh": "Adam 的 `beta1`（动量）；GAN 用较小的动量训练得更好"})
    beta2: float = field(default=0.9, metadata={"min": 0, "below": 1,
        "help": "Adam's beta2",
        "help_zh": "Adam 的 `beta2`"})
    max_steps: int = field(default=3000, metadata={"min": 1, "aliases": ("--steps",),
        "help": "generator steps. A wgan-gp step (5 critic steps with a double backward) "
                "costs about 4.5 ns steps: 500 of them already cover all 10 digits",
        "help_zh": "生成器步数。一个 wgan-gp 步（5 个评论器步，含二阶反向传播）"
                   "约等于 4.5 个 `ns` 步：500 步就已覆盖全部 10 个数字"})
    batch_size: int = field(default=64, metadata={"min": 1,
        "help": "real (and fake) images per critic step",
        "help_zh": "每个评论器步的真实（及生成）图像数"})
    eval_every: int = field(default=500, metadata={"min": 1,
        "help": "steps between progress lines, TensorBoard sample grids and checkpoints",
        "help_zh": "每隔多少步打印进度、写 TensorBoard 样本网格并保存检查点"})
    seed: int = field(default=0, metadata={"min": 0, "below": 2**32,
        "help": "seed of the initialization, the batches, z and the penalty's eps",
        "help_zh": "初始化、批次、z 以及梯度惩罚中 `eps` 的随机种子"})
    data: str | None = field(default=None, metadata={"metavar": "DIR", "path": "in-dir",
        "help": "a folder with the four MNIST IDX files (default: scikit-learn's digits)",
        "help_zh": "存放四个 MNIST IDX 文件的文件夹（默认：scikit-learn 的 `digits` 数据集）"})
    out_dir: str = field(default="runs/gan", metadata={"aliases": ("--out",),
        "metavar": "DIR", "path": "out-dir",
        "help": "run directory: checkpoints, TensorBoard logs, run.json, samples.png",
        "help_zh": "运行目录：检查点、TensorBoard 日志、run.json、samples.png"})
    resume: bool = resume_field()

    def __post_init__(self) -> None:
        check_fields(self)
        if self.model.channels != 1:
            raise ValueError(t("recipes.gan.channels", channels=self.model.channels))

    @property
    def critic_steps(self) -> int:
        """``n_critic``, or its default for the loss."""
        return self.n_critic or (5 if self.loss == "wgan-gp" else 1)


#: `--quick`: a seconds-long smoke run of the whole pipeline (what the tests use)
QUICK = {"max_steps": 4, "eval_every": 2, "batch_size": 16, "model.image_size": 8,
         "model.g_width": 16, "model.d_width": 8}

#: `--resume`: what may differ from the saved run (see :mod:`dlfs.recipes.resume`)
RESUME_POLICY = ResumePolicy(
    applied=("max_steps", "lr", "beta1", "beta2", "gp_weight", "n_critic", "model.fused"),
    free=("eval_every", "out_dir", "resume"))


def build_models(recipe: GANRecipe) -> tuple[DCGANGenerator, DCGANDiscriminator]:
    """The generator and the discriminator/critic, initialized from ``recipe.seed``."""
    torch.manual_seed(recipe.seed)
    return DCGANGenerator(recipe.model), DCGANDiscriminator(recipe.model)


@dataclass
class GANRun:
    """What :func:`train_gan` returns."""

    generator: DCGANGenerator
    critic: DCGANDiscriminator
    logs: list[dict[str, float]]      # one row per eval: step, losses, D outputs / GP norm
    seconds: float
    cpu_seconds: float
    out_dir: Path
    curves: Path | None = None        # <out_dir>/curves.png


#: the CUSTOM SCALARS tab of a GAN run: the two losses in one chart
LAYOUT = {"loss": {"critic and generator": ["Multiline", ["^loss/critic$", "^loss/generator$"]]},
          "opt": {"gradient norms": ["Multiline", ["^opt/grad_norm"]]}}
CURVE_TAGS = ("loss/critic", "loss/generator", "opt/lr")


class _Step:
    """One generator step with its ``n_critic`` critic steps; returns the logged values."""

    def __init__(self, recipe: GANRecipe, G: DCGANGenerator, D: DCGANDiscriminator,
                 x_train: Tensor, rng: torch.Generator):
        self.recipe, self.G, self.D, self.x_train, self.rng = recipe, G, D, x_train, rng
        betas = (recipe.beta1, recipe.beta2)
        self.opt_g = Adam(G.parameters(), lr=recipe.lr, betas=betas)
        self.opt_d = Adam(D.parameters(), lr=recipe.lr, betas=betas)
        self.grad_norms: dict[str, float] = {}      # who -> total norm of its last backward

    def _z(self) -> Tensor:
        return torch.randn(self.recipe.batch_size, self.recipe.model.z_dim, generator=self.rng)

    def _real(self) -> Tensor:
        idx = torch.randint(0, len(self.x_train), (self.recipe.batch_size,), generator=self.rng)
        return self.x_train[idx]                                   # (B, 1, S, S)

    def critic_step(self, step: int) -> dict[str, float]:
        r, D = self.recipe, self.D
        x_real = self._real()
        with torch.no_grad():
            x_fake = self.G(self._z())                             # (B, 1, S, S)
        d_real, d_fake = D(x_real), D(x_fake)                      # (B,), (B,)
        logs = {"critic/real_score": d_real.mean().item(),
                "critic/fake_score": d_fake.mean().item()}
        if r.loss == "ns":
            loss = discriminator_loss(d_real, d_fake)
        else:
            eps = torch.rand(len(x_real), generator=self.rng)
            gp, grad_norm = gradient_penalty(D, x_real, x_fake, eps, return_norm=True)
            loss = wgan_critic_loss(d_real, d_fake) + r.gp_weight * gp
            logs.update({"gp/penalty": gp.item(), "gp/grad_norm": grad_norm.mean().item()})
        self._update(self.opt_d, D, loss, "critic", step)
        return {"loss/critic": loss.item(), **logs}

    def generator_step(self, step: int) -> dict[str, float]:
        d_fake = self.D(self.G(self._z()))                         # (B,)
        loss = nonsaturating_generator_loss(d_fake) if self.recipe.loss == "ns" else \
            wgan_generator_loss(d_fake)
        self._update(self.opt_g, self.G, loss, "generator", step)
        return {"loss/generator": loss.item()}

    def _update(self, optimizer: Adam, model: torch.nn.Module, loss: Tensor, who: str,
                step: int) -> None:
        """backward, step — under the NaN/Inf guard (loss, gradients before, weights after)."""
        if not torch.isfinite(loss):
            raise NonFiniteError("loss", step, 0, None, t("recipes.gan.nan_loss", who=t(
                f"recipes.gan.who.{who}"), value=loss.item()))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.grad_norms[who] = float(total_grad_norm(model.parameters()))
        bad = first_nonfinite_param(model)
        if bad is not None:
            raise NonFiniteError("gradient", step, 0, None, t(
                "recipes.gan.nan_grad", who=t(f"recipes.gan.who.{who}"), name=bad))
        optimizer.step()
        bad = first_nonfinite_weight(model)
        if bad is not None:
            raise NonFiniteError("weights", step, 0, None, t(
                "recipes.gan.nan_weight", who=t(f"recipes.gan.who.{who}"), name=bad,
                lr=self.recipe.lr))

    def __call__(self, step: int) -> dict[str, float]:
        for _ in range(self.recipe.critic_steps):
            logs = self.critic_step(step)
        logs = {**logs, **self.generator_step(step)}
        return {**logs, **{f"opt/grad_norm_{who}": v for who, v in self.grad_norms.items()},
                "opt/lr": self.opt_g.param_groups[0]["lr"]}

    def state_dict(self) -> dict[str, Any]:
        return {"generator": self.G.state_dict(), "critic": self.D.state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                "rng": self.rng.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.G.load_state_dict(state["generator"])
        self.D.load_state_dict(state["critic"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        for optimizer in (self.opt_g, self.opt_d):     # changed settings apply from here on
            for group in optimizer.param_groups:
                group["lr"], group["betas"] = self.recipe.lr, (self.recipe.beta1,
                                                               self.recipe.beta2)
        self.rng.set_state(state["rng"])


@torch.no_grad()
def sample_images(G: DCGANGenerator, n: int, seed: int) -> Tensor:
    """``n`` images ``(n, 1, S, S)`` from ``G`` in eval mode (BatchNorm's running statistics)
    for the noise of ``seed``; the global random state is not touched."""
    z = torch.randn(n, G.config.z_dim, generator=torch.Generator().manual_seed(seed))
    was_training = G.training
    G.eval()
    try:
        return G(z).clamp(-1, 1)
    finally:
        G.train(was_training)


def _run_info(recipe: GANRecipe, quality: dict[str, Any] | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {"kind": "gan", "recipe": dataclasses.asdict(recipe),
                            "model": dataclasses.asdict(recipe.model)}
    if quality is not None:
        info["quality"] = quality
    return info


def _write_run_info(out_dir: Path, info: dict[str, Any]) -> None:
    atomic_write_text(out_dir / "run.json", json.dumps(info, indent=1))


def plan_gan_resume(recipe: GANRecipe) -> ResumePlan:
    """Check that ``recipe`` may ``--resume`` the run in its ``out_dir``; nothing is written."""
    return plan_resume(recipe, Path(recipe.out_dir) / "checkpoints", RESUME_POLICY)


def train_gan(recipe: GANRecipe, *, report: Callable[[dict[str, float]], None] | None = None,
              resume: ResumePlan | None = None) -> GANRun:
    """Train per ``recipe``: checkpoints in ``<out_dir>/checkpoints`` every ``eval_every``
    steps and at the end, TensorBoard logs in ``<out_dir>/tensorboard`` (both losses, the
    critic's scores, the penalty and the gradient norm, a sample grid at each eval);
    ``run.json`` once training has started. ``report(row)`` is called at each eval.

    ``--resume`` is checked before anything is written. A non-finite loss, gradient or weight
    raises :class:`~dlfs.train.NonFiniteError` and leaves the last checkpoint the newest."""
    from torch.utils.tensorboard import SummaryWriter

    if recipe.resume and resume is None:
        resume = plan_gan_resume(recipe)
    x_train, _ = digit_images("train", size=recipe.model.image_size, data=recipe.data)
    G, D = build_models(recipe)
    rng = torch.Generator().manual_seed(recipe.seed)
    step_fn = _Step(recipe, G, D, x_train, rng)
    start = 0
    if resume is not None:
        check_state_shapes(G, resume.payload["model"]["generator"], resume.checkpoint)
        step_fn.load_state_dict(resume.payload["model"])
        start = resume.step
    out_dir = Path(recipe.out_dir)
    manager = CheckpointManager(out_dir / "checkpoints")
    _write_run_info(out_dir, _run_info(recipe))
    # after a resume, drop the events a crashed run wrote past its checkpoint (not at it)
    writer = SummaryWriter(str(out_dir / "tensorboard"), purge_step=start + 1 if start else None)
    write_layout(writer, LAYOUT)
    saved = resume.payload["extra"].get("curves") if resume is not None else None
    curve = {key: list(saved.get(key, [])) if saved else [] for key in ("step", *CURVE_TAGS)}
    logs: list[dict[str, float]] = []
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        for step in range(start + 1, recipe.max_steps + 1):
            began = time.perf_counter()
            values = step_fn(step)
            values["perf/samples_per_s"] = recipe.batch_size / max(time.perf_counter() - began,
                                                                   1e-9)
            for tag, value in values.items():
                writer.add_scalar(tag, value, step)
            for key in CURVE_TAGS:                # kept in the checkpoints for curves.png
                curve[key].append(values[key])
            curve["step"].append(step)
            if step % recipe.eval_every == 0 or step == recipe.max_steps:
                row = {"step": step, **values, "seconds": time.perf_counter() - t0}
                logs.append(row)
                add_grid(writer, grid_image(sample_images(G, GRID_SAMPLES, recipe.seed)), step)
                writer.flush()
                manager.save({"model": step_fn.state_dict(), "trainer": {"step": step},
                              "extra": {"recipe": dataclasses.asdict(recipe),
                                        "curves": curve}}, step)
                if report is not None:
                    report(row)
        last = logs[-1] if logs else {}
        write_hparams(writer, flat_values(recipe),
                      {tag: last[tag] for tag in ("loss/critic", "loss/generator") if tag in last})
        curves = save_curves(out_dir / CURVES_FILE,
                             {tag: (curve["step"], curve[tag]) for tag in CURVE_TAGS[:2]},
                             lr=(curve["step"], curve["opt/lr"]), title="dlfs train gan") \
            if curve["step"] else None
    finally:
        writer.close()
    return GANRun(G, D, logs, time.perf_counter() - t0, time.process_time() - c0, out_dir,
                  curves)


def generate(run_dir: Path, info: dict, *, n: int, seed: int, digit: int | None = None,
             steps: int | None = None) -> Tensor:
    """``n`` samples ``(n, 1, S, S)`` in [-1, 1] from the newest good checkpoint of
    ``run_dir`` (for ``dlfs sample --run``). The GAN is unconditional and samples in one
    pass: ``digit`` and ``steps`` are refused with a :class:`DlfsError`."""
    if digit is not None:
        raise DlfsError(t("recipes.gan.no_digit"))
    if steps is not None:
        raise DlfsError(t("recipes.gan.no_steps"))
    if n < 1:
        raise DlfsError(t("recipes.sample.n_images", n=n))
    run_dir = Path(run_dir)
    path, payload, problems = CheckpointManager(run_dir / "checkpoints").load_latest()
    if payload is None:
        found = t("recipes.run.found", problems="; ".join(problems)) if problems else ""
        raise DlfsError(t("recipes.gan.no_checkpoint", folder=run_dir / "checkpoints",
                          found=found, run_dir=run_dir))
    G = DCGANGenerator(DCGANConfig(**info["model"]))
    check_state_shapes(G, payload["model"]["generator"], path, hint=t("recipes.gan.whose_json"))
    G.load_state_dict(payload["model"]["generator"])
    return sample_images(G, n, seed)


# ---- the command line: `dlfs train gan` (all printing of the recipe happens here) ---------

def run_gan(recipe: GANRecipe, quick: bool = False) -> int:
    """`dlfs train gan`: train with progress lines, then write samples.png and print (and
    store in run.json) the sample quality."""
    from ..generative.quality import sample_quality

    cfg = recipe.model
    resume = plan_gan_resume(recipe) if recipe.resume else None
    G, D = build_models(recipe)
    n_g, n_d = (sum(p.numel() for p in m.parameters()) for m in (G, D))
    what = t("recipes.gan.ns") if recipe.loss == "ns" else \
        t("recipes.gan.wgan", gp_weight=recipe.gp_weight)
    print(t("recipes.gan.header", command="dlfs train gan",
            what=what, size=cfg.image_size,
            data=t("recipes.gan.mnist_from", data=recipe.data) if recipe.data
            else t("recipes.gan.digits"), quick=t("recipes.quick") if quick else ""),
          flush=True)
    print(t("recipes.gan.models", n_g=n_g, z_dim=cfg.z_dim, n_d=n_d, max_steps=recipe.max_steps,
            critic_steps=recipe.critic_steps, batch_size=recipe.batch_size,
            out=recipe.out_dir), flush=True)
    if resume is not None:
        print(resume.describe(), flush=True)

    def report(row: dict[str, float]) -> None:
        extra = f"  |grad| {row['gp/grad_norm']:.2f}" if "gp/grad_norm" in row else ""
        print(t("recipes.gan.step", step=int(row["step"]), critic=row["loss/critic"],
                generator=row["loss/generator"], extra=extra, seconds=row["seconds"]),
              flush=True)

    run = train_gan(recipe, report=report, resume=resume)
    if run.curves is not None:
        print(curves_line(run.curves))
    out_dir = Path(recipe.out_dir)
    grid = save_grid(sample_images(run.generator, GRID_SAMPLES, recipe.seed),
                     out_dir / "samples.png", nrow=8)
    quality = sample_quality(sample_images(run.generator, QUALITY_SAMPLES, recipe.seed + 1))
    _write_run_info(out_dir, _run_info(recipe, {**quality.to_dict(),
                                                "train_seconds": run.seconds,
                                                "train_cpu_seconds": run.cpu_seconds}))
    print(t("recipes.gan.done", seconds=run.seconds, cpu=run.cpu_seconds, grid=grid))
    print(t("recipes.gan.quality", quality=quality.describe()))
    print(t("recipes.gan.more", out=recipe.out_dir))
    return 0


#: `dlfs train gan` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(GANRecipe, QUICK, run_gan)
