# %% [markdown]
# # Day 25 · The language-model training loop — 语言模型训练闭环
#
# **Library files:** `src/dlfs/recipes/gpt.py` (`GPTRecipe`, `warmup_cosine`),
# `src/dlfs/recipes/lm.py` (`next_token_loss`, `estimate_loss`), `src/dlfs/data/text/`
# (corpus, tokenizer, `TokenWindows` in `batching.py`), `src/dlfs/models/gpt.py`,
# `src/dlfs/train/loop.py` (`fit`), `src/dlfs/generate/sampling.py`; for section 5,
# `src/dlfs/nn/functional/norm_backward.py` and `src/dlfs/nn/functional/activation.py`
# (our LayerNorm and GELU) and `benchmarks/bench_gpt_loop.py`.
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
# （我们的 LayerNorm 和 GELU）以及 `benchmarks/bench_gpt_loop.py`。
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
# ## 5. What a step costs: from-scratch layers against torch's fused kernels
# The GPT above runs on `dlfs.nn`'s from-scratch layers. `GPTConfig(fused=True)` (the
# `--fused` option of `dlfs train gpt`) swaps three of them for torch's own kernels:
# LayerNorm, GELU and attention. The parameters and the numbers are the same up to float
# rounding (checked below); the cost is not. Each layer runs forward and backward once at
# the capstone's sizes ($B = 12$, $T = 64$, $C = 128$) under a dispatch mode that logs every
# kernel torch runs, and is counted two ways:
#
# - **kernels**: aten ops that compute something (views and allocations are left out: they
#   move no data);
# - **full-size passes**: the kernels among them that read or write a tensor as large as
#   the activation.
#
# Our LayerNorm is a chain of small ops (mean, subtract, norm, scale, and as many again
# backward), and each one walks the whole activation. Torch's is one kernel forward and one
# backward, which do all of that arithmetic on a row while it is still in the cache. On a
# CPU at these sizes a pass costs about the same whatever arithmetic it does, so the time
# follows the passes, not the FLOPs. Exact GELU adds one more cost: it needs `erf`, and
# torch's `erf` kernel alone takes longer than torch's whole fused GELU (0.31 against
# 0.18 ms on the $(768, 512)$ activations, AMD EPYC, 2 threads), because the fused kernel
# computes its erf with a cheaper formula of its own.
#
# The counts are exact and asserted. The times are medians of interleaved repeats on your
# machine, printed and not asserted: they move with whatever else the machine is doing.

# %% [markdown] lang="zh"
# ## 5. 一步要花多少：从零实现的层 vs torch 的融合内核
# 上面的 GPT 用的是 `dlfs.nn` 里从零实现的层。`GPTConfig(fused=True)`（即 `dlfs train gpt`
# 的 `--fused` 选项）把其中三个换成 torch 自己的内核：LayerNorm、GELU 和注意力。参数相同，
# 数值也只差浮点舍入（下面会检查），但代价不同。下面让每一层在验收模型的尺寸下
# （$B = 12$，$T = 64$，$C = 128$）做一次前向和反向，同时用一个 dispatch mode 记录 torch
# 运行的每一个内核，并从两个角度计数：
#
# - **内核数**：真正做计算的 aten 算子（视图和内存分配不算：它们不搬动数据）；
# - **整块遍历数**：这些内核中读或写了与激活一样大的张量的那些。
#
# 我们的 LayerNorm 是一串小算子（求均值、相减、求范数、缩放，反向还有差不多同样多），每个都要把
# 整个激活走一遍。torch 的则是前向一个内核、反向一个内核，趁一行数据还在缓存里就把这些运算全做完。
# 在 CPU 上、这样的尺寸下，一次遍历的耗时和它做的是什么运算关系不大，所以时间跟着遍历次数走，
# 而不是跟着浮点运算量走。精确的 GELU 还多一项开销：它需要 `erf`，而 torch 的 `erf` 内核单独
# 一个就比 torch 整个融合的 GELU 还慢（在 $(768, 512)$ 的激活上是 0.31 对 0.18 毫秒，AMD EPYC，
# 2 个线程），因为融合内核内部用自己的一个更便宜的公式来算 erf。
#
# 计数是精确的，并且有断言。耗时是在你的机器上交错重复测量的中位数，只打印、不断言：它会随着
# 机器上同时在做的其他事情而变化。

# %%
import statistics
import time
from collections import Counter

from torch.utils._python_dispatch import TorchDispatchMode

from dlfs import nn as dnn
from dlfs.attention import CausalSelfAttention


class KernelLog(TorchDispatchMode):
    """The aten ops that run while it is active (views and allocations skipped: they move
    no data), and how many of them touch a tensor of at least ``n`` numbers (``x.new_*``
    reads only x's dtype and device, so only its result counts)."""

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
            self.passes += any(t.numel() >= self.n for t in tensors)
        return out


