# %% [markdown]
# # Loss scaling: float16 training without vanishing gradients — 损失缩放：让 float16 训练不丢梯度
#
# **Library files:** `src/dlfs/train/loss_scaler.py` (`LossScaler`), `src/dlfs/train/amp.py`
# (`make_grad_scaler`), `src/dlfs/train/loop.py` (where `fit` scales, unscales, clips and
# steps). Tests: `tests/train/test_loss_scaler.py`.
#
# float16's smallest positive value is about 6e-8, and many gradients are smaller. Loss
# scaling multiplies the loss by a large S before `backward`; by the chain rule every
# gradient is then S times larger and survives in float16. Before the optimizer step the
# float32 gradients are divided by S again:
#
# $$
# \nabla_\theta (S \cdot \text{loss}) = S \, \nabla_\theta \text{loss}, \qquad
# g = \frac{1}{S} \, \nabla_\theta (S \cdot \text{loss})
# $$
#
# When S is so large that a gradient overflows to inf, the step is skipped and S halved,
# $S \leftarrow S / 2$; after `growth_interval` good steps in a row S is doubled,
# $S \leftarrow 2 S$.
#
# We watch small gradients vanish, run the scaler step by step, and check that its scale
# trajectory and skipped steps equal `torch.amp.GradScaler`'s.
#
# Reference: Micikevicius et al., 2018, *Mixed Precision Training*.

# %% [markdown] lang="zh"
# # 损失缩放：让 float16 训练不丢梯度
#
# **库文件：** `src/dlfs/train/loss_scaler.py`（`LossScaler`）、`src/dlfs/train/amp.py`
# （`make_grad_scaler`）、`src/dlfs/train/loop.py`（`fit` 在这里缩放、反缩放、裁剪梯度并更新）。
# 测试：`tests/train/test_loss_scaler.py`。
#
# float16 能表示的最小正数约为 6e-8，而很多梯度比它还小。损失缩放在 `backward` 之前把损失乘以一个
# 很大的 S；根据链式法则，每个梯度也都变成原来的 S 倍，于是能在 float16 里保留下来。优化器更新
# 之前，再把 float32 的梯度除以 S：
#
# $$
# \nabla_\theta (S \cdot \text{loss}) = S \, \nabla_\theta \text{loss}, \qquad
# g = \frac{1}{S} \, \nabla_\theta (S \cdot \text{loss})
# $$
#
# 如果 S 太大，某个梯度上溢成 inf，就跳过这一步并把 S 减半，$S \leftarrow S / 2$；连续
# `growth_interval` 步正常之后，S 翻倍，$S \leftarrow 2 S$。
#
# 我们先看小梯度如何消失，再一步步运行缩放器，最后验证它的缩放因子轨迹和跳过的步与
# `torch.amp.GradScaler` 完全一致。
#
# 参考文献：Micikevicius et al., 2018, *Mixed Precision Training*。

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

from dlfs.curriculum import lesson_context
from dlfs.train import Callback, LossScaler, fit

ctx = lesson_context("loss-scaling")
torch.set_num_threads(1)

# %% [markdown]
# ## 1. Small gradients vanish in float16
# A linear layer under float16 autocast, and a loss so small that its gradients are ~1e-9
# (a late stage of training, or a loss averaged over many tokens). The gradient reaching the
# layer's output is
# $\partial \, \text{loss} / \partial \, \text{out} = 10^{-7} / 512 \approx 2 \times 10^{-10}$
# per element, below float16's smallest positive value $2^{-24} \approx 6 \times 10^{-8}$.
# Without scaling every weight gradient is exactly zero; with S = 2^16 (that gradient becomes
# $\approx 1.3 \times 10^{-5}$) they match float32 up to float16's rounding.

# %% [markdown] lang="zh"
# ## 1. 小梯度在 float16 里消失
# 在 float16 autocast 下的一个线性层，损失非常小，使得梯度约为 1e-9（训练后期，或者在大量词元
# （token）上求平均的损失就是这样）。传到这一层输出上的梯度是每个元素
# $\partial \, \text{loss} / \partial \, \text{out} = 10^{-7} / 512 \approx 2 \times 10^{-10}$，
# 低于 float16 能表示的最小正数 $2^{-24} \approx 6 \times 10^{-8}$。不缩放时，每个权重梯度都恰好
# 是 0；用 S = 2^16 缩放后（这个梯度变成 $\approx 1.3 \times 10^{-5}$），它们与 float32 的结果只差
# float16 的舍入误差。

# %%
torch.manual_seed(0)
lin, x = nn.Linear(16, 16), torch.randn(32, 16)
grads = {}
for name, scale in (("float32", None), ("float16", 1.0), ("float16 x 2^16", 2.0 ** 16)):
    lin.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16, enabled=scale is not None):
        out = lin(x)                                          # (32, 16)
    loss = 1e-7 * out.float().mean()
    (loss * (scale or 1.0)).backward()
    grads[name] = lin.weight.grad / (scale or 1.0)            # unscale in float32
for name, g in grads.items():
    print(f"{name:15s}: zero gradients {int((g == 0).sum()):3d} of {g.numel()}, "
          f"mean |g| {g.abs().mean():.3e}")
assert (grads["float16"] == 0).all() and (grads["float16 x 2^16"] != 0).all()
torch.testing.assert_close(grads["float16 x 2^16"], grads["float32"], rtol=1e-2, atol=0)

