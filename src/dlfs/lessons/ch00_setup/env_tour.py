# %% [markdown]
# # Day 0 · Environment setup and the utils toolbox — 环境搭建与 utils 工具库封装
#
# **Library files:** `src/dlfs/playground/` (the toolbox), `src/dlfs/paths.py`.
#
# Before any model, check the workbench: which Python and torch run this code, what hardware
# torch sees, and whether basic arithmetic and autograd give the right answers. Then meet the
# five tools every later lesson uses:
#
# | tool | question it answers |
# |---|---|
# | `env_report()` | what am I running on? (`dlfs doctor` prints it) |
# | `seed_everything(seed)` | how do I get the same random numbers again? |
# | `inspect(t)` | what exactly is this tensor: shape, dtype, strides, NaNs? |
# | `time_block(label)` / `compare(...)` | how long does this take, and which is faster? |
# | `model_summary(model, x)` | what shape leaves every layer, and how many parameters? |
#
# Since the package is installed in editable mode (`pip install -e .`, which `make demo`
# does), `import dlfs` works from any directory: no `PYTHONPATH=.` or `.env` file needed.

# %% [markdown] lang="zh"
# # 第 0 天 · 环境搭建与 utils 工具库封装
#
# **库文件：** `src/dlfs/playground/`（工具库）、`src/dlfs/paths.py`。
#
# 在接触任何模型之前，先检查一下工作台：运行这段代码的是哪个 Python 和哪个 torch，torch
# 能看到什么硬件，基本的算术运算和自动求导（autograd）能否给出正确答案。然后认识后面每一课
# 都会用到的五个工具：
#
# | 工具 | 它回答的问题 |
# |---|---|
# | `env_report()` | 我在什么环境上运行？（`dlfs doctor` 会打印它） |
# | `seed_everything(seed)` | 怎样再次得到同样的随机数？ |
# | `inspect(t)` | 这个张量到底是什么样：形状、dtype、步长、有没有 NaN？ |
# | `time_block(label)` / `compare(...)` | 这段代码要跑多久，哪种写法更快？ |
# | `model_summary(model, x)` | 每一层输出什么形状，一共有多少参数？ |
#
# 由于这个包以可编辑模式安装（`pip install -e .`，`make demo` 会执行这一步），`import dlfs`
# 在任何目录下都能用：不需要 `PYTHONPATH=.`，也不需要 `.env` 文件。

# %%
import torch
from torch import nn

from dlfs.curriculum import lesson_context
from dlfs.playground import (
    compare,
    env_report,
    format_env_report,
    get_device,
    inspect,
    model_summary,
    seed_everything,
    time_block,
)

ctx = lesson_context("env-setup")

# %% [markdown]
# ## 1. The environment report
# `env_report()` returns a dict; `format_env_report` lays it out. Its sanity check compares
# a matrix product with an elementwise sum and an autograd derivative with the hand result.

# %% [markdown] lang="zh"
# ## 1. 环境报告
# `env_report()` 返回一个字典，`format_env_report` 把它排版输出。其中的健全性检查会把矩阵乘积
# 与逐元素求和的结果相比较，并把自动求导算出的导数与手算结果相比较。

# %%
report = env_report()
print(format_env_report(report))
assert report["problems"] == [], f"environment problems: {report['problems']}"
device = get_device()
print(f"\nget_device() picked: {device}")
if not torch.cuda.is_available():
    print("note: no CUDA GPU here, so GPU code paths in later lessons print a note and skip")

# %% [markdown]
# ## 2. Seeds: the same seed gives the same numbers
# `seed_everything` seeds Python's `random`, NumPy and torch together.

# %% [markdown] lang="zh"
# ## 2. 随机种子：同样的种子给出同样的数
# `seed_everything` 一次性为 Python 的 `random`、NumPy 和 torch 设置种子。

# %%
seed_everything(42)
a = torch.randn(3)
seed_everything(42)
b = torch.randn(3)
print("first draw :", a)
print("second draw:", b)
assert torch.equal(a, b), "same seed must reproduce the same draw"

# %% [markdown]
# ## 3. `inspect`: a tensor's passport
# A transpose is a *view*: same storage, different strides, no longer contiguous.

# %% [markdown] lang="zh"
# ## 3. `inspect`：张量的“护照”
# 转置是一个*视图*：存储相同，步长不同，并且不再是连续（contiguous）的。

# %%
x = torch.arange(12.0).reshape(3, 4)
xt = x.t()
info = inspect(xt, "x.t()")
assert info["shape"] == (4, 3) and info["stride"] == (1, 4)
assert info["contiguous"] is False and info["is_view"] is True
assert xt.data_ptr() == x.data_ptr(), "a transpose shares storage with its base"
ctx.notice(info["is_view"] and not info["contiguous"] and xt.data_ptr() == x.data_ptr(),
           "x.t() is a view: strides (1, 4), contiguous=False, same storage - nothing copied",
           "x.t() 是视图：步长 (1, 4)，contiguous=False，共享存储——没有复制任何数据")

bad = torch.tensor([1.0, float("nan"), float("inf"), -2.0])
info_bad = inspect(bad, "bad")
assert info_bad["nan"] == 1 and info_bad["inf"] == 1
ctx.notice(info_bad["nan"] == 1 and info_bad["inf"] == 1,
           "the values line counts nan=1 inf=1: inspect flags bad numbers before they spread",
           "values 一行数出 nan=1、inf=1：inspect 在坏数值扩散之前就把它们标出来")

