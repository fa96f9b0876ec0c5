"""Recipe: a miniature BLIP-2 / LLaVA captioner (`dlfs train captioner`).

    stage 1  caption documents --chars--> windows --fit--> GPT (a language model of captions)
    stage 2  images --frozen DigitsClassifier--> patch features (B, 16, 64)
                    --Q-Former, projection (the only trained parts)--> prefix (B, N, C)
                    --frozen GPT--> caption; loss: the GPT's next-token loss on the caption
    test     held-out images --greedy, KV cache--> captions --named_digit--> right digit?

Stage 1 trains the GPT on *documents*: two to four captions (training templates) of one
digit, one per line, documents separated by an empty line. Captions of one document name the
same digit, so the GPT learns to let its context decide which digit it writes next — the
hook a prefix can pull. (A GPT trained on independent captions learns to ignore its context:
its copy rate, :func:`context_copy_rate`, was 9 %, and the captioner built on it named 19 % of
the held-out digits, against 99 % with documents — one run each, the default settings
otherwise.) A large language model learns the same from ordinary text,
which stays on its topic. In stage 2 the GPT is frozen and reads ``[prefix ; "\\n" caption
"\\n"]``: the image takes the place of "the caption before".

Each stage is one :func:`dlfs.train.fit` run with its own checkpoints and TensorBoard logs
(``<out>/stage1_gpt``, ``<out>/stage2_qformer``). ``--resume`` continues stage 1 if it was
cut short, or else stage 2 (see :func:`plan_captioner_resume`). ``run.json`` ("kind":
"captioner") describes the run; the trained weights end in ``<out>/captioner.pt``, which
:func:`caption_image` (``dlfs caption``) reads.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from torch import Tensor

from ..data import DataLoader, Dataset
from ..data.text import CharTokenizer
from ..data.text.batching import TokenWindows
from ..errors import DlfsError
from ..i18n import t
from ..models.captioner import Captioner
from ..models.digits_classifier import DigitsClassifier, load_digits_classifier
from ..models.gpt import GPT, GPTConfig
from ..models.qformer import QFormerConfig
from ..multimodal.captions import DIGIT_WORDS, TEMPLATES, caption
from ..optim import AdamW
from ..optim.lr_scheduler import LambdaLR, warmup_constant_factor
from ..textui import pad
from ..train import Callback, CheckpointManager, PeriodicEval, PrintCurves, fit
from ..train.checkpoint import atomic_save, atomic_write_text, load_checkpoint
from ..train.run_report import run_logging
from .lm import estimate_loss, lm_forward, next_token_loss
from .options import check_fields, flat_values, recipe_options
from .registry import RecipeCommand
from .resume import RecordRecipe, ResumePolicy, resume_field

__all__ = ["COMMAND", "QUICK", "RESUME_POLICY", "CaptionerRecipe", "CaptionerResume",
           "CaptionerRun", "build_captioner", "caption_corpus", "caption_image",
           "caption_images", "caption_tokenizer", "context_copy_rate", "load_captioner",
           "named_digit", "named_digits", "plan_captioner_resume", "run_captioner",
           "train_captioner"]

BOS = EOS = "\n"                     # a caption is one line: it starts and ends at a newline
DOC_BREAK = "\n\n"                   # an empty line separates documents in stage 1
STAGES = ("stage1_gpt", "stage2_qformer")
RESUME_HELP_CAPTIONER = (
    "continue the run in --out: stage 1 if it was cut short, else stage 2. Refused, before "
    "anything is written, when there is no checkpoint, when a setting of the models or the "
    "data differs from the saved run, or when a stage-1 setting changes once stage 2 has "
    "begun; changed step counts and learning rates (--gpt-steps, --qformer-steps, --gpt-lr, "
    "--qformer-lr, --warmup-steps) are applied from the resumed step on and reported")
RESUME_HELP_CAPTIONER_ZH = (
    "在 --out 中继续这次运行：第 1 阶段若被中断则继续第 1 阶段，否则继续第 2 阶段。若没有检查点、"
    "模型或数据的某项设置与保存的运行不同，或第 2 阶段开始后又改动了第 1 阶段的设置，则在写入任何"
    "内容之前拒绝；改动的步数和学习率（--gpt-steps、--qformer-steps、--gpt-lr、--qformer-lr、"
    "--warmup-steps）从恢复的那一步起生效，并会报告出来")


# ---- which digit does a caption name? ----------------------------------------------------

_EN_WORDS = re.compile(r"\b(" + "|".join(DIGIT_WORDS["en"]) + r")\b", re.IGNORECASE)
# In Chinese, 一 followed by a measure word (一个, 一张 ...) is the article "a", not "one".
_ZH_ARTICLE = re.compile(r"一(?=[个張张幅只位些])")


def named_digits(text: str, lang: str = "en") -> set[int]:
    """Every digit ``text`` names, as a numeral or as a word of ``lang``.

    >>> sorted(named_digits("someone wrote the digit seven")), named_digits("this is a 7")
    ([7], {7})
    >>> sorted(named_digits("一张数字一的图片", "zh")), sorted(named_digits("一个小小的 3", "zh"))
    ([1], [3])
    """
    if lang not in DIGIT_WORDS:
        raise ValueError(f"named_digits: lang must be one of {tuple(DIGIT_WORDS)}, "
                         f"got {lang!r}")
    found = {int(d) for d in re.findall(r"\d", text)}
    if lang == "en":
        found |= {DIGIT_WORDS["en"].index(w.lower()) for w in _EN_WORDS.findall(text)}
    else:
        found |= {DIGIT_WORDS["zh"].index(c) for c in _ZH_ARTICLE.sub("", text)
                  if c in DIGIT_WORDS["zh"]}
    return found


def named_digit(text: str, lang: str = "en") -> int | None:
    """The one digit ``text`` names, or None when it names none or several different ones.

    >>> named_digit("a handwritten four"), named_digit("a 4 or a five"), named_digit("a blur")
    (4, None, None)
    """
    found = named_digits(text, lang)
    return found.pop() if len(found) == 1 else None


# ---- the recipe ----------------------------------------------------------------------------

def _default_gpt() -> GPTConfig:
    return GPTConfig(block_size=48, n_layer=2, n_head=4, n_embd=64)


def _default_qformer() -> QFormerConfig:
    # One query: our GPT learned to copy one digit from its context, and one soft token is
    # what it reads best (held-out digits named right, one stage-1 GPT, 600 stage-2 steps of
    # 32 pairs, one run each: 1 query 98 %, 2 queries 92 %, 4 queries 81 %, 8 queries 77-80 %).
    return QFormerConfig(n_queries=1)


@dataclass(frozen=True)
class CaptionerRecipe:
    """Everything that defines a captioner run. The defaults name 99 % of the held-out digits
    (English; 98 % in Chinese) with about 140 s of CPU time on one thread."""

    lang: Literal["en", "zh"] = field(default="en", metadata={
        "help": "the captions' language (training templates only; the test images are "
                "held out)",
        "help_zh": "描述文本的语言（仅训练模板；测试图像是留出的）"})
    gpt: GPTConfig = field(default_factory=_default_gpt, metadata={
        "prefix": "gpt_", "help": "the language model (stage 1, then frozen); vocab_size "
                                  "comes from the characters of the captions",
        "help_zh": "语言模型（第 1 阶段训练，之后冻结）；vocab_size 由描述文本中的字符决定"})
    qformer: QFormerConfig = field(default_factory=_default_qformer, metadata={
        "prefix": "qformer_", "help": "the Q-Former (stage 2, trained with the projection)",
        "help_zh": "Q-Former（第 2 阶段，与投影层一起训练）"})
    gpt_steps: int = field(default=1500, metadata={
        "help": "stage 1: optimizer steps of the GPT on caption documents",
        "help_zh": "第 1 阶段：GPT 在描述文档上的优化步数", "min": 1})
    qformer_steps: int = field(default=1500, metadata={
        "help": "stage 2: optimizer steps of the Q-Former and the projection",
        "help_zh": "第 2 阶段：Q-Former 和投影层的优化步数", "min": 1})
    gpt_batch_size: int = field(default=32, metadata={
        "help": "stage 1: windows of text per step",
        "help_zh": "第 1 阶段：每步的文本窗口数", "min": 1})
    qformer_batch_size: int = field(default=64, metadata={
        "help": "stage 2: image-caption pairs per step",
        "help_zh": "第 2 阶段：每步的图文对数", "min": 1})
    gpt_lr: float = field(default=3e-3, metadata={"help": "stage 1 learning rate (AdamW)",
                                                  "help_zh": "第 1 阶段的学习率（AdamW）",
                                                   "above": 0})
    qformer_lr: float = field(default=3e-3, metadata={
        "help": "stage 2 learning rate (AdamW)",
        "help_zh": "第 2 阶段的学习率（AdamW）", "above": 0})
    warmup_steps: int = field(default=50, metadata={
        "help": "steps of linear warm-up at the start of each stage (then constant)",
        "help_zh": "每个阶段开始时线性预热的步数（之后保持不变）",
        "min": 0})
    documents: int = field(default=6000, metadata={
        "help": "caption documents in the stage-1 text (2-4 captions of one digit each)",
        "help_zh": "第 1 阶段文本中的描述文档数（每篇含同一个数字的 2-4 条描述）",
        "min": 10})
    eval_every: int = field(default=300, metadata={
        "help": "steps between progress lines (and checkpoints) in each stage",
        "help_zh": "每个阶段中每隔多少步打印进度（并保存检查点）", "min": 1})
    test_images: int | None = field(default=None, metadata={
        "help": "caption only the first N held-out images at the end (default: all 359)",
        "help_zh": "结束时只为前 N 张留出图像生成描述（默认：全部 359 张）",
        "min": 1})
    examples: int = field(default=6, metadata={
        "help": "held-out captions printed at the end",
        "help_zh": "结束时打印的留出图像描述条数", "min": 0})
    seed: int = field(default=0, metadata={
        "help": "seed of the initialization, the text, the batch order",
        "help_zh": "初始化、文本和批次顺序的随机种子", "min": 0,
        "below": 2**32})
    threads: int = field(default=1, metadata={
        "help": "torch CPU threads (the matrices are tiny: one thread was about 3x faster "
                "than two on a busy 2-core machine)",
        "help_zh": "torch 的 CPU 线程数（矩阵很小：在繁忙的双核机器上，"
                   "一个线程比两个快约 3 倍）", "min": 1})
    out_dir: str = field(default="runs/captioner", metadata={
        "help": "run directory: checkpoints and TensorBoard logs of each stage, run.json, "
                "captioner.pt",
        "help_zh": "运行目录：各阶段的检查点和 TensorBoard 日志、run.json、"
                   "captioner.pt", "aliases": ("--out",), "metavar": "DIR", "path": "out-dir"})
    resume: bool = resume_field(
        RESUME_HELP_CAPTIONER,
        RESUME_HELP_CAPTIONER_ZH)

    def __post_init__(self) -> None:
        check_fields(self)
        check_fields(self.qformer)


#: `--quick`: both stages in a few seconds (what the tests use)
QUICK = {"gpt_steps": 40, "qformer_steps": 30, "qformer_batch_size": 32, "warmup_steps": 5,
         "documents": 300, "eval_every": 20, "test_images": 50, "examples": 3,
         "gpt.n_layer": 1, "gpt.n_embd": 32, "qformer.n_layers": 1, "qformer.d_model": 32}

#: `--resume`: what may differ from the saved run. Stage 1's settings are fixed once
#: stage 2 has begun (its Q-Former was trained for that GPT).
RESUME_POLICY = ResumePolicy(
    applied=("gpt_steps", "qformer_steps", "gpt_lr", "qformer_lr", "warmup_steps"),
    free=("eval_every", "test_images", "examples", "threads", "out_dir", "resume"))
_STAGE1_SETTINGS = ("gpt_steps", "gpt_lr")


# ---- data -----------------------------------------------------------------------------------

def caption_corpus(lang: str, *, documents: int, seed: int) -> str:
    """Stage 1's text: ``documents`` documents of 2-4 captions of one digit (training
    templates, one caption per line), separated by empty lines.

    >>> print(caption_corpus("en", documents=2, seed=0), end="")
    a picture of the number two
    the digit 2
    this is a 2
    the digit 2
    <BLANKLINE>
    this is a 1
    the digit 1
    a scanned handwritten 1
    """
    rng = random.Random(f"captions:{lang}:{seed}")
    templates = TEMPLATES[lang]["train"]
    docs = []
    for _ in range(documents):
        digit = rng.randrange(10)
        docs.append(EOS.join(caption(digit, rng.choice(templates), lang)
                             for _ in range(rng.randint(2, 4))))
    return DOC_BREAK.join(docs) + EOS


@functools.lru_cache(maxsize=1)
def train_features() -> tuple[Tensor, Tensor]:
    """The training images' patch features (1438, 16, 64) by the shipped frozen encoder, and
    their labels (1438,). The encoder never changes, so they are computed once (per process)
    instead of at every step: the same numbers, one forward pass over the images."""
    from ..generative.data import digit_images

    images, labels = digit_images("train")
    with torch.no_grad():
        return load_digits_classifier().patch_features(images), labels


def caption_tokenizer(lang: str) -> CharTokenizer:
    """The characters of every training caption of ``lang``, and the newline."""
    return CharTokenizer.from_text(EOS + "".join(
        caption(d, t, lang) for d in range(10) for t in TEMPLATES[lang]["train"]))


class CaptionPairs(Dataset):
    """Stage 2's pairs: every training image with every training template of its digit.
    Item k -> (features (S, C_img), input ids (L,) = BOS + caption + padding, targets (L,)
    = caption + EOS, then -100 (ignored by the loss))."""

    def __init__(self, features: Tensor, labels: Tensor, tokenizer: CharTokenizer, lang: str):
        self.features, self.labels = features, labels
        templates = TEMPLATES[lang]["train"]
        texts = [[caption(d, t, lang) for t in templates] for d in range(10)]
        self.length = max(len(t) for row in texts for t in row) + 1      # L: + BOS / EOS
        self.inputs, self.targets = encode_captions(texts, tokenizer, self.length)
        self.n_templates = len(templates)

    def __len__(self) -> int:
        return len(self.labels) * self.n_templates

    def __getitem__(self, k: int) -> tuple[Tensor, Tensor, Tensor]:
        i, t = divmod(k, self.n_templates)
        d = int(self.labels[i])
        return self.features[i], self.inputs[d, t], self.targets[d, t]


def encode_captions(texts: Sequence[Sequence[str]], tokenizer: CharTokenizer, length: int
                    ) -> tuple[Tensor, Tensor]:
    """(rows of) captions -> inputs BOS + ids, padded with EOS, and targets ids + EOS,
    padded with -100: two int64 tensors (*rows, length)."""
    bos, eos = tokenizer.encode(BOS)[0], tokenizer.encode(EOS)[0]
    shape = (len(texts), len(texts[0]), length)
    inputs = torch.full(shape, eos, dtype=torch.long)
    targets = torch.full(shape, -100, dtype=torch.long)
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            ids = torch.tensor(tokenizer.encode(text), dtype=torch.long)
            inputs[r, c, 0], inputs[r, c, 1:len(ids) + 1] = bos, ids
            targets[r, c, :len(ids)], targets[r, c, len(ids)] = ids, eos
    return inputs, targets


def caption_forward(model: Captioner, batch: Sequence[Tensor]) -> tuple[Tensor, Tensor]:
    """The trainer's forward for a stage-2 batch: (logits (B, L, V), targets (B, L))."""
    features, inputs, targets = batch
    return model(features, inputs), targets


