# %% [markdown]
# # Day 7 · Review: the shape-transformation cheat sheet — 复盘：维度变换速查表
#
# **Library files:** `docs/shape_cheatsheet.md` and `docs/shape_cheatsheet.zh-CN.md` (every
# example in them is executed by `tests/tensors/test_cheatsheet_docs.py`),
# `src/dlfs/tensors/broadcast.py`, `src/dlfs/tensors/einsum.py`.
#
# The week in one run: a batch of token embeddings goes through every shape operation of
# Days 2–6 — split into heads, attention scores by einsum, a causal mask, a gather, a merge,
# a hand-off to NumPy — and each step records its shape and whether it copied memory. The
# resulting table is the cheat sheet, and each row is asserted.

# %% [markdown] lang="zh"
# # 第 7 天 · 复盘：维度变换速查表
#
# **库文件：** `docs/shape_cheatsheet.md` 和 `docs/shape_cheatsheet.zh-CN.md`（其中的每个例子都由
# `tests/tensors/test_cheatsheet_docs.py` 实际运行），`src/dlfs/tensors/broadcast.py`、
# `src/dlfs/tensors/einsum.py`。
#
# 一次运行回顾整整一周：一批词元（token）嵌入依次经过第 2–6 天的所有形状操作——拆分成多头、
# 用 einsum 计算注意力分数、因果掩码、gather、合并多头、交给 NumPy——每一步都记录下它的形状
# 以及是否复制了内存。得到的表格就是速查表，表中每一行都有断言检验。

# %%
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch

from dlfs.curriculum import lesson_context
from dlfs.paths import repo_root
from dlfs.tensors import broadcast_shape, einsum

ctx = lesson_context("shape-cheatsheet")
torch.manual_seed(0)


@dataclass
class Step:
    """One row of the cheat sheet: the code, the shape it yields, and whether it copied."""

    code: str
    shape: tuple[int, ...]
    copied: bool


def reads_memory_of(result: torch.Tensor, source: torch.Tensor) -> bool:
    """True when ``result``'s first element lies inside ``source``'s storage (no copy made)."""
    start = source.untyped_storage().data_ptr()
    return start <= result.data_ptr() < start + source.untyped_storage().nbytes()


steps: list[Step] = []


def record(code: str, result: torch.Tensor, source: torch.Tensor | None,
           shape: tuple[int, ...], copied: bool) -> torch.Tensor:
    """Check the claimed shape and copy/view status, then add the row to the table."""
    assert tuple(result.shape) == shape, f"{code}: shape {tuple(result.shape)} != {shape}"
    if source is not None:
        really_copied = not reads_memory_of(result, source)
        assert really_copied == copied, f"{code}: copied={really_copied}, claimed {copied}"
    steps.append(Step(code, shape, copied))
    return result


# %% [markdown]
# ## 1. Run the week's operations on one batch
# The attention steps, exactly as the code computes them (self-attention with `k = q` and the
# values also `q`, and no $1/\sqrt{D}$ scaling, to keep the focus on shapes):
#
# $$
# s_{bhtu} = \sum_{d} q_{bhtd} \, k_{bhud}, \qquad
# w = \mathrm{softmax}_u(s + M), \qquad
# o_{bhtd} = \sum_{u} w_{bhtu} \, q_{bhud}, \qquad
# M_{tu} = \begin{cases} -\infty & u > t \\ 0 & u \le t \end{cases}
# $$

# %% [markdown] lang="zh"
# ## 1. 在同一个批次上运行这一周的操作
# 注意力相关的几步，严格按代码的计算方式写出（为了把注意力集中在形状上，这里是 `k = q` 的
# 自注意力，值也用 `q`，并且没有 $1/\sqrt{D}$ 缩放）：
#
# $$
# s_{bhtu} = \sum_{d} q_{bhtd} \, k_{bhud}, \qquad
# w = \mathrm{softmax}_u(s + M), \qquad
# o_{bhtd} = \sum_{u} w_{bhtu} \, q_{bhud}, \qquad
# M_{tu} = \begin{cases} -\infty & u > t \\ 0 & u \le t \end{cases}
# $$

