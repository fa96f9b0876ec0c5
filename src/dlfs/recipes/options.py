"""Command-line options generated from a frozen dataclass, and back.

A recipe is a frozen dataclass whose fields may nest other dataclasses (``GPTRecipe.model`` is
a :class:`~dlfs.models.GPTConfig`). :func:`recipe_options` walks the fields and makes one
:class:`Option` per setting: the flag is the field's name (``n_embd`` -> ``--n-embd``), the
type and the default are the field's, the help text comes from the field's metadata. So a
setting has one name and one default, from the flag to the layer.

Field metadata (``field(default=..., metadata={...})``), every key optional:

    help      what the setting does, for ``--help``
    help_zh   the same in Chinese (``dlfs --lang zh``); every option has one, see
              :func:`help_problems`
    aliases   extra flags a learner types daily, e.g. ``("--steps",)`` for ``max_steps``
    choices   the allowed values (a ``Literal[...]`` annotation gives them too)
    metavar   the placeholder in ``--help`` (default: N, X or TEXT, from the type)
    internal  not offered on the command line; says who sets it ("set from the tokenizer")
    prefix    on a nested dataclass: before its fields' flags (``"sample_"``: ``--sample-tokens``)
    path      the value names a path: ``"out-dir"`` (a directory to write into, made if
              missing), ``"in-dir"`` or ``"in-file"``; :func:`check_paths` checks it
    min, max  inclusive bounds of a number; ``above``, ``below`` exclusive ones. A
              dataclass's ``__post_init__`` calls :func:`check_fields` to enforce them
              (``None`` is always allowed for an ``X | None`` field)

Types: ``int``, ``float`` (finite: ``nan`` and ``inf`` are refused), ``str``, ``bool``
(``--x`` when it defaults to False, ``--no-x`` when it defaults to True), ``X | None`` (the
word ``none`` gives None) and ``Literal``.
The parser's namespace holds only the options given (field path -> value), so a ``--quick``
preset can sit under them: :func:`replace_nested` applies both to the default recipe.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import shlex
import textwrap
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import i18n
from ..i18n import t
from ..textui import display_width

__all__ = ["DisplayWidthFormatter", "HelpFormatter", "OneLineErrorParser", "Option",
           "add_options", "check_bounds", "check_choices", "check_fields", "check_paths",
           "command_line", "flat_values", "from_dict", "given_options", "help_problems",
           "internal_fields", "recipe_options", "replace_nested", "wrap_display"]

_METAVARS = {int: "N", float: "X", str: "TEXT"}


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit status 2, as argparse's):
    ``dlfs train gpt: error: argument --steps: invalid int value: 'x' (see `dlfs train gpt
    --help`)``, like every other ``dlfs`` error, instead of the whole usage text first."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, t("recipes.options.usage_error", prog=self.prog, message=message) + "\n")


#: no line starts with these (they stay with the character before) …
_NO_LINE_START = set("，。；：、！？）》」』”’.,;:!?)]")
#: … and no line ends with these (they stay with the character after)
_NO_LINE_END = set("（《「『“‘([")


def _narrow(text: str) -> bool:
    """Every character one column wide (English): argparse's own wrapping is right."""
    return display_width(text) == len(text)


def wrap_display(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` terminal columns, a Chinese character counting
    two: lines break at spaces or between Chinese characters, never inside a latin word or
    before a closing mark (，。）…).

    >>> wrap_display("用 `dlfs train gpt` 训练，然后采样。", 16)
    ['用 `dlfs train', 'gpt` 训练，然后', '采样。']
    """
    units: list[str] = []                  # unbreakable pieces; " " marks a space
    for word in text.split(" "):
        if units:
            units.append(" ")
        for ch in word:
            glue = units and units[-1] != " " and (
                ch in _NO_LINE_START or units[-1][-1] in _NO_LINE_END
                or (display_width(ch) == 1 and display_width(units[-1][-1]) == 1))
            if glue:
                units[-1] += ch
            else:
                units.append(ch)
    lines: list[str] = []
    line = ""
    for unit in units:
        if unit == " ":
            line += " " if line else ""
            continue
        if line and display_width(line + unit) > width:
            lines.append(line.rstrip())
            line = ""
        line += unit
    if line.strip():
        lines.append(line.rstrip())
    return lines


class DisplayWidthFormatter(argparse.HelpFormatter):
    """argparse's formatter, but a help text or description with Chinese in it wraps by
    terminal columns (argparse counts characters, so Chinese lines came out twice too wide);
    an English text is wrapped exactly as argparse does."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        if _narrow(text):
            return super()._split_lines(text, width)
        return wrap_display(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if _narrow(text):
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line
                         for line in wrap_display(" ".join(text.split()), width - len(indent)))


class HelpFormatter(DisplayWidthFormatter):
    """:class:`DisplayWidthFormatter`, but a line never breaks inside a flag
    (``--dim-feedforward``)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        if _narrow(text):
            return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)
        return super()._split_lines(text, width)


@dataclass(frozen=True)
class Option:
    """One command-line option and the dataclass field behind it."""

    path: str                      # field path in the recipe, e.g. "model.n_embd"
    flags: tuple[str, ...]         # ("--n-embd",); the first is the field's own name
    kind: type                     # int, float, str or bool
    optional: bool                 # the annotation is `X | None`
    choices: tuple[Any, ...] | None
    default: Any                   # the value in the default recipe
    help: str
    metavar: str | None


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` -> (X, True); anything else -> (annotation, False)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"options: unsupported union {annotation}")
        return args[0], True
    return annotation, False


