# %% [markdown]
# # Day 9 · Loss function inputs: shape and dtype details — Loss 函数的输入细节
#
# **Library files:** `src/dlfs/nn/functional/loss.py` (every loss, from tensor ops; the
# class-index ones in `class_losses.py`),
# `src/dlfs/nn/loss.py` (the `nn.*Loss` modules); proof of equality with torch in
# `tests/nn/test_losses.py`.
#
# Most loss bugs are not in the math but in what goes *in*: the dtype of the target, whether
# the model output is a logit or a probability, and whether two shapes really match. Each
# pitfall below is run twice — with `torch.nn` and with our `dlfs.nn` — shown failing (the
# error message is caught and checked), and then fixed.
#
# | loss | input | target |
# |---|---|---|
# | `CrossEntropyLoss` | logits `(B, C)` or `(B, C, d1, ...)` | int64 `(B,)` / `(B, d1, ...)`, or float probabilities shaped like the input |
# | `NLLLoss` | **log**-probabilities `(B, C, ...)` | int64 `(B, ...)` |
# | `BCEWithLogitsLoss` | logits, any shape | float, **same** shape |
# | `BCELoss` | probabilities in [0, 1] | float, **same** shape |
# | `MSELoss` / `L1Loss` | any shape | same shape (else it broadcasts!) |
#
# The math, for reference: with class-index targets $y_i$, `CrossEntropyLoss` averages over
# the batch
#
# $$
# \ell_i = -\log \mathrm{softmax}(\text{logits}_i)_{y_i}
# = -\text{logits}_{i, y_i} + \log \sum_{c=1}^{C} e^{\text{logits}_{i, c}},
# \qquad
# \frac{\partial \ell_i}{\partial\, \text{logits}_i}
# = \mathrm{softmax}(\text{logits}_i) - \mathrm{onehot}(y_i)
# $$

# %% [markdown] lang="zh"
# # 第 9 天 · 损失函数的输入：形状与 dtype 的细节
#
# **库文件：** `src/dlfs/nn/functional/loss.py`（所有损失函数，都由张量运算写成；以类别索引为
# 目标的几个在 `class_losses.py` 中）、`src/dlfs/nn/loss.py`（`nn.*Loss` 模块）；与 torch 相等
# 的证明见 `tests/nn/test_losses.py`。
#
# 大多数损失函数的 bug 不在数学上，而在*输入*上：目标的 dtype、模型输出是 logit 还是概率、两个
# 形状是否真的一致。下面每个陷阱都跑两遍——分别用 `torch.nn` 和我们的 `dlfs.nn`——先展示它如何
# 失败（捕获并检查错误信息），再修好它。
#
# | 损失 | 输入 | 目标 |
# |---|---|---|
# | `CrossEntropyLoss` | logits `(B, C)` 或 `(B, C, d1, ...)` | int64 `(B,)` / `(B, d1, ...)`，或与输入形状相同的 float 概率 |
# | `NLLLoss` | **对数**概率 `(B, C, ...)` | int64 `(B, ...)` |
# | `BCEWithLogitsLoss` | logits，任意形状 | float，**相同**形状 |
# | `BCELoss` | [0, 1] 内的概率 | float，**相同**形状 |
# | `MSELoss` / `L1Loss` | 任意形状 | 相同形状（否则会广播！） |
#
# 数学公式备查：目标为类别索引 $y_i$ 时，`CrossEntropyLoss` 对批次取平均，其中
#
# $$
# \ell_i = -\log \mathrm{softmax}(\text{logits}_i)_{y_i}
# = -\text{logits}_{i, y_i} + \log \sum_{c=1}^{C} e^{\text{logits}_{i, c}},
# \qquad
# \frac{\partial \ell_i}{\partial\, \text{logits}_i}
# = \mathrm{softmax}(\text{logits}_i) - \mathrm{onehot}(y_i)
# $$

# %%
import math
import warnings

import matplotlib.pyplot as plt
import torch
from torch import nn

import dlfs.nn as dnn
from dlfs.curriculum import lesson_context
from dlfs.errors import DlfsError

ctx = lesson_context("loss-inputs")
torch.manual_seed(0)


def fails(fn, *args):
    """Run ``fn(*args)``, require that it raises, and return the first line of the message."""
    try:
        fn(*args)
    except (RuntimeError, ValueError, IndexError, DlfsError) as err:
        return f"{type(err).__name__}: {str(err).splitlines()[0]}"
    raise AssertionError(f"{fn} accepted {args}")


