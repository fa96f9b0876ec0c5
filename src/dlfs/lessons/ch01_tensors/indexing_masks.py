# %% [markdown]
# # Day 4 · Advanced indexing and masks — 高级索引与 Mask
#
# **Library files:** `src/dlfs/playground/` (`inspect`); these operations reappear in
# `src/dlfs/nn/functional/class_losses.py` (picking the target class) and in attention (causal
# masks).
#
# Three families of indexing, and the question that matters for each: *does the result share
# memory with the source (a view) or is it a copy?*
#
# | kind | example | result |
# |---|---|---|
# | basic (ints, slices, `None`, `...`) | `x[1:, ::2]` | a **view** |
# | integer arrays ("fancy") | `x[[0, 2]]`, `x[rows, cols]` | a **copy** |
# | boolean masks | `x[x > 0]` | a **copy**, 1-D, size depends on the data |
#
# Then the tools that keep shapes fixed: `gather`, `scatter`, `where`, `masked_fill`.

# %% [markdown] lang="zh"
# # 第 4 天 · 高级索引与 Mask
#
# **库文件：** `src/dlfs/playground/`（`inspect`）；这些操作会在
# `src/dlfs/nn/functional/class_losses.py`（取出目标类别）和注意力（因果掩码）中再次出现。
#
# 索引分三大类，对每一类真正重要的问题是：*结果与源张量共享内存（视图），还是一份副本？*
#
# | 类别 | 例子 | 结果 |
# |---|---|---|
# | 基本索引（整数、切片、`None`、`...`） | `x[1:, ::2]` | **视图** |
# | 整数数组索引（“花式索引”） | `x[[0, 2]]`、`x[rows, cols]` | **副本** |
# | 布尔掩码 | `x[x > 0]` | **副本**，一维，大小取决于数据 |
#
# 接着介绍保持形状不变的工具：`gather`、`scatter`、`where`、`masked_fill`。

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from dlfs.curriculum import lesson_context

ctx = lesson_context("indexing-masks")
torch.manual_seed(0)


