# %% [markdown]
# # Chapter 10 · Modern LLM components — 现代大模型组件
#
# **Library files:** `src/dlfs/nn/normalization.py` (`RMSNorm`), `src/dlfs/nn/positional.py`
# (`RotaryEmbedding`), `src/dlfs/llm/swiglu.py`, `src/dlfs/attention/causal_self_attention.py`
# (MHA) and `src/dlfs/attention/kv_sharing.py` (GQA / MQA / MLA), `src/dlfs/llm/moe.py`,
# `src/dlfs/peft/lora.py`, `src/dlfs/llm/dpo.py`.
#
# A LLaMA-style block differs from the GPT-2 block of chapter 8 in a handful of parts. Each
# section takes one part, says what it changes, and checks the claim:
#
# 1. RMSNorm instead of LayerNorm; 2. RoPE instead of learned positions; 3. SwiGLU instead
# of the GELU MLP; 4. fewer key/value heads (GQA/MQA) or a latent (MLA) to shrink the KV
# cache; 5. Mixture-of-Experts layers; 6. LoRA for cheap fine-tuning; 7. the DPO loss for
# learning from preferences. (The scaling-law fit has its own lesson, `scaling-law`.)
#
# Reference: Touvron et al., 2023, *LLaMA: Open and Efficient Foundation Language Models*;
# each section names its own paper.

# %% [markdown] lang="zh"
# # 第 10 章 · 现代大模型组件
#
# **库文件：** `src/dlfs/nn/normalization.py`（`RMSNorm`）、`src/dlfs/nn/positional.py`
# （`RotaryEmbedding`）、`src/dlfs/llm/swiglu.py`、`src/dlfs/attention/causal_self_attention.py`
# （MHA）和 `src/dlfs/attention/kv_sharing.py`（GQA / MQA / MLA）、`src/dlfs/llm/moe.py`、
# `src/dlfs/peft/lora.py`、`src/dlfs/llm/dpo.py`。
#
# LLaMA 风格的模块与第 8 章的 GPT-2 模块只在少数几个部件上不同。每一节讲一个部件：说明它改变了什么，
# 并验证这一说法：
#
# 1. 用 RMSNorm 代替 LayerNorm；2. 用 RoPE 代替可学习的位置嵌入；3. 用 SwiGLU 代替 GELU MLP；4.
#    减少键/值头（GQA/MQA）或改存一个潜向量（MLA），以缩小 KV 缓存；5. 混合专家
#    （Mixture-of-Experts）层；6. 用 LoRA 低成本微调；7. 用 DPO 损失从偏好中学习。
#    （缩放定律的拟合单独成课，见 `scaling-law`。）
#
# 参考文献：Touvron et al., 2023, *LLaMA: Open and Efficient Foundation Language Models*；
# 各节另注明各自的论文。

# %%
import math

import torch

import dlfs.nn as dnn
from dlfs.attention import (
    CausalSelfAttention,
    GroupedQueryAttention,
    KVCache,
    MultiHeadLatentAttention,
    MultiQueryAttention,
)
from dlfs.curriculum import lesson_context
from dlfs.llm import MoE, SwiGLU, dpo_loss, load_balancing_loss
from dlfs.peft import LoRALinear

ctx = lesson_context("llm-components")
torch.manual_seed(0)

# %% [markdown]
# ## 1. RMSNorm: LayerNorm without the mean
# Over the C features of a token, with a learned gain $g$ (LayerNorm has a gain $\gamma$ and
# a bias $\beta$):
#
# $$
# \mathrm{RMSNorm}(x) = \frac{x}{\sqrt{\frac{1}{C} \sum_{c=1}^{C} x_c^2 + \epsilon}} \odot g,
# \qquad
# \mathrm{LayerNorm}(x) = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot \gamma + \beta
# $$
#
# No centring, no bias: one statistic instead of two and C
# parameters instead of 2C. On zero-mean input ($\mu = 0$, so $\sigma^2$ is the mean of
# $x_c^2$) the two coincide.
# Zhang & Sennrich, 2019, *Root Mean Square Layer Normalization*.

