# %% [markdown]
# # ResNet and modern CNNs: GoogLeNet → ResNet → DenseNet → MobileNet → EfficientNet — ResNet 与现代卷积网络
#
# **Library files:** `src/dlfs/models/cnn/googlenet.py`, `resnet.py`, `densenet.py`,
# `mobilenet.py`, `efficientnet.py`, `layers.py` (ConvNormAct, SqueezeExcitation,
# StochasticDepth), `weight_init.py`; tables from `dlfs.playground.model_summary`.
# Tests: `tests/models/test_cnn_params.py`, `test_cnn_forward.py`, `test_cnn_state_dict.py`.
#
# | net | idea |
# |---|---|
# | GoogLeNet | parallel branches of different kernel sizes, made cheap by 1×1 "reduce" convs |
# | ResNet | learn a correction $F(x)$ and add it back: $y = \mathrm{relu}(F(x) + x)$ |
# | DenseNet | concatenate instead of add: every layer sees all earlier feature maps |
# | MobileNetV2 | depthwise separable convs inside an inverted residual (expand → filter → project) |
# | EfficientNet | scale width, depth and resolution together; MBConv with squeeze-excitation |
#
# The models use torchvision's layer names, so its parameter counts (asserted below) and
# state dicts carry over.
#
# References: Szegedy et al., 2015, *Going Deeper with Convolutions*; He et al., 2016,
# *Deep Residual Learning for Image Recognition*; Huang et al., 2017, *Densely Connected
# Convolutional Networks*; Sandler et al., 2018, *MobileNetV2: Inverted Residuals and Linear
# Bottlenecks*; Tan & Le, 2019, *EfficientNet: Rethinking Model Scaling for Convolutional
# Neural Networks*.

# %% [markdown] lang="zh"
# # ResNet 与现代卷积网络：GoogLeNet → ResNet → DenseNet → MobileNet → EfficientNet
#
# **库文件：** `src/dlfs/models/cnn/googlenet.py`、`resnet.py`、`densenet.py`、`mobilenet.py`、
# `efficientnet.py`、`layers.py`（ConvNormAct、SqueezeExcitation、StochasticDepth）、
# `weight_init.py`；表格由 `dlfs.playground.model_summary` 生成。
# 测试：`tests/models/test_cnn_params.py`、`test_cnn_forward.py`、`test_cnn_state_dict.py`。
#
# | 网络 | 思想 |
# |---|---|
# | GoogLeNet | 不同卷积核大小的并行分支，用 1×1 "降维"（reduce）卷积让它们变得便宜 |
# | ResNet | 学习一个修正量 $F(x)$ 再加回去：$y = \mathrm{relu}(F(x) + x)$ |
# | DenseNet | 用拼接代替相加：每一层都能看到前面所有的特征图 |
# | MobileNetV2 | 倒残差结构（扩张 → 滤波 → 投影）里的深度可分离卷积 |
# | EfficientNet | 同时缩放宽度、深度和分辨率；带 squeeze-excitation 的 MBConv |
#
# 这些模型使用 torchvision 的层名，所以它的参数量（下面有断言）和 state dict 都能直接对应上。
#
# 参考文献：Szegedy et al., 2015, *Going Deeper with Convolutions*；He et al., 2016,
# *Deep Residual Learning for Image Recognition*；Huang et al., 2017, *Densely Connected
# Convolutional Networks*；Sandler et al., 2018, *MobileNetV2: Inverted Residuals and Linear
# Bottlenecks*；Tan & Le, 2019, *EfficientNet: Rethinking Model Scaling for Convolutional
# Neural Networks*。

# %%
import matplotlib.pyplot as plt
import torch

from dlfs import nn
from dlfs.curriculum import lesson_context
from dlfs.models.cnn import (
    BasicBlock,
    Inception,
    ResNet,
    ResNetConfig,
    SqueezeExcitation,
    StochasticDepth,
    densenet121,
    efficientnet_b0,
    get_model,
    googlenet,
    mobilenet_v2,
)
from dlfs.playground import model_summary, seed_everything