def shares_memory(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True when two tensors read the same storage."""
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


# %% [markdown]
# ## 1. Views vs copies

# %% [markdown] lang="zh"
# ## 1. 视图与副本

# %%
x = torch.arange(12.0).view(3, 4)
cases = {
    "x[1]": x[1],
    "x[:, 1:3]": x[:, 1:3],
    "x[..., None]": x[..., None],
    "x[[0, 2]]": x[[0, 2]],
    "x[[0, 2], [1, 3]]": x[[0, 2], [1, 3]],
    "x[x > 5]": x[x > 5],
}
expected_view = {"x[1]": True, "x[:, 1:3]": True, "x[..., None]": True}
for expr, t in cases.items():
    view = shares_memory(t, x)
    print(f"{expr:<20} shape={tuple(t.shape)!s:<10} {'view' if view else 'copy'}")
    assert view == expected_view.get(expr, False), expr

# Writing into a copy leaves x alone; writing through a view changes x.
picked = x[[0, 2]]
picked[:] = -1
assert x.min() == 0
x[:, 1:3][0, 0] = 100  # through a view
assert x[0, 1] == 100
x[0, 1] = 1

# %% [markdown]
# ## 2. But *assigning* through an index writes in place
# `x[mask] = v` and `x[idx] = v` call `index_put_` on x itself — no copy is involved.

# %% [markdown] lang="zh"
# ## 2. 但通过索引*赋值*是原地写入
# `x[mask] = v` 和 `x[idx] = v` 会在 x 本身上调用 `index_put_`——不涉及任何复制。

# %%
y = torch.arange(6.0)
ptr = y.data_ptr()
y[y > 3] = 0.0
y[[0, 1]] = -1.0
print("after in-place assignment:", y.tolist())
assert y.tolist() == [-1.0, -1.0, 2.0, 3.0, 0.0, 0.0] and y.data_ptr() == ptr

# %% [markdown]
# ## 3. The duplicate-index trap
# `x[idx] += 1` reads, adds, then writes: a repeated index is written twice with the *same*
# value, so it counts once. `index_add_` (or `index_put_(..., accumulate=True)`) adds each:
# $\text{out}[i] = \sum_{n \,:\, \text{idx}[n] = i} \text{src}[n]$.

# %% [markdown] lang="zh"
# ## 3. 重复索引的陷阱
# `x[idx] += 1` 先读、再加、再写：重复出现的索引会被写入两次*相同*的值，所以只算一次。
# `index_add_`（或 `index_put_(..., accumulate=True)`）则会逐个累加：
# $\text{out}[i] = \sum_{n \,:\, \text{idx}[n] = i} \text{src}[n]$。

# %%
idx = torch.tensor([0, 2, 2, 2])
naive = torch.zeros(4)
naive[idx] += 1
summed = torch.zeros(4).index_add_(0, idx, torch.ones(4))
print("x[idx] += 1  ->", naive.tolist(), "   index_add_ ->", summed.tolist())
assert naive.tolist() == [1, 0, 1, 0] and summed.tolist() == [1, 0, 3, 0]
assert torch.equal(summed, torch.bincount(idx, minlength=4).float())

# %% [markdown]
# ## 4. `gather`: pick one entry per row (the target class of a loss)
# `out[i, j] = src[i, index[i, j]]` along `dim=1`. For logits `(N, K)` and targets `(N,)`,
# `logits.gather(1, targets[:, None])` is `(N, 1)`: each row's target logit. It equals
# integer indexing with a row range, and a naive loop. Gathering from the log-softmax gives
# the per-sample cross-entropy, with $t_i$ the target of row $i$:
#
# $$
# \text{nll}_i = -\log \mathrm{softmax}(\text{logits}_i)_{t_i}
# = -\text{logits}_{i, t_i} + \log \sum_{k=1}^{K} e^{\text{logits}_{i, k}}
# $$

# %% [markdown] lang="zh"
# ## 4. `gather`：每行取出一个元素（损失函数中的目标类别）
# 沿 `dim=1` 有 `out[i, j] = src[i, index[i, j]]`。对形状为 `(N, K)` 的 logits 和形状为
# `(N,)` 的 targets，`logits.gather(1, targets[:, None])` 的形状是 `(N, 1)`：每一行中目标类别
# 的 logit。它与用行号范围做整数索引、以及朴素的循环，结果完全相同。从 log-softmax 中 gather，
# 就得到逐样本的交叉熵（$t_i$ 为第 $i$ 行的目标类别）：
#
# $$
# \text{nll}_i = -\log \mathrm{softmax}(\text{logits}_i)_{t_i}
# = -\text{logits}_{i, t_i} + \log \sum_{k=1}^{K} e^{\text{logits}_{i, k}}
# $$

# %%
N, K = 5, 4
logits = torch.randn(N, K)
targets = torch.tensor([3, 0, 1, 1, 2])
picked = logits.gather(1, targets[:, None]).squeeze(1)  # (N,)
assert torch.equal(picked, logits[torch.arange(N), targets])
assert torch.equal(picked, torch.stack([logits[i, targets[i]] for i in range(N)]))
nll = -F.log_softmax(logits, dim=1).gather(1, targets[:, None]).squeeze(1)  # (N,)
assert torch.allclose(nll, F.cross_entropy(logits, targets, reduction="none"))
print("cross entropy per sample = -log_softmax(logits).gather(1, targets):", nll.tolist())

# %% [markdown]
# ## 5. `scatter`: the inverse — write values at positions
# `out[i, index[i, j]] = src[i, j]`. Scattering ones builds one-hot vectors; `scatter_add_`
# accumulates (a histogram per row).

# %% [markdown] lang="zh"
# ## 5. `scatter`：它的逆操作——把值写到指定位置
# `out[i, index[i, j]] = src[i, j]`。用 scatter 写入 1 就能构造 one-hot 向量；`scatter_add_`
# 则会累加（相当于每行一个直方图）。

# %%
one_hot = torch.zeros(N, K).scatter_(1, targets[:, None], 1.0)  # (N, K)
assert torch.equal(one_hot, F.one_hot(targets, K).float())
words = torch.tensor([[0, 1, 1, 3], [2, 2, 2, 0]])  # two "documents" of token ids
counts = torch.zeros(2, K).scatter_add_(1, words, torch.ones(2, 4))
print("bag of words per row:", counts.tolist())
assert counts.tolist() == [[1, 2, 0, 1], [1, 0, 3, 0]]

# %% [markdown]
# ## 6. `where` and `masked_fill` keep the shape
# `x[mask]` flattens to the selected values; `torch.where(mask, a, b)` and
# `x.masked_fill(mask, v)` keep every position. Gradients flow only through the chosen branch:
# for `torch.where(v > 0, v, torch.zeros_like(v))` that is
# $\partial\, \mathrm{relu\_like}_i / \partial v_i = [v_i > 0]$, the gradient of ReLU.

# %% [markdown] lang="zh"
# ## 6. `where` 和 `masked_fill` 保持形状不变
# `x[mask]` 会被展平成选中的那些值；`torch.where(mask, a, b)` 和 `x.masked_fill(mask, v)`
# 则保留每一个位置。梯度只沿被选中的分支流动：对 `torch.where(v > 0, v, torch.zeros_like(v))`
# 而言就是 $\partial\, \mathrm{relu\_like}_i / \partial v_i = [v_i > 0]$，也就是 ReLU 的梯度。

# %%
v = torch.tensor([-2.0, -0.5, 0.0, 1.5, 3.0], requires_grad=True)
relu_like = torch.where(v > 0, v, torch.zeros_like(v))
relu_like.sum().backward()
assert torch.equal(relu_like, F.relu(v)) and v.grad.tolist() == [0, 0, 0, 1, 1]
filled = v.detach().masked_fill(v.detach() < 0, float("nan"))
assert filled.shape == v.shape and filled.isnan().sum() == 2
print("masked_fill keeps shape:", filled.tolist(), "  v[v > 0] flattens:", v[v > 0].tolist())

# %% [markdown]
# ## 7. Masks in attention: causal and padding
# A causal mask forbids position t to look at positions after t: fill those scores with
# `-inf` before the softmax and they get weight exactly 0. A padding mask does the same for
# the padded key positions of each sequence. Row $t$ of the causal weights is
#
# $$
# \text{weights}_{t, j} = \begin{cases}
# \dfrac{e^{\text{scores}_{t, j}}}{\sum_{j' \le t} e^{\text{scores}_{t, j'}}} & j \le t \\
# 0 & j > t
# \end{cases}
# $$
#
# since $e^{-\infty} = 0$.

# %% [markdown] lang="zh"
# ## 7. 注意力中的掩码：因果掩码与填充掩码
# 因果掩码禁止位置 t 看到 t 之后的位置：在 softmax 之前把这些分数填成 `-inf`，它们得到的权重
# 就恰好为 0。填充掩码对每个序列中被填充的键（key）位置做同样的事。因果权重的第 $t$ 行为
#
# $$
# \text{weights}_{t, j} = \begin{cases}
# \dfrac{e^{\text{scores}_{t, j}}}{\sum_{j' \le t} e^{\text{scores}_{t, j'}}} & j \le t \\
# 0 & j > t
# \end{cases}
# $$
#
# 这是因为 $e^{-\infty} = 0$。

# %%
T = 6 if ctx.quick else 10
scores = torch.randn(T, T)
causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)  # True above the diagonal
weights = scores.masked_fill(causal, float("-inf")).softmax(dim=-1)  # (T, T)
assert torch.all(weights[causal] == 0) and torch.allclose(weights.sum(-1), torch.ones(T))
lengths = torch.tensor([T, T - 2])  # two sequences, the second padded by 2
pad = torch.arange(T)[None, :] >= lengths[:, None]  # (2, T) True where padded
padded_w = torch.randn(2, T, T).masked_fill(pad[:, None, :], float("-inf")).softmax(-1)
assert torch.all(padded_w[1, :, T - 2:] == 0)
print(f"causal mask: {int(causal.sum())} of {T * T} scores masked; rows still sum to 1")

fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
axes[0].imshow(causal.numpy(), cmap="gray_r")
axes[0].set_title("causal mask (True = forbidden)")
axes[1].imshow(weights.numpy(), cmap="viridis")
axes[1].set_title("softmax(masked scores)")
axes[2].imshow(padded_w[1].numpy(), cmap="viridis")
axes[2].set_title(f"padding mask: last {T - int(lengths[1])} keys")
for ax in axes:
    ax.set_xlabel("key position")
    ax.set_ylabel("query position")
ctx.savefig(fig, "masks.png")

print("\nDay 4 done. Next: `dlfs run einsum`.")
