# %% [markdown]
# # Gradient checkpointing: trading compute for memory — 梯度检查点：用计算换显存
#
# **Library files:** `src/dlfs/train/recompute.py` (`checkpoint`, `checkpoint_sequential`,
# `sqrt_segments`), `src/dlfs/models/gpt.py` (`GPTConfig(grad_checkpoint=True)`, the
# `--grad-checkpoint` option of `dlfs train gpt`), `src/dlfs/train/memory.py`
# (`PeakMemoryTracker`). Tests: `tests/train/test_recompute.py`.
#
# Backward needs the intermediate results of the forward pass, so autograd keeps them until
# backward has used them: memory grows with depth × batch × sequence length. Gradient
# checkpointing keeps only each block's *input*, and runs the block's forward a second time
# during backward to rebuild what it needs. We measure what a GPT block keeps, check that the
# recomputed gradients are exactly the same (dropout masks included), then measure the memory
# saved and the time paid on the capstone GPT, and finally choose segments for a long chain.
#
# Reference: Chen et al., 2016, *Training Deep Nets with Sublinear Memory Cost*.

# %% [markdown] lang="zh"
# # 梯度检查点：用计算换显存
#
# **库文件：** `src/dlfs/train/recompute.py`（`checkpoint`、`checkpoint_sequential`、
# `sqrt_segments`）、`src/dlfs/models/gpt.py`（`GPTConfig(grad_checkpoint=True)`，即
# `dlfs train gpt` 的 `--grad-checkpoint` 选项）、`src/dlfs/train/memory.py`
# （`PeakMemoryTracker`）。测试：`tests/train/test_recompute.py`。
#
# 反向传播需要前向传播的中间结果，所以 autograd 会一直保存它们，直到反向传播用完为止：显存随
# 深度 × 批大小 × 序列长度增长。梯度检查点只保存每个块的*输入*，在反向传播时把这个块的前向再算
# 一遍，重建所需的中间结果。我们先测一个 GPT 块保存了多少，再验证重算得到的梯度完全相同（包括
# dropout 掩码），然后在毕业项目的 GPT 上测量省下的显存和多花的时间，最后为一条长链选择分段数。
#
# 参考文献：Chen et al., 2016, *Training Deep Nets with Sublinear Memory Cost*。

# %%
import time

import matplotlib.pyplot as plt
import torch
from torch import nn

from dlfs.curriculum import lesson_context
from dlfs.models import GPT, GPTConfig
from dlfs.train import PeakMemoryTracker
from dlfs.train.recompute import checkpoint, checkpoint_sequential, sqrt_segments

ctx = lesson_context("grad-checkpointing")
torch.set_num_threads(1)

# %% [markdown]
# ## 1. What one block keeps for backward
# `saved_tensors_hooks` sees every tensor autograd saves. A Transformer block with input
# `(B, T, C)` keeps the attention weights `(B, H, T, T)`, the MLP's `(B, T, 4C)` hiddens and
# more: many times its input ($B H T^2 + 4 B T C + \dots$ numbers against $B T C$). Under
# `checkpoint` it keeps the input alone.

# %% [markdown] lang="zh"
# ## 1. 一个块为反向传播保存了什么
# `saved_tensors_hooks` 能看到 autograd 保存的每个张量。输入为 `(B, T, C)` 的 Transformer 块会
# 保存注意力权重 `(B, H, T, T)`、MLP 的 `(B, T, 4C)` 隐藏层等等：是输入的许多倍
# （$B H T^2 + 4 B T C + \dots$ 个数，而输入只有 $B T C$ 个）。在 `checkpoint` 下它只保存输入。

# %%
B, T = (8, 32) if ctx.quick else (12, 64)
cfg = GPTConfig(vocab_size=65, block_size=T, n_layer=4, n_head=4,
                n_embd=64 if ctx.quick else 128, dropout=0.1)
torch.manual_seed(0)
model = GPT(cfg)
block = model.h[0]
x = torch.randn(B, T, cfg.n_embd, requires_grad=True)


