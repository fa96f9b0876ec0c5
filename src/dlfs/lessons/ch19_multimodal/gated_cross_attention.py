# %% [markdown]
# # Gated cross-attention: how text reads an image (Flamingo) — 门控交叉注意力：文字如何读图（Flamingo）
#
# **Library files:** `src/dlfs/attention/cross_attention.py` (`CrossAttention`,
# `GatedCrossAttentionBlock`), `src/dlfs/nn/attention.py` (`MultiheadAttention`, whose
# projections `CrossAttention` uses), `src/dlfs/nn/functional/attention.py`
# (`attention_weights`), `src/dlfs/models/digits_classifier.py` (the frozen image encoder).
# Tests: `tests/multimodal/test_cross_attention.py`.
#
# In self-attention a sequence looks at itself. In **cross-attention** the queries come from one
# sequence — here the hidden states of text tokens — and the keys and values from another: the 16
# patch vectors a frozen CNN makes of a 16x16 digit. Each text token then mixes the patches it finds
# relevant into its own state. Flamingo (Alayrac et al., 2022) used this to teach a *frozen*
# language model to see: between its layers it inserts cross-attention blocks whose output passes a
# gate $\tanh(\alpha)$, with $\alpha = 0$ at the start. The new block is then exactly the identity,
# so the language model starts out unchanged; as training opens the gates, the image flows in.
#
# Reference: Alayrac et al., 2022, *Flamingo: a Visual Language Model for Few-Shot Learning*.

# %% [markdown] lang="zh"
# # 门控交叉注意力：文字如何读图（Flamingo）
#
# **库文件：** `src/dlfs/attention/cross_attention.py`（`CrossAttention`、
# `GatedCrossAttentionBlock`），`src/dlfs/nn/attention.py`（`MultiheadAttention`，`CrossAttention`
# 用的就是它的投影），`src/dlfs/nn/functional/attention.py`（`attention_weights`），
# `src/dlfs/models/digits_classifier.py`（冻结的图像编码器）。
# 测试：`tests/multimodal/test_cross_attention.py`。
#
# 自注意力里，一个序列看它自己。**交叉注意力**里，查询来自一个序列——这里是文字词元（token）
# 的隐藏状态——键和值来自另一个序列：冻结的 CNN 为一张 16x16 数字图算出的 16 个图块向量。
# 于是每个文字词元把它认为相关的图块混进自己的状态。Flamingo（Alayrac 等，2022）
# 用这个办法教一个*冻结的*语言模型看图：在它的层之间插入交叉注意力块，块的输出要经过门
# $\tanh(\alpha)$，且开始时 $\alpha = 0$。这样新插入的块恰好是恒等映射，语言模型一开始完全不变；
# 训练把门打开，图像信息才流进来。
#
# 参考文献：Alayrac 等，2022，*Flamingo: a Visual Language Model for Few-Shot Learning*。

# %%
import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dlfs.attention.cross_attention import CrossAttention, GatedCrossAttentionBlock  # noqa: E402
from dlfs.curriculum import lesson_context  # noqa: E402
from dlfs.generative.data import digit_images, to_unit_range  # noqa: E402
from dlfs.models.digits_classifier import load_digits_classifier  # noqa: E402
from dlfs.nn import functional as F  # noqa: E402
from dlfs.nn.functional.attention import attention_weights  # noqa: E402

ctx = lesson_context("gated-cross-attention")
torch.manual_seed(0)
torch.set_num_threads(1)   # tiny matrices: one thread is fastest on a shared 2-core machine
encoder = load_digits_classifier()                 # frozen, eval mode
images, labels = digit_images("train")
test_images, test_labels = digit_images("test")
n_train = 512 if ctx.quick else len(images)
with torch.no_grad():
    patches = encoder.patch_features(images[:n_train])       # (N, 16, 64)
    test_patches = encoder.patch_features(test_images)       # (359, 16, 64)
labels = labels[:n_train]
print(f"image patches: {tuple(patches.shape)} (a 4x4 grid of 64-d vectors per image)")
assert patches.shape[1:] == (16, 64)

# %% [markdown]
# ## 1. Cross-attention, written out
# Text states $x$ (B, T, C) give the queries, the patches $c$ (B, S, C_img) the keys and values. The
# projections (weights stored as torch stores them, output × input):
#
# $$
# q = x\,W_q^\top + b_q, \qquad k = c\,W_k^\top + b_k, \qquad v = c\,W_v^\top + b_v
# $$
#
# split into $H$ heads of size $D = C / H$; then, per head $h$,
#
# $$
# A_h = \mathrm{softmax}\!\left(\frac{q_h k_h^\top}{\sqrt{D}}\right), \qquad
# \text{out} = \mathrm{concat}_h\bigl(A_h v_h\bigr)\,W_o^\top + b_o
# $$
#
# $A$ has shape (B, H, T, S) — row $t$ says how much token $t$ reads of each patch, and each row
# sums to 1. The keys and values may have another width than the text (64 here, 32 for the text):
# $W_k$ and $W_v$ are $C \times C_{\text{img}}$.

