# %% [markdown]
# # Day 24 · The Transformer block: residual + LayerNorm — Transformer Block（残差与 LayerNorm）
#
# **Library files:** `src/dlfs/nn/transformer.py` (`TransformerEncoderLayer`,
# `TransformerDecoderLayer`, the stacks and `Transformer`), `src/dlfs/nn/attention.py`,
# `src/dlfs/nn/normalization.py` (`LayerNorm`).
#
# A block is two sub-layers, self-attention (SA) and a feed-forward net (FFN), each wrapped
# in a residual connection and a LayerNorm. Where the LayerNorm goes is the one design
# choice that matters. Post-LN (the 2017 paper) and Pre-LN (GPT-2 and later):
#
# $$
# \begin{aligned}
# \text{Post-LN:}\quad h &= \mathrm{LN}(x + \mathrm{SA}(x)), &
#   y &= \mathrm{LN}(h + \mathrm{FFN}(h)) \\
# \text{Pre-LN:}\quad h &= x + \mathrm{SA}(\mathrm{LN}(x)), &
#   y &= h + \mathrm{FFN}(\mathrm{LN}(h))
# \end{aligned}
# $$
#
# We rebuild both from the layer's own parts, compare with PyTorch, see why Pre-LN keeps a
# clean identity path, and measure the gradient norm of every layer at initialization
# (Xiong et al. 2020, "On Layer Normalization in the Transformer Architecture").
# Legend: B batch, T length, C = d_model, H heads.
#
# References: Vaswani et al., 2017, *Attention Is All You Need*; Xiong et al., 2020,
# *On Layer Normalization in the Transformer Architecture*.

# %% [markdown] lang="zh"
# # 第 24 天 · Transformer Block：残差与 LayerNorm
#
# **库文件：** `src/dlfs/nn/transformer.py`（`TransformerEncoderLayer`、
# `TransformerDecoderLayer`、各种堆叠以及 `Transformer`），`src/dlfs/nn/attention.py`，
# `src/dlfs/nn/normalization.py`（`LayerNorm`）。
#
# 一个块由两个子层组成：自注意力（SA）和前馈网络（FFN），每个子层都包裹在一个残差连接和一个
# LayerNorm 之中。LayerNorm 放在哪里，是唯一关键的设计选择。Post-LN（2017 年的原论文）
# 与 Pre-LN（GPT-2 及之后的模型）：
#
# $$
# \begin{aligned}
# \text{Post-LN:}\quad h &= \mathrm{LN}(x + \mathrm{SA}(x)), &
#   y &= \mathrm{LN}(h + \mathrm{FFN}(h)) \\
# \text{Pre-LN:}\quad h &= x + \mathrm{SA}(\mathrm{LN}(x)), &
#   y &= h + \mathrm{FFN}(\mathrm{LN}(h))
# \end{aligned}
# $$
#
# 我们用层自身的部件重建这两种块，与 PyTorch 对照，看清 Pre-LN 为什么能保留一条干净的恒等通路，
# 并在初始化时测量每一层的梯度范数（Xiong et al. 2020, "On Layer Normalization in the
# Transformer Architecture"）。记号：B 批大小，T 长度，C = d_model，H 头数。
#
# 参考文献：Vaswani et al., 2017, *Attention Is All You Need*；Xiong et al., 2020,
# *On Layer Normalization in the Transformer Architecture*。

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

import dlfs.nn as dnn
from dlfs.curriculum import lesson_context
from dlfs.nn import functional as F

ctx = lesson_context("transformer-block")
torch.manual_seed(0)
f64 = torch.float64

# %% [markdown]
# ## 1. One block, rebuilt from its parts
# `FFN(h) = linear2(relu(linear1(h)))`, C -> 4C -> C. Dropout is 0 here so the numbers
# can be compared exactly.
#
# $$
# \mathrm{FFN}(h) = \mathrm{relu}\big(h W_1^\top + b_1\big) W_2^\top + b_2, \qquad
# W_1 \in \mathbb{R}^{4C \times C}, \quad W_2 \in \mathbb{R}^{C \times 4C}
# $$

