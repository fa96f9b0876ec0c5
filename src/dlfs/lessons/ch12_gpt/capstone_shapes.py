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
# Embeddings: V·C (shared with the head) + T_max·C positions.

# %%
per_block = 12 * C * C + 13 * C
total = V * C + cfg.block_size * C + cfg.n_layer * per_block + 2 * C
print(f"formula {total:,} = counted {model.num_params(non_embedding=False):,}")
assert model.num_params(non_embedding=False) == total
assert model.lm_head.weight is model.wte.weight, "the head reuses the embedding matrix"

# %% [markdown]
# ## 4. Causality, checked
# Changing token 6 must not change the predictions at positions 0–5.

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
# Memory per token = 2 (k and v) × layers × C × 4 bytes.

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
