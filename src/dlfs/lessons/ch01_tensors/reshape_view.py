# %% [markdown]
# # Day 2 · Reshaping: reshape / view / permute / contiguous — 维度变换大通关
#
# **Library files:** `src/dlfs/playground/` (`inspect`), `docs/shape_cheatsheet.md`
# (the summary table of Day 7).
#
# A tensor is a flat block of memory (its *storage*) plus a recipe for reading it: a shape,
# strides (how many elements to skip to move one step along each dimension) and an offset.
# Element `x[i, j]` lives at `storage[offset + i * stride[0] + j * stride[1]]`.
#
# Most shape operations only write a new recipe — they are *views* and copy nothing. This
# lesson checks, for every operation, whether memory is shared (`data_ptr`, `_base`) and what
# the strides become, then meets the one error everybody hits:
# `view size is not compatible with input tensor's size and stride`.

# %% [markdown] lang="zh"
# # 第 2 天 · 维度变换大通关：reshape / view / permute / contiguous
#
# **库文件：** `src/dlfs/playground/`（`inspect`）、`docs/shape_cheatsheet.md`
# （第 7 天的汇总表）。
#
# 张量是一块扁平的内存（它的*存储*，storage），加上一份读取它的“配方”：形状、步长（沿每一维
# 前进一步需要跳过多少个元素）和偏移量。元素 `x[i, j]` 位于
# `storage[offset + i * stride[0] + j * stride[1]]`。
#
# 大多数形状操作只是写一份新配方——它们是*视图*，什么都不复制。本课对每个操作都检查内存是否
# 共享（`data_ptr`、`_base`）以及步长变成了什么，然后直面每个人都会遇到的那个错误：
# `view size is not compatible with input tensor's size and stride`。

# %%
import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context
from dlfs.playground import inspect

ctx = lesson_context("reshape-view")


