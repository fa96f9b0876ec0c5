# %% [markdown]
# # Liu Er lecture 4: back propagation on a computational graph — 刘二大人第 4 讲：反向传播
#
# **Library files:** `src/dlfs/autograd/scalar.py` (`Value`: a scalar engine that records
# this very graph and runs this very backward pass); torch's autograd does the same for
# tensors. Here the graph is walked by hand and then compared with autograd.
#
# A computational graph breaks a formula into small nodes. The forward pass computes each
# node's value from its inputs; the backward pass starts from ∂loss/∂loss = 1 and, node by
# node in reverse, multiplies by the node's local derivative (the chain rule) and adds up
# the contributions that reach each parameter.
#
# For $\hat{y} = w \cdot x$ and $\text{loss} = (\hat{y} - y)^2$, the forward pass
#
# $$
# \hat{y} = w \cdot x, \qquad r = \hat{y} - y, \qquad \text{loss} = r^2
# $$
#
# and the backward pass
#
# $$
# \frac{\partial\,\text{loss}}{\partial r} = 2r, \qquad
# \frac{\partial\,\text{loss}}{\partial \hat{y}} = \frac{\partial\,\text{loss}}{\partial r} \cdot 1,
# \qquad
# \frac{\partial\,\text{loss}}{\partial w} = \frac{\partial\,\text{loss}}{\partial \hat{y}} \cdot x
# $$

# %% [markdown] lang="zh"
# # 刘二大人第 4 讲：反向传播
#
# **库文件：** `src/dlfs/autograd/scalar.py`（`Value`：一个标量引擎，记录的正是这张计算图，
# 执行的正是这次反向传播）；torch 的自动求导对张量做同样的事。这里先手动走一遍计算图，
# 再与自动求导对照。
#
# 计算图把一个公式拆成许多小节点。前向传播根据每个节点的输入算出它的值；反向传播从 ∂loss/∂loss = 1
# 出发，按相反顺序逐个节点乘上该节点的局部导数（链式法则），并把到达每个参数的各路贡献加起来。
#
# 对 $\hat{y} = w \cdot x$ 和 $\text{loss} = (\hat{y} - y)^2$，前向传播为
#
# $$
# \hat{y} = w \cdot x, \qquad r = \hat{y} - y, \qquad \text{loss} = r^2
# $$
#
# 反向传播为
#
# $$
# \frac{\partial\,\text{loss}}{\partial r} = 2r, \qquad
# \frac{\partial\,\text{loss}}{\partial \hat{y}} = \frac{\partial\,\text{loss}}{\partial r} \cdot 1,
# \qquad
# \frac{\partial\,\text{loss}}{\partial w} = \frac{\partial\,\text{loss}}{\partial \hat{y}} \cdot x
# $$

# %%
import matplotlib.pyplot as plt
import torch

from dlfs.autograd.scalar import Value
from dlfs.curriculum import lesson_context

ctx = lesson_context("liuer-backprop")
epochs = 60 if ctx.quick else 200

# %% [markdown]
# ## 1. One sample, every node printed: x = 2, y = 4, w = 1
# By hand: $\hat{y} = 2$, $r = -2$, $\text{loss} = 4$, and
# $\partial\,\text{loss} / \partial w = 2r \cdot x = -8$.

# %% [markdown] lang="zh"
# ## 1. 一个样本，打印每个节点：x = 2, y = 4, w = 1
# 手算：$\hat{y} = 2$，$r = -2$，$\text{loss} = 4$，以及
# $\partial\,\text{loss} / \partial w = 2r \cdot x = -8$。

# %%
x, y, w = 2.0, 4.0, 1.0
y_hat = w * x
r = y_hat - y
loss = r ** 2
print(f"forward:  ŷ = w·x = {y_hat}   r = ŷ − y = {r}   loss = r² = {loss}")
d_r = 2 * r  # ∂loss/∂r
d_y_hat = d_r * 1.0  # ∂r/∂ŷ = 1
d_w = d_y_hat * x  # ∂ŷ/∂w = x
print(f"backward: ∂loss/∂r = {d_r}   ∂loss/∂ŷ = {d_y_hat}   ∂loss/∂w = {d_w}")

w_t = torch.tensor(w, requires_grad=True)
loss_t = (w_t * x - y) ** 2
loss_t.backward()
print(f"autograd: loss = {loss_t.item()}, w.grad = {w_t.grad.item()}")
assert loss_t.item() == loss and w_t.grad.item() == d_w == -8.0

# The scalar engine of this repository builds the same graph and gets the same number.
w_v = Value(w)
loss_v = (w_v * x - y) ** 2
loss_v.backward()
assert loss_v.data == loss and w_v.grad == d_w

