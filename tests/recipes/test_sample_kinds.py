"""`dlfs sample` on runs of every kind: image runs give a grid (never overwriting the run's
own samples.png), runs it does not continue get one line naming the command that does."""

from __future__ import annotations

import json

import pytest

from dlfs.cli import main
from dlfs.i18n import t
from dlfs.recipes.cli import IMAGE_RECIPES, OTHER_COMMANDS
from dlfs.recipes.registry import RECIPES


def test_every_recipe_is_sampled_or_pointed_elsewhere():
    """A new recipe must decide what `dlfs sample` does with its runs."""
    text = {"gpt", "charrnn", "transformer", "mnist", "finetune", "kaggle-digits",
            "kaggle-titanic"}                         # no "kind": the GPT path reports them
    assert {e.name for e in RECIPES} <= text | set(IMAGE_RECIPES) | set(OTHER_COMMANDS)


@pytest.mark.parametrize("kind", sorted(OTHER_COMMANDS))
def test_runs_of_other_kinds_get_a_pointer(kind, tmp_path, capsys):
    (tmp_path / "run.json").write_text(json.dumps({"kind": kind, "recipe": {}}))
    assert main(["sample", "--run", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"a run of `dlfs train {kind}`" in err
    assert t(OTHER_COMMANDS[kind], run=tmp_path) in err


def test_an_image_run_samples_beside_its_own_grid(tmp_path, capsys):
    out = tmp_path / "vae"
    assert main(["train", "vae", "--quick", "--max-steps", "2", "--eval-every", "1",
                 "--image-size", "8", "--width", "4", "--batch-size", "16",
                 "--out", str(out)]) == 0
    own = (out / "samples.png").read_bytes()
    capsys.readouterr()
    assert main(["sample", "--run", str(out), "--n-images", "12", "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert f"12 samples from the vae run in {out}: {out / 'sample.png'}" in printed
    assert "digits-FD" in printed and (out / "sample.png").stat().st_size > 0
    assert (out / "samples.png").read_bytes() == own
    assert main(["sample", "--run", str(out), "--digit", "7"]) == 2      # unconditional
    assert "--digit" in capsys.readouterr().err
    assert main(["sample", "--run", str(out), "--n-images", "0"]) == 2
    assert "--n-images must be >= 1, got 0" in capsys.readouterr().err
