"""Parity helpers: prove that a from-scratch piece equals the PyTorch built-in.

One call compares values *and* gradients, so a parity test is two lines::

    x = torch.randn(4, 7, dtype=torch.float64)
    assert_fn_parity(dlfs_F.gelu, torch.nn.functional.gelu, x)

    ref = torch.nn.Linear(7, 3).double()
    assert_module_parity(dlfs.nn.Linear(7, 3).double(), ref, x)

Inputs and keyword tensors are cloned for each side; floating-point ones get
``requires_grad=True``; the same random upstream gradient is pushed back through both
outputs; the gradients of inputs, keyword tensors and (for modules) parameters are compared
by name, and so are the buffers. A side whose output is cut from the graph (``detach``,
``no_grad``) while the inputs require grad fails the check instead of skipping it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from .builtin_guard import BuiltinCallError, BuiltinCallRecorder, extra_rules

__all__ = ["CallWatch", "assert_close_tree", "assert_fn_parity", "assert_module_parity",
           "tolerances"]


def tolerances(dtype: torch.dtype) -> dict[str, float]:
    """Default (atol, rtol): tight for float64, loose for float32 and below."""
    if dtype == torch.float64:
        return {"atol": 1e-10, "rtol": 1e-7}
    if dtype == torch.float32:
        return {"atol": 1e-5, "rtol": 1e-4}
    return {"atol": 1e-2, "rtol": 1e-2}


def _clone(x: Any, grad: bool = True) -> Any:
    """A fresh copy of every tensor in ``x``; floating ones require grad if ``grad``."""
    if isinstance(x, torch.Tensor):
        y = x.detach().clone()
        if grad and (y.is_floating_point() or y.is_complex()):
            y.requires_grad_(True)
        return y
    if isinstance(x, (list, tuple)):
        return type(x)(_clone(v, grad) for v in x)
    return x


def _clone_kwargs(kwargs: dict[str, Any], grad_kwargs: bool | Collection[str]
                  ) -> dict[str, Any]:
    """Keyword arguments with fresh tensors; ``grad_kwargs`` says which floating ones get
    ``requires_grad`` (True: all; False: none; a collection: those names)."""
    def wants_grad(name: str) -> bool:
        return grad_kwargs if isinstance(grad_kwargs, bool) else name in grad_kwargs
    return {k: _clone(v, wants_grad(k)) for k, v in kwargs.items()}


def _tensors(tree: Any) -> list[torch.Tensor]:
    if isinstance(tree, torch.Tensor):
        return [tree]
    if isinstance(tree, (list, tuple)):
        return [t for v in tree for t in _tensors(v)]
    if isinstance(tree, dict):
        return [t for v in tree.values() for t in _tensors(v)]
    return []


def assert_close_tree(ours: Any, ref: Any, what: str, **tol: float) -> None:
    """Compare two (nested) outputs tensor by tensor, naming the position on failure."""
    a, b = _tensors(ours), _tensors(ref)
    if len(a) != len(b):
        raise AssertionError(f"{what}: ours has {len(a)} tensors, reference has {len(b)}")
    for i, (x, y) in enumerate(zip(a, b)):
        if x.shape != y.shape:
            raise AssertionError(f"{what}[{i}]: shape {tuple(x.shape)} != {tuple(y.shape)}")
        if x.dtype != y.dtype:
            raise AssertionError(f"{what}[{i}]: dtype {x.dtype} != {y.dtype}")
        torch.testing.assert_close(x, y, msg=lambda m, i=i: f"{what}[{i}]: {m}", **tol)


def _backward_both(out_a: Any, out_b: Any, seed: int, watch: CallWatch) -> None:
    """Push the same random upstream gradient through both outputs (ours watched for
    built-in calls). Both must be attached to the graph: an output that does not require
    grad (while the inputs do) means one side cut it, and the gradient comparison would
    silently compare nothing."""
    ta = [t for t in _tensors(out_a) if t.requires_grad]
    tb = [t for t in _tensors(out_b) if t.requires_grad]
    if len(ta) != len(tb) or not ta:
        raise AssertionError(
            f"outputs that require grad: ours {len(ta)}, reference {len(tb)} — a side whose "
            "output is detached (or computed under no_grad) has no gradient to compare; "
            "pass grad=False only where the function has no derivative")
    gen = torch.Generator().manual_seed(seed)
    grads = [torch.randn(t.shape, generator=gen, dtype=t.dtype).to(t.device) for t in ta]
    with watch("backward"):
        torch.autograd.backward(ta, grads)
    torch.autograd.backward(tb, [g.clone() for g in grads])


class CallWatch:
    """Runs blocks of "ours" under a :class:`BuiltinCallRecorder` (when ``on``) and fails
    naming the built-ins called: a from-scratch piece must not call what it re-implements."""

    def __init__(self, on: bool) -> None:
        self.on = on

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        if not self.on and not extra_rules():
            yield
            return
        recorder = BuiltinCallRecorder(builtins=self.on)
        try:
            with recorder:
                yield
        except Exception as exc:   # a refused call is the verdict, whatever happened next
            if recorder.calls:
                raise BuiltinCallError(
                    f"ours calls the PyTorch built-in in its {phase}: "
                    f"{', '.join(recorder.calls)}", recorder.calls) from exc
            raise
        if recorder.calls:
            raise BuiltinCallError(
                f"ours calls the PyTorch built-in in its {phase}: {', '.join(recorder.calls)} "
                "(pass builtins_ok=True only for an opt-in fast path)", recorder.calls)


def _compare_grads(pairs: list[tuple[str, torch.Tensor, torch.Tensor]],
                   tol: dict[str, float]) -> None:
    """``(name, ours, reference)`` leaves: a gradient on one side only, or a different one,
    fails naming the leaf."""
    for name, x, y in pairs:
        if (x.grad is None) != (y.grad is None):
            raise AssertionError(f"grad of {name}: ours {'missing' if x.grad is None else 'set'}"
                                 f", reference {'missing' if y.grad is None else 'set'}")
        if x.grad is not None:
            torch.testing.assert_close(x.grad, y.grad, **tol,
                                       msg=lambda m, n=name: f"grad of {n}: {m}")


def assert_fn_parity(ours: Callable[..., Any], ref: Callable[..., Any], *inputs: Any,
                     kwargs: dict[str, Any] | None = None, grad: bool = True,
                     grad_kwargs: bool | Collection[str] = True,
                     atol: float | None = None, rtol: float | None = None,
                     seed: int = 0, builtins_ok: bool = False) -> None:
    """``ours(*inputs, **kwargs)`` equals ``ref(...)`` in value and in the gradients of the
    inputs and of the floating keyword tensors (``grad_kwargs``: all, none, or these names —
    leave out the ones torch has no derivative for, such as ``nll_loss``'s ``weight``).

    ``ours`` runs (forward and backward) under a :class:`BuiltinCallRecorder`: a call into
    ``torch.nn.functional``, a fused ``torch.*`` kernel or a ``torch.nn`` layer fails the
    check, unless ``builtins_ok`` (for comparing an opt-in fast path).
    """
    kwargs = kwargs or {}
    dtype = next((t.dtype for t in _tensors(list(inputs)) if t.is_floating_point()),
                 torch.float64)
    tol = tolerances(dtype)
    if atol is not None:
        tol["atol"] = atol
    if rtol is not None:
        tol["rtol"] = rtol
    in_a, in_b = _clone(list(inputs), grad), _clone(list(inputs), grad)
    kw_a, kw_b = (_clone_kwargs(kwargs, grad and grad_kwargs) for _ in range(2))
    watch = CallWatch(not builtins_ok)
    with watch("forward"):
        out_a = ours(*in_a, **kw_a)
    out_b = ref(*in_b, **kw_b)
    assert_close_tree(out_a, out_b, "output", **tol)
    if not grad:
        return
    _backward_both(out_a, out_b, seed, watch)
    pairs = [(f"input[{i}]", x, y) for i, (x, y) in enumerate(zip(_tensors(in_a),
                                                                  _tensors(in_b)))]
    pairs += [(f"keyword {k!r}", x, y) for k in kw_a
              for x, y in zip(_tensors(kw_a[k]), _tensors(kw_b[k]))]
    _compare_grads(pairs, tol)


def assert_module_parity(ours: nn.Module, ref: nn.Module, *inputs: Any,
                         forward_kwargs: dict[str, Any] | None = None,
                         grad_kwargs: bool | Collection[str] = True,
                         load_state: bool = True, grad: bool = True,
                         atol: float | None = None, rtol: float | None = None,
                         seed: int = 0, builtins_ok: bool = False) -> None:
    """Load ``ref``'s state_dict into ``ours`` (strict), then compare outputs, input
    gradients, parameter gradients (by parameter name) and buffers after the forward
    (``grad_kwargs`` as in :func:`assert_fn_parity`, for tensors in ``forward_kwargs``).

    Both modules keep their current train/eval mode; set it before calling.
    """
    if load_state:
        ours.load_state_dict(ref.state_dict(), strict=True)
    names_a = [n for n, _ in ours.named_parameters()]
    names_b = [n for n, _ in ref.named_parameters()]
    if sorted(names_a) != sorted(names_b):
        raise AssertionError(f"parameter names differ: ours {names_a}, reference {names_b}")
    assert_fn_parity(ours, ref, *inputs, kwargs=forward_kwargs, grad=grad,
                     grad_kwargs=grad_kwargs, atol=atol, rtol=rtol, seed=seed,
                     builtins_ok=builtins_ok)
    # tolerance from the module's floating tensors, else from the inputs (BatchNorm with
    # affine=False has no parameters but must not get float64 tolerances in float32)
    floats = [t for t in [*ref.parameters(), *ref.buffers(), *_tensors(list(inputs))]
              if t.is_floating_point()]
    tol = tolerances(floats[0].dtype if floats else torch.float64)
    if atol is not None:
        tol["atol"] = atol
    if rtol is not None:
        tol["rtol"] = rtol
    params_b = dict(ref.named_parameters())
    if grad:
        _compare_grads([(f"parameter {n!r}", p, params_b[n]) for n, p in ours.named_parameters()],
                       tol)
    buffers_a, buffers_b = dict(ours.named_buffers()), dict(ref.named_buffers())
    if sorted(buffers_a) != sorted(buffers_b):
        raise AssertionError(f"buffer names differ: ours {sorted(buffers_a)}, "
                             f"reference {sorted(buffers_b)}")
    for name, buf in buffers_a.items():
        torch.testing.assert_close(buf, buffers_b[name], **tol,
                                   msg=lambda m, n=name: f"buffer {n!r}: {m}")