# %% [markdown] lang="zh"
# ## 1. RMSNorm：去掉均值的 LayerNorm
# 在一个词元的 C 个特征上，带一个可学习的增益 $g$（LayerNorm 则有增益 $\gamma$ 和偏置 $\beta$）：
#
# $$
# \mathrm{RMSNorm}(x) = \frac{x}{\sqrt{\frac{1}{C} \sum_{c=1}^{C} x_c^2 + \epsilon}} \odot g,
# \qquad
# \mathrm{LayerNorm}(x) = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot \gamma + \beta
# $$
#
# 不减均值、没有偏置：只需一个统计量而不是两个，参数是 C 个而不是 2C 个。输入均值为零时（$\mu = 0$，
# 于是 $\sigma^2$ 就是 $x_c^2$ 的均值），两者完全一致。Zhang & Sennrich, 2019, *Root Mean Square
# Layer Normalization*。

# %%
C = 64
x = torch.randn(4, 10, C, dtype=torch.float64)
rms, ln = dnn.RMSNorm(C, eps=1e-6).double(), dnn.LayerNorm(C, eps=1e-6).double()
ref = torch.nn.RMSNorm(C, eps=1e-6).double()
assert torch.allclose(rms(x), ref(x), atol=1e-12)
centred = x - x.mean(-1, keepdim=True)
assert torch.allclose(rms(centred), ln(centred), atol=1e-10)
print(f"params: RMSNorm {sum(p.numel() for p in rms.parameters())}, "
      f"LayerNorm {sum(p.numel() for p in ln.parameters())}; equal on zero-mean input")

# %% [markdown]
# ## 2. RoPE: positions as rotations
# RoPE rotates each pair of query/key features by an angle proportional to the position.
# At position p, pair i of a head of size D turns by $p\,\theta_i$:
#
# $$
# \begin{pmatrix} y_{2i} \\ y_{2i+1} \end{pmatrix} =
# \begin{pmatrix} \cos p\theta_i & -\sin p\theta_i \\ \sin p\theta_i & \cos p\theta_i \end{pmatrix}
# \begin{pmatrix} x_{2i} \\ x_{2i+1} \end{pmatrix},
# \qquad \theta_i = 10000^{-2i/D}
# $$
#
# Writing $R_p$ for the whole rotation, $(R_p q)^\top (R_s k) = q^\top R_{s-p}\, k$: the score
# between a query at position p and a key at position s then depends only on
# p − s: shift both positions and nothing changes.
# Su et al., 2021, *RoFormer: Enhanced Transformer with Rotary Position Embedding*.

# %% [markdown] lang="zh"
# ## 2. RoPE：把位置变成旋转
# RoPE 把查询/键的每一对特征旋转一个与位置成正比的角度。在位置 p，大小为 D 的注意力头中第 i
# 对特征转过 $p\,\theta_i$：
#
# $$
# \begin{pmatrix} y_{2i} \\ y_{2i+1} \end{pmatrix} =
# \begin{pmatrix} \cos p\theta_i & -\sin p\theta_i \\ \sin p\theta_i & \cos p\theta_i \end{pmatrix}
# \begin{pmatrix} x_{2i} \\ x_{2i+1} \end{pmatrix},
# \qquad \theta_i = 10000^{-2i/D}
# $$
#
# 记 $R_p$ 为整个旋转，则 $(R_p q)^\top (R_s k) = q^\top R_{s-p}\, k$：位置 p 的查询与位置 s
# 的键之间的得分只取决于 p − s，把两个位置同时平移，结果不变。Su et al., 2021, *RoFormer: Enhanced
# Transformer with Rotary Position Embedding*。

# %%
rope = dnn.RotaryEmbedding(16)
q, k = torch.randn(2, 1, 16, dtype=torch.float64).unbind(0)           # (1, D) each
def score(p, s):
    return (rope(q, offset=p) * rope(k, offset=s)).sum().item()
print(f"score(5, 2) = {score(5, 2):.6f}, score(105, 102) = {score(105, 102):.6f}")
assert abs(score(5, 2) - score(105, 102)) < 1e-9
assert abs(score(5, 2) - score(6, 2)) > 1e-6                            # it does see distance