# ---- the model -----------------------------------------------------------------------------

def build_captioner(recipe: CaptionerRecipe, vocab_size: int) -> Captioner:
    """The untrained GPT (seeded by ``recipe.seed``), a Q-Former and a projection (seeded by
    ``seed + 1``) and the shipped frozen digits classifier (a private copy)."""
    torch.manual_seed(recipe.seed)
    gpt = GPT(dataclasses.replace(recipe.gpt, vocab_size=vocab_size))
    encoder = DigitsClassifier()
    encoder.load_state_dict(load_digits_classifier().state_dict())
    torch.manual_seed(recipe.seed + 1)
    qformer = recipe.qformer.build(encoder.feature_dim)
    return Captioner(gpt, qformer, encoder)


def _max_caption_length(lang: str) -> int:
    return max(len(caption(d, t, lang)) for d in range(10) for t in TEMPLATES[lang]["train"])


def check_fits(recipe: CaptionerRecipe) -> None:
    """The GPT's context must hold the prefix, BOS, the longest caption and EOS; a
    :class:`DlfsError` names the options."""
    need = recipe.qformer.n_queries + _max_caption_length(recipe.lang) + 2
    if recipe.gpt.block_size < need:
        raise DlfsError(t("recipes.captioner.block_size", block_size=recipe.gpt.block_size,
                          n_queries=recipe.qformer.n_queries, lang=recipe.lang,
                          longest=_max_caption_length(recipe.lang), need=need))


