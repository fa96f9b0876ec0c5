# %% [markdown]
# # Calculus: derivatives, gradients and the chain rule, checked against autograd — 微积分：导数、梯度与链式法则，与自动求导对照
#
# **Library files:** `src/dlfs/autograd/gradcheck.py` (`gradcheck`: central differences vs
# an engine's backward), `src/dlfs/autograd/scalar.py` (`Value`, the chain rule one node at a
# time). The autograd series goes further: `autograd-basics` (part 02), `graph-leaves-detach`
# (03), `jacobian-hessian` (05: VJPs, Jacobians, Hessians), `engines-scalar` and
# `engines-tensor` (book chapter 1: engines written from scratch).
#
# Training needs one thing from calculus: the gradient of a scalar loss with respect to
# every weight. This lesson takes the path from the definition of a derivative (a limit,
# approximated by finite differences, with their error measured), through gradients of
# functions of vectors (three rules used everywhere), to the chain rule that autograd
# applies backwards through a graph, each result checked against `torch.autograd`.
#
# 训练只需要微积分里的一样东西：标量损失对每个权重的梯度。本课从导数的定义出发（一个极限，用有限差分
# 近似，并测量它的误差），经过向量函数的梯度（三条处处都用的法则），一直走到链式法则——自动求导正是
# 沿着计算图反向地使用它。每个结果都与 `torch.autograd` 对照。

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from dlfs.autograd import Value
from dlfs.autograd.gradcheck import gradcheck
from dlfs.curriculum import lesson_context

ctx = lesson_context("prelim-calculus")
torch.manual_seed(0)
D = torch.float64

# %% [markdown]
# ## 1. The derivative as a limit — 导数是一个极限
# `f'(x) = lim_{h -> 0} (f(x + h) - f(x)) / h`. For `f(x) = 3x^2 - 4x` the rules give
# `f'(x) = 6x - 4`, so `f'(1) = 2`. The **forward difference** `(f(x+h) - f(x)) / h` is off by
# about `f''(x) h / 2`: its error shrinks like `h`. The **central difference**
# `(f(x+h) - f(x-h)) / 2h` cancels that term; its error shrinks like `h^2`. We measure both
# slopes on a log–log scale. Below some `h` the rounding of `f(x+h) - f(x)` (about
# `1e-16 / h` in float64) takes over and the error grows again — which is why numerical
# gradient checks use `h` around `1e-6`, and float64.
#
# `f'(x) = lim_{h -> 0} (f(x + h) - f(x)) / h`。对 `f(x) = 3x^2 - 4x`，求导法则给出 `f'(x) = 6x - 4`，
# 所以 `f'(1) = 2`。**前向差分** `(f(x+h) - f(x)) / h` 大约偏差 `f''(x) h / 2`：误差随 `h` 线性缩小。
# **中心差分** `(f(x+h) - f(x-h)) / 2h` 抵消了这一项，误差按 `h^2` 缩小。我们在对数坐标上测出两条斜率。
# 当 `h` 小到一定程度，`f(x+h) - f(x)` 的舍入误差（float64 下约 `1e-16 / h`）占了上风，误差反而变大
# ——所以数值梯度检验用 `h` 约 `1e-6`，而且用 float64。


# %%
def f(x):
    return 3 * x**2 - 4 * x


x0, exact = 1.0, 2.0
hs = np.logspace(-1, -4, 7)
forward = np.array([abs((f(x0 + h) - f(x0)) / h - exact) for h in hs])
central = np.array([abs((f(x0 + h) - f(x0 - h)) / (2 * h) - exact) for h in hs])
slope_fwd = np.polyfit(np.log(hs), np.log(forward), 1)[0]
for h, e_f, e_c in zip(hs[::2], forward[::2], central[::2]):
    print(f"h={h:.0e}: forward error {e_f:.2e}, central error {e_c:.2e}")
print(f"forward difference: error ~ h^{slope_fwd:.2f}")
assert abs(slope_fwd - 1) < 0.05 and np.allclose(forward, 3 * hs)   # f''/2 * h = 3h exactly
# f is quadratic: its central difference is exact up to rounding, whatever h
assert central.max() < 1e-9

# a cubic has a third derivative, so the central error shows its h^2 law: g'''/6 h^2 = h^2
g = lambda x: x**3  # noqa: E731
central_g = np.array([abs((g(x0 + h) - g(x0 - h)) / (2 * h) - 3 * x0**2) for h in hs])
slope_c = np.polyfit(np.log(hs[:5]), np.log(central_g[:5]), 1)[0]
print(f"central difference on x^3: error ~ h^{slope_c:.2f}")
assert abs(slope_c - 2) < 0.05

tiny_h = np.logspace(-1, -13, 25)
rounding = np.array([abs((g(x0 + h) - g(x0)) / h - 3) for h in tiny_h])
best_h = tiny_h[np.argmin(rounding)]
print(f"forward difference on x^3 is most accurate near h = {best_h:.0e}, not at the smallest h")
assert 1e-10 < best_h < 1e-6 and rounding[-1] > rounding.min() * 100

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
xs = np.linspace(0, 3, 100)
axes[0].plot(xs, f(xs), label="f(x) = 3x^2 - 4x")
axes[0].plot(xs, exact * (xs - x0) + f(x0), "--", label="tangent at x = 1, slope f'(1) = 2")
axes[0].legend(fontsize=8)
axes[0].set_xlabel("x")
axes[1].loglog(tiny_h, rounding, "o-", ms=3, label="forward difference on x^3")
axes[1].loglog(tiny_h, 3 * tiny_h, "k:", lw=1, label="truncation: 3h")
axes[1].loglog(tiny_h, 1e-16 / tiny_h, "r:", lw=1, label="rounding: ~1e-16 / h")
axes[1].set_ylim(1e-12, 1)
axes[1].set_xlabel("h")
axes[1].set_ylabel("|error|")
axes[1].legend(fontsize=8)
ctx.savefig(fig, "derivative_errors.png")

