# %% [markdown]
# # Day 23 · Self-attention: Q, K, V from scratch — Self-Attention 实现（Q、K、V 从零写起）
#
# **Library files:** `src/dlfs/nn/functional/attention.py` (`scaled_dot_product_attention`,
# `masked_softmax`, `causal_mask`), `src/dlfs/nn/attention.py` (`MultiheadAttention`).
#
# Every token asks a question (its query q), advertises what it holds (its key k) and offers
# a payload (its value v). Each output is a weighted average of the values, weighted by how
# well the query matches each key:
#
#     Attention(Q, K, V) = softmax(Q K^T / sqrt(D)) V
#
# We write it as loops, then as matrices, then check both against the library and PyTorch;
# then split it into heads, add the causal mask, and draw an attention map of a head built
# by hand to look at the previous token. Legend: B batch, T length, C width, H heads,
# D = C / H head size.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as TF
from torch import nn

import dlfs.nn as dnn
from dlfs.curriculum import lesson_context
from dlfs.nn import functional as F

ctx = lesson_context("self-attention")
torch.manual_seed(0)
f64 = torch.float64

# %% [markdown]
# ## 1. One head, written as loops
# q_t = x_t W_q, k_s = x_s W_k, v_s = x_s W_v; score(t, s) = q_t·k_s / sqrt(D);
# weights = softmax over s; out_t = sum_s weight(t, s) v_s.

# %%
B, T, C, D = 2, 5, 8, 4
x = torch.randn(B, T, C, dtype=f64)
W_q, W_k, W_v = (torch.randn(C, D, dtype=f64) / math.sqrt(C) for _ in range(3))
q, k, v = x @ W_q, x @ W_k, x @ W_v                                  # (B, T, D) each

loop_out = torch.zeros(B, T, D, dtype=f64)
for b in range(B):
    for t in range(T):
        scores = [q[b, t] @ k[b, s] / math.sqrt(D) for s in range(T)]
        top = max(scores)
        e = [math.exp(sc - top) for sc in scores]                    # stable softmax
        for s in range(T):
            loop_out[b, t] += e[s] / sum(e) * v[b, s]

# %% [markdown]
# ## 2. The same as three matrix products, the library, and PyTorch

# %%
scores = q @ k.transpose(-2, -1) / math.sqrt(D)                      # (B, T, T)
weights = F.masked_softmax(scores, dim=-1)                           # (B, T, T), rows sum to 1
matrix_out = weights @ v                                             # (B, T, D)
assert torch.allclose(loop_out, matrix_out)
assert torch.allclose(matrix_out, F.scaled_dot_product_attention(q, k, v))
assert torch.allclose(matrix_out, TF.scaled_dot_product_attention(q, k, v))
assert torch.allclose(weights.sum(-1), torch.ones(B, T, dtype=f64))
print(f"x {tuple(x.shape)} -> q, k, v {tuple(q.shape)} -> scores {tuple(scores.shape)} "
      f"-> out {tuple(matrix_out.shape)}")
print("loops == matrices == dlfs scaled_dot_product_attention == torch's")

# %% [markdown]
# ## 3. Why divide by sqrt(D)?
# For q, k with independent unit-variance entries, q·k has variance D. Without the scale,
# large D pushes the softmax towards one-hot (almost zero gradient); with it the scores keep
# unit variance whatever D is.

# %%
for D_big in (16, 256):
    qs, ks = torch.randn(2000, D_big, dtype=f64), torch.randn(64, D_big, dtype=f64)
    raw = qs @ ks.T                                                  # (2000, 64)
    scaled = raw / math.sqrt(D_big)

    def entropy(s: torch.Tensor) -> float:
        p = F.masked_softmax(s, dim=-1)
        return -(p * p.clamp_min(1e-300).log()).sum(-1).mean().item()

    print(f"D={D_big:4d}: var(q·k) = {raw.var().item():7.1f}, var(q·k/sqrt D) = "
          f"{scaled.var().item():.2f}; softmax entropy {entropy(raw):.2f} unscaled vs "
          f"{entropy(scaled):.2f} scaled (uniform = {math.log(64):.2f})")
    assert 0.8 < raw.var().item() / D_big < 1.2 and 0.8 < scaled.var().item() < 1.2
    assert entropy(scaled) > entropy(raw)

# %% [markdown]
# ## 4. Many heads = split C into H slices of size D
# `MultiheadAttention` keeps W_q, W_k, W_v stacked in `in_proj_weight` (3C, C). We redo its
# forward by hand from those weights, then check that PyTorch's module with the same
# state_dict gives the same numbers.

