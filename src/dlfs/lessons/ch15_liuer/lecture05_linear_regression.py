# %% [markdown]
# # Liu Er lecture 5: linear regression with PyTorch — 刘二大人第 5 讲：用 PyTorch 实现线性回归
#
# **Library files:** `src/dlfs/nn/linear.py` (`Linear`), `src/dlfs/nn/loss.py` (`MSELoss`),
# `src/dlfs/optim/sgd.py`, `adam.py`, `adagrad.py`, `rmsprop.py` (the optimizers this
# repository re-implements). Parity with `torch.nn` / `torch.optim` is tested in
# `tests/nn/test_nn_linear.py`, `tests/nn/test_losses.py` and `tests/optim/test_optimizers.py`.
#
# Lectures 2–4 wrote the model, the loss, the gradient and the update by hand. The library
# packages each of them, and every training script becomes the same four steps:
#
# 1. **data** — tensors of shape (N, features): the batch is always dimension 0;
# 2. **model** — a `Module` whose `forward` maps x (N, 1) to ŷ (N, 1);
# 3. **loss and optimizer** — `MSELoss`, and an optimizer that owns `model.parameters()`;
# 4. **the loop** — forward, loss, `zero_grad()`, `backward()`, `step()`.

# %% [markdown] lang="zh"
# # 刘二大人第 5 讲：用 PyTorch 实现线性回归
#
# **库文件：** `src/dlfs/nn/linear.py`（`Linear`）、`src/dlfs/nn/loss.py`（`MSELoss`）、
# `src/dlfs/optim/sgd.py`、`adam.py`、`adagrad.py`、`rmsprop.py`（本仓库重新实现的优化器）。与
# `torch.nn` / `torch.optim` 的一致性测试见 `tests/nn/test_nn_linear.py`、`tests/nn/test_losses.py`
# 和 `tests/optim/test_optimizers.py`。
#
# 第 2–4 讲手写了模型、损失、梯度和更新。库把它们各自封装好，于是每个训练脚本都变成同样的四步：
#
# 1. **数据**——形状为 (N, features) 的张量：批量维永远是第 0 维；
# 2. **模型**——一个 `Module`，它的 `forward` 把 x (N, 1) 映射为 ŷ (N, 1)；
# 3. **损失函数和优化器**——`MSELoss`，以及一个掌管 `model.parameters()` 的优化器；
# 4. **循环**——前向传播、算损失、`zero_grad()`、`backward()`、`step()`。

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context

ctx = lesson_context("liuer-linear-regression")
epochs = 300 if ctx.quick else 1000

# %% [markdown]
# ## 1. The four steps
# The lecture sums the squared errors (`MSELoss(reduction="sum")`, written
# `size_average=False` in old PyTorch), so the gradient is 3× that of the mean here.
# With $\hat{y}_i = w x_i + b$ and the SGD step of learning rate 0.01:
#
# $$
# \text{loss} = \sum_{i=1}^{N} (\hat{y}_i - y_i)^2, \qquad
# w \leftarrow w - 0.01 \, \frac{\partial\,\text{loss}}{\partial w}, \qquad
# b \leftarrow b - 0.01 \, \frac{\partial\,\text{loss}}{\partial b}
# $$

# %% [markdown] lang="zh"
# ## 1. 四个步骤
# 课上把平方误差求和（`MSELoss(reduction="sum")`，旧版 PyTorch 写作 `size_average=False`），
# 所以这里的梯度是取平均时的 3 倍。记 $\hat{y}_i = w x_i + b$，SGD 的学习率为 0.01：
#
# $$
# \text{loss} = \sum_{i=1}^{N} (\hat{y}_i - y_i)^2, \qquad
# w \leftarrow w - 0.01 \, \frac{\partial\,\text{loss}}{\partial w}, \qquad
# b \leftarrow b - 0.01 \, \frac{\partial\,\text{loss}}{\partial b}
# $$

# %%
x_data = torch.tensor([[1.0], [2.0], [3.0]])  # (N, 1)                         step 1: data
y_data = torch.tensor([[2.0], [4.0], [6.0]])  # (N, 1)


class LinearModel(nn.Module):  # step 2: the model
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 1)  # ŷ = x·wᵀ + b with w (1, 1), b (1,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)  # (N, 1) -> (N, 1)


torch.manual_seed(0)
model = LinearModel()
criterion = nn.MSELoss(reduction="sum")  # step 3: loss and optimizer
optimizer = optim.SGD(model.parameters(), lr=0.01)
start_state = {k: v.clone() for k, v in model.state_dict().items()}

losses = []
for epoch in range(1000):  # step 4: the loop (1000 cheap steps, quick or not)
    y_pred = model(x_data)  # (N, 1)
    loss = criterion(y_pred, y_data)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if epoch in (0, 10, 100, 999):
        print(f"  epoch {epoch:4d}: loss {loss.item():.6f}")
