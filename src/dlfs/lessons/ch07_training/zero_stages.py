# %% [markdown]
# # ZeRO stages 1-3: sharding what data parallelism copies — ZeRO 1-3 阶段：切分数据并行中重复的部分
#
# **Library files:** `src/dlfs/distributed/zero.py` (`ZeroRedundancyOptimizer`,
# `partition_parameters`), `src/dlfs/optim/adam.py` (`AdamW`), `src/dlfs/distributed/launch.py`
# (`run_processes`). Tests: `tests/distributed/test_collectives.py`,
# `tests/distributed/test_multiprocess.py`.
#
# Data parallelism keeps a full copy of the training state on every rank. With mixed
# precision and Adam that is, per parameter: the 16-bit weight (2 bytes), its 16-bit gradient
# (2 bytes), and the optimizer state — a float32 master copy of the weight and Adam's two
# float32 moments (4 + 4 + 4 = 12 bytes): 16 bytes. ZeRO ("zero redundancy") shards these
# over the N ranks in three stages: 1 the optimizer state, 2 also the gradients, 3 also the
# weights. We do the arithmetic for a 7-billion-parameter model, then measure stage 1 on the
# capstone GPT, where `ZeroRedundancyOptimizer` gives each rank the AdamW state of only its
# own shard of the parameters.
#
# Reference: Rajbhandari et al., 2020, *ZeRO: Memory Optimizations Toward Training Trillion
# Parameter Models*.

# %% [markdown] lang="zh"
# # ZeRO 1-3 阶段：切分数据并行中重复的部分
#
# **库文件：** `src/dlfs/distributed/zero.py`（`ZeroRedundancyOptimizer`、
# `partition_parameters`）、`src/dlfs/optim/adam.py`（`AdamW`）、`src/dlfs/distributed/launch.py`
# （`run_processes`）。测试：`tests/distributed/test_collectives.py`、
# `tests/distributed/test_multiprocess.py`。
#
# 数据并行在每个 rank 上都保存一份完整的训练状态。使用混合精度和 Adam 时，每个参数需要：16 位权重
# （2 字节）、16 位梯度（2 字节），以及优化器状态——权重的 float32 主副本和 Adam 的两个 float32 矩
# （4 + 4 + 4 = 12 字节）：共 16 字节。ZeRO（"零冗余"，zero redundancy）分三个阶段把这些切分到
# N 个 rank 上：阶段 1 切分优化器状态，阶段 2 再切分梯度，阶段 3 再切分权重。我们先为一个 70 亿
# 参数的模型算一算，再在毕业项目的 GPT 上实测阶段 1：`ZeroRedundancyOptimizer` 让每个 rank 只保存
# 自己那一份参数的 AdamW 状态。
#
# 参考文献：Rajbhandari et al., 2020, *ZeRO: Memory Optimizations Toward Training Trillion
# Parameter Models*。

# %%
import torch

from dlfs.curriculum import lesson_context
from dlfs.distributed.zero import ZeroRedundancyOptimizer
from dlfs.models import GPT, GPTConfig
from dlfs.optim import AdamW

ctx = lesson_context("zero-stages")
torch.set_num_threads(1)

# %% [markdown]
# ## 1. A 7B model in fp16 with Adam
# Bytes per parameter on each rank, K = 12 the optimizer state:
#
# | | weights | gradients | optimizer state | per parameter |
# |---|---|---|---|---|
# | DDP | 2 | 2 | K | 2 + 2 + K = 16 |
# | ZeRO-1 | 2 | 2 | K / N | 4 + 12 / N |
# | ZeRO-2 | 2 | 2 / N | K / N | 2 + 14 / N |
# | ZeRO-3 | 2 / N | 2 / N | K / N | 16 / N |
#
# For $\Psi$ parameters the memory per rank is therefore
#
# $$
# M_{\text{DDP}} = (2 + 2 + K) \, \Psi, \quad
# M_{1} = \Big( 2 + 2 + \frac{K}{N} \Big) \Psi, \quad
# M_{2} = \Big( 2 + \frac{2 + K}{N} \Big) \Psi, \quad
# M_{3} = \frac{(2 + 2 + K) \, \Psi}{N}
# $$
#
# so for $\Psi = 7 \times 10^9$: 112 GB with DDP at any N, and 1.75 GB with ZeRO-3 at N = 64.