def _adamw(params: list[torch.nn.Parameter], lr: float) -> AdamW:
    decay = [p for p in params if p.dim() >= 2]              # matrices and embeddings
    rest = [p for p in params if p.dim() < 2]                # biases, gains, gates
    return AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0}],
                 lr=lr)


# ---- evaluation ----------------------------------------------------------------------------

def caption_images(model: Captioner, tokenizer: CharTokenizer, images: Tensor, *,
                   max_new_tokens: int | None = None, batch_size: int = 512) -> list[str]:
    """Greedy captions of ``images`` (B, 1, 16, 16), one line each (model in eval mode), of
    at most ``max_new_tokens`` characters and the newline (default: as many as fit)."""
    bos, eos = tokenizer.encode(BOS)[0], tokenizer.encode(EOS)[0]
    room = model.gpt.config.block_size - model.n_queries - 1
    room = room if max_new_tokens is None else min(room, max_new_tokens)
    was_training = model.training
    model.eval()
    texts: list[str] = []
    for start in range(0, len(images), batch_size):
        features = model.image_features(images[start:start + batch_size])
        ids = model.generate(features, bos=bos, eos=eos, max_new_tokens=room)   # (B, L)
        texts += [tokenizer.decode(row).split(EOS)[0] for row in ids.tolist()]
    model.train(was_training)
    return texts


