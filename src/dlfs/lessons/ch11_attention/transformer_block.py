# %% [markdown]
# # Day 24 · The Transformer block: residual + LayerNorm — Transformer Block（残差与 LayerNorm）
#
# **Library files:** `src/dlfs/nn/transformer.py` (`TransformerEncoderLayer`,
# `TransformerDecoderLayer`, the stacks and `Transformer`), `src/dlfs/nn/attention.py`,
# `src/dlfs/nn/normalization.py` (`LayerNorm`).
#
# A block is two sub-layers, self-attention (SA) and a feed-forward net (FFN), each wrapped
# in a residual connection and a LayerNorm. Where the LayerNorm goes is the one design
# choice that matters:
#
#     Post-LN (the 2017 paper):  h = LN(x + SA(x));   y = LN(h + FFN(h))
#     Pre-LN  (GPT-2 and later): h = x + SA(LN(x));   y = h + FFN(LN(h))
#
# We rebuild both from the layer's own parts, compare with PyTorch, see why Pre-LN keeps a
# clean identity path, and measure the gradient norm of every layer at initialization
# (Xiong et al. 2020, "On Layer Normalization in the Transformer Architecture").
# Legend: B batch, T length, C = d_model, H heads.

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

import dlfs.nn as dnn
from dlfs.curriculum import lesson_context
from dlfs.nn import functional as F

ctx = lesson_context("transformer-block")
torch.manual_seed(0)
f64 = torch.float64

# %% [markdown]
# ## 1. One block, rebuilt from its parts
# `FFN(h) = linear2(relu(linear1(h)))`, C -> 4C -> C. Dropout is 0 here so the numbers
# can be compared exactly.

# %%
B, T, C, H = 2, 6, 16, 4
x = torch.randn(B, T, C, dtype=f64)


def sa(layer: dnn.TransformerEncoderLayer, z: torch.Tensor) -> torch.Tensor:
    return layer.self_attn(z, z, z, need_weights=False)[0]


def ffn(layer: dnn.TransformerEncoderLayer, z: torch.Tensor) -> torch.Tensor:
    return layer.linear2(F.relu(layer.linear1(z)))


post = dnn.TransformerEncoderLayer(C, H, 4 * C, dropout=0.0, batch_first=True).double()
pre = dnn.TransformerEncoderLayer(C, H, 4 * C, dropout=0.0, batch_first=True,
                                  norm_first=True).double()
with torch.no_grad():
    h = post.norm1(x + sa(post, x))
    assert torch.allclose(post(x), post.norm2(h + ffn(post, h)))
    h = x + sa(pre, pre.norm1(x))
    assert torch.allclose(pre(x), h + ffn(pre, pre.norm2(h)))
print(f"x {tuple(x.shape)} -> block -> {tuple(post(x).shape)}: the width C never changes")
print("Post-LN and Pre-LN blocks equal their formulas written by hand")

# %% [markdown]
# ## 2. Same parameters, same names, same numbers as PyTorch
# The state_dict moves between `dlfs.nn` and `torch.nn` with `strict=True`.

# %%
for ours, norm_first in ((post, False), (pre, True)):
    ref = nn.TransformerEncoderLayer(C, H, 4 * C, dropout=0.0, batch_first=True,
                                     norm_first=norm_first).double()
    ref.load_state_dict(ours.state_dict(), strict=True)
    assert torch.allclose(ours(x), ref(x))
print("names:", ", ".join(name for name, _ in post.named_parameters()))

# %% [markdown]
# ## 3. What LayerNorm and the residual path do
# LayerNorm gives each token's C features mean 0 and variance 1 (before its learned scale
# and shift). The residual path is what separates the two designs: switch every sub-layer
# off (zero its output projection) and a Pre-LN block is exactly the identity, while a
# Post-LN block still normalizes, so a deep Post-LN stack has no clean path from output
# back to input.

# %%
ln = dnn.LayerNorm(C).double()
z = ln(3.0 * x + 5.0)
assert torch.allclose(z.mean(-1), torch.zeros(B, T, dtype=f64), atol=1e-12)
assert torch.allclose(z.var(-1, unbiased=False), torch.ones(B, T, dtype=f64), atol=1e-4)

with torch.no_grad():
    for layer in (post, pre):
        for linear in (layer.self_attn.out_proj, layer.linear2):
            linear.weight.zero_()
            linear.bias.zero_()
    assert torch.equal(pre(x), x)
    assert torch.allclose(post(x), post.norm2(post.norm1(x))) and not torch.allclose(post(x), x)
