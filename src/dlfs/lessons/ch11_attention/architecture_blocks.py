# %% [markdown]
# # Model architecture: attention, positions, residual paths and normalization layers — 模型架构：注意力、位置编码、残差通路与归一化层
#
# **Library files:** `src/dlfs/nn/functional/attention.py` (`scaled_dot_product_attention`,
# `causal_mask`), `src/dlfs/nn/attention.py` (`MultiheadAttention`), `src/dlfs/nn/positional.py`
# (`SinusoidalPositionalEncoding`, `LearnedPositionalEmbedding`, `RotaryEmbedding`),
# `src/dlfs/models/cnn/resnet.py` (`BasicBlock`, `resnet18`), `src/dlfs/nn/normalization.py`
# (`BatchNorm2d`, `LayerNorm`, `GroupNorm`, `InstanceNorm2d`, `RMSNorm`).
#
# This is the map of the architecture series: each section checks one fact with the library
# and names the lesson that goes deep (`dlfs run <id>`).
#
# | building block | checked here | deep lesson |
# |---|---|---|
# | scaled dot-product attention, causal mask, multi-head | parity with torch | `self-attention` |
# | sinusoidal / learned / rotary positions | RoPE scores see only m - n | `embedding-positional` |
# | residual path, projection shortcut | gradient at the input of a deep stack | `residual-vs-plain` |
# | Post-LN vs Pre-LN | (see there) | `transformer-block`, `vanilla-transformer` |
# | RMSNorm | no re-centring | `llm-components` |
# | BatchNorm / LayerNorm / GroupNorm / InstanceNorm | the axes of each statistic | `train-eval-modes` (BN) |
#
# Legend: B batch, T query length, S key length, C channels/width, H heads, D head size.

# %% [markdown] lang="zh"
# # 模型架构：注意力、位置编码、残差通路与归一化层
#
# **库文件：** `src/dlfs/nn/functional/attention.py`（`scaled_dot_product_attention`、
# `causal_mask`），`src/dlfs/nn/attention.py`（`MultiheadAttention`），
# `src/dlfs/nn/positional.py`（`SinusoidalPositionalEncoding`、`LearnedPositionalEmbedding`、
# `RotaryEmbedding`），`src/dlfs/models/cnn/resnet.py`（`BasicBlock`、`resnet18`），
# `src/dlfs/nn/normalization.py`（`BatchNorm2d`、`LayerNorm`、`GroupNorm`、
# `InstanceNorm2d`、`RMSNorm`）。
#
# 这是架构系列的总览图：每一节用库检查一个事实，并指出深入讲解它的那一课（`dlfs run <id>`）。
#
# | 构件 | 本课检查的内容 | 深入讲解的课 |
# |---|---|---|
# | 缩放点积注意力、因果掩码、多头 | 与 torch 结果一致 | `self-attention` |
# | 正弦 / 可学习 / 旋转位置编码 | RoPE 的得分只取决于 m - n | `embedding-positional` |
# | 残差通路、投影捷径 | 深层堆叠输入端的梯度 | `residual-vs-plain` |
# | Post-LN 与 Pre-LN | （见对应课程） | `transformer-block`、`vanilla-transformer` |
# | RMSNorm | 不做去均值 | `llm-components` |
# | BatchNorm / LayerNorm / GroupNorm / InstanceNorm | 统计量的轴 | `train-eval-modes`（BN） |
#
# 记号：B 批大小，T 查询长度，S 键长度，C 通道数/宽度，H 头数，D 每个头的维度。

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

import dlfs.nn as dnn
from dlfs.curriculum import lesson_context
from dlfs.models.cnn import BasicBlock, resnet18
from dlfs.nn import functional as F

ctx = lesson_context("architecture-building-blocks")
torch.manual_seed(0)
f64 = torch.float64


def n_params(module: nn.Module) -> int:
    """Number of scalars in the module's parameters."""
    return sum(p.numel() for p in module.parameters())


# %% [markdown]
# ## 1. Attention in one call, and the module that wraps it
# softmax(Q K^T / sqrt(D) + mask) V, below. `is_causal=True` is the lower-triangular mask:
# query t sees keys s <= t. `dlfs.nn.MultiheadAttention` keeps torch's parameter names, so
# one state_dict loads into both with `strict=True` and the outputs agree.
#
# $$
# \mathrm{Attention}(Q, K, V) = \mathrm{softmax}\Big(\frac{Q K^\top}{\sqrt{D}} + M\Big) V,
# \qquad M_{ts} = \begin{cases} 0 & s \le t \\ -\infty & s > t \end{cases}
# $$
#
# Reference: Vaswani et al., 2017, *Attention Is All You Need*.

