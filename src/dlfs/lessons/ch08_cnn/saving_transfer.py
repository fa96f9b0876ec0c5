# %% [markdown]
# # Saving, loading and transfer learning — 模型保存、加载与迁移学习
#
# **Library files:** `src/dlfs/models/cnn/vgg.py` (VGG, `classifier[6]`),
# `src/dlfs/models/cnn/weights.py` (`load_weights`: torchvision-format files, `weights_only=True`),
# `src/dlfs/recipes/vision.py` (`train_classifier`, `accuracy`),
# `src/dlfs/recipes/finetune.py` (`pretrain_on_shapes`, `new_head`, `backbone_features`: the
# code behind `dlfs train finetune`).
# Tests: `tests/models/test_cnn_state_dict.py`, `tests/recipes/test_vision_recipes.py`,
# `tests/recipes/test_mnist_finetune.py`.
#
# 1. whole model vs `state_dict`; 2. the custom-class pitfall of pickled models;
# 3. `torch.load(..., weights_only=True)` refusing a pickled model, and the fix;
# 4. VGG head surgery (`add_module`, replacing `classifier[6]`);
# 5. transfer: a checkpoint trained on one task (which shape: circle / square / triangle),
#    its backbone frozen, a new head fine-tuned on another labelling of the shapes set
#    (does the shape have corners? circle vs square-or-triangle) — the same steps as
#    `dlfs train finetune`.
#
# Reference: Yosinski et al., 2014, *How transferable are features in deep neural networks?*

# %% [markdown] lang="zh"
# # 模型保存、加载与迁移学习
#
# **库文件：** `src/dlfs/models/cnn/vgg.py`（VGG、`classifier[6]`）、
# `src/dlfs/models/cnn/weights.py`（`load_weights`：torchvision 格式的文件，`weights_only=True`）、
# `src/dlfs/recipes/vision.py`（`train_classifier`、`accuracy`）、
# `src/dlfs/recipes/finetune.py`（`pretrain_on_shapes`、`new_head`、`backbone_features`：
# `dlfs train finetune` 背后的代码）。
# 测试：`tests/models/test_cnn_state_dict.py`、`tests/recipes/test_vision_recipes.py`、
# `tests/recipes/test_mnist_finetune.py`。
#
# 1. 保存整个模型与保存 `state_dict`；2. pickle 模型时自定义类带来的陷阱；
# 3. `torch.load(..., weights_only=True)` 拒绝加载 pickle 的模型，以及修复办法；
# 4. VGG 的头部手术（`add_module`，替换 `classifier[6]`）；
# 5. 迁移学习：一个在某个任务上训练好的检查点（是哪种形状：圆形 / 正方形 / 三角形），冻结它的
#    主干（backbone），在同一个形状数据集的另一种标注上微调一个新的头部（这个形状有没有角？
#    圆形 vs 正方形或三角形）——与 `dlfs train finetune` 的步骤相同。
#
# 参考文献：Yosinski et al., 2014, *How transferable are features in deep neural networks?*

# %%
import pickle
import sys

import torch

from dlfs import nn
from dlfs.curriculum import lesson_context
from dlfs.metrics import accuracy
from dlfs.models.cnn import VGG, VGGConfig, load_weights
from dlfs.recipes.finetune import backbone_features, new_head, pretrain_on_shapes, shapes_task
from dlfs.recipes.vision import predict_logits, train_classifier

ctx = lesson_context("saving-transfer")
torch.manual_seed(0)
N, EPOCHS = (600, 6) if ctx.quick else (1800, 10)
# A small-input VGG with batch norm: five conv stages (one narrow conv each) and VGG-16's
# head layout:
# classifier = Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear  (indices 0 … 6)
LAYOUT = (16, "M", 32, "M", 32, "M", 32, "M", 32, "M")


def small_vgg(num_classes: int) -> VGG:
    return VGG(VGGConfig(LAYOUT, num_classes, batch_norm=True, small_input=True, dropout=0.1))


# %% [markdown]
# ## Task A: which shape? (the "pretraining" task, 3 classes)

# %% [markdown] lang="zh"
# ## 任务 A：是哪种形状？（"预训练"任务，3 个类别）

# %%
xa, ya, _, _ = shapes_task("shape", N, seed=7)   # (0.8N, 3, 32, 32), labels 0/1/2
model_a, acc_a = pretrain_on_shapes(lambda: small_vgg(3), N, EPOCHS, lr=1e-2)
print(f"task A: {len(xa)} train images, test accuracy {acc_a:.1%} (chance 33%)")
assert acc_a > 0.5

