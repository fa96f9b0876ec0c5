# %% [markdown]
# # Day 17 · Mixed precision (AMP): bfloat16 on the CPU — 混合精度训练初探
#
# **Library files:** `src/dlfs/train/amp.py` (which dtype, whether a GradScaler is needed),
# `src/dlfs/train/loop.py` (the autocast region around forward + loss),
# `src/dlfs/train/memory.py` (`step_memory_bytes`).
#
# Mixed precision runs the expensive ops (matmuls, convolutions) in a 16-bit type and keeps
# the rest — the master weights, the optimizer update, reductions and losses — in float32.
# `torch.autocast` decides per op. Two 16-bit types:
#
# | type | exponent bits | mantissa bits | max | needs loss scaling? |
# |---|---|---|---|---|
# | float16 | 5 | 10 | 65504 | yes (small gradients underflow) → a loss scaler |
# | bfloat16 | 8 | 7 | ≈3.4e38 | no: same range as float32 |
#
# On a CPU the choice is bfloat16: `fit(..., amp="bf16")`. Whether it is *faster* depends on
# the CPU (native bf16 instructions such as AVX512-BF16 or AMX); it always halves the bytes of
# the activations it stores. We measure both, and the accuracy cost, on this machine.
#
# References: Micikevicius et al., 2018, *Mixed Precision Training*; Kalamkar et al., 2019,
# *A Study of BFLOAT16 for Deep Learning Training*.

# %% [markdown] lang="zh"
# # 第 17 天 · 混合精度（AMP）：在 CPU 上使用 bfloat16
#
# **库文件：** `src/dlfs/train/amp.py`（用哪种 dtype、是否需要 GradScaler）、
# `src/dlfs/train/loop.py`（包住前向传播和损失计算的 autocast 区域）、
# `src/dlfs/train/memory.py`（`step_memory_bytes`）。
#
# 混合精度（mixed precision）让开销大的算子（矩阵乘法、卷积）用 16 位类型计算，其余部分——主权重
# （master weights）、优化器更新、归约和损失——仍然保留 float32。由 `torch.autocast` 逐个算子决定
# 用哪种类型。两种 16 位类型：
#
# | 类型 | 指数位 | 尾数位 | 最大值 | 需要损失缩放吗？ |
# |---|---|---|---|---|
# | float16 | 5 | 10 | 65504 | 需要（小梯度会下溢）→ 损失缩放器 |
# | bfloat16 | 8 | 7 | ≈3.4e38 | 不需要：范围与 float32 相同 |
#
# 在 CPU 上应当选 bfloat16：`fit(..., amp="bf16")`。它是否*更快*取决于 CPU（有没有 AVX512-BF16、
# AMX 这类原生 bf16 指令）；但它保存的激活值所占的字节数总是减半。我们在这台机器上把两者都测一测，
# 同时看看准确率上的代价。
#
# 参考文献：Micikevicius et al., 2018, *Mixed Precision Training*；Kalamkar et al., 2019,
# *A Study of BFLOAT16 for Deep Learning Training*。

# %%
import time

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlfs.curriculum import lesson_context
from dlfs.metrics import accuracy
from dlfs.train import fit, step_memory_bytes

ctx = lesson_context("amp-bf16")
print("CPU capability seen by torch:", torch.backends.cpu.get_cpu_capability())

# %% [markdown]
# ## 1. bfloat16 keeps the range, drops precision
# A (normal) bfloat16 number is $(-1)^s \times 1.m \times 2^{e - 127}$ with 7 stored mantissa
# bits (8 significant bits), so between $2^k$ and $2^{k+1}$ neighbours are $2^{k-7}$ apart: the
# spacing just above 1 is `2**-7`. Rounding to the nearest value sends `1 + 2**-9` back to 1 (it
# is less than half a step away: $2^{-9} < 2^{-8}$), and above 256 the step is $2^{8-7} = 2$, so
# integers above 256 are no longer all representable: 257 lies halfway between 256 and 258 and
# rounds to the one with the even mantissa, 256. float16 (max 65504) turns 1e30 into inf.

# %% [markdown] lang="zh"
# ## 1. bfloat16 保住范围，舍弃精度
# 一个（规格化的）bfloat16 数形如 $(-1)^s \times 1.m \times 2^{e - 127}$，存储 7 个尾数位（共 8 位
# 有效位），所以在 $2^k$ 与 $2^{k+1}$ 之间，相邻两个数相差 $2^{k-7}$：1 上方的间隔是 `2**-7`。
# 舍入到最近的可表示数时，`1 + 2**-9` 会回到 1（它离 1 不到半个间隔：$2^{-9} < 2^{-8}$）；而在 256
# 以上间隔是 $2^{8-7} = 2$，不再能表示所有整数：257 恰好位于 256 与 258 的正中间，按"取尾数为偶数"
# 的规则舍入为 256。float16（最大值 65504）则会把 1e30 变成 inf。

