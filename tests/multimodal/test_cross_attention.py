"""Cross-attention equals torch's MultiheadAttention with kdim/vdim (values, gradients,
masks); the gated block is the identity at init and still passes a gradient to its gates;
the Q-Former equals a torch-built twin and returns n_queries rows whatever the patch count."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlfs.attention.cross_attention import CrossAttention, GatedCrossAttentionBlock
from dlfs.models.qformer import QFormer
from dlfs.testing import assert_module_parity


def _randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed),
                       dtype=torch.float64)


class TorchCross(nn.Module):
    """The reference: torch's MHA with query = x and key = value = context."""

    def __init__(self, d, h, dc=None, dropout=0.0):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, h, dropout=dropout, kdim=dc, vdim=dc,
                                          batch_first=True)

    def forward(self, x, context, key_padding_mask=None, attn_mask=None):
        return self.attn(x, context, context, key_padding_mask=key_padding_mask,
                         attn_mask=attn_mask, need_weights=False)[0]


def _ffn(d, f):
    return nn.Sequential(nn.Linear(d, f), nn.GELU(), nn.Linear(f, d))


class TorchGated(nn.Module):
    """Flamingo's block from torch layers, with the names of GatedCrossAttentionBlock."""

    def __init__(self, d, h, dc=None, d_ff=None, gates=(0.0, 0.0)):
        super().__init__()
        d_ff = d_ff or 4 * d
        self.ln_attn, self.xattn = nn.LayerNorm(d), TorchCross(d, h, dc)
        self.attn_gate = nn.Parameter(torch.tensor(gates[0]))
        self.ln_ff, self.ff = nn.LayerNorm(d), _ffn(d, d_ff)
        self.ff_gate = nn.Parameter(torch.tensor(gates[1]))

    def forward(self, x, context, key_padding_mask=None, attn_mask=None):
        x = x + torch.tanh(self.attn_gate) * self.xattn(self.ln_attn(x), context,
                                                        key_padding_mask, attn_mask)
        return x + torch.tanh(self.ff_gate) * self.ff(self.ln_ff(x))


class TorchQFormerLayer(nn.Module):
    def __init__(self, d, h, di, f):
        super().__init__()
        self.ln_self, self.self_attn = nn.LayerNorm(d), nn.MultiheadAttention(
            d, h, batch_first=True)
        self.ln_cross, self.cross_attn = nn.LayerNorm(d), TorchCross(d, h, di)
        self.ln_ff, self.ff = nn.LayerNorm(d), _ffn(d, f)

    def forward(self, z, image, pad=None):
        h = self.ln_self(z)
        z = z + self.self_attn(h, h, h, need_weights=False)[0]
        z = z + self.cross_attn(self.ln_cross(z), image, pad)
        return z + self.ff(self.ln_ff(z))


class TorchQFormer(nn.Module):
    def __init__(self, n, d, layers, h, di):
        super().__init__()
        self.query_tokens = nn.Parameter(torch.randn(1, n, d))
        self.ln_image = nn.LayerNorm(di)
        self.layers = nn.ModuleList(TorchQFormerLayer(d, h, di, 4 * d) for _ in range(layers))
        self.ln_out = nn.LayerNorm(d)

    def forward(self, features, key_padding_mask=None):
        image = self.ln_image(features)
        z = self.query_tokens.expand(features.shape[0], -1, -1)
        for layer in self.layers:
            z = layer(z, image, key_padding_mask)
        return self.ln_out(z)


