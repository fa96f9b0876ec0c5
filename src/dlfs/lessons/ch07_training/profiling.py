# %% [markdown]
# # Day 19 · Simple profiling — 简单的性能分析
#
# **Library files:** `src/dlfs/train/profiler.py` (`ProfilerCallback`), the
# `record_function` labels in `src/dlfs/train/loop.py` (`dlfs/forward`, `dlfs/backward`,
# `dlfs/optimizer_step`), `src/dlfs/playground/` (`time_block`).
#
# "Training is slow" is not actionable; "60 % of a step is one convolution's backward" is.
# `torch.profiler` records every aten op (and CUDA kernel on a GPU) with its time. The
# callback profiles a few steps after a short warm-up (the first steps pay one-off costs),
# then gives a **top-ops table** and a **Chrome trace** to open in `chrome://tracing` or
# https://ui.perfetto.dev.
#
# Reading the table: *self* time is spent in the op itself; *total* time includes the ops it
# called. Sort by self time to find the hot kernels, look at total time of the labels to see
# the forward / backward / optimizer split.

# %% [markdown] lang="zh"
# # 第 19 天 · 简单的性能分析
#
# **库文件：** `src/dlfs/train/profiler.py`（`ProfilerCallback`）、`src/dlfs/train/loop.py` 里的
# `record_function` 标签（`dlfs/forward`、`dlfs/backward`、`dlfs/optimizer_step`）、
# `src/dlfs/playground/`（`time_block`）。
#
# "训练很慢"没法据此行动；"一步里 60 % 的时间花在某个卷积的反向传播上"才可以。`torch.profiler`
# 记录每个 aten 算子（在 GPU 上还有每个 CUDA kernel）及其耗时。这个回调在短暂预热之后（最初几步
# 要付一次性的开销）分析几步，然后给出一张**耗时最多的算子表**和一份 **Chrome trace**，可以在
# `chrome://tracing` 或 https://ui.perfetto.dev 中打开。
#
# 怎么读这张表：*self* 时间是花在算子本身上的时间；*total* 时间还包括它调用的其他算子。按 self
# 时间排序能找到热点 kernel；看各个标签的 total 时间，能看出前向 / 反向 / 优化器各占多少。

# %%
import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlfs.curriculum import lesson_context
from dlfs.train import ProfilerCallback, fit

ctx = lesson_context("profiling")

digits = load_digits()
X = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0  # (1797, 1, 8, 8)
Y = torch.tensor(digits.target)                                           # (1797,)
loader = DataLoader(TensorDataset(X, Y), batch_size=128, shuffle=True,
                    generator=torch.Generator())


def make_cnn():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),     # (B, 32, 8, 8)
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),    # (B, 64, 8, 8)
        nn.MaxPool2d(2),                               # (B, 64, 4, 4)
        nn.Flatten(),                                  # (B, 1024)
        nn.Linear(1024, 128), nn.ReLU(),               # (B, 128)
        nn.Linear(128, 10),                            # (B, 10)
    )


# %% [markdown]
# ## 1. Profile three steps of `fit`
# Schedule: skip 1 step, warm up 1 step, record 3 (`wait=1, warmup=1, active=3`).

# %% [markdown] lang="zh"
# ## 1. 分析 `fit` 的三步
# 调度：跳过 1 步，预热 1 步，记录 3 步（`wait=1, warmup=1, active=3`）。

# %%
model = make_cnn()
prof = ProfilerCallback(ctx.path("trace.json"), wait=1, warmup=1, active=3, row_limit=12)
threads = torch.get_num_threads()
torch.set_num_threads(1)  # steadier numbers on a shared machine
try:
    fit(model, loader, loss_fn=nn.functional.cross_entropy,
        optimizer=torch.optim.Adam(model.parameters(), lr=1e-3),
        max_steps=5 if ctx.quick else 14, callbacks=[prof], device="cpu")
finally:
    torch.set_num_threads(threads)
