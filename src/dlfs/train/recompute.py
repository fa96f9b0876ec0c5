"""Gradient checkpointing (activation recomputation), from scratch: keep a block's inputs
instead of its activations, and run the block a second time during backward.

Backward needs what the forward computed: a network of n blocks keeps every block's saved
activations alive until its backward, so its memory grows as ``n * A`` (A: the activations one
block saves, e.g. ``(B, H, T, T)`` attention weights and ``(B, T, 4C)`` MLP hiddens).
:func:`checkpoint` runs ``fn`` with autograd off (nothing inside is saved), keeps only the
inputs and the RNG state, and in backward

    1. restores the RNG state (so dropout draws the same masks),
    2. runs ``fn`` again with autograd on, building its graph afresh,
    3. backpropagates the incoming gradient through that graph,

so the memory of n checkpointed blocks is ``n * x + A`` (x: one block's input, e.g.
``(B, T, C)``) for the price of one more forward per block (a backward costs about two
forwards, so a step takes roughly a third longer; more where the forward dominates).

:func:`checkpoint_sequential` splits a chain of n functions into s segments and checkpoints
every segment but the last; during backward one segment's activations are alive at a time:

    memory  ~  s * x  +  (n / s) * A        smallest at  s = sqrt(n * A / x)

which is the textbook ``s = sqrt(n)`` (:func:`sqrt_segments`) when a function keeps about as
much as its input (A = x); a block that keeps more (a GPT block keeps 10-30 x its input)
wants more, smaller segments.

This is the "re-entrant" design of ``torch.utils.checkpoint(use_reentrant=True)``: a custom
``autograd.Function`` whose backward calls ``torch.autograd.backward`` on the recomputed graph,
so gradients of parameters used inside ``fn`` are *accumulated into their* ``.grad`` there. It
therefore works with ``loss.backward()`` but not with ``torch.autograd.grad(loss, params)``
(those gradients would land in ``.grad`` instead of being returned).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

__all__ = ["checkpoint", "checkpoint_sequential", "sqrt_segments"]


def _devices_of(tensors: Sequence[Tensor]) -> list[int]:
    """CUDA device indices among ``tensors`` (their RNG states are saved too)."""
    return sorted({t.device.index or 0 for t in tensors if t.device.type == "cuda"})


def _autocast_state() -> list[tuple[str, bool, torch.dtype]]:
    """For each device type with autocast: (device type, enabled, dtype) right now."""
    kinds = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    return [(k, torch.is_autocast_enabled(k), torch.get_autocast_dtype(k)) for k in kinds]


class _Recompute(torch.autograd.Function):
    """``apply(fn, preserve_rng, anchor, *args) -> fn(*args)``, recomputed in backward.

    ``anchor`` is an empty tensor that requires grad: it makes the output require grad (so
    this backward runs, and reaches the parameters inside ``fn``) even when no input does,
    e.g. for the first block fed with raw data.
    """

    @staticmethod
    def forward(ctx: Any, fn: Callable, preserve_rng: bool, anchor: Tensor,
                *args: Any) -> Any:
        tensors = [a for a in args if isinstance(a, Tensor)]
        ctx.fn, ctx.preserve_rng, ctx.autocast = fn, preserve_rng, _autocast_state()
        ctx.is_tensor = [isinstance(a, Tensor) for a in args]
        ctx.others = [None if isinstance(a, Tensor) else a for a in args]
        ctx.devices = _devices_of(tensors)
        if preserve_rng:
            ctx.cpu_rng = torch.get_rng_state()
            ctx.cuda_rng = [torch.cuda.get_rng_state(d) for d in ctx.devices]
        ctx.save_for_backward(*tensors)   # the inputs: the only tensors kept for backward
        return fn(*args)                  # autograd is off inside Function.forward

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Tensor) -> tuple[Tensor | None, ...]:
        saved = iter(ctx.saved_tensors)
        args = []               # the inputs again: tensors cut from the outer graph
        for is_tensor, other in zip(ctx.is_tensor, ctx.others):
            if is_tensor:
                t = next(saved)
                args.append(t.detach().requires_grad_(t.requires_grad))
            else:
                args.append(other)
        with torch.random.fork_rng(devices=ctx.devices, enabled=ctx.preserve_rng):
            if ctx.preserve_rng:                  # replay the forward's random numbers
                torch.set_rng_state(ctx.cpu_rng)
                for device, state in zip(ctx.devices, ctx.cuda_rng):
                    torch.cuda.set_rng_state(state, device)
            with torch.enable_grad(), _replay_autocast(ctx.autocast):
                outputs = ctx.fn(*args)           # the graph of fn, built again
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grad_outputs)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if pairs:
            torch.autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        grads = tuple(a.grad if isinstance(a, Tensor) and a.requires_grad else None
                      for a in args)
        return (None, None, None, *grads)


class _replay_autocast:
    """Enter the autocast settings the forward ran under (backward runs outside them)."""

    def __init__(self, state: list[tuple[str, bool, torch.dtype]]):
        self.contexts = [torch.autocast(kind, dtype=dtype, enabled=enabled)
                         for kind, enabled, dtype in state]

    def __enter__(self) -> None:
        for context in self.contexts:
            context.__enter__()

    def __exit__(self, *exc: Any) -> None:
        for context in reversed(self.contexts):
            context.__exit__(*exc)


def checkpoint(fn: Callable[..., Any], *args: Any, preserve_rng_state: bool = True) -> Any:
    """``fn(*args)`` without keeping its activations: they are recomputed in backward.

    ``fn`` returns a tensor or a tuple of tensors (e.g. a Transformer block ``(B, T, C) ->
    (B, T, C)``); ``args`` may mix tensors and other values. With ``preserve_rng_state`` the
    recomputation draws the same random numbers as the forward (dropout masks repeat), and
    the global RNG is left as if no recomputation had happened. The autocast settings of the
    forward are used again. Outside autograd (``torch.no_grad()``) it is just ``fn(*args)``.

    >>> lin = torch.nn.Linear(3, 2)
    >>> x = torch.randn(4, 3, requires_grad=True)
    >>> checkpoint(lin, x).sum().backward()
    >>> g = x.grad.clone(); x.grad = None
    >>> lin(x).sum().backward()
    >>> torch.allclose(g, x.grad)
    True
    """
    if not callable(fn):
        raise TypeError(f"checkpoint: fn must be callable (a module or a function), "
                        f"got {type(fn).__name__}")
    if not torch.is_grad_enabled():
        return fn(*args)
    anchor = torch.empty(0, requires_grad=True)
    return _Recompute.apply(fn, preserve_rng_state, anchor, *args)


def sqrt_segments(n: int) -> int:
    """The number of segments that minimizes ``s + n / s`` for n functions: round(sqrt(n)).

    >>> [sqrt_segments(n) for n in (1, 4, 10, 16, 100)]
    [1, 2, 3, 4, 10]
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"sqrt_segments: n must be an int >= 1, got {n!r}")
    return max(1, round(math.sqrt(n)))


