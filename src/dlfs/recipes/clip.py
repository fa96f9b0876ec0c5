"""Recipe: a CLIP-style dual encoder on the digits and their English and Chinese captions
(`dlfs train clip`), measured by zero-shot classification and retrieval.

    training images x train templates x languages --(image, caption) pairs--> batches of B
        --CLIP: s · I U^T (B, B)--> symmetric InfoNCE --AdamW, warm-up + cosine--> weights
    held-out images + held-out templates --prompts per digit--> zero-shot accuracy per
        language; held-out (image, caption) pairs --> retrieval recall@1, @5 both ways

Every (training image, training template, language) combination is one pair, so each pass
over the pairs shows every image with every phrasing; the held-out templates and images of
:mod:`dlfs.multimodal.captions` are never trained on. Zero-shot classification and retrieval
are :mod:`dlfs.multimodal.zero_shot`; the model and the loss are :mod:`dlfs.models.clip`.

Retrieval on these captions is judged per class: many held-out captions are identical ("the
number 7, written by hand" for many sevens), so no caption singles out its own image; a hit
is any item of the query's digit. The learned scale s is logged and reported: with ten
classes a batch of B pairs holds about B / 10 captions that fit each image equally well.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from ..data import DataLoader, TensorDataset
from ..errors import DlfsError
from ..i18n import t
from ..models.clip import CLIP, CaptionTokenizer, ClipConfig, clip_loss
from ..multimodal import zero_shot
from ..multimodal.captions import LANGS, caption_pairs, captions_for
from ..optim import AdamW
from ..optim.lr_scheduler import LambdaLR, warmup_cosine_factor
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
from .options import check_fields, flat_values
from .registry import RecipeCommand
from .resume import (
    RecordRecipe,
    ResumePlan,
    ResumePolicy,
    check_state_shapes,
    plan_resume,
    resume_field,
)

__all__ = ["COMMAND", "QUICK", "RESUME_POLICY", "ClipData", "ClipRecipe", "ClipReport",
           "ClipRun", "ZeroShotEval", "build_model", "evaluate_clip", "load_clip_run",
           "prepare_data", "run_clip", "train_clip"]

DIGITS = range(10)


@dataclass(frozen=True)
class ClipRecipe:
    """One CLIP run. Defaults: a 3-stage CNN (32-64-128 channels) and a 2-layer character
    Transformer (width 64) meeting in a 64-d space, 600 steps of 128 pairs (about 2.5
    CPU-minutes, measured on one thread of a busy machine), English and Chinese captions.
    """

    model: ClipConfig = field(default_factory=ClipConfig, metadata={
        "help": "the two encoders; vocab_size comes from the tokenizer",
        "help_zh": "两个编码器；vocab_size 由分词器决定"})
    langs: str = field(default="en,zh", metadata={
        "help": "caption languages, comma-separated: en (English), zh (Chinese)",
        "help_zh": "描述文本的语言，用逗号分隔：`en`（英文）、`zh`（中文）",
        "metavar": "LANGS"})
    image_size: int = field(default=16, metadata={
        "help": "images are size x size pixels (the digits are 8x8, upsampled)",
        "help_zh": "图像为 `size x size` 像素（数字原图为 8x8，上采样得到）", "min": 8,
        "max": 64})
    batch_size: int = field(default=128, metadata={
        "help": "B, image-caption pairs per step (each pair's negatives are the other B-1)",
        "help_zh": "B，每步的图文对数（每一对的负样本是其余 B-1 对）",
        "min": 1})
    max_steps: int = field(default=600, metadata={
        "help": "optimizer steps",
        "help_zh": "优化步数", "aliases": ("--steps",), "min": 1})
    lr: float = field(default=1e-3, metadata={"help": "peak learning rate (AdamW)",
                                              "help_zh": "峰值学习率（AdamW）",
                                              "above": 0})
    min_lr: float = field(default=1e-4, metadata={
        "help": "learning rate at the end of the cosine decay",
        "help_zh": "余弦衰减结束时的学习率", "above": 0})
    warmup_steps: int = field(default=50, metadata={"help": "steps of linear warm-up",
                                                    "help_zh": "线性预热的步数",
                                                    "min": 0})
    weight_decay: float = field(default=0.1, metadata={
        "help": "AdamW weight decay of the matrices and embeddings (not of biases, norms "
                "or the logit scale)",
        "help_zh": "矩阵和嵌入的 AdamW 权重衰减（偏置、归一化层和 logit 缩放不衰减）", "min": 0})
    grad_clip: float | None = field(default=1.0, metadata={
        "help": "clip the global gradient norm to this",
        "help_zh": "把全局梯度范数裁剪到这个值", "above": 0})
    eval_every: int = field(default=100, metadata={
        "help": "steps between zero-shot evaluations (and checkpoints)",
        "help_zh": "每隔多少步做一次零样本评估（并保存检查点）", "min": 1})
    seed: int = field(default=0, metadata={
        "help": "seed of the initialization, the batch order and the held-out pairs",
        "help_zh": "初始化、批次顺序和留出样本对的随机种子",
        "min": 0, "below": 2**32})
    out_dir: str = field(default="runs/clip", metadata={
        "help": "run directory: checkpoints, TensorBoard logs, run.json",
        "help_zh": "运行目录：检查点、TensorBoard 日志、run.json",
        "aliases": ("--out",), "metavar": "DIR", "path": "out-dir"})
    resume: bool = resume_field()

    def __post_init__(self) -> None:
        check_fields(self)
        self.languages()                                    # raises on an unknown language
        if self.min_lr > self.lr:
            raise ValueError(t("recipes.min_lr", cls="ClipRecipe", min_lr=self.min_lr,
                               lr=self.lr))

    def languages(self) -> tuple[str, ...]:
        """``langs`` as a tuple, e.g. ``("en", "zh")``; ValueError names an unknown one."""
        names = tuple(name.strip() for name in self.langs.split(","))
        unknown = [name for name in names if name not in LANGS]
        if unknown or len(set(names)) != len(names):
            problem = (t("recipes.clip.unknown_lang", lang=unknown[0]) if unknown
                       else t("recipes.clip.lang_twice"))
            raise ValueError(t("recipes.clip.langs", known=", ".join(LANGS), langs=self.langs,
                               problem=problem))
        return names


#: `--quick`: a smoke run of the whole pipeline in seconds (what the tests use)
QUICK = {"max_steps": 40, "eval_every": 20, "warmup_steps": 5, "lr": 3e-3, "batch_size": 64,
         "image_size": 8, "model.image_width": 8, "model.text_width": 32,
         "model.text_layers": 1}

#: `--resume`: what may differ from the saved run (see :mod:`dlfs.recipes.resume`)
RESUME_POLICY = ResumePolicy(
    applied=("max_steps", "lr", "min_lr", "warmup_steps", "weight_decay", "grad_clip",
             "model.fused"),
    free=("eval_every", "out_dir", "resume"))


# ---- data -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClipData:
    """The training pairs and the held-out sets of one recipe."""

    tokenizer: CaptionTokenizer
    train_images: Tensor          # (N, 1, S, S) in [-1, 1]
    pair_image: Tensor            # (P,) int64: the image of each training pair
    pair_tokens: Tensor           # (P, T_max) int64: its caption, <eos>, pads
    pair_labels: Tensor           # (P,) int64: its digit
    test_images: Tensor           # (M, 1, S, S) held-out images
    test_labels: Tensor           # (M,)
    test_captions: list[str]      # (M,) one held-out-template caption per held-out image
    langs: tuple[str, ...]

    def prompts(self, lang: str) -> list[list[str]]:
        """The held-out-template captions of each digit in ``lang``: the zero-shot prompts."""
        return [captions_for(d, lang=lang, split="test") for d in DIGITS]


def prepare_data(recipe: ClipRecipe) -> ClipData:
    """Every (training image, training template, language) pair, the tokenizer of their
    characters, and the held-out images with one held-out caption each."""
    langs = recipe.languages()
    images, labels, _ = caption_pairs("train", langs=langs, size=recipe.image_size)
    test_images, test_labels, test_captions = caption_pairs(
        "test", langs=langs, size=recipe.image_size, seed=recipe.seed)
    texts = [(d, c) for d in DIGITS for lang in langs for c in captions_for(d, lang=lang)]
    tokenizer = CaptionTokenizer.from_texts(c for _, c in texts)
    held_out = [c for lang in langs for d in DIGITS
                for c in captions_for(d, lang=lang, split="test")]
    _check_context(recipe, max(len(c) + 1 for c in [*(c for _, c in texts), *held_out]))
    table = tokenizer.batch([c for _, c in texts])            # (K, T_max): each caption once
    # pair (image i, caption k) for every caption k of image i's digit
    pairs = [(i, k) for i, digit in enumerate(labels.tolist())
             for k, (d, _) in enumerate(texts) if d == digit]
    index, caption = torch.tensor(pairs).T                                # (P,), (P,)
    return ClipData(tokenizer, images, index, table[caption], labels[index], test_images,
                    test_labels, test_captions, langs)


def _check_context(recipe: ClipRecipe, need: int) -> None:
    if recipe.model.context_length < need:
        raise DlfsError(t("recipes.clip.context", context_length=recipe.model.context_length,
                          need=need))


def build_model(recipe: ClipRecipe, vocab_size: int) -> CLIP:
    """The recipe's CLIP with the tokenizer's vocabulary, initialized from ``recipe.seed``."""
    torch.manual_seed(recipe.seed)
    return CLIP(dataclasses.replace(recipe.model, vocab_size=vocab_size))


def clip_forward(images: Tensor) -> Callable[[CLIP, Any], tuple[Any, Tensor]]:
    """``fit``'s forward: a batch (image index, tokens, labels) -> the logits of its images
    and captions, trimmed to the batch's longest caption."""
    def forward(model: CLIP, batch: Any) -> tuple[Any, Tensor]:
        index, tokens, labels = batch                                    # (B,), (B, T), (B,)
        length = int((tokens != CaptionTokenizer.pad_id).sum(dim=1).max())
        return model(images[index], tokens[:, :length]), labels
    return forward


