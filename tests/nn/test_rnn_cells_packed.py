"""dlfs.nn RNNCell / LSTMCell / GRUCell parity with torch, PackedSequence input, dropout
between layers in training mode (statistically), and the constructor/forward errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import dlfs.nn as dnn
from dlfs.errors import DlfsError
from dlfs.testing import assert_module_parity, tolerances

C, H = 3, 5
CELLS = {
    "rnn_tanh": (dnn.RNNCell, nn.RNNCell, {}),
    "rnn_relu": (dnn.RNNCell, nn.RNNCell, {"nonlinearity": "relu"}),
    "lstm": (dnn.LSTMCell, nn.LSTMCell, {}),
    "gru": (dnn.GRUCell, nn.GRUCell, {}),
}
LAYERS = {"rnn_tanh": (dnn.RNN, nn.RNN), "lstm": (dnn.LSTM, nn.LSTM), "gru": (dnn.GRU, nn.GRU)}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("kind", sorted(CELLS))
@pytest.mark.parametrize("batch,with_hx,bias", [(1, True, True), (4, False, True),
                                                (3, True, False), (None, True, True),
                                                (None, False, False)])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_cell_parity(kind, batch, with_hx, bias, dtype):
    ours_cls, ref_cls, kwargs = CELLS[kind]
    torch.manual_seed(1)
    ref = ref_cls(C, H, bias=bias, **kwargs).to(dtype)
    torch.manual_seed(1)
    ours = ours_cls(C, H, bias=bias, **kwargs).to(dtype)
    assert repr(ours) == repr(ref)
    for a, b in zip(ours.state_dict().values(), ref.state_dict().values()):
        torch.testing.assert_close(a, b, atol=0, rtol=0)  # same init under one seed
    lead = () if batch is None else (batch,)
    inputs = [torch.randn(*lead, C, dtype=dtype)]
    if with_hx:
        h0 = torch.randn(*lead, H, dtype=dtype)
        inputs.append((h0, torch.randn(*lead, H, dtype=dtype)) if kind == "lstm" else h0)
    assert_module_parity(ours, ref, *inputs, **tolerances(dtype))
    ref.load_state_dict(ours.state_dict(), strict=True)


def test_cell_unrolled_equals_layer():
    """Stepping an LSTMCell by hand over time gives the LSTM layer's output and states."""
    torch.manual_seed(0)
    layer = dnn.LSTM(C, H).double()
    cell = dnn.LSTMCell(C, H).double()
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()}, strict=True)
    x = torch.randn(6, 2, C, dtype=torch.float64)
    out, (h_n, c_n) = layer(x)
    h = c = torch.zeros(2, H, dtype=torch.float64)
    for t in range(6):
        h, c = cell(x[t], (h, c))
        torch.testing.assert_close(out[t], h)
    torch.testing.assert_close(h_n[0], h)
    torch.testing.assert_close(c_n[0], c)


def _packed_run(module: nn.Module, x: torch.Tensor, lengths: torch.Tensor, hx, sort: bool):
    x = x.detach().clone().requires_grad_(True)
    hx = None if hx is None else (tuple(t.detach().clone().requires_grad_(True) for t in hx)
                                  if isinstance(hx, tuple)
                                  else hx.detach().clone().requires_grad_(True))
    packed = pack_padded_sequence(x, lengths, enforce_sorted=sort)
    out, state = module(packed, hx)
    padded, out_lengths = pad_packed_sequence(out)
    loss = (padded * torch.linspace(-1, 1, padded.numel(), dtype=x.dtype)
            .view_as(padded)).sum()
    states = state if isinstance(state, tuple) else (state,)
    for i, s in enumerate(states):
        loss = loss + (s * (i + 2)).sin().sum()
    loss.backward()
    hx_grads = [] if hx is None else [t.grad for t in (hx if isinstance(hx, tuple) else (hx,))]
    return out, padded, states, x.grad, hx_grads


@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize("bidirectional,num_layers,with_hx,sort",
                         [(False, 1, False, False), (True, 2, True, False),
                          (True, 3, False, True), (False, 2, True, True)])