def _choices(annotation: Any, metadata: Mapping[str, Any]) -> tuple[Any, ...] | None:
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)
    return tuple(metadata["choices"]) if "choices" in metadata else None


def _leaves(cls: type, default: Any, path: str = "", flag_prefix: str = ""
            ) -> Iterator[tuple[str, str, dataclasses.Field, Any, Any]]:
    """(path, flag name, field, annotation, default) for every non-dataclass field, nested
    dataclasses flattened depth-first in field order."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        value = getattr(default, f.name)
        if dataclasses.is_dataclass(hints[f.name]):
            yield from _leaves(hints[f.name], value, f"{path}{f.name}.",
                               flag_prefix + f.metadata.get("prefix", ""))
        else:
            yield f"{path}{f.name}", flag_prefix + f.name, f, hints[f.name], value


def flat_values(recipe: Any) -> dict[str, Any]:
    """``{"max_steps": 3000, "model.n_layer": 4, ...}``: every leaf field of a recipe, nested
    dataclasses flattened as the options are."""
    return {path: value for path, _, _, _, value in _leaves(type(recipe), recipe)}


def internal_fields(cls: type) -> list[str]:
    """Paths of the fields marked ``internal`` (set by the code, not offered as options)."""
    return [path for path, _, f, _, _ in _leaves(cls, cls()) if f.metadata.get("internal")]


def recipe_options(cls: type) -> list[Option]:
    """One :class:`Option` per field of ``cls`` (nested dataclasses flattened), internal
    fields left out. Raises TypeError on a type it cannot offer or a flag given twice."""
    options, seen = [], {}
    for path, name, f, annotation, default in _leaves(cls, cls()):
        if f.metadata.get("internal"):
            continue
        kind, optional = _unwrap(annotation)
        choices = _choices(kind, f.metadata)
        if choices is not None:
            kind = type(choices[0])
        if kind not in (int, float, str, bool):
            raise TypeError(f"options: {cls.__name__}.{path} has type {annotation}, which "
                            "the command line cannot give (int, float, str, bool, Literal)")
        flag = "--" + ("no-" if kind is bool and default else "") + name.replace("_", "-")
        option = Option(path, (flag, *f.metadata.get("aliases", ())), kind, optional,
                        choices, default, _field_help(f.metadata),
                        f.metadata.get("metavar"))
        for flag in option.flags:
            if flag in seen:
                raise TypeError(f"options: {flag} would set both {seen[flag]} and {path}")
            seen[flag] = path
        options.append(option)
    return options


def _field_help(metadata: Mapping[str, Any]) -> str:
    """A field's help in the current language: ``help_zh`` in Chinese (when it has one)."""
    if i18n.lang() == "zh" and metadata.get("help_zh"):
        return metadata["help_zh"]
    return metadata.get("help", "")


def help_problems(cls: type) -> list[str]:
    """What is wrong with the Chinese help of ``cls``'s options and sections (nested
    dataclasses): a missing ``help_zh``, one without Chinese in it, English words left in it
    (the rules of :func:`dlfs.i18n.problems`). Empty when every option can be shown in
    Chinese."""
    import re

    texts: dict[str, tuple[str, str]] = {}

    def walk(c: type, prefix: str) -> None:
        hints = typing.get_type_hints(c)
        for f in dataclasses.fields(c):
            if not f.metadata.get("internal"):
                texts[prefix + f.name] = (f.metadata.get("help", ""),
                                          f.metadata.get("help_zh", ""))
                if dataclasses.is_dataclass(hints[f.name]):
                    walk(hints[f.name], f"{prefix}{f.name}.")

    walk(cls, f"{cls.__name__}.")
    out = i18n.problems(texts)
    out += [f"{key}: no Chinese in the Chinese text" for key, (_, zh) in texts.items()
            if zh.strip() and not re.search(r"[\u4e00-\u9fff]", zh)]
    return out


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return t("recipes.help.value.on") if value else t("recipes.help.value.off")
    return repr(value) if isinstance(value, str) else str(value)


