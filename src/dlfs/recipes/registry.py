"""The recipes of ``dlfs train``: one explicit list. A new recipe plugs in here.

Each entry names a module that defines ``COMMAND``, a :class:`RecipeCommand`: the recipe's
frozen dataclass (its fields become the options of ``dlfs train <name>``), the ``--quick``
preset (field path -> value) and the function that runs it. The module is imported only
when its recipe is trained or asked for ``--help``, so ``dlfs list`` does not load torch.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import DlfsError, UnknownNameError, closest
from ..i18n import t
from .options import (
    HelpFormatter,
    OneLineErrorParser,
    add_options,
    given_options,
    replace_nested,
)

__all__ = ["RECIPES", "RecipeCommand", "RecipeEntry", "UnknownRecipeError", "get_recipe",
           "recipe_from_args", "recipe_parser"]


class UnknownRecipeError(UnknownNameError):
    """A ``dlfs train`` recipe name that the registry does not know."""

    what, listing = "recipe", "dlfs train --help"


@dataclass(frozen=True)
class RecipeCommand:
    """What ``dlfs train <name>`` runs: ``run(recipe, quick)`` prints and returns the exit
    code; ``quick`` tells it that the ``--quick`` preset was applied."""

    recipe: type                               # a frozen dataclass, default-constructible
    quick: Mapping[str, Any]                   # the --quick preset: field path -> value
    run: Callable[[Any, bool], int]


@dataclass(frozen=True)
class RecipeEntry:
    """One ``dlfs train`` recipe: its name, a line of help and the module with ``COMMAND``."""

    name: str
    help: str
    module: str

    def describe(self) -> str:
        """The line of help in the current language (``help`` is the English one)."""
        try:
            return t(f"recipes.help.recipe.{self.name}")
        except KeyError:                  # a recipe without a catalogue line: the English one
            return self.help

    def load(self) -> RecipeCommand:
        """Import the recipe's module (and torch with it) and return its ``COMMAND``."""
        return importlib.import_module(self.module).COMMAND


RECIPES: tuple[RecipeEntry, ...] = (
    RecipeEntry("gpt", "the capstone: the from-scratch GPT on a text corpus, then a sample",
                "dlfs.recipes.gpt"),
    RecipeEntry("charrnn", "character-level RNN / LSTM / GRU language models",
                "dlfs.recipes.charrnn"),
    RecipeEntry("transformer", "the encoder-decoder Transformer on dates, sort or copy",
                "dlfs.recipes.seq2seq_transformer"),
    RecipeEntry("mnist", "the documented CNN on the four MNIST IDX files",
                "dlfs.recipes.mnist"),
    RecipeEntry("finetune", "transfer learning: a frozen zoo CNN backbone, a new head",
                "dlfs.recipes.finetune"),
    RecipeEntry("kaggle-digits", "Kaggle's Digit Recognizer: CSVs in, k-fold LeNet-5, "
                "submission.csv out", "dlfs.recipes.kaggle_digits"),
    RecipeEntry("kaggle-titanic", "Kaggle's Titanic: engineered features, stratified k-fold "
                "logistic regression / MLP, submission.csv out", "dlfs.recipes.titanic"),
    RecipeEntry("vae", "a convolutional VAE on the digits (beta as an option), then a sample "
                "grid", "dlfs.recipes.vae"),
    RecipeEntry("ddpm", "a DDPM with a small U-Net, classifier-free guidance and DDIM "
                "sampling, on the digits", "dlfs.recipes.ddpm"),
    RecipeEntry("gan", "a DCGAN on the digits, non-saturating or WGAN-GP loss",
                "dlfs.recipes.gan"),
    RecipeEntry("clip", "a CLIP-style dual encoder on digits with English and Chinese "
                "captions; zero-shot accuracy", "dlfs.recipes.clip"),
    RecipeEntry("captioner", "a frozen GPT captions digits through a trained Q-Former "
                "(a miniature BLIP-2)", "dlfs.recipes.captioner"),
    RecipeEntry("vit", "a Vision Transformer on the digits, beside a CNN of similar size",
                "dlfs.recipes.vit"),
    RecipeEntry("bert", "BERT: masked-language-model pre-training, then fine-tuning a "
                "classifier (compared with training from scratch)", "dlfs.recipes.bert"),
    RecipeEntry("sft", "instruction tuning of the capstone GPT on offline instructions, with "
                "a chat template", "dlfs.recipes.sft"),
    RecipeEntry("dpo", "DPO on preference pairs ranked by a verifiable rule, from an SFT run",
                "dlfs.recipes.dpo"),
)


def get_recipe(name: str) -> RecipeEntry:
    """The registry entry called ``name``."""
    for entry in RECIPES:
        if entry.name == name:
            return entry
    names = [e.name for e in RECIPES]
    raise UnknownRecipeError(name, closest(name, names), names)


def recipe_parser(entry: RecipeEntry, command: RecipeCommand) -> argparse.ArgumentParser:
    """``dlfs train <name>``'s own parser: one option per recipe setting, plus ``--quick``."""
    parser = OneLineErrorParser(
        prog=f"dlfs train {entry.name}",
        description=t("recipes.help.parser.description", what=entry.describe()),
        formatter_class=HelpFormatter,
        epilog=t("recipes.help.parser.epilog",
                 cls=f"{command.recipe.__module__}.{command.recipe.__name__}"))
    options = add_options(parser, command.recipe, command.quick)
    flags = {o.path: o.flags[0] for o in options}
    if set(command.quick) - set(flags):
        raise TypeError(f"{entry.name}: the --quick preset sets what no option sets: "
                        f"{sorted(set(command.quick) - set(flags))}")
    preset = ", ".join(f"{flags[path]} {value}" for path, value in command.quick.items())
    parser.add_argument("--quick", action="store_true",
                        help=t("recipes.help.parser.quick", preset=preset).replace("%", "%%"))
    return parser


def recipe_from_args(command: RecipeCommand, args: argparse.Namespace) -> Any:
    """The recipe the command line asks for: defaults, then the ``--quick`` preset if given,
    then every option given. An invalid value is a :class:`DlfsError` naming the setting."""
    changes = dict(command.quick) if args.quick else {}
    changes.update(given_options(args, command.recipe))
    try:
        return replace_nested(command.recipe(), changes)
    except ValueError as exc:
        raise DlfsError(str(exc)) from exc