ctx = lesson_context("modern-cnns")
seed_everything(0)


def n_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def meta(name: str, **kw) -> torch.nn.Module:
    """Build on the meta device: shapes and parameter counts, no memory."""
    with torch.device("meta"):
        return get_model(name, **kw)


# %% [markdown]
# ## 1. An Inception block
# GoogLeNet's block 3a takes 192 channels and runs four branches side by side: 1×1 (64),
# 1×1 → 3×3 (128), 1×1 → "5×5" (32; torchvision, whose layout we follow, uses a 3×3 kernel
# here), 3×3 max-pool → 1×1 (32). Every branch keeps H×W, so they concatenate on channels:
# 64 + 128 + 32 + 32 = 256.

# %% [markdown] lang="zh"
# ## 1. 一个 Inception 块
# GoogLeNet 的 3a 块接收 192 个通道，并排运行四个分支：1×1（64）、1×1 → 3×3（128）、
# 1×1 → "5×5"（32；我们沿用的 torchvision 结构在这里其实用的是 3×3 卷积核）、3×3 最大池化 → 1×1
# （32）。每个分支都保持 H×W 不变，所以可以在通道维上拼接：64 + 128 + 32 + 32 = 256。

# %%
block = Inception(192, 64, 96, 128, 16, 32, 32).eval()
x = torch.randn(1, 192, 8, 8)
with torch.no_grad():
    outs = [block.branch1(x), block.branch2(x), block.branch3(x), block.branch4(x)]
    y = block(x)
for i, o in enumerate(outs, 1):
    print(f"branch{i}: {tuple(o.shape)}")
print(f"concatenated: {tuple(y.shape)}")
assert y.shape == (1, 256, 8, 8) and sum(o.shape[1] for o in outs) == 256

# %% [markdown]
# Why the 1×1 "reduce" conv? Going 192 → 128 channels with a 3×3 kernel directly costs
# 192 · 128 · 9 weights; squeezing to 96 channels first costs 192 · 96 + 96 · 128 · 9:
# $221{,}184$ against $129{,}024$, 58 %. Counted on the layers themselves: a plain 3×3 conv,
# and the conv weights of branch 2.

# %% [markdown] lang="zh"
# 为什么要用 1×1 "降维"卷积？直接用 3×3 卷积核从 192 个通道变到 128 个通道，需要
# 192 · 128 · 9 个权重；先压缩到 96 个通道，则需要 192 · 96 + 96 · 128 · 9 个：$221{,}184$ 对
# $129{,}024$，只有 58 %。下面直接在层上数：一个普通的 3×3 卷积，以及分支 2 的卷积权重。

# %%
direct = n_params(nn.Conv2d(192, 128, 3, padding=1, bias=False))
reduced = sum(m.weight.numel() for m in block.branch2.modules() if isinstance(m, nn.Conv2d))
print(f"3x3 directly: {direct:,} weights   1x1 reduce then 3x3 (branch 2): {reduced:,}")
assert direct == 192 * 128 * 9 and reduced == 192 * 96 + 96 * 128 * 9
assert reduced < 0.6 * direct

net = googlenet(num_classes=10, small_input=True)
summary = model_summary(net, (1, 3, 32, 32), depth=1)
print(summary)
shapes = {r.name: r.output_shape for r in summary.rows}
assert shapes["inception3b"] == (1, 480, 8, 8) and shapes["inception5b"] == (1, 1024, 2, 2)
print(f"GoogLeNet at 1000 classes: {n_params(meta('googlenet')):,} parameters, "
      f"{n_params(meta('googlenet', aux_logits=True)):,} with the two auxiliary heads")
assert n_params(meta("googlenet")) == 6_624_904
assert n_params(meta("googlenet", aux_logits=True)) == 13_004_888      # torchvision's count

