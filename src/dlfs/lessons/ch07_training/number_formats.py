# %% [markdown]
# # Number formats: float32, bfloat16, float16 and mixed precision — 数值格式与混合精度
#
# **Library files:** `src/dlfs/train/amp.py` (`amp_dtype`, `autocast_factory`,
# `make_grad_scaler`), `src/dlfs/train/loss_scaler.py`, `src/dlfs/recipes/gpt.py`
# (`--amp bf16|fp16`). Tests: `tests/train/test_loss_scaler.py`.
#
# A floating-point number is `sign × 1.mantissa × 2^exponent`. The exponent bits fix the
# **range** (how large and how small a number can be), the mantissa bits the **precision**
# (the gap between neighbouring numbers, relative to their size). The three formats of deep
# learning spend their bits differently, and that decides what can go wrong in training:
# float16 runs out of range, bfloat16 out of precision. We read the numbers from
# `torch.finfo`, break each format on purpose, and see what `torch.autocast` does per op.
#
# 浮点数是 `符号 × 1.尾数 × 2^指数`。指数位决定**范围**（数能多大、多小），尾数位决定**精度**
# （相邻两个数之间的间隔，相对于数本身的大小）。深度学习常用的三种格式把位分配得不一样，这决定了
# 训练时会出什么问题：float16 会超出范围，bfloat16 会损失精度。我们从 `torch.finfo` 读出这些数，
# 故意让每种格式出错，再看 `torch.autocast` 对每个算子做了什么。

# %%
import time

import torch

from dlfs.curriculum import lesson_context
from dlfs.train import amp_dtype

ctx = lesson_context("number-formats")
torch.set_num_threads(1)   # steadier timings on a shared machine

# %% [markdown]
# ## 1. The three formats side by side — 三种格式对照
# `bits` is the storage size, `max` the largest finite value, `tiny` the smallest *normal*
# value (below it numbers lose precision and then flush to zero), `eps` the gap between 1
# and the next number.
#
# `bits` 是存储位数，`max` 是最大的有限值，`tiny` 是最小的*规格化*数（再小就逐渐丢失精度，最后
# 变成 0），`eps` 是 1 和下一个可表示数之间的间隔。

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
#
# bfloat16 就是把 float32 尾数的后 16 位截掉：指数同样是 8 位，所以范围相同。float16 的尾数比
# bfloat16 多 3 位（精细 8 倍），但指数只有 5 位：超过 65504 的数无法表示，小于 6.1e-5 的数不再
# 是规格化数。

# %% [markdown]
# ## 2. Breaking each format — 让每种格式出错
# Overflow, underflow and rounding, one line each.
#
# 上溢、下溢和舍入，各一行。

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
# value to 3 significant digits; that is why mixed precision keeps the **master weights** and
# the update in float32 — adding a 1e-4 step to a weight of 1 would be lost in bfloat16.
#
# 深层网络的梯度常常在 1e-6 … 1e-9 之间：float16 会把其中很多变成 0（下一课 `loss-scaling`
# 解决这个问题）。bfloat16 能保住它们，但每个值只剩约 3 位有效数字；所以混合精度要把**主权重**和
# 更新步保留为 float32——在 bfloat16 里给 1 加上 1e-4 的一步会直接丢失。

# %%
w16 = torch.tensor(1.0, dtype=torch.bfloat16)
print("bf16: 1 + 1e-4 ->", (w16 + 1e-4).item(), "| fp32:", (torch.tensor(1.0) + 1e-4).item())
assert (w16 + 1e-4).item() == 1.0 and (torch.tensor(1.0) + 1e-4).item() > 1.0

# %% [markdown]
# ## 3. What autocast runs in 16 bits — autocast 在 16 位里算什么
# Inside `torch.autocast(device, dtype)` matmuls and linear layers take 16-bit inputs (the
# expensive, rounding-tolerant part); the losses (`cross_entropy`, `mse_loss`) are computed
# in float32; every other op simply follows its inputs (a 16-bit tensor plus a float32 one
# gives float32). The weights remain float32: autocast casts a 16-bit copy per use.
#
# 在 `torch.autocast(device, dtype)` 里，矩阵乘法和线性层用 16 位输入计算（开销大、对舍入不敏感的
# 部分）；损失函数（`cross_entropy`、`mse_loss`）用 float32 计算；其余算子跟随输入的类型（16 位
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
# ## 4. Speed on this CPU — 在这台 CPU 上的速度
# A format is only fast where the hardware has kernels for it. Many recent CPUs multiply
# bfloat16 natively; float16 matmuls usually have no fast CPU kernel. So on a CPU, `--amp
# bf16`; `--amp fp16` (with the loss scaler) is here to learn the mechanism that GPUs use.
#
# 一种格式只有在硬件有对应计算核的地方才快。许多新 CPU 能原生做 bfloat16 乘法；float16 矩阵乘法在
# CPU 上通常没有快速实现。所以在 CPU 上用 `--amp bf16`；`--amp fp16`（配合损失缩放）放在这里，
# 是为了学习 GPU 上使用的那套机制。

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
