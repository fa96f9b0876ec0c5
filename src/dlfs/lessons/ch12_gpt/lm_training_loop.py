# %% [markdown]
# # Day 25 · The language-model training loop — 语言模型训练闭环
#
# **Library files:** `src/dlfs/recipes/gpt.py` (`GPTRecipe`, `warmup_cosine`),
# `src/dlfs/recipes/lm.py` (`next_token_loss`, `estimate_loss`), `src/dlfs/data/text/`
# (corpus, tokenizer, `TokenWindows` in `batching.py`), `src/dlfs/models/gpt.py`,
# `src/dlfs/train/loop.py` (`fit`), `src/dlfs/generate/sampling.py`; for section 5,
# `src/dlfs/nn/functional/norm_backward.py` and `src/dlfs/nn/functional/activation.py`
# (our LayerNorm and GELU), `src/dlfs/playground/timing.py` (`bench`) and
# `benchmarks/bench_gpt_loop.py`.
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
# `src/dlfs/train/loop.py`（`fit`），`src/dlfs/generate/sampling.py`；第 5 节还用到
# `src/dlfs/nn/functional/norm_backward.py` 和 `src/dlfs/nn/functional/activation.py`
# （我们的 LayerNorm 和 GELU）、`src/dlfs/playground/timing.py`（`bench`）以及
# `benchmarks/bench_gpt_loop.py`。
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

# %% [markdown]
# ## 5. Where a step's time goes: from-scratch layers against torch's fused kernels
# The GPT above runs on `dlfs.nn`'s from-scratch layers. `GPTConfig(fused=True)` (the
# `--fused` option of `dlfs train gpt`) swaps three of them for torch's own kernels:
# LayerNorm, GELU and attention. The parameters and the numbers are the same up to float
# rounding (checked below); the cost is not.
#
# To see why, we list the kernels each version runs. Every torch operation ends as a call to
# an ATen operator (ATen is torch's C++ tensor library), and a `TorchDispatchMode` is a hook
# that torch calls for each such call, after autograd, so it sees the backward pass too. A
# composite function shows up as the operators it is built from (`F.linear` as `mm` or
# `addmm`). Each layer runs forward and backward once at the capstone's sizes ($B = 12$,
# $T = 64$, $C = 128$) under such a hook, and is counted two ways:
#
# - **kernels**: operator calls that compute something. Views (a new shape over the same
#   memory) and bare allocations (`empty`) are left out, because they move no data;
#   `zeros` and `ones` fill memory, so they count;
# - **full-size passes**: the kernels that read or write at least one tensor as large as
#   the layer's input x (a kernel counts once, however many such tensors it touches).
#
# Our LayerNorm is a chain of small ops (mean, subtract, norm, scale, and about as many again
# backward), and most of them walk the whole activation; the statistics per row are small
# tensors, and the row means of the backward pass are matrix products with $-w/D$ (the `mm`
# in the list). Torch's LayerNorm is one kernel forward and one backward: it reads and writes
# the activation fewer times, and pays the fixed cost of starting a kernel (Python, torch's
# dispatcher, a fresh output tensor: a few microseconds each) twice instead of about twenty
# times. For cheap arithmetic (add, multiply, a row mean) one pass costs about the same
# whichever it is, so our LayerNorm's time follows its passes, not its FLOPs. Functions such as
# `exp` and `erf` are the exception, and exact GELU needs `erf`. On the machine we measured
# (AMD EPYC, 2 threads), torch's `erf` kernel alone took longer than torch's whole GELU
# forward on GELU's input (0.31 against 0.19 ms), because the GELU kernel evaluates erf with
# its own, cheaper approximation; the last line below measures both on yours.
#
# What is asserted: the outputs and all gradients agree, every fused layer runs fewer kernels
# and fewer full-size passes than ours, and torch's LayerNorm and GELU are exactly one kernel
# forward and one backward. The counts are the same on every run. The times are medians of
# repeated calls on your machine (`dlfs.playground.bench`), printed and not asserted: they
# move with whatever else the machine is doing.