# %% [markdown]
# ## 3. SwiGLU: a gated MLP
#
# $$
# \mathrm{FFN}(x) = \big(\mathrm{SiLU}(x W_1) \odot x W_3\big)\, W_2,
# \qquad \mathrm{SiLU}(z) = z\, \sigma(z)
# $$
#
# Three matrices instead of two, so the hidden width is
# 8C/3 instead of 4C to keep the parameter count:
# $3 \cdot C \cdot \frac{8C}{3} = 8C^2 = 2 \cdot C \cdot 4C$.
# Shazeer, 2020, *GLU Variants Improve Transformer*.

# %% [markdown] lang="zh"
# ## 3. SwiGLU：带门控的 MLP
#
# $$
# \mathrm{FFN}(x) = \big(\mathrm{SiLU}(x W_1) \odot x W_3\big)\, W_2,
# \qquad \mathrm{SiLU}(z) = z\, \sigma(z)
# $$
#
# 矩阵有三个而不是两个，所以隐藏层宽度取 8C/3 而不是 4C，以保持参数量不变：
# $3 \cdot C \cdot \frac{8C}{3} = 8C^2 = 2 \cdot C \cdot 4C$。Shazeer, 2020, *GLU Variants Improve
# Transformer*。

# %%
C = 96
ffn, mlp_params = SwiGLU(C), 2 * C * 4 * C
swiglu_params = sum(p.numel() for p in ffn.parameters())
hidden = ffn.w1.out_features
print(f"C={C}: SwiGLU hidden {hidden} -> {swiglu_params:,} params; 4C GELU MLP {mlp_params:,}")
assert swiglu_params == 3 * C * hidden and abs(swiglu_params / mlp_params - 1) < 0.02
x = torch.randn(2, 5, C)
manual = ffn.w2(torch.nn.functional.silu(ffn.w1(x)) * ffn.w3(x))
assert torch.allclose(ffn(x), manual, atol=1e-6)

# %% [markdown]
# ## 4. The KV cache: MHA, GQA, MQA, MLA
# While generating, every layer keeps keys and values of all past tokens. Per token and
# layer: MHA 2·H·D numbers, GQA 2·G·D (G key/value heads), MQA 2·D, MLA only its latent:
# it caches $c = x W_{dkv}$ (`d_latent` numbers) and rebuilds $k = c W_{uk}$, $v = c W_{uv}$
# from it at every step. For a model of $n_{\text{layer}}$ layers, a sequence of T tokens
# and b bytes per number, MHA's cache holds $n_{\text{layer}} \cdot T \cdot 2 H D \cdot b$ bytes
# (GQA and MQA replace H by G and 1, MLA replaces 2HD by `d_latent`).
# We decode a few tokens and compare the bytes the cache really holds with the formula.
# Shazeer, 2019, *Fast Transformer Decoding: One Write-Head is All You Need* (MQA);
# Ainslie et al., 2023, *GQA: Training Generalized Multi-Query Transformer Models from
# Multi-Head Checkpoints*; DeepSeek-AI, 2024, *DeepSeek-V2: A Strong, Economical, and
# Efficient Mixture-of-Experts Language Model* (MLA).

# %% [markdown] lang="zh"
# ## 4. KV 缓存：MHA、GQA、MQA、MLA
# 生成时，每一层都要保存所有已生成词元的键和值。每个词元、每一层：MHA 存 2·H·D 个数，GQA 存 2·G·D 个
# （G 个键/值头），MQA 存 2·D 个，MLA 只存它的潜向量：它缓存 $c = x W_{dkv}$（`d_latent` 个数），
# 每一步再从中重建 $k = c W_{uk}$、$v = c W_{uv}$。对一个 $n_{\text{layer}}$ 层的模型、长为 T
# 个词元的序列、每个数 b 字节，MHA 的缓存共 $n_{\text{layer}} \cdot T \cdot 2 H D \cdot b$ 字节（GQA
# 和 MQA 把 H 换成 G 和 1，MLA 把 2HD 换成 `d_latent`）。我们解码几个词元，把缓存实际占用的字节数与
# 公式对比。Shazeer, 2019, *Fast Transformer Decoding: One Write-Head is All You
# Need*（MQA）；Ainslie et al., 2023, *GQA: Training Generalized Multi-Query Transformer Models from
# Multi-Head Checkpoints*；DeepSeek-AI, 2024, *DeepSeek-V2: A Strong, Economical, and Efficient
# Mixture-of-Experts Language Model*（MLA）。

