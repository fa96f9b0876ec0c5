# %% [markdown]
# # Chapter 9 · Efficient attention: online softmax, tiles, windows, kernels — 高效注意力
#
# **Library files:** `src/dlfs/attention/flash.py` (`tiled_attention`, `flash_attention`),
# `src/dlfs/attention/sparse_attention.py` (sliding window, block-sparse),
# `src/dlfs/attention/linear_attention.py` (linear attention), `src/dlfs/train/memory.py`
# (`PeakMemoryTracker`), and the dense reference `src/dlfs/nn/functional/attention.py`.
#
# Dense attention builds a (T, T) score matrix: memory and time grow as $T^2$. With M the
# mask (0 where a query may look, $-\infty$ elsewhere):
#
# $$
# \mathrm{Attention}(Q, K, V) = \mathrm{softmax}\Big(\frac{Q K^\top}{\sqrt{D}} + M\Big) V
# $$
#
# This lesson shows four ways around it and checks each against the dense
# computation:
#
# 1. the **online softmax**, which lets us see the scores a block at a time;
# 2. **tiled (flash-style) attention** built on it: same numbers, memory linear in T;
# 3. **sparse patterns** (sliding window, block-sparse): compute only some scores;
# 4. **linear attention**: a kernel instead of exp, and the products reordered.
#
# Vaswani et al., 2017, *Attention Is All You Need*.

# %% [markdown] lang="zh"
# # 第 9 章 · 高效注意力：在线 softmax、分块、窗口与核方法
#
# **库文件：** `src/dlfs/attention/flash.py`（`tiled_attention`、`flash_attention`）、
# `src/dlfs/attention/sparse_attention.py`（滑动窗口、块稀疏）、
# `src/dlfs/attention/linear_attention.py`（线性注意力）、`src/dlfs/train/memory.py`
# （`PeakMemoryTracker`），以及稠密注意力的参考实现 `src/dlfs/nn/functional/attention.py`。
#
# 稠密注意力要构建一个 (T, T) 的得分矩阵：内存和时间都按 $T^2$ 增长。记 M 为掩码（允许查询看的位置为
# 0，其余为 $-\infty$）：
#
# $$
# \mathrm{Attention}(Q, K, V) = \mathrm{softmax}\Big(\frac{Q K^\top}{\sqrt{D}} + M\Big) V
# $$
#
# 本课展示绕开它的四种办法，并逐一与稠密计算对照：
#
# 1. **在线 softmax**（online softmax），让我们可以一块一块地看得分；
# 2. 在此基础上的**分块（flash 式）注意力**：数值相同，内存随 T 线性增长；
# 3. **稀疏模式**（滑动窗口、块稀疏）：只计算一部分得分；
# 4. **线性注意力**：用核函数代替 exp，并重新安排乘法的顺序。
#
# Vaswani et al., 2017, *Attention Is All You Need*。

# %%
import math

import matplotlib.pyplot as plt
import torch
from torch.utils.flop_counter import FlopCounterMode

from dlfs.attention import (
    block_sparse_attention,
    block_sparse_mask,
    flash_attention,
    linear_attention,
    linear_attention_quadratic,
    local_global_layout,
    sliding_window_attention,
    sliding_window_mask,
    tiled_attention,
)
from dlfs.curriculum import lesson_context
from dlfs.nn.functional import causal_mask
from dlfs.nn.functional import scaled_dot_product_attention as sdpa
from dlfs.train import PeakMemoryTracker

ctx = lesson_context("efficient-attention")
torch.manual_seed(0)

