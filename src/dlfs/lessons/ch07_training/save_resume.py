# %% [markdown]
# # Day 13 · Saving, loading and resuming training — 模型保存、加载与断点续训
#
# **Library files:** `src/dlfs/train/checkpoint.py` (atomic, checksummed files),
# `src/dlfs/train/rng.py` (RNG states as plain data), `src/dlfs/train/loop.py` (`fit`,
# resume), `src/dlfs/train/resume.py` (picking the newest good checkpoint).
#
# Three questions:
# 1. What do I save? `model.state_dict()` (names → tensors), not the whole model object.
# 2. Why does `torch.load` refuse some files? Since torch 2.6 it loads with
#    `weights_only=True` by default: only tensors and plain containers, never arbitrary
#    Python objects (unpickling can run code).
# 3. What must a checkpoint hold so that a resumed run is *exactly* the run that was
#    interrupted? Model, optimizer, scheduler, step counters, RNG states and data position.

# %% [markdown] lang="zh"
# # 第 13 天 · 模型保存、加载与断点续训
#
# **库文件：** `src/dlfs/train/checkpoint.py`（原子写入、带校验和的文件）、
# `src/dlfs/train/rng.py`（把随机数生成器（RNG）状态存成普通数据）、`src/dlfs/train/loop.py`
# （`fit`，续训）、`src/dlfs/train/resume.py`（挑选最新的完好检查点）。
#
# 三个问题：
# 1. 我该保存什么？`model.state_dict()`（名字 → 张量），而不是整个模型对象。
# 2. 为什么 `torch.load` 会拒绝加载某些文件？从 torch 2.6 起，它默认以 `weights_only=True` 加载：
#    只接受张量和普通容器，绝不接受任意 Python 对象（反序列化 unpickle 可能执行代码）。
# 3. 检查点里必须有什么，续训的运行才能与被中断的那次运行*完全*相同？模型、优化器、学习率调度器、
#    步数计数器、RNG 状态，以及数据读到的位置。

# %%
import pickle
import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlfs.curriculum import lesson_context
from dlfs.train import CheckpointWarning, capture_rng_state, fit, load_checkpoint

ctx = lesson_context("save-load-resume")
torch.manual_seed(0)


def refusal_reason(exc: Exception) -> str:
    """The informative line of a weights_only refusal (which global it would not load)."""
    lines = [ln for ln in str(exc).splitlines() if "Unsupported global" in ln]
    return (lines[0] if lines else str(exc).splitlines()[0]).strip()[:120]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 1))

    def forward(self, x):  # (B, 4) -> (B, 1)
        return self.body(x)


# %% [markdown]
# ## 1. `state_dict`: an ordered dict of names → tensors
# Parameters and buffers, keyed by their attribute path. Saving it and loading it into a
# freshly built model of the same class restores the function exactly.

# %% [markdown] lang="zh"
# ## 1. `state_dict`：名字 → 张量的有序字典
# 参数和缓冲区（buffer），以它们的属性路径为键。把它保存下来，再加载进一个新建的同类模型，就能
# 精确地还原同一个函数。

# %%
model = Net()
for name, t in model.state_dict().items():
    print(f"{name:14s} {tuple(t.shape)}")
path = ctx.path("net_state.pt")
torch.save(model.state_dict(), path)
fresh = Net()
fresh.load_state_dict(torch.load(path, weights_only=True))
x = torch.randn(5, 4)
model.eval(), fresh.eval()
assert torch.equal(model(x), fresh(x))
print("state_dict round trip: identical outputs")

# %% [markdown]
# ## 2. The whole-model pitfall: `torch.save(model)` pickles the object
# The file then names the class by its import path (here `__main__.Net` or the lesson
# module). Loading needs that class importable under the same name, and with the default
# `weights_only=True` it is refused outright.

# %% [markdown] lang="zh"
# ## 2. 保存整个模型的陷阱：`torch.save(model)` 会 pickle 这个对象
# 文件里于是按导入路径记下类名（这里是 `__main__.Net` 或本课的模块）。加载时需要这个类能以同样
# 的名字导入，而在默认的 `weights_only=True` 下，加载会被直接拒绝。

# %%
whole = ctx.path("net_whole.pt")
torch.save(model, whole)
try:
    torch.load(whole)  # weights_only=True is the default
    raise AssertionError("expected weights_only to refuse a pickled module")