# %% [markdown] lang="zh"
# ## 1. 一次调用完成注意力，以及封装它的模块
# softmax(Q K^T / sqrt(D) + mask) V，公式见下。`is_causal=True` 就是下三角掩码：
# 查询 t 只能看到 s <= t 的键。`dlfs.nn.MultiheadAttention` 沿用了 torch 的参数名，
# 所以同一个 state_dict 可以用 `strict=True` 同时加载进两者，输出也一致。
#
# $$
# \mathrm{Attention}(Q, K, V) = \mathrm{softmax}\Big(\frac{Q K^\top}{\sqrt{D}} + M\Big) V,
# \qquad M_{ts} = \begin{cases} 0 & s \le t \\ -\infty & s > t \end{cases}
# $$
#
# 参考文献：Vaswani et al., 2017, *Attention Is All You Need*。

# %%
B, H, T, D = 2, 4, 6, 8
q, k, v = torch.randn(3, B, H, T, D, dtype=f64).unbind(0)            # (B, H, T, D) each
out = F.scaled_dot_product_attention(q, k, v, is_causal=True)        # (B, H, T, D)
assert torch.allclose(out, F.scaled_dot_product_attention(q, k, v, attn_mask=F.causal_mask(T)))
assert torch.allclose(out, torch.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                            is_causal=True))
k2, v2 = k.clone(), v.clone()
k2[:, :, -1] += 1.0                                                  # change the last key
v2[:, :, -1] -= 1.0                                                  # and value
out2 = F.scaled_dot_product_attention(q, k2, v2, is_causal=True)
assert torch.allclose(out[:, :, :-1], out2[:, :, :-1]) and not torch.allclose(out, out2)
print(f"SDPA causal {tuple(out.shape)} == explicit mask == torch; the future is invisible")

C = H * D
ours = dnn.MultiheadAttention(C, H, batch_first=True).double()
theirs = nn.MultiheadAttention(C, H, batch_first=True).double()
theirs.load_state_dict(ours.state_dict(), strict=True)
x = torch.randn(B, T, C, dtype=f64)
padding = torch.zeros(B, T, dtype=torch.bool)
padding[1, -2:] = True                                               # sample 1: 2 pad tokens
causal_blocked = ~F.causal_mask(T)                                   # True = may not attend
with torch.no_grad():
    y_ours, w_ours = ours(x, x, x, key_padding_mask=padding, attn_mask=causal_blocked)
    y_theirs, w_theirs = theirs(x, x, x, key_padding_mask=padding, attn_mask=causal_blocked)
assert torch.allclose(y_ours, y_theirs) and torch.allclose(w_ours, w_theirs)
assert w_ours[1, :, -2:].abs().max() == 0                            # nobody looks at padding
print(f"MultiheadAttention({C}, {H}): state_dict {list(ours.state_dict())} loads strictly "
      f"into torch's; outputs {tuple(y_ours.shape)} and weights {tuple(w_ours.shape)} agree")

# %% [markdown]
# ## 2. Three ways to say where a token is
# - **sinusoidal**: a fixed (T_max, C) table added to the input, 0 parameters;
# - **learned**: a trained (T_max, C) table added to the input, T_max·C parameters;
# - **rotary (RoPE)**: rotate q and k by position-dependent angles inside attention, 0
#   parameters. A rotation by angle m·θ dotted with one by n·θ only sees (m - n)·θ, so the
#   whole (T, T) score matrix of a repeated query and key is constant along each diagonal:
#
# $$
# \langle R_{m\theta}\, q,\ R_{n\theta}\, k \rangle = q^\top R_{m\theta}^\top R_{n\theta}\, k
# = q^\top R_{(n-m)\theta}\, k
# $$

# %% [markdown] lang="zh"
# ## 2. 告诉模型词元位置的三种方式
# - **正弦**：一张固定的 (T_max, C) 表，加到输入上，0 个参数；
# - **可学习**：一张训练得到的 (T_max, C) 表，加到输入上，T_max·C 个参数；
# - **旋转（RoPE）**：在注意力内部把 q 和 k 按与位置相关的角度旋转，0 个参数。
#   转过 m·θ 的向量与转过 n·θ 的向量做点积，只能看到 (m - n)·θ，
#   所以同一个查询和键在各位置重复时，整个 (T, T) 得分矩阵沿每条对角线都是常数：
#
# $$
# \langle R_{m\theta}\, q,\ R_{n\theta}\, k \rangle = q^\top R_{m\theta}^\top R_{n\theta}\, k
# = q^\top R_{(n-m)\theta}\, k
# $$

