"""`dlfs train <recipe>` and `dlfs sample` (parse, then call the recipe; the recipes print).

``dlfs train`` reads the recipe's name, then hands the rest of the command line to that
recipe's own parser (:func:`dlfs.recipes.registry.recipe_parser`), whose options are generated
from the recipe's dataclass: ``dlfs train gpt --help`` lists exactly the GPT's settings with
their defaults, and an option of another recipe is an argparse error. The recipe's module
(and torch) is imported only then, so ``dlfs list`` stays fast.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import DlfsError
from .options import HelpFormatter, add_options, check_paths, given_options
from .registry import RECIPES, get_recipe, recipe_from_args, recipe_parser
from .sampling import SamplingConfig

__all__ = ["cmd_sample", "cmd_train", "register"]


def cmd_train(args: argparse.Namespace) -> int:
    """Parse the recipe's options, build and check the recipe, run it. What goes wrong
    because of the options becomes a one-line :class:`DlfsError`: a path of the wrong kind,
    a run that went NaN (with what to try, see :mod:`dlfs.recipes.advice`), a step larger
    than the memory."""
    from ..train import NonFiniteError
    from .advice import nonfinite_advice

    entry = get_recipe(args.recipe)
    command = entry.load()
    options = recipe_parser(entry, command).parse_args(args.options)
    recipe = recipe_from_args(command, options)
    try:
        check_paths(recipe)
    except ValueError as exc:
        raise DlfsError(str(exc)) from exc
    try:
        return command.run(recipe, options.quick)
    except NonFiniteError as exc:
        raise DlfsError(nonfinite_advice(exc, entry.name, command, recipe,
                                         options.quick)) from exc
    except (MemoryError, RuntimeError) as exc:
        if not _out_of_memory(exc):
            raise
        raise DlfsError(f"out of memory while training ({_first_line(exc)}); give smaller "
                        f"sizes (see `dlfs train {entry.name} --help`)") from exc


def _out_of_memory(exc: BaseException) -> bool:
    """A failed allocation: Python's MemoryError or torch's CPU allocator refusing."""
    return isinstance(exc, MemoryError) or "can't allocate memory" in str(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[-1][:200] if text else type(exc).__name__


def cmd_sample(args: argparse.Namespace) -> int:
    """Continue a prompt with a saved GPT run and print the text."""
    from .sampling import load_run, sample_text

    try:
        sampling = SamplingConfig(**given_options(args, SamplingConfig))
    except ValueError as exc:
        raise DlfsError(str(exc)) from exc
    model, tokenizer, info = load_run(args.run)
    print(sample_text(model, tokenizer, sampling,
                      seed=sampling.seed_for(info["recipe"]["seed"])))
    return 0


def register(sub: Any) -> None:
    """Add `train` and `sample` to the `dlfs` sub-command parser."""
    listing = "\n".join(f"  {e.name:<14} {e.help}" for e in RECIPES)
    p = sub.add_parser("train", help="train a model (the capstone: `dlfs train gpt`)",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=f"Train a model with one of the recipes:\n\n{listing}\n\n"
                                   "`dlfs train RECIPE --help` lists the recipe's options "
                                   "and their defaults.")
    p.set_defaults(func=cmd_train)
    p.add_argument("recipe", choices=[e.name for e in RECIPES], metavar="RECIPE",
                   help="what to train: " + ", ".join(e.name for e in RECIPES))
    rest = p.add_argument("options", nargs=argparse.REMAINDER,
                          help="the recipe's options (see `dlfs train RECIPE --help`)")
    rest.required = False                 # `dlfs train gpt` alone is fine: the defaults

    p = sub.add_parser("sample", help="sample text from a trained GPT run",
                       formatter_class=HelpFormatter,
                       description="Continue a prompt with a run of `dlfs train gpt` "
                                   "(its directory, or a checkpoint file inside it).")
    p.set_defaults(func=cmd_sample)
    p.add_argument("--run", default="runs/gpt", metavar="DIR",
                   help="run directory or checkpoint file (default: 'runs/gpt')")
    add_options(p, SamplingConfig)