# %% [markdown] lang="zh"
# ## 5. 一步的时间花在哪里：从零实现的层 vs torch 的融合内核
# 上面的 GPT 用的是 `dlfs.nn` 里从零实现的层。`GPTConfig(fused=True)`（即 `dlfs train gpt`
# 的 `--fused` 选项）把其中三个换成 torch 自己的内核：LayerNorm、GELU 和注意力。参数相同，
# 数值也只差浮点舍入（下面会检查），但开销不同。
#
# 为了看清原因，我们把两个版本运行的内核一一列出来。每个 torch 操作最终都会变成对一个 ATen 算子
# 的调用（ATen 是 torch 的 C++ 张量库）；`TorchDispatchMode` 是一个钩子，torch 在自动求导之后、
# 每次调用这样的算子时都会调用它，所以它也能看到反向传播。组合函数会显示为组成它的那些算子
# （`F.linear` 显示为 `mm` 或 `addmm`）。下面让每一层在毕业项目（capstone）GPT 的尺寸下
# （$B = 12$，$T = 64$，$C = 128$）、在这样的钩子下做一次前向和反向，并从两个角度计数：
#
# - **内核数**：真正做计算的算子调用。视图（同一块内存换个形状）和单纯的内存分配（`empty`）
#   不算，因为它们不搬动数据；`zeros` 和 `ones` 要填写内存，所以算；
# - **全尺寸遍历数**：读或写了至少一个与该层输入 x 一样大的张量的内核（一个内核只算一次，
#   不管它碰了几个这样的张量）。
#
# 我们的 LayerNorm 是一串小算子（求均值、相减、求范数、缩放，反向还有差不多同样多），其中大多数
# 都要把整个激活值走一遍；每行的统计量是很小的张量，反向传播里的行均值是与 $-w/D$ 的矩阵乘法
# （即列表里的 `mm`）。torch 的 LayerNorm 前向一个内核、反向一个内核：它读写激活值的次数更少，
# 启动内核的固定开销（Python、torch 的分发器、新建输出张量：每次几微秒）只付两次，而不是二十次
# 左右。对于便宜的运算（加法、乘法、求行均值），一次遍历的耗时和具体是哪种运算关系不大，所以我们
# 的 LayerNorm 的耗时跟着遍历次数走，而不是跟着浮点运算量走。`exp` 和 `erf` 这类函数是例外，而
# 精确的 GELU 需要 `erf`。在我们测量的机器上（AMD EPYC，2 个线程），torch 的 `erf` 内核单独
# 一个就比 torch 整个 GELU 的前向还慢（在 GELU 的输入上是 0.31 对 0.19 毫秒），因为 GELU 内核用
# 自己的一个更便宜的近似来计算 erf；下面最后一行会在你的机器上测量这两者。
#
# 断言检查的是：输出和所有梯度一致；每个融合层的内核数和全尺寸遍历数都少于我们的；torch 的
# LayerNorm 和 GELU 前向、反向各恰好一个内核。计数每次运行都一样。耗时是在你的机器上重复调用
# 测得的中位数（`dlfs.playground.bench`），只打印、不断言：它会随着机器上同时在做的其他事情而
# 变化。

# %%
from collections import Counter
from functools import partial

from torch.nn import functional as TF
from torch.utils._python_dispatch import TorchDispatchMode  # where torch keeps the class

from dlfs import nn as dnn
from dlfs.attention import CausalSelfAttention
from dlfs.playground import bench