# %% [markdown]
# ## 4. Timing: `time_block` and `compare`
# `time_block` prints `label: time`; `compare` runs candidates in one go and prints the ratio
# to the fastest. Ratios from one run are what to trust on a busy machine.
#
# Below, the same product $C_{ij} = \sum_k \text{rows}_{ik}\, (m_2)_{kj}$ is computed twice: by
# a BLAS matmul, and by a broadcast multiply that builds every term of the sum before summing
# over $k$.

# %% [markdown] lang="zh"
# ## 4. 计时：`time_block` 与 `compare`
# `time_block` 打印 `label: time`；`compare` 把几个候选方案放在一起运行，并打印每个方案相对
# 最快者的倍数。在一台繁忙的机器上，应该相信的是同一次运行里得到的倍数。
#
# 下面把同一个乘积 $C_{ij} = \sum_k \text{rows}_{ik}\, (m_2)_{kj}$ 计算两遍：一遍用 BLAS
# 矩阵乘法，一遍用广播相乘——先把求和中的每一项都造出来，再沿 $k$ 求和。

# %%
n = 256 if ctx.quick else 1024
m1, m2 = torch.randn(n, n), torch.randn(n, n)
with time_block(f"matmul {n}x{n}") as tb:
    m1 @ m2
assert tb.elapsed > 0

# The same product two ways: a BLAS matmul, and a broadcast multiply followed by a sum,
# which first materializes a (64, n, n) temporary. Both run on one thread here, so the
# comparison is about the algorithms, not about how busy the other cores are.
rows = m1[:64]
assert torch.allclose(rows @ m2, (rows[:, :, None] * m2[None, :, :]).sum(1), atol=1e-3)
threads = torch.get_num_threads()
torch.set_num_threads(1)
try:
    results = compare({
        "torch matmul": lambda: rows @ m2,
        "broadcast-multiply-sum": lambda: (rows[:, :, None] * m2[None, :, :]).sum(1),
    }, repeat=5, number=3)
finally:
    torch.set_num_threads(threads)
assert results[0].label == "torch matmul", "BLAS matmul should beat the naive broadcast"
slower = results[1].min / results[0].min                  # the ratio column above
ctx.notice(slower > 1,
           f"broadcast-multiply-sum is {slower:.1f}x slower than matmul for the same numbers: "
           f"it builds a (64, {n}, {n}) temporary. The lone `matmul {n}x{n}` line above is one "
           "cold call on the full matrix; trust compare's repeated runs",
           f"同样的结果，广播相乘再求和比 matmul 慢 {slower:.1f} 倍：它先造出 (64, {n}, {n}) 的"
           f"临时张量。上面单独的 `matmul {n}x{n}` 只是对整个矩阵的一次冷启动调用；"
           "以 compare 的多次重复结果为准")

# %% [markdown]
# ## 5. `model_summary`: shapes through a small CNN
# For a 1×28×28 image: conv 3×3 with padding 1 keeps 28×28, max-pool halves it to 14×14.
# Both follow the output-size formula for kernel size $k$, padding $p$ and stride $s$:
#
# $$
# H_{\text{out}} = \left\lfloor \frac{H + 2p - k}{s} \right\rfloor + 1
# $$
#
# conv: $\lfloor (28 + 2 - 3)/1 \rfloor + 1 = 28$; max-pool ($k = s = 2$, $p = 0$):
# $\lfloor (28 - 2)/2 \rfloor + 1 = 14$. The `Linear` layer then holds
# $1568 \cdot 10 + 10 = 15690$ parameters, the conv only $1 \cdot 8 \cdot 9 + 8 = 80$.

# %% [markdown] lang="zh"
# ## 5. `model_summary`：一个小 CNN 中各层的形状
# 对一张 1×28×28 的图像：padding 为 1 的 3×3 卷积保持 28×28 不变，最大池化把它减半为
# 14×14。两者都遵循同一个输出尺寸公式（卷积核大小 $k$，填充 $p$，步幅 $s$）：
#
# $$
# H_{\text{out}} = \left\lfloor \frac{H + 2p - k}{s} \right\rfloor + 1
# $$
#
# 卷积：$\lfloor (28 + 2 - 3)/1 \rfloor + 1 = 28$；最大池化（$k = s = 2$，$p = 0$）：
# $\lfloor (28 - 2)/2 \rfloor + 1 = 14$。于是 `Linear` 层有 $1568 \cdot 10 + 10 = 15690$
# 个参数，而卷积层只有 $1 \cdot 8 \cdot 9 + 8 = 80$ 个。

# %%
model = nn.Sequential(
    nn.Conv2d(1, 8, kernel_size=3, padding=1),  # (B, 8, 28, 28)
    nn.ReLU(),
    nn.MaxPool2d(2),                            # (B, 8, 14, 14)
    nn.Flatten(),                               # (B, 1568)
    nn.Linear(8 * 14 * 14, 10),                 # (B, 10)
)
summary = model_summary(model, torch.zeros(2, 1, 28, 28))
print(summary)
assert summary.rows[2].output_shape == (2, 8, 14, 14)
assert summary.total_params == (1 * 8 * 9 + 8) + (1568 * 10 + 10)
linear = summary.rows[4].params
ctx.notice(summary.rows[2].output_shape == (2, 8, 14, 14) and linear == 15_690,
           f"MaxPool2d halves 28x28 to 14x14; the Linear layer holds {linear:,} of the "
           f"{summary.total_params:,} parameters",
           f"MaxPool2d 把 28x28 减半为 14x14；{summary.total_params:,} 个参数中有 {linear:,} "
           "个在 Linear 层")

print("\nDay 0 done: the toolbox works. Next: `dlfs run tensor-basics`.")
