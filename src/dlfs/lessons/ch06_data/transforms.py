# %% [markdown]
# # Transforms: ToTensor, Normalize, Resize, crops, flips, Compose — 数据变换
#
# **Library files:** `src/dlfs/data/transforms.py` (the transform classes),
# `src/dlfs/data/image_ops.py` (resize, pad, crop, flip as functions),
# `src/dlfs/data/formats/image_folder.py` (ImageFolder), `src/dlfs/data/datasets/shapes.py`.
#
# Images come off disk as uint8 arrays `(H, W, C)` with values 0…255; models want float
# tensors `(C, H, W)`, roughly centred, all of one size. Transforms bridge the two, one
# small step each, chained by `Compose`. Here they run on the synthetic shapes images —
# no PIL or torchvision needed.

# %% [markdown] lang="zh"
# # 数据变换：ToTensor、Normalize、Resize、裁剪、翻转与 Compose
#
# **库文件：** `src/dlfs/data/transforms.py`（各个变换类）、`src/dlfs/data/image_ops.py`（以函数
# 形式实现的缩放、填充、裁剪、翻转）、`src/dlfs/data/formats/image_folder.py`（ImageFolder）、
# `src/dlfs/data/datasets/shapes.py`。
#
# 从磁盘读出的图像是 `(H, W, C)` 的 uint8 数组，取值 0…255；模型要的是 `(C, H, W)` 的浮点
# 张量，大致以 0 为中心，尺寸一致。变换（transform）在两者之间架起桥梁，每个变换只做一小步，
# 由 `Compose` 串起来。这里它们作用在合成的形状图像上——不需要 PIL，也不需要 torchvision。

# %%
import shutil

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from dlfs.curriculum import lesson_context
from dlfs.data import DataLoader
from dlfs.data.datasets import digits, shapes
from dlfs.data.formats import ImageFolder, write_image_folder
from dlfs.data.transforms import (
    CenterCrop,
    Compose,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    Resize,
    ToTensor,
)

ctx = lesson_context("data-transforms")
train = shapes("train", n_train=300 if ctx.quick else 600)
img, label = train[0]
print("raw sample:", img.shape, img.dtype, "values", img.min(), "…", img.max(),
      "label", train.classes[label])

# %% [markdown]
# ## 1. ToTensor: `(H, W, C)` uint8 → `(C, H, W)` float in [0, 1]
#
# $$
# t_{c, h, w} = \frac{\text{img}_{h, w, c}}{255}
# $$

# %% [markdown] lang="zh"
# ## 1. ToTensor：`(H, W, C)` uint8 → `(C, H, W)`、取值在 [0, 1] 的 float
#
# $$
# t_{c, h, w} = \frac{\text{img}_{h, w, c}}{255}
# $$

# %%
t = ToTensor()(img)
print("ToTensor:", tuple(t.shape), t.dtype, f"{t.min():.3f} … {t.max():.3f}")
assert t.shape == (3, 32, 32) and t.dtype == torch.float32
assert torch.equal(t[1], torch.from_numpy(img[:, :, 1]).float() / 255), "channel 1 = green"

# %% [markdown]
# ## 2. Normalize with the training set's statistics
# `out[c] = (x[c] - mean[c]) / std[c]`. Computed over the training images, mean and std
# make every channel of the training set average 0 with spread 1. Per channel $c$, over the
# $N$ images and their $H \times W$ pixels (`stack.std` is the unbiased standard deviation):
#
# $$
# \mathrm{mean}_c = \frac{1}{NHW} \sum_{n, h, w} x_{n, c, h, w},
# \qquad
# \mathrm{std}_c
# = \sqrt{\frac{1}{NHW - 1} \sum_{n, h, w} \bigl(x_{n, c, h, w} - \mathrm{mean}_c\bigr)^2},
# \qquad
# \text{out}_c = \frac{x_c - \mathrm{mean}_c}{\mathrm{std}_c}
# $$

