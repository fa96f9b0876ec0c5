# %% [markdown]
# # Autograd 08 · Tensor operations, GPU and NumPy interop — 张量操作、GPU 与 NumPy 互操作
#
# **Library files:** `src/dlfs/playground/` (`get_device`, `compare`); the NumPy engine in
# `src/dlfs/autograd/tensor.py` is the "NumPy with a backward" this lesson builds in section 4.
#
# How everyday tensor operations behave under autograd, what happens when a computation
# crosses devices, and how to keep gradients flowing through NumPy code. GPU parts run when
# CUDA (or Apple's MPS) is present and print a note otherwise.

# %% [markdown] lang="zh"
# # 自动求导 08 · 张量操作、GPU 与 NumPy 互操作
#
# **库文件：** `src/dlfs/playground/`（`get_device`、`compare`）；`src/dlfs/autograd/tensor.py`
# 中的 NumPy 引擎，正是本课第 4 节所构建的那种“带 backward 的 NumPy”。
#
# 日常的张量操作在 autograd 下表现如何，计算跨越设备时会发生什么，以及怎样让梯度流过 NumPy
# 代码。GPU 部分在有 CUDA（或 Apple 的 MPS）时运行，否则打印一条说明。

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from dlfs.curriculum import lesson_context
from dlfs.playground import bench, get_device

ctx = lesson_context("tensor-interop")
torch.manual_seed(0)
dt = torch.float64

# %% [markdown]
# ## 1. How gradients flow through common operations
# | op | backward |
# |---|---|
# | `cat` / `stack` | splits the gradient back into the pieces |
# | `split` / `chunk` / indexing | scatters it into zeros of the input's shape |
# | `sum` / `mean` | broadcasts it (times 1/n for mean) |
# | `max` / `topk` / `sort` | routes it to the selected positions only |
# | `argmax`, comparisons, `.long()` | no gradient: integer or boolean results |
#
# For example, for $x \in \mathbb{R}^n$:
# $\partial \max_i x_i / \partial x_j = [j = \arg\max_i x_i]$ and
# $\partial\, \mathrm{mean}(x) / \partial x_j = 1 / n$.

# %% [markdown] lang="zh"
# ## 1. 梯度如何流过常见操作
# | 操作 | 反向传播 |
# |---|---|
# | `cat` / `stack` | 把梯度切分回各个部分 |
# | `split` / `chunk` / 索引 | 把梯度散射到一个与输入同形状的零张量中 |
# | `sum` / `mean` | 把梯度广播回去（mean 再乘以 1/n） |
# | `max` / `topk` / `sort` | 只把梯度送到被选中的位置 |
# | `argmax`、比较运算、`.long()` | 没有梯度：结果是整数或布尔值 |
#
# 例如，对 $x \in \mathbb{R}^n$：
# $\partial \max_i x_i / \partial x_j = [j = \arg\max_i x_i]$，
# $\partial\, \mathrm{mean}(x) / \partial x_j = 1 / n$。

# %%
a = torch.randn(2, 3, dtype=dt, requires_grad=True)
b = torch.randn(4, 3, dtype=dt, requires_grad=True)
c = torch.cat([a, b])                             # (6, 3)
g = torch.arange(18, dtype=dt).view(6, 3)
c.backward(g)
assert torch.equal(a.grad, g[:2]) and torch.equal(b.grad, g[2:])

x = torch.tensor([3.0, -1.0, 7.0, 2.0], dtype=dt, requires_grad=True)
x.max().backward()
assert x.grad.tolist() == [0, 0, 1, 0]  # only the winner gets a gradient
x.grad = None
x.mean().backward()
assert torch.allclose(x.grad, torch.full((4,), 0.25, dtype=dt))
x.grad = None
top_vals, top_idx = x.topk(2)
top_vals.sum().backward()
assert x.grad.tolist() == [1, 0, 1, 0] and not top_idx.requires_grad
x.grad = None
first, second = x.chunk(2)
(10 * second).sum().backward()
assert x.grad.tolist() == [0, 0, 10, 10]
print("argmax requires grad?", x.argmax().requires_grad, "| (x > 0) requires grad?",
      (x > 0).requires_grad, "| x.double() requires grad?", x.double().requires_grad)
assert not x.argmax().requires_grad and x.float().requires_grad
try:
    torch.tensor([1.0]).long().requires_grad_()
except RuntimeError as exc:
    print("integer tensors cannot require grad:", str(exc)[:60])

# %% [markdown]
# ## 2. Devices: one place per computation
# Tensors in one operation must live on one device; `.to(device)` is differentiable, so
# a CPU leaf used on the GPU still gets its `.grad` back on the CPU.

# %% [markdown] lang="zh"
# ## 2. 设备：一次计算只在一个地方进行
# 参与同一次运算的张量必须位于同一个设备上；`.to(device)` 是可微的，所以一个在 GPU 上被使用的
# CPU 叶子张量，仍然会在 CPU 上拿回它的 `.grad`。

# %%
device = get_device()
print("get_device() ->", device)
accelerators = []
if torch.cuda.is_available():
    accelerators.append(torch.device("cuda"))
if torch.backends.mps.is_available():
    accelerators.append(torch.device("mps"))
if not accelerators:
    print("note: no CUDA or MPS device here; the cross-device checks below are skipped")