# %% [markdown]
# ## 1. The online softmax, by hand
# softmax needs the max (for stability) and the sum of exponentials of a whole row. Reading
# the row in chunks, keep a running max `m` and a running sum `l` *relative to that max*;
# when a bigger max appears, rescale the old sum by exp(m_old − m_new). For each chunk of
# scores $x_j$:
#
# $$
# m_{\text{new}} = \max\big(m, \max_j x_j\big), \qquad
# l \leftarrow l \, e^{m - m_{\text{new}}} + \sum_j e^{x_j - m_{\text{new}}}, \qquad
# m \leftarrow m_{\text{new}}
# $$
#
# At the end $\mathrm{logsumexp} = m + \log l$. The loop below is for teaching; the library's
# `tiled_attention` does the same per query row, and also carries the weighted sum of
# values, rescaled the same way; the output is then $O = \text{acc} / l$:
#
# $$
# \text{acc} \leftarrow \text{acc}\, e^{m - m_{\text{new}}} + \sum_j e^{x_j - m_{\text{new}}} v_j
# $$
#
# Milakov & Gimelshein, 2018, *Online normalizer calculation for softmax*.

# %% [markdown] lang="zh"
# ## 1. 手算在线 softmax
# softmax 需要整行的最大值（为了数值稳定）和整行指数之和。分块读取这一行时，维护一个滑动最大值 `m`
# 和一个*相对于该最大值*的滑动和 `l`；一旦出现更大的最大值，就把旧的和乘以 exp(m_old − m_new)
# 重新缩放。对每一块得分 $x_j$：
#
# $$
# m_{\text{new}} = \max\big(m, \max_j x_j\big), \qquad
# l \leftarrow l \, e^{m - m_{\text{new}}} + \sum_j e^{x_j - m_{\text{new}}}, \qquad
# m \leftarrow m_{\text{new}}
# $$
#
# 最后 $\mathrm{logsumexp} = m + \log l$。下面的循环是为了教学；库中的 `tiled_attention`
# 对每个查询行做同样的事，并且还携带值的加权和，以同样方式重新缩放；最后的输出为
# $O = \text{acc} / l$：
#
# $$
# \text{acc} \leftarrow \text{acc}\, e^{m - m_{\text{new}}} + \sum_j e^{x_j - m_{\text{new}}} v_j
# $$
#
# Milakov & Gimelshein, 2018, *Online normalizer calculation for softmax*。

# %%
row = torch.randn(20, dtype=torch.float64) * 3
m, l = float("-inf"), 0.0
for chunk in row.split(6):                           # chunks of 6, 6, 6, 2
    m_new = max(m, chunk.max().item())
    l = l * math.exp(m - m_new) + torch.exp(chunk - m_new).sum().item()
    print(f"chunk max {chunk.max().item():6.3f}  running m {m_new:6.3f}  running l {l:8.4f}")
    m = m_new
lse_online = m + math.log(l)
print(f"online logsumexp {lse_online:.12f}  vs torch.logsumexp {row.logsumexp(0).item():.12f}")
assert abs(lse_online - row.logsumexp(0).item()) < 1e-12
# the library's running statistics give the same number for a one-query "attention"
q = torch.ones(1, 1, dtype=torch.float64)
k = row.unsqueeze(1)                                  # scores q·k_s = row[s] with scale 1
_, lse = tiled_attention(q, k, torch.zeros(20, 1, dtype=torch.float64), scale=1.0, block_k=6)
assert abs(lse.item() - lse_online) < 1e-12

# %% [markdown]
# ## 2. Tiled attention equals dense attention
# Different block sizes, causal or not, odd lengths: the outputs agree to float64 rounding,
# and so do the gradients. `flash_attention`'s backward does not store the tiles; it
# recomputes them from Q, K, V, the output and the logsumexp L: each tile's probabilities
# are $P = \exp(S - L)$ with $S = Q K^\top / \sqrt{D}$ the tile's scores.
# Dao et al., 2022, *FlashAttention: Fast and Memory-Efficient Exact Attention with
# IO-Awareness*.

# %% [markdown] lang="zh"
# ## 2. 分块注意力等于稠密注意力
# 不同的块大小、因果或非因果、奇数长度：输出在 float64 舍入误差范围内一致，梯度也一样。
# `flash_attention` 的反向传播不保存这些块；它从 Q、K、V、输出和 logsumexp L 重新算出它们：
# 每块的概率为 $P = \exp(S - L)$，其中 $S = Q K^\top / \sqrt{D}$ 是这一块的得分。Dao et al., 2022,
# *FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness*。

