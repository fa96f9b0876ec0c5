"""Every recipe trains under the NaN/Inf guard: an absurd learning rate stops the run with
exit 2 and one line that names where the NaN began and what to try, no NaN file is ever
written, and the newest checkpoint stays finite (the command in the advice then works)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import torch

from dlfs.cli import main
from dlfs.train import CheckpointManager, load_checkpoint


def _lm(name: str, files: Path, out: Path) -> list[str]:
    size = (["--n-layer", "1", "--n-embd", "16", "--n-head", "2", "--block-size", "16"]
            if name == "gpt" else ["--hidden", "8", "--num-steps", "8"])
    return ["train", name, "--quick", "--data", str(files / "text.txt"), *size,
            "--batch-size", "4", "--eval-every", "2", "--eval-batches", "1",
            "--sample-tokens", "5", "--out", str(out)]


def _newest_is_finite(folder: Path) -> int:
    """The newest checkpoint's step, after checking that every tensor in it is finite."""
    path, payload, _ = CheckpointManager(folder).load_latest()
    assert payload is not None, f"no checkpoint in {folder}"
    tensors = [*payload["model"].values(),
               *(t for s in payload["optimizer"]["state"].values() for t in s.values())]
    assert all(torch.isfinite(t).all() for t in tensors if t.is_floating_point()), path
    return int(payload["trainer"]["step"])


def _error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("dlfs: error: non-finite ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("name, lr, ckpt", [("gpt", "1e30", "checkpoints"),
                                            ("charrnn", "1e38", "lstm/checkpoints")])
def test_a_language_model_run_stops_at_nan_and_resumes_from_the_last_finite(
        name, lr, ckpt, files, tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*_lm(name, files, out), "--max-steps", "4"]) == 0
    before = sorted(p.name for p in (out / ckpt).iterdir())
    capsys.readouterr()
    assert main([*_lm(name, files, out), "--max-steps", "10", "--resume", "--lr", lr]) == 2
    err = _error(capsys)
    assert "first seen in " in err and f"Try a lower --lr ({float(lr):g} -> " in err
    assert f"to continue from the last finite checkpoint ({out / ckpt}/step-00000004.pt, " \
           "step 4): dlfs train " in err
    assert sorted(p.name for p in (out / ckpt).iterdir()) == before   # nothing new written
    assert _newest_is_finite(out / ckpt) == 4
    again = err.rsplit("): ", 1)[1].strip()                # the advice, pasted
    assert "--resume" in again and "--lr" not in again     # the default rate again
    assert main(shlex.split(again)[1:]) == 0
    assert _newest_is_finite(out / ckpt) == 10


@pytest.mark.parametrize("name, lr, args, output", [
    ("transformer", "1e30", ["--n-train", "64", "--n-test", "8", "--max-steps", "4",
                             "--batch-size", "8", "--beam-eval", "2"], "sort.pt"),
    ("mnist", "1e30", ["--data", "{files}/mnist", "--n-train", "64", "--n-test", "16",
                       "--batch-size", "16"], "mnist_cnn.pt"),
    ("finetune", "1e38", ["--n", "20", "--epochs", "3", "--batch-size", "8",
                          "--pretrain-epochs", "1"], "resnet18_corners.pt"),
    ("kaggle-digits", "1e30", ["--data", "{files}/kaggle", "--epochs", "3"], "submission.csv"),
    ("kaggle-titanic", "1e30", ["--model", "ensemble"], "submission.csv"),
    ("clip", "1e30", ["--batch-size", "8", "--langs", "en"], "checkpoints"),
    ("vae", "1e30", ["--image-size", "8", "--width", "4", "--batch-size", "16"], "samples.png"),
    ("ddpm", "1e30", ["--batch-size", "8", "--timesteps", "20", "--sample-steps", "2"],
     "samples.png"),
    ("gan", "1e30", ["--batch-size", "8"], "samples.png"),
    ("vit", "1e30", ["--batch-size", "8"], "vit/checkpoints"),
    ("bert", "1e30", ["--batch-size", "8", "--finetune-steps", "2"], "pretrain/checkpoints"),
])
def test_every_other_recipe_stops_at_nan_and_writes_nothing(name, lr, args, output, files,
                                                           tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", name, "--quick", *(a.format(files=files) for a in args), "--lr", lr,
            "--out", str(out)]
    assert main(argv) == 2
    err = _error(capsys)
    assert f"Try a lower --lr ({float(lr):g} -> " in err
    assert "no checkpoint was written before it, so start again: dlfs train " in err
    assert not (out / output).exists()
    assert not list(out.rglob("*.pt"))


def test_the_capstone_quick_run_from_the_issue(tmp_path, capsys):
    """`dlfs train gpt --lr 1e30 --quick --max-steps 20`: before, it trained through NaN,
    wrote all-NaN checkpoints and crashed at sampling with "internal error"."""
    out = tmp_path / "gpt"
    assert main(["train", "gpt", "--lr", "1e30", "--quick", "--max-steps", "20", "--out",
                 str(out)]) == 2
    err = _error(capsys)
    assert "non-finite loss at step 1 (epoch 0): first seen in module 'h.0." in err
    assert not (out / "checkpoints").exists() or not list((out / "checkpoints").iterdir())
    assert main(["sample", "--run", str(out)]) == 2        # nothing to sample, said so
    assert "no usable checkpoint" in capsys.readouterr().err
    assert load_checkpoint is not None
