# %% [markdown]
# # The Vision Transformer: an image as a sequence of patches — 视觉 Transformer：把图像看成图块序列
#
# **Library files:** `src/dlfs/models/vit.py` (`patchify`, `PatchEmbedConv`,
# `PatchEmbedUnfold`, `ViT`, `attention_maps`), `src/dlfs/nn/transformer.py` (the Pre-LN
# encoder it reuses), `src/dlfs/models/cnn/lenet.py` (the CNN it is compared with),
# `src/dlfs/recipes/vit.py` (`dlfs train vit`). Tests: `tests/models/test_vit.py`.
#
# A Transformer reads a sequence of vectors. The Vision Transformer (Dosovitskiy et al., 2020,
# *An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale*) makes an
# image into one: cut it into P×P patches, turn each patch into a vector with one shared
# linear map, put a learned *class token* in front, add learned *position* vectors, and run
# the usual encoder. The answer is read from the class token alone. Nothing in it knows that
# neighbouring pixels belong together — a CNN's built-in assumption — so the question is what
# this costs on a small data set. We build each piece, check it, train a ViT and a CNN of
# about the same size on the digits, and look at where the class token attends. The whole
# model, with $p_i$ the $i$-th flattened patch and $N = (H / P)^2$ patches:
#
# $$
# \begin{aligned}
# z_i &= W_E\, p_i + b_E, \qquad i = 1, \dots, N \\
# h_0 &= [x_{\text{cls}}; z_1; \dots; z_N] + E_{\text{pos}} \\
# h_l' &= h_{l-1} + \mathrm{MSA}\bigl(\mathrm{LN}(h_{l-1})\bigr), \qquad
# h_l = h_l' + \mathrm{MLP}\bigl(\mathrm{LN}(h_l')\bigr), \qquad l = 1, \dots, L \\
# \text{logits} &= W_{\text{head}}\, \mathrm{LN}(h_L)_0 + b_{\text{head}}
# \end{aligned}
# $$

# %% [markdown] lang="zh"
# # 视觉 Transformer：把图像看成图块序列
#
# **库文件：** `src/dlfs/models/vit.py`（`patchify`、`PatchEmbedConv`、`PatchEmbedUnfold`、
# `ViT`、`attention_maps`）、`src/dlfs/nn/transformer.py`（它复用的 Pre-LN 编码器）、
# `src/dlfs/models/cnn/lenet.py`（用来对比的 CNN）、`src/dlfs/recipes/vit.py`
# （`dlfs train vit`）。测试：`tests/models/test_vit.py`。
#
# Transformer 读的是向量序列。视觉 Transformer（Dosovitskiy et al., 2020, *An Image is Worth
# 16x16 Words: Transformers for Image Recognition at Scale*）把图像变成这样的序列：把图像切成
# P×P 的图块，用同一个线性映射把每个图块变成一个向量，在最前面放一个可学习的*类别词元*（class
# token），加上可学习的*位置*向量，再送进普通的编码器。答案只从类别词元读出。模型里没有任何
# 部分知道相邻像素属于一体——而这正是 CNN 内置的假设——所以问题在于：在小数据集上，缺少这个
# 假设要付出多少代价。我们逐个搭建并检验每个部件，在数字数据集上训练一个 ViT 和一个参数量
# 相近的 CNN，再看看类别词元把注意力放在哪里。整个模型如下，其中 $p_i$ 是展平后的第 $i$ 个
# 图块，共 $N = (H / P)^2$ 个图块：
#
# $$
# \begin{aligned}
# z_i &= W_E\, p_i + b_E, \qquad i = 1, \dots, N \\
# h_0 &= [x_{\text{cls}}; z_1; \dots; z_N] + E_{\text{pos}} \\
# h_l' &= h_{l-1} + \mathrm{MSA}\bigl(\mathrm{LN}(h_{l-1})\bigr), \qquad
# h_l = h_l' + \mathrm{MLP}\bigl(\mathrm{LN}(h_l')\bigr), \qquad l = 1, \dots, L \\
# \text{logits} &= W_{\text{head}}\, \mathrm{LN}(h_L)_0 + b_{\text{head}}
# \end{aligned}
# $$

# %%
import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dlfs.curriculum import lesson_context  # noqa: E402
from dlfs.generative.data import digit_images  # noqa: E402
from dlfs.models.vit import (  # noqa: E402
    PatchEmbedConv,
    PatchEmbedUnfold,
    ViT,
    ViTConfig,
    conv_to_unfold_state,
    patchify,
)
from dlfs.nn import functional as F  # noqa: E402
from dlfs.recipes.options import replace_nested  # noqa: E402
from dlfs.recipes.vit import ViTRecipe, train_vit  # noqa: E402

