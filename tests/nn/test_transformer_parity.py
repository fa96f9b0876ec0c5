"""dlfs.nn Transformer layers, stacks and the full model against torch.nn's.

Exact comparisons run in train mode with dropout=0 (torch then takes its plain Python path);
torch's eval "fast path" (fused kernels, nested tensors) is compared separately with a float64
tolerance.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as TF
from torch import nn

import dlfs.nn as dnn
import dlfs.nn.functional as F
from dlfs.testing import assert_module_parity

#: torch's Transformer layers give no gradient to their (float) attention masks; the masks
#: are compared through the outputs they shape, not by gradient
MASKS_NO_GRAD = ()

pytestmark = pytest.mark.filterwarnings(
    "ignore:enable_nested_tensor is True:UserWarning",          # torch's own layers' notices
    "ignore:Support for mismatched:UserWarning",
    "ignore:The PyTorch API of nested tensors:UserWarning",
)
f64 = torch.float64
C, H, FF = 8, 2, 12


def rand(*shape, dtype=f64, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def seq(B, L, batch_first, seed=0, dtype=f64):
    """A (B, L, C) or (L, B, C) input; B=None gives an unbatched (L, C) one."""
    if B is None:
        return rand(L, C, dtype=dtype, seed=seed)
    x = rand(B, L, C, dtype=dtype, seed=seed)
    return x if batch_first else x.transpose(0, 1).contiguous()


def padding(B, L, seed=5):
    """Bool (B, L), True = padding; the first key of every row is kept."""
    pad = torch.rand(B, L, generator=torch.Generator().manual_seed(seed)) < 0.4
    pad[:, 0] = False
    return pad


def pair(ours_cls, ref_cls, *args, dtype=f64, **kwargs):
    """(ours, ref) built with the same arguments, ours loaded from ref's state_dict."""
    torch.manual_seed(0)
    ref = ref_cls(*args, **kwargs).to(dtype)
    ours = ours_cls(*args, **kwargs).to(dtype)
    ours.load_state_dict(ref.state_dict(), strict=True)
    return ours, ref


def layer_kwargs(batch_first=True, norm_first=False, activation="relu", **kw):
    return dict(dim_feedforward=FF, dropout=0.0, activation=activation,
                batch_first=batch_first, norm_first=norm_first, **kw)


# ---------------------------------------------------------------- encoder layer


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("B,S", [(1, 1), (3, 5)])
def test_encoder_layer(norm_first, activation, batch_first, B, S):
    ours, ref = pair(dnn.TransformerEncoderLayer, nn.TransformerEncoderLayer, C, H,
                     **layer_kwargs(batch_first, norm_first, activation))
    assert_module_parity(ours, ref, seq(B, S, batch_first))


def test_encoder_layer_unbatched_and_no_bias():
    ours, ref = pair(dnn.TransformerEncoderLayer, nn.TransformerEncoderLayer, C, H,
                     **layer_kwargs(bias=False, layer_norm_eps=1e-3))
    assert ours.norm1.bias is None and ours.linear1.bias is None
    assert_module_parity(ours, ref, seq(None, 6, True))


def _encoder_masks(B, S):
    bool_mask = torch.rand(S, S, generator=torch.Generator().manual_seed(1)) < 0.3
    bool_mask.fill_diagonal_(False)
    causal = nn.Transformer.generate_square_subsequent_mask(S, dtype=f64)
    return {
        "bool": {"src_mask": bool_mask},
        "float": {"src_mask": rand(S, S, seed=2)},
        "per_head": {"src_mask": rand(B * H, S, S, seed=3)},
        "padding": {"src_key_padding_mask": padding(B, S)},
        "float_padding": {"src_key_padding_mask": padding(B, S).to(f64) * -1e4},
        "causal": {"src_mask": causal, "is_causal": True},
        "causal+padding": {"src_mask": causal.isinf(),
                           "src_key_padding_mask": padding(B, S)},
    }


