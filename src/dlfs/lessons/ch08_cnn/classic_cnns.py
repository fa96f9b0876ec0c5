# %% [markdown]
# # Classic CNNs: LeNet → AlexNet → VGG → NiN — 经典卷积神经网络
#
# **Library files:** `src/dlfs/models/cnn/lenet.py`, `alexnet.py`, `vgg.py`, `nin.py`,
# `lecture_nets.py` (Liu Er's lecture-10 CNN), `registry.py`; the layers come from
# `src/dlfs/nn/conv.py` and `pooling.py`; tables from `dlfs.playground.model_summary`.
# Tests: `tests/models/test_cnn_params.py`, `tests/models/test_cnn_forward.py`.
#
# Four networks, four ideas:
#
# | net | year | idea |
# |---|---|---|
# | LeNet-5 | 1998 | conv → pool → conv → pool → fully connected: local filters, shared weights |
# | AlexNet | 2012 | the same recipe, much wider and deeper, ReLU + dropout, trained on GPUs |
# | VGG | 2014 | only 3×3 convs, stacked in blocks; depth as the design knob |
# | NiN | 2013 | 1×1 convs (a per-pixel MLP) and global average pooling instead of big FC layers |
#
# Every model below is composed from `dlfs.nn` layers only; the parameter counts are those
# torchvision publishes for its (identically laid out) models.
#
# References: LeCun et al., 1998, *Gradient-Based Learning Applied to Document Recognition*;
# Krizhevsky et al., 2012, *ImageNet Classification with Deep Convolutional Neural Networks*;
# Simonyan & Zisserman, 2014, *Very Deep Convolutional Networks for Large-Scale Image
# Recognition*; Lin et al., 2013, *Network In Network*.

# %% [markdown] lang="zh"
# # 经典卷积神经网络：LeNet → AlexNet → VGG → NiN
#
# **库文件：** `src/dlfs/models/cnn/lenet.py`、`alexnet.py`、`vgg.py`、`nin.py`、
# `lecture_nets.py`（刘二大人第 10 讲的 CNN）、`registry.py`；各层来自 `src/dlfs/nn/conv.py` 和
# `pooling.py`；表格由 `dlfs.playground.model_summary` 生成。
# 测试：`tests/models/test_cnn_params.py`、`tests/models/test_cnn_forward.py`。
#
# 四个网络，四种思想：
#
# | 网络 | 年份 | 思想 |
# |---|---|---|
# | LeNet-5 | 1998 | 卷积 → 池化 → 卷积 → 池化 → 全连接：局部滤波器，权重共享 |
# | AlexNet | 2012 | 同样的配方，但宽得多、深得多，ReLU + dropout，在 GPU 上训练 |
# | VGG | 2014 | 只用 3×3 卷积，按块堆叠；以深度作为设计的调节旋钮 |
# | NiN | 2013 | 用 1×1 卷积（逐像素的 MLP）和全局平均池化代替庞大的全连接层 |
#
# 下面的每个模型都只由 `dlfs.nn` 的层组成；参数量与 torchvision 公布的（结构完全相同的）模型
# 一致。
#
# 参考文献：LeCun et al., 1998, *Gradient-Based Learning Applied to Document Recognition*；
# Krizhevsky et al., 2012, *ImageNet Classification with Deep Convolutional Neural Networks*；
# Simonyan & Zisserman, 2014, *Very Deep Convolutional Networks for Large-Scale Image
# Recognition*；Lin et al., 2013, *Network In Network*。

# %%
import matplotlib.pyplot as plt
import torch

from dlfs import nn
from dlfs.curriculum import lesson_context
from dlfs.models.cnn import alexnet, get_model, lenet5, liuer_cnn, nin, vgg11, vgg16
from dlfs.playground import model_summary, seed_everything

ctx = lesson_context("classic-cnns")
seed_everything(0)


def n_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def meta(factory, **kw) -> torch.nn.Module:
    """Build on the meta device: shapes only, no memory, so even VGG-16 costs nothing."""
    with torch.device("meta"):
        return factory(**kw)


