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
#
# $$
# \text{loss} = -\frac{1}{BT} \sum_{b=1}^{B} \sum_{t=1}^{T}
# \log \mathrm{softmax}(\text{logits}_{b,t})_{y_{b,t}}, \qquad
# -\log \frac{1}{V} = \ln V, \qquad \text{PPL} = e^{\text{loss}}
# $$

# %% [markdown] lang="zh"
# # 第 25 天 · 语言模型训练闭环
#
# **库文件：** `src/dlfs/recipes/gpt.py`（`GPTRecipe`、`warmup_cosine`），
# `src/dlfs/recipes/lm.py`（`next_token_loss`、`estimate_loss`），`src/dlfs/data/text/`
# （语料、分词器，以及 `batching.py` 中的 `TokenWindows`），`src/dlfs/models/gpt.py`，
# `src/dlfs/train/loop.py`（`fit`），`src/dlfs/generate/sampling.py`。
#
# 语言模型学习的是 p(下一个词元 | 之前的词元)。整个闭环是：
#
# 1. 文本 → 词元 id（分词器）；
# 2. id → 窗口：输入 x = ids[i : i+T]，目标 y = ids[i+1 : i+T+1]（x 向后错开一位）；
# 3. model(x) → logits (B, T, V)；损失 = logits 相对 y 的平均交叉熵；
# 4. 反向传播、梯度裁剪、AdamW 更新、学习率调度（先预热，再余弦衰减）；
# 5. 时不时在留出的文本上计算验证损失；最后采样生成文本。
#
# 损失有一个天然的参照：一无所知的模型给每个词元的预测概率都是 1/V，所以它的损失是 ln V。
# 困惑度 = exp(损失)，是每个词元的“等效候选数”。
#
# $$
# \text{loss} = -\frac{1}{BT} \sum_{b=1}^{B} \sum_{t=1}^{T}
# \log \mathrm{softmax}(\text{logits}_{b,t})_{y_{b,t}}, \qquad
# -\log \frac{1}{V} = \ln V, \qquad \text{PPL} = e^{\text{loss}}
# $$

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

# %% [markdown] lang="zh"
# ## 1. 文本 → id → (x, y) 窗口

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
# With $\eta_{\max}$ = `recipe.lr`, $\eta_{\min}$ = `recipe.min_lr`, $W$ warm-up steps and
# $S$ = `recipe.max_steps`, the rate at step $s$ is
#
# $$
# \eta(s) = \begin{cases} \eta_{\max}\, \dfrac{s + 1}{W} & s < W \\[6pt]
# \eta_{\min} + (\eta_{\max} - \eta_{\min})\, \tfrac{1}{2}
# \Big(1 + \cos\big(\pi\, \tfrac{s - W}{S - W}\big)\Big) & W \le s \le S \end{cases}
# $$

# %% [markdown] lang="zh"
# ## 2. 学习率调度：线性预热，然后余弦衰减到 `min_lr`
# 记 $\eta_{\max}$ = `recipe.lr`，$\eta_{\min}$ = `recipe.min_lr`，预热步数为 $W$，
# $S$ = `recipe.max_steps`，则第 $s$ 步的学习率为
#
# $$
# \eta(s) = \begin{cases} \eta_{\max}\, \dfrac{s + 1}{W} & s < W \\[6pt]
# \eta_{\min} + (\eta_{\max} - \eta_{\min})\, \tfrac{1}{2}
# \Big(1 + \cos\big(\pi\, \tfrac{s - W}{S - W}\big)\Big) & W \le s \le S \end{cases}
# $$

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
# Each step clips the gradient and takes an AdamW step ($\beta_1 = 0.9$, $\beta_2 = 0.99$;
# weight decay $\lambda = 0.1$ on matrices and embeddings, none on biases and norm gains):
#
# $$
# \begin{aligned}
# m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad
#   v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \qquad
#   \hat{m}_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat{v}_t = \frac{v_t}{1 - \beta_2^t} \\
# \theta_t &= \theta_{t-1} (1 - \eta \lambda) - \eta\, \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}
# \end{aligned}
# $$
#
# Reference: Loshchilov & Hutter, 2019, *Decoupled Weight Decay Regularization*.

# %% [markdown] lang="zh"
# ## 3. 用统一的训练循环（`dlfs.train.fit`）训练，同时观察训练损失和验证损失
# 每一步先裁剪梯度，再做一次 AdamW 更新（$\beta_1 = 0.9$，$\beta_2 = 0.99$；
# 权重衰减 $\lambda = 0.1$ 只作用于矩阵和嵌入，不作用于偏置和归一化层的增益）：
#
# $$
# \begin{aligned}
# m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad
#   v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \qquad
#   \hat{m}_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat{v}_t = \frac{v_t}{1 - \beta_2^t} \\
# \theta_t &= \theta_{t-1} (1 - \eta \lambda) - \eta\, \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}
# \end{aligned}
# $$
#
# 参考文献：Loshchilov & Hutter, 2019, *Decoupled Weight Decay Regularization*。

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
# The sample starts from a prompt and adds one token at a time (temperature 0.8): the next
# token is drawn from $p_i = \exp(z_i / 0.8) / \sum_j \exp(z_j / 0.8)$, with $z$ the
# last position's logits.

# %% [markdown] lang="zh"
# ## 4. 采样
# 采样从一个提示（prompt）开始，每次添加一个词元（温度 0.8）：下一个词元从
# $p_i = \exp(z_i / 0.8) / \sum_j \exp(z_j / 0.8)$ 中抽取，$z$ 是最后一个位置的 logits。

# %%
print(run.sample)
assert run.sample.startswith(run.prompt)
assert len(tok.encode(run.sample)) == len(tok.encode(run.prompt)) + recipe.sample.tokens
