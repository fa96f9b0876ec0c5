# %% [markdown]
# # Day 28 · Final review — 总复盘
#
# **Library files:** `src/dlfs/curriculum/` (the registry, `ProgressStore`),
# `src/dlfs/exercises/progress.py` (`entry_progress`),
# `src/dlfs/tensors/broadcast.py`, `src/dlfs/autograd/scalar.py`, `src/dlfs/nn/normalization.py`,
# `src/dlfs/nn/functional/attention.py`, `src/dlfs/models/gpt.py` (`GPT`),
# `src/dlfs/attention/kv_cache.py` (`KVCache`).
#
# Two parts. First, where you stand: the 29 days of the roadmap, the lesson behind each, and
# what you did for each day: the lessons you ran (`dlfs run`) and the exercises you solved
# yourself (`dlfs exercise check`); nothing here is ticked by hand or by our own tests.
# Second, six facts the course kept coming back to, each re-checked with one library call and
# an assertion — if you can predict every printed number before it appears, you are done.

# %% [markdown] lang="zh"
# # 第 28 天 · 总复盘
#
# **库文件：** `src/dlfs/curriculum/`（课程注册表、`ProgressStore`）、
# `src/dlfs/exercises/progress.py`（`entry_progress`）、`src/dlfs/tensors/broadcast.py`、
# `src/dlfs/autograd/scalar.py`、`src/dlfs/nn/normalization.py`、
# `src/dlfs/nn/functional/attention.py`、`src/dlfs/models/gpt.py`（`GPT`）、
# `src/dlfs/attention/kv_cache.py`（`KVCache`）。
#
# 分两部分。第一部分看你现在的位置：路线图的 29 天、每天对应的课程，以及你每天完成了什么——你
# 运行过的课程（`dlfs run`）和你自己解出的练习（`dlfs exercise check`）；这里没有任何一项是手工
# 打勾的，也不是由我们自己的测试打勾的。第二部分是课程里反复出现的六个事实，每个都用一次库
# 调用加一个断言重新检验——如果每个打印出来的数字你都能提前预测出来，你就学成了。

# %%
import torch

import dlfs.nn as nn
import dlfs.nn.functional as F
from dlfs.attention import KVCache
from dlfs.autograd import Value
from dlfs.curriculum import (
    NOT_WRITTEN,
    ProgressStore,
    get_track,
    lesson_context,
    lesson_status,
    lessons_at,
)
from dlfs.exercises.progress import entry_progress
from dlfs.models import GPT, GPTConfig
from dlfs.playground import inspect
from dlfs.tensors.broadcast import BroadcastError, broadcast_shape

ctx = lesson_context("final-review")
torch.manual_seed(0)

# %% [markdown]
# ## 1. The roadmap and your progress
# A day is ticked when you ran every lesson of it and solved every exercise of it yourself
# (solving one after `dlfs exercise solution --reveal` counts, but not as a tick).

# %% [markdown] lang="zh"
# ## 1. 路线图与你的进度
# 当你运行过某一天的每一课，并且自己解出了那一天的每道练习时，这一天就会打勾（在
# `dlfs exercise solution --reveal` 之后才解出的练习也算完成，但不算打勾）。

# %%
track = get_track("pytorch")
store = ProgressStore()
written = ticked = 0
for entry in track.entries:
    lessons = lessons_at(track.id, entry.key)
    statuses = [lesson_status(lesson, store) for lesson in lessons]
    has_file = bool(lessons) and NOT_WRITTEN not in statuses
    progress = entry_progress(track, entry, store)
    written += has_file
    ticked += progress.done
    ids = ", ".join(lesson.id for lesson in lessons) or "—"
    print(f"[{progress.mark}] Day {entry.key:>2}  {ids:32s} {progress.summary()}")
    assert not progress.done or progress.lessons_run == progress.lessons  # ticks need runs
print(f"{written}/{len(track.entries)} days have lessons; {ticked} ticked in {store.path}")
assert len(track.entries) == 29 and written >= 28
assert "final-review" in [lesson.id for lesson in lessons_at("pytorch", "28")]
untried = [e for e in track.entries if not entry_progress(track, e, store).done]
if untried:
    day = untried[0]
    print(f"next: `dlfs run {lessons_at(track.id, day.key)[0].id}` and `dlfs exercise list "
          f"--day {day.key}` (Day {day.key})")

# %% [markdown]
# ## 2. A view shares storage (Days 1–2)
# `view`, `transpose` and slicing make a new tensor header over the *same* numbers: writing
# through one writes through the other. `reshape` copies only when it must. Element $(i, j)$
# of a 2-D view lives at
#
# $$
# \mathrm{storage\_offset} + i \cdot \text{stride}[0] + j \cdot \text{stride}[1]
# $$
#
# so `v.t()` only swaps the strides: `(3, 1)` becomes `(1, 3)`.