# %% [markdown]
# ## 2. The residual block
# `BasicBlock(64, 128, stride=2)` halves H×W and doubles the channels, so the input cannot be
# added as it is: the *projection shortcut* (`downsample`: 1×1 conv, stride 2, + BN) maps it
# to the same shape first. The block computes
#
# $$
# F(x) = \mathrm{BN}_2\big(\mathrm{conv}_2(\mathrm{relu}(\mathrm{BN}_1(\mathrm{conv}_1(x))))\big),
# \qquad y = \mathrm{relu}\big(F(x) + \mathrm{shortcut}(x)\big)
# $$
#
# with the shortcut the identity or the projection, and each BatchNorm normalizes a channel
# with the running statistics in eval mode (the batch's mean and variance while training):
#
# $$
# \mathrm{BN}(z) = \gamma \, \frac{z - \hat{\mu}}{\sqrt{\hat{\sigma}^2 + \epsilon}} + \beta
# $$
#
# When the last BN of the branch has γ = 0 (torchvision's `zero_init_residual`; β starts at
# 0), F(x) = 0 and the block is exactly relu(x): a new block starts as (almost) the identity,
# so stacking more cannot make the net worse at initialization.
#
# Reference: Ioffe & Szegedy, 2015, *Batch Normalization: Accelerating Deep Network Training
# by Reducing Internal Covariate Shift*.

# %% [markdown] lang="zh"
# ## 2. 残差块
# `BasicBlock(64, 128, stride=2)` 把 H×W 减半、通道数翻倍，所以输入不能原样加上去：*投影捷径*
# （projection shortcut，即 `downsample`：步长 2 的 1×1 卷积 + BN）先把它映射成相同的形状。这个块
# 计算的是
#
# $$
# F(x) = \mathrm{BN}_2\big(\mathrm{conv}_2(\mathrm{relu}(\mathrm{BN}_1(\mathrm{conv}_1(x))))\big),
# \qquad y = \mathrm{relu}\big(F(x) + \mathrm{shortcut}(x)\big)
# $$
#
# 其中捷径是恒等映射或上述投影；每个 BatchNorm 在评估模式下用滑动统计量（训练时用当前批次的均值
# 和方差）对每个通道做归一化：
#
# $$
# \mathrm{BN}(z) = \gamma \, \frac{z - \hat{\mu}}{\sqrt{\hat{\sigma}^2 + \epsilon}} + \beta
# $$
#
# 当分支最后一个 BN 的 γ = 0 时（torchvision 的 `zero_init_residual`；β 初始为 0），F(x) = 0，
# 这个块恰好就是 relu(x)：新加的块一开始（几乎）是恒等映射，所以在初始化时多堆几层不会让网络
# 变差。
#
# 参考文献：Ioffe & Szegedy, 2015, *Batch Normalization: Accelerating Deep Network Training
# by Reducing Internal Covariate Shift*。

# %%
down = BasicBlock(64, 128, stride=2).eval()
x = torch.randn(2, 64, 16, 16)
with torch.no_grad():
    print("projection shortcut:", tuple(down.downsample(x).shape),
          " block output:", tuple(down(x).shape))
    assert down(x).shape == down.downsample(x).shape == (2, 128, 8, 8)
    same = BasicBlock(64, 64).eval()
    nn.init.zeros_(same.bn2.weight)
    assert same.downsample is None and torch.equal(same(x), torch.relu(x))
print("with gamma = 0 in bn2, BasicBlock(64, 64)(x) == relu(x)")

# %% [markdown]
# ResNet-18 for small images (`small_input=True`: 3×3 stem, no max-pool): each stage after the
# first halves the side and doubles the channels; a 16×16 input goes 16 → 8 → 4 → 2.