@pytest.mark.parametrize("kind", ["bool", "float", "per_head", "padding", "float_padding",
                                  "causal", "causal+padding"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_masks(kind, norm_first):
    B, S = 2, 5
    ours, ref = pair(dnn.TransformerEncoderLayer, nn.TransformerEncoderLayer, C, H,
                     **layer_kwargs(norm_first=norm_first))
    assert_module_parity(ours, ref, seq(B, S, True), forward_kwargs=_encoder_masks(B, S)[kind],
                         grad_kwargs=MASKS_NO_GRAD)


def test_is_causal_without_mask_is_the_causal_mask():
    """torch insists on a mask with is_causal; dlfs builds the causal one itself."""
    ours = dnn.TransformerEncoderLayer(C, H, **layer_kwargs()).double()
    x = seq(2, 5, True)
    mask = dnn.Transformer.generate_square_subsequent_mask(5, dtype=f64)
    torch.testing.assert_close(ours(x, is_causal=True), ours(x, src_mask=mask))
    y = x.clone()
    y[:, -1] += 1.0                                     # the future moves only the last row
    torch.testing.assert_close(ours(y, is_causal=True)[:, :-1], ours(x, is_causal=True)[:, :-1])


# ---------------------------------------------------------------- decoder layer


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("B,T,S", [(1, 1, 1), (3, 4, 7)])
def test_decoder_layer(norm_first, activation, batch_first, B, T, S):
    ours, ref = pair(dnn.TransformerDecoderLayer, nn.TransformerDecoderLayer, C, H,
                     **layer_kwargs(batch_first, norm_first, activation))
    assert_module_parity(ours, ref, seq(B, T, batch_first), seq(B, S, batch_first, seed=1))


def _decoder_masks(B, T, S):
    causal = nn.Transformer.generate_square_subsequent_mask(T, dtype=f64)
    mem_bool = torch.rand(T, S, generator=torch.Generator().manual_seed(1)) < 0.3
    mem_bool[:, 0] = False
    return {
        "tgt_causal": {"tgt_mask": causal, "tgt_is_causal": True},
        "tgt_bool": {"tgt_mask": causal.isinf()},
        "memory_bool": {"memory_mask": mem_bool},
        "memory_float": {"memory_mask": rand(T, S, seed=2)},
        "memory_per_head": {"memory_mask": rand(B * H, T, S, seed=3)},
        "tgt_padding": {"tgt_key_padding_mask": padding(B, T)},
        "memory_padding": {"memory_key_padding_mask": padding(B, S, seed=6)},
        "all": {"tgt_mask": causal, "memory_mask": mem_bool,
                "tgt_key_padding_mask": padding(B, T),
                "memory_key_padding_mask": padding(B, S, seed=6), "tgt_is_causal": True},
    }


@pytest.mark.parametrize("kind", ["tgt_causal", "tgt_bool", "memory_bool", "memory_float",
                                  "memory_per_head", "tgt_padding", "memory_padding", "all"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_masks(kind, norm_first):
    B, T, S = 2, 5, 6
    ours, ref = pair(dnn.TransformerDecoderLayer, nn.TransformerDecoderLayer, C, H,
                     **layer_kwargs(norm_first=norm_first))
    assert_module_parity(ours, ref, seq(B, T, True), seq(B, S, True, seed=1),
                         forward_kwargs=_decoder_masks(B, T, S)[kind],
                         grad_kwargs=MASKS_NO_GRAD)


def test_memory_is_causal_hint_with_its_mask():
    T = S = 5
    ours, ref = pair(dnn.TransformerDecoderLayer, nn.TransformerDecoderLayer, C, H,
                     **layer_kwargs())
    mask = nn.Transformer.generate_square_subsequent_mask(T, dtype=f64)
    assert_module_parity(ours, ref, seq(2, T, True), seq(2, S, True, seed=1),
                         forward_kwargs={"memory_mask": mask, "memory_is_causal": True},
                         grad_kwargs=MASKS_NO_GRAD)


@pytest.mark.parametrize("which", ["function", "module"])
def test_callable_activation(which):
    ours_act, ref_act = (F.gelu, TF.gelu) if which == "function" else (dnn.GELU(), nn.GELU())
    torch.manual_seed(0)
    kw = dict(dim_feedforward=FF, dropout=0.0, batch_first=True)
    ref = nn.TransformerDecoderLayer(C, H, activation=ref_act, **kw).double()
    ours = dnn.TransformerDecoderLayer(C, H, activation=ours_act, **kw).double()
    assert_module_parity(ours, ref, seq(2, 3, True), seq(2, 4, True, seed=1))


def test_unknown_activation_string():
    with pytest.raises(RuntimeError, match="relu/gelu"):
        dnn.TransformerEncoderLayer(C, H, activation="swish")


# ---------------------------------------------------------------- stacks


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("with_norm", [False, True])
def test_encoder_stack(norm_first, with_norm):
    kw = layer_kwargs(norm_first=norm_first)
    torch.manual_seed(0)
    ref = nn.TransformerEncoder(nn.TransformerEncoderLayer(C, H, **kw), 3,
                                norm=nn.LayerNorm(C) if with_norm else None,
                                enable_nested_tensor=False).double()
    ours = dnn.TransformerEncoder(dnn.TransformerEncoderLayer(C, H, **kw), 3,
                                  norm=dnn.LayerNorm(C) if with_norm else None).double()
    for p in ref.parameters():                     # make the layers differ from each other
        p.data.add_(0.1 * torch.randn_like(p))
    x = seq(2, 6, True)
    masks = {"mask": nn.Transformer.generate_square_subsequent_mask(6, dtype=f64),
             "src_key_padding_mask": padding(2, 6)}
    assert_module_parity(ours, ref, x, forward_kwargs=masks, grad_kwargs=MASKS_NO_GRAD)


def test_encoder_deep_copies_the_layer():
    layer = dnn.TransformerEncoderLayer(C, H, **layer_kwargs())
    enc = dnn.TransformerEncoder(layer, 2)
    assert enc.layers[0] is not layer and enc.layers[0] is not enc.layers[1]
    w0, w1 = enc.layers[0].linear1.weight, enc.layers[1].linear1.weight
    assert w0 is not w1 and torch.equal(w0, w1) and torch.equal(w0, layer.linear1.weight)
    with torch.no_grad():
        w0.add_(1.0)
    assert not torch.equal(w0, w1)
    assert [n for n, _ in enc.named_parameters()][0] == "layers.0.self_attn.in_proj_weight"


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [True, False])
def test_decoder_stack(norm_first, batch_first):
    kw = layer_kwargs(batch_first, norm_first, "gelu")
    torch.manual_seed(0)
    ref = nn.TransformerDecoder(nn.TransformerDecoderLayer(C, H, **kw), 2,
                                norm=nn.LayerNorm(C)).double()
    ours = dnn.TransformerDecoder(dnn.TransformerDecoderLayer(C, H, **kw), 2,
                                  norm=dnn.LayerNorm(C)).double()
    for p in ref.parameters():
        p.data.add_(0.1 * torch.randn_like(p))
    masks = {"tgt_mask": nn.Transformer.generate_square_subsequent_mask(4, dtype=f64),
             "memory_key_padding_mask": padding(3, 5)}
    assert_module_parity(ours, ref, seq(3, 4, batch_first), seq(3, 5, batch_first, seed=1),
                         forward_kwargs=masks, grad_kwargs=MASKS_NO_GRAD)


# ---------------------------------------------------------------- full Transformer


def _transformer_pair(**kw):
    args = dict(d_model=C, nhead=H, num_encoder_layers=2, num_decoder_layers=2,
                dim_feedforward=FF, dropout=0.0, **kw)
    torch.manual_seed(0)
    ref = nn.Transformer(**args).double()
    ours = dnn.Transformer(**args).double()
    return ours, ref


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [True, False])
def test_transformer(norm_first, batch_first):
    ours, ref = _transformer_pair(norm_first=norm_first, batch_first=batch_first,
                                  activation="gelu")
    B, S, T = 2, 6, 4
    masks = {
        "src_mask": rand(S, S, seed=7),
        "tgt_mask": dnn.Transformer.generate_square_subsequent_mask(T, dtype=f64),
        "memory_mask": torch.zeros(T, S, dtype=torch.bool),
        "src_key_padding_mask": padding(B, S),
        "tgt_key_padding_mask": padding(B, T, seed=8),
        "memory_key_padding_mask": padding(B, S),
        "tgt_is_causal": True,
    }
    assert_module_parity(ours, ref, seq(B, S, batch_first), seq(B, T, batch_first, seed=1),
                         forward_kwargs=masks, grad_kwargs=MASKS_NO_GRAD)


def test_transformer_state_dict_both_ways_and_names():
    ours, ref = _transformer_pair(batch_first=True)
    names = set(ours.state_dict())
    assert names == set(ref.state_dict())
    for name in ("encoder.norm.weight", "decoder.norm.bias",
                 "decoder.layers.1.multihead_attn.in_proj_weight",
                 "encoder.layers.0.linear2.weight", "decoder.layers.0.norm3.weight"):
        assert name in names
    torch.manual_seed(1)
    other = dnn.Transformer(C, H, 2, 2, FF, 0.0, batch_first=True).double()
    ref.load_state_dict(other.state_dict(), strict=True)          # dlfs -> torch
    ours.load_state_dict(ref.state_dict(), strict=True)           # torch -> dlfs
    src, tgt = seq(2, 5, True), seq(2, 3, True, seed=1)
    torch.testing.assert_close(ours(src, tgt), other(src, tgt))
    torch.testing.assert_close(ref.eval()(src, tgt), other.eval()(src, tgt))


def test_transformer_init_is_xavier():
    torch.manual_seed(0)
    model = dnn.Transformer(16, 2, 1, 1, 64, batch_first=True)
    w = model.encoder.layers[0].linear1.weight                   # (64, 16)
    bound = (6 / (16 + 64)) ** 0.5
    assert w.abs().max() <= bound and w.abs().max() > 0.9 * bound
    assert torch.equal(model.decoder.norm.weight, torch.ones(16))


def test_generate_square_subsequent_mask():
    for n in (1, 4):
        assert torch.equal(dnn.Transformer.generate_square_subsequent_mask(n),
                           nn.Transformer.generate_square_subsequent_mask(n))


def test_transformer_shape_errors():
    model = dnn.Transformer(C, H, 1, 1, FF, batch_first=True)
    with pytest.raises(RuntimeError, match="batch number"):
        model(torch.randn(2, 5, C), torch.randn(3, 4, C))
    with pytest.raises(RuntimeError, match="d_model"):
        model(torch.randn(2, 5, C), torch.randn(2, 4, C + 1))


# ---------------------------------------------------------------- eval mode and dropout


def test_eval_fast_path_matches_within_tolerance():
    """torch's eval+no_grad fast path (fused kernel) equals our plain forward in float64;
    with end-padding torch's nested-tensor path returns zeros at padded rows, ours computes
    them (they are never attended to, so the real rows agree)."""
    kw = dict(dim_feedforward=FF, dropout=0.1, batch_first=True)
    torch.manual_seed(0)
    ref = nn.TransformerEncoder(nn.TransformerEncoderLayer(C, H, **kw), 2).double().eval()
    ours = dnn.TransformerEncoder(dnn.TransformerEncoderLayer(C, H, **kw), 2).double().eval()
    ours.load_state_dict(ref.state_dict(), strict=True)
    x = seq(3, 7, True)
    pad = torch.arange(7) >= torch.tensor([[7], [4], [2]])      # (3, 7) padding at the end
    with torch.no_grad():
        torch.testing.assert_close(ours(x), ref(x), atol=1e-8, rtol=1e-8)
        got, want = ours(x, src_key_padding_mask=pad), ref(x, src_key_padding_mask=pad)
    torch.testing.assert_close(got[~pad], want[~pad], atol=1e-8, rtol=1e-8)
    assert torch.equal(want[pad], torch.zeros_like(want[pad]))


def test_eval_decoder_and_transformer_with_dropout_configured():
    ours, ref = _transformer_pair(batch_first=True)
    for m in (ours, ref):
        for mod in m.modules():
            if hasattr(mod, "p"):
                mod.p = 0.3
            if isinstance(mod, (nn.MultiheadAttention, dnn.MultiheadAttention)):
                mod.dropout = 0.3
    ours.load_state_dict(ref.state_dict(), strict=True)
    ours.eval(), ref.eval()
    src, tgt = seq(2, 5, True), seq(2, 4, True, seed=1)
    with torch.no_grad():
        torch.testing.assert_close(ours(src, tgt), ref(src, tgt), atol=1e-8, rtol=1e-8)
    ours.train()
    torch.manual_seed(3)
    a = ours(src, tgt)
    b = ours(src, tgt)
    assert not torch.allclose(a, b)                      # dropout is active in train mode


def test_float32_loose():
    ours, ref = _transformer_pair(batch_first=True, norm_first=True)
    ours, ref = ours.float(), ref.float()
    src, tgt = seq(2, 5, True, dtype=torch.float32), seq(2, 3, True, 1, torch.float32)
    assert_module_parity(ours, ref, src, tgt, atol=1e-4, rtol=1e-4)