def test_packed_sequence_parity(kind, bidirectional, num_layers, with_hx, sort):
    ours_cls, ref_cls = LAYERS[kind]
    torch.manual_seed(2)
    ref = ref_cls(C, H, num_layers=num_layers, bidirectional=bidirectional).double()
    ours = ours_cls(C, H, num_layers=num_layers, bidirectional=bidirectional).double()
    ours.load_state_dict(ref.state_dict(), strict=True)
    lengths = torch.tensor([5, 2, 4, 1]) if not sort else torch.tensor([5, 4, 4, 1])
    x = torch.randn(5, 4, C, dtype=torch.float64)
    hx = None
    if with_hx:
        rows = num_layers * (2 if bidirectional else 1)
        hx = torch.randn(rows, 4, H, dtype=torch.float64)
        hx = (hx, torch.randn_like(hx)) if kind == "lstm" else hx
    a = _packed_run(ours, x, lengths, hx, sort)
    b = _packed_run(ref, x, lengths, hx, sort)
    assert torch.equal(a[0].batch_sizes, b[0].batch_sizes)
    for name in ("sorted_indices", "unsorted_indices"):
        ia, ib = getattr(a[0], name), getattr(b[0], name)
        assert (ia is None and ib is None) or torch.equal(ia, ib), name
    tol = tolerances(torch.float64)
    torch.testing.assert_close(a[0].data, b[0].data, **tol)
    for got, want in zip(a[2] + (a[3],) + tuple(a[4]), b[2] + (b[3],) + tuple(b[4])):
        torch.testing.assert_close(got, want, **tol)
    for (name, p), q in zip(ours.named_parameters(), ref.parameters()):
        torch.testing.assert_close(p.grad, q.grad, **tol, msg=f"grad of {name}")


@pytest.mark.parametrize("p", [0.3, 0.6])
def test_dropout_between_layers_in_training(p):
    """Layer 1 is made the identity on a positive layer-0 output (relu RNN, W_ih = I, no
    recurrence), so its output is exactly dropout(layer-0 output): zeros with frequency p,
    survivors scaled by 1/(1-p); the last layer gets no dropout; torch drops as often."""
    n = 4000
    ours = dnn.RNN(2, 8, num_layers=2, nonlinearity="relu", dropout=p).double()
    ref = nn.RNN(2, 8, num_layers=2, nonlinearity="relu", dropout=p).double()
    with torch.no_grad():
        ours.weight_ih_l0.uniform_(0.1, 1.0)
        ours.weight_hh_l0.zero_()
        ours.bias_ih_l0.fill_(0.1)
        ours.weight_ih_l1.copy_(torch.eye(8))
        for name in ("weight_hh_l1", "bias_ih_l1", "bias_hh_l1", "bias_hh_l0"):
            getattr(ours, name).zero_()
    ref.load_state_dict(ours.state_dict())
    x = torch.rand(3, n, 2, dtype=torch.float64)
    kept_eval, _ = ours.eval()(x)
    assert (kept_eval > 0).all()
    torch.manual_seed(0)
    out, _ = ours.train()(x)
    dropped = out == 0
    rate = dropped.double().mean().item()
    sigma = (p * (1 - p) / out.numel()) ** 0.5
    assert abs(rate - p) < 5 * sigma, (rate, p)
    torch.testing.assert_close(out[~dropped], kept_eval[~dropped] / (1 - p))
    ref_rate = (ref.train()(x)[0] == 0).double().mean().item()
    assert abs(ref_rate - rate) < 10 * sigma


def test_no_dropout_after_the_last_layer():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        rnn = dnn.GRU(C, H, num_layers=1, dropout=0.9).double()
    x = torch.randn(4, 2, C, dtype=torch.float64)
    torch.testing.assert_close(rnn.train()(x)[0], rnn.eval()(x)[0])


def test_errors_are_clear():
    with pytest.raises(TypeError, match="proj_size"):
        dnn.GRU(C, H, proj_size=2)
    with pytest.raises(ValueError, match="only supported for LSTM"):
        dnn.RNNBase("GRU", C, H, proj_size=2)
    with pytest.raises(ValueError, match="smaller than hidden_size"):
        dnn.LSTM(C, H, proj_size=H)
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        dnn.RNN(C, H, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout"):
        dnn.LSTM(C, H, dropout=1.5)
    lstm = dnn.LSTM(C, H, num_layers=2)
    with pytest.raises(DlfsError, match=r"expected hidden size \(2, 3, 5\)"):
        lstm(torch.randn(4, 3, C), (torch.zeros(1, 3, H), torch.zeros(1, 3, H)))
    with pytest.raises(DlfsError, match="input_size"):
        lstm(torch.randn(4, 3, C + 1))
    with pytest.raises(DlfsError, match="2-D"):
        dnn.GRU(C, H)(torch.randn(4, C), torch.zeros(1, 1, H))