B, C = 4, 3
logits = torch.randn(B, C)                          # (B, C): raw scores from a model
labels = torch.tensor([0, 2, 1, 2])                 # (B,) int64 class indices
ce_torch, ce_ours = nn.CrossEntropyLoss(), dnn.CrossEntropyLoss()
reference = ce_torch(logits, labels)
assert torch.allclose(ce_ours(logits, labels), reference)
print(f"logits {tuple(logits.shape)}, labels {tuple(labels.shape)} {labels.dtype}: "
      f"cross-entropy {reference.item():.4f} (torch and dlfs agree)")

# %% [markdown]
# ## 1. Class-index targets must be int64
# Labels read from a CSV or built with `torch.tensor([0., 2., ...])` are float; labels made
# by NumPy on some platforms are int32. Both are refused: an index is not a number to be
# regressed, and the kernels index with 64-bit integers.

# %% [markdown] lang="zh"
# ## 1. 类别索引目标必须是 int64
# 从 CSV 读入的标签，或用 `torch.tensor([0., 2., ...])` 构造的标签，是 float；在某些平台上由
# NumPy 生成的标签是 int32。两者都会被拒绝：索引不是用来回归的数值，而且底层内核用 64 位整数
# 做索引。

# %%
for bad in (labels.float(), labels.int()):
    msg_t, msg_o = fails(ce_torch, logits, bad), fails(ce_ours, logits, bad)
    print(f"target {bad.dtype}:\n  torch -> {msg_t}\n  dlfs  -> {msg_o}")
    assert "Long" in msg_t and "int64" in msg_o
fixed = ce_ours(logits, labels.float().long())
assert torch.allclose(fixed, reference)
print("fix: target.long() ->", round(fixed.item(), 4))

# %% [markdown]
# ## 2. One-hot targets are *probabilities*, so they must be float
# When the target has the input's shape `(B, C)`, it is read as a distribution over classes.
# A float one-hot gives exactly the index loss; an int64 one-hot is refused. With target
# probabilities $t_{i,c}$ the loss is
#
# $$
# \ell_i = -\sum_{c=1}^{C} t_{i,c} \log \mathrm{softmax}(\text{logits}_i)_c
# $$
#
# which for $t_i = \mathrm{onehot}(y_i)$ is the index loss above.

# %% [markdown] lang="zh"
# ## 2. one-hot 目标是*概率*，所以必须是 float
# 当目标的形状与输入相同，都是 `(B, C)` 时，它被解读为类别上的概率分布。float 类型的 one-hot
# 得到的损失与索引形式完全相同；int64 类型的 one-hot 会被拒绝。目标概率为 $t_{i,c}$ 时，损失为
#
# $$
# \ell_i = -\sum_{c=1}^{C} t_{i,c} \log \mathrm{softmax}(\text{logits}_i)_c
# $$
#
# 当 $t_i = \mathrm{onehot}(y_i)$ 时，它就是上面的索引形式。

# %%
onehot = torch.zeros(B, C, dtype=torch.long).scatter_(1, labels[:, None], 1)   # (B, C)
msg_t, msg_o = fails(ce_torch, logits, onehot), fails(ce_ours, logits, onehot)
print(f"int64 one-hot:\n  torch -> {msg_t}\n  dlfs  -> {msg_o}")
# dlfs speaks the learner's language (`dlfs --lang zh`): either wording of "floating point"
assert "floating point" in msg_t and any(s in msg_o for s in ("floating point", "浮点"))
assert torch.allclose(ce_ours(logits, onehot.float()), reference)
soft = torch.softmax(torch.randn(B, C), dim=1)      # soft labels (e.g. distillation)
assert torch.allclose(ce_ours(logits, soft), ce_torch(logits, soft))
print("fix: onehot.float() gives the same loss as the indices; soft labels work too")

# %% [markdown]
# ## 3. Logits, not probabilities, go into CrossEntropyLoss
# CrossEntropyLoss applies log-softmax itself. Feeding it `softmax(logits)` raises no error,
# it silently squashes the scores into [0, 1]: even a perfect, certain prediction keeps a
# loss of at least `log(1 + (C - 1) / e)`, and the gradients shrink. The certain prediction
# has probabilities $(1, 0, \dots, 0)$; read as logits they give
#
# $$
# -\log \frac{e^{1}}{e^{1} + (C - 1)\, e^{0}} = \log\Bigl(1 + \frac{C - 1}{e}\Bigr)
# $$

