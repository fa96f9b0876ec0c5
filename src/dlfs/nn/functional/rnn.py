"""Recurrent cell math, written from matmuls and elementwise ops.

Each cell is split in two halves so a whole sequence can be run fast:

* the input projection ``gx = x W_ih^T + b_ih`` depends on x only, so for a sequence it is
  computed for all time steps in one big matmul (``recurrent_scan`` does that), and
* a *step* adds the recurrent projection ``h W_hh^T + b_hh`` (one matmul for all gates at
  once) and applies the gate equations.

Gate order follows torch: LSTM (i, f, g, o), GRU (r, z, n).

Shapes: B batch, C input features, H hidden features, G = k * H stacked gates
(k = 1 RNN, 4 LSTM, 3 GRU), P the LSTM projection size (P = H without projection).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

__all__ = ["gru_cell", "gru_step", "lstm_cell", "lstm_step", "recurrent_scan", "rnn_cell",
           "rnn_step"]

State = tuple[Tensor, ...]  # (h,) for RNN and GRU, (h, c) for LSTM
Step = Callable[[Tensor, State], State]


def _project(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    """x W^T + b for x (..., C), w (G, C) -> (..., G) (one addmm call for 2-D x)."""
    if b is not None and x.dim() == 2:
        return torch.addmm(b, x, w.t())  # (B, G)
    y = x.matmul(w.t())  # (..., G)
    return y if b is None else y + b


def _add_recurrent(gx: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """gx + h W_hh^T + b_hh: the input part plus the recurrent part of all gates, (B, G)."""
    return _project(h, w_hh, gx if b_hh is None else gx + b_hh)


def _positive_part(x: Tensor) -> Tensor:
    """max(x, 0), written with ``where`` so the gradient at 0 is 0 (as torch's ReLU)."""
    return torch.where(x > 0, x, torch.zeros_like(x))


def rnn_step(gx: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None,
             nonlinearity: str = "tanh") -> Tensor:
    """h' = act(gx + h W_hh^T + b_hh), with gx = x W_ih^T + b_ih already computed.

    Shapes: gx (B, H), h (B, H), w_hh (H, H) -> (B, H).
    """
    a = _add_recurrent(gx, h, w_hh, b_hh)  # (B, H)
    if nonlinearity == "tanh":
        return torch.tanh(a)
    if nonlinearity == "relu":
        return _positive_part(a)
    raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")


def lstm_step(gx: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None,
              w_hr: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step, all four gates from one matmul.

        i, f, g, o = split(gx + h W_hh^T + b_hh)
        c' = sigmoid(f) * c + sigmoid(i) * tanh(g)
        h' = sigmoid(o) * tanh(c')        (then h' = h' W_hr^T with a projection)

    Shapes: gx (B, 4H), h (B, P), c (B, H), w_hh (4H, P), w_hr (P, H) -> h' (B, P), c' (B, H).
    """
    gates = _add_recurrent(gx, h, w_hh, b_hh)  # (B, 4H)
    i, f, g, o = gates.chunk(4, dim=-1)  # 4 x (B, H)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)  # (B, H)
    h_next = torch.sigmoid(o) * torch.tanh(c_next)  # (B, H)
    if w_hr is not None:
        h_next = h_next.matmul(w_hr.t())  # (B, P)
    return h_next, c_next


def gru_step(gx: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """One GRU step; the recurrent part of all three gates from one matmul::

        r = sigmoid(x_r + h_r),  z = sigmoid(x_z + h_z),  n = tanh(x_n + r * h_n)
        h' = (1 - z) * n + z * h

    with (x_r, x_z, x_n) = gx = x W_ih^T + b_ih and (h_r, h_z, h_n) = h W_hh^T + b_hh.

    Shapes: gx (B, 3H), h (B, H), w_hh (3H, H) -> (B, H).
    """
    x_r, x_z, x_n = gx.chunk(3, dim=-1)  # 3 x (B, H)
    h_r, h_z, h_n = _project(h, w_hh, b_hh).chunk(3, dim=-1)  # 3 x (B, H)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    return n + z * (h - n)  # (1 - z) * n + z * h


def rnn_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
             b_ih: Tensor | None = None, b_hh: Tensor | None = None,
             nonlinearity: str = "tanh") -> Tensor:
    """Elman cell h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh).

    Shapes: input (B, C), hx (B, H), w_ih (H, C), w_hh (H, H) -> (B, H).

    >>> x, h = torch.ones(2, 3), torch.zeros(2, 4)
    >>> rnn_cell(x, h, torch.zeros(4, 3), torch.zeros(4, 4)).shape
    torch.Size([2, 4])
    """
    return rnn_step(_project(input, w_ih, b_ih), hx, w_hh, b_hh, nonlinearity)


def lstm_cell(input: Tensor, hx: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None = None, b_hh: Tensor | None = None
              ) -> tuple[Tensor, Tensor]:
    """LSTM cell (see ``lstm_step``); hx = (h, c).

    Shapes: input (B, C), h (B, H), c (B, H), w_ih (4H, C), w_hh (4H, H) -> (h', c').

    >>> h, c = lstm_cell(torch.ones(2, 3), (torch.zeros(2, 4), torch.zeros(2, 4)),
    ...                  torch.zeros(16, 3), torch.zeros(16, 4))
    >>> h.shape, c.shape
    (torch.Size([2, 4]), torch.Size([2, 4]))
    """
    return lstm_step(_project(input, w_ih, b_ih), hx[0], hx[1], w_hh, b_hh)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
             b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """GRU cell (see ``gru_step``).

    Shapes: input (B, C), hx (B, H), w_ih (3H, C), w_hh (3H, H) -> (B, H).

    >>> gru_cell(torch.ones(2, 3), torch.zeros(2, 4), torch.zeros(12, 3),
    ...          torch.zeros(12, 4)).shape
    torch.Size([2, 4])
    """
    return gru_step(_project(input, w_ih, b_ih), hx, w_hh, b_hh)


def recurrent_scan(gx: Tensor, state: State, step: Step, reverse: bool = False,
                   lengths: Tensor | None = None) -> tuple[Tensor, State]:
    """Run ``step`` over time on precomputed input projections.

    ``gx`` (T, B, G) holds x_t W_ih^T + b_ih for every t (one matmul for the whole sequence,
    done by the caller); ``step(gx_t, state) -> state`` does the recurrent part. ``reverse``
    walks t = T-1 .. 0. With ``lengths`` (B,), a sequence b only updates its state while
    t < lengths[b] (padded steps keep the state and output zeros), as packed sequences do.

    Returns outputs (T, B, P) (the first state component at every t) and the final state.

    >>> out, (h,) = recurrent_scan(torch.ones(5, 2, 3), (torch.zeros(2, 3),),
    ...                            lambda g, s: (s[0] + g,))
    >>> out.shape, h[0].tolist()
    (torch.Size([5, 2, 3]), [5.0, 5.0, 5.0])
    """
    gx_t = gx.unbind(0)  # T x (B, G); unbind (not gx[t]) keeps the backward O(T)
    steps = range(len(gx_t) - 1, -1, -1) if reverse else range(len(gx_t))
    outputs: list[Tensor] = list(gx_t)  # placeholders, every slot is overwritten
    if lengths is not None:
        lengths = lengths.to(gx.device)  # (B,)
    for t in steps:
        new = step(gx_t[t], state)
        if lengths is not None:
            alive = (t < lengths).unsqueeze(-1)  # (B, 1)
            state = tuple(torch.where(alive, n, s) for n, s in zip(new, state))
            outputs[t] = torch.where(alive, new[0], torch.zeros_like(new[0]))
        else:
            state = new
            outputs[t] = new[0]
    return torch.stack(outputs), state  # (T, B, P)
