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
# y = x / sqrt(mean(x²) + eps) · g. No centring, no bias: one statistic instead of two and C
# parameters instead of 2C. On zero-mean input the two coincide.

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
# The score between a query at position p and a key at position s then depends only on
# p − s: shift both positions and nothing changes.

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
# FFN(x) = (SiLU(x W1) ⊙ x W3) W2. Three matrices instead of two, so the hidden width is
# 8C/3 instead of 4C to keep the parameter count.

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
# layer: MHA 2·H·D numbers, GQA 2·G·D (G key/value heads), MQA 2·D, MLA only its latent.
# We decode a few tokens and compare the bytes the cache really holds with the formula.

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
# the chosen experts, renormalized to sum to 1. Each expert takes at most a fixed number of
# tokens (the capacity); extra ones are dropped. The load-balancing loss E·Σ f_e P_e is 1
# when the experts share the work evenly and approaches E when one expert gets everything.

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
# W = W0 + (α/r)·B·A with B = 0 at the start: the wrapped layer equals the base layer until
# training moves B. After training, merging B·A into W0 gives the same outputs at no cost.

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
# to a frozen reference; the loss starts at ln 2 (policy = reference).

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
