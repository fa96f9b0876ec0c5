# %% [markdown]
# # Day 16 · Memory management and batch-size tuning — 显存管理与 Batch Size 调优
#
# **Library files:** `src/dlfs/train/memory.py` (`step_memory_bytes`, `find_max_batch_size`,
# `split_batch`), `src/dlfs/train/loop.py` (`grad_accum_steps`).
#
# The memory of one training step is, roughly,
#
# $$
# M(B) = \underbrace{P + G + O}_{M_0} + B \cdot a
# $$
#
# with $P$, $G$ and $O$ the bytes of the parameters, their gradients and the optimizer state,
# and $a$ the bytes one sample costs (its input and the activations kept for backward): a
# constant plus a term linear in the batch size B. Everything here is counted on the CPU
# (autograd's saved tensors, seen through `torch.autograd.graph.saved_tensors_hooks`); on a
# GPU the same functions read `torch.cuda.max_memory_allocated` instead. When the batch you
# want does not fit, accumulate gradients over several smaller ones.

# %% [markdown] lang="zh"
# # 第 16 天 · 显存管理与 Batch Size 调优
#
# **库文件：** `src/dlfs/train/memory.py`（`step_memory_bytes`、`find_max_batch_size`、
# `split_batch`）、`src/dlfs/train/loop.py`（`grad_accum_steps`）。
#
# 一个训练步占用的内存大致是
#
# $$
# M(B) = \underbrace{P + G + O}_{M_0} + B \cdot a
# $$
#
# 其中 $P$、$G$、$O$ 分别是参数、参数梯度和优化器状态的字节数，$a$ 是每个样本的开销（它的输入，
# 以及为反向传播保存的激活值）：一个常数，加上一个随批大小 B 线性增长的项。这里的一切都在 CPU 上
# 统计（autograd 保存的张量，通过 `torch.autograd.graph.saved_tensors_hooks` 观察）；在 GPU 上，
# 同样的函数改为读取 `torch.cuda.max_memory_allocated`。当你想要的批次放不下时，就把梯度分几个
# 小批次累积起来。

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint_sequential
from torch.utils.data import DataLoader, TensorDataset

from dlfs.curriculum import lesson_context
from dlfs.train import find_max_batch_size, fit, step_memory_bytes

ctx = lesson_context("memory-batch-size")
D_IN, HIDDEN, CLASSES = 256, 512, 10


def make_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(D_IN, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
                         nn.Linear(HIDDEN, CLASSES))


def make_batch(b):
    return torch.randn(b, D_IN), torch.randint(0, CLASSES, (b,))  # (B, 256), (B,)


model = make_model()
param_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
print(f"parameters: {sum(p.numel() for p in model.parameters()):,} floats = "
      f"{param_bytes / 2**20:.2f} MiB")

# %% [markdown]
# ## 1. Memory grows linearly with the batch size
# Fit a line through M(B) for a few batch sizes: the intercept is params + grads
# ($M_0 = 2P$, no optimizer yet), the slope the bytes each sample costs (its input and the
# activations autograd keeps), at least $a \ge 4 \cdot (256 + 512 + 512)$ bytes for the
# float32 input and the two hidden activations.

# %% [markdown] lang="zh"
# ## 1. 内存随批大小线性增长
# 对几个批大小测出 M(B)，拟合一条直线：截距是参数 + 梯度（$M_0 = 2P$，这里还没有优化器），斜率
# 是每个样本的字节数（它的输入以及 autograd 保存的激活值）；float32 的输入和两个隐藏层激活值
# 加起来至少是 $a \ge 4 \cdot (256 + 512 + 512)$ 字节。

# %%
sizes = [16, 32, 64, 128, 256]
mem = [step_memory_bytes(model, make_batch(b), nn.functional.cross_entropy) for b in sizes]
slope, intercept = np.polyfit(sizes, mem, 1)
for b, m in zip(sizes, mem):
    print(f"B={b:4d}: {m / 2**20:6.2f} MiB")