def digit_accuracy(captions: Sequence[str], labels: Tensor, lang: str) -> float:
    """The fraction of captions that name exactly their image's digit."""
    right = sum(named_digit(c, lang) == int(y) for c, y in zip(captions, labels))
    return right / max(len(captions), 1)


@torch.no_grad()
def context_copy_rate(gpt: GPT, tokenizer: CharTokenizer, lang: str) -> float:
    """How often the GPT, shown a caption of a digit and the start of the next caption up to
    its digit slot, fills the slot with the same digit (greedy). Every digit with every
    training template, the next caption from the following template: 80 prompts such as
    "a blurry seven\nthis is a " -> "7". What stage 1's documents teach, and what an image
    prefix pulls in stage 2."""
    from ..generate.sampling import generate

    templates = TEMPLATES[lang]["train"]
    prompts = [(caption(d, t, lang) + EOS + templates[(i + 1) % len(templates)].split("{")[0], d)
               for d in range(10) for i, t in enumerate(templates)]
    right = 0
    for length in sorted({len(p) for p, _ in prompts}):        # one batch per prompt length
        group = [(p, d) for p, d in prompts if len(p) == length]
        idx = torch.tensor([tokenizer.encode(p) for p, _ in group])          # (B, T)
        out = generate(gpt, idx, 6, temperature=0)          # (the context is cropped)
        for row, (_, d) in zip(out[:, length:].tolist(), group):           # the slot's text
            words = tokenizer.decode(row).split(EOS)[0].split(" ")
            right += named_digit(words[0], lang) == d
    return right / len(prompts)