# %% [markdown] lang="zh"
# ## 3. 送进 CrossEntropyLoss 的是 logits，不是概率
# CrossEntropyLoss 自己会做 log-softmax。把 `softmax(logits)` 喂给它不会报错，却会悄悄地把分数
# 压进 [0, 1]：即使是完美且确信的预测，损失也至少有 `log(1 + (C - 1) / e)`，梯度也会变小。确信
# 的预测其概率为 $(1, 0, \dots, 0)$；把它们当作 logits，得到
#
# $$
# -\log \frac{e^{1}}{e^{1} + (C - 1)\, e^{0}} = \log\Bigl(1 + \frac{C - 1}{e}\Bigr)
# $$

# %%
certain = torch.tensor([[50.0, -50.0, -50.0]])                        # (1, C)
y0 = torch.tensor([0])
right = ce_ours(certain, y0).item()
double = ce_ours(torch.softmax(certain, dim=1), y0).item()
floor = math.log(1 + (C - 1) / math.e)
print(f"certain and correct: loss on logits {right:.2e}, on softmax probabilities {double:.4f} "
      f"(floor log(1 + (C-1)/e) = {floor:.4f})")
assert right < 1e-6 and abs(double - floor) < 1e-6

x = logits.clone().requires_grad_(True)
ce_ours(x, labels).backward()
g_logits = x.grad.norm().item()
x.grad = None
ce_ours(torch.softmax(x, dim=1), labels).backward()
g_double = x.grad.norm().item()
print(f"gradient norm: {g_logits:.4f} on logits vs {g_double:.4f} through an extra softmax")
assert g_double < g_logits

# %% [markdown]
# ## 4. NLLLoss wants log-probabilities
# `NLLLoss` only picks `-input[i, y_i]`; it does not normalize. On raw logits the "loss" can
# be negative and is minimized by making one logit huge. `log_softmax` + `NLLLoss` equals
# `CrossEntropyLoss`:
#
# $$
# \mathrm{NLL}(\text{input})_i = -\text{input}_{i, y_i},
# \qquad
# \mathrm{NLL}\bigl(\log \mathrm{softmax}(\text{logits})\bigr) = \mathrm{CE}(\text{logits})
# $$

# %% [markdown] lang="zh"
# ## 4. NLLLoss 要的是对数概率
# `NLLLoss` 只是取出 `-input[i, y_i]`，并不做归一化。在原始 logits 上，这个“损失”可以是负数，
# 而且只要把某个 logit 变得极大就能把它压低。`log_softmax` + `NLLLoss` 等于
# `CrossEntropyLoss`：
#
# $$
# \mathrm{NLL}(\text{input})_i = -\text{input}_{i, y_i},
# \qquad
# \mathrm{NLL}\bigl(\log \mathrm{softmax}(\text{logits})\bigr) = \mathrm{CE}(\text{logits})
# $$

# %%
nll = dnn.NLLLoss()
big = torch.tensor([[5.0, 1.0, 0.0]])
print(f"NLLLoss on raw logits: {nll(big, y0).item():.2f} (a negative 'loss')")
assert nll(big, y0) < 0
assert torch.allclose(nll(torch.log_softmax(logits, 1), labels), reference)
print("fix: NLLLoss(log_softmax(logits)) == CrossEntropyLoss(logits)")

# %% [markdown]
# ## 5. Images and sequences: classes go on dim 1
# A segmentation map predicts a class per pixel: logits `(B, C, H, W)`, target `(B, H, W)`.
# A model that puts classes last, `(B, H, W, C)` (as a Linear head on `(B, H, W, D)` does),
# must permute first. Token models: `(B, T, V)` logits need `(B, V, T)`, or flatten to
# `(B*T, V)` with targets `(B*T,)`.

# %% [markdown] lang="zh"
# ## 5. 图像和序列：类别放在第 1 维
# 分割图为每个像素预测一个类别：logits 为 `(B, C, H, W)`，目标为 `(B, H, W)`。如果模型把类别
# 放在最后一维，即 `(B, H, W, C)`（在 `(B, H, W, D)` 上接一个 Linear 输出头就是这样），就必须
# 先做 permute。词元（token）模型：`(B, T, V)` 的 logits 需要变成 `(B, V, T)`，或者展平成
# `(B*T, V)`，目标相应为 `(B*T,)`。

# %%
H = W = 5
seg_last = torch.randn(2, H, W, C)                                     # (B, H, W, C)
seg_target = torch.randint(0, C, (2, H, W))                            # (B, H, W)
msg_t, msg_o = fails(ce_torch, seg_last, seg_target), fails(ce_ours, seg_last, seg_target)
print(f"(B, H, W, C) logits:\n  torch -> {msg_t}\n  dlfs  -> {msg_o}")
assert "size mismatch" in msg_t and any(s in msg_o for s in ("classes on dim 1", "类别在第 1 维"))
per_pixel = ce_ours(seg_last.permute(0, 3, 1, 2), seg_target)          # (B, C, H, W)
flat = ce_ours(seg_last.reshape(-1, C), seg_target.reshape(-1))        # (B*H*W, C)
assert torch.allclose(per_pixel, flat) and torch.allclose(per_pixel,
                                                          ce_torch(seg_last.permute(0, 3, 1, 2),
                                                                   seg_target))
