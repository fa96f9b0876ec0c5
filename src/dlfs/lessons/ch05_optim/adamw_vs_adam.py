# %% [markdown]
# # L2 penalty vs weight decay, Adam vs AdamW — L2 正则与权重衰减：Adam 与 AdamW
#
# **Library files:** `src/dlfs/optim/sgd.py` (weight decay folded into the gradient),
# `src/dlfs/optim/adam.py` (Adam's L2 term vs AdamW's decoupled decay, one flag apart);
# parity in `tests/optim/test_optimizers.py`.
#
# Two ways to pull weights toward zero:
#
# - **L2 penalty**: add `lambda/2 * ||p||^2` to the loss, i.e. add `lambda * p` to the gradient.
# - **Weight decay**: shrink the weights directly, `p <- p * (1 - lr * lambda)`, next to the
#   gradient step.
#
# For plain SGD they are the same thing. For adaptive optimizers they are not: Adam divides
# the whole gradient — L2 term included — by `sqrt(v)`, the running size of that coordinate's
# gradient. `torch.optim.Adam(weight_decay=...)` is the L2 version; `AdamW` decouples the
# decay (Loshchilov & Hutter, 2019, *Decoupled Weight Decay Regularization*). With $g$ the
# gradient of the loss and $m, v, \hat{m}, \hat{v}$ Adam's moments (Day 10):
#
# $$
# \begin{aligned}
# \text{Adam + L2:} \quad & g \leftarrow g + \lambda\, p, \qquad
# p \leftarrow p - \mathrm{lr}\, \frac{\hat{m}}{\sqrt{\hat{v}} + \epsilon} \\
# \text{AdamW:} \quad & p \leftarrow p\, (1 - \mathrm{lr}\, \lambda), \qquad
# p \leftarrow p - \mathrm{lr}\, \frac{\hat{m}}{\sqrt{\hat{v}} + \epsilon}
# \end{aligned}
# $$
#
# In Adam + L2 the term $\lambda p$ enters $m$ and $v$; in AdamW the moments see only $g$.

# %% [markdown] lang="zh"
# # L2 正则与权重衰减：Adam 与 AdamW
#
# **库文件：** `src/dlfs/optim/sgd.py`（权重衰减并入梯度）、`src/dlfs/optim/adam.py`（Adam 的
# L2 项与 AdamW 的解耦衰减，只差一个开关）；一致性测试见 `tests/optim/test_optimizers.py`。
#
# 把权重拉向零有两种办法：
#
# - **L2 惩罚**：在损失上加 `lambda/2 * ||p||^2`，也就是在梯度上加 `lambda * p`。
# - **权重衰减**：在梯度步之外直接缩小权重，`p <- p * (1 - lr * lambda)`。
#
# 对普通 SGD 来说两者是一回事。对自适应优化器则不然：Adam 会把整个梯度——包括 L2 项——除以
# `sqrt(v)`，即该坐标梯度的滑动大小。`torch.optim.Adam(weight_decay=...)` 是 L2 版本；`AdamW`
# 把衰减解耦出来（Loshchilov & Hutter, 2019, *Decoupled Weight Decay Regularization*）。记 $g$
# 为损失的梯度，$m, v, \hat{m}, \hat{v}$ 为 Adam 的矩估计（第 10 天）：
#
# $$
# \begin{aligned}
# \text{Adam + L2:} \quad & g \leftarrow g + \lambda\, p, \qquad
# p \leftarrow p - \mathrm{lr}\, \frac{\hat{m}}{\sqrt{\hat{v}} + \epsilon} \\
# \text{AdamW:} \quad & p \leftarrow p\, (1 - \mathrm{lr}\, \lambda), \qquad
# p \leftarrow p - \mathrm{lr}\, \frac{\hat{m}}{\sqrt{\hat{v}} + \epsilon}
# \end{aligned}
# $$
#
# 在 Adam + L2 中，$\lambda p$ 这一项会进入 $m$ 和 $v$；在 AdamW 中，矩估计只看到 $g$。

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.optim import lr_scheduler