class KernelLog(TorchDispatchMode):
    """The ATen operators that run while it is active (views and bare allocations skipped:
    they move no data), and how many of them touch a tensor of at least ``n`` numbers
    (``x.new_*`` reads only x's dtype and device, so only its result counts)."""

    NO_DATA = {"empty", "empty_like", "new_empty", "_unsafe_view", "unsqueeze_"}

    def __init__(self, n: int):
        super().__init__()
        self.n, self.kernels, self.passes = n, Counter(), 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        name = func.overloadpacket.__name__
        if not func.is_view and name not in self.NO_DATA:
            self.kernels[name] += 1
            outs = out if isinstance(out, (tuple, list)) else (out,)
            read = () if name.startswith("new_") else (*args, *(kwargs or {}).values())
            tensors = [t for t in (*read, *outs) if isinstance(t, torch.Tensor)]
            self.passes += int(any(t.numel() >= self.n for t in tensors))
        return out


def forward_backward(layer, x, dy):
    """[y, dx, dW for every weight] of layer at x, given the gradient dy of y."""
    # gradients start as None, so backward stores them instead of adding into old ones
    # (which would be one more kernel per weight)
    layer.zero_grad(set_to_none=True)
    x = x.detach().requires_grad_()
    y = layer(x)
    y.backward(dy)
    return [y.detach(), x.grad, *(p.grad for p in layer.parameters())]


def count_kernels(layer, x, dy):
    """KernelLogs of the forward and of the backward pass."""
    x = x.detach().requires_grad_()
    forward, backward = KernelLog(x.numel()), KernelLog(x.numel())
    layer.zero_grad(set_to_none=True)
    with forward:
        y = layer(x)
    with backward:
        y.backward(dy)
    return forward, backward


defaults = GPTRecipe()                     # the sizes `dlfs train gpt` trains at
capstone = defaults.model
B, T, C = defaults.batch_size, capstone.block_size, capstone.n_embd
assert (B, T, C) == (12, 64, 128), "the text above quotes these sizes"
layers = {
    "LayerNorm": (lambda fused: dnn.LayerNorm(C, bias=capstone.bias, fused=fused), (B, T, C)),
    "GELU": (lambda fused: dnn.GELU(fused=fused), (B, T, 4 * C)),
    "attention": (lambda fused: CausalSelfAttention(C, capstone.n_head, bias=capstone.bias,
                                                    fused=fused), (B, T, C)),
}
ONE_EACH_WAY = {"LayerNorm": ("native_layer_norm", "native_layer_norm_backward"),
                "GELU": ("gelu", "gelu_backward")}        # torch: one kernel forward, one back
repeats = 20 if ctx.quick else 200
kernel_logs = {}
print(f"{'':<10} {'kernels':>14} {'full-size passes':>18} {'fwd+bwd ms (median)':>29}")
print(f"{'':<10} {'ours':>7}{'torch':>7} {'ours':>11}{'torch':>7} "
      f"{'ours':>10}{'torch':>8}{'ours/torch':>11}")
for name, (make, shape) in layers.items():
    torch.manual_seed(0)
    ours, theirs = make(False), make(True)
    theirs.load_state_dict(ours.state_dict())            # the very same weights
    x, dy = torch.randn(shape), torch.randn(shape)
    for a, b in zip(forward_backward(ours, x, dy), forward_backward(theirs, x, dy),
                    strict=True):
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-5), name   # y, dx, every dW
    logs = {"ours": count_kernels(ours, x, dy), "torch": count_kernels(theirs, x, dy)}
    kernels = {key: sum(f.kernels.values()) + sum(b.kernels.values())
               for key, (f, b) in logs.items()}
    passes = {key: f.passes + b.passes for key, (f, b) in logs.items()}
    ms = [1e3 * bench(partial(forward_backward, m, x, dy), repeat=repeats).median
          for m in (ours, theirs)]
    print(f"{name:<10} {kernels['ours']:>7}{kernels['torch']:>7} {passes['ours']:>11}"
          f"{passes['torch']:>7} {ms[0]:>10.3f}{ms[1]:>8.3f}{ms[0] / ms[1]:>10.1f}x")
    assert kernels["torch"] < kernels["ours"] and passes["torch"] < passes["ours"], name
    if name in ONE_EACH_WAY:
        f, b = logs["torch"]
        assert (list(f.kernels.elements()), list(b.kernels.elements())) == \
            ([ONE_EACH_WAY[name][0]], [ONE_EACH_WAY[name][1]]), (f.kernels, b.kernels)
    kernel_logs[name] = logs