# %% [markdown]
# ## 1. LeNet-5 on a 28×28 digit
# `model_summary` runs one forward pass and records every layer's output shape. A convolution
# with kernel $k$, stride $s$ and padding $p$ computes (as a cross-correlation, the input taken
# as 0 outside the image)
#
# $$
# y_{o,i,j} = b_o + \sum_{c=0}^{C_{\text{in}}-1} \sum_{u=0}^{k-1} \sum_{v=0}^{k-1}
# W_{o,c,u,v} \, x_{c, \, s i + u - p, \, s j + v - p}
# $$
#
# and an average pool over $k \times k$ windows (LeNet's) takes
# $y_{c,i,j} = \frac{1}{k^2} \sum_{u,v} x_{c, \, s i + u, \, s j + v}$. For both, the output
# side length is
#
# $$
# H_{\text{out}} = \Big\lfloor \frac{H + 2p - k}{s} \Big\rfloor + 1 .
# $$
#
# Follow the side length: 28 (conv 5×5 with padding 2 keeps it) → 14 (pool) → 10 (conv 5×5)
# → 5 (pool), so the first fully connected layer sees 16 · 5 · 5 = 400 numbers.

# %% [markdown] lang="zh"
# ## 1. 在 28×28 的数字图像上运行 LeNet-5
# `model_summary` 跑一次前向传播，记录每一层的输出形状。核大小为 $k$、步长为 $s$、填充为 $p$ 的
# 卷积计算的是（互相关形式，图像之外的输入视为 0）
#
# $$
# y_{o,i,j} = b_o + \sum_{c=0}^{C_{\text{in}}-1} \sum_{u=0}^{k-1} \sum_{v=0}^{k-1}
# W_{o,c,u,v} \, x_{c, \, s i + u - p, \, s j + v - p}
# $$
#
# 而在 $k \times k$ 窗口上的平均池化（LeNet 用的就是它）取
# $y_{c,i,j} = \frac{1}{k^2} \sum_{u,v} x_{c, \, s i + u, \, s j + v}$。两者的输出边长都是
#
# $$
# H_{\text{out}} = \Big\lfloor \frac{H + 2p - k}{s} \Big\rfloor + 1 .
# $$
#
# 跟着边长走一遍：28（5×5 卷积加上 2 的填充，边长不变）→ 14（池化）→ 10（5×5 卷积）→ 5（池化），
# 所以第一个全连接层看到的是 16 · 5 · 5 = 400 个数。

# %%
lenet = lenet5()
summary = model_summary(lenet, (2, 1, 28, 28))
print(summary)
shapes = {r.name: r.output_shape for r in summary.rows}
assert shapes["features.2"] == (2, 6, 14, 14)
assert shapes["features.5"] == (2, 16, 5, 5)
assert shapes["classifier.0"] == (2, 400)
assert summary.total_params == 61_706

# %% [markdown]
# Where are LeNet's parameters? A conv layer has
# $C_{\text{out}} C_{\text{in}} k^2 + C_{\text{out}}$ of them, however large the image; a fully
# connected layer has $n_{\text{in}} n_{\text{out}} + n_{\text{out}}$. The two convs hold
# $6 \cdot 1 \cdot 25 + 6 = 156$ and $16 \cdot 6 \cdot 25 + 16 = 2{,}416$; the first FC layer
# alone $400 \cdot 120 + 120 = 48{,}120$.

# %% [markdown] lang="zh"
# LeNet 的参数在哪里？一个卷积层有 $C_{\text{out}} C_{\text{in}} k^2 + C_{\text{out}}$ 个参数，
# 与图像多大无关；一个全连接层有 $n_{\text{in}} n_{\text{out}} + n_{\text{out}}$ 个。两个卷积层
# 分别有 $6 \cdot 1 \cdot 25 + 6 = 156$ 和 $16 \cdot 6 \cdot 25 + 16 = 2{,}416$ 个；仅第一个
# 全连接层就有 $400 \cdot 120 + 120 = 48{,}120$ 个。

