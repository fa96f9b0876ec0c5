"""CharRNN model, its generate, the charrnn recipe and `dlfs train charrnn --quick`."""

from __future__ import annotations

import pytest
import torch

from dlfs.cli import main
from dlfs.models.charrnn import CharRNN
from dlfs.recipes.charrnn import QUICK, CharRNNRecipe, train_charrnn
from dlfs.recipes.options import replace_nested


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


def test_generate_top_k_and_top_p_filter_the_choices():
    torch.manual_seed(1)
    model = CharRNN(7, hidden=12, cell="lstm")
    prompt = torch.tensor([[1, 2, 3]]).repeat(64, 1)
    g = lambda: torch.Generator().manual_seed(5)  # noqa: E731
    greedy = model.generate(prompt, 4, temperature=0)
    assert torch.equal(model.generate(prompt, 4, temperature=3.0, top_k=1, generator=g()),
                       greedy)                                       # one candidate left
    assert torch.equal(model.generate(prompt, 4, temperature=3.0, top_p=1e-6, generator=g()),
                       greedy)                                       # the most likely only
    first = model.generate(prompt, 1, temperature=50.0, top_k=2, generator=g())[:, -1]
    top2 = model(prompt[:1])[0][0, -1].topk(2).indices
    assert set(first.tolist()) == set(top2.tolist())                 # both of the two, no other


def test_recipe_learns_and_clipping_applies(tmp_path):
    recipe = replace_nested(CharRNNRecipe(), {**QUICK, "cell": "rnn", "out_dir": str(tmp_path)})
    run = train_charrnn(recipe, checkpoints=False)
    first, last = run.evals[0][2], run.evals[-1][2]
    assert last < first and run.val_perplexity < run.tokenizer.vocab_size
    assert len(run.grad_norms) == recipe.max_steps
    assert run.sample.startswith("The ") and len(run.sample) == 4 + recipe.sample.tokens


def test_cli_train_charrnn_quick(tmp_path, capsys):
    assert main(["train", "charrnn", "--quick", "--cell", "gru", "--steps", "20",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "validation perplexity: gru" in out
    assert any((tmp_path / "gru" / "checkpoints").iterdir())
    assert f"curves: {tmp_path / 'gru' / 'curves.png'}" in out
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tmp_path / "gru" / "tensorboard"))
    events.Reload()                                  # a language model: text at each eval
    assert events.Tensors("samples/text/text_summary")
    assert {"loss/train", "loss/val", "perf/tokens_per_s"} <= set(events.Tags()["scalars"])


def test_cli_rejects_gpt_only_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "charrnn", "--quick", "--n-head", "2"])
    assert exit_info.value.code == 2
    assert "dlfs train charrnn: error: unrecognized arguments: --n-head 2" in \
        capsys.readouterr().err


def test_cell_all_trains_every_cell(tmp_path, capsys):
    recipe = CharRNNRecipe(cell="all")
    assert [r.cell for r in recipe.per_cell()] == ["gru", "lstm", "rnn"]
    with pytest.raises(ValueError, match="cell 'all' means one run per cell"):
        train_charrnn(recipe)
    assert main(["train", "charrnn", "--quick", "--cell", "all", "--steps", "2",
                 "--eval-every", "1", "--max-chars", "6000", "--sample-tokens", "5",
                 "--out", str(tmp_path)]) == 0
    assert "validation perplexity: gru" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gru", "lstm", "rnn"]