# %% [markdown]
# ## 2. Gradients of functions of vectors — 向量函数的梯度
# For a scalar `f(x)` of a vector `x` (n,), the gradient `grad f` (n,) collects the partial
# derivatives. Three rules cover most of what a layer needs, for a matrix `A`:
# `grad_x (a^T x) = a`, `grad_x (x^T A x) = (A + A^T) x`, `grad_x ||x||^2 = 2x`. Each is
# checked against `torch.autograd.grad` in float64.
#
# 对向量 `x`（n,）的标量函数 `f(x)`，梯度 `grad f`（n,）把各个偏导数收集在一起。对矩阵 `A`，三条
# 法则覆盖了一层网络需要的大部分：`grad_x (a^T x) = a`、`grad_x (x^T A x) = (A + A^T) x`、
# `grad_x ||x||^2 = 2x`。每一条都在 float64 下与 `torch.autograd.grad` 对照。

# %%
n = 6
x = torch.randn(n, dtype=D, requires_grad=True)
a, A = torch.randn(n, dtype=D), torch.randn(n, n, dtype=D)
rules = {
    "a^T x": (lambda v: a @ v, a),
    "x^T A x": (lambda v: v @ A @ v, (A + A.T) @ x.detach()),
    "||x||^2": (lambda v: (v * v).sum(), 2 * x.detach()),
}
for name, (fn, by_hand) in rules.items():
    (auto,) = torch.autograd.grad(fn(x), x)
    torch.testing.assert_close(auto, by_hand)
    print(f"grad of {name:8s} by the rule == autograd")

# %% [markdown]
# ## 3. The chain rule — 链式法则
# If `y = f(u)` and `u = g(x)`, then `dy/dx = dy/du * du/dx`. For vectors, `du/dx` is the
# Jacobian `J_g` (m, n) and the gradient of a scalar `y` is `grad_x y = J_g^T grad_u y`: the
# upstream gradient multiplied by the transposed local Jacobian. This is one step of
# backpropagation, a **vector–Jacobian product**. Take a small layer and a loss:
#
#     u = tanh(W x)           (m,)      J_u = diag(1 - u^2) W      (m, n)
#     y = sum_i u_i^2         scalar    grad_u y = 2u              (m,)
#     grad_x y = J_u^T (2u) = W^T ((1 - u^2) * 2u)                 (n,)
#
# The last line never builds the `m x n` Jacobian: backpropagation multiplies the upstream
# gradient by each local derivative elementwise, then by `W^T`.
#
# 若 `y = f(u)`、`u = g(x)`，则 `dy/dx = dy/du * du/dx`。对向量而言，`du/dx` 是雅可比矩阵
# `J_g`（m, n），标量 `y` 的梯度是 `grad_x y = J_g^T grad_u y`：上游梯度乘以转置的局部雅可比矩阵。
# 这就是反向传播的一步，一次**向量–雅可比积**。拿一个小层和一个损失来看（公式见上）。最后一行从不构造
# `m x n` 的雅可比矩阵：反向传播先把上游梯度与各个局部导数逐元素相乘，再乘以 `W^T`。

# %%
m = 4
W = torch.randn(m, n, dtype=D)
x = torch.randn(n, dtype=D, requires_grad=True)
u = torch.tanh(W @ x)                                     # (m,)
y = (u * u).sum()
(auto,) = torch.autograd.grad(y, x)
u = u.detach()
J_u = torch.diag(1 - u**2) @ W                            # (m, n), the full Jacobian
with_jacobian = J_u.T @ (2 * u)                           # (n,)
vjp = W.T @ ((1 - u**2) * 2 * u)                          # (n,), no Jacobian built
torch.testing.assert_close(with_jacobian, auto)
torch.testing.assert_close(vjp, auto)
torch.testing.assert_close(J_u, torch.autograd.functional.jacobian(lambda v: torch.tanh(W @ v),
                                                                    x.detach()))
print("chain rule by hand (Jacobian, and vector-Jacobian product) == autograd")

# %% [markdown]
# Finally a numerical check of the whole thing with `gradcheck` (central differences, one
# per input element), and the same chain rule one scalar node at a time with the
# micrograd-style `Value` engine: each node multiplies the gradient arriving from above by
# its own local derivative.
#
# 最后用 `gradcheck` 对整个函数做一次数值检验（每个输入元素一次中心差分），再用 micrograd 风格的
# `Value` 引擎按标量节点逐个走一遍链式法则：每个节点把从上游传来的梯度乘以自己的局部导数。

# %%
assert gradcheck(lambda v: (torch.tanh(W @ v) ** 2).sum(), x.detach().clone())
x_val = Value(0.7)
y_val = (x_val * 2.0).tanh() ** 2                         # y = tanh(2x)^2
y_val.backward()
t = np.tanh(1.4)
by_hand = 2 * t * (1 - t**2) * 2                          # dy/dt * dt/d(2x) * d(2x)/dx
print(f"Value engine: dy/dx = {x_val.grad:.6f}, by hand {by_hand:.6f}")
assert abs(x_val.grad - by_hand) < 1e-12
