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
# decay (Loshchilov & Hutter, "Decoupled Weight Decay Regularization").

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
# the multiplicative form `p <- (1 - lr lambda) p - lr g`. All three are the same trajectory.

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
# - **AdamW**: both weights shrink by the same `(1 - lr lambda)` per step, whatever their
#   gradients.

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
# exponentially, at a rate set by `lambda`.

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
# ridge-regression solution `w* = (2/n X^T X + lambda I)^{-1} 2/n X^T y`. AdamW minimizes no
# such fixed objective; its end point depends on the adaptive scaling. (A cosine schedule
# lets both settle.)

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
# - `Adam(weight_decay=...)` is not AdamW; since torch 2.x, `Adam(..., decoupled_weight_decay=True)`
#   is (ours has the same flag, and the test suite checks both against torch).

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
