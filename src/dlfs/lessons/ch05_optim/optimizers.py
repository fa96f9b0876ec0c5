# %% [markdown]
# # Day 10 · Optimizers and gradient management — Optimizer 与梯度管理
#
# **Library files:** `src/dlfs/optim/optimizer.py` (the base class: torch's bookkeeping, our
# `update`), `src/dlfs/optim/sgd.py`, `adam.py`, `rmsprop.py`, `adagrad.py`,
# `src/dlfs/optim/lr_scheduler.py` (+ `onecycle.py`, `plateau.py`); proofs in
# `tests/optim/test_optimizers.py` and `tests/optim/test_lr_scheduler.py`.
#
# An optimizer turns `p.grad` into a change of `p`; everything else in the training step is
# gradient *management*: clearing `.grad` (`zero_grad`), bounding it (`clip_grad_norm_`),
# giving groups of parameters their own hyper-parameters, and changing the learning rate
# over time (schedulers). The loop every later lesson uses:
#
# ```python
# opt.zero_grad()                 # 1. forget the previous batch's gradients
# loss = loss_fn(model(x), y)
# loss.backward()                 # 2. p.grad += d loss / d p
# clip_grad_norm_(params, 1.0)    # 3. optional: bound the step
# opt.step()                      # 4. p <- update(p, p.grad, state)
# sched.step()                    # 5. next learning rate
# ```

# %% [markdown] lang="zh"
# # 第 10 天 · 优化器与梯度管理
#
# **库文件：** `src/dlfs/optim/optimizer.py`（基类：簿记沿用 torch 的，`update` 是我们自己的）、
# `src/dlfs/optim/sgd.py`、`adam.py`、`rmsprop.py`、`adagrad.py`、
# `src/dlfs/optim/lr_scheduler.py`（以及 `onecycle.py`、`plateau.py`）；证明见
# `tests/optim/test_optimizers.py` 和 `tests/optim/test_lr_scheduler.py`。
#
# 优化器把 `p.grad` 变成 `p` 的一次改变；训练步里的其余部分都属于梯度*管理*：清空 `.grad`
# （`zero_grad`）、限制它的大小（`clip_grad_norm_`）、给不同的参数组各自的超参数，以及随时间
# 调整学习率（调度器）。后面每一课都用这个循环：
#
# ```python
# opt.zero_grad()                 # 1. 忘掉上一个批次的梯度
# loss = loss_fn(model(x), y)
# loss.backward()                 # 2. p.grad += d loss / d p
# clip_grad_norm_(params, 1.0)    # 3. 可选：限制步长
# opt.step()                      # 4. p <- update(p, p.grad, state)
# sched.step()                    # 5. 下一个学习率
# ```

# %%
import copy

import matplotlib.pyplot as plt
import torch
from torch import nn

import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.optim import lr_scheduler

ctx = lesson_context("optimizers-and-grads")
D = torch.float64

# %% [markdown]
# ## 1. One step by hand equals `dlfs.optim` equals `torch.optim`
# SGD with momentum `mu`: `b <- mu * b + g`, `p <- p - lr * b`. Adam keeps two running
# moments and divides: `p <- p - lr * m_hat / (sqrt(v_hat) + eps)`. In symbols, with $g$ the
# gradient, $t = 1, 2, \dots$ the step and $\beta_1, \beta_2, \epsilon$ = `b1, b2, eps`:
#
# $$
# \text{SGD + momentum:} \quad b \leftarrow \mu\, b + g, \qquad p \leftarrow p - \mathrm{lr}\, b
# $$
#
# $$
# \begin{aligned}
# m &\leftarrow \beta_1 m + (1 - \beta_1)\, g, &
# v &\leftarrow \beta_2 v + (1 - \beta_2)\, g^2, \\
# \hat{m} &= \frac{m}{1 - \beta_1^{t}}, &
# \hat{v} &= \frac{v}{1 - \beta_2^{t}}, \qquad
# p \leftarrow p - \mathrm{lr}\, \frac{\hat{m}}{\sqrt{\hat{v}} + \epsilon}
# \end{aligned}
# $$
#
# $m$ and $v$ start at 0, so early on they are too small by the factors $1 - \beta_1^t$ and
# $1 - \beta_2^t$; dividing by them (the *bias correction*) removes that. Kingma & Ba, 2015,
# *Adam: A Method for Stochastic Optimization*.