# ---- evaluation -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ClipReport:
    """Held-out figures of a model: zero-shot accuracy per language (held-out images,
    held-out templates), class-level retrieval recall both ways, and the learned scale."""

    zero_shot: dict[str, float]      # {"en": 0.99, "zh": 0.98}
    recall: dict[str, float]         # {"image->text@1": .., "text->image@5": ..}
    logit_scale: float               # s = exp(t), clamped
    initial_logit_scale: float       # s at the start, 1 / init_temperature

    def lines(self) -> list[str]:
        """What the command line prints."""
        out = [t("recipes.clip.zero_shot", lang=t(f"recipes.clip.lang.{lang}"), acc=acc)
               for lang, acc in self.zero_shot.items()]
        for way in ("image->text", "text->image"):
            out.append(t("recipes.clip.retrieval", way=t(f"recipes.clip.way.{way}"),
                         r1=self.recall[f"{way}@1"], r5=self.recall[f"{way}@5"]))
        out.append(t("recipes.clip.scale", scale=self.logit_scale,
                     temperature=1 / self.logit_scale, initial=self.initial_logit_scale))
        return out


def zero_shot_by_language(model: CLIP, data: ClipData) -> dict[str, float]:
    """Zero-shot accuracy on the held-out images, one figure per language of ``data``."""
    image_emb = zero_shot.encode_images(model, data.test_images)               # (M, E)
    out = {}
    for lang in data.langs:
        classes = zero_shot.class_embeddings(model, data.tokenizer, data.prompts(lang))
        predicted = zero_shot.zero_shot_predict(image_emb, classes)            # (M,)
        out[lang] = (predicted == data.test_labels).float().mean().item()
    return out


