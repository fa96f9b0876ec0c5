"""What to try after a recipe's run went non-finite: one line, with a complete command.

The NaN/Inf guard (:class:`dlfs.train.NaNGuard`) stops a run at the first NaN or Inf and
names where it began; :func:`nonfinite_advice` adds what a learner can change, built from
the recipe's own options: a lower ``--lr`` (the recipe's default, or a tenth of a rate that
is already at or below it; the ``--quick`` preset counts as the default), ``--grad-clip 1``
when clipping is off, ``--amp none`` when bfloat16 is on; and the command that applies
them — with ``--resume`` from the last finite checkpoint when the recipe can resume and one
was written.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..i18n import t
from .options import command_line, replace_nested
from .registry import RecipeCommand

__all__ = ["nonfinite_advice", "safer_recipe"]


def _fields(recipe: Any) -> set[str]:
    return {f.name for f in dataclasses.fields(recipe)}


def safer_recipe(recipe: Any, default: Any) -> tuple[Any, list[str]]:
    """``recipe`` with the settings that most often cause NaN made safer, and what changed;
    ``default`` is the recipe a learner starts from (with the ``--quick`` preset if given)."""
    fields, changes, notes = _fields(recipe), {}, []
    if "lr" in fields:
        lr = default.lr if recipe.lr > default.lr else recipe.lr / 10
        changes["lr"] = lr
        notes.append(t("recipes.advice.lr", old=recipe.lr, new=lr))
    if "grad_clip" in fields and recipe.grad_clip is None:
        changes["grad_clip"] = 1.0
        notes.append(t("recipes.advice.clip"))
    if "amp" in fields and recipe.amp is not None:
        changes["amp"] = None
        notes.append(t("recipes.advice.amp"))
    return replace_nested(recipe, changes), notes


def nonfinite_advice(exc: Any, name: str, command: RecipeCommand, recipe: Any,
                     quick: bool) -> str:
    """The guard's message, then what to try and the command that does it (one line).
    ``exc.recipe``, when a recipe set it, is the run that failed (one cell of several)."""
    failed = getattr(exc, "recipe", None) or recipe
    default = command.recipe()
    base = replace_nested(default, command.quick) if quick else default
    words = ["dlfs", "train", name, *(["--quick"] if quick else [])]
    safer, notes = safer_recipe(failed, base)
    tried = (t("recipes.advice.try", notes=t("recipes.advice.sep").join(notes)) if notes
             else t("recipes.advice.look"))
    checkpoint = getattr(exc, "checkpoint", None)
    if "resume" in _fields(failed) and checkpoint is not None:
        again = command_line(words, dataclasses.replace(safer, resume=True), base)
        step = Path(checkpoint).stem.removeprefix("step-").lstrip("0") or "0"
        return t("recipes.advice.resume", exc=exc, tried=tried, checkpoint=checkpoint,
                 step=step, again=again)
    if "resume" in _fields(failed):
        safer = dataclasses.replace(safer, resume=False)
    again = command_line(words, safer, base)
    return t("recipes.advice.restart", exc=exc, tried=tried, again=again)