# %% [markdown] lang="zh"
# ## 1. 手算一步 = `dlfs.optim` = `torch.optim`
# 带动量 `mu` 的 SGD：`b <- mu * b + g`，`p <- p - lr * b`。Adam 维护两个滑动矩估计，再做除法：
# `p <- p - lr * m_hat / (sqrt(v_hat) + eps)`。用符号写出来，$g$ 是梯度，$t = 1, 2, \dots$ 是
# 步数，$\beta_1, \beta_2, \epsilon$ = `b1, b2, eps`：
#
# $$
# \text{SGD + momentum:} \quad b \leftarrow \mu\, b + g, \qquad p \leftarrow p - \mathrm{lr}\, b
# $$
#
# $$
# \begin{aligned}
# m &\leftarrow \beta_1 m + (1 - \beta_1)\, g, &
# v &\leftarrow \beta_2 v + (1 - \beta_2)\, g^2, \\
# \hat{m} &= \frac{m}{1 - \beta_1^{t}}, &
# \hat{v} &= \frac{v}{1 - \beta_2^{t}}, \qquad
# p \leftarrow p - \mathrm{lr}\, \frac{\hat{m}}{\sqrt{\hat{v}} + \epsilon}
# \end{aligned}
# $$
#
# $m$ 和 $v$ 从 0 开始，所以最初几步它们分别偏小了 $1 - \beta_1^t$ 和 $1 - \beta_2^t$ 倍；除以这两个
# 因子（即*偏差修正*）就消除了这种偏小。参考文献：Kingma & Ba, 2015, *Adam: A Method for
# Stochastic Optimization*。

# %%
p0 = torch.tensor([1.0, -2.0], dtype=D)
grads = [torch.tensor([0.5, -1.0], dtype=D), torch.tensor([0.25, 2.0], dtype=D)]
lr, mu = 0.1, 0.9

p_hand, b = p0.clone(), torch.zeros(2, dtype=D)
for g in grads:
    b = mu * b + g
    p_hand = p_hand - lr * b


def run(opt_cls, **kw):
    """Apply the two gradients above with an optimizer; return the parameter."""
    p = nn.Parameter(p0.clone())
    opt = opt_cls([p], **kw)
    for g in grads:
        p.grad = g.clone()
        opt.step()
    return p.detach()


ours, ref = run(optim.SGD, lr=lr, momentum=mu), run(torch.optim.SGD, lr=lr, momentum=mu)
print(f"SGD+momentum, 2 steps: by hand {p_hand.tolist()}, dlfs {ours.tolist()}")
assert torch.allclose(p_hand, ours) and torch.equal(ours, ref)

b1, b2, eps, m, v, p_adam = 0.9, 0.999, 1e-8, 0.0, 0.0, p0.clone()
for t, g in enumerate(grads, start=1):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    p_adam = p_adam - lr * (m / (1 - b1**t)) / ((v / (1 - b2**t)).sqrt() + eps)
ours, ref = run(optim.Adam, lr=lr), run(torch.optim.Adam, lr=lr)
print(f"Adam, 2 steps:         by hand {p_adam.tolist()}, dlfs {ours.tolist()}")
assert torch.allclose(p_adam, ours, atol=1e-12) and torch.allclose(ours, ref, atol=1e-14)

# %% [markdown]
# ## 2. `zero_grad`: gradients add up until you clear them
# `backward()` *adds* into `.grad` (that is what makes gradient accumulation possible). Forget
# `zero_grad()` and the second step uses the sum of both batches' gradients.
# `zero_grad()` sets `.grad` to `None` (the default, `set_to_none=True`), which saves memory
# and makes "no gradient yet" distinguishable from "gradient zero".

# %% [markdown] lang="zh"
# ## 2. `zero_grad`：不清空，梯度就一直累加
# `backward()` 是把梯度*加*进 `.grad`（梯度累积正是靠这一点实现的）。忘了 `zero_grad()`，第二步
# 用的就是两个批次梯度之和。`zero_grad()` 把 `.grad` 设为 `None`（默认 `set_to_none=True`），
# 这样既省内存，又能区分“还没有梯度”和“梯度为零”。

