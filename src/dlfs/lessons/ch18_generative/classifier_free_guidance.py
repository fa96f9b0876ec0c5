# %% [markdown]
# # Classifier-free guidance — 无分类器引导
#
# **Library files:** `src/dlfs/generative/diffusion.py` (`drop_labels`, `guided_eps`,
# `model_eps_fn`, `ddim_sample`), `src/dlfs/models/unet.py` (`UNet`: the class embedding and
# its null class), `src/dlfs/recipes/ddpm.py` (`dlfs train ddpm --guidance-weight W`),
# `src/dlfs/generative/quality.py` (`classify`, `sample_quality`). Tests:
# `tests/generative/test_diffusion.py`.
#
# A class-conditional noise predictor $\epsilon_\theta(x_t, t, c)$ can already draw a requested
# digit, but loosely: some samples look like other digits. Guidance sharpens the request.
# Classifier-free guidance needs no separate classifier: one network learns both
# $\epsilon_\theta(x_t, t, c)$ and the unconditional $\epsilon_\theta(x_t, t, \varnothing)$ — during
# training each label is replaced by a "null" class $\varnothing$ with probability
# $p_{\text{uncond}}$ — and sampling extrapolates away from the unconditional prediction:
#
# $$
# \epsilon_{\text{guided}} = (1 + w)\,\epsilon_\theta(x_t, t, c) -
# w\,\epsilon_\theta(x_t, t, \varnothing)
# $$
#
# $w = 0$ is the plain conditional model. We measure what $w$ buys (samples that are more clearly
# the requested digit) and what it costs (less variety).
#
# Reference: Ho & Salimans, 2022, *Classifier-Free Diffusion Guidance*.

# %% [markdown] lang="zh"
# # 无分类器引导
#
# **库文件：** `src/dlfs/generative/diffusion.py`（`drop_labels`、`guided_eps`、
# `model_eps_fn`、`ddim_sample`），`src/dlfs/models/unet.py`（`UNet`：类别嵌入及其空类别），
# `src/dlfs/recipes/ddpm.py`（`dlfs train ddpm --guidance-weight W`），
# `src/dlfs/generative/quality.py`（`classify`、`sample_quality`）。
# 测试：`tests/generative/test_diffusion.py`。
#
# 类别条件的噪声预测器 $\epsilon_\theta(x_t, t, c)$ 本来就能画出指定的数字，但不够严格：
# 有些样本看着像别的数字。引导让请求更明确。无分类器引导不需要另外的分类器：一个网络同时学会
# $\epsilon_\theta(x_t, t, c)$ 和无条件的 $\epsilon_\theta(x_t, t, \varnothing)$——训练时每个标签以概
# 率 $p_{\text{uncond}}$ 被换成“空”类别 $\varnothing$——采样时则沿着远离无条件预测的方向外推：
#
# $$
# \epsilon_{\text{guided}} = (1 + w)\,\epsilon_\theta(x_t, t, c) -
# w\,\epsilon_\theta(x_t, t, \varnothing)
# $$
#
# $w = 0$ 就是普通的条件模型。我们来测量 $w$ 带来了什么（样本更像所要求的数字），又付出了什么（多样
# 性下降）。
#
# 参考文献：Ho 与 Salimans，2022，*Classifier-Free Diffusion Guidance*。

# %%

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dlfs.curriculum import lesson_context  # noqa: E402
from dlfs.generative.data import digit_images  # noqa: E402
from dlfs.generative.diffusion import (  # noqa: E402
    NoiseSchedule,
    ddim_sample,
    drop_labels,
    guided_eps,
    l_simple,
    model_eps_fn,
    noise_batch,
)
from dlfs.generative.grid import grid_image  # noqa: E402
from dlfs.generative.quality import classify, sample_quality  # noqa: E402
from dlfs.models.unet import UNet, UNetConfig  # noqa: E402
from dlfs.recipes.ddpm import default_sampler  # noqa: E402

ctx = lesson_context("classifier-free-guidance")
torch.manual_seed(0)
torch.set_num_threads(1)   # tiny tensors: one thread is fastest on a shared 2-core machine