ctx = lesson_context("adamw-vs-adam")
D = torch.float64
lr, lam = 0.01, 0.1

# %% [markdown]
# ## 1. With SGD, L2 penalty = weight decay
# Three runs on the same regression: the penalty written into the loss, `weight_decay=`, and
# the multiplicative form `p <- (1 - lr lambda) p - lr g`. All three are the same trajectory:
#
# $$
# p - \mathrm{lr}\, \nabla\Bigl(L + \frac{\lambda}{2} \|p\|^2\Bigr)
# = p - \mathrm{lr}\, (g + \lambda p)
# = (1 - \mathrm{lr}\, \lambda)\, p - \mathrm{lr}\, g
# $$

# %% [markdown] lang="zh"
# ## 1. 对 SGD 而言，L2 惩罚 = 权重衰减
# 在同一个回归问题上跑三次：把惩罚写进损失、使用 `weight_decay=`、以及乘法形式
# `p <- (1 - lr lambda) p - lr g`。三者走出的是同一条轨迹：
#
# $$
# p - \mathrm{lr}\, \nabla\Bigl(L + \frac{\lambda}{2} \|p\|^2\Bigr)
# = p - \mathrm{lr}\, (g + \lambda p)
# = (1 - \mathrm{lr}\, \lambda)\, p - \mathrm{lr}\, g
# $$

# %%
torch.manual_seed(0)
X, y = torch.randn(32, 5, dtype=D), torch.randn(32, dtype=D)


def sgd_run(mode: str, steps: int = 50) -> torch.Tensor:
    w = nn.Parameter(torch.ones(5, dtype=D))
    opt = optim.SGD([w], lr=lr, weight_decay=lam if mode == "weight_decay" else 0.0)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((X @ w - y) ** 2).mean()
        if mode == "penalty":
            loss = loss + lam / 2 * (w**2).sum()
        loss.backward()
        if mode == "multiplicative":
            with torch.no_grad():
                w.mul_(1 - lr * lam)
        opt.step()
    return w.detach()


a, b, c = sgd_run("penalty"), sgd_run("weight_decay"), sgd_run("multiplicative")
assert torch.allclose(a, b, atol=1e-13) and torch.allclose(b, c, atol=1e-13)
print("SGD: loss + lambda/2 ||w||^2  ==  SGD(weight_decay=lambda)  ==  w *= 1 - lr*lambda")

# %% [markdown]
# ## 2. Adam's L2 term is rescaled per coordinate
# Take two weights, both starting at 1, whose data gradients alternate in sign (no net pull)
# but differ in size: `±10` for the first, `±0.01` for the second.
#
# - **Adam + L2**: the `lambda p = 0.1` term is divided by `sqrt(v)`. Next to a gradient of
#   size 10 it is tiny, so weight 1 hardly decays; next to 0.01 it dominates and the
#   normalized step is ~`lr` at first, so weight 2 is driven toward 0 (slowing down once
#   `lambda p` shrinks to the size of the ±0.01 noise): below 0.01 within ~200 steps.
#   Roughly, $\sqrt{\hat{v}} \approx \sigma$ = `sigma`, so the decay's share of the step is
#   $\lambda p / \sigma$: $0.1 / 10 = 0.01$ for weight 1, $0.1 / 0.01 = 10$ for weight 2.
# - **AdamW**: both weights shrink by the same `(1 - lr lambda)` per step, whatever their
#   gradients: after $t$ steps by $(1 - \mathrm{lr}\, \lambda)^t$.