# %%
torch.manual_seed(0)
model = nn.Linear(3, 1).double()
x, y = torch.randn(8, 3, dtype=D), torch.randn(8, 1, dtype=D)
opt = optim.SGD(model.parameters(), lr=0.1)
((model(x) - y) ** 2).mean().backward()
g1 = model.weight.grad.clone()
((model(x) - y) ** 2).mean().backward()                    # no zero_grad in between
assert torch.allclose(model.weight.grad, 2 * g1)
print(f"two backward() calls without zero_grad: grad = 2 x single grad ({g1.norm():.4f} -> "
      f"{model.weight.grad.norm():.4f})")
opt.zero_grad()
assert model.weight.grad is None
print("after opt.zero_grad(): weight.grad is None")

# %% [markdown]
# ## 3. Optimizers on an ill-conditioned valley
# `f(u, w) = (u^2 + 25 w^2) / 2`: 25 times steeper across than along. Plain SGD must use a
# small step (the steep direction diverges when `lr > 2 / 25`) and then crawls along `u`.
# Momentum builds speed along the valley; RMSprop/Adam/Adagrad rescale each coordinate.
# The gradient is $(u, 25 w)$, so one plain SGD step multiplies each coordinate by a constant:
#
# $$
# u \leftarrow (1 - \mathrm{lr})\, u, \qquad w \leftarrow (1 - 25\, \mathrm{lr})\, w,
# \qquad |1 - 25\, \mathrm{lr}| < 1 \iff 0 < \mathrm{lr} < \tfrac{2}{25}
# $$
#
# The other rules, per coordinate ($g$ the gradient, defaults $\alpha = 0.99$,
# $\epsilon = 10^{-8}$ for RMSprop and $10^{-10}$ for Adagrad):
#
# $$
# \begin{aligned}
# \text{Nesterov:} \quad & b \leftarrow \mu\, b + g,
# && p \leftarrow p - \mathrm{lr}\,(g + \mu\, b) \\
# \text{RMSprop:} \quad & v \leftarrow \alpha\, v + (1 - \alpha)\, g^2,
# && p \leftarrow p - \mathrm{lr}\, \frac{g}{\sqrt{v} + \epsilon} \\
# \text{Adagrad:} \quad & s \leftarrow s + g^2,
# && p \leftarrow p - \mathrm{lr}\, \frac{g}{\sqrt{s} + \epsilon}
# \end{aligned}
# $$

# %% [markdown] lang="zh"
# ## 3. 在病态山谷上比较各种优化器
# `f(u, w) = (u^2 + 25 w^2) / 2`：横跨山谷的方向比沿山谷的方向陡 25 倍。普通 SGD 只能用很小的
# 步长（`lr > 2 / 25` 时陡峭方向会发散），于是只能沿 `u` 方向慢慢爬。动量沿山谷方向不断加速；
# RMSprop/Adam/Adagrad 则对每个坐标分别缩放。梯度是 $(u, 25 w)$，所以普通 SGD 的每一步都把
# 每个坐标乘以一个常数：
#
# $$
# u \leftarrow (1 - \mathrm{lr})\, u, \qquad w \leftarrow (1 - 25\, \mathrm{lr})\, w,
# \qquad |1 - 25\, \mathrm{lr}| < 1 \iff 0 < \mathrm{lr} < \tfrac{2}{25}
# $$
#
# 其余几种规则，逐坐标计算（$g$ 为梯度，默认 $\alpha = 0.99$；RMSprop 的 $\epsilon = 10^{-8}$，
# Adagrad 的为 $10^{-10}$）：
#
# $$
# \begin{aligned}
# \text{Nesterov:} \quad & b \leftarrow \mu\, b + g,
# && p \leftarrow p - \mathrm{lr}\,(g + \mu\, b) \\
# \text{RMSprop:} \quad & v \leftarrow \alpha\, v + (1 - \alpha)\, g^2,
# && p \leftarrow p - \mathrm{lr}\, \frac{g}{\sqrt{v} + \epsilon} \\
# \text{Adagrad:} \quad & s \leftarrow s + g^2,
# && p \leftarrow p - \mathrm{lr}\, \frac{g}{\sqrt{s} + \epsilon}
# \end{aligned}
# $$

