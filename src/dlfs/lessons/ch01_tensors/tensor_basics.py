# %% [markdown]
# # Day 1 · Tensor basics and device management — Tensor 基础 + Device 管理
#
# **Library files:** `src/dlfs/playground/` (`inspect`, `get_device`).
#
# A tensor is three things: a block of memory (the *storage*), a *dtype* saying how to read
# each element, and a *shape + strides* saying where element `[i, j]` lives. It also lives on
# a *device*. This lesson creates tensors, reads those properties, and moves data between
# devices (on a machine without a GPU the GPU part prints a note and skips).

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
# `x[i, j]` lives at `storage_offset + i * stride[0] + j * stride[1]`. Check it by hand.

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
# bytes = numel × element_size. A (batch 64, 3, 224, 224) float32 image batch — and the
# storage, the block of memory the allocator really holds for it, has exactly that size.
# A slice is a view: it keeps the whole storage alive; `.clone()` copies only what it shows.

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