# %% [markdown] lang="zh"
# ## 2. 视图共享存储（第 1–2 天）
# `view`、`transpose` 和切片都是在*同一组*数字上建一个新的张量头：通过其中一个写入，另一个也会
# 看到。`reshape` 只在不得不复制时才复制。二维视图的元素 $(i, j)$ 位于
#
# $$
# \mathrm{storage\_offset} + i \cdot \text{stride}[0] + j \cdot \text{stride}[1]
# $$
#
# 所以 `v.t()` 只是交换了步长：`(3, 1)` 变成 `(1, 3)`。

# %%
x = torch.arange(6.0)
v = x.view(2, 3)                               # (2, 3) over x's storage
v[1, 2] = 100.0
assert x[5] == 100.0 and v.data_ptr() == x.data_ptr()
t = v.t()                                      # (3, 2): strides swapped, nothing copied
info = inspect(t, "v.t()", show=False)
assert info["is_view"] and info["stride"] == (1, 3) and not info["contiguous"]
assert t.reshape(6).data_ptr() != x.data_ptr()  # not contiguous: reshape had to copy
print(f"view shares storage; v.t() has strides {info['stride']} and is not contiguous")

# %% [markdown]
# ## 3. The broadcasting rule (Day 3)
# Align shapes at the right; each size pair must be equal or contain a 1. Missing leading
# dimensions count as 1, and along each aligned axis $k$:
#
# $$
# \text{out}_k = \max(a_k, b_k), \qquad a_k = b_k \ \lor\ 1 \in \{a_k, b_k\}
# $$

# %% [markdown] lang="zh"
# ## 3. 广播规则（第 3 天）
# 把形状右对齐；每一对尺寸必须相等，或者其中一个是 1。缺少的前导维度按 1 计，对齐后沿每个
# 轴 $k$：
#
# $$
# \text{out}_k = \max(a_k, b_k), \qquad a_k = b_k \ \lor\ 1 \in \{a_k, b_k\}
# $$

# %%
for a, b in [((8, 1, 6, 1), (7, 1, 5)), ((4, 1), (3,)), ((2, 3), ())]:
    shape = broadcast_shape(a, b)
    assert shape == tuple(torch.broadcast_shapes(a, b)) == (torch.ones(a) + torch.ones(b)).shape
    print(f"{a} with {b} -> {shape}")
try:
    broadcast_shape((2, 3), (3, 2))
except BroadcastError as err:
    print("(2, 3) with (3, 2):", str(err).split(": ", 1)[1])
else:
    raise AssertionError("(2, 3) and (3, 2) must not broadcast")

# %% [markdown]
# ## 4. Gradients accumulate (Days 8 and 10)
# A node used twice receives the sum of both paths' gradients — and `backward()` called twice
# adds into `.grad` again, which is why every training step starts with `zero_grad()`. For
# $y = a \cdot a + a$ at $a = 3$, the product contributes once through each factor:
#
# $$
# \frac{dy}{da} = a + a + 1 = 2a + 1 = 7
# $$

# %% [markdown] lang="zh"
# ## 4. 梯度会累加（第 8 天和第 10 天）
# 一个被使用两次的节点，会收到两条路径梯度之和——而调用两次 `backward()` 又会再往 `.grad` 里加
# 一次，这就是每个训练步都要以 `zero_grad()` 开头的原因。对 $a = 3$ 处的 $y = a \cdot a + a$，
# 乘积通过两个因子各贡献一次：
#
# $$
# \frac{dy}{da} = a + a + 1 = 2a + 1 = 7
# $$

# %%
a = Value(3.0)
y = a * a + a                                  # dy/da = 2a + 1 = 7: two paths add up
y.backward()
assert a.grad == 7.0
w = torch.tensor(3.0, requires_grad=True)
for _ in range(2):
    (w * w + w).backward()
assert w.grad.item() == 14.0                   # 7 + 7: the second backward accumulated
print(f"one backward: dy/da = {a.grad}; two backwards without zero_grad: {w.grad.item()}")

# %% [markdown]
# ## 5. BatchNorm in train vs eval (Day 11)
# Training normalizes with the batch's own statistics and nudges the running estimates
# (momentum 0.1); eval uses the running estimates and changes nothing. After one training
# step from $\mathrm{running\_mean} = 0$:
#
# $$
# \mathrm{running\_mean} = 0.9 \cdot 0 + 0.1 \cdot \mu_B = 0.1\, \mu_B
# $$

# %% [markdown] lang="zh"
# ## 5. train 与 eval 模式下的 BatchNorm（第 11 天）
# 训练时用批次自身的统计量做归一化，并把滑动估计值轻推一下（momentum 0.1）；eval 时使用
# 滑动估计值，并且什么都不改变。从 $\mathrm{running\_mean} = 0$ 出发训练一步之后：
#
# $$
# \mathrm{running\_mean} = 0.9 \cdot 0 + 0.1 \cdot \mu_B = 0.1\, \mu_B
# $$

