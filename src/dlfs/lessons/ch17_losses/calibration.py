# %% [markdown]
# # Label smoothing, calibration and temperature scaling — 标签平滑、校准与温度缩放
#
# **Library files:** `src/dlfs/metrics/calibration.py` (`expected_calibration_error`,
# `reliability_diagram`, `fit_temperature`), `src/dlfs/nn/functional/class_losses.py`
# (`cross_entropy(label_smoothing=...)`), `src/dlfs/nn/functional/loss.py` (`kl_div`).
# Tests: `tests/test_calibration.py`, `tests/nn/test_focal_and_smoothing.py`.
#
# A classifier is *calibrated* when its confidence can be taken at its word: of the images it labels
# with 80 % confidence, 80 % are right. Accuracy does not show this; the
# **expected calibration error** does. Sort the $N$ predictions into $M = 15$ equal-width confidence
# bins $B_1, \dots, B_M$ and average the gap between accuracy and confidence, weighted by how many
# predictions fall in each bin:
#
# $$
# \mathrm{ECE} = \sum_{m=1}^{M} \frac{|B_m|}{N}\,\bigl|\mathrm{acc}(B_m) - \mathrm{conf}(B_m)\bigr|
# $$
#
# where the confidence of a prediction is its top probability $\max_c p_c$.
#
# We train the same small MLP on noisy digits (Gaussian noise on the pixels makes the task hard
# enough, ~83 % accuracy, for confidence to matter) twice: with plain cross-entropy and with label
# smoothing. Then we fit a temperature on a validation split.
#
# References: Guo et al., 2017, *On Calibration of Modern Neural Networks*; Szegedy et al., 2016,
# *Rethinking the Inception Architecture for Computer Vision* (label smoothing).

# %% [markdown] lang="zh"
# # 标签平滑、校准与温度缩放
#
# **库文件：** `src/dlfs/metrics/calibration.py`（`expected_calibration_error`、
# `reliability_diagram`、`fit_temperature`），`src/dlfs/nn/functional/class_losses.py`
# （`cross_entropy(label_smoothing=...)`），`src/dlfs/nn/functional/loss.py`（`kl_div`）。
# 测试：`tests/test_calibration.py`、`tests/nn/test_focal_and_smoothing.py`。
#
# 分类器是*校准*的，意思是它的置信度可以照字面理解：它以 80 % 置信度给出的标签里，有 80 % 是对的。
# 准确率看不出这一点，**期望校准误差**（ECE）可以：把 $N$ 个预测按置信度分进 $M = 15$ 个等宽区间
# $B_1, \dots, B_M$，对每个区间的准确率与置信度之差取平均，权重是落在该区间的预测个数：
#
# $$
# \mathrm{ECE} = \sum_{m=1}^{M} \frac{|B_m|}{N}\,\bigl|\mathrm{acc}(B_m) - \mathrm{conf}(B_m)\bigr|
# $$
#
# 其中一个预测的置信度是它的最大概率 $\max_c p_c$。
#
# 我们在加了噪声的手写数字上（像素加高斯噪声，让任务足够难，准确率约 83 %，置信度才有意义）
# 把同一个小 MLP 训练两次：一次用普通交叉熵，一次用标签平滑。然后在验证集上拟合温度。
#
# 参考文献：Guo 等，2017，*On Calibration of Modern Neural Networks*；Szegedy 等，2016，
# *Rethinking the Inception Architecture for Computer Vision*（标签平滑）。

# %%
import math

import matplotlib
import numpy as np
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import dlfs.nn as nn  # noqa: E402
import dlfs.nn.functional as F  # noqa: E402
from dlfs.curriculum import lesson_context  # noqa: E402
from dlfs.data.datasets import digits  # noqa: E402
from dlfs.metrics.calibration import (  # noqa: E402
    expected_calibration_error,
    fit_temperature,
    reliability_diagram,
)
from dlfs.optim import Adam  # noqa: E402

ctx = lesson_context("label-smoothing-calibration")
torch.set_num_threads(1)   # tiny matrices: one thread is fastest on a shared 2-core machine
EPS, NOISE = 0.1, 0.3
x_all, y_all = digits("train", flatten=True)[:]
x_test, y_test = digits("test", flatten=True)[:]
g = torch.Generator().manual_seed(123)
x_all = x_all + NOISE * torch.randn(x_all.shape, generator=g)        # (1438, 64)
x_test = x_test + NOISE * torch.randn(x_test.shape, generator=g)     # (359, 64)
perm = torch.randperm(len(y_all), generator=torch.Generator().manual_seed(0))
train, val = perm[:1078], perm[1078:]
print(f"train {len(train)}, validation {len(val)}, test {len(y_test)} noisy 8x8 digits")

