# %% [markdown]
# # Day 21 · Review: the debug checklist, item by item — 复盘：完善 debug_checklist.md
#
# **Library files:** `src/dlfs/playground/` (`inspect`, `model_summary`, `seed_everything`,
# `get_device`), `src/dlfs/nn/` (the layers and losses the failures go through),
# `src/dlfs/train/` (`fit`, `NaNGuard`, `find_max_batch_size`), `src/dlfs/data/` (`DataLoader`).
# **Document:** `docs/debug_checklist.md` (中文: `docs/debug_checklist.zh-CN.md`).
#
# Twelve items, each run as three steps: **symptom** (cause the failure on purpose and read
# the message), **confirm** (one probe with the library's tools that tells you this is the
# item), **fix** (change one thing and assert it works). The checklist document gives the
# long version and the lesson behind each item; this is the drill you can rerun in seconds.

# %% [markdown] lang="zh"
# # 第 21 天 · 复盘：逐条过一遍调试清单，完善 debug_checklist.md
#
# **库文件：** `src/dlfs/playground/`（`inspect`、`model_summary`、`seed_everything`、
# `get_device`）、`src/dlfs/nn/`（出错时经过的各个层和损失函数）、`src/dlfs/train/`（`fit`、
# `NaNGuard`、`find_max_batch_size`）、`src/dlfs/data/`（`DataLoader`）。
# **文档：** `docs/debug_checklist.md`（中文: `docs/debug_checklist.zh-CN.md`）。
#
# 一共十二条，每条都分三步：**症状**（故意制造这个故障，读一读错误信息）、**确认**（用库里的
# 工具做一次探查，确定就是这一条）、**修复**（只改一处，并断言它已经好了）。清单文档给出详细
# 版本以及每一条背后的那一课；这里则是几秒钟就能重跑一遍的演练。

# %%
import math

import numpy as np
import torch

import dlfs.nn as nn
import dlfs.nn.functional as F
from dlfs.curriculum import lesson_context
from dlfs.data import DataLoader, DataLoaderWorkerError, Dataset
from dlfs.playground import get_device, inspect, model_summary, seed_everything
from dlfs.train import NaNGuard, NonFiniteError, find_max_batch_size, fit, step_memory_bytes

ctx = lesson_context("debug-checklist-review")
seed_everything(0)
THREADS = torch.get_num_threads()
torch.set_num_threads(1)  # tiny tensors: a second thread only adds overhead


def failure(fn, *expected: type[BaseException]) -> str:
    """Run ``fn``, which must raise one of ``expected``; return (and print) the message."""
    try:
        fn()
    except expected as err:
        first = str(err).splitlines()[0]
        print(f"  symptom: {type(err).__name__}: {first[:110]}")
        return str(err)
    raise AssertionError(f"expected {expected} from {fn}")


# %% [markdown]
# ## 1. Shape mismatch
# `Linear` acts on the **last** dimension; `Conv1d` wants `(B, C, T)`. A `(B, C, T)` tensor fed
# to a Linear that expects `C` features fails with the matmul shapes in the message: the layer
# computes $y = x W^\top + b$ with $W$ of shape `(5, C)`, so the last dimension of $x$ must be `C`.

# %% [markdown] lang="zh"
# ## 1. 形状不匹配
# `Linear` 作用在**最后**一维上；`Conv1d` 要的是 `(B, C, T)`。把 `(B, C, T)` 的张量喂给期望 `C`
# 个特征的 Linear，会报错，错误信息里写着矩阵乘法的两个形状：这个层计算 $y = x W^\top + b$，
# $W$ 的形状是 `(5, C)`，所以 $x$ 的最后一维必须是 `C`。

# %%
B, T, C = 4, 10, 8
x = torch.randn(B, C, T)                                   # (B, C, T): conv layout
head = nn.Linear(C, 5)
msg = failure(lambda: head(x), RuntimeError)
assert "mat1 and mat2 shapes cannot be multiplied (32x10 and 8x5)" in msg
assert inspect(x, "x", show=False)["shape"][-1] == T != C  # confirm: the last dim is T
assert head(x.transpose(1, 2)).shape == (B, T, 5)          # fix: (B, C, T) -> (B, T, C)

