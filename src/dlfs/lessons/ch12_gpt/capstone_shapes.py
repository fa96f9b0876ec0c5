# %% [markdown]
# # Day 27 · Capstone: a minimal LM and every tensor shape — 验收：手写最小 LM 并解释 Tensor Shape
#
# **Library files:** `src/dlfs/models/gpt.py` (the whole model, ~200 lines),
# `src/dlfs/attention/causal_self_attention.py` (its attention), `src/dlfs/attention/kv_cache.py`,
# `src/dlfs/nn/functional/attention.py`, `src/dlfs/recipes/gpt.py` (`dlfs train gpt`).
#
# The capstone is the GPT in `dlfs.models`: token + position embeddings, Pre-LN blocks of
# causal self-attention and an MLP, a final LayerNorm and a head tied to the token
# embedding. `model.explain(idx)` returns one row per tensor on the way through; here we
# print it, then *check* every shape against the formula a learner should be able to say
# out loud. Legend: B batch, T time, C width, H heads, D = C / H, V vocabulary.
#
# $$
# \begin{aligned}
# h &= \mathrm{wte}(\text{idx}) + \mathrm{wpe}(\text{pos}) && (B, T, C) \\
# h &\leftarrow h + \mathrm{attn}\big(\mathrm{ln}_1(h)\big), \quad
#   h \leftarrow h + \mathrm{mlp}\big(\mathrm{ln}_2(h)\big) && (B, T, C) \\
# \text{logits} &= \mathrm{ln}_f(h)\, W_{te}^\top && (B, T, V) \\
# \text{loss} &= -\frac{1}{BT} \sum_{b, t} \log \mathrm{softmax}(\text{logits}_{b,t})_{y_{b,t}}
# \end{aligned}
# $$
#
# The second line is repeated in every block, with
# $\mathrm{mlp}(z) = \mathrm{GELU}(z W_{fc}^\top + b_{fc})\, W_{proj}^\top + b_{proj}$;
# $W_{te}$ is the token-embedding matrix (the tied head) and $y$ the targets.
# Reference: Radford et al., 2019, *Language Models are Unsupervised Multitask Learners*.

# %% [markdown] lang="zh"
# # 第 27 天 · 验收：手写最小 LM 并解释每个张量的形状
#
# **库文件：** `src/dlfs/models/gpt.py`（整个模型，约 200 行），
# `src/dlfs/attention/causal_self_attention.py`（它的注意力），`src/dlfs/attention/kv_cache.py`，
# `src/dlfs/nn/functional/attention.py`，`src/dlfs/recipes/gpt.py`（`dlfs train gpt`）。
#
# 验收项目就是 `dlfs.models` 里的 GPT：词元嵌入 + 位置嵌入，若干由因果自注意力和 MLP 组成的
# Pre-LN 块，最后一个 LayerNorm，以及与词元嵌入共享权重的输出头。`model.explain(idx)`
# 为前向传播途经的每个张量返回一行；我们先把它打印出来，再把每个形状与学习者应该能脱口而出的
# 公式逐一*核对*。记号：B 批大小，T 时间步，C 宽度，H 头数，D = C / H，V 词表大小。
#
# $$
# \begin{aligned}
# h &= \mathrm{wte}(\text{idx}) + \mathrm{wpe}(\text{pos}) && (B, T, C) \\
# h &\leftarrow h + \mathrm{attn}\big(\mathrm{ln}_1(h)\big), \quad
#   h \leftarrow h + \mathrm{mlp}\big(\mathrm{ln}_2(h)\big) && (B, T, C) \\
# \text{logits} &= \mathrm{ln}_f(h)\, W_{te}^\top && (B, T, V) \\
# \text{loss} &= -\frac{1}{BT} \sum_{b, t} \log \mathrm{softmax}(\text{logits}_{b,t})_{y_{b,t}}
# \end{aligned}
# $$
#
# 第二行在每个块中重复一次，其中
# $\mathrm{mlp}(z) = \mathrm{GELU}(z W_{fc}^\top + b_{fc})\, W_{proj}^\top + b_{proj}$；
# $W_{te}$ 是词元嵌入矩阵（即共享权重的输出头），$y$ 是目标。
# 参考文献：Radford et al., 2019, *Language Models are Unsupervised Multitask Learners*。

# %%
import torch

from dlfs.attention import KVCache
from dlfs.curriculum import lesson_context
from dlfs.generate import generate
from dlfs.models import GPT, GPTConfig, format_trace

ctx = lesson_context("capstone-shapes")
torch.manual_seed(0)

# %% [markdown]
# ## 1. The trace of one forward pass

# %% [markdown] lang="zh"
# ## 1. 一次前向传播的轨迹

