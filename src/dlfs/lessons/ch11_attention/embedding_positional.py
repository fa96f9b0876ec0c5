# %% [markdown]
# # Day 22 · Embedding + positional encoding — Embedding + Positional Encoding（词嵌入与位置编码）
#
# **Library files:** `src/dlfs/nn/embedding.py` (`Embedding`), `src/dlfs/nn/positional.py`
# (`sinusoidal_table`, `SinusoidalPositionalEncoding`, `LearnedPositionalEmbedding`,
# `RotaryEmbedding`, `alibi_bias`).
#
# A Transformer reads token ids, turns each into a vector (the embedding), and has to be
# *told* where each token sits: attention by itself treats its input as a set. This lesson
# checks both facts, then meets four ways of adding position:
#
# | method | where it acts | learned? |
# |---|---|---|
# | sinusoidal (Vaswani et al. 2017) | added to the input, (T, C) table | no |
# | learned (GPT-2) | added to the input, (T_max, C) parameter | yes |
# | RoPE (Su et al. 2021) | rotates q and k inside attention | no |
# | ALiBi (Press et al. 2022) | bias on the attention scores | no |
#
# Legend: B batch, T length, C width, H heads, V vocabulary.

# %%
import math

import matplotlib.pyplot as plt
import torch

import dlfs.nn as dnn
from dlfs.curriculum import lesson_context

ctx = lesson_context("embedding-positional")
torch.manual_seed(0)

# %% [markdown]
# ## 1. An embedding is a table lookup, which equals one-hot times the table
# `Embedding(V, C)` holds a (V, C) matrix; row `i` is the vector of token `i`.

# %%
V, C = 10, 8
emb = dnn.Embedding(V, C)
ids = torch.tensor([[3, 1, 4, 1, 5]])                                # (B=1, T=5)
vectors = emb(ids)                                                   # (1, 5, C)
one_hot = (ids.unsqueeze(-1) == torch.arange(V)).float()             # (1, 5, V)
assert torch.allclose(vectors, one_hot @ emb.weight)
assert torch.equal(vectors[0, 1], vectors[0, 3]), "same token, same vector: no position yet"
print(f"ids {tuple(ids.shape)} -> vectors {tuple(vectors.shape)}; lookup == one_hot @ W")

# %% [markdown]
# ## 2. Attention alone cannot see order
# Shuffle the tokens and self-attention's outputs are shuffled the same way
# (*permutation-equivariant*). Add positions and that symmetry is gone.

# %%
mha = dnn.MultiheadAttention(C, 2, batch_first=True)
perm = torch.tensor([4, 2, 0, 3, 1])
with torch.no_grad():
    out = mha(vectors, vectors, vectors)[0]
    shuffled = vectors[:, perm]
    out_shuffled = mha(shuffled, shuffled, shuffled)[0]
    assert torch.allclose(out_shuffled, out[:, perm], atol=1e-6)
    pos = dnn.SinusoidalPositionalEncoding(C, max_len=16)
    a, b = pos(vectors), pos(shuffled)
    out_pos, out_pos_shuffled = mha(a, a, a)[0], mha(b, b, b)[0]
    assert not torch.allclose(out_pos_shuffled, out_pos[:, perm], atol=1e-3)
print("without positions: shuffled input -> shuffled output; with positions: not any more")

# %% [markdown]
# ## 3. The sinusoidal table
# PE[p, 2i] = sin(p·w_i), PE[p, 2i+1] = cos(p·w_i), w_i = 10000^(-2i/C): one frequency per
# pair of columns, from 1 radian per step down to 1/10000. Written as a plain loop first,
# then compared with the library.

# %%
T, C = (48, 32) if ctx.quick else (128, 64)
table = dnn.sinusoidal_table(T, C, dtype=torch.float64)              # (T, C)
naive = torch.zeros(T, C, dtype=torch.float64)
for p in range(T):
    for i in range(0, C, 2):
        w = 10000 ** (-i / C)
        naive[p, i] = math.sin(p * w)
        naive[p, i + 1] = math.cos(p * w)
assert torch.allclose(table, naive)

# PE[p]·PE[q] = sum_i cos((p - q) w_i): it depends only on the distance p - q
w = 10000 ** (-torch.arange(0, C, 2, dtype=torch.float64) / C)
for p, q in [(5, 2), (20, 17), (40, 37)]:
    assert math.isclose(table[p] @ table[q], torch.cos(3 * w).sum().item(), rel_tol=1e-9)
print(f"table {tuple(table.shape)}; PE[p]·PE[p-3] = {torch.cos(3 * w).sum().item():.4f} "
      "for every p")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
im = ax1.imshow(table.T.numpy(), aspect="auto", cmap="RdBu", origin="lower")
ax1.set(xlabel="position p", ylabel="feature", title="sinusoidal table PE (C x T)")
fig.colorbar(im, ax=ax1)
for j in (0, 2, 6, 12):
    ax2.plot(table[:, j].numpy(), label=f"column {j}: w = {w[j // 2].item():.3g}")
