# %% [markdown]
# # Linear algebra for deep learning: norms, products and what they cost — 深度学习中的线性代数：范数、乘积及其计算量
#
# **Library files:** `src/dlfs/nn/linear.py` (`Linear`: one matrix product per batch),
# `src/dlfs/train/regularization.py` (`l2_penalty`, the squared norm of the weights);
# `torch.utils.flop_counter` counts the floating-point operations. Related lessons:
# `tensor-basics`, `einsum-from-scratch`, `conv-from-scratch` (im2col turns a convolution
# into one matrix product).
#
# Three ideas carry most of deep learning's linear algebra: a **norm** measures the size of
# a vector or matrix (losses, weight decay, gradient clipping); the **matrix–vector** product
# is a layer applied to one example; the **matrix–matrix** product is a layer applied to a
# batch. We write each from sums, check it against torch, count its floating-point
# operations (FLOPs), and time it to see where the count predicts the time and where memory
# does.

# %% [markdown] lang="zh"
# # 深度学习中的线性代数：范数、乘积及其计算量
#
# **库文件：** `src/dlfs/nn/linear.py`（`Linear`：每个批次一次矩阵乘法），
# `src/dlfs/train/regularization.py`（`l2_penalty`，权重的范数平方）；`torch.utils.flop_counter`
# 负责统计浮点运算次数。相关课程：`tensor-basics`、`einsum-from-scratch`、`conv-from-scratch`
# （im2col 把一次卷积变成一次矩阵乘法）。
#
# 深度学习用到的线性代数，大半落在三件事上：**范数**衡量向量或矩阵的大小（损失、权重衰减、梯度裁剪
# 都用它）；**矩阵–向量**乘积是一层网络作用在一个样本上；**矩阵–矩阵**乘积是一层网络作用在一个批次
# 上。我们用求和把它们各写一遍、与 torch 对照、数一数浮点运算次数（FLOPs），再计时看看：什么时候
# 运算次数能预测耗时，什么时候起决定作用的是内存。

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

import dlfs.nn as dnn
from dlfs.curriculum import lesson_context
from dlfs.train.regularization import l2_penalty

ctx = lesson_context("prelim-linear-algebra")
torch.manual_seed(0)
D = torch.float64

# %% [markdown]
# ## 1. Norms
# For a vector $x$ (the code computes them as `l1`, `l2`, `linf`, one per row of `x`):
#
# $$
# \lVert x \rVert_1 = \sum_i |x_i|, \qquad
# \lVert x \rVert_2 = \sqrt{\sum_i x_i^2}, \qquad
# \lVert x \rVert_\infty = \max_i |x_i|
# $$
#
# and for a matrix, the Frobenius norm
#
# $$
# \lVert A \rVert_F = \sqrt{\sum_{i,j} A_{ij}^2}
# $$
#
# is the 2-norm of its entries laid out as one vector. Every norm is zero only at zero,
# scales with $|a|$ ($\lVert a x \rVert = |a| \lVert x \rVert$) and obeys the triangle
# inequality $\lVert x + y \rVert \le \lVert x \rVert + \lVert y \rVert$; between them
# $\lVert x \rVert_\infty \le \lVert x \rVert_2 \le \lVert x \rVert_1$.

# %% [markdown] lang="zh"
# ## 1. 范数
# 向量 $x$ 的几种范数（代码里对 `x` 的每一行分别算出 `l1`、`l2`、`linf`）：
#
# $$
# \lVert x \rVert_1 = \sum_i |x_i|, \qquad
# \lVert x \rVert_2 = \sqrt{\sum_i x_i^2}, \qquad
# \lVert x \rVert_\infty = \max_i |x_i|
# $$
#
# 矩阵的 Frobenius 范数
#
# $$
# \lVert A \rVert_F = \sqrt{\sum_{i,j} A_{ij}^2}
# $$
#
# 就是把所有元素排成一个向量后的 2-范数。任何范数都只在零处为零，随 $|a|$ 缩放
# （$\lVert a x \rVert = |a| \lVert x \rVert$），满足三角不等式
# $\lVert x + y \rVert \le \lVert x \rVert + \lVert y \rVert$；几种范数之间有
# $\lVert x \rVert_\infty \le \lVert x \rVert_2 \le \lVert x \rVert_1$。

