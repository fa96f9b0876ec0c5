"""The capstone pipeline end to end: train, checkpoint, resume, sample, CLI."""

from __future__ import annotations

import json

import pytest
import torch

from dlfs.cli import main
from dlfs.recipes.gpt import GPTRecipe, TokenWindows, load_run, sample_text, train_gpt

TINY = dict(n_layer=1, n_head=2, n_embd=32, block_size=16, batch_size=8, eval_batches=2,
            sample_tokens=20, warmup_steps=5)


def test_token_windows_shift_by_one():
    ids = torch.arange(10)
    ds = TokenWindows(ids, block_size=4)
    assert len(ds) == 6
    x, y = ds[2]
    assert x.tolist() == [2, 3, 4, 5] and y.tolist() == [3, 4, 5, 6]
    with pytest.raises(ValueError, match="longer than block_size 4"):
        TokenWindows(torch.arange(3), 4)


def test_train_learns_resumes_and_samples(tmp_path):
    text = tmp_path / "abc.txt"
    text.write_text("abcd efgh. " * 400)
    out = tmp_path / "run"
    recipe = GPTRecipe(data=str(text), out_dir=str(out), max_steps=40, eval_every=20,
                       lr=3e-3, **TINY)
    reports = []
    run = train_gpt(recipe, report=lambda *row: reports.append(row))
    assert [r[0] for r in reports] == [20, 40]
    first_val, last_val = run.evals[0][2], run.evals[-1][2]
    chance = torch.log(torch.tensor(float(run.tokenizer.vocab_size))).item()  # uniform guess
    assert last_val < first_val and last_val < 0.6 * chance, run.evals
    assert run.prompt == "abcd" and run.sample.startswith(run.prompt)  # 'T' is not in vocab
    assert (out / "run.json").is_file() and (out / "checkpoints").is_dir()
    assert list((out / "tensorboard").glob("events.out.tfevents.*"))

    # resume to 60 steps continues the same curve
    longer = GPTRecipe(data=str(text), out_dir=str(out), max_steps=60, eval_every=20,
                       lr=3e-3, resume=True, **TINY)
    run2 = train_gpt(longer)
    assert [e[0] for e in run2.evals] == [20, 40, 60]
    assert run2.evals[:2] == run.evals

    model, tok, info = load_run(out)
    assert info["model"]["n_embd"] == 32
    text_out = sample_text(model, tok, "abcd", 12, temperature=0)
    assert text_out.startswith("abcd") and len(text_out) == 16


def test_recipe_validation():
    with pytest.raises(ValueError, match="tokenizer must be 'char' or 'bpe'"):
        GPTRecipe(tokenizer="word")
    with pytest.raises(ValueError, match="max_steps must be >= 1"):
        GPTRecipe(max_steps=0)


def test_cli_train_quick_then_sample(tmp_path, capsys):
    out = tmp_path / "gpt"
    code = main(["train", "gpt", "--quick", "--out", str(out), "--explain-shapes",
                 "--steps", "10", "--eval-every", "5"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "corpus 'help': 465,048 characters" in printed
    assert "h[0].attn.q" in printed and "(B=2, H=4, T=64, D=16)" in printed
    assert "step      5" in printed and "step     10" in printed
    assert "done: val loss" in printed and "dlfs sample --run" in printed
    info = json.loads((out / "run.json").read_text())
    assert info["tokenizer"]["type"] == "char"
    code = main(["sample", "--run", str(out), "--prompt", "def ", "--tokens", "15"])
    assert code == 0 and capsys.readouterr().out.startswith("def ")


def test_cli_errors(tmp_path, capsys):
    assert main(["sample", "--run", str(tmp_path / "nothing")]) == 2
    assert "no run.json" in capsys.readouterr().err
    assert main(["train", "gpt", "--steps", "0"]) == 2
    assert "max_steps must be >= 1" in capsys.readouterr().err
    assert main(["train", "gpt", "--data", str(tmp_path / "missing.txt")]) == 2
    assert "does not exist" in capsys.readouterr().err
