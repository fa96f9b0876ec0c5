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
# $$
# \mathrm{Attention}(Q, K, V) = \mathrm{softmax}\Big(\frac{Q K^\top}{\sqrt{D}}\Big) V
# $$
#
# We write it as loops, then as matrices, then check both against the library and PyTorch;
# then split it into heads, add the causal mask, and draw an attention map of a head built
# by hand to look at the previous token. Legend: B batch, T length, C width, H heads,
# D = C / H head size.
#
# Reference: Vaswani et al., 2017, *Attention Is All You Need*.

# %% [markdown] lang="zh"
# # 第 23 天 · 自注意力实现：从零写 Q、K、V
#
# **库文件：** `src/dlfs/nn/functional/attention.py`（`scaled_dot_product_attention`、
# `masked_softmax`、`causal_mask`），`src/dlfs/nn/attention.py`（`MultiheadAttention`）。
#
# 每个词元提出一个问题（它的查询 q），亮出自己持有的内容（它的键 k），并提供一份载荷
# （它的值 v）。每个输出都是各个值的加权平均，权重取决于查询与每个键的匹配程度：
#
# $$
# \mathrm{Attention}(Q, K, V) = \mathrm{softmax}\Big(\frac{Q K^\top}{\sqrt{D}}\Big) V
# $$
#
# 我们先用循环写，再用矩阵写，然后把两者都与库和 PyTorch 对照；接着把它拆成多个头，
# 加上因果掩码，最后画出一个手工构造、专看前一个词元的头的注意力图。
# 记号：B 批大小，T 长度，C 宽度，H 头数，D = C / H 为每个头的维度。
#
# 参考文献：Vaswani et al., 2017, *Attention Is All You Need*。

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
# weights = softmax over s; out_t = sum_s weight(t, s) v_s. The loop subtracts the largest
# score before exponentiating (the stable softmax; it does not change the result):
#
# $$
# \text{score}(t, s) = \frac{q_t \cdot k_s}{\sqrt{D}}, \qquad
# \text{weight}(t, s) =
# \frac{e^{\,\text{score}(t, s) - m_t}}{\sum_{s'} e^{\,\text{score}(t, s') - m_t}},
# \qquad m_t = \max_{s} \text{score}(t, s), \qquad
# \text{out}_t = \sum_s \text{weight}(t, s)\, v_s
# $$

# %% [markdown] lang="zh"
# ## 1. 单个头，用循环写出来
# q_t = x_t W_q，k_s = x_s W_k，v_s = x_s W_v；score(t, s) = q_t·k_s / sqrt(D)；
# 权重 = 在 s 上做 softmax；out_t = sum_s weight(t, s) v_s。循环在取指数之前先减去最大得分
# （即数值稳定的 softmax；它不改变结果）：
#
# $$
# \text{score}(t, s) = \frac{q_t \cdot k_s}{\sqrt{D}}, \qquad
# \text{weight}(t, s) =
# \frac{e^{\,\text{score}(t, s) - m_t}}{\sum_{s'} e^{\,\text{score}(t, s') - m_t}},
# \qquad m_t = \max_{s} \text{score}(t, s), \qquad
# \text{out}_t = \sum_s \text{weight}(t, s)\, v_s
# $$

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
# $\text{scores} = Q K^\top / \sqrt{D}$ of shape (B, T, T), $\text{weights}$ = its softmax
# along the last axis (each row sums to 1), $\text{out} = \text{weights}\; V$.

# %% [markdown] lang="zh"
# ## 2. 同样的计算：三次矩阵乘法、库函数与 PyTorch
# $\text{scores} = Q K^\top / \sqrt{D}$，形状为 (B, T, T)；$\text{weights}$ 是它沿最后一维的
# softmax（每行之和为 1）；$\text{out} = \text{weights}\; V$。

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
# unit variance whatever D is. The cell also prints the softmax entropy
# $H(p) = -\sum_s p_s \log p_s$ (at most $\log 64$ for 64 keys):
#
# $$
# \mathrm{Var}(q \cdot k) = \sum_{d=1}^{D} \mathrm{Var}(q_d\, k_d) = D, \qquad
# \mathrm{Var}\Big(\frac{q \cdot k}{\sqrt{D}}\Big) = 1
# $$

