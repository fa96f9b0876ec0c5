# %% [markdown]
# # Day 6 · NumPy ⇄ PyTorch conversion traps — NumPy 与 PyTorch 的互转陷阱
#
# **Library files:** `src/dlfs/playground/` (`compare`); the NumPy-backed autograd engine in
# `src/dlfs/autograd/` lives on the NumPy side of this border.
#
# Moving data between NumPy and torch is cheap because it often copies nothing — and that is
# where the traps are. Seven of them, each demonstrated and asserted:
#
# 1. `torch.from_numpy(a)` and `t.numpy()` **share memory**; `torch.tensor(a)` copies.
# 2. NumPy defaults to **float64**, torch layers to float32: `mat1 and mat2 must have the same dtype`.
# 3. Type promotion: a 0-d float64 does *not* upcast a float32 tensor; a 1-d one does.
# 4. `.numpy()` on a tensor that **requires grad** raises; `detach().numpy()` still shares memory.
# 5. **Non-writable** arrays give a warning; writing through the tensor is undefined.
# 6. **Negative strides** (`a[::-1]`) cannot be shared at all.
# 7. `.numpy()` works for **CPU** tensors only.

# %% [markdown] lang="zh"
# # 第 6 天 · NumPy 与 PyTorch 的互转陷阱
#
# **库文件：** `src/dlfs/playground/`（`compare`）；`src/dlfs/autograd/` 中以 NumPy 为后端的
# 自动微分引擎就位于这条边界的 NumPy 一侧。
#
# 在 NumPy 和 torch 之间搬运数据很便宜，因为往往什么都不复制——陷阱也恰恰在这里。下面共有七个
# 陷阱，每个都有演示和断言：
#
# 1. `torch.from_numpy(a)` 和 `t.numpy()` **共享内存**；`torch.tensor(a)` 则会复制。
# 2. NumPy 默认使用 **float64**，torch 的层使用 float32：`mat1 and mat2 must have the same dtype`。
# 3. 类型提升：0 维的 float64 *不会*把 float32 张量提升为 float64；1 维的则会。
# 4. 对**需要梯度**（requires grad）的张量调用 `.numpy()` 会报错；`detach().numpy()` 仍然共享内存。
# 5. **不可写**的数组会引发警告；通过张量向其中写入是未定义行为。
# 6. **负步长**（`a[::-1]`）根本无法共享。
# 7. `.numpy()` 只适用于 **CPU** 张量。

# %%
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch

from dlfs.curriculum import lesson_context

ctx = lesson_context("numpy-interop")

# %% [markdown]
# ## 1. Shared memory: `from_numpy`, `as_tensor` and `.numpy()` copy nothing

# %% [markdown] lang="zh"
# ## 1. 共享内存：`from_numpy`、`as_tensor` 和 `.numpy()` 什么都不复制

# %%
a = np.zeros(3)
t_shared = torch.from_numpy(a)
t_as = torch.as_tensor(a)   # shares when dtype and device allow
t_copy = torch.tensor(a)    # always copies
a[0] = 7.0
print("after a[0] = 7:  from_numpy", t_shared.tolist(), " as_tensor", t_as.tolist(),
      " torch.tensor", t_copy.tolist())
assert t_shared[0] == 7 and t_as[0] == 7 and t_copy[0] == 0

t = torch.ones(3)
arr = t.numpy()
t.add_(1)   # in place: the array sees it
t2 = t + 1  # a new tensor: the array does not
print("after t.add_(1):", arr.tolist())
assert arr.tolist() == [2.0, 2.0, 2.0] and t2.data_ptr() != t.data_ptr()
assert np.shares_memory(arr, t.numpy())

# %% [markdown]
# ## 2. float64 from NumPy meets float32 weights
# `np.random.rand`, `np.linspace`, `np.array([0.5])` are all float64. A torch layer is float32.

# %% [markdown] lang="zh"
# ## 2. 来自 NumPy 的 float64 遇上 float32 的权重
# `np.random.rand`、`np.linspace`、`np.array([0.5])` 得到的都是 float64，而 torch 的层是 float32。

# %%
features = np.random.default_rng(0).random((4, 2))
print("NumPy default float dtype:", features.dtype, "->", torch.from_numpy(features).dtype)
layer = torch.nn.Linear(2, 1)
try:
    layer(torch.from_numpy(features))
except RuntimeError as exc:
    print("layer(float64 input):", exc)
    assert "same dtype" in str(exc)
fixed = layer(torch.from_numpy(features).float())  # or features.astype(np.float32)
assert fixed.dtype == torch.float32
assert torch.from_numpy(features.astype(np.float32)).dtype == torch.float32

# %% [markdown]
# ## 3. Type promotion is subtle
# A 0-d tensor or a Python/NumPy scalar of a wider float type does not upcast a float32
# tensor; a tensor with dimensions does.

# %% [markdown] lang="zh"
# ## 3. 类型提升很微妙
# 更宽浮点类型的 0 维张量，或 Python/NumPy 标量，不会把 float32 张量提升为更宽的类型；带有维度
# 的张量则会。

# %%
x32 = torch.ones(2)
cases = {
    "x32 * np.float64(2)": x32 * np.float64(2),
    "x32 * torch.tensor(2.0, float64)  (0-d)": x32 * torch.tensor(2.0, dtype=torch.float64),
    "x32 + torch.ones(2, float64)  (1-d)": x32 + torch.ones(2, dtype=torch.float64),
    "torch.ones(2, int64) / 2": torch.ones(2, dtype=torch.int64) / 2,
    "torch.ones(2, int64) // 2": torch.ones(2, dtype=torch.int64) // 2,
}
for expr, val in cases.items():
    print(f"{expr:<42} -> {val.dtype}")
