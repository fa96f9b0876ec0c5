"""``--resume`` that cannot damage a run: the saved run is checked against the requested
one before anything is written.

The policy (the ``--resume`` help of ``dlfs train gpt`` and ``charrnn`` says the same):

* **a checkpoint must exist.** ``--resume`` with none (or only damaged ones) is refused:
  a typo in ``--out`` would otherwise start a fresh run that looks like a continued one.
* **settings that define the model, its data or the batches must match** (the network's
  shape, tokenizer, corpus, seed, batch size …): a difference is refused, naming every
  differing option with its saved and its requested value. Loading the weights into another
  shape cannot work, and the data position means nothing for other batches.
* **optimizer and schedule settings may change** (``--lr``, ``--max-steps``,
  ``--grad-clip`` …): they are *applied* from the resumed step on, and reported. That is
  what a learner means by them — after the NaN guard stops a run, ``--resume --lr …``
  continues from the last good checkpoint with a lower rate.
* **output and sampling settings** (``--eval-every``, ``--sample-*`` …) never touch the
  training state and may differ silently.
* ``--max-steps`` must be larger than the saved step (else there is nothing to train).

The recipe a checkpoint was written with is stored in it (``extra["recipe"]``, by
:class:`RecordRecipe`), so the check needs nothing else; for a checkpoint from an older dlfs
without it, the parameter shapes are compared instead (:func:`check_state_shapes`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DlfsError
from ..i18n import t
from ..train import Callback, CheckpointManager
from .options import recipe_options

if TYPE_CHECKING:
    from torch import nn

__all__ = ["RESUME_HELP", "RESUME_HELP_ZH", "RecordRecipe", "ResumePlan", "ResumePolicy",
           "check_state_shapes", "plan_resume", "resume_field"]

#: the help of a recipe's ``resume`` field: what is refused, what is applied
RESUME_HELP = ("continue from the newest good checkpoint in the run directory. Refused, "
               "before anything is written, when there is none or when a setting of the "
               "model, the data or the batches differs from the saved run; changed "
               "optimizer and schedule settings (such as --lr and --max-steps) are "
               "applied from the resumed step on and reported")
RESUME_HELP_ZH = ("从运行目录中最新的完好检查点继续训练。若没有检查点，或模型、数据、批次的某项设置"
                  "与保存的运行不同，则在写入任何内容之前拒绝；改动的优化器和调度设置（如 --lr 和 "
                  "--max-steps）从恢复的那一步起生效，并会报告出来")


def resume_field(help: str = RESUME_HELP, help_zh: str = RESUME_HELP_ZH) -> Any:
    """A recipe's ``resume`` option (off by default), with its help in both languages."""
    return field(default=False, metadata={"help": help, "help_zh": help_zh})


@dataclass(frozen=True)
class ResumePolicy:
    """Which recipe fields may differ on resume. ``applied``: used from the resumed step on
    (reported); ``free``: no effect on the training state (a path ending in ``.`` covers a
    nested config). Every other field must match the saved run."""

    applied: tuple[str, ...]
    free: tuple[str, ...]

    def kind(self, path: str) -> str:
        """``"applied"``, ``"free"`` or ``"fixed"`` for a field path like ``model.n_embd``."""
        if path in self.applied:
            return "applied"
        if path in self.free or any(p.endswith(".") and path.startswith(p) for p in self.free):
            return "free"
        return "fixed"


@dataclass(frozen=True)
class ResumePlan:
    """A checked resume: the checkpoint to load, its step, and the applied changes."""

    checkpoint: Path
    step: int
    changes: list[str]           # e.g. "--lr 0.001 -> 0.0001"
    skipped: list[str]           # newer checkpoints that were damaged
    payload: dict[str, Any]

    def describe(self) -> str:
        """One line for the command line."""
        text = t("recipes.resume.from", checkpoint=self.checkpoint, step=self.step)
        if self.changes:
            text += t("recipes.resume.changes", changes=", ".join(self.changes))
        return text


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return "none" if value is None else repr(value) if isinstance(value, str) else f"{value:g}" \
        if isinstance(value, float) else str(value)


