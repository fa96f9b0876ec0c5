"""Recipe: DPO on preference pairs ranked by a verifiable rule (`dlfs train dpo --from DIR`).

    SFT run --sample K answers per DPO question (temperature)--> replies
      --rule: exactly the answer?--> pairs (question, chosen = a right reply, rejected = a
      wrong one) --dpo_loss against the frozen SFT model--> the aligned policy

The policy starts as the SFT model; the reference is a frozen copy of it, whose summed
log-probabilities of every chosen and rejected response are computed once (they never
change) and stored with the pairs in ``<out>/pairs.json``. Each step feeds a batch of pairs
through the policy and minimizes :func:`dlfs.llm.dpo_loss` plus ``nll_weight`` times the
chosen answers' negative log-likelihood per token (:func:`dpo_objective`; on by default:
pure DPO, ``--nll-weight 0``, lowered the held-out accuracy of the capstone in our runs, as it
lowers both answers of a pair whenever the rejected one falls faster); the implicit rewards
r = beta * (log pi(y|x) - log ref(y|x)) of both answers are logged (their margin and how often
the chosen one wins). At the end: the held-out exact-answer accuracy (the SFT model's, the
policy's), the reward margin over the pairs, and the KL divergence of the policy from the SFT
model on the held-out questions (summed over the tokens of the policy's own greedy answers):

    KL = mean_x sum_t sum_v pi(v | x, y_<t) * (log pi(v | x, y_<t) - log ref(v | x, y_<t))

``run.json`` (``kind: "dpo"``) carries them; ``dlfs chat --run DIR`` talks to the policy.
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
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from ..data import DataLoader
from ..data.text.instructions import END, IGNORE_INDEX, collate_sft, sft_example
from ..errors import DlfsError
from ..i18n import t
from ..llm.dpo import dpo_loss, sequence_logprobs
from ..models.chat import ChatModel
from ..nn import functional as F
from ..optim import AdamW
from ..runtime import eval_mode
from ..train import Callback, RunReport, TensorBoardLogger, fit, log_scalar
from ..train.checkpoint import atomic_write_text
from .chat import load_chat_run, read_chat_info
from .options import check_fields, command_line, flat_values, print_next, replace_nested
from .registry import RecipeCommand
from .resume import (
    RecordRecipe,
    ResumePlan,
    ResumePolicy,
    plan_resume,
    resume_field,
)
from .sft import (
    EVAL_TOKENS,
    Accuracy,
    HeldOutAccuracy,
    accuracy,
    answer_samples,
    instructions_of,
)

__all__ = ["COMMAND", "QUICK", "RESUME_POLICY", "DPORecipe", "DPORun", "PairData",
           "PolicyLogps", "PreferencePair", "dpo_forward", "dpo_objective",
           "kl_to_reference", "make_pairs", "pair_logprobs",
           "preference_pairs", "response_logprobs", "reward_margin", "run_dpo", "train_dpo"]


@dataclass(frozen=True)
class DPORecipe:
    """One DPO run from a finished SFT run. Defaults: 8 sampled answers per question at
    temperature 1, beta 0.1, the chosen answers' NLL added with weight 1, 80 AdamW steps of
    16 pairs at a constant lr 1e-5."""

    from_dir: str = field(default="runs/sft", metadata={
        "help": "the `dlfs train sft` run to align (its model is the policy's start and the "
                "frozen reference)",
        "help_zh": "要对齐的 `dlfs train sft` 运行（它的模型既是策略的起点，"
                   "也是冻结的参考模型）", "aliases": ("--from",), "metavar": "DIR",
        "path": "in-dir"})
    questions: int = field(default=200, metadata={
        "help": "DPO questions per family to sample answers for (the instruction set keeps "
                "200 per family for DPO, never trained on by SFT)",
        "help_zh": "每类要采样回答的 DPO 问题数（指令集为 DPO 每类保留 "
                   "200 题，SFT 从不在它们上训练）", "min": 1, "max": 200})
    samples: int = field(default=8, metadata={
        "help": "answers sampled per DPO question to rank into pairs",
        "help_zh": "每个 DPO 问题采样的回答数，排序后组成偏好对", "min": 2})
    temperature: float = field(default=1.0, metadata={
        "help": "sampling temperature of those answers",
        "help_zh": "采样这些回答时的温度", "above": 0})
    gold_fallback: bool = field(default=False, metadata={
        "help": "when none of a question's samples is right, pair the rule's answer (as the "
                "chosen one) with a wrong sample; by default such questions are skipped, so "
                "both answers of every pair are the model's own",
        "help_zh": "当一个问题的采样回答都不对时，把规则给出的答案（作为选中回答）"
                   "与一个错误样本配对；默认跳过这类问题，这样每一对里的两个回答都出自模型本身"})
    beta: float = field(default=0.1, metadata={
        "help": "DPO's beta: the scale of the implicit reward; larger keeps the policy "
                "closer to the SFT model",
        "help_zh": "DPO 的 `beta`：隐式奖励的尺度；越大，策略离 SFT 模型越近", "above": 0})
    nll_weight: float = field(default=1.0, metadata={
        "help": "weight of an extra loss term: the chosen answers' negative log-likelihood "
                "per token (0: pure DPO, which lowered the held-out accuracy in our runs)",
        "help_zh": "额外损失项的权重：选中回答每个词元的负对数似然（"
                   "0：纯 DPO，在我们的运行中它降低了留出集准确率）",
        "min": 0})
    batch_size: int = field(default=16, metadata={"help": "pairs per optimizer step",
                                                  "help_zh": "每个优化步的样本对数",
                                                  "min": 1})
    max_steps: int = field(default=80, metadata={
        "help": "optimizer steps",
        "help_zh": "优化步数", "aliases": ("--steps",), "min": 1})
    lr: float = field(default=1e-5, metadata={"help": "learning rate (AdamW, constant)",
                                              "help_zh": "学习率（AdamW，保持不变）",
                                              "above": 0})
    grad_clip: float | None = field(default=1.0, metadata={
        "help": "clip the global gradient norm to this",
        "help_zh": "把全局梯度范数裁剪到这个值", "above": 0})
    eval_every: int = field(default=40, metadata={
        "help": "steps between held-out accuracies (and checkpoints)",
        "help_zh": "每隔多少步计算一次留出集准确率（并保存检查点）", "min": 1})
    seed: int = field(default=1337, metadata={
        "help": "seed of the sampled answers and the batch order",
        "help_zh": "采样回答和批次顺序的随机种子", "min": 0,
        "below": 2**32})
    out_dir: str = field(default="runs/dpo", metadata={
        "help": "run directory: pairs.json, checkpoints, TensorBoard logs, run.json",
        "help_zh": "运行目录：pairs.json、检查点、TensorBoard 日志、run.json",
        "aliases": ("--out",), "metavar": "DIR", "path": "out-dir"})
    resume: bool = resume_field()

    def __post_init__(self) -> None:
        check_fields(self)


#: `--quick`: seconds, and pairs even from a quick SFT run that answers nothing right
QUICK = {"questions": 20, "samples": 2, "gold_fallback": True, "max_steps": 10, "eval_every": 5,
         "batch_size": 8}

#: `--resume`: what may differ from the saved run (see :mod:`dlfs.recipes.resume`)
RESUME_POLICY = ResumePolicy(applied=("max_steps", "lr", "grad_clip", "beta", "nll_weight"),
                             free=("eval_every", "out_dir", "resume"))


# ---- preference pairs ------------------------------------------------------------------------

@dataclass(frozen=True)
class PreferencePair:
    """A question, a right answer (chosen), a wrong one (rejected), the reference model's
    summed log-probabilities of both, and whether the chosen one was sampled (or is the
    rule's answer, with ``gold_fallback``)."""

    prompt: str
    chosen: str
    rejected: str
    ref_chosen: float
    ref_rejected: float
    sampled: bool


def make_pairs(chat: ChatModel, items: Sequence[Any], *, samples: int, temperature: float,
               seed: int, gold_fallback: bool = False) -> list[tuple[str, str, str, bool]]:
    """(prompt, chosen, rejected, chosen was sampled) per question whose ``samples`` sampled
    answers hold a right and a wrong one (with ``gold_fallback``: a wrong one; the chosen is
    then the question's own answer). Questions with only right answers give no pair."""
    gen = torch.Generator().manual_seed(seed)
    replies = chat.answers([i.prompt for i in items for _ in range(samples)],
                           temperature=temperature, generator=gen,
                           max_new_tokens=EVAL_TOKENS)
    pairs = []
    for k, item in enumerate(items):
        mine = replies[k * samples:(k + 1) * samples]
        right = [r for r in mine if item.is_correct(r)]
        wrong = [r for r in mine if not item.is_correct(r)]
        if wrong and right:
            pairs.append((item.prompt, right[0], wrong[0], True))
        elif wrong and gold_fallback:
            pairs.append((item.prompt, item.answer, wrong[0], False))
    return pairs


def preference_pairs(reference: nn.Module, tokenizer: Any,
                     raw: Sequence[tuple[str, str, str, bool]]) -> list[PreferencePair]:
    """:class:`PreferencePair` s from :func:`make_pairs` output, with the reference model's
    summed log-probabilities of both answers (computed once: the reference is frozen)."""
    ref_c, ref_r = pair_logprobs(reference, tokenizer, [p[:3] for p in raw])
    return [PreferencePair(p, c, r, float(lc), float(lr), s)
            for (p, c, r, s), lc, lr in zip(raw, ref_c.tolist(), ref_r.tolist())]


def _pair_batch(tokenizer: Any, pairs: Sequence[tuple[str, str, str]]
                ) -> tuple[Tensor, Tensor]:
    """The chosen turns then the rejected ones, padded: x, labels (2B, T)."""
    turns = [sft_example(tokenizer, p, c) for p, c, _ in pairs]
    turns += [sft_example(tokenizer, p, r) for p, _, r in pairs]
    return collate_sft(turns, tokenizer.id_of(END))


def response_logprobs(model: nn.Module, x: Tensor, labels: Tensor) -> Tensor:
    """log p(response | prompt) summed over the response tokens: x, labels (N, T) -> (N,)."""
    logits, _ = model(x)                                                  # (N, T, V)
    mask = labels != IGNORE_INDEX                                         # (N, T)
    return sequence_logprobs(logits, torch.where(mask, labels, 0), mask)


@torch.no_grad()
def pair_logprobs(model: nn.Module, tokenizer: Any, pairs: Sequence[tuple[str, str, str]],
                  batch_size: int = 64) -> tuple[Tensor, Tensor]:
    """(log p(chosen), log p(rejected)) under ``model`` (eval mode), each (len(pairs),)."""
    chosen, rejected = [], []
    with eval_mode(model):
        for i in range(0, len(pairs), batch_size):
            part = pairs[i:i + batch_size]
            logps = response_logprobs(model, *_pair_batch(tokenizer, part))   # (2b,)
            chosen.append(logps[:len(part)])
            rejected.append(logps[len(part):])
    return torch.cat(chosen), torch.cat(rejected)


class PairData:
    """The pairs as a data set for the DataLoader: item i is pair i's token sequences and its
    reference log-probabilities; :meth:`collate` makes (x, labels (2B, T), ref (2B,))."""

    def __init__(self, pairs: Sequence[PreferencePair], tokenizer: Any):
        self.pairs, self.tokenizer = list(pairs), tokenizer

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, i: int) -> PreferencePair:
        return self.pairs[i]

    def collate(self, batch: Sequence[PreferencePair]) -> tuple[Tensor, Tensor, Tensor]:
        x, labels = _pair_batch(self.tokenizer, [(p.prompt, p.chosen, p.rejected)
                                                 for p in batch])
        ref = torch.tensor([p.ref_chosen for p in batch] + [p.ref_rejected for p in batch])
        return x, labels, ref                                   # (2B, T), (2B, T), (2B,)