def shares_memory(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True when two tensors read the same storage (not necessarily the same first element)."""
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


# %% [markdown]
# ## 1. Strides: the recipe for reading memory
# For a contiguous (row-major) tensor of shape `(3, 4)` the strides are `(4, 1)`: one step
# down a column skips a whole row of 4 elements. We check the address formula on every element.
# In general, for shape $(n_0, \dots, n_{d-1})$:
#
# $$
# \mathrm{address}(i_0, \dots, i_{d-1}) = \mathrm{offset} + \sum_{k=0}^{d-1} i_k \,
# \mathrm{stride}[k],
# \qquad \text{contiguous: } \mathrm{stride}[k] = \prod_{m=k+1}^{d-1} n_m
# $$

# %% [markdown] lang="zh"
# ## 1. 步长：读取内存的配方
# 对一个形状为 `(3, 4)` 的连续（行优先）张量，步长是 `(4, 1)`：沿列向下走一步要跳过一整行
# 共 4 个元素。我们在每一个元素上检验地址公式。一般地，对形状 $(n_0, \dots, n_{d-1})$：
#
# $$
# \mathrm{address}(i_0, \dots, i_{d-1}) = \mathrm{offset} + \sum_{k=0}^{d-1} i_k \,
# \mathrm{stride}[k],
# \qquad \text{contiguous: } \mathrm{stride}[k] = \prod_{m=k+1}^{d-1} n_m
# $$
#
# （contiguous 即“连续”的张量。）

# %%
x = torch.arange(12).view(3, 4)  # (3, 4)
flat = x.view(-1)                # (12,), the storage read in order
print("x =\n", x)
print("shape", tuple(x.shape), "strides", x.stride(), "offset", x.storage_offset())
assert x.stride() == (4, 1) and x.is_contiguous()
for i in range(3):
    for j in range(4):
        assert x[i, j] == flat[x.storage_offset() + i * x.stride(0) + j * x.stride(1)]
print("x[i, j] == storage[i*4 + j] for all 12 elements")

# %% [markdown]
# ## 2. `view` shares memory: writing through one changes the other

# %% [markdown] lang="zh"
# ## 2. `view` 共享内存：通过其中一个写入会改变另一个

# %%
v = x.view(2, 6)  # (2, 6)
assert v.data_ptr() == x.data_ptr() and v._base is x._base  # views point at the root tensor
v[0, 0] = 100
print("after v[0, 0] = 100, x[0, 0] =", x[0, 0].item())
assert x[0, 0] == 100
x[0, 0] = 0  # put it back

# %% [markdown]
# ## 3. `transpose` / `permute` / `.T` only swap strides
# No element moves. The result reads memory out of order, so it is no longer *contiguous*.
# `permute(p)` gives shape $(n_{p_0}, n_{p_1}, \dots)$ and strides
# $(\mathrm{stride}[p_0], \mathrm{stride}[p_1], \dots)$: for `y.permute(2, 0, 1)` the strides
# `(12, 4, 1)` become `(1, 12, 4)`.

# %% [markdown] lang="zh"
# ## 3. `transpose` / `permute` / `.T` 只是交换步长
# 没有任何元素被移动。结果以乱序的方式读取内存，所以不再是*连续*的。
# `permute(p)` 得到的形状为 $(n_{p_0}, n_{p_1}, \dots)$，步长为
# $(\mathrm{stride}[p_0], \mathrm{stride}[p_1], \dots)$：对 `y.permute(2, 0, 1)`，步长
# `(12, 4, 1)` 变成 `(1, 12, 4)`。

# %%
xt = x.t()  # (4, 3)
print("x.t(): shape", tuple(xt.shape), "strides", xt.stride())
assert xt.stride() == (1, 4) and not xt.is_contiguous()
assert xt.data_ptr() == x.data_ptr()

y = torch.arange(24).view(2, 3, 4)  # (2, 3, 4), strides (12, 4, 1)
p = y.permute(2, 0, 1)              # (4, 2, 3), strides permuted the same way: (1, 12, 4)
print("y strides", y.stride(), "-> permute(2, 0, 1) strides", p.stride())
assert p.stride() == (1, 12, 4) and shares_memory(p, y)
assert p[3, 1, 2] == y[1, 2, 3]

# %% [markdown]
# ## 4. The classic error: `view` on a non-contiguous tensor
# `view` never copies, so it can only succeed when the new shape can be read with strides.
# Flattening a transposed matrix cannot: the elements are not in order in memory.

# %% [markdown] lang="zh"
# ## 4. 经典错误：对不连续的张量调用 `view`
# `view` 从不复制，所以只有当新形状能用某组步长读出时它才会成功。把一个转置过的矩阵展平就做
# 不到：元素在内存中并不是按顺序排列的。

# %%
try:
    xt.view(12)
except RuntimeError as exc:
    message = str(exc)
    print("xt.view(12) ->", message.split(".")[0])
    assert "view size is not compatible" in message
else:
    raise AssertionError("view of a transposed tensor should fail")

# The two fixes: .contiguous().view(...) or .reshape(...). Both copy here.
fixed1 = xt.contiguous().view(12)
fixed2 = xt.reshape(12)
assert torch.equal(fixed1, fixed2)
assert not shares_memory(fixed2, x), "reshape had to copy"
print("xt.reshape(12) =", fixed2.tolist(), "(a copy)")

# %% [markdown]
# ## 5. `reshape` is a view when it can be, a copy when it must
# `contiguous()` returns the tensor itself when it already is contiguous.

# %% [markdown] lang="zh"
# ## 5. `reshape` 能返回视图时就返回视图，必须复制时才复制
# 当张量本身已经是连续的时，`contiguous()` 直接返回该张量本身。

# %%
r = x.reshape(6, 2)
assert shares_memory(r, x), "reshape of a contiguous tensor is a view"
assert x.contiguous() is x
c = xt.contiguous()
assert c.is_contiguous() and c.stride() == (3, 1) and not shares_memory(c, x)
table = [
    ("x.view(2, 6)", x.view(2, 6), True),
    ("x.reshape(6, 2)", x.reshape(6, 2), True),
    ("x.t()", x.t(), True),
    ("x.t().reshape(12)", x.t().reshape(12), False),
    ("x.t().contiguous()", x.t().contiguous(), False),
    ("x.flatten()", x.flatten(), True),
    ("x.unsqueeze(0)", x.unsqueeze(0), True),
    ("x[:, 1]", x[:, 1], True),
    ("x.clone()", x.clone(), False),
]
print(f"{'expression':<22}{'shape':<12}{'strides':<12}{'shares memory'}")
for expr, t, expected in table:
    shared = shares_memory(t, x)
    print(f"{expr:<22}{tuple(t.shape)!s:<12}{t.stride()!s:<12}{shared}")
    assert shared == expected, expr

# %% [markdown]
# ## 6. `squeeze`, `unsqueeze`, `flatten`, `unflatten`, and `-1`
# `-1` asks torch to infer one size from the others.

# %% [markdown] lang="zh"
# ## 6. `squeeze`、`unsqueeze`、`flatten`、`unflatten`，以及 `-1`
# `-1` 让 torch 根据其他维度的大小推断出这一维的大小。

# %%
b = torch.zeros(8, 1, 28, 28)            # (B, 1, H, W)
assert b.squeeze(1).shape == (8, 28, 28)  # drop the size-1 channel dim
assert b.flatten(1).shape == (8, 784)     # (B, 1*28*28)
assert b.view(8, -1).shape == (8, 784)
assert b.flatten(1).unflatten(1, (1, 28, 28)).shape == b.shape
assert torch.zeros(5).unsqueeze(-1).shape == (5, 1)
try:
    b.view(-1, -1)
except RuntimeError as exc:
    assert "only one dimension can be inferred" in str(exc)
print("squeeze/unsqueeze/flatten/unflatten shapes check out")

# %% [markdown]
# ## 7. `expand` vs `repeat`
# `expand` stretches size-1 dims with stride 0 (no memory); `repeat` writes copies.

# %% [markdown] lang="zh"
# ## 7. `expand` 与 `repeat`
# `expand` 用步长 0 拉伸大小为 1 的维度（不占内存）；`repeat` 则真的写出多份副本。

# %%
col = torch.tensor([[1.0], [2.0], [3.0]])  # (3, 1)
e = col.expand(3, 1000)                    # (3, 1000), stride 0 along dim 1
rp = col.repeat(1, 1000)                   # (3, 1000), a real copy
print("expand strides", e.stride(), "repeat strides", rp.stride())
assert e.stride() == (1, 0) and shares_memory(e, col)
assert torch.equal(e, rp) and not shares_memory(rp, col)
assert rp.untyped_storage().nbytes() == 3 * 1000 * 4 and e.untyped_storage().nbytes() == 3 * 4

# %% [markdown]
# ## 8. The pattern you will write in attention: split heads and merge them back
# `(B, T, C)` → `(B, T, H, D)` → `(B, H, T, D)` and back. After the permute the merge must
# use `reshape` (or `contiguous().view`), since the heads are no longer adjacent in memory.

# %% [markdown] lang="zh"
# ## 8. 在注意力中你会写的模式：拆分多头，再合并回去
# `(B, T, C)` → `(B, T, H, D)` → `(B, H, T, D)`，然后再变回去。在 permute 之后，合并必须使用
# `reshape`（或 `contiguous().view`），因为各个头在内存中已经不再相邻。

# %%
B, T, H, D = 2, 5, 4, 3
C = H * D
h = torch.randn(B, T, C)
heads = h.view(B, T, H, D).permute(0, 2, 1, 3)  # (B, H, T, D)
inspect(heads, "heads", show=True)
assert heads.shape == (B, H, T, D) and not heads.is_contiguous()
assert torch.equal(heads[1, 2, 3], h[1, 3, 2 * D:3 * D])  # head 2 of token 3 = channels 6..8
merged = heads.permute(0, 2, 1, 3).reshape(B, T, C)  # (B, T, C)
assert torch.equal(merged, h) and shares_memory(merged, h), "undoing the permute: still a view"
# Attention's output is a (B, H, T, D) tensor laid out in that order (e.g. from a matmul);
# merging its heads needs a copy. (An elementwise op like `heads * 1.0` would NOT do: it keeps
# the memory layout of its input.)
assert (heads * 1.0).stride() == heads.stride()
out = heads.contiguous()  # (B, H, T, D), contiguous in that order
try:
    out.transpose(1, 2).view(B, T, C)
except RuntimeError:
    print("out.transpose(1, 2).view(B, T, C) fails; .reshape or .contiguous().view works")
else:
    raise AssertionError("view should refuse to merge heads that are not adjacent in memory")
assert torch.equal(out.transpose(1, 2).contiguous().view(B, T, C), h)

# %% [markdown]
# ## 9. Picture: the same 12 numbers read with two recipes
# Top: the tensor as you index it. Bottom: its storage, in memory order. The transpose reads
# x's memory in a different order; `contiguous()` writes a new block in that order.

# %% [markdown] lang="zh"
# ## 9. 图示：同样的 12 个数，用两份配方来读
# 上排：你索引时看到的张量。下排：它的存储，按内存顺序排列。转置以不同的顺序读取 x 的内存；
# `contiguous()` 则按那个顺序写出一块新的内存。

# %%
small = torch.arange(12).view(3, 4)
panels = [("x  (3, 4), strides (4, 1)", small),
          ("x.t()  (4, 3), strides (1, 4)", small.t()),
          ("x.t().contiguous()  (4, 3), strides (3, 1)", small.t().contiguous())]
fig, axes = plt.subplots(2, 3, figsize=(12, 4.2), gridspec_kw={"height_ratios": [4, 1]})
for col, (title, t) in enumerate(panels):
    raw = torch.tensor(t.untyped_storage().tolist(), dtype=torch.uint8)  # the raw bytes
    storage = raw.view(torch.int64)  # 8 bytes per int64 element
    for ax, grid in ((axes[0, col], t), (axes[1, col], storage.view(1, -1))):
        ax.imshow(grid.numpy(), cmap="viridis", vmin=0, vmax=11, aspect="auto")
        for i in range(grid.shape[0]):
            for j in range(grid.shape[1]):
                ax.text(j, i, str(grid[i, j].item()), ha="center", va="center", color="white")
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, col].set_title(title, fontsize=9)
    axes[1, col].set_xlabel("storage, in memory order", fontsize=8)
    if col < 2:
        assert torch.equal(storage, small.flatten()), "x and x.t() read the same storage"
    else:
        assert torch.equal(storage, small.t().flatten()), "contiguous() wrote a new order"
fig.suptitle("same values, different recipes: a transpose moves no data; contiguous() does")
ctx.savefig(fig, "strides.png")

print("\nDay 2 done. Next: `dlfs run broadcasting`.")