# %%
B, H, T, D = 2, 3, 37, 16
qkv = [torch.randn(B, H, T, D, dtype=torch.float64, requires_grad=True) for _ in range(3)]
for causal in (False, True):
    ref = sdpa(*qkv, is_causal=causal)
    g = torch.randn_like(ref)
    ref_grads = torch.autograd.grad(ref, qkv, g)
    for bq, bk in [(8, 8), (5, 16), (37, 1)]:
        out = flash_attention(*qkv, is_causal=causal, block_q=bq, block_k=bk)
        grads = torch.autograd.grad(out, qkv, g)
        err = (out - ref).abs().max().item()
        gerr = max((a - b).abs().max().item() for a, b in zip(grads, ref_grads))
        print(f"causal={causal!s:5} blocks ({bq:2},{bk:2}): max |out diff| {err:.1e}, "
              f"max |grad diff| {gerr:.1e}")
        assert err < 1e-12 and gerr < 1e-10

# %% [markdown]
# ## 3. Memory: T^2 against T
# `PeakMemoryTracker` follows every tensor an operation creates until it is freed, so it
# reports the largest number of bytes alive at once (the inputs not counted). Doubling T
# should multiply dense attention's peak by 4 and the tiled one's by about 2. The dense peak
# is at least the float32 score matrix itself, $4 T^2$ bytes.

# %% [markdown] lang="zh"
# ## 3. 内存：T^2 对 T
# `PeakMemoryTracker` 跟踪一次运算创建的每个张量直到它被释放，因此报告的是同时存活的最大字节数
# （不计输入）。T 翻倍时，稠密注意力的峰值应变为 4 倍，分块注意力的约为 2 倍。稠密注意力的峰值至少是
# float32 得分矩阵本身的大小，即 $4 T^2$ 字节。

# %%
Ts = [128, 256, 512] if ctx.quick else [256, 512, 1024, 2048, 4096]
dense_peak, tiled_peak = [], []
for T in Ts:
    q, k, v = torch.randn(3, 1, 1, T, 32).unbind(0)
    with torch.no_grad():
        with PeakMemoryTracker() as mem_dense:
            sdpa(q, k, v, is_causal=True)
        with PeakMemoryTracker() as mem_tiled:
            flash_attention(q, k, v, is_causal=True, block_q=64, block_k=64)
    dense_peak.append(mem_dense.peak_bytes)
    tiled_peak.append(mem_tiled.peak_bytes)
    print(f"T={T:5d}: dense {mem_dense.peak_bytes / 2**20:8.3f} MiB   "
          f"tiled {mem_tiled.peak_bytes / 2**20:7.3f} MiB   "
          f"(T x T float32 scores: {T * T * 4 / 2**20:.3f} MiB)")
assert 3.8 < dense_peak[-1] / dense_peak[-2] < 4.2
assert 1.4 < tiled_peak[-1] / tiled_peak[-2] < 2.1
assert dense_peak[-1] >= 4 * Ts[-1] ** 2                 # at least the score matrix itself
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.loglog(Ts, [b / 2**20 for b in dense_peak], "o-", base=2, label="dense")
ax.loglog(Ts, [b / 2**20 for b in tiled_peak], "s-", base=2, label="tiled (64 x 64)")
ax.set_xlabel("T")
ax.set_ylabel("peak MiB")
ax.set_title("Peak memory of causal attention")
ax.legend()
ctx.savefig(fig, "attention_memory.png")
print("full sweep to T = 8192: python benchmarks/bench_attention_memory.py")