print(f"fit: M(B) = {intercept / 2**20:.2f} MiB + B * {slope / 1024:.1f} KiB")
residual = max(abs(m - (intercept + slope * b)) for b, m in zip(sizes, mem))
assert residual < 0.01 * max(mem)                      # a straight line
assert abs(intercept - 2 * param_bytes) < 0.02 * param_bytes + 4096   # params + grads
per_sample = 4 * (D_IN + HIDDEN + HIDDEN)  # x, and each ReLU output (each Linear's input)
print(f"expected per-sample bytes ≈ {per_sample / 1024:.1f} KiB (x + two hidden activations)")
assert per_sample <= slope < 2 * per_sample

# %% [markdown]
# ## 2. The optimizer adds its own state
# SGD without momentum keeps nothing; momentum keeps one buffer per parameter,
# $v \leftarrow \mu v + g$; Adam keeps two, the first and second moments
# $m \leftarrow \beta_1 m + (1 - \beta_1) g$ and $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$.
# So $O = 0$, $P$ or $2P$: part of the constant term.

# %% [markdown] lang="zh"
# ## 2. 优化器还有自己的状态
# 不带动量的 SGD 什么都不保存；带动量时每个参数保存一个缓冲区，$v \leftarrow \mu v + g$；Adam
# 保存两个，即一阶矩和二阶矩 $m \leftarrow \beta_1 m + (1 - \beta_1) g$ 与
# $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$。所以 $O = 0$、$P$ 或 $2P$：属于常数项的一部分。