pred, target = torch.randn(B, 1), torch.randn(B)           # silent: (B, 1) - (B,) is (B, B)
assert (pred - target).shape == (B, B)
assert (pred.squeeze(-1) - target).shape == (B,)           # fix: equal shapes before the loss

xt = torch.arange(24.0).view(2, 3, 4).transpose(1, 2)      # (2, 4, 3), not contiguous
failure(lambda: xt.view(2, 12), RuntimeError)
assert not inspect(xt, show=False)["contiguous"]           # confirm
assert torch.equal(xt.contiguous().view(2, 12), xt.reshape(2, 12))  # fix

# %% [markdown]
# ## 2. dtype mismatch
# NumPy floats are float64, parameters float32; class targets must be int64. `dlfs`'s own
# `cross_entropy` says so in words.

# %% [markdown] lang="zh"
# ## 2. dtype 不匹配
# NumPy 的浮点数是 float64，参数是 float32；类别目标必须是 int64。`dlfs` 自己的
# `cross_entropy` 会用文字把这一点讲清楚。

# %%
features = np.random.default_rng(0).normal(size=(5, 3))
lin = nn.Linear(3, 2)
msg = failure(lambda: lin(torch.from_numpy(features)), RuntimeError)
assert "must have the same dtype, but got Double and Float" in msg
assert inspect(torch.from_numpy(features), show=False)["dtype"] == "float64"   # confirm
assert inspect(lin, show=False)["dtypes"] == ["float32"]
assert lin(torch.as_tensor(features, dtype=torch.float32)).dtype == torch.float32  # fix

logits, labels = torch.randn(5, 3), torch.tensor([0.0, 2.0, 1.0, 1.0, 0.0])
msg = failure(lambda: F.cross_entropy(logits, labels), ValueError)
assert "int64" in msg and "target.long()" in msg      # (in the learner's language)
assert inspect(labels, show=False)["dtype"] == "float32"  # confirm
loss = F.cross_entropy(logits, labels.long())             # fix, equal to torch's loss
assert torch.allclose(loss, torch.nn.functional.cross_entropy(logits, labels.long()))

# %% [markdown]
# ## 3. Device mismatch
# One operation, tensors on two devices. A CPU-only machine has a second "device" to show
# it: `meta` (shapes, no data). On a GPU the message reads "Expected all tensors to be on the
# same device"; the confirm step and the fix are the same.

# %% [markdown] lang="zh"
# ## 3. 设备不匹配
# 一次运算，张量却在两个设备上。只有 CPU 的机器可以用第二个“设备” `meta`（只有形状，没有
# 数据）来演示。在 GPU 上，错误信息是 "Expected all tensors to be on the same device"；确认
# 步骤和修复方法都一样。

# %%
lin = nn.Linear(3, 2)
msg = failure(lambda: lin(torch.randn(5, 3, device="meta")), RuntimeError)
assert "is not on the expected device meta" in msg
assert inspect(lin, show=False)["devices"] == ["cpu"]     # confirm: model here, input there
device = get_device()                                     # cuda > mps > cpu
lin = lin.to(device)
assert lin(torch.randn(5, 3).to(device)).device.type == device.type   # fix: one device

# %% [markdown]
# ## 4. Loss not decreasing
# No error, a flat loss. A classic cause: the optimizer holds the parameters of *another*
# model instance (built before a re-initialization). Confirm by overfitting one batch.

# %% [markdown] lang="zh"
# ## 4. 损失不下降
# 没有报错，只是损失一动不动。一个经典原因：优化器持有的是*另一个*模型实例的参数（在重新初始化
# 之前构造的）。通过对单个批次过拟合来确认。

# %%
data = [(torch.randn(16, 20), torch.randint(0, 3, (16,)))]      # one batch, 20 features
old, model = nn.Linear(20, 3), nn.Linear(20, 3)
opt = torch.optim.SGD(old.parameters(), lr=0.5)           # BUG: built for `old`
hist = fit(model, data, loss_fn=F.cross_entropy, optimizer=opt, epochs=20, device="cpu")
print(f"  symptom: loss {hist.step_loss[0]:.3f} -> {hist.step_loss[-1]:.3f}")
assert hist.step_loss[-1] == hist.step_loss[0]
held = {id(p) for group in opt.param_groups for p in group["params"]}
assert held.isdisjoint(id(p) for p in model.parameters())  # confirm
opt = torch.optim.SGD(model.parameters(), lr=0.5)         # fix
hist = fit(model, data, loss_fn=F.cross_entropy, optimizer=opt, epochs=20, device="cpu")
assert hist.step_loss[-1] < 0.5 * hist.step_loss[0]       # one batch: must overfit

