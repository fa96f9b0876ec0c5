# %% [markdown]
# # Number formats: float32, bfloat16, float16 and mixed precision — 数值格式与混合精度
#
# **Library files:** `src/dlfs/train/amp.py` (`amp_dtype`, `autocast_factory`,
# `make_grad_scaler`), `src/dlfs/train/loss_scaler.py`, `src/dlfs/recipes/gpt.py`
# (`--amp bf16|fp16`). Tests: `tests/train/test_loss_scaler.py`.
#
# A (normal) floating-point number with $E$ exponent bits and $M$ mantissa bits is
#
# $$
# x = (-1)^{s} \times 1.m \times 2^{e - \text{bias}}, \qquad \text{bias} = 2^{E-1} - 1
# $$
#
# with the sign bit $s$, the stored exponent $e$ and the $M$ bits $m$ after the binary point.
# The exponent bits fix the **range** (how large and how small a number can be), the mantissa
# bits the **precision** (the gap between neighbouring numbers, relative to their size). The
# three formats of deep learning spend their bits differently, and that decides what can go
# wrong in training: float16 runs out of range, bfloat16 out of precision. We read the numbers
# from `torch.finfo`, break each format on purpose, and see what `torch.autocast` does per op.

# %% [markdown] lang="zh"
# # 数值格式：float32、bfloat16、float16 与混合精度
#
# **库文件：** `src/dlfs/train/amp.py`（`amp_dtype`、`autocast_factory`、`make_grad_scaler`）、
# `src/dlfs/train/loss_scaler.py`、`src/dlfs/recipes/gpt.py`（`--amp bf16|fp16`）。
# 测试：`tests/train/test_loss_scaler.py`。
#
# 一个有 $E$ 个指数位、$M$ 个尾数位的（规格化）浮点数是
#
# $$
# x = (-1)^{s} \times 1.m \times 2^{e - \text{bias}}, \qquad \text{bias} = 2^{E-1} - 1
# $$
#
# 其中 $s$ 是符号位，$e$ 是存储的指数，$m$ 是小数点后的 $M$ 个尾数位，bias 是指数偏置。指数位决定
# **范围**（数能多大、多小），尾数位决定**精度**（相邻两个数之间的间隔，相对于数本身的大小）。
# 深度学习常用的三种格式把位分配得不一样，这决定了训练时会出什么问题：float16 会超出范围，
# bfloat16 会损失精度。我们从 `torch.finfo` 读出这些数，故意让每种格式出错，再看
# `torch.autocast` 对每个算子做了什么。

# %%
import time

import torch

from dlfs.curriculum import lesson_context
from dlfs.train import amp_dtype

ctx = lesson_context("number-formats")
torch.set_num_threads(1)   # steadier timings on a shared machine

# %% [markdown]
# ## 1. The three formats side by side
# `bits` is the storage size, `max` the largest finite value, `tiny` the smallest *normal*
# value (below it numbers lose precision and then flush to zero), `eps` the gap between 1
# and the next number. The code checks the first three of
#
# $$
# \text{bits} = 1 + E + M, \quad \text{eps} = 2^{-M}, \quad
# \text{tiny} = 2^{1 - \text{bias}} = 2^{2 - 2^{E-1}}, \quad
# \text{max} = (2 - 2^{-M}) \cdot 2^{\text{bias}}
# $$
#
# and the last one for float16: $(2 - 2^{-10}) \cdot 2^{15} = 65504$.

# %% [markdown] lang="zh"
# ## 1. 三种格式对照
# `bits` 是存储位数，`max` 是最大的有限值，`tiny` 是最小的*规格化*数（再小就逐渐丢失精度，最后
# 变成 0），`eps` 是 1 和下一个可表示数之间的间隔。代码验证了下面的前三个公式：
#
# $$
# \text{bits} = 1 + E + M, \quad \text{eps} = 2^{-M}, \quad
# \text{tiny} = 2^{1 - \text{bias}} = 2^{2 - 2^{E-1}}, \quad
# \text{max} = (2 - 2^{-M}) \cdot 2^{\text{bias}}
# $$
#
# 最后一个则对 float16 验证：$(2 - 2^{-10}) \cdot 2^{15} = 65504$。

# %%
FORMATS = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
print(f"{'format':9s} {'bits':>4s} {'exponent':>8s} {'mantissa':>8s} {'max':>10s} "
      f"{'tiny':>10s} {'eps':>10s}")