class PolicyLogps(NamedTuple):
    """The policy's side of a batch of pairs: summed log-probabilities of the chosen then the
    rejected answers (2B,), and how many tokens each answer has (2B,)."""

    logps: Tensor
    tokens: Tensor


def dpo_forward(model: nn.Module, batch: tuple[Tensor, Tensor, Tensor]
                ) -> tuple[PolicyLogps, Tensor]:
    """The trainer's forward on a :class:`PairData` batch: (the policy's
    :class:`PolicyLogps`, the reference log-probabilities (2B,))."""
    x, labels, ref = batch
    tokens = (labels != IGNORE_INDEX).sum(-1)                           # (2B,)
    return PolicyLogps(response_logprobs(model, x, labels), tokens), ref


def dpo_objective(beta: float, nll_weight: float = 0.0
                  ) -> Callable[[PolicyLogps, Tensor], Tensor]:
    """The loss of a batch: :func:`dlfs.llm.dpo_loss`, plus ``nll_weight`` times the mean
    per-token negative log-likelihood of the chosen answers (0: pure DPO)::

        L = DPO(pi, ref) + nll_weight * mean_i(-log pi(y_chosen,i | x_i) / |y_chosen,i|)

    The second term keeps the chosen answers likely: pure DPO may lower both answers of a
    pair as long as the rejected one falls faster."""
    def loss(policy: PolicyLogps, ref: Tensor) -> Tensor:
        B = len(ref) // 2
        logps = policy.logps
        value = dpo_loss(logps[:B], logps[B:], ref[:B], ref[B:], beta=beta).loss
        if nll_weight:
            value = value + nll_weight * (-logps[:B] / policy.tokens[:B]).mean()
        return value
    return loss