# %%
conv_params = sum(n_params(m) for m in lenet.modules() if isinstance(m, nn.Conv2d))
fc_params = sum(n_params(m) for m in lenet.modules() if isinstance(m, nn.Linear))
print(f"LeNet-5: conv {conv_params:,}   fully connected {fc_params:,}")
assert conv_params == (6 * 1 * 25 + 6) + (16 * 6 * 25 + 16) == 2_572
assert fc_params == 61_706 - 2_572

# %% [markdown]
# ## 2. Liu Er's lecture-10 CNN (刘二大人 第 10 讲)
# conv 5×5 (10 channels) → max-pool → conv 5×5 (20) → max-pool → one linear layer.
# 28 → 24 → 12 → 8 → 4 (each 5×5 conv without padding gives $H - 5 + 1$, each 2×2 pool
# $\lfloor H / 2 \rfloor$), hence the famous `Linear(320, 10)`: 20 · 4 · 4 = 320.

# %% [markdown] lang="zh"
# ## 2. 刘二大人第 10 讲的 CNN
# 5×5 卷积（10 个通道）→ 最大池化 → 5×5 卷积（20 个通道）→ 最大池化 → 一个线性层。
# 28 → 24 → 12 → 8 → 4（每个不带填充的 5×5 卷积得到 $H - 5 + 1$，每个 2×2 池化得到
# $\lfloor H / 2 \rfloor$），这就是那个著名的 `Linear(320, 10)` 的由来：20 · 4 · 4 = 320。

# %%
liuer = liuer_cnn()
summary = model_summary(liuer, (2, 1, 28, 28))
print(summary)
rows = [r for r in summary.rows if r.name == "fc"]
assert liuer.fc.in_features == 320 and rows[0].output_shape == (2, 10)
assert summary.total_params == 8_490

# %% [markdown]
# ## 3. AlexNet and VGG: where the parameters live
# At ImageNet size (224×224) the convolutional trunk is small; the fully connected head is
# huge, because its first layer connects every one of 256 · 6 · 6 (AlexNet) or 512 · 7 · 7
# (VGG) features to 4096 units: VGG-16's holds
# $25{,}088 \cdot 4096 + 4096 = 102{,}764{,}544$ parameters.

# %% [markdown] lang="zh"
# ## 3. AlexNet 与 VGG：参数都在哪里
# 在 ImageNet 尺寸（224×224）下，卷积主干很小；全连接头部却很庞大，因为它的第一层要把
# 256 · 6 · 6（AlexNet）或 512 · 7 · 7（VGG）个特征中的每一个都连到 4096 个单元上：VGG-16 的这一层
# 有 $25{,}088 \cdot 4096 + 4096 = 102{,}764{,}544$ 个参数。

# %%
TORCHVISION = {"alexnet": 61_100_840, "vgg11": 132_863_336, "vgg16": 138_357_544}
for name, factory in [("alexnet", alexnet), ("vgg11", vgg11), ("vgg16", vgg16)]:
    model = meta(factory)
    total, head = n_params(model), n_params(model.classifier)
    print(f"{name:8s} total {total:>12,}   classifier {head:>12,} ({head / total:.0%})   "
          f"torchvision {TORCHVISION[name]:,}")
    assert total == TORCHVISION[name]
    assert head / total > 0.85
first_fc = meta(vgg16).classifier[0]
assert (first_fc.in_features, first_fc.out_features) == (25_088, 4096)
print(f"VGG-16's first FC layer alone: {n_params(first_fc):,} parameters")

# %% [markdown]
# AlexNet's ImageNet stem (11×11, stride 4) would shrink a 32×32 image to nothing before the
# last pool, so `small_input=True` uses a 3×3 stride-1 stem, pools the maps to 2×2 and narrows
# the hidden layers to 1024.

# %% [markdown] lang="zh"
# AlexNet 面向 ImageNet 的起始层（stem，11×11、步长 4）会让一张 32×32 的图像在最后一次池化之前
# 就缩没了，所以 `small_input=True` 改用 3×3、步长 1 的起始层，把特征图池化到 2×2，并把隐藏层收窄
# 到 1024。

