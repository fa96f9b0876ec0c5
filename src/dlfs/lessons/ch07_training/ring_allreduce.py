# %% [markdown]
# # Ring all-reduce, step by step — 环形 all-reduce，一步一步来
#
# **Library files:** `src/dlfs/distributed/ring.py` (`ring_all_reduce` over send/recv,
# `simulate_ring_all_reduce`, the chunk schedules), `src/dlfs/distributed/launch.py`
# (`run_processes`). Tests: `tests/distributed/test_collectives.py`,
# `tests/distributed/test_multiprocess.py`.
#
# After backward every rank holds its own gradient; all-reduce leaves the *sum* on every
# rank. Sending everything to one rank and back makes that rank move 2(N-1) full copies while
# the others idle. The ring does better: each rank cuts its tensor into N chunks and talks
# only to its neighbours. In N-1 steps of **reduce-scatter** partial sums travel round the
# ring until rank r holds the complete sum of one chunk; in N-1 steps of **all-gather** the
# complete chunks travel round once more. Each rank sends 2(N-1) chunks of n/N elements,
#
# $$
# 2 (N - 1) \cdot \frac{n}{N} = \frac{2 (N - 1)}{N} \, n < 2 n,
# $$
#
# however large N gets, with every link busy at every step.
#
# Reference: Patarasuk & Yuan, 2009, *Bandwidth Optimal All-reduce Algorithms for Clusters of
# Workstations*.

# %% [markdown] lang="zh"
# # 环形 all-reduce，一步一步来
#
# **库文件：** `src/dlfs/distributed/ring.py`（基于 send/recv 的 `ring_all_reduce`、
# `simulate_ring_all_reduce`、分块调度）、`src/dlfs/distributed/launch.py`（`run_processes`）。
# 测试：`tests/distributed/test_collectives.py`、`tests/distributed/test_multiprocess.py`。
#
# 反向传播之后，每个 rank 都持有自己的梯度；all-reduce 让每个 rank 都得到它们的*和*。把所有数据
# 发给一个 rank 再发回来，会让这个 rank 搬运 2(N-1) 份完整数据，其他 rank 却在空等。环形算法更好：
# 每个 rank 把张量切成 N 块，只和相邻的 rank 通信。先用 N-1 步 **reduce-scatter**，部分和沿环传递，
# 直到 rank r 拿到某一块的完整和；再用 N-1 步 **all-gather**，把完整的块沿环再传一圈。每个 rank
# 发送 2(N-1) 块、每块 n/N 个元素，共
#
# $$
# 2 (N - 1) \cdot \frac{n}{N} = \frac{2 (N - 1)}{N} \, n < 2 n,
# $$
#
# 无论 N 多大都小于 2n，而且每一步所有链路都在工作。
#
# 参考文献：Patarasuk & Yuan, 2009, *Bandwidth Optimal All-reduce Algorithms for Clusters of
# Workstations*。

# %%
import torch

from dlfs.curriculum import lesson_context
from dlfs.distributed.ring import (
    all_gather_chunks,
    reduce_scatter_chunks,
    simulate_ring_all_reduce,
)

ctx = lesson_context("ring-allreduce")

# %% [markdown]
# ## 1. Four ranks, four chunks
# Rank r starts with the chunk values `10·r + c` (chunk c). We print, after each step, what
# every rank holds; `+` marks partial sums. The schedule: at step $s = 0, \dots, N-2$ of each
# phase rank $r$ sends one chunk to rank $(r + 1) \bmod N$ and receives one from rank
# $(r - 1) \bmod N$:
#
# | phase | chunk sent | chunk received |
# |---|---|---|
# | reduce-scatter | $(r - s) \bmod N$ | $(r - s - 1) \bmod N$, added to it |
# | all-gather | $(r + 1 - s) \bmod N$ | $(r - s) \bmod N$, copied over it |
#
# After the reduce-scatter rank $r$ holds the complete chunk $c = (r + 1) \bmod N$, the sum
# $\sum_{q=0}^{N-1} (10 q + c)$.

# %% [markdown] lang="zh"
# ## 1. 四个 rank，四个块
# rank r 的第 c 块一开始的值是 `10·r + c`。每一步之后我们打印每个 rank 持有的内容；`+` 表示部分和。
# 调度规则：每个阶段的第 $s = 0, \dots, N-2$ 步，rank $r$ 向 rank $(r + 1) \bmod N$ 发送一块，
# 并从 rank $(r - 1) \bmod N$ 接收一块：
#
# | 阶段 | 发送的块 | 接收的块 |
# |---|---|---|
# | reduce-scatter | $(r - s) \bmod N$ | $(r - s - 1) \bmod N$，加到这一块上 |
# | all-gather | $(r + 1 - s) \bmod N$ | $(r - s) \bmod N$，覆盖这一块 |
#
# reduce-scatter 结束后，rank $r$ 持有完整的第 $c = (r + 1) \bmod N$ 块，也就是总和
# $\sum_{q=0}^{N-1} (10 q + c)$。

