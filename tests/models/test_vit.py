"""The Vision Transformer: the two patch embeddings are one map (values and gradients), the
patchify/unfold order, the whole model against one built from torch.nn (float64), its
attention maps against torch's attention on the same inputs, shapes, bad inputs, and the
`dlfs train vit` recipe (quick run, exact resume)."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn as tnn
from torch.nn import functional as TF

from dlfs.builtin_guard import BuiltinCallRecorder
from dlfs.models.vit import (
    PatchEmbedConv,
    PatchEmbedUnfold,
    ViT,
    ViTConfig,
    conv_to_unfold_state,
    patchify,
)
from dlfs.testing import assert_fn_parity, assert_module_parity

SMALL = {"image_size": 8, "patch_size": 4, "d_model": 8, "n_head": 2, "dim_feedforward": 12}


def _images(batch: int, channels: int, h: int, w: int, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch, channels, h, w, generator=gen, dtype=torch.float64)


# ---- the patch embedding, two ways ----------------------------------------------------------


@pytest.mark.parametrize("batch, channels, h, w, p", [(1, 1, 4, 4, 2), (3, 1, 16, 16, 4),
                                                      (2, 3, 6, 9, 3)])
def test_patchify_equals_torch_unfold_with_stride_p(batch, channels, h, w, p):
    """Non-overlapping patches: torch's unfold with kernel = stride = P, columns as rows."""
    x = _images(batch, channels, h, w)
    assert_fn_parity(lambda t: patchify(t, p),
                     lambda t: TF.unfold(t, p, stride=p).transpose(1, 2), x)


@pytest.mark.parametrize("batch, channels, h, w, p, d", [(1, 1, 4, 4, 2, 5), (3, 1, 16, 16, 4, 8),
                                                         (2, 3, 6, 9, 3, 7)])
