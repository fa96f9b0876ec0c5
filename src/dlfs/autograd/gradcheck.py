"""Check gradients against central finite differences, for either engine or for torch.

For a function f and each input element x_j, the numerical derivative is

    df/dx_j ≈ (f(x + eps e_j) - f(x - eps e_j)) / (2 eps)

(error O(eps^2)). :func:`gradcheck` builds the full Jacobian both ways, numerically and with
the engine's backward (one backward per output element, seeded with a one-hot gradient), and
compares them. Everything runs in float64: with float32 the rounding error of f divided by
2 eps would swamp the derivative.

>>> from dlfs.autograd import Value
>>> gradcheck(lambda a, b: (a * b).tanh() + a ** 3, Value(0.3), Value(-1.2))
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import DlfsError
from ..i18n import t
from .scalar import Value
from .tensor import Tensor

__all__ = ["GradcheckError", "gradcheck"]


class GradcheckError(DlfsError, AssertionError):
    """The analytical and numerical gradients disagree; the message names the worst place."""


class _ValueEngine:
    """Inputs are :class:`Value` scalars; the output is a Value."""

    @staticmethod
    def is_input(x: Any) -> bool:
        return isinstance(x, Value)

    @staticmethod
    def to_array(x: Value) -> np.ndarray:
        return np.array(x.data, dtype=np.float64)

    @staticmethod
    def make(a: np.ndarray) -> Value:
        return Value(float(a))

    @staticmethod
    def output(out: Value) -> np.ndarray:
        return np.array(out.data, dtype=np.float64)

    @staticmethod
    def vjp(out: Value, inputs: list[Value], v: np.ndarray) -> list[np.ndarray]:
        out.backward()
        return [np.array(x.grad * float(v)) for x in inputs]


class _TensorEngine:
    """Inputs are floating-point :class:`Tensor` s; the output is a Tensor."""

    @staticmethod
    def is_input(x: Any) -> bool:
        return isinstance(x, Tensor) and x.dtype.kind == "f"

    @staticmethod
    def to_array(x: Tensor) -> np.ndarray:
        return np.array(x.data, dtype=np.float64)

    @staticmethod
    def make(a: np.ndarray) -> Tensor:
        return Tensor(a.copy(), requires_grad=True)

    @staticmethod
    def output(out: Tensor) -> np.ndarray:
        return np.asarray(out.data, dtype=np.float64)

    @staticmethod
    def vjp(out: Tensor, inputs: list[Tensor], v: np.ndarray) -> list[np.ndarray]:
        out.backward(v)
        return [x.grad if x.grad is not None else np.zeros(x.shape) for x in inputs]


class _TorchEngine:
    """Inputs are floating-point ``torch.Tensor`` s; the output is a torch tensor."""

    @staticmethod
    def is_input(x: Any) -> bool:
        import torch

        return isinstance(x, torch.Tensor) and x.is_floating_point()

    @staticmethod
    def to_array(x: Any) -> np.ndarray:
        return x.detach().cpu().double().numpy().copy()

    @staticmethod
    def make(a: np.ndarray) -> Any:
        import torch

        return torch.tensor(a, dtype=torch.float64, requires_grad=True)

    @staticmethod
    def output(out: Any) -> np.ndarray:
        return out.detach().cpu().double().numpy()

    @staticmethod
    def vjp(out: Any, inputs: list[Any], v: np.ndarray) -> list[np.ndarray]:
        import torch

        grads = torch.autograd.grad(out, inputs, torch.from_numpy(v), allow_unused=True)
        return [np.zeros(x.shape) if g is None else g.numpy() for x, g in zip(inputs, grads)]


_ENGINES = (_ValueEngine, _TensorEngine, _TorchEngine)


def _engine_for(inputs: tuple[Any, ...]) -> Any:
    for engine in _ENGINES:
        if any(engine.is_input(x) for x in inputs):
            return engine
    raise TypeError("gradcheck: no differentiable input (expected Value, floating-point "
                    "dlfs Tensor or floating-point torch.Tensor arguments)")


def _call(engine: Any, fn: Callable, inputs: tuple, arrays: list) -> tuple[Any, list[Any]]:
    """Run fn on fresh differentiable copies of ``arrays`` (None: pass the input through)."""
    made = [engine.make(a) if a is not None else x for x, a in zip(inputs, arrays)]
    leaves = [m for m, a in zip(made, arrays) if a is not None]
    return fn(*made), leaves


def _jacobians(engine: Any, fn: Callable, inputs: tuple, arrays: list,
               eps: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Analytical and numerical Jacobians, one (n_out, n_in) matrix per differentiable input."""
    out0 = engine.output(_call(engine, fn, inputs, arrays)[0])
    analytic = [np.zeros((out0.size, a.size)) for a in arrays if a is not None]
    for k in range(out0.size):  # one backward per output element
        v = np.zeros(out0.shape)
        v.flat[k] = 1.0
        out, leaves = _call(engine, fn, inputs, arrays)
        for jac, g in zip(analytic, engine.vjp(out, leaves, v)):
            jac[k] = np.asarray(g, dtype=np.float64).ravel()
    numeric = []
    for i, a in enumerate(arrays):
        if a is None:
            continue
        jac = np.zeros((out0.size, a.size))
        for j in range(a.size):  # one pair of forwards per input element
            shifted = [b.copy() if b is not None else None for b in arrays]
            shifted[i].flat[j] = a.flat[j] + eps
            plus = engine.output(_call(engine, fn, inputs, shifted)[0])
            shifted[i].flat[j] = a.flat[j] - eps
            minus = engine.output(_call(engine, fn, inputs, shifted)[0])
            jac[:, j] = (plus - minus).ravel() / (2 * eps)
        numeric.append(jac)
    return analytic, numeric