# ---- resume --------------------------------------------------------------------------------

def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


@dataclass(frozen=True)
class CaptionerResume:
    """A checked ``--resume``: the newest checkpoint of each stage (None: that stage has
    none yet), their steps, and the changed settings that are applied."""

    stage1: Path
    stage1_step: int
    stage2: Path | None
    stage2_step: int
    changes: list[str]

    def describe(self) -> str:
        text = (t("recipes.captioner.resuming", stage=2, step=self.stage2_step,
                  checkpoint=self.stage2) if self.stage2 else
                t("recipes.captioner.resuming", stage=1, step=self.stage1_step,
                  checkpoint=self.stage1))
        if self.changes:
            text += t("recipes.resume.changes", changes=", ".join(self.changes))
        return text


def _newest(folder: Path) -> tuple[Path | None, dict[str, Any] | None]:
    path, payload, _ = CheckpointManager(folder).load_latest()
    return path, payload


def plan_captioner_resume(recipe: CaptionerRecipe) -> CaptionerResume:
    """Check that ``recipe`` may ``--resume`` the run in its ``out_dir``; nothing is written.

    Refused (:class:`DlfsError`): no stage-1 checkpoint; a model or data setting that
    differs from the saved run; a stage-1 setting changed once stage 2 has begun; step
    counts that leave nothing to train."""
    out = Path(recipe.out_dir)
    path1, saved1 = _newest(out / STAGES[0] / "checkpoints")
    path2, saved2 = _newest(out / STAGES[1] / "checkpoints")
    if saved1 is None or path1 is None:
        raise DlfsError(t("recipes.resume.no_checkpoint",
                          folder=out / STAGES[0] / "checkpoints", found=""))
    saved = (saved2 or saved1).get("extra", {}).get("recipe", {})
    flags = {o.path: o.flags[0].replace("--no-", "--") for o in recipe_options(type(recipe))}
    now, before = dict(_flatten(dataclasses.asdict(recipe))), dict(_flatten(saved))
    diffs = [(p, before[p], v) for p, v in now.items() if p in before and before[p] != v]
    step1 = int(saved1["trainer"]["step"])
    step2 = int(saved2["trainer"]["step"]) if saved2 is not None else 0
    fixed = [d for d in diffs if RESUME_POLICY.kind(d[0]) == "fixed"
             or (saved2 is not None and d[0] in _STAGE1_SETTINGS)]

    def show(items: list[tuple[str, Any, Any]]) -> str:
        return ", ".join(f"{flags.get(p, p)} {old} -> {new}" for p, old, new in items)

    if fixed:
        raise DlfsError(t("recipes.captioner.fixed", out=out, diffs=show(fixed)))
    if saved2 is None and step1 > recipe.gpt_steps:
        raise DlfsError(t("recipes.captioner.stage1_done", out=out, step=step1,
                          gpt_steps=recipe.gpt_steps))
    if saved2 is not None and step2 >= recipe.qformer_steps:
        raise DlfsError(t("recipes.captioner.stage2_done", out=out, step=step2,
                          qformer_steps=recipe.qformer_steps, more=2 * step2))
    applied = [d for d in diffs if RESUME_POLICY.kind(d[0]) == "applied"]
    return CaptionerResume(path1, step1, path2, step2, [show([d]) for d in applied])


