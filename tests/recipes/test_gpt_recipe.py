"""The capstone pipeline end to end: train, checkpoint, resume, sample, CLI."""

from __future__ import annotations

import json
import re
import shlex

import pytest
import torch

from dlfs.cli import main
from dlfs.data.text.batching import TokenWindows
from dlfs.models import GPT, GPTConfig
from dlfs.recipes.gpt import GPTRecipe, train_gpt
from dlfs.recipes.lm import estimate_loss
from dlfs.recipes.sampling import SamplingConfig, load_run, sample_text

TINY = dict(model=GPTConfig(n_layer=1, n_head=2, n_embd=32, block_size=16), batch_size=8,
            eval_batches=2, sample=SamplingConfig(tokens=20), warmup_steps=5)


def test_estimate_loss_is_the_models_loss_in_eval_mode_on_fixed_windows():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8,
                          dropout=0.5))
    windows = TokenWindows(torch.randint(0, 11, (200,)), block_size=8)
    loss = estimate_loss(model, windows, batches=3, batch_size=4)
    assert model.training                                     # the mode is restored
    model.eval()
    by_hand = [model(x, y)[1].item() for x, y in windows.spaced(12, 4)]
    assert loss == pytest.approx(sum(by_hand) / 3, abs=1e-6)  # no dropout, same windows


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
    assert info["recipe"]["model"]["n_embd"] == 32 and info["recipe"]["seed"] == 1337
    text_out = sample_text(model, tok, SamplingConfig(prompt="abcd", tokens=12, temperature=0),
                           seed=0)
    assert text_out.startswith("abcd") and len(text_out) == 16


def test_recipe_validation():
    with pytest.raises(ValueError, match="tokenizer must be one of 'char', 'bpe'; got 'word'"):
        GPTRecipe(tokenizer="word")
    with pytest.raises(ValueError, match="max_steps must be >= 1"):
        GPTRecipe(max_steps=0)
    with pytest.raises(ValueError, match="n_embd \\(30\\) must be divisible by n_head"):
        GPTRecipe(model=GPTConfig(n_embd=30))
    with pytest.raises(ValueError, match="top_k must be >= 1"):
        GPTRecipe(sample=SamplingConfig(top_k=0))
    model = GPTRecipe().model_config(vocab_size=65)
    assert model.vocab_size == 65 and model.n_embd == GPTConfig().n_embd == 128


def info_val_loss(out) -> float:
    """The last validation loss the run's checkpoint recorded."""
    from dlfs.train import CheckpointManager

    _, payload, _ = CheckpointManager(out / "checkpoints").load_latest()
    return payload["extra"]["evals"][-1][2]


def test_cli_train_quick_then_sample(tmp_path, capsys):
    out = tmp_path / "gpt"
    code = main(["train", "gpt", "--quick", "--out", str(out), "--explain-shapes",
                 "--steps", "10", "--eval-every", "5"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "corpus 'help': 465,048 characters" in printed
    assert "h[0].attn.q" in printed and "(B=2, H=4, T=64, D=16)" in printed
    assert "step      5" in printed and "step     10" in printed
    assert "done: val loss" in printed
    assert f"curves: {out / 'curves.png'}" in printed and (out / "curves.png").stat().st_size
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import plugin_data_pb2

    events = EventAccumulator(str(out / "tensorboard"))
    events.Reload()
    scalars = set(events.Tags()["scalars"])                         # the naming scheme
    assert {"loss/train", "loss/val", "opt/lr", "opt/grad_norm", "perf/tokens_per_s"} <= scalars
    assert [e.step for e in events.Scalars("loss/train")] == list(range(1, 11))
    assert [e.step for e in events.Scalars("loss/val")] == [5, 10]  # beside loss/train
    assert events.Scalars("loss/val")[-1].value == pytest.approx(info_val_loss(out))
    assert [e.value for e in events.Scalars("opt/lr")][:2] == pytest.approx([1e-5, 2e-5])
    assert all(e.value > 0 for e in events.Scalars("opt/grad_norm"))
    texts = events.Tensors("samples/text/text_summary")             # the TEXT tab
    assert [e.step for e in texts] == [5, 10]
    assert texts[0].tensor_proto.string_val[0].decode().startswith("    The ")
    hparams = events.PluginTagToContent("hparams")                  # the HPARAMS tab
    start = plugin_data_pb2.HParamsPluginData.FromString(
        hparams["_hparams_/session_start_info"]).session_start_info
    assert start.hparams["max_steps"].number_value == 10
    assert start.hparams["model.n_embd"].number_value == 64
    experiment = plugin_data_pb2.HParamsPluginData.FromString(
        hparams["_hparams_/experiment"]).experiment
    assert [m.name.tag for m in experiment.metric_infos] == ["loss/val"]
    info = json.loads((out / "run.json").read_text())
    assert info["tokenizer"]["type"] == "char"
    assert info["recipe"]["max_steps"] == 10 and info["model"]["n_embd"] == 64   # --quick
    code = main(["sample", "--run", str(out), "--prompt", "def ", "--tokens", "15"])
    assert code == 0 and capsys.readouterr().out.startswith("def ")

    # the "Next:" hints are complete commands: the same sample again, then a resume
    sample = re.search(r"--- sample .*? ---\n(.*)\n---\nNext:", printed, re.S).group(1)
    hints = {why: command.strip() for command, why in
             (line.split(" # ") for line in printed.split("Next:\n")[1].splitlines())}
    again = hints["more text from this model"]
    assert again == f"dlfs sample --run {out} --prompt 'The '"
    assert main([*shlex.split(again)[1:], "--tokens", "60"]) == 0      # --quick sampled 60
    assert capsys.readouterr().out == sample + "\n"                   # same seed, same text
    resume = hints["continue training"]
    assert resume == (f"dlfs train gpt --quick --max-steps 20 --eval-every 5 --out-dir {out} "
                      "--resume")
    assert main(shlex.split(resume)[1:]) == 0
    printed = capsys.readouterr().out
    assert "step     15" in printed and "step      5" not in printed    # continued, not redone
    assert "changed settings, applied from here on: --max-steps 10 -> 20" in printed


def test_every_next_hint_works_when_pasted(tmp_path, capsys):
    """Each command under "Next:" of a --quick run, pasted as printed (in its quick form),
    succeeds: the sample, the longer resumed run, the shapes lesson, the tour, the list."""
    out = tmp_path / "my run"                                   # a path that needs quoting
    assert main(["train", "gpt", "--quick", "--out", str(out), "--steps", "4",
                 "--eval-every", "2", "--n-layer", "1", "--sample-tokens", "5"]) == 0
    printed = capsys.readouterr().out
    hints = [line.split(" # ")[0].strip() for line in printed.split("Next:\n")[1].splitlines()]
    assert len(hints) == 5 and all(h.startswith("dlfs ") for h in hints)
    assert "dlfs run capstone-shapes --quick" in hints
    for hint in hints:
        code = main(shlex.split(hint)[1:])
        assert code == 0, (hint, capsys.readouterr().err)
        capsys.readouterr()


def test_cli_errors(tmp_path, capsys):
    assert main(["sample", "--run", str(tmp_path / "nothing")]) == 2
    assert "nothing does not exist" in capsys.readouterr().err
    assert main(["sample", "--run", str(tmp_path)]) == 2
    assert "no run.json" in capsys.readouterr().err
    assert main(["train", "gpt", "--steps", "0"]) == 2
    assert "max_steps must be >= 1" in capsys.readouterr().err
    assert main(["train", "gpt", "--data", str(tmp_path / "missing.txt")]) == 2
    assert "does not exist" in capsys.readouterr().err