def forward_backward(layer, x, dy):
    """y = layer(x) and the gradients of x and of every weight, given dy."""
    layer.zero_grad(set_to_none=True)      # the weights' gradients are new tensors each time
    x = x.detach().requires_grad_()
    y = layer(x)
    y.backward(dy)
    return [y.detach(), x.grad, *(p.grad for p in layer.parameters())]


capstone = GPTRecipe().model                 # the sizes `dlfs train gpt` trains at
B, T, C = GPTRecipe().batch_size, capstone.block_size, capstone.n_embd
layers = {
    "LayerNorm": (lambda fused: dnn.LayerNorm(C, bias=capstone.bias, fused=fused), (B, T, C)),
    "GELU": (lambda fused: dnn.GELU(fused=fused), (B, T, 4 * C)),
    "attention": (lambda fused: CausalSelfAttention(C, capstone.n_head, bias=capstone.bias,
                                                    fused=fused), (B, T, C)),
}
ONE_EACH_WAY = {"LayerNorm": ["native_layer_norm", "native_layer_norm_backward"],
                "GELU": ["gelu", "gelu_backward"]}   # torch: one kernel forward, one backward
repeats = 20 if ctx.quick else 200
kernel_logs = {}
print(f"{'':<10} {'kernels':>15} {'full-size passes':>18} {'fwd+bwd ms (median)':>22}")
print(f"{'':<10} {'scratch':>8}{'fused':>7} {'scratch':>11}{'fused':>7} {'scratch':>14}{'fused':>8}")
for name, (make, shape) in layers.items():
    torch.manual_seed(0)
    scratch, fused = make(False), make(True)
    fused.load_state_dict(scratch.state_dict())        # the very same weights
    x, dy = torch.randn(shape), torch.randn(shape)
    for ours, theirs in zip(forward_backward(scratch, x, dy), forward_backward(fused, x, dy)):
        assert torch.allclose(ours, theirs, rtol=1e-4, atol=1e-5), name  # y, dx, every dW
    logs = {}
    for key, layer in (("scratch", scratch), ("fused", fused)):
        with KernelLog(x.numel()) as logs[key]:
            forward_backward(layer, x, dy)
    seconds = {"scratch": [], "fused": []}
    for _ in range(repeats):                            # interleaved: a busy moment hits both
        for key, layer in (("scratch", scratch), ("fused", fused)):
            start = time.perf_counter()
            forward_backward(layer, x, dy)
            seconds[key].append(time.perf_counter() - start)
    k = {key: sum(log.kernels.values()) for key, log in logs.items()}
    ms = {key: 1e3 * statistics.median(s) for key, s in seconds.items()}
    print(f"{name:<10} {k['scratch']:>8}{k['fused']:>7} {logs['scratch'].passes:>11}"
          f"{logs['fused'].passes:>7} {ms['scratch']:>14.3f}{ms['fused']:>8.3f}")
    assert k["fused"] < k["scratch"] and logs["fused"].passes < logs["scratch"].passes, name
    if name in ONE_EACH_WAY:
        assert sorted(logs["fused"].kernels.elements()) == ONE_EACH_WAY[name], logs["fused"]
    kernel_logs[name] = logs
print("our LayerNorm, forward + backward:", dict(kernel_logs["LayerNorm"]["scratch"].kernels))
print("our GELU, forward + backward:     ", dict(kernel_logs["GELU"]["scratch"].kernels))

# %% [markdown]
# What this adds up to over a whole training loop is measured by
# `benchmarks/bench_gpt_loop.py`: `dlfs train gpt` against a nanoGPT-style loop written from
# torch's built-in layers, same model, data and seed (the README's figures table has the
# latest run). From scratch our loop makes about 0.8 of the reference's steps per second,
# and about 0.9 with `--fused`. Half of the reference's step is matrix products, and those
# are the same calls on both sides; the rest of the gap is passes like the ones counted
# here. There is one way to remove passes and keep the from-scratch code: a compiler.
# `--compile` hands the model to `torch.compile`, which turns each chain of elementwise ops
# into one generated C++ loop (`torch.compile` measured 0.94–1.06 of the reference so far,
# after a first step of half a minute that compiles).

# %% [markdown] lang="zh"
# 放到整个训练循环里累积起来是多少，由 `benchmarks/bench_gpt_loop.py` 测量：`dlfs train gpt`
# 对比一个用 torch 内置层写的 nanoGPT 式循环，模型、数据和随机种子都相同（README 的数据表里是
# 最近一次的结果）。从零实现时，我们的循环每秒步数约为参照的 0.8，加上 `--fused` 约为 0.9。
# 参照的一步里有一半时间是矩阵乘法，而两边调用的是同样的矩阵乘法；其余的差距就来自这里数出的
# 这类遍历。既想减少遍历、又想保留从零实现的代码，办法只有一个：编译器。`--compile` 把模型交给
# `torch.compile`，它把每一串逐元素算子变成一个生成的 C++ 循环（到目前为止，`torch.compile`
# 测得参照的 0.94–1.06，第一步要花半分钟左右来编译）。