# %% [markdown] lang="zh"
# 面向小图像的 ResNet-18（`small_input=True`：3×3 的起始层，没有最大池化）：第一个阶段之后，每个
# 阶段都把边长减半、通道数翻倍；16×16 的输入依次变为 16 → 8 → 4 → 2。

# %%
summary = model_summary(get_model("resnet18", num_classes=10, small_input=True), (1, 3, 16, 16),
                        depth=1)
print(summary)
shapes = {r.name: r.output_shape for r in summary.rows}
assert [shapes[f"layer{i}"] for i in range(1, 5)] == [
    (1, 64, 16, 16), (1, 128, 8, 8), (1, 256, 4, 4), (1, 512, 2, 2)]

# %% [markdown]
# ## 3. Residual vs plain: the gradient at initialization
# `plainnet18` is ResNet-18 with the shortcuts removed: the same 18 weighted layers (it only
# lacks the 3 projection convs). We build narrow versions (width 8) of both at two or three
# depths, push one batch through in training mode and compare the gradient norm reaching the
# first conv with the one at the classifier,
# $\lVert \nabla_{W_{\text{conv1}}} L \rVert / \lVert \nabla_{W_{\text{fc}}} L \rVert$. With
# shortcuts, the ratio stays moderate as the net gets deeper; without them it explodes — the
# signal that the first layers of a deep plain net are hard to train (the "degradation
# problem" of He et al.). Leaving out the ReLU after each addition, the chain rule shows why:
# from block $L$ back to block $l$ the gradient is multiplied by
#
# $$
# J_{\text{res}} = \prod_{i=l}^{L-1} \Big( I + \frac{\partial F_i}{\partial x_i} \Big),
# \qquad
# J_{\text{plain}} = \prod_{i=l}^{L-1} \frac{\partial F_i}{\partial x_i},
# $$
#
# with shortcuts and without; only the plain product has no identity term to keep it in
# check.

# %% [markdown] lang="zh"
# ## 3. 残差网络与普通网络：初始化时的梯度
# `plainnet18` 就是去掉了捷径的 ResNet-18：同样的 18 个带权重的层（只少了 3 个投影卷积）。我们把
# 两者都做成窄版本（宽度 8），各取两到三种深度，在训练模式下送入一个批次，比较传到第一个卷积层的
# 梯度范数与分类器处的梯度范数之比，
# $\lVert \nabla_{W_{\text{conv1}}} L \rVert / \lVert \nabla_{W_{\text{fc}}} L \rVert$。有捷径时，
# 网络变深这个比值仍然温和；没有捷径时它会爆炸——这表明深层普通网络的前几层很难训练（He 等人提出的
# "退化问题"）。忽略每次相加之后的 ReLU，链式法则说明了原因：从第 $L$ 个块反传到第 $l$ 个块，
# 梯度要乘上
#
# $$
# J_{\text{res}} = \prod_{i=l}^{L-1} \Big( I + \frac{\partial F_i}{\partial x_i} \Big),
# \qquad
# J_{\text{plain}} = \prod_{i=l}^{L-1} \frac{\partial F_i}{\partial x_i},
# $$
#
# 前者有捷径，后者没有；只有普通网络的乘积里没有恒等项来约束它。

# %%
res18, plain18 = meta("resnet18"), meta("plainnet18")
projections = sum(p.numel() for name, p in res18.named_parameters() if ".downsample." in name)
print(f"resnet18 {n_params(res18):,} parameters, plainnet18 {n_params(plain18):,} "
      f"(difference {n_params(res18) - n_params(plain18):,} = the projection shortcuts, "
      f"{projections:,})")
assert n_params(res18) - n_params(plain18) == projections > 0

depths = {18: (2, 2, 2, 2), 34: (4, 4, 4, 4)} if ctx.quick else {
    18: (2, 2, 2, 2), 34: (4, 4, 4, 4), 66: (8, 8, 8, 8)}
