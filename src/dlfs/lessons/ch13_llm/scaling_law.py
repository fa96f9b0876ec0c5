# %% [markdown]
# # Chapter 10 · A small scaling law — 小型缩放定律实验
#
# **Library files:** `src/dlfs/llm/scaling.py` (`fit_power_law`, `PowerLaw`),
# `src/dlfs/models/gpt.py`.
#
# Language-model loss falls with model size N roughly as a power law plus a floor:
#
# $$
# L(N) = a \cdot N^{-\alpha} + c
# $$
#
# c is the loss no model size removes (the text's own entropy, plus what the fixed training
# budget allows); α says how fast size pays. We first check the fitting routine on data
# with known parameters, then train tiny character GPTs of growing width on the same budget
# and fit their validation losses. N counts the non-embedding parameters (the Transformer
# blocks), as scaling-law papers do (Kaplan et al., 2020, *Scaling Laws for Neural Language
# Models*; Hoffmann et al., 2022, *Training Compute-Optimal Large Language Models*).
#
# What each mode shows. Quick mode trains two widths (16 and 64) for 150 steps: it checks the
# fit on synthetic data and that, on the same budget, the wider model reaches a clearly lower
# validation loss (asserted) — not the law itself: a law needs at least three points, and
# after 150 steps tiny models are too far from trained to place them on one. The full
# mode (`dlfs run scaling-law`, six widths, 1,200 steps each, about a minute of CPU; also run
# by `make test-full`) fits the law and asserts it: every wider model lower, α > 0.05
# (measured: α ≈ 0.16, c ≈ 1.38).

# %% [markdown] lang="zh"
# # 第 10 章 · 小型缩放定律实验
#
# **库文件：** `src/dlfs/llm/scaling.py`（`fit_power_law`、`PowerLaw`）、`src/dlfs/models/gpt.py`。
#
# 语言模型的损失随模型规模 N 下降，大致是一个幂律加一个下限：
#
# $$
# L(N) = a \cdot N^{-\alpha} + c
# $$
#
# c 是无论模型多大都消除不了的损失（文本本身的熵，加上固定训练预算所能达到的程度）；α
# 表示增大规模的回报有多快。我们先在参数已知的数据上检查拟合程序，再用相同的预算训练宽度逐渐增大的小
# 型字符级 GPT，并拟合它们的验证损失。与缩放定律论文的做法一样，N 只统计非嵌入参数（即 Transformer
# 模块中的参数）（Kaplan et al., 2020, *Scaling Laws for Neural Language Models*；Hoffmann et al.,
# 2022, *Training Compute-Optimal Large Language Models*）。
#
# 两种模式各展示什么：快速模式只训练宽度 16 和 64 两个模型，各 150 步。它检查拟合程序
# （在已知答案的合成数据上），并断言在相同预算下更宽的模型验证损失明显更低；
# 它不展示缩放定律本身——定律至少需要三个点，而只训练 150 步的小模型离训练充分还差得远，
# 点落不到一条定律上。完整模式（`dlfs run scaling-law`，六个宽度各 1,200 步，约一分钟 CPU 时间；
# `make test-full` 也会运行）拟合并断言定律：模型越宽损失越低，且 α > 0.05（实测
# α ≈ 0.16，c ≈ 1.38）。

# %%
import math

import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context
from dlfs.data.text.corpus import help_topics_text
from dlfs.data.text.tokenizers import CharTokenizer
from dlfs.llm import fit_power_law
from dlfs.models import GPT, GPTConfig

ctx = lesson_context("scaling-law")
torch.set_num_threads(1)   # tiny matrices: one thread is fastest on a shared 2-core machine

# %% [markdown]
# ## 1. The fit, on data whose answer we know
# For a fixed α the model is linear in (a, c): solve that by least squares, and search over
# the single number α (a grid, then golden-section) for the smallest sum of squared errors
#
# $$
# \mathrm{SSE}(\alpha) = \min_{a,\, c} \sum_i \big(a N_i^{-\alpha} + c - L_i\big)^2 .
# $$
#
# Noise-free data give the parameters
# back; 1 % noise gives them approximately.

# %% [markdown] lang="zh"
# ## 1. 在已知答案的数据上检验拟合
# 对固定的 α，模型关于 (a, c) 是线性的：用最小二乘求解它们，然后只对 α 这一个数做搜索（先网格搜索，
# 再黄金分割搜索），找出最小的误差平方和
#
# $$
# \mathrm{SSE}(\alpha) = \min_{a,\, c} \sum_i \big(a N_i^{-\alpha} + c - L_i\big)^2 .
# $$
#
# 无噪声数据能精确还原参数；加 1 % 的噪声后能近似还原。

