"""CharRNN model, its generate, the charrnn recipe and `dlfs train charrnn --quick`."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from dlfs.cli import main
from dlfs.models.charrnn import CharRNN
from dlfs.recipes.charrnn import QUICK, CharRNNRecipe, train_charrnn


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_shapes_and_state_carrying_matches_full_pass(cell):
    torch.manual_seed(0)
    model = CharRNN(11, hidden=8, layers=2, cell=cell).double()
    x = torch.randint(0, 11, (3, 9))
    full, _ = model(x)
    assert full.shape == (3, 9, 11)
    a, state = model(x[:, :4])
    b, _ = model(x[:, 4:], state)            # continuing from the carried state
    torch.testing.assert_close(torch.cat([a, b], 1), full)


def test_generate_greedy_equals_argmax_rollout_and_temperature():
    torch.manual_seed(1)
    model = CharRNN(7, hidden=12, cell="gru")
    prompt = torch.tensor([[1, 2, 3]])
    out = model.generate(prompt, 5, temperature=0)
    assert out.shape == (1, 8) and torch.equal(out[:, :3], prompt)
    seq = prompt
    for _ in range(5):                        # re-reading the whole sequence every step
        seq = torch.cat([seq, model(seq)[0][:, -1:].argmax(-1)], 1)
    assert torch.equal(out, seq)
    g = lambda: torch.Generator().manual_seed(3)  # noqa: E731
    assert torch.equal(model.generate(prompt, 20, temperature=1.0, generator=g()),
                       model.generate(prompt, 20, temperature=1.0, generator=g()))
    hot = model.generate(prompt.repeat(64, 1), 1, temperature=5.0, generator=g())[:, -1]
    cold = model.generate(prompt.repeat(64, 1), 1, temperature=1e-3, generator=g())[:, -1]
    assert (cold == out[0, 3]).all()          # low temperature -> argmax
    assert len(set(hot.tolist())) > 3         # high temperature -> spread over the vocabulary
    with pytest.raises(ValueError, match="cell must be one of"):
        CharRNN(5, cell="transformer")


def test_recipe_learns_and_clipping_applies(tmp_path):
    recipe = dataclasses.replace(CharRNNRecipe(), cell="rnn", out_dir=str(tmp_path), **QUICK)
    run = train_charrnn(recipe, checkpoints=False)
    first, last = run.evals[0][2], run.evals[-1][2]
    assert last < first and run.val_perplexity < run.tokenizer.vocab_size
    assert len(run.grad_norms) == recipe.max_steps
    assert run.sample.startswith("The ") and len(run.sample) == 4 + recipe.sample_chars


def test_cli_train_charrnn_quick(tmp_path, capsys):
    assert main(["train", "charrnn", "--quick", "--cell", "gru", "--steps", "20",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "validation perplexity: gru" in out
    assert any((tmp_path / "gru" / "checkpoints").iterdir())


def test_cli_rejects_gpt_only_options(capsys):
    assert main(["train", "charrnn", "--quick", "--heads", "2"]) != 0
    assert ("dlfs train charrnn does not take --heads (it is an option of dlfs train gpt / "
            "transformer)") in capsys.readouterr().err
