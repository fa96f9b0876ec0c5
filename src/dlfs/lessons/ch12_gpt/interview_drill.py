# %% [markdown]
# # Day 26 · Theory interview questions, as a drill — 理论面试题准备：限时自测
#
# **Library files:** `src/dlfs/nn/functional/attention.py` (scaled dot-product attention,
# causal mask), `src/dlfs/optim/adam.py`, `src/dlfs/nn/normalization.py`,
# `src/dlfs/nn/transformer.py`, `src/dlfs/generate/beam.py`.
# **Read with:** `docs/interview_questions.md` (中文：`docs/interview_questions.zh-CN.md`).
#
# The question bank has 48 questions with short answers. This drill takes six of them and,
# for each, prints the question, gives you a moment to answer it out loud, then *proves* the
# answer with the library: numbers you can read, and an `assert` for every claim. If you can
# explain each printed number before reading the comment under it, you are ready.
#
# | # | question | what the drill measures |
# |---|---|---|
# | Q28 | why scale attention by 1/√D? | logit variance and softmax peakiness, scaled vs not |
# | Q8 | Adam's bias correction | the first step with and without it |
# | Q15 | BatchNorm, train vs eval | batch statistics vs running statistics |
# | Q29 | the causal mask | outputs before a change in the future stay put |
# | Q18 | Pre-LN vs Post-LN | the identity path through a silenced block |
# | Q41 | beam search length penalty | which hypothesis wins for α = 0 and α = 1 |

# %%
import math
import random
import re
import time

import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context
from dlfs.generate import length_penalty
from dlfs.nn import BatchNorm1d, LayerNorm, TransformerEncoderLayer
from dlfs.nn.functional import causal_mask, scaled_dot_product_attention
from dlfs.optim import Adam
from dlfs.paths import PACKAGE_DIR

ctx = lesson_context("interview-drill")
torch.manual_seed(0)

# The question bank lives in the repository's docs/ folder (next to src/). The drill reads
# its questions from there so the two cannot drift apart; an installed copy without docs/
# falls back to the short titles below.
DOCS = PACKAGE_DIR.parents[1] / "docs" / "interview_questions.md"
TITLES = {
    28: "Why is dot-product attention scaled by 1/√d?",
    8: "Write down Adam's update. Why the bias correction, and how large is the first step?",
    15: "How does BatchNorm differ between training and evaluation?",
    29: "How does a causal mask work, and why is it applied before the softmax?",
    18: "Pre-LN vs Post-LN Transformers: what is the difference and why does it matter?",
    41: "How does beam search work, and what is the GNMT length penalty?",
}
bank: dict[int, str] = {}
if DOCS.is_file():
    bank = {int(n): q for n, q in re.findall(r"^### Q(\d+)\. (.+)$", DOCS.read_text("utf-8"),
                                              flags=re.MULTILINE)}
    assert len(bank) >= 40, f"the question bank has only {len(bank)} questions"
    for n, title in TITLES.items():
        assert bank[n] == title, f"Q{n} in the docs reads {bank[n]!r}; update the drill"
    print(f"question bank: {len(bank)} questions in {DOCS.name}")
think = 0.0 if ctx.quick else 1.5        # seconds to answer aloud before the proof appears


def ask(n: int) -> None:
    """Print question n, then pause so the learner can answer first (full mode only)."""
    print(f"\n=== Q{n}. {TITLES[n]}")
    time.sleep(think)


# %% [markdown]
# ## Q28 · Why 1/√D?
# With unit-variance q and k, q·k sums D products of variance 1, so its variance is D.
# A softmax over logits that spread out that much is almost one-hot, and its gradient
# p(1 − p) almost vanishes. We measure both, for several head sizes, through
# `scaled_dot_product_attention` with `scale=1.0` (unscaled) and the default 1/√D.