x = torch.randn(16, 1, 8, 8, generator=torch.Generator().manual_seed(1))
target = torch.randint(0, 10, (16,), generator=torch.Generator().manual_seed(2))
ratio: dict[tuple[int, bool], float] = {}
layer_norms: dict[bool, list[float]] = {}
for depth, layers in depths.items():
    for residual in (True, False):
        torch.manual_seed(0)
        model = ResNet(ResNetConfig(layers=layers, num_classes=10, in_channels=1,
                                    small_input=True, residual=residual, width=8))
        torch.nn.functional.cross_entropy(model(x), target).backward()
        ratio[depth, residual] = (model.conv1.weight.grad.norm() / model.fc.weight.grad.norm()).item()
        if depth == 34:
            layer_norms[residual] = [m.weight.grad.norm().item() for n, m in model.named_modules()
                                     if isinstance(m, nn.Conv2d) and "downsample" not in n]
    print(f"{depth} layers: |grad conv1| / |grad fc| = {ratio[depth, True]:8.1f} (residual)   "
          f"{ratio[depth, False]:10.1f} (plain)")
assert ratio[34, False] > 5 * ratio[34, True]
for shallow, deep in zip(depths, list(depths)[1:]):   # 18 -> 34 and, in full mode, 34 -> 66
    assert ratio[deep, False] / ratio[shallow, False] > ratio[deep, True] / ratio[shallow, True]

fig, ax = plt.subplots(figsize=(6, 3))
for residual, label in ((True, "residual (ResNet-34 layout)"), (False, "plain, same layers")):
    ax.semilogy(layer_norms[residual], marker=".", label=label)
ax.set_xlabel("conv layer (input -> output)")
ax.set_ylabel("gradient norm at init")
ax.legend()
fig.tight_layout()
ctx.savefig(fig, "residual_vs_plain_grad.png")

# %% [markdown]
# ## 4. DenseNet: channels grow by k per layer
# A dense layer adds k = 32 new channels to everything it received,
# $x_\ell = H_\ell([x_0, x_1, \dots, x_{\ell-1}])$, so after $\ell$ layers a block that
# started with $C_0$ channels has $C_0 + \ell k$; a transition halves the channels and the
# size. DenseNet-121's blocks have 6, 12, 24, 16 layers:
# 64 → 64 + 6·32 = 256 → 128 → 128 + 12·32 = 512 → 256 → 256 + 24·32 = 1024 → 512 →
# 512 + 16·32 = 1024.

# %% [markdown] lang="zh"
# ## 4. DenseNet：每层增加 k 个通道
# 稠密层（dense layer）在它收到的全部内容之上再添加 k = 32 个新通道，
# $x_\ell = H_\ell([x_0, x_1, \dots, x_{\ell-1}])$，所以一个以 $C_0$ 个通道开始的块，经过 $\ell$ 层
# 后有 $C_0 + \ell k$ 个通道；过渡层（transition）把通道数和尺寸都减半。DenseNet-121 的各块分别有
# 6、12、24、16 层：
# 64 → 64 + 6·32 = 256 → 128 → 128 + 12·32 = 512 → 256 → 256 + 24·32 = 1024 → 512 →
# 512 + 16·32 = 1024。

# %%
dense = densenet121(num_classes=10, small_input=True)
summary = model_summary(dense.features, (1, 3, 16, 16), depth=1)  # 16 -> 8 -> 4 -> 2
print(summary)
channels = {r.name: r.output_shape[1] for r in summary.rows}
expected = {"denseblock1": 256, "transition1": 128, "denseblock2": 512, "transition2": 256,
            "denseblock3": 1024, "transition3": 512, "denseblock4": 1024}
assert {k: channels[k] for k in expected} == expected
assert n_params(meta("densenet121")) == 7_978_856