# %% [markdown] lang="zh"
# ## 2. 用训练集的统计量做 Normalize
# `out[c] = (x[c] - mean[c]) / std[c]`。在训练图像上算出均值和标准差，就能让训练集的每个通道
# 均值为 0、离散程度为 1。对每个通道 $c$，在 $N$ 张图像及其 $H \times W$ 个像素上计算
# （`stack.std` 是无偏标准差）：
#
# $$
# \mathrm{mean}_c = \frac{1}{NHW} \sum_{n, h, w} x_{n, c, h, w},
# \qquad
# \mathrm{std}_c
# = \sqrt{\frac{1}{NHW - 1} \sum_{n, h, w} \bigl(x_{n, c, h, w} - \mathrm{mean}_c\bigr)^2},
# \qquad
# \text{out}_c = \frac{x_c - \mathrm{mean}_c}{\mathrm{std}_c}
# $$

# %%
stack = torch.stack([ToTensor()(im) for im in train.images])  # (N, 3, 32, 32)
mean = stack.mean(dim=(0, 2, 3))  # (3,)
std = stack.std(dim=(0, 2, 3))
print("channel means:", [round(v, 3) for v in mean.tolist()], "stds:",
      [round(v, 3) for v in std.tolist()])
normalized = Normalize(mean.tolist(), std.tolist())(stack)
print("after Normalize:", [round(v, 4) for v in normalized.mean(dim=(0, 2, 3)).tolist()],
      [round(v, 4) for v in normalized.std(dim=(0, 2, 3)).tolist()])
torch.testing.assert_close(normalized.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-4, rtol=0)
torch.testing.assert_close(normalized.std(dim=(0, 2, 3)), torch.ones(3), atol=1e-4, rtol=0)

# %% [markdown]
# ## 3. Resize: bilinear interpolation by index arithmetic
# Output pixel d samples input position s = (d + 0.5)·H_in/H_out − 0.5 and mixes its two
# neighbours by the distance. This is `F.interpolate(mode="bilinear", align_corners=False)`;
# we check it on an 8×8 digit scaled to 28×28. Along one axis (and then the other), with $s$
# clamped at 0 and the right neighbour clamped at the last pixel:
#
# $$
# s = (d + 0.5)\, \frac{H_{\text{in}}}{H_{\text{out}}} - 0.5,
# \qquad i_0 = \lfloor s \rfloor, \quad \lambda = s - i_0,
# \qquad \text{out}[d] = (1 - \lambda)\, x[i_0] + \lambda\, x[i_0 + 1]
# $$

# %% [markdown] lang="zh"
# ## 3. Resize：用索引算术实现双线性插值
# 输出像素 d 在输入位置 s = (d + 0.5)·H_in/H_out − 0.5 处取样，并按距离混合它两侧的两个相邻
# 像素。这就是 `F.interpolate(mode="bilinear", align_corners=False)`；我们在一张放大到 28×28 的
# 8×8 数字图像上验证。沿一个轴（再沿另一个轴）计算，$s$ 在 0 处截断，右侧相邻像素不超过最后
# 一个像素：
#
# $$
# s = (d + 0.5)\, \frac{H_{\text{in}}}{H_{\text{out}}} - 0.5,
# \qquad i_0 = \lfloor s \rfloor, \quad \lambda = s - i_0,
# \qquad \text{out}[d] = (1 - \lambda)\, x[i_0] + \lambda\, x[i_0 + 1]
# $$

# %%
digit, digit_label = digits()[0]  # (1, 8, 8)
big = Resize((28, 28))(digit)  # (1, 28, 28)
reference = F.interpolate(digit[None], size=(28, 28), mode="bilinear", align_corners=False,
                          antialias=False)[0]
print("Resize:", tuple(digit.shape), "->", tuple(big.shape), "max |ours - F.interpolate| =",
      f"{(big - reference).abs().max():.2e}")
assert torch.allclose(big, reference, atol=1e-6)
assert Resize(16)(t).shape == (3, 16, 16), "an int sets the shorter side"

# %% [markdown]
# ## 4. Crops and flips (data augmentation)
# `RandomCrop(32, padding=4)` pads 4 pixels on each side, then cuts a random 32×32 window:
# the shape moves by up to 4 pixels. `RandomHorizontalFlip` mirrors half of the images.
# Both draw from a generator, so a seed repeats the augmentation.