class RewardLog(Callback):
    """Per step, to TensorBoard: the mean implicit rewards of the chosen and rejected answers
    (``dpo/reward_chosen``, ``dpo/reward_rejected``), their margin (``dpo/reward_margin``)
    and how often the chosen one wins (``dpo/reward_accuracy``)."""

    def __init__(self, beta: float, logger: TensorBoardLogger):
        self.beta, self.logger = beta, logger
        self.rows: list[Tensor] = []

    def on_forward_end(self, trainer: Any, output: Any, loss: Any) -> None:
        policy, ref = output.logps.detach(), trainer.batch[2]    # (2B,) each
        r = self.beta * (policy - ref)                                  # (2B,)
        B = len(r) // 2
        self.rows.append(torch.stack([r[:B].mean(), r[B:].mean(), (r[:B] > r[B:]).float()
                                      .mean()]))

    def on_step_end(self, trainer: Any, logs: dict[str, float]) -> None:
        if self.rows and self.logger.writer is not None:
            chosen, rejected, won = torch.stack(self.rows).mean(0).tolist()
            for name, value in (("chosen", chosen), ("rejected", rejected),
                                ("margin", chosen - rejected), ("accuracy", won)):
                log_scalar(trainer, f"dpo/reward_{name}", value)
        self.rows = []