# %%
C, T_max = 16, 64
sinusoidal = dnn.SinusoidalPositionalEncoding(C, max_len=T_max)
learned = dnn.LearnedPositionalEmbedding(T_max, C)
assert n_params(sinusoidal) == 0 and len(sinusoidal.state_dict()) == 0
assert n_params(learned) == T_max * C
print(f"parameters: sinusoidal 0, learned {n_params(learned)} = T_max·C, RoPE 0")

T = 12
rope = dnn.RotaryEmbedding(D)
q1, k1 = torch.randn(2, 1, D, dtype=f64).unbind(0)                   # (1, D) each
q_seq, k_seq = rope(q1.expand(T, D)), rope(k1.expand(T, D))          # (T, D): same vector, rotated
scores = q_seq @ k_seq.T                                             # (T, T): scores[m, n]
for offset in range(-T + 1, T):
    diagonal = scores.diagonal(offset)                               # all (m, n) with n - m = offset
    assert torch.allclose(diagonal, diagonal[0].expand_as(diagonal), atol=1e-12)
assert torch.allclose(q_seq.norm(dim=-1), q1.norm())
assert not torch.allclose(scores.diagonal(0)[0], scores.diagonal(1)[0])
print(f"RoPE: the ({T}, {T}) score matrix is constant along every diagonal (depends on m - n "
      "only); norms kept")

# %% [markdown]
# ## 3. The residual path carries the gradient
# For $y = x + f(x)$,
# $\partial L / \partial x = \partial L / \partial y \, (I + \partial f / \partial x)$:
# the identity term delivers the output gradient to the input whatever f does. A plain
# stack y = f(x) multiplies L Jacobians; with the default init of `Linear` + ReLU each one
# shrinks the gradient, so after L layers almost nothing is left. We measure ||dL/dh_l|| at
# every depth l at initialization. (With
# shortcuts the gradient even grows on its way down, each layer adding its own term; ResNets
# keep that in check with BatchNorm, GPT-2 by initializing the layers that write into the
# residual stream 1/sqrt(number of such layers) smaller.) With $J_l$ the Jacobian of layer l,
# the plain stack (left) and the residual stack (right) give
#
# $$
# \frac{\partial L}{\partial h_0} = \frac{\partial L}{\partial h_L}
# \prod_{l=L}^{1} J_l, \qquad
# \frac{\partial L}{\partial h_0} = \frac{\partial L}{\partial h_L}
# \prod_{l=L}^{1} \big(I + J_l\big), \qquad J_l = \frac{\partial f_l}{\partial h_{l-1}}
# $$

# %% [markdown] lang="zh"
# ## 3. 残差通路负责传递梯度
# 对于 $y = x + f(x)$，
# $\partial L / \partial x = \partial L / \partial y \, (I + \partial f / \partial x)$：
# 无论 f 做什么，恒等项都会把输出端的梯度送到输入端。普通堆叠 y = f(x) 要连乘 L 个雅可比矩阵；
# 在 `Linear` + ReLU 的默认初始化下，每一个都会让梯度变小，所以经过 L 层之后几乎什么都不剩。
# 我们在初始化时测量每个深度 l 处的 ||dL/dh_l||。（有捷径连接时，梯度在向下传的过程中甚至会变大，
# 因为每一层都加上了自己的一项；ResNet 靠 BatchNorm 控制这一点，GPT-2 则把写入残差流的那些层
# 的初始化缩小为原来的 1/sqrt(这类层的层数)。）记 $J_l$ 为第 l 层的雅可比矩阵，
# 普通堆叠（左）与残差堆叠（右）分别给出
#
# $$
# \frac{\partial L}{\partial h_0} = \frac{\partial L}{\partial h_L}
# \prod_{l=L}^{1} J_l, \qquad
# \frac{\partial L}{\partial h_0} = \frac{\partial L}{\partial h_L}
# \prod_{l=L}^{1} \big(I + J_l\big), \qquad J_l = \frac{\partial f_l}{\partial h_{l-1}}
# $$

# %%
L, C = (24, 64) if ctx.quick else (48, 128)