# %%
one = torch.tensor(1.0, dtype=torch.bfloat16)
print("1 + 2**-9 in bf16 ->", (one + 2 ** -9).item(), "| in fp32 ->", 1 + 2 ** -9)
print("257 in bf16 ->", torch.tensor(257.0, dtype=torch.bfloat16).item())
print("1e30 in bf16 ->", torch.tensor(1e30, dtype=torch.bfloat16).item(), "| in fp16 ->",
      torch.tensor(1e30, dtype=torch.float16).item())
assert (one + 2 ** -9).item() == 1.0 and torch.tensor(257.0, dtype=torch.bfloat16).item() == 256
assert torch.isinf(torch.tensor(1e30, dtype=torch.float16))

# %% [markdown]
# ## 2. What autocast changes: per-op dtypes
# Inside `torch.autocast("cpu", dtype=torch.bfloat16)`, `Linear` runs in bf16, but
# `cross_entropy` (a log-softmax + a reduction, sensitive to rounding) runs in float32:
#
# $$
# \text{loss} = \frac{1}{B} \sum_{i=1}^{B} \Big( \log \sum_{k} e^{\text{logits}_{ik}} -
# \text{logits}_{i, y_i} \Big)
# $$
#
# The parameters themselves stay float32.

# %% [markdown] lang="zh"
# ## 2. autocast 改变了什么：逐算子的 dtype
# 在 `torch.autocast("cpu", dtype=torch.bfloat16)` 里，`Linear` 用 bf16 计算，而
# `cross_entropy`（一次 log-softmax 加一次归约，对舍入误差敏感）用 float32 计算：
#
# $$
# \text{loss} = \frac{1}{B} \sum_{i=1}^{B} \Big( \log \sum_{k} e^{\text{logits}_{ik}} -
# \text{logits}_{i, y_i} \Big)
# $$
#
# 参数本身仍然是 float32。

# %%
digits = load_digits()
X = torch.tensor(digits.data, dtype=torch.float32) / 16.0      # (1797, 64)
Y = torch.tensor(digits.target)                                # (1797,)
perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(0))
train_ds = TensorDataset(X[perm[:1400]], Y[perm[:1400]])
val_ds = TensorDataset(X[perm[1400:]], Y[perm[1400:]])
HIDDEN = 512


def make_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
                         nn.Linear(HIDDEN, 10))


model = make_model()
x, y = X[:8], Y[:8]
with torch.autocast("cpu", dtype=torch.bfloat16):
    logits = model(x)                                     # (8, 10)
    loss = nn.functional.cross_entropy(logits, y)
print("logits:", logits.dtype, "| loss:", loss.dtype, "| weights:", model[0].weight.dtype)
assert logits.dtype == torch.bfloat16 and loss.dtype == torch.float32
assert model[0].weight.dtype == torch.float32

# %% [markdown]
# ## 3. Memory: the activations kept for backward are half the bytes
# `step_memory_bytes` counts parameters, gradients, the batch and every tensor autograd keeps
# for backward. Under autocast those saved activations are bf16 (plus bf16 copies of weights):
# a saved tensor costs $2 \times \text{numel}$ bytes instead of $4 \times \text{numel}$.

# %% [markdown] lang="zh"
# ## 3. 显存：为反向传播保存的激活值，字节数减半
# `step_memory_bytes` 统计参数、梯度、批次数据，以及 autograd 为反向传播保存的每一个张量。在
# autocast 下，这些保存下来的激活值是 bf16（外加权重的 bf16 副本）：每个保存的张量占
# $2 \times \text{numel}$ 字节，而不是 $4 \times \text{numel}$ 字节。

# %%
batch = (X[:1024], Y[:1024])
fp32_bytes = step_memory_bytes(model, batch, nn.functional.cross_entropy)
with torch.autocast("cpu", dtype=torch.bfloat16):
    bf16_bytes = step_memory_bytes(model, batch, nn.functional.cross_entropy)
print(f"one step at B=1024: fp32 {fp32_bytes / 2**20:.2f} MiB, bf16 autocast "
      f"{bf16_bytes / 2**20:.2f} MiB ({bf16_bytes / fp32_bytes:.2f}x)")
assert bf16_bytes < 0.8 * fp32_bytes

# %% [markdown]
# ## 4. Speed and accuracy of a whole training run
# The same run (same seed, same data order) with `amp=None` and `amp="bf16"`. Speed ratios
# are measured in the same process, one run after the other, single-threaded; on a busy
# machine they still vary, so the lesson reports the ratio and asserts only the accuracy.
# The speed-up is $t_{\text{fp32}} / t_{\text{bf16}}$, with $t$ the time per step.