def _help(option: Option, quick: Mapping[str, Any]) -> str:
    text = option.help
    if option.kind is bool:
        text += t("recipes.help.option.on_by_default") if option.default else ""
    elif option.default is not None:
        text += t("recipes.help.option.default_or_none" if option.optional
                  else "recipes.help.option.default", value=_show(option.default))
    if option.path in quick:
        text += t("recipes.help.option.quick", value=_show(quick[option.path]))
    return text.replace("%", "%%")                      # argparse formats help with %


def _converter(option: Option) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        if option.optional and text.lower() == "none":
            return None
        value = option.kind(text)
        if option.kind is float and not math.isfinite(value):   # argparse names the option
            raise argparse.ArgumentTypeError(t("recipes.options.not_finite", text=text))
        return value

    convert.__name__ = (t("recipes.options.or_none", kind=option.kind.__name__)
                        if option.optional else option.kind.__name__)
    return convert


def _groups(parser: argparse.ArgumentParser, cls: type) -> dict[str, Any]:
    """One help section per nested dataclass (e.g. "model (dlfs.models.gpt.GPTConfig)"),
    keyed by the field's name; its metadata "help" describes the section."""
    groups: dict[str, Any] = {"": parser}
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        if dataclasses.is_dataclass(kind):
            title = f"{f.name} ({kind.__module__}.{kind.__name__})"
            groups[f.name] = parser.add_argument_group(
                title, _field_help(f.metadata).replace("%", "%%") or None)
    return groups


def add_options(parser: argparse.ArgumentParser, cls: type,
                quick: Mapping[str, Any] | None = None) -> list[Option]:
    """Add every option of ``cls`` to ``parser`` (dest = field path; an option not given is
    absent from the namespace), the fields of each nested dataclass in a section of their
    own. ``quick`` (field path -> value) is shown in the help."""
    options = recipe_options(cls)
    groups = _groups(parser, cls)
    for option in options:
        kw: dict[str, Any] = {"dest": option.path, "default": argparse.SUPPRESS,
                              "help": _help(option, quick or {})}
        if option.kind is bool:
            kw["action"] = "store_false" if option.default else "store_true"
        else:
            kw["type"] = _converter(option)
            kw["metavar"] = option.metavar or _METAVARS[option.kind]
            if option.choices is not None:
                shown = [*option.choices, *(["none"] if option.optional else [])]
                kw["choices"] = [*option.choices, *([None] if option.optional else [])]
                kw["metavar"] = option.metavar or "{" + ",".join(map(str, shown)) + "}"
        groups[option.path.partition(".")[0] if "." in option.path else ""].add_argument(
            *option.flags, **kw)
    return options