# %%
summary = model_summary(alexnet(num_classes=10, small_input=True), (2, 3, 32, 32), depth=1)
print(summary)
shapes = {r.name: r.output_shape for r in summary.rows}
assert shapes["features"] == (2, 256, 3, 3) and shapes["avgpool"] == (2, 256, 2, 2)

# %% [markdown]
# ## 4. VGG's bet: two 3×3 convs instead of one 5×5
# Two stacked 3×3 convs see a 5×5 window (each output pixel depends on a 5×5 patch), with
# 2 · 9 · C² weights instead of 25 · C², and an extra ReLU in between. For stride-1 layers
# the receptive field grows by $k - 1$ per layer, $r = 1 + \sum_{l} (k_l - 1) = 1 + 2 + 2 = 5$.
# We check the receptive field by pushing a single bright pixel through: its influence spreads
# over exactly 5×5.

# %% [markdown] lang="zh"
# ## 4. VGG 的赌注：两个 3×3 卷积代替一个 5×5 卷积
# 两个堆叠的 3×3 卷积能看到 5×5 的窗口（每个输出像素依赖一个 5×5 的小块），权重只有 2 · 9 · C²
# 而不是 25 · C²，中间还多了一个 ReLU。对步长为 1 的层，感受野每层增加 $k - 1$，
# $r = 1 + \sum_{l} (k_l - 1) = 1 + 2 + 2 = 5$。我们让一个亮像素穿过这两层来检验感受野：它的影响
# 恰好扩散到 5×5 的范围。

# %%
C = 64
two_3x3 = nn.Sequential(nn.Conv2d(C, C, 3, padding=1, bias=False), nn.ReLU(),
                        nn.Conv2d(C, C, 3, padding=1, bias=False))
one_5x5 = nn.Conv2d(C, C, 5, padding=2, bias=False)
print(f"two 3x3: {n_params(two_3x3):,} weights   one 5x5: {n_params(one_5x5):,} weights")
assert n_params(two_3x3) == 18 * C * C < n_params(one_5x5) == 25 * C * C

probe = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1, bias=False),
                      nn.Conv2d(1, 1, 3, padding=1, bias=False))
for conv in probe:
    nn.init.ones_(conv.weight)
impulse = torch.zeros(1, 1, 11, 11)
impulse[0, 0, 5, 5] = 1.0
with torch.no_grad():
    reach = probe(impulse)[0, 0] != 0
rows_hit, cols_hit = reach.any(1).nonzero().flatten(), reach.any(0).nonzero().flatten()
print("pixels reached by one input pixel through two 3x3 convs:",
      f"rows {rows_hit.min().item()}..{rows_hit.max().item()},",
      f"cols {cols_hit.min().item()}..{cols_hit.max().item()}")
assert reach.sum() == 25 and rows_hit.tolist() == cols_hit.tolist() == [3, 4, 5, 6, 7]

# %% [markdown]
# ## 5. VGG on small images
# `small_input=True` keeps the five 3×3 blocks but gives the classifier 512 inputs (a 32×32
# image is 1×1 after five halvings) and 512-wide hidden layers. The five pools round up
# (`ceil_mode`, $H_{\text{out}} = \lceil H / 2 \rceil$), so a 28×28 digit survives them:
# 28 → 14 → 7 → 4 → 2 → 1.

# %% [markdown] lang="zh"
# ## 5. 小图像上的 VGG
# `small_input=True` 保留五个 3×3 卷积块，但让分类器只有 512 个输入（32×32 的图像减半五次后是
# 1×1），隐藏层宽 512。五次池化都向上取整（`ceil_mode`，$H_{\text{out}} = \lceil H / 2 \rceil$），
# 所以 28×28 的数字图像也能撑过去：28 → 14 → 7 → 4 → 2 → 1。

# %%
small_vgg = vgg11(num_classes=10, in_channels=1, small_input=True)
summary = model_summary(small_vgg, (2, 1, 28, 28), depth=1)
print(summary)
shapes = {r.name: r.output_shape for r in summary.rows}
assert shapes["features"] == (2, 512, 1, 1) and shapes["classifier"] == (2, 10)