# %%
steps = 60 if ctx.quick else 200
start = torch.tensor([-4.0, 1.0], dtype=D)


def valley(p: torch.Tensor) -> torch.Tensor:
    return 0.5 * (p[0] ** 2 + 25 * p[1] ** 2)


def trajectory(lib, name: str, **kw) -> torch.Tensor:
    p = nn.Parameter(start.clone())
    opt = getattr(lib, name)([p], **kw)
    path = [p.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        valley(p).backward()
        opt.step()
        path.append(p.detach().clone())
    return torch.stack(path)                               # (steps + 1, 2)


configs = {
    "SGD lr=0.07": ("SGD", {"lr": 0.07}),
    "SGD+momentum 0.8": ("SGD", {"lr": 0.03, "momentum": 0.8}),
    "Nesterov 0.8": ("SGD", {"lr": 0.03, "momentum": 0.8, "nesterov": True}),
    "RMSprop": ("RMSprop", {"lr": 0.1}),
    "Adagrad": ("Adagrad", {"lr": 1.0}),
    "Adam": ("Adam", {"lr": 0.3}),
}
fig, ax = plt.subplots(figsize=(7, 4))
uu, ww = torch.meshgrid(torch.linspace(-4.5, 1.5, 100), torch.linspace(-1.3, 1.3, 100),
                        indexing="ij")
ax.contour(uu, ww, 0.5 * (uu**2 + 25 * ww**2), levels=15, colors="0.8", linewidths=0.6)
for label, (name, kw) in configs.items():
    path = trajectory(optim, name, **kw)
    same = trajectory(torch.optim, name, **kw)
    assert torch.allclose(path, same, atol=1e-12), label          # dlfs == torch, every step
    final = valley(path[-1]).item()
    assert final < valley(start).item() / 10, label
    print(f"{label:18s} f after {steps} steps: {final:.2e}")
    ax.plot(path[:, 0], path[:, 1], ".-", ms=2, lw=1, label=label)
ax.set_xlabel("u (flat direction)")
ax.set_ylabel("w (steep direction)")
ax.set_title(f"{steps} steps from (-4, 1); dlfs.optim (identical to torch.optim)")
ax.legend(fontsize=7)
ctx.savefig(fig, "valley_trajectories.png")
sgd_final = valley(trajectory(optim, "SGD", lr=0.07)[-1]).item()
mom_final = valley(trajectory(optim, "SGD", lr=0.03, momentum=0.8)[-1]).item()
assert mom_final < sgd_final
print("momentum ends lower than plain SGD, with a smaller learning rate")

# %% [markdown]
# ## 4. Gradient clipping keeps one bad batch from wrecking the run
# `clip_grad_norm_(params, max_norm)` computes the global norm `||g|| = sqrt(sum_p ||g_p||^2)`
# over all parameters and, if it exceeds `max_norm`, scales every gradient by
# `max_norm / ||g||` — same direction, bounded length. It returns the norm *before* clipping,
# which is worth logging. Exactly (torch adds $10^{-6}$ to avoid dividing by 0):
#
# $$
# \|g\| = \sqrt{\sum_{p} \|g_p\|^2}, \qquad
# g_p \leftarrow g_p \cdot \min\Bigl(1, \frac{\mathrm{max\_norm}}{\|g\| + 10^{-6}}\Bigr)
# $$

# %% [markdown] lang="zh"
# ## 4. 梯度裁剪：别让一个坏批次毁掉整次训练
# `clip_grad_norm_(params, max_norm)` 在所有参数上计算全局范数 `||g|| = sqrt(sum_p ||g_p||^2)`，
# 如果它超过 `max_norm`，就把每个梯度都乘以 `max_norm / ||g||`——方向不变，长度有界。它返回
# 裁剪*之前*的范数，值得记录下来。精确地说（torch 在分母上加 $10^{-6}$，避免除以 0）：
#
# $$
# \|g\| = \sqrt{\sum_{p} \|g_p\|^2}, \qquad
# g_p \leftarrow g_p \cdot \min\Bigl(1, \frac{\mathrm{max\_norm}}{\|g\| + 10^{-6}}\Bigr)
# $$

# %%
torch.manual_seed(1)
net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).double()
xb, yb = torch.randn(16, 4, dtype=D), torch.randn(16, 1, dtype=D)
((net(xb) - 1000 * yb) ** 2).mean().backward()             # an outlier batch: huge gradient
before = torch.sqrt(sum((p.grad**2).sum() for p in net.parameters()))
returned = nn.utils.clip_grad_norm_(net.parameters(), max_norm=1.0)
after = torch.sqrt(sum((p.grad**2).sum() for p in net.parameters()))
print(f"global grad norm {before:.1f} -> {after:.4f} (clip_grad_norm_ returned {returned:.1f})")
assert torch.allclose(returned, before) and abs(after.item() - 1.0) < 1e-6