ctx = lesson_context("vision-transformer")
torch.manual_seed(0)
torch.set_num_threads(1)   # tiny matrices: one thread is fastest on a shared 2-core machine

# %% [markdown]
# ## 1. Patches, two ways
# The digits are 16×16 (scikit-learn's 8×8 digits, upsampled), in [−1, 1]. With P = 4 an
# image becomes N = (16/4)² = 16 patches of 16 pixels, read row by row. `patchify` does it
# with one `view` and one `permute`; it equals `unfold` (im2col) with kernel = stride = P.

# %% [markdown] lang="zh"
# ## 1. 图块的两种切法
# 数字图像为 16×16（scikit-learn 的 8×8 数字放大而来），取值在 [−1, 1]。取 P = 4，一张图就
# 变成 N = (16/4)² = 16 个图块，每块 16 个像素，按行排列。`patchify` 只用一次 `view` 和一次
# `permute` 完成切块；它等于核大小 = 步长 = P 的 `unfold`（im2col）。

# %%
x_train, y_train = digit_images("train")                         # (1438, 1, 16, 16)
x_test, y_test = digit_images("test")                            # (359, 1, 16, 16)
P = 4
patches = patchify(x_test[:2], P)                                # (2, 16, 16)
print("images", tuple(x_test[:2].shape), "-> patches", tuple(patches.shape))
assert torch.equal(patches, F.unfold(x_test[:2], P, stride=P).transpose(1, 2))

# %% [markdown]
# The patch embedding $z_i = W_E\, p_i + b_E$ is a Linear layer on each flattened patch. The
# same map is a convolution whose kernel equals its stride: each output pixel sees exactly one
# patch, and the kernel of output channel $c$, flattened, is row $c$ of $W_E$. Load one's
# weights into the other and they agree to the last bit of float64 rounding — outputs and
# gradients.

# %% [markdown] lang="zh"
# 图块嵌入 $z_i = W_E\, p_i + b_E$ 就是作用在每个展平图块上的 Linear 层。同一个映射也是一个核
# 大小等于步长的卷积：每个输出像素恰好看到一个图块，第 $c$ 个输出通道的卷积核展平后就是 $W_E$
# 的第 $c$ 行。把一个的权重装进另一个，两者在 float64 的舍入精度内完全一致——输出和梯度都
# 一样。

# %%
conv = PatchEmbedConv(1, P, 32).double()
lin = PatchEmbedUnfold(1, P, 32).double()
lin.load_state_dict(conv_to_unfold_state(conv.state_dict()))
xa = x_test[:8].double().requires_grad_()
xb = xa.detach().clone().requires_grad_()
za, zb = conv(xa), lin(xb)                                       # (8, 16, 32) each
g = torch.randn_like(za)
za.backward(g)
zb.backward(g)
gap = (za - zb).abs().max().item()
print(f"conv vs unfold+Linear: outputs {tuple(za.shape)}, largest difference {gap:.1e}; "
      f"input gradients differ by {(xa.grad - xb.grad).abs().max().item():.1e}")
assert gap < 1e-12 and torch.allclose(xa.grad, xb.grad, atol=1e-12)
assert torch.allclose(conv.proj.weight.grad.flatten(1), lin.proj.weight.grad, atol=1e-12)

# %% [markdown]
# ## 2. The class token and why positions are needed
# Self-attention treats its input as a *set*: shuffle the patch tokens and each output moves
# with its token, unchanged. So the class token — which attends to all patches — gives the
# same answer for a shuffled image. Learned position vectors E_pos (one per slot, the class
# token's included) break the tie: then the order matters. For a permutation matrix $\Pi$ of
# the tokens,
#
# $$
# \mathrm{SA}(X) = \mathrm{softmax}\Bigl(\frac{X W_Q\, (X W_K)^\top}{\sqrt{d_k}}\Bigr) X W_V,
# \qquad
# \mathrm{SA}(\Pi X) = \Pi\, \mathrm{SA}(X)
# $$
#
# (the LayerNorms and the MLP act on each token alone, so the whole encoder behaves the same
# way). Adding positions breaks this: $\Pi X + E_{\text{pos}} \ne \Pi\,(X + E_{\text{pos}})$.

# %% [markdown] lang="zh"
# ## 2. 类别词元，以及为什么需要位置
# 自注意力把输入当作一个*集合*：打乱图块词元的顺序，每个输出只是跟着自己的词元移动，数值不变。
# 因此对所有图块做注意力的类别词元，对打乱后的图像给出同样的答案。可学习的位置向量 E_pos（每个
# 位置一个，包括类别词元的位置）打破了这种对称：于是顺序就有了影响。对词元的任意置换矩阵
# $\Pi$，
#
# $$
# \mathrm{SA}(X) = \mathrm{softmax}\Bigl(\frac{X W_Q\, (X W_K)^\top}{\sqrt{d_k}}\Bigr) X W_V,
# \qquad
# \mathrm{SA}(\Pi X) = \Pi\, \mathrm{SA}(X)
# $$
#
# （LayerNorm 和 MLP 都只作用在单个词元上，所以整个编码器也有同样的性质）。加上位置之后这个
# 性质就不成立了：$\Pi X + E_{\text{pos}} \ne \Pi\,(X + E_{\text{pos}})$。