# ---- measuring ---------------------------------------------------------------------------------

@torch.no_grad()
def reward_margin(policy: nn.Module, tokenizer: Any, pairs: Sequence[PreferencePair],
                  beta: float) -> tuple[float, float]:
    """(mean reward margin r_chosen - r_rejected, share of pairs with a positive margin)."""
    chosen, rejected = pair_logprobs(policy, tokenizer,
                                     [(p.prompt, p.chosen, p.rejected) for p in pairs])
    ref_c = torch.tensor([p.ref_chosen for p in pairs])
    ref_r = torch.tensor([p.ref_rejected for p in pairs])
    margin = beta * ((chosen - ref_c) - (rejected - ref_r))                # (N,)
    return float(margin.mean()), float((margin > 0).float().mean())


@torch.no_grad()
def kl_to_reference(policy: ChatModel, reference: nn.Module, prompts: Sequence[str]) -> float:
    """Mean over ``prompts`` of the KL divergence KL(pi || ref), summed over the tokens of
    the policy's greedy answer (its end token included), in nats (see the module docstring)."""
    replies = policy.answers(list(prompts), max_new_tokens=EVAL_TOKENS)
    x, labels = collate_sft([sft_example(policy.tokenizer, p, r)
                             for p, r in zip(prompts, replies)], policy.tokenizer.id_of(END))
    with eval_mode(policy.model), eval_mode(reference):
        logp = F.log_softmax(policy.model(x)[0], dim=-1)                 # (N, T, V)
        logq = F.log_softmax(reference(x)[0], dim=-1)                    # (N, T, V)
    kl = (logp.exp() * (logp - logq)).sum(-1)                            # (N, T)
    return float(torch.where(labels != IGNORE_INDEX, kl, 0.0).sum(-1).mean())


# ---- the pipeline -----------------------------------------------------------------------------

@dataclass
class DPORun:
    """What :func:`train_dpo` returns."""

    chat: ChatModel
    pairs: list[PreferencePair]
    sft_accuracy: Accuracy
    accuracy: Accuracy
    margin: float                 # mean beta * (log-ratio chosen - log-ratio rejected)
    margin_won: float             # share of pairs whose margin is positive
    kl: float                     # KL(policy || SFT) per held-out answer, nats
    seconds: float
    out_dir: Path
    info: dict[str, Any]


def _load_pairs(path: Path) -> list[PreferencePair]:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [PreferencePair(**row) for row in rows]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, TypeError) as exc:
        raise DlfsError(t("recipes.dpo.pairs_damaged", path=path, exc=exc)) from exc


