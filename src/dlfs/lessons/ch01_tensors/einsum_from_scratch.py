# %% [markdown]
# # Day 5 · Einsum — Einsum 爱因斯坦求和约定
#
# **Library files:** `src/dlfs/tensors/einsum.py` (`einsum`, `parse_equation`).
#
# `einsum("bhqd,bhkd->bhqk", q, k)` names every dimension with a letter. The rule is short:
# *letters that appear in the inputs but not in the output are multiplied and summed over;
# letters in the output are kept, in the order written.* A letter repeated inside one input
# takes a diagonal. With no `->`, the output is every letter used exactly once, sorted.
# `...` stands for any number of leading dimensions. Written as a sum, the example is
#
# $$
# \text{out}_{bhqk} = \sum_{d} q_{bhqd} \, k_{bhkd}
# $$
#
# Our `einsum` turns any such equation into permutes, reshapes and **one batched matmul** per
# pair of operands. We check it against `torch.einsum` and against the explicit operation
# each equation stands for, then open it up on the attention-scores equation.

# %% [markdown] lang="zh"
# # 第 5 天 · Einsum 爱因斯坦求和约定
#
# **库文件：** `src/dlfs/tensors/einsum.py`（`einsum`、`parse_equation`）。
#
# `einsum("bhqd,bhkd->bhqk", q, k)` 用一个字母给每一维命名。规则很简短：*在输入中出现、
# 却不在输出中出现的字母，对应的维度相乘后求和；出现在输出中的字母保留下来，顺序按书写的
# 顺序。* 同一个输入里重复出现的字母表示取对角线。没有 `->` 时，输出由所有恰好只出现一次的
# 字母按字母序排列而成。`...` 代表任意多个前导维度。把上面的例子写成求和就是
#
# $$
# \text{out}_{bhqk} = \sum_{d} q_{bhqd} \, k_{bhkd}
# $$
#
# 我们的 `einsum` 会把任何这样的方程转换成若干次 permute、reshape，以及每对操作数
# **一次批量矩阵乘法**（batched matmul）。我们拿它与 `torch.einsum` 以及每个方程所代表的
# 显式运算对照检验，然后以注意力分数的方程为例拆开看它的内部。

# %%
import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context
from dlfs.playground import compare
from dlfs.tensors import EinsumError, einsum, expand_ellipsis, parse_equation

ctx = lesson_context("einsum")
torch.manual_seed(0)

# %% [markdown]
# ## 1. The common equations, three ways each
# Our einsum, `torch.einsum`, and the operation you would otherwise write. Each equation is a
# sum over its contracted letters, for example
#
# $$
# \texttt{ij,jk->ik}: \; C_{ik} = \sum_j A_{ij} B_{jk}, \qquad
# \texttt{ii->}: \; \sum_i S_{ii}, \qquad
# \texttt{bn,anm,bm->ba}: \; \text{out}_{ba} = \sum_{n} \sum_{m} x_{1,bn} \, W_{anm} \, x_{2,bm}
# $$

# %% [markdown] lang="zh"
# ## 1. 常见方程，每个用三种方式计算
# 我们的 einsum、`torch.einsum`，以及不用 einsum 时你会写出的那个运算。每个方程都是对其
# 被缩并（contracted）字母的求和，例如
#
# $$
# \texttt{ij,jk->ik}: \; C_{ik} = \sum_j A_{ij} B_{jk}, \qquad
# \texttt{ii->}: \; \sum_i S_{ii}, \qquad
# \texttt{bn,anm,bm->ba}: \; \text{out}_{ba} = \sum_{n} \sum_{m} x_{1,bn} \, W_{anm} \, x_{2,bm}
# $$

