# %% [markdown]
# # Data augmentation: digits with random shifts — 数据增强：随机平移的手写数字
#
# **Library files:** `src/dlfs/recipes/mnist.py` (`random_shift`: each image moved by its
# own random offset), `src/dlfs/data/transforms.py` (`RandomCrop(padding=…)`, the same idea
# per image in a `Dataset`). The MNIST recipe uses it: `dlfs train mnist --shift 2`.
#
# A digit moved one pixel to the left is still the same digit, but to a multilayer
# perceptron on raw pixels it is a different input: every pixel the classifier keyed on
# has moved. **Data augmentation** builds that knowledge into the training data instead of
# the model: each step, each training image is shown at a random offset, so the network
# must learn to recognise digits wherever they sit. We train the same MLP on 300 digits
# with and without random shifts of up to one pixel (on an 8×8 image that is 12 % of its
# width), and test on the test images as they are and moved by up to one pixel.

# %% [markdown] lang="zh"
# # 数据增强：随机平移的手写数字
#
# **库文件：** `src/dlfs/recipes/mnist.py`（`random_shift`：每张图按各自的随机偏移平移），
# `src/dlfs/data/transforms.py`（`RandomCrop(padding=…)`，在 `Dataset` 里对单张图做同样的事）。MNIST
# 配方用到了它：`dlfs train mnist --shift 2`。
#
# 一个数字向左移一个像素，仍然是同一个数字；可对一个直接看像素的多层感知机来说，它是另一个输入：分类器
# 依赖的每个像素都挪了位置。**数据增强**把这条知识放进训练数据里，而不是放进模型里：每一步，每张训练
# 图都以一个随机的偏移出现，网络只好学会“不管数字在哪儿都认得出”。我们用 300 张数字图训练同一个 MLP，
# 一次不加平移、一次加最多一个像素的随机平移（对 8×8 的图来说，这是宽度的 12 %），然后分别在原样的
# 测试图和平移过的测试图上测试。

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.nn as dnn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.data.datasets import digits
from dlfs.metrics import accuracy
from dlfs.nn import functional as F
from dlfs.recipes.mnist import random_shift

ctx = lesson_context("data-augmentation")
x_all, y_all = digits("all")[:]                                      # (1797, 1, 8, 8)
order = torch.randperm(len(x_all), generator=torch.Generator().manual_seed(0))
x_train, y_train = x_all[order[:300]], y_all[order[:300]]
x_test, y_test = x_all[order[300:]], y_all[order[300:]]
torch.manual_seed(1)
x_test_shifted = random_shift(x_test, max_shift=1)                   # a fixed shifted copy
moved = (x_test_shifted != x_test).flatten(1).any(1).float().mean().item()
print(f"train {tuple(x_train.shape)}, test {tuple(x_test.shape)}; {moved:.0%} of the shifted "
      "test images moved (8 of the 9 offsets move an image)")
assert abs(moved - 8 / 9) < 0.04

# %% [markdown]
# ## 1. What the network sees
# `random_shift(x, max_shift=1)` draws an offset $(s_r, s_c)$ per image, each coordinate
# uniform in $\lbrace -1, 0, 1 \rbrace$, and moves the image by it; pixels that come from
# outside the image are 0:
#
# $$
# \tilde x_{i,j} = x_{i + s_r, j + s_c}
# $$
#
# Eight of the nine offsets move the image, hence the $8/9$ checked above. The same four
# training digits at three draws of the augmentation: every step sees a new random offset
# of each image (and a fraction of draws leaves an image where it was).

# %% [markdown] lang="zh"
# ## 1. 网络看到的是什么
# `random_shift(x, max_shift=1)` 为每张图抽一个偏移 $(s_r, s_c)$，两个坐标都均匀取自
# $\lbrace -1, 0, 1 \rbrace$，再按它平移图像；从图像外面移进来的像素填 0：
#
# $$
# \tilde x_{i,j} = x_{i + s_r, j + s_c}
# $$
#
# 九种偏移里有八种会移动图像，所以上面检验的比例是 $8/9$。下面是同样四个训练数字、三次增强抽样的结果：
# 每一步，每张图都得到一个新的随机偏移（也有一部分抽样让图原地不动）。

