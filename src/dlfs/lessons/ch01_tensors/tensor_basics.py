# %% [markdown]
# # Day 1 · Tensor basics and device management — Tensor 基础 + Device 管理
#
# **Library files:** `src/dlfs/playground/` (`inspect`, `get_device`).
#
# A tensor is three things: a block of memory (the *storage*), a *dtype* saying how to read
# each element, and a *shape + strides* saying where element `[i, j]` lives. It also lives on
# a *device*. This lesson creates tensors, reads those properties, and moves data between
# devices (on a machine without a GPU the GPU part prints a note and skips).

# %% [markdown] lang="zh"
# # 第 1 天 · Tensor 基础 + Device 管理
#
# **库文件：** `src/dlfs/playground/`（`inspect`、`get_device`）。
#
# 一个张量由三样东西组成：一块内存（*存储*，storage），一个说明如何解读每个元素的 *dtype*，
# 以及说明元素 `[i, j]` 位于何处的*形状 + 步长*（shape + strides）。此外，它总是位于某个
# *设备*（device）上。本课创建张量、读取这些属性，并在设备之间搬运数据（在没有 GPU 的机器上，
# GPU 部分会打印一条说明并跳过）。

# %%
import numpy as np
import torch

from dlfs.curriculum import lesson_context
from dlfs.playground import get_device, inspect

ctx = lesson_context("tensor-basics")

# %% [markdown]
# ## 1. Creating tensors, and the dtype each way gives you
# Python floats become `float32` (torch's default dtype); Python ints become `int64`;
# NumPy arrays keep their dtype, so a NumPy float array arrives as `float64`.

# %% [markdown] lang="zh"
# ## 1. 创建张量，以及每种方式得到的 dtype
# Python 浮点数变成 `float32`（torch 的默认 dtype）；Python 整数变成 `int64`；NumPy 数组保留
# 自己的 dtype，所以 NumPy 的浮点数组传进来就是 `float64`。

# %%
made = {
    "torch.tensor([1.0, 2.0])": torch.tensor([1.0, 2.0]),
    "torch.tensor([1, 2])": torch.tensor([1, 2]),
    "torch.from_numpy(np.zeros(2))": torch.from_numpy(np.zeros(2)),
    "torch.zeros(2, 3)": torch.zeros(2, 3),
    "torch.arange(5)": torch.arange(5),
    "torch.linspace(0, 1, 5)": torch.linspace(0, 1, 5),
    "torch.randn(2, 2)": torch.randn(2, 2),
    "torch.full((2,), 7, dtype=torch.int8)": torch.full((2,), 7, dtype=torch.int8),
}
for expr, t in made.items():
    print(f"{expr:<40} shape={tuple(t.shape)!s:<8} dtype={t.dtype}")
assert made["torch.tensor([1.0, 2.0])"].dtype == torch.float32
assert made["torch.tensor([1, 2])"].dtype == torch.int64
assert made["torch.from_numpy(np.zeros(2))"].dtype == torch.float64

# %% [markdown]
# ## 2. Shape, strides and memory
# `x[i, j]` lives at `storage_offset + i * stride[0] + j * stride[1]`. Check it by hand:
#
# $$
# \mathrm{address}(i, j) = \mathrm{storage\_offset} + i \cdot \mathrm{stride}[0]
#   + j \cdot \mathrm{stride}[1]
# $$
#
# For the `(3, 4)` tensor below the strides are `(4, 1)`, so `x[2, 1]` sits at
# $0 + 2 \cdot 4 + 1 \cdot 1 = 9$.

# %% [markdown] lang="zh"
# ## 2. 形状、步长与内存
# `x[i, j]` 位于 `storage_offset + i * stride[0] + j * stride[1]`。下面亲手验证一下：
#
# $$
# \mathrm{address}(i, j) = \mathrm{storage\_offset} + i \cdot \mathrm{stride}[0]
#   + j \cdot \mathrm{stride}[1]
# $$
#
# 对下面这个 `(3, 4)` 的张量，步长是 `(4, 1)`，所以 `x[2, 1]` 位于
# $0 + 2 \cdot 4 + 1 \cdot 1 = 9$。

# %%
x = torch.arange(12, dtype=torch.float32).reshape(3, 4)
info = inspect(x, "x")
ctx.notice(info["stride"] == (4, 1) and info["contiguous"],
           "strides (4, 1): one step down a column skips 4 values, one step along a row 1",
           "步长 (4, 1)：沿列向下走一步跳过 4 个元素，沿行向右走一步跳过 1 个")
