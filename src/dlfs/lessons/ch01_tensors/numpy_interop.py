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