def grad_norms_by_depth(residual: bool, seed: int = 0) -> list[float]:
    """||dloss/dh_l|| for h_0 = x (input) .. h_L (output); loss = sum(h_L * g), g random."""
    torch.manual_seed(seed)
    layers = [nn.Sequential(dnn.Linear(C, C), dnn.ReLU()) for _ in range(L)]
    h = torch.randn(32, C, requires_grad=True)                       # (B, C)
    hs = [h]
    for layer in layers:
        h = h + layer(h) if residual else layer(h)                   # (B, C)
        h.retain_grad()
        hs.append(h)
    torch.manual_seed(seed + 1)
    (h * torch.randn_like(h)).sum().backward()
    return [t.grad.norm().item() for t in hs]


plain, res = grad_norms_by_depth(False), grad_norms_by_depth(True)
print(f"L={L}: ||grad|| at the output  plain {plain[-1]:.2f}, residual {res[-1]:.2f}")
print(f"      ||grad|| at the input   plain {plain[0]:.2e}, residual {res[0]:.2e}")
assert plain[0] < 1e-6 * plain[-1], "plain: the gradient vanishes on its way down"
assert res[0] >= res[-1], "residual: the input gets at least the output's gradient"

fig, ax = plt.subplots(figsize=(6, 3.6))
ax.semilogy(range(L + 1), plain, "o-", ms=3, label="plain: h = relu(W h + b)")
ax.semilogy(range(L + 1), res, "o-", ms=3, label="residual: h = h + relu(W h + b)")
ax.set(xlabel="depth l (0 = input)", ylabel="||dL/dh_l||",
       title=f"gradient norm through {L} layers at init")
ax.legend()
ctx.savefig(fig, "residual_gradient_flow.png")

# %% [markdown]
# ## 4. BasicBlock and its projection shortcut
# $y = \mathrm{relu}(F(x) + \mathrm{shortcut}(x))$. When the block halves H, W and changes the
# channel count, x no longer fits F(x); the shortcut becomes a 1x1 conv with stride 2 plus BatchNorm
# (`downsample`). A 1x1 stride-2 conv reads every other pixel and mixes channels: nothing
# more. See `residual-vs-plain` for ResNet-18 trained with and without shortcuts.
#
# $$
# y = \mathrm{relu}\big(F(x) + \mathrm{BN}(\mathrm{conv}(x))\big), \qquad
# \mathrm{conv}(x)[b, o, h, w] = \sum_{i} W[o, i]\; x[b, i, 2h, 2w]
# $$

# %% [markdown] lang="zh"
# ## 4. BasicBlock 及其投影捷径
# $y = \mathrm{relu}(F(x) + \mathrm{shortcut}(x))$。当残差块把 H、W 减半并改变通道数时，
# x 的形状就与 F(x) 对不上了；此时捷径变成一个步长为 2 的 1x1 卷积再加 BatchNorm（`downsample`）。
# 步长为 2 的 1x1 卷积只是隔一个像素取一个并混合各通道，仅此而已。有无捷径连接的 ResNet-18
# 训练对比见 `residual-vs-plain`。
#
# $$
# y = \mathrm{relu}\big(F(x) + \mathrm{BN}(\mathrm{conv}(x))\big), \qquad
# \mathrm{conv}(x)[b, o, h, w] = \sum_{i} W[o, i]\; x[b, i, 2h, 2w]
# $$

# %%
same = BasicBlock(32, 32).double()
down = BasicBlock(16, 32, stride=2).double()
assert same.downsample is None
conv, bn = down.downsample                                           # Sequential(Conv2d, BN)
assert (conv.kernel_size, conv.stride) == ((1, 1), (2, 2))
x = torch.randn(2, 16, 8, 8, dtype=f64)                              # (B, 16, 8, 8)
with torch.no_grad():
    y = down(x)                                                      # (B, 32, 4, 4)
    sampled = torch.einsum("oi,bihw->bohw", conv.weight[:, :, 0, 0], x[:, :, ::2, ::2])
    assert torch.allclose(conv(x), sampled)
    by_hand = torch.relu(down.bn2(down.conv2(down.relu(down.bn1(down.conv1(x))))) + bn(conv(x)))
    assert torch.allclose(y, by_hand)
shortcut_params = n_params(down.downsample)
assert shortcut_params == 16 * 32 + 2 * 32                           # 1x1 weights + BN γ, β
print(f"BasicBlock(16, 32, stride=2): {tuple(x.shape)} -> {tuple(y.shape)}; shortcut 1x1 conv "
      f"+ BN = {shortcut_params} of the block's {n_params(down)} parameters "
      f"(BasicBlock(32, 32): identity, {n_params(same)})")

net = resnet18(num_classes=10, small_input=True)
projections = sorted({name.split(".downsample")[0] for name in net.state_dict()
                      if ".downsample." in name})