# %%
C, H = 256, 8
variants = {"MHA": CausalSelfAttention(C, H), "GQA (G=2)": GroupedQueryAttention(C, H, 2),
            "MQA": MultiQueryAttention(C, H), "MLA (latent 64)": MultiHeadLatentAttention(C, H, 64)}
n_tokens = 12
print(f"{'variant':<16}{'params':>9}{'formula B/token':>17}{'measured':>10}")
for name, layer in variants.items():
    cache = KVCache()
    with torch.no_grad():
        layer(torch.randn(1, 8, C), cache)                             # an 8-token prompt
        for _ in range(n_tokens - 8):
            layer(torch.randn(1, 1, C), cache)                         # one token at a time
    measured = cache.bytes() / n_tokens
    formula = layer.kv_cache_bytes_per_token(torch.float32)
    print(f"{name:<16}{sum(p.numel() for p in layer.parameters()):>9,}{formula:>17}"
          f"{measured:>10.0f}")
    assert measured == formula
# the same layers at a 7B-like size (built on the meta device: shapes only, no memory):
# 32 layers, 32 heads of 128, 4096 tokens, bf16 (2 bytes a number)
with torch.device("meta"):
    large = {"MHA": CausalSelfAttention(4096, 32), "GQA G=8": GroupedQueryAttention(4096, 32, 8),
             "MQA": MultiQueryAttention(4096, 32)}
for (name, layer), numbers in zip(large.items(), (2 * 32 * 128, 2 * 8 * 128, 2 * 128)):
    per_token = layer.kv_cache_bytes_per_token(torch.bfloat16)   # one layer
    print(f"{name:8}: {per_token * 32 * 4096 / 2**30:.2f} GiB per sequence of 4096 tokens")
    assert per_token == numbers * 2

# %% [markdown]
# ## 5. Mixture of Experts
# A router sends each token to its top-k experts; the gates are the router probabilities of
# the chosen experts, renormalized to sum to 1. For a token x with router weights $W_r$ and
# chosen experts $e_1, \dots, e_k$:
#
# $$
# p = \mathrm{softmax}(x W_r), \qquad
# g_i = \frac{p_{e_i}}{\sum_{j=1}^{k} p_{e_j}}, \qquad
# y = \sum_{i=1}^{k} g_i \, \mathrm{Expert}_{e_i}(x)
# $$
#
# Each expert takes at most a fixed number of
# tokens (the capacity, $\lceil \text{capacity\_factor} \cdot N k / E \rceil$ of the $N k$
# assignments of N tokens); extra ones are dropped. The load-balancing loss, with $f_e$ the
# fraction of the $N k$ assignments that went to expert e and $P_e$ its mean router
# probability over the N tokens,
#
# $$
# L_{\text{aux}} = E \sum_{e=1}^{E} f_e P_e ,
# $$
#
# is 1 when the experts share the work evenly ($f_e = P_e = 1/E$) and approaches E when one
# expert gets everything.
# Shazeer et al., 2017, *Outrageously Large Neural Networks: The Sparsely-Gated
# Mixture-of-Experts Layer*; Fedus et al., 2021, *Switch Transformers: Scaling to Trillion
# Parameter Models with Simple and Efficient Sparsity*.