# ---- training ------------------------------------------------------------------------------

@dataclass
class CaptionerRun:
    """What :func:`train_captioner` returns."""

    model: Captioner
    tokenizer: CharTokenizer
    gpt_loss: float                    # mean stage-1 loss of the last eval_every steps
    caption_loss: float                # the same for stage 2
    accuracy: float                    # held-out images whose caption names their digit
    captions: list[str]                # the held-out images' captions
    labels: Tensor                     # their digits (N,)
    seconds: tuple[float, float]       # wall time of stage 1 and stage 2
    out_dir: Path


def _run_info(recipe: CaptionerRecipe, model: Captioner, tokenizer: CharTokenizer,
              **extra: Any) -> str:
    return json.dumps({"kind": "captioner", "recipe": dataclasses.asdict(recipe),
                       "gpt": dataclasses.asdict(model.gpt.config),
                       "qformer": dataclasses.asdict(recipe.qformer),
                       "tokenizer": tokenizer.to_dict(), **extra}, ensure_ascii=False)


def _tail_loss(history: Any, n: int) -> float:
    losses = history.step_loss[-n:]
    return sum(losses) / max(len(losses), 1)


Report = Callable[[int, float, float, float], None]   # (step, train loss, value, seconds)


def _train_stage1(recipe: CaptionerRecipe, model: Captioner, ids: Tensor, val_ids: Tensor,
                  resume: Path | None, callbacks: list[Callback], report: Report | None
                  ) -> float:
    gpt, out = model.gpt, Path(recipe.out_dir) / STAGES[0]
    T = recipe.gpt.block_size
    loader = DataLoader(TokenWindows(ids, T), batch_size=recipe.gpt_batch_size, shuffle=True,
                        drop_last=True, generator=torch.Generator().manual_seed(recipe.seed))
    optimizer = _adamw(list(gpt.parameters()), recipe.gpt_lr)
    history = fit(gpt, loader, loss_fn=next_token_loss, forward=lm_forward,
                  optimizer=optimizer,
                  scheduler=LambdaLR(optimizer, warmup_constant_factor(recipe.warmup_steps)),
                  callbacks=[*callbacks, PeriodicEval(recipe.eval_every, lambda m: estimate_loss(
                      m, TokenWindows(val_ids, T), batches=2, batch_size=recipe.gpt_batch_size),
                      report, tag="val/loss"),
                      *run_logging(out, throughput="tokens", hparams=flat_values(recipe),
                                   title="dlfs train captioner: stage 1, the GPT")],
                  max_steps=recipe.gpt_steps, device="cpu", seed=recipe.seed,
                  checkpoint_dir=str(out / "checkpoints"), checkpoint_every=recipe.eval_every,
                  log_dir=str(out / "tensorboard"), resume=str(resume) if resume else False,
                  resume_hparams="given", nan_guard=True, deterministic=True)
    return _tail_loss(history, recipe.eval_every)


def _train_stage2(recipe: CaptionerRecipe, model: Captioner, pairs: CaptionPairs,
                  evaluate: Callable[[Any], float], resume: Path | None,
                  callbacks: list[Callback], report: Report | None,
                  sample: Callable[[Any], str] | None = None) -> float:
    out = Path(recipe.out_dir) / STAGES[1]
    loader = DataLoader(pairs, batch_size=recipe.qformer_batch_size, shuffle=True, drop_last=True,
                        generator=torch.Generator().manual_seed(recipe.seed + 1))
    trained = [p for p in model.parameters() if p.requires_grad]   # Q-Former + projection
    optimizer = _adamw(trained, recipe.qformer_lr)
    history = fit(model, loader, loss_fn=next_token_loss, forward=caption_forward,
                  optimizer=optimizer,
                  scheduler=LambdaLR(optimizer, warmup_constant_factor(recipe.warmup_steps)),
                  callbacks=[*callbacks,
                             PeriodicEval(recipe.eval_every, evaluate, report,
                                          tag="val/accuracy"),
                             *run_logging(out, every=recipe.eval_every, text=sample,
                                          hparams=flat_values(recipe),
                                          metrics=("val/accuracy",),
                                          title="dlfs train captioner: stage 2, the Q-Former")],
                  max_steps=recipe.qformer_steps, device="cpu", seed=recipe.seed + 1,
                  checkpoint_dir=str(out / "checkpoints"), checkpoint_every=recipe.eval_every,
                  log_dir=str(out / "tensorboard"), resume=str(resume) if resume else False,
                  resume_hparams="given", nan_guard=True, deterministic=True)
    return _tail_loss(history, recipe.eval_every)


