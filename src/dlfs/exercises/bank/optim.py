"""Exercises on optimizers and gradient handling: SGD, Adam, AdamW, gradient clipping, a
warm-up + cosine schedule, gradient accumulation and dynamic loss scaling (PyTorch roadmap
days 10, 14, 16, 17; book ch. 3; autograd part 06).

An optimizer is checked step by step against ``torch.optim`` on identical float64
parameters fed identical gradients: after every step the parameters and the optimizer state
(under torch's state keys) must agree. Clipping is checked against
``torch.nn.utils.clip_grad_norm_``, accumulation against one backward over the whole batch,
the loss scaler against ``torch.amp.GradScaler`` on the CPU.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
from torch import Tensor, nn

from ...optim import SGD
from ..cases import Case, assert_close, watched
from ..schema import Exercise

# ---- optimizers: shared checker ---------------------------------------------------------

_SHAPES = [(3,), (2, 4), (1,), (5,)]
_NO_GRAD = 2    # this parameter never gets a gradient: no update, no state


def _params(n: int, seed: int) -> list[nn.Parameter]:
    gen = torch.Generator().manual_seed(seed)
    return [nn.Parameter(torch.randn(*shape, generator=gen, dtype=torch.float64))
            for shape in _SHAPES[:n]]


def _state_of(opt: Any, p: Tensor) -> dict | None:
    state = getattr(opt, "state", None)
    if state is None:
        raise AssertionError("the optimizer has no attribute `state` (a dict: parameter -> "
                             "its state dict)")
    return state.get(p) if hasattr(state, "get") else None


def _compare_optim(t: int, ours_opt: Any, ref_opt: Any, ours: list[Tensor],
                   ref: list[Tensor], keys: tuple[str, ...]) -> None:
    for i, (a, b) in enumerate(zip(ours, ref)):
        where = f"after step {t}, parameter {i} {tuple(a.shape)}"
        assert_close(a.detach(), b.detach(), f"{where}: value")
        got, want = _state_of(ours_opt, a), ref_opt.state.get(b, {})
        for key in keys:
            if want.get(key) is None:
                continue
            if not got or key not in got:
                raise AssertionError(f"{where}: state[{key!r}] is missing (keys: "
                                     f"{sorted(got) if got else 'none'})")
            if key == "step":
                if float(got[key]) != float(want[key]):
                    raise AssertionError(f"{where}: state['step'] is {float(got[key])}, "
                                         f"expected {float(want[key])}")
            else:
                assert_close(got[key], want[key], f"{where}: state[{key!r}]")
        if not want and got:
            raise AssertionError(f"{where}: this parameter has had no gradient, so it must "
                                 f"have no state; found keys {sorted(got)}")


def optimizer_case(name: str, impl: Any, ref_cls: type, kwargs: dict[str, Any], *,
                   n_params: int, steps: int, seed: int, keys: tuple[str, ...],
                   second_group: dict[str, Any] | None = None,
                   grad_scale: float = 1.0) -> Case:
    """Run ``steps`` steps of ``impl`` and of ``ref_cls`` (torch.optim) on the same float64
    parameters with the same gradients; compare values and state after each step and
    check that ``zero_grad`` sets every ``.grad`` to None. With ``second_group``, the
    parameters are split into two param groups, the second with these overrides."""
    def run() -> None:
        ours = _params(n_params, seed)
        ref = [nn.Parameter(p.detach().clone()) for p in ours]

        def spec(ps: list[Tensor]) -> Any:
            if second_group is None:
                return list(ps)
            return [{"params": ps[:2]}, {"params": ps[2:], **second_group}]

        # torch's first optimizer imports torch._dynamo (seconds): keep that out of the watch
        ref_opt = ref_cls(spec(ref), **kwargs, foreach=False)
        opt = watched(impl)(spec(ours), **kwargs)
        gen = torch.Generator().manual_seed(seed + 1000)
        for t in range(1, steps + 1):
            for i, (a, b) in enumerate(zip(ours, ref)):
                if i == _NO_GRAD:
                    continue
                g = torch.randn(a.shape, generator=gen, dtype=torch.float64) * grad_scale
                a.grad, b.grad = g.clone(), g.clone()
            watched(opt.step)()
            ref_opt.step()
            _compare_optim(t, opt, ref_opt, ours, ref, keys)
            watched(opt.zero_grad)()
            ref_opt.zero_grad()
            stale = [i for i, p in enumerate(ours) if p.grad is not None]
            if stale:
                raise AssertionError(f"after zero_grad() (step {t}), parameters {stale} still "
                                     "have a .grad; set each one to None")
    return Case(name, run)


_BOOKKEEPING_EN = (
    "`params` is an iterable of tensors or a list of param groups (dicts with a 'params' "
    "list and optional overrides, e.g. {'params': [w], 'lr': 0.01}). Keep "
    "`self.param_groups` (a list of dicts holding 'params' and every hyper-parameter, the "
    "constructor's values filling what a group does not set) and `self.state` (a dict: "
    "parameter -> its own state dict, created at its first update). `step()` updates every "
    "parameter whose .grad is not None, in place and without recording gradients; "
    "`zero_grad()` sets every .grad to None. Do not subclass torch.optim.Optimizer: the "
    "bookkeeping is part of the exercise."
)
_BOOKKEEPING_ZH = (
    "params 可以是张量的可迭代对象，也可以是参数组列表（字典，含 'params' 列表和可选的覆盖值，"
    "如 {'params': [w], 'lr': 0.01}）。请维护 self.param_groups（字典列表，每个字典含 'params' "
    "和全部超参数，组里没写的用构造函数的值补上）和 self.state（字典：参数 -> 它自己的状态字典，"
    "在第一次更新时创建）。step() 原地更新每个 .grad 不为 None 的参数，且不记录梯度；"
    "zero_grad() 把每个 .grad 设为 None。不要继承 torch.optim.Optimizer：这些簿记工作也是练习的"
    "一部分。"
)


def _groups(params: Any, defaults: dict[str, Any]) -> list[dict[str, Any]]:
    """Param groups with the defaults filled in (used by the planted bugs below)."""
    params = list(params)
    groups = params if params and isinstance(params[0], dict) else [{"params": params}]
    return [{**defaults, **g, "params": list(g["params"])} for g in groups]


# ---- SGD -----------------------------------------------------------------------------------


def sgd_cases(impl):
    keys = ("momentum_buffer",)
    yield optimizer_case("1 parameter (3,), lr=0.1, no momentum, 2 steps", impl,
                         torch.optim.SGD, {"lr": 0.1}, n_params=1, steps=2, seed=1, keys=keys)
    yield optimizer_case("2 parameters, lr=0.05, momentum=0.9, 3 steps", impl,
                         torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}, n_params=2, steps=3,
                         seed=2, keys=keys)
    yield optimizer_case("momentum=0.9, dampening=0.3, weight_decay=0.01, 3 steps", impl,
                         torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "dampening": 0.3,
                                           "weight_decay": 0.01},
                         n_params=2, steps=3, seed=3, keys=keys)
    yield optimizer_case("nesterov, momentum=0.8, weight_decay=0.05, 2 param groups (second: "
                         "lr=0.02, momentum=0.5), a parameter without grad, 4 steps", impl,
                         torch.optim.SGD, {"lr": 0.1, "momentum": 0.8, "nesterov": True,
                                           "weight_decay": 0.05},
                         second_group={"lr": 0.02, "momentum": 0.5}, n_params=4, steps=4,
                         seed=4, keys=keys)


class _SGDNesterovIgnored(SGD):
    """Planted bug: steps along the buffer even when nesterov is set."""

    def update(self, p, grad, state, group):
        super().update(p, grad, state, {**group, "nesterov": False})


class _SGDDecayAfterMomentum(SGD):
    """Planted bug: the buffer averages the raw gradient; the decay is added to the step."""

    def update(self, p, grad, state, group):
        mu, lam = group["momentum"], group["weight_decay"]
        g = grad
        if mu != 0:
            b = state.get("momentum_buffer")
            if b is None:
                b = state["momentum_buffer"] = grad.detach().clone()
            else:
                b.mul_(mu).add_(grad, alpha=1 - group["dampening"])
            g = grad + mu * b if group["nesterov"] else b
        p.add_(g + lam * p, alpha=-group["lr"])


class _SGDBufferFromZero(SGD):
    """Planted bug: the buffer starts at zero, so the first gradient is damped too."""

    def update(self, p, grad, state, group):
        if group["momentum"] != 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = torch.zeros_like(p)
        super().update(p, grad, state, group)


# ---- Adam and AdamW --------------------------------------------------------------------------

_ADAM_KEYS = ("step", "exp_avg", "exp_avg_sq")


def adam_cases(impl):
    yield optimizer_case("1 parameter (3,), lr=0.1, 1 step", impl, torch.optim.Adam,
                         {"lr": 0.1}, n_params=1, steps=1, seed=11, keys=_ADAM_KEYS)
    yield optimizer_case("2 parameters, lr=0.01, betas=(0.8, 0.9), 4 steps", impl,
                         torch.optim.Adam, {"lr": 0.01, "betas": (0.8, 0.9)}, n_params=2,
                         steps=4, seed=12, keys=_ADAM_KEYS)
    yield optimizer_case("small gradients (~1e-3), eps=1e-4, 3 steps", impl, torch.optim.Adam,
                         {"lr": 0.01, "eps": 1e-4}, n_params=2, steps=3, seed=13,
                         keys=_ADAM_KEYS, grad_scale=1e-3)
    yield optimizer_case("weight_decay=0.1 (L2), 2 param groups (second: lr=0.003, "
                         "weight_decay=0), a parameter without grad, 5 steps", impl,
                         torch.optim.Adam, {"lr": 0.02, "weight_decay": 0.1},
                         second_group={"lr": 0.003, "weight_decay": 0.0}, n_params=4, steps=5,
                         seed=14, keys=_ADAM_KEYS)


def adamw_cases(impl):
    yield optimizer_case("1 parameter (3,), lr=0.1, default weight_decay=0.01, 1 step", impl,
                         torch.optim.AdamW, {"lr": 0.1}, n_params=1, steps=1, seed=21,
                         keys=_ADAM_KEYS)
    yield optimizer_case("2 parameters, lr=0.05, weight_decay=0.5, betas=(0.85, 0.95), "
                         "4 steps", impl, torch.optim.AdamW,
                         {"lr": 0.05, "weight_decay": 0.5, "betas": (0.85, 0.95)},
                         n_params=2, steps=4, seed=22, keys=_ADAM_KEYS)
    yield optimizer_case("small gradients (~1e-3), eps=1e-4, weight_decay=0.2, 3 steps", impl,
                         torch.optim.AdamW, {"lr": 0.01, "eps": 1e-4, "weight_decay": 0.2},
                         n_params=2, steps=3, seed=23, keys=_ADAM_KEYS, grad_scale=1e-3)
    yield optimizer_case("2 param groups (second: lr=0.01, weight_decay=0), a parameter "
                         "without grad, 5 steps", impl, torch.optim.AdamW,
                         {"lr": 0.03, "weight_decay": 0.3},
                         second_group={"lr": 0.01, "weight_decay": 0.0}, n_params=4, steps=5,
                         seed=24, keys=_ADAM_KEYS)


class _AdamUpdateBase:
    """The bookkeeping of a plain Adam for the planted bugs; ``direction`` is the bug."""

    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=None):
        if weight_decay is None:
            weight_decay = 1e-2 if self.decoupled else 0.0
        self.param_groups = _groups(params, {"lr": lr, "betas": betas, "eps": eps,
                                             "weight_decay": weight_decay})
        self.state: dict[Tensor, dict[str, Any]] = {}

    def zero_grad(self):
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(p, {})
                if not state:
                    state.update(step=torch.tensor(0.0, dtype=torch.float64),
                                 exp_avg=torch.zeros_like(p), exp_avg_sq=torch.zeros_like(p))
                self.update(p, p.grad, state, group)

    def update(self, p, g, state, group):
        lr, (b1, b2), lam = group["lr"], group["betas"], group["weight_decay"]
        state["step"] += 1
        t = float(state["step"])
        if lam:
            if self.decoupled:
                p.mul_(1 - lr * lam)
            else:
                g = g + lam * p
        state["exp_avg"].mul_(b1).add_(g, alpha=1 - b1)
        state["exp_avg_sq"].mul_(b2).addcmul_(g, g, value=1 - b2)
        p.sub_(self.direction(state, group, t) * lr)


class _AdamNoBiasCorrection(_AdamUpdateBase):
    """Planted bug: m / (sqrt(v) + eps) without dividing by 1 - beta^t."""

    def direction(self, state, group, t):
        return state["exp_avg"] / (state["exp_avg_sq"].sqrt() + group["eps"])


class _AdamEpsInsideSqrt(_AdamUpdateBase):
    """Planted bug: m_hat / sqrt(v_hat + eps)."""

    def direction(self, state, group, t):
        b1, b2 = group["betas"]
        m_hat = state["exp_avg"] / (1 - b1**t)
        v_hat = state["exp_avg_sq"] / (1 - b2**t)
        return m_hat / (v_hat + group["eps"]).sqrt()


class _AdamWAsL2(_AdamUpdateBase):
    """Planted bug (AdamW): the decay is added to the gradient, as Adam's L2 penalty."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)

    def direction(self, state, group, t):
        b1, b2 = group["betas"]
        m_hat = state["exp_avg"] / (1 - b1**t)
        return m_hat / ((state["exp_avg_sq"] / (1 - b2**t)).sqrt() + group["eps"])


