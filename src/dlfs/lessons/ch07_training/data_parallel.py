# %% [markdown]
# # Data parallelism: DataParallel vs DistributedDataParallel — 数据并行：DataParallel 与 DDP
#
# **Library files:** `src/dlfs/distributed/sampler.py` (`DistributedSampler`),
# `src/dlfs/distributed/bucketing.py` (`all_reduce_gradients`), `src/dlfs/distributed/env.py`,
# `src/dlfs/distributed/launch.py` (`launch`, `run_processes`), `src/dlfs/train/loop.py`
# (`fit` under torchrun), `src/dlfs/recipes/gpt.py` (`--nproc`). Tests: `tests/distributed/`.
#
# Data parallelism trains N copies of the model on N shards of each batch and averages their
# gradients, so every copy takes the same step — the step one model would take on the whole
# batch. PyTorch has two designs. `nn.DataParallel` is one process: every step it copies the
# model to each GPU, splits the batch, runs the copies in Python threads and gathers outputs
# and gradients on the first GPU (which becomes the bottleneck; the threads share the GIL).
# `DistributedDataParallel` (DDP) is one process per copy: the model is copied once, each
# process reads its own shard (a `DistributedSampler`), and the gradients are averaged with
# all-reduce in buckets *while* backward still runs. DDP is the recommended one, also on a
# single machine, and it is the one that crosses machines. This lesson shows the arithmetic in
# one process; its full mode runs two real processes.
#
# Reference: Li et al., 2020, *PyTorch Distributed: Experiences on Accelerating Data Parallel
# Training*.

# %% [markdown] lang="zh"
# # 数据并行：DataParallel 与 DDP
#
# **库文件：** `src/dlfs/distributed/sampler.py`（`DistributedSampler`）、
# `src/dlfs/distributed/bucketing.py`（`all_reduce_gradients`）、`src/dlfs/distributed/env.py`、
# `src/dlfs/distributed/launch.py`（`launch`、`run_processes`）、`src/dlfs/train/loop.py`
# （torchrun 下的 `fit`）、`src/dlfs/recipes/gpt.py`（`--nproc`）。测试：`tests/distributed/`。
#
# 数据并行在一个批次的 N 个分片上训练 N 份模型副本，并对它们的梯度求平均，于是每个副本走同一步——
# 也就是单个模型在整个批次上会走的那一步。PyTorch 有两种设计。`nn.DataParallel` 是单进程：每一步
# 都把模型复制到每块 GPU，切分批次，用 Python 线程运行各个副本，再把输出和梯度汇总到第一块 GPU
# （它因此成为瓶颈；这些线程还要共用 GIL）。`DistributedDataParallel`（DDP）是每个副本一个进程：
# 模型只复制一次，每个进程读取自己的分片（`DistributedSampler`），梯度在反向传播*仍在进行时*就按桶
# 做 all-reduce 求平均。推荐使用的是 DDP，单机上也一样，而且只有它能跨机器。本课在一个进程里演示
# 其中的算术；完整模式会运行两个真实的进程。
#
# 参考文献：Li et al., 2020, *PyTorch Distributed: Experiences on Accelerating Data Parallel
# Training*。

# %%
import copy

import torch
from torch import nn

from dlfs.curriculum import lesson_context
from dlfs.distributed import DistributedSampler
from dlfs.distributed.bucketing import make_buckets

ctx = lesson_context("data-parallel")
torch.set_num_threads(1)

# %% [markdown]
# ## 1. Sharding the data
# Every rank draws the same permutation $\pi$ (same seed and epoch) and takes every N-th index
# from its own offset: rank $r$ reads $\pi_r, \pi_{r+N}, \pi_{r+2N}, \dots$. Together the ranks
# cover the epoch; the short tail is padded with repeats so that all ranks do the same number
# of steps: $m = \lceil n / N \rceil$ indices each, $N m$ in all (12 for $n = 10$, $N = 3$).

# %% [markdown] lang="zh"
# ## 1. 切分数据
# 每个 rank 抽取同一个排列 $\pi$（相同的种子和 epoch），从自己的偏移开始每隔 N 个取一个下标：
# rank $r$ 读取 $\pi_r, \pi_{r+N}, \pi_{r+2N}, \dots$。所有 rank 合起来覆盖整个 epoch；不够整除的
# 尾部用重复的样本补齐，使所有 rank 的步数相同：每个 rank $m = \lceil n / N \rceil$ 个下标，一共
# $N m$ 个（$n = 10$、$N = 3$ 时为 12 个）。