def _flags(cls: type) -> dict[str, str]:
    """Field path -> the option that sets it (``--n-embd``; ``--bias`` for ``--no-bias``)."""
    return {o.path: o.flags[0].replace("--no-", "--") for o in recipe_options(cls)}


def _differences(saved: Mapping[str, Any], recipe: Any) -> list[tuple[str, Any, Any]]:
    """(path, saved value, requested value) for every field that differs."""
    now = dict(_flatten(dataclasses.asdict(recipe)))
    before = dict(_flatten(saved))
    return [(path, before.get(path), value) for path, value in now.items()
            if path in before and before[path] != value]


def _load_newest(checkpoint_dir: Path) -> tuple[Path, dict[str, Any], list[str]]:
    path, payload, problems = CheckpointManager(checkpoint_dir).load_latest()
    if payload is None:
        found = t("recipes.run.found", problems="; ".join(problems)) if problems else ""
        raise DlfsError(t("recipes.resume.no_checkpoint", folder=checkpoint_dir, found=found))
    return path, payload, problems


def plan_resume(recipe: Any, checkpoint_dir: str | Path, policy: ResumePolicy, *,
                fallback_recipe: Mapping[str, Any] | None = None) -> ResumePlan:
    """Check that ``recipe`` may continue the run in ``checkpoint_dir`` (see the module
    docstring); raise a :class:`DlfsError` naming the problem. ``fallback_recipe`` is the
    saved recipe for checkpoints that do not carry theirs (``run.json``)."""
    checkpoint_dir = Path(checkpoint_dir)
    path, payload, skipped = _load_newest(checkpoint_dir)
    saved = payload.get("extra", {}).get("recipe") or fallback_recipe or {}
    flags = _flags(type(recipe))
    diffs = _differences(saved, recipe)

    def show(items: list[tuple[str, Any, Any]]) -> list[str]:
        return [f"{flags.get(p, p)} {_show(old)} -> {_show(new)}" for p, old, new in items]

    fixed = [d for d in diffs if policy.kind(d[0]) == "fixed"]
    if fixed:
        raise DlfsError(t("recipes.resume.fixed", run=checkpoint_dir.parent,
                          diffs=", ".join(show(fixed))))
    step = int(payload["trainer"]["step"])
    if recipe.max_steps <= step:
        raise DlfsError(t("recipes.resume.done", run=checkpoint_dir.parent, step=step,
                          max_steps=recipe.max_steps, more=2 * step))
    applied = [d for d in diffs if policy.kind(d[0]) == "applied"]
    return ResumePlan(path, step, show(applied), skipped, payload)


def check_state_shapes(model: nn.Module, state: Mapping[str, Any], source: Path,
                       hint: str | None = None) -> None:
    """Raise a :class:`DlfsError` unless ``state`` has exactly ``model``'s parameter and
    buffer names and shapes (naming up to three that differ; ``hint`` ends the message)."""
    own = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    saved = {k: tuple(v.shape) for k, v in state.items() if hasattr(v, "shape")}
    problems = [t("recipes.resume.shape", key=k, saved=saved[k], now=own[k]) for k in own
                if k in saved and saved[k] != own[k]]
    problems += [t("recipes.resume.missing", key=k) for k in own if k not in saved]
    problems += [t("recipes.resume.unexpected", key=k) for k in saved if k not in own]
    if problems:
        raise DlfsError(t("recipes.resume.shapes", source=source, n=len(problems),
                          problems="; ".join(problems[:3]),
                          hint=hint or t("recipes.resume.shapes_hint")))


class RecordRecipe(Callback):
    """At the start of a run (after a resume loaded), store the recipe in the checkpoints
    and call ``on_start`` (e.g. write ``run.json``): a run is described only once it has
    started."""

    def __init__(self, recipe: Any, on_start: Callable[[], None] | None = None):
        self.recipe, self.on_start = dataclasses.asdict(recipe), on_start

    def on_train_begin(self, trainer: Any) -> None:
        trainer.checkpoint_extra["recipe"] = self.recipe
        if self.on_start is not None:
            self.on_start()