# %%
N = torch.logspace(3, 7, 10, dtype=torch.float64)
truth = dict(a=80.0, alpha=0.3, c=1.5)
clean = truth["a"] * N ** -truth["alpha"] + truth["c"]
fit = fit_power_law(N, clean)
print(f"truth a={truth['a']}, alpha={truth['alpha']}, c={truth['c']}")
print(f"fit   a={fit.a:.4f}, alpha={fit.alpha:.6f}, c={fit.c:.6f}")
assert abs(fit.alpha - 0.3) < 1e-6 and abs(fit.a - 80) < 1e-3 and abs(fit.c - 1.5) < 1e-6
noise = 1 + 0.01 * torch.randn(10, generator=torch.Generator().manual_seed(0), dtype=N.dtype)
noisy = fit_power_law(N, clean * noise)
print(f"with 1% noise: a={noisy.a:.1f}, alpha={noisy.alpha:.3f}, c={noisy.c:.3f}")
assert abs(noisy.alpha - 0.3) < 0.1 and abs(noisy.c - 1.5) < 0.15

# %% [markdown]
# ## 2. Tiny GPTs of growing width, one budget
# One layer, two heads, context 32, batch 16, AdamW; the learning rate shrinks as
# 1/sqrt(width) (wider models want smaller steps):
# $\text{lr} = 4 \times 10^{-3} \cdot \sqrt{16 / \text{width}}$. Every model sees the same tokens.

# %% [markdown] lang="zh"
# ## 2. 宽度逐渐增大的小 GPT，同一份预算
# 一层、两个注意力头、上下文长度 32、批大小 16、AdamW；学习率按 1/sqrt(width) 缩小
# （越宽的模型需要越小的步子）：$\text{lr} = 4 \times 10^{-3} \cdot \sqrt{16 / \text{width}}$。
# 每个模型看到的词元完全相同。

# %%
text = help_topics_text()[:200_000]
tok = CharTokenizer.from_text(text)
ids = torch.tensor(tok.encode(text))
train_ids, val_ids = ids[:180_000], ids[180_000:]
widths = [16, 64] if ctx.quick else [8, 16, 24, 32, 48, 64]
steps = 150 if ctx.quick else 1200
T, B = 32, 16


def batch(source, starts):
    x = torch.stack([source[s:s + T] for s in starts])                  # (B, T)
    y = torch.stack([source[s + 1:s + T + 1] for s in starts])          # (B, T)
    return x, y


def train_and_evaluate(width):
    torch.manual_seed(0)
    cfg = GPTConfig(vocab_size=tok.vocab_size, block_size=T, n_layer=1, n_head=2, n_embd=width)
    model = GPT(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=4e-3 * math.sqrt(16 / width),
                            weight_decay=0.0)
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        _, loss = model(*batch(train_ids, torch.randint(0, len(train_ids) - T - 1, (B,),
                                                        generator=g).tolist()))
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        starts = torch.linspace(0, len(val_ids) - T - 1, 64).long().tolist()
        val = model(*batch(val_ids, starts))[1].item()
    n_blocks = sum(p.numel() for name, p in model.named_parameters() if name.startswith("h."))
    return n_blocks, val


points = []
for width in widths:
    n, val = train_and_evaluate(width)
    points.append((n, val))
    print(f"width {width:3d}: N = {n:7,} non-embedding params, val loss {val:.3f}")
chance = math.log(tok.vocab_size)
assert all(val < chance for _, val in points), "every model must beat a uniform guess"
assert points[-1][1] < points[0][1] - 0.1, "the widest model must clearly beat the narrowest"

# %% [markdown]
# ## 3. Fit and plot
# On a log–log plot L − c against N is a straight line of slope −α:
# $\log(L - c) = \log a - \alpha \log N$.

# %% [markdown] lang="zh"
# ## 3. 拟合并作图
# 在双对数坐标中，L − c 对 N 是一条斜率为 −α 的直线：$\log(L - c) = \log a - \alpha \log N$。

# %%
Ns = [n for n, _ in points]
Ls = [val for _, val in points]
fig, ax = plt.subplots(figsize=(5, 3.4))
ax.semilogx(Ns, Ls, "o", label="tiny GPTs (val loss)")
if len(points) >= 3:
    law = fit_power_law(Ns, Ls)
    print(f"fit: L(N) = {law.a:.2f} * N^(-{law.alpha:.3f}) + {law.c:.3f}  (SSE {law.sse:.2e})")
    grid = torch.logspace(math.log10(min(Ns)), math.log10(max(Ns)), 50, dtype=torch.float64)
    ax.semilogx(grid, law(grid), "-", label=f"fit: α={law.alpha:.2f}, c={law.c:.2f}")
    assert law.alpha > 0.05 and law.a > 0, "loss must fall with size"
    assert all(b < a for a, b in zip(Ls, Ls[1:])), "every wider model must be lower"
else:
    print("quick mode: two points only (a law needs at least three); run with --full")
ax.set_xlabel("non-embedding parameters N")
ax.set_ylabel("validation loss")
ax.set_title(f"{steps} steps per model")
ax.legend()
ctx.savefig(fig, "scaling_law.png")