# %%
C, H = 8, 2
D = C // H
mha = dnn.MultiheadAttention(C, H, batch_first=True).double()
W_q, W_k, W_v = mha.in_proj_weight.split(C)                          # (C, C) each
b_q, b_k, b_v = mha.in_proj_bias.split(C)
with torch.no_grad():
    qh = (x @ W_q.T + b_q).view(B, T, H, D).transpose(1, 2)          # (B, H, T, D)
    kh = (x @ W_k.T + b_k).view(B, T, H, D).transpose(1, 2)          # (B, H, T, D)
    vh = (x @ W_v.T + b_v).view(B, T, H, D).transpose(1, 2)          # (B, H, T, D)
    heads = F.scaled_dot_product_attention(qh, kh, vh)               # (B, H, T, D)
    concat = heads.transpose(1, 2).reshape(B, T, C)                  # (B, T, C)
    by_hand = concat @ mha.out_proj.weight.T + mha.out_proj.bias
    ours = mha(x, x, x)[0]
    ref = nn.MultiheadAttention(C, H, batch_first=True).double()
    ref.load_state_dict(mha.state_dict())
    theirs = ref(x, x, x)[0]
assert torch.allclose(by_hand, ours) and torch.allclose(ours, theirs)
print(f"{H} heads of D={D}: by hand == dlfs.nn.MultiheadAttention == torch.nn's "
      f"(in_proj_weight {tuple(mha.in_proj_weight.shape)})")

# %% [markdown]
# ## 5. The causal mask: no peeking at the future
# A language model predicting token t+1 must not see tokens after t. The mask keeps
# key s for query t only when s <= t. Changing the last token then cannot move any
# earlier output.

# %%
mask = F.causal_mask(T)                                              # (T, T) bool, True = keep
print(mask.int())
out = F.scaled_dot_product_attention(qh, kh, vh, attn_mask=mask)
assert torch.allclose(out, F.scaled_dot_product_attention(qh, kh, vh, is_causal=True))
with torch.no_grad():
    x2 = x.clone()
    x2[:, -1] += 1.0                                                 # change only the last token
    a = mha(x, x, x, is_causal=True)[0]
    b = mha(x2, x2, x2, is_causal=True)[0]
assert torch.allclose(a[:, :-1], b[:, :-1]) and not torch.allclose(a[:, -1], b[:, -1])
print("changing the last token moves only the last output")

# %% [markdown]
# ## 6. An attention map: a head built by hand to look one step back
# With sinusoidal positions, PE[p - 1] is PE[p] with each (sin, cos) pair turned back by
# its frequency w_i: a fixed matrix R. Set W_q = beta·R and W_k = I. Then
# q_t·k_s = beta·PE[t-1]·PE[s] = beta·sum_i cos((t-1-s) w_i), which is largest exactly at
# s = t - 1. No training: the right weights are enough for a "previous token" head.

# %%
T, C = (12, 32) if ctx.quick else (24, 64)
pe = dnn.sinusoidal_table(T, C, dtype=f64)                           # (T, C): the input
w = 10000 ** (-torch.arange(0, C, 2, dtype=f64) / C)
R = torch.zeros(C, C, dtype=f64)                                     # turns PE[p] into PE[p-1]
for i, wi in enumerate(w):
    c, s = math.cos(wi), math.sin(wi)
    R[2 * i: 2 * i + 2, 2 * i: 2 * i + 2] = torch.tensor([[c, -s], [s, c]], dtype=f64)
assert torch.allclose(pe[:-1], pe[1:] @ R.T)

beta = 30.0
head = dnn.MultiheadAttention(C, 1, bias=False, batch_first=True).double()
with torch.no_grad():
    head.in_proj_weight.copy_(torch.cat([beta * R, torch.eye(C), torch.eye(C)]))
    head.out_proj.weight.copy_(torch.eye(C))
    _, prev_map = head(pe[None], pe[None], pe[None], attn_mask=~F.causal_mask(T))
    random_head = dnn.MultiheadAttention(C, 1, batch_first=True).double()
    _, random_map = random_head(pe[None], pe[None], pe[None], attn_mask=~F.causal_mask(T))
prev_map, random_map = prev_map[0], random_map[0]                    # (T, T) each
assert prev_map[1:].argmax(-1).tolist() == list(range(T - 1))
assert prev_map.diagonal(-1).min() > 0.9
print(f"hand-built head: query t puts ≥ {prev_map.diagonal(-1).min():.2f} of its weight on "
      "key t-1 (MultiheadAttention's mask: True = blocked)")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
for ax, m, title in ((ax1, prev_map, "hand-built 'previous token' head"),
                     (ax2, random_map, "a randomly initialized head (causal)")):
    im = ax.imshow(m.numpy(), cmap="Blues", vmin=0, vmax=1)
    ax.set(title=title, xlabel="key s", ylabel="query t")
fig.colorbar(im, ax=[ax1, ax2])
ctx.savefig(fig, "attention_maps.png")