print(f"fix: permute to (B, C, H, W) or flatten to (B*H*W, C): both give {per_pixel.item():.4f}")

# %% [markdown]
# ## 6. Binary targets: float, and exactly the input's shape
# A binary classifier usually ends in `Linear(d, 1)`, giving logits `(B, 1)`, while labels
# come as `(B,)`. The BCE losses refuse the mismatch; integer labels are refused too. For a
# probability $q$ and a target $y \in [0, 1]$, elementwise:
#
# $$
# \mathrm{BCE}(q, y) = -\bigl(y \log q + (1 - y) \log(1 - q)\bigr)
# $$
#
# MSELoss is more dangerous: `(B, 1) - (B,)` *broadcasts* to `(B, B)` and returns a number
# that means nothing (torch only warns).

# %% [markdown] lang="zh"
# ## 6. 二分类目标：float，且形状与输入完全相同
# 二分类器通常以 `Linear(d, 1)` 结尾，得到 `(B, 1)` 的 logits，而标签却是 `(B,)`。BCE 类损失会
# 拒绝这种不匹配；整数标签也会被拒绝。对概率 $q$ 和目标 $y \in [0, 1]$，逐元素计算：
#
# $$
# \mathrm{BCE}(q, y) = -\bigl(y \log q + (1 - y) \log(1 - q)\bigr)
# $$
#
# MSELoss 更危险：`(B, 1) - (B,)` 会*广播*成 `(B, B)`，返回一个毫无意义的数（torch 只给出
# 警告）。

# %%
bce_t, bce_o = nn.BCEWithLogitsLoss(), dnn.BCEWithLogitsLoss()
z = torch.randn(B, 1)                                                  # (B, 1) logits
t01 = torch.tensor([1.0, 0.0, 0.0, 1.0])                               # (B,)
msg_t, msg_o = fails(bce_t, z, t01), fails(bce_o, z, t01)
print(f"logits (B, 1) vs targets (B,):\n  torch -> {msg_t}\n  dlfs  -> {msg_o}")
assert "must be the same as input size" in msg_t
assert any(s in msg_o for s in ("must equal input shape", "必须与输入形状")) and "(4, 1)" in msg_o
msg_t, msg_o = fails(bce_t, z.squeeze(1), t01.long()), fails(bce_o, z.squeeze(1), t01.long())
print(f"int64 targets:\n  torch -> {msg_t}\n  dlfs  -> {msg_o}")
assert "Float" in msg_t or "Long" in msg_t
assert any(s in msg_o for s in ("floating point", "浮点"))
good = bce_o(z.squeeze(1), t01)
assert torch.allclose(good, bce_t(z, t01.unsqueeze(1)))
print(f"fix: logits.squeeze(1) or target.unsqueeze(1) -> {good.item():.4f}")

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    wrong = dnn.MSELoss()(z, t01)                                       # (B, 1) vs (B,)
assert caught and any(s in str(caught[0].message) for s in ("broadcast", "广播"))
right = dnn.MSELoss()(z.squeeze(1), t01)
print(f"MSE (B,1) vs (B,): {wrong.item():.4f} (a (B, B) average, with a warning) "
      f"vs {right.item():.4f} after squeeze")
assert not torch.allclose(wrong, right)

# %% [markdown]
# ## 7. Probabilities vs logits for BCE: stability
# `BCELoss` wants probabilities in [0, 1]; logits are refused. `sigmoid` then `BCELoss` works
# but saturates: from a confident wrong logit `x ≈ 17` on, `sigmoid(x)` rounds to 1 in float32,
# `log(1 - 1)` is clamped at -100, and the loss sticks at 100 with no gradient.
# `BCEWithLogitsLoss` computes `(1 - y) x - log sigmoid(x)` in one stable expression: exactly
# `x` here, with gradient 1. Using $\log(1 - \sigma(x)) = \log \sigma(x) - x$:
#
# $$
# \mathrm{BCE}(\sigma(x), y) = (1 - y)\, x - \log \sigma(x),
# \qquad
# \frac{\partial\, \mathrm{BCE}}{\partial x} = \sigma(x) - y
# $$