# %% [markdown]
# ## 5. NaN / loss explosion
# `log(softmax(z))` underflows: a probability of exactly 0 gives `log(0) = -inf`. The guard
# stops the run and names the module; `log_softmax` computes the same thing stably, with
# $m = \max_j z_j$:
#
# $$
# \log \mathrm{softmax}(z)_i = (z_i - m) - \log \sum_j e^{z_j - m}
# $$
#
# For `z = [0, 200]`, $\mathrm{softmax}(z)_0 = e^{-200}$ rounds to 0 in float32, while
# $\log \mathrm{softmax}(z)_0 = -200 - \log(1 + e^{-200}) \approx -200$ stays finite.

# %% [markdown] lang="zh"
# ## 5. NaN / 损失爆炸
# `log(softmax(z))` 会下溢：概率恰好为 0 时得到 `log(0) = -inf`。NaN 守卫会停止运行并指出是哪个
# 模块；`log_softmax` 以稳定的方式计算同一个量，其中 $m = \max_j z_j$：
#
# $$
# \log \mathrm{softmax}(z)_i = (z_i - m) - \log \sum_j e^{z_j - m}
# $$
#
# 对 `z = [0, 200]`，$\mathrm{softmax}(z)_0 = e^{-200}$ 在 float32 中舍入为 0，而
# $\log \mathrm{softmax}(z)_0 = -200 - \log(1 + e^{-200}) \approx -200$ 仍是有限值。

# %%
class LogProbs(nn.Module):
    def __init__(self, stable: bool):
        super().__init__()
        self.stable = stable

    def forward(self, z):                                  # (B, V) -> (B, V)
        return F.log_softmax(z, dim=-1) if self.stable else F.softmax(z, dim=-1).log()


def nll_run(stable: bool):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(20, 3), LogProbs(stable))
    with torch.no_grad():
        net[0].weight.mul_(100)                            # confident logits, far apart
    return fit(net, data, loss_fn=F.nll_loss, optimizer=torch.optim.SGD(net.parameters(), lr=0.01),
               epochs=2, device="cpu", callbacks=[NaNGuard()])


msg = failure(lambda: nll_run(stable=False), NonFiniteError)
assert "'1' (LogProbs)" in msg
z = torch.tensor([[0.0, 200.0]])
assert inspect(F.softmax(z, dim=-1), show=False)["min"] == 0.0   # confirm: an exact 0
hist = nll_run(stable=True)                                      # fix: log_softmax
assert all(math.isfinite(v) for v in hist.step_loss)
assert torch.allclose(F.log_softmax(z, -1), torch.log_softmax(z, -1))

# %% [markdown]
# ## 6. Out of memory
# A CPU does not raise CUDA's OOM, so the budget is set by hand: measure the bytes of one
# training step per batch size and take the largest that fits; accumulate for a larger one.

# %% [markdown] lang="zh"
# ## 6. 内存不足
# CPU 不会抛出 CUDA 那样的 OOM，所以这里手工设定预算：测量每种批量大小下一个训练步所需的字节
# 数，取放得下的最大批量；想要更大的批量就用梯度累积。

# %%
mlp = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))


def make_batch(b: int):
    return torch.randn(b, 64), torch.randint(0, 10, (b,))


budget = 200_000
bytes_64 = step_memory_bytes(mlp, make_batch(64), F.cross_entropy)
print(f"  symptom: batch 64 needs {bytes_64:,} bytes > budget {budget:,}")
assert bytes_64 > budget
found = find_max_batch_size(mlp, make_batch, budget, loss_fn=F.cross_entropy, max_batch_size=64)
print(f"  confirm: largest batch within budget = {found.batch_size} ({found.bytes_used:,} bytes)")
assert found.bytes_used <= budget < found.trials.get(found.batch_size + 1, bytes_64)
assert found.batch_size < 64 and bytes_64 > found.bytes_used  # fix: smaller B (+ grad_accum)