# %% [markdown] lang="zh"
# ## 1. 用部件重建一个块
# `FFN(h) = linear2(relu(linear1(h)))`，维度变化为 C -> 4C -> C。这里 dropout 设为 0，
# 以便精确比较数值。
#
# $$
# \mathrm{FFN}(h) = \mathrm{relu}\big(h W_1^\top + b_1\big) W_2^\top + b_2, \qquad
# W_1 \in \mathbb{R}^{4C \times C}, \quad W_2 \in \mathbb{R}^{C \times 4C}
# $$

# %%
B, T, C, H = 2, 6, 16, 4
x = torch.randn(B, T, C, dtype=f64)


def sa(layer: dnn.TransformerEncoderLayer, z: torch.Tensor) -> torch.Tensor:
    return layer.self_attn(z, z, z, need_weights=False)[0]


def ffn(layer: dnn.TransformerEncoderLayer, z: torch.Tensor) -> torch.Tensor:
    return layer.linear2(F.relu(layer.linear1(z)))


post = dnn.TransformerEncoderLayer(C, H, 4 * C, dropout=0.0, batch_first=True).double()
pre = dnn.TransformerEncoderLayer(C, H, 4 * C, dropout=0.0, batch_first=True,
                                  norm_first=True).double()
with torch.no_grad():
    h = post.norm1(x + sa(post, x))
    assert torch.allclose(post(x), post.norm2(h + ffn(post, h)))
    h = x + sa(pre, pre.norm1(x))
    assert torch.allclose(pre(x), h + ffn(pre, pre.norm2(h)))
print(f"x {tuple(x.shape)} -> block -> {tuple(post(x).shape)}: the width C never changes")
print("Post-LN and Pre-LN blocks equal their formulas written by hand")

# %% [markdown]
# ## 2. Same parameters, same names, same numbers as PyTorch
# The state_dict moves between `dlfs.nn` and `torch.nn` with `strict=True`.

# %% [markdown] lang="zh"
# ## 2. 与 PyTorch 参数相同、名字相同、数值相同
# state_dict 可以用 `strict=True` 在 `dlfs.nn` 与 `torch.nn` 之间互相加载。

# %%
for ours, norm_first in ((post, False), (pre, True)):
    ref = nn.TransformerEncoderLayer(C, H, 4 * C, dropout=0.0, batch_first=True,
                                     norm_first=norm_first).double()
    ref.load_state_dict(ours.state_dict(), strict=True)
    assert torch.allclose(ours(x), ref(x))
print("names:", ", ".join(name for name, _ in post.named_parameters()))

# %% [markdown]
# ## 3. What LayerNorm and the residual path do
# LayerNorm gives each token's C features mean 0 and variance 1 (before its learned scale
# and shift):
#
# $$
# \mathrm{LN}(z) = \gamma \odot \frac{z - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta, \qquad
# \mu = \frac{1}{C} \sum_{c=1}^{C} z_c, \quad \sigma^2 = \frac{1}{C} \sum_{c=1}^{C} (z_c - \mu)^2
# $$
#
# The residual path is what separates the two designs: switch every sub-layer
# off (zero its output projection) and a Pre-LN block is exactly the identity, while a
# Post-LN block still normalizes, so a deep Post-LN stack has no clean path from output
# back to input. With $\mathrm{SA} = \mathrm{FFN} = 0$: Pre-LN gives $y = x$, Post-LN
# gives $y = \mathrm{LN}(\mathrm{LN}(x))$.

