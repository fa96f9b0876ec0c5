"""Catch a from-scratch piece calling the PyTorch built-in it re-implements, at run time.

The source scan (``tests/nn/test_no_builtin_calls.py``) reads the code; this module watches
it run. Inside ``with BuiltinCallRecorder() as rec:`` every Python and C function call of the
current thread is seen (``sys.setprofile``), forward *and* backward (the autograd engine runs
a custom ``Function.backward`` on the calling thread for CPU tensors), whatever name the
built-in was reached by (an alias, ``torch._VF``, a ``torch.nn`` layer built on the fly,
``torch.Tensor.softmax(x)``). What counts as a built-in:

* any function of ``torch.nn.functional`` (Python or its C half, ``torch._C._nn``);
* ``torch.<name>`` / ``torch._VF.<name>`` for the kernels on :data:`DENY_TORCH`;
* the tensor methods that are the built-in itself (:data:`DENY_METHODS`);
* the ``forward`` of a ``torch.nn`` layer (containers such as ``Sequential`` excepted).

Basic tensor operations (matmul, exp, sum, indexing, ``unfold`` …) are what the project builds
from and are never reported.

The workbench adds rules of its own for the code it grades (:func:`also_refuse`): a learner's
solution may not call the library's own solution either.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import FrameType
from typing import Any

__all__ = ["DENY_METHODS", "DENY_TORCH", "BuiltinCallError", "BuiltinCallRecorder",
           "also_refuse", "extra_rules"]

#: A rule: given a Python frame being entered, the name to report, or None.
Rule = Callable[[FrameType], "str | None"]
_EXTRA_RULES: ContextVar[tuple[Rule, ...]] = ContextVar("dlfs_extra_rules", default=())


class BuiltinCallError(AssertionError):
    """Code under check called a built-in (or other code) it must not: the names are in
    ``calls``."""

    def __init__(self, message: str, calls: list[str]) -> None:
        super().__init__(message)
        self.calls = calls


@contextmanager
def also_refuse(rule: Rule) -> Iterator[None]:
    """While open, every :class:`BuiltinCallRecorder` also reports the Python calls ``rule``
    names (the workbench refuses a learner's call into the library's own solution)."""
    token = _EXTRA_RULES.set((*_EXTRA_RULES.get(), rule))
    try:
        yield
    finally:
        _EXTRA_RULES.reset(token)


def extra_rules() -> tuple[Rule, ...]:
    """The rules added by the open :func:`also_refuse` blocks."""
    return _EXTRA_RULES.get()

#: fused kernels that ``torch.<name>`` (or ``torch._VF.<name>``) exposes beside ``F.<name>``
DENY_TORCH = frozenset("""
conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d convolution
_convolution conv_tbc max_pool1d max_pool2d max_pool3d max_pool1d_with_indices avg_pool1d
adaptive_avg_pool1d adaptive_max_pool1d batch_norm native_batch_norm layer_norm
native_layer_norm group_norm native_group_norm instance_norm rms_norm softmax log_softmax
_softmax _log_softmax dropout dropout_ alpha_dropout feature_dropout embedding embedding_bag
embedding_renorm_ relu relu_ prelu selu celu rrelu threshold hardshrink bilinear
cross_entropy nll_loss mse_loss l1_loss smooth_l1_loss huber_loss binary_cross_entropy
binary_cross_entropy_with_logits kl_div cosine_embedding_loss triplet_margin_loss
hinge_embedding_loss margin_ranking_loss poisson_nll_loss ctc_loss
scaled_dot_product_attention rnn_tanh rnn_relu lstm gru rnn_tanh_cell rnn_relu_cell
lstm_cell gru_cell
""".split())
#: tensor methods that are the built-in (``x.softmax(-1)``)
DENY_METHODS = frozenset({"softmax", "log_softmax", "relu", "relu_"})
_CONTAINERS = frozenset({"container", "module"})   # torch.nn.modules.<file> allowed to run


class BuiltinCallRecorder:
    """``with BuiltinCallRecorder() as rec: ...`` then ``rec.calls``: the built-ins called,
    as readable names (``torch.nn.functional.gelu``, ``torch.nn.LSTM.forward`` …), in order
    of first call. Nests with nothing: it replaces the thread's profile function while open.

    ``builtins=False`` reports only what the :func:`also_refuse` rules name."""

    def __init__(self, builtins: bool = True) -> None:
        self.calls: list[str] = []
        self.builtins = builtins
        self.rules = extra_rules()

    def __enter__(self) -> BuiltinCallRecorder:
        self._previous = sys.getprofile()
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(self._previous)

    def _note(self, name: str) -> None:
        if name not in self.calls:
            self.calls.append(name)

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "c_call":
            name = _builtin_c_name(arg) if self.builtins else None
        elif event == "call":
            name = _builtin_python_name(frame) if self.builtins else None
            for rule in self.rules:
                name = name or rule(frame)
        else:
            return
        if name is not None:
            self._note(name)


def _builtin_c_name(fn: Any) -> str | None:
    """The name of a C built-in that re-implements one of ours, or None for a basic op."""
    module = getattr(fn, "__module__", None)
    owner, _, name = getattr(fn, "__qualname__", "").rpartition(".")
    if module == "torch._C._nn":
        return f"torch.nn.functional.{name}"
    if owner == "_VariableFunctionsClass" and name in DENY_TORCH:
        return f"torch.{name}"
    if owner in ("Tensor", "TensorBase") and name in DENY_METHODS:
        return f"torch.Tensor.{name}"
    return None


def _builtin_python_name(frame: FrameType) -> str | None:
    """The name of a Python built-in: an ``F`` function or a ``torch.nn`` layer's forward."""
    module = frame.f_globals.get("__name__", "")
    code = frame.f_code
    if module == "torch.nn.functional" and not code.co_name.startswith("_"):
        return f"torch.nn.functional.{code.co_name}"
    if (module.startswith("torch.nn.modules.") and code.co_name == "forward"
            and module.rsplit(".", 1)[1] not in _CONTAINERS):
        layer = type(frame.f_locals.get("self")).__name__
        return f"torch.nn.{layer}.forward"
    return None