# %% [markdown] lang="zh"
# ## 3. 为什么要除以 sqrt(D)？
# 若 q、k 的各个分量相互独立且方差为 1，则 q·k 的方差为 D。不做缩放时，D 一大，
# softmax 就会被推向独热分布（梯度几乎为零）；做了缩放，无论 D 是多少，得分的方差都保持为 1。
# 本单元还打印了 softmax 的熵 $H(p) = -\sum_s p_s \log p_s$（64 个键时最大为 $\log 64$）：
#
# $$
# \mathrm{Var}(q \cdot k) = \sum_{d=1}^{D} \mathrm{Var}(q_d\, k_d) = D, \qquad
# \mathrm{Var}\Big(\frac{q \cdot k}{\sqrt{D}}\Big) = 1
# $$

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
# state_dict gives the same numbers. Head h uses columns $hD$ to $(h+1)D - 1$ of the
# projections; $W_o$, $b_o$ are `out_proj.weight` and `out_proj.bias`:
#
# $$
# Q = x W_q^\top + b_q,\ \ K = x W_k^\top + b_k,\ \ V = x W_v^\top + b_v, \qquad
# \text{head}_h = \mathrm{softmax}\Big(\frac{Q_h K_h^\top}{\sqrt{D}}\Big) V_h
# $$
#
# $$
# \mathrm{MHA}(x) = [\text{head}_1, \ldots, \text{head}_H]\, W_o^\top + b_o
# $$

# %% [markdown] lang="zh"
# ## 4. 多头 = 把 C 切成 H 段，每段大小为 D
# `MultiheadAttention` 把 W_q、W_k、W_v 堆叠存放在 `in_proj_weight`（3C, C）中。
# 我们用这些权重手动重做一遍它的前向计算，再检查加载了相同 state_dict 的 PyTorch 模块
# 给出相同的数值。第 h 个头使用投影结果的第 $hD$ 到 $(h+1)D - 1$ 列；
# $W_o$、$b_o$ 即 `out_proj.weight` 和 `out_proj.bias`：
#
# $$
# Q = x W_q^\top + b_q,\ \ K = x W_k^\top + b_k,\ \ V = x W_v^\top + b_v, \qquad
# \text{head}_h = \mathrm{softmax}\Big(\frac{Q_h K_h^\top}{\sqrt{D}}\Big) V_h
# $$
#
# $$
# \mathrm{MHA}(x) = [\text{head}_1, \ldots, \text{head}_H]\, W_o^\top + b_o
# $$

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
# earlier output. A blocked score becomes $-\infty$, so its weight is exactly 0:
#
# $$
# \mathrm{softmax}\Big(\frac{Q K^\top}{\sqrt{D}} + M\Big) V, \qquad
# M_{ts} = \begin{cases} 0 & s \le t \\ -\infty & s > t \end{cases}
# $$
#
# (`F.causal_mask` is a bool mask with True = keep.)

# %% [markdown] lang="zh"
# ## 5. 因果掩码：不许偷看未来
# 预测第 t+1 个词元的语言模型不能看到 t 之后的词元。掩码只在 s <= t 时为查询 t 保留键 s。
# 于是改变最后一个词元，不可能影响任何更早的输出。被屏蔽的得分变成 $-\infty$，
# 所以它的权重恰好为 0：
#
# $$
# \mathrm{softmax}\Big(\frac{Q K^\top}{\sqrt{D}} + M\Big) V, \qquad
# M_{ts} = \begin{cases} 0 & s \le t \\ -\infty & s > t \end{cases}
# $$
#
# （`F.causal_mask` 是布尔掩码，True 表示保留。）

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
#
# $$
# PE[p - 1] = PE[p]\, R^\top, \qquad
# R = \mathrm{blockdiag}_i
# \begin{pmatrix} \cos w_i & -\sin w_i \\ \sin w_i & \cos w_i \end{pmatrix},
# \qquad
# q_t \cdot k_s = \beta\, PE[t-1] \cdot PE[s] = \beta \sum_i \cos\big((t - 1 - s)\, w_i\big)
# $$
#
# (`MultiheadAttention` computes $q = x W_q^\top$ and then divides the score by $\sqrt{C}$,
# which does not move the maximum.)

# %% [markdown] lang="zh"
# ## 6. 注意力图：手工构造一个回看前一步的头
# 使用正弦位置编码时，PE[p - 1] 就是把 PE[p] 的每一对 (sin, cos)
# 按各自的频率 w_i 往回转一格：这是一个固定的矩阵 R。令 W_q = beta·R，W_k = I，则
# q_t·k_s = beta·PE[t-1]·PE[s] = beta·sum_i cos((t-1-s) w_i)，它恰好在 s = t - 1 处最大。
# 不需要训练：权重设对了，就足以得到一个“前一个词元”头。
#
# $$
# PE[p - 1] = PE[p]\, R^\top, \qquad
# R = \mathrm{blockdiag}_i
# \begin{pmatrix} \cos w_i & -\sin w_i \\ \sin w_i & \cos w_i \end{pmatrix},
# \qquad
# q_t \cdot k_s = \beta\, PE[t-1] \cdot PE[s] = \beta \sum_i \cos\big((t - 1 - s)\, w_i\big)
# $$
#
# （`MultiheadAttention` 计算的是 $q = x W_q^\top$，然后把得分除以 $\sqrt{C}$，
# 这不会改变最大值的位置。）

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