# %% [markdown] lang="zh"
# ## 4. 一次完整训练的速度与准确率
# 同一次训练（相同的种子、相同的数据顺序）分别用 `amp=None` 和 `amp="bf16"` 运行。速度比在同一个
# 进程里、两次训练先后以单线程测得；在繁忙的机器上它仍然会波动，所以本课只报告这个比值，只对
# 准确率做断言。加速比为 $t_{\text{fp32}} / t_{\text{bf16}}$，其中 $t$ 是每一步的耗时。

# %%
EPOCHS = 2 if ctx.quick else 15
for amp in (None, "bf16"):  # warm-up: the first optimizer step in a process imports a lot
    warm = make_model()
    fit(warm, [batch], loss_fn=nn.functional.cross_entropy, amp=amp, max_steps=2,
        optimizer=torch.optim.SGD(warm.parameters(), lr=0.1), device="cpu")
results = {}
threads = torch.get_num_threads()
torch.set_num_threads(1)  # one thread: timings that a busy, shared machine disturbs less
try:
    for amp in (None, "bf16"):
        model = make_model()
        start = time.perf_counter()
        hist = fit(model, DataLoader(train_ds, batch_size=128, shuffle=True,
                                     generator=torch.Generator()),
                   loss_fn=nn.functional.cross_entropy,
                   optimizer=torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                   epochs=EPOCHS, amp=amp, val_loader=DataLoader(val_ds, batch_size=512),
                   metrics={"acc": accuracy}, device="cpu")
        seconds = time.perf_counter() - start
        results[amp or "fp32"] = (seconds / len(hist.step_loss), hist)
        print(f"{amp or 'fp32':5s}: {1e3 * seconds / len(hist.step_loss):6.2f} ms/step, "
              f"val acc {hist.last('val/acc'):.3f}, final train loss {hist.step_loss[-1]:.4f}")
finally:
    torch.set_num_threads(threads)

speed = results["fp32"][0] / results["bf16"][0]
acc32, acc16 = (results[k][1].last("val/acc") for k in ("fp32", "bf16"))
print(f"bf16 speed-up on this CPU: {speed:.2f}x (below 1 means slower); "
      f"accuracy change {acc16 - acc32:+.3f}")
assert abs(acc16 - acc32) < 0.05, (acc32, acc16)

# %% [markdown]
# ## 5. float16 on the CPU: it works, with a loss scaler, but it is slow here
# `fit(amp="fp16")` autocasts to float16 and, because float16's small range makes small
# gradients underflow, scales the loss with the from-scratch `LossScaler` (lessons
# `number-formats` and `loss-scaling`): backward runs on $S \cdot \text{loss}$, and the
# gradients are divided by $S$ before the step. This CPU has no fast float16 matmul, so one
# small step shows the cost; bf16 is the CPU's format, fp16 the classic GPU one.

# %% [markdown] lang="zh"
# ## 5. CPU 上的 float16：配合损失缩放器能用，但在这里很慢
# `fit(amp="fp16")` 会 autocast 到 float16；由于 float16 范围小、小梯度会下溢，它用从零实现的
# `LossScaler` 缩放损失（见 `number-formats` 和 `loss-scaling` 两课）：对 $S \cdot \text{loss}$
# 做反向传播，在更新之前再把梯度除以 $S$。这台 CPU 没有快速的 float16 矩阵乘法，所以只跑一小步来
# 看看代价；bf16 是 CPU 的格式，fp16 是经典的 GPU 格式。

# %%
fp16_model = make_model()
small = (X[:64], Y[:64])
start = time.perf_counter()
hist16 = fit(fp16_model, [small], loss_fn=nn.functional.cross_entropy,
             optimizer=torch.optim.SGD(fp16_model.parameters(), lr=0.1), max_steps=1,
             amp="fp16", device="cpu")
print(f"fit(amp='fp16', device='cpu'): one step of B=64 in {time.perf_counter() - start:.2f} "
      f"s, loss {hist16.step_loss[0]:.3f}")
assert len(hist16.step_loss) == 1 and hist16.step_loss[0] == hist16.step_loss[0]  # finite

# %%
fig, ax = plt.subplots(figsize=(6, 3))
for name, (_, hist) in results.items():
    ax.plot(hist.step_loss, label=f"{name} ({1e3 * results[name][0]:.1f} ms/step)")
ax.set(xlabel="step", ylabel="train loss", yscale="log", title="fp32 vs bf16 autocast (CPU)")
ax.legend()
ctx.savefig(fig, "amp_loss.png")