# %% [markdown]
# ## 5. MobileNetV2: depthwise separable convolutions
# A 3×3 conv from C_in = 32 to C_out = 64 channels has 32 · 64 · 9 weights. Split it into a
# depthwise 3×3 (groups = 32: one filter per channel, 32 · 9 weights) and a pointwise 1×1
# (32 · 64): the output has the same shape for a fraction of the weights,
#
# $$
# \frac{C_{\text{in}} k^2 + C_{\text{in}} C_{\text{out}}}{C_{\text{in}} C_{\text{out}} k^2}
# = \frac{1}{C_{\text{out}}} + \frac{1}{k^2} .
# $$

# %% [markdown] lang="zh"
# ## 5. MobileNetV2：深度可分离卷积
# 从 C_in = 32 个通道到 C_out = 64 个通道的 3×3 卷积有 32 · 64 · 9 个权重。把它拆成一个逐深度
# （depthwise）的 3×3 卷积（groups = 32：每个通道一个滤波器，32 · 9 个权重）和一个逐点（pointwise）
# 的 1×1 卷积（32 · 64 个权重）：输出形状相同，权重却只占一小部分，
#
# $$
# \frac{C_{\text{in}} k^2 + C_{\text{in}} C_{\text{out}}}{C_{\text{in}} C_{\text{out}} k^2}
# = \frac{1}{C_{\text{out}}} + \frac{1}{k^2} .
# $$

# %%
full = nn.Conv2d(32, 64, 3, padding=1, bias=False)
separable = nn.Sequential(nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False),
                          nn.Conv2d(32, 64, 1, bias=False))
x = torch.randn(2, 32, 14, 14)
with torch.no_grad():
    assert full(x).shape == separable(x).shape == (2, 64, 14, 14)
share = n_params(separable) / n_params(full)
print(f"full 3x3: {n_params(full):,}   depthwise + pointwise: {n_params(separable):,} "
      f"({share:.3f} = 1/64 + 1/9)")
assert abs(share - (1 / 64 + 1 / 9)) < 1e-12

mobile = mobilenet_v2(num_classes=10, small_input=True)
summary = model_summary(mobile.features, (1, 3, 32, 32), depth=1)
print(summary)
print(f"MobileNetV2 at 1000 classes: {n_params(meta('mobilenet_v2')):,} parameters")
assert summary.rows[-1].output_shape == (1, 1280, 2, 2)
assert n_params(meta("mobilenet_v2")) == 3_504_872

# %% [markdown]
# ## 6. EfficientNet: squeeze-excitation, stochastic depth, compound scaling
# The SE gate turns each channel's mean into a weight in (0, 1) and rescales the channel
# ($\delta$ the activation: ReLU by default, SiLU inside EfficientNet; $\sigma$ the sigmoid):
#
# $$
# z_c = \frac{1}{H W} \sum_{i,j} x_{c,i,j}, \qquad
# s = \sigma\big(W_2 \, \delta(W_1 z + b_1) + b_2\big), \qquad
# y_{c,i,j} = s_c \, x_{c,i,j}
# $$
#
# Stochastic depth drops a whole residual branch for some samples while training (identity
# in eval), with a probability that grows linearly along the net, $p_i = 0.2 \, i / 16$ for
# blocks $i = 0, \dots, 15$; a kept branch is scaled up so that its expected value is
# unchanged:
#
# $$
# y = x + \frac{m}{1 - p} \, F(x), \qquad m \sim \mathrm{Bernoulli}(1 - p)
# $$
#
# with one $m$ drawn per sample. Compound scaling multiplies widths and depths: torchvision's
# B1 is B0 with depth × 1.1, B2 with width × 1.1 and depth × 1.2 — and our counts match its
# published 7,794,184 and 9,109,994.
#
# References: Hu et al., 2018, *Squeeze-and-Excitation Networks*; Huang et al., 2016,
# *Deep Networks with Stochastic Depth*.