# %% [markdown]
# ## Whole model vs state_dict
# `torch.save(model)` pickles the object: its class is stored *by name* (module + class),
# the code is not. `torch.save(model.state_dict())` stores only name → tensor.

# %% [markdown] lang="zh"
# ## 保存整个模型与保存 state_dict
# `torch.save(model)` 会 pickle 这个对象：它的类*按名字*（模块 + 类名）保存，代码本身并不保存。
# `torch.save(model.state_dict())` 只保存名字 → 张量。

# %%
whole, sd_path = ctx.path("whole_model.pt"), ctx.path("task_a_state_dict.pt")
torch.save(model_a, whole)
torch.save(model_a.state_dict(), sd_path)
print(f"whole model {whole.stat().st_size:,} bytes, state_dict {sd_path.stat().st_size:,} bytes")
print("state_dict keys:", list(model_a.state_dict())[:4], "…")
fresh = load_weights(small_vgg(3), sd_path)   # weights_only=True inside
model_a.eval()
fresh.eval()
assert torch.equal(fresh(xa[:5]), model_a(xa[:5]))

# %% [markdown]
# ## `weights_only=True` refuses a pickled model (the default since PyTorch 2.6)
# Unpickling can run arbitrary code, so the safe loader accepts tensors and plain
# containers only. A whole-model file needs the `VGG` class: refused.

# %% [markdown] lang="zh"
# ## `weights_only=True` 拒绝加载 pickle 的模型（PyTorch 2.6 起的默认行为）
# 反序列化（unpickle）可能执行任意代码，所以安全的加载器只接受张量和普通容器。保存整个模型的文件
# 需要 `VGG` 这个类：被拒绝。

# %%
try:
    torch.load(whole, weights_only=True)
    raise AssertionError("a pickled model should be refused")
except pickle.UnpicklingError as exc:
    print("refused:", str(exc).split(".")[0] + ".", "(the class VGG is not an allowed global)")
# Fix 1 (recommended): save and load the state_dict (above). Fix 2, only for a file you
# trust: weights_only=False runs the unpickler.
trusted = torch.load(whole, weights_only=False)
trusted.eval()
assert torch.equal(trusted(xa[:5]), model_a(xa[:5]))


# %% [markdown]
# ## The custom-class pitfall
# A pickled model can only be loaded where its class can be imported under the same name.

# %% [markdown] lang="zh"
# ## 自定义类的陷阱
# pickle 的模型只能在它的类能以同样名字导入的地方加载。


# %%
class TinyNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


tiny_path = ctx.path("tiny_whole.pt")
torch.save(TinyNet(), tiny_path)
home, cls = sys.modules[TinyNet.__module__], TinyNet
print(f"TinyNet is pickled as {TinyNet.__module__}.{TinyNet.__qualname__}")
del home.TinyNet                               # what a fresh script without the class sees
try:
    torch.load(tiny_path, weights_only=False)
    raise AssertionError("loading should fail without the class")
except AttributeError as exc:
    print("without the class:", exc)
home.TinyNet = cls                             # fix: import/define the class first
assert isinstance(torch.load(tiny_path, weights_only=False), cls)

# %% [markdown]
# ## Head surgery: `add_module` and replacing `classifier[6]`

# %% [markdown] lang="zh"
# ## 头部手术：`add_module` 与替换 `classifier[6]`

# %%
demo = small_vgg(3)
demo.classifier.add_module("add_linear", nn.Linear(3, 2))   # appends a layer: 3 -> 2
print("after add_module:", demo.classifier[-1], "output", tuple(demo(xa[:2]).shape))
assert demo(xa[:2]).shape == (2, 2)

model_b = load_weights(small_vgg(3), sd_path)               # start from task A's weights
print("old head:", model_b.classifier[6])
model_b.classifier[6] = nn.Linear(512, 2)                    # the new task has 2 classes
print("new head:", model_b.classifier[6])
assert model_b(xa[:2]).shape == (2, 2)

# %% [markdown]
# ## Transfer: freeze the backbone, train the head on task B (corners or not)
#
# `new_head` puts a fresh `Linear(512, 2)` at `classifier[6]` and freezes every other
# parameter. A frozen backbone in eval mode is a fixed function $\phi$, so its features
# $f = \phi(x)$ are computed **once** and the head trains on them alone: the same head as
# running the whole model every step, for the price of one forward pass. Only $W$ and $b$ of
# $\text{logits} = W f + b$, $W \in \mathbb{R}^{2 \times 512}$, receive gradients.