assert projections == ["layer2.0", "layer3.0", "layer4.0"]
proj_total = sum(n_params(dict(net.named_modules())[p + ".downsample"]) for p in projections)
print(f"resnet18: projection shortcuts only in {projections}: {proj_total} of "
      f"{n_params(net)} parameters ({100 * proj_total / n_params(net):.1f}%)")

# %% [markdown]
# ## 5. Post-LN vs Pre-LN
# Post-LN $h = \mathrm{LN}(x + \mathrm{SA}(x))$ normalizes the residual stream itself; Pre-LN
# $h = x + \mathrm{SA}(\mathrm{LN}(x))$ leaves an untouched identity path from the output
# down to the embeddings, which is why deep Pre-LN stacks train without warmup.
# `transformer-block` rebuilds both and measures gradients per layer; `vanilla-transformer`
# trains both.
#
# ## 6. RMSNorm: scale without re-centring
# LayerNorm re-centres and rescales, with 2C parameters (γ, β); RMSNorm only rescales by the
# root mean square, with C parameters (γ). Shift the input by a constant: LayerNorm does
# not notice, RMSNorm does.
#
# $$
# \mathrm{LayerNorm}(x) = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot \gamma + \beta,
# \qquad
# \mathrm{RMSNorm}(x) = \frac{x}{\sqrt{\frac{1}{C} \sum_{c=1}^{C} x_c^2 + \epsilon}} \odot \gamma
# $$
#
# with $\mu$ and $\sigma^2$ the mean and (biased) variance of the C features of one token.
# References: Xiong et al., 2020, *On Layer Normalization in the Transformer Architecture*;
# Zhang & Sennrich, 2019, *Root Mean Square Layer Normalization*.

# %% [markdown] lang="zh"
# ## 5. Post-LN 与 Pre-LN
# Post-LN 的 $h = \mathrm{LN}(x + \mathrm{SA}(x))$ 对残差流本身做归一化；Pre-LN 的
# $h = x + \mathrm{SA}(\mathrm{LN}(x))$ 则保留了一条从输出一直通到嵌入层、
# 未经任何改动的恒等通路，这就是深层 Pre-LN 堆叠不需要学习率预热也能训练的原因。
# `transformer-block` 重建了两者并逐层测量梯度；`vanilla-transformer` 把两者都训练了一遍。
#
# ## 6. RMSNorm：只缩放，不去均值
# LayerNorm 既去均值又缩放，有 2C 个参数（γ、β）；
# RMSNorm 只按均方根缩放，有 C 个参数（γ）。
# 把输入整体平移一个常数：LayerNorm 察觉不到，RMSNorm 则会受影响。
#
# $$
# \mathrm{LayerNorm}(x) = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot \gamma + \beta,
# \qquad
# \mathrm{RMSNorm}(x) = \frac{x}{\sqrt{\frac{1}{C} \sum_{c=1}^{C} x_c^2 + \epsilon}} \odot \gamma
# $$
#
# 其中 $\mu$ 和 $\sigma^2$ 是一个词元的 C 个特征的均值和（有偏）方差。
# 参考文献：Xiong et al., 2020, *On Layer Normalization in the Transformer Architecture*；
# Zhang & Sennrich, 2019, *Root Mean Square Layer Normalization*。

# %%
C = 32
x = torch.randn(4, 10, C, dtype=f64)                                 # (B, T, C)
ln, rms = dnn.LayerNorm(C).double(), dnn.RMSNorm(C, eps=1e-6).double()
shifted = x + 3.0
assert torch.allclose(ln(shifted), ln(x), atol=1e-10)
assert not torch.allclose(rms(shifted), rms(x), atol=1e-2)
assert torch.allclose(rms(shifted).pow(2).mean(-1), torch.ones(4, 10, dtype=f64), atol=1e-6)
assert rms(shifted).mean(-1).abs().min() > 0.5                      # the mean is kept
assert torch.allclose(rms(x), torch.nn.RMSNorm(C, eps=1e-6).double()(x))
assert (n_params(ln), n_params(rms)) == (2 * C, C)
print(f"x + 3: LayerNorm output unchanged; RMSNorm output has rms 1 but mean "
      f"{rms(shifted).mean().item():.2f}; params LayerNorm {n_params(ln)}, RMSNorm {n_params(rms)}")

