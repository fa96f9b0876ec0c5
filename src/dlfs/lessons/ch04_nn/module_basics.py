# %% [markdown]
# # nn.Module building blocks: a minimal module, Sequential, a classifier on digits — nn.Module 基础组件
#
# **Library files:** `src/dlfs/nn/linear.py` (`Linear`), `src/dlfs/nn/flatten.py` (`Flatten`),
# `src/dlfs/nn/conv.py`, `src/dlfs/nn/pooling.py`, `src/dlfs/nn/normalization.py`,
# `src/dlfs/nn/activation.py`, `src/dlfs/nn/loss.py` (`CrossEntropyLoss`); the parity tests in
# `tests/nn/` prove each layer equal to torch's and check that state_dicts load both ways.
#
# A `Module` is a container that *registers* what you assign to it: `nn.Parameter`s become
# trainable weights, submodules are walked recursively, buffers (like BatchNorm's running
# mean) are saved but not trained. dlfs layers subclass `torch.nn.Module`, so all of that
# machinery (`parameters()`, `state_dict()`, `train()`/`eval()`, hooks) is torch's; only the
# forward math is ours.

# %% [markdown] lang="zh"
# # nn.Module 基础组件：最小模块、Sequential 与手写数字分类器
#
# **库文件：** `src/dlfs/nn/linear.py`（`Linear`）、`src/dlfs/nn/flatten.py`（`Flatten`）、
# `src/dlfs/nn/conv.py`、`src/dlfs/nn/pooling.py`、`src/dlfs/nn/normalization.py`、
# `src/dlfs/nn/activation.py`、`src/dlfs/nn/loss.py`（`CrossEntropyLoss`）；`tests/nn/` 中的
# 一致性测试证明每一层都与 torch 的对应层相等，并检查 state_dict 能双向加载。
#
# `Module` 是一个容器，会*登记*赋给它的东西：`nn.Parameter` 成为可训练的权重，子模块会被递归
# 遍历，缓冲区（buffer，例如 BatchNorm 的滑动均值）会被保存，但不参与训练。dlfs 的各层都继承
# 自 `torch.nn.Module`，所以这一整套机制（`parameters()`、`state_dict()`、`train()`/`eval()`、
# 钩子）都是 torch 的；只有前向计算的数学是我们自己写的。

# %%
import torch

import dlfs.nn as nn
from dlfs.curriculum import lesson_context
from dlfs.data import DataLoader
from dlfs.data.datasets import digits
from dlfs.optim import SGD

ctx = lesson_context("module-basics")
torch.manual_seed(0)

# %% [markdown]
# ## 1. A minimal module
# Assigning an `nn.Parameter` registers it; a plain tensor attribute is not a parameter. The
# module below computes, elementwise over the last dimension,
#
# $$
# y = x \odot \text{scale} + \text{shift}
# $$
#
# with `scale` and `shift` its two registered parameters.

# %% [markdown] lang="zh"
# ## 1. 一个最小的模块
# 把 `nn.Parameter` 赋给模块的属性，它就被登记为参数；普通的张量属性不是参数。下面的模块在
# 最后一维上逐元素计算
#
# $$
# y = x \odot \text{scale} + \text{shift}
# $$
#
# 其中 `scale` 和 `shift` 是它登记的两个参数。

# %%


class Affine(nn.Module):
    """y = x * scale + shift, elementwise over the last dim C. (*, C) -> (*, C)."""

    def __init__(self, features: int) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(features))
        self.shift = nn.Parameter(torch.zeros(features))
        self.note = torch.tensor(3.0)  # a plain attribute: not trained, not saved

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.shift


m = Affine(4)
print(m)
print("parameters:", [(name, tuple(p.shape)) for name, p in m.named_parameters()])
print("state_dict keys:", list(m.state_dict()))
assert [n for n, _ in m.named_parameters()] == ["scale", "shift"]
assert "note" not in m.state_dict()
y = m(torch.randn(2, 4))
y.sum().backward()
assert m.scale.grad is not None and m.scale.grad.shape == (4,)

# %% [markdown]
# ## 2. The same network from `torch.nn` and from `dlfs.nn`
# Build one architecture twice. The parameter *and buffer* names match, so weights move
# between the two with `load_state_dict(strict=True)`, in both directions, and the outputs
# agree.

# %% [markdown] lang="zh"
# ## 2. 分别用 `torch.nn` 和 `dlfs.nn` 搭建同一个网络
# 把同一个结构搭两遍。两者的参数*和缓冲区*名字完全一致，所以权重可以用
# `load_state_dict(strict=True)` 在两者之间双向迁移，输出也相同。

# %%