# %% [markdown]
# ## 4. Sparse patterns: sliding window and block-sparse
# A sliding window lets token t see only the last w tokens, the keys s with
# $t - w < s \le t$ (a band under the diagonal);
# block-sparse attention works on blocks: each block of queries sees a few blocks of keys
# (here its neighbour and the first, "global", block). Each equals dense attention with
# the same boolean mask, yet computes far fewer scores: dense attention computes all T^2
# and masks afterwards; the window computes T·w (the whole band, so the first w − 1 rows
# also score w(w − 1)/2 padding slots before position 0), block-sparse whole blocks of its
# layout (the diagonal blocks are then masked to causal). The count below is measured, not
# derived: torch's `FlopCounterMode` counts the multiply-adds of every matrix product, and
# each score costs D of them (q·k) plus Dv more (its share of the weighted sum of values).
# With a batch of B and two FLOPs per multiply-add, the number of scores computed per batch
# element is
#
# $$
# n = \frac{\text{FLOPs}}{2 B (D + D_v)} .
# $$
#
# The window computes $T w$ of them, of which $T w - w (w - 1) / 2$ are allowed.
#
# Child et al., 2019, *Generating Long Sequences with Sparse Transformers*; Beltagy et al.,
# 2020, *Longformer: The Long-Document Transformer*.

# %% [markdown] lang="zh"
# ## 4. 稀疏模式：滑动窗口与块稀疏
# 滑动窗口让词元 t 只看最近的 w 个词元，即满足 $t - w < s \le t$ 的键 s（对角线下方的一条带）；
# 块稀疏注意力以块为单位：每个查询块只看少数几个键块（这里是相邻块和第一个“全局”块）。
# 两者都等于使用同一布尔掩码的稠密注意力，但计算的得分少得多：稠密注意力算出全部 T^2 个得分，
# 之后再做掩码；窗口算 T·w 个（整条带，所以前 w − 1 行还要为位置 0 之前的 w(w − 1)/2
# 个填充位置计算得分）；块稀疏则计算其布局中的整块（对角块之后再做因果掩码）。
# 下面的计数是测量出来的，而不是推导出来的：torch 的 `FlopCounterMode` 统计每次矩阵乘法的乘加次数，
# 每个得分花费 D 次（q·k），再加 Dv 次（它在值的加权和中的份额）。批量为 B、每次乘加记两次浮点运算
# （FLOP）时，每个批次元素计算的得分个数为
#
# $$
# n = \frac{\text{FLOPs}}{2 B (D + D_v)} .
# $$
#
# 窗口计算其中 $T w$ 个，允许的有 $T w - w (w - 1) / 2$ 个。
#
# Child et al., 2019, *Generating Long Sequences with Sparse Transformers*；Beltagy et al., 2020,
# *Longformer: The Long-Document Transformer*。