# %% [markdown] lang="zh"
# ## 1. 把交叉注意力写出来
# 文字状态 $x$ (B, T, C) 给出查询，图块 $c$ (B, S, C_img) 给出键和值。投影如下（权重按 torch 的方式
# 存储，形状为“输出 × 输入”）：
#
# $$
# q = x\,W_q^\top + b_q, \qquad k = c\,W_k^\top + b_k, \qquad v = c\,W_v^\top + b_v
# $$
#
# 切成 $H$ 个大小为 $D = C / H$ 的头，然后对每个头 $h$：
#
# $$
# A_h = \mathrm{softmax}\!\left(\frac{q_h k_h^\top}{\sqrt{D}}\right), \qquad
# \text{out} = \mathrm{concat}_h\bigl(A_h v_h\bigr)\,W_o^\top + b_o
# $$
#
# $A$ 的形状是 (B, H, T, S)——第 $t$ 行表示词元 $t$ 从每个图块读取多少，每行之和为 1。
# 键和值的宽度可以和文字不同（这里图块 64 维，文字 32 维）：$W_k$、
# $W_v$ 是 $C \times C_{\text{img}}$ 的矩阵。

# %%
B, T, C, H = 2, 5, 32, 4
D = C // H
xattn = CrossAttention(C, H, d_context=64).eval()
text = torch.randn(B, T, C)                                  # (B, T, C) text states
context = patches[:B]                                        # (B, S, C_img) patches
out, weights = xattn.attend(text, context)                   # (B, T, C), (B, H, T, S)

mha = xattn.attn                                             # the projections' weights
q = (text @ mha.q_proj_weight.T + mha.in_proj_bias[:C]).view(B, T, H, D).transpose(1, 2)
k = (context @ mha.k_proj_weight.T + mha.in_proj_bias[C:2 * C]).view(B, -1, H, D)
v = (context @ mha.v_proj_weight.T + mha.in_proj_bias[2 * C:]).view(B, -1, H, D)
by_hand = attention_weights(q, k.transpose(1, 2))            # (B, H, T, S)
mixed = (by_hand @ v.transpose(1, 2)).transpose(1, 2).reshape(B, T, C)   # (B, T, C)
by_hand_out = mha.out_proj(mixed)
print(f"weights {tuple(weights.shape)}, output {tuple(out.shape)}; each row sums to 1")
assert torch.allclose(by_hand, weights, atol=1e-6) and torch.allclose(by_hand_out, out, atol=1e-6)
assert torch.allclose(weights.sum(-1), torch.ones(B, H, T))

ref = torch.nn.MultiheadAttention(C, H, kdim=64, vdim=64, batch_first=True).eval()
ref.load_state_dict(xattn.attn.state_dict())                 # torch's layer, our weights
assert torch.allclose(ref(text, context, context)[0], out, atol=1e-5)  # float32 sums
print("by hand == CrossAttention == torch.nn.MultiheadAttention(kdim=64, vdim=64)")

# %% [markdown]
# ## 2. Masks: missing patches, and which image a token may see
# A **key padding mask** (B, S) hides context positions that are not really there — a batch of
# images with different numbers of patches is padded to the longest, and the padding must get zero
# weight. An **attention mask** (T, S) blocks chosen (token, patch) pairs. Both enter the softmax as
# an additive $M$, with $M_{ts} = -\infty$ where token $t$ may not see patch $s$ and $M_{ts} = 0$
# elsewhere:
#
# $$
# A_h = \mathrm{softmax}\!\left(\frac{q_h k_h^\top}{\sqrt{D}} + M\right)
# $$
#
# Flamingo interleaves text and images and lets each text token see only the image just before it;
# with two images A, B and tokens 0-2 after A, 3-5 after B, the mask blocks B for the first three
# tokens and A for the rest. (Masks follow torch's MultiheadAttention: True = blocked.)

# %% [markdown] lang="zh"
# ## 2. 掩码：缺失的图块，以及词元能看哪张图
# **键填充掩码** (B, S) 遮住并不存在的上下文位置——一批图块数不同的图像会被填充到最长，
# 填充位置的权重必须为零。**注意力掩码** (T, S) 遮住指定的 (词元, 图块) 对。两者都以加性项 $M$ 的形
# 式进入 softmax：词元 $t$ 不能看图块 $s$ 时 $M_{ts} = -\infty$，其余位置 $M_{ts} = 0$：
#
# $$
# A_h = \mathrm{softmax}\!\left(\frac{q_h k_h^\top}{\sqrt{D}} + M\right)
# $$
#
# Flamingo 把文字和图像交错排列，每个文字词元只能看紧挨在它前面的那张图；两张图 A、B，
# 词元 0-2 在 A 之后、3-5 在 B 之后，掩码就对前三个词元遮住 B、对其余词元遮住 A。（掩码沿用 torch
# MultiheadAttention 的约定：True 表示遮住。）