def train_captioner(recipe: CaptionerRecipe, *, resume: CaptionerResume | None = None,
                    callbacks: Sequence[Callback] = (),
                    report: Callable[[int, int, float, float, float], None] | None = None
                    ) -> CaptionerRun:
    """Stage 1 (the GPT on caption documents), stage 2 (the Q-Former and the projection,
    the GPT and the image encoder frozen), then captions for every held-out image.

    ``report(stage, step, train_loss, value, seconds)`` gets a progress row every
    ``eval_every`` steps of each stage (``stage`` 1 or 2): ``value`` is stage 1's validation
    loss, stage 2's share of the first 100 held-out images named right.
    """
    from ..multimodal.captions import caption_pairs

    check_fits(recipe)
    if recipe.resume and resume is None:
        resume = plan_captioner_resume(recipe)
    out = Path(recipe.out_dir)
    text = caption_corpus(recipe.lang, documents=recipe.documents, seed=recipe.seed)
    val_text = caption_corpus(recipe.lang, documents=100, seed=recipe.seed + 1)  # another draw
    tokenizer = caption_tokenizer(recipe.lang)
    ids = torch.tensor(tokenizer.encode(text), dtype=torch.long)
    val_ids = torch.tensor(tokenizer.encode(val_text), dtype=torch.long)
    model = build_captioner(recipe, tokenizer.vocab_size)

    def stage_report(stage: int) -> Report | None:
        return None if report is None else (
            lambda step, train, value, seconds: report(stage, step, train, value, seconds))

    def record() -> RecordRecipe:              # the recipe in the checkpoints, and run.json
        return RecordRecipe(recipe, lambda: atomic_write_text(
            out / "run.json", _run_info(recipe, model, tokenizer)))

    start = time.perf_counter()
    stage1_done = resume is not None and (resume.stage2 is not None
                                          or resume.stage1_step >= recipe.gpt_steps)
    if stage1_done:                            # take stage 1's final weights
        assert resume is not None
        model.gpt.load_state_dict(load_checkpoint(resume.stage1)["model"])
        gpt_loss = float("nan")
    else:
        gpt_loss = _train_stage1(recipe, model, ids, val_ids,
                                 resume.stage1 if resume is not None else None,
                                 [record(), *callbacks], stage_report(1))
    seconds1 = time.perf_counter() - start

    model.freeze_pretrained()
    test_images, test_labels = caption_pairs("test", langs=(recipe.lang,))[:2]
    test_images, test_labels = test_images[:recipe.test_images], test_labels[:recipe.test_images]
    pairs = CaptionPairs(*train_features(), tokenizer, recipe.lang)
    longest = _max_caption_length(recipe.lang) + 1     # no caption needs more characters

    def evaluate(m: Captioner) -> float:
        return digit_accuracy(caption_images(m, tokenizer, test_images[:100],
                                             max_new_tokens=longest),
                              test_labels[:100], recipe.lang)

    def sample(m: Captioner) -> str:            # samples/text: 4 held-out images' captions
        captions = caption_images(m, tokenizer, test_images[:4], max_new_tokens=longest)
        return "\n".join(f"{int(y)}: {c}" for y, c in zip(test_labels[:4], captions))

    start = time.perf_counter()
    caption_loss = _train_stage2(recipe, model, pairs, evaluate,
                                 resume.stage2 if resume is not None else None,
                                 [record(), *callbacks], stage_report(2), sample)
    seconds2 = time.perf_counter() - start

    captions = caption_images(model, tokenizer, test_images, max_new_tokens=longest)
    accuracy = digit_accuracy(captions, test_labels, recipe.lang)
    atomic_save(model.state_dict(), out / "captioner.pt")
    atomic_write_text(out / "run.json", _run_info(
        recipe, model, tokenizer, result={"held_out_images": len(test_labels),
                                          "digit_named_right": accuracy}))
    return CaptionerRun(model, tokenizer, gpt_loss, caption_loss, accuracy, captions,
                        test_labels, (seconds1, seconds2), out)


# ---- a saved run: `dlfs caption --run DIR INDEX` ---------------------------------------------

def _read_run(run_dir: Path) -> dict[str, Any]:
    info_file = run_dir / "run.json"
    if not info_file.is_file():
        raise DlfsError(t("recipes.captioner.no_run_json", run_dir=run_dir))
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DlfsError(t("recipes.run.damaged", file=info_file, exc=exc)) from exc
    kind = info.get("kind", "gpt") if isinstance(info, dict) else "unknown"
    if kind != "captioner":
        raise DlfsError(t("recipes.captioner.not_captioner", run_dir=run_dir, kind=kind))
    return info


