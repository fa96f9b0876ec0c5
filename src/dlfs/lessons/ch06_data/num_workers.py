# %% [markdown]
# # Day 18 · DataLoader speed-up with num_workers — DataLoader 加速
#
# **Library files:** `src/dlfs/data/loader.py` (the DataLoader and its epoch plan),
# `src/dlfs/data/_pool.py` (worker processes, in-order reassembly),
# `src/dlfs/data/_worker.py` (what runs inside a worker: seeding, `get_worker_info`).
#
# With `num_workers=W > 0` the DataLoader starts W processes. Batch j goes to worker
# $j \bmod W$ through that worker's *index queue*; each worker loads and collates its batch and
# puts it on one shared *result queue*; the main process hands the batches out in order,
# keeping up to `prefetch_factor · W` of them in flight. Workers help when loading a sample
# costs time the main process would otherwise wait for: decoding, augmenting, reading disk.
#
# | setting | what it changes |
# |---|---|
# | `num_workers` | processes loading in parallel (0: in the main process) |
# | `persistent_workers=True` | keep the processes between epochs (no start-up cost) |
# | `prefetch_factor` | batches queued per worker |
# | `pin_memory=True` | page-locked batches for faster copies to a GPU (no effect on CPU) |

# %% [markdown] lang="zh"
# # 第 18 天 · 用 num_workers 给 DataLoader 加速
#
# **库文件：** `src/dlfs/data/loader.py`（DataLoader 及其每个 epoch 的计划）、
# `src/dlfs/data/_pool.py`（工作进程，按顺序重新拼装）、`src/dlfs/data/_worker.py`（在工作进程
# 内部运行的部分：设定随机种子、`get_worker_info`）。
#
# 设置 `num_workers=W > 0` 时，DataLoader 会启动 W 个进程。第 j 个批次通过第 $j \bmod W$ 个
# 工作进程的*索引队列*交给它；每个工作进程加载并整理自己的批次，放进一个共享的*结果队列*；
# 主进程按顺序把批次交出去，同时保持最多 `prefetch_factor · W` 个批次在途。当加载一个样本要花
# 时间、而主进程本来只能干等时，工作进程就有用了：解码、数据增强、读磁盘。
#
# | 设置 | 它改变什么 |
# |---|---|
# | `num_workers` | 并行加载的进程数（0：在主进程中加载） |
# | `persistent_workers=True` | 在 epoch 之间保留这些进程（省去启动开销） |
# | `prefetch_factor` | 每个工作进程排队的批次数 |
# | `pin_memory=True` | 使用页锁定内存存放批次，加快向 GPU 的拷贝（在 CPU 上没有作用） |

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from dlfs.curriculum import lesson_context
from dlfs.data import DataLoader, DataLoaderWorkerError, Dataset, get_worker_info
from dlfs.playground import compare

ctx = lesson_context("dataloader-workers")
print("CPU cores visible:", os.cpu_count(), "| torch threads:", torch.get_num_threads())

# %% [markdown]
# ## 1. Workers give the same batches
# The order comes from the loader's generator in the main process, so the batches do not
# depend on W: only who loads them does.

# %% [markdown] lang="zh"
# ## 1. 用不用工作进程，批次都一样
# 顺序来自主进程中 loader 的生成器，所以批次本身与 W 无关：只有由谁来加载它们会变。