class _AdamWNoBiasCorrection(_AdamNoBiasCorrection):
    """Planted bug (AdamW): decoupled decay, but no bias correction."""

    decoupled = True


# ---- clip_grad_norm_ -------------------------------------------------------------------------


def _with_grads(shapes: list[tuple[int, ...]], seed: int, scale: float,
                none: tuple[int, ...] = ()) -> list[nn.Parameter]:
    gen = torch.Generator().manual_seed(seed)
    params = []
    for i, shape in enumerate(shapes):
        p = nn.Parameter(torch.randn(*shape, generator=gen, dtype=torch.float64))
        if i not in none:
            p.grad = torch.randn(*shape, generator=gen, dtype=torch.float64) * scale
        params.append(p)
    return params


def _clip_case(name: str, impl: Any, shapes: list[tuple[int, ...]], max_norm: float,
               seed: int, *, scale: float = 1.0, none: tuple[int, ...] = (),
               given: str = "list") -> Case:
    def run() -> None:
        ours = _with_grads(shapes, seed, scale, none)
        ref = [nn.Parameter(p.detach().clone()) for p in ours]
        for a, b in zip(ours, ref):
            b.grad = None if a.grad is None else a.grad.clone()
        holder = nn.Module()                  # its .parameters() is a generator (torch's)
        for i, p in enumerate(ours):
            holder.register_parameter(f"p{i}", p)
        arg = {"tensor": ours[0], "list": ours, "generator": holder.parameters()}[given]
        got = watched(impl)(arg, max_norm)
        want = torch.nn.utils.clip_grad_norm_(ref[0] if given == "tensor" else ref, max_norm)
        assert_close(got, want, f"returned total norm (expected {float(want):.6g})")
        for i, (a, b) in enumerate(zip(ours, ref)):
            if b.grad is None:
                if a.grad is not None:
                    raise AssertionError(f"parameter {i} had no gradient; it must keep none")
                continue
            assert_close(a.grad, b.grad, f"grad of parameter {i} {tuple(a.shape)} after "
                         f"clipping to max_norm={max_norm:g} (global norm {float(want):.6g})")
    return Case(name, run)