except pickle.UnpicklingError as exc:
    print("torch.load(whole model) fails:", refusal_reason(exc))
    assert "Unsupported global" in str(exc)
# the fix: save the state_dict (section 1). Only for a file you made yourself:
trusted = torch.load(whole, weights_only=False)
assert torch.equal(trusted(x), model(x))
print("weights_only=False works, but only load files you trust: unpickling can run code")

# %% [markdown]
# ## 3. The same pitfall inside a checkpoint dict
# `np.random.get_state()` returns a NumPy array inside a tuple: `weights_only` refuses it.
# The fix is to store plain data (tensors, ints, lists) — `capture_rng_state()` does that
# for Python's `random`, NumPy and torch.

# %% [markdown] lang="zh"
# ## 3. 检查点字典里的同一个陷阱
# `np.random.get_state()` 返回的元组里有一个 NumPy 数组：`weights_only` 会拒绝它。修复办法是只存
# 普通数据（张量、整数、列表）——`capture_rng_state()` 就是这样为 Python 的 `random`、NumPy 和
# torch 保存状态的。

# %%
bad = ctx.path("bad_ckpt.pt")
torch.save({"model": model.state_dict(), "numpy_rng": np.random.get_state()}, bad)
try:
    torch.load(bad, weights_only=True)
    raise AssertionError("expected a refusal")
except pickle.UnpicklingError as exc:
    print("numpy state refused:", refusal_reason(exc))
    assert "numpy" in refusal_reason(exc)
good = ctx.path("good_ckpt.pt")
torch.save({"model": model.state_dict(), "rng": capture_rng_state()}, good)
state = torch.load(good, weights_only=True)
print("plain-data RNG state loads fine; numpy keys:", tuple(state["rng"]["numpy"]["keys"].shape))

# %% [markdown]
# ## 4. Exact resume with `fit`
# A run of 3 epochs (10 in full mode), and a second run stopped after 7 steps (mid-epoch)
# then resumed from its checkpoint. The model has dropout and the loader shuffles, so both
# depend on RNG states; the optimizer is Adam (its moments are state too) with a cosine
# schedule. Dropout draws a fresh mask $m_i \sim \mathrm{Bernoulli}(1 - p)$ at every training
# step and rescales what it keeps, $y_i = \frac{m_i \, x_i}{1 - p}$ (here $p = 0.1$); the
# schedule's learning rate, with $\eta_0 = 10^{-2}$, $\eta_{\min} = 0$ and $T_{\max} = 100$,
#
# $$
# \eta_t = \eta_{\min} + \frac{1}{2} (\eta_0 - \eta_{\min})
# \Big( 1 + \cos \frac{\pi t}{T_{\max}} \Big),
# $$
#
# and Adam's bias corrections $1 - \beta_1^t$, $1 - \beta_2^t$ depend on the step count $t$:
# all of it must be in the checkpoint.

# %% [markdown] lang="zh"
# ## 4. 用 `fit` 精确续训
# 一次训练跑 3 个 epoch（完整模式下 10 个）；另一次在 7 步之后（epoch 中途）停下，再从它的
# 检查点续训。模型里有 dropout，数据加载器会打乱顺序，所以两者都依赖 RNG 状态；优化器是 Adam
# （它的矩估计也是状态），配合余弦学习率调度。dropout 在每个训练步都抽一个新的掩码
# $m_i \sim \mathrm{Bernoulli}(1 - p)$，并放大保留下来的值，$y_i = \frac{m_i \, x_i}{1 - p}$
# （这里 $p = 0.1$）；调度器给出的学习率（取 $\eta_0 = 10^{-2}$、$\eta_{\min} = 0$、
# $T_{\max} = 100$）
#
# $$
# \eta_t = \eta_{\min} + \frac{1}{2} (\eta_0 - \eta_{\min})
# \Big( 1 + \cos \frac{\pi t}{T_{\max}} \Big),
# $$
#
# 以及 Adam 的偏差修正 $1 - \beta_1^t$、$1 - \beta_2^t$，都取决于步数 $t$：这些全都必须存进
# 检查点。

# %%
g = torch.Generator().manual_seed(0)
X = torch.randn(96 if ctx.quick else 960, 4, generator=g)
Y = X @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.1 * torch.randn(len(X), 1, generator=g)
epochs = 3 if ctx.quick else 10