layout = {"float32": (8, 23), "bfloat16": (8, 7), "float16": (5, 10)}
for name, dtype in FORMATS.items():
    fi = torch.finfo(dtype)
    e_bits, m_bits = layout[name]
    print(f"{name:9s} {fi.bits:4d} {e_bits:8d} {m_bits:8d} {fi.max:10.3g} {fi.tiny:10.3g} "
          f"{fi.eps:10.3g}")
    assert fi.bits == 1 + e_bits + m_bits                    # sign + exponent + mantissa
    assert fi.eps == 2.0 ** -m_bits                          # the spacing after 1.0
    assert fi.tiny == 2.0 ** (2 - 2 ** (e_bits - 1))         # smallest normal: 2^(1 - bias)
assert torch.finfo(torch.bfloat16).max > 3e38 and torch.finfo(torch.float16).max == 65504

# %% [markdown]
# bfloat16 is float32 with the last 16 mantissa bits cut off: the same 8-bit exponent, so the
# same range. float16 has 3 more mantissa bits than bfloat16 (8× finer) but a 5-bit
# exponent: nothing above 65504, nothing normal below 6.1e-5.

# %% [markdown] lang="zh"
# bfloat16 就是把 float32 尾数的后 16 位截掉：指数同样是 8 位，所以范围相同。float16 的尾数比
# bfloat16 多 3 位（精细 8 倍），但指数只有 5 位：超过 65504 的数无法表示，小于 6.1e-5 的数不再
# 是规格化数。

# %% [markdown]
# ## 2. Breaking each format
# Overflow, underflow and rounding, one line each. In bfloat16 the gap between $2^{16}$ and
# $2^{17}$ is $2^{16 - 7} = 512$, so 70000 rounds to $137 \cdot 512 = 70144$; float16's
# smallest positive (subnormal) value is $2^{-24} \approx 6 \times 10^{-8}$, so 1e-8 becomes 0;
# and $1 + 2^{-9}$ needs 9 mantissa bits: float16 has 10, bfloat16 only 7.

# %% [markdown] lang="zh"
# ## 2. 让每种格式出错
# 上溢、下溢和舍入，各一行。在 bfloat16 里，$2^{16}$ 与 $2^{17}$ 之间的间隔是 $2^{16 - 7} = 512$，
# 所以 70000 舍入为 $137 \cdot 512 = 70144$；float16 最小的正数（非规格化数）是
# $2^{-24} \approx 6 \times 10^{-8}$，所以 1e-8 变成 0；而 $1 + 2^{-9}$ 需要 9 个尾数位：float16
# 有 10 位，bfloat16 只有 7 位。

# %%
big, small, fine = 70_000.0, 1e-8, 1 + 2 ** -9
rows = {name: (torch.tensor(big, dtype=d).item(), torch.tensor(small, dtype=d).item(),
               torch.tensor(fine, dtype=d).item()) for name, d in FORMATS.items()}
print(f"{'':9s} {'70000 ->':>12s} {'1e-8 ->':>12s} {'1+2^-9 ->':>12s}")
for name, (b, s, f) in rows.items():
    print(f"{name:9s} {b:12.6g} {s:12.6g} {f:12.8f}")
assert rows["float16"][0] == float("inf") and rows["bfloat16"][0] == 70_144  # range | rounding
assert rows["float16"][1] == 0.0 and rows["bfloat16"][1] > 0            # underflow in fp16
assert rows["bfloat16"][2] == 1.0 and rows["float16"][2] == fine        # bf16: too coarse

# %% [markdown]
# Gradients in a deep network are often around 1e-6 … 1e-9: float16 flushes many of them to
# zero (the next lesson, `loss-scaling`, repairs that). bfloat16 keeps them but rounds every
# value to about 2–3 significant decimal digits ($8 \log_{10} 2 \approx 2.4$); that is why
# mixed precision keeps the **master weights** and the update in float32 — adding a 1e-4 step
# to a weight of 1 would be lost in bfloat16, since $10^{-4}$ is less than half the gap
# $2^{-7}$ above 1.

# %% [markdown] lang="zh"
# 深层网络的梯度常常在 1e-6 … 1e-9 之间：float16 会把其中很多变成 0（下一课 `loss-scaling`
# 解决这个问题）。bfloat16 能保住它们，但每个值只剩大约 2–3 位十进制有效数字
# （$8 \log_{10} 2 \approx 2.4$）；所以混合精度要把**主权重**和更新步保留为 float32——在
# bfloat16 里给 1 加上 1e-4 的一步会直接丢失，因为 $10^{-4}$ 不到 1 上方间隔 $2^{-7}$ 的一半。