# %% [markdown]
# ## 7. train/eval mode forgotten
# BatchNorm in training mode needs more than one value per channel; at inference one sample
# at a time fails — and in training mode it would also move the running statistics.

# %% [markdown] lang="zh"
# ## 7. 忘了切换 train/eval 模式
# 训练模式下的 BatchNorm 要求每个通道不止一个值；推理时一次送一个样本就会失败——而且在训练
# 模式下，它还会改动滑动统计量。

# %%
net = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.Dropout(0.5))
msg = failure(lambda: net(torch.randn(1, 4)), ValueError)
assert "Expected more than 1 value per channel when training" in msg
assert inspect(net, show=False)["training"] is True        # confirm
net.eval()                                                  # fix
before = net[1].running_mean.clone()
one = torch.randn(1, 4)
assert torch.equal(net(one), net(one))                      # deterministic: dropout is off
assert torch.equal(net[1].running_mean, before)             # and statistics are untouched

# %% [markdown]
# ## 8. zero_grad forgotten
# `backward()` adds into `.grad`. Two backwards of the same loss give twice the gradient:
# each call does $\texttt{p.grad} \leftarrow \texttt{p.grad} + \partial L / \partial p$.

# %% [markdown] lang="zh"
# ## 8. 忘了 zero_grad
# `backward()` 是把梯度加进 `.grad`。对同一个损失做两次反向传播，得到两倍的梯度：每次调用都执行
# $\texttt{p.grad} \leftarrow \texttt{p.grad} + \partial L / \partial p$。

# %%
lin = nn.Linear(3, 1)
xb = torch.randn(8, 3)
lin(xb).pow(2).mean().backward()
g1 = lin.weight.grad.clone()
lin(xb).pow(2).mean().backward()                            # BUG: no zero_grad in between
assert torch.allclose(lin.weight.grad, 2 * g1)              # confirm: it doubled
lin.zero_grad()                                             # fix (set_to_none=True)
assert inspect(lin, show=False)["children"]["weight"]["grad"] is None
lin(xb).pow(2).mean().backward()
assert torch.allclose(lin.weight.grad, g1)

# %% [markdown]
# ## 9. In-place op breaks autograd
# `exp` saves its output for the backward; an in-place `+=` on that output changes it. The
# backward of $h = e^{w}$ is $\partial L / \partial w = \partial L / \partial h \cdot h$: it
# needs the saved $h$ unchanged.

# %% [markdown] lang="zh"
# ## 9. 原地操作破坏自动求导
# `exp` 会为反向传播保存自己的输出；对这个输出做原地 `+=` 就改掉了它。$h = e^{w}$ 的反向传播是
# $\partial L / \partial w = \partial L / \partial h \cdot h$：它需要保存下来的 $h$ 保持不变。

# %%
w = torch.randn(3, requires_grad=True)


def inplace_backward():
    h = w.exp()
    h += 1                                                  # BUG: in place on a saved tensor
    h.sum().backward()


msg = failure(inplace_backward, RuntimeError)
assert "modified by an inplace operation" in msg
h = w.exp()
version = h._version
h += 1
assert h._version == version + 1                            # confirm: the version counter moved
h = w.exp() + 1                                             # fix: out of place
h.sum().backward()
assert torch.allclose(w.grad, w.exp().detach())

# %% [markdown]
# ## 10. Graph cut by `.detach()` / `.item()`
# A loss rebuilt from a Python float has no `grad_fn`: nothing to differentiate.

# %% [markdown] lang="zh"
# ## 10. 计算图被 `.detach()` / `.item()` 切断
# 由 Python 浮点数重新构造出来的损失没有 `grad_fn`：没有东西可以求导。

# %%
lin = nn.Linear(3, 1)
xb, yb = torch.randn(8, 3), torch.randn(8, 1)
cut = torch.tensor(F.mse_loss(lin(xb), yb).item())         # BUG: via a float
msg = failure(lambda: cut.backward(), RuntimeError)
assert "does not require grad and does not have a grad_fn" in msg
assert inspect(cut, show=False)["grad_fn"] is None          # confirm
loss = F.mse_loss(lin(xb), yb)                              # fix: keep the tensor
assert inspect(loss, show=False)["grad_fn"] is not None
loss.backward()
assert lin.weight.grad is not None

