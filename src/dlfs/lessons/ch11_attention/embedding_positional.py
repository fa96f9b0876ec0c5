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
#
# References: Vaswani et al., 2017, *Attention Is All You Need*; Radford et al., 2019,
# *Language Models are Unsupervised Multitask Learners* (GPT-2); Su et al., 2021,
# *RoFormer: Enhanced Transformer with Rotary Position Embedding*; Press, Smith & Lewis,
# 2022, *Train Short, Test Long: Attention with Linear Biases Enables Input Length
# Extrapolation*.

# %% [markdown] lang="zh"
# # 第 22 天 · 词嵌入与位置编码
#
# **库文件：** `src/dlfs/nn/embedding.py`（`Embedding`），`src/dlfs/nn/positional.py`
# （`sinusoidal_table`、`SinusoidalPositionalEncoding`、`LearnedPositionalEmbedding`、
# `RotaryEmbedding`、`alibi_bias`）。
#
# Transformer 读入词元（token）id，把每个 id 变成一个向量（即嵌入），而且必须*明确告诉*它
# 每个词元在什么位置：注意力本身把输入当作一个集合。本课先检验这两个事实，
# 再介绍加入位置信息的四种方法：
#
# | 方法 | 作用位置 | 是否可学习 |
# |---|---|---|
# | 正弦编码（Vaswani et al. 2017） | 加到输入上，(T, C) 的表 | 否 |
# | 可学习编码（GPT-2） | 加到输入上，(T_max, C) 的参数 | 是 |
# | RoPE（Su et al. 2021） | 在注意力内部旋转 q 和 k | 否 |
# | ALiBi（Press et al. 2022） | 加在注意力得分上的偏置 | 否 |
#
# 记号：B 批大小，T 长度，C 宽度，H 头数，V 词表大小。
#
# 参考文献：Vaswani et al., 2017, *Attention Is All You Need*；Radford et al., 2019,
# *Language Models are Unsupervised Multitask Learners*（GPT-2）；Su et al., 2021,
# *RoFormer: Enhanced Transformer with Rotary Position Embedding*；Press, Smith & Lewis,
# 2022, *Train Short, Test Long: Attention with Linear Biases Enables Input Length
# Extrapolation*。

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
# `Embedding(V, C)` holds a (V, C) matrix; row `i` is the vector of token `i`:
# $\mathrm{Embedding}(i) = W[i] = \mathrm{onehot}(i)\, W$, with $W \in \mathbb{R}^{V \times C}$.

# %% [markdown] lang="zh"
# ## 1. 嵌入就是查表，等价于独热向量乘以这张表
# `Embedding(V, C)` 持有一个 (V, C) 矩阵；第 `i` 行就是词元 `i` 的向量：
# $\mathrm{Embedding}(i) = W[i] = \mathrm{onehot}(i)\, W$，其中 $W \in \mathbb{R}^{V \times C}$。

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
# (*permutation-equivariant*): $\mathrm{SA}(P X) = P\, \mathrm{SA}(X)$ for every permutation
# matrix $P$. Add positions and that symmetry is gone.

# %% [markdown] lang="zh"
# ## 2. 仅凭注意力看不出顺序
# 打乱词元的顺序，自注意力的输出也会以同样的方式被打乱（*置换等变*）：对任意置换矩阵 $P$，
# $\mathrm{SA}(P X) = P\, \mathrm{SA}(X)$。加上位置信息后，这种对称性就消失了。

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
# One frequency per pair of columns, from 1 radian per step down to 1/10000:
#
# $$
# PE[p, 2i] = \sin(p\, w_i), \qquad PE[p, 2i+1] = \cos(p\, w_i), \qquad w_i = 10000^{-2i/C}
# $$
#
# Written as a plain loop first, then compared with the library. Since
# $\sin a \sin b + \cos a \cos b = \cos(a - b)$, the dot product of two rows depends only on
# the distance:
#
# $$
# PE[p] \cdot PE[q] = \sum_{i=0}^{C/2-1} \cos\big((p - q)\, w_i\big)
# $$

# %% [markdown] lang="zh"
# ## 3. 正弦位置编码表
# 每两列共用一个频率，从每步 1 弧度一直降到 1/10000 弧度：
#
# $$
# PE[p, 2i] = \sin(p\, w_i), \qquad PE[p, 2i+1] = \cos(p\, w_i), \qquad w_i = 10000^{-2i/C}
# $$
#
# 先用朴素的循环写出来，再与库的结果对照。由于
# $\sin a \sin b + \cos a \cos b = \cos(a - b)$，两行的点积只取决于它们的距离：
#
# $$
# PE[p] \cdot PE[q] = \sum_{i=0}^{C/2-1} \cos\big((p - q)\, w_i\big)
# $$

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
# T_max; each training step only updates the rows of the positions it saw. The output at
# position $t$ is $x_t + P[t]$, with $P \in \mathbb{R}^{T_{max} \times C}$.

# %% [markdown] lang="zh"
# ## 4. 可学习的位置编码
# GPT-2 直接学习一张 (T_max, C) 的表。它需要 T_max·C 个参数，而且无法超出 T_max；
# 每个训练步只会更新它见过的那些位置对应的行。位置 $t$ 的输出是 $x_t + P[t]$，
# 其中 $P \in \mathbb{R}^{T_{max} \times C}$。

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
# angles, so q·k depends on the distance m - n, never on m and n themselves:
#
# $$
# z_i \mapsto z_i\, e^{\,j p \theta_i}, \quad \theta_i = 10000^{-2i/D}, \qquad
# \langle \mathrm{RoPE}(q, m), \mathrm{RoPE}(k, n) \rangle
# = \mathrm{Re} \sum_{i} q_i\, \overline{k_i}\, e^{\,j (m - n) \theta_i}
# $$
#
# where $q_i$, $k_i$ are the complex pairs of q and k.

# %% [markdown] lang="zh"
# ## 5. RoPE：旋转，而不是相加
# RoPE 把查询或键的每一对特征 (x_{2i}, x_{2i+1}) 旋转 p·θ_i 的角度。写成复数
# z_i = x_{2i} + j·x_{2i+1}，就是 z_i · e^{j p θ_i}。旋转不改变长度，而两个旋转后的向量的点积
# 只看得到它们角度的*差*，所以 q·k 只取决于距离 m - n，而与 m 和 n 本身无关：
#
# $$
# z_i \mapsto z_i\, e^{\,j p \theta_i}, \quad \theta_i = 10000^{-2i/D}, \qquad
# \langle \mathrm{RoPE}(q, m), \mathrm{RoPE}(k, n) \rangle
# = \mathrm{Re} \sum_{i} q_i\, \overline{k_i}\, e^{\,j (m - n) \theta_i}
# $$
#
# 其中 $q_i$、$k_i$ 是 q 和 k 的各个复数对。

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
#
# $$
# \text{scores}_h[i, j] = \frac{q_i \cdot k_j}{\sqrt{D}} - m_h\, |i - j|, \qquad
# m_h = 2^{-8h/H}, \quad h = 1, \ldots, H
# $$

# %% [markdown] lang="zh"
# ## 6. ALiBi：每个头一个距离惩罚
# ALiBi 在第 h 个头的得分上加上 -m_h·|i - j|。8 个头时斜率依次为 1/2、1/4、……、1/256：
# 第一个头只看很近的位置，最后一个头几乎均匀地看所有位置。
#
# $$
# \text{scores}_h[i, j] = \frac{q_i \cdot k_j}{\sqrt{D}} - m_h\, |i - j|, \qquad
# m_h = 2^{-8h/H}, \quad h = 1, \ldots, H
# $$

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