print("sub-layers off: Pre-LN block == identity; Post-LN block == LN(LN(x)) != x")

# %% [markdown]
# ## 4. Gradient norms per layer at initialization
# Stack L blocks, put a linear head and a cross-entropy loss on top, backpropagate once,
# and take the gradient norm of each block's parameters. Post-LN gives its top layers the
# largest gradients, which is why it needs a learning-rate warmup; in Pre-LN the identity
# path delivers the output gradient to every layer unchanged, plus what the later layers
# add, so the lower layers get at least as much as the top.

# %%
L, C, seeds = (6, 32, 2) if ctx.quick else (12, 64, 5)
B, T, V = (4, 8, 50) if ctx.quick else (8, 16, 50)


def layer_grad_norms(norm_first: bool, seed: int) -> torch.Tensor:
    """||dLoss/dθ_l|| for l = 1..L at initialization, shape (L,)."""
    torch.manual_seed(seed)
    block = dnn.TransformerEncoderLayer(C, 4, 4 * C, dropout=0.0, batch_first=True,
                                        norm_first=norm_first)
    final_norm = dnn.LayerNorm(C) if norm_first else None            # Pre-LN ends with a LN
    stack = dnn.TransformerEncoder(block, L, norm=final_norm)
    for p in stack.parameters():                                     # as nn.Transformer does
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)
    head = dnn.Linear(C, V)
    tokens, targets = torch.randn(B, T, C), torch.randint(0, V, (B, T))
    logits = head(stack(tokens))                                     # (B, T, V)
    F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1)).backward()
    return torch.tensor([torch.cat([p.grad.flatten() for p in layer.parameters()]).norm()
                         for layer in stack.layers])


norms = {name: torch.stack([layer_grad_norms(nf, s) for s in range(seeds)]).mean(0)
         for name, nf in (("Post-LN", False), ("Pre-LN", True))}
for name, g in norms.items():
    print(f"{name}: " + " ".join(f"{v:.3f}" for v in g.tolist())
          + f"   top/bottom = {g[-1] / g[0]:.2f}")
assert norms["Post-LN"][-1] / norms["Post-LN"][0] > norms["Pre-LN"][-1] / norms["Pre-LN"][0]
assert norms["Pre-LN"][-1] < norms["Pre-LN"][0], "Pre-LN: the top gets no more than the bottom"
assert norms["Post-LN"][-1] > norms["Pre-LN"][-1], "Post-LN: larger gradients at the top"

fig, ax = plt.subplots(figsize=(6, 3.6))
for name, g in norms.items():
    ax.plot(range(1, L + 1), g.numpy(), "o-", label=name)
ax.set(xlabel="layer (1 = next to the input)", ylabel="||grad|| of the layer's parameters",
       title=f"gradient norm per layer at init (L={L}, C={C}, mean of {seeds} seeds)")
ax.legend()
ctx.savefig(fig, "grad_norms_post_vs_pre_ln.png")

# %% [markdown]
# ## 5. The whole encoder-decoder
# `Transformer` = an encoder stack over the source and a decoder stack whose blocks add a
# cross-attention over the encoder's output (the memory). The decoder's self-attention uses
# the causal mask from `generate_square_subsequent_mask` (0 = keep, -inf = blocked).

# %%
S, T, C = 7, 5, 16
model = dnn.Transformer(C, 4, num_encoder_layers=2, num_decoder_layers=2,
                        dim_feedforward=32, dropout=0.0, batch_first=True).double()
src, tgt = torch.randn(2, S, C, dtype=f64), torch.randn(2, T, C, dtype=f64)
tgt_mask = dnn.Transformer.generate_square_subsequent_mask(T, dtype=f64)
out = model(src, tgt, tgt_mask=tgt_mask)                             # (B, T, C)
ref = nn.Transformer(C, 4, 2, 2, 32, dropout=0.0, batch_first=True).double()
ref.load_state_dict(model.state_dict(), strict=True)
assert torch.allclose(out, ref(src, tgt, tgt_mask=tgt_mask))
print(f"src {tuple(src.shape)}, tgt {tuple(tgt.shape)} -> {tuple(out.shape)}; equals "
      f"torch.nn.Transformer; {sum(p.numel() for p in model.parameters()):,} parameters")