# %% [markdown]
# ## 5. Parameter groups: one optimizer, several sets of hyper-parameters
# Typical uses: a smaller learning rate for a pretrained backbone than for a new head, and no
# weight decay on biases and norm weights. Each group is a dict; keys it does not set come
# from the optimizer's defaults. The state_dict stores groups and per-parameter state under
# torch's names, so a checkpoint written by `dlfs.optim` loads into `torch.optim`.

# %% [markdown] lang="zh"
# ## 5. 参数组：一个优化器，多套超参数
# 典型用法：预训练主干网络的学习率比新加的输出头小；偏置和归一化层的权重不做权重衰减。每个
# 组是一个 dict；组里没有设置的键取优化器的默认值。state_dict 用 torch 的命名保存各组和每个
# 参数的状态，所以 `dlfs.optim` 写出的检查点可以加载进 `torch.optim`。

# %%
torch.manual_seed(2)
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)).double()
decay = [p for n, p in net.named_parameters() if n.endswith("weight")]
no_decay = [p for n, p in net.named_parameters() if n.endswith("bias")]
opt = optim.AdamW([{"params": decay, "weight_decay": 0.1},
                   {"params": no_decay, "weight_decay": 0.0, "lr": 3e-3}], lr=1e-3)
for group in opt.param_groups:
    print(f"group: {len(group['params'])} tensors, lr {group['lr']}, "
          f"weight_decay {group['weight_decay']}")
xb = torch.randn(32, 4, dtype=D)
for _ in range(3):
    opt.zero_grad()
    net(xb).pow(2).mean().backward()
    opt.step()