# %%
ask(28)
T = 16
rows = []
for D in (16, 64, 256) if ctx.quick else (8, 16, 32, 64, 128, 256, 512):
    q, k = torch.randn(2, 64, T, D), torch.randn(2, 64, T, D)        # (B, H, T, D)
    eye = torch.eye(T).expand(2, 64, T, T)                            # v = I: output = weights
    w_raw = scaled_dot_product_attention(q, k, eye, scale=1.0)       # (B, H, T, T)
    w_std = scaled_dot_product_attention(q, k, eye)                  # scale = 1/sqrt(D)
    var_raw = (q @ k.transpose(-2, -1)).var().item()
    rows.append((D, var_raw, w_raw.amax(-1).mean().item(), w_std.amax(-1).mean().item()))
    print(f"D={D:4d}  Var(q·k)={var_raw:7.1f} (≈D)  mean max weight: unscaled "
          f"{rows[-1][2]:.2f}, scaled {rows[-1][3]:.2f}")
    assert abs(var_raw / D - 1) < 0.15
peaks_raw, peaks_std = [r[2] for r in rows], [r[3] for r in rows]
assert peaks_raw == sorted(peaks_raw), "unscaled: the larger D, the peakier the softmax"
assert peaks_raw[-1] > 0.8, "unscaled attention is nearly one-hot for large D"
assert max(peaks_std) < 0.5, "scaled attention stays soft at every head size"
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot([r[0] for r in rows], [r[2] for r in rows], "o-", label="unscaled q·k")
ax.plot([r[0] for r in rows], [r[3] for r in rows], "s-", label="q·k / √D")
ax.set(xscale="log", xlabel="head size D", ylabel="mean of the largest weight",
       title="Attention peakiness at initialisation")
ax.legend()
ctx.savefig(fig, "attention_scaling.png")

# %% [markdown]
# ## Q8 · Adam's first step
# With m̂ = g and v̂ = g² at t = 1, the first step is lr·g/(|g| + ε) ≈ lr in every
# coordinate, whatever the gradient's scale. Without bias correction it would be
# (1 − β1)/√(1 − β2) ≈ 3.16 times that.

# %%
ask(8)
lr = 0.01
g = torch.tensor([1e-3, 0.3, -50.0])
p = torch.zeros(3, requires_grad=True)
opt = Adam([p], lr=lr)
p.grad = g.clone()
opt.step()
step = p.detach().neg()
uncorrected = lr * (0.1 * g) / (math.sqrt(0.001) * g.abs() + 1e-8)
print(f"gradient            {[round(x, 4) for x in g.tolist()]}")
print(f"dlfs Adam step       {[round(s, 6) for s in step.tolist()]}")
print(f"without correction  {[round(s, 6) for s in uncorrected.tolist()]}")
assert torch.allclose(step.abs(), torch.full((3,), lr), rtol=1e-3)
assert torch.equal(step.sign(), g.sign())
assert torch.allclose(uncorrected / step, torch.full((3,), 0.1 / math.sqrt(0.001)), rtol=1e-3)

# %% [markdown]
# ## Q15 · BatchNorm in train and eval mode
# Training normalises with the batch's own mean and biased variance and nudges the running
# statistics by momentum 0.1 (with the unbiased variance); eval uses only the running ones.

# %%
ask(15)
bn = BatchNorm1d(4)
n_batches = 5 if ctx.quick else 60
for _ in range(n_batches):
    batch = torch.randn(256, 4) * 3 + 7                               # (B, C): mean 7, var 9
    y = bn(batch)
    assert torch.allclose(y.mean(0), torch.zeros(4), atol=1e-5)     # train: batch stats
# running = 0.9 running + 0.1 batch, starting at 0: after n batches about 7 (1 - 0.9^n).
expected_mean = 7 * (1 - 0.9**n_batches)
fmt = lambda t: "[" + ", ".join(f"{x:.2f}" for x in t.tolist()) + "]"  # noqa: E731
print(f"after {n_batches} batches: running_mean {fmt(bn.running_mean)} "
      f"(7·(1 − 0.9^{n_batches}) = {expected_mean:.2f}), running_var {fmt(bn.running_var)}")
