"""Exercises on training engineering: the ring all-reduce (simulated ranks), the update rule
of dynamic loss scaling, and gradient checkpointing as a custom autograd function (topic
series "engineering"; lessons ``ring-allreduce``, ``loss-scaling``, ``grad-checkpointing``).

The ring is checked by its invariants: every rank ends with the sum, the inputs are left
alone, and each rank sends exactly the bytes of its 2(N-1) chunks. The scale update is
compared step by step with torch's own kernel (``torch._amp_update_scale_``, what
``GradScaler.update`` calls). The checkpoint is compared with running the function plainly
(values, input and weight gradients, a random mask replayed, the global RNG afterwards) and
must keep nothing but its input for backward.
"""

from __future__ import annotations

import torch

from ..cases import Case, assert_close, randn, watched
from ..schema import Exercise

# ---- ring all-reduce (simulated ranks) -------------------------------------------------------

_RING_CASES = [(1, (3,)), (2, (4,)), (3, (7,)), (4, (12,)), (4, (2, 5)), (5, (3,))]


def _expected_bytes(world: int, n: int, item: int) -> list[int]:
    """Bytes rank r sends: its 2 (N-1) chunks (tensor_split sizes) of the two phases."""
    sizes = [len(c) for c in torch.arange(n).tensor_split(world)]
    sent = []
    for r in range(world):
        chunks = [(r - s) % world for s in range(world - 1)]            # reduce-scatter
        chunks += [(r + 1 - s) % world for s in range(world - 1)]       # all-gather
        sent.append(sum(sizes[c] for c in chunks) * item)
    return sent


def _ring_case(impl, world: int, shape: tuple[int, ...]) -> Case:
    def run() -> None:
        tensors = [randn(*shape, seed=10 * world + r) for r in range(world)]
        originals = [t.clone() for t in tensors]
        out = watched(impl)(tensors)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise AssertionError(f"return (results, sent): a tuple of two, got "
                                 f"{type(out).__name__}")
        results, sent = out
        if len(results) != world:
            raise AssertionError(f"results: one tensor per rank ({world}), got {len(results)}")
        total = sum(originals)
        for r, result in enumerate(results):
            assert_close(result, total, f"rank {r}'s result (should be the sum of all ranks)")
        for r, (t, o) in enumerate(zip(tensors, originals)):
            if not torch.equal(t, o):
                raise AssertionError(f"the input of rank {r} was changed; work on copies")
        want = _expected_bytes(world, total.numel(), total.element_size())
        if list(sent) != want:
            raise AssertionError(f"bytes sent per rank {list(sent)}, expected {want}: each rank "
                                 f"sends one chunk (tensor_split into {world}) per step, "
                                 f"{world - 1} steps per phase")
    return Case(f"{world} rank(s), tensors {shape} float64", run)


def ring_cases(impl):
    for world, shape in _RING_CASES:
        yield _ring_case(impl, world, shape)


def _ring(tensors, *, into_offset=1, gather=True, whole=False, copy=True):
    """A ring with knobs, for the planted bugs."""
    world = len(tensors)
    results = [t.clone() if copy else t for t in tensors]
    chunks = [list(t.view(-1).tensor_split(world)) for t in results]
    sent = [0] * world
    phases = [(lambda r, s: ((r - s) % world, (r - s - into_offset) % world), True)]
    if gather:
        phases.append((lambda r, s: ((r + 1 - s) % world, (r - s) % world), False))
    for schedule, add in phases:
        for s in range(world - 1):
            msgs = [chunks[r][schedule(r, s)[0]].clone() for r in range(world)]
            for r in range(world):
                into = schedule(r, s)[1]
                sent[r] += (results[r].numel() if whole else msgs[r].numel()) * 8
                if add:
                    chunks[r][into] += msgs[(r - 1) % world]
                else:
                    chunks[r][into].copy_(msgs[(r - 1) % world])
    return results, sent


def _ring_wrong_chunk(tensors):
    """Planted bug: reduce-scatter adds the incoming chunk to the chunk it just sent."""
    return _ring(tensors, into_offset=0)


def _ring_no_all_gather(tensors):
    """Planted bug: stops after reduce-scatter (each rank holds one complete chunk)."""
    return _ring(tensors, gather=False)


def _ring_counts_whole_tensor(tensors):
    """Planted bug: counts the whole tensor as sent at every step."""
    return _ring(tensors, whole=True)


def _ring_in_place(tensors):
    """Planted bug: sums into the callers' tensors."""
    return _ring(tensors, copy=False)


# ---- the update of the loss scale ------------------------------------------------------------