# %%
pad = torch.zeros(B, 16, dtype=torch.bool)
pad[1, 8:] = True                                    # image 1: only its top two patch rows
out_pad, w_pad = xattn.attend(text, context, key_padding_mask=pad)
alone = xattn(text[1:], context[1:, :8])             # the same image with 8 patches, unpadded
print(f"weight on padded patches: {w_pad[1, :, :, 8:].abs().max().item():.1f}; padded == "
      "unpadded 8-patch image:", torch.allclose(out_pad[1:], alone, atol=1e-6))
assert (w_pad[1, :, :, 8:] == 0).all() and torch.allclose(out_pad[1:], alone, atol=1e-6)
assert torch.allclose(out_pad[0], out[0], atol=1e-6)                   # image 0 unchanged

two_images = torch.cat([patches[:1], patches[1:2]], dim=1)             # (1, 32, 64): A then B
tokens = torch.randn(1, 6, C)
sees = torch.zeros(6, 32, dtype=torch.bool)
sees[:3, 16:] = True                                 # tokens 0-2 do not see image B
sees[3:, :16] = True                                 # tokens 3-5 do not see image A
before = xattn(tokens, two_images, attn_mask=sees)
other_b = two_images.clone()
other_b[:, 16:] = patches[2:3]                       # swap image B for another digit
after = xattn(tokens, other_b, attn_mask=sees)
moved = (after - before).abs().amax(dim=-1)[0]       # (6,) per token
print("change per token when image B is swapped:", [round(m, 3) for m in moved.tolist()])
assert (moved[:3] == 0).all() and (moved[3:] > 1e-3).all()

# %% [markdown]
# ## 3. The gated block starts as the identity
# The block (pre-LayerNorm, two gated residual branches):
#
# $$
# \begin{aligned}
# x &\leftarrow x + \tanh(\alpha_{\text{attn}}) \cdot \mathrm{CrossAttn}\bigl(\mathrm{LN}(x), c\bigr) \\
# x &\leftarrow x + \tanh(\alpha_{\text{ff}}) \cdot \mathrm{FFN}\bigl(\mathrm{LN}(x)\bigr)
# \end{aligned}
# $$
#
# with $\alpha_{\text{attn}} = \alpha_{\text{ff}} = 0$ at the start. The output equals $x$ exactly,
# whatever the image; a frozen language model with such blocks inserted computes what it computed
# before. Yet the gates are not stuck: with $F$ a branch's output and $\theta$ its own weights,
#
# $$
# \frac{\partial\,\text{out}}{\partial \alpha}\Big|_{\alpha = 0} = \tanh'(0) \cdot F = F \ne 0,
# \qquad
# \frac{\partial\,\text{out}}{\partial \theta}\Big|_{\alpha = 0} =
# \tanh(0) \cdot \frac{\partial F}{\partial \theta} = 0
# $$
#
# so the first step already moves the gates, while the branches' own weights get no gradient until
# the gates leave 0.

# %% [markdown] lang="zh"
# ## 3. 门控块从恒等映射开始
# 这个块（pre-LayerNorm，两条带门的残差分支）：
#
# $$
# \begin{aligned}
# x &\leftarrow x + \tanh(\alpha_{\text{attn}}) \cdot \mathrm{CrossAttn}\bigl(\mathrm{LN}(x), c\bigr) \\
# x &\leftarrow x + \tanh(\alpha_{\text{ff}}) \cdot \mathrm{FFN}\bigl(\mathrm{LN}(x)\bigr)
# \end{aligned}
# $$
#
# 开始时 $\alpha_{\text{attn}} = \alpha_{\text{ff}} = 0$。不管输入什么图像，输出都精确等于 $x$；
# 插入了这种块的冻结语言模型，算出的结果和原来一模一样。但门并没有被卡住：记某条分支的输出为 $F$、
# 它自身的权重为 $\theta$，
#
# $$
# \frac{\partial\,\text{out}}{\partial \alpha}\Big|_{\alpha = 0} = \tanh'(0) \cdot F = F \ne 0,
# \qquad
# \frac{\partial\,\text{out}}{\partial \theta}\Big|_{\alpha = 0} =
# \tanh(0) \cdot \frac{\partial F}{\partial \theta} = 0
# $$
#
# 所以第一步就能推动门；而分支自身的权重在门离开 0 之前拿不到梯度。