def evaluate_clip(model: CLIP, data: ClipData) -> ClipReport:
    """The held-out figures of ``model`` (see :class:`ClipReport`)."""
    image_emb = zero_shot.encode_images(model, data.test_images)               # (M, E)
    text_emb = zero_shot.encode_texts(model, data.tokenizer, data.test_captions)
    recall = zero_shot.retrieval_recalls(image_emb, text_emb, data.test_labels, ks=(1, 5))
    return ClipReport(zero_shot_by_language(model, data), recall, model.scale().item(),
                      1 / model.config.init_temperature)


class ZeroShotEval(PeriodicEval):
    """Every ``every`` steps (and at the end): zero-shot accuracy on the held-out images per
    language (``by_lang``); their mean is the eval value kept in the checkpoint. Logs
    ``clip/logit_scale`` every step, ``val/zero_shot_<lang>`` and their mean
    ``val/zero_shot`` at each evaluation to TensorBoard. ``report(step, train_loss, by_lang,
    seconds)`` receives each evaluation."""

    def __init__(self, every: int, data: ClipData, logger: TensorBoardLogger,
                 report: Callable[[int, float, dict[str, float], float], None] | None = None):
        super().__init__(every, self._evaluate, self._report, tag="val/zero_shot")
        self.data, self.logger, self.report_by_lang = data, logger, report
        self.by_lang: dict[str, float] = {}

    def _evaluate(self, model: CLIP) -> float:
        self.by_lang = zero_shot_by_language(model, self.data)
        return sum(self.by_lang.values()) / len(self.by_lang)

    def _log(self, trainer: Any, step: int, value: float) -> None:
        super()._log(trainer, step, value)
        for lang, acc in self.by_lang.items():
            log_scalar(trainer, f"val/zero_shot_{lang}", acc, step)

    def _report(self, step: int, train_loss: float, _mean: float, seconds: float) -> None:
        if self.report_by_lang is not None:
            self.report_by_lang(step, train_loss, self.by_lang, seconds)

    def on_step_end(self, trainer: Any, logs: dict[str, float]) -> None:
        if self.logger.writer is not None:
            log_scalar(trainer, "clip/logit_scale", trainer.model.scale().item())
        super().on_step_end(trainer, logs)