def saved_bytes(fn):
    sizes = {}

    def pack(t):
        sizes[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    params = {p.untyped_storage().data_ptr() for p in block.parameters()}
    return sum(n for ptr, n in sizes.items() if ptr not in params)   # weights do not count


plain_kept = saved_bytes(lambda: block(x))
ckpt_kept = saved_bytes(lambda: checkpoint(block, x))
x_bytes = x.numel() * x.element_size()
print(f"input x {tuple(x.shape)}: {x_bytes / 1024:.0f} KiB; a plain block keeps "
      f"{plain_kept / 1024:.0f} KiB ({plain_kept / x_bytes:.1f} x), a checkpointed one "
      f"{ckpt_kept / 1024:.0f} KiB")
assert ckpt_kept == x_bytes and plain_kept > 5 * x_bytes

# %% [markdown]
# ## 2. The same gradients, dropout included
# The recomputation must draw the same dropout masks as the forward did: `checkpoint` saves
# the random-number generator's state before the forward and restores it for the rerun.

# %% [markdown] lang="zh"
# ## 2. 同样的梯度，dropout 也不例外
# 重算必须抽出和前向传播相同的 dropout 掩码：`checkpoint` 在前向之前保存随机数生成器的状态，
# 重算时再恢复它。

# %%
idx = torch.randint(0, cfg.vocab_size, (B, T))
grads = {}
for flag in (False, True):
    torch.manual_seed(0)
    m = GPT(GPTConfig(**{**cfg.__dict__, "grad_checkpoint": flag}))
    torch.manual_seed(1)
    _, loss = m(idx, idx)
    loss.backward()
    grads[flag] = [p.grad for p in m.parameters()]
worst = max((a - b).abs().max().item() for a, b in zip(grads[False], grads[True]))
print(f"largest gradient difference, checkpointed vs plain (dropout 0.1): {worst:.1e}")
assert worst < 1e-6

# %% [markdown]
# ## 3. Memory saved, time paid, on the GPT
# One training step (forward + backward) with `PeakMemoryTracker`, which records the largest
# amount of tensor memory alive at once; then the time of a few steps.

# %% [markdown] lang="zh"
# ## 3. 在 GPT 上省下的显存与多花的时间
# 用 `PeakMemoryTracker` 测一个训练步（前向 + 反向），它记录同一时刻存活的张量内存的最大值；
# 再测几步的时间。


# %%
def step(m):
    m.zero_grad(set_to_none=True)
    _, loss = m(idx, idx)
    loss.backward()


results = {}
for flag in (False, True):
    torch.manual_seed(0)
    m = GPT(GPTConfig(**{**cfg.__dict__, "dropout": 0.0, "grad_checkpoint": flag}))
    step(m)                                                   # warm-up
    with PeakMemoryTracker() as mem:
        step(m)
    reps = 3 if ctx.quick else 10
    start = time.perf_counter()
    for _ in range(reps):
        step(m)
    results[flag] = (mem.peak_bytes, (time.perf_counter() - start) / reps)
(mem0, t0), (mem1, t1) = results[False], results[True]
print(f"GPT {cfg.n_layer} layers, width {cfg.n_embd}, batch {B} x {T}: peak "
      f"{mem0 / 2**20:.2f} MiB -> {mem1 / 2**20:.2f} MiB with checkpointing "
      f"({mem1 / mem0:.2f} x); {1e3 * t0:.1f} -> {1e3 * t1:.1f} ms per step ({t1 / t0:.2f} x)")
assert mem1 < 0.8 * mem0

# %% [markdown]
# The peak includes what checkpointing cannot remove: the weights' gradients, the logits
# `(B, T, V)` and their softmax. The time rises by one extra forward of every block (a
# backward costs about two forwards, so about a third more — more with our from-scratch
# layers, whose forward is relatively slow; measured above). With $t_f$ the time of a forward:
#
# $$
# \frac{t_f + t_f + 2 t_f}{t_f + 2 t_f} = \frac{4}{3}
# $$
#
# `dlfs train gpt --grad-checkpoint` does this for the capstone.

# %% [markdown] lang="zh"
# 峰值里包含检查点去不掉的部分：权重的梯度、logits `(B, T, V)` 及其 softmax。时间多出每个块的
# 一次前向（一次反向约等于两次前向，所以大约多三分之一；我们从零实现的层前向相对较慢，多得更多，
# 上面是实测值）。记一次前向的时间为 $t_f$：
#
# $$
# \frac{t_f + t_f + 2 t_f}{t_f + 2 t_f} = \frac{4}{3}
# $$
#
# `dlfs train gpt --grad-checkpoint` 就是在毕业项目上这样做的。

# %% [markdown]
# ## 4. How many segments?
# `checkpoint_sequential(chain, s, x)` keeps s segment inputs, then during backward one
# segment's activations at a time. For n functions that each keep A, the peak is about
#
# $$
# M(s) \approx s \, x + \frac{n}{s} A, \qquad
# \frac{dM}{ds} = x - \frac{n A}{s^2} = 0 \;\Rightarrow\; s^* = \sqrt{\frac{n A}{x}}
# $$
#
# With A = x (a chain of tanh layers: each keeps one output of its input's size) the least
# memory is at $s = \sqrt{n}$, where $M = 2 \sqrt{n} \, x$ instead of the $n \, x$ of a plain run.

# %% [markdown] lang="zh"
# ## 4. 分多少段？
# `checkpoint_sequential(chain, s, x)` 保存 s 个分段的输入，反向传播时一次只有一个分段的激活值
# 存活。对 n 个各自保存 A 的函数，峰值约为
#
# $$
# M(s) \approx s \, x + \frac{n}{s} A, \qquad
# \frac{dM}{ds} = x - \frac{n A}{s^2} = 0 \;\Rightarrow\; s^* = \sqrt{\frac{n A}{x}}
# $$
#
# 当 A = x 时（一串 tanh 层：每层保存一个和输入一样大的输出），显存最小的分段数是 $s = \sqrt{n}$，
# 此时 $M = 2 \sqrt{n} \, x$，而不分段的普通运行是 $n \, x$。

# %%
n = 16 if ctx.quick else 64
chain = nn.Sequential(*[nn.Tanh() for _ in range(n)])
xc = torch.randn(256, 64, requires_grad=True)
unit = xc.numel() * xc.element_size()
peaks = {}
for s in sorted({1, 2, sqrt_segments(n) // 2, sqrt_segments(n), 2 * sqrt_segments(n),
                 n // 2, n} - {0}):
    xc.grad = None
    with PeakMemoryTracker() as mem:
        checkpoint_sequential(chain, s, xc).sum().backward()
    peaks[s] = mem.peak_bytes / unit
print(f"{n} tanh layers, peak memory in units of x by segments: "
      + ", ".join(f"s={s}: {v:.0f}" for s, v in peaks.items()))
assert min(peaks, key=peaks.get) == sqrt_segments(n) or \
    peaks[sqrt_segments(n)] == min(peaks.values())

fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(list(peaks), list(peaks.values()), "o-", label="measured peak")
ax.plot(list(peaks), [s + n / s for s in peaks], "--", label="s + n/s (A = x)")
ax.axvline(sqrt_segments(n), color="gray", lw=0.8)
ax.set(xscale="log", xlabel="segments s", ylabel="peak / size of x",
       title=f"checkpoint_sequential over {n} layers: least memory at s = sqrt(n)")
ax.legend(fontsize=8)
ctx.savefig(fig, "segments.png")
