# %% [markdown]
# # Day 15 · Locating and fixing NaN / exploding loss — NaN / Loss 爆炸的定位与修复
#
# **Library files:** `src/dlfs/train/nan_guard.py` (`NaNGuard`, `NonFiniteError`),
# `src/dlfs/train/loop.py` (where the guard's checks run: after the forward, after the
# backward, always *before* the optimizer step).
#
# A NaN is contagious: one `log(0)` or `inf - inf` and every number downstream, then every
# weight after the next step, is NaN. The loss curve only tells you *that* it happened. The
# guard tells you *where*: forward hooks on every module report the first one whose output
# went non-finite; gradient hooks report the first module whose backward produced a
# non-finite gradient. It stops before the optimizer step, so the weights (and the last
# checkpoint) are still good.
#
# Three classic causes, each planted, caught, and fixed:
# 1. a `log(0)` in the model, 2. a learning rate that is too high, 3. a float16 overflow.

# %% [markdown] lang="zh"
# # 第 15 天 · NaN / Loss 爆炸的定位与修复
#
# **库文件：** `src/dlfs/train/nan_guard.py`（`NaNGuard`、`NonFiniteError`）、
# `src/dlfs/train/loop.py`（守卫在这里做检查：前向之后、反向之后，总是在优化器更新*之前*）。
#
# NaN 会传染：只要出现一次 `log(0)` 或 `inf - inf`，下游的每一个数，以及下一步更新之后的每一个
# 权重，都会变成 NaN。损失曲线只能告诉你*发生了*这件事。守卫（guard）则告诉你*在哪里*发生：挂在
# 每个模块上的前向钩子（hook）报告第一个输出变为非有限值的模块；梯度钩子报告第一个在反向传播中
# 产生非有限梯度的模块。它在优化器更新之前就停下，所以权重（以及最近一次的检查点）仍然完好。
#
# 三个经典原因，每个都先埋下、再抓住、再修好：
# 1. 模型里的一个 `log(0)`，2. 过高的学习率，3. float16 上溢。

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

from dlfs.curriculum import lesson_context
from dlfs.train import NaNGuard, NonFiniteError, fit

ctx = lesson_context("nan-hunting")
g = torch.Generator().manual_seed(0)
X = torch.randn(256, 8, generator=g)                                   # (N, 8)
Y = X @ torch.randn(8, 1, generator=g) + 0.1 * torch.randn(256, 1, generator=g)  # (N, 1)
batches = [(X[i:i + 32], Y[i:i + 32]) for i in range(0, 256, 32)]


def train(model, lr=0.05, epochs=3, **options):
    """fit with the guard on; returns (history, error or None)."""
    try:
        hist = fit(model, batches, loss_fn=nn.functional.mse_loss,
                   optimizer=torch.optim.SGD(model.parameters(), lr=lr), epochs=epochs,
                   callbacks=[NaNGuard()], device="cpu", **options)
        return hist, None
    except NonFiniteError as exc:
        return exc.history, exc


# %% [markdown]
# ## 1. A planted `log(0)`
# `LogFeatures` takes the log of its input — fine for positive numbers, but it sits after a
# ReLU, whose outputs are often exactly 0: `log(0) = -inf`, and the next Linear turns
# `-inf * w` sums into `inf - inf = nan`. The fix in the code below is
# $\log(1 + h)$ (`log1p`): it is 0 at $h = 0$, and its slope $\frac{1}{1 + h}$ is at most 1
# for $h \ge 0$. ($\log(h + 10^{-3})$ would be finite too, but its slope $10^{3}$ at $h = 0$
# makes the training explode.)

# %% [markdown] lang="zh"
# ## 1. 埋下一个 `log(0)`
# `LogFeatures` 对输入取对数——对正数没问题，但它接在 ReLU 之后，而 ReLU 的输出常常恰好是 0：
# `log(0) = -inf`，下一个 Linear 再把含有 `-inf * w` 的求和变成 `inf - inf = nan`。下面代码里的
# 修复办法是 $\log(1 + h)$（`log1p`）：它在 $h = 0$ 处为 0，且当 $h \ge 0$ 时斜率
# $\frac{1}{1 + h}$ 不超过 1。（$\log(h + 10^{-3})$ 也是有限的，但它在 $h = 0$ 处的斜率是
# $10^{3}$，会让训练爆炸。）

# %%
class LogFeatures(nn.Module):
    def __init__(self, log=torch.log):
        super().__init__()
        self.log = log

    def forward(self, h):  # (B, C) -> (B, C)
        return self.log(h)


def make(log):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), LogFeatures(log), nn.Linear(16, 1))


hist, err = train(make(torch.log))
print("guard:", err)
assert err is not None and err.kind == "loss" and "'2' (LogFeatures)" in str(err)
assert err.step == 0  # the very first batch