assert [v.dtype for v in cases.values()] == [torch.float32, torch.float32, torch.float64,
                                               torch.float32, torch.int64]

# %% [markdown]
# ## 4. `.numpy()` on a tensor that requires grad
# torch refuses, because the array would silently leave the graph. `detach().numpy()` works —
# and still shares memory with the parameter: writing into the array changes the weights.

# %% [markdown] lang="zh"
# ## 4. 对需要梯度的张量调用 `.numpy()`
# torch 会拒绝，因为得到的数组会悄无声息地脱离计算图。`detach().numpy()` 可以用——而且它仍然
# 与参数共享内存：往数组里写入会改变权重。

# %%
w = torch.nn.Parameter(torch.zeros(3))
try:
    w.numpy()
except RuntimeError as exc:
    print("w.numpy():", exc)
    assert "requires grad" in str(exc)
view = w.detach().numpy()
view[1] = 5.0
print("after writing into w.detach().numpy():", w.data.tolist())
assert w[1] == 5.0
safe = w.detach().cpu().numpy().copy()  # the safe idiom for logging or plotting
safe[0] = -1
assert w[0] == 0
assert np.array_equal(w.numpy(force=True), w.detach().numpy())  # force=True: detach + cpu

# %% [markdown]
# ## 5. Non-writable arrays
# Arrays made read-only (by `setflags`, `np.frombuffer` on `bytes`, some memory maps) can be
# wrapped, but torch warns: its tensors assume they may write. Copy first.

# %% [markdown] lang="zh"
# ## 5. 不可写的数组
# 被设为只读的数组（通过 `setflags`、对 `bytes` 调用 `np.frombuffer`、某些内存映射）可以被
# 包装成张量，但 torch 会发出警告：它的张量默认自己可以写入。应先复制一份。

# %%
ro = np.arange(4.0)
ro.setflags(write=False)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    torch.from_numpy(ro)
print("warning:", str(caught[0].message)[:70], "...")
assert any("not writable" in str(c.message) for c in caught)
with warnings.catch_warnings():
    warnings.simplefilter("error")  # no warning once copied
    torch.from_numpy(ro.copy())
    torch.tensor(ro)

# %% [markdown]
# ## 6. Negative strides cannot be shared
# `a[::-1]` and `np.flip` are views with a negative stride; torch strides are never negative.

# %% [markdown] lang="zh"
# ## 6. 负步长无法共享
# `a[::-1]` 和 `np.flip` 都是带负步长的视图；而 torch 的步长永远不会是负数。

# %%
rev = np.arange(5.0)[::-1]
print("numpy strides of a[::-1]:", rev.strides)
try:
    torch.from_numpy(rev)
except ValueError as exc:
    print("from_numpy(a[::-1]):", str(exc).split(",")[0])
    assert "negative" in str(exc)
assert torch.from_numpy(rev.copy()).tolist() == [4, 3, 2, 1, 0]
assert torch.flip(torch.arange(5.0), dims=[0]).tolist() == [4, 3, 2, 1, 0]  # torch's flip copies

# %% [markdown]
# ## 7. NumPy lives on the CPU
# A GPU tensor must come back with `.cpu()` first. This part runs only where CUDA is present.

# %% [markdown] lang="zh"
# ## 7. NumPy 只在 CPU 上
# GPU 张量必须先用 `.cpu()` 取回。这一部分只在有 CUDA 的机器上运行。

# %%
if torch.cuda.is_available():
    g = torch.ones(2, device="cuda")
    try:
        g.numpy()
    except TypeError as exc:
        print("cuda tensor .numpy():", exc)
        assert "cuda" in str(exc)
    assert g.cpu().numpy().tolist() == [1.0, 1.0]
else:
    print("note: no CUDA GPU here; on a GPU, t.numpy() raises TypeError and t.cpu().numpy() works")

# %% [markdown]
# ## 8. Picture: sharing costs nothing, copying grows with the size
# Wrapping an array is $O(1)$ (a new header around the same pointer); a copy is $O(n)$ in the
# number of elements.

# %% [markdown] lang="zh"
# ## 8. 图示：共享不花钱，复制的开销随大小增长
# 包装一个数组是 $O(1)$ 的（只是在同一个指针外面套一个新的头）；复制则是 $O(n)$ 的，与元素个数
# 成正比。

# %%
sizes = [10**k for k in range(2, 7 if ctx.quick else 8)]
timings: dict[str, list[float]] = {"torch.from_numpy": [], "torch.as_tensor": [],
                                   "torch.tensor (copy)": []}
for n in sizes:
    src = np.ones(n, dtype=np.float32)
    for name, fn in [("torch.from_numpy", torch.from_numpy), ("torch.as_tensor", torch.as_tensor),
                     ("torch.tensor (copy)", torch.tensor)]:
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            fn(src)
            best = min(best, time.perf_counter() - start)
        timings[name].append(best)
ratio = timings["torch.tensor (copy)"][-1] / timings["torch.from_numpy"][-1]
print(f"at {sizes[-1]:,} floats, copying is {ratio:.0f}x slower than sharing")
assert ratio > 3, "a copy of millions of floats should cost more than wrapping the pointer"
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, ts in timings.items():
    ax.loglog(sizes, [s * 1e6 for s in ts], marker="o", label=name)
ax.set_xlabel("number of float32 elements")
ax.set_ylabel("µs (best of 5)")
ax.set_title("NumPy -> torch: sharing is O(1), copying is O(n)")
ax.legend()
ctx.savefig(fig, "conversion_cost.png")

print("\nDay 6 done. Next: `dlfs run shape-cheatsheet`.")