for acc in accelerators:
    w_cpu = torch.randn(3, 3, requires_grad=True)
    xin = torch.randn(8, 3)
    out_dev = torch.tanh(xin.to(acc) @ w_cpu.to(acc)).sum()  # .to is recorded in the graph
    out_dev.backward()
    w_ref = w_cpu.detach().clone().requires_grad_()
    torch.tanh(xin @ w_ref).sum().backward()
    print(f"{acc}: w.grad lives on {w_cpu.grad.device}; matches CPU:",
          torch.allclose(w_cpu.grad, w_ref.grad, atol=1e-5))
    assert w_cpu.grad.device.type == "cpu" and torch.allclose(w_cpu.grad, w_ref.grad, atol=1e-5)
    try:
        torch.ones(2, device=acc) + torch.ones(2)
    except RuntimeError as exc:
        print("mixing devices:", str(exc)[:80])
        assert "device" in str(exc)

# %% [markdown]
# ## 3. NumPy in the middle of a graph breaks it
# `.numpy()` refuses tensors that require grad, and `detach().numpy()` gives autograd nothing
# to follow: whatever NumPy computes arrives as a constant. Below, the sine computed by NumPy
# is a constant $c = \sin t$, so autograd returns $\frac{\partial}{\partial t} (c \, t) = \sin t$
# and misses the $t \cos t$ term.

# %% [markdown] lang="zh"
# ## 3. 计算图中间插进 NumPy 会把图打断
# `.numpy()` 拒绝需要梯度的张量，而 `detach().numpy()` 让 autograd 无迹可循：NumPy 算出的
# 任何东西进来时都只是常量。下面由 NumPy 计算的正弦值是常量 $c = \sin t$，所以 autograd 返回
# $\frac{\partial}{\partial t} (c \, t) = \sin t$，漏掉了 $t \cos t$ 这一项。

# %%
t = torch.tensor([0.5, 1.0], dtype=dt, requires_grad=True)
through_numpy = torch.from_numpy(np.sin(t.detach().numpy())) * t
through_numpy.sum().backward()
print("grad through a NumPy sin (treated as constant):", t.grad.tolist())
assert torch.allclose(t.grad, torch.sin(t.detach()))  # the sin's own derivative is missing
t.grad = None

# %% [markdown]
# ## 4. Give NumPy code a backward: a custom Function
# Forward and backward both in NumPy; autograd only needs the backward rule
# $\frac{d}{dx} \sin x = \cos x$. With it the product rule is complete again,
# $\frac{d}{dt} (\sin t \cdot t) = t \cos t + \sin t$, and gradcheck confirms it.

# %% [markdown] lang="zh"
# ## 4. 给 NumPy 代码配上 backward：自定义 Function
# forward 和 backward 都用 NumPy 实现；autograd 只需要反向规则 $\frac{d}{dx} \sin x = \cos x$。
# 有了它，乘积法则就又完整了，$\frac{d}{dt} (\sin t \cdot t) = t \cos t + \sin t$，gradcheck
# 也确认了这一点。

# %%
class NumpySin(torch.autograd.Function):
    """sin computed by NumPy; shapes: any, elementwise; CPU tensors only."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return torch.from_numpy(np.sin(x.detach().cpu().numpy()))

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return grad * torch.from_numpy(np.cos(x.detach().cpu().numpy()))


(NumpySin.apply(t) * t).sum().backward()
assert torch.allclose(t.grad, torch.cos(t.detach()) * t.detach() + torch.sin(t.detach()))
assert torch.autograd.gradcheck(NumpySin.apply, (torch.randn(5, dtype=dt, requires_grad=True),))
print("NumpySin passes gradcheck: NumPy code is part of the graph again")

# %% [markdown]
# ## 5. Picture: matmul time by size and device
# On a GPU, small matrices lose to the CPU (launch overhead); large ones win by far.

# %% [markdown] lang="zh"
# ## 5. 图示：不同大小、不同设备上的矩阵乘法耗时
# 在 GPU 上，小矩阵反而比 CPU 慢（内核启动开销）；大矩阵则远远快于 CPU。

# %%
sizes = [64, 128, 256] if ctx.quick else [64, 128, 256, 512, 1024, 2048]
devices = [torch.device("cpu")] + accelerators
times: dict[str, list[float]] = {}
for dev in devices:
    row = []
    for n in sizes:
        m1, m2 = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
        row.append(bench(lambda m1=m1, m2=m2: m1 @ m2, repeat=3, number=3).min)
    times[str(dev)] = row
    print(f"{dev}: " + ", ".join(f"{n}: {s * 1e3:.3f} ms" for n, s in zip(sizes, row)))
assert all(len(r) == len(sizes) for r in times.values())
fig, ax = plt.subplots(figsize=(6, 3.5))
for dev_name, row in times.items():
    ax.loglog(sizes, [s * 1e3 for s in row], "o-", label=dev_name)
ax.set_xlabel("n (n×n @ n×n, float32)")
ax.set_ylabel("ms (best of 3)")
ax.set_title("matmul time by device")
ax.legend()
ctx.savefig(fig, "matmul_by_device.png")

print("\nThe autograd series is complete. Book chapter 1 builds the engines from scratch.")