# %%
N, n = 3, 10
shards = [list(DistributedSampler(range(n), num_replicas=N, rank=r, seed=0)) for r in range(N)]
for r, shard in enumerate(shards):
    print(f"rank {r}: {shard}")
seen = sum(shards, [])
assert set(seen) == set(range(n)) and len(seen) == N * -(-n // N)     # all, padded to 12

# %% [markdown]
# ## 2. Averaged gradients = the whole batch's gradient
# Each rank's loss is the mean over its b samples; the mean of the N gradients is the
# gradient of the mean over all N·b samples. With $S_r$ the $b$ samples of rank $r$ and
# $\ell_i$ the loss of sample $i$:
#
# $$
# \frac{1}{N} \sum_{r=0}^{N-1} \nabla_\theta \Big( \frac{1}{b} \sum_{i \in S_r} \ell_i(\theta) \Big)
# = \nabla_\theta \Big( \frac{1}{N b} \sum_{i=1}^{N b} \ell_i(\theta) \Big)
# $$
#
# We simulate the ranks in this one process.

# %% [markdown] lang="zh"
# ## 2. 平均梯度 = 整批梯度
# 每个 rank 的损失是它那 b 个样本上的平均；N 个梯度的平均，就是全部 N·b 个样本上平均损失的梯度。
# 记 $S_r$ 为 rank $r$ 的 $b$ 个样本，$\ell_i$ 为样本 $i$ 的损失：
#
# $$
# \frac{1}{N} \sum_{r=0}^{N-1} \nabla_\theta \Big( \frac{1}{b} \sum_{i \in S_r} \ell_i(\theta) \Big)
# = \nabla_\theta \Big( \frac{1}{N b} \sum_{i=1}^{N b} \ell_i(\theta) \Big)
# $$
#
# 我们在这一个进程里模拟这些 rank。

# %%
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1)).double()
X, Y = torch.randn(12, 8, dtype=torch.float64), torch.randn(12, 1, dtype=torch.float64)
model.zero_grad()
nn.functional.mse_loss(model(X), Y).backward()
full = [p.grad.clone() for p in model.parameters()]

N = 4
replicas = [copy.deepcopy(model) for _ in range(N)]           # DDP copies the model once
for r, replica in enumerate(replicas):
    idx = list(DistributedSampler(range(12), num_replicas=N, rank=r, shuffle=False))
    replica.zero_grad()
    nn.functional.mse_loss(replica(X[idx]), Y[idx]).backward()  # rank r: 3 samples
averaged = [sum(ps) / N for ps in zip(*[[p.grad for p in m.parameters()] for m in replicas])]
worst = max((a - b).abs().max().item() for a, b in zip(averaged, full))
print(f"{N} ranks x 3 samples: largest difference to the 12-sample gradient {worst:.1e}")
assert worst < 1e-12

# %% [markdown]
# DDP does the averaging with all-reduce (the `ring-allreduce` lesson), in buckets of about
# 25 MiB, last layer first: backward produces those gradients first, so their bucket can be
# on the wire while the earlier layers are still being differentiated.

# %% [markdown] lang="zh"
# DDP 用 all-reduce 求平均（见 `ring-allreduce` 一课），按约 25 MiB 分桶，从最后一层开始：反向
# 传播最先算出这些梯度，所以它们所在的桶可以在前面各层还在求导时就开始传输。

# %%
grads = [p.grad for p in replicas[0].parameters()]
buckets = make_buckets(grads, bucket_bytes=300)
print("buckets of >= 300 bytes, as parameter indices (last first):", buckets)
assert buckets[0][0] == len(grads) - 1 and sorted(sum(buckets, [])) == list(range(len(grads)))

# %% [markdown]
# ## 3. DataParallel's design, and why it has no work to do here
# `nn.DataParallel` spreads over *GPUs* of one process. On a machine without GPUs it has no
# devices and just calls the module: there is no CPU data parallelism in it. Every step on
# GPUs it would replicate the model (a copy of every weight per GPU per step), scatter the
# batch, run threads and gather on GPU 0. DDP avoids all of that, and needs no GPU: with the
# gloo backend the same code runs on CPU processes.