# %% [markdown]
# ## Two models
# Same initial weights, same 300 full-batch Adam steps; one with `label_smoothing=0.1`: the target
# becomes `0.9` on the true class plus `0.1 / 10` on every class. With $\varepsilon$ = `EPS` and
# $C = 10$ classes the smoothed target is
#
# $$
# q = (1 - \varepsilon)\,\mathrm{onehot}(y) + \frac{\varepsilon}{C}\,\mathbf{1}
# $$
#
# Both models then get a temperature $T$, fitted on the validation split only:
# $p = \mathrm{softmax}(z / T)$ with $T$ minimising the validation negative log-likelihood
# $-\frac{1}{N}\sum_i \log \mathrm{softmax}(z_i / T)_{y_i}$.

# %% [markdown] lang="zh"
# ## 两个模型
# 相同的初始权重，同样 300 步全批量 Adam；其中一个使用 `label_smoothing=0.1`：目标变成真实类别上的
# `0.9`，再在每个类别上加 `0.1 / 10`。记 $\varepsilon$ 为 `EPS`，类别数 $C = 10$，平滑后的目标是
#
# $$
# q = (1 - \varepsilon)\,\mathrm{onehot}(y) + \frac{\varepsilon}{C}\,\mathbf{1}
# $$
#
# 随后两个模型各配一个温度 $T$，只在验证集上拟合：$p = \mathrm{softmax}(z / T)$，$T$ 取使验证集负对
# 数似然 $-\frac{1}{N}\sum_i \log \mathrm{softmax}(z_i / T)_{y_i}$ 最小的值。

# %%
seeds = range(1) if ctx.quick else range(3)