# %% [markdown] lang="zh"
# ## 1. 一个 fp16 + Adam 的 70 亿参数模型
# 每个 rank 上每个参数的字节数，K = 12 是优化器状态：
#
# | | 权重 | 梯度 | 优化器状态 | 每个参数合计 |
# |---|---|---|---|---|
# | DDP | 2 | 2 | K | 2 + 2 + K = 16 |
# | ZeRO-1 | 2 | 2 | K / N | 4 + 12 / N |
# | ZeRO-2 | 2 | 2 / N | K / N | 2 + 14 / N |
# | ZeRO-3 | 2 / N | 2 / N | K / N | 16 / N |
#
# 因此对 $\Psi$ 个参数，每个 rank 的内存为
#
# $$
# M_{\text{DDP}} = (2 + 2 + K) \, \Psi, \quad
# M_{1} = \Big( 2 + 2 + \frac{K}{N} \Big) \Psi, \quad
# M_{2} = \Big( 2 + \frac{2 + K}{N} \Big) \Psi, \quad
# M_{3} = \frac{(2 + 2 + K) \, \Psi}{N}
# $$
#
# 所以当 $\Psi = 7 \times 10^9$ 时：DDP 无论 N 多大都是 112 GB，ZeRO-3 在 N = 64 时只要 1.75 GB。

# %%
P, GB = 7e9, 1e9
PER_PARAM = {"DDP": lambda n: 2 + 2 + 12, "ZeRO-1": lambda n: 2 + 2 + 12 / n,
             "ZeRO-2": lambda n: 2 + (2 + 12) / n, "ZeRO-3": lambda n: (2 + 2 + 12) / n}
print(f"{'GB per rank':12s}" + "".join(f"{f'N={n}':>9s}" for n in (1, 8, 64)))
table = {}
for stage, per in PER_PARAM.items():
    table[stage] = [P * per(n) / GB for n in (1, 8, 64)]
    print(f"{stage:12s}" + "".join(f"{gb:9.1f}" for gb in table[stage]))
assert table["DDP"][0] == 112.0                                  # 7e9 x 16 bytes
assert abs(table["ZeRO-1"][2] - 29.3125) < 1e-9                  # 7 x (4 + 12/64)
assert abs(table["ZeRO-3"][2] - 1.75) < 1e-9                     # 112 / 64
assert all(row[0] == 112.0 for row in table.values())            # N = 1: nothing to share

# %% [markdown]
# Activations come on top (the `grad-checkpointing` lesson). Communication: an all-reduce is
# a reduce-scatter plus an all-gather (the `ring-allreduce` lesson), each sending
# $\frac{N - 1}{N} \Psi$ values per rank. ZeRO-1 needs only the reduce-scatter half for the
# gradients (each rank updates its own shard), then all-gathers the updated weights: the same
# bytes as DDP. `ZeroRedundancyOptimizer` here, like torch's, keeps DDP's full all-reduce and
# adds the all-gather — simpler, 1.5× the bytes (three halves instead of two). Stages 2 and 3
# also free the gradients and weights a rank does not own, and gather the weights layer by
# layer when they are needed (torch's FSDP is stage 3).

# %% [markdown] lang="zh"
# 激活值的显存另算（见 `grad-checkpointing` 一课）。通信方面：一次 all-reduce 等于一次
# reduce-scatter 加一次 all-gather（见 `ring-allreduce` 一课），每一半在每个 rank 上发送
# $\frac{N - 1}{N} \Psi$ 个值。ZeRO-1 对梯度只需要前一半 reduce-scatter（每个 rank 只更新自己那
# 一份），再对更新后的权重做 all-gather：字节数与 DDP 相同。这里的 `ZeroRedundancyOptimizer` 和
# torch 的一样，保留 DDP 完整的 all-reduce 再加一次 all-gather——更简单，字节数是 1.5 倍（三个
# "一半"而不是两个）。阶段 2 和 3 还会释放本 rank 不负责的梯度和权重，并在需要时逐层收集权重
# （torch 的 FSDP 就是阶段 3）。

# %% [markdown]
# ## 2. Stage 1 on the capstone GPT, ranks simulated
# `ZeroRedundancyOptimizer(params, AdamW, rank=r, world_size=N)` deals the parameters to the
# ranks (largest first, each to the least-loaded rank) and builds AdamW over rank r's share.
# We build all N ranks in this one process, give them the same gradients (as the all-reduce
# would), let each update its own shard (`local_step`), and copy every shard to every rank
# (what the all-gather does). The result must be the plain AdamW step, while each rank
# holds about 1/N of the optimizer state. That state is AdamW's two moments per parameter;
# with $\gamma$ = 1e-3 the learning rate and $\lambda$ = 0.1 the weight decay, one step at
# step count $t$ is
#
# $$
# \begin{aligned}
# p &\leftarrow p \, (1 - \gamma \lambda) \\
# m &\leftarrow \beta_1 m + (1 - \beta_1) \, g \\
# v &\leftarrow \beta_2 v + (1 - \beta_2) \, g^2 \\
# p &\leftarrow p - \gamma \, \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}
# \end{aligned}
# $$
#
# Reference: Loshchilov & Hutter, 2019, *Decoupled Weight Decay Regularization*.