# %% [markdown]
# ## 7. Four normalizations, one (B, C, H, W) tensor
# All four normalize with a mean and a biased variance, then apply a per-channel γ, β
# (identity at init). For the set $S$ of elements that share one statistic:
#
# $$
# \mu = \frac{1}{|S|} \sum_{i \in S} x_i, \qquad
# \sigma^2 = \frac{1}{|S|} \sum_{i \in S} (x_i - \mu)^2, \qquad
# \hat{x} = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma\, \hat{x} + \beta
# $$
#
# They differ only in which elements share one mean and variance:
#
# | layer | averages over | one statistic per |
# |---|---|---|
# | BatchNorm2d(C) | B, H, W | channel |
# | LayerNorm((C, H, W)) | C, H, W | sample |
# | InstanceNorm2d(C) | H, W | (sample, channel) |
# | GroupNorm(G, C) | C/G channels, H, W | (sample, group) |
#
# First the means and variances written out per axes, checked against each layer.

# %% [markdown] lang="zh"
# ## 7. 四种归一化，同一个 (B, C, H, W) 张量
# 四者都先用均值和有偏方差做归一化，再乘加逐通道的 γ、β（初始化时为恒等变换）。
# 对共享同一统计量的元素集合 $S$：
#
# $$
# \mu = \frac{1}{|S|} \sum_{i \in S} x_i, \qquad
# \sigma^2 = \frac{1}{|S|} \sum_{i \in S} (x_i - \mu)^2, \qquad
# \hat{x} = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma\, \hat{x} + \beta
# $$
#
# 它们唯一的区别在于哪些元素共享同一组均值和方差：
#
# | 层 | 在哪些轴上求平均 | 每个统计量对应 |
# |---|---|---|
# | BatchNorm2d(C) | B, H, W | 一个通道 |
# | LayerNorm((C, H, W)) | C, H, W | 一个样本 |
# | InstanceNorm2d(C) | H, W | （样本，通道） |
# | GroupNorm(G, C) | C/G 个通道、H、W | （样本，组） |
#
# 先把按各轴计算的均值和方差写出来，逐一与各层对照。

# %%
B, C, H, W, G = 4, 6, 3, 3, 3
x = torch.randn(B, C, H, W, dtype=f64) * 2.0 + 1.0


