# %% [markdown]
# # Day 8 · Autograd: requires_grad, backward, detach — Autograd 机制
#
# **Library files:** `src/dlfs/playground/` (`inspect`); the from-scratch engines that do
# the same job live in `src/dlfs/autograd/`.
#
# Autograd records every operation on tensors that `require_grad` into a graph, then walks it
# backwards applying the chain rule: if $y$ depends on $x$ through $u = g(x)$ and $y = f(u)$,
#
# $$
# \frac{\partial y}{\partial x} = \frac{\partial y}{\partial u} \cdot \frac{\partial u}{\partial x}
# $$
#
# Here we check it against derivatives worked out by hand, and meet the three behaviours that
# trip people up: gradients *accumulate*, `no_grad` stops recording, and `detach` cuts a
# tensor out of the graph.

# %% [markdown] lang="zh"
# # 第 8 天 · Autograd 机制：requires_grad、backward 与 detach
#
# **库文件：** `src/dlfs/playground/`（`inspect`）；从零实现、完成同样工作的自动微分引擎位于
# `src/dlfs/autograd/`。
#
# Autograd 把作用在需要梯度（`require_grad`）的张量上的每一次运算都记录进一张计算图，然后
# 反向遍历这张图，沿途应用链式法则：如果 $y$ 通过 $u = g(x)$、$y = f(u)$ 依赖于 $x$，那么
#
# $$
# \frac{\partial y}{\partial x} = \frac{\partial y}{\partial u} \cdot \frac{\partial u}{\partial x}
# $$
#
# 本课拿它与手算的导数对照检验，并认识三个容易让人栽跟头的行为：梯度会*累加*，`no_grad`
# 会停止记录，`detach` 会把一个张量从计算图中切出来。

# %%
import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context
from dlfs.playground import inspect

ctx = lesson_context("autograd-basics")
torch.manual_seed(0)

# %% [markdown]
# ## 1. A derivative we can do by hand
# For $y = \sum_i (w x_i + b)^2$:
#
# $$
# \frac{\partial y}{\partial w} = \sum_i 2 (w x_i + b) \, x_i, \qquad
# \frac{\partial y}{\partial b} = \sum_i 2 (w x_i + b)
# $$

# %% [markdown] lang="zh"
# ## 1. 一个能手算的导数
# 对 $y = \sum_i (w x_i + b)^2$：
#
# $$
# \frac{\partial y}{\partial w} = \sum_i 2 (w x_i + b) \, x_i, \qquad
# \frac{\partial y}{\partial b} = \sum_i 2 (w x_i + b)
# $$

# %%
x = torch.linspace(-1, 1, 5, dtype=torch.float64)
w = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
b = torch.tensor(-0.2, dtype=torch.float64, requires_grad=True)
y = ((w * x + b) ** 2).sum()
y.backward()
r = (w * x + b).detach()
by_hand_w, by_hand_b = (2 * r * x).sum(), (2 * r).sum()
print(f"dy/dw autograd={w.grad.item():.6f}  by hand={by_hand_w.item():.6f}")
print(f"dy/db autograd={b.grad.item():.6f}  by hand={by_hand_b.item():.6f}")
assert torch.allclose(w.grad, by_hand_w) and torch.allclose(b.grad, by_hand_b)

# %% [markdown]
# ## 2. Leaves and grad_fn
# Tensors you create with `requires_grad=True` are *leaves*: their `.grad` is filled in.
# Results of operations carry a `grad_fn`, the node that knows how to send gradients back.

# %% [markdown] lang="zh"
# ## 2. 叶子节点与 grad_fn
# 你用 `requires_grad=True` 创建的张量是*叶子节点*：它们的 `.grad` 会被填上。运算的结果
# 带有一个 `grad_fn`，也就是知道如何把梯度往回传的那个节点。

# %%
inspect(w, "w")
inspect(y, "y")
assert w.is_leaf and w.grad_fn is None
assert not y.is_leaf and type(y.grad_fn).__name__ == "SumBackward0"
ctx.notice(w.is_leaf and w.grad is not None and not y.is_leaf and y.grad_fn is not None,
           f"w is a leaf and keeps its gradient ({w.grad.item():g} = dy/dw above); y has a "
           "grad_fn instead and keeps none",
           f"w 是叶子节点，保留了梯度（{w.grad.item():g}，即上面的 dy/dw）；y 带有 grad_fn，"
           "不保留梯度")

# %% [markdown]
# ## 3. The accumulation trap
# `backward()` *adds* into `.grad`. Calling it twice without zeroing doubles the gradient —
# which is why every training loop calls `optimizer.zero_grad()`.

# %% [markdown] lang="zh"
# ## 3. 梯度累加的陷阱
# `backward()` 会把梯度*加*到 `.grad` 上。不清零就调用两次，梯度会翻倍——这就是为什么每个
# 训练循环都要调用 `optimizer.zero_grad()`。

# %%
first = w.grad.clone()
((w * x + b) ** 2).sum().backward()
print(f"after a second backward: {w.grad.item():.6f} = 2 × {first.item():.6f}")
assert torch.allclose(w.grad, 2 * first)
w.grad = None  # what zero_grad(set_to_none=True) does
b.grad = None

