# %% [markdown]
# # ResNet vs PlainNet: gradients at init and training curves — ResNet 与 PlainNet 对比：初始化时的梯度与训练曲线
#
# **Library files:** `src/dlfs/models/cnn/resnet.py` (`ResNet`, `ResNetConfig`, `BasicBlock`,
# `resnet18`, `plainnet18`), `src/dlfs/train/loop.py` (`fit`),
# `src/dlfs/data/datasets/digits.py` (`digits`).
#
# He et al. (2015) observed the *degradation problem*: adding layers to a plain deep network
# made even its **training** error worse, which overfitting cannot explain. The residual
# block $y = \mathrm{relu}(F(x) + x)$ fixes it by giving the gradient a path that skips $F$.
# With $u = F(x) + x$ the sum before the final ReLU,
#
# $$
# \frac{\partial L}{\partial x} = \frac{\partial L}{\partial u}
# \left(\frac{\partial F}{\partial x} + I\right)
# $$
#
# so the identity term $I$ passes $\partial L / \partial u$ down whatever $F$ does.
# `plainnet18` is `resnet18` with the shortcuts removed; here
# we build both (and a 34-layer pair) narrow (width 8) for the 8x8 digits, and compare
# (1) how the gradient's size changes from the last layer to the first at initialization,
# (2) the training loss after the same number of steps.
#
# Reference: He et al., 2015, *Deep Residual Learning for Image Recognition*.

# %% [markdown] lang="zh"
# # ResNet 与 PlainNet 对比：初始化时的梯度与训练曲线
#
# **库文件：** `src/dlfs/models/cnn/resnet.py`（`ResNet`、`ResNetConfig`、`BasicBlock`、
# `resnet18`、`plainnet18`），`src/dlfs/train/loop.py`（`fit`），
# `src/dlfs/data/datasets/digits.py`（`digits`）。
#
# He et al.（2015）观察到了*退化问题*：给普通的深层网络增加层数，连它的**训练**误差都会变差，
# 这是过拟合解释不了的。残差块 $y = \mathrm{relu}(F(x) + x)$ 给梯度提供了一条绕过 $F$
# 的通路，从而解决了这个问题。记 $u = F(x) + x$ 为最后一个 ReLU 之前的和，则
#
# $$
# \frac{\partial L}{\partial x} = \frac{\partial L}{\partial u}
# \left(\frac{\partial F}{\partial x} + I\right)
# $$
#
# 无论 $F$ 做什么，恒等项 $I$ 都会把 $\partial L / \partial u$ 原样传下去。
# `plainnet18` 就是去掉了捷径连接（shortcut）的 `resnet18`；这里我们为 8x8 的手写数字
# 构建这两种网络（以及一对 34 层的网络），宽度都很窄（8），并比较：
# (1) 初始化时梯度的大小从最后一层到第一层如何变化；(2) 训练相同步数后的训练损失。
#
# 参考文献：He et al., 2015, *Deep Residual Learning for Image Recognition*。

# %%
import matplotlib.pyplot as plt
import torch
from torch.utils.data import DataLoader

from dlfs import nn
from dlfs.curriculum import lesson_context
from dlfs.data.datasets import digits
from dlfs.models.cnn import ResNet, ResNetConfig, plainnet18, resnet18
from dlfs.nn import functional as F
from dlfs.playground import seed_everything
from dlfs.train import fit

ctx = lesson_context("residual-vs-plain")
DEPTHS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}  # blocks per stage; 2 convs per block + stem + fc


def make_net(depth: int, residual: bool) -> ResNet:
    """A narrow ResNet (or its plain twin) for 1x8x8 digits: (B, 1, 8, 8) -> (B, 10)."""
    return ResNet(ResNetConfig(layers=DEPTHS[depth], num_classes=10, in_channels=1,
                               small_input=True, residual=residual, width=8))


def weighted_layers(net: ResNet) -> int:
    """Convs on the main path plus the fc layer (1x1 projection shortcuts not counted)."""
    convs = [n for n, m in net.named_modules()
             if isinstance(m, nn.Conv2d) and "downsample" not in n]
    return len(convs) + 1


# %% [markdown]
# ## 1. Same layers, with and without shortcuts
# The plain net has exactly the residual net's main-path layers; only the shortcuts (and the
# 1x1 projection convs they need where the shape changes) are gone.

# %% [markdown] lang="zh"
# ## 1. 同样的层，有无捷径连接
# 普通网络的层与残差网络主路径上的层完全相同；只是去掉了捷径连接
# （以及形状改变处捷径所需的 1x1 投影卷积）。

# %%
seed_everything(0)
for depth in DEPTHS:
    res, plain = make_net(depth, True), make_net(depth, False)
    n_res = sum(p.numel() for p in res.parameters())
    n_plain = sum(p.numel() for p in plain.parameters())
    projections = sum(p.numel() for n, p in res.named_parameters() if ".downsample." in n)
    print(f"depth {depth}: weighted layers {weighted_layers(res)} / {weighted_layers(plain)}, "
          f"parameters residual {n_res:,} vs plain {n_plain:,} (projections: {n_res - n_plain:,})")
    assert weighted_layers(res) == weighted_layers(plain) == depth
    assert n_res - n_plain == projections > 0
assert weighted_layers(resnet18(10, 1, small_input=True)) == 18
assert weighted_layers(plainnet18(10, 1, small_input=True)) == 18

# %% [markdown]
# ## 2. Gradients at initialization
# One forward/backward pass of a batch of 128 digits through freshly initialized nets (batch
# norm in training mode). For each main-path conv we record the gradient norm of its
# weight; the ratio first/last,
# $\lVert \nabla_{W_{\text{first}}} L \rVert / \lVert \nabla_{W_{\text{last}}} L \rVert$,
# tells how much the gradient changes on its way down. With
# batch norm, a plain stack does not starve its first layers but *blows up* their
# gradients; the shortcut keeps the scale far more even.