def manual(x: torch.Tensor, dims: tuple[int, ...], eps: float = 1e-5) -> torch.Tensor:
    """(x - mean) / sqrt(var + eps), mean and biased var over ``dims``."""
    mean = x.mean(dims, keepdim=True)
    var = ((x - mean) ** 2).mean(dims, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


norms = {
    "BatchNorm": dnn.BatchNorm2d(C).double(),
    "LayerNorm": dnn.LayerNorm((C, H, W)).double(),
    "InstanceNorm": dnn.InstanceNorm2d(C).double(),
    "GroupNorm": dnn.GroupNorm(G, C).double(),
}
grouped = x.reshape(B, G, C // G, H, W)                              # (B, G, C/G, H, W)
expected = {
    "BatchNorm": manual(x, (0, 2, 3)),
    "LayerNorm": manual(x, (1, 2, 3)),
    "InstanceNorm": manual(x, (2, 3)),
    "GroupNorm": manual(grouped, (2, 3, 4)).reshape(B, C, H, W),
}
for name, layer in norms.items():
    assert (layer(x) - expected[name]).abs().max() < 1e-6, name
print(f"x {tuple(x.shape)}: BN, LN, IN, GN(G={G}) == (x - mean) / sqrt(var + eps) over "
      "their axes (to 1e-6)")

group_as_layer = dnn.GroupNorm(1, C).double()(x)
group_as_instance = dnn.GroupNorm(C, C).double()(x)
assert torch.allclose(group_as_layer, norms["LayerNorm"](x), atol=1e-12)
assert torch.allclose(group_as_instance, norms["InstanceNorm"](x), atol=1e-12)
print("GroupNorm(1, C) == LayerNorm((C, H, W));  GroupNorm(C, C) == InstanceNorm2d(C)")

# %% [markdown]
# ### Which inputs does one output look at?
# Backpropagate from a single output element (sample 1, channel 2, pixel (0, 0)): the inputs
# with a non-zero gradient are exactly the ones that share its statistics. Always all of
# H, W; along B and C it is the region of the table above.

# %% [markdown] lang="zh"
# ### 一个输出看的是哪些输入？
# 从单个输出元素（样本 1、通道 2、像素 (0, 0)）反向传播：梯度非零的输入恰好就是与它共享统计量
# 的那些元素。H、W 方向总是全部；沿 B 和 C 方向则是上表所列的区域。

# %%
b0, c0 = 1, 2


def region(layer: nn.Module) -> torch.Tensor:
    """(B, C) bool: inputs whose change moves output[b0, c0, 0, 0] (all or none of H, W)."""
    xr = x.clone().requires_grad_(True)
    layer(xr)[b0, c0, 0, 0].backward()
    touched = xr.grad != 0                                           # (B, C, H, W)
    assert torch.equal(touched.all((2, 3)), touched.any((2, 3))), "all or none of H, W"
    return touched.any((2, 3))                                       # (B, C)


regions = {name: region(layer) for name, layer in norms.items()}
want = {name: torch.zeros(B, C, dtype=torch.bool) for name in norms}
want["BatchNorm"][:, c0] = True
want["LayerNorm"][b0, :] = True
want["InstanceNorm"][b0, c0] = True
group = c0 // (C // G)
want["GroupNorm"][b0, group * (C // G):(group + 1) * (C // G)] = True
for name in norms:
    assert torch.equal(regions[name], want[name]), name

fig, axes = plt.subplots(1, 4, figsize=(13, 3.4))
for ax, (name, mask) in zip(axes, regions.items()):
    ax.imshow(mask.numpy(), cmap="Blues", vmin=0, vmax=1.3)
    ax.scatter([c0], [b0], marker="*", s=120, color="crimson")
    ax.set_xticks(range(C), minor=False)
    ax.set_yticks(range(B))
    ax.set_xticks([i - 0.5 for i in range(C + 1)], minor=True)
    ax.set_yticks([i - 0.5 for i in range(B + 1)], minor=True)
    ax.grid(which="minor", color="grey", lw=0.8)
    ax.tick_params(which="minor", length=0)
    ax.set(title=name + (f" (G={G})" if name == "GroupNorm" else ""), xlabel="channel C",
           ylabel="sample B")
fig.suptitle(f"inputs that share one statistic with the * output (each cell = all {H}x{W} "
             "pixels of one sample, one channel)")
ctx.savefig(fig, "normalization_regions.png")
print("gradient regions: BN = one channel over the batch, LN = one sample, "
      f"IN = one (sample, channel), GN = one sample's group of {C // G} channels")

# %% [markdown]
# ### Train vs eval, and the batch
# Only BatchNorm in train mode mixes samples: change samples 1..B-1 and sample 0's output
# moves. In eval mode BatchNorm uses its running statistics (the running mean moved 10% of
# the way to the batch mean during the train step) and becomes a fixed per-channel affine
# map, so it stops depending on the batch too. `train-eval-modes` follows the running
# statistics over many steps. With momentum 0.1, $n$ values per channel and the batch's
# $\mu_B$, $\sigma_B^2$:
#
# $$
# \mu_{\text{run}} \leftarrow 0.9\, \mu_{\text{run}} + 0.1\, \mu_B, \qquad
# \sigma^2_{\text{run}} \leftarrow 0.9\, \sigma^2_{\text{run}} + 0.1\, \frac{n}{n-1}\, \sigma_B^2,
# \qquad
# y_{\text{eval}} = \gamma\, \frac{x - \mu_{\text{run}}}{\sqrt{\sigma^2_{\text{run}} + \epsilon}}
# + \beta
# $$
#
# (the running variance uses the unbiased estimate; here $\gamma = 1$, $\beta = 0$ at init).

# %% [markdown] lang="zh"
# ### 训练模式与评估模式，以及批次的影响
# 只有训练模式下的 BatchNorm 会把样本混在一起：改变样本 1..B-1，样本 0 的输出就会变。
# 在评估模式下，BatchNorm 使用滑动统计量（在训练那一步里，滑动均值向批次均值移动了 10%），
# 变成一个固定的逐通道仿射变换，于是它也不再依赖批次。`train-eval-modes` 会在许多步中
# 跟踪滑动统计量的变化。设动量为 0.1，每个通道有 $n$ 个值，批次统计量为 $\mu_B$、$\sigma_B^2$：
#
# $$
# \mu_{\text{run}} \leftarrow 0.9\, \mu_{\text{run}} + 0.1\, \mu_B, \qquad
# \sigma^2_{\text{run}} \leftarrow 0.9\, \sigma^2_{\text{run}} + 0.1\, \frac{n}{n-1}\, \sigma_B^2,
# \qquad
# y_{\text{eval}} = \gamma\, \frac{x - \mu_{\text{run}}}{\sqrt{\sigma^2_{\text{run}} + \epsilon}}
# + \beta
# $$
#
# （滑动方差用的是无偏估计；这里初始化时 $\gamma = 1$、$\beta = 0$。）

# %%
others_changed = x.clone()
others_changed[1:] = torch.randn(B - 1, C, H, W, dtype=f64) * 5.0
depends_on_batch = {}
for name, layer in norms.items():
    layer.train()
    depends_on_batch[name] = not torch.allclose(layer(x)[0], layer(others_changed)[0])
rms_chw = dnn.RMSNorm((C, H, W)).double()
depends_on_batch["RMSNorm"] = not torch.allclose(rms_chw(x)[0], rms_chw(others_changed)[0])
assert depends_on_batch == {"BatchNorm": True, "LayerNorm": False, "InstanceNorm": False,
                            "GroupNorm": False, "RMSNorm": False}

bn = dnn.BatchNorm2d(C).double()
bn(x)                                                                # one train step
assert torch.allclose(bn.running_mean, 0.1 * x.mean((0, 2, 3)))
assert torch.allclose(bn.running_var, 0.9 + 0.1 * x.var((0, 2, 3)))  # unbiased var
bn.eval()
channel = (1, C, 1, 1)
fixed_affine = (x - bn.running_mean.view(channel)) / torch.sqrt(bn.running_var.view(channel)
                                                                + bn.eps)
assert torch.allclose(bn(x), fixed_affine)
assert torch.allclose(bn(x)[:1], bn(x[:1])) and torch.allclose(bn(x)[0], bn(others_changed)[0])
print("train mode: only BatchNorm's output for sample 0 depends on the other samples; "
      "eval mode: BatchNorm = (x - running_mean) / sqrt(running_var + eps), batch-independent")

# %% [markdown]
# ### When to use which
# The "batch-dependent" column is the measurement above; the other columns are facts the
# cell checks: InstanceNorm wipes out each image's per-channel scale and offset (its
# "style"), $\mathrm{IN}(a \odot x + b) = \mathrm{IN}(x)$ up to $\epsilon$ for a per-image,
# per-channel $a > 0$ and $b$; LayerNorm over C treats every token on its own, so padding a
# sequence does not change the real tokens; BatchNorm cannot train on one value per channel.

# %% [markdown] lang="zh"
# ### 何时用哪一种
# “batch-dependent”（是否依赖批次）一列就是上面的测量结果；其余几列是本单元检查的事实：
# InstanceNorm 会抹掉每张图像逐通道的缩放和偏移（即它的“风格”），对每张图、每个通道的
# $a > 0$ 和 $b$，在不计 $\epsilon$ 的意义下 $\mathrm{IN}(a \odot x + b) = \mathrm{IN}(x)$；
# 在 C 上做的 LayerNorm 对每个词元单独处理，所以给序列补齐填充不会改变真实词元的输出；
# BatchNorm 无法在每个通道只有一个值的情况下训练。

# %%
scale = torch.rand(B, C, 1, 1, dtype=f64) + 0.5                      # per image, per channel
offset = torch.randn(B, C, 1, 1, dtype=f64)
restyled = x * scale + offset
assert torch.allclose(norms["InstanceNorm"](restyled), norms["InstanceNorm"](x), atol=1e-8)
assert not torch.allclose(norms["LayerNorm"](restyled), norms["LayerNorm"](x), atol=1e-3)

tokens = torch.randn(2, 5, 16, dtype=f64)                            # (B, T, C)
padded = torch.cat([tokens, torch.zeros(2, 3, 16, dtype=f64)], dim=1)  # (B, T + 3, C)
token_ln = dnn.LayerNorm(16).double()
assert torch.allclose(token_ln(padded)[:, :5], token_ln(tokens))

try:
    dnn.BatchNorm2d(C)(torch.randn(1, C, 1, 1))
    raise AssertionError("BatchNorm trained on a single value per channel")
except ValueError:
    pass

use = [
    ("BatchNorm", "B, H, W", "CNNs trained with batches of ~16+ images"),
    ("LayerNorm", "C (, H, W)", "Transformers, RNNs, sequence models: per token, any length"),
    ("InstanceNorm", "H, W", "style transfer, image generation: removes per-image style"),
    ("GroupNorm", "C/G, H, W", "small batches (detection, segmentation, 1-2 images/GPU)"),
    ("RMSNorm", "C", "LLMs: LayerNorm without the mean, C parameters"),
]
print(f"{'layer':13s}{'averages over':15s}{'batch-dependent':17s}when to use")
for name, axes_text, when in use:
    batch_dep = {True: "yes (train)", False: "no"}[depends_on_batch[name]]
    print(f"{name:13s}{axes_text:15s}{batch_dep:17s}{when}")