w, b = model.linear.weight.item(), model.linear.bias.item()
y_test = model(torch.tensor([[4.0]])).item()
print(f"w = {w:.4f}, b = {b:.4f}; prediction for x = 4: {y_test:.4f}")
assert abs(w - 2) < 0.02 and abs(b) < 0.05 and abs(y_test - 8) < 0.02

# %% [markdown]
# The same four steps with `torch.nn.Linear`, `torch.nn.MSELoss` and `torch.optim.SGD`,
# from the same starting weights, retrace the same losses: the `dlfs` pieces are drop-in.

# %% [markdown] lang="zh"
# 用 `torch.nn.Linear`、`torch.nn.MSELoss` 和 `torch.optim.SGD` 走同样的四步，从相同的初始权重出发，
# 得到的损失一模一样：`dlfs` 的组件可以直接替换。

# %%
ref = torch.nn.Linear(1, 1)
ref.load_state_dict({k.removeprefix("linear."): v for k, v in start_state.items()})
ref_opt = torch.optim.SGD(ref.parameters(), lr=0.01)
ref_losses = []
for _ in range(200):  # the first 200 steps are enough to see the two agree
    ref_loss = torch.nn.MSELoss(reduction="sum")(ref(x_data), y_data)
    ref_opt.zero_grad()
    ref_loss.backward()
    ref_opt.step()
    ref_losses.append(ref_loss.item())
assert torch.allclose(torch.tensor(losses[:200]), torch.tensor(ref_losses), rtol=1e-4, atol=1e-6)
print("torch.nn + torch.optim from the same start: the same losses, step for step")

# %% [markdown]
# ## 2. Homework: eight optimizers on the same problem
# Adagrad, Adam, RMSprop and SGD come from `dlfs.optim`; Adamax, ASGD, LBFGS and Rprop are
# not re-implemented in this repository, so they come from `torch.optim` (the two share the
# `Optimizer` interface, so the loop does not care). LBFGS needs a *closure* that recomputes
# the loss, because one `step` evaluates the loss several times (up to 20 here); the closure
# works for every other optimizer too. All start from the same weights.
#
# First the homework as usually set: the same lr = 0.01 for everyone (LBFGS keeps its own
# default lr = 1, which scales a quasi-Newton step rather than a gradient).

# %% [markdown] lang="zh"
# ## 2. 课后作业：八个优化器解同一个问题
# Adagrad、Adam、RMSprop 和 SGD 来自 `dlfs.optim`；Adamax、ASGD、LBFGS 和 Rprop 本仓库没有重新实现，
# 所以取自 `torch.optim`（两者共用 `Optimizer` 接口，循环并不在乎）。LBFGS 需要一个重新计算损失的*闭
# 包*（closure），因为一次 `step` 要多次求损失（这里最多 20 次）；这个闭包对其他优化器同样适用。
# 所有优化器都从相同的权重出发。
#
# 先按通常的布置来做：所有优化器都用同样的 lr = 0.01（LBFGS 保留它自己的默认 lr = 1，
# 它缩放的是拟牛顿步，而不是梯度）。

# %%
OPTIMIZERS = {
    "Adagrad": optim.Adagrad, "Adam": optim.Adam, "Adamax": torch.optim.Adamax,
    "ASGD": torch.optim.ASGD, "LBFGS": torch.optim.LBFGS, "RMSprop": optim.RMSprop,
    "Rprop": torch.optim.Rprop, "SGD": optim.SGD,
}


def train(name: str, lr: float, steps: int) -> list[float]:
    """Fit LinearModel from ``start_state`` with one optimizer; return the loss curve."""
    net = LinearModel()
    net.load_state_dict(start_state)
    opt = OPTIMIZERS[name](net.parameters(), lr=lr)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        closure_loss = criterion(net(x_data), y_data)
        closure_loss.backward()
        return closure_loss

    history = [opt.step(closure).item() for _ in range(steps)]  # loss before each step
    with torch.no_grad():
        history.append(criterion(net(x_data), y_data).item())  # and after the last
    return history


curves = {name: train(name, 1.0 if name == "LBFGS" else 0.01, epochs) for name in OPTIMIZERS}
for name, curve in sorted(curves.items(), key=lambda item: item[1][-1]):
    print(f"  {name:8s} lr {1.0 if name == 'LBFGS' else 0.01:<5} final loss {curve[-1]:.2e}")
converged = ("LBFGS", "Rprop", "SGD", "ASGD")
assert all(curves[name][-1] < 0.05 for name in converged), "these should reach the minimum"
assert max(curves, key=lambda name: curves[name][-1]) == "Adagrad"