def clip_cases(impl):
    yield _clip_case("one tensor (3,) passed directly, norm ~0.3 below max_norm=1: unchanged",
                     impl, [(3,)], 1.0, seed=1, scale=0.2, given="tensor")
    yield _clip_case("3 tensors (4,), (2, 3), (1,), norm ~4 above max_norm=1", impl,
                     [(4,), (2, 3), (1,)], 1.0, seed=2)
    yield _clip_case("a generator of 4 parameters, one without grad, max_norm=0.5", impl,
                     [(3, 2), (2,), (5,), (1, 1)], 0.5, seed=3, none=(2,), given="generator")
    yield _clip_case("tiny gradients: norm ~2e-4 above max_norm=1e-4 (the 1e-6 matters)", impl,
                     [(2, 2), (3,)], 1e-4, seed=4, scale=6e-5)
    yield _clip_case("norm ~3 below max_norm=10, odd shapes (1, 7), (3, 1, 2): unchanged", impl,
                     [(1, 7), (3, 1, 2)], 10.0, seed=5)


def _clip_per_tensor(parameters, max_norm):
    """Planted bug: each tensor is clipped to max_norm on its own."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    norms = []
    for p in params:
        if p.grad is None:
            continue
        n = p.grad.norm()
        norms.append(n)
        p.grad.mul_((max_norm / (n + 1e-6)).clamp(max=1.0))
    return torch.stack(norms).norm() if norms else torch.tensor(0.0)


def _clip_always_rescales(parameters, max_norm):
    """Planted bug: rescales to max_norm even when the norm is below it, and drops the 1e-6."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.stack([g.norm() for g in grads]).norm()
    for g in grads:
        g.mul_(max_norm / total)
    return total