# %% [markdown] lang="zh"
# ## 7. BCE 用概率还是 logits：数值稳定性
# `BCELoss` 要的是 [0, 1] 内的概率；logits 会被拒绝。先 `sigmoid` 再 `BCELoss` 能用，但会饱和：
# 一旦出现很确信的错误 logit（从 `x ≈ 17` 起），`sigmoid(x)` 在 float32 中就舍入成 1，
# `log(1 - 1)` 被截断在 -100，损失卡在 100，梯度为零。`BCEWithLogitsLoss` 用一个稳定的表达式
# 计算 `(1 - y) x - log sigmoid(x)`：这里正好等于 `x`，梯度为 1。利用
# $\log(1 - \sigma(x)) = \log \sigma(x) - x$：
#
# $$
# \mathrm{BCE}(\sigma(x), y) = (1 - y)\, x - \log \sigma(x),
# \qquad
# \frac{\partial\, \mathrm{BCE}}{\partial x} = \sigma(x) - y
# $$

# %%
msg_o = fails(dnn.BCELoss(), torch.tensor([2.5]), torch.tensor([1.0]))
print(f"BCELoss on a logit: dlfs -> {msg_o}")
assert any(s in msg_o for s in ("between 0 and 1", "在 0 到 1 之间"))
xs = torch.linspace(-60, 60, 241, requires_grad=True)                  # (241,) logits
zeros = torch.zeros_like(xs)
via_sigmoid = dnn.BCELoss(reduction="none")(torch.sigmoid(xs), zeros)
stable = dnn.BCEWithLogitsLoss(reduction="none")(xs, zeros)
i40 = int((xs.detach() == 40).nonzero())
print(f"x = 40, y = 0: sigmoid+BCELoss {via_sigmoid[i40].item():.2f}, "
      f"BCEWithLogitsLoss {stable[i40].item():.2f}")
assert via_sigmoid[i40].item() == 100.0 and abs(stable[i40].item() - 40.0) < 1e-4
(g_sig,) = torch.autograd.grad(via_sigmoid[i40], xs)
(g_stab,) = torch.autograd.grad(stable[i40], xs)
assert g_sig[i40] == 0 and abs(g_stab[i40].item() - 1) < 1e-6
print("gradient at x = 40: 0 through sigmoid+BCELoss, 1 with BCEWithLogitsLoss")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(xs.detach(), via_sigmoid.detach(), label="BCELoss(sigmoid(x), 0)")
ax.plot(xs.detach(), stable.detach(), "--", label="BCEWithLogitsLoss(x, 0)")
ax.set_xlabel("logit x")
ax.set_ylabel("loss for target 0")
ax.set_title("float32: the two-step loss saturates, the fused one stays exact")
ax.legend()
ctx.savefig(fig, "bce_saturation.png")

# %% [markdown]
# ## 8. What 'mean' means with class weights and ignore_index
# With `weight` the mean is a *weighted* mean: `sum_i w[y_i] l_i / sum_i w[y_i]`, and targets
# equal to `ignore_index` (default -100, e.g. padding tokens) drop out of both sums:
#
# $$
# L = \frac{\sum_{i:\, y_i \ne -100} w_{y_i}\, \ell_i}{\sum_{i:\, y_i \ne -100} w_{y_i}}
# $$

# %% [markdown] lang="zh"
# ## 8. 有类别权重和 ignore_index 时，“mean” 是什么意思
# 有 `weight` 时，平均是*加权*平均：`sum_i w[y_i] l_i / sum_i w[y_i]`；等于 `ignore_index`（默认
# -100，例如填充用的词元）的目标从分子和分母中同时剔除：
#
# $$
# L = \frac{\sum_{i:\, y_i \ne -100} w_{y_i}\, \ell_i}{\sum_{i:\, y_i \ne -100} w_{y_i}}
# $$

# %%
w = torch.tensor([1.0, 2.0, 0.5])
padded = torch.tensor([0, 2, -100, 2])
per_item = dnn.CrossEntropyLoss(weight=w, reduction="none")(logits, padded)   # (B,)
kept = padded != -100
by_hand = per_item.sum() / w[padded[kept]].sum()
ours = dnn.CrossEntropyLoss(weight=w)(logits, padded)
assert torch.allclose(ours, by_hand) and torch.allclose(ours, nn.CrossEntropyLoss(weight=w)(
    logits, padded))
assert per_item[2] == 0
print(f"weighted mean: {ours.item():.4f} = sum(w[y] * l) / sum(w[y]) over kept targets "
      f"(per-item {[round(v, 3) for v in per_item.tolist()]})")