def given_options(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    """The options of ``cls`` that were given on the command line: field path -> value."""
    given = vars(args)
    return {o.path: given[o.path] for o in recipe_options(cls) if o.path in given}


def replace_nested(obj: Any, changes: Mapping[str, Any]) -> Any:
    """``dataclasses.replace`` with field paths: ``replace_nested(recipe, {"max_steps": 10,
    "model.n_embd": 64})``. Each dataclass is rebuilt once, so it validates its final values.
    """
    direct: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    names = {f.name for f in dataclasses.fields(obj)}
    for path, value in changes.items():
        head, _, rest = path.partition(".")
        if head not in names:
            raise ValueError(t("recipes.options.no_setting", cls=type(obj).__name__, head=head))
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            direct[head] = value
    for head, sub in nested.items():
        direct[head] = replace_nested(direct.get(head, getattr(obj, head)), sub)
    return dataclasses.replace(obj, **direct)


def _get(obj: Any, path: str) -> Any:
    for name in path.split("."):
        obj = getattr(obj, name)
    return obj


def print_next(commands: Sequence[tuple[str, str]]) -> None:
    """The "Next:" block of a recipe: one pasteable command per line and, after ``#``, why;
    the comments line up by display width whatever the commands' lengths."""
    from ..textui import table

    print(t("recipes.next"))
    print("\n".join(table([[command, f"# {why}"] for command, why in commands],
                           indent="  ", gap=1)))


def command_line(words: Sequence[str], recipe: Any, base: Any) -> str:
    """The command that rebuilds ``recipe`` from ``base`` (the default recipe, or the
    ``--quick`` one when ``words`` end in ``--quick``): ``words`` then one flag per setting
    that differs, e.g. ``dlfs train gpt --quick --max-steps 60 --resume``."""
    parts = list(words)
    for option in recipe_options(type(recipe)):
        value = _get(recipe, option.path)
        if value == _get(base, option.path):
            continue
        if option.kind is bool:
            if value != option.default:               # a flag sets only the other value
                parts.append(option.flags[0])
            continue
        parts += [option.flags[0], "none" if value is None else shlex.quote(str(value))]
    return " ".join(parts)


def from_dict(cls: type, data: Mapping[str, Any]) -> Any:
    """Rebuild a (nested) dataclass from ``dataclasses.asdict`` output (e.g. a saved run)."""
    hints = typing.get_type_hints(cls)
    kwargs = {name: from_dict(hints[name], value) if dataclasses.is_dataclass(hints[name])
              else value for name, value in data.items()}
    return cls(**kwargs)


_BOUNDS = {"min": (">=", lambda v, b: v >= b), "above": (">", lambda v, b: v > b),
           "max": ("<=", lambda v, b: v <= b), "below": ("<", lambda v, b: v < b)}


def check_bounds(obj: Any) -> None:
    """Raise ValueError if a number field is outside its metadata bounds (``min``, ``above``,
    ``max``, ``below``), e.g. ``GPTRecipe: seed must be >= 0, got -1``.

    >>> @dataclass(frozen=True)
    ... class C:
    ...     p: float = dataclasses.field(default=0.5, metadata={"min": 0, "below": 1})
    >>> check_bounds(C(p=1.0))
    Traceback (most recent call last):
    ...
    ValueError: C: p must be < 1, got 1.0
    """
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        for key, (sign, ok) in _BOUNDS.items():
            if key in f.metadata and not ok(value, f.metadata[key]):
                raise ValueError(t("recipes.options.out_of_bounds", cls=type(obj).__name__,
                                   name=f.name, sign=sign, bound=f.metadata[key], value=value))


def check_fields(obj: Any) -> None:
    """:func:`check_choices` and :func:`check_bounds`: what a recipe's ``__post_init__``
    calls first."""
    check_choices(obj)
    check_bounds(obj)


def check_choices(obj: Any) -> None:
    """Raise ValueError if a field with choices (``Literal`` or metadata) holds another value;
    frozen dataclasses call it from ``__post_init__``."""
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        kind, optional = _unwrap(hints[f.name])
        choices = _choices(kind, f.metadata)
        value = getattr(obj, f.name)
        if choices is not None and value not in choices and not (optional and value is None):
            raise ValueError(t("recipes.options.not_a_choice", cls=type(obj).__name__,
                               name=f.name, choices=", ".join(map(repr, choices)),
                               value=value))


_PATH_KINDS = ("out-dir", "in-dir", "in-file")


def _path_problem(kind: str, path: Path) -> str | None:
    """What is wrong with ``path`` for a field of this ``kind`` (None: nothing)."""
    if kind == "out-dir":
        if path.exists() and not path.is_dir():
            return t("recipes.options.path.out_dir_is_file")
        ancestor = next((a for a in path.parents if a.exists()), None)
        if ancestor is not None and not ancestor.is_dir():
            return t("recipes.options.path.cannot_make", ancestor=ancestor)
    elif kind == "in-dir" and path.exists() and not path.is_dir():
        return t("recipes.options.path.in_dir_is_file")
    elif kind == "in-file":
        if path.is_dir():
            return t("recipes.options.path.in_file_is_dir")
        if not path.exists():
            return t("recipes.options.path.in_file_missing")
    return None


def check_paths(recipe: Any) -> None:
    """Raise ValueError naming the option when a path field (metadata ``"path"``) holds a
    path of the wrong kind, e.g. ``--out-dir/--out runs/x: expected a directory to write
    into (or a new path), found a file``. ``None`` values are skipped."""
    for path, _, f, _, _ in _leaves(type(recipe), recipe):
        kind = f.metadata.get("path")
        value = _get(recipe, path)
        if kind is None or value is None:
            continue
        if kind not in _PATH_KINDS:
            raise TypeError(f"options: {path} has path kind {kind!r}, not one of {_PATH_KINDS}")
        problem = _path_problem(kind, Path(value))
        if problem:
            flags = next(o.flags for o in recipe_options(type(recipe)) if o.path == path)
            raise ValueError(t("recipes.options.path.problem", flags="/".join(flags),
                               value=value, problem=problem))