# %% [markdown] lang="zh"
# ## 4. 裁剪与翻转（数据增强）
# `RandomCrop(32, padding=4)` 先在每边填充 4 个像素，再随机切出一个 32×32 的窗口：图形最多
# 移动 4 个像素。`RandomHorizontalFlip` 把一半的图像左右镜像。两者都从生成器中取随机数，所以
# 设定种子就能重复同样的增强。

# %%
augment = Compose([RandomCrop(32, padding=4, padding_mode="edge",
                              generator=torch.Generator().manual_seed(0)),
                   RandomHorizontalFlip(generator=torch.Generator().manual_seed(0))])
views = [augment(img) for _ in range(6)]
assert all(v.shape == img.shape for v in views)
assert any(not np.array_equal(v, views[0]) for v in views[1:]), "views differ"
flipped = RandomHorizontalFlip(p=1.0)(img)
assert np.array_equal(flipped[:, ::-1], img)
center = CenterCrop(20)(img)
assert np.array_equal(center, img[6:26, 6:26])
print("augmented views:", len(views), "| CenterCrop(20):", center.shape)

# %% [markdown]
# ## 5. A full pipeline inside a Dataset and a DataLoader

# %% [markdown] lang="zh"
# ## 5. 在 Dataset 和 DataLoader 中使用完整的变换流水线

# %%
pipeline = Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), ToTensor(),
                    Normalize(mean.tolist(), std.tolist())])
print(pipeline)
augmented_train = shapes("train", n_train=len(train), transform=pipeline)
xb, yb = next(iter(DataLoader(augmented_train, batch_size=16, shuffle=True,
                              generator=torch.Generator().manual_seed(0))))
print("batch:", tuple(xb.shape), xb.dtype, "labels", yb[:8].tolist())
assert xb.shape == (16, 3, 32, 32) and yb.shape == (16,)

# %% [markdown]
# ## 6. The same images as an ImageFolder tree
# One folder per class, one file per image (Netpbm `.ppm` here, readable without PIL).
# `ImageFolder` finds the classes from the folder names and applies the same transforms.

# %% [markdown] lang="zh"
# ## 6. 同样的图像组织成 ImageFolder 目录树
# 每个类别一个文件夹，每张图像一个文件（这里用 Netpbm 的 `.ppm` 格式，不用 PIL 也能读）。
# `ImageFolder` 从文件夹名中找出类别，并应用同样的变换。

# %%
root = ctx.path("shapes_folder")
shutil.rmtree(root, ignore_errors=True)  # start clean: a previous run may have left files
write_image_folder(root, train.images[:30], train.targets[:30], train.classes)
folder = ImageFolder(root, transform=ToTensor())
print("ImageFolder classes:", folder.classes, "| samples:", len(folder))
first_path, first_target = folder.samples[0]
index = int(first_path.stem)
assert folder.classes == train.classes and len(folder) == 30
assert torch.equal(folder[0][0], ToTensor()(train.images[index]))
assert first_target == train.targets[index]

# %%
fig, axes = plt.subplots(2, 6, figsize=(9, 3.4))
for ax, view in zip(axes[0], views):
    ax.imshow(view)
    ax.axis("off")
axes[0, 0].set_title("RandomCrop + flip views", loc="left", fontsize=9)
axes[1, 0].imshow(digit[0].numpy(), cmap="gray")
axes[1, 0].set_title("8x8", fontsize=9)
axes[1, 1].imshow(big[0].numpy(), cmap="gray")
axes[1, 1].set_title("Resize 28x28", fontsize=9)
axes[1, 2].imshow(img)
axes[1, 2].set_title("original", fontsize=9)
axes[1, 3].imshow(center)
axes[1, 3].set_title("CenterCrop(20)", fontsize=9)
axes[1, 4].imshow(flipped)
axes[1, 4].set_title("flipped", fontsize=9)
axes[1, 5].imshow(((xb[0] - xb[0].min()) / (xb[0].max() - xb[0].min())).permute(1, 2, 0).numpy())
axes[1, 5].set_title("pipeline output", fontsize=9)
for ax in axes[1]:
    ax.axis("off")
fig.tight_layout()
ctx.savefig(fig, "transforms.png")