assert torch.allclose(bn.running_mean, torch.full((4,), expected_mean), atol=0.3)
bn.eval()
x = torch.randn(5, 4) * 3 + 7
expected = (x - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps)
assert torch.allclose(bn(x), expected, atol=1e-5)
assert torch.allclose(bn(x[:1]), expected[:1], atol=1e-5)            # one sample is fine now
print("eval mode: the output of one sample is the same alone or in a batch of 5")

# %% [markdown]
# ## Q29 · The causal mask
# −∞ before the softmax gives future keys weight exactly 0 and keeps every row summing to 1.
# Scramble the keys and values from position 5 on: outputs 0–4 must not move.

# %%
ask(29)
q, k, v = torch.randn(3, 1, 2, 8, 4).unbind(0)                      # (B, H, T, D) each
mask = causal_mask(8)                                                # (T, S) bool
print(mask.int())
weights = scaled_dot_product_attention(q, k, torch.eye(8).expand(1, 2, 8, 8), attn_mask=mask)
assert torch.all(weights[..., ~mask] == 0)
assert torch.allclose(weights.sum(-1), torch.ones(1, 2, 8))
k2, v2 = k.clone(), v.clone()
k2[..., 5:, :], v2[..., 5:, :] = torch.randn(1, 2, 3, 4), torch.randn(1, 2, 3, 4)
y1 = scaled_dot_product_attention(q, k, v, is_causal=True)
y2 = scaled_dot_product_attention(q, k2, v2, is_causal=True)
moved = (y1 - y2).abs().amax(dim=(0, 1, 3))                          # (T,)
print(f"largest change per position: {[round(m, 4) for m in moved.tolist()]}")
assert torch.all(moved[:5] == 0) and torch.all(moved[5:] > 0)

# %% [markdown]
# ## Q18 · Pre-LN vs Post-LN
# Silence both residual branches of an encoder layer (zero the output projections). A Pre-LN
# layer then is exactly the identity — the clean residual path that makes deep Pre-LN stacks
# easy to train — while a Post-LN layer still normalises the stream twice.

# %%
ask(18)
x = torch.randn(2, 6, 16) * 4 + 1                                    # (B, T, C)
for norm_first in (True, False):
    layer = TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True,
                                    norm_first=norm_first)
    with torch.no_grad():
        for lin in (layer.self_attn.out_proj, layer.linear2):
            lin.weight.zero_()
            lin.bias.zero_()
    y = layer(x)
    name = "Pre-LN " if norm_first else "Post-LN"
    print(f"{name}: |y - x| max = {(y - x).abs().max().item():.3f}, "
          f"std of y = {y.std().item():.3f} (x: {x.std().item():.3f})")
    if norm_first:
        assert torch.equal(y, x)
    else:
        assert torch.allclose(y, LayerNorm(16)(LayerNorm(16)(x)), atol=1e-5)

# %% [markdown]
# ## Q41 · The GNMT length penalty
# score = log P / ((5 + |Y|)/6)^α. Without the penalty the shorter hypothesis wins because
# every extra token lowers log P; with α = 1 the longer, more complete one can win.

# %%
ask(41)
hyps = {"short (5 tokens)": (-4.5, 5), "long (10 tokens)": (-6.0, 10)}
for alpha in (0.0, 0.6, 1.0):
    scores = {name: lp / length_penalty(n, alpha) for name, (lp, n) in hyps.items()}
    best = max(scores, key=scores.get)
    print(f"alpha={alpha}: " + ", ".join(f"{n} {s:.3f}" for n, s in scores.items())
          + f" -> {best}")
    if alpha == 0.0:
        assert best.startswith("short")
    if alpha == 1.0:
        assert best.startswith("long")

# %% [markdown]
# ## Your turn
# In full mode the drill draws five more questions from the bank for you to answer aloud,
# then check against the docs (and run their code blocks: they assert the answers too).

# %%
rest = sorted(set(bank) - set(TITLES))
if not ctx.quick and rest:
    print("\nyour turn: answer these aloud, then compare with the docs")
    for n in random.Random(time.time_ns()).sample(rest, k=min(5, len(rest))):
        print(f"  Q{n}. {bank[n]}")
print(f"\ndrill done: {len(TITLES)} questions answered and checked; "
      f"the full bank is docs/interview_questions.md")
