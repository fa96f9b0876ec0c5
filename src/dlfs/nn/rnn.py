"""Recurrent layers ``RNN``, ``LSTM``, ``GRU`` and their cells, mirroring ``torch.nn``.

A layer runs, for each of its ``num_layers`` layers and each direction, one time loop:

    gx = x W_ih^T + b_ih                 for all T steps at once: one (T*B, C) x (C, G) matmul
    for t: state = step(gx[t], state)    one (B, P) x (P, G) matmul per step for all gates

with the gate equations in ``dlfs.nn.functional.rnn`` (the cells, one step at a time, are
in ``rnn_cell.py``). Parameter names, shapes, order and initialization
(U(-1/sqrt(H), 1/sqrt(H)) in registration order) are torch's, so state_dicts load strictly
both ways and the same seed gives the same weights.

Shapes: T length, B batch, C input_size, H hidden_size, P = proj_size or H, D = 2 if
bidirectional else 1, L = num_layers. Input (T, B, C) ((B, T, C) if batch_first, (T, C)
unbatched) -> output (T, B, D*P), h_n (D*L, B, P), LSTM also c_n (D*L, B, H).
``PackedSequence`` input is supported (unpacked, run with per-sequence lengths, repacked).
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

from ..errors import DlfsError
from ..i18n import t
from . import functional as F

__all__ = ["GRU", "LSTM", "RNN", "RNNBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
Step = Callable[[Tensor, tuple[Tensor, ...]], tuple[Tensor, ...]]


def _input_projection(x: Tensor, w_ih: Tensor, b: Tensor | None) -> Tensor:
    """gx = x W_ih^T + b for every time step at once: x (T, B, C) -> (T, B, G)."""
    x2 = x.reshape(-1, x.shape[-1])  # (T*B, C)
    gx = x2.matmul(w_ih.t()) if b is None else torch.addmm(b, x2, w_ih.t())  # (T*B, G)
    return gx.view(*x.shape[:-1], -1)  # (T, B, G)


class RNNBase(nn.Module):
    """Shared parameters and time loop of ``RNN``, ``LSTM`` and ``GRU`` (``mode`` picks the cell).

    ``fused=True`` (not in torch) calls torch's built-in kernel instead, for speed comparisons
    (tensor input only: a PackedSequence always takes the from-scratch path).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: torch.dtype | None = None, *, fused: bool = False) -> None:
        super().__init__()
        _validate(mode, input_size, hidden_size, num_layers, dropout, proj_size)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self.fused = fused
        self._flat_weights_names: list[str] = []
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        factory = {"device": device, "dtype": dtype}
        for layer in range(num_layers):
            for suffix in self._suffixes():
                layer_in = input_size if layer == 0 else real_hidden * self._directions
                shapes = {"weight_ih": (gate_size, layer_in), "weight_hh": (gate_size, real_hidden)}
                if bias:
                    shapes |= {"bias_ih": (gate_size,), "bias_hh": (gate_size,)}
                if proj_size > 0:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                for kind, shape in shapes.items():
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, nn.Parameter(torch.empty(shape, **factory)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    @property
    def _directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    @property
    def _flat_weights(self) -> list[Tensor]:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Tensor]]:
        """Parameters grouped per (layer, direction), as torch's ``all_weights``."""
        per = len(self._flat_weights_names) // (self.num_layers * self._directions)
        flat = self._flat_weights
        return [flat[i:i + per] for i in range(0, len(flat), per)]

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            nn.init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s + (", fused=True" if self.fused else "")

    # -- forward -----------------------------------------------------------------------
    def _state_sizes(self) -> tuple[int, ...]:
        """Feature size of each state component: (P,) or, for LSTM, (P, H)."""
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (real_hidden, self.hidden_size) if self.mode == "LSTM" else (real_hidden,)

    def _initial_state(self, hx: Any, batch: int, like: Tensor, batched: bool
                       ) -> tuple[Tensor, ...]:
        """hx as a tuple of (D*L, B, size) tensors; zeros when hx is None."""
        rows = self._directions * self.num_layers
        if hx is None:
            return tuple(like.new_zeros(rows, batch, n) for n in self._state_sizes())
        parts = tuple(hx) if self.mode == "LSTM" else (hx,)
        state = []
        for part, n in zip(parts, self._state_sizes(), strict=True):
            if part.dim() != (3 if batched else 2):
                key = "library.rnn.hx_dims_batched" if batched else "library.rnn.hx_dims_unbatched"
                raise DlfsError(t(key, mode=self.mode, got=part.dim()))
            part = part if batched else part.unsqueeze(1)  # (D*L, B, n)
            if tuple(part.shape) != (rows, batch, n):
                raise DlfsError(t("library.rnn.hx_shape", mode=self.mode,
                                  expected=(rows, batch, n), got=tuple(part.shape)))
            state.append(part)
        return tuple(state)

    def _step(self, layer: int, suffix: str) -> tuple[Tensor, Tensor | None, Step]:
        """Input weight, input bias (b_hh folded in where it sits outside the gates) and the
        per-step function of one (layer, direction)."""
        w = {kind: getattr(self, f"{kind}_l{layer}{suffix}", None)
             for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")}
        w_hh, b_hh = w["weight_hh"], w["bias_hh"]
        if self.mode == "GRU":  # b_hn sits inside r * (W_hn h + b_hn): keep it in the step
            return w["weight_ih"], w["bias_ih"], lambda g, s: (F.gru_step(g, s[0], w_hh, b_hh),)
        b_x = None if w["bias_ih"] is None else w["bias_ih"] + b_hh  # (G,)
        if self.mode == "LSTM":
            return w["weight_ih"], b_x, lambda g, s: F.lstm_step(g, *s, w_hh, None,
                                                                  w["weight_hr"])
        nonlinearity = "tanh" if self.mode == "RNN_TANH" else "relu"
        return w["weight_ih"], b_x, lambda g, s: (F.rnn_step(g, s[0], w_hh, None,
                                                             nonlinearity),)

    def _run(self, x: Tensor, hx: tuple[Tensor, ...], lengths: Tensor | None
             ) -> tuple[Tensor, tuple[Tensor, ...]]:
        """All layers and directions: x (T, B, C) -> output (T, B, D*P), states (D*L, B, n)."""
        finals: list[list[Tensor]] = [[] for _ in hx]
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(self._suffixes()):
                k = layer * self._directions + d
                w_ih, b_x, step = self._step(layer, suffix)
                gx = _input_projection(x, w_ih, b_x)  # (T, B, G): all steps, one matmul
                out, state = F.recurrent_scan(gx, tuple(s[k] for s in hx), step,
                                              reverse=d == 1, lengths=lengths)
                outs.append(out)  # (T, B, P)
                for i, s in enumerate(state):
                    finals[i].append(s)
            x = outs[0] if len(outs) == 1 else torch.cat(outs, dim=-1)  # (T, B, D*P)
            if layer < self.num_layers - 1 and self.training and self.dropout > 0:
                x = F.dropout(x, self.dropout, training=True)
        return x, tuple(torch.stack(f) for f in finals)  # (D*L, B, n) each

    def _fused_run(self, x: Tensor, hx: tuple[Tensor, ...]
                   ) -> tuple[Tensor, tuple[Tensor, ...]]:
        """torch's own kernel on time-major x (the opt-in fast path)."""
        args = (self._flat_weights, self.bias, self.num_layers, self.dropout, self.training,
                self.bidirectional, False)
        if self.mode == "LSTM":
            out, h, c = torch.lstm(x, hx, *args)
            return out, (h, c)
        kernel = {"GRU": torch.gru, "RNN_TANH": torch.rnn_tanh, "RNN_RELU": torch.rnn_relu}
        out, h = kernel[self.mode](x, hx[0], *args)
        return out, (h,)

    def _wrap(self, output: Any, states: tuple[Tensor, ...]) -> tuple[Any, Any]:
        return output, (states if self.mode == "LSTM" else states[0])

    def forward(self, input: Tensor | PackedSequence, hx: Any = None) -> tuple[Any, Any]:
        """input (T, B, C) / (B, T, C) if batch_first / (T, C) / PackedSequence;
        hx (D*L, B, P) (LSTM: a pair with c0 (D*L, B, H)) or None for zeros."""
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        if input.dim() not in (2, 3):
            raise DlfsError(t("library.rnn.input_dims", mode=self.mode, got=input.dim()))
        batched = input.dim() == 3
        if not batched:
            x = input.unsqueeze(1)  # (T, 1, C)
        else:
            x = input.transpose(0, 1) if self.batch_first else input  # (T, B, C)
        if x.shape[-1] != self.input_size:
            raise DlfsError(t("library.rnn.input_size", mode=self.mode,
                              expected=self.input_size, got=x.shape[-1]))
        state0 = self._initial_state(hx, x.shape[1], x, batched)
        run = self._fused_run if self.fused else partial(self._run, lengths=None)
        out, states = run(x, state0)  # (T, B, D*P), (D*L, B, n)
        if not batched:
            return self._wrap(out.squeeze(1), tuple(s.squeeze(1) for s in states))
        return self._wrap(out.transpose(0, 1) if self.batch_first else out, states)

    def _forward_packed(self, packed: PackedSequence, hx: Any) -> tuple[Any, Any]:
        """Unpack to (T, B, C) in the caller's batch order, run with lengths, repack."""
        x, lengths = pad_packed_sequence(packed)  # (T, B, C), (B,)
        state0 = self._initial_state(hx, x.shape[1], x, batched=True)
        out, states = self._run(x, state0, lengths)  # (T, B, D*P)
        if packed.sorted_indices is not None:
            out = out.index_select(1, packed.sorted_indices)  # back to packed (sorted) order
        data = torch.cat([out[t, :n] for t, n in enumerate(packed.batch_sizes.tolist())])
        repacked = PackedSequence(data, packed.batch_sizes, packed.sorted_indices,
                                  packed.unsorted_indices)
        return self._wrap(repacked, states)


def _validate(mode: str, input_size: int, hidden_size: int, num_layers: int,
              dropout: float, proj_size: int) -> None:
    """The constructor checks torch makes, with the same messages."""
    if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
            or not 0 <= dropout <= 1):
        raise ValueError("dropout should be a number in range [0, 1] representing the "
                         "probability of an element being zeroed")
    if dropout > 0 and num_layers == 1:
        warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                      f"non-zero dropout expects num_layers greater than 1, but got "
                      f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
    if not isinstance(input_size, int) or input_size <= 0:
        raise ValueError(f"input_size must be a positive int, got {input_size!r}")
    if not isinstance(hidden_size, int) or hidden_size <= 0:
        raise ValueError(f"hidden_size must be a positive int, got {hidden_size!r}")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")
    if proj_size and mode != "LSTM":
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or relu.

    >>> out, h_n = RNN(3, 5, num_layers=2)(torch.zeros(7, 4, 3))
    >>> out.shape, h_n.shape
    (torch.Size([7, 4, 5]), torch.Size([2, 4, 5]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: torch.dtype | None = None, *, fused: bool = False) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. "
                             "Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype, fused=fused)


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o; see ``F.lstm_step``); optional projection
    h_t = (o * tanh(c_t)) W_hr^T of size ``proj_size``. Returns (output, (h_n, c_n)).

    >>> out, (h_n, c_n) = LSTM(3, 5, bidirectional=True, batch_first=True)(torch.zeros(4, 7, 3))
    >>> out.shape, h_n.shape, c_n.shape
    (torch.Size([4, 7, 10]), torch.Size([2, 4, 5]), torch.Size([2, 4, 5]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: torch.dtype | None = None, *, fused: bool = False) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype, fused=fused)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n; see ``F.gru_step``).

    >>> out, h_n = GRU(3, 5)(torch.zeros(7, 3))
    >>> out.shape, h_n.shape
    (torch.Size([7, 5]), torch.Size([1, 5]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None,
                 dtype: torch.dtype | None = None, *, fused: bool = False) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype, fused=fused)