# %%
x, y = torch.randn(1000, 7, dtype=D), torch.randn(1000, 7, dtype=D)   # 1000 vector pairs
l1 = x.abs().sum(-1)                                                  # (1000,)
l2 = (x * x).sum(-1).sqrt()
linf = x.abs().amax(-1)
torch.testing.assert_close(l1, torch.linalg.vector_norm(x, 1, dim=-1))
torch.testing.assert_close(l2, torch.linalg.vector_norm(x, 2, dim=-1))
torch.testing.assert_close(linf, torch.linalg.vector_norm(x, float("inf"), dim=-1))
A = torch.randn(5, 3, dtype=D)
frob = (A * A).sum().sqrt()
torch.testing.assert_close(frob, torch.linalg.matrix_norm(A, "fro"))
torch.testing.assert_close(frob, torch.linalg.vector_norm(A.flatten()))
assert (linf <= l2).all() and (l2 <= l1).all()
for p in (1, 2, float("inf")):
    n = lambda v, p=p: torch.linalg.vector_norm(v, p, dim=-1)  # noqa: E731
    assert (n(x + y) <= n(x) + n(y) + 1e-12).all()                    # triangle inequality
    torch.testing.assert_close(n(-3.0 * x), 3.0 * n(x))               # homogeneity
print("norms from sums == torch.linalg; inf <= 2 <= 1; triangle inequality on 1000 pairs")

# %% [markdown]
# Weight decay penalises half the squared norm of each weight tensor, summed over the
# tensors — for a matrix $W$, half its squared Frobenius norm (`l2_penalty`):
#
# $$
# \frac{1}{2} \lVert W \rVert_F^2 = \frac{1}{2} \sum_{i,j} W_{ij}^2
# $$
#
# Gradient clipping rescales the gradients when their joint 2-norm exceeds a bound $c$
# (`clip_grad_norm_`, with $c$ its `max_norm`): all gradients, seen as one vector $g$, are
# multiplied by $\min(1, c / \lVert g \rVert_2)$.

# %% [markdown] lang="zh"
# 权重衰减惩罚的是每个权重张量范数平方的一半，再对各张量求和——对矩阵 $W$，就是它 Frobenius 范数
# 平方的一半（`l2_penalty`）：
#
# $$
# \frac{1}{2} \lVert W \rVert_F^2 = \frac{1}{2} \sum_{i,j} W_{ij}^2
# $$
#
# 梯度裁剪则在所有梯度合起来的 2-范数超过上限 $c$ 时把它们等比缩小（`clip_grad_norm_`，$c$ 就是它的
# `max_norm`）：把全部梯度看成一个向量 $g$，统一乘以 $\min(1, c / \lVert g \rVert_2)$。

# %%
layer = dnn.Linear(3, 5).double()
torch.testing.assert_close(l2_penalty([layer.weight]),
                           torch.linalg.matrix_norm(layer.weight, "fro") ** 2 / 2)

# %% [markdown]
# ## 2. Products, and their FLOPs
# A **dot product** of length $n$,
#
# $$
# x \cdot y = \sum_{i=1}^{n} x_i y_i ,
# $$
#
# takes $n$ multiplications and $n - 1$ additions: about $2n$ FLOPs. A **matrix–vector**
# product $Av$ ($A$ is $m \times n$) is $m$ dot products, $(Av)_i = \sum_j A_{ij} v_j$:
# $2mn$ FLOPs. A **matrix–matrix** product $AB$ ($m \times n$ times $n \times k$) is $k$
# matrix–vector products, one per column $b_j$ of $B$ (`B[:, j]`):
#
# $$
# (AB)_{ij} = \sum_{l=1}^{n} A_{il} B_{lj}, \qquad
# AB = [A b_1, \dots, A b_k] : \quad 2mnk \text{ FLOPs}
# $$
#
# We write $Av$ with a Python loop of dot products, then as one expression, check both
# against `@`, and let torch's FLOP counter confirm $2mnk$ (it counts only the
# matrix–matrix family, so a vector is passed as an $n \times 1$ matrix).

