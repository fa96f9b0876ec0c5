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

# %% [markdown] lang="zh"
# # 第 26 天 · 理论面试题准备：限时自测
#
# **库文件：** `src/dlfs/nn/functional/attention.py`（缩放点积注意力、因果掩码），
# `src/dlfs/optim/adam.py`，`src/dlfs/nn/normalization.py`，
# `src/dlfs/nn/transformer.py`，`src/dlfs/generate/beam.py`。
# **配合阅读：** `docs/interview_questions.md`（中文版：`docs/interview_questions.zh-CN.md`）。
#
# 题库共有 48 道题，每题附简短答案。本练习从中选出六道：每道题先打印题目，留给你片刻时间大声作答，
# 然后用库来*证明*答案：给出你能读懂的数字，并为每个论断写一个 `assert`。
# 如果你能在读到数字下方的注释之前解释出打印的每个数字，你就准备好了。
#
# | # | 题目 | 本练习测量的内容 |
# |---|---|---|
# | Q28 | 为什么注意力要乘以 1/√D？ | logit 的方差与 softmax 的尖锐程度，缩放与不缩放对比 |
# | Q8 | Adam 的偏差修正 | 有无偏差修正时的第一步 |
# | Q15 | BatchNorm 的训练与评估模式 | 批次统计量与滑动统计量 |
# | Q29 | 因果掩码 | 未来位置发生变化时，之前的输出保持不动 |
# | Q18 | Pre-LN 与 Post-LN | 子层被“静音”的块中的恒等通路 |
# | Q41 | 束搜索的长度惩罚 | α = 0 与 α = 1 时哪个候选胜出 |

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
#
# $$
# \mathrm{Var}(q \cdot k) = \sum_{d=1}^{D} \mathrm{Var}(q_d\, k_d) = D, \qquad
# \mathrm{Var}\Big(\frac{q \cdot k}{\sqrt{D}}\Big) = 1, \qquad
# \frac{\partial p_i}{\partial z_i} = p_i (1 - p_i)
# $$
#
# Reference: Vaswani et al., 2017, *Attention Is All You Need*.

# %% [markdown] lang="zh"
# ## Q28 · 为什么是 1/√D？
# 若 q 和 k 的方差为 1，q·k 是 D 个方差为 1 的乘积之和，所以它的方差为 D。
# 对如此分散的 logits 做 softmax，结果几乎是独热的，它的梯度 p(1 − p) 几乎消失。
# 我们通过 `scaled_dot_product_attention` 在几种头维度下测量这两点：`scale=1.0`（不缩放）
# 与默认的 1/√D。
#
# $$
# \mathrm{Var}(q \cdot k) = \sum_{d=1}^{D} \mathrm{Var}(q_d\, k_d) = D, \qquad
# \mathrm{Var}\Big(\frac{q \cdot k}{\sqrt{D}}\Big) = 1, \qquad
# \frac{\partial p_i}{\partial z_i} = p_i (1 - p_i)
# $$
#
# 参考文献：Vaswani et al., 2017, *Attention Is All You Need*。

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
# Adam keeps moving averages of the gradient and its square and corrects their bias towards
# the zero start:
#
# $$
# m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
# v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \quad
# \hat{m}_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat{v}_t = \frac{v_t}{1 - \beta_2^t}, \quad
# \theta_t = \theta_{t-1} - \text{lr}\, \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}
# $$
#
# With m̂ = g and v̂ = g² at t = 1, the first step is lr·g/(|g| + ε) ≈ lr in every
# coordinate, whatever the gradient's scale. Without bias correction it would be
# (1 − β1)/√(1 − β2) ≈ 3.16 times that:
#
# $$
# \text{lr}\, \frac{(1 - \beta_1)\, g}{\sqrt{1 - \beta_2}\, |g| + \epsilon}
# \approx \frac{0.1}{\sqrt{0.001}}\, \text{lr}\, \mathrm{sign}(g)
# \approx 3.16\, \text{lr}\, \mathrm{sign}(g)
# $$
#
# Reference: Kingma & Ba, 2015, *Adam: A Method for Stochastic Optimization*.

