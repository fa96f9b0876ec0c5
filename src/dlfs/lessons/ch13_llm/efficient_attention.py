# %% [markdown]
# # Chapter 9 · Efficient attention: online softmax, tiles, windows, kernels — 高效注意力
#
# **Library files:** `src/dlfs/attention/flash.py` (`tiled_attention`, `flash_attention`),
# `src/dlfs/attention/sparse_attention.py` (sliding window, block-sparse),
# `src/dlfs/attention/linear_attention.py` (linear attention), `src/dlfs/train/memory.py`
# (`PeakMemoryTracker`), and the dense reference `src/dlfs/nn/functional/attention.py`.
#
# Dense attention softmax(Q K^T / sqrt(D)) V builds a (T, T) score matrix: memory and time
# grow as T^2. This lesson shows four ways around it and checks each against the dense
# computation:
#
# 1. the **online softmax**, which lets us see the scores a block at a time;
# 2. **tiled (flash-style) attention** built on it: same numbers, memory linear in T;
# 3. **sparse patterns** (sliding window, block-sparse): compute only some scores;
# 4. **linear attention**: a kernel instead of exp, and the products reordered.

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
# when a bigger max appears, rescale the old sum by exp(m_old − m_new). At the end
# logsumexp = m + log l. The loop below is for teaching; the library's `tiled_attention`
# does the same per query row (and also carries the weighted sum of values).

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
# recomputes them from Q, K, V, the output and the logsumexp.

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
# should multiply dense attention's peak by 4 and the tiled one's by about 2.

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
# A sliding window lets token t see only the last w tokens (a band under the diagonal);
# block-sparse attention works on blocks: each block of queries sees a few blocks of keys
# (here its neighbour and the first, "global", block). Each equals dense attention with
# the same boolean mask, yet computes far fewer scores: dense attention computes all T^2
# and masks afterwards; the window computes T·w (the whole band, so the first w − 1 rows
# also score w(w − 1)/2 padding slots before position 0), block-sparse whole blocks of its
# layout (the diagonal blocks are then masked to causal). The count below is measured, not
# derived: torch's `FlopCounterMode` counts the multiply-adds of every matrix product, and
# each score costs D of them (q·k) plus Dv more (its share of the weighted sum of values).

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
# Replace exp(q·k) by φ(q)·φ(k) with φ(x) = elu(x) + 1 > 0. Then
# Σ_s (φ(q_t)·φ(k_s)) v_s = φ(q_t)ᵀ [Σ_s φ(k_s) v_sᵀ]: the bracket is a (D, Dv) matrix computed
# once — O(T D Dv) instead of O(T² D). The causal version keeps running (prefix) sums.
# Both equal the explicit quadratic formula (which is *not* softmax attention: the kernel
# is different, so the model is different too).

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