print(prof.table)
print("Chrome trace:", prof.trace_path, f"({prof.trace_path.stat().st_size / 1024:.0f} KiB)")
assert prof.trace_path.exists()

# %% [markdown]
# ## 2. Where the time goes
# The hot ops are the convolutions and matmuls and their backward kernels; the elementwise
# ops (ReLU, the Adam update) are cheap. We check that a convolution or matmul op is among the
# top five by self time. Data loading shows up too: many small `aten::select`/`aten::stack`
# calls are the DataLoader picking samples one by one and collating them (Day 18).
#
# Backward usually costs one to three forwards because it computes two gradients per layer
# where the forward did one product. For a linear layer $Y = X W^\top + b$:
#
# $$
# \frac{\partial L}{\partial X} = \frac{\partial L}{\partial Y} \, W, \qquad
# \frac{\partial L}{\partial W} = \Big( \frac{\partial L}{\partial Y} \Big)^{\top} X, \qquad
# \frac{\partial L}{\partial b} = \sum_{i} \frac{\partial L}{\partial Y_{i}}
# $$
#
# two matmuls of the forward's size (a convolution likewise needs one for its input and one
# for its weights).

# %% [markdown] lang="zh"
# ## 2. 时间花在哪里
# 热点算子是卷积、矩阵乘法以及它们的反向 kernel；逐元素算子（ReLU、Adam 更新）很便宜。我们检查
# 按 self 时间排名前五的算子里有卷积或矩阵乘法。数据加载也会出现在表里：大量小的
# `aten::select`/`aten::stack` 调用，是 DataLoader 在逐个挑选样本并把它们拼成批次（第 18 天）。
#
# 反向传播的开销通常是前向的一到三倍，因为前向每层只做一次乘积，反向却要为每层算两个梯度。对线性
# 层 $Y = X W^\top + b$：
#
# $$
# \frac{\partial L}{\partial X} = \frac{\partial L}{\partial Y} \, W, \qquad
# \frac{\partial L}{\partial W} = \Big( \frac{\partial L}{\partial Y} \Big)^{\top} X, \qquad
# \frac{\partial L}{\partial b} = \sum_{i} \frac{\partial L}{\partial Y_{i}}
# $$
#
# 这是两次与前向同样规模的矩阵乘法（卷积同理：对输入一次，对权重一次）。

# %%
ops = sorted(((t, k) for k, t in prof.op_totals.items() if k.startswith("aten::")),
             reverse=True)
top5 = [k for _, k in ops[:5]]
print("top 5 ops by self CPU time:", top5)
heavy = ("conv", "mm", "addmm", "matmul", "convolution")
assert any(any(h in k for h in heavy) for k in top5), top5

phases = {k.split("/")[1]: prof.op_inclusive.get(k, 0.0)
          for k in ("dlfs/forward", "dlfs/backward", "dlfs/optimizer_step")}
total = sum(phases.values())
for name, t in phases.items():
    print(f"{name:15s} {t / 1e3:8.2f} ms  ({100 * t / total:4.1f} %)")
assert phases["backward"] > 0 and phases["forward"] > 0
# backward computes two gradients per conv/linear layer (input and weights), so it usually
# costs 1-3x the forward; the exact ratio depends on the kernels, so check a sane band
print(f"backward / forward = {phases['backward'] / phases['forward']:.2f}")
assert 0.5 < phases["backward"] / phases["forward"] < 10

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.2))
names = [k.replace("aten::", "") for _, k in ops[:8]][::-1]
ax1.barh(names, [t / 1e3 for t, _ in ops[:8]][::-1])
ax1.set(xlabel="self CPU time over 3 steps (ms)", title="top ops")
ax2.bar(list(phases), [t / 1e3 for t in phases.values()], color=["C0", "C1", "C2"])
ax2.set(ylabel="ms over 3 steps", title="step phases")
ctx.savefig(fig, "profile.png")