# %%
cfg = GPTConfig(vocab_size=103, block_size=64, n_layer=2, n_head=4, n_embd=128)
model = GPT(cfg)
B, T = 3, 10
C, H, V = cfg.n_embd, cfg.n_head, cfg.vocab_size
D = C // H
idx = torch.randint(0, V, (B, T))
rows = model.explain(idx, targets=idx)
print(format_trace(rows))

# %% [markdown]
# ## 2. Every shape, checked against its formula

# %% [markdown] lang="zh"
# ## 2. 逐个形状，与公式核对

# %%
expected = {
    "idx": (B, T),
    "wte(idx)": (B, T, C),
    "wpe(pos)": (T, C),
    "h[0].attn.qkv": (B, T, 3 * C),
    "h[0].attn.q": (B, H, T, D),
    "h[0].attn.softmax(qk^T)v": (B, H, T, D),
    "h[0].attn.out": (B, T, C),
    "h[0].mlp.gelu(c_fc)": (B, T, 4 * C),
    "h[0]": (B, T, C),
    "logits": (B, T, V),
    "loss": (),
}
shapes = {r.name: r.shape for r in rows}
for name, shape in expected.items():
    assert shapes[name] == shape, (name, shapes[name], shape)
print(f"all {len(expected)} checked shapes match (B={B}, T={T}, C={C}, H={H}, D={D}, V={V})")

# %% [markdown]
# ## 3. Parameters: where do they live?
# Per block: 12·C² weights (qkv 3C², proj C², MLP 4C² + 4C²) plus 13·C biases and norms.
# Embeddings: V·C (shared with the head) + T_max·C positions. With L blocks and the final
# LayerNorm (2C):
#
# $$
# N = V C + T_{\max} C + L\,(12 C^2 + 13 C) + 2C
# $$

# %% [markdown] lang="zh"
# ## 3. 参数都在哪里？
# 每个块：12·C² 个权重（qkv 3C²，proj C²，MLP 4C² + 4C²），外加 13·C 个偏置和归一化参数。
# 嵌入：V·C（与输出头共享）+ T_max·C 个位置参数。共 L 个块，再加最后的 LayerNorm（2C）：
#
# $$
# N = V C + T_{\max} C + L\,(12 C^2 + 13 C) + 2C
# $$

# %%
per_block = 12 * C * C + 13 * C
total = V * C + cfg.block_size * C + cfg.n_layer * per_block + 2 * C
print(f"formula {total:,} = counted {model.num_params(non_embedding=False):,}")
assert model.num_params(non_embedding=False) == total
assert model.lm_head.weight is model.wte.weight, "the head reuses the embedding matrix"

# %% [markdown]
# ## 4. Causality, checked
# Changing token 6 must not change the predictions at positions 0–5.

# %% [markdown] lang="zh"
# ## 4. 检查因果性
# 改变第 6 个词元，不能改变位置 0–5 上的预测。

# %%
model.eval()
a, _ = model(idx)
changed = idx.clone()
changed[:, 6] = (changed[:, 6] + 1) % V
b, _ = model(changed)
assert torch.allclose(a[:, :6], b[:, :6], atol=1e-6) and not torch.allclose(a[:, 6:], b[:, 6:])
print("positions before the change are untouched: attention cannot look ahead")

# %% [markdown]
# ## 5. The KV cache: same numbers, less work
# With a cache, each new token attends to stored keys/values instead of recomputing them.
# Memory per token = 2 (k and v) × layers × C × 4 bytes (float32), so for the whole batch
#
# $$
# \text{bytes} = B \cdot T \cdot 2 \cdot L \cdot C \cdot 4
# $$

# %% [markdown] lang="zh"
# ## 5. KV 缓存：数值相同，计算更少
# 有了缓存，每个新词元直接对已存储的键/值做注意力，而不必重新计算它们。
# 每个词元占用的内存 = 2（k 和 v）× 层数 × C × 4 字节（float32），所以整个批次为
#
# $$
# \text{bytes} = B \cdot T \cdot 2 \cdot L \cdot C \cdot 4
# $$

# %%
cache = KVCache()
stepwise = [model(idx[:, :4], cache=cache)[0]]
for t in range(4, T):
    stepwise.append(model(idx[:, t:t + 1], cache=cache)[0])
assert torch.allclose(torch.cat(stepwise, 1), a, atol=1e-5)
per_token = 2 * cfg.n_layer * C * 4
assert cache.bytes() == B * T * per_token
print(f"cache holds {cache.bytes():,} bytes = B·T·{per_token} (2·layers·C·4 bytes per token)")
out = generate(model, idx[:1, :3], 20, temperature=0)
assert torch.equal(out, generate(model, idx[:1, :3], 20, temperature=0, use_cache=False))
print("greedy generation with and without the cache agree; try `dlfs train gpt --explain-shapes`")