# %% [markdown]
# ## 2. Training ŷ = w·x with autograd, as in the lecture
# `loss.backward()` fills `w.grad`; the update is done on the raw numbers (inside
# `torch.no_grad()`, so the update itself is not recorded in a graph), and the gradient is
# zeroed because backward *adds* into `.grad`. One update per sample $i$, learning rate 0.01:
#
# $$
# w \leftarrow w - 0.01 \, \frac{\partial\,(w \cdot x_i - y_i)^2}{\partial w}
# $$

# %% [markdown] lang="zh"
# ## 2. 像课上那样，用自动求导训练 ŷ = w·x
# `loss.backward()` 把梯度填进 `w.grad`；更新直接作用在原始数值上（放在 `torch.no_grad()` 里，
# 这样更新本身不会被记进计算图）；然后要把梯度清零，因为 backward 是往 `.grad` 里*累加*的。每个样本
# $i$ 更新一次，学习率 0.01：
#
# $$
# w \leftarrow w - 0.01 \, \frac{\partial\,(w \cdot x_i - y_i)^2}{\partial w}
# $$

# %%
xs = torch.tensor([1.0, 2.0, 3.0])
ys = torch.tensor([2.0, 4.0, 6.0])
w_t = torch.tensor(1.0, requires_grad=True)
for epoch in range(epochs):
    for x_i, y_i in zip(xs, ys):  # one update per sample (stochastic), lr 0.01
        sample_loss = (w_t * x_i - y_i) ** 2
        sample_loss.backward()
        with torch.no_grad():
            w_t -= 0.01 * w_t.grad
        w_t.grad.zero_()
    if epoch % (epochs // 4) == 0:
        print(f"  epoch {epoch:3d}: w = {w_t.item():.4f}, last sample loss {sample_loss.item():.2e}")
print(f"after {epochs} epochs: w = {w_t.item():.5f}; prediction for x = 4: {4 * w_t.item():.4f}")
assert abs(w_t.item() - 2.0) < 1e-3

# %% [markdown]
# ## 3. Homework: ŷ = w1·x² + w2·x + b
# The graph now has more nodes and three parameters:
#
# $$
# a = x^2, \quad m_1 = w_1 a, \quad m_2 = w_2 x, \quad \hat{y} = m_1 + m_2 + b, \quad
# r = \hat{y} - y, \quad \text{loss} = r^2
# $$
#
# Backward: $g = \partial\,\text{loss} / \partial \hat{y} = 2r$; an addition passes g
# unchanged to each of its inputs, so ∂loss/∂m1 = ∂loss/∂m2 = ∂loss/∂b = g; a product w·v
# sends g·v to w. Hence
#
# $$
# \frac{\partial\,\text{loss}}{\partial w_1} = g \cdot x^2, \qquad
# \frac{\partial\,\text{loss}}{\partial w_2} = g \cdot x, \qquad
# \frac{\partial\,\text{loss}}{\partial b} = g
# $$
#
# The function below does exactly these steps for a batch of points (mean loss, so each
# per-point gradient is divided by N: $g_i = 2 r_i / N$, and each parameter's gradient is the
# sum over the points, e.g. $\partial\,\text{loss} / \partial w_1 = \sum_i g_i a_i$) and
# returns the gradients.

# %% [markdown] lang="zh"
# ## 3. 课后作业：ŷ = w1·x² + w2·x + b
# 现在计算图的节点更多了，参数有三个：
#
# $$
# a = x^2, \quad m_1 = w_1 a, \quad m_2 = w_2 x, \quad \hat{y} = m_1 + m_2 + b, \quad
# r = \hat{y} - y, \quad \text{loss} = r^2
# $$
#
# 反向：$g = \partial\,\text{loss} / \partial \hat{y} = 2r$；加法节点把 g 原样传给它的每个输入，所以
# ∂loss/∂m1 = ∂loss/∂m2 = ∂loss/∂b = g；乘法 w·v 把 g·v 传给 w。于是
#
# $$
# \frac{\partial\,\text{loss}}{\partial w_1} = g \cdot x^2, \qquad
# \frac{\partial\,\text{loss}}{\partial w_2} = g \cdot x, \qquad
# \frac{\partial\,\text{loss}}{\partial b} = g
# $$
#
# 下面的函数对一批点逐步执行这些运算（损失取平均，所以每个点的梯度要除以 N：$g_i = 2 r_i / N$；
# 每个参数的梯度是对所有点求和，例如 $\partial\,\text{loss} / \partial w_1 = \sum_i g_i a_i$），
# 并返回这些梯度。

# %%
def forward_backward(w1: float, w2: float, b: float, x: torch.Tensor,
                     y: torch.Tensor) -> tuple[float, tuple[float, float, float]]:
    """Mean of (w1·x² + w2·x + b − y)² over x, y (N,) and its gradient, node by node."""
    a = x ** 2  # (N,)
    m1, m2 = w1 * a, w2 * x  # (N,)
    y_hat = m1 + m2 + b  # (N,)
    r = y_hat - y  # (N,)
    loss = (r ** 2).mean()
    g = 2 * r / len(x)  # ∂loss/∂ŷᵢ, (N,)
    return loss.item(), ((g * a).sum().item(), (g * x).sum().item(), g.sum().item())


gen = torch.Generator().manual_seed(0)
for trial in range(5):  # random points and parameters: hand == autograd
    xb = torch.randn(7, generator=gen, dtype=torch.float64)
    yb = torch.randn(7, generator=gen, dtype=torch.float64)
    params = torch.randn(3, generator=gen, dtype=torch.float64, requires_grad=True)
    w1, w2, b = params
    auto_loss = ((w1 * xb ** 2 + w2 * xb + b - yb) ** 2).mean()
    auto_loss.backward()
    hand_loss, hand_grad = forward_backward(*params.tolist(), xb, yb)
    assert abs(hand_loss - auto_loss.item()) < 1e-12
    assert torch.allclose(torch.tensor(hand_grad, dtype=torch.float64), params.grad,
                          rtol=0, atol=1e-12), trial
print("hand-written backward == autograd on 5 random batches (float64, |diff| < 1e-12)")

# %% [markdown]
# ## 4. Training the quadratic with the hand-written backward
# Points of y = 0.5·x² − x + 2 (plus a little noise) on [−2, 2]; plain gradient descent with
# lr 0.1 using only `forward_backward`. The least-squares answer, from solving the normal
# equations with `torch.linalg.lstsq`, is where it must arrive. With $\Phi$ the matrix
# `features` (one row $(x_i^2, x_i, 1)$ per point) and $\theta = (w_1, w_2, b)$:
#
# $$
# \Phi^\top \Phi \, \theta = \Phi^\top y
# $$

# %% [markdown] lang="zh"
# ## 4. 用手写的反向传播训练二次模型
# 在 [−2, 2] 上取 y = 0.5·x² − x + 2 的点（再加一点噪声）；只用 `forward_backward` 做学习率 0.1
# 的普通梯度下降。用 `torch.linalg.lstsq` 解正规方程得到的最小二乘解，就是它必须到达的地方。记
# $\Phi$ 为矩阵 `features`（每个点一行 $(x_i^2, x_i, 1)$），$\theta = (w_1, w_2, b)$：
#
# $$
# \Phi^\top \Phi \, \theta = \Phi^\top y
# $$

# %%
xq = torch.linspace(-2, 2, 21, dtype=torch.float64)  # (N,)
yq = 0.5 * xq ** 2 - xq + 2 + 0.05 * torch.randn(21, generator=gen, dtype=torch.float64)
features = torch.stack([xq ** 2, xq, torch.ones_like(xq)], dim=1)  # (N, 3)
exact = torch.linalg.lstsq(features, yq[:, None]).solution.squeeze(1)  # (3,)

theta = [0.0, 0.0, 0.0]
losses = []
steps = 150 if ctx.quick else 400
for _ in range(steps):
    step_loss, grad = forward_backward(*theta, xq, yq)
    losses.append(step_loss)
    theta = [p - 0.1 * g for p, g in zip(theta, grad)]
print(f"after {steps} steps: w1 = {theta[0]:.4f}, w2 = {theta[1]:.4f}, b = {theta[2]:.4f}")
print(f"least squares: {[round(v, 4) for v in exact.tolist()]}; truth [0.5, -1.0, 2.0]")
assert torch.allclose(torch.tensor(theta, dtype=torch.float64), exact, atol=1e-3)
assert losses[-1] < 0.01 and all(b <= a + 1e-12 for a, b in zip(losses, losses[1:]))

# %%
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9, 3.5))
ax0.plot(losses)
ax0.set_yscale("log")
ax0.set_xlabel("step")
ax0.set_ylabel("MSE")
ax0.set_title("gradient descent with the hand-written backward")
ax1.scatter(xq.numpy(), yq.numpy(), s=12, label="data")
ax1.plot(xq.numpy(), (features @ torch.tensor(theta, dtype=torch.float64)).numpy(), "r",
         label="fitted")
ax1.set_xlabel("x")
ax1.set_title("ŷ = w1·x² + w2·x + b")
ax1.legend()
ctx.savefig(fig, "quadratic_fit.png")