# %% [markdown] lang="zh"
# ## 5. 混合专家（MoE）
# 路由器（router）把每个词元送到它的 top-k 个专家；门控值是被选中专家的路由概率，
# 再重新归一化使其和为 1。对路由权重为 $W_r$、选中专家 $e_1, \dots, e_k$ 的词元 x：
#
# $$
# p = \mathrm{softmax}(x W_r), \qquad
# g_i = \frac{p_{e_i}}{\sum_{j=1}^{k} p_{e_j}}, \qquad
# y = \sum_{i=1}^{k} g_i \, \mathrm{Expert}_{e_i}(x)
# $$
#
# 每个专家最多接收固定数量的词元（即容量，N 个词元共 $N k$ 次分配中的
# $\lceil \text{capacity\_factor} \cdot N k / E \rceil$ 次）；多出来的被丢弃。负载均衡损失中，$f_e$
# 是 $N k$ 次分配里分给专家 e 的比例，$P_e$ 是它在 N 个词元上的平均路由概率：
#
# $$
# L_{\text{aux}} = E \sum_{e=1}^{E} f_e P_e ,
# $$
#
# 专家均匀分担工作时（$f_e = P_e = 1/E$）它等于 1，某个专家包揽一切时它趋近 E。Shazeer et al., 2017,
# *Outrageously Large Neural Networks: The Sparsely-Gated Mixture-of-Experts Layer*；Fedus et al.,
# 2021, *Switch Transformers: Scaling to Trillion Parameter Models with Simple and Efficient
# Sparsity*。

# %%
moe = MoE(32, n_experts=4, top_k=2, d_hidden=64, capacity_factor=1.0)
out = moe(torch.randn(4, 16, 32))
r = out.routing
assert torch.allclose(r.gate.sum(-1), torch.ones(64))
load = torch.bincount(r.expert_index[r.kept], minlength=4)
wanted = torch.bincount(r.expert_index.flatten(), minlength=4)
print(f"capacity {r.capacity} per expert; wanted {wanted.tolist()}, served {load.tolist()}, "
      f"dropped {int((~r.kept).sum())} of {r.kept.numel()} assignments")
assert (load <= r.capacity).all() and (load == wanted.clamp(max=r.capacity)).all()
print(f"load-balancing loss of this random router: {out.aux_loss.item():.3f}")
N, E = 64, 4
balanced = load_balancing_loss(torch.full((N, E), 1 / E), torch.arange(N).remainder(E)[:, None], E)
collapsed = load_balancing_loss(torch.tensor([[0.97, 0.01, 0.01, 0.01]]).repeat(N, 1),
                                torch.zeros(N, 1, dtype=torch.long), E)
print(f"balanced routing: {balanced.item():.3f}; everything to expert 0: {collapsed.item():.3f}")
assert abs(balanced.item() - 1) < 1e-6 and collapsed.item() > 3.8

# %% [markdown]
# ## 6. LoRA: a low-rank update beside a frozen weight
#
# $$
# W = W_0 + \frac{\alpha}{r} B A, \qquad A \in \mathbb{R}^{r \times \text{in}},\;
# B \in \mathbb{R}^{\text{out} \times r},
# \qquad y = x W_0^\top + b + \frac{\alpha}{r} (x A^\top) B^\top
# $$
#
# with B = 0 at the start: the wrapped layer equals the base layer until
# training moves B. Only A and B train, $r \cdot (\text{in} + \text{out})$ numbers instead of
# $\text{in} \cdot \text{out}$. After training, merging B·A into W0 gives the same outputs at
# no cost.
# Hu et al., 2021, *LoRA: Low-Rank Adaptation of Large Language Models*.

# %% [markdown] lang="zh"
# ## 6. LoRA：冻结权重旁的低秩更新
#
# $$
# W = W_0 + \frac{\alpha}{r} B A, \qquad A \in \mathbb{R}^{r \times \text{in}},\;
# B \in \mathbb{R}^{\text{out} \times r},
# \qquad y = x W_0^\top + b + \frac{\alpha}{r} (x A^\top) B^\top
# $$
#
# 开始时 B = 0：在训练改变 B 之前，包装后的层与原来的层完全相同。只有 A 和 B 参与训练，共
# $r \cdot (\text{in} + \text{out})$ 个数，而不是 $\text{in} \cdot \text{out}$ 个。训练完成后，把
# B·A 合并进 W0，输出不变，也没有额外开销。Hu et al., 2021, *LoRA: Low-Rank Adaptation of Large
# Language Models*。