# %% [markdown]
# ## 1. One network, with and without the label
# The U-Net's class embedding has 11 rows: the digits 0..9 and the null class 10. `drop_labels`
# hides each training label with probability $p_{\text{uncond}}$ (0.2 here). Quick mode trains a
# tiny model for a few seconds ($T = 100$); full mode uses the default `dlfs train ddpm` run
# (`runs/ddpm` if it holds one, else it trains one, about five minutes on two cores).

# %% [markdown] lang="zh"
# ## 1. 一个网络，有标签与无标签
# U-Net 的类别嵌入有 11 行：数字 0..9 和空类别 10。`drop_labels` 以概率 $p_{\text{uncond}}$（这里是
# 0.2）隐去每个训练标签。快速模式把一个很小的模型训练几秒（$T = 100$）；完整模式使用默认的
# `dlfs train ddpm` 运行（如果 `runs/ddpm` 里有就直接用，否则现训一个，双核约五分钟）。

# %%
labels = torch.arange(10).repeat(100)
hidden = drop_labels(labels, 0.2, 10, torch.Generator().manual_seed(0))
print(f"p_uncond = 0.2: {(hidden == 10).float().mean():.1%} of 1000 labels became the null "
      "class; the others are unchanged")
assert torch.equal(hidden[hidden != 10], labels[hidden != 10])


if ctx.quick:
    schedule = NoiseSchedule.cosine(100)
    model = UNet(UNetConfig(width=8, groups=4, fused=True))      # 10 digits + the null class
    x0, y0 = digit_images("train", size=8)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(120):
        pick = torch.randint(0, len(x0), (32,), generator=gen)
        x_t, t, eps = noise_batch(x0[pick], schedule, gen)
        c = drop_labels(y0[pick], 0.2, model.null_class, gen)
        loss = l_simple(model(x_t, t, c), eps)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    steps, weights = 10, (0.0, 1.0, 3.0)
    print(f"quick mode: a tiny U-Net, 120 steps with p_uncond 0.2; last L_simple "
          f"{loss.item():.3f}")
else:
    recipe, model = default_sampler(ctx.path("run"))
    schedule = recipe.noise_schedule()
    steps, weights = 50, (0.0, 0.5, 1.0, 2.0, 4.0)
    print(f"the default run: p_uncond {recipe.p_uncond}, default guidance w = "
          f"{recipe.guidance_weight}")

# %% [markdown]
# ## 2. The guided noise is an extrapolation
# One forward pass on the doubled batch gives both predictions; `model_eps_fn` mixes them. At
# $w = 0$ the result is exactly the conditional prediction, and the guided prediction moves away
# from the unconditional one by $(1 + w)$ times the conditional step:
#
# $$
# \epsilon_w - \epsilon_{\text{null}} = (1 + w)\,(\epsilon_c - \epsilon_{\text{null}})
# $$
#
# with $\epsilon_c$, $\epsilon_{\text{null}}$, $\epsilon_w$ the code's `eps_c`, `eps_null`, `eps_w`.

# %% [markdown] lang="zh"
# ## 2. 引导后的噪声是一种外推
# 在加倍的批量上做一次前向传播就得到两个预测；`model_eps_fn` 把它们混合。$w = 0$ 时结果恰好是条件预
# 测；引导后的预测离无条件预测的距离，是条件预测与无条件预测之差的 $(1 + w)$ 倍：
#
# $$
# \epsilon_w - \epsilon_{\text{null}} = (1 + w)\,(\epsilon_c - \epsilon_{\text{null}})
# $$
#
# 其中 $\epsilon_c$、$\epsilon_{\text{null}}$、$\epsilon_w$ 即代码中的 `eps_c`、
# `eps_null`、`eps_w`。