def _first_per_family(items: Sequence[Any], n: int) -> list[Any]:
    """The first ``n`` questions of each family, in their order."""
    seen: dict[str, int] = {}
    kept = []
    for item in items:
        seen[item.family] = seen.get(item.family, 0) + 1
        if seen[item.family] <= n:
            kept.append(item)
    return kept


def prepare_pairs(recipe: DPORecipe, sft: ChatModel, info: dict[str, Any],
                  resume: ResumePlan | None) -> list[PreferencePair]:
    """The run's pairs: read back from ``pairs.json`` when resuming, else sampled from the
    SFT model on the DPO split, scored by the frozen SFT model, and saved."""
    path = Path(recipe.out_dir) / "pairs.json"
    if resume is not None:
        return _load_pairs(path)
    items = _first_per_family(instructions_of(info).dpo, recipe.questions)
    raw = make_pairs(sft, items, samples=recipe.samples, temperature=recipe.temperature,
                     seed=recipe.seed, gold_fallback=recipe.gold_fallback)
    if not raw:
        raise DlfsError(t("recipes.dpo.no_pairs", samples=recipe.samples, n=len(items)))
    pairs = preference_pairs(sft.model, sft.tokenizer, raw)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps([dataclasses.asdict(p) for p in pairs],
                                       ensure_ascii=False, indent=0))
    return pairs


def plan_dpo_resume(recipe: DPORecipe) -> ResumePlan:
    """Check that ``recipe`` may ``--resume`` the run in its ``out_dir``; nothing is written."""
    return plan_resume(recipe, Path(recipe.out_dir) / "checkpoints", RESUME_POLICY)


def _write_run_info(recipe: DPORecipe, chat: ChatModel, sft_info: dict[str, Any],
                    extra: dict[str, Any]) -> None:
    info = {"kind": "dpo", "recipe": dataclasses.asdict(recipe),
            "model": dataclasses.asdict(chat.model.config),
            "tokenizer": chat.tokenizer.to_dict(), "instructions": sft_info["instructions"],
            "sft_run": recipe.from_dir, **extra}
    atomic_write_text(Path(recipe.out_dir) / "run.json",
                      json.dumps(info, ensure_ascii=False, indent=1))


def train_dpo(recipe: DPORecipe, *, callbacks: Sequence[Callback] = (),
              report: Callable[[list[float], Accuracy, float], None] | None = None,
              resume: ResumePlan | None = None) -> DPORun:
    """Sample and rank pairs (or read them back when resuming), train the policy with DPO
    against the frozen SFT model, then measure (see the module docstring). Checkpoints in
    ``<out_dir>/checkpoints``, TensorBoard logs in ``<out_dir>/tensorboard``; trains under the
    NaN/Inf guard."""
    if Path(recipe.from_dir).resolve() == Path(recipe.out_dir).resolve():
        raise DlfsError(t("recipes.dpo.same_out", out=recipe.out_dir))
    if recipe.resume and resume is None:
        resume = plan_dpo_resume(recipe)
    sft, sft_info = load_chat_run(recipe.from_dir, kinds=("sft",))
    pairs = prepare_pairs(recipe, sft, sft_info, resume)
    policy = ChatModel(copy.deepcopy(sft.model), sft.tokenizer)
    for p in sft.model.parameters():
        p.requires_grad_(False)                                  # the frozen reference
    test = instructions_of(sft_info).test
    data = PairData(pairs, sft.tokenizer)
    loader = DataLoader(data, batch_size=min(recipe.batch_size, len(pairs)), shuffle=True,
                        drop_last=True, collate_fn=data.collate,
                        generator=torch.Generator().manual_seed(recipe.seed))
    out_dir = Path(recipe.out_dir)
    logger = TensorBoardLogger(str(out_dir / "tensorboard"))
    held_out = HeldOutAccuracy(recipe.eval_every, policy, test, logger, report)
    report_run = RunReport(out_dir, every=recipe.eval_every, hparams=flat_values(recipe),
                           text=lambda m: answer_samples(policy, test), title="dlfs train dpo",
                           metrics=("val/accuracy", "dpo/reward_margin", "dpo/reward_accuracy"))
    started = RecordRecipe(recipe, lambda: _write_run_info(
        recipe, policy, sft_info, {"pairs": len(pairs)}))
    start = time.perf_counter()
    fit(policy.model, loader, optimizer=AdamW(policy.model.parameters(), lr=recipe.lr,
                                              weight_decay=0.0),
        loss_fn=dpo_objective(recipe.beta, recipe.nll_weight), forward=dpo_forward,
        callbacks=[started, held_out, RewardLog(recipe.beta, logger), report_run, logger,
                   *callbacks],
        max_steps=recipe.max_steps, device="cpu", clip_grad_norm=recipe.grad_clip,
        seed=recipe.seed, checkpoint_dir=str(out_dir / "checkpoints"),
        checkpoint_every=recipe.eval_every, log_dir=str(out_dir / "tensorboard"),
        resume=str(resume.checkpoint) if resume is not None else False,
        resume_hparams="given", nan_guard=True)
    seconds = time.perf_counter() - start
    after = held_out.last or accuracy(policy, test)
    saved = sft_info.get("accuracy", {}).get("sft")      # measured at the end of SFT
    before = Accuracy(**saved) if isinstance(saved, dict) else accuracy(sft, test)
    margin, won = reward_margin(policy.model, sft.tokenizer, pairs, recipe.beta)
    kl = kl_to_reference(policy, sft.model, [i.prompt for i in test])
    pretrain = sft_info.get("accuracy", {}).get("pretrain")
    measured = {"accuracy": {"pretrain": pretrain, "sft": before.to_dict(),
                             "dpo": after.to_dict()},
                "reward_margin": margin, "reward_accuracy": won, "kl_to_sft": kl,
                "pairs": len(pairs), "sampled_chosen": sum(p.sampled for p in pairs),
                "dpo_seconds": seconds}
    _write_run_info(recipe, policy, sft_info, measured)
    return DPORun(policy, pairs, before, after, margin, won, kl, seconds, out_dir,
                  read_chat_info(out_dir, kinds=("dpo",)))


