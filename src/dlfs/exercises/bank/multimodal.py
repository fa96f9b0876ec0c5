"""Exercises on multimodal models: Flamingo's gated cross-attention block (the
``gated-cross-attention`` lesson)."""

from __future__ import annotations

import torch
from torch import nn

from ... import nn as dnn
from ...attention.cross_attention import CrossAttention
from ..cases import Case, module_case, randn, watched
from ..schema import Exercise

# ---- the gated cross-attention block -----------------------------------------------------


class _TorchCross(nn.Module):
    """torch's MultiheadAttention with query = x and key = value = context."""

    def __init__(self, d_model, n_heads, d_context=None):
        super().__init__()
        self.attn = nn.MultiheadAttention(d_model, n_heads, kdim=d_context, vdim=d_context,
                                          batch_first=True)

    def forward(self, x, context, key_padding_mask=None):
        return self.attn(x, context, context, key_padding_mask=key_padding_mask,
                         need_weights=False)[0]


class _TorchGated(nn.Module):
    """The reference: Flamingo's block from torch layers, gates set to (0.7, -0.4) (or
    closed), LayerNorm gains and biases moved off 1 and 0."""

    def __init__(self, d_model, n_heads, d_context=None, d_ff=None, gates=(0.7, -0.4)):
        super().__init__()
        d_ff = d_ff or 4 * d_model
        self.ln_attn = nn.LayerNorm(d_model)
        self.xattn = _TorchCross(d_model, n_heads, d_context)
        self.attn_gate = nn.Parameter(torch.tensor(gates[0]))
        self.ln_ff = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))
        self.ff_gate = nn.Parameter(torch.tensor(gates[1]))
        with torch.no_grad():
            for ln in (self.ln_attn, self.ln_ff):
                ln.weight.add_(0.3 * torch.randn_like(ln.weight))
                ln.bias.add_(0.3 * torch.randn_like(ln.bias))

    def forward(self, x, context, key_padding_mask=None):
        x = x + torch.tanh(self.attn_gate) * self.xattn(self.ln_attn(x), context,
                                                        key_padding_mask)
        return x + torch.tanh(self.ff_gate) * self.ff(self.ln_ff(x))