# %%
block = GatedCrossAttentionBlock(C, H, d_context=64, d_ff=2 * C)
x = torch.randn(B, T, C, requires_grad=True)
y = block(x, context)
print(f"gates at init {block.gates()}; max |block(x) - x| = {(y - x).abs().max().item()}")
assert torch.equal(y, x)
y.pow(2).sum().backward()
branch_grads = [p.grad.abs().max().item() for n, p in block.named_parameters()
                if not n.endswith("gate") and p.grad is not None]
print(f"d loss / d alpha_attn = {block.attn_gate.grad.item():+.3f}, d loss / d alpha_ff = "
      f"{block.ff_gate.grad.item():+.3f}; largest branch gradient {max(branch_grads, default=0)}")
assert block.attn_gate.grad.abs() > 0 and block.ff_gate.grad.abs() > 0
assert max(branch_grads, default=0.0) == 0.0

# %% [markdown]
# ## 4. Training opens the gate
# A toy "frozen language model": four fixed token states and a fixed readout $W_r$ (10 × C) that
# turns the last token's state $h$ into ten digit scores, $\text{scores} = h\,W_r^\top$. Alone it
# knows nothing about the image (10 % right, chance). We insert one gated block between the tokens
# and the readout and train only the block, with cross-entropy, to name the digit of the image: the
# loss can fall only if image information passes the gate, so the gate opens.

# %% [markdown] lang="zh"
# ## 4. 训练把门打开
# 一个玩具版“冻结语言模型”：四个固定的词元状态，加一个固定的读出层 $W_r$（10 × C），
# 把最后一个词元的状态 $h$ 变成十个数字的得分 $\text{scores} = h\,W_r^\top$。单靠它自己对图像一无所
# 知（正确率 10 %，等于瞎猜）。我们在词元和读出层之间插入一个门控块，只训练这个块，
# 用交叉熵让它说出图像里的数字：只有让图像信息穿过门，损失才能下降，于是门被打开。

# %%
torch.manual_seed(0)
frozen_tokens = torch.randn(1, 4, C)                 # the frozen "text"
readout = torch.randn(10, C) / C ** 0.5              # the frozen head: scores = h W^T
block = GatedCrossAttentionBlock(C, H, d_context=64, d_ff=2 * C)
optimizer = torch.optim.Adam(block.parameters(), lr=3e-3)


def digit_scores(features: torch.Tensor) -> torch.Tensor:
    """features (B, 16, 64) -> (B, 10): the readout of the last token after the block."""
    h = block(frozen_tokens.expand(len(features), -1, -1), features)     # (B, 4, C)
    return h[:, -1] @ readout.T


with torch.no_grad():
    start_acc = (digit_scores(test_patches).argmax(1) == test_labels).float().mean().item()
steps = 120 if ctx.quick else 400
gen = torch.Generator().manual_seed(0)
history = []
for _ in range(steps):
    i = torch.randint(0, n_train, (64,), generator=gen)
    loss = F.cross_entropy(digit_scores(patches[i]), labels[i])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    history.append((loss.item(), *block.gates()))
with torch.no_grad():
    acc = (digit_scores(test_patches).argmax(1) == test_labels).float().mean().item()
g_attn, g_ff = block.gates()
print(f"held-out digits named right: {start_acc:.1%} at the start (gates closed), {acc:.1%} "
      f"after {steps} steps; tanh(alpha_attn) = {g_attn:+.3f}, tanh(alpha_ff) = {g_ff:+.3f}")
assert start_acc < 0.2 and acc > (0.6 if ctx.quick else 0.85)
assert abs(g_attn) > 0.05                            # the cross-attention gate opened

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
axes[0].plot([h[0] for h in history])
axes[0].set(title="loss", xlabel="step")
axes[1].plot([h[1] for h in history], label="tanh(α_attn)")
axes[1].plot([h[2] for h in history], label="tanh(α_ff)")
axes[1].axhline(0, color="gray", lw=0.5)
axes[1].set(title="the gates open", xlabel="step")
axes[1].legend()
with torch.no_grad():
    _, w = block.xattn.attend(block.ln_attn(frozen_tokens), test_patches[:1])   # (1, H, 4, 16)
axes[2].imshow(to_unit_range(test_images[0, 0]).numpy(), cmap="gray", extent=(0, 4, 4, 0))
axes[2].imshow(w[0, :, -1].mean(0).view(4, 4).numpy(), cmap="magma", alpha=0.5,
               extent=(0, 4, 4, 0))
axes[2].set(title=f"where the last token looks (a {int(test_labels[0])})")
axes[2].axis("off")
ctx.savefig(fig, "gates_and_attention.png")