def run(ckpt_dir=None, **options):
    torch.manual_seed(0)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    loader = DataLoader(TensorDataset(X, Y), batch_size=16, shuffle=True,
                        generator=torch.Generator())
    hist = fit(net, loader, loss_fn=nn.functional.mse_loss, optimizer=opt, scheduler=sched,
               epochs=epochs, checkpoint_dir=ckpt_dir, checkpoint_every=2, device="cpu",
               **options)
    return net, hist


full, full_hist = run()
ckpt_dir = ctx.path("ckpt")
for old in ckpt_dir.glob("*.pt") if ckpt_dir.exists() else []:
    old.unlink()
_, part = run(ckpt_dir, max_steps=7)
print("stopped after", len(part.step_loss), "steps; files:", sorted(p.name for p in ckpt_dir.iterdir()))
payload = load_checkpoint(ckpt_dir / "step-00000007.pt")
print("checkpoint holds:", sorted(payload))
print(f"position: epoch {payload['trainer']['epoch']}, "
      f"{payload['trainer']['batch_in_epoch']} batch(es) into it, step {payload['trainer']['step']}")
resumed, hist = run(ckpt_dir, resume=True)
print(hist.events[-1])
same = all(torch.equal(a, b) for a, b in zip(full.state_dict().values(),
                                              resumed.state_dict().values()))
assert same and hist.step_loss == full_hist.step_loss
print("resumed run == uninterrupted run, bitwise:", same)

# %% [markdown]
# ## 5. The naive resume: reload the weights only
# Keep the model's weights, but start a new optimizer, a new schedule and fresh RNG states:
# Adam's moments restart at zero, the learning rate restarts, the data order and dropout
# masks change. The result is a *different* run.

# %% [markdown] lang="zh"
# ## 5. 天真的续训：只重新加载权重
# 保留模型权重，但新建优化器、新建调度器、使用新的 RNG 状态：Adam 的矩估计从零重新开始，学习率
# 从头开始，数据顺序和 dropout 掩码也都变了。结果是一次*不同的*训练。

# %%
torch.manual_seed(0)
naive = Net()
naive.load_state_dict(payload["model"])
opt = torch.optim.Adam(naive.parameters(), lr=1e-2)
loader = DataLoader(TensorDataset(X, Y), batch_size=16, shuffle=True)
fit(naive, loader, loss_fn=nn.functional.mse_loss, optimizer=opt,
    max_steps=len(full_hist.step_loss) - 7, device="cpu", seed=1)
gap = max((a - b).abs().max().item() for a, b in zip(full.state_dict().values(),
                                                      naive.state_dict().values()))
print(f"weights-only resume differs from the real run by up to {gap:.2e}")
assert gap > 0

# %% [markdown]
# ## 6. A damaged checkpoint is detected and skipped
# Files are written to a temp file, fsync'ed and renamed, so a crash never leaves half a
# file under the real name — but disks and copies can still damage one. Each file carries a
# SHA-256 of its content; a resume skips a bad file with a warning and takes the previous.

# %% [markdown] lang="zh"
# ## 6. 发现并跳过损坏的检查点
# 文件先写入一个临时文件，fsync 后再重命名，所以崩溃永远不会在正式文件名下留下半个文件——但磁盘和
# 复制过程仍可能损坏文件。每个文件都带有其内容的 SHA-256；续训时会跳过损坏的文件并发出警告，改用
# 前一个检查点。

# %%
newest = sorted(ckpt_dir.glob("step-*.pt"))[-1]
newest.write_bytes(newest.read_bytes()[:-100])  # simulate a truncated copy
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    _, again = run(ckpt_dir, resume=True)
messages = [str(w.message) for w in caught if issubclass(w.category, CheckpointWarning)]
print("warning:", messages[0][:120])
assert messages and newest.name in messages[0]
print(again.events[-1])

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(full_hist.step_loss, label="uninterrupted", lw=3, alpha=0.5)
ax.plot(range(7, len(hist.step_loss)), hist.step_loss[7:], "--", label="resumed at step 7")
ax.axvline(7, color="gray", lw=0.8)
ax.set(xlabel="step", ylabel="train loss", yscale="log", title="resume continues the same run")
ax.legend()
ctx.savefig(fig, "resume_loss.png")
