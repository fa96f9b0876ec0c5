# %% [markdown]
# # Day 25 · The language-model training loop — 语言模型训练闭环
#
# **Library files:** `src/dlfs/recipes/gpt.py` (`GPTRecipe`, `warmup_cosine`),
# `src/dlfs/recipes/lm.py` (`next_token_loss`, `estimate_loss`), `src/dlfs/data/text/`
# (corpus, tokenizer, `TokenWindows` in `batching.py`), `src/dlfs/models/gpt.py`,
# `src/dlfs/train/loop.py` (`fit`), `src/dlfs/generate/sampling.py`.
#
# A language model learns p(next token | previous tokens). The whole loop is:
#
# 1. text → token ids (a tokenizer);
# 2. ids → windows: input x = ids[i : i+T], target y = ids[i+1 : i+T+1] (x shifted by one);
# 3. model(x) → logits (B, T, V); loss = mean cross-entropy of logits against y;
# 4. backward, clip, AdamW step, learning-rate schedule (warm-up, then cosine decay);
# 5. now and then: validation loss on held-out text; at the end: sample text.
#
# The loss has a natural yardstick: a model that knows nothing predicts every token with
# probability 1/V, so its loss is ln V. Perplexity = exp(loss) is the "effective number of
# choices" per token.

# %%
import math

import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context
from dlfs.data.text.batching import TokenWindows
from dlfs.models import GPTConfig
from dlfs.recipes.gpt import GPTRecipe, prepare_text, train_gpt, warmup_cosine
from dlfs.recipes.sampling import SamplingConfig

ctx = lesson_context("lm-training-loop")

# %% [markdown]
# ## 1. Text → ids → (x, y) windows

# %%
recipe = GPTRecipe(
    model=GPTConfig(n_layer=2, n_head=4, n_embd=64, block_size=32), batch_size=16,
    max_steps=60 if ctx.quick else 1500, eval_every=30 if ctx.quick else 250,
    eval_batches=2 if ctx.quick else 20, warmup_steps=10 if ctx.quick else 100,
    lr=2e-3, out_dir=str(ctx.path("run")), sample=SamplingConfig(tokens=120),
)
prepared = prepare_text(recipe)
print(prepared.description)
tok = prepared.tokenizer
windows = TokenWindows(prepared.train_ids, recipe.model.block_size)
x, y = windows[1000]
print(f"vocabulary V = {tok.vocab_size}; {len(windows):,} training windows of T = "
      f"{recipe.model.block_size}")
print("x:", repr(tok.decode(x.tolist())))
print("y:", repr(tok.decode(y.tolist())))
assert torch.equal(x[1:], y[:-1]), "y is x shifted left by one token"
assert tok.decode(tok.encode("The ")) == "The "

# %% [markdown]
# ## 2. The learning-rate schedule: linear warm-up, then cosine decay to `min_lr`

# %%
factor = warmup_cosine(recipe)
lrs = [recipe.lr * factor(s) for s in range(recipe.max_steps)]
assert lrs[0] < lrs[recipe.warmup_steps] and abs(max(lrs) - recipe.lr) < 1e-12
assert abs(lrs[-1] - recipe.min_lr) < 0.05 * recipe.lr
fig, ax = plt.subplots(figsize=(5, 2.8))
ax.plot(lrs)
ax.set_xlabel("step")
ax.set_ylabel("learning rate")
ax.set_title("warm-up + cosine")
ctx.savefig(fig, "lr_schedule.png")

# %% [markdown]
# ## 3. Train with the one loop (`dlfs.train.fit`), watching train and validation loss

# %%
chance = math.log(tok.vocab_size)
print(f"chance level: ln V = {chance:.3f} (perplexity {tok.vocab_size})")
run = train_gpt(recipe, prepared=prepared,
                report=lambda s, tr, v, sec: print(f"step {s:>5}  train {tr:.3f}  "
                                                   f"val {v:.3f}  ({sec:.1f} s)"))
steps = [e[0] for e in run.evals]
val = [e[2] for e in run.evals]
print(f"final val loss {val[-1]:.3f} = perplexity {math.exp(val[-1]):.1f}")
assert val[-1] < 0.8 * chance, "the model must beat a uniform guess by a clear margin"
assert val[-1] < val[0], "validation loss goes down"

fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(steps, [e[1] for e in run.evals], "o-", label="train (mean since last eval)")
ax.plot(steps, val, "o-", label="validation")
ax.axhline(chance, color="gray", ls="--", label="ln V (uniform guess)")
ax.set_xlabel("step")
ax.set_ylabel("cross-entropy")
ax.legend()
ctx.savefig(fig, "loss.png")

# %% [markdown]
# ## 4. Sample
# The sample starts from a prompt and adds one token at a time (temperature 0.8).

# %%
print(run.sample)
assert run.sample.startswith(run.prompt)
assert len(tok.encode(run.sample)) == len(tok.encode(run.prompt)) + recipe.sample.tokens