def test_conv_and_unfold_linear_embeddings_are_the_same_map(batch, channels, h, w, p, d):
    """The conv's weights loaded into the unfold + Linear version: equal outputs, input
    gradients, and parameter gradients (the conv's flattened)."""
    torch.manual_seed(0)
    conv = PatchEmbedConv(channels, p, d).double()
    lin = PatchEmbedUnfold(channels, p, d).double()
    lin.load_state_dict(conv_to_unfold_state(conv.state_dict()))
    x_a = _images(batch, channels, h, w).requires_grad_()
    x_b = x_a.detach().clone().requires_grad_()
    out_a, out_b = conv(x_a), lin(x_b)
    assert out_a.shape == (batch, (h // p) * (w // p), d)
    torch.testing.assert_close(out_a, out_b, atol=1e-12, rtol=1e-10)
    g = torch.randn_like(out_a)
    out_a.backward(g)
    out_b.backward(g)
    torch.testing.assert_close(x_a.grad, x_b.grad, atol=1e-12, rtol=1e-10)
    torch.testing.assert_close(conv.proj.weight.grad.flatten(1), lin.proj.weight.grad)
    torch.testing.assert_close(conv.proj.bias.grad, lin.proj.bias.grad)


class _TorchPatchConv(tnn.Module):
    """The reference: torch's Conv2d, patches row by row."""

    def __init__(self, channels: int, p: int, d: int):
        super().__init__()
        self.proj = tnn.Conv2d(channels, d, p, stride=p)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


@pytest.mark.parametrize("shape, p", [((1, 1, 4, 4), 2), ((3, 2, 8, 12), 4)])
def test_conv_patch_embedding_matches_torch_conv2d(shape, p):
    ref = _TorchPatchConv(shape[1], p, 6).double()
    assert_module_parity(PatchEmbedConv(shape[1], p, 6).double(), ref, _images(*shape))


def test_a_planted_wrong_patch_order_is_caught():
    """Patches flattened (i, j, c) instead of (c, i, j): the conv weights no longer fit, so
    the equality above can fail (it is not vacuous)."""
    torch.manual_seed(0)
    conv = PatchEmbedConv(3, 2, 4).double()
    x = _images(1, 3, 4, 4)
    B, C, H, W = x.shape
    wrong = x.view(B, C, 2, 2, 2, 2).permute(0, 2, 4, 3, 5, 1).reshape(B, 4, 12)
    lin_out = wrong @ conv.proj.weight.flatten(1).T + conv.proj.bias
    assert not torch.allclose(lin_out, conv(x))


# ---- the model --------------------------------------------------------------------------------


class _TorchViT(tnn.Module):
    """A ViT from torch.nn layers with the same parameter names, for parity."""

    def __init__(self, c: ViTConfig):
        super().__init__()
        self.patch_embed = _TorchPatchConv(c.in_channels, c.patch_size, c.d_model)
        self.cls_token = tnn.Parameter(torch.zeros(1, 1, c.d_model))
        self.pos_embed = tnn.Module()
        self.pos_embed.weight = tnn.Parameter(torch.zeros(c.num_patches + 1, c.d_model))
        layer = tnn.TransformerEncoderLayer(c.d_model, c.n_head, c.dim_feedforward, 0.0,
                                            activation="gelu", batch_first=True,
                                            norm_first=True)
        self.encoder = tnn.TransformerEncoder(layer, c.n_layer, norm=tnn.LayerNorm(c.d_model),
                                              enable_nested_tensor=False)
        self.head = tnn.Linear(c.d_model, c.num_classes)

    def forward(self, x):
        z = self.patch_embed(x)
        h = torch.cat([self.cls_token.expand(len(x), -1, -1), z], 1) + self.pos_embed.weight
        return self.head(self.encoder(h)[:, 0])


@pytest.mark.parametrize("batch, embedding", [(1, "conv"), (3, "unfold")])
def test_vit_equals_a_vit_built_from_torch_layers(batch, embedding):
    """Same weights (the unfold version gets the conv kernel flattened): same logits, input
    and parameter gradients in float64."""
    config = ViTConfig(**SMALL, n_layer=2)
    torch.manual_seed(0)
    ref = _TorchViT(config).double()
    with torch.no_grad():
        for p in ref.parameters():
            p.normal_(0, 0.3)                     # cls, positions and biases not zero
    x = _images(batch, 1, 8, 8)
    if embedding == "conv":
        assert_module_parity(ViT(config).double(), ref, x)
        return
    ours = ViT(ViTConfig(**SMALL, n_layer=2, patch_embedding="unfold")).double()
    ours.load_state_dict(conv_to_unfold_state(ref.state_dict()))
    x_a, x_b = x.clone().requires_grad_(), x.clone().requires_grad_()
    out_a, out_b = ours(x_a), ref(x_b)
    torch.testing.assert_close(out_a, out_b)
    out_a.sum().backward()
    out_b.sum().backward()
    torch.testing.assert_close(x_a.grad, x_b.grad)
    torch.testing.assert_close(ours.patch_embed.proj.weight.grad,
                               ref.patch_embed.proj.weight.grad.flatten(1))


@pytest.mark.parametrize("batch", [1, 3])
def test_shapes_and_class_token_readout(batch):
    torch.manual_seed(0)
    model = ViT(ViTConfig(**SMALL))
    x = torch.rand(batch, 1, 8, 8) * 2 - 1
    assert model(x).shape == (batch, 10)
    assert model.tokens(x).shape == (batch, 5, 8)
    maps = model.attention_maps(x)
    assert maps.shape == (2, batch, 2, 5, 5)
    torch.testing.assert_close(maps.sum(-1), torch.ones(2, batch, 2, 5))
    with torch.no_grad():                     # the learned class token reaches the logits
        before = model(x)
        model.cls_token.add_(torch.randn_like(model.cls_token))
        assert not torch.allclose(model(x), before)


def test_attention_maps_are_the_weights_the_forward_pass_uses():
    """Capture each layer's attention input during forward (a hook), recompute torch's
    attention weights from it: equal to attention_maps (so LN-before-attention and the
    layer-by-layer progression are right)."""
    torch.manual_seed(0)
    model = ViT(ViTConfig(**SMALL, n_layer=3)).double()
    x = _images(2, 1, 8, 8)
    seen = []
    hooks = [layer.self_attn.register_forward_pre_hook(lambda m, args: seen.append(args[0]))
             for layer in model.encoder.layers]
    model(x)
    for h in hooks:
        h.remove()
    maps = model.attention_maps(x)
    for i, (layer, a) in enumerate(zip(model.encoder.layers, seen)):
        ref = tnn.MultiheadAttention(8, 2, batch_first=True).double()
        ref.load_state_dict(layer.self_attn.state_dict())
        _, w = ref(a, a, a, need_weights=True, average_attn_weights=False)
        torch.testing.assert_close(maps[i], w, msg=f"layer {i}")


def test_built_from_scratch_layers_only():
    torch.manual_seed(0)
    for embedding in ("conv", "unfold"):
        model = ViT(ViTConfig(**SMALL, patch_embedding=embedding))
        x = torch.rand(2, 1, 8, 8)
        with BuiltinCallRecorder() as recorder:
            model(x).sum().backward()
            model.attention_maps(x)
        assert recorder.calls == [], embedding
        assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("call, error, message", [
    (lambda: ViTConfig(image_size=16, patch_size=5), ValueError,
     "ViTConfig: image_size (16) must be divisible by patch_size (5)"),
    (lambda: ViTConfig(d_model=30, n_head=4), ValueError,
     "ViTConfig: d_model (30) must be divisible by n_head (4)"),
    (lambda: ViTConfig(n_layer=0), ValueError, "ViTConfig: n_layer must be a positive int, got 0"),
    (lambda: ViTConfig(dropout=1.0), ValueError, "ViTConfig: dropout must be in [0, 1), got 1.0"),
    (lambda: ViTConfig(patch_embedding="linear"), ValueError,
     "ViTConfig: patch_embedding must be 'conv' or 'unfold', got 'linear'"),
    (lambda: ViT(ViTConfig(**SMALL))(torch.zeros(2, 1, 16, 16)), ValueError,
     "ViT: expected images x of shape (B, 1, 8, 8), got (2, 1, 16, 16)"),
    (lambda: patchify(torch.zeros(1, 1, 6, 6), 4), ValueError,
     "patchify: image size 6x6 is not divisible by the patch size 4"),
    (lambda: patchify(torch.zeros(1, 6, 6, dtype=torch.long), 2), ValueError,
     "patchify: expected float images x of shape (B, Cin, H, W), got torch.int64 (1, 6, 6)"),
    (lambda: PatchEmbedConv(1, 4, 8)(torch.zeros(1, 1, 6, 8)), ValueError,
     "PatchEmbedConv: image size 6x8 is not divisible by the patch size 4"),
])
def test_bad_inputs_say_what_was_expected(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message


# ---- the recipe -------------------------------------------------------------------------------


def _tiny(out, *extra: str) -> list[str]:
    """`dlfs train vit --quick` with 12x12 images and width 8: a second or two."""
    return ["train", "vit", "--quick", "--image-size", "12", "--patch-size", "4", "--d-model",
            "8", "--batch-size", "32", "--out", str(out), *extra]


def test_quick_run_through_the_command_line(tmp_path, capsys):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from dlfs.cli import main

    out = tmp_path / "run"
    assert main(["train", "vit", "--quick", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "held-out accuracy" in printed and "CNN (LeNet-5, ReLU)" in printed
    info = json.loads((out / "run.json").read_text())
    assert info["kind"] == "vit" and info["model"]["d_model"] == 16
    assert set(info["results"]) == {"vit", "cnn"}
    for kind in ("vit", "cnn"):
        assert list((out / kind / "tensorboard").glob("events.out.tfevents.*"))
        events = EventAccumulator(str(out / kind / "tensorboard"))
        events.Reload()
        assert [e.step for e in events.Scalars("val/accuracy")] == [15, 30]   # held out
        assert f"curves: {out / kind / 'curves.png'}" in printed
        assert (out / kind / "checkpoints" / "step-00000030.pt").is_file()
        row = info["results"][kind]
        assert row["params"] > 0 and 0 <= row["accuracy"] <= 1 and row["seconds"] > 0
    assert info["results"]["cnn"]["accuracy"] > 0.2        # 30 steps: well above chance (10 %)


def test_resume_equals_the_uninterrupted_run(tmp_path, capsys):
    """15 steps, then --resume to 30, equals 30 straight, weights bit for bit (warm-up then a
    constant rate: no schedule tied to --max-steps). Another width is refused, naming it."""
    from dlfs.cli import main
    from dlfs.train import load_checkpoint

    straight, halves = tmp_path / "straight", tmp_path / "halves"
    assert main(_tiny(straight, "--models", "vit", "--max-steps", "30")) == 0
    assert main(_tiny(halves, "--models", "vit", "--max-steps", "15")) == 0
    assert main(_tiny(halves, "--models", "vit", "--max-steps", "30", "--resume")) == 0
    assert "resuming from" in capsys.readouterr().out
    a = load_checkpoint(straight / "vit" / "checkpoints" / "step-00000030.pt")
    b = load_checkpoint(halves / "vit" / "checkpoints" / "step-00000030.pt")
    for name, value in a["model"].items():
        assert torch.equal(value, b["model"][name]), name
    assert a["extra"]["evals"] == b["extra"]["evals"]
    argv = _tiny(halves, "--models", "vit", "--max-steps", "40", "--resume")
    argv[argv.index("--d-model") + 1] = "12"
    assert main(argv) == 2
    assert "--d-model 8 -> 12" in capsys.readouterr().err
    assert main(_tiny(tmp_path / "none", "--models", "cnn", "--resume")) == 2
    assert "no usable checkpoint" in capsys.readouterr().err


def test_recipe_refuses_what_cannot_work(tmp_path, capsys):
    from dlfs.cli import main

    assert main(_tiny(tmp_path / "a", "--image-size", "8", "--models", "both")) == 2
    assert "the CNN (LeNet-5) needs images of at least 12x12" in capsys.readouterr().err
    assert main(_tiny(tmp_path / "b", "--patch-size", "5")) == 2
    assert "image_size (12) must be divisible by patch_size (5)" in capsys.readouterr().err
    assert main(_tiny(tmp_path / "c", "--batch-size", "5000")) == 2
    assert "--batch-size 5000 is larger than the 1438 training images" in \
        capsys.readouterr().err
