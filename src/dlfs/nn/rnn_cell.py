"""Recurrent cells ``RNNCell``, ``LSTMCell``, ``GRUCell``, mirroring ``torch.nn``: one time
step of the layers in ``rnn.py``, with the same parameter names and initialization.

Shapes: input (B, C) or unbatched (C,); states (B, H) (or (H,)).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from ..errors import DlfsError
from ..i18n import t
from . import functional as F

__all__ = ["GRUCell", "LSTMCell", "RNNCell", "RNNCellBase"]


class RNNCellBase(nn.Module):
    """Parameters of one cell: weight_ih (k*H, C), weight_hh (k*H, H), bias_ih, bias_hh (k*H,),
    all U(-1/sqrt(H), 1/sqrt(H)) as in torch. Input (B, C) or unbatched (C,)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gates = num_chunks * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(gates, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(gates, hidden_size, **factory))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(gates, **factory))
            self.bias_hh = nn.Parameter(torch.empty(gates, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            nn.init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _batch(self, input: Tensor, hx: Any, n_states: int) -> tuple[Tensor, list[Tensor]]:
        """input as (B, C) and the states as (B, H) each (zeros when hx is None)."""
        if input.dim() not in (1, 2):
            raise DlfsError(t("library.rnn.cell_input_dims", cell=type(self).__name__,
                              got=input.dim()))
        x = input if input.dim() == 2 else input.unsqueeze(0)  # (B, C)
        if hx is None:
            return x, [x.new_zeros(x.shape[0], self.hidden_size) for _ in range(n_states)]
        parts = list(hx) if n_states > 1 else [hx]
        if any(p.dim() != input.dim() for p in parts):
            raise DlfsError(t("library.rnn.cell_hx_dims", cell=type(self).__name__,
                              dims=input.dim()))
        return x, [p if p.dim() == 2 else p.unsqueeze(0) for p in parts]  # (B, H) each


class RNNCell(RNNCellBase):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act tanh or relu.

    >>> RNNCell(3, 5)(torch.zeros(4, 3)).shape
    torch.Size([4, 5])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None,
                 dtype: torch.dtype | None = None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,) = self._batch(input, hx, 1)
        h = F.rnn_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                       self.nonlinearity)  # (B, H)
        return h if input.dim() == 2 else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o); returns (h', c').

    >>> h, c = LSTMCell(3, 5)(torch.zeros(4, 3))
    >>> h.shape, c.shape
    (torch.Size([4, 5]), torch.Size([4, 5]))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: torch.dtype | None = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor]:
        x, (h, c) = self._batch(input, hx, 2)
        h, c = F.lstm_cell(x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih,
                           self.bias_hh)  # (B, H) each
        return (h, c) if input.dim() == 2 else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n).

    >>> GRUCell(3, 5)(torch.zeros(3)).shape
    torch.Size([5])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: torch.dtype | None = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,) = self._batch(input, hx, 1)
        h = F.gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if input.dim() == 2 else h.squeeze(0)