# %%
x = torch.randn(4, 1, 8, 8)
t = torch.full((4,), schedule.T // 2, dtype=torch.long)
c = torch.tensor([3, 3, 8, 8])
with torch.no_grad():
    eps_c, eps_null = model(x, t, c), model(x, t)
    for w in (0.0, 2.0):
        eps_w = model_eps_fn(model, c, w)(x, t)
        assert torch.allclose(eps_w, guided_eps(eps_c, eps_null, w), atol=1e-5)
        assert torch.allclose(eps_w - eps_null, (1 + w) * (eps_c - eps_null), atol=1e-5)
    assert torch.allclose(model_eps_fn(model, c, 0.0)(x, t), eps_c)
print(f"|eps_c - eps_null| at t = T/2: {(eps_c - eps_null).abs().mean():.4f} per pixel — the "
      "part that the class explains, which w amplifies")

# %% [markdown]
# ## 3. Sweeping w: accuracy up, variety down
# For each $w$, the same starting noise, 10 samples of each digit requested. The frozen digit
# classifier reads them; "accuracy" is the fraction read as the requested digit. The within-digit
# spread is the standard deviation of each pixel across the samples of one digit (averaged over
# pixels and digits): how different the samples of a digit are from one another. (Real digits: see
# the printed reference.)

# %% [markdown] lang="zh"
# ## 3. 扫描 w：准确率上升，多样性下降
# 对每个 $w$，用同样的起始噪声，每个数字各请求 10 个样本。冻结的数字分类器来识别它们；
# “准确率”是被识别为所请求数字的比例。数字内离散度是同一数字的样本之间每个像素的标准差（对像素和数字
# 取平均）：同一数字的样本彼此差别有多大。（真实数字的参考值见输出。）

# %%
n = 100 if ctx.quick else 360
requested = torch.arange(n) % 10                                         # (n,) 0 1 .. 9 0 ..
x_T = torch.randn(n, 1, 8, 8, generator=torch.Generator().manual_seed(1))
real, real_y = digit_images("test", size=8)
real_spread = torch.stack([real[real_y == d].std(0).mean() for d in range(10)]).mean()
print(f"real held-out digits: within-digit spread {real_spread:.3f}")
accuracy, spread, fd, grids = [], [], [], []
for w in weights:
    with torch.no_grad():
        images = ddim_sample(model_eps_fn(model, requested, w), x_T.shape, schedule, steps,
                             x_T=x_T)
    accuracy.append((classify(images) == requested).float().mean().item())
    spread.append(images.view(-1, 10, 64).std(0).mean().item())          # per digit, per pixel
    fd.append(sample_quality(images).fd_ratio)
    grids.append(images[:40])
    print(f"w = {w:3.1f}: accuracy {accuracy[-1]:6.1%}  within-digit spread {spread[-1]:.3f}  "
          f"digits-FD {fd[-1]:5.1f}x floor")
assert accuracy[-1] > accuracy[0], "guidance makes the requested digit more likely"
assert spread[-1] < spread[0], "... and the samples of one digit more alike"
if not ctx.quick:
    assert accuracy[weights.index(1.0)] >= 0.9
    assert fd[-1] > fd[weights.index(1.0)], "too strong a guidance leaves the real digits"

# %% [markdown]
# The trade-off is the point: $w$ moves samples towards what the network thinks is most typical of
# the digit, so they are read correctly more often and vary less. Too large a $w$ overshoots —
# strokes too thick, shapes exaggerated — and the digits-FD against real digits rises again.
# `dlfs train ddpm` samples at $w = 1$ by default (`--guidance-weight`).

# %% [markdown] lang="zh"
# 这种取舍正是要点：$w$ 把样本推向网络心目中最典型的该数字，于是它们更常被正确识别、
# 彼此差别更小。$w$ 太大就会过冲——笔画太粗、形状夸张——相对真实数字的 digits-FD 又会上升。
# `dlfs train ddpm` 默认在 $w = 1$ 下采样（`--guidance-weight`）。

# %%
fig, axes = plt.subplots(1, len(weights) + 1, figsize=(3 * len(weights) + 4, 4))
for ax, w, images in zip(axes, weights, grids):
    order = torch.arange(40).view(4, 10).t().reshape(-1)                 # one row per digit
    ax.imshow(grid_image(images[order], nrow=4)[0], cmap="gray")
    ax.set_title(f"w = {w:g}: {accuracy[weights.index(w)]:.0%}")
    ax.axis("off")
axes[-1].plot(weights, accuracy, "o-", label="accuracy")
axes[-1].plot(weights, spread, "s-", label="within-digit spread")
axes[-1].set_xlabel("guidance weight w")
axes[-1].legend()
ctx.savefig(fig, "guidance.png")