ax2.set(xlabel="position p", title="a few columns: fast to slow waves")
ax2.legend(fontsize=7)
ctx.savefig(fig, "sinusoidal.png")

# %% [markdown]
# ## 4. Learned positions
# GPT-2 simply learns a (T_max, C) table. It costs T_max·C parameters and cannot go beyond
# T_max; each training step only updates the rows of the positions it saw.

# %%
learned = dnn.LearnedPositionalEmbedding(max_len=32, d_model=8)
x = torch.zeros(2, 5, 8)
learned(x).sum().backward()
rows_with_grad = (learned.weight.grad.abs().sum(1) > 0).nonzero().flatten().tolist()
assert rows_with_grad == [0, 1, 2, 3, 4]
print(f"learned table {tuple(learned.weight.shape)} = {learned.weight.numel()} parameters; "
      f"a length-5 batch updates rows {rows_with_grad}")

# %% [markdown]
# ## 5. RoPE: rotate, do not add
# RoPE turns each feature pair (x_{2i}, x_{2i+1}) of a query or key by the angle p·θ_i. As a
# complex number z_i = x_{2i} + j·x_{2i+1} that is z_i · e^{j p θ_i}. A rotation keeps the
# length, and the dot product of two rotated vectors only sees the *difference* of their
# angles, so q·k depends on the distance m - n, never on m and n themselves.

# %%
D = 8
rope = dnn.RotaryEmbedding(D)
q = torch.randn(1, D, dtype=torch.float64)
positions = torch.arange(16)
rotated = torch.cat([rope(q, offset=int(p)) for p in positions])    # (16, D)
z = torch.view_as_complex(q.view(D // 2, 2))                        # (D/2,) complex
theta = 10000 ** (-torch.arange(0, D, 2, dtype=torch.float64) / D)
by_hand = torch.view_as_real(z * torch.exp(1j * positions[:, None] * theta)).flatten(-2)
assert torch.allclose(rotated, by_hand)
assert torch.allclose(rotated.norm(dim=-1), q.norm())


def score(m: int, n: int) -> float:
    """<RoPE(q, m), RoPE(k, n)> for the fixed q, k below."""
    return (rope(q, offset=m) * rope(k, offset=n)).sum().item()


k = torch.randn(1, D, dtype=torch.float64)
for delta in (0, 2, 7):
    values = [score(n + delta, n) for n in (0, 5, 50)]
    assert max(values) - min(values) < 1e-9, values
    print(f"m - n = {delta}: score {values[0]:+.4f} at n = 0, 5 and 50")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
for pair, color in ((0, "tab:blue"), (1, "tab:orange"), (3, "tab:green")):
    xs, ys = rotated[:, 2 * pair].numpy(), rotated[:, 2 * pair + 1].numpy()
    ax1.plot(xs, ys, "o-", color=color, ms=3, label=f"pair {pair}: θ = {theta[pair]:.3g}")
    ax1.annotate("p=0", (xs[0], ys[0]), fontsize=7)
ax1.set(aspect="equal", title="RoPE: each pair turns on a circle as p grows")
ax1.legend(fontsize=7)
distance = torch.arange(0, 64 if ctx.quick else 256)
ax2.plot(distance.numpy(), [score(int(d), 0) for d in distance], lw=3, alpha=0.5, label="n = 0")
ax2.plot(distance.numpy(), [score(int(d) + 30, 30) for d in distance], "k--", lw=1, label="n = 30")
ax2.set(xlabel="m - n", ylabel="<RoPE(q, m), RoPE(k, n)>",
        title="the score is a function of m - n alone")
ax2.legend(fontsize=7)
ctx.savefig(fig, "rope.png")

# %% [markdown]
# ## 6. ALiBi: a distance penalty per head
# ALiBi adds -m_h·|i - j| to head h's scores. With 8 heads the slopes are 1/2, 1/4, ...,
# 1/256: the first head looks very locally, the last one almost uniformly.

# %%
H, T = 8, 12
slopes = dnn.alibi_slopes(H)
assert slopes.tolist() == [2.0 ** -h for h in range(1, H + 1)]
bias = dnn.alibi_bias(H, T)                                          # (H, T, T)
i, j = 9, 4
assert math.isclose(bias[2, i, j].item(), -slopes[2].item() * (i - j), rel_tol=1e-6)
print("slopes:", [f"1/{int(1 / s)}" for s in slopes.tolist()])

causal = dnn.functional.causal_mask(T)                               # (T, T) True = s <= t
fig, axes = plt.subplots(1, 3, figsize=(11, 3.3))
for ax, h in zip(axes, (0, 3, 7)):
    shown = bias[h].masked_fill(~causal, float("nan"))
    im = ax.imshow(shown.numpy(), cmap="viridis", vmin=bias.min().item(), vmax=0.0)  # one scale
    ax.set(title=f"head {h}: slope 1/{int(1 / slopes[h])}", xlabel="key j", ylabel="query i")
fig.colorbar(im, ax=list(axes))
ctx.savefig(fig, "alibi.png")
print("ALiBi biases are added to q·k before the softmax; blank = masked (future) keys")
