"""`dlfs train <recipe>`, `dlfs sample`, `dlfs caption` and `dlfs chat` (parse, then call
the recipe; the recipes print).

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
from ..i18n import t
from ..textui import table
from .options import (
    DisplayWidthFormatter,
    HelpFormatter,
    add_options,
    check_paths,
    given_options,
)
from .registry import RECIPES, get_recipe, recipe_from_args, recipe_parser
from .sampling import SamplingConfig

__all__ = ["IMAGE_RECIPES", "cmd_caption", "cmd_chat", "cmd_sample", "cmd_train", "register"]


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
        raise DlfsError(t("recipes.train.out_of_memory", what=_first_line(exc),
                          name=entry.name)) from exc


def _out_of_memory(exc: BaseException) -> bool:
    """A failed allocation: Python's MemoryError or torch's CPU allocator refusing."""
    return isinstance(exc, MemoryError) or "can't allocate memory" in str(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[-1][:200] if text else type(exc).__name__


#: the recipes whose runs `dlfs sample` turns into a grid of images (run.json "kind")
IMAGE_RECIPES = ("vae", "ddpm", "gan")
#: `dlfs sample` options that only image runs take (dest -> flag)
IMAGE_OPTIONS = {"n_images": "--n-images", "digit": "--digit", "steps": "--steps",
                 "grid": "--grid"}
#: runs `dlfs sample` does not take, and the message key of the command that does what the
#: learner wants (its text takes ``{run}``)
OTHER_COMMANDS = {
    "sft": "recipes.sample.other.chat",
    "dpo": "recipes.sample.other.chat",
    "captioner": "recipes.sample.other.captioner",
    "clip": "recipes.sample.other.clip",
    "vit": "recipes.sample.other.vit",
    "bert": "recipes.sample.other.bert",
}


def cmd_caption(args: argparse.Namespace) -> int:
    """Print the caption a captioner run writes for one digit image, and its true digit."""
    from pathlib import Path

    from .captioner import caption_image

    text, label = caption_image(Path(args.run), args.index, split=args.split)
    print(t("recipes.caption.line", index=args.index, split=t(f"recipes.split.{args.split}"),
            label=label, text=text))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Talk to an instruction-tuned run (`dlfs train sft` / `dpo`): one answer with
    ``--once``, else a prompt loop on standard input."""
    from pathlib import Path

    from .chat import chat_main

    if args.once is not None and not args.once.strip():
        raise DlfsError(t("recipes.chat.once_empty"))
    return chat_main(Path(args.run), args.once)


def _run_kind(run: str) -> str | None:
    """The ``kind`` in the run.json of the run directory ``run`` (or of the run a checkpoint
    file belongs to); None when there is no readable one (the GPT path reports that)."""
    import json
    from pathlib import Path

    path = Path(run)
    info_file = (path if path.is_dir() else path.parent.parent) / "run.json"
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return info.get("kind") if isinstance(info, dict) else None


def cmd_sample(args: argparse.Namespace) -> int:
    """Continue a prompt with a saved GPT run and print the text; or, for a run of an image
    recipe (vae, ddpm, gan), write a grid of samples and print their quality."""
    from .sampling import load_run, sample_text

    try:
        sampling = SamplingConfig(**given_options(args, SamplingConfig))
    except ValueError as exc:
        raise DlfsError(str(exc)) from exc
    kind = _run_kind(args.run)
    if kind in IMAGE_RECIPES:
        return _sample_images(args, kind, sampling)
    if kind in OTHER_COMMANDS:
        raise DlfsError(t("recipes.sample.not_sampled", run=args.run, kind=kind,
                          images=", ".join(IMAGE_RECIPES))
                        + t(OTHER_COMMANDS[kind], run=args.run))
    given = [flag for dest, flag in IMAGE_OPTIONS.items() if getattr(args, dest) is not None]
    if given:
        raise DlfsError(t("recipes.sample.image_options_only", flags=", ".join(given),
                          images=", ".join(IMAGE_RECIPES), run=args.run))
    model, tokenizer, info = load_run(args.run)
    print(sample_text(model, tokenizer, sampling,
                      seed=sampling.seed_for(info["recipe"]["seed"])))
    return 0