def _randomize(module):
    """Non-trivial LayerNorm gains and biases (torch initialises them to 1 and 0)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("bias") or "ln" in name:
                p.add_(0.3 * torch.randn_like(p))
    return module


SHAPES = [  # (B, T, S, d_model, n_heads, d_context)
    (1, 1, 1, 4, 1, None),
    (2, 5, 7, 8, 2, 6),
    (3, 4, 9, 12, 3, None),
    (1, 7, 3, 6, 3, 10),
]


@pytest.mark.parametrize("shape", SHAPES)
def test_cross_attention_equals_torch_mha(shape):
    B, T, S, d, h, dc = shape
    ref = _randomize(TorchCross(d, h, dc).double())
    x, c = _randn(B, T, d, seed=1), _randn(B, S, dc or d, seed=2)
    assert_module_parity(CrossAttention(d, h, dc).double(), ref, x, c)


@pytest.mark.parametrize("kind", ["padding", "bool attn_mask", "float attn_mask", "both"])
def test_cross_attention_masks_equal_torch(kind):
    B, T, S, d, h, dc = 3, 4, 6, 8, 2, 5
    ref = _randomize(TorchCross(d, h, dc).double())
    x, c = _randn(B, T, d, seed=3), _randn(B, S, dc, seed=4)
    pad = torch.zeros(B, S, dtype=torch.bool)
    pad[0, 4:], pad[2, 1:3] = True, True                 # image 0 has 4 patches, image 2 four
    blocked = torch.rand(T, S, generator=torch.Generator().manual_seed(5)) < 0.4
    blocked[:, 0] = False                                # every query keeps patch 0
    kwargs = {"padding": {"key_padding_mask": pad},
              "bool attn_mask": {"attn_mask": blocked},
              "float attn_mask": {"attn_mask": _randn(T, S, seed=6)},
              "both": {"key_padding_mask": pad, "attn_mask": blocked}}[kind]
    ours = CrossAttention(d, h, dc).double()
    assert_module_parity(ours, ref, x, c, forward_kwargs=kwargs, grad_kwargs=False)
    _, weights = ours.attend(x, c, **kwargs)             # (B, H, T, S)
    if "key_padding_mask" in kwargs:
        assert (weights[0, :, :, 4:] == 0).all() and (weights[2, :, :, 1:3] == 0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(B, h, T, dtype=torch.float64))


def test_attend_weights_equal_torch_per_head_and_dropout_is_off_in_eval():
    ref = TorchCross(8, 2, 6, dropout=0.5).double().eval()
    ours = CrossAttention(8, 2, 6, dropout=0.5).double().eval()
    ours.load_state_dict(ref.state_dict())
    x, c = _randn(2, 3, 8, seed=7), _randn(2, 5, 6, seed=8)
    out, w = ours.attend(x, c)
    ref_out, ref_w = ref.attn(x, c, c, average_attn_weights=False)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(w, ref_w)
    ours.train()                                         # train mode: dropout on the weights
    assert not torch.allclose(ours(x, c), ref_out)


def test_cross_attention_bad_inputs():
    with pytest.raises(ValueError, match="divisible"):
        CrossAttention(8, 3)
    with pytest.raises(ValueError, match="d_context must be a positive int"):
        CrossAttention(8, 2, d_context=0)
    xattn = CrossAttention(8, 2, d_context=6)
    x, c = torch.randn(2, 3, 8), torch.randn(2, 5, 6)
    with pytest.raises(ValueError, match=r"x must be \(B, T, d_model=8\), got \(2, 3, 7\)"):
        xattn(torch.randn(2, 3, 7), c)
    with pytest.raises(ValueError, match=r"context must be \(B, S, d_context=6\)"):
        xattn(x, torch.randn(2, 5, 8))
    with pytest.raises(ValueError, match="x has batch 2 but context has batch 3"):
        xattn(x, torch.randn(3, 5, 6))
    with pytest.raises(ValueError, match=r"key_padding_mask must be \(B, S\) = \(2, 5\)"):
        xattn(x, c, key_padding_mask=torch.zeros(2, 3, dtype=torch.bool))


@pytest.mark.parametrize("shape", SHAPES[1:])
def test_gated_block_equals_torch_reference_with_open_gates(shape):
    B, T, S, d, h, dc = shape
    ref = _randomize(TorchGated(d, h, dc, gates=(0.7, -0.4)).double())
    x, c = _randn(B, T, d, seed=9), _randn(B, S, dc or d, seed=10)
    pad = torch.zeros(B, S, dtype=torch.bool)
    pad[-1, S // 2 + 1:] = True
    assert_module_parity(GatedCrossAttentionBlock(d, h, dc).double(), ref, x, c,
                         forward_kwargs={"key_padding_mask": pad}, grad_kwargs=False)


def test_gated_block_is_the_identity_at_init_and_its_gates_get_a_gradient():
    torch.manual_seed(0)
    block = GatedCrossAttentionBlock(8, 2, d_context=6, d_ff=16).double()
    assert block.gates() == (0.0, 0.0)
    x, c = _randn(2, 5, 8, seed=11).requires_grad_(), _randn(2, 7, 6, seed=12)
    out = block(x, c)
    assert torch.equal(out, x)                           # exactly the identity
    g = _randn(2, 5, 8, seed=13)
    out.backward(g)
    # d out / d alpha = tanh'(0) * branch = branch: the gradient reaches the closed gates ...
    with torch.no_grad():
        read = block.xattn(block.ln_attn(x), c)
        ff = block.ff(block.ln_ff(x))
    torch.testing.assert_close(block.attn_gate.grad, (g * read).sum())
    torch.testing.assert_close(block.ff_gate.grad, (g * ff).sum())
    assert block.attn_gate.grad.abs() > 1e-3 and block.ff_gate.grad.abs() > 1e-3
    # ... while the branches behind them get none yet, and x passes the gradient unchanged
    assert all(p.grad is None or not p.grad.any() for n, p in block.named_parameters()
               if not n.endswith("gate"))
    torch.testing.assert_close(x.grad, g)


def test_gated_block_gate_opens_when_the_context_is_needed():
    """y = x + the context's mean: only the cross-attention branch can supply it."""
    torch.manual_seed(0)
    block = GatedCrossAttentionBlock(8, 2, d_context=8, d_ff=16)
    opt = torch.optim.Adam(block.parameters(), lr=1e-2)
    for _ in range(15):
        x, c = torch.randn(8, 3, 8), torch.randn(8, 4, 8)
        loss = (block(x, c) - (x + c.mean(1, keepdim=True))).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert abs(block.gates()[0]) > 0.1, block.gates()


