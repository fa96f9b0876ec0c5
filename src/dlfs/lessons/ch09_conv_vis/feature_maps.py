# %% [markdown]
# # Inside a trained LeNet: feature maps, filters and Grad-CAM — 训练好的 LeNet 内部：特征图、卷积核与 Grad-CAM
#
# **Library files:** `src/dlfs/models/cnn/lenet.py` (`lenet5`), `src/dlfs/nn/conv.py`
# (`Conv2d`), `src/dlfs/train/loop.py` (`fit`), `src/dlfs/data/datasets/digits.py`
# (`digits`), `src/dlfs/data/image_ops.py` (`bilinear_resize`).
#
# We train LeNet-5 briefly on the scikit-learn digits (upscaled to 28x28), then open it up:
# forward hooks capture what each stage computes, the first layer's 5x5 kernels are plotted
# as images, and Grad-CAM shows which pixels the last conv layer relied on for a class.
#
# References: LeCun et al., 1998, *Gradient-Based Learning Applied to Document Recognition*;
# Selvaraju et al., 2017, *Grad-CAM: Visual Explanations from Deep Networks via
# Gradient-based Localization*.

# %% [markdown] lang="zh"
# # 训练好的 LeNet 内部：特征图、卷积核与 Grad-CAM
#
# **库文件：** `src/dlfs/models/cnn/lenet.py`（`lenet5`），`src/dlfs/nn/conv.py`
# （`Conv2d`），`src/dlfs/train/loop.py`（`fit`），`src/dlfs/data/datasets/digits.py`
# （`digits`），`src/dlfs/data/image_ops.py`（`bilinear_resize`）。
#
# 我们先在 scikit-learn 的手写数字数据（放大到 28x28）上简短地训练 LeNet-5，再把它拆开来看：
# 用前向钩子（forward hook）捕获每一级的计算结果，把第一层的 5x5 卷积核画成图像，
# 再用 Grad-CAM 显示最后一个卷积层在判断某个类别时依赖了哪些像素。
#
# 参考文献：LeCun et al., 1998, *Gradient-Based Learning Applied to Document Recognition*；
# Selvaraju et al., 2017, *Grad-CAM: Visual Explanations from Deep Networks via
# Gradient-based Localization*。

# %%
import matplotlib.pyplot as plt
import torch
from torch.utils.data import DataLoader

from dlfs.curriculum import lesson_context
from dlfs.data.datasets import digits
from dlfs.data.image_ops import bilinear_resize
from dlfs.models.cnn import lenet5
from dlfs.nn import functional as F
from dlfs.playground import seed_everything
from dlfs.train import fit

ctx = lesson_context("feature-maps")
seed_everything(0)

# %% [markdown]
# ## 1. Train briefly
# ReLU activations (the modern reading of LeNet) and Adam; a few hundred steps are enough
# for a clearly better-than-chance classifier whose filters have structure.

# %% [markdown] lang="zh"
# ## 1. 简短训练
# 使用 ReLU 激活（LeNet 的现代写法）和 Adam 优化器；几百步就足以得到一个明显好于随机猜测、
# 卷积核也有了结构的分类器。

# %%
train_set, test_set = digits("train", size=28), digits("test", size=28)
steps, batch = (150, 32) if ctx.quick else (1500, 64)
loader = DataLoader(train_set, batch_size=batch, shuffle=True,
                    generator=torch.Generator().manual_seed(0))
model = lenet5(activation="relu")
first_conv = model.features[0]
w_init = first_conv.weight.detach().clone()  # (6, 1, 5, 5)
history = fit(model, loader, loss_fn=F.cross_entropy,
              optimizer=torch.optim.Adam(model.parameters(), lr=3e-3),
              max_steps=steps, device="cpu", seed=0)
model.eval()
x_test, y_test = test_set[:]  # (359, 1, 28, 28), (359,)
with torch.no_grad():
    accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
first, last = history.step_loss[0], sum(history.step_loss[-10:]) / 10
print(f"{steps} steps of batch {batch}: loss {first:.3f} -> {last:.3f}, "
      f"test accuracy {accuracy:.3f} on {len(test_set)} images")
assert last < first / 3
assert accuracy > (0.85 if ctx.quick else 0.96)

# %% [markdown]
# ## 2. Feature maps through forward hooks
# `module.register_forward_hook(fn)` calls `fn(module, inputs, output)` after every forward
# of that module; we store the outputs of the two ReLUs (after conv1 and conv2) and the two
# pooling layers. The hooks are removed afterwards (`handle.remove()`), so the model is
# unchanged.
#
# The shapes follow the output-size formula with stride 1, $H_o = H + 2p - k + 1$: conv1
# (5x5, padding 2) keeps $28 + 2 \cdot 2 - 5 + 1 = 28$, conv2 (5x5, no padding) gives
# $14 - 5 + 1 = 10$, and each 2x2 pooling halves the side.