def _run_range(functions: Sequence[Callable], start: int, end: int) -> Callable[[Any], Any]:
    def run(x: Any) -> Any:
        for f in functions[start:end]:
            x = f(x)
        return x
    return run


def checkpoint_sequential(functions: Sequence[Callable] | torch.nn.Sequential, segments: int,
                          x: Any, *, preserve_rng_state: bool = True) -> Any:
    """Run the chain ``functions`` on ``x``, checkpointing all of its ``segments`` but the
    last (whose activations backward needs first anyway).

    The first ``segments - 1`` segments hold ``n // segments`` functions each, the last one
    the rest — the split of ``torch.utils.checkpoint.checkpoint_sequential``. Use
    ``segments=sqrt_segments(n)`` for the least memory.
    """
    functions = list(functions.children()) if isinstance(functions, torch.nn.Sequential) \
        else list(functions)
    n = len(functions)
    if n == 0:
        raise ValueError("checkpoint_sequential: functions is empty")
    if isinstance(segments, bool) or not isinstance(segments, int) or not 1 <= segments <= n:
        raise ValueError(f"checkpoint_sequential: segments must be an int in [1, {n}] "
                         f"(the number of functions), got {segments!r}")
    size = n // segments
    end = 0
    for start in range(0, size * (segments - 1), size):
        end = start + size
        x = checkpoint(_run_range(functions, start, end), x,
                       preserve_rng_state=preserve_rng_state)
    return _run_range(functions, end, n)(x)
