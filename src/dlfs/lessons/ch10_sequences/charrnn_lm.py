# %% [markdown]
# # Character language models: RNN vs LSTM vs GRU, gradient clipping, temperature — 字符级语言模型：RNN、LSTM、GRU 对比，梯度裁剪与温度采样
#
# **Library files:** `src/dlfs/data/text/batching.py` (random and sequential partitioning of
# a token stream), `src/dlfs/models/charrnn.py` (`CharRNN`: Embedding -> RNN/LSTM/GRU ->
# Linear, `generate` with temperature), `src/dlfs/recipes/charrnn.py` (training with
# `dlfs.train.fit`, perplexity, gradient-norm recording). Tests:
# `tests/sequences/test_seq_batching.py`, `tests/sequences/test_seq_charrnn.py`.
#
# A language model predicts the next character from the ones before it. We measure it by
# **perplexity** = exp(mean cross-entropy): a model as unsure as a uniform pick among k
# characters has perplexity k. The same from the command line: `dlfs train charrnn --cell all`.
#
# $$
# \text{PPL} = \exp\Big(-\frac{1}{N} \sum_{t=1}^{N} \log p(c_t \mid c_{<t})\Big),
# \qquad p(c_t \mid c_{<t}) = \frac{1}{k} \ \text{for all } t \;\Rightarrow\; \text{PPL} = k
# $$

# %% [markdown] lang="zh"
# # 字符级语言模型：RNN、LSTM、GRU 对比，梯度裁剪与温度采样
#
# **库文件：** `src/dlfs/data/text/batching.py`（对词元流做随机划分和顺序划分），
# `src/dlfs/models/charrnn.py`（`CharRNN`：Embedding -> RNN/LSTM/GRU -> Linear，
# 以及带温度的 `generate`），`src/dlfs/recipes/charrnn.py`（用 `dlfs.train.fit` 训练、
# 计算困惑度、记录梯度范数）。测试：`tests/sequences/test_seq_batching.py`、
# `tests/sequences/test_seq_charrnn.py`。
#
# 语言模型根据前面的字符预测下一个字符。我们用**困惑度**（perplexity）= exp(平均交叉熵)
# 来衡量它：一个模型如果和在 k 个字符中均匀瞎猜一样没把握，它的困惑度就是 k。
# 命令行里同样可以运行：`dlfs train charrnn --cell all`。
#
# $$
# \text{PPL} = \exp\Big(-\frac{1}{N} \sum_{t=1}^{N} \log p(c_t \mid c_{<t})\Big),
# \qquad p(c_t \mid c_{<t}) = \frac{1}{k} \ \text{for all } t \;\Rightarrow\; \text{PPL} = k
# $$

# %%
import dataclasses
import math

import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context
from dlfs.data.text.batching import seq_data_iter_random, seq_data_iter_sequential
from dlfs.recipes.charrnn import QUICK, CharRNNRecipe, perplexity, train_charrnn
from dlfs.recipes.options import replace_nested

ctx = lesson_context("charrnn-lm")
torch.manual_seed(0)

# %% [markdown]
# ## 1. Cutting one long stream into (X, Y) minibatches
# Y is X shifted by one character: if $X_{b,t}$ is stream position $i_b + t$, then
# $Y_{b,t}$ is position $i_b + t + 1$. *Sequential* partitioning lays the stream out as B
# parallel rows, so batch i+1 continues batch i row by row (a hidden state may be carried
# over); *random* partitioning shuffles length-T pieces (the state must restart each batch).

# %% [markdown] lang="zh"
# ## 1. 把一条长字符流切成 (X, Y) 小批量
# Y 就是 X 向后错开一个字符：若 $X_{b,t}$ 是字符流中的第 $i_b + t$ 个位置，则
# $Y_{b,t}$ 是第 $i_b + t + 1$ 个位置。*顺序*划分把字符流排成 B 行并行的序列，
# 于是第 i+1 个批次逐行接续第 i 个批次（隐状态可以跨批次传递）；
# *随机*划分则打乱长度为 T 的片段（每个批次都必须重新初始化状态）。