def load_captioner(run_dir: str | Path) -> tuple[Captioner, CharTokenizer, dict[str, Any]]:
    """The trained captioner of a finished run (frozen, eval mode), its tokenizer and its
    ``run.json``; a :class:`DlfsError` says what is missing."""
    from .options import from_dict

    run_dir = Path(run_dir)
    info = _read_run(run_dir)
    weights = run_dir / "captioner.pt"
    if not weights.is_file():
        raise DlfsError(t("recipes.captioner.unfinished", weights=weights, run_dir=run_dir))
    recipe = from_dict(CaptionerRecipe, info["recipe"])
    tokenizer = CharTokenizer(info["tokenizer"]["chars"])
    model = build_captioner(recipe, tokenizer.vocab_size)
    model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return model.freeze_pretrained().eval(), tokenizer, info


def caption_image(run_dir: Path, index: int, *, split: str = "test") -> tuple[str, int]:
    """The caption a trained run writes for image ``index`` of ``split`` ("test": the
    held-out images; "train"), and that image's true digit."""
    from ..generative.data import SPLITS, digit_images

    if split not in SPLITS:
        raise DlfsError(t("recipes.captioner.split", splits=", ".join(SPLITS), split=split))
    if isinstance(index, bool) or not isinstance(index, int):
        raise DlfsError(t("recipes.captioner.index_type", index=index))
    images, labels = digit_images(split)
    if not 0 <= index < len(images):
        raise DlfsError(t("recipes.captioner.index_range", index=index,
                          split=t(f"recipes.split.{split}"), n=len(images),
                          last=len(images) - 1))
    model, tokenizer, _ = load_captioner(run_dir)
    return caption_images(model, tokenizer, images[index:index + 1])[0], int(labels[index])


# ---- the command line: `dlfs train captioner` (all printing happens here) -------------------

def _count(n: int, what: str) -> str:
    """``n`` ``what`` (``layers``, ``queries``), singular or plural."""
    return t(f"recipes.captioner.count.{what}.{'one' if n == 1 else 'many'}", n=n)


def run_captioner(recipe: CaptionerRecipe, quick: bool = False) -> int:
    """`dlfs train captioner`: both stages with progress lines, then the held-out score."""
    check_fits(recipe)
    resume = plan_captioner_resume(recipe) if recipe.resume else None
    g, q = recipe.gpt, recipe.qformer
    print(t("recipes.captioner.header", command="dlfs train captioner",
            lang=recipe.lang,
            quick=t("recipes.quick") if quick else ""), flush=True)
    print(t("recipes.captioner.stages", gpt_layers=_count(g.n_layer, "layers"),
            gpt_width=g.n_embd, documents=recipe.documents, gpt_steps=recipe.gpt_steps,
            queries=_count(q.n_queries, "queries"), q_layers=_count(q.n_layers, "layers"),
            q_width=q.d_model, qformer_steps=recipe.qformer_steps,
            dirs=f"{recipe.out_dir}/{{{','.join(STAGES)}}}"), flush=True)
    if resume is not None:
        print(resume.describe(), flush=True)

    def report(stage: int, step: int, train: float, value: float, seconds: float) -> None:
        what = (t("recipes.captioner.val_loss", value=value) if stage == 1
                else t("recipes.captioner.named", value=value))
        print(t("recipes.captioner.step", stage=stage, step=step, train=train, what=what,
                seconds=seconds), flush=True)

    threads = torch.get_num_threads()
    torch.set_num_threads(recipe.threads)
    try:
        run = train_captioner(recipe, resume=resume, report=report, callbacks=[PrintCurves()])
    finally:
        torch.set_num_threads(threads)
    counts = run.model.parameter_counts()
    parts = {name: sum(p.numel() for p in getattr(run.model, name).parameters())
             for name in ("gpt", "encoder", "qformer", "proj")}
    print("\n" + t("recipes.captioner.params", trained=counts["trained"],
                   qformer=parts["qformer"], proj=parts["proj"], frozen=counts["frozen"],
                   gpt=parts["gpt"], encoder=parts["encoder"]))
    n = len(run.labels)
    right = round(run.accuracy * n)
    print(t("recipes.captioner.accuracy", accuracy=run.accuracy, right=right, n=n,
            s1=run.seconds[0], s2=run.seconds[1]))
    for i in range(min(recipe.examples, n)):
        ok = named_digit(run.captions[i], recipe.lang) == int(run.labels[i])
        mark = t("recipes.captioner.ok") if ok else t("recipes.captioner.wrong")
        print(t("recipes.captioner.example", i=i, label=int(run.labels[i]),
                caption=pad(repr(run.captions[i]), 36), mark=mark))
    print(t("recipes.captioner.saved", path=run.out_dir / "captioner.pt", out=recipe.out_dir))
    return 0


#: `dlfs train captioner` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(CaptionerRecipe, QUICK, run_captioner)