# %% [markdown]
# ## 6. NiN: a 1×1 convolution is a linear layer applied at every pixel
# NiN follows each conv with two 1×1 convs. A 1×1 conv with weight (C_out, C_in, 1, 1) is
# exactly `Linear(C_in, C_out)` applied to the channel vector of every pixel — we check it
# with the same weights:
#
# $$
# y_{:,i,j} = W \, x_{:,i,j} + b, \qquad W \in \mathbb{R}^{C_{\text{out}} \times C_{\text{in}}}
# $$
#
# NiN ends with a block of `num_classes` channels and a global average pool,
# $y_c = \frac{1}{H W} \sum_{i,j} x_{c,i,j}$: no fully connected layer at all.

# %% [markdown] lang="zh"
# ## 6. NiN：1×1 卷积就是在每个像素上作用的线性层
# NiN 在每个卷积之后接两个 1×1 卷积。权重形状为 (C_out, C_in, 1, 1) 的 1×1 卷积，恰好等于对每个
# 像素的通道向量作用 `Linear(C_in, C_out)`——我们用相同的权重来验证：
#
# $$
# y_{:,i,j} = W \, x_{:,i,j} + b, \qquad W \in \mathbb{R}^{C_{\text{out}} \times C_{\text{in}}}
# $$
#
# NiN 的最后是一个有 `num_classes` 个通道的块，再接全局平均池化
# $y_c = \frac{1}{H W} \sum_{i,j} x_{c,i,j}$：完全没有全连接层。

# %%
conv1x1 = nn.Conv2d(16, 8, kernel_size=1)
linear = nn.Linear(16, 8)
with torch.no_grad():
    linear.weight.copy_(conv1x1.weight[:, :, 0, 0])
    linear.bias.copy_(conv1x1.bias)
x = torch.randn(2, 16, 5, 7)
with torch.no_grad():
    by_conv = conv1x1(x)                                            # (2, 8, 5, 7)
    by_linear = linear(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)   # per pixel, back to NCHW
assert torch.allclose(by_conv, by_linear, atol=1e-6)
print("1x1 conv == Linear on each pixel's channels:", tuple(by_conv.shape))

small_nin = nin(num_classes=10, in_channels=1, small_input=True)
summary = model_summary(small_nin, (2, 1, 28, 28), depth=1)
print(summary)
assert not any(isinstance(m, nn.Linear) for m in small_nin.modules())
nin_imagenet = n_params(meta(nin))
print(f"NiN at 1000 classes: {nin_imagenet:,} parameters, vs AlexNet's "
      f"{TORCHVISION['alexnet']:,}")
assert nin_imagenet < TORCHVISION["alexnet"] / 5

# %% [markdown]
# ## 7. The four side by side
# Parameter counts at their ImageNet configuration (1000 classes; LeNet at its own 10 classes
# on 28×28), on a log scale: the jump from LeNet to AlexNet is three orders of magnitude, and
# NiN gets back most of it by dropping the fully connected head.

# %% [markdown] lang="zh"
# ## 7. 四个网络并排比较
# 各自 ImageNet 配置下的参数量（1000 类；LeNet 用它自己的 28×28、10 类配置），画在对数坐标上：
# 从 LeNet 到 AlexNet 跳了三个数量级，而 NiN 去掉全连接头部，省回了其中的大部分。

# %%
counts = {"LeNet-5": n_params(meta(lenet5)), "AlexNet": n_params(meta(alexnet)),
          "VGG-11": n_params(meta(vgg11)), "VGG-16": n_params(meta(vgg16)),
          "NiN": n_params(meta(nin))}
for name, count in counts.items():
    print(f"{name:8s} {count:>13,}")
assert counts["LeNet-5"] < counts["NiN"] < counts["AlexNet"] < counts["VGG-11"] < counts["VGG-16"]
assert get_model("lenet5").__class__ is lenet.__class__

fig, ax = plt.subplots(figsize=(6, 3))
ax.bar(list(counts), list(counts.values()), color="tab:blue")
ax.set_yscale("log")
ax.set_ylabel("parameters")
ax.set_title("Classic CNNs: parameter counts")
fig.tight_layout()
ctx.savefig(fig, "classic_cnn_params.png")
