"""`dlfs train <recipe>`: options generated from the recipe dataclasses, one registry.

Each recipe's settings have one name and one default, from the flag to the layer: the
options, their help and their defaults come from the dataclass fields; another recipe's
option is an argparse error; `--quick` is a preset of field values.
"""

from __future__ import annotations

import dataclasses
import shlex
import typing
from dataclasses import dataclass, field

import pytest

from dlfs.cli import main
from dlfs.models import GPTConfig
from dlfs.recipes.gpt import QUICK, GPTRecipe, build_model
from dlfs.recipes.options import (
    command_line,
    internal_fields,
    recipe_options,
    replace_nested,
)
from dlfs.recipes.registry import RECIPES, RecipeCommand, recipe_from_args, recipe_parser
from dlfs.recipes.sampling import SamplingConfig

NAMES = [entry.name for entry in RECIPES]


def _leaf_paths(cls: type, prefix: str = "") -> set[str]:
    """Every non-dataclass field of ``cls``, nested ones as dotted paths (walked here by
    hand, independently of the generator)."""
    hints = typing.get_type_hints(cls)
    paths = set()
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[f.name]):
            paths |= _leaf_paths(hints[f.name], f"{prefix}{f.name}.")
        else:
            paths.add(prefix + f.name)
    return paths