# %%
torch.manual_seed(0)
fig, axes = plt.subplots(4, 4, figsize=(4.4, 4.4))
for row in range(4):
    views = [x_train[row]] + [random_shift(x_train[row:row + 1], 1)[0] for _ in range(3)]
    for col, img in enumerate(views):
        axes[row, col].imshow(img[0].numpy(), cmap="gray_r")
        axes[row, col].axis("off")
for col, title in enumerate(["original", "draw 1", "draw 2", "draw 3"]):
    axes[0, col].set_title(title, fontsize=8)
ctx.savefig(fig, "shifted_digits.png")

# %% [markdown]
# ## 2. With and without augmentation
# Full-batch Adam, the same initialisation and the same number of steps; the only
# difference is `random_shift` applied to the training batch at every step. Drawing a fresh
# offset at every step means the network is trained, on average, on the expected loss over
# the shifts:
#
# $$
# \min_\theta \frac{1}{N} \sum_{i=1}^{N}
# \mathbb{E}_{s} \Big[ \ell\big(f_\theta(\mathrm{shift}_s(x_i)), y_i\big) \Big]
# $$
#
# with $\ell$ the cross-entropy and $N = 300$.

# %% [markdown] lang="zh"
# ## 2. 增强与不增强
# 全批量 Adam，相同的初始化、相同的步数；唯一的区别是每一步都对训练批次调用 `random_shift`。每一步都
# 重新抽偏移，意味着网络平均而言是在最小化对平移取期望后的损失：
#
# $$
# \min_\theta \frac{1}{N} \sum_{i=1}^{N}
# \mathbb{E}_{s} \Big[ \ell\big(f_\theta(\mathrm{shift}_s(x_i)), y_i\big) \Big]
# $$
#
# 其中 $\ell$ 是交叉熵，$N = 300$。


# %%
def train(augment: bool, steps: int) -> dnn.Sequential:
    torch.manual_seed(0)
    model = dnn.Sequential(dnn.Flatten(), dnn.Linear(64, 128), dnn.ReLU(),
                           dnn.Linear(128, 128), dnn.ReLU(), dnn.Linear(128, 10))
    opt = optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(steps):
        xb = random_shift(x_train, max_shift=1) if augment else x_train   # (300, 1, 8, 8)
        loss = F.cross_entropy(model(xb), y_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


steps = 200 if ctx.quick else 600
results = {}
for augment in (False, True):
    model = train(augment, steps)
    with torch.no_grad():
        results[augment] = (accuracy(model(x_test), y_test),
                            accuracy(model(x_test_shifted), y_test))
print(f"{steps} steps             test accuracy   shifted test accuracy")
for augment, (plain, shifted) in results.items():
    print(f"  {'with shifts' if augment else 'no augmentation':16s}   {plain:11.1%}   "
          f"{shifted:19.1%}")
gain_shifted = results[True][1] - results[False][1]
change_plain = results[True][0] - results[False][0]
print(f"augmentation: {100 * gain_shifted:+.1f} points on shifted test images, "
      f"{100 * change_plain:+.1f} on the test images as they are")
assert results[False][1] < results[False][0] - 0.3   # the plain MLP breaks on shifted digits
assert gain_shifted > 0.3                             # augmentation repairs most of it
assert change_plain > -0.08                           # at a small cost, if any, on centred ones

# %% [markdown]
# The test digits are centred the way the training digits are, so on them the unaugmented
# network has nothing to lose, and in this small run the augmented one gives up a little
# (it has spent part of its capacity and its steps on positions the plain test never
# shows). On digits that move, the unaugmented network fails badly while the augmented one
# barely notices. Augmentation is a statement about which changes should not change the
# answer — choose ones that hold for the data at test time (a flipped 6 is not a 6; a
# shifted one is). A convolutional network builds part of this invariance into its
# architecture instead (`classic-cnns`), and is commonly trained with augmentation as well.

# %% [markdown] lang="zh"
# 测试集里的数字和训练集一样是居中的，所以在它们上面，不做增强的网络没有什么损失，而在这个小实验里做了
# 增强的网络反倒让出了一点（它把部分容量和训练步数花在了原样测试集里从不出现的位置上）。而在会移动的数字
# 上，不做增强的网络错得一塌糊涂，做了增强的网络几乎不受影响。数据增强是在声明“哪些变化不应改变答案”
# ——要选在测试时对数据依然成立的变化（翻转过来的 6 不是 6，平移过的 6 还是 6）。卷积网络则把一部分这样
# 的不变性直接做进了结构里（`classic-cnns`），通常也同样配合数据增强来训练。