# %%
for name, make_opt in [("SGD", lambda p: torch.optim.SGD(p, lr=0.1)),
                       ("SGD+momentum", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
                       ("Adam", lambda p: torch.optim.Adam(p, lr=1e-3))]:
    net = make_model()
    opt = make_opt(net.parameters())
    x, y = make_batch(4)
    nn.functional.cross_entropy(net(x), y).backward()
    opt.step()
    state = sum(t.numel() * t.element_size() for s in opt.state.values()
                for t in s.values() if torch.is_tensor(t) and t.dim() > 0)
    print(f"{name:13s} state = {state / param_bytes:.1f} x params")
    expected = {"SGD": 0, "SGD+momentum": 1, "Adam": 2}[name]
    assert abs(state / param_bytes - expected) < 1e-6

# %% [markdown]
# ## 3. The largest batch under a budget
# `find_max_batch_size` doubles B until the step no longer fits, then bisects. The straight
# line of section 1 predicts the answer,
# $B_{\max} = \lfloor (\text{budget} - M_0) / a \rfloor$.

# %% [markdown] lang="zh"
# ## 3. 预算之内的最大批次
# `find_max_batch_size` 把 B 不断翻倍，直到这一步放不下为止，然后二分查找。第 1 节的直线可以
# 预测这个答案：$B_{\max} = \lfloor (\text{budget} - M_0) / a \rfloor$。

# %%
budget = 4 * 2**20  # 4 MiB
found = find_max_batch_size(model, make_batch, budget, loss_fn=nn.functional.cross_entropy)
print(f"budget {budget / 2**20:.0f} MiB -> largest batch {found.batch_size} "
      f"({found.bytes_used / 2**20:.2f} MiB); tried {list(found.trials)}")
over = step_memory_bytes(model, make_batch(found.batch_size + 1), nn.functional.cross_entropy)
assert found.bytes_used <= budget < over
predicted = int((budget - intercept) // slope)
print(f"the straight line predicts {predicted}")
assert abs(predicted - found.batch_size) <= max(2, 0.02 * found.batch_size)

# %% [markdown]
# ## 4. Two ways to need less
# * Evaluation under `torch.no_grad()` keeps no activations at all.
# * Activation checkpointing (`torch.utils.checkpoint`) keeps only the inputs of a few
#   segments and recomputes the rest during backward: less memory, one extra forward. It
#   pays off for deep stacks; here 9 hidden layers in 3 segments (the last runs normally).

# %% [markdown] lang="zh"
# ## 4. 少用内存的两种办法
# * 在 `torch.no_grad()` 下做评估，完全不保存激活值。
# * 激活检查点（`torch.utils.checkpoint`）只保存少数几个分段的输入，其余部分在反向传播时重算：
#   内存更少，代价是多一次前向。它对很深的层堆叠才划算；这里是把 9 个隐藏层分成 3 段（最后一段
#   正常运行）。

# %%
B, WIDTH = 1024, 128  # a narrow, deep stack: activations dominate the memory
x, y = make_batch(B)
torch.manual_seed(0)
deep = nn.Sequential(nn.Linear(D_IN, WIDTH), nn.ReLU(),
                     *[m for _ in range(8) for m in (nn.Linear(WIDTH, WIDTH), nn.ReLU())],
                     nn.Linear(WIDTH, CLASSES))
full = step_memory_bytes(deep, (x, y), nn.functional.cross_entropy)


class Checkpointed(nn.Module):
    def __init__(self, seq):
        super().__init__()
        self.seq = seq

    def forward(self, x):  # (B, 256) -> (B, 10), recomputing 2 of 3 segments in backward
        return checkpoint_sequential(self.seq, 3, x, use_reentrant=False)


ckpt_mem = step_memory_bytes(Checkpointed(deep), (x, y), nn.functional.cross_entropy)
saved_no_grad = []
with torch.no_grad(), torch.autograd.graph.saved_tensors_hooks(
        lambda t: saved_no_grad.append(t) or t, lambda t: t):
    deep(x)
print(f"B={B}: train step {full / 2**20:.2f} MiB, with checkpointing {ckpt_mem / 2**20:.2f} MiB, "
      f"tensors saved under no_grad: {len(saved_no_grad)}")
assert ckpt_mem < 0.75 * full and saved_no_grad == []  # counted bytes: deterministic

# %% [markdown]
# ## 5. Gradient accumulation: a big batch in small pieces
# 4 micro-batches of 8 with `grad_accum_steps=4` give the same update as one batch of 32:
# each micro-batch loss is divided by 4, and gradients add up until the step. With $L_k$ the
# mean loss of micro-batch $\mathcal{B}_k$:
#
# $$
# \sum_{k=1}^{4} \nabla \frac{L_k}{4}
# = \sum_{k=1}^{4} \nabla \frac{1}{4 \cdot 8} \sum_{i \in \mathcal{B}_k} \ell_i
# = \nabla \frac{1}{32} \sum_{i=1}^{32} \ell_i
# $$

# %% [markdown] lang="zh"
# ## 5. 梯度累积：把大批次拆成小块
# 用 `grad_accum_steps=4` 跑 4 个大小为 8 的微批次（micro-batch），得到的更新与一个大小为 32 的
# 批次相同：每个微批次的损失除以 4，梯度一直累加到更新那一步。记 $L_k$ 为微批次 $\mathcal{B}_k$
# 的平均损失：
#
# $$
# \sum_{k=1}^{4} \nabla \frac{L_k}{4}
# = \sum_{k=1}^{4} \nabla \frac{1}{4 \cdot 8} \sum_{i \in \mathcal{B}_k} \ell_i
# = \nabla \frac{1}{32} \sum_{i=1}^{32} \ell_i
# $$

# %%
g = torch.Generator().manual_seed(0)
X64 = torch.randn(128, 16, generator=g, dtype=torch.float64)
Y64 = torch.randn(128, 1, generator=g, dtype=torch.float64)


def run(batch_size, accum):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 1)).double()
    fit(net, DataLoader(TensorDataset(X64, Y64), batch_size=batch_size),
        loss_fn=nn.functional.mse_loss, optimizer=torch.optim.SGD(net.parameters(), lr=0.1),
        epochs=2, grad_accum_steps=accum, device="cpu")
    return torch.cat([p.detach().flatten() for p in net.parameters()])


big, small = run(32, 1), run(8, 4)
diff = (big - small).abs().max().item()
print(f"max |batch 32 - 4 x 8 accumulated| = {diff:.1e} (float64)")
assert diff < 1e-12

# %%
fig, ax = plt.subplots(figsize=(6, 3))
bs = np.array(sorted(found.trials))
ax.plot(bs, [found.trials[b] / 2**20 for b in bs], "o", label="measured (finder's trials)")
ax.plot(bs, (intercept + slope * bs) / 2**20, "-", alpha=0.6, label="linear fit")
ax.axhline(budget / 2**20, color="r", ls="--", label="budget")
ax.axvline(found.batch_size, color="gray", lw=0.8)
ax.set(xscale="log", xlabel="batch size", ylabel="MiB per step", title="memory vs batch size")
ax.legend(fontsize=8)
ctx.savefig(fig, "memory_vs_batch.png")