i, j = 2, 1
flat = x.flatten()
address = x.storage_offset() + i * x.stride(0) + j * x.stride(1)
print(f"x[{i}, {j}] = {x[i, j].item()}, found at flat position {address}")
assert flat[address] == x[i, j]
assert info["bytes"] == 12 * 4, "12 float32 numbers take 48 bytes"

# %% [markdown]
# ## 3. dtype conversions lose information in predictable ways

# %% [markdown] lang="zh"
# ## 3. dtype 转换会以可预见的方式丢失信息

# %%
v = torch.tensor([0.1, 1.7, -2.9])
as_int = v.to(torch.int64)
print("float -> int truncates toward zero:", v.tolist(), "->", as_int.tolist())
assert as_int.tolist() == [0, 1, -2]
half = torch.tensor(70000.0).half()
print("70000 in float16:", half.item(), "(float16 overflows above 65504)")
assert torch.isinf(half)
assert torch.tensor(65504.0).half().item() == 65504 == torch.finfo(torch.float16).max
print("int + float promotes:", (torch.tensor([1]) + 0.5).dtype)
assert (torch.tensor([1]) + 0.5).dtype == torch.float32

# %% [markdown]
# ## 4. Devices
# Tensors in one operation must share a device. `get_device()` picks CUDA, then MPS, then
# CPU; `.to(device)` copies (or returns the same tensor when already there).

# %% [markdown] lang="zh"
# ## 4. 设备
# 参与同一次运算的张量必须位于同一个设备上。`get_device()` 依次优先选择 CUDA、MPS、CPU；
# `.to(device)` 会复制数据（如果张量已经在那个设备上，就直接返回同一个张量）。

# %%
device = get_device()
y = x.to(device)
print(f"device chosen: {device}; y.device = {y.device}")
assert x.to("cpu") is x, ".to() on the same device and dtype returns the tensor itself"
if torch.cuda.is_available():
    g = x.to("cuda")
    assert g.device.type == "cuda" and torch.equal(g.cpu(), x)
    try:
        _ = g + x  # mixing devices fails
    except RuntimeError as exc:
        print("mixing devices:", str(exc).splitlines()[0])
else:
    print("note: CUDA not available here; the GPU copy and the mixed-device error are skipped")

# %% [markdown]
# ## 5. Memory: how big may a tensor get?
# $\mathrm{bytes} = \mathrm{numel} \times \mathrm{element\_size}$. A float32 image batch of
# shape (batch 64, 3, 224, 224) holds $64 \cdot 3 \cdot 224 \cdot 224 = 9\,633\,792$ numbers of
# 4 bytes each, 36.75 MiB — and the storage, the block of memory the allocator really holds for
# it, has exactly that size.
# A slice is a view: it keeps the whole storage alive; `.clone()` copies only what it shows.

# %% [markdown] lang="zh"
# ## 5. 内存：一个张量能有多大？
# $\mathrm{bytes} = \mathrm{numel} \times \mathrm{element\_size}$。
# 一个形状为（批量 64, 3, 224, 224）的 float32 图像批次包含
# $64 \cdot 3 \cdot 224 \cdot 224 = 9\,633\,792$ 个数，每个 4 字节，共 36.75 MiB——
# 而它的存储，也就是内存分配器真正为它占用的那块内存，大小恰好如此。
# 切片是一个视图：它会让整块存储一直保持存活；`.clone()` 只复制切片所显示的那部分。

# %%
batch = torch.empty(64, 3, 224, 224)
nbytes = batch.untyped_storage().nbytes()             # what the allocator holds
as_bf16 = batch.to(torch.bfloat16)
print(f"{tuple(batch.shape)} float32: {batch.numel():,} x {batch.element_size()} bytes = "
      f"{nbytes / 2**20:.2f} MiB; in bfloat16 {as_bf16.untyped_storage().nbytes() / 2**20:.2f} MiB")
assert nbytes == batch.numel() * batch.element_size()
assert 2 * as_bf16.untyped_storage().nbytes() == nbytes
first8 = batch[:8]
print(f"batch[:8] shows {first8.numel() * first8.element_size() / 2**20:.2f} MiB but keeps "
      f"{first8.untyped_storage().nbytes() / 2**20:.2f} MiB alive; its clone holds "
      f"{first8.clone().untyped_storage().nbytes() / 2**20:.2f} MiB")
assert first8.untyped_storage().nbytes() == nbytes
assert 8 * first8.clone().untyped_storage().nbytes() == nbytes
print("\nDay 1 done. Next: Day 2, reshaping (`dlfs list --track pytorch`).")