def _clip_no_eps(parameters, max_norm):
    """Planted bug: max_norm / total, without torch's 1e-6."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.stack([g.norm() for g in grads]).norm()
    for g in grads:
        g.mul_((max_norm / total).clamp(max=1.0))
    return total


# ---- warm-up + cosine learning-rate factor ---------------------------------------------------


def _expected_factor(step: int, warmup: int, max_steps: int, floor: float) -> float:
    """The schedule as the task states it (the checker's own copy of the formula)."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, max_steps - warmup))
    return floor + (1 - floor) * (1 + math.cos(math.pi * progress)) / 2


def _factor_case(impl: Any, warmup: int, max_steps: int, floor: float | None,
                 steps: range) -> Case:
    shown = "default floor 0.1" if floor is None else f"floor={floor}"
    name = (f"warmup_steps={warmup}, max_steps={max_steps}, {shown}: steps "
            f"{steps.start}..{steps.stop - 1}")

    def run() -> None:
        args = (warmup, max_steps) if floor is None else (warmup, max_steps, floor)
        factor = watched(impl)(*args)
        if not callable(factor):
            raise AssertionError(f"expected a function step -> factor, got "
                                 f"{type(factor).__name__}")
        factor = watched(factor)
        for s in steps:
            got = factor(s)
            want = _expected_factor(s, warmup, max_steps, 0.1 if floor is None else floor)
            if not isinstance(got, (int, float)) or abs(got - want) > 1e-12:
                raise AssertionError(f"factor({s}) = {got!r}, expected {want:.12g} "
                                     f"(warmup_steps={warmup}, max_steps={max_steps})")
    return Case(name, run)


def warmup_cosine_cases(impl):
    yield _factor_case(impl, 1, 3, 0.0, range(0, 5))
    yield _factor_case(impl, 4, 10, None, range(0, 13))
    yield _factor_case(impl, 0, 5, 0.0, range(0, 7))
    yield _factor_case(impl, 3, 3, 0.2, range(0, 6))
    yield _factor_case(impl, 10, 97, 0.05, range(0, 120))


def _factor_off_by_one(warmup_steps, max_steps, floor=0.1):
    """Planted bug: the warm-up starts at 0 (step / warmup) instead of 1 / warmup."""
    def factor(step):
        if step < warmup_steps:
            return step / warmup_steps
        progress = min(1.0, (step - warmup_steps) / max(1, max_steps - warmup_steps))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
    return factor


def _factor_ignores_floor(warmup_steps, max_steps, floor=0.1):
    """Planted bug: decays to zero whatever the floor."""
    def factor(step):
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = min(1.0, (step - warmup_steps) / max(1, max_steps - warmup_steps))
        return 0.5 * (1 + math.cos(math.pi * progress))
    return factor


def _factor_unclamped(warmup_steps, max_steps, floor=0.1):
    """Planted bug: progress is not clamped, so the cosine climbs back after max_steps."""
    def factor(step):
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, max_steps - warmup_steps)
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
    return factor


# ---- gradient accumulation ---------------------------------------------------------------------


def _mlp(seed: int, n_in: int = 4, n_out: int = 3) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(n_in, 6), nn.Tanh(), nn.Linear(6, n_out)).double()


def _accumulate_case(impl: Any, sizes: list[int], loss: str, seed: int) -> Case:
    name = f"{len(sizes)} micro-batch(es) of sizes {sizes}, {loss} loss, stale grads before"

    def run() -> None:
        model = _mlp(seed)
        full = copy.deepcopy(model)
        gen = torch.Generator().manual_seed(seed)
        n = sum(sizes)
        x = torch.randn(n, 4, generator=gen, dtype=torch.float64)
        if loss == "cross-entropy":
            loss_fn: Any = nn.functional.cross_entropy
            y: Tensor = torch.randint(0, 3, (n,), generator=gen)
        else:
            loss_fn = nn.functional.mse_loss
            y = torch.randn(n, 3, generator=gen, dtype=torch.float64)
        for p in model.parameters():                      # left over from an earlier step
            p.grad = torch.ones_like(p)
        micro = list(zip(torch.split(x, sizes), torch.split(y, sizes)))
        got = watched(impl, builtins=False)(model, loss_fn, micro)
        want = loss_fn(full(x), y)
        want.backward()
        if not isinstance(got, float):
            raise AssertionError(f"expected the loss as a Python float, got {type(got).__name__}")
        if abs(got - want.item()) > 1e-10 * max(1.0, abs(want.item())):
            raise AssertionError(f"returned loss {got!r}, expected the full-batch mean loss "
                                 f"{want.item()!r}")
        for (name_, p), q in zip(model.named_parameters(), full.parameters()):
            if p.grad is None:
                raise AssertionError(f"{name_}.grad is None after accumulation")
            assert_close(p.grad, q.grad, f"{name_}.grad (vs one backward over all {n} "
                         "samples)")
    return Case(name, run)


def accumulate_cases(impl):
    yield _accumulate_case(impl, [1], "cross-entropy", seed=1)
    yield _accumulate_case(impl, [3, 3], "cross-entropy", seed=2)
    yield _accumulate_case(impl, [4, 4, 4, 4], "mse", seed=3)
    yield _accumulate_case(impl, [4, 4, 2], "cross-entropy", seed=4)
    yield _accumulate_case(impl, [1, 5, 3], "mse", seed=5)


def _accumulate_undivided(model, loss_fn, micro_batches):
    """Planted bug: adds up the micro-batch mean losses without dividing."""
    model.zero_grad(set_to_none=True)
    value = 0.0
    for x, y in micro_batches:
        loss = loss_fn(model(x), y)
        loss.backward()
        value += loss.item()
    return value / len(micro_batches)


def _accumulate_by_count(model, loss_fn, micro_batches):
    """Planted bug: divides by the number of micro-batches (wrong when their sizes differ)."""
    model.zero_grad(set_to_none=True)
    value = 0.0
    for x, y in micro_batches:
        loss = loss_fn(model(x), y) / len(micro_batches)
        loss.backward()
        value += loss.item()
    return value


def _accumulate_onto_stale(model, loss_fn, micro_batches):
    """Planted bug: never clears the gradients left from before."""
    total = sum(x.shape[0] for x, _ in micro_batches)
    value = 0.0
    for x, y in micro_batches:
        loss = loss_fn(model(x), y) * (x.shape[0] / total)
        loss.backward()
        value += loss.item()
    return value


# ---- dynamic loss scaling ----------------------------------------------------------------------