def train_mlp(eps: float, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = Adam(model.parameters(), lr=3e-3)
    for _ in range(300):
        loss = F.cross_entropy(model(x_all[train]), y_all[train], label_smoothing=eps)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


rows, shown = [], {}
for seed in seeds:
    for name, eps in (("cross-entropy", 0.0), ("label smoothing", EPS)):
        model = train_mlp(eps, seed)
        with torch.no_grad():
            z_val, z_test = model(x_all[val]).double(), model(x_test).double()
        t = fit_temperature(z_val, y_all[val])             # fitted on validation only
        p, p_t = F.softmax(z_test, dim=1), F.softmax(z_test / t, dim=1)
        rows.append({"model": name, "acc": float((p.argmax(1) == y_test).double().mean()),
                     "conf": float(p.max(1).values.mean()), "T": t,
                     "ece": expected_calibration_error(p, y_test),
                     "ece_T": expected_calibration_error(p_t, y_test)})
        shown.setdefault(name, (p, p_t, t, z_test))


def mean_of(name: str, key: str) -> float:
    return float(np.mean([r[key] for r in rows if r["model"] == name]))


print(f"test set, mean over {len(seeds)} seed(s):")
print(f"{'':<16} {'accuracy':>8} {'mean conf':>9} {'ECE':>6} {'T':>6} {'ECE after T':>11}")
for name in ("cross-entropy", "label smoothing"):
    print(f"{name:<16} {mean_of(name, 'acc'):8.3f} {mean_of(name, 'conf'):9.3f} "
          f"{mean_of(name, 'ece'):6.3f} {mean_of(name, 'T'):6.2f} {mean_of(name, 'ece_T'):11.3f}")

# %% [markdown]
# ## What happened
# - The cross-entropy model is **overconfident**: its mean confidence is well above its accuracy.
#   The temperature fitted on validation is above 1, softening the softmax.
# - Label smoothing pulls the confidence down — on this task too far: the smoothed model is
#   **underconfident** (mean confidence below accuracy), and its ECE is about as large as before,
#   with the gap on the other side. Its fitted temperature is below 1, sharpening the softmax back.
#   (Smoothing does raise the accuracy a little here.)
# - Temperature scaling, one number fitted on 360 validation images, cuts the test ECE of both
#   models by a large factor, and changes no prediction (`argmax` of `z / T` is the `argmax` of
#   `z`), so the accuracy stays exactly the same.

# %% [markdown] lang="zh"
# ## 发生了什么
# - 交叉熵模型**过度自信**：平均置信度明显高于准确率。在验证集上拟合的温度大于 1，把 softmax 变得平
#   缓。
# - 标签平滑把置信度拉低——在这个任务上拉过头了：平滑后的模型**信心不足**（平均置信度低于准确率），
#   ECE 和之前差不多大，只是偏差跑到了另一边。它拟合的温度小于 1，把 softmax 重新变尖。
#   （在这里标签平滑确实让准确率略有提高。）
# - 温度缩放只在 360 张验证图片上拟合一个数，就把两个模型的测试 ECE 大幅降低，而且不改变任何预测
#   （`z / T` 的 `argmax` 就是 `z` 的 `argmax`），所以准确率完全不变。

# %%
ce_gap = mean_of("cross-entropy", "conf") - mean_of("cross-entropy", "acc")
ls_gap = mean_of("label smoothing", "conf") - mean_of("label smoothing", "acc")
assert ce_gap > 0.05 and mean_of("cross-entropy", "T") > 1.5          # overconfident
assert ls_gap < 0 and mean_of("label smoothing", "T") < 1              # underconfident
assert abs(mean_of("label smoothing", "ece") - mean_of("cross-entropy", "ece")) < 0.03
for name in ("cross-entropy", "label smoothing"):
    assert mean_of(name, "ece_T") < mean_of(name, "ece") - 0.03, name  # T lowers test ECE
    p, p_t, t, _ = shown[name]
    assert torch.equal(p.argmax(1), p_t.argmax(1))                     # accuracy unchanged

fig, axes = plt.subplots(1, 4, figsize=(14, 3.6))
for i, name in enumerate(("cross-entropy", "label smoothing")):
    p, p_t, t, _ = shown[name]
    reliability_diagram(p, y_test, ax=axes[2 * i], title=name)
    reliability_diagram(p_t, y_test, ax=axes[2 * i + 1], title=f"{name}, T = {t:.2f}")
fig.tight_layout()
ctx.savefig(fig, "reliability_diagrams.png")
plt.close(fig)

# %% [markdown]
# ## Label smoothing is a KL penalty
# With $u$ the uniform distribution over the $C$ classes, the smoothed target is
# $(1 - \varepsilon)\,\mathrm{onehot}(y) + \varepsilon u$, so the loss splits into the cross-entropy
# and a pull towards uniform:
#
# $$
# \mathrm{CE}_\varepsilon(p, y) = (1 - \varepsilon)\,\mathrm{CE}(p, y) + \varepsilon\,H(u, p)
# = (1 - \varepsilon)\,\mathrm{CE}(p, y) + \varepsilon\,\mathrm{KL}(u \,\|\, p) + \varepsilon \log C
# $$
#
# since $H(u, p) = \mathrm{KL}(u \,\|\, p) + H(u)$ and $H(u) = \log C$. The penalty
# $\mathrm{KL}(u \,\|\, p)$ grows without bound as $p$ piles all its mass on one class — the
# overconfidence that plain cross-entropy rewards. We check the identity on the test logits of the
# smoothed model, with the library's `cross_entropy` and `kl_div` (`reduction="batchmean"`: the KL
# averaged over the test images, like the cross-entropies).

# %% [markdown] lang="zh"
# ## 标签平滑是一个 KL 惩罚
# 记 $u$ 为 $C$ 个类别上的均匀分布，
# 平滑后的目标是 $(1 - \varepsilon)\,\mathrm{onehot}(y) + \varepsilon u$，所以损失可以拆成交叉熵加上
# 一个把 $p$ 拉向均匀分布的项：
#
# $$
# \mathrm{CE}_\varepsilon(p, y) = (1 - \varepsilon)\,\mathrm{CE}(p, y) + \varepsilon\,H(u, p)
# = (1 - \varepsilon)\,\mathrm{CE}(p, y) + \varepsilon\,\mathrm{KL}(u \,\|\, p) + \varepsilon \log C
# $$
#
# 因为 $H(u, p) = \mathrm{KL}(u \,\|\, p) + H(u)$，而 $H(u) = \log C$。当 $p$ 把全部质量堆到一个类别
# 上时，惩罚项 $\mathrm{KL}(u \,\|\, p)$ 会无限增大——这正是普通交叉熵所奖励的过度自信。
# 下面用库里的 `cross_entropy` 和 `kl_div`（`reduction="batchmean"`：与交叉熵一样，
# 对测试图片取平均的 KL）在平滑模型的测试 logits 上验证这个恒等式。

# %%
z = shown["label smoothing"][3]
C = z.shape[1]
log_p = F.log_softmax(z, dim=1)
kl_u_p = F.kl_div(log_p, torch.full_like(z, 1 / C), reduction="batchmean")   # mean KL(u||p)
smoothed = F.cross_entropy(z, y_test, label_smoothing=EPS)
split = (1 - EPS) * F.cross_entropy(z, y_test) + EPS * kl_u_p + EPS * math.log(C)
print(f"smoothed CE {float(smoothed):.6f} = (1 - eps) CE + eps KL(u||p) + eps log C "
      f"= {float(split):.6f}")
assert abs(float(smoothed) - float(split)) < 1e-12

kl_of = {name: float(F.kl_div(F.log_softmax(shown[name][3], dim=1),
                              torch.full_like(z, 1 / C), reduction="batchmean"))
         for name in shown}
print("mean KL(u || p) on the test set:", {k: round(v, 2) for k, v in kl_of.items()})
assert kl_of["label smoothing"] < kl_of["cross-entropy"]   # the penalty keeps p less peaked