def make_cnn(lib) -> torch.nn.Module:
    return lib.Sequential(
        lib.Conv2d(1, 8, kernel_size=3, padding=1),  # (B, 8, 8, 8)
        lib.BatchNorm2d(8),
        lib.ReLU(),
        lib.MaxPool2d(2),  # (B, 8, 4, 4)
        lib.Flatten(),  # (B, 128)
        lib.Linear(8 * 4 * 4, 10),  # (B, 10)
    )


ours, ref = make_cnn(nn).double(), make_cnn(torch.nn).double()
ours.load_state_dict(ref.state_dict(), strict=True)
probe = torch.randn(5, 1, 8, 8, dtype=torch.float64)
ours.eval()
ref.eval()
assert torch.allclose(ours(probe), ref(probe), atol=1e-12)
ref.load_state_dict(ours.state_dict(), strict=True)
print("state_dict keys:", list(ours.state_dict()))
print("dlfs.nn and torch.nn give the same logits; weights load both ways")

# %% [markdown]
# Forward hooks (torch's machinery, on our layers) print the shape after each layer.

# %% [markdown] lang="zh"
# 前向钩子（torch 的机制，挂在我们自己的层上）打印每一层之后的形状。

# %%
shapes = []
handles = [layer.register_forward_hook(
    lambda mod, inp, out: shapes.append((type(mod).__name__, tuple(out.shape))))
    for layer in ours]
ours(probe)
for h in handles:
    h.remove()
for name, shape in shapes:
    print(f"  {name:<12} -> {shape}")
assert shapes[-1] == ("Linear", (5, 10)) and shapes[3] == ("MaxPool2d", (5, 8, 4, 4))

# %% [markdown]
# ## 3. Train it: a linear classifier on flattened digits, then the small CNN
# scikit-learn's 8x8 digits ship with the package (no download). A `Linear` layer on the 64
# flattened pixels is softmax regression; the CNN adds convolution and pooling.
#
# For a batch of `B` images flattened to `x` of shape `(B, 64)`, the model and the loss that
# `CrossEntropyLoss` computes (the mean over the batch) are
#
# $$
# \text{logits} = x W^\top + b, \qquad
# L = -\frac{1}{B} \sum_{i=1}^{B}
# \log \frac{e^{\text{logits}_{i, y_i}}}{\sum_{c=1}^{10} e^{\text{logits}_{i, c}}}
# $$
#
# and backward starts from the predicted probabilities minus the true ones:
#
# $$
# \frac{\partial L}{\partial\, \text{logits}_i}
# = \frac{1}{B}\bigl(\mathrm{softmax}(\text{logits}_i) - \mathrm{onehot}(y_i)\bigr)
# $$

# %% [markdown] lang="zh"
# ## 3. 训练：先在展平的数字图像上做线性分类，再训练小 CNN
# scikit-learn 的 8x8 手写数字数据集随包提供（无需下载）。作用在 64 个展平像素上的一个 `Linear`
# 层就是 softmax 回归；CNN 在此基础上加入了卷积和池化。
#
# 对一个批次的 `B` 张图像，展平后得到形状为 `(B, 64)` 的 `x`，模型以及 `CrossEntropyLoss`
# 计算的损失（对批次取平均）为
#
# $$
# \text{logits} = x W^\top + b, \qquad
# L = -\frac{1}{B} \sum_{i=1}^{B}
# \log \frac{e^{\text{logits}_{i, y_i}}}{\sum_{c=1}^{10} e^{\text{logits}_{i, c}}}
# $$
#
# 反向传播的起点是预测概率减去真实概率：
#
# $$
# \frac{\partial L}{\partial\, \text{logits}_i}
# = \frac{1}{B}\bigl(\mathrm{softmax}(\text{logits}_i) - \mathrm{onehot}(y_i)\bigr)
# $$

# %%
train, test = digits("train"), digits("test")
x_test, y_test = test[:]
epochs = 3 if ctx.quick else 15


def train_and_eval(model: torch.nn.Module) -> float:
    opt = SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(train, batch_size=64, shuffle=True)
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        model.eval()
        with torch.no_grad():
            acc = (model(x_test).argmax(1) == y_test).float().mean().item()
        print(f"  epoch {epoch + 1}: train loss {total / len(train):.3f}, test accuracy {acc:.3f}")
    return acc


torch.manual_seed(0)
print("softmax regression: Flatten -> Linear(64, 10)")
acc_linear = train_and_eval(nn.Sequential(nn.Flatten(), nn.Linear(64, 10)))
torch.manual_seed(0)
print("small CNN:", make_cnn(nn))
acc_cnn = train_and_eval(make_cnn(nn))
assert acc_linear > 0.85 and acc_cnn > 0.85