# %%
class Noisy(Dataset):
    """Item i: a (3, 8, 8) tensor of i plus noise from the loading process's torch RNG."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = get_worker_info()
        noise = torch.rand(1)  # seeded per worker: base_seed + worker id
        return torch.full((3, 8, 8), float(i)), noise, -1 if info is None else info.id


def epoch(workers, seed=0, dataset=None):
    loader = DataLoader(dataset or Noisy(24), batch_size=4, shuffle=True, num_workers=workers,
                        generator=torch.Generator().manual_seed(seed))
    return list(loader)


single, double = epoch(0), epoch(2)
print("batch 0 from main process :", single[0][0][:, 0, 0, 0].tolist(), "worker ids",
      single[0][2].tolist())
print("batch 0 from worker 0     :", double[0][0][:, 0, 0, 0].tolist(), "worker ids",
      double[0][2].tolist())
print("batch 1 from worker 1     :", double[1][0][:, 0, 0, 0].tolist(), "worker ids",
      double[1][2].tolist())
assert all(torch.equal(a[0], b[0]) for a, b in zip(single, double)), "same samples, same order"
assert [b[2][0].item() for b in double[:4]] == [0, 1, 0, 1], "batches go round-robin"

# %% [markdown]
# ## 2. Random augmentation in workers: different per worker, repeatable per seed
# Worker w seeds `random` and torch with `base_seed + w` (NumPy with words mixed from w and
# `base_seed`), where `base_seed` is drawn from the loader's generator. The same generator
# seed reproduces every random draw.

# %% [markdown] lang="zh"
# ## 2. 工作进程中的随机数据增强：各进程不同，同一种子可重复
# 第 w 个工作进程用 `base_seed + w` 给 `random` 和 torch 设定种子（NumPy 的种子由 w 和
# `base_seed` 混合而成），其中 `base_seed` 从 loader 的生成器中抽取。同样的生成器种子会复现
# 每一次随机抽样。

# %%
again, other = epoch(2), epoch(2, seed=1)
noise_a = torch.cat([b[1] for b in double])
assert torch.equal(noise_a, torch.cat([b[1] for b in again])), "same seed, same noise"
assert not torch.equal(noise_a, torch.cat([b[1] for b in other])), "new seed, new noise"
w0 = torch.cat([b[1] for b in double if b[2][0] == 0])
w1 = torch.cat([b[1] for b in double if b[2][0] == 1])
assert not torch.equal(w0[:4], w1[:4]), "the two workers draw different numbers"
print("noise of worker 0's first batch:", [round(v, 3) for v in w0[:4, 0].tolist()])
print("noise of worker 1's first batch:", [round(v, 3) for v in w1[:4, 0].tolist()])

# %% [markdown]
# ## 3. Speed: waiting overlaps
# Each item below waits 5 ms, like a read from a slow disk. With persistent workers (started
# once, in `compare`'s warm-up run) two workers wait side by side, so an epoch takes about
# half as long — whatever else the machine is doing: for $N$ items that each wait $\delta$,
# an epoch takes about $N \delta$ in the main process and $N \delta / W$ with $W$ workers.

# %% [markdown] lang="zh"
# ## 3. 速度：等待可以重叠
# 下面每个样本都要等 5 毫秒，就像从慢速磁盘读取一样。使用常驻工作进程（persistent workers，
# 在 `compare` 的热身运行中只启动一次）时，两个工作进程并排等待，所以一个 epoch 大约只需一半
# 的时间——无论机器此时还在忙别的什么：$N$ 个样本各等 $\delta$，在主进程中一个 epoch 约需
# $N \delta$，用 $W$ 个工作进程时约需 $N \delta / W$。

# %%
class SlowRead(Dataset):
    def __init__(self, n, delay):
        self.n, self.delay = n, delay

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        time.sleep(self.delay)
        return torch.full((3, 32, 32), float(i)), i % 10


n_items = 48 if ctx.quick else 256
slow = SlowRead(n_items, 0.005)
loaders = {f"num_workers={w}": DataLoader(slow, batch_size=8, num_workers=w,
                                          persistent_workers=w > 0) for w in (0, 2)}
results = compare({name: (lambda ld=ld: sum(1 for _ in ld)) for name, ld in loaders.items()},
                  repeat=3 if ctx.quick else 5)
io_time = {r.label: r.min for r in results}
io_speedup = io_time["num_workers=0"] / io_time["num_workers=2"]
print(f"wait-bound items: 2 workers are {io_speedup:.2f}x faster than 0")
assert io_speedup > 1.3, "two workers overlap the waiting"
loaders["num_workers=2"].shutdown_workers()

# %% [markdown]
# ## 4. Speed: CPU work needs free cores
# Now each item burns CPU in Python. Two workers help only if two cores are free; on a busy
# or single-core machine they can even be slower (process start-up, copying batches between
# processes). We measure and report, without promising a number.

# %% [markdown] lang="zh"
# ## 4. 速度：CPU 计算需要空闲的核
# 现在每个样本都要在 Python 里消耗 CPU。只有两个核都空闲时，两个工作进程才有帮助；在繁忙的
# 或单核的机器上，它们甚至可能更慢（进程启动、在进程之间拷贝批次都有开销）。我们只测量并
# 报告，不承诺具体数字。

# %%
class Busy(Dataset):
    def __init__(self, n, work):
        self.n, self.work = n, work

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        acc = 0
        for k in range(self.work):
            acc += (k * i) % 7
        return torch.full((3, 32, 32), float(acc % 255)), i % 10


busy = Busy(48 if ctx.quick else 256, 5000 if ctx.quick else 20000)
cpu_loaders = {f"num_workers={w}": DataLoader(busy, batch_size=8, num_workers=w,
                                              persistent_workers=w > 0) for w in (0, 2)}
cpu_results = compare({name: (lambda ld=ld: sum(1 for _ in ld))
                       for name, ld in cpu_loaders.items()}, repeat=3 if ctx.quick else 5)
cpu_time = {r.label: r.min for r in cpu_results}
cpu_speedup = cpu_time["num_workers=0"] / cpu_time["num_workers=2"]
load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
print(f"CPU-bound items: 2 workers are {cpu_speedup:.2f}x the speed of 0 "
      f"(1-minute load average {load:.1f} on {os.cpu_count()} cores)")
cpu_loaders["num_workers=2"].shutdown_workers()
assert all(torch.equal(a[0], b[0]) for a, b in zip(epoch(0, dataset=busy), epoch(2, dataset=busy)))

# %% [markdown]
# ## 5. When a worker fails
# An exception inside a worker comes back as one error that names the worker, the dataset
# index and the worker's own traceback — instead of a hang or a bare "worker died".

# %% [markdown] lang="zh"
# ## 5. 工作进程出错时
# 工作进程内部抛出的异常，会以一个错误的形式传回来，其中写明是哪个工作进程、数据集的哪个
# 索引，并附上该工作进程自己的调用栈（traceback）——而不是卡死，或者只给一句光秃秃的
# “worker died”。

# %%
class Broken(Dataset):
    def __len__(self):
        return 16

    def __getitem__(self, i):
        if i == 13:
            raise ValueError(f"cannot decode image {i}")
        return torch.zeros(2)


try:
    list(DataLoader(Broken(), batch_size=4, num_workers=2))
    raise AssertionError("the broken item should have raised")
except DataLoaderWorkerError as err:
    print(str(err).splitlines()[0])
    assert err.index == 13 and err.worker_id == 1 and "cannot decode image 13" in str(err)

# %%
fig, ax = plt.subplots(figsize=(6, 3))
labels = ["wait-bound\n0 workers", "wait-bound\n2 workers", "CPU-bound\n0 workers",
          "CPU-bound\n2 workers"]
values = [io_time["num_workers=0"], io_time["num_workers=2"], cpu_time["num_workers=0"],
          cpu_time["num_workers=2"]]
ax.bar(labels, np.array(values) * 1e3, color=["#888", "#2a7", "#888", "#27a"])
ax.set_ylabel("ms per epoch (best of runs)")
ax.set_title("DataLoader epoch time by num_workers")
fig.tight_layout()
ctx.savefig(fig, "num_workers.png")