_SCALE_RUNS = [
    ({"growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 1}, 8.0,
     [False, False, True, False]),
    ({"growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 3}, 2.0 ** 16,
     [True, True, False, False, False, False, True, False, False, False]),
    ({"growth_factor": 4.0, "backoff_factor": 0.25, "growth_interval": 2}, 1024.0,
     [False, True, False, False, False, True, True, False, False]),
    ({"growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 1}, 2.0 ** 126,
     [False, False, False, True, False]),
    ({"growth_factor": 1.5, "backoff_factor": 0.3, "growth_interval": 2}, 100.0,
     [False, False, True, False, False, False, False]),
]


def _scale_case(impl, options: dict, init: float, flags: list[bool]) -> Case:
    def run() -> None:
        f = watched(impl)
        scale, good = init, 0
        ref_scale = torch.tensor([init], dtype=torch.float32)
        ref_good = torch.zeros(1, dtype=torch.int32)
        for t, found_inf in enumerate(flags):
            torch._amp_update_scale_(ref_scale, ref_good, torch.tensor([float(found_inf)]),
                                     options["growth_factor"], options["backoff_factor"],
                                     options["growth_interval"])
            out = f(scale, good, found_inf, options["growth_factor"],
                    options["backoff_factor"], options["growth_interval"])
            if not (isinstance(out, tuple) and len(out) == 2):
                raise AssertionError(f"return (new scale, new count), got {out!r}")
            scale, good = out
            want_s, want_g = float(ref_scale.item()), int(ref_good.item())
            where = f"after step {t} ({'overflow' if found_inf else 'good'})"
            if int(good) != want_g:
                raise AssertionError(f"{where}: count of good steps {good}, expected {want_g}")
            if not abs(float(scale) - want_s) <= 1e-6 * abs(want_s):
                raise AssertionError(f"{where}: scale {scale}, expected {want_s}")
    pattern = "".join("x" if f else "." for f in flags)
    return Case(f"S0 = {init:g}, {options}, steps {pattern} (x: overflow)", run)


def update_scale_cases(impl):
    for options, init, flags in _SCALE_RUNS:
        yield _scale_case(impl, options, init, flags)


def _scale_keeps_count(scale, good_steps, found_inf, growth_factor, backoff_factor,
                       growth_interval):
    """Planted bug: an overflow lowers S but keeps the count of good steps."""
    if found_inf:
        return scale * backoff_factor, good_steps
    good_steps += 1
    if good_steps == growth_interval:
        return scale * growth_factor, 0
    return scale, good_steps


def _scale_grows_late(scale, good_steps, found_inf, growth_factor, backoff_factor,
                      growth_interval):
    """Planted bug: compares the count before adding the current good step."""
    if found_inf:
        return scale * backoff_factor, 0
    if good_steps == growth_interval:
        return scale * growth_factor, 0
    return scale, good_steps + 1


def _scale_grows_to_inf(scale, good_steps, found_inf, growth_factor, backoff_factor,
                        growth_interval):
    """Planted bug: grows even past float32's largest value."""
    if found_inf:
        return scale * backoff_factor, 0
    good_steps += 1
    if good_steps == growth_interval:
        return scale * growth_factor, 0
    return scale, good_steps


# ---- gradient checkpointing ------------------------------------------------------------------


def _weight(seed: int = 1) -> torch.Tensor:
    return randn(4, 4, seed=seed).requires_grad_(True)


def _mlp(w: torch.Tensor, masked: bool = False):
    """fn(x): tanh(x @ W), times a random keep-mask (like dropout) when ``masked``."""
    def fn(x):
        h = torch.tanh(x @ w)                                       # (..., 4)
        if masked:
            h = h * (torch.rand(h.shape, dtype=h.dtype) > 0.5) * 2.0
        return h
    return fn


def _run(call, fn, x, seed: int = 3):
    """(output, x.grad, W.grad, next random number) of one forward + backward."""
    torch.manual_seed(seed)
    x = x.detach().clone().requires_grad_(True)
    out = call(fn, x)
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        raise AssertionError("the output must be a tensor connected to the graph (it needs "
                             "a grad_fn so that backward reaches x and the weights)")
    torch.rand(3)                     # later layers draw random numbers before backward
    (out * torch.linspace(-1, 1, out.shape[-1], dtype=out.dtype)).sum().backward()
    return out.detach(), x.grad, torch.rand(1)


def _compare(impl, masked: bool, shape: tuple[int, ...]) -> None:
    x = randn(*shape, seed=len(shape))
    results = []
    for call in (lambda fn, x: fn(x), watched(impl)):
        w = _weight()
        out, gx, after = _run(call, _mlp(w, masked), x)
        results.append((out, gx, w.grad, after))
    (out0, gx0, gw0, r0), (out1, gx1, gw1, r1) = results
    assert_close(out1, out0, "output")
    if gx1 is None or gw1 is None:
        raise AssertionError("no gradient reached " + ("x" if gx1 is None else "the weight W")
                             + " (backward must run fn again and backpropagate through it)")
    assert_close(gx1, gx0, "gradient of x" + (" (was the random mask replayed?)" if masked
                                              else ""))
    assert_close(gw1, gw0, "gradient of the weight W used inside fn")
    if not torch.equal(r0, r1):
        raise AssertionError("after backward the global random generator is not where the "
                             "plain run leaves it: restore the RNG only inside the recompute "
                             "(torch.random.fork_rng)")


def _only_input_saved(impl) -> None:
    w, x = _weight(), randn(8, 4, seed=5).requires_grad_(True)
    sizes: list[int] = []

    def pack(t):
        if t.untyped_storage().data_ptr() != w.untyped_storage().data_ptr():
            sizes.append(t.untyped_storage().nbytes())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        watched(impl)(_mlp(w), x)
    limit = x.untyped_storage().nbytes()
    if sum(sizes) > limit:
        raise AssertionError(f"{sum(sizes)} bytes were saved for backward; a checkpoint keeps "
                             f"only its input x ({limit} bytes) and recomputes the rest")


def checkpoint_cases(impl):
    for shape in [(1, 4), (3, 4), (2, 5, 4)]:
        yield Case(f"x {shape} float64, fn = tanh(x @ W)",
                   lambda shape=shape: _compare(impl, False, shape))
    yield Case("x (8, 4): nothing but x is saved for backward",
               lambda: _only_input_saved(impl))
    yield Case("x (6, 4), fn with a random keep-mask: the same mask in the recompute",
               lambda: _compare(impl, True, (6, 4)))


class _CheckpointBase(torch.autograd.Function):
    """The shape of a re-entrant checkpoint, with knobs for the planted bugs."""

    replay_rng, enable_grad, fork = True, True, True

    @staticmethod
    def forward(ctx, fn, x):
        ctx.fn, ctx.rng = fn, torch.get_rng_state()
        ctx.save_for_backward(x)
        return fn(x)

    @classmethod
    def _recompute(cls, ctx, x):
        if cls.replay_rng:
            torch.set_rng_state(ctx.rng)
        with torch.set_grad_enabled(cls.enable_grad):
            return ctx.fn(x)

    @classmethod
    def backward_with(cls, ctx, grad):
        (x,) = ctx.saved_tensors
        x = x.detach().requires_grad_(True)
        if cls.fork:
            with torch.random.fork_rng():
                out = cls._recompute(ctx, x)
        else:
            out = cls._recompute(ctx, x)
        torch.autograd.backward(out, grad)
        return None, x.grad


class _NoRngReplay(_CheckpointBase):
    replay_rng = False

    @staticmethod
    def backward(ctx, grad):
        return _NoRngReplay.backward_with(ctx, grad)


class _NoEnableGrad(_CheckpointBase):
    enable_grad = False

    @staticmethod
    def backward(ctx, grad):
        return _NoEnableGrad.backward_with(ctx, grad)


class _RngNotForked(_CheckpointBase):
    fork = False

    @staticmethod
    def backward(ctx, grad):
        return _RngNotForked.backward_with(ctx, grad)


def _ckpt_plain(fn, x):
    """Planted bug: no checkpoint at all (every activation is kept)."""
    return fn(x)


def _ckpt_no_rng_replay(fn, x):
    """Planted bug: the recompute draws new random numbers (a different dropout mask)."""
    return _NoRngReplay.apply(fn, x)


def _ckpt_no_enable_grad(fn, x):
    """Planted bug: the recompute runs with autograd off (backward runs with it off)."""
    return _NoEnableGrad.apply(fn, x)


def _ckpt_rng_not_forked(fn, x):
    """Planted bug: replays the RNG state but leaves the global generator rewound."""
    return _RngNotForked.apply(fn, x)


# ---- the list --------------------------------------------------------------------------------

EXERCISES = [
    Exercise(
        id="ring_all_reduce", entry="simulate_ring_all_reduce", lesson="ring-allreduce",
        at=("topics:engineering",),
        title=("Ring all-reduce, with simulated ranks", "环形 all-reduce（模拟多个 rank）"),
        task=("tensors[r] is rank r's tensor (N ranks, all the same shape). Simulate the ring "
              "all-reduce in one process and return (results, sent): results[r] is what rank r "
              "holds at the end (the sum over all ranks) and sent[r] the bytes rank r sent. "
              "Work on copies (flattened, split with tensor_split(N) into N chunks). "
              "Reduce-scatter, steps s = 0 … N-2: every rank r sends chunk (r - s) mod N to "
              "rank r + 1 and adds what it receives from rank r - 1 to its chunk "
              "(r - s - 1) mod N; all sends of a step happen at once (take the messages first). "
              "All-gather, steps s = 0 … N-2: rank r sends chunk (r + 1 - s) mod N and "
              "overwrites its chunk (r - s) mod N with what it receives. A message of k "
              "elements costs k * element_size() bytes.",
              "tensors[r] 是 rank r 的张量（共 N 个 rank，形状相同）。在一个进程里模拟环形 "
              "all-reduce，返回 (results, sent)：results[r] 是 rank r 最后持有的内容（所有 rank "
              "之和），sent[r] 是 rank r 发送的字节数。在副本上操作（展平后用 tensor_split(N) "
              "切成 N 块）。reduce-scatter 的第 s 步（s = 0 … N-2）：每个 rank r 把第 "
              "(r - s) mod N 块发给 rank r + 1，并把从 rank r - 1 收到的内容加到自己的第 "
              "(r - s - 1) mod N 块上；同一步里所有发送同时发生（先把要发的消息取出来）。"
              "all-gather 的第 s 步：rank r 发送第 (r + 1 - s) mod N 块，并用收到的内容覆盖"
              "自己的第 (r - s) mod N 块。一条 k 个元素的消息计 k * element_size() 字节。"),
        stub='''
            def simulate_ring_all_reduce(tensors: list[Tensor]) -> tuple[list[Tensor], list[int]]:
                """tensors: N tensors of one shape -> (N sums of that shape, N byte counts)."""
        ''',
        reference="dlfs.distributed.ring:simulate_ring_all_reduce",
        extra_refused=("torch.distributed",),
        cases=ring_cases,
        mutants={"adds into the chunk it sent": _ring_wrong_chunk,
                 "no all-gather": _ring_no_all_gather,
                 "counts the whole tensor per message": _ring_counts_whole_tensor,
                 "changes the inputs": _ring_in_place},
        hints=(("Keep chunks[r] = list(results[r].view(-1).tensor_split(N)): views, so adding "
                "into a chunk changes results[r].",
                "令 chunks[r] = list(results[r].view(-1).tensor_split(N))：这些是视图，往块里加"
                "就会改变 results[r]。"),
               ("In each step first collect messages[r] = chunks[r][send index].clone() for all "
                "r, then let rank r use messages[(r - 1) % N].",
                "每一步先为所有 r 取出 messages[r] = chunks[r][发送的块].clone()，再让 rank r "
                "使用 messages[(r - 1) % N]。")),
    ),
    Exercise(
        id="loss_scale_update", entry="update_scale", lesson="loss-scaling",
        at=("pytorch:17", "topics:engineering"),
        title=("The update rule of dynamic loss scaling", "动态损失缩放的更新规则"),
        task=("After each optimizer step a loss scaler updates its scale S and its count of "
              "good steps in a row. Write update_scale(scale, good_steps, found_inf, "
              "growth_factor, backoff_factor, growth_interval) -> (new_scale, new_count): after "
              "an overflow (found_inf) S <- S * backoff_factor and the count restarts at 0; "
              "after a good step the count grows by one, and when it reaches growth_interval "
              "S <- S * growth_factor and the count restarts at 0 — but if S * growth_factor "
              "is larger than float32's largest value (torch.finfo(torch.float32).max), S stays "
              "(the count still restarts).",
              "每次优化器更新之后，损失缩放器都要更新缩放因子 S 和连续正常步数。实现 "
              "update_scale(scale, good_steps, found_inf, growth_factor, backoff_factor, "
              "growth_interval) -> (new_scale, new_count)：发生溢出（found_inf）时 "
              "S <- S * backoff_factor，计数清零；正常一步之后计数加一，达到 growth_interval 时 "
              "S <- S * growth_factor 并清零——但如果 S * growth_factor 超过 float32 的最大值"
              "（torch.finfo(torch.float32).max），S 保持不变（计数照样清零）。"),
        stub='''
            def update_scale(scale: float, good_steps: int, found_inf: bool,
                             growth_factor: float, backoff_factor: float,
                             growth_interval: int) -> tuple[float, int]:
                """-> (new scale S, new count of good steps in a row)."""
        ''',
        reference="dlfs.train.loss_scaler:update_scale",
        extra_refused=("torch.amp", "torch.cuda.amp"),
        cases=update_scale_cases,
        mutants={"overflow keeps the count": _scale_keeps_count,
                 "grows one step late": _scale_grows_late,
                 "grows past float32": _scale_grows_to_inf},
        hints=(("Handle the overflow first and return; otherwise add the current good step to "
                "the count before comparing it with growth_interval.",
                "先处理溢出并直接返回；否则先把这一步加进计数，再和 growth_interval 比较。"),
               ("torch keeps S in a float32 tensor: growing 2^127 by 2 would give inf, so S "
                "stays at 2^127.",
                "torch 用 float32 张量保存 S：把 2^127 再乘以 2 会得到 inf，所以 S 保持 2^127。")),
    ),
    Exercise(
        id="grad_checkpoint", entry="checkpoint", lesson="grad-checkpointing",
        at=("pytorch:16", "topics:engineering"),
        title=("Gradient checkpointing as a custom autograd function",
               "用自定义 autograd 函数实现梯度检查点"),
        task=("Write checkpoint(fn, x): the value fn(x) (x and the output: any shape) whose "
              "activations are not kept. Use a torch.autograd.Function: its forward saves only "
              "x (ctx.save_for_backward) and the random-number state (torch.get_rng_state()), "
              "and returns fn(x) (autograd is off there, so nothing inside fn is saved). Its "
              "backward takes x detached with requires_grad, runs fn(x) again with autograd on "
              "(torch.enable_grad()) and the saved RNG state restored — inside "
              "torch.random.fork_rng(), so the global generator is left as it was — then "
              "backpropagates the incoming gradient through that output "
              "(torch.autograd.backward) and returns the gradient of x. Weights used inside fn "
              "get their .grad from that inner backward.",
              "实现 checkpoint(fn, x)：返回 fn(x) 的值（x 和输出可以是任意形状），"
              "但不保存中间激活。"
              "用 torch.autograd.Function 实现：forward 只保存 x（ctx.save_for_backward）和随机数"
              "状态（torch.get_rng_state()），并返回 fn(x)（这里 autograd 是关闭的，所以 fn 内部"
              "什么也不会保存）。backward 取出 x，detach 后设 requires_grad，在打开 autograd"
              "（torch.enable_grad()）并恢复保存的随机数状态的情况下重新计算 fn(x)——放在 "
              "torch.random.fork_rng() 里，使全局随机数生成器保持原样——然后把传进来的梯度沿这个"
              "输出反向传播（torch.autograd.backward），返回 x 的梯度。fn 内部用到的权重会在这次"
              "内层反向中得到各自的 .grad。"),
        stub='''
            def checkpoint(fn, x: Tensor) -> Tensor:
                """fn(x), recomputed in backward instead of keeping its activations."""
        ''',
        reference="dlfs.train.recompute:checkpoint",
        extra_refused=("torch.utils.checkpoint",),
        cases=checkpoint_cases,
        mutants={"no checkpoint (plain call)": _ckpt_plain,
                 "RNG not replayed": _ckpt_no_rng_replay,
                 "recompute with autograd off": _ckpt_no_enable_grad,
                 "global RNG left rewound": _ckpt_rng_not_forked},
        hints=(("class Recompute(torch.autograd.Function) with forward(ctx, fn, x) and "
                "backward(ctx, grad) -> (None, grad_x): one gradient per forward argument, "
                "None for fn. Call it as Recompute.apply(fn, x).",
                "写 class Recompute(torch.autograd.Function)，包含 forward(ctx, fn, x) 和 "
                "backward(ctx, grad) -> (None, grad_x)：forward 的每个参数对应一个梯度，fn 对应 "
                "None。调用方式为 Recompute.apply(fn, x)。"),
               ("In backward: x = ctx.saved_tensors[0].detach().requires_grad_(True); with "
                "torch.random.fork_rng(): torch.set_rng_state(ctx.rng); with torch.enable_grad(): "
                "out = ctx.fn(x); then torch.autograd.backward(out, grad); return None, x.grad.",
                "在 backward 里：x = ctx.saved_tensors[0].detach().requires_grad_(True)；"
                "with torch.random.fork_rng(): torch.set_rng_state(ctx.rng)；"
                "with torch.enable_grad(): out = ctx.fn(x)；然后 torch.autograd.backward(out, "
                "grad)；return None, x.grad。")),
    ),
]