# %% [markdown]
# ## 4. no_grad and detach
# Inside `torch.no_grad()` nothing is recorded (evaluation, weight updates). `detach()`
# returns a tensor sharing the same memory but outside the graph: gradients stop there.
# Below, `d = w.detach()` acts as a constant $c$ (equal to $w$'s value, 0.7), so
# $\frac{d}{dw} (w c)^2 = 2 w c^2$ instead of the $4 w^3$ of $\frac{d}{dw} (w \cdot w)^2$.

# %% [markdown] lang="zh"
# ## 4. no_grad 与 detach
# 在 `torch.no_grad()` 内部什么都不会被记录（用于评估、更新权重）。`detach()` 返回一个与原
# 张量共享内存、却位于计算图之外的张量：梯度到它这里就停下了。下面的 `d = w.detach()` 相当于
# 一个常数 $c$（等于 $w$ 的值 0.7），所以 $\frac{d}{dw} (w c)^2 = 2 w c^2$，而不是
# $\frac{d}{dw} (w \cdot w)^2$ 的 $4 w^3$。

# %%
with torch.no_grad():
    z = w * 3
print("under no_grad: requires_grad =", z.requires_grad)
assert not z.requires_grad

d = w.detach()
assert d.data_ptr() == w.data_ptr() and not d.requires_grad
out = (w * d) ** 2  # d is treated as a constant 0.7
out.backward()
# d(w·c)²/dw = 2·w·c², with c = w's value held constant
expected = 2 * w.detach() * d**2
print(f"gradient through w only: {w.grad.item():.6f} (expected {expected.item():.6f})")
assert torch.allclose(w.grad, expected)

# %% [markdown]
# ## 5. backward needs a scalar, or an explicit gradient
# For a vector output, `backward` needs the vector $g$ of the vector–Jacobian product
# $g^\top J$. Here `u = v**2` has $J = \mathrm{diag}(2v)$, so `u.backward(torch.ones(3))`
# ($g = \mathbf{1}$) leaves $g^\top J = 2v$ in `v.grad`.

# %% [markdown] lang="zh"
# ## 5. backward 需要一个标量，或者显式给出的梯度
# 对向量输出，`backward` 需要向量-雅可比积 $g^\top J$ 中的那个向量 $g$。这里 `u = v**2` 的
# 雅可比矩阵是 $J = \mathrm{diag}(2v)$，所以 `u.backward(torch.ones(3))`（即 $g = \mathbf{1}$）
# 会在 `v.grad` 中留下 $g^\top J = 2v$。

# %%
v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
u = v**2
try:
    u.backward()
except RuntimeError as exc:
    message = str(exc)
    print("u.backward() on a vector:", message)
    assert "scalar outputs" in message
u.backward(torch.ones(3))
assert torch.equal(v.grad, 2 * v.detach())
print("with gradient=ones: v.grad =", v.grad.tolist())

# %% [markdown]
# ## 6. The accumulation trap in a training loop
# Fit w in y = 3x by gradient descent, once zeroing the gradient each step and once
# forgetting to. With $L(w) = \frac{1}{N} \sum_i (w x_i - y_i)^2$ and $g_t = L'(w_t)$, the two
# updates are
#
# $$
# \text{zeroed: } w_{t+1} = w_t - 0.3 \, g_t, \qquad
# \text{never zeroed: } w_{t+1} = w_t - 0.3 \sum_{s=0}^{t} g_s
# $$
#
# Without zeroing, step t uses the *sum* of all gradients so far: the update keeps its
# momentum past the minimum and the loss oscillates instead of settling.

# %% [markdown] lang="zh"
# ## 6. 训练循环中的梯度累加陷阱
# 用梯度下降拟合 y = 3x 中的 w：一次每步都把梯度清零，一次忘了清零。记
# $L(w) = \frac{1}{N} \sum_i (w x_i - y_i)^2$、$g_t = L'(w_t)$，两种更新分别是
#
# $$
# \text{zeroed: } w_{t+1} = w_t - 0.3 \, g_t, \qquad
# \text{never zeroed: } w_{t+1} = w_t - 0.3 \sum_{s=0}^{t} g_s
# $$
#
# （zeroed 为每步清零，never zeroed 为从不清零。）不清零时，第 t 步用的是到目前为止所有梯度
# 的*总和*：更新带着“惯性”冲过最小值，损失来回振荡，而不是稳定下来。

# %%
xs = torch.linspace(-1, 1, 32, dtype=torch.float64)
ys = 3 * xs


def fit(zero_grad: bool, steps: int) -> list[float]:
    """Gradient descent on w for the mean squared error; returns the loss per step."""
    w_fit = torch.zeros((), dtype=torch.float64, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = ((w_fit * xs - ys) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w_fit -= 0.3 * w_fit.grad
        if zero_grad:
            w_fit.grad = None
    return losses


n_steps = 40 if ctx.quick else 100
good, trapped = fit(True, n_steps), fit(False, n_steps)
print(f"final loss with zeroing {good[-1]:.2e}, without {trapped[-1]:.2e}")
assert good[-1] < 1e-6 and trapped[-1] > 100 * good[-1]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogy(good, label="grad zeroed every step")
ax.semilogy(trapped, label="grad never zeroed (accumulates)")
ax.set_xlabel("step")
ax.set_ylabel("loss")
ax.set_title("the accumulation trap")
ax.legend()
ctx.savefig(fig, "accumulation_trap.png")
print("\nDay 8 done. The autograd series goes deeper: `dlfs list --track autograd`.")