# the fix: log1p(h) = log(1 + h) is 0 at h = 0 and its slope 1 / (1 + h) is at most 1.
# (log(h + 1e-3) would be finite too, but its slope 1000 near 0 makes the training explode.)
hist, err = train(make(torch.log1p))
assert err is None, err
assert all(torch.isfinite(torch.tensor(hist.step_loss)))
print(f"with log1p: {len(hist.step_loss)} finite steps, loss {hist.step_loss[0]:.3f} → "
      f"{hist.step_loss[-1]:.3f}")

# %% [markdown]
# ## 2. A learning rate that is too high
# For a quadratic loss, gradient descent converges only when `lr < 2 / λ_max` (λ_max: the
# largest curvature). With $\eta$ the learning rate, $H$ the Hessian and $w^*$ the minimum,
# one step of $w \leftarrow w - \eta \nabla L(w)$ on
# $L(w) = \frac{1}{2} (w - w^*)^\top H (w - w^*)$ gives
#
# $$
# w_{t+1} - w^* = (I - \eta H)(w_t - w^*),
# $$
#
# which shrinks along every eigenvector of $H$ only if $|1 - \eta \lambda_i| < 1$, that is
# $\eta < 2 / \lambda_{\max}$. Above it each step overshoots further: the loss grows
# geometrically until it overflows float32 (max ≈ 3.4e38). Multiplying the features by 10
# multiplies $H$ (for the mean squared error, $H = \frac{2}{B} X^\top X$) by 100. The guard
# stops at the first inf/nan, and the error carries the history up to it.
#
# The first repair below clips the gradient by its total norm (`clip_grad_norm=1.0`), so that
# no step is longer than $\eta c$:
#
# $$
# g \leftarrow g \cdot \min\Big(1, \frac{c}{\lVert g \rVert_2 + 10^{-6}}\Big), \qquad c = 1
# $$
#
# where $\lVert g \rVert_2$ is the norm of all parameters' gradients together; the second
# lowers the learning rate.

# %% [markdown] lang="zh"
# ## 2. 过高的学习率
# 对于二次损失，只有当 `lr < 2 / λ_max`（λ_max：最大曲率）时梯度下降才会收敛。记 $\eta$ 为学习率，
# $H$ 为 Hessian 矩阵，$w^*$ 为最小值点，在 $L(w) = \frac{1}{2} (w - w^*)^\top H (w - w^*)$ 上做一步
# $w \leftarrow w - \eta \nabla L(w)$ 得到
#
# $$
# w_{t+1} - w^* = (I - \eta H)(w_t - w^*),
# $$
#
# 只有当 $|1 - \eta \lambda_i| < 1$，即 $\eta < 2 / \lambda_{\max}$ 时，它才会沿 $H$ 的每个特征
# 向量收缩。超过这个界限，每一步都冲得更远：损失按几何级数增长，直到超出 float32 的范围（最大值
# ≈ 3.4e38）。把特征乘以 10，会让 $H$（对均方误差，$H = \frac{2}{B} X^\top X$）变成 100 倍。守卫
# 在第一个 inf/nan 处停下，错误对象里带着此前的全部历史。
#
# 下面第一种修复是按总范数裁剪梯度（`clip_grad_norm=1.0`），使每一步的长度不超过 $\eta c$：
#
# $$
# g \leftarrow g \cdot \min\Big(1, \frac{c}{\lVert g \rVert_2 + 10^{-6}}\Big), \qquad c = 1
# $$
#
# 其中 $\lVert g \rVert_2$ 是所有参数的梯度合在一起的范数；第二种修复是降低学习率。

# %%
X_big = X * 10  # unnormalized features: curvature grows 100x
batches = [(X_big[i:i + 32], Y[i:i + 32]) for i in range(0, 256, 32)]
torch.manual_seed(0)
hist_bad, err = train(nn.Linear(8, 1), lr=0.05, epochs=50)
print("guard:", err)
assert err is not None and err.kind == "loss"
print(f"loss went {hist_bad.step_loss[0]:.3g} → {hist_bad.step_loss[-1]:.3g} "
      f"in {len(hist_bad.step_loss)} steps before turning inf/nan")
assert hist_bad.step_loss[-1] > 1e6 * hist_bad.step_loss[0]

torch.manual_seed(0)
hist_ok, err = train(nn.Linear(8, 1), lr=0.05, epochs=5, clip_grad_norm=1.0)
assert err is None, err
print(f"same lr with clip_grad_norm=1.0: final loss {hist_ok.step_loss[-1]:.3g} (finite)")
torch.manual_seed(0)
hist_low, err = train(nn.Linear(8, 1), lr=0.002, epochs=5)
assert err is None and hist_low.step_loss[-1] < hist_low.step_loss[0] / 10
print(f"lr 0.002: loss {hist_low.step_loss[0]:.3g} → {hist_low.step_loss[-1]:.3g}")
batches = [(X[i:i + 32], Y[i:i + 32]) for i in range(0, 256, 32)]

# %% [markdown]
# ## 3. A float16 overflow
# float16 has a 5-bit exponent: its largest finite value is
# $(2 - 2^{-10}) \cdot 2^{15} = 65504$. A block that computes in float16 (to save memory)
# overflows as soon as an intermediate passes that — here a squared activation. bfloat16 keeps
# float32's 8-bit exponent (same range, fewer mantissa bits), so the same block stays finite;
# that is why `amp="bf16"` needs no loss scaling (Day 17).