# %% [markdown] lang="zh"
# ## 2. 乘积及其浮点运算次数
# 长度为 $n$ 的**点积**
#
# $$
# x \cdot y = \sum_{i=1}^{n} x_i y_i ,
# $$
#
# 需要 $n$ 次乘法和 $n - 1$ 次加法：约 $2n$ 次浮点运算。**矩阵–向量**乘积 $Av$（$A$ 为 $m \times n$）
# 是 $m$ 个点积，$(Av)_i = \sum_j A_{ij} v_j$：$2mn$ 次。**矩阵–矩阵**乘积 $AB$（$m \times n$ 乘
# $n \times k$）是 $k$ 个矩阵–向量乘积，$B$ 的每一列 $b_j$（`B[:, j]`）一个：
#
# $$
# (AB)_{ij} = \sum_{l=1}^{n} A_{il} B_{lj}, \qquad
# AB = [A b_1, \dots, A b_k] : \quad 2mnk \text{ FLOPs}
# $$
#
# 下面先用 Python 循环逐个点积写出 $Av$，再写成一个表达式，都与 `@` 对照；最后让 torch 的 FLOP 计数器
# 确认 $2mnk$（它只统计矩阵–矩阵这一类运算，所以向量要当作 $n \times 1$ 的矩阵传进去）。

# %%
m, n, k = 30, 40, 50
A, B, v = torch.randn(m, n, dtype=D), torch.randn(n, k, dtype=D), torch.randn(n, dtype=D)
loop = torch.stack([(A[i] * v).sum() for i in range(m)])          # m dot products, (m,)
rows = (A * v).sum(dim=1)                                         # the same, broadcast
torch.testing.assert_close(loop, A @ v)
torch.testing.assert_close(rows, A @ v)
columns = torch.stack([A @ B[:, j] for j in range(k)], dim=1)    # k mat-vecs, (m, k)
torch.testing.assert_close(columns, A @ B)


def flops(fn) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


assert flops(lambda: A @ B) == 2 * m * n * k
assert flops(lambda: A @ v[:, None]) == 2 * m * n
print(f"A @ B ({m}x{n} @ {n}x{k}): {flops(lambda: A @ B):,} FLOPs = 2mnk; "
      f"A @ v: {flops(lambda: A @ v[:, None]):,} = 2mn")

# %% [markdown]
# A `Linear(n_in, n_out)` layer computes $Y = X W^\top + b$ for a batch $X$ of $B$ examples
# ($B \times n_\text{in}$, with $W$ of shape $n_\text{out} \times n_\text{in}$): one matrix
# product, $2 B n_\text{in} n_\text{out}$ FLOPs forward. The backward pass needs two more
# products of the same size, for the gradient with respect to the input and with respect
# to the weight (with $G = \partial L / \partial Y$, of shape $B \times n_\text{out}$):
#
# $$
# \frac{\partial L}{\partial X} = G W, \qquad \frac{\partial L}{\partial W} = G^\top X
# $$
#
# so one training step costs about **three times** the forward pass — the reason a
# transformer with $N$ weights costs about $6N$ FLOPs per training token (2 forward + 4
# backward; Kaplan et al., 2020, *Scaling Laws for Neural Language Models*).