# %%
T, w, bs = 32, 6, 4
q, k, v = torch.randn(3, 2, T, 8, dtype=torch.float64).unbind(0)
window = sliding_window_mask(T, w)
layout = local_global_layout(T // bs, local=1, n_global=1)
blocks = block_sparse_mask(layout, bs, T, causal=True)
out_w = sliding_window_attention(q, k, v, window=w)
out_b = block_sparse_attention(q, k, v, layout, block_size=bs, causal=True)
assert torch.allclose(out_w, sdpa(q, k, v, attn_mask=window), atol=1e-12)
assert torch.allclose(out_b, sdpa(q, k, v, attn_mask=blocks), atol=1e-12)
full = T * (T + 1) // 2                                   # the causal mask allows these
fig, axes = plt.subplots(1, 3, figsize=(9, 3))
for ax, mask, title in zip(axes, [causal_mask(T), window, blocks],
                           ["causal", f"sliding window w={w}", "local + global blocks"]):
    ax.imshow(mask.float().numpy(), cmap="Blues")
    ax.set_title(title)
    ax.set_xlabel("key s")
axes[0].set_ylabel("query t")
ctx.savefig(fig, "sparse_patterns.png")


# %%
def scores_computed(attention) -> int:
    """How many scores ``attention()`` computes per batch element, from its counted FLOPs."""
    with FlopCounterMode(display=False) as counter:
        attention()
    return counter.get_total_flops() // (2 * q.shape[0] * (q.shape[-1] + v.shape[-1]))


computed = {"dense (causal mask)": scores_computed(lambda: sdpa(q, k, v, is_causal=True)),
            "window": scores_computed(lambda: sliding_window_attention(q, k, v, window=w)),
            "block-sparse": scores_computed(
                lambda: block_sparse_attention(q, k, v, layout, block_size=bs, causal=True))}
allowed = {"dense (causal mask)": full, "window": int(window.sum()),
           "block-sparse": int(blocks.sum())}
for name, n in computed.items():
    print(f"{name:>19}: {n:5d} scores computed for {allowed[name]:4d} allowed")
assert computed == {"dense (causal mask)": T * T, "window": T * w,
                    "block-sparse": int(layout.sum()) * bs * bs}
assert computed["window"] - allowed["window"] == w * (w - 1) // 2
assert computed["window"] < T * T / 4 and computed["block-sparse"] < T * T / 2

# %% [markdown]
# ## 5. Linear attention
# Replace exp(q·k) by φ(q)·φ(k) with φ(x) = elu(x) + 1 > 0. Then the sums over s can be
# taken out of the loop over t:
#
# $$
# \text{out}_t =
# \frac{\sum_s \big(\phi(q_t)^\top \phi(k_s)\big)\, v_s}{\sum_s \phi(q_t)^\top \phi(k_s)}
# = \frac{\phi(q_t)^\top \big[\sum_s \phi(k_s)\, v_s^\top\big]}
#   {\phi(q_t)^\top \big[\sum_s \phi(k_s)\big]}
# $$
#
# The bracket in the numerator is a (D, Dv) matrix computed once — O(T D Dv) instead of
# O(T² D). The causal version keeps running (prefix) sums over $s \le t$. Both equal the
# explicit quadratic formula (which is *not* softmax attention: the kernel is different, so
# the model is different too).
# Katharopoulos et al., 2020, *Transformers are RNNs: Fast Autoregressive Transformers with
# Linear Attention*.

# %% [markdown] lang="zh"
# ## 5. 线性注意力
# 把 exp(q·k) 换成 φ(q)·φ(k)，其中 φ(x) = elu(x) + 1 > 0。于是对 s 的求和可以从对 t 的循环中提出来：
#
# $$
# \text{out}_t =
# \frac{\sum_s \big(\phi(q_t)^\top \phi(k_s)\big)\, v_s}{\sum_s \phi(q_t)^\top \phi(k_s)}
# = \frac{\phi(q_t)^\top \big[\sum_s \phi(k_s)\, v_s^\top\big]}
#   {\phi(q_t)^\top \big[\sum_s \phi(k_s)\big]}
# $$
#
# 分子中的方括号是一个 (D, Dv) 矩阵，只需计算一次——代价是 O(T D Dv)，而不是 O(T² D)。因果版本对
# $s \le t$ 维护滑动（前缀）和。两种形式都等于显式的二次公式（它*不是* softmax 注意力：核不同，
# 所以模型也不同）。Katharopoulos et al., 2020, *Transformers are RNNs: Fast Autoregressive
# Transformers with Linear Attention*。

# %%
T = 64 if ctx.quick else 512
q, k, v = torch.randn(3, 2, T, 16, dtype=torch.float64).unbind(0)
for causal in (False, True):
    fast = linear_attention(q, k, v, causal=causal)
    slow = linear_attention_quadratic(q, k, v, causal=causal)
    print(f"causal={causal}: max |linear - quadratic| = {(fast - slow).abs().max().item():.1e}")
    assert torch.allclose(fast, slow, atol=1e-10)
softmax_gap = (sdpa(q, k, v) - linear_attention(q, k, v)).abs().max().item()
print(f"differs from softmax attention by {softmax_gap:.2f} (a different kernel)")
assert softmax_gap > 0.1