def gradcheck(fn: Callable[..., Any], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3) -> bool:
    """Compare the gradients of ``fn`` at ``inputs`` with central differences.

    Args:
        fn: a function of ``inputs`` returning a Value, a dlfs Tensor or a torch tensor (any
            shape: every output element is checked).

        inputs: Values, Tensors or torch tensors (one engine per call). Floating-point ones
            are differentiated (as float64 copies; the originals are not touched); anything
            else (integer targets, numbers) is passed through unchanged.

        eps: the finite-difference step.

        atol, rtol: a derivative passes when
            ``|analytical - numerical| <= atol + rtol |numerical|``.

    Returns:
        True when every derivative passes.

    Raises:
        GradcheckError: naming the input, element and output element of the worst mismatch.
    """
    engine = _engine_for(inputs)
    arrays = [engine.to_array(x) if engine.is_input(x) else None for x in inputs]
    analytic, numeric = _jacobians(engine, fn, inputs, arrays, eps)
    positions = [i for i, a in enumerate(arrays) if a is not None]
    worst = None  # (excess, input position, its Jacobians, flat index)
    for i, A, N in zip(positions, analytic, numeric):
        excess = np.abs(A - N) - (atol + rtol * np.abs(N))
        if excess.size and excess.max() > 0 and (worst is None or excess.max() > worst[0]):
            worst = (excess.max(), i, A, N, int(np.argmax(excess)))
    if worst is not None:
        _, i, A, N, flat = worst
        k, j = np.unravel_index(flat, A.shape)
        out_shape = engine.output(_call(engine, fn, inputs, arrays)[0]).shape
        at_out = tuple(int(n) for n in np.unravel_index(int(k), out_shape))
        at_in = tuple(int(n) for n in np.unravel_index(int(j), arrays[i].shape))
        raise GradcheckError(t("library.gradcheck.mismatch", at_out=at_out, i=i, at_in=at_in,
                                 shape=arrays[i].shape, analytical=A[k, j], numerical=N[k, j],
                                 diff=abs(A[k, j] - N[k, j]),
                                 bound=atol + rtol * abs(N[k, j])))
    return True
