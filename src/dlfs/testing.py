"""Parity helpers: prove that a from-scratch piece equals the PyTorch built-in.

One call compares values *and* gradients, so a parity test is two lines::

    x = torch.randn(4, 7, dtype=torch.float64)
    assert_fn_parity(dlfs_F.gelu, torch.nn.functional.gelu, x)

    ref = torch.nn.Linear(7, 3).double()
    assert_module_parity(dlfs.nn.Linear(7, 3).double(), ref, x)

Inputs are cloned for each side; floating-point inputs get ``requires_grad=True``; the same
random upstream gradient is pushed back through both outputs; input gradients and (for
modules) parameter gradients are compared by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

__all__ = ["assert_close_tree", "assert_fn_parity", "assert_module_parity", "tolerances"]


def tolerances(dtype: torch.dtype) -> dict[str, float]:
    """Default (atol, rtol): tight for float64, loose for float32 and below."""
    if dtype == torch.float64:
        return {"atol": 1e-10, "rtol": 1e-7}
    if dtype == torch.float32:
        return {"atol": 1e-5, "rtol": 1e-4}
    return {"atol": 1e-2, "rtol": 1e-2}


def _clone(x: Any) -> Any:
    if isinstance(x, torch.Tensor):
        y = x.detach().clone()
        if y.is_floating_point() or y.is_complex():
            y.requires_grad_(True)
        return y
    if isinstance(x, (list, tuple)):
        return type(x)(_clone(v) for v in x)
    return x


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


def _backward_both(out_a: Any, out_b: Any, seed: int) -> None:
    ta = [t for t in _tensors(out_a) if t.requires_grad]
    tb = [t for t in _tensors(out_b) if t.requires_grad]
    if not ta:
        return
    gen = torch.Generator().manual_seed(seed)
    grads = [torch.randn(t.shape, generator=gen, dtype=t.dtype).to(t.device) for t in ta]
    torch.autograd.backward(ta, grads)
    torch.autograd.backward(tb, [g.clone() for g in grads])


def assert_fn_parity(ours: Callable[..., Any], ref: Callable[..., Any], *inputs: Any,
                     kwargs: dict[str, Any] | None = None, grad: bool = True,
                     atol: float | None = None, rtol: float | None = None,
                     seed: int = 0) -> None:
    """``ours(*inputs, **kwargs)`` equals ``ref(...)`` in value and in input gradients."""
    kwargs = kwargs or {}
    dtype = next((t.dtype for t in _tensors(list(inputs)) if t.is_floating_point()),
                 torch.float64)
    tol = tolerances(dtype)
    if atol is not None:
        tol["atol"] = atol
    if rtol is not None:
        tol["rtol"] = rtol
    in_a, in_b = _clone(list(inputs)), _clone(list(inputs))
    out_a, out_b = ours(*in_a, **kwargs), ref(*in_b, **kwargs)
    assert_close_tree(out_a, out_b, "output", **tol)
    if not grad:
        return
    _backward_both(out_a, out_b, seed)
    for i, (x, y) in enumerate(zip(_tensors(in_a), _tensors(in_b))):
        if (x.grad is None) != (y.grad is None):
            raise AssertionError(f"input[{i}] grad: ours {'missing' if x.grad is None else 'set'}"
                                 f", reference {'missing' if y.grad is None else 'set'}")
        if x.grad is not None:
            torch.testing.assert_close(x.grad, y.grad, **tol,
                                       msg=lambda m, i=i: f"grad of input[{i}]: {m}")


def assert_module_parity(ours: nn.Module, ref: nn.Module, *inputs: Any,
                         forward_kwargs: dict[str, Any] | None = None,
                         load_state: bool = True, grad: bool = True,
                         atol: float | None = None, rtol: float | None = None,
                         seed: int = 0) -> None:
    """Load ``ref``'s state_dict into ``ours`` (strict), then compare outputs, input
    gradients, parameter gradients (by parameter name) and buffers after the forward.

    Both modules keep their current train/eval mode; set it before calling.
    """
    if load_state:
        ours.load_state_dict(ref.state_dict(), strict=True)
    names_a = [n for n, _ in ours.named_parameters()]
    names_b = [n for n, _ in ref.named_parameters()]
    if sorted(names_a) != sorted(names_b):
        raise AssertionError(f"parameter names differ: ours {names_a}, reference {names_b}")
    assert_fn_parity(ours, ref, *inputs, kwargs=forward_kwargs, grad=grad,
                     atol=atol, rtol=rtol, seed=seed)
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
        for name, p in ours.named_parameters():
            q = params_b[name]
            if (p.grad is None) != (q.grad is None):
                raise AssertionError(f"grad of parameter {name!r}: present in only one module")
            if p.grad is not None:
                torch.testing.assert_close(p.grad, q.grad, **tol,
                                           msg=lambda m, n=name: f"grad of {n!r}: {m}")
    buffers_b = dict(ref.named_buffers())
    for name, buf in ours.named_buffers():
        if name in buffers_b:
            torch.testing.assert_close(buf, buffers_b[name], **tol,
                                       msg=lambda m, n=name: f"buffer {n!r}: {m}")