# %% [markdown] lang="zh"
# ## 迁移：冻结主干，在任务 B（有没有角）上训练头部
#
# `new_head` 在 `classifier[6]` 处放一个全新的 `Linear(512, 2)`，并冻结其他所有参数。处于评估模式
# 的冻结主干是一个固定的函数 $\phi$，所以它的特征 $f = \phi(x)$ 只需计算**一次**，头部单独在这些
# 特征上训练：得到的头部与每一步都运行整个模型完全相同，代价却只是一次前向传播。
# $\text{logits} = W f + b$（$W \in \mathbb{R}^{2 \times 512}$）中只有 $W$ 和 $b$ 接收梯度。

# %%
HEAD = "classifier.6"
xb, yb, xb_test, yb_test = shapes_task("corners", N, seed=8)   # 0 circle, 1 square/triangle
head, trainable, n_frozen = new_head(model_b, HEAD, 2)
print(f"trainable parameters: {trainable:,} of {trainable + n_frozen:,}")
frozen = {k: v.clone() for k, v in model_b.named_parameters() if not k.startswith(HEAD)}
buffers = {k: v.clone() for k, v in model_b.named_buffers()}
head_before = head.weight.clone()

f_train = backbone_features(model_b, HEAD, xb)                 # (0.8N, 512), once
f_test = backbone_features(model_b, HEAD, xb_test)             # (0.2N, 512)
print("features:", tuple(f_train.shape), tuple(f_test.shape))
acc_before = accuracy(predict_logits(head, f_test), yb_test)
train_classifier(head, f_train, yb, epochs=EPOCHS, lr=3e-3)
acc_after = accuracy(predict_logits(model_b, xb_test), yb_test)            # the whole model, head in place
print(f"task B accuracy: new head untrained {acc_before:.1%}, after fine-tuning {acc_after:.1%}")
assert acc_after == accuracy(predict_logits(head, f_test), yb_test)         # features-once == full model
for k, v in model_b.named_parameters():
    if not k.startswith(HEAD):
        assert torch.equal(v, frozen[k]), k                    # the frozen backbone did not move
for k, v in model_b.named_buffers():
    assert torch.equal(v, buffers[k]), k                       # eval mode: BN stats kept
assert not torch.equal(head.weight, head_before)               # the head learned
assert acc_after > max(acc_before, 0.75)       # majority class alone gives about 67%

# %% [markdown]
# Pitfall: `requires_grad_(False)` freezes *parameters*; BatchNorm's running statistics
# are buffers and still move whenever the layer runs in train mode — which is what
# fine-tuning the whole model with `model.train()` would do. Each train-mode pass updates
# them with the batch's statistics $\mu_{\mathcal{B}}$, $\sigma^2_{\mathcal{B}}$ over $n$
# values per channel, with momentum $0.1$:
#
# $$
# \hat{\mu} \leftarrow 0.9 \, \hat{\mu} + 0.1 \, \mu_{\mathcal{B}}, \qquad
# \hat{\sigma}^2 \leftarrow 0.9 \, \hat{\sigma}^2 + 0.1 \, \frac{n}{n - 1} \, \sigma^2_{\mathcal{B}}
# $$

# %% [markdown] lang="zh"
# 陷阱：`requires_grad_(False)` 冻结的是*参数*；BatchNorm 的滑动统计量是缓冲区（buffer），只要这一层
# 在训练模式下运行，它们就仍会变化——用 `model.train()` 微调整个模型时正是如此。每次训练模式下的
# 前向都会用当前批次的统计量 $\mu_{\mathcal{B}}$、$\sigma^2_{\mathcal{B}}$（每个通道 $n$ 个值）以
# 动量 $0.1$ 更新它们：
#
# $$
# \hat{\mu} \leftarrow 0.9 \, \hat{\mu} + 0.1 \, \mu_{\mathcal{B}}, \qquad
# \hat{\sigma}^2 \leftarrow 0.9 \, \hat{\sigma}^2 + 0.1 \, \frac{n}{n - 1} \, \sigma^2_{\mathcal{B}}
# $$

# %%
model_b.train()
with torch.no_grad():
    model_b(xb[:64])
model_b.eval()
moved = (model_b.features[1].running_mean - buffers["features.1.running_mean"]).abs().max().item()
print(f"one train-mode pass: BatchNorm running_mean moved by up to {moved:.3g}")
assert moved > 0