# %% [markdown] lang="zh"
# ## 6. EfficientNet：squeeze-excitation、随机深度与复合缩放
# SE 门控把每个通道的均值变成 (0, 1) 之间的一个权重，再用它重新缩放这个通道（$\delta$ 是激活函数：
# 默认是 ReLU，EfficientNet 里是 SiLU；$\sigma$ 是 sigmoid）：
#
# $$
# z_c = \frac{1}{H W} \sum_{i,j} x_{c,i,j}, \qquad
# s = \sigma\big(W_2 \, \delta(W_1 z + b_1) + b_2\big), \qquad
# y_{c,i,j} = s_c \, x_{c,i,j}
# $$
#
# 随机深度（stochastic depth）在训练时对部分样本丢弃整个残差分支（评估时为恒等映射），丢弃概率
# 沿网络线性增长，对第 $i = 0, \dots, 15$ 个块为 $p_i = 0.2 \, i / 16$；保留下来的分支会被放大，
# 使其期望值不变：
#
# $$
# y = x + \frac{m}{1 - p} \, F(x), \qquad m \sim \mathrm{Bernoulli}(1 - p)
# $$
#
# 每个样本单独抽取一个 $m$。复合缩放同时放大宽度和深度：torchvision 的 B1 是把 B0 的深度乘以
# 1.1，B2 是宽度乘以 1.1、深度乘以 1.2——我们的参数量与它公布的 7,794,184 和 9,109,994 一致。
#
# 参考文献：Hu et al., 2018, *Squeeze-and-Excitation Networks*；Huang et al., 2016,
# *Deep Networks with Stochastic Depth*。

# %%
se = SqueezeExcitation(16, 4)
x = torch.randn(2, 16, 5, 5)
with torch.no_grad():
    gate = se(x) / x                                    # (2, 16, 5, 5): one value per channel
assert torch.allclose(gate, gate[..., :1, :1].expand_as(gate), atol=1e-5)
assert ((gate > 0) & (gate < 1)).all()

b0 = efficientnet_b0(num_classes=10, small_input=True)
summary = model_summary(b0.features, (1, 3, 32, 32), depth=1)
print(summary)
assert [r.output_shape[1] for r in summary.rows] == [32, 16, 24, 40, 80, 112, 192, 320, 1280]
probs = [m.p for m in b0.modules() if isinstance(m, StochasticDepth)]
print("stochastic depth probabilities:", [round(p, 3) for p in probs])
assert len(probs) == 16 and all(abs(p - 0.2 * i / 16) < 1e-12 for i, p in enumerate(probs))

scaled = {"B0": n_params(meta("efficientnet_b0")),
          "B1": n_params(meta("efficientnet_b0", depth_mult=1.1)),
          "B2": n_params(meta("efficientnet_b0", width_mult=1.1, depth_mult=1.2))}
print("EfficientNet parameters:", {k: f"{v:,}" for k, v in scaled.items()})
assert scaled == {"B0": 5_288_548, "B1": 7_794_184, "B2": 9_109_994}

# %% [markdown]
# ## 7. All families at ImageNet size
# Parameter counts at 1000 classes, equal to torchvision's published figures.

# %% [markdown] lang="zh"
# ## 7. ImageNet 尺寸下的所有网络家族
# 1000 类时的参数量，与 torchvision 公布的数字相等。

# %%
TORCHVISION = {"googlenet": 6_624_904, "resnet18": 11_689_512, "resnet34": 21_797_672,
               "resnet50": 25_557_032, "densenet121": 7_978_856, "mobilenet_v2": 3_504_872,
               "efficientnet_b0": 5_288_548}
counts = {name: n_params(meta(name)) for name in TORCHVISION}
for name, count in counts.items():
    print(f"{name:16s} {count:>12,}")
assert counts == TORCHVISION

fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(list(counts), [c / 1e6 for c in counts.values()], color="tab:green")
ax.set_ylabel("parameters (millions)")
ax.tick_params(axis="x", rotation=30)
fig.tight_layout()
ctx.savefig(fig, "modern_cnn_params.png")
