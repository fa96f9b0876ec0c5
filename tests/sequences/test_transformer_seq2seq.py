"""The encoder-decoder Transformer: toy tasks, masks, greedy/beam decoding, attention maps,
a short convergence run, and `dlfs train transformer --quick`."""

from __future__ import annotations

import pytest
import torch

from dlfs.cli import main
from dlfs.data.text.toy_seq import make_toy_task
from dlfs.generate.beam import length_penalty
from dlfs.models.transformer_seq2seq import TransformerSeq2Seq, TransformerSeq2SeqConfig
from dlfs.recipes.options import replace_nested
from dlfs.recipes.seq2seq_transformer import (
    TransformerRecipe,
    evaluate_seq2seq,
    load_run,
    train_transformer,
)

TASK = make_toy_task("sort", 200, 20, seed=0, max_len=7)
V = len(TASK.vocab)
BOS, EOS = TASK.vocab.BOS, TASK.vocab.EOS


def small_model(norm_first: bool = True, seed: int = 0) -> TransformerSeq2Seq:
    torch.manual_seed(seed)
    cfg = TransformerSeq2SeqConfig(V, d_model=16, nhead=2, num_layers=2, dim_feedforward=32,
                                   dropout=0.0, norm_first=norm_first)
    return TransformerSeq2Seq(cfg).eval()


def test_toy_tasks():
    for kind, rule in (("copy", lambda s: s), ("sort", lambda s: "".join(sorted(s)))):
        task = make_toy_task(kind, 300, 50, seed=2, min_len=2, max_len=6)
        assert all(t == rule(s) for s, t in task.train + task.test)
        assert all(2 <= len(s) <= 6 and s.isdigit() for s, _ in task.train)
        assert not {s for s, _ in task.train} & {s for s, _ in task.test}
        assert len({s for s, _ in task.train}) == 300                  # distinct sources
        assert task.train == make_toy_task(kind, 300, 50, seed=2, min_len=2, max_len=6).train
    b = TASK.batch(TASK.train[:5])
    assert b.tgt_in[:, 0].eq(BOS).all() and (b.tgt_out == EOS).sum() == 5
    with pytest.raises(ValueError, match="unknown kind"):
        make_toy_task("reverse")
    with pytest.raises(ValueError, match="distinct sources"):
        make_toy_task("copy", 90, 10, max_len=2, min_len=2)


def test_config_and_recipe_validate():
    with pytest.raises(ValueError, match="multiple of nhead"):
        TransformerSeq2SeqConfig(10, d_model=10, nhead=4)
    with pytest.raises(ValueError, match="task must be one of 'dates', 'sort', 'copy'"):
        TransformerRecipe(task="reverse")
    with pytest.raises(ValueError, match="vocab_size is None"):
        TransformerSeq2Seq(TransformerSeq2SeqConfig())     # the recipe fills it in
    recipe = TransformerRecipe()
    assert recipe.warmup == 150 and replace_nested(recipe, {"max_steps": 100}).warmup == 20
    assert replace_nested(recipe, {"warmup_steps": 7}).warmup == 7


@pytest.mark.parametrize("norm_first", [True, False])
def test_padding_and_causal_masks(norm_first):
    model = small_model(norm_first).double()
    src = torch.randint(3, V, (3, 5))
    tgt_in = torch.cat([torch.full((3, 1), BOS), torch.randint(3, V, (3, 4))], 1)   # (3, 5)
    logits = model(src, tgt_in)                                                      # (3, 5, V)
    assert logits.shape == (3, 5, V)
    padded = torch.cat([src, torch.zeros(3, 4, dtype=torch.long)], 1)   # extra <pad> columns
    torch.testing.assert_close(model(padded, tgt_in), logits)
    changed = tgt_in.clone()
    changed[:, 3] = (changed[:, 3] - 2) % (V - 3) + 3                   # alter position 3
    later = model(src, changed)
    torch.testing.assert_close(later[:, :3], logits[:, :3])             # the past ignores it
    assert not torch.allclose(later[:, 3:], logits[:, 3:])
    # a padded target row gives the same logits at its real positions
    short = tgt_in.clone()
    short[0, 3:] = 0
    torch.testing.assert_close(model(src, short)[0, :3], logits[0, :3])


def test_greedy_equals_beam_of_width_one():
    model = small_model(seed=3)
    src = TASK.batch(TASK.test[:6]).src
    greedy = model.greedy_decode(src, 8, BOS, EOS).tolist()             # (6, 8)
    beams = model.beam_decode(src, 8, BOS, EOS, beam_width=1)
    for row, hyps in zip(greedy, beams):
        cut = row[:row.index(EOS) + 1] if EOS in row else row
        assert len(hyps) == 1 and list(hyps[0].tokens) == cut
    # a wider beam finds a sequence at least as probable as greedy's (scores use alpha 0)
    for hyps1, hyps4 in zip(beams, model.beam_decode(src, 8, BOS, EOS, beam_width=4,
                                                     alpha=0.0)):
        assert hyps4[0].logprob >= hyps1[0].logprob - 1e-5   # float32 rounding
        assert hyps4[0].score == pytest.approx(hyps4[0].logprob / length_penalty(
            len(hyps4[0].tokens), 0.0))