# %%
A, Bm = torch.randn(3, 4), torch.randn(4, 5)
Q, Kt = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 7, 8)  # (B, H, T, D), (B, H, S, D)
u, v = torch.randn(3), torch.randn(6)
S = torch.randn(4, 4)
x1, W, x2 = torch.randn(2, 3), torch.randn(5, 3, 4), torch.randn(2, 4)
batch1, batch2 = torch.randn(6, 3, 4), torch.randn(6, 4, 2)
table = [
    ("matmul", "ij,jk->ik", (A, Bm), A @ Bm),
    ("batched matmul", "bij,bjk->bik", (batch1, batch2), torch.bmm(batch1, batch2)),
    ("outer product", "i,j->ij", (u, v), torch.outer(u, v)),
    ("trace", "ii->", (S,), torch.trace(S)),
    ("diagonal", "ii->i", (S,), torch.diagonal(S)),
    ("transpose", "ij->ji", (A,), A.T),
    ("row sums", "ij->i", (A,), A.sum(1)),
    ("bilinear x1ᵀ W x2", "bn,anm,bm->ba", (x1, W, x2),
     torch.nn.functional.bilinear(x1, x2, W)),
    ("attention scores", "bhqd,bhkd->bhqk", (Q, Kt), Q @ Kt.transpose(-2, -1)),
]
print(f"{'what':<20}{'equation':<18}{'output shape':<16}{'max |ours - torch.einsum|'}")
for name, eq, ops, explicit in table:
    ours = einsum(eq, *ops)
    ref = torch.einsum(eq, *ops)
    err = (ours - ref).abs().max().item() if ours.numel() else 0.0
    print(f"{name:<20}{eq:<18}{tuple(ours.shape)!s:<16}{err:.1e}")
    assert ours.shape == ref.shape == explicit.shape, name
    assert torch.allclose(ours, ref, atol=1e-5) and torch.allclose(ours, explicit, atol=1e-5)

# %% [markdown]
# ## 2. Reading an equation: four groups of letters
# For two operands A and B every letter is one of: **batch** (in A, B and the output),
# **kept from A**, **kept from B**, or **contracted** (in A and B, not in the output).
# Those become the `b`, `m`, `n` and `k` of `bmm: (b, m, k) @ (b, k, n) -> (b, m, n)`, which
# computes $C_{bmn} = \sum_k A_{bmk} B_{bkn}$.

# %% [markdown] lang="zh"
# ## 2. 读懂一个方程：四组字母
# 对两个操作数 A 和 B，每个字母都属于以下四类之一：**批量维**（同时出现在 A、B 和输出中）、
# **A 独有并保留**、**B 独有并保留**，或**被缩并**（出现在 A 和 B 中，但不在输出中）。
# 它们分别成为 `bmm: (b, m, k) @ (b, k, n) -> (b, m, n)` 中的 `b`、`m`、`n` 和 `k`，
# 而 bmm 计算的是 $C_{bmn} = \sum_k A_{bmk} B_{bkn}$。

# %%
eq = parse_equation("bhqd,bhkd->bhqk")
ta, tb = eq.inputs
groups = {
    "batch": [c for c in ta if c in tb and c in eq.output],
    "kept from A (m)": [c for c in ta if c not in tb],
    "kept from B (n)": [c for c in tb if c not in ta],
    "contracted (k)": [c for c in ta if c in tb and c not in eq.output],
}
for name, letters in groups.items():
    print(f"{name:<16}: {letters}")
assert groups["batch"] == ["b", "h"] and groups["contracted (k)"] == ["d"]

# %% [markdown]
# ## 3. Under the hood, step by step
# Permute A to `(batch, m, k)`, B to `(batch, k, n)`, flatten each group, one `bmm`, then
# unflatten and permute to the output order. This is what `einsum` does internally.

# %% [markdown] lang="zh"
# ## 3. 深入内部，一步一步来
# 把 A 置换（permute）成 `(batch, m, k)`，把 B 置换成 `(batch, k, n)`，把每一组维度展平，做一次
# `bmm`，再还原各维并置换成输出的顺序。这正是 `einsum` 内部所做的事。

# %%
Bsz, H, T, Sk, D = 2, 3, 5, 7, 8
a3 = Q.permute(0, 1, 2, 3).reshape(Bsz * H, T, D)   # (b·h, q, d)
b3 = Kt.permute(0, 1, 3, 2).reshape(Bsz * H, D, Sk)  # (b·h, d, k)
c3 = torch.bmm(a3, b3)                               # (b·h, q, k)
manual = c3.reshape(Bsz, H, T, Sk)                   # (b, h, q, k)
print("A", tuple(Q.shape), "-> (b·h, q, d)", tuple(a3.shape))
print("B", tuple(Kt.shape), "-> (b·h, d, k)", tuple(b3.shape))
print("bmm ->", tuple(c3.shape), "-> reshape", tuple(manual.shape))
assert torch.allclose(manual, einsum("bhqd,bhkd->bhqk", Q, Kt), atol=1e-6)

# %% [markdown]
# ## 4. Implicit mode and its trap
# Without `->` the output letters are sorted. So `"ij,jk"` is a matmul, but `"ji"` alone is a
# **transpose** (output `ij`), and `"ij,ij"` is a full dot product (every letter used twice):
# $\sum_i \sum_j A_{ij} A_{ij}$.