# %%
N = 4
data = [torch.tensor([10.0 * r + c for c in range(N)]) for r in range(N)]
chunks = [t.clone() for t in data]
for s in range(N - 1):
    messages = [chunks[r][reduce_scatter_chunks(r, N, s)[0]].clone() for r in range(N)]
    for r in range(N):
        into = reduce_scatter_chunks(r, N, s)[1]
        chunks[r][into] += messages[(r - 1) % N]
    print(f"reduce-scatter step {s}: " + " | ".join(
        f"rank {r}: {[int(v) for v in chunks[r]]}" for r in range(N)))
total = sum(data)
for r in range(N):                       # rank r now has the full sum of chunk r + 1
    owned = (r + 1) % N
    assert chunks[r][owned] == total[owned], (r, owned)
for s in range(N - 1):
    messages = [chunks[r][all_gather_chunks(r, N, s)[0]].clone() for r in range(N)]
    for r in range(N):
        chunks[r][all_gather_chunks(r, N, s)[1]] = messages[(r - 1) % N]
print("after all-gather, every rank:", [int(v) for v in chunks[0]], "= the sum",
      [int(v) for v in total])
assert all(torch.equal(c, total) for c in chunks)

# %% [markdown]
# ## 2. The bytes each rank sends
# `simulate_ring_all_reduce` runs the same schedule and counts the bytes. Against the
# "everything to rank 0 and back" design, whose rank 0 sends (N-1)·n and receives (N-1)·n:

# %% [markdown] lang="zh"
# ## 2. 每个 rank 发送的字节数
# `simulate_ring_all_reduce` 运行同样的调度并统计字节数。对比"全部发给 rank 0 再发回"的做法：
# 那里的 rank 0 要发送 (N-1)·n、接收 (N-1)·n：

# %%
n = 1 << 12 if ctx.quick else 1 << 20                    # float32 elements per rank
for N in (2, 4, 8):
    tensors = [torch.randn(n) for _ in range(N)]
    results, sent = simulate_ring_all_reduce(tensors)
    data_bytes = n * 4
    ratio = sent[0] / data_bytes
    print(f"N={N}: each rank sends {sent[0]:>9,} bytes = {ratio:.3f} x its data "
          f"(2(N-1)/N = {2 * (N - 1) / N:.3f}); rank 0 of the central design sends "
          f"{(N - 1) * data_bytes:,}")
    assert sent == [2 * (N - 1) * data_bytes // N] * N
    torch.testing.assert_close(results[N - 1], sum(tensors))

# %% [markdown]
# ## 3. Why the order of send and recv matters
# `dist.send` blocks until the neighbour receives. If every rank sends first, every rank waits
# for a receiver that is itself waiting to send: a deadlock. `ring_all_reduce` lets even
# ranks send then receive and odd ranks receive then send; the table below shows the first
# exchange for N = 5 (ranks 4 and 0 are both even: rank 4's send completes as soon as rank 0
# has finished sending to the odd rank 1).

# %% [markdown] lang="zh"
# ## 3. 为什么 send 和 recv 的顺序很重要
# `dist.send` 会一直阻塞，直到邻居接收。如果每个 rank 都先发送，那么每个 rank 都在等一个同样在等着
# 发送的接收方：死锁。`ring_all_reduce` 让偶数 rank 先发后收、奇数 rank 先收后发；下表是 N = 5
# 时的第一次交换（rank 4 和 rank 0 都是偶数：rank 0 一旦完成向奇数 rank 1 的发送，rank 4 的发送
# 就能完成）。

# %%
N = 5
for r in range(N):
    first, second = (f"send -> {(r + 1) % N}", f"recv <- {(r - 1) % N}")
    order = (first, second) if r % 2 == 0 else (second, first)
    print(f"rank {r}: 1) {order[0]:10s} 2) {order[1]}")

# %% [markdown]
# ## 4. On real processes
# Full mode runs `ring_all_reduce` on 3 gloo processes and compares it with
# `dist.all_reduce` (the test suite does this for N = 2, 3, 4). Starting processes takes
# seconds, so quick mode stops here.

# %% [markdown] lang="zh"
# ## 4. 在真实进程上
# 完整模式在 3 个 gloo 进程上运行 `ring_all_reduce`，并与 `dist.all_reduce` 比较（测试套件对
# N = 2、3、4 都做了）。启动进程要几秒，所以快速模式到此为止。


# %%
def ring_vs_builtin(rank, world):
    import torch.distributed as dist

    from dlfs.distributed.ring import ring_all_reduce

    x = torch.randn(1000, generator=torch.Generator().manual_seed(rank))
    ours, ref = x.clone(), x.clone()
    sent = ring_all_reduce(ours)
    dist.all_reduce(ref)
    return (ours - ref).abs().max().item(), sent


if not ctx.quick:
    from dlfs.distributed.launch import run_processes

    rows = run_processes(ring_vs_builtin, 3)
    for r, (diff, sent) in enumerate(rows):
        print(f"rank {r}: |ring - dist.all_reduce| <= {diff:.1e}, sent {sent} bytes")
    assert all(diff < 1e-5 for diff, _ in rows)