def test_gated_block_bad_inputs():
    with pytest.raises(ValueError, match="d_ff must be a positive int"):
        GatedCrossAttentionBlock(8, 2, d_ff=0)
    with pytest.raises(ValueError, match="context must be"):
        GatedCrossAttentionBlock(8, 2, d_context=6)(torch.randn(1, 2, 8), torch.randn(1, 3, 8))


def test_qformer_equals_a_torch_built_twin():
    ref = _randomize(TorchQFormer(3, 8, 2, 2, 6).double())
    features = _randn(2, 5, 6, seed=14)
    pad = torch.zeros(2, 5, dtype=torch.bool)
    pad[1, 3:] = True
    assert_module_parity(QFormer(3, 8, 2, 2, 6).double(), ref, features,
                         forward_kwargs={"key_padding_mask": pad}, grad_kwargs=False)


@pytest.mark.parametrize("patches", [1, 16, 49])
def test_qformer_output_shape_is_independent_of_the_patch_count(patches):
    qformer = QFormer(n_queries=4, d_model=16, n_layers=2, n_heads=2, d_image=64)
    assert qformer(torch.randn(3, patches, 64)).shape == (3, 4, 16)


def test_qformer_ignores_padded_patches_and_reads_the_real_ones():
    torch.manual_seed(0)
    qformer = QFormer(n_queries=4, d_model=16, n_layers=2, n_heads=2, d_image=8).double()
    features = _randn(2, 5, 8, seed=15)
    padded = torch.cat([features, _randn(2, 3, 8, seed=16)], dim=1)   # 3 junk patches
    pad = torch.zeros(2, 8, dtype=torch.bool)
    pad[:, 5:] = True
    out = qformer(features)
    torch.testing.assert_close(qformer(padded, key_padding_mask=pad), out)
    assert not torch.allclose(qformer(padded), out)      # unmasked, the junk changes it
    other = features.clone()
    other[1, 2] += _randn(8, seed=17)                    # a real patch of image 1 changes:
    moved = (qformer(other) - out).abs().amax(dim=(1, 2))
    assert moved[0] == 0 and moved[1] > 1e-6             # only image 1's queries move


def test_qformer_bad_inputs():
    with pytest.raises(ValueError, match="n_queries must be a positive int, got 0"):
        QFormer(0, 8, 1, 2, 6)
    with pytest.raises(ValueError, match="divisible"):
        QFormer(2, 8, 1, 3, 6)
    with pytest.raises(ValueError, match=r"image_features must be \(B, S, d_image=6\)"):
        QFormer(2, 8, 1, 2, 6)(torch.randn(2, 5, 7))
