# %% [markdown]
# # Day 3 · Broadcasting, in depth — 广播机制深度解析
#
# **Library files:** `src/dlfs/tensors/broadcast.py` (`broadcast_shape`, `expand_dims_for`).
#
# When an elementwise op meets two tensors of different shapes, torch lines the shapes up at
# their **right** end, pads the shorter one with 1s on the left, and then in each dimension
# needs the sizes to be equal or one of them to be 1 (which gets stretched, without copying).
# For padded shapes $(a_1, \dots, a_n)$ and $(b_1, \dots, b_n)$ the result has size
#
# $$
# c_i = \begin{cases} a_i, & b_i \in \lbrace 1, a_i \rbrace \\ b_i, & a_i = 1 \end{cases}
# $$
#
# and any other pair of sizes is an error.
# `broadcast_shape` implements that rule from scratch; we check it against
# `torch.broadcast_shapes`, use broadcasting for real work (centring data, pairwise distances),
# meet its silent trap, and see why gradients of a broadcast operand are *sums*.

# %% [markdown] lang="zh"
# # 第 3 天 · 广播机制深度解析
#
# **库文件：** `src/dlfs/tensors/broadcast.py`（`broadcast_shape`、`expand_dims_for`）。
#
# 当逐元素运算遇到两个形状不同的张量时，torch 会把两个形状从**右**端对齐，在较短的形状左边
# 补 1，然后要求每一维上的大小要么相等，要么其中之一为 1（大小为 1 的那一维会被拉伸，但不会
# 复制数据）。对补齐后的形状 $(a_1, \dots, a_n)$ 和 $(b_1, \dots, b_n)$，结果的每一维大小为
#
# $$
# c_i = \begin{cases} a_i, & b_i \in \lbrace 1, a_i \rbrace \\ b_i, & a_i = 1 \end{cases}
# $$
#
# 其他任何一对大小都会报错。
# `broadcast_shape` 从零实现了这条规则；我们用 `torch.broadcast_shapes` 来检验它，用广播完成
# 实际工作（数据中心化、两两距离），认识它不报错的陷阱，并弄清为什么被广播的操作数的梯度
# 是*求和*。

# %%
import warnings

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from dlfs.curriculum import lesson_context
from dlfs.tensors import BroadcastError, broadcast_shape, expand_dims_for

ctx = lesson_context("broadcasting")
torch.manual_seed(0)

# %% [markdown]
# ## 1. The rule, checked on examples
# Each row prints the shapes right-aligned, the way the rule compares them.

# %% [markdown] lang="zh"
# ## 1. 用例子检验规则
# 每一行都把形状右对齐打印出来，正是规则比较它们的方式。

# %%
examples = [
    [(3, 4), (4,)],
    [(3, 1), (1, 4)],
    [(8, 1, 6, 1), (7, 1, 5)],
    [(2, 3, 4), ()],
    [(5, 1, 4), (3, 1), (1,)],
    [(0, 3), (1, 3)],
]
for shapes in examples:
    ours = broadcast_shape(*shapes)
    assert ours == tuple(torch.broadcast_shapes(*shapes))
    width = max(len(s) for s in shapes) * 4 + 2
    for s in shapes:
        print(f"{' '.join(f'{d:>3}' for d in s) or '() scalar':>{width}}")
    print(f"{'-' * width}\n{' '.join(f'{d:>3}' for d in ours):>{width}}   = broadcast_shape\n")

# %% [markdown]
# ## 2. When it fails, the message says where
# Compare our message with torch's for the same shapes.

# %% [markdown] lang="zh"
# ## 2. 出错时，错误信息会指出是哪一维
# 把我们的错误信息与 torch 对同样形状给出的信息比较一下。

# %%
try:
    broadcast_shape((4, 3), (4,))
except BroadcastError as exc:
    print("ours :", exc)
    # the message names the dimension, in English or Chinese (`dlfs --lang zh`)
    assert any(s in str(exc) for s in ("dimension -1", "第 -1 维")) and "(4, 3)" in str(exc)
try:
    torch.zeros(4, 3) + torch.zeros(4)
except RuntimeError as exc:
    print("torch:", exc)
# The fix is to say which axis the vector belongs to: (4,) -> (4, 1).
assert broadcast_shape((4, 3), (4, 1)) == (4, 3)