# %% [markdown] lang="zh"
# ## 3. LayerNorm 与残差通路各做了什么
# LayerNorm 让每个词元的 C 个特征均值为 0、方差为 1（在乘加它学到的缩放和平移之前）：
#
# $$
# \mathrm{LN}(z) = \gamma \odot \frac{z - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta, \qquad
# \mu = \frac{1}{C} \sum_{c=1}^{C} z_c, \quad \sigma^2 = \frac{1}{C} \sum_{c=1}^{C} (z_c - \mu)^2
# $$
#
# 区分两种设计的正是残差通路：把每个子层都关掉（把它的输出投影置零），Pre-LN 块就恰好是恒等映射，
# 而 Post-LN 块仍然在做归一化，所以深层的 Post-LN 堆叠没有一条从输出回到输入的干净通路。
# 当 $\mathrm{SA} = \mathrm{FFN} = 0$ 时：Pre-LN 给出 $y = x$，Post-LN 给出
# $y = \mathrm{LN}(\mathrm{LN}(x))$。

# %%
ln = dnn.LayerNorm(C).double()
z = ln(3.0 * x + 5.0)
assert torch.allclose(z.mean(-1), torch.zeros(B, T, dtype=f64), atol=1e-12)
assert torch.allclose(z.var(-1, unbiased=False), torch.ones(B, T, dtype=f64), atol=1e-4)

with torch.no_grad():
    for layer in (post, pre):
        for linear in (layer.self_attn.out_proj, layer.linear2):
            linear.weight.zero_()
            linear.bias.zero_()
    assert torch.equal(pre(x), x)
    assert torch.allclose(post(x), post.norm2(post.norm1(x))) and not torch.allclose(post(x), x)
print("sub-layers off: Pre-LN block == identity; Post-LN block == LN(LN(x)) != x")

# %% [markdown]
# ## 4. Gradient norms per layer at initialization
# Stack L blocks, put a linear head and a cross-entropy loss on top, backpropagate once,
# and take the gradient norm of each block's parameters,
# $g_l = \lVert \partial \mathcal{L} / \partial \theta_l \rVert$ (all of block l's parameter
# gradients as one vector). Post-LN gives its top layers the
# largest gradients, which is why it needs a learning-rate warmup; in Pre-LN the identity
# path delivers the output gradient to every layer unchanged, plus what the later layers
# add, so the lower layers get at least as much as the top.

# %% [markdown] lang="zh"
# ## 4. 初始化时每一层的梯度范数
# 堆叠 L 个块，在顶上加一个线性输出头和交叉熵损失，反向传播一次，
# 然后取每个块参数的梯度范数 $g_l = \lVert \partial \mathcal{L} / \partial \theta_l \rVert$
# （把第 l 块所有参数的梯度看成一个向量）。Post-LN 让顶层得到最大的梯度，
# 所以它需要学习率预热（warmup）；在 Pre-LN 中，恒等通路把输出端的梯度原样送到每一层，
# 再加上后面各层贡献的部分，所以底层得到的梯度至少和顶层一样多。

# %%
L, C, seeds = (6, 32, 2) if ctx.quick else (12, 64, 5)
B, T, V = (4, 8, 50) if ctx.quick else (8, 16, 50)


def layer_grad_norms(norm_first: bool, seed: int) -> torch.Tensor:
    """||dLoss/dθ_l|| for l = 1..L at initialization, shape (L,)."""
    torch.manual_seed(seed)
    block = dnn.TransformerEncoderLayer(C, 4, 4 * C, dropout=0.0, batch_first=True,
                                        norm_first=norm_first)
    final_norm = dnn.LayerNorm(C) if norm_first else None            # Pre-LN ends with a LN
    stack = dnn.TransformerEncoder(block, L, norm=final_norm)
    for p in stack.parameters():                                     # as nn.Transformer does
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)
    head = dnn.Linear(C, V)
    tokens, targets = torch.randn(B, T, C), torch.randint(0, V, (B, T))
    logits = head(stack(tokens))                                     # (B, T, V)
    F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1)).backward()
    return torch.tensor([torch.cat([p.grad.flatten() for p in layer.parameters()]).norm()
                         for layer in stack.layers])


norms = {name: torch.stack([layer_grad_norms(nf, s) for s in range(seeds)]).mean(0)
         for name, nf in (("Post-LN", False), ("Pre-LN", True))}