# ---- training -------------------------------------------------------------------------------

@dataclass
class ClipRun:
    """What :func:`train_clip` returns."""

    model: CLIP
    data: ClipData
    evals: list[list[float]]          # [step, mean train loss, mean zero-shot accuracy]
    report: ClipReport
    seconds: float
    cpu_seconds: float
    out_dir: Path


def _run_info(recipe: ClipRecipe, model: CLIP, tokenizer: CaptionTokenizer,
              report: ClipReport | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {"kind": "clip", "recipe": dataclasses.asdict(recipe),
                            "model": dataclasses.asdict(model.config),
                            "tokenizer": tokenizer.to_dict()}
    if report is not None:
        info["results"] = dataclasses.asdict(report)
    return info


def _write_run_info(recipe: ClipRecipe, model: CLIP, tokenizer: CaptionTokenizer,
                    report: ClipReport | None = None) -> None:
    """``run.json`` (atomically): what :func:`load_clip_run` rebuilds the run from."""
    atomic_write_text(Path(recipe.out_dir) / "run.json", json.dumps(
        _run_info(recipe, model, tokenizer, report), ensure_ascii=False, indent=1))


def plan_clip_resume(recipe: ClipRecipe) -> ResumePlan:
    """Check that ``recipe`` may ``--resume`` the run in its ``out_dir``; nothing is written."""
    return plan_resume(recipe, Path(recipe.out_dir) / "checkpoints", RESUME_POLICY)


def _optimizer(model: CLIP, recipe: ClipRecipe) -> AdamW:
    decay = [p for p in model.parameters() if p.dim() >= 2]        # matrices, embeddings
    no_decay = [p for p in model.parameters() if p.dim() < 2]      # biases, norms, logit scale
    return AdamW([{"params": decay, "weight_decay": recipe.weight_decay},
                  {"params": no_decay, "weight_decay": 0.0}], lr=recipe.lr, betas=(0.9, 0.98))


def train_clip(recipe: ClipRecipe, *, data: ClipData | None = None,
               callbacks: Sequence[Callback] = (),
               report: Callable[[int, float, dict[str, float], float], None] | None = None,
               resume: ResumePlan | None = None) -> ClipRun:
    """Train per ``recipe``, checkpointing into ``<out_dir>/checkpoints`` (resumable) and
    logging to ``<out_dir>/tensorboard``; evaluate on the held-out set at the end.

    With ``recipe.resume`` the saved run is checked first (``resume``, or
    :func:`plan_clip_resume`). ``run.json`` is written once training has started, and again
    with the held-out figures at the end. Trains under the NaN/Inf guard."""
    data = data or prepare_data(recipe)
    if recipe.resume and resume is None:
        resume = plan_clip_resume(recipe)
    if recipe.batch_size > len(data.pair_image):
        raise DlfsError(t("recipes.batch_too_large", batch_size=recipe.batch_size,
                          n=f"{len(data.pair_image):,}", what=t("recipes.what.pairs")))
    model = build_model(recipe, data.tokenizer.vocab_size)
    if resume is not None:
        check_state_shapes(model, resume.payload["model"], resume.checkpoint)
    out_dir = Path(recipe.out_dir)
    pairs = TensorDataset(data.pair_image, data.pair_tokens, data.pair_labels)
    loader = DataLoader(pairs, batch_size=recipe.batch_size, shuffle=True, drop_last=True,
                        generator=torch.Generator().manual_seed(recipe.seed))
    optimizer = _optimizer(model, recipe)
    floor = recipe.min_lr / recipe.lr
    scheduler = LambdaLR(optimizer, warmup_cosine_factor(recipe.warmup_steps,
                                                         recipe.max_steps, floor))
    logger = TensorBoardLogger(str(out_dir / "tensorboard"))
    evaluator = ZeroShotEval(recipe.eval_every, data, logger, report)
    report_run = RunReport(out_dir, hparams=flat_values(recipe), title="dlfs train clip",
                           metrics=("val/zero_shot", *(f"val/zero_shot_{lang}"
                                                       for lang in data.langs)))
    started = RecordRecipe(recipe, lambda: _write_run_info(recipe, model, data.tokenizer))
    start, cpu = time.perf_counter(), time.process_time()
    fit(model, loader, optimizer=optimizer, scheduler=scheduler,
        loss_fn=lambda logits, _labels: clip_loss(*logits),
        forward=clip_forward(data.train_images),
        callbacks=[started, evaluator, report_run, logger, *callbacks],
        max_steps=recipe.max_steps, device="cpu", clip_grad_norm=recipe.grad_clip,
        seed=recipe.seed, checkpoint_dir=str(out_dir / "checkpoints"),
        checkpoint_every=recipe.eval_every, log_dir=str(out_dir / "tensorboard"),
        resume=str(resume.checkpoint) if resume is not None else False,
        resume_hparams="given", nan_guard=True, deterministic=True)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    final = evaluate_clip(model, data)
    _write_run_info(recipe, model, data.tokenizer, final)
    return ClipRun(model, data, evaluator.evals, final, seconds, cpu_seconds, out_dir)


def load_clip_run(run_dir: str | Path) -> tuple[CLIP, CaptionTokenizer, dict[str, Any]]:
    """The trained model (newest good checkpoint, eval mode), its tokenizer and the run.json
    of a ``dlfs train clip`` run directory; a :class:`DlfsError` says what is missing."""
    run_dir = Path(run_dir)
    info_file = run_dir / "run.json"
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DlfsError(t("recipes.clip.unreadable", file=info_file, exc=exc)) from exc
    if not isinstance(info, dict) or info.get("kind") != "clip":
        kind = info.get("kind") if isinstance(info, dict) else None
        raise DlfsError(t("recipes.clip.not_clip", file=info_file, kind=kind))
    model = CLIP(ClipConfig(**info["model"]))
    tokenizer = CaptionTokenizer.from_dict(info["tokenizer"])
    path, payload, problems = CheckpointManager(run_dir / "checkpoints").load_latest()
    if payload is None:
        found = t("recipes.run.found", problems="; ".join(problems)) if problems else ""
        raise DlfsError(t("recipes.no_checkpoint_train", folder=run_dir / "checkpoints",
                          found=found, name="clip"))
    check_state_shapes(model, payload["model"], path, hint=t("recipes.run.json_mismatch"))
    model.load_state_dict(payload["model"])
    return model.eval(), tokenizer, info


# ---- the command line: `dlfs train clip` (all printing of the recipe happens here) --------

def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{seconds % 60:04.1f}s"


def run_clip(recipe: ClipRecipe, quick: bool = False) -> int:
    """`dlfs train clip`: train with a line per evaluation, then print the held-out figures."""
    from ..train import PrintCurves, ProgressBar

    print(t("recipes.clip.header", command="dlfs train clip",
            langs=recipe.langs,
            quick=t("recipes.quick") if quick else ""), flush=True)
    data = prepare_data(recipe)
    resume = plan_clip_resume(recipe) if recipe.resume else None
    model = build_model(recipe, data.tokenizer.vocab_size)
    cfg = model.config
    n_images, n_pairs = len(data.train_images), len(data.pair_image)
    print(t("recipes.clip.data", n_images=n_images, per_image=n_pairs // n_images,
            n_pairs=n_pairs, vocab=data.tokenizer.vocab_size, n_test=len(data.test_images)))
    print(t("recipes.clip.model", w1=cfg.image_width, w2=2 * cfg.image_width,
            w3=4 * cfg.image_width, layers=cfg.text_layers, text_width=cfg.text_width,
            embed_dim=cfg.embed_dim, params=model.num_params()), flush=True)
    print(t("recipes.clip.training", max_steps=recipe.max_steps, batch_size=recipe.batch_size,
            out=recipe.out_dir), flush=True)
    if resume is not None:
        print(resume.describe(), flush=True)
    def report(step: int, train: float, by_lang: dict[str, float], seconds: float) -> None:
        accs = "  ".join(f"{lang} {acc:.1%}" for lang, acc in by_lang.items())
        print(t("recipes.clip.step", step=step, train=train, accs=accs,
                time=_minutes(seconds)), flush=True)

    # the bar draws only on a terminal, so logs stay clean
    run = train_clip(recipe, data=data, report=report,
                     callbacks=[ProgressBar(), PrintCurves()], resume=resume)
    chance = 1 / len(DIGITS)
    print("\n" + t("recipes.clip.done", max_steps=recipe.max_steps,
                   time=_minutes(run.seconds), cpu=run.cpu_seconds, chance=chance))
    for line in run.report.lines():
        print(f"  {line}")
    print(t("recipes.clip.saved", out=recipe.out_dir))
    return 0


#: `dlfs train clip` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(ClipRecipe, QUICK, run_clip)