# %%
bn = nn.BatchNorm1d(3)
xb = torch.randn(16, 3) * 2 + 5                # (B, C): mean ≈ 5
out = bn(xb)                                   # train mode
assert torch.allclose(out.mean(0), torch.zeros(3), atol=1e-5)
assert torch.allclose(bn.running_mean, 0.1 * xb.mean(0), atol=1e-6)
bn.eval()
frozen = bn.running_mean.clone()
out_eval = bn(xb)
assert torch.equal(bn.running_mean, frozen) and out_eval.mean() > 1.0  # not re-centred
ref = torch.nn.BatchNorm1d(3)
ref.load_state_dict(bn.state_dict())
assert torch.allclose(ref.eval()(xb), out_eval, atol=1e-6)
print(f"train output mean {out.mean():.2e}; eval output mean {out_eval.mean():.2f} "
      "(running stats after one step are still far from the data)")

# %% [markdown]
# ## 6. The causal mask (Day 23)
# Position t may look at positions ≤ t only, so changing a later token leaves every earlier
# output exactly as it was. With head size $D$ (Vaswani et al., 2017, *Attention Is All You
# Need*):
#
# $$
# \mathrm{Attn}(Q, K, V) = \mathrm{softmax}\Bigl(\frac{Q K^\top}{\sqrt{D}} + M\Bigr) V,
# \qquad
# M_{ts} = \begin{cases} 0, & s \le t \\ -\infty, & s > t \end{cases}
# $$

# %% [markdown] lang="zh"
# ## 6. 因果掩码（第 23 天）
# 位置 t 只能看位置 ≤ t 的内容，所以改动后面的词元时，前面的每个输出都保持原样。设每个头的
# 维度为 $D$（Vaswani et al., 2017, *Attention Is All You Need*）：
#
# $$
# \mathrm{Attn}(Q, K, V) = \mathrm{softmax}\Bigl(\frac{Q K^\top}{\sqrt{D}} + M\Bigr) V,
# \qquad
# M_{ts} = \begin{cases} 0, & s \le t \\ -\infty, & s > t \end{cases}
# $$

# %%
mask = F.causal_mask(4)
assert mask.int().tolist() == [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
q, k, val = (torch.randn(1, 2, 5, 4) for _ in range(3))  # (B, H, T, D)
o1 = F.scaled_dot_product_attention(q, k, val, is_causal=True)
assert torch.allclose(o1, torch.nn.functional.scaled_dot_product_attention(
    q, k, val, is_causal=True), atol=1e-6)
k2, v2 = k.clone(), val.clone()
k2[..., 4, :] += 10.0
v2[..., 4, :] -= 10.0                          # change only the last position
o2 = F.scaled_dot_product_attention(q, k2, v2, is_causal=True)
assert torch.equal(o1[..., :4, :], o2[..., :4, :]) and not torch.equal(o1[..., 4, :], o2[..., 4, :])
print("causal attention: positions 0-3 unchanged when position 4 changes")

# %% [markdown]
# ## 7. The KV cache changes the work, not the numbers (Days 25–27)
# Feeding a tiny GPT one token at a time with a cache gives the same logits as one full pass.
# The cache holds one key and one value vector of width $C$ per token, layer and sequence, in
# float32 (4 bytes):
#
# $$
# \texttt{cache.bytes()} = B \cdot T \cdot (2 \cdot L \cdot C \cdot 4)
# $$

# %% [markdown] lang="zh"
# ## 7. KV 缓存改变的是计算量，不是结果（第 25–27 天）
# 给一个小 GPT 带着缓存逐个词元地输入，得到的 logits 与一次完整前向传播相同。对每个序列、每个
# 词元、每一层，缓存都存一个宽度为 $C$ 的键向量和一个值向量，类型为 float32（4 字节）：
#
# $$
# \texttt{cache.bytes()} = B \cdot T \cdot (2 \cdot L \cdot C \cdot 4)
# $$

# %%
cfg = GPTConfig(vocab_size=17, block_size=16, n_layer=2, n_head=2, n_embd=16)
gpt = GPT(cfg).eval()
idx = torch.randint(0, cfg.vocab_size, (2, 10))          # (B, T)
with torch.no_grad():
    full, _ = gpt(idx)                                   # (B, T, V)
    cache = KVCache()
    steps = [gpt(idx[:, :3], cache=cache)[0]]            # prefill: (B, 3, V)
    steps += [gpt(idx[:, t:t + 1], cache=cache)[0] for t in range(3, 10)]  # (B, 1, V) each
stepwise = torch.cat(steps, dim=1)                       # (B, T, V)
assert cache.length == 10 and torch.allclose(stepwise, full, atol=1e-5)
assert cache.bytes() == 2 * 10 * (2 * cfg.n_layer * cfg.n_embd * 4)  # B·T·(2·L·C·4 bytes)
print(f"cached decoding = full pass (max diff {(stepwise - full).abs().max():.1e}); "
      f"cache {cache.bytes():,} bytes")
print("Course complete. Keep docs/debug_checklist.md close — `dlfs list` shows every lesson.")