# %% [markdown]
# ## 3. Broadcasting at work
# **Centring features:** `X (N, D) - mean (D,)` subtracts the column means from every row:
# $X_c[n, d] = X[n, d] - \frac{1}{N} \sum_{m} X[m, d]$.
# **Pairwise distances:** `a[:, None, :] - b[None, :, :]` is `(N, 1, D) - (1, M, D) → (N, M, D)`,
# and summing the squares over the last axis gives
#
# $$
# \mathrm{dist}[i, j] = \sqrt{\sum_{d} \left(a[i, d] - b[j, d]\right)^2}
# $$

# %% [markdown] lang="zh"
# ## 3. 广播的实际用途
# **特征中心化：** `X (N, D) - mean (D,)` 从每一行中减去各列的均值：
# $X_c[n, d] = X[n, d] - \frac{1}{N} \sum_{m} X[m, d]$。
# **两两距离：** `a[:, None, :] - b[None, :, :]` 就是 `(N, 1, D) - (1, M, D) → (N, M, D)`，
# 再沿最后一维对平方求和、开方，得到
#
# $$
# \mathrm{dist}[i, j] = \sqrt{\sum_{d} \left(a[i, d] - b[j, d]\right)^2}
# $$

# %%
X = torch.randn(100, 3) * torch.tensor([1.0, 5.0, 10.0]) + torch.tensor([2.0, -1.0, 7.0])
Xc = X - X.mean(dim=0)  # (100, 3) - (3,) -> (100, 3)
assert torch.allclose(Xc.mean(dim=0), torch.zeros(3), atol=1e-5)

N, M, D = 6, 4, 2
a, b = torch.randn(N, D), torch.randn(M, D)
diff = a[:, None, :] - b[None, :, :]  # (N, M, D)
dist = diff.pow(2).sum(-1).sqrt()     # (N, M)
print("pairwise distances", tuple(diff.shape), "->", tuple(dist.shape))
assert broadcast_shape((N, 1, D), (1, M, D)) == (N, M, D)
assert torch.allclose(dist, torch.cdist(a, b), atol=1e-5)

# %% [markdown]
# ## 4. The silent trap: `(N,)` against `(N, 1)` gives `(N, N)`
# A model that outputs `(N, 1)` compared with targets of shape `(N,)` broadcasts to an
# `(N, N)` matrix of every prediction minus every target: no error, a wrong loss.
# `F.mse_loss` warns about it; a hand-written loss does not.
#
# $$
# \text{wrong} = \frac{1}{N^2} \sum_{i} \sum_{j} (\text{pred}_i - \text{target}_j)^2,
# \qquad
# \text{right} = \frac{1}{N} \sum_{i} (\text{pred}_i - \text{target}_i)^2
# $$

# %% [markdown] lang="zh"
# ## 4. 不报错的陷阱：`(N,)` 对上 `(N, 1)` 得到 `(N, N)`
# 模型输出形状为 `(N, 1)`，目标形状为 `(N,)`，两者相减会广播成一个 `(N, N)` 矩阵，其中是
# 每个预测减去每个目标：不会报错，但损失是错的。`F.mse_loss` 会对此发出警告；手写的损失函数
# 则不会。
#
# $$
# \text{wrong} = \frac{1}{N^2} \sum_{i} \sum_{j} (\text{pred}_i - \text{target}_j)^2,
# \qquad
# \text{right} = \frac{1}{N} \sum_{i} (\text{pred}_i - \text{target}_i)^2
# $$

# %%
pred = torch.randn(5, 1)
target = torch.randn(5)
wrong = ((pred - target) ** 2).mean()
right = ((pred.squeeze(1) - target) ** 2).mean()
print(f"(pred - target).shape = {tuple((pred - target).shape)}; wrong loss {wrong:.3f}, "
      f"right loss {right:.3f}")
assert (pred - target).shape == (5, 5) and not torch.isclose(wrong, right)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    F.mse_loss(pred, target)
assert any("target size" in str(w.message) for w in caught), "mse_loss should warn"
print("F.mse_loss warned:", str(caught[0].message)[:80], "...")

# %% [markdown]
# ## 5. Gradients of a broadcast operand are sums
# If `b (C,)` was stretched over the batch in `y = x + b`, every stretched copy sends its
# gradient back to the same element, so `dL/db = sum over the stretched dims of dL/dy`:
# $\frac{\partial L}{\partial b_c} = \sum_{n} \frac{\partial L}{\partial y_{n, c}}$.
# `expand_dims_for(shape, target)` names those dims (what autograd engines call unbroadcast).
# Below, `bias (3, 1)` is stretched to `(4, 3, 5)` in `y = x * 2 + bias`, so with
# $g = \partial L / \partial y$
#
# $$
# \frac{\partial L}{\partial \mathrm{bias}_{c, 0}} = \sum_{n=0}^{3} \sum_{t=0}^{4} g_{n, c, t}
# $$