# %% [markdown] lang="zh"
# ## 2. 用前向钩子取出特征图
# `module.register_forward_hook(fn)` 会在该模块每次前向传播之后调用
# `fn(module, inputs, output)`；我们保存两个 ReLU（分别在 conv1 和 conv2 之后）
# 以及两个池化层的输出。用完后移除钩子（`handle.remove()`），模型保持不变。
#
# 各形状符合步长为 1 时的输出尺寸公式 $H_o = H + 2p - k + 1$：conv1（5x5，填充 2）保持
# $28 + 2 \cdot 2 - 5 + 1 = 28$，conv2（5x5，不填充）得到 $14 - 5 + 1 = 10$，
# 每个 2x2 池化把边长减半。

# %%
captured: dict[str, torch.Tensor] = {}


def keep(name: str):
    """A forward hook that stores the module's output under ``name``."""
    def hook(module: torch.nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        captured[name] = output.detach()
    return hook


stages = {"relu1": model.features[1], "pool1": model.features[2],
          "relu2": model.features[4], "pool2": model.features[5]}
handles = [m.register_forward_hook(keep(name)) for name, m in stages.items()]
images, labels = x_test[:4], y_test[:4]
with torch.no_grad():
    logits = model(images)
for h in handles:
    h.remove()
for name, t in captured.items():
    print(f"{name:<6} {tuple(t.shape)}")
assert captured["relu1"].shape == (4, 6, 28, 28)  # conv 5x5 with padding 2 keeps 28
assert captured["pool1"].shape == (4, 6, 14, 14)
assert captured["relu2"].shape == (4, 16, 10, 10)  # 14 - 5 + 1
assert captured["pool2"].shape == (4, 16, 5, 5)
assert (captured["relu1"] >= 0).all() and (captured["relu2"] == 0).any()  # ReLU zeros
maps = dict(captured)
captured.clear()
with torch.no_grad():  # the hooks are gone: a second forward stores nothing
    model(images)
assert not captured

# %%
fig, axes = plt.subplots(3, 8, figsize=(12, 4.8))
axes[0, 0].imshow(images[0, 0].numpy(), cmap="gray")
axes[0, 0].set_title(f"input ({labels[0].item()})", fontsize=8)
for c in range(6):
    axes[0, c + 1].imshow(maps["relu1"][0, c].numpy(), cmap="viridis")
    axes[0, c + 1].set_title(f"relu1 ch {c}", fontsize=8)
for c in range(16):
    ax = axes[1 + c // 8, c % 8]
    ax.imshow(maps["relu2"][0, c].numpy(), cmap="viridis")
    ax.set_title(f"relu2 ch {c}", fontsize=8)
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("Feature maps of one digit: 6 maps of 28x28 after conv1, 16 of 10x10 after conv2")
ctx.savefig(fig, "feature_maps.png")

# %% [markdown]
# ## 3. First-layer filters
# conv1 has 6 kernels of shape `(1, 5, 5)`; each is a tiny image the layer slides over the
# digit. Training moved them away from their random start: the relative change
# $\lVert w - w_{\text{init}} \rVert / \lVert w_{\text{init}} \rVert$ is above 0.1.

# %% [markdown] lang="zh"
# ## 3. 第一层的卷积核
# conv1 有 6 个形状为 `(1, 5, 5)` 的卷积核；每个都是一幅小图像，在数字图像上滑动。
# 训练让它们离开了随机初始值：相对变化
# $\lVert w - w_{\text{init}} \rVert / \lVert w_{\text{init}} \rVert$ 大于 0.1。

# %%
w = first_conv.weight.detach()  # (6, 1, 5, 5)
change = ((w - w_init).norm() / w_init.norm()).item()
print("conv1.weight", tuple(w.shape), f"relative change from init: {change:.2f}")
assert w.shape == (6, 1, 5, 5) and change > 0.1
fig, axes = plt.subplots(2, 6, figsize=(9, 3.2))
for c in range(6):
    for row, kernel, tag in ((0, w_init[c, 0], "init"), (1, w[c, 0], "trained")):
        lim = kernel.abs().max().item()
        axes[row, c].imshow(kernel.numpy(), cmap="bwr", vmin=-lim, vmax=lim)
        axes[row, c].set_title(f"{tag} {c}", fontsize=8)
        axes[row, c].axis("off")
fig.suptitle("conv1 kernels (red > 0, blue < 0)")
ctx.savefig(fig, "filters.png")

# %% [markdown]
# ## 4. Grad-CAM
# Take the last conv layer's feature maps `A` of shape `(B, K, h, w)` (here after its ReLU:
# `(B, 16, 10, 10)`) and the score `y_c` of class `c` (a logit). Grad-CAM (Selvaraju et al.,
# 2017) weighs each channel by its average gradient and keeps the positive part:
#
# $$
# \alpha_k = \frac{1}{h w} \sum_{u=1}^{h} \sum_{v=1}^{w} \frac{\partial y_c}{\partial A[k, u, v]},
# \qquad L_c = \mathrm{ReLU}\Big(\sum_{k=1}^{K} \alpha_k\, A[k]\Big)
# $$
#
# (in the code: `alpha = dy_dA.mean(dim=(2, 3), keepdim=True)` and
# `cam = (alpha * A).sum(1, keepdim=True).clamp(min=0)`), then upsamples `L_c` from
# `(h, w)` to the input size to lay it over the image.

# %% [markdown] lang="zh"
# ## 4. Grad-CAM
# 取最后一个卷积层的特征图 `A`，形状为 `(B, K, h, w)`（这里取它的 ReLU 之后：
# `(B, 16, 10, 10)`），以及类别 `c` 的得分 `y_c`（一个 logit）。Grad-CAM（Selvaraju et al.,
# 2017）用每个通道的平均梯度作为该通道的权重，加权求和后只保留正的部分：
#
# $$
# \alpha_k = \frac{1}{h w} \sum_{u=1}^{h} \sum_{v=1}^{w} \frac{\partial y_c}{\partial A[k, u, v]},
# \qquad L_c = \mathrm{ReLU}\Big(\sum_{k=1}^{K} \alpha_k\, A[k]\Big)
# $$
#
# （代码中是 `alpha = dy_dA.mean(dim=(2, 3), keepdim=True)` 和
# `cam = (alpha * A).sum(1, keepdim=True).clamp(min=0)`），
# 再把 `L_c` 从 `(h, w)` 上采样到输入尺寸，叠加在图像上显示。


# %%
def grad_cam(model: torch.nn.Module, layer: torch.nn.Module, x: torch.Tensor,
             classes: torch.Tensor) -> torch.Tensor:
    """Grad-CAM heat maps (B, H, W) for images x (B, C, H, W) and class ids (B,)."""
    store: dict[str, torch.Tensor] = {}
    handle = layer.register_forward_hook(lambda m, i, out: store.__setitem__("A", out))
    try:
        scores = model(x)  # (B, num_classes)
    finally:
        handle.remove()
    A = store["A"]  # (B, K, h, w)
    y_c = scores.gather(1, classes[:, None]).sum()  # images are independent: sum is fine
    (dy_dA,) = torch.autograd.grad(y_c, A)  # (B, K, h, w)
    alpha = dy_dA.mean(dim=(2, 3), keepdim=True)  # (B, K, 1, 1)
    cam = (alpha * A).sum(1, keepdim=True).clamp(min=0)  # (B, 1, h, w)
    return bilinear_resize(cam, *x.shape[-2:])[:, 0].detach()  # (B, H, W)


n_show = 6
x_cam = x_test[:n_show]
with torch.no_grad():
    pred = model(x_cam).argmax(1)  # explain the predicted class
assert torch.equal(pred[:4], logits.argmax(1))
cams = grad_cam(model, model.features[4], x_cam, pred)
print("Grad-CAM maps", tuple(cams.shape), "for predicted classes", pred.tolist(),
      "(true:", y_test[:n_show].tolist(), ")")
assert cams.shape == (n_show, 28, 28)  # the input's spatial size
assert (cams >= 0).all()
spread = cams.flatten(1).amax(1) - cams.flatten(1).amin(1)
print("max - min per map:", [round(v, 3) for v in spread.tolist()])
assert (spread > 0).all()  # no map is constant

# %% [markdown]
# A check that the heat map means something: blank out the pixels Grad-CAM ranks highest
# and the class score drops more than when blanking the same number of the lowest-ranked
# pixels of the digit. The drop is $y_c(x) - y_c(x_{\text{masked}})$, averaged over the
# images.

# %% [markdown] lang="zh"
# 检验热力图是否有意义：把 Grad-CAM 排名最高的像素涂黑，类别得分的下降幅度，
# 要大于把数字笔画上同样数量、排名最低的像素涂黑时的下降幅度。下降幅度是
# $y_c(x) - y_c(x_{\text{masked}})$ 在各图像上的平均。

# %%
drops = []
for name, pick_top in (("top-ranked", True), ("bottom-ranked (inside the digit)", False)):
    masked = x_cam.clone()
    for b in range(n_show):
        on = x_cam[b, 0] > 0.1  # digit pixels
        ranks = torch.where(on, cams[b], torch.full_like(cams[b], float("nan")))
        order = ranks.flatten().nan_to_num(float("-inf") if pick_top else float("inf"))
        idx = order.argsort(descending=pick_top)[:40]
        masked[b, 0].view(-1)[idx] = 0.0
    with torch.no_grad():
        drop = (model(x_cam) - model(masked)).gather(1, pred[:, None]).mean().item()
    drops.append(drop)
    print(f"blank 40 {name} pixels: class score drops by {drop:.2f} on average")
assert drops[0] > drops[1]

# %%
fig, axes = plt.subplots(2, n_show, figsize=(1.8 * n_show, 3.8))
for b in range(n_show):
    axes[0, b].imshow(x_cam[b, 0].numpy(), cmap="gray")
    axes[0, b].set_title(f"label {y_test[b].item()}", fontsize=8)
    axes[1, b].imshow(x_cam[b, 0].numpy(), cmap="gray")
    axes[1, b].imshow(cams[b].numpy(), cmap="jet", alpha=0.5)
    axes[1, b].set_title(f"Grad-CAM for {pred[b].item()}", fontsize=8)
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("Grad-CAM over the last conv layer (relu2, 10x10 upsampled to 28x28)")
ctx.savefig(fig, "grad_cam.png")