def gated_block_cases(Block):
    # 1. closed gates: the block must return x itself, and its gates must start at 0
    block = Block(4, 1).double()

    def identity() -> None:
        x, c = randn(1, 1, 4, seed=1), randn(1, 1, 4, seed=2)
        out = watched(lambda: block(x, c))()
        names = dict(block.named_parameters())
        for gate in ("attn_gate", "ff_gate"):
            if gate not in names:
                raise AssertionError(f"no parameter named {gate!r} (found {sorted(names)})")
            if names[gate].detach().abs().max() != 0:
                raise AssertionError(f"{gate} starts at {names[gate].detach().tolist()}, "
                                     "expected 0 (a new block must be the identity)")
        if not isinstance(out, torch.Tensor) or out.shape != x.shape:
            raise AssertionError(f"output: expected a tensor of shape {tuple(x.shape)}, got "
                                 f"{getattr(out, 'shape', type(out).__name__)}")
        gap = (out.detach().double() - x).abs().max().item()
        if gap != 0:
            raise AssertionError(f"a new block (gates at 0) must return x exactly; "
                                 f"max |block(x) - x| = {gap:.3g}")
    yield Case("identity at init: x (1, 1, 4), context (1, 1, 4), gates 0", identity)

    # 2. parity with torch layers, gates open (and once closed: the gates' gradient)
    settings = [  # name, (B, T, S), (d_model, n_heads, d_context, d_ff), gates, padding
        ("x (1, 1, 4), context (1, 1, 4), 1 head, gates (0.7, -0.4)",
         (1, 1, 1), (4, 1, None, None), (0.7, -0.4), False),
        ("x (2, 5, 8), context (2, 7, 6), 2 heads, d_ff 12, gates (0.7, -0.4)",
         (2, 5, 7), (8, 2, 6, 12), (0.7, -0.4), False),
        ("x (3, 4, 12), context (3, 9, 12), 3 heads, key_padding_mask, gates (0.7, -0.4)",
         (3, 4, 9), (12, 3, None, None), (0.7, -0.4), True),
        ("x (2, 3, 8), context (2, 5, 10), 2 heads, gates closed (their gradient)",
         (2, 3, 5), (8, 2, 10, None), (0.0, 0.0), False),
    ]
    for i, (name, (B, T, S), (d, h, dc, f), gates, padding) in enumerate(settings):
        x, c = randn(B, T, d, seed=10 + i), randn(B, S, dc or d, seed=20 + i)
        kwargs = {}
        if padding:
            pad = torch.zeros(B, S, dtype=torch.bool)
            pad[-1, S // 2:] = True                       # the last image: half its patches
            kwargs = {"forward_kwargs": {"key_padding_mask": pad}, "grad_kwargs": False}
        yield module_case(
            name, lambda d=d, h=h, dc=dc, f=f: Block(d, h, dc, f),
            lambda d=d, h=h, dc=dc, f=f, g=gates: _TorchGated(d, h, dc, f, g), x, c, **kwargs)


class _GatedPlanted(nn.Module):
    """The block with switches for the planted bugs (the library's parameter names)."""

    gate_fn = staticmethod(torch.tanh)
    gate_residual = False
    layer_norm = True
    gate_init = 0.0

    def __init__(self, d_model, n_heads, d_context=None, d_ff=None):
        super().__init__()
        d_ff = d_ff or 4 * d_model
        self.ln_attn = dnn.LayerNorm(d_model)
        self.xattn = CrossAttention(d_model, n_heads, d_context)
        self.attn_gate = nn.Parameter(torch.tensor(self.gate_init))
        self.ln_ff = dnn.LayerNorm(d_model)
        self.ff = nn.Sequential(dnn.Linear(d_model, d_ff), dnn.GELU(), dnn.Linear(d_ff, d_model))
        self.ff_gate = nn.Parameter(torch.tensor(self.gate_init))

    def forward(self, x, context, key_padding_mask=None):
        h = self.ln_attn(x) if self.layer_norm else x
        read = self.xattn(h, context, key_padding_mask)
        if self.gate_residual:                       # the gate scales x + branch, not the branch
            x = self.gate_fn(self.attn_gate) * (x + read)
            return self.gate_fn(self.ff_gate) * (x + self.ff(self.ln_ff(x)))
        x = x + self.gate_fn(self.attn_gate) * read
        h = self.ln_ff(x) if self.layer_norm else x
        return x + self.gate_fn(self.ff_gate) * self.ff(h)


class _GatedSigmoid(_GatedPlanted):
    gate_fn = staticmethod(torch.sigmoid)


class _GatedOnResidual(_GatedPlanted):
    gate_residual = True


class _GatedNoLayerNorm(_GatedPlanted):
    layer_norm = False


class _GatedAlphaOne(_GatedPlanted):
    gate_init = 1.0


EXERCISES = [
    Exercise(
        id="gated_cross_attention", entry="GatedCrossAttentionBlock",
        lesson="gated-cross-attention", at=("topics:multimodal",),
        title=("Flamingo's gated cross-attention block", "Flamingo 的门控交叉注意力块"),
        task=("Write GatedCrossAttentionBlock(d_model C, n_heads H, d_context=None, "
              "d_ff=None), the block Flamingo inserts into a frozen language model. forward(x, "
              "context, key_padding_mask=None) takes text states x (B, T, C) and image "
              "features context (B, S, C_ctx) and returns (B, T, C): first x <- x + "
              "tanh(attn_gate) * xattn(ln_attn(x), context, key_padding_mask), then x <- x + "
              "tanh(ff_gate) * ff(ln_ff(x)). Parts, with exactly these names: ln_attn and ln_ff "
              "= LayerNorm(C); xattn = CrossAttention(C, H, d_context) (imported; queries "
              "from x, keys and values from context; key_padding_mask (B, S) True = a padded "
              "patch); ff = nn.Sequential(Linear(C, F), GELU(), Linear(F, C)) with F = d_ff, "
              "default 4C; attn_gate and ff_gate = scalar nn.Parameters (shape ()) that start "
              "at 0, so a new block returns x exactly. Checked: the identity at init, then "
              "values and gradients (the gates' too) against a block built from torch's "
              "layers, with open and closed gates.",
              "实现 GatedCrossAttentionBlock(d_model C, n_heads H, d_context=None, d_ff=None)，"
              "也就是 Flamingo 插进冻结语言模型里的那个块。forward(x, context, "
              "key_padding_mask=None) 接收文字状态 x (B, T, C) 和图像特征 context "
              "(B, S, C_ctx)，返回 (B, T, C)：先 x <- x + tanh(attn_gate) * "
              "xattn(ln_attn(x), context, key_padding_mask)，再 x <- x + tanh(ff_gate) * "
              "ff(ln_ff(x))。各部件的名字必须完全一致：ln_attn 和 ln_ff 是 LayerNorm(C)；"
              "xattn 是导入的 CrossAttention(C, H, d_context)（查询来自 x，键和值来自 "
              "context；key_padding_mask 形状 (B, S)，True 表示填充的图块）；ff = "
              "nn.Sequential(Linear(C, F), GELU(), Linear(F, C))，F = d_ff，默认 4C；"
              "attn_gate 和 ff_gate 是标量 nn.Parameter（形状 ()），初值为 0，所以新建的块"
              "原样返回 x。检查内容：初始化时是恒等映射；再与用 torch 层搭出的同一个块比较"
              "输出和梯度（包括门的梯度），门打开和关闭两种情况都测。"),
        stub='''
            class GatedCrossAttentionBlock(nn.Module):
                def __init__(self, d_model: int, n_heads: int, d_context: int | None = None,
                             d_ff: int | None = None):
                    """ln_attn, xattn (CrossAttention), attn_gate, ln_ff, ff, ff_gate."""
                    super().__init__()

                def forward(self, x: Tensor, context: Tensor,
                            key_padding_mask: Tensor | None = None) -> Tensor:
                    """x (B, T, C), context (B, S, C_ctx) -> (B, T, C)"""
        ''',
        imports=("from dlfs.attention.cross_attention import CrossAttention",
                 "from dlfs.nn import GELU, LayerNorm, Linear"),
        allowed=("dlfs.attention.cross_attention:CrossAttention", "dlfs.nn.normalization",
                 "dlfs.nn.linear", "dlfs.nn.activation"),
        reference="dlfs.attention.cross_attention:GatedCrossAttentionBlock",
        cases=gated_block_cases,
        mutants={"sigmoid gate instead of tanh": _GatedSigmoid,
                 "the gate scales the residual, not the branch": _GatedOnResidual,
                 "no LayerNorm before the branches": _GatedNoLayerNorm,
                 "gates initialised at 1": _GatedAlphaOne},
        hints=(("Build the parts in __init__ with the imported classes; a gate is "
                "nn.Parameter(torch.zeros(())). Only the branches are scaled: the residual x "
                "always passes unchanged.",
                "在 __init__ 里用导入的类搭好各部件；门就是 nn.Parameter(torch.zeros(()))。"
                "只有分支被门缩放，残差 x 总是原样通过。"),
               ("forward is two lines: x = x + self.attn_gate.tanh() * self.xattn("
                "self.ln_attn(x), context, key_padding_mask); return x + self.ff_gate.tanh() * "
                "self.ff(self.ln_ff(x)).",
                "forward 只有两行：x = x + self.attn_gate.tanh() * self.xattn(self.ln_attn(x), "
                "context, key_padding_mask)；return x + self.ff_gate.tanh() * "
                "self.ff(self.ln_ff(x))。")),
    ),
]