for name, g in norms.items():
    print(f"{name}: " + " ".join(f"{v:.3f}" for v in g.tolist())
          + f"   top/bottom = {g[-1] / g[0]:.2f}")
assert norms["Post-LN"][-1] / norms["Post-LN"][0] > norms["Pre-LN"][-1] / norms["Pre-LN"][0]
assert norms["Pre-LN"][-1] < norms["Pre-LN"][0], "Pre-LN: the top gets no more than the bottom"
assert norms["Post-LN"][-1] > norms["Pre-LN"][-1], "Post-LN: larger gradients at the top"

fig, ax = plt.subplots(figsize=(6, 3.6))
for name, g in norms.items():
    ax.plot(range(1, L + 1), g.numpy(), "o-", label=name)
ax.set(xlabel="layer (1 = next to the input)", ylabel="||grad|| of the layer's parameters",
       title=f"gradient norm per layer at init (L={L}, C={C}, mean of {seeds} seeds)")
ax.legend()
ctx.savefig(fig, "grad_norms_post_vs_pre_ln.png")

# %% [markdown]
# ## 5. The whole encoder-decoder
# `Transformer` = an encoder stack over the source and a decoder stack whose blocks add a
# cross-attention over the encoder's output (the memory). The decoder's self-attention uses
# the causal mask from `generate_square_subsequent_mask` (0 = keep, -inf = blocked).
# In cross-attention the queries come from the decoder and the keys and values from the
# memory:
#
# $$
# \mathrm{CrossAttn}(h, \text{memory}) =
# \mathrm{softmax}\Big(\frac{(h W_q^\top)(\text{memory}\, W_k^\top)^\top}{\sqrt{D}}\Big)\,
# \text{memory}\, W_v^\top, \qquad
# M_{ts} = \begin{cases} 0 & s \le t \\ -\infty & s > t \end{cases}
# $$
#
# (biases left out; $M$ is the mask added to the decoder's self-attention scores).

# %% [markdown] lang="zh"
# ## 5. 完整的编码器–解码器
# `Transformer` = 作用在源序列上的编码器堆叠 + 解码器堆叠，解码器的每个块还多了一个对编码器输出
# （memory，记忆）的交叉注意力。解码器的自注意力使用 `generate_square_subsequent_mask`
# 生成的因果掩码（0 = 保留，-inf = 屏蔽）。交叉注意力的查询来自解码器，键和值来自 memory：
#
# $$
# \mathrm{CrossAttn}(h, \text{memory}) =
# \mathrm{softmax}\Big(\frac{(h W_q^\top)(\text{memory}\, W_k^\top)^\top}{\sqrt{D}}\Big)\,
# \text{memory}\, W_v^\top, \qquad
# M_{ts} = \begin{cases} 0 & s \le t \\ -\infty & s > t \end{cases}
# $$
#
# （省略了偏置；$M$ 是加到解码器自注意力得分上的掩码。）

# %%
S, T, C = 7, 5, 16
model = dnn.Transformer(C, 4, num_encoder_layers=2, num_decoder_layers=2,
                        dim_feedforward=32, dropout=0.0, batch_first=True).double()
src, tgt = torch.randn(2, S, C, dtype=f64), torch.randn(2, T, C, dtype=f64)
tgt_mask = dnn.Transformer.generate_square_subsequent_mask(T, dtype=f64)
out = model(src, tgt, tgt_mask=tgt_mask)                             # (B, T, C)
ref = nn.Transformer(C, 4, 2, 2, 32, dropout=0.0, batch_first=True).double()
ref.load_state_dict(model.state_dict(), strict=True)
assert torch.allclose(out, ref(src, tgt, tgt_mask=tgt_mask))
print(f"src {tuple(src.shape)}, tgt {tuple(tgt.shape)} -> {tuple(out.shape)}; equals "
      f"torch.nn.Transformer; {sum(p.numel() for p in model.parameters()):,} parameters")