# %%
config = ViTConfig()                                             # 4x4 patches, width 32
vit = ViT(config).eval()
perm = torch.randperm(config.num_patches)
with torch.no_grad():
    z = vit.patch_embed(x_test[:4])                              # (4, 16, 32)
    cls = vit.cls_token.expand(4, -1, -1)                        # (4, 1, 32)
    plain = vit.encoder(torch.cat([cls, z], 1))[:, 0]            # no positions
    shuffled = vit.encoder(torch.cat([cls, z[:, perm]], 1))[:, 0]
    with_pos = vit.encoder(vit.pos_embed(torch.cat([cls, z], 1)))[:, 0]
    with_pos_shuffled = vit.encoder(vit.pos_embed(torch.cat([cls, z[:, perm]], 1)))[:, 0]
print(f"class token, patches shuffled: without positions it moves by "
      f"{(plain - shuffled).abs().max().item():.1e}, with positions by "
      f"{(with_pos - with_pos_shuffled).abs().max().item():.2f}")
assert torch.allclose(plain, shuffled, atol=1e-5)
assert not torch.allclose(with_pos, with_pos_shuffled, atol=1e-3)
print(f"tokens per image: 1 class token + {config.num_patches} patches = "
      f"{tuple(vit.tokens(x_test[:4]).shape)} (B, T, C)")

# %% [markdown]
# ## 3. A ViT and a CNN of the same size
# `dlfs train vit` trains both on the same batches: the ViT (2 Pre-LN layers of width 32,
# 4 heads) and LeNet-5 with ReLU from the model zoo, each about 21 K parameters. Quick mode
# trains 100 steps (it can only show both far above chance); full mode runs the recipe's
# defaults, 3000 steps each. A default run of `dlfs train vit` on 2 cores measured ViT 96.1 %
# and LeNet-5 98.1 % held-out accuracy, in 45 and 34 seconds: with 1,438 training images the
# CNN's built-in assumption that nearby pixels belong together still wins, by a little.

# %% [markdown] lang="zh"
# ## 3. 同等规模的 ViT 与 CNN
# `dlfs train vit` 用相同的批次训练两个模型：ViT（2 个宽度 32、4 头的 Pre-LN 层）和模型库中
# 使用 ReLU 的 LeNet-5，参数量都在 2.1 万左右。快速模式只训练 100 步（只能说明两者都远高于
# 随机猜测）；完整模式运行配方的默认设置，每个模型 3000 步。一次默认的 `dlfs train vit`
# 运行（2 个 CPU 核）测得：ViT 的留出准确率为 96.1%，LeNet-5 为 98.1%，分别用了 45 和 34 秒：
# 只有 1438 张训练图像时，CNN 内置的“相邻像素属于一体”这一假设仍然略胜一筹。

# %%
changes = {"max_steps": 100, "eval_every": 100, "warmup_steps": 20} if ctx.quick else {}
recipe = replace_nested(ViTRecipe(), {**changes, "out_dir": str(ctx.path("run"))})
run = train_vit(recipe)
print(f"{'model':<22}{'parameters':>11}{'held-out accuracy':>19}{'CPU s':>8}")
for r in run.results.values():
    print(f"{r.name:<22}{r.params:>11,}{r.accuracy:>18.1%} {r.cpu_seconds:>7.1f}")
vit_row, cnn_row = run.results["vit"], run.results["cnn"]
assert abs(vit_row.params - cnn_row.params) < 0.1 * cnn_row.params      # a fair size match
assert vit_row.accuracy > 0.5 and cnn_row.accuracy > 0.5               # chance is 10 %
if not ctx.quick:
    assert vit_row.accuracy > 0.95 and cnn_row.accuracy > 0.95