# ---- the command line: `dlfs train dpo` --------------------------------------------------------

def next_commands(recipe: DPORecipe, quick: bool) -> list[tuple[str, str]]:
    """What to try after a run, as commands that work when pasted: (command, why)."""
    run = shlex.quote(recipe.out_dir)
    base = replace_nested(DPORecipe(), QUICK) if quick else DPORecipe()
    words = ["dlfs", "train", "dpo", *(["--quick"] if quick else [])]
    longer = dataclasses.replace(recipe, max_steps=2 * recipe.max_steps, resume=True)
    return [(f"dlfs chat --run {run} --once \"Reverse the word 'tensor'.\"",
             t("recipes.dpo.next.ask")),
            (command_line(words, longer, base), t("recipes.next.continue")),
            (f"tensorboard --logdir {run}/tensorboard", t("recipes.dpo.next.curves")),
            ("dlfs run dpo-alignment" + (" --quick" if quick else ""),
             t("recipes.dpo.next.lesson"))]


def run_dpo(recipe: DPORecipe, quick: bool = False) -> int:
    """`dlfs train dpo`: pairs, DPO steps with progress lines, then the measurements."""
    from ..train import PrintCurves, ProgressBar

    print(t("recipes.dpo.header", command="dlfs train dpo",
            from_dir=recipe.from_dir,
            quick=t("recipes.quick") if quick else ""), flush=True)
    read_chat_info(recipe.from_dir, kinds=("sft",))             # a clear error first
    resume = plan_dpo_resume(recipe) if recipe.resume else None
    if resume is not None:
        print(resume.describe(), flush=True)

    def report(row: list[float], acc: Accuracy, seconds: float) -> None:
        print(t("recipes.dpo.step", step=int(row[0]), loss=row[1], acc=acc.describe(),
                seconds=seconds), flush=True)

    run = train_dpo(recipe, report=report, callbacks=[ProgressBar(), PrintCurves()],
                    resume=resume)
    sampled = sum(p.sampled for p in run.pairs)
    print("\n" + t("recipes.dpo.pairs", n=len(run.pairs), sampled=sampled,
                   seconds=run.seconds))
    pre = run.info["accuracy"].get("pretrain")
    pre_text = (t("recipes.dpo.pretrained_only", accuracy=pre["overall"])
                if isinstance(pre, dict) else "")
    print(t("recipes.dpo.accuracy", n=run.accuracy.n, pre=pre_text,
            sft=run.sft_accuracy.overall, dpo=run.accuracy.overall))
    print(t("recipes.dpo.margin", margin=run.margin, won=run.margin_won, kl=run.kl))
    print_next(next_commands(recipe, quick))
    return 0


#: `dlfs train dpo` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(DPORecipe, QUICK, run_dpo)