# %% [markdown] lang="zh"
# ## Q8 · Adam 的第一步
# Adam 维护梯度及其平方的滑动平均，并修正它们因从零开始而产生的偏差：
#
# $$
# m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
# v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \quad
# \hat{m}_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat{v}_t = \frac{v_t}{1 - \beta_2^t}, \quad
# \theta_t = \theta_{t-1} - \text{lr}\, \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}
# $$
#
# 在 t = 1 时 m̂ = g、v̂ = g²，所以第一步是 lr·g/(|g| + ε)，无论梯度的量级如何，
# 每个坐标上都约等于 lr。若不做偏差修正，这一步会是它的 (1 − β1)/√(1 − β2) ≈ 3.16 倍：
#
# $$
# \text{lr}\, \frac{(1 - \beta_1)\, g}{\sqrt{1 - \beta_2}\, |g| + \epsilon}
# \approx \frac{0.1}{\sqrt{0.001}}\, \text{lr}\, \mathrm{sign}(g)
# \approx 3.16\, \text{lr}\, \mathrm{sign}(g)
# $$
#
# 参考文献：Kingma & Ba, 2015, *Adam: A Method for Stochastic Optimization*。

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
# With $n$ values per channel in the batch:
#
# $$
# \begin{aligned}
# \text{train:}\quad y &= \gamma\, \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} + \beta, \qquad
#   \mu_{\text{run}} \leftarrow 0.9\, \mu_{\text{run}} + 0.1\, \mu_B, \qquad
#   \sigma^2_{\text{run}} \leftarrow
#   0.9\, \sigma^2_{\text{run}} + 0.1\, \frac{n}{n-1}\, \sigma_B^2 \\
# \text{eval:}\quad y &=
#   \gamma\, \frac{x - \mu_{\text{run}}}{\sqrt{\sigma^2_{\text{run}} + \epsilon}} + \beta
# \end{aligned}
# $$
#
# Starting from 0, after $N$ batches of mean 7 the running mean is about $7\,(1 - 0.9^N)$.
# Reference: Ioffe & Szegedy, 2015, *Batch Normalization: Accelerating Deep Network
# Training by Reducing Internal Covariate Shift*.

# %% [markdown] lang="zh"
# ## Q15 · BatchNorm 的训练模式与评估模式
# 训练时用批次自身的均值和有偏方差做归一化，并以动量 0.1 更新滑动统计量（使用无偏方差）；
# 评估时只用滑动统计量。设批次中每个通道有 $n$ 个值：
#
# $$
# \begin{aligned}
# \text{train:}\quad y &= \gamma\, \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} + \beta, \qquad
#   \mu_{\text{run}} \leftarrow 0.9\, \mu_{\text{run}} + 0.1\, \mu_B, \qquad
#   \sigma^2_{\text{run}} \leftarrow
#   0.9\, \sigma^2_{\text{run}} + 0.1\, \frac{n}{n-1}\, \sigma_B^2 \\
# \text{eval:}\quad y &=
#   \gamma\, \frac{x - \mu_{\text{run}}}{\sqrt{\sigma^2_{\text{run}} + \epsilon}} + \beta
# \end{aligned}
# $$
#
# 滑动均值从 0 开始，经过 $N$ 个均值为 7 的批次后约为 $7\,(1 - 0.9^N)$。
# 参考文献：Ioffe & Szegedy, 2015, *Batch Normalization: Accelerating Deep Network
# Training by Reducing Internal Covariate Shift*。

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
#
# $$
# w_{ts} = \frac{\exp(z_{ts} + M_{ts})}{\sum_{s'} \exp(z_{ts'} + M_{ts'})}, \qquad
# M_{ts} = \begin{cases} 0 & s \le t \\ -\infty & s > t \end{cases}
# \;\Rightarrow\; w_{ts} = 0 \ (s > t), \quad \sum_s w_{ts} = 1
# $$