# %% [markdown] lang="zh"
# `Linear(n_in, n_out)` 对一个含 $B$ 个样本的批次 $X$（$B \times n_\text{in}$，权重 $W$ 的形状为
# $n_\text{out} \times n_\text{in}$）计算 $Y = X W^\top + b$：一次矩阵乘法，前向需要
# $2 B n_\text{in} n_\text{out}$ 次浮点运算。反向传播还需要两次同样大小的乘法，分别求对输入的梯度和
# 对权重的梯度（记 $G = \partial L / \partial Y$，形状为 $B \times n_\text{out}$）：
#
# $$
# \frac{\partial L}{\partial X} = G W, \qquad \frac{\partial L}{\partial W} = G^\top X
# $$
#
# 所以一步训练大约是前向的**三倍**——这也是为什么一个有 $N$ 个权重的 Transformer，每个训练词元
# （token）约需 $6N$ 次浮点运算（前向 2、反向 4；Kaplan et al., 2020, *Scaling Laws for Neural
# Language Models*）。

# %%
batch, n_in, n_out = 64, 128, 256
lin = dnn.Linear(n_in, n_out)
inp = torch.randn(batch, n_in, requires_grad=True)
forward = flops(lambda: lin(inp))
train_step = flops(lambda: lin(inp).sum().backward())
print(f"Linear({n_in}, {n_out}) on {batch} examples: forward {forward:,} FLOPs, "
      f"forward + backward {train_step:,} ({train_step / forward:.0f}x)")
assert forward == 2 * batch * n_in * n_out and train_step == 3 * forward

# %% [markdown]
# ## 3. Predicted vs measured: when FLOPs set the time
# Doubling $n$ multiplies the work of an $n \times n$ matrix product by 8 ($n^3$) and of a
# matrix–vector product by 4 ($n^2$). We time both (the fastest of several runs, one
# thread) and fit the slope $p$ of $\log t$ against $\log n$: if the time follows
# $t \approx c n^p$, then $\log t = p \log n + \log c$, and $p$ should be about 3 and about
# 2 if the FLOP count sets the time. (The clock is the CPU time of our thread, so other
# programs on a busy machine do not disturb the measurement much.)
#
# The FLOP *rates* differ even more: the code reports $2n^3 / t$ and $2n^2 / t$ FLOP/s. A
# matrix–vector product reads every entry of $A$ once and uses it for one multiply-add: it
# waits on memory. A matrix–matrix product reuses each entry $k$ times from the fast caches,
# and runs many times more FLOPs per second. This is why a batch of examples (one
# matrix–matrix product) is far cheaper than the same examples one at a time (a loop of
# matrix–vector products). Memory also shapes the matrix–vector line: once the matrix
# outgrows the fast per-core caches (a 1024 × 1024 float32 matrix is already 4 MB), its
# entries come from slower memory; where the line bends depends on the processor and on
# what else runs on it.

# %% [markdown] lang="zh"
# ## 3. 预测与实测：什么时候浮点运算次数决定耗时
# $n$ 翻倍时，$n \times n$ 矩阵乘法的运算量变成 8 倍（$n^3$），矩阵–向量乘积变成 4 倍（$n^2$）。我们给两者
# 计时（单线程，多次运行取最快一次），拟合 $\log t$ 对 $\log n$ 的斜率 $p$：若耗时满足
# $t \approx c n^p$，则 $\log t = p \log n + \log c$；若耗时由运算次数决定，$p$ 应分别约为 3 和 2。
# （计的是本线程占用的 CPU 时间，所以机器上其他程序的干扰不大。）
#
# 两者每秒完成的浮点运算数差得更多：代码报告的是 $2n^3 / t$ 和 $2n^2 / t$（FLOP/s）。矩阵–向量乘积
# 把 $A$ 的每个元素读一次、只做一次乘加：它在等内存。矩阵–矩阵乘积从高速缓存里把每个元素重复用 $k$ 次，
# 每秒能完成多得多的浮点运算。这就是为什么一批样本一起算（一次矩阵–矩阵乘积）比逐个样本算（一串
# 矩阵–向量乘积）便宜得多。内存也影响矩阵–向量那条线：矩阵一旦超出每个核心自己的高速缓存（1024 × 1024
# 的 float32 矩阵就已经有 4 MB），元素就得从更慢的存储层读取；线在哪里弯折，取决于处理器，也取决于
# 它上面同时在跑什么。