# %% [markdown] lang="zh"
# ## 2. Adam 的 L2 项会被逐坐标重新缩放
# 取两个都从 1 开始的权重，它们的数据梯度正负交替（没有净拉力），但大小不同：第一个是
# `±10`，第二个是 `±0.01`。
#
# - **Adam + L2**：`lambda p = 0.1` 这一项会被除以 `sqrt(v)`。在大小为 10 的梯度旁边它微不足道，
#   所以权重 1 几乎不衰减；在 0.01 旁边它占了主导，归一化后的步长一开始约为 `lr`，于是权重 2
#   被推向 0（等 `lambda p` 缩小到 ±0.01 噪声的量级时会放慢）：约 200 步内降到 0.01 以下。
#   粗略地说，$\sqrt{\hat{v}} \approx \sigma$ = `sigma`，所以衰减在步长中所占的分量是
#   $\lambda p / \sigma$：权重 1 为 $0.1 / 10 = 0.01$，权重 2 为 $0.1 / 0.01 = 10$。
# - **AdamW**：不管梯度如何，两个权重每一步都按同样的 `(1 - lr lambda)` 缩小：$t$ 步之后缩小为
#   原来的 $(1 - \mathrm{lr}\, \lambda)^t$。

# %%
steps = 500
sigma = torch.tensor([10.0, 0.01], dtype=D)


def alternating(opt_cls, **kw) -> torch.Tensor:
    p = nn.Parameter(torch.ones(2, dtype=D))
    opt = opt_cls([p], lr=lr, **kw)
    path = [p.detach().clone()]
    for t in range(steps):
        p.grad = sigma * (-1) ** t                         # (2,) zero-mean gradients
        opt.step()
        path.append(p.detach().clone())
    return torch.stack(path)                               # (steps + 1, 2)


adam_l2 = alternating(optim.Adam, weight_decay=lam)
adamw = alternating(optim.AdamW, weight_decay=lam)
no_decay = alternating(optim.Adam)
print(f"after {steps} steps      noisy weight   quiet weight")
for name, path in (("no decay", no_decay), ("Adam + L2", adam_l2), ("AdamW", adamw)):
    print(f"  {name:12s}        {path[-1, 0].item():.4f}         {path[-1, 1].item():.4f}")
assert adam_l2[-1, 0] > 0.9 and adam_l2[-1, 1].abs() < 1e-3      # uneven decay
assert torch.allclose(no_decay[-1, 0], no_decay[-1, 1], rtol=1e-6)  # Adam ignores the scale
below = int((adam_l2[:, 1].abs() < 0.01).nonzero()[0])
print(f"Adam + L2: the quiet weight is below 0.01 from step {below}; after 50 steps it is "
      f"{adam_l2[50, 1].item():.3f} (~lr per step: 1 - 50 lr = {1 - 50 * lr:.2f})")
assert 100 < below <= 250 and abs(adam_l2[50, 1].item() - (1 - 50 * lr)) < 0.1
assert torch.allclose(adamw[-1, 0], adamw[-1, 1], rtol=1e-3)     # even decay
expected = no_decay[-1, 0] * (1 - lr * lam) ** steps
assert abs(adamw[-1, 0].item() - expected.item()) < 0.02
print(f"AdamW: both ~ no-decay value x (1 - lr lambda)^{steps} = {expected.item():.4f}")

fig, ax = plt.subplots(figsize=(6.5, 3.5))
ax.plot(adam_l2[:, 0], label="Adam + L2: gradient ±10")
ax.plot(adam_l2[:, 1], label="Adam + L2: gradient ±0.01")
ax.plot(adamw[:, 0], "--", label="AdamW: both weights (the curves coincide)")
ax.set_xlabel("step")
ax.set_ylabel("weight")
ax.set_title(f"decay of two weights, lr={lr}, lambda={lam}")
ax.legend(fontsize=7)
ctx.savefig(fig, "decay_per_coordinate.png")