for name in ONE_EACH_WAY:
    f, b = kernel_logs[name]["ours"]
    print(f"our {name}, forward:  {dict(f.kernels)}")
    print(f"our {name}, backward: {dict(b.kernels)}")
print("(pow_ is x.square_(), exp2_ is 2^x, mm a matrix product, addcmul a + b * c)")

g = torch.randn(B * T, 4 * C)                              # GELU's input, as rows
erf_ms, gelu_ms = (1e3 * bench(partial(f, g), repeat=repeats).median
                   for f in (torch.erf, TF.gelu))
print(f"on GELU's input {tuple(g.shape)}: torch.erf {erf_ms:.3f} ms, torch's whole GELU "
      f"forward {gelu_ms:.3f} ms (measured, not asserted)")

# %% [markdown]
# In the attention row most of the time goes to the four projections' matrix products, the
# same calls on both sides, so 45 kernels cut to 16 save only a little there.
#
# Over a whole training loop, `benchmarks/bench_gpt_loop.py` measures `dlfs train gpt`
# against a nanoGPT-style loop written from torch's built-in layers, with the same model, data
# and seed (the README's figures table has the latest run). From scratch our loop makes about
# 0.8 times the reference's steps per second, and about 0.9 times with `--fused`. In one
# `torch.profiler` run of the reference (2 threads), 53 % of its step was the Linear layers'
# matrix products (`mm`, `addmm`), which are the same calls on both sides. The gap comes from
# the rest: elementwise passes like the ones counted here, and what only our loop does
# (a DataLoader over shuffled windows, the NaN guard, TensorBoard logging, deterministic
# kernels).
#
# Fusing by hand, as `norm_backward.py` does, removes some passes. The way to remove them
# without rewriting the code is a compiler: `--compile` hands the model to `torch.compile`,
# which turns each chain of elementwise ops into one generated C++ loop. It measured between
# 0.94 and 1.06 times the reference in the full runs so far; its first step compiles, which
# took 29–65 s on two cores the first time and 5–15 s once the kernels were cached.

# %% [markdown] lang="zh"
# 在注意力那一行，大部分时间花在四个投影的矩阵乘法上，两边调用的是同样的矩阵乘法，所以内核数从
# 45 减到 16 在那里只省下一点点。
#
# 放到整个训练循环里，`benchmarks/bench_gpt_loop.py` 把 `dlfs train gpt` 与一个用 torch 内置层
# 写的 nanoGPT 式循环做对比，模型、数据和随机种子都相同（README 的数据表里是最近一次的结果）。
# 从零实现时，我们的循环每秒步数约为参照的 0.8 倍，加上 `--fused` 约为 0.9 倍。在对参照做的一次
# `torch.profiler` 分析中（2 个线程），它一步里 53 % 的时间是 Linear 层的矩阵乘法（`mm`、
# `addmm`），而两边调用的是同样的矩阵乘法。差距来自其余部分：这里数出的这类逐元素遍历，以及只有
# 我们的循环才做的事（在打乱的窗口上跑的 DataLoader、NaN 守卫、TensorBoard 日志、确定性内核）。
#
# 像 `norm_backward.py` 那样手工合并可以省掉一部分遍历；不改写代码就能省掉它们的办法是编译器：
# `--compile` 把模型交给 `torch.compile`，它把每一串逐元素算子变成一个生成的 C++ 循环。到目前为止
# 的完整测量中，它的速度是参照的 0.94 到 1.06 倍；它的第一步要编译，在两核机器上首次用时
# 29–65 秒，内核缓存之后 5–15 秒。