# %%
def fastest(fn, repeats: int) -> float:
    """The shortest of `repeats` timings of fn(), in CPU seconds of this thread: with torch on
    one thread the work runs here, and time the machine gives to other programs is not
    counted (a wall clock on a busy machine would count it)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        fn()
        best = min(best, time.thread_time() - start)
    return best


threads = torch.get_num_threads()
torch.set_num_threads(1)
repeats = 7 if ctx.quick else 20
sizes_mm = [64, 128, 256, 512] if ctx.quick else [64, 128, 256, 512, 1024]
sizes_mv = [256, 512, 1024, 2048] if ctx.quick else [256, 512, 1024, 2048, 4096]
t_mm, t_mv = [], []
for s in sizes_mm:
    P, Q = torch.randn(s, s), torch.randn(s, s)
    t_mm.append(fastest(lambda P=P, Q=Q: P @ Q, repeats))
for s in sizes_mv:
    P, w = torch.randn(s, s), torch.randn(s)
    t_mv.append(fastest(lambda P=P, w=w: P @ w, repeats))
slope_mm = np.polyfit(np.log(sizes_mm), np.log(t_mm), 1)[0]
slope_mv = np.polyfit(np.log(sizes_mv), np.log(t_mv), 1)[0]
rate_mm = 2 * sizes_mm[-1] ** 3 / t_mm[-1] / 1e9
rate_mv = 2 * sizes_mv[-1] ** 2 / t_mv[-1] / 1e9
print(f"matrix-matrix: time ~ n^{slope_mm:.2f} (predicted 3), {rate_mm:.1f} GFLOP/s at "
      f"n={sizes_mm[-1]}")
print(f"matrix-vector: time ~ n^{slope_mv:.2f} (predicted 2), {rate_mv:.1f} GFLOP/s at "
      f"n={sizes_mv[-1]}")
# loose bounds: timings on a shared machine are noisy, small sizes pay a fixed overhead
assert 2.2 < slope_mm < 4.0 and 1.5 < slope_mv < 3.0
assert rate_mm > 2 * rate_mv

# %% [markdown]
# The same 64 examples through a $512 \times 512$ layer, one at a time ($W x_j$ for each
# column $x_j$ of `X`) and as one batch ($WX$):

# %% [markdown] lang="zh"
# 同样 64 个样本经过一个 $512 \times 512$ 的层，逐个算（对 `X` 的每一列 $x_j$ 算 $W x_j$）与整批算
# （$WX$）：

# %%
W, X = torch.randn(512, 512), torch.randn(512, 64)
t_loop = fastest(lambda: [W @ X[:, j] for j in range(64)], repeats)
t_batch = fastest(lambda: W @ X, repeats)
torch.testing.assert_close(torch.stack([W @ X[:, j] for j in range(64)], 1), W @ X,
                           atol=1e-4, rtol=1e-4)   # float32: the sums round differently
print(f"64 matrix-vector products {t_loop * 1e3:.2f} ms, one matrix product "
      f"{t_batch * 1e3:.2f} ms ({t_loop / t_batch:.1f}x faster)")
assert t_batch * 2 < t_loop
torch.set_num_threads(threads)

fig, ax = plt.subplots(figsize=(5.5, 3.6))
ax.loglog(sizes_mm, t_mm, "o-", label=f"A @ B (n x n): slope {slope_mm:.2f}")
ax.loglog(sizes_mv, t_mv, "s-", label=f"A @ x (n x n): slope {slope_mv:.2f}")
for sizes, t, power in ((sizes_mm, t_mm, 3), (sizes_mv, t_mv, 2)):
    ref = t[-1] * (np.array(sizes, dtype=float) / sizes[-1]) ** power
    ax.loglog(sizes, ref, "k:", lw=1)
ax.set_xlabel("n")
ax.set_ylabel("CPU seconds (fastest run, 1 thread)")
ax.set_title("measured time vs the FLOP prediction (dotted: n^3, n^2)")
ax.legend(fontsize=8)
ctx.savefig(fig, "matmul_scaling.png")