# %% [markdown]
# ## 4. Where does the class token look?
# `attention_maps` returns every layer's attention weights (L, B, heads, T, T). Row 0 is the
# class token: its weights over the 16 patches, averaged over heads and laid back on the 4×4
# grid, show which parts of the digit the answer is read from. Each row is a probability
# distribution over the 17 tokens. Measured over all held-out digits, the class token puts
# more of its weight on patches with ink than their share of the patches. For head $k$ of a
# layer with input $h$ (Pre-LN: the attention sees $\mathrm{LN}(h)$) and head size $d_k$:
#
# $$
# A^{(k)} = \mathrm{softmax}\Bigl(\frac{Q_k K_k^\top}{\sqrt{d_k}}\Bigr),
# \qquad Q_k = \mathrm{LN}(h)\, W_Q^{(k)}, \qquad K_k = \mathrm{LN}(h)\, W_K^{(k)}
# $$
#
# $$
# \sum_{s} A^{(k)}_{ts} = 1,
# \qquad
# \text{heat}_j = \frac{1}{n_h} \sum_{k=1}^{n_h} A^{(k)}_{0, j}, \quad j = 1, \dots, 16
# $$

# %% [markdown] lang="zh"
# ## 4. 类别词元在看哪里？
# `attention_maps` 返回每一层的注意力权重 (L, B, 头数, T, T)。第 0 行属于类别词元：它在 16 个
# 图块上的权重按头取平均、再放回 4×4 网格，就能看出答案是从数字的哪些部位读出来的。每一行都是
# 17 个词元上的一个概率分布。在全部留出数字上统计，类别词元落在有墨迹图块上的权重比例，高于
# 这些图块在所有图块中所占的比例。对某一层的第 $k$ 个头，输入为 $h$（Pre-LN：注意力看到的是
# $\mathrm{LN}(h)$），头的维度为 $d_k$：
#
# $$
# A^{(k)} = \mathrm{softmax}\Bigl(\frac{Q_k K_k^\top}{\sqrt{d_k}}\Bigr),
# \qquad Q_k = \mathrm{LN}(h)\, W_Q^{(k)}, \qquad K_k = \mathrm{LN}(h)\, W_K^{(k)}
# $$
#
# $$
# \sum_{s} A^{(k)}_{ts} = 1,
# \qquad
# \text{heat}_j = \frac{1}{n_h} \sum_{k=1}^{n_h} A^{(k)}_{0, j}, \quad j = 1, \dots, 16
# $$

# %%
model = run.models["vit"].eval()
maps = model.attention_maps(x_test[:6])                          # (L, 6, H, 17, 17)
assert torch.allclose(maps.sum(-1), torch.ones(maps.shape[:-1]), atol=1e-5)
cls_to_patches = maps[:, :, :, 0, 1:].mean(2)                    # (L, 6, 16)
side = config.image_size // config.patch_size
fig, axes = plt.subplots(3, 6, figsize=(11, 5.6))
for i in range(6):
    axes[0, i].imshow(x_test[i, 0], cmap="gray")
    axes[0, i].set_title(f"digit {int(y_test[i])}")
    for row, layer in ((1, 0), (2, config.n_layer - 1)):
        axes[row, i].imshow(x_test[i, 0], cmap="gray")
        heat = cls_to_patches[layer, i].view(side, side)
        axes[row, i].imshow(heat, cmap="magma", alpha=0.6, extent=(-0.5, 15.5, 15.5, -0.5))
        axes[row, i].set_title(f"layer {layer + 1}", fontsize=8)
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("the class token's attention over the 4x4 patches (mean over heads)")
ctx.savefig(fig, "attention_maps.png")
ink = patchify((x_test + 1) / 2, P).mean(-1) > 0.1              # (359, 16) patches with ink
weights = model.attention_maps(x_test)[-1, :, :, 0, 1:].mean(1)  # (359, 16), last layer
on_ink = float((weights * ink).sum() / weights.sum())
print(f"last layer: {on_ink:.1%} of the class token's patch attention falls on patches with "
      f"ink, which are {float(ink.float().mean()):.1%} of the patches")
assert on_ink > float(ink.float().mean())
print("class-token attention over the patches, last layer, first digit:")
print(cls_to_patches[-1, 0].view(side, side).numpy().round(3))

# %% [markdown]
# ## On the command line
# `dlfs train vit` trains both models at full length (about a minute each on 2 cores),
# checkpoints each in `runs/vit/vit` and `runs/vit/cnn` (`--resume` continues), logs loss and
# held-out accuracy to TensorBoard, and prints the table of parameters, accuracy and seconds.
# `--models vit` trains the ViT alone, `--patch-embedding unfold` uses the other (equal) patch
# embedding, `--patch-size 2` makes 64 patches of 2×2.

# %% [markdown] lang="zh"
# ## 命令行
# `dlfs train vit` 以完整长度训练两个模型（在 2 核上各约一分钟），分别把检查点存在
# `runs/vit/vit` 和 `runs/vit/cnn`（`--resume` 可继续训练），把损失和留出准确率写进
# TensorBoard，并打印参数量、准确率和秒数的对照表。`--models vit` 只训练 ViT，
# `--patch-embedding unfold` 换用另一种（等价的）图块嵌入，`--patch-size 2` 则切成 64 个
# 2×2 的图块。
