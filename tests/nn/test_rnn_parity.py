"""dlfs.nn.RNN / LSTM / GRU against torch.nn: same parameters (names, shapes, order, init under
one seed), reprs, outputs, final states, and the gradients of the input, the initial states
and every parameter, in float64 (tight) and float32 (loose)."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

import dlfs.nn as dnn
from dlfs.testing import assert_module_parity, tolerances

MODES = {  # name -> (ours, torch, extra constructor kwargs)
    "rnn_tanh": (dnn.RNN, nn.RNN, {}),
    "rnn_relu": (dnn.RNN, nn.RNN, {"nonlinearity": "relu"}),
    "lstm": (dnn.LSTM, nn.LSTM, {}),
    "gru": (dnn.GRU, nn.GRU, {}),
}
C, H = 3, 5  # odd feature sizes


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny matmuls: a second intra-op thread only adds waiting on a busy machine (14x)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _initial_state(mode: str, rows: int, batch: int | None, size: int, dtype: torch.dtype,
                   cell: int | None = None):
    shape = (rows, size) if batch is None else (rows, batch, size)
    h0 = torch.randn(shape, dtype=dtype)
    if mode != "lstm":
        return h0
    c_shape = shape[:-1] + (cell or size,)
    return h0, torch.randn(c_shape, dtype=dtype)


def check_layer(mode: str, *, num_layers: int = 1, bidirectional: bool = False,
                batch_first: bool = False, bias: bool = True, with_hx: bool = True,
                seq_len: int = 4, batch: int | None = 3, train: bool = True,
                dtypes: tuple[torch.dtype, ...] = (torch.float64,), seed: int = 0,
                **extra) -> None:
    """Same seed -> same init; strict state_dict both ways; forward/backward parity."""
    ours_cls, ref_cls, kwargs = MODES[mode]
    kwargs = {**kwargs, **extra, "num_layers": num_layers, "bidirectional": bidirectional,
              "batch_first": batch_first, "bias": bias}
    for dtype in dtypes:
        torch.manual_seed(seed)
        ref = ref_cls(C, H, **kwargs).to(dtype)
        torch.manual_seed(seed)
        ours = ours_cls(C, H, **kwargs).to(dtype)
        assert repr(ours) == repr(ref)
        assert [(n, p.shape) for n, p in ours.named_parameters()] == \
            [(n, p.shape) for n, p in ref.named_parameters()]
        for (name, a), b in zip(ours.state_dict().items(), ref.state_dict().values()):
            torch.testing.assert_close(a, b, atol=0, rtol=0, msg=f"init of {name}")
        ours.train(train)
        ref.train(train)
        if batch is None:
            x = torch.randn(seq_len, C, dtype=dtype)
        else:
            x = torch.randn((batch, seq_len, C) if batch_first else (seq_len, batch, C),
                            dtype=dtype)
        inputs = [x]
        if with_hx:
            out_size = extra.get("proj_size") or H
            rows = num_layers * (2 if bidirectional else 1)
            inputs.append(_initial_state(mode, rows, batch, out_size, dtype, cell=H))
        assert_module_parity(ours, ref, *inputs, seed=seed, **tolerances(dtype))
        ref.load_state_dict(ours.state_dict(), strict=True)


GRID = list(itertools.product((1, 2, 3), (False, True), (False, True), (False, True)))


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("num_layers,bidirectional,batch_first,bias", GRID)
def test_layer_parity_float64(mode, num_layers, bidirectional, batch_first, bias):
    i = GRID.index((num_layers, bidirectional, batch_first, bias))
    check_layer(mode, num_layers=num_layers, bidirectional=bidirectional,
                batch_first=batch_first, bias=bias, with_hx=i % 2 == 0,
                seq_len=(1, 4, 7)[i % 3], batch=(1, 3, 2)[(i // 3) % 3], seed=i)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("with_hx", [False, True])
def test_layer_parity_float32(mode, with_hx):
    check_layer(mode, num_layers=2, bidirectional=True, with_hx=with_hx, seq_len=6,
                dtypes=(torch.float32,))


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("with_hx", [False, True])
def test_unbatched_input(mode, with_hx):
    check_layer(mode, num_layers=2, bidirectional=True, with_hx=with_hx, batch=None,
                dtypes=(torch.float64, torch.float32))


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
@pytest.mark.parametrize("num_layers,bidirectional,with_hx,batch",
                         [(1, False, True, 3), (2, True, False, 1), (3, True, True, 2),
                          (2, False, True, None)])
def test_lstm_projection(num_layers, bidirectional, with_hx, batch):
    check_layer("lstm", num_layers=num_layers, bidirectional=bidirectional, with_hx=with_hx,
                batch=batch, proj_size=2, dtypes=(torch.float64, torch.float32))


@pytest.mark.parametrize("mode", sorted(MODES))
def test_dropout_between_layers_is_off_in_eval(mode):
    check_layer(mode, num_layers=3, bidirectional=True, dropout=0.5, train=False)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_fused_path_equals_from_scratch(mode):
    ours_cls, _, kwargs = MODES[mode]
    torch.manual_seed(0)
    slow = ours_cls(C, H, num_layers=2, bidirectional=True, **kwargs).double()
    fast = ours_cls(C, H, num_layers=2, bidirectional=True, **kwargs, fused=True).double()
    fast.load_state_dict(slow.state_dict(), strict=True)
    assert repr(fast).endswith("fused=True)")
    x = torch.randn(5, 2, C, dtype=torch.float64)
    assert_module_parity(slow, fast, x)