def _sample_images(args: argparse.Namespace, kind: str, sampling: SamplingConfig) -> int:
    """``dlfs sample`` for a vae/ddpm/gan run: the recipe's ``generate`` makes the images,
    this writes the grid and measures them (:mod:`dlfs.generative.quality`)."""
    import importlib
    import json
    from pathlib import Path

    from ..generative.grid import save_grid
    from ..generative.quality import sample_quality

    text_options = [f"--{name.replace('_', '-')}" for name in given_options(args, SamplingConfig)
                    if name != "seed"]
    if text_options:
        raise DlfsError(t("recipes.sample.text_options_only", flags=", ".join(text_options),
                          run=args.run, kind=kind))
    n = 64 if args.n_images is None else args.n_images
    if n < 1:
        raise DlfsError(t("recipes.sample.n_images", n=n))
    if args.digit is not None and not 0 <= args.digit <= 9:
        raise DlfsError(t("recipes.sample.digit", digit=args.digit))
    path = Path(args.run)
    run_dir = path if path.is_dir() else path.parent.parent
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    module = importlib.import_module(get_recipe(kind).module)
    seed = sampling.seed_for(int(info.get("recipe", {}).get("seed", 0)))
    images = module.generate(run_dir, info, n=n, seed=seed, digit=args.digit,
                             steps=args.steps)
    # not the run's own samples.png (the end-of-training grid stays as the run left it)
    default = "sample.png" if args.digit is None else f"sample-digit{args.digit}.png"
    grid = save_grid(images, args.grid or run_dir / default)
    print(t("recipes.sample.images_saved", n=n, kind=kind, run_dir=run_dir, grid=grid))
    if n >= 10:
        print(sample_quality(images, requested=args.digit).describe())
    return 0


class _RawDescriptionFormatter(DisplayWidthFormatter):
    """The description as written (the recipe listing keeps its lines), the help of the
    arguments wrapped by display width."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "".join(indent + line for line in text.splitlines(keepends=True))


def register(sub: Any) -> None:
    """Add `train` and `sample` to the `dlfs` sub-command parser."""
    listing = "\n".join(table([[e.name, e.describe()] for e in RECIPES], indent="  ", gap=1))
    p = sub.add_parser("train", help=t("recipes.help.train"),
                       formatter_class=_RawDescriptionFormatter,
                       description=t("recipes.help.train.description", listing=listing))
    p.set_defaults(func=cmd_train)
    p.add_argument("recipe", choices=[e.name for e in RECIPES], metavar="RECIPE",
                   help=t("recipes.help.train.recipe",
                          names=", ".join(e.name for e in RECIPES)))
    rest = p.add_argument("options", nargs=argparse.REMAINDER,
                          help=t("recipes.help.train.options"))
    rest.required = False                 # `dlfs train gpt` alone is fine: the defaults

    p = sub.add_parser("sample", help=t("recipes.help.sample"), formatter_class=HelpFormatter,
                       description=t("recipes.help.sample.description"))
    p.set_defaults(func=cmd_sample)
    p.add_argument("--run", default="runs/gpt", metavar="DIR", help=t("recipes.help.sample.run"))
    add_options(p, SamplingConfig)
    images = p.add_argument_group(t("recipes.help.sample.images"))
    images.add_argument("--n-images", type=int, metavar="N",
                        help=t("recipes.help.sample.n_images"))
    images.add_argument("--digit", type=int, metavar="D", help=t("recipes.help.sample.digit"))
    images.add_argument("--steps", type=int, metavar="K", help=t("recipes.help.sample.steps"))
    images.add_argument("--grid", metavar="PNG", help=t("recipes.help.sample.grid"))

    p = sub.add_parser("caption", help=t("recipes.help.caption"), formatter_class=HelpFormatter,
                       description=t("recipes.help.caption.description"))
    p.set_defaults(func=cmd_caption)
    p.add_argument("--run", default="runs/captioner", metavar="DIR",
                   help=t("recipes.help.caption.run"))
    p.add_argument("index", type=int, metavar="IMAGE_INDEX",
                   help=t("recipes.help.caption.index"))
    p.add_argument("--split", choices=("test", "train"), default="test",
                   help=t("recipes.help.caption.split"))

    p = sub.add_parser("chat", help=t("recipes.help.chat"), formatter_class=HelpFormatter,
                       description=t("recipes.help.chat.description"))
    p.set_defaults(func=cmd_chat)
    p.add_argument("--run", default="runs/sft", metavar="DIR", help=t("recipes.help.chat.run"))
    p.add_argument("--once", metavar="QUESTION", help=t("recipes.help.chat.once"))