def test_decoding_runs_in_eval_mode_and_restores_the_mode():
    torch.manual_seed(0)
    cfg = TransformerSeq2SeqConfig(V, d_model=16, nhead=2, num_layers=1, dim_feedforward=32,
                                   dropout=0.5)
    model = TransformerSeq2Seq(cfg)                                     # train mode: dropout on
    src = TASK.batch(TASK.test[:5]).src
    ids = model.greedy_decode(src, 8, BOS, EOS)
    assert model.training
    assert torch.equal(ids, model.greedy_decode(src, 8, BOS, EOS))     # no dropout noise
    beams = model.beam_decode(src, 8, BOS, EOS, beam_width=1)
    assert model.training
    for row, hyps in zip(ids.tolist(), beams):
        assert list(hyps[0].tokens) == (row[:row.index(EOS) + 1] if EOS in row else row)


def test_cross_attention_maps_are_what_the_layers_used():
    model = small_model(norm_first=False, seed=1).double()
    b = TASK.batch(TASK.test[:4])
    used: list[torch.Tensor] = []
    handles = [layer.multihead_attn.register_forward_hook(
        lambda mod, args, out: used.append((args[0], args[2], out[0])))
        for layer in model.transformer.decoder.layers]
    maps = model.cross_attention_maps(b.src, b.tgt_in)
    for h in handles:
        h.remove()
    assert len(maps) == len(used) == 2 and not model.transformer.decoder.layers[0]._forward_hooks
    B, T, S, H = b.tgt_in.shape[0], b.tgt_in.shape[1], b.src.shape[1], 2
    for layer, w, (_, memory, out) in zip(model.transformer.decoder.layers, maps, used):
        assert w.shape == (B, H, T, S)
        torch.testing.assert_close(w.sum(-1), torch.ones(B, H, T, dtype=w.dtype))
        pad = b.src == 0                                                 # (B, S)
        assert w.masked_select(pad[:, None, None, :]).abs().max() == 0   # no weight on <pad>
        mha = layer.multihead_attn                                       # rebuild its output
        _, _, w_v = mha.in_proj_weight.chunk(3)
        v = (memory @ w_v.T + mha.in_proj_bias.chunk(3)[2]).view(B, S, H, -1).transpose(1, 2)
        heads = (w @ v).transpose(1, 2).reshape(B, T, -1)                # (B, T, C)
        torch.testing.assert_close(mha.out_proj(heads), out)


def test_short_training_learns_copy():
    recipe = TransformerRecipe(task="copy", n_train=2_000, n_test=100, min_src_len=2,
                               max_src_len=5, batch_size=32, max_steps=150, warmup_steps=15,
                               lr=3e-3, model=TransformerSeq2SeqConfig(
                                   d_model=32, nhead=2, num_layers=1, dim_feedforward=64,
                                   dropout=0.0))
    task = make_toy_task("copy", 2_000, 100, seed=0, min_len=2, max_len=5)
    model, history = train_transformer(recipe, task)
    assert history.step_loss[-1] < history.step_loss[0] / 4
    greedy = evaluate_seq2seq(model, task, task.test)
    assert greedy.exact_match >= 0.8, greedy.exact_match
    beam = evaluate_seq2seq(model, task, task.test[:30], beam_width=3)
    assert beam.exact_match >= 0.7
    # the copy rule shows in the attention: output step t looks mostly at source t
    b = task.batch(task.test[:20])
    w = model.cross_attention_maps(b.src, b.tgt_in)[-1].mean(1)          # (B, T, S)
    diag = torch.stack([w[i, :n, :n].diagonal().mean() for i, n in
                        enumerate(b.src_lengths.tolist())])
    assert diag.mean() > 0.5, diag


def test_cli_quick(capsys, tmp_path):
    argv = ["train", "transformer", "--quick", "--task", "copy", "--steps", "20", "--out",
            str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "encoder-decoder on 'copy'" in out and "test exact match: greedy" in out
    assert f"saved the model (state_dict + recipe) to {tmp_path / 'copy.pt'}" in out
    assert f"curves: {tmp_path / 'copy' / 'curves.png'}" in out
    model, recipe, task = load_run(tmp_path / "copy.pt")          # strict load, same vocab
    assert recipe.task == "copy" and recipe.max_steps == 20 and not model.training
    assert model.config.vocab_size == len(task.vocab)
    assert "20 steps of 64" in out
    assert "Pre-LN" in out
    argv += ["--no-norm-first", "--warmup-steps", "2"]
    assert main(argv) == 0
    assert "Post-LN" in capsys.readouterr().out
    _, recipe, _ = load_run(tmp_path / "copy.pt")
    assert recipe.model.norm_first is False and recipe.warmup_steps == 2