# %%
w16 = torch.tensor(1.0, dtype=torch.bfloat16)
print("bf16: 1 + 1e-4 ->", (w16 + 1e-4).item(), "| fp32:", (torch.tensor(1.0) + 1e-4).item())
assert (w16 + 1e-4).item() == 1.0 and (torch.tensor(1.0) + 1e-4).item() > 1.0

# %% [markdown]
# ## 3. What autocast runs in 16 bits
# Inside `torch.autocast(device, dtype)` matmuls and linear layers take 16-bit inputs (the
# expensive, rounding-tolerant part); the losses (`cross_entropy`, `mse_loss`) are computed
# in float32; every other op simply follows its inputs (a 16-bit tensor plus a float32 one
# gives float32). The weights remain float32: autocast casts a 16-bit copy per use.

# %% [markdown] lang="zh"
# ## 3. autocast 在 16 位里算什么
# 在 `torch.autocast(device, dtype)` 里，矩阵乘法和线性层用 16 位输入计算（开销大、对舍入不敏感
# 的部分）；损失函数（`cross_entropy`、`mse_loss`）用 float32 计算；其余算子跟随输入的类型（16 位
# 张量加 float32 张量得到 float32）。权重本身保持 float32，autocast 在每次使用时转换出一份 16 位
# 副本。

# %%
a, b = torch.randn(64, 64), torch.randn(64, 64)
labels = torch.randint(0, 64, (64,))
for name in ("bf16", "fp16"):
    dtype = amp_dtype(name, torch.device("cpu"))
    with torch.autocast("cpu", dtype=dtype):
        prod = a @ b                                          # (64, 64)
        loss = torch.nn.functional.cross_entropy(prod, labels)
        mixed = prod + a
    print(f"amp={name}: matmul -> {prod.dtype}, cross_entropy -> {loss.dtype}, "
          f"16-bit + float32 -> {mixed.dtype}; a stays {a.dtype}")
    assert prod.dtype == dtype and loss.dtype == mixed.dtype == a.dtype == torch.float32

# %% [markdown]
# ## 4. Speed on this CPU
# A format is only fast where the hardware has kernels for it. Many recent CPUs multiply
# bfloat16 natively; float16 matmuls usually have no fast CPU kernel. So on a CPU,
# `--amp bf16`; `--amp fp16` (with the loss scaler) is here to learn the mechanism that GPUs
# use. Each rounding changes a value by at most half a gap,
# $|\mathrm{fl}(x) - x| \le 2^{-M-1} |x|$: $2^{-11}$ for float16 against $2^{-8}$ for
# bfloat16, which is why the last line finds float16's matmul the more precise.

# %% [markdown] lang="zh"
# ## 4. 在这台 CPU 上的速度
# 一种格式只有在硬件有对应计算核（kernel）的地方才快。许多新 CPU 能原生做 bfloat16 乘法；
# float16 矩阵乘法在 CPU 上通常没有快速实现。所以在 CPU 上用 `--amp bf16`；`--amp fp16`（配合
# 损失缩放）放在这里，是为了学习 GPU 上使用的那套机制。每次舍入对一个值的改变最多是半个间隔，
# $|\mathrm{fl}(x) - x| \le 2^{-M-1} |x|$：float16 是 $2^{-11}$，bfloat16 是 $2^{-8}$，所以最后
# 一行会发现 float16 的矩阵乘法更精确。

# %%
n = 128 if ctx.quick else 512
x32, y32 = torch.randn(n, n), torch.randn(n, n)
times = {}
for name, dtype in FORMATS.items():
    x, y = x32.to(dtype), y32.to(dtype)
    x @ y                                               # warm-up
    start, reps = time.perf_counter(), 3 if ctx.quick else 10
    for _ in range(reps):
        x @ y
    times[name] = (time.perf_counter() - start) / reps
print(", ".join(f"{k} {1e3 * v:.2f} ms" for k, v in times.items()),
      f"for a {n}x{n} matmul on {torch.backends.cpu.get_cpu_capability()}")
err16 = ((x32.half() @ y32.half()).float() - x32 @ y32).abs().max().item()
errbf = ((x32.bfloat16() @ y32.bfloat16()).float() - x32 @ y32).abs().max().item()
print(f"largest error vs float32: float16 {err16:.3g}, bfloat16 {errbf:.3g}")
assert err16 < errbf                       # 3 more mantissa bits: float16 is more precise