def _scaler_case(impl: Any, events: list[float], kwargs: dict[str, Any], seed: int, *,
                 grouped: bool = False) -> Case:
    shown = ", ".join("1" if e == 1 else str(e) for e in events)
    extra = ", 2 param groups and a parameter without grad" if grouped else ""
    name = f"{', '.join(f'{k}={v}' for k, v in kwargs.items())}; loss factors [{shown}]{extra}"

    def run() -> None:
        ours = _params(4 if grouped else 2, seed)
        ref = [nn.Parameter(p.detach().clone()) for p in ours]
        gen = torch.Generator().manual_seed(seed)
        weights = [torch.randn(p.shape, generator=gen, dtype=torch.float64) for p in ours]

        def spec(ps):
            return [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.01}] if grouped else ps

        opt, ref_opt = torch.optim.SGD(spec(ours), lr=0.1), torch.optim.SGD(spec(ref), lr=0.1)
        scaler = watched(impl)(**kwargs)
        ref_scaler = torch.amp.GradScaler("cpu", **kwargs)

        def loss_of(ps: list[Tensor], factor: float) -> Tensor:
            return sum(((p * w * factor).sum() for i, (p, w) in enumerate(zip(ps, weights))
                        if i != _NO_GRAD), torch.zeros((), dtype=torch.float64))

        for t, factor in enumerate(events, 1):
            watched(scaler.scale)(loss_of(ours, factor)).backward()
            ref_scaler.scale(loss_of(ref, factor)).backward()
            stepped = watched(scaler.step)(opt)
            watched(scaler.update)()
            ref_scaler.step(ref_opt)
            ref_scaler.update()
            finite = math.isfinite(factor)
            where = f"step {t} (loss factor {factor})"
            if not isinstance(stepped, bool) or stepped != finite:
                raise AssertionError(f"{where}: step() returned {stepped!r}, expected {finite} "
                                     f"({'finite' if finite else 'non-finite'} gradients)")
            for i, (a, b) in enumerate(zip(ours, ref)):
                assert_close(a.detach(), b.detach(), f"{where}: parameter {i} after the step")
                if b.grad is not None:
                    if a.grad is None:
                        raise AssertionError(f"{where}: parameter {i} lost its gradient")
                    torch.testing.assert_close(
                        a.grad, b.grad, equal_nan=True, atol=1e-10, rtol=1e-7,
                        msg=lambda m, i=i, where=where: f"{where}: grad of parameter {i} "
                        f"after step() (it must be unscaled, divided by the scale): {m}")
            got, want = watched(scaler.get_scale)(), ref_scaler.get_scale()
            if not isinstance(got, (int, float)) or got != want:
                raise AssertionError(f"{where}: get_scale() after update() is {got!r}, "
                                     f"expected {want}")
            opt.zero_grad()
            ref_opt.zero_grad()
    return Case(name, run)


_INF, _NAN = float("inf"), float("nan")


def loss_scaler_cases(impl):
    yield _scaler_case(impl, [1, 1, 1], {"init_scale": 8.0, "growth_interval": 2}, seed=1)
    yield _scaler_case(impl, [1, _INF, 1], {"init_scale": 1024.0, "growth_interval": 5},
                       seed=2)
    yield _scaler_case(impl, [_INF, _INF, _NAN, 1, 1],
                       {"init_scale": 64.0, "growth_interval": 2}, seed=3)
    yield _scaler_case(impl, [1, 1, _INF, 1, 1, 1, _NAN, 1, 1, 1, 1],
                       {"init_scale": 16.0, "growth_factor": 4.0, "backoff_factor": 0.25,
                        "growth_interval": 3}, seed=4, grouped=True)


class _ScalerBase:
    """The bookkeeping of a loss scaler for the planted bugs (not the reference: a planted
    bug's bases count as planted code)."""

    def __init__(self, init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000):
        self._scale, self.growth_interval = float(init_scale), growth_interval
        self.growth_factor, self.backoff_factor = growth_factor, backoff_factor
        self._good_steps, self._found_inf = 0, False

    def get_scale(self):
        return self._scale

    def scale(self, loss):
        return loss * self._scale

    def _unscale(self, optimizer):
        grads = [p.grad for g in optimizer.param_groups for p in g["params"]
                 if p.grad is not None]
        with torch.no_grad():
            for grad in grads:
                grad.mul_(1.0 / self._scale)
        return all(bool(torch.isfinite(grad).all()) for grad in grads)

    def step(self, optimizer):
        finite = self._unscale(optimizer)
        self._found_inf = not finite
        if finite:
            optimizer.step()
        return finite

    def update(self):
        if self._found_inf:
            self._scale *= self.backoff_factor
            self._good_steps = 0
            return
        self._good_steps += 1
        if self._good_steps == self.growth_interval:
            self._scale *= self.growth_factor
            self._good_steps = 0


class _ScalerNeverSkips(_ScalerBase):
    """Planted bug: steps even when the gradients overflowed."""

    def step(self, optimizer):
        self._found_inf = not self._unscale(optimizer)
        optimizer.step()
        return True


class _ScalerKeepsCount(_ScalerBase):
    """Planted bug: an overflow lowers the scale but does not restart the count of good
    steps."""

    def update(self):
        if self._found_inf:
            self._scale *= self.backoff_factor
            return
        self._good_steps += 1
        if self._good_steps % self.growth_interval == 0:
            self._scale *= self.growth_factor


class _ScalerNoUnscale(_ScalerBase):
    """Planted bug: checks the gradients but steps with them still multiplied by S."""

    def step(self, optimizer):
        finite = all(bool(torch.isfinite(p.grad).all()) for g in optimizer.param_groups
                     for p in g["params"] if p.grad is not None)
        self._found_inf = not finite
        if finite:
            optimizer.step()
        return finite


# ---- the list ----------------------------------------------------------------------------------

_OPTIM_STUB = '''
    class {name}:
        def __init__(self, params, {args}):
            """params: tensors, or param groups [{{"params": [...], "lr": ...}}, ...]."""

        def zero_grad(self) -> None:
            """Set every parameter's .grad to None."""

        @torch.no_grad()
        def step(self) -> None:
            """Update, in place, every parameter whose .grad is not None."""
'''