# %% [markdown]
# ## 3. Adam + L2: the decay's strength is normalized away
# A weight that the loss does not touch gets only the L2 gradient `lambda p`. Adam's update
# does not change when a coordinate's gradients are all multiplied by a constant (`m` and
# `sqrt(v)` both scale), so `lambda = 0.001` and `lambda = 1` give *the same* trajectory
# (up to Adam's `eps`): the weight walks toward 0 by nearly `lr` per step. AdamW decays it
# exponentially, at a rate set by `lambda`. Multiplying every gradient of a coordinate by
# $c > 0$ multiplies $\hat{m}$ by $c$ and $\hat{v}$ by $c^2$, so the step is the same (left);
# with no loss gradient at all, AdamW only shrinks the weight (right):
#
# $$
# \frac{c\, \hat{m}}{\sqrt{c^2\, \hat{v}}} = \frac{\hat{m}}{\sqrt{\hat{v}}},
# \qquad
# p_t = (1 - \mathrm{lr}\, \lambda)^t\, p_0
# $$

# %% [markdown] lang="zh"
# ## 3. Adam + L2：衰减的强度被归一化抵消了
# 损失不涉及的权重只会得到 L2 梯度 `lambda p`。某个坐标的梯度全部乘以同一个常数时，Adam 的更新
# 不变（`m` 和 `sqrt(v)` 同比例缩放），所以 `lambda = 0.001` 和 `lambda = 1` 给出*同一条*轨迹
# （只差 Adam 的 `eps` 带来的影响）：权重每一步朝 0 走近大约 `lr`。AdamW 则让它指数衰减，衰减
# 速度由 `lambda` 决定。把某个坐标的所有梯度都乘以 $c > 0$，$\hat{m}$ 变为 $c$ 倍，$\hat{v}$ 变为
# $c^2$ 倍，所以步长不变（左式）；完全没有损失梯度时，AdamW 只是让权重收缩（右式）：
#
# $$
# \frac{c\, \hat{m}}{\sqrt{c^2\, \hat{v}}} = \frac{\hat{m}}{\sqrt{\hat{v}}},
# \qquad
# p_t = (1 - \mathrm{lr}\, \lambda)^t\, p_0
# $$

# %%
def untouched(opt_cls, weight_decay: float, n: int = 50) -> torch.Tensor:
    p = nn.Parameter(torch.ones(1, dtype=D))
    opt = opt_cls([p], lr=lr, weight_decay=weight_decay)
    for _ in range(n):
        p.grad = torch.zeros(1, dtype=D)                   # the loss ignores this weight
        opt.step()
    return p.detach()


weak, strong = untouched(optim.Adam, 1e-3), untouched(optim.Adam, 1.0)
print(f"Adam + L2, 50 steps: lambda=0.001 -> {weak.item():.6f}, lambda=1 -> {strong.item():.6f}")
assert torch.allclose(weak, strong, rtol=1e-4)           # equal up to Adam's eps = 1e-8
assert 0.8 * 50 * lr < 1 - weak.item() < 50 * lr         # close to lr per step
weak_w, strong_w = untouched(optim.AdamW, 1e-3), untouched(optim.AdamW, 1.0)
print(f"AdamW,     50 steps: lambda=0.001 -> {weak_w.item():.6f}, lambda=1 -> "
      f"{strong_w.item():.6f} (= (1 - lr lambda)^50)")
assert abs(strong_w.item() - (1 - lr) ** 50) < 1e-12
assert abs(weak_w.item() - (1 - lr * 1e-3) ** 50) < 1e-12

# %% [markdown]
# ## 4. Where each one converges
# If it converges, Adam + L2 ends where the gradient of `loss + lambda/2 ||w||^2` is zero: the
# ridge-regression solution (with the mean-squared loss of the code,
# $L = \frac{1}{n} \|X w - y\|^2$)
#
# $$
# \frac{2}{n} X^\top (X w - y) + \lambda w = 0
# \quad\Longleftrightarrow\quad
# w^* = \Bigl(\frac{2}{n} X^\top X + \lambda I\Bigr)^{-1} \frac{2}{n} X^\top y
# $$
#
# AdamW minimizes no such fixed objective; its end point depends on the adaptive scaling. (A
# cosine schedule lets both settle.)