# %% [markdown] lang="zh"
# ## 3. DataParallel 的设计，以及它为什么在这里无事可做
# `nn.DataParallel` 在一个进程的多块 *GPU* 之间分配工作。在没有 GPU 的机器上，它没有可用设备，
# 只是直接调用模块：它并不提供 CPU 上的数据并行。在 GPU 上它每一步都要复制模型（每步每块 GPU
# 都复制一份全部权重）、分发批次、运行线程并汇总到 GPU 0。DDP 省去了这一切，而且不需要 GPU：
# 用 gloo 后端，同样的代码可以在多个 CPU 进程上运行。

# %%
# with GPUs, DataParallel wants the model and the batch on the first one (cuda:0); without
# them it is handed the CPU model itself
gpu_model = copy.deepcopy(model).to("cuda:0") if torch.cuda.is_available() else model
dp = nn.DataParallel(gpu_model)
X_dp = X.to(next(gpu_model.parameters()).device)
same = torch.allclose(dp(X_dp), gpu_model(X_dp))  # the batch split can round differently
print(f"DataParallel on this machine: device_ids={dp.device_ids}, "
      f"same output as the model: {same}")
assert dp.device_ids == [] or torch.cuda.is_available()
assert same

# %% [markdown]
# ## 4. Measured: one process vs two
# The capstone GPT for a few steps, the same global batch of 12 windows: one process, then
# two processes with 6 windows each (`DistributedDataParallel` over gloo, forked by
# `run_processes`; `dlfs train gpt --nproc 2` does the same through torchrun). Starting
# processes takes seconds, so quick mode skips this measurement. Two processes are faster
# only if each gets its own core and the per-step all-reduce is cheap next to the compute; on
# a 2-core machine one process can already use both cores through its threads. The rate
# compared is that of the training loop,
# $\text{tokens/s} = \text{steps} \cdot B \cdot T / \text{seconds}$, with $B = 12$ windows of
# $T = 64$ tokens per step.

# %% [markdown] lang="zh"
# ## 4. 实测：一个进程与两个进程
# 毕业项目（capstone）的 GPT 训练几步，全局批次同为 12 个窗口：先用一个进程，再用两个进程、每个
# 6 个窗口（gloo 上的 `DistributedDataParallel`，由 `run_processes` fork 出来；
# `dlfs train gpt --nproc 2` 通过 torchrun 做同样的事）。启动进程要花几秒，所以快速模式跳过这项
# 测量。只有当每个进程都有自己的 CPU 核、而且每步的 all-reduce 相对于计算很便宜时，两个进程才会
# 更快；在 2 核机器上，一个进程本身就能通过多线程用上两个核。比较的是训练循环的速率
# $\text{tokens/s} = \text{steps} \cdot B \cdot T / \text{seconds}$，每一步 $B = 12$ 个窗口、
# 每个窗口 $T = 64$ 个词元（token）。


# %%
def train_for(rank, world, steps, threads=1):
    """Train the capstone GPT for ``steps`` steps; (tokens per second of the training loop,
    final weights)."""
    from dlfs.recipes.gpt import GPTRecipe, train_gpt

    torch.set_num_threads(threads)
    recipe = GPTRecipe(max_steps=steps, eval_every=steps, eval_batches=1, warmup_steps=2,
                       out_dir=str(ctx.out_dir / f"gpt-{world}proc-{threads}thread"))
    run = train_gpt(recipe)
    return steps * recipe.batch_size * recipe.model.block_size / run.seconds, \
        run.model.state_dict()


if ctx.quick:
    print("quick mode: the one-vs-two-process measurement runs in full mode "
          "(`dlfs run data-parallel`)")
else:
    from dlfs.distributed.launch import run_processes

    STEPS = 60
    two = run_processes(train_for, 2, STEPS)      # fork first, before this process's threads
    one_1, one_weights = train_for(0, 1, STEPS, threads=1)
    one_2, _ = train_for(0, 1, STEPS, threads=2)
    two_rate = min(rate for rate, _ in two)                   # the slower rank sets the pace
    worst = max((two[0][1][k] - v).abs().max().item() for k, v in one_weights.items())
    print(f"{STEPS} steps of batch 12 x 64, tokens/s of the training loop: 1 process x 1 "
          f"thread {one_1:,.0f}, 1 process x 2 threads {one_2:,.0f}, 2 processes x 1 thread "
          f"{two_rate:,.0f}; largest weight difference 2 vs 1 process {worst:.1e}")
    assert worst < 1e-3