# %% [markdown] lang="zh"
# ## 4. 隐式模式及其陷阱
# 没有 `->` 时，输出字母按字母序排列。所以 `"ij,jk"` 是矩阵乘法，但单独的 `"ji"` 是一次
# **转置**（输出为 `ij`），而 `"ij,ij"` 是完整的点积（每个字母都出现了两次）：
# $\sum_i \sum_j A_{ij} A_{ij}$。

# %%
print("'ij,jk' ->", parse_equation("ij,jk").output, "| 'ji' ->", parse_equation("ji").output,
      "| 'ij,ij' ->", repr(parse_equation("ij,ij").output))
assert torch.equal(einsum("ji", A), A.T) and torch.equal(torch.einsum("ji", A), A.T)
assert torch.allclose(einsum("ij,ij", A, A), (A * A).sum())

# %% [markdown]
# An ellipsis names "all the leading dimensions", which then broadcast like Day 3's rule.
# `einsum` rewrites it as fresh letters once it sees the shapes (`expand_ellipsis`).

# %% [markdown] lang="zh"
# 省略号表示“所有前导维度”，这些维度随后按第 3 天的规则进行广播。`einsum` 一旦看到各操作数的
# 形状，就会把省略号改写成新的字母（`expand_ellipsis`）。

# %%
rewritten = expand_ellipsis("...qd,...kd->...qk", [Q.dim(), Kt.dim()])
print("'...qd,...kd->...qk' becomes", repr(rewritten))
assert rewritten == "ABqd,ABkd->ABqk"
assert torch.allclose(einsum("...qd,...kd->...qk", Q, Kt), Q @ Kt.transpose(-2, -1), atol=1e-5)
lead = einsum("...ij,...jk->...ik", torch.randn(2, 1, 3, 4), torch.randn(5, 4, 6))
assert lead.shape == (2, 5, 3, 6)  # batch dims (2, 1) and (5,) broadcast to (2, 5)

# %% [markdown]
# ## 5. Malformed equations get a message that says what was expected

# %% [markdown] lang="zh"
# ## 5. 写错的方程会得到一条说明“期望是什么”的错误信息

# %%
for bad, ops in [("ij,jk->ik", (A,)), ("ijk->i", (A,)), ("ij,jk->ik", (A, A)),
                 ("ij->iz", (A,)), ("i j -> j 1", (A,))]:
    try:
        einsum(bad, *ops)
    except EinsumError as exc:
        print(f"{bad!r:<14} -> {exc}")
    else:
        raise AssertionError(f"{bad!r} should have been refused")

# %% [markdown]
# ## 6. Speed: ours vs the built-in on attention scores
# Both end in one batched matmul, so the time should be in the same range; the extra cost of
# ours is the Python parsing and a copy in `reshape` when a permute made a tensor
# non-contiguous. (Ratios from one run; the machine is shared.)

# %% [markdown] lang="zh"
# ## 6. 速度：在注意力分数上比较我们的实现与内置实现
# 两者最终都是一次批量矩阵乘法，所以耗时应该在同一量级；我们多出的开销来自 Python 解析方程，
# 以及当 permute 让张量变得不连续时 `reshape` 产生的一次复制。（倍数来自同一次运行；这台机器
# 是共享的。）

# %%
size = (8, 4, 64, 32) if ctx.quick else (32, 8, 128, 64)
q, k = torch.randn(size), torch.randn(size)
results = compare({
    "dlfs einsum": lambda: einsum("bhqd,bhkd->bhqk", q, k),
    "torch.einsum": lambda: torch.einsum("bhqd,bhkd->bhqk", q, k),
    "q @ k.transpose": lambda: q @ k.transpose(-2, -1),
}, repeat=5 if ctx.quick else 20, number=10)
assert torch.allclose(einsum("bhqd,bhkd->bhqk", q, k), q @ k.transpose(-2, -1), atol=1e-4)
fig, ax = plt.subplots(figsize=(6, 2.8))
ax.barh([r.label for r in results], [r.min * 1e3 for r in results], color="tab:blue")
ax.set_xlabel("ms per call (min over repeats)")
ax.set_title(f"'bhqd,bhkd->bhqk' with q, k of shape {size}")
ctx.savefig(fig, "einsum_speed.png")

print("\nDay 5 done. Next: `dlfs run numpy-interop`.")