# %%
stream = torch.arange(30)
gen = torch.Generator().manual_seed(1)
print("sequential, B=2, T=4:")
seq_batches = list(seq_data_iter_sequential(stream, 2, 4, gen))
for x, y in seq_batches:
    print("  X", x.tolist(), " Y", y.tolist())
for (x0, _), (x1, _) in zip(seq_batches, seq_batches[1:]):
    assert torch.equal(x1[:, 0], x0[:, -1] + 1)        # rows continue across batches
print("random, B=2, T=4:")
for x, y in seq_data_iter_random(stream, 2, 4, gen):
    print("  X", x.tolist(), " Y", y.tolist())
    assert torch.equal(y, x + 1)

# %% [markdown]
# ## 2. Three cells on Python's help topics
# Same width, same data, same steps, Adam, gradients clipped to norm 1. The validation
# perplexity is measured every few steps.

# %% [markdown] lang="zh"
# ## 2. 三种循环单元，在 Python 帮助文档语料上比较
# 相同的宽度、相同的数据、相同的步数，都用 Adam，梯度范数都裁剪到 1。
# 每隔几步测一次验证集困惑度。

# %%
base = (replace_nested(CharRNNRecipe(), QUICK) if ctx.quick
        else CharRNNRecipe(max_steps=600, eval_every=50))
runs = {}
for cell in ("rnn", "lstm", "gru"):
    run = train_charrnn(dataclasses.replace(base, cell=cell), checkpoints=False)
    runs[cell] = run
    print(f"{cell:>4}: val perplexity {[round(perplexity(e[2]), 1) for e in run.evals]} "
          f"({run.seconds:.1f}s)")
V = runs["rnn"].tokenizer.vocab_size
print(f"vocabulary {V}: a uniform guess has perplexity {V}")
for cell, run in runs.items():
    assert run.val_perplexity < V / 2, (cell, run.val_perplexity)        # far from uniform
    assert run.evals[-1][2] < run.evals[0][2]                            # and improving

fig, ax = plt.subplots(figsize=(6, 3.5))
for cell, run in runs.items():
    ax.plot([e[0] for e in run.evals], [perplexity(e[2]) for e in run.evals], "o-", label=cell)
ax.set(xlabel="step", ylabel="validation perplexity", yscale="log",
       title="character LM on help topics")
ax.legend()
ctx.savefig(fig, "perplexity.png")

# %% [markdown]
# ## 3. Gradient clipping matters
# Backpropagation through time multiplies by W_hh once per step, so gradient norms can
# spike: for $h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})$ the
# Jacobian of one step is $\partial h_t / \partial h_{t-1} = \mathrm{diag}(1 - h_t^2)\, W_{hh}$.
# Plain SGD with a large learning rate takes a step proportional to the gradient: one
# spike throws the weights far away. Clipping rescales the whole gradient when its norm
# exceeds θ (the norm of all parameters' gradients taken as one vector; the library adds
# $10^{-6}$ to avoid dividing by zero):
#
# $$
# g \leftarrow g \cdot \min\Big(1, \frac{\theta}{\lVert g \rVert + 10^{-6}}\Big),
# \qquad \lVert g \rVert = \sqrt{\textstyle\sum_i \lVert g_i \rVert^2}
# $$
#
# Both runs below are identical except for the clip.