# %% [markdown] lang="zh"
# ## 4. 两者各自收敛到哪里
# 如果收敛，Adam + L2 会停在 `loss + lambda/2 ||w||^2` 梯度为零的地方：也就是岭回归的解（代码中
# 用的是均方误差损失 $L = \frac{1}{n} \|X w - y\|^2$）
#
# $$
# \frac{2}{n} X^\top (X w - y) + \lambda w = 0
# \quad\Longleftrightarrow\quad
# w^* = \Bigl(\frac{2}{n} X^\top X + \lambda I\Bigr)^{-1} \frac{2}{n} X^\top y
# $$
#
# AdamW 并不最小化任何这样固定的目标函数；它的终点取决于自适应缩放。（余弦调度让两者都能
# 稳定下来。）

# %%
torch.manual_seed(1)
n, d = 64, 8
Xr = torch.randn(n, d, dtype=D) * torch.logspace(-1, 0.5, d, dtype=D)   # (n, d), mixed scales
yr = Xr @ torch.randn(d, dtype=D) + 0.1 * torch.randn(n, dtype=D)
lam_r = 0.05
ridge = torch.linalg.solve(2 / n * Xr.T @ Xr + lam_r * torch.eye(d, dtype=D), 2 / n * Xr.T @ yr)
T = 300 if ctx.quick else 1000


def fit(opt_cls) -> torch.Tensor:
    w = nn.Parameter(torch.zeros(d, dtype=D))
    opt = opt_cls([w], lr=0.05, weight_decay=lam_r)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=T)
    for _ in range(T):
        opt.zero_grad()
        ((Xr @ w - yr) ** 2).mean().backward()
        opt.step()
        sched.step()
    return w.detach()


gap_l2 = (fit(optim.Adam) - ridge).abs().max().item()
gap_w = (fit(optim.AdamW) - ridge).abs().max().item()
print(f"max |w - ridge|: Adam + L2 {gap_l2:.1e}, AdamW {gap_w:.2f}")
assert gap_l2 < 1e-3 and gap_w > 0.1

# %% [markdown]
# ## 5. In practice
# - `AdamW` (decoupled) is the default for Transformers; its `weight_decay` is a per-step
#   shrink factor `lr * lambda`, so changing `lr` changes the effective decay too.
# - Exclude biases and normalization weights from decay with parameter groups (Day 10).
# - `Adam(weight_decay=...)` is not AdamW; since torch 2.x,
#   `Adam(..., decoupled_weight_decay=True)` is (ours has the same flag, and the test suite
#   checks both against torch).

# %% [markdown] lang="zh"
# ## 5. 实践要点
# - `AdamW`（解耦式）是 Transformer 的默认选择；它的 `weight_decay` 对应每一步的收缩因子
#   `lr * lambda`，所以改变 `lr` 也会改变实际的衰减强度。
# - 用参数组把偏置和归一化层的权重排除在衰减之外（第 10 天）。
# - `Adam(weight_decay=...)` 不是 AdamW；从 torch 2.x 起，`Adam(..., decoupled_weight_decay=True)`
#   才是（我们的实现也有同样的开关，测试套件会把两者都与 torch 对照检查）。

# %%
p1, p2 = nn.Parameter(torch.ones(3, dtype=D)), nn.Parameter(torch.ones(3, dtype=D))
o1 = optim.AdamW([p1], lr=lr, weight_decay=lam)
o2 = optim.Adam([p2], lr=lr, weight_decay=lam, decoupled_weight_decay=True)
for t in range(20):
    p1.grad = torch.full((3,), float(t % 3 - 1), dtype=D)
    p2.grad = p1.grad.clone()
    o1.step()
    o2.step()
assert torch.equal(p1, p2)
print("AdamW == Adam(decoupled_weight_decay=True): identical after 20 steps")