# %% [markdown] lang="zh"
# ## Q29 · 因果掩码
# 在 softmax 之前加上 −∞，会让未来的键得到恰好为 0 的权重，同时每一行的和仍然为 1。
# 把位置 5 及之后的键和值打乱：输出 0–4 必须保持不动。
#
# $$
# w_{ts} = \frac{\exp(z_{ts} + M_{ts})}{\sum_{s'} \exp(z_{ts'} + M_{ts'})}, \qquad
# M_{ts} = \begin{cases} 0 & s \le t \\ -\infty & s > t \end{cases}
# \;\Rightarrow\; w_{ts} = 0 \ (s > t), \quad \sum_s w_{ts} = 1
# $$

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
# easy to train — while a Post-LN layer still normalises the stream twice:
# with $\mathrm{SA} = \mathrm{FFN} = 0$, Pre-LN gives $y = x + 0 + 0 = x$ and Post-LN gives
# $y = \mathrm{LN}(\mathrm{LN}(x))$.

# %% [markdown] lang="zh"
# ## Q18 · Pre-LN 与 Post-LN
# 把编码器层的两个残差分支都“静音”（把输出投影置零）。这时 Pre-LN 层恰好是恒等映射——
# 正是这条干净的残差通路让深层 Pre-LN 堆叠容易训练——而 Post-LN 层仍然会对残差流做两次归一化：
# 当 $\mathrm{SA} = \mathrm{FFN} = 0$ 时，Pre-LN 给出 $y = x + 0 + 0 = x$，Post-LN 给出
# $y = \mathrm{LN}(\mathrm{LN}(x))$。

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
# Hypotheses are ranked by a length-normalized log-probability. Without the penalty the
# shorter hypothesis wins because every extra token lowers log P; with α = 1 the longer,
# more complete one can win. For the two hypotheses below (log P = −4.5 with 5 tokens,
# −6.0 with 10 tokens):
#
# $$
# \text{score} = \frac{\log P}{\big((5 + |Y|)/6\big)^{\alpha}}, \qquad
# \alpha = 1:\ \frac{-4.5}{10/6} = -2.70 \;<\; \frac{-6.0}{15/6} = -2.40
# $$
#
# Reference: Wu et al., 2016, *Google's Neural Machine Translation System: Bridging the Gap
# between Human and Machine Translation*.

# %% [markdown] lang="zh"
# ## Q41 · GNMT 长度惩罚
# 候选按长度归一化后的对数概率排序。不加惩罚时，较短的候选会胜出，因为每多一个词元 log P
# 就会降低；α = 1 时，较长、更完整的候选就可能胜出。对下面两个候选（5 个词元，log P = −4.5；
# 10 个词元，log P = −6.0）：
#
# $$
# \text{score} = \frac{\log P}{\big((5 + |Y|)/6\big)^{\alpha}}, \qquad
# \alpha = 1:\ \frac{-4.5}{10/6} = -2.70 \;<\; \frac{-6.0}{15/6} = -2.40
# $$
#
# 参考文献：Wu et al., 2016, *Google's Neural Machine Translation System: Bridging the Gap
# between Human and Machine Translation*。

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

# %% [markdown] lang="zh"
# ## 轮到你了
# 在完整模式下，本练习会再从题库中随机抽出五道题，请你先大声作答，再对照文档检查
# （也可以运行文档中的代码块：它们同样用断言检验答案）。

# %%
rest = sorted(set(bank) - set(TITLES))
if not ctx.quick and rest:
    print("\nyour turn: answer these aloud, then compare with the docs")
    for n in random.Random(time.time_ns()).sample(rest, k=min(5, len(rest))):
        print(f"  Q{n}. {bank[n]}")
print(f"\ndrill done: {len(TITLES)} questions answered and checked; "
      f"the full bank is docs/interview_questions.md")