# %% [markdown]
# SGD and ASGD (which, before its averaging starts, takes plain SGD steps) move w by
# lr × gradient, and the gradient here is large. Rprop uses only the gradient's *sign* and
# grows its own step size while the sign stays the same; LBFGS builds a curvature model and
# needs a handful of steps. Adam, Adamax and RMSprop divide the gradient by its running
# size, so each step moves a weight by about lr = 0.01: with w starting near 0 and needing
# to reach 2 they are still on their way. Adagrad divides by the root of the *sum* of all
# past squared gradients, so its steps keep shrinking — the slowest of all.
#
# The four rules of `dlfs.optim`, for a parameter $p$ with gradient $g$ at step $t$ (RMSprop's
# decay $\rho = 0.99$, Adam's $\beta_1 = 0.9$, $\beta_2 = 0.999$, a small $\epsilon$):
#
# $$
# \begin{aligned}
# \text{SGD:}\quad & p \leftarrow p - \text{lr}\, g \\
# \text{Adagrad:}\quad & s \leftarrow s + g^2, \qquad
#   p \leftarrow p - \text{lr}\, \frac{g}{\sqrt{s} + \epsilon} \\
# \text{RMSprop:}\quad & v \leftarrow \rho\, v + (1 - \rho)\, g^2, \qquad
#   p \leftarrow p - \text{lr}\, \frac{g}{\sqrt{v} + \epsilon} \\
# \text{Adam:}\quad & m \leftarrow \beta_1 m + (1 - \beta_1)\, g, \qquad
#   v \leftarrow \beta_2 v + (1 - \beta_2)\, g^2, \\
# & p \leftarrow p - \frac{\text{lr}}{1 - \beta_1^t} \cdot
# \frac{m}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon}
# \end{aligned}
# $$
#
# So the adaptive methods want a larger lr. With lr chosen for them they get close too.
# (Close, not exact: near the minimum RMSprop's normalized step stays about lr in size, so
# with a fixed lr it keeps hovering around the minimum instead of settling on it.)

# %% [markdown] lang="zh"
# SGD 和 ASGD（在开始取平均之前，它走的就是普通 SGD 步）每步把 w 移动 lr × 梯度，
# 而这里的梯度很大。Rprop 只用梯度的*符号*，只要符号不变就放大自己的步长；LBFGS 构建一个曲率模型，
# 走几步就够。Adam、Adamax 和 RMSprop 把梯度除以它的滑动幅度，所以每一步大约把权重移动 lr = 0.01：w
# 从 0 附近出发、需要到达 2，它们还在半路上。Adagrad 除以过去所有梯度平方之*和*的平方根，
# 所以步长越来越小——是最慢的一个。
#
# `dlfs.optim` 中的四条更新规则，对参数 $p$、它在第 $t$ 步的梯度 $g$（RMSprop 的衰减
# $\rho = 0.99$，Adam 的 $\beta_1 = 0.9$、$\beta_2 = 0.999$，$\epsilon$ 是一个小数）：
#
# $$
# \begin{aligned}
# \text{SGD:}\quad & p \leftarrow p - \text{lr}\, g \\
# \text{Adagrad:}\quad & s \leftarrow s + g^2, \qquad
#   p \leftarrow p - \text{lr}\, \frac{g}{\sqrt{s} + \epsilon} \\
# \text{RMSprop:}\quad & v \leftarrow \rho\, v + (1 - \rho)\, g^2, \qquad
#   p \leftarrow p - \text{lr}\, \frac{g}{\sqrt{v} + \epsilon} \\
# \text{Adam:}\quad & m \leftarrow \beta_1 m + (1 - \beta_1)\, g, \qquad
#   v \leftarrow \beta_2 v + (1 - \beta_2)\, g^2, \\
# & p \leftarrow p - \frac{\text{lr}}{1 - \beta_1^t} \cdot
# \frac{m}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon}
# \end{aligned}
# $$
#
# 所以自适应方法需要更大的 lr。给它们选合适的 lr 后，它们也能接近最优。（是接近而非精确：
# 在最小值附近，RMSprop 归一化后的步长仍约为 lr，所以在固定 lr 下它会一直在最小值周围徘徊，
# 而停不下来。）

# %%
tuned = {"Adagrad": 1.0, "Adam": 0.1, "Adamax": 0.3, "RMSprop": 0.1}
for name, lr in tuned.items():
    curves[f"{name} (lr {lr})"] = train(name, lr, epochs)
    print(f"  {name:8s} lr {lr:<5} final loss {curves[f'{name} (lr {lr})'][-1]:.2e}")
    assert curves[f"{name} (lr {lr})"][-1] < 0.1, name

# %%
fig, ax = plt.subplots(figsize=(7.5, 4.5))
colors = plt.get_cmap("tab20").colors
for k, (name, curve) in enumerate(curves.items()):
    floored = [max(v, 1e-10) for v in curve]  # float32 round-off below this; 0 has no log
    ax.plot(range(len(curve)), floored, label=name, color=colors[k % len(colors)],
            linestyle="--" if "(lr" in name else "-", linewidth=1.5)
ax.set_yscale("log")
ax.set_ylim(1e-10, None)
ax.set_xlabel("step")
ax.set_ylabel("summed squared error")
ax.set_title("eight optimizers on ŷ = w·x + b (solid: lr 0.01, LBFGS lr 1)")
ax.legend(fontsize=7, ncol=2)
ctx.savefig(fig, "optimizers.png")