# %% [markdown]
# ## 11. Non-scalar loss
# `reduction="none"` keeps one loss per sample; `backward()` needs a scalar, e.g. the mean
# $L = \frac{1}{B} \sum_{i=1}^{B} \ell_i$.

# %% [markdown] lang="zh"
# ## 11. 损失不是标量
# `reduction="none"` 为每个样本保留一个损失；`backward()` 需要一个标量，例如取平均
# $L = \frac{1}{B} \sum_{i=1}^{B} \ell_i$。

# %%
z = torch.randn(4, 3, requires_grad=True)
per_sample = F.cross_entropy(z, torch.tensor([0, 1, 2, 1]), reduction="none")   # (B,)
msg = failure(lambda: per_sample.backward(), RuntimeError)
assert "grad can be implicitly created only for scalar outputs" in msg
assert inspect(per_sample, show=False)["shape"] == (4,)     # confirm
per_sample.mean().backward()                                # fix: reduce to shape ()
assert z.grad.shape == (4, 3)

# %% [markdown]
# ## 12. DataLoader worker errors
# A sample that raises inside a worker comes back wrapped with the worker's traceback; with
# `num_workers=0` the plain error appears in your own process. Samples of different lengths
# need a `collate_fn` that pads.

# %% [markdown] lang="zh"
# ## 12. DataLoader 工作进程报错
# 在工作进程里抛出异常的样本，会连同该工作进程的调用栈一起被包装后传回来；设置
# `num_workers=0` 时，原始错误直接出现在你自己的进程里。长度不同的样本需要一个负责填充的
# `collate_fn`。

# %%
class Records(Dataset):
    def __init__(self, rows):
        self.rows = rows

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        if self.rows[i] is None:
            raise ValueError(f"record {i} is empty")
        return torch.tensor(self.rows[i], dtype=torch.float32)   # (T_i,)


broken = Records([[1.0, 2.0], [3.0, 4.0], None, [5.0, 6.0]])
msg = failure(lambda: list(DataLoader(broken, batch_size=2, num_workers=1)), DataLoaderWorkerError)
assert "record 2 is empty" in msg and any(s in msg for s in ("index 2", "第 2 项"))  # names it
assert failure(lambda: list(DataLoader(broken, batch_size=2)), ValueError) == "record 2 is empty"
clean = Records([r for r in broken.rows if r is not None])  # fix the data (or skip it)
assert [tuple(b.shape) for b in DataLoader(clean, batch_size=2, num_workers=1)] == [(2, 2), (1, 2)]

ragged = Records([[1.0, 2.0, 3.0], [4.0, 5.0], [6.0]])     # (T_i,): one length per sample
msg = failure(lambda: list(DataLoader(ragged, batch_size=3)), RuntimeError)
assert "cannot stack tensors of different shapes" in msg   # confirm: lengths 3, 2, 1


def pad_collate(batch):
    """Samples (T_i,) -> (B, T_max) padded with 0, plus the lengths (B,)."""
    lengths = torch.tensor([len(s) for s in batch])
    out = torch.zeros(len(batch), int(lengths.max()))
    for i, s in enumerate(batch):
        out[i, :len(s)] = s
    return out, lengths


tokens, lengths = next(iter(DataLoader(ragged, batch_size=3, collate_fn=pad_collate)))  # fix
assert tokens.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 0.0], [6.0, 0.0, 0.0]]
assert lengths.tolist() == [3, 2, 1]

# %% [markdown]
# ## Before you debug: the toolbox in one cell
# `model_summary` prints every layer's output shape: the first place to look for items 1, 6, 7.

# %% [markdown] lang="zh"
# ## 调试之前：一个单元格里的工具箱
# `model_summary` 打印每一层的输出形状：排查第 1、6、7 条时首先要看的地方。

# %%
cnn = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(256, 10))
summary = model_summary(cnn, torch.randn(2, 3, 8, 8), show=True)
assert [row.output_shape for row in summary.rows] == [(2, 4, 8, 8), (2, 4, 8, 8), (2, 256), (2, 10)]
print("all 12 checklist items: symptom seen, confirmed, fixed — details in docs/debug_checklist.md")
torch.set_num_threads(THREADS)