# %% [markdown] lang="zh"
# ## 3. 梯度裁剪很重要
# 随时间反向传播（BPTT）每经过一步就要乘一次 W_hh，所以梯度范数可能突然飙升：对于
# $h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})$，单步的雅可比矩阵是
# $\partial h_t / \partial h_{t-1} = \mathrm{diag}(1 - h_t^2)\, W_{hh}$。
# 学习率很大的普通 SGD 迈出的步子与梯度成正比：一次尖峰就会把权重甩到很远的地方。
# 梯度裁剪在梯度范数超过 θ 时把整个梯度按比例缩小（范数是把所有参数的梯度看成一个向量求得的；
# 库里分母加了 $10^{-6}$，避免除以零）：
#
# $$
# g \leftarrow g \cdot \min\Big(1, \frac{\theta}{\lVert g \rVert + 10^{-6}}\Big),
# \qquad \lVert g \rVert = \sqrt{\textstyle\sum_i \lVert g_i \rVert^2}
# $$
#
# 下面两次运行除了是否裁剪之外完全相同。

# %%
steps = 60 if ctx.quick else 300
sgd = dataclasses.replace(base, cell="rnn", optimizer="sgd", lr=6.0, num_steps=50,
                          max_steps=steps, eval_every=steps // 2)
clipped = train_charrnn(dataclasses.replace(sgd, grad_clip=1.0), checkpoints=False)
unclipped = train_charrnn(dataclasses.replace(sgd, grad_clip=None), checkpoints=False)
for name, run in (("clipped", clipped), ("unclipped", unclipped)):
    print(f"{name:>9}: max gradient norm {max(run.grad_norms):6.2f}, "
          f"final val loss {run.evals[-1][2]:.3f} (uniform guess: {math.log(V):.3f})")
assert max(clipped.grad_norms) > 1.0                  # the clip was active at some steps
assert clipped.evals[-1][2] < unclipped.evals[-1][2]  # and it ends with the better model

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(unclipped.grad_norms, label="no clipping")
ax.plot(clipped.grad_norms, label="clip at 1.0 (norm before clipping)")
ax.axhline(1.0, color="gray", ls="--", lw=0.8)
ax.set(xlabel="step", ylabel="global gradient norm", yscale="log", title="SGD, lr 6, RNN")
ax.legend()
ctx.savefig(fig, "grad_norms.png")

# %% [markdown]
# ## 4. Temperature sampling
# Dividing the logits by a temperature τ before the softmax sharpens (τ < 1) or flattens
# (τ > 1) the distribution; τ -> 0 is greedy decoding. The state is carried from step to step,
# so each new character costs one cell step. The entropy $H(p) = -\sum_i p_i \log p_i$
# measures how flat the distribution is:
#
# $$
# p_i = \frac{\exp(z_i / \tau)}{\sum_j \exp(z_j / \tau)}
# $$

# %% [markdown] lang="zh"
# ## 4. 温度采样
# 在 softmax 之前把 logits 除以温度 τ，会让分布变尖（τ < 1）或变平（τ > 1）；
# τ -> 0 就是贪心解码。状态一步步往下传，所以每生成一个新字符只需要循环单元走一步。
# 熵 $H(p) = -\sum_i p_i \log p_i$ 衡量分布有多平坦：
#
# $$
# p_i = \frac{\exp(z_i / \tau)}{\sum_j \exp(z_j / \tau)}
# $$

# %%
model, tok = runs["lstm"].model, runs["lstm"].tokenizer
prompt = torch.tensor([tok.encode("The ")])
for tau in (0.0, 0.5, 1.0, 1.5):
    out = model.generate(prompt, 60, temperature=tau, generator=torch.Generator().manual_seed(0))
    print(f"τ={tau}: {tok.decode(out[0].tolist())!r}")
logits, _ = model(prompt)
last = logits[0, -1]
entropy = [float(-(p * p.log()).sum()) for p in (torch.softmax(last.detach() / t, -1)
                                                 for t in (0.5, 1, 2))]
print("entropy of the next-character distribution at τ = 0.5, 1, 2:",
      [round(h, 3) for h in entropy])
assert entropy[0] < entropy[1] < entropy[2]          # higher temperature, flatter distribution
