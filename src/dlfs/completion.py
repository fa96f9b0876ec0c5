"""``dlfs completion bash|zsh``: a shell completion script generated from the parser.

`shtab <https://github.com/iterative/shtab>`_ turns the argparse tree into a script: the
sub-commands and their options complete from it directly. Two things are added first:

* ``dlfs train`` parses a recipe's options itself (one parser per recipe, built when the
  recipe runs); for completion every recipe gets its own sub-parser, so ``dlfs train gpt --``
  completes that recipe's options;
* positional ids complete from the registries: lesson ids (``dlfs run``, ``dlfs check``),
  exercise ids (``dlfs exercise start|check|...``) and gym problem ids (``dlfs gym show|...``).

The script is static: regenerate it after an upgrade that adds lessons or options.
"""

from __future__ import annotations

import argparse
from functools import cache

import shtab

SHELLS = ("bash", "zsh")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return {}


@cache
def _ids(kind: str) -> tuple[str, ...]:
    if kind == "lessons":
        from .curriculum import all_lessons

        return tuple(x.id for x in all_lessons())
    if kind == "exercises":
        from .exercises.bank import all_exercises

        return tuple(x.id for x in all_exercises())
    from .gym.problems import PROBLEMS

    return tuple(p.id for p in PROBLEMS)


def _complete_ids(action: argparse.Action, kind: str) -> None:
    action.complete = {"bash": f"_dlfs_{kind}", "zsh": f"({' '.join(_ids(kind))})"}


def _train_per_recipe(train: argparse.ArgumentParser) -> None:
    """Replace ``train RECIPE OPTIONS...`` by one sub-parser per recipe, with its options."""
    from .recipes.registry import RECIPES, recipe_parser

    drop = [a for a in train._actions if a.dest in ("recipe", "options")]
    for action in drop:
        train._remove_action(action)
        for group in train._action_groups:
            if action in group._group_actions:
                group._group_actions.remove(action)
    recipes = train.add_subparsers(dest="recipe", metavar="RECIPE")
    for entry in RECIPES:
        own = recipe_parser(entry, entry.load())
        parser = recipes.add_parser(entry.name, help=entry.help)
        for action in own._actions:
            if action.option_strings and "-h" not in action.option_strings:
                parser._add_action(action)


def completion_parser() -> argparse.ArgumentParser:
    """The ``dlfs`` parser as completion sees it (see the module docstring)."""
    from .cli import build_parser

    parser = build_parser()
    commands = _subcommands(parser)
    _train_per_recipe(commands["train"])
    for name in ("run", "check"):
        for action in commands[name]._actions:
            if action.dest == "lesson":
                _complete_ids(action, "lessons")
    for group, dest, kind in (("exercise", "exercise", "exercises"), ("gym", "id", "gym")):
        for sub in _subcommands(commands[group]).values():
            for action in sub._actions:
                if action.dest == dest and not action.option_strings:
                    _complete_ids(action, kind)
    for name in ("sample", "caption", "chat"):
        for action in commands[name]._actions:
            if action.dest == "run":
                action.complete = shtab.DIRECTORY
    return parser


def script(shell: str) -> str:
    """The completion script for ``shell`` (``bash`` or ``zsh``)."""
    parser = completion_parser()
    preamble = ""
    if shell == "bash":
        preamble = "\n".join(
            f'_dlfs_{kind}() {{ compgen -W "{" ".join(_ids(kind))}" -- "$1"; }}'
            for kind in ("lessons", "exercises", "gym"))
    return shtab.complete(parser, shell=shell, preamble=preamble)
