"""`--resume` cannot damage a run: the saved run is checked before anything is written.

Policy (dlfs.recipes.resume): no checkpoint -> refused; a different model, data or batch
setting -> refused, naming each option with its saved and requested value; optimizer and
schedule settings -> applied from the resumed step on and reported; run.json is written
atomically, and only once training has started.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

from dlfs.cli import main
from dlfs.optim.lr_scheduler import warmup_cosine_factor
from dlfs.train import load_checkpoint


@pytest.fixture(scope="module")
def text(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("resume") / "text.txt"
    path.write_text("The cat sat on the mat. A dog ran after it, and the cat ran.\n" * 60)
    return path


def tiny(text: Path, out: Path, *extra: str) -> list[str]:
    """A GPT run of a second: 1 layer of width 16, context 16, checkpoints every 2 steps."""
    return ["train", "gpt", "--quick", "--data", str(text), "--n-layer", "1", "--n-embd",
            "16", "--n-head", "2", "--block-size", "16", "--batch-size", "4",
            "--eval-every", "2", "--eval-batches", "1", "--sample-tokens", "5",
            "--out", str(out), *extra]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "tensorboard" not in p.parts}


def test_resume_without_a_checkpoint_is_refused_and_writes_nothing(text, tmp_path, capsys):
    out = tmp_path / "typo"
    assert main(tiny(text, out, "--max-steps", "4", "--resume")) == 2
    err = capsys.readouterr().err
    assert err == (f"dlfs: error: --resume: no usable checkpoint in {out}/checkpoints; "
                   "nothing to resume. Check --out, or drop --resume to start a new run\n")
    assert not out.exists()


def test_resume_with_other_model_settings_is_refused_before_writing(text, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(tiny(text, out, "--max-steps", "4")) == 0
    before = snapshot(out)
    capsys.readouterr()
    argv = tiny(text, out, "--max-steps", "8", "--resume")
    argv[argv.index("--n-embd") + 1] = "32"
    argv += ["--batch-size", "6"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" not in err
    assert (f"--resume: the run in {out} was trained with other model/data settings (saved "
            "-> requested): --n-embd 16 -> 32, --batch-size 4 -> 6;") in err
    assert snapshot(out) == before                   # run.json and checkpoints untouched
    assert main(["sample", "--run", str(out), "--tokens", "5"]) == 0   # still samples


def test_resume_applies_and_reports_a_new_rate(text, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(tiny(text, out, "--max-steps", "4")) == 0
    capsys.readouterr()
    assert main(tiny(text, out, "--max-steps", "8", "--resume", "--lr", "0.0005")) == 0
    printed = capsys.readouterr().out
    assert (f"resuming from {out}/checkpoints/step-00000004.pt (step 4); changed settings, "
            "applied from here on: --max-steps 4 -> 8, --lr 0.001 -> 0.0005") in printed
    assert "step      6" in printed and "step      2" not in printed
    saved = load_checkpoint(out / "checkpoints" / "step-00000008.pt")
    assert saved["history"]["step_lr"][4] == 0.0005 * warmup_cosine_factor(100, 8, 0.2)(4)
    assert saved["extra"]["recipe"]["lr"] == 0.0005
    assert json.loads((out / "run.json").read_text())["recipe"]["lr"] == 0.0005
    assert not [p for p in out.iterdir() if p.name.startswith(".")]   # no temp file left


def test_resume_needs_steps_left(text, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(tiny(text, out, "--max-steps", "4")) == 0
    capsys.readouterr()
    assert main(tiny(text, out, "--max-steps", "4", "--resume")) == 2
    assert ("already at step 4, so --max-steps 4 leaves nothing to train; give a larger one, "
            "e.g. --max-steps 8") in capsys.readouterr().err


def test_a_damaged_run_json_is_rewritten_by_a_resume(text, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(tiny(text, out, "--max-steps", "4")) == 0
    (out / "run.json").write_text('{"recipe": ')
    capsys.readouterr()
    assert main(["sample", "--run", str(out)]) == 2
    assert "run.json is damaged" in capsys.readouterr().err
    assert main(tiny(text, out, "--max-steps", "6", "--resume")) == 0   # the checkpoint knows
    assert main(["sample", "--run", str(out), "--tokens", "5"]) == 0


def test_run_json_is_written_only_after_a_start(text, tmp_path, capsys):
    out = tmp_path / "run"
    argv = tiny(text, out, "--max-steps", "4")
    argv[argv.index("--block-size") + 1] = "5000"                  # longer than the text
    assert main(argv) == 2 and "--block-size 5000 is too long" in capsys.readouterr().err
    assert not out.exists()


def test_charrnn_resume_refuses_another_width_and_applies_a_rate(text, tmp_path, capsys):
    base = ["train", "charrnn", "--quick", "--data", str(text), "--hidden", "8",
            "--num-steps", "8", "--batch-size", "4", "--eval-every", "2", "--eval-batches",
            "1", "--sample-tokens", "5", "--out", str(tmp_path)]
    assert main([*base, "--max-steps", "4"]) == 0
    capsys.readouterr()
    assert main([*base, "--max-steps", "6", "--resume", "--hidden", "16"]) == 2
    assert "--hidden 8 -> 16" in capsys.readouterr().err
    assert main([*base, "--max-steps", "6", "--resume", "--lr", "0.001"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"resuming from .*lstm/checkpoints/step-00000004.pt \(step 4\); changed "
                     r"settings, applied from here on: --max-steps 4 -> 6, --lr 0.002 -> "
                     r"0.001", printed)
    state = load_checkpoint(tmp_path / "lstm" / "checkpoints" / "step-00000006.pt")
    assert state["optimizer"]["param_groups"][0]["lr"] == 0.001
    assert all(torch.isfinite(v).all() for v in state["model"].values())