def _help(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    return " ".join(capsys.readouterr().out.split())        # argparse wraps lines


@pytest.mark.parametrize("entry", RECIPES, ids=NAMES)
def test_every_field_is_an_option_or_internal_and_every_option_a_field(entry):
    command = entry.load()
    options = recipe_options(command.recipe)
    offered = {o.path for o in options}
    internal = set(internal_fields(command.recipe))
    assert offered | internal == _leaf_paths(command.recipe) and not offered & internal
    parser = recipe_parser(entry, command)
    dests = {a.dest for a in parser._actions} - {"help", "quick"}
    assert dests == offered                                   # nothing else on the command line
    assert set(command.quick) <= offered                      # the preset sets real fields
    default = command.recipe()
    for option in options:                                    # flags follow field names
        assert option.flags[0].lstrip("-").removeprefix("no-").replace("-", "_") \
            .endswith(option.path.rsplit(".", 1)[-1])
        value = default
        for name in option.path.split("."):
            value = getattr(value, name)
        assert value == option.default


@pytest.mark.parametrize("entry", RECIPES, ids=NAMES)
def test_help_shows_the_recipes_own_options_and_defaults(entry, capsys):
    text = _help(capsys, "train", entry.name)
    assert text.startswith(f"usage: dlfs train {entry.name} ")
    for option in recipe_options(entry.load().recipe):
        assert option.flags[0] in text
        if option.kind is not bool and option.default is not None:
            shown = repr(option.default) if option.kind is str else str(option.default)
            assert f"(default: {shown}" in text, option.path
    others = {o.flags[0] for e in RECIPES if e is not entry
              for o in recipe_options(e.load().recipe)}
    own = {o.flags[0] for o in recipe_options(entry.load().recipe)}
    for flag in others - own:
        assert f"{flag} " not in text, flag


def test_help_texts_name_each_recipes_own_settings(capsys):
    gpt = _help(capsys, "train", "gpt")
    assert ("--n-embd N C, the width of the residual stream (embedding size) "
            "(default: 128) [--quick: 64]") in gpt
    assert "--max-steps N, --steps N optimizer steps" in gpt and "(default: 3000)" in gpt
    assert "model (dlfs.models.gpt.GPTConfig)" in gpt and "--vocab-size" not in gpt
    assert "--sample-temperature X divide the logits" in gpt and "--no-bias" in gpt
    charrnn = _help(capsys, "train", "charrnn")
    assert "--hidden N H, the width of the hidden state" in charrnn and "(default: 256)" in charrnn
    assert "--cell {rnn,lstm,gru,all}" in charrnn and "--n-embd" not in charrnn
    transformer = _help(capsys, "train", "transformer")
    assert "--d-model N C, the width of the model (default: 64) [--quick: 32]" in transformer
    assert "--no-norm-first" in transformer and "--pad-id" not in transformer
    kaggle = _help(capsys, "train", "kaggle-digits")
    assert "--folds N k of k-fold cross-validation (default: 5) [--quick: 2]" in kaggle
    sample = _help(capsys, "sample")
    assert "--temperature X divide the logits by this before the softmax; 0 means greedy " \
           "(default: 0.8)" in sample and "--tokens N tokens to generate (default: 300)" in sample


@pytest.mark.parametrize("name,argv", [
    ("gpt", ["--task", "sort"]), ("mnist", ["--weights", "w.pth"]),
    ("finetune", ["--no-norm-first"]), ("transformer", ["--epochs", "2"]),
    ("charrnn", ["--n-layer", "2"]), ("kaggle-digits", ["--hidden", "8"]),
    ("gpt", ["--width", "64"]),                               # the old, renamed flags too
])
def test_another_recipes_option_is_an_argparse_error(name, argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", name, *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"dlfs train {name}: error: unrecognized arguments: {argv[0]}" in err


def test_bad_values_are_one_line_errors(capsys):
    assert main(["train", "gpt", "--n-head", "3"]) == 2
    err = capsys.readouterr().err
    assert err == "dlfs: error: GPTConfig: n_embd (128) must be divisible by n_head (3)\n"
    with pytest.raises(SystemExit):
        main(["train", "gpt", "--steps", "many"])
    assert "argument --max-steps/--steps: invalid int value: 'many'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "gpt", "--amp", "fp8"])
    assert "argument --amp: invalid choice: 'fp8'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "nope"])
    assert "argument RECIPE: invalid choice: 'nope'" in capsys.readouterr().err


def _parse(argv: list[str]) -> GPTRecipe:
    command = RecipeCommand(GPTRecipe, QUICK, print)
    return recipe_from_args(command, recipe_parser(RECIPES[0], command).parse_args(argv))


def test_parsing_builds_the_recipe_and_command_line_rebuilds_the_argv():
    assert _parse([]) == GPTRecipe()
    quick = _parse(["--quick", "--n-embd", "32", "--steps", "7", "--out", "x"])
    assert quick == replace_nested(GPTRecipe(), {**QUICK, "model.n_embd": 32, "max_steps": 7,
                                                 "out_dir": "x"})
    assert quick.model.n_layer == 2 and quick.sample.tokens == 60   # the rest of the preset
    changed = replace_nested(GPTRecipe(), {
        "data": "my text.txt", "tokenizer": "bpe", "model.n_embd": 64, "model.bias": False,
        "model.fused": True, "grad_clip": None, "amp": "bf16", "lr": 3e-4, "min_lr": 3e-5,
        "sample.prompt": "def ", "sample.top_p": 0.9, "resume": True})
    line = command_line(["dlfs", "train", "gpt"], changed, GPTRecipe())
    assert "--data 'my text.txt'" in line and "--no-bias" in line and "--grad-clip none" in line
    assert _parse(shlex.split(line)[3:]) == changed
    assert command_line(["dlfs"], GPTRecipe(), GPTRecipe()) == "dlfs"


@dataclass(frozen=True)
class WideConfig(GPTConfig):
    """GPTConfig with another default width: the one place that default is written."""

    n_embd: int = field(default=96, metadata={"help": "C, the width"})


@dataclass(frozen=True)
class WideRecipe(GPTRecipe):
    model: WideConfig = field(default_factory=WideConfig)


def test_a_default_is_written_once_and_reaches_the_help_and_the_layer(capsys):
    command = RecipeCommand(WideRecipe, {}, print)
    parser = recipe_parser(RECIPES[0], command)
    text = " ".join(parser.format_help().split())
    assert "--n-embd N C, the width (default: 96)" in text and "(default: 128)" not in text
    recipe = recipe_from_args(command, parser.parse_args([]))
    assert recipe.model.n_embd == 96
    assert build_model(recipe, vocab_size=11).wte.weight.shape == (11, 96)   # the layer
    flagged = recipe_from_args(command, parser.parse_args(["--n-embd", "48"]))
    assert build_model(flagged, vocab_size=11).lm_head.weight.shape == (11, 48)


def test_the_generator_refuses_what_it_cannot_offer():
    @dataclass(frozen=True)
    class Lists:
        sizes: list = field(default_factory=list)

    with pytest.raises(TypeError, match="cannot give"):
        recipe_options(Lists)

    @dataclass(frozen=True)
    class Clash:
        tokens: int = 1
        sample: SamplingConfig = field(default_factory=SamplingConfig)

    with pytest.raises(TypeError, match="--tokens would set both tokens and sample.tokens"):
        recipe_options(Clash)
    with pytest.raises(ValueError, match="GPTRecipe has no setting 'width'"):
        replace_nested(GPTRecipe(), {"width": 64})


@pytest.mark.parametrize("entry", RECIPES, ids=NAMES)
def test_flat_values_are_the_fields_the_options_set(entry):
    """flat_values (what TensorBoard's HPARAMS tab gets) has every option's path, with the
    recipe's value there."""
    from dlfs.recipes.options import flat_values

    cls = entry.load().recipe
    values = flat_values(cls())
    for option in recipe_options(cls):
        assert values[option.path] == option.default, option.path