# %% [markdown] lang="zh"
# ## 2. 初始化时的梯度
# 让一个 128 张数字图像的批次在刚初始化的网络中做一次前向和反向传播（批归一化处于训练模式）。
# 对主路径上的每个卷积层，记录其权重梯度的范数；首层与末层之比
# $\lVert \nabla_{W_{\text{first}}} L \rVert / \lVert \nabla_{W_{\text{last}}} L \rVert$
# 说明梯度在向下传递的过程中变化了多少。有批归一化时，普通网络并不会让前几层“饿着”，
# 反而会让它们的梯度*爆炸*；捷径连接让各层梯度的量级均匀得多。

# %%
x_all, y_all = digits("train", size=8)[:]  # (1438, 1, 8, 8), (1438,)


def conv_grad_norms(net: ResNet, x: torch.Tensor, y: torch.Tensor) -> list[float]:
    """||dL/dW|| of every main-path conv, input side first."""
    F.cross_entropy(net(x), y).backward()
    return [m.weight.grad.norm().item() for n, m in net.named_modules()
            if isinstance(m, nn.Conv2d) and "downsample" not in n]


norms, ratios = {}, {}
for depth in DEPTHS:
    for residual in (True, False):
        seed_everything(depth)
        g = conv_grad_norms(make_net(depth, residual), x_all[:128], y_all[:128])
        key = (depth, "residual" if residual else "plain")
        norms[key], ratios[key] = g, g[0] / g[-1]
        print(f"depth {depth:>2} {key[1]:<8}: ||grad|| first conv {g[0]:7.3f}, "
              f"last conv {g[-1]:.3f}, ratio {ratios[key]:6.1f}")
assert ratios[(34, "plain")] > 3 * ratios[(34, "residual")]
assert ratios[(34, "plain")] > ratios[(18, "plain")]  # the blow-up grows with depth

# %%
fig, ax = plt.subplots(figsize=(6.5, 3.5))
for (depth, kind), g in norms.items():
    ax.semilogy(range(1, len(g) + 1), g, "-o" if kind == "residual" else "--s", markersize=3,
                label=f"{kind}-{depth}")
ax.set_xlabel("conv layer (input side first)")
ax.set_ylabel("||dL/dW|| at init")
ax.legend(fontsize=8)
ax.set_title("Gradient norm per layer at initialization")
ctx.savefig(fig, "grad_norms_at_init.png")

# %% [markdown]
# ## 3. Training curves
# Same data order, optimizer (SGD with momentum 0.9, learning rate 0.05) and number of steps
# for both nets. Quick mode trains the 18-layer pair for a few steps; full mode the
# 34-layer pair for a few hundred, where the gap is the degradation problem in miniature.
# The update (PyTorch's SGD with momentum $\mu = 0.9$, $\eta = 0.05$) is
#
# $$
# b_t = \mu\, b_{t-1} + g_t, \qquad \theta_t = \theta_{t-1} - \eta\, b_t
# $$

# %% [markdown] lang="zh"
# ## 3. 训练曲线
# 两个网络使用相同的数据顺序、相同的优化器（动量 0.9、学习率 0.05 的 SGD）和相同的步数。
# 快速模式只把 18 层的一对训练几步；完整模式把 34 层的一对训练几百步，
# 此时两者的差距就是缩小版的退化问题。更新规则（PyTorch 带动量的 SGD，$\mu = 0.9$，
# $\eta = 0.05$）为
#
# $$
# b_t = \mu\, b_{t-1} + g_t, \qquad \theta_t = \theta_{t-1} - \eta\, b_t
# $$

# %%
depth, steps = (18, 15) if ctx.quick else (34, 300)
train_set = digits("train", size=8)
curves, test_acc = {}, {}
for residual in (True, False):
    seed_everything(0)
    net = make_net(depth, residual)
    loader = DataLoader(train_set, batch_size=32, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    hist = fit(net, loader, loss_fn=F.cross_entropy, optimizer=opt, max_steps=steps,
               device="cpu", seed=0)
    kind = "residual" if residual else "plain"
    curves[kind] = hist.step_loss
    net.eval()
    x_test, y_test = digits("test", size=8)[:]
    with torch.no_grad():
        acc = test_acc[kind] = (net(x_test).argmax(1) == y_test).float().mean().item()
    print(f"{kind}-{depth}: loss {hist.step_loss[0]:.3f} -> {hist.step_loss[-1]:.3f} "
          f"after {steps} steps, test accuracy {acc:.3f}")

k = max(5, steps // 10)  # average the last k steps: single-batch losses are noisy
final = {kind: sum(c[-k:]) / k for kind, c in curves.items()}
print(f"mean training loss over the last {k} steps: residual {final['residual']:.3f}, "
      f"plain {final['plain']:.3f}")
assert len(curves["residual"]) == len(curves["plain"]) == steps
assert final["residual"] < final["plain"]
assert test_acc["residual"] > test_acc["plain"] + 0.1   # measured: quick +0.20, full +0.64

# %%
fig, ax = plt.subplots(figsize=(6.5, 3.5))
for kind, c in curves.items():
    ax.plot(range(1, steps + 1), c, label=f"{kind}-{depth}", alpha=0.85)
ax.set_xlabel("step")
ax.set_ylabel("training loss (batch of 32)")
ax.set_title(f"ResNet vs PlainNet, {depth} layers, width 8, 8x8 digits")
ax.legend()
ctx.savefig(fig, "training_curves.png")