# %% [markdown] lang="zh"
# ## 5. 被广播的操作数，其梯度是求和
# 如果在 `y = x + b` 中 `b (C,)` 沿批量维被拉伸，那么每一份拉伸出来的副本都会把自己的梯度
# 送回同一个元素，所以 `dL/db = sum over the stretched dims of dL/dy`（即沿被拉伸的维度对
# dL/dy 求和）：$\frac{\partial L}{\partial b_c} = \sum_{n} \frac{\partial L}{\partial y_{n, c}}$。
# `expand_dims_for(shape, target)` 给出这些维度（自动微分引擎中称为 unbroadcast）。
# 下面在 `y = x * 2 + bias` 中，`bias (3, 1)` 被拉伸成 `(4, 3, 5)`，所以记
# $g = \partial L / \partial y$，有
#
# $$
# \frac{\partial L}{\partial \mathrm{bias}_{c, 0}} = \sum_{n=0}^{3} \sum_{t=0}^{4} g_{n, c, t}
# $$

# %%
x = torch.randn(4, 3, 5)
bias = torch.randn(3, 1, requires_grad=True)  # (3, 1) stretched to (4, 3, 5)
y = x * 2 + bias
g = torch.randn_like(y)
y.backward(g)
dims = expand_dims_for(bias.shape, y.shape)
print("bias", tuple(bias.shape), "was stretched along dims", dims, "of", tuple(y.shape))
assert dims == (0, 2)
by_hand = g.sum(dim=dims, keepdim=True).reshape(bias.shape)
assert torch.allclose(bias.grad, by_hand, atol=1e-6)

# %% [markdown]
# ## 6. Stretching is free; the result is not
# `expand` uses stride 0, so a `(1, 1000)` row "stretched" to 1000 rows costs nothing — but
# the sum of two broadcast tensors is a real `(1000, 1000)` tensor.

# %% [markdown] lang="zh"
# ## 6. 拉伸不花钱，结果却要花
# `expand` 使用步长 0，所以把一个 `(1, 1000)` 的行向量“拉伸”成 1000 行不占任何内存——但两个
# 广播张量的和是一个实实在在的 `(1000, 1000)` 张量。

# %%
row = torch.randn(1, 1000)
stretched = row.expand(1000, 1000)
assert stretched.stride() == (0, 1) and stretched.data_ptr() == row.data_ptr()
col = torch.randn(1000, 1)
full = row + col  # (1000, 1000), 4 MB of new memory
print(f"row.expand: {row.untyped_storage().nbytes()} bytes; row + col: "
      f"{full.untyped_storage().nbytes()} bytes")
assert full.untyped_storage().nbytes() == 1000 * 1000 * 4

# %% [markdown]
# ## 7. Picture: `(3, 1) + (1, 4) → (3, 4)`
# The faded cells are the stretched copies that never exist in memory.

# %% [markdown] lang="zh"
# ## 7. 图示：`(3, 1) + (1, 4) → (3, 4)`
# 颜色变淡的格子是拉伸出来的副本，它们从未真正存在于内存中。

# %%
u = torch.tensor([[0.0], [10.0], [20.0]])  # (3, 1)
w = torch.tensor([[1.0, 2.0, 3.0, 4.0]])   # (1, 4)
s = u + w                                  # (3, 4)
fig, axes = plt.subplots(1, 3, figsize=(10, 3))
for ax, (title, t, real) in zip(axes, [("u (3, 1) stretched", u.expand(3, 4), (slice(None), 0)),
                                      ("w (1, 4) stretched", w.expand(3, 4), (0, slice(None))),
                                      ("u + w (3, 4)", s, (slice(None), slice(None)))]):
    alpha = torch.full((3, 4), 0.35)
    alpha[real] = 1.0
    ax.imshow(t.numpy(), cmap="magma", vmin=0, vmax=25, alpha=alpha.numpy())
    for i in range(3):
        for j in range(4):
            ax.text(j, i, f"{t[i, j]:.0f}", ha="center", va="center",
                    bbox={"fc": "white", "alpha": 0.7, "lw": 0})
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("broadcasting: faded cells are stretched copies (stride 0), not stored")
ctx.savefig(fig, "broadcast.png")
assert s.shape == broadcast_shape(u.shape, w.shape)

print("\nDay 3 done. Next: `dlfs run indexing-masks`.")