state = opt.state_dict()
print("per-parameter state keys:", sorted(state["state"][0]))
assert sorted(state["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]
twin = copy.deepcopy(net)
torch_opt = torch.optim.AdamW([{"params": [p for n, p in twin.named_parameters()
                                           if n.endswith("weight")]},
                               {"params": [p for n, p in twin.named_parameters()
                                           if n.endswith("bias")]}])
torch_opt.load_state_dict(copy.deepcopy(state))            # our checkpoint, torch's optimizer
for _ in range(3):
    for m, o in ((net, opt), (twin, torch_opt)):
        o.zero_grad()
        m(xb).pow(2).mean().backward()
        o.step()
assert all(torch.allclose(a, b, atol=1e-14) for a, b in zip(net.parameters(),
                                                            twin.parameters()))
print("torch.optim.AdamW resumed from the dlfs checkpoint and took the same 3 steps")

# %% [markdown]
# ## 6. Learning-rate schedules
# A scheduler rewrites `group['lr']` after each `opt.step()`. Warm-up (start small while
# Adam's moment estimates settle) followed by cosine decay is the default for Transformers;
# OneCycle goes up then far down within one run. With $\eta_0$ = 0.1 the optimizer's `lr`,
# $t$ the step and $T$ = `total` = 100:
#
# $$
# \begin{aligned}
# \text{StepLR:} \quad & \eta_t = \eta_0 \cdot 0.5^{\lfloor t / 30 \rfloor} \\
# \text{CosineAnnealingLR:} \quad & \eta_t = \frac{\eta_0}{2}\Bigl(1 + \cos\frac{\pi t}{T}\Bigr) \\
# \text{warm-up 10 + cosine:} \quad & \eta_t =
# \begin{cases}
# \eta_0 \bigl(0.01 + 0.99\, \frac{t}{10}\bigr), & t < 10 \\
# \frac{\eta_0}{2}\Bigl(1 + \cos\frac{\pi (t - 10)}{T - 10}\Bigr), & t \ge 10
# \end{cases} \\
# \text{LambdaLR:} \quad & \eta_t = \eta_0 / \sqrt{1 + t}
# \end{aligned}
# $$
#
# OneCycleLR (defaults) climbs along a cosine from `max_lr / 25` to `max_lr` over the first
# 30 % of the steps, then falls along another cosine to `max_lr / 25 / 1e4`. Loshchilov &
# Hutter, 2017, *SGDR: Stochastic Gradient Descent with Warm Restarts*; Smith & Topin, 2019,
# *Super-Convergence: Very Fast Training of Neural Networks Using Large Learning Rates*.

# %% [markdown] lang="zh"
# ## 6. 学习率调度
# 调度器在每次 `opt.step()` 之后改写 `group['lr']`。先预热（warm-up：在 Adam 的矩估计稳定下来
# 之前用小学习率），再余弦衰减，这是 Transformer 的默认做法；OneCycle 在一次训练中先升高、再
# 降到很低。记 $\eta_0$ = 0.1 为优化器的 `lr`，$t$ 为步数，$T$ = `total` = 100：
#
# $$
# \begin{aligned}
# \text{StepLR:} \quad & \eta_t = \eta_0 \cdot 0.5^{\lfloor t / 30 \rfloor} \\
# \text{CosineAnnealingLR:} \quad & \eta_t = \frac{\eta_0}{2}\Bigl(1 + \cos\frac{\pi t}{T}\Bigr) \\
# \text{warm-up 10 + cosine:} \quad & \eta_t =
# \begin{cases}
# \eta_0 \bigl(0.01 + 0.99\, \frac{t}{10}\bigr), & t < 10 \\
# \frac{\eta_0}{2}\Bigl(1 + \cos\frac{\pi (t - 10)}{T - 10}\Bigr), & t \ge 10
# \end{cases} \\
# \text{LambdaLR:} \quad & \eta_t = \eta_0 / \sqrt{1 + t}
# \end{aligned}
# $$
#
# OneCycleLR（默认设置）在前 30% 的步数里沿余弦曲线从 `max_lr / 25` 升到 `max_lr`，然后沿另一段
# 余弦曲线降到 `max_lr / 25 / 1e4`。参考文献：Loshchilov & Hutter, 2017, *SGDR: Stochastic
# Gradient Descent with Warm Restarts*；Smith & Topin, 2019, *Super-Convergence: Very Fast
# Training of Neural Networks Using Large Learning Rates*。

# %%
total = 100


def lr_curve(lib, make) -> list[float]:
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    sched = make(lib, opt)
    lrs = []
    for _ in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


schedules = {
    "StepLR(30, 0.5)": lambda L, o: L.StepLR(o, step_size=30, gamma=0.5),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=total),
    "warm-up 10 + cosine": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.01, total_iters=10),
            L.CosineAnnealingLR(o, T_max=total - 10)], milestones=[10]),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=total),
    "LambdaLR 1/sqrt": lambda L, o: L.LambdaLR(o, lambda e: 1 / (1 + e) ** 0.5),
}
fig, ax = plt.subplots(figsize=(7, 3.5))
for label, make in schedules.items():
    ours = lr_curve(lr_scheduler, make)
    ref = lr_curve(torch.optim.lr_scheduler, make)
    assert all(abs(a - b) <= 1e-12 * max(abs(b), 1e-12) for a, b in zip(ours, ref)), label
    ax.plot(ours, label=label)
    print(f"{label:20s} lr: start {ours[0]:.4f}, max {max(ours):.4f}, end {ours[-1]:.2e}")
ax.set_xlabel("step")
ax.set_ylabel("learning rate")
ax.set_title("dlfs.optim.lr_scheduler (identical to torch's)")
ax.legend(fontsize=7)
ctx.savefig(fig, "lr_schedules.png")