# %%
B, T, H, D = 2, 6, 4, 8
C = H * D
x = torch.randn(B, T, C)
record("x = torch.randn(B, T, C)", x, None, (B, T, C), True)
q = record("q = x.view(B, T, H, D)", x.view(B, T, H, D), x, (B, T, H, D), False)
q = record("q = q.transpose(1, 2)", q.transpose(1, 2), x, (B, H, T, D), False)
assert not q.is_contiguous()
k = q  # self-attention on the same projection, for brevity
s = record("s = einsum('bhqd,bhkd->bhqk', q, k)", einsum("bhqd,bhkd->bhqk", q, k), x,
           (B, H, T, T), True)
assert torch.allclose(s, q @ k.transpose(-2, -1), atol=1e-5)
causal = record("m = torch.triu(ones(T, T), 1).bool()",
                torch.triu(torch.ones(T, T), diagonal=1).bool(), None, (T, T), True)
assert broadcast_shape(s.shape, causal.shape) == (B, H, T, T)
w = record("w = s.masked_fill(m, -inf).softmax(-1)",
           s.masked_fill(causal, float("-inf")).softmax(-1), s, (B, H, T, T), True)
assert torch.all(w[..., causal] == 0)
o = record("o = w @ q", w @ q, None, (B, H, T, D), True)
merged = record("y = o.transpose(1, 2).reshape(B, T, C)", o.transpose(1, 2).reshape(B, T, C),
                o, (B, T, C), True)
last = record("last = y[:, -1]", merged[:, -1], merged, (B, C), False)
top = record("top = y[y[..., 0] > 0]", merged[merged[..., 0] > 0], merged,
             (int((merged[..., 0] > 0).sum()), C), True)
labels = torch.tensor([3, 1])
picked = record("p = last.gather(1, labels[:, None])", last.gather(1, labels[:, None]), merged,
                (B, 1), True)
assert torch.equal(picked.squeeze(1), last[torch.arange(B), labels])
bias = torch.zeros(C)
record("y + bias  # (B,T,C)+(C,)", merged + bias, merged, broadcast_shape((B, T, C), (C,)), True)
arr = last.detach().numpy()
back = record("t = torch.from_numpy(last.numpy())", torch.from_numpy(arr), last, (B, C), False)
assert np.shares_memory(arr, back.numpy()) and top.dim() == 2

# %% [markdown]
# ## 2. The table

# %% [markdown] lang="zh"
# ## 2. 表格

# %%
width = max(len(st.code) for st in steps)
print(f"{'code':<{width}}  {'shape':<16} memory")
for st in steps:
    print(f"{st.code:<{width}}  {str(st.shape):<16} {'new/copy' if st.copied else 'view'}")
views = sum(not st.copied for st in steps)
print(f"\n{views} of {len(steps)} steps were free views")

root = repo_root()
if root is not None:
    sheet = root / "docs" / "shape_cheatsheet.md"
    assert sheet.is_file() and (root / "docs" / "shape_cheatsheet.zh-CN.md").is_file()
    print(f"the full cheat sheet: {sheet} (and the Chinese version beside it)")
else:
    print("note: installed without a source checkout; the cheat sheet lives in the repo's docs/")

# %% [markdown]
# ## 3. Picture: the cheat sheet as an image

# %% [markdown] lang="zh"
# ## 3. 图示：把速查表画成一张图

# %%
fig, ax = plt.subplots(figsize=(9, 0.36 * len(steps) + 0.8))
ax.axis("off")
table = ax.table(cellText=[[st.code, str(st.shape), "copy/new" if st.copied else "view"]
                           for st in steps],
                 colLabels=["code", "shape", "memory"], loc="center", cellLoc="left",
                 colWidths=[0.62, 0.22, 0.16])
table.auto_set_font_size(False)
table.set_fontsize(8)
for (row, col), cell in table.get_celld().items():
    if row > 0 and col == 2:
        cell.set_facecolor("#d8f0d8" if not steps[row - 1].copied else "#f6e0c8")
ax.set_title("Week 1 in one batch: every step's shape, and whether it copied memory")
ctx.savefig(fig, "cheatsheet.png")

print("\nDay 7 done. Week 2 starts with autograd: `dlfs run autograd-basics`.")