# %%
base = dnn.Linear(64, 64).double()
x = torch.randn(3, 64, dtype=torch.float64)
lora = LoRALinear(base, r=4, alpha=8)
assert torch.equal(lora(x), base(x))
with torch.no_grad():
    lora.lora_B.normal_(std=0.1)                                       # pretend it trained
before_merge = lora(x)
lora.merge()
assert torch.allclose(lora(x), before_merge, atol=1e-12)
print(f"trainable {lora.lora_A.numel() + lora.lora_B.numel()} of "
      f"{base.weight.numel() + base.bias.numel()} numbers; merged output equals unmerged")

# %% [markdown]
# ## 7. DPO: learning from preferences
# A toy "policy": one prompt with 4 possible answers, a logit per answer. People preferred
# answer 0 over 1 and 2, and 3 over 2. DPO raises log π(chosen) − log π(rejected) relative
# to a frozen reference; for a pair (chosen $y_c$, rejected $y_r$) and $\beta$ = `beta`,
#
# $$
# \mathcal{L} = -\log \sigma\Big(\beta \big[\big(\log \pi(y_c) - \log \pi_{\text{ref}}(y_c)\big)
# - \big(\log \pi(y_r) - \log \pi_{\text{ref}}(y_r)\big)\big]\Big),
# $$
#
# averaged over the pairs, where here $\log \pi$ = `logits.log_softmax(0)`. The loss starts
# at ln 2 (policy = reference, so the bracket is 0 and $-\log \sigma(0) = \ln 2$).
# Rafailov et al., 2023, *Direct Preference Optimization: Your Language Model is Secretly a
# Reward Model*.

# %% [markdown] lang="zh"
# ## 7. DPO：从偏好中学习
# 一个玩具“策略”：一个提示有 4 个可能的回答，每个回答一个 logit。人们更喜欢回答 0 而不是 1 和 2，
# 更喜欢 3 而不是 2。DPO 相对于一个冻结的参考模型，提高 log π(chosen) − log π(rejected)；
# 对一个偏好对（被选中的 $y_c$，被拒绝的 $y_r$）和 $\beta$ = `beta`：
#
# $$
# \mathcal{L} = -\log \sigma\Big(\beta \big[\big(\log \pi(y_c) - \log \pi_{\text{ref}}(y_c)\big)
# - \big(\log \pi(y_r) - \log \pi_{\text{ref}}(y_r)\big)\big]\Big),
# $$
#
# 对所有偏好对取平均，这里 $\log \pi$ = `logits.log_softmax(0)`。损失从 ln 2 开始（策略 = 参考模型，
# 方括号里为 0，而 $-\log \sigma(0) = \ln 2$）。Rafailov et al., 2023, *Direct Preference
# Optimization: Your Language Model is Secretly a Reward Model*。

# %%
pairs = torch.tensor([[0, 1], [0, 2], [3, 2]])                         # (chosen, rejected)
ref_logits = torch.zeros(4)
logits = torch.zeros(4, requires_grad=True)
opt = torch.optim.SGD([logits], lr=1.0)
for step in range(60 if ctx.quick else 300):
    logp, ref_logp = logits.log_softmax(0), ref_logits.log_softmax(0)
    res = dpo_loss(logp[pairs[:, 0]], logp[pairs[:, 1]], ref_logp[pairs[:, 0]],
                   ref_logp[pairs[:, 1]], beta=0.5)
    if step == 0:
        assert abs(res.loss.item() - math.log(2)) < 1e-6
        first = res.loss.item()
    opt.zero_grad()
    res.loss.backward()
    opt.step()
probs = logits.detach().softmax(0)
print(f"DPO loss {first:.3f} -> {res.loss.item():.3f}; answer probabilities {probs.numpy().round(3)}")
assert res.loss.item() < 0.5 * first
assert probs[2] < 0.1 < probs[0] and probs[3] > probs[2] and probs[0] > probs[1]