EXERCISES = [
    Exercise(
        id="sgd", entry="SGD", lesson="optimizers-and-grads", at=("pytorch:10", "book:3"),
        title=("SGD with momentum, Nesterov and weight decay",
               "带动量、Nesterov 与权重衰减的 SGD"),
        task=("Write the SGD optimizer of torch.optim.SGD. With g the gradient, lambda the "
              "weight decay, mu the momentum, tau the dampening and gamma the learning rate, "
              "each step does, per parameter p: g <- g + lambda p; if mu != 0: the buffer b "
              "is a copy of g on the parameter's first update, afterwards b <- mu b + (1 - tau) "
              "g, and then g <- g + mu b with nesterov, else g <- b; finally p <- p - gamma g. "
              "Store b as state[p]['momentum_buffer']. " + _BOOKKEEPING_EN,
              "实现 torch.optim.SGD 的优化器。记 g 为梯度、lambda 为权重衰减、mu 为动量、"
              "tau 为阻尼、gamma 为学习率，每一步对每个参数 p：g <- g + lambda p；"
              "若 mu != 0：参数第一次更新时缓冲 b 取 g 的副本，之后 b <- mu b + (1 - tau) g，"
              "然后用 nesterov 时 g <- g + mu b，"
              "否则 g <- b；最后 p <- p - gamma g。b 存为 state[p]['momentum_buffer']。"
              + _BOOKKEEPING_ZH),
        stub=_OPTIM_STUB.format(name="SGD", args="lr: float = 1e-3, momentum: float = 0.0, "
                                "dampening: float = 0.0,\n                     weight_decay: "
                                "float = 0.0, nesterov: bool = False"),
        reference="dlfs.optim.sgd:SGD",
        extra_refused=("torch.optim",),
        cases=sgd_cases,
        mutants={"Nesterov ignored": _SGDNesterovIgnored,
                 "weight decay added after the momentum": _SGDDecayAfterMomentum,
                 "momentum buffer starts at zero": _SGDBufferFromZero},
        hints=(("Build the groups first: each group is {**defaults, **group}; a plain list of "
                "tensors is one group. Then step() loops over groups and their parameters.",
                "先建参数组：每个组是 {**defaults, **group}；普通的张量列表就是一个组。"
                "然后 step() 依次遍历各组及其参数。"),
               ("Look the buffer up with self.state.setdefault(p, {}).get('momentum_buffer'); "
                "None means first update: store g.clone() and do not damp it.",
                "用 self.state.setdefault(p, {}).get('momentum_buffer') 取缓冲；为 None 说明是"
                "第一次更新：存入 g.clone()，这一次不做阻尼。"),
               ("Nesterov looks ahead: the step uses g + mu * b (with the new b), not b alone.",
                "Nesterov 是“向前看一步”：更新用 g + mu * b（用新的 b），而不是只用 b。")),
    ),
    Exercise(
        id="adam", entry="Adam", lesson="optimizers-and-grads", at=("book:3",),
        title=("Adam with bias correction", "带偏差校正的 Adam"),
        task=("Write the Adam optimizer of torch.optim.Adam. Per parameter, with step count t "
              "(starting at 1), gradient g and weight decay lambda: g <- g + lambda p (an L2 "
              "penalty); m <- beta1 m + (1 - beta1) g; v <- beta2 v + (1 - beta2) g^2; "
              "m_hat = m / (1 - beta1^t); v_hat = v / (1 - beta2^t); p <- p - lr m_hat / "
              "(sqrt(v_hat) + eps). Store state[p]['step'] (t), state[p]['exp_avg'] (m) and "
              "state[p]['exp_avg_sq'] (v); m and v start at zero. " + _BOOKKEEPING_EN,
              "实现 torch.optim.Adam 的优化器。对每个参数，记步数 t（从 1 开始）、梯度 g、权重衰减 "
              "lambda：g <- g + lambda p（L2 惩罚）；m <- beta1 m + (1 - beta1) g；"
              "v <- beta2 v + (1 - beta2) g^2；m_hat = m / (1 - beta1^t)；"
              "v_hat = v / (1 - beta2^t)；p <- p - lr m_hat / (sqrt(v_hat) + eps)。"
              "state[p] 中存 'step'（t）、'exp_avg'（m）和 'exp_avg_sq'（v）；m、v 从零开始。"
              + _BOOKKEEPING_ZH),
        stub=_OPTIM_STUB.format(name="Adam", args="lr: float = 1e-3,\n                     "
                                "betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,"
                                "\n                     weight_decay: float = 0.0"),
        reference="dlfs.optim.adam:Adam",
        extra_refused=("torch.optim",),
        cases=adam_cases,
        mutants={"no bias correction": _AdamNoBiasCorrection,
                 "eps inside the square root": _AdamEpsInsideSqrt},
        hints=(("State per parameter: step (a number or a 0-d tensor), exp_avg and exp_avg_sq "
                "(torch.zeros_like(p)), created the first time the parameter has a gradient.",
                "每个参数的状态：step（数字或 0 维张量）、exp_avg 和 exp_avg_sq"
                "（torch.zeros_like(p)），在参数第一次有梯度时创建。"),
               ("Early on m and v are biased towards 0 (they start there); dividing by "
                "1 - beta^t undoes it. At t = 1 the step is about lr * sign(g).",
                "一开始 m、v 偏向 0（因为从 0 开始）；除以 1 - beta^t 正好抵消。t = 1 时每个坐标的"
                "步长约为 lr * sign(g)。"),
               ("eps goes outside the root: sqrt(v_hat) + eps. It matters when gradients are "
                "tiny.",
                "eps 加在根号外面：sqrt(v_hat) + eps。梯度很小时这一点很关键。")),
    ),
    Exercise(
        id="adamw", entry="AdamW", lesson="adamw-vs-adam", at=("book:3",),
        title=("AdamW: decoupled weight decay", "AdamW：解耦的权重衰减"),
        task=("Write the AdamW optimizer of torch.optim.AdamW: Adam (with bias correction) "
              "whose weight decay is decoupled from the gradient. Per parameter, before the "
              "moments: p <- p (1 - lr lambda); the gradient itself is not changed. Then "
              "m <- beta1 m + (1 - beta1) g; v <- beta2 v + (1 - beta2) g^2; p <- p - lr "
              "m_hat / (sqrt(v_hat) + eps), with m_hat = m / (1 - beta1^t), v_hat = v / "
              "(1 - beta2^t). The default weight_decay is 0.01. Store state[p]['step'], "
              "['exp_avg'] and ['exp_avg_sq']. " + _BOOKKEEPING_EN,
              "实现 torch.optim.AdamW 的优化器：带偏差校正的 Adam，但权重衰减与梯度解耦。对每个"
              "参数，在更新矩估计之前先 p <- p (1 - lr lambda)，梯度本身不变。然后 "
              "m <- beta1 m + (1 - beta1) g；v <- beta2 v + (1 - beta2) g^2；"
              "p <- p - lr m_hat / (sqrt(v_hat) + eps)，其中 m_hat = m / (1 - beta1^t)，"
              "v_hat = v / (1 - beta2^t)。weight_decay 默认 0.01。state[p] 中存 'step'、"
              "'exp_avg' 和 'exp_avg_sq'。" + _BOOKKEEPING_ZH),
        stub=_OPTIM_STUB.format(name="AdamW", args="lr: float = 1e-3,\n                     "
                                "betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,"
                                "\n                     weight_decay: float = 1e-2"),
        reference="dlfs.optim.adam:AdamW",
        extra_refused=("torch.optim",),
        cases=adamw_cases,
        mutants={"L2 penalty added to the gradient": _AdamWAsL2,
                 "no bias correction": _AdamWNoBiasCorrection},
        hints=(("Start from Adam; only the place where lambda enters changes.",
                "从 Adam 出发；只有 lambda 参与的位置不同。"),
               ("Shrink the weight first, p.mul_(1 - lr * weight_decay), then run Adam's update "
                "with the untouched gradient.",
                "先收缩权重 p.mul_(1 - lr * weight_decay)，再用原始梯度做 Adam 的更新。")),
    ),
    Exercise(
        id="clip_grad_norm", entry="clip_grad_norm_", lesson="grad-management",
        at=("pytorch:10", "autograd:06"),
        title=("Clip gradients by their global norm", "按全局范数裁剪梯度"),
        task=("Write clip_grad_norm_(parameters, max_norm): treat the gradients of all "
              "parameters as one long vector, compute its L2 norm N (parameters whose .grad is "
              "None are skipped), and multiply every gradient in place by "
              "min(1, max_norm / (N + 1e-6)). Return N as a 0-d tensor (torch.tensor(0.0) when "
              "no parameter has a gradient). `parameters` is a single tensor or any iterable of "
              "tensors, a generator included (model.parameters()).",
              "实现 clip_grad_norm_(parameters, max_norm)：把所有参数的梯度看成一个长向量，"
              "算出它的 L2 范数 N（.grad 为 None 的参数跳过），再把每个梯度原地乘以 "
              "min(1, max_norm / (N + 1e-6))。以 0 维张量返回 N（没有任何梯度时返回 "
              "torch.tensor(0.0)）。parameters 可以是单个张量或任意张量可迭代对象，包括生成器"
              "（model.parameters()）。"),
        stub='''
            def clip_grad_norm_(parameters, max_norm: float) -> Tensor:
                """parameters: a tensor or an iterable of tensors; returns the norm before
                clipping, shape ()."""
        ''',
        reference="dlfs.nn.utils:clip_grad_norm_",
        extra_refused=("torch.nn.utils.clip_grad",),
        cases=clip_cases,
        mutants={"each tensor clipped on its own": _clip_per_tensor,
                 "rescaled even below max_norm": _clip_always_rescales,
                 "no 1e-6 in the denominator": _clip_no_eps},
        hints=(("A generator can be read only once: turn `parameters` into a list first "
                "(a lone tensor becomes [tensor]).",
                "生成器只能遍历一次：先把 parameters 变成列表（单个张量变成 [tensor]）。"),
               ("The global norm is the norm of the per-tensor norms: "
                "sqrt(sum of ||g_i||^2).",
                "全局范数就是各张量范数组成的向量的范数：sqrt(sum ||g_i||^2)。"),
               ("One factor for all: coef = min(1, max_norm / (N + 1e-6)); g.mul_(coef) for "
                "each gradient.",
                "所有梯度共用一个系数：coef = min(1, max_norm / (N + 1e-6))；每个梯度 "
                "g.mul_(coef)。")),
    ),
    Exercise(
        id="warmup_cosine", entry="warmup_cosine_factor", lesson="optimizers-and-grads",
        at=("pytorch:14",),
        title=("Linear warm-up, then cosine decay", "线性预热 + 余弦衰减"),
        task=("Return a function factor(step) -> float, the multiplier of the base learning "
              "rate (what LambdaLR takes). During the warm-up, step < warmup_steps, it is "
              "(step + 1) / warmup_steps. After it, with progress = min(1, (step - "
              "warmup_steps) / max(1, max_steps - warmup_steps)), it is floor + (1 - floor) "
              "(1 + cos(pi progress)) / 2: from 1 down to floor at max_steps, and floor "
              "from then on.",
              "返回一个函数 factor(step) -> float，即基础学习率的倍数（LambdaLR 需要的那种）。"
              "预热阶段 step < warmup_steps 时为 (step + 1) / warmup_steps。之后令 "
              "progress = min(1, (step - warmup_steps) / max(1, max_steps - warmup_steps))，"
              "倍数为 floor + (1 - floor) (1 + cos(pi progress)) / 2：到 max_steps 时从 1 降到 "
              "floor，此后一直是 floor。"),
        stub='''
            def warmup_cosine_factor(warmup_steps: int, max_steps: int,
                                     floor: float = 0.1) -> Callable[[int], float]:
                """factor = warmup_cosine_factor(4, 10); [factor(s) for s in (0, 3, 4, 10)]
                is [0.25, 1.0, 1.0, 0.1]."""
        ''',
        imports=("from collections.abc import Callable",),
        reference="dlfs.optim.lr_scheduler:warmup_cosine_factor",
        cases=warmup_cosine_cases,
        mutants={"warm-up starts at 0": _factor_off_by_one,
                 "decays to 0 ignoring floor": _factor_ignores_floor,
                 "cosine not clamped after max_steps": _factor_unclamped},
        hints=(("Define an inner function factor(step) and return it (a closure over the "
                "three arguments).",
                "在内部定义函数 factor(step) 并返回它（一个捕获这三个参数的闭包）。"),
               ("Step 0 must already train: the warm-up factor is (step + 1) / warmup_steps, "
                "reaching 1 at step warmup_steps - 1.",
                "第 0 步就要有学习率：预热倍数是 (step + 1) / warmup_steps，在第 "
                "warmup_steps - 1 步达到 1。")),
    ),
    Exercise(
        id="grad_accumulation", entry="accumulate_gradients", lesson="memory-batch-size",
        at=("pytorch:16", "autograd:06"),
        title=("Gradient accumulation over micro-batches", "在微批次上累积梯度"),
        task=("A batch too large for memory is fed as micro-batches. Write "
              "accumulate_gradients(model, loss_fn, micro_batches): clear the model's old "
              "gradients, then run forward and backward once per micro-batch (x_i, y_i) so "
              "that afterwards every parameter's .grad equals the gradient of loss_fn over the "
              "whole batch (all micro-batches concatenated). loss_fn averages over its batch, so "
              "micro-batch i (n_i of N samples) contributes loss_fn(model(x_i), y_i) * n_i / N "
              "(1 / k when the k sizes are equal). Return the whole batch's loss as a float. "
              "Do not step an optimizer.",
              "显存放不下的大批次要拆成微批次喂入。实现 accumulate_gradients(model, loss_fn, "
              "micro_batches)：先清掉模型旧的梯度，再对每个微批次 (x_i, y_i) 各做一次前向和反向，"
              "使结束后每个参数的 .grad 等于 loss_fn 在整个批次（所有微批次拼起来）上的梯度。"
              "loss_fn 对批次取平均，所以第 i 个微批次（N 个样本中的 n_i 个）贡献 "
              "loss_fn(model(x_i), y_i) * n_i / N（k 个大小相同时就是 1 / k）。以 float 返回整个"
              "批次的损失。不要调用优化器。"),
        stub='''
            def accumulate_gradients(model: nn.Module, loss_fn,
                                     micro_batches: list[tuple[Tensor, Tensor]]) -> float:
                """micro_batches: [(x_i (n_i, ...), y_i (n_i, ...)), ...]; leaves the full-batch
                gradient in each parameter's .grad and returns the full-batch loss."""
        ''',
        reference="dlfs.train.steps:accumulate_gradients",
        builtins_ok=True,
        cases=accumulate_cases,
        mutants={"forgets to divide": _accumulate_undivided,
                 "divides by the number of micro-batches": _accumulate_by_count,
                 "old gradients not cleared": _accumulate_onto_stale},
        hints=(("backward() adds into .grad; start from model.zero_grad(set_to_none=True).",
                "backward() 会累加到 .grad 上；先调用 model.zero_grad(set_to_none=True)。"),
               ("The full-batch mean is sum_i (n_i / N) * mean_i: scale each micro-batch loss "
                "by n_i / N before its backward, and add the scaled values for the return.",
                "整批平均等于 sum_i (n_i / N) * mean_i：每个微批次的损失在反向之前乘以 n_i / N，"
                "返回值把这些缩放后的损失加起来。")),
    ),
    Exercise(
        id="loss_scaler", entry="LossScaler", lesson="amp-bf16", at=("pytorch:17",),
        title=("A dynamic loss scaler for float16 training", "float16 训练的动态损失缩放"),
        task=("float16 gradients underflow, so mixed-precision training multiplies the loss by "
              "a scale S before backward. Write LossScaler (what torch.amp.GradScaler does): "
              "scale(loss) returns loss * S; step(optimizer) divides the .grad of every "
              "parameter in optimizer.param_groups by S in place, then calls optimizer.step() "
              "only if all those gradients are finite, and returns whether it stepped; "
              "update() then changes S: after a skipped step S <- S * backoff_factor and the "
              "count of good steps restarts at 0; after a good step the count grows by one and "
              "when it reaches growth_interval, S <- S * growth_factor and the count restarts. "
              "get_scale() returns S as a float.",
              "float16 的梯度会下溢，所以混合精度训练在反向之前把损失乘以缩放因子 S。实现 "
              "LossScaler（即 torch.amp.GradScaler 做的事）：scale(loss) 返回 loss * S；"
              "step(optimizer) 把 optimizer.param_groups 中每个参数的 .grad 原地除以 S，"
              "只有当这些梯度全部有限时才调用 optimizer.step()，并返回是否执行了这一步；"
              "随后 update() 调整 S：跳过一步之后 S <- S * backoff_factor，连续正常步数清零；"
              "正常一步之后计数加一，达到 growth_interval 时 S <- S * growth_factor 并重新计数。"
              "get_scale() 以 float 返回 S。"),
        stub='''
            class LossScaler:
                def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0,
                             backoff_factor: float = 0.5, growth_interval: int = 2000):
                    """Keep the scale S and the count of good steps in a row."""

                def get_scale(self) -> float:
                    """The current scale S."""

                def scale(self, loss: Tensor) -> Tensor:
                    """loss * S (any shape)."""

                @torch.no_grad()
                def step(self, optimizer) -> bool:
                    """Unscale the gradients in place; optimizer.step() only if all are finite;
                    return whether it stepped."""

                def update(self) -> None:
                    """Lower S after a skipped step; raise it after growth_interval good ones."""
        ''',
        reference="dlfs.train.loss_scaler:LossScaler",
        extra_refused=("torch.amp", "torch.cuda.amp"),
        cases=loss_scaler_cases,
        mutants={"steps even on inf/NaN": _ScalerNeverSkips,
                 "overflow does not restart the count": _ScalerKeepsCount,
                 "gradients not unscaled": _ScalerNoUnscale},
        hints=(("Remember in step() whether an inf/NaN was found; update() needs it.",
                "在 step() 里记下是否发现了 inf/NaN；update() 要用到它。"),
               ("torch.isfinite(g).all() is False as soon as one element is inf or NaN.",
                "只要有一个元素是 inf 或 NaN，torch.isfinite(g).all() 就是 False。"),
               ("The count is of good steps *in a row*: set it to 0 on every overflow and "
                "after every growth.",
                "计数的是*连续*正常步数：每次溢出和每次放大之后都要清零。")),
    ),
]