# %% [markdown]
# ## 2. The scaler, step by step
# A regression model trained with float16 autocast; every 7th batch has 30× larger targets,
# a spike whose scaled gradients overflow. Each step: `scale(loss).backward()`,
# `unscale_` (divide by S, look for inf/NaN), clip, `step` (skipped if inf/NaN), `update`.
# Clipping must come after `unscale_`: it rescales all gradients together so that their total
# norm is at most $c$ = 1.0 (the norm of the true gradients, not of the scaled ones):
#
# $$
# \lVert g \rVert = \sqrt{\sum_{p} \sum_{i} g_{p,i}^2}, \qquad
# g \leftarrow g \cdot \min\Big(1, \frac{c}{\lVert g \rVert + 10^{-6}}\Big)
# $$

# %% [markdown] lang="zh"
# ## 2. 一步步看缩放器
# 用 float16 autocast 训练一个回归模型；每第 7 个批次的目标放大 30 倍，这种尖峰会让缩放后的梯度
# 上溢。每一步：`scale(loss).backward()`、`unscale_`（除以 S，检查 inf/NaN）、梯度裁剪、`step`
# （有 inf/NaN 就跳过）、`update`。裁剪必须放在 `unscale_` 之后：它把所有梯度一起按比例缩小，使
# 它们的总范数不超过 $c$ = 1.0（这是真实梯度的范数，而不是缩放后梯度的范数）：
#
# $$
# \lVert g \rVert = \sqrt{\sum_{p} \sum_{i} g_{p,i}^2}, \qquad
# g \leftarrow g \cdot \min\Big(1, \frac{c}{\lVert g \rVert + 10^{-6}}\Big)
# $$

# %%
STEPS = 24 if ctx.quick else 120


def batches(n):
    g = torch.Generator().manual_seed(1)
    for t in range(n):
        xb = torch.randn(16, 8, generator=g)
        yield xb, xb.sum(1, keepdim=True) * (30.0 if t % 7 == 3 else 1.0)


def make_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))


def train(scaler, log=False):
    """Train STEPS steps; return (scale after each step, steps that were skipped)."""
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    scales, skipped = [], []
    for t, (xb, yb) in enumerate(batches(STEPS)):
        with torch.autocast("cpu", dtype=torch.float16):
            loss = ((model(xb).float() - yb) ** 2).mean()
        before = float(scaler.get_scale())
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)
        scales.append(float(scaler.get_scale()))
        if scales[-1] < before:
            skipped.append(t)
        if log and t < 12:
            print(f"step {t:2d}: loss {loss.item():9.3f}  S {before:9.0f} -> {scales[-1]:9.0f}"
                  f"  {'SKIPPED (inf/NaN gradient)' if scales[-1] < before else 'stepped'}")
    return scales, skipped


OPTIONS = {"init_scale": 2.0 ** 20, "growth_interval": 3}
ours = train(LossScaler(**OPTIONS), log=True)
print(f"skipped steps: {ours[1]}")
assert ours[1][:6] == list(range(6))          # S = 2^20 is far too large: halve 6 times
assert {10, 17} <= set(ours[1]) and len(ours[1]) < STEPS / 2   # the spikes; most steps run

# %% [markdown]
# ## 3. Equal to torch's GradScaler
# The same run with `torch.amp.GradScaler("cpu")`: the same scale after every step, the same
# skipped steps (so the same weights).

# %% [markdown] lang="zh"
# ## 3. 与 torch 的 GradScaler 完全一致
# 用 `torch.amp.GradScaler("cpu")` 重复同一次训练：每一步之后的缩放因子相同，跳过的步也相同
# （因此权重也相同）。

# %%
ref = train(torch.amp.GradScaler("cpu", **OPTIONS))
print(f"LossScaler == GradScaler: scales {ours[0] == ref[0]}, skipped {ours[1] == ref[1]}")
assert ours == ref

# %% [markdown]
# ## 4. `fit(amp="fp16")`
# On the CPU `fit` uses this `LossScaler` (torch's GradScaler on CUDA). A callback reads the
# scale after every step: the same trajectory once more.

# %% [markdown] lang="zh"
# ## 4. 在 `fit(amp="fp16")` 里使用
# 在 CPU 上，`fit` 使用的就是这个 `LossScaler`（CUDA 上用 torch 的 GradScaler）。用一个回调在
# 每一步之后读出缩放因子：又是同一条轨迹。


# %%
class Scales(Callback):
    def __init__(self):
        self.scales = []

    def on_step_end(self, trainer, logs):
        self.scales.append(trainer.scaler.get_scale())


spy, model = Scales(), make_model()
default = train(torch.amp.GradScaler("cpu"))
fit(model, list(batches(STEPS)), loss_fn=lambda out, y: ((out.float() - y) ** 2).mean(),
    optimizer=torch.optim.SGD(model.parameters(), lr=0.05), epochs=1, amp="fp16",
    device="cpu", clip_grad_norm=1.0, callbacks=[spy])
print(f"fit(amp='fp16') on the CPU: scale after steps 1-4 {spy.scales[:4]}, equal to "
      f"GradScaler's for all {STEPS} steps: {spy.scales == default[0]}")
assert spy.scales == default[0]

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.step(range(STEPS), ours[0], where="post", label="S after the step")
ax.scatter(ours[1], [ours[0][t] for t in ours[1]], color="red", zorder=3,
           label="skipped (overflow)")
ax.set(yscale="log", xlabel="step", ylabel="loss scale S",
       title="dynamic loss scaling: back off on overflow, grow every 3 good steps")
ax.legend(fontsize=8)
ctx.savefig(fig, "loss_scale.png")