# %% [markdown] lang="zh"
# ## 3. float16 上溢
# float16 的指数只有 5 位：它最大的有限值是 $(2 - 2^{-10}) \cdot 2^{15} = 65504$。一个用 float16
# 计算（为了省内存）的块，只要某个中间结果超过这个值就会上溢——这里是激活值的平方。bfloat16
# 保留了 float32 的 8 位指数（范围相同，尾数位更少），所以同一个块仍然是有限值；这就是
# `amp="bf16"` 不需要损失缩放的原因（第 17 天）。

# %%
for dtype in (torch.float16, torch.bfloat16, torch.float32):
    info = torch.finfo(dtype)
    print(f"{str(dtype):15s} max {info.max:.3g}  eps {info.eps:.3g}")


class LowPrecisionEnergy(nn.Module):
    def __init__(self, dtype):
        super().__init__()
        self.dtype = dtype

    def forward(self, h):  # (B, C) -> (B, C): h**2 computed in `dtype`
        return (h.to(self.dtype) ** 2).float()


def make_energy(dtype):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 16), LowPrecisionEnergy(dtype), nn.Linear(16, 1))
    with torch.no_grad():
        net[0].weight.mul_(200)  # activations of a few hundred: squares pass 65504
    return net


with torch.no_grad():
    h = make_energy(torch.float32)[0](X)  # (N, 16): the activations entering the block
print(f"largest activation {h.abs().max():.0f}, its square {h.abs().max() ** 2:.3g} > 65504")
assert h.abs().max() ** 2 > torch.finfo(torch.float16).max == 65504

# lr=0: only the forward pass matters here
hist, err = train(make_energy(torch.float16), lr=0.0, epochs=1)
print("guard:", err)
assert err is not None and "'1' (LowPrecisionEnergy)" in str(err)
hist, err = train(make_energy(torch.bfloat16), lr=0.0, epochs=1)
assert err is None, err
ref = make_energy(torch.float32)(X)
bf = make_energy(torch.bfloat16)(X)
rel = ((bf - ref).abs().max() / ref.abs().max()).item()
print(f"the same block in bfloat16: finite; max relative error vs float32 {rel:.1e}")
assert rel < 2 ** -6  # bfloat16 keeps 8 significant bits

# %% [markdown]
# ## 4. A NaN that appears only in the backward pass
# `sqrt(|h|)` is finite everywhere, but its slope `1 / (2 sqrt|h|)` is infinite at 0:
#
# $$
# \frac{d}{dh} \sqrt{|h|} = \frac{\operatorname{sign}(h)}{2 \sqrt{|h|}}
# $$
#
# Feed it a padded batch (rows of zeros) through a Linear without bias: `h = 0` exactly, the
# slope is inf, and `inf * 0` in the weight gradient is NaN. The forward is clean; the
# gradient hooks name the module whose backward made it non-finite.

# %% [markdown] lang="zh"
# ## 4. 只在反向传播中出现的 NaN
# `sqrt(|h|)` 处处有限，但它的斜率 `1 / (2 sqrt|h|)` 在 0 处是无穷大：
#
# $$
# \frac{d}{dh} \sqrt{|h|} = \frac{\operatorname{sign}(h)}{2 \sqrt{|h|}}
# $$
#
# 给它喂一个带填充（padding）的批次（全零的行），并经过一个不带偏置的 Linear：`h = 0` 恰好成立，
# 斜率是 inf，权重梯度里的 `inf * 0` 就是 NaN。前向传播干干净净；梯度钩子会指出是哪个模块的
# 反向传播产生了非有限值。

# %%
class SqrtAbs(nn.Module):
    def forward(self, h):  # (B, C) -> (B, C)
        return torch.sqrt(h.abs())


torch.manual_seed(0)
net = nn.Sequential(nn.Linear(8, 16, bias=False), SqrtAbs(), nn.Linear(16, 1))
padded = X.clone()
padded[100:110] = 0.0  # ten padding rows in the 4th batch
batches = [(padded[i:i + 32], Y[i:i + 32]) for i in range(0, 256, 32)]
hist, err = train(net)
print("guard:", err)
assert err is not None and err.kind == "gradient" and "'1' (SqrtAbs)" in str(err)
assert err.step == 3 and len(hist.step_loss) == 3  # three clean steps, then the padded batch

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.semilogy(hist_bad.step_loss, "r.-", label="lr 0.05, raw features (stopped by the guard)")
ax.semilogy(hist_low.step_loss, "g.-", label="lr 0.002")
ax.semilogy(hist_ok.step_loss, "b.-", label="lr 0.05 + clip_grad_norm=1")
ax.set(xlabel="step", ylabel="train loss", title="a too-high learning rate explodes")
ax.legend(fontsize=8)
ctx.savefig(fig, "exploding_loss.png")
