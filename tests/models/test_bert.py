"""BERT: the body against one built from torch.nn layers (float64, padding masked), padding
invariance, the tied MLM decoder, the MLM loss, loading a pre-trained body, shapes, bad inputs,
and the `dlfs train bert` recipe (quick run of both stages, exact resume of pre-training,
fine-tuning from a saved run)."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn as tnn
from torch.nn import functional as TF

from dlfs.builtin_guard import BuiltinCallRecorder
from dlfs.models.bert import (
    BertClassifier,
    BertConfig,
    BertEncoder,
    BertForMaskedLM,
    mlm_loss,
)
from dlfs.testing import assert_module_parity

SMALL = BertConfig(vocab_size=13, max_len=10, d_model=8, n_layer=2, n_head=2,
                   dim_feedforward=16)


def _ids(batch: int, length: int, seed: int = 0, pad_from: int | None = None) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, 13, (batch, length), generator=gen)
    if pad_from is not None:
        ids[-1, pad_from:] = 0                                   # the last row is padded
    return ids


class _TorchBody(tnn.Module):
    """BERT's body from torch.nn layers, with dlfs's parameter names."""

    def __init__(self, c: BertConfig):
        super().__init__()
        self.tok_embed = tnn.Embedding(c.vocab_size, c.d_model, padding_idx=c.pad_id)
        self.pos_embed = tnn.Module()
        self.pos_embed.weight = tnn.Parameter(torch.randn(c.max_len, c.d_model))
        self.emb_norm = tnn.LayerNorm(c.d_model)
        layer = tnn.TransformerEncoderLayer(c.d_model, c.n_head, c.dim_feedforward, 0.0,
                                            activation="gelu", batch_first=True,
                                            norm_first=c.norm_first)
        final = tnn.LayerNorm(c.d_model) if c.norm_first else None
        self.encoder = tnn.TransformerEncoder(layer, c.n_layer, norm=final,
                                              enable_nested_tensor=False)
        self.pad_id = c.pad_id

    def forward(self, ids):
        T = ids.shape[1]
        h = self.emb_norm(self.tok_embed(ids) + self.pos_embed.weight[:T])
        return self.encoder(h, src_key_padding_mask=ids == self.pad_id)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch, length, pad_from", [(1, 5, None), (3, 7, 4)])
def test_body_equals_one_built_from_torch_layers(norm_first, batch, length, pad_from):
    """Post-LN (BERT) and Pre-LN bodies, with and without padding: same hidden states and
    parameter gradients in float64 (the gradient reaching padded positions included)."""
    import dataclasses

    config = dataclasses.replace(SMALL, norm_first=norm_first)
    torch.manual_seed(0)
    ref = _TorchBody(config).double()
    with torch.no_grad():
        for name, p in ref.named_parameters():
            if "tok_embed" not in name:
                p.normal_(0, 0.3)
    ours = BertEncoder(config).double()
    assert_module_parity(ours, ref, _ids(batch, length, pad_from=pad_from))


def test_padding_changes_nothing_at_real_positions():
    """A line alone, and the same line padded inside a batch: same hidden states at its
    positions and same class logits (the [PAD] keys are masked out)."""
    torch.manual_seed(0)
    clf = BertClassifier(SMALL, num_classes=3).eval()
    short = torch.tensor([[11, 3, 4, 5]])
    batch = torch.tensor([[11, 3, 4, 5, 0, 0, 0], [11, 6, 7, 8, 9, 10, 2]])
    with torch.no_grad():
        torch.testing.assert_close(clf.bert(short)[0], clf.bert(batch)[0, :4])
        torch.testing.assert_close(clf(short)[0], clf(batch)[0])
        unmasked = clf.bert.encoder(clf.bert.emb_norm(clf.bert.pos_embed(
            clf.bert.tok_embed(batch))))                               # no padding mask
    assert not torch.allclose(unmasked[0, :4], clf.bert(short)[0])   # the mask matters


def test_mlm_head_is_tied_to_the_token_embedding():
    torch.manual_seed(0)
    mlm = BertForMaskedLM(SMALL)
    assert mlm.decoder.weight is mlm.bert.tok_embed.weight
    names = [n for n, _ in mlm.named_parameters()]
    assert "decoder.weight" not in names and len(names) == len(set(names))
    ids = _ids(2, 6)
    logits = mlm(ids)
    assert logits.shape == (2, 6, 13)
    # logits = LN(GELU(W h + b)) E^T + b_V, computed by hand from the body's output
    h = mlm.norm(mlm.act(mlm.transform(mlm.bert(ids))))
    torch.testing.assert_close(logits, h @ mlm.bert.tok_embed.weight.T + mlm.decoder.bias)
    labels = torch.full((2, 6), -100)
    labels[0, 2] = 5
    mlm_loss(logits, labels).backward()
    assert mlm.bert.tok_embed.weight.grad is not None


def test_masked_logits_are_the_full_logits_at_the_chosen_positions():
    torch.manual_seed(0)
    mlm = BertForMaskedLM(SMALL).double()
    ids = _ids(3, 7, pad_from=5)
    chosen = torch.zeros(3, 7, dtype=torch.bool)
    chosen[0, 2] = chosen[1, 0] = chosen[1, 6] = chosen[2, 3] = True
    full = mlm(ids)                                              # (3, 7, 13)
    picked = mlm.masked_logits(ids, chosen)                      # (4, 13)
    torch.testing.assert_close(picked, full[chosen])
    with pytest.raises(ValueError, match="chosen must be bool of ids' shape"):
        mlm.masked_logits(ids, chosen[:, :3])


def test_mlm_loss_averages_over_the_chosen_positions_only():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 7, generator=gen, dtype=torch.float64, requires_grad=True)
    labels = torch.tensor([[-100, 3, -100, 6], [0, -100, -100, -100]])
    loss = mlm_loss(logits, labels)
    chosen = labels != -100
    want = TF.cross_entropy(logits[chosen], labels[chosen])
    torch.testing.assert_close(loss, want)
    loss.backward()
    assert (logits.grad[~chosen] == 0).all() and (logits.grad[chosen] != 0).all()


def test_load_pretrained_copies_the_body_and_keeps_a_fresh_head():
    torch.manual_seed(0)
    mlm = BertForMaskedLM(SMALL)
    torch.manual_seed(1)
    clf = BertClassifier(SMALL, num_classes=4)
    pooler = clf.pooler.weight.clone()
    clf.load_pretrained(mlm)
    for name, value in mlm.bert.state_dict().items():
        assert torch.equal(clf.bert.state_dict()[name], value), name
    assert torch.equal(clf.pooler.weight, pooler)
    clf2 = BertClassifier(SMALL, num_classes=4)
    clf2.load_pretrained(mlm.state_dict())                     # a state dict works too
    assert torch.equal(clf2.bert.tok_embed.weight, mlm.bert.tok_embed.weight)
    with pytest.raises(ValueError, match="does not fit this body"):
        clf.load_pretrained({"bert.nonsense": torch.zeros(1)})


@pytest.mark.parametrize("batch, length", [(1, 1), (3, 9)])
def test_shapes(batch, length):
    torch.manual_seed(0)
    ids = _ids(batch, length)
    assert BertEncoder(SMALL)(ids).shape == (batch, length, 8)
    assert BertForMaskedLM(SMALL)(ids).shape == (batch, length, 13)
    assert BertClassifier(SMALL, 5)(ids).shape == (batch, 5)


def test_built_from_scratch_layers_only_and_initialised_as_bert():
    torch.manual_seed(0)
    mlm, clf = BertForMaskedLM(SMALL), BertClassifier(SMALL, 3)
    ids = _ids(2, 6, pad_from=3)
    with BuiltinCallRecorder() as recorder:
        mlm_loss(mlm(ids), ids.masked_fill(ids == 0, -100)).backward()
        clf(ids).sum().backward()
    assert recorder.calls == []
    assert (mlm.bert.tok_embed.weight[0] == 0).all()           # the [PAD] row
    w = mlm.bert.encoder.layers[0].linear1.weight
    assert abs(float(w.detach().std()) - 0.02) < 0.005 and (mlm.decoder.bias == 0).all()


@pytest.mark.parametrize("call, error, message", [
    (lambda: BertConfig(d_model=30, n_head=4), ValueError,
     "BertConfig: d_model (30) must be divisible by n_head (4)"),
    (lambda: BertConfig(vocab_size=5, pad_id=5), ValueError,
     "BertConfig: pad_id 5 is outside [0, 5)"),
    (lambda: BertConfig(dropout=-0.1), ValueError,
     "BertConfig: dropout must be in [0, 1), got -0.1"),
    (lambda: BertEncoder(BertConfig()), ValueError,
     "BertEncoder: config.vocab_size is None; set it to the vocabulary size "
     "(dataclasses.replace(config, vocab_size=V))"),
    (lambda: BertEncoder(SMALL)(torch.zeros(2, 11, dtype=torch.long)), ValueError,
     "BERT: 11 tokens exceed max_len 10; cut the lines first"),
    (lambda: BertEncoder(SMALL)(torch.zeros(2, 3)), ValueError,
     "BERT: ids must be int64 of shape (B, T), got torch.float32 (2, 3)"),
    (lambda: BertEncoder(SMALL)(torch.full((1, 3), 13)), ValueError,
     "BERT: ids must lie in [0, 13), got values in [13, 13]"),
    (lambda: BertClassifier(SMALL, 1), ValueError,
     "BertClassifier: num_classes must be an int >= 2, got 1"),
    (lambda: mlm_loss(torch.zeros(1, 3, 4), torch.full((1, 3), -100)), ValueError,
     "mlm_loss: no position is chosen (every label is -100); there is nothing to predict"),
    (lambda: mlm_loss(torch.zeros(1, 3, 4), torch.zeros(1, 4, dtype=torch.long)), ValueError,
     "mlm_loss: logits (B, T, V) (1, 3, 4) and labels (B, T) (1, 4) do not match"),
])
def test_bad_inputs_say_what_was_expected(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message


# ---- the recipe -----------------------------------------------------------------------------


def _tiny(out, *extra: str) -> list[str]:
    """`dlfs train bert --quick`, smaller still: about a second per stage."""
    return ["train", "bert", "--quick", "--pretrain-chars", "20000", "--d-model", "16",
            "--dim-feedforward", "16", "--n-layer", "1", "--batch-size", "16",
            "--labelled-per-class", "4", "--finetune-steps", "6", "--out", str(out), *extra]


def test_quick_run_of_both_stages_through_the_command_line(tmp_path, capsys):
    from dlfs.cli import main

    out = tmp_path / "run"
    assert main(["train", "bert", "--quick", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "held-out MLM loss" in printed and "gain from pre-training" in printed
    info = json.loads((out / "run.json").read_text())
    assert info["kind"] == "bert" and info["model"]["vocab_size"] == 384 + 3
    assert info["pretrain"]["step"] == 30
    assert info["pretrain"]["val_loss"] < 5.9                   # below log(387), uniform
    for variant in ("finetuned", "scratch"):
        assert 0 <= info["finetune"][variant]["accuracy"] <= 1
        assert list((out / variant / "tensorboard").glob("events.out.tfevents.*"))
    for stage in ("pretrain", "finetuned", "scratch"):
        assert f"curves: {out / stage / 'curves.png'}" in printed
    assert info["finetune"]["labelled"] == 100 and info["finetune"]["test"] == 1500
    assert (out / "pretrain" / "checkpoints" / "step-00000030.pt").is_file()


def test_pretraining_resumes_exactly_and_finetuning_reads_the_saved_run(tmp_path, capsys):
    """6 steps, then --resume to 12, equals 12 straight, weights bit for bit (the masks come
    from the generator the checkpoint restores). Then --stage finetune alone uses that run;
    other model settings are refused, naming them."""
    from dlfs.cli import main
    from dlfs.train import load_checkpoint

    straight, halves = tmp_path / "straight", tmp_path / "halves"
    common = ("--stage", "pretrain", "--eval-every", "3")
    assert main(_tiny(straight, *common, "--max-steps", "12")) == 0
    assert main(_tiny(halves, *common, "--max-steps", "6")) == 0
    assert main(_tiny(halves, *common, "--max-steps", "12", "--resume")) == 0
    assert "resuming from" in capsys.readouterr().out
    a = load_checkpoint(straight / "pretrain" / "checkpoints" / "step-00000012.pt")
    b = load_checkpoint(halves / "pretrain" / "checkpoints" / "step-00000012.pt")
    for name, value in a["model"].items():
        assert torch.equal(value, b["model"][name]), name
    assert a["extra"]["evals"] == b["extra"]["evals"]

    assert main(_tiny(halves, "--stage", "finetune")) == 0
    printed = capsys.readouterr().out
    assert "from the pre-training of step 12" in printed
    info = json.loads((halves / "run.json").read_text())
    assert info["pretrain"]["step"] == 12 and "finetune" in info     # both parts kept
    argv = _tiny(halves, "--stage", "finetune")
    argv[argv.index("--d-model") + 1] = "8"
    assert main(argv) == 2
    assert "--d-model 16 -> 8" in capsys.readouterr().err


def test_recipe_refuses_what_cannot_work(tmp_path, capsys):
    from dlfs.cli import main

    assert main(_tiny(tmp_path / "a", "--stage", "finetune")) == 2
    assert "--stage finetune needs a pre-trained model" in capsys.readouterr().err
    assert main(_tiny(tmp_path / "b", "--stage", "finetune", "--resume")) == 2
    assert "--resume continues pre-training" in capsys.readouterr().err
    assert main(_tiny(tmp_path / "c", "--resume")) == 2
    assert "no usable checkpoint" in capsys.readouterr().err
    assert main(_tiny(tmp_path / "d", "--batch-size", "100000")) == 2
    assert "fewer than --batch-size 100000" in capsys.readouterr().err