# %% [markdown] lang="zh"
# ## 2. 在毕业项目 GPT 上模拟阶段 1
# `ZeroRedundancyOptimizer(params, AdamW, rank=r, world_size=N)` 把参数分给各个 rank（从大到小，
# 每个分给当前负载最小的 rank），并只在 rank r 分到的参数上建立 AdamW。我们在这一个进程里构造全部
# N 个 rank，给它们相同的梯度（就像 all-reduce 之后那样），让每个 rank 更新自己的那一份
# （`local_step`），再把每一份复制到所有 rank（这就是 all-gather 做的事）。结果必须等于普通 AdamW
# 的一步，而每个 rank 只保存约 1/N 的优化器状态。这份状态就是 AdamW 为每个参数保存的两个矩；记
# $\gamma$ = 1e-3 为学习率、$\lambda$ = 0.1 为权重衰减（weight decay），第 $t$ 步的更新是
#
# $$
# \begin{aligned}
# p &\leftarrow p \, (1 - \gamma \lambda) \\
# m &\leftarrow \beta_1 m + (1 - \beta_1) \, g \\
# v &\leftarrow \beta_2 v + (1 - \beta_2) \, g^2 \\
# p &\leftarrow p - \gamma \, \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}
# \end{aligned}
# $$
#
# 参考文献：Loshchilov & Hutter, 2019, *Decoupled Weight Decay Regularization*。

# %%
cfg = GPTConfig(vocab_size=103, n_layer=2 if ctx.quick else 4,
                n_embd=64 if ctx.quick else 128)


def gpt():
    torch.manual_seed(0)
    return GPT(cfg)


idx = torch.randint(0, cfg.vocab_size, (4, 32))


def backward(model):
    model.zero_grad()
    model(idx, idx)[1].backward()


ref = gpt()
ref_opt = AdamW(ref.parameters(), lr=1e-3, weight_decay=0.1)
backward(ref)
ref_opt.step()
full_state = sum(t.numel() * t.element_size() for s in ref_opt.state.values()
                 for t in s.values() if torch.is_tensor(t))
print(f"GPT {cfg.n_layer} layers, width {cfg.n_embd}: {sum(p.numel() for p in ref.parameters()):,}"
      f" parameters, AdamW state {full_state / 2**20:.2f} MiB on one rank")

for N in (1, 2, 4):
    ranks = [gpt() for _ in range(N)]
    opts = [ZeroRedundancyOptimizer(m.parameters(), AdamW, rank=r, world_size=N, lr=1e-3,
                                    weight_decay=0.1) for r, m in enumerate(ranks)]
    for m, opt in zip(ranks, opts):
        backward(m)
        opt.local_step()
    params = [list(m.parameters()) for m in ranks]
    for i, owner in enumerate(opts[0].owners):                  # the all-gather, by hand
        for r in range(N):
            params[r][i].data.copy_(params[owner][i])
    worst = max((a - b).abs().max().item() for a, b in zip(params[N - 1], ref.parameters()))
    shares = [opt.state_bytes() for opt in opts]
    print(f"N={N}: optimizer state per rank " + ", ".join(f"{b / 2**20:.3f}" for b in shares)
          + f" MiB (largest {max(shares) / full_state:.3f} of one rank's); weights equal to "
          f"AdamW's within {worst:.0e}")
    assert worst == 0.0 and sum(shares) == full_state
    assert max(shares) <= 1.1 * full_state / N

# %% [markdown]
# ## 3. On real processes
# Full mode runs `ZeroRedundancyOptimizer` in N = 1, 2, 4 gloo processes (its `step` does
# the all-gather over `dist.all_gather`) and prints what each rank holds. The slow tests
# check the trajectory against DDP with AdamW step by step.

# %% [markdown] lang="zh"
# ## 3. 在真实进程上
# 完整模式在 N = 1、2、4 个 gloo 进程中运行 `ZeroRedundancyOptimizer`（它的 `step` 用
# `dist.all_gather` 完成收集），并打印每个 rank 保存的状态。慢速测试逐步检查它的轨迹与
# DDP + AdamW 一致。


# %%
def state_on_rank(rank, world):
    model = GPT(GPTConfig(vocab_size=103))                     # the capstone's default size
    opt = ZeroRedundancyOptimizer(model.parameters(), AdamW, lr=1e-3)
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    opt.step()
    return opt.state_bytes()


if not ctx.quick:
    from dlfs.distributed.launch import run_processes

    one = run_processes(state_on_rank, 1)[0]
    for N in (1, 2, 4):
        per_rank = run_processes(state_on_rank, N)
        print(f"{N} process(es): AdamW state per rank "
              + ", ".join(f"{b / 2**20:.3f} MiB" for b in per_rank))
        assert sum(per_rank) == one and max(per_rank) <= 1.05 * one / N
