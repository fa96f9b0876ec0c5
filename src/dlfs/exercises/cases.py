"""Building blocks for checkers: cases that compare with the PyTorch built-in (values and
gradients, by :mod:`dlfs.testing`) or assert an invariant where no built-in exists.

A checker is a generator ``cases(impl)`` yielding :class:`Case` objects, smallest input
first, so the first failure a learner sees is the smallest one::

    def gelu_cases(gelu):
        for shape in [(1,), (3, 5), (2, 3, 7)]:
            x = randn(*shape, seed=len(shape))
            yield fn_case(f"x {shape}", gelu, torch.nn.functional.gelu, x)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import torch

from ..testing import CallWatch, assert_fn_parity, assert_module_parity
from .schema import Case

__all__ = ["Case", "assert_close", "check_state_keys", "fn_case", "module_case", "randn",
           "shape_of", "watched"]

#: Whether the exercise being graded lets the code call PyTorch built-ins (set by
#: :func:`dlfs.exercises.grading.grade` from ``Exercise.builtins_ok``).
_BUILTINS_OK: ContextVar[bool] = ContextVar("dlfs_exercise_builtins_ok", default=False)


@contextmanager
def builtins_allowed(allowed: bool) -> Iterator[None]:
    token = _BUILTINS_OK.set(allowed)
    try:
        yield
    finally:
        _BUILTINS_OK.reset(token)


def randn(*shape: int, seed: int = 0, dtype: torch.dtype = torch.float64,
          scale: float = 1.0) -> torch.Tensor:
    """A seeded standard-normal tensor (float64 unless told otherwise)."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=gen, dtype=dtype) * scale


def shape_of(*tensors: torch.Tensor) -> str:
    """``"(2, 3) float64"`` for one tensor, ``"(2, 3), (3, 4) float64"`` for several."""
    shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
    return f"{shapes} {str(tensors[0].dtype).replace('torch.', '')}"


def fn_case(name: str, ours: Callable[..., Any], ref: Callable[..., Any], *inputs: Any,
            **kwargs: Any) -> Case:
    """Values and input gradients of ``ours(*inputs)`` equal ``ref(*inputs)``
    (:func:`dlfs.testing.assert_fn_parity`, keyword arguments passed on)."""
    kwargs.setdefault("builtins_ok", None)

    def run() -> None:
        if kwargs["builtins_ok"] is None:
            kwargs["builtins_ok"] = _BUILTINS_OK.get()
        assert_fn_parity(ours, ref, *inputs, **kwargs)
    return Case(name, run)


def module_case(name: str, make_ours: Callable[[], torch.nn.Module],
                make_ref: Callable[[], torch.nn.Module], *inputs: Any, train: bool = True,
                **kwargs: Any) -> Case:
    """Build both modules (float64, the reference's weights loaded into ours), set
    train/eval mode, and compare outputs, input and parameter gradients and buffers
    (:func:`dlfs.testing.assert_module_parity`)."""
    def run() -> None:
        with torch.random.fork_rng():             # construction draws no global randomness
            torch.manual_seed(len(name))
            ref = make_ref().double().train(train)
            ours = make_ours().double().train(train)
        check_state_keys(ours, ref)
        assert_module_parity(ours, ref, *inputs,
                             **{"builtins_ok": _BUILTINS_OK.get(), **kwargs})
    return Case(name, run)


def check_state_keys(ours: torch.nn.Module, ref: torch.nn.Module) -> None:
    """Same state_dict names and shapes, or an AssertionError that lists the differences
    (instead of ``load_state_dict``'s traceback)."""
    want = {k: tuple(v.shape) for k, v in ref.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in ours.state_dict().items()}
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    if missing or extra:
        raise AssertionError(f"state_dict names differ: missing {missing}, unexpected {extra} "
                             f"(expected names: {sorted(want)})")
    shapes = [f"{k}: yours {got[k]}, expected {want[k]}" for k in want if got[k] != want[k]]
    if shapes:
        raise AssertionError("state_dict shapes differ: " + "; ".join(shapes))


def watched(fn: Callable[..., Any], *, builtins: bool | None = None) -> Callable[..., Any]:
    """``fn`` run under the built-in recorder (and the workbench's rules): a call to a
    refused function raises :class:`dlfs.builtin_guard.BuiltinCallError`. ``builtins``:
    refuse PyTorch built-ins too (default: unless the exercise has ``builtins_ok``). For invariant
    checks that call the learner's code directly instead of through a parity helper."""
    def call(*args: Any, **kwargs: Any) -> Any:
        refuse = not _BUILTINS_OK.get() if builtins is None else builtins
        with CallWatch(refuse)("call"):
            return fn(*args, **kwargs)
    return call


def assert_close(actual: Any, expected: torch.Tensor, what: str, *, atol: float = 1e-10,
                 rtol: float = 1e-7) -> None:
    """``actual`` is a tensor of ``expected``'s shape and close to it; the message names
    ``what``, the shapes, or the largest difference and where it is."""
    if not isinstance(actual, torch.Tensor):
        raise AssertionError(f"{what}: expected a tensor, got {type(actual).__name__}")
    if actual.shape != expected.shape:
        raise AssertionError(f"{what}: shape {tuple(actual.shape)}, expected "
                             f"{tuple(expected.shape)}")
    torch.testing.assert_close(actual.to(expected.dtype), expected, atol=atol, rtol=rtol,
                               check_device=False, msg=lambda m: f"{what}: {m}")
