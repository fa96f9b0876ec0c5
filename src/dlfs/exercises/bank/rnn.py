"""Exercises on recurrent networks: the RNN, LSTM and GRU cells, a stacked LSTM over a
sequence, and Bahdanau (additive) attention (book ch. 6-7, Liu Er 12-13)."""

from __future__ import annotations

import math

import torch
from torch import nn

from ...nn import functional as dF
from ..cases import Case, assert_close, check_state_keys, module_case, randn, watched
from ..schema import Exercise

# ---- shared ------------------------------------------------------------------------------


class _CellBase(nn.Module):
    """torch's cell parameters: weight_ih (k H, C), weight_hh (k H, H), bias_ih, bias_hh."""

    chunks = 1

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        g, self.hidden_size = self.chunks * hidden_size, hidden_size
        bound = 1 / math.sqrt(hidden_size)
        self.weight_ih = nn.Parameter(torch.empty(g, input_size).uniform_(-bound, bound))
        self.weight_hh = nn.Parameter(torch.empty(g, hidden_size).uniform_(-bound, bound))
        self.bias_ih = nn.Parameter(torch.empty(g).uniform_(-bound, bound))
        self.bias_hh = nn.Parameter(torch.empty(g).uniform_(-bound, bound))

    def _zeros(self, x):
        return x.new_zeros(x.shape[0], self.hidden_size)


# ---- RNNCell -----------------------------------------------------------------------------


def rnn_cell_cases(RNNCell):
    # (input_size, hidden_size, batch, pass h?)
    for c, h, b, with_h in [(1, 1, 1, False), (3, 4, 2, True), (5, 3, 4, True),
                            (2, 6, 3, False)]:
        x = randn(b, c, seed=c * 10 + h)
        inputs = (x, randn(b, h, seed=c * 10 + h + 1)) if with_h else (x,)
        yield module_case(f"RNNCell({c}, {h}), x {(b, c)}, "
                           + (f"h {(b, h)}" if with_h else "h omitted (zeros)"),
                           lambda c=c, h=h: RNNCell(c, h), lambda c=c, h=h: nn.RNNCell(c, h),
                           *inputs)


class _RNNCellHhNotTransposed(_CellBase):
    """Planted bug: h @ W_hh instead of h @ W_hh^T."""

    def forward(self, x, h=None):
        h = self._zeros(x) if h is None else h
        return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh
                          + self.bias_hh)


class _RNNCellNoBiasHh(_CellBase):
    """Planted bug: bias_hh is created but never added."""

    def forward(self, x, h=None):
        h = self._zeros(x) if h is None else h
        return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T)


# ---- LSTMCell ----------------------------------------------------------------------------


def lstm_cell_cases(LSTMCell):
    for c, h, b, with_state in [(2, 1, 1, False), (3, 4, 2, True), (5, 3, 3, True),
                                (4, 5, 2, False)]:
        x = randn(b, c, seed=c * 10 + h, scale=1.5)
        state = (randn(b, h, seed=c * 10 + h + 1), randn(b, h, seed=c * 10 + h + 2, scale=2.0))
        inputs = (x, state) if with_state else (x,)
        yield module_case(f"LSTMCell({c}, {h}), x {(b, c)}, "
                           + (f"(h, c) each {(b, h)}" if with_state else "state omitted (zeros)"),
                           lambda c=c, h=h: LSTMCell(c, h), lambda c=c, h=h: nn.LSTMCell(c, h),
                           *inputs)


class _LSTMCellVariant(_CellBase):
    chunks = 4
    swap_if = False
    skip_forget_bias = False

    def forward(self, x, state=None):
        h, c = (self._zeros(x), self._zeros(x)) if state is None else state
        H = self.hidden_size
        b = self.bias_ih + self.bias_hh
        if self.skip_forget_bias:
            b = torch.cat([b[:H], torch.zeros_like(b[H:2 * H]), b[2 * H:]])
        i, f, g, o = (x @ self.weight_ih.T + h @ self.weight_hh.T + b).chunk(4, dim=-1)
        if self.swap_if:
            i, f = f, i
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c


class _LSTMCellSwapIF(_LSTMCellVariant):
    """Planted bug: gates read in the order (f, i, g, o) instead of torch's (i, f, g, o)."""

    swap_if = True


class _LSTMCellNoForgetBias(_LSTMCellVariant):
    """Planted bug: the forget gate gets no bias (its slices of bias_ih and bias_hh unused)."""

    skip_forget_bias = True


# ---- GRUCell -----------------------------------------------------------------------------


def gru_cell_cases(GRUCell):
    for c, h, b, with_h in [(2, 1, 1, False), (3, 4, 2, True), (5, 3, 3, True),
                            (4, 5, 2, False)]:
        x = randn(b, c, seed=c * 10 + h)
        inputs = (x, randn(b, h, seed=c * 10 + h + 1)) if with_h else (x,)
        yield module_case(f"GRUCell({c}, {h}), x {(b, c)}, "
                           + (f"h {(b, h)}" if with_h else "h omitted (zeros)"),
                           lambda c=c, h=h: GRUCell(c, h), lambda c=c, h=h: nn.GRUCell(c, h),
                           *inputs)


class _GRUCellVariant(_CellBase):
    chunks = 3
    reset_before_matmul = False
    z_flipped = False

    def forward(self, x, h=None):
        h = self._zeros(x) if h is None else h
        x_r, x_z, x_n = (x @ self.weight_ih.T + self.bias_ih).chunk(3, dim=-1)
        w_r, w_z, w_n = self.weight_hh.chunk(3, dim=0)
        b_r, b_z, b_n = self.bias_hh.chunk(3)
        r = torch.sigmoid(x_r + h @ w_r.T + b_r)
        z = torch.sigmoid(x_z + h @ w_z.T + b_z)
        if self.reset_before_matmul:
            n = torch.tanh(x_n + (r * h) @ w_n.T + b_n)
        else:
            n = torch.tanh(x_n + r * (h @ w_n.T + b_n))
        return z * n + (1 - z) * h if self.z_flipped else (1 - z) * n + z * h


class _GRUCellResetBeforeMatmul(_GRUCellVariant):
    """Planted bug: n = tanh(W_in x + b_in + W_hn (r * h) + b_hn) (the original paper's
    variant), not torch's tanh(W_in x + b_in + r * (W_hn h + b_hn))."""

    reset_before_matmul = True


class _GRUCellZFlipped(_GRUCellVariant):
    """Planted bug: h' = z * n + (1 - z) * h (the update gate's roles swapped)."""

    z_flipped = True


# ---- LSTM over a sequence ----------------------------------------------------------------

# (input, hidden, layers, batch_first, batch, time, pass the state?)
_LSTM_CASES = [(2, 3, 1, True, 1, 1, False), (2, 3, 1, True, 2, 3, False),
               (3, 4, 2, True, 2, 5, True),
               (4, 3, 3, False, 2, 6, False), (2, 5, 2, True, 3, 4, True),
               (3, 2, 2, False, 1, 7, True)]


def lstm_cases(LSTM):
    for i, (c, h, n, bf, b, t, with_state) in enumerate(_LSTM_CASES):
        x = randn(*((b, t, c) if bf else (t, b, c)), seed=90 + i)
        inputs: tuple = (x,)
        if with_state:
            inputs = (x, (randn(n, b, h, seed=100 + i), randn(n, b, h, seed=110 + i)))
        state = f", (h0, c0) each {(n, b, h)}" if with_state else ", no initial state"
        yield module_case(
            f"LSTM({c}, {h}, num_layers={n}, batch_first={bf}), x {tuple(x.shape)}{state}",
            lambda c=c, h=h, n=n, bf=bf: LSTM(c, h, num_layers=n, batch_first=bf),
            lambda c=c, h=h, n=n, bf=bf: nn.LSTM(c, h, num_layers=n, batch_first=bf),
            *inputs)


class _LSTMVariant(nn.Module):
    """A stacked LSTM with torch's parameter names; the flags plant one bug each."""

    ignore_batch_first = False
    same_initial_state = False
    h_n_first_step = False

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 batch_first: bool = False) -> None:
        super().__init__()
        self.hidden_size, self.num_layers, self.batch_first = hidden_size, num_layers, batch_first
        for k in range(num_layers):
            inner = nn.LSTMCell(input_size if k == 0 else hidden_size, hidden_size)
            for name, p in inner.named_parameters():
                setattr(self, f"{name}_l{k}", p)

    def forward(self, x, state=None):
        if self.batch_first and not self.ignore_batch_first:
            x = x.transpose(0, 1)  # (T, B, C)
        T, B = x.shape[:2]
        if state is None:
            zeros = x.new_zeros(self.num_layers, B, self.hidden_size)
            state = (zeros, zeros)
        h_n, c_n = [], []
        for k in range(self.num_layers):
            row = 0 if self.same_initial_state else k
            h, c = state[0][row], state[1][row]
            p = [getattr(self, f"{n}_l{k}") for n in ("weight_ih", "weight_hh", "bias_ih",
                                                      "bias_hh")]
            outs = []
            for t in range(T):
                h, c = dF.lstm_cell(x[t], (h, c), *p)
                outs.append(h)
            x = torch.stack(outs)  # (T, B, H)
            h_n.append(outs[0] if self.h_n_first_step else h)
            c_n.append(c)
        out = x.transpose(0, 1) if self.batch_first and not self.ignore_batch_first else x
        return out, (torch.stack(h_n), torch.stack(c_n))


class _LSTMIgnoresBatchFirst(_LSTMVariant):
    """Planted bug: batch_first input read as (T, B, C)."""

    ignore_batch_first = True


class _LSTMSameInitialState(_LSTMVariant):
    """Planted bug: every layer starts from layer 0's (h0, c0)."""

    same_initial_state = True


class _LSTMHnFirstStep(_LSTMVariant):
    """Planted bug: h_n taken at the first time step instead of the last."""

    h_n_first_step = True


# ---- Bahdanau attention ------------------------------------------------------------------


class _TorchAdditiveAttention(nn.Module):
    """The reference, from torch.nn.Linear and torch.softmax."""

    def __init__(self, query_size: int, key_size: int, attn_size: int) -> None:
        super().__init__()
        self.W = nn.Linear(query_size, attn_size, bias=False)
        self.U = nn.Linear(key_size, attn_size, bias=False)
        self.v = nn.Linear(attn_size, 1, bias=False)

    def forward(self, query, keys, mask=None):
        e = self.v(torch.tanh(self.W(query).unsqueeze(1) + self.U(keys))).squeeze(-1)  # (B, S)
        if mask is not None:
            e = e.masked_fill(~mask, float("-inf"))
        a = torch.softmax(e, dim=-1)
        return (a.unsqueeze(-1) * keys).sum(1), a


def _mask(lengths: list[int], s: int) -> torch.Tensor:
    return torch.arange(s)[None, :] < torch.tensor(lengths)[:, None]  # (B, S) True = real


# (query, key, attn sizes), batch, source length, lengths (None = no mask)
_ATTN_CASES = [((2, 3, 2), 1, 1, None), ((4, 6, 5), 2, 3, [2, 3]), ((3, 5, 4), 3, 5, None),
               ((5, 4, 6), 4, 6, [6, 1, 4, 3])]


def _loaded(make, sizes, seed):
    """Our module with the weights of a seeded torch reference (float64)."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        ref = _TorchAdditiveAttention(*sizes).double()
        ours = make(*sizes).double()
    check_state_keys(ours, ref)
    ours.load_state_dict(ref.state_dict())
    return ours


def bahdanau_attention_cases(AdditiveAttention):
    for i, (sizes, b, s, lengths) in enumerate(_ATTN_CASES):
        dq, dk, _ = sizes
        q, k = randn(b, dq, seed=120 + i), randn(b, s, dk, seed=130 + i)
        inputs = (q, k) if lengths is None else (q, k, _mask(lengths, s))
        masked = "no mask" if lengths is None else f"mask lengths {lengths}"
        yield module_case(f"AdditiveAttention{sizes}, query {(b, dq)}, keys {(b, s, dk)}, "
                           f"{masked}",
                           lambda sizes=sizes: AdditiveAttention(*sizes),
                           lambda sizes=sizes: _TorchAdditiveAttention(*sizes), *inputs)

    sizes, b, s = (4, 3, 5), 4, 6
    lengths = [6, 2, 5, 1]
    q, k, mask = randn(b, 4, seed=140), randn(b, s, 3, seed=141), _mask(lengths, s)

    def sums_to_one() -> None:
        attn = _loaded(AdditiveAttention, sizes, 7)
        out = watched(lambda: attn(q, k, mask))()
        if not isinstance(out, tuple) or len(out) != 2:
            raise AssertionError("forward must return (context, weights)")
        context, a = out
        if not isinstance(a, torch.Tensor) or a.shape != (b, s):
            raise AssertionError(f"weights: got {getattr(a, 'shape', type(a).__name__)}, "
                                 f"expected a tensor of shape {(b, s)}")
        assert_close(a.sum(-1), torch.ones(b, dtype=a.dtype), "weights summed over the source")
        if (a[~mask] != 0).any():
            r, c = (~mask & (a != 0)).nonzero()[0].tolist()
            raise AssertionError(f"weights at masked positions must be exactly 0; row {r} "
                                 f"(length {lengths[r]}) has weight {a[r, c].item():.3g} at "
                                 f"position {c}")
        if (a < 0).any():
            raise AssertionError("weights must be >= 0")
    yield Case(f"mask lengths {lengths}: every row of weights sums to 1, masked positions 0",
               sums_to_one)

    def padding_ignored() -> None:
        attn = _loaded(AdditiveAttention, sizes, 8)
        noise = randn(b, s, 3, seed=142, scale=10.0)
        k2 = torch.where(mask[..., None], k, noise)
        c1, a1 = watched(lambda: attn(q, k, mask))()
        c2, a2 = watched(lambda: attn(q, k2, mask))()
        assert_close(a2, a1, "weights after changing the keys at masked positions")
        assert_close(c2, c1, "context after changing the keys at masked positions")
    yield Case("keys at masked positions changed: context and weights unchanged",
               padding_ignored)

    def single_position() -> None:
        attn = _loaded(AdditiveAttention, sizes, 9)
        one = _mask([1, 1, 1, 1], s)
        c, a = watched(lambda: attn(q, k, one))()
        assert_close(a, one.to(k.dtype), "weights with one real position per row")
        assert_close(c, k[:, 0], "context with one real position (must equal that key)")
    yield Case("one real position per row: weight 1 there, context = that key",
               single_position)


def _library_attention():
    from ...models.seq2seq import AdditiveAttention
    return AdditiveAttention


class _AttnBase(nn.Module):
    def __init__(self, query_size: int, key_size: int, attn_size: int) -> None:
        super().__init__()
        inner = _library_attention()(query_size, key_size, attn_size)
        self.W, self.U, self.v = inner.W, inner.U, inner.v

    def _scores(self, query, keys):
        return self.v(torch.tanh(self.W(query)[:, None] + self.U(keys))).squeeze(-1)  # (B, S)


class _AttnMaskIgnored(_AttnBase):
    """Planted bug: the mask is accepted but never applied."""

    def forward(self, query, keys, mask=None):
        a = dF.softmax(self._scores(query, keys), dim=-1)
        return (a[..., None] * keys).sum(1), a


class _AttnMaskAfterSoftmax(_AttnBase):
    """Planted bug: masked weights zeroed after the softmax (rows no longer sum to 1)."""

    def forward(self, query, keys, mask=None):
        a = dF.softmax(self._scores(query, keys), dim=-1)
        if mask is not None:
            a = a * mask
        return (a[..., None] * keys).sum(1), a


class _AttnSoftmaxOverBatch(_AttnBase):
    """Planted bug: softmax over the batch axis (dim=0) instead of the source axis."""

    def forward(self, query, keys, mask=None):
        e = self._scores(query, keys)
        if mask is not None:
            e = e.masked_fill(~mask, -1e30)
        a = dF.softmax(e, dim=0)
        return (a[..., None] * keys).sum(1), a


# ---- the exercises -----------------------------------------------------------------------

_CELL_STUB_INIT = '''
                def __init__(self, input_size: int, hidden_size: int):
                    """weight_ih ({k}H, C), weight_hh ({k}H, H), bias_ih ({k}H,), bias_hh ({k}H,),
                    each drawn from U(-1/sqrt(H), 1/sqrt(H))."""
                    super().__init__()
'''

EXERCISES = [
    Exercise(
        id="rnn_cell", entry="RNNCell", lesson="rnn-from-scratch", at=("book:6", "liuer:12"),
        title=("The vanilla RNN cell", "基本 RNN 单元"),
        task=("Write RNNCell(input_size, hidden_size), one step of an Elman RNN with torch's "
              "parameters: weight_ih (H, C), weight_hh (H, H), bias_ih (H,), bias_hh (H,), "
              "initialised from U(-1/sqrt(H), 1/sqrt(H)). forward(x, h=None): x (B, C), "
              "h (B, H) (zeros when None) -> h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh), "
              "shape (B, H).",
              "实现 RNNCell(input_size, hidden_size)：Elman RNN 的一步，参数与 torch 相同："
              "weight_ih (H, C)、weight_hh (H, H)、bias_ih (H,)、bias_hh (H,)，都从 "
              "U(-1/sqrt(H), 1/sqrt(H)) 初始化。forward(x, h=None)：x 形状 (B, C)，h 形状 "
              "(B, H)（为 None 时取全零）-> h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)，"
              "形状 (B, H)。"),
        stub='''
            class RNNCell(nn.Module):''' + _CELL_STUB_INIT.replace("{k}", "") + '''
                def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
                    """x (B, C), h (B, H) or None (zeros) -> h' (B, H)"""
        ''',
        reference="dlfs.nn.rnn_cell:RNNCell",
        cases=rnn_cell_cases,
        mutants={"weight_hh not transposed": _RNNCellHhNotTransposed,
                 "bias_hh never added": _RNNCellNoBiasHh},
        hints=(("Parameters are nn.Parameter(torch.empty(...).uniform_(-b, b)) with "
                "b = 1 / math.sqrt(hidden_size).",
                "参数用 nn.Parameter(torch.empty(...).uniform_(-b, b)) 创建，"
                "其中 b = 1 / math.sqrt(hidden_size)。"),
               ("When h is None use x.new_zeros(x.shape[0], hidden_size); torch.tanh is a "
                "basic operation and allowed.",
                "h 为 None 时用 x.new_zeros(x.shape[0], hidden_size)；torch.tanh 是基本运算，"
                "可以使用。")),
    ),
    Exercise(
        id="lstm_cell", entry="LSTMCell", lesson="lstm-gru-gates", at=("book:6",),
        title=("The LSTM cell", "LSTM 单元"),
        task=("Write LSTMCell(input_size, hidden_size) with torch's parameters weight_ih "
              "(4H, C), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,) (U(-1/sqrt(H), "
              "1/sqrt(H))); the 4H rows hold the gates in torch's order i, f, g, o. "
              "forward(x, state=None): x (B, C), state = (h, c) each (B, H) (zeros when None). "
              "With [i, f, g, o] = x W_ih^T + b_ih + h W_hh^T + b_hh split in four: "
              "c' = sigmoid(f) * c + sigmoid(i) * tanh(g), h' = sigmoid(o) * tanh(c'); "
              "return (h', c').",
              "实现 LSTMCell(input_size, hidden_size)，参数与 torch 相同：weight_ih (4H, C)、"
              "weight_hh (4H, H)、bias_ih (4H,)、bias_hh (4H,)（U(-1/sqrt(H), 1/sqrt(H)) 初始化）；"
              "这 4H 行按 torch 的顺序依次是 i、f、g、o 四个门。forward(x, state=None)："
              "x 形状 (B, C)，state = (h, c)，各为 (B, H)（None 时取全零）。"
              "把 x W_ih^T + b_ih + h W_hh^T + b_hh 切成四块 [i, f, g, o]："
              "c' = sigmoid(f) * c + sigmoid(i) * tanh(g)，h' = sigmoid(o) * tanh(c')；"
              "返回 (h', c')。"),
        stub='''
            class LSTMCell(nn.Module):''' + _CELL_STUB_INIT.replace("{k}", "4") + '''
                def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
                            ) -> tuple[Tensor, Tensor]:
                    """x (B, C), state (h, c) each (B, H) or None -> (h', c') each (B, H)"""
        ''',
        reference="dlfs.nn.rnn_cell:LSTMCell",
        cases=lstm_cell_cases,
        mutants={"gates i and f swapped": _LSTMCellSwapIF,
                 "forget-gate bias missing": _LSTMCellNoForgetBias},
        hints=(("One matmul for all gates: gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, "
                "shape (B, 4H); then gates.chunk(4, dim=-1).",
                "所有门只需一次矩阵乘法：gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh，"
                "形状 (B, 4H)；再用 gates.chunk(4, dim=-1) 切开。"),
               ("The chunks come in the order i, f, g, o; only g goes through tanh, the "
                "other three through torch.sigmoid.",
                "切出来的顺序是 i、f、g、o；只有 g 用 tanh，另外三个用 torch.sigmoid。")),
    ),
    Exercise(
        id="gru_cell", entry="GRUCell", lesson="lstm-gru-gates", at=("book:6", "liuer:13"),
        title=("The GRU cell", "GRU 单元"),
        task=("Write GRUCell(input_size, hidden_size) with torch's parameters weight_ih "
              "(3H, C), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,) (U(-1/sqrt(H), "
              "1/sqrt(H))), rows in torch's gate order r, z, n. forward(x, h=None): x (B, C), "
              "h (B, H) (zeros when None). With [x_r, x_z, x_n] = x W_ih^T + b_ih and "
              "[h_r, h_z, h_n] = h W_hh^T + b_hh: r = sigmoid(x_r + h_r), z = sigmoid(x_z + "
              "h_z), n = tanh(x_n + r * h_n) (the reset gate multiplies W_hn h + b_hn, after "
              "the matmul), h' = (1 - z) * n + z * h, shape (B, H).",
              "实现 GRUCell(input_size, hidden_size)，参数与 torch 相同：weight_ih (3H, C)、"
              "weight_hh (3H, H)、bias_ih (3H,)、bias_hh (3H,)（U(-1/sqrt(H), 1/sqrt(H)) 初始化），"
              "各行按 torch 的门顺序 r、z、n 排列。forward(x, h=None)：x 形状 (B, C)，h 形状 "
              "(B, H)（None 时取全零）。令 [x_r, x_z, x_n] = x W_ih^T + b_ih，"
              "[h_r, h_z, h_n] = h W_hh^T + b_hh：r = sigmoid(x_r + h_r)，"
              "z = sigmoid(x_z + h_z)，n = tanh(x_n + r * h_n)（重置门乘的是矩阵乘法之后的 "
              "W_hn h + b_hn），h' = (1 - z) * n + z * h，形状 (B, H)。"),
        stub='''
            class GRUCell(nn.Module):''' + _CELL_STUB_INIT.replace("{k}", "3") + '''
                def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
                    """x (B, C), h (B, H) or None (zeros) -> h' (B, H)"""
        ''',
        reference="dlfs.nn.rnn_cell:GRUCell",
        cases=gru_cell_cases,
        mutants={"reset gate applied before the matmul": _GRUCellResetBeforeMatmul,
                 "update gate roles swapped": _GRUCellZFlipped},
        hints=(("Compute the input part and the recurrent part separately, each with one "
                "matmul, and chunk(3, dim=-1) both: the reset gate only touches the recurrent "
                "part of n.",
                "输入部分和循环部分分别用一次矩阵乘法算出，各自 chunk(3, dim=-1)："
                "重置门只作用在 n 的循环部分上。"),
               ("n = tanh(x_n + r * h_n) with h_n = (h W_hh^T + b_hh)[..., 2H:], and "
                "h' = n + z * (h - n).",
                "n = tanh(x_n + r * h_n)，其中 h_n = (h W_hh^T + b_hh)[..., 2H:]；"
                "h' = n + z * (h - n)。")),
    ),
    Exercise(
        id="lstm_layers", entry="LSTM", lesson="rnn-from-scratch", at=("book:6",),
        title=("A stacked LSTM over a sequence", "多层 LSTM 处理整个序列"),
        task=("Write LSTM(input_size, hidden_size, num_layers=1, batch_first=False), torch's "
              "multi-layer LSTM without dropout or bidirection. Parameters per layer k: "
              "weight_ih_l{k} (4H, C_k), weight_hh_l{k} (4H, H), bias_ih_l{k}, bias_hh_l{k} "
              "(4H,), with C_0 = input_size and C_k = H above (U(-1/sqrt(H), 1/sqrt(H))); gates "
              "i, f, g, o as in the LSTM cell. forward(x, state=None): x (T, B, C), or "
              "(B, T, C) when batch_first; state = (h0, c0) each (num_layers, B, H), zeros "
              "when None; layer k starts from h0[k], c0[k]. Layer 0 reads x, layer k reads "
              "the outputs h_1..h_T of layer k-1. Return (output, (h_n, c_n)): output the "
              "last layer's h at every step, (T, B, H) (or (B, T, H)); h_n, c_n (num_layers, "
              "B, H) each layer's state after the last step.",
              "实现 LSTM(input_size, hidden_size, num_layers=1, batch_first=False)：不含 dropout、"
              "非双向的 torch 多层 LSTM。第 k 层的参数：weight_ih_l{k} (4H, C_k)、"
              "weight_hh_l{k} (4H, H)、bias_ih_l{k}、bias_hh_l{k} (4H,)，其中 C_0 = input_size，"
              "更高层 C_k = H（U(-1/sqrt(H), 1/sqrt(H)) 初始化）；门的顺序 i、f、g、o 与 LSTM "
              "单元相同。forward(x, state=None)：x 形状 (T, B, C)，batch_first 时为 (B, T, C)；"
              "state = (h0, c0)，各为 (num_layers, B, H)，None 时取全零；第 k 层从 h0[k]、c0[k] "
              "开始。第 0 层读 x，第 k 层读第 k-1 层在各时间步的输出 h_1..h_T。返回 "
              "(output, (h_n, c_n))：output 是最后一层在每个时间步的 h，形状 (T, B, H)"
              "（或 (B, T, H)）；h_n、c_n 形状 (num_layers, B, H)，是每层最后一步之后的状态。"),
        stub='''
            class LSTM(nn.Module):
                def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                             batch_first: bool = False):
                    """Per layer k: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}"""
                    super().__init__()

                def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
                            ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
                    """x (T, B, C) or (B, T, C) if batch_first; state (h0, c0) each (L, B, H)
                    -> output (T, B, H) or (B, T, H), (h_n, c_n) each (L, B, H)"""
        ''',
        reference="dlfs.nn.rnn:LSTM",
        cases=lstm_cases,
        mutants={"batch_first ignored": _LSTMIgnoresBatchFirst,
                 "every layer starts from layer 0's state": _LSTMSameInitialState,
                 "h_n taken at the first step": _LSTMHnFirstStep},
        hints=(("Register parameters with a computed name: setattr(self, f'weight_ih_l{k}', "
                "nn.Parameter(...)), and read them back with getattr.",
                "用拼出来的名字注册参数：setattr(self, f'weight_ih_l{k}', nn.Parameter(...))，"
                "再用 getattr 取回。"),
               ("Work time-major: if batch_first, x = x.transpose(0, 1) first and transpose the "
                "output back at the end. Two loops: over layers outside, over time inside; "
                "torch.stack the h of every step to feed the next layer.",
                "统一按时间优先处理：batch_first 时先 x = x.transpose(0, 1)，最后把输出转回去。"
                "两重循环：外层遍历各层，内层遍历时间步；把每一步的 h 用 torch.stack "
                "拼起来作为下一层的输入。")),
    ),
    Exercise(
        id="bahdanau_attention", entry="AdditiveAttention", lesson="seq2seq-attention",
        at=("book:7",),
        title=("Bahdanau (additive) attention", "Bahdanau（加性）注意力"),
        task=("Write AdditiveAttention(query_size, key_size, attn_size) with three bias-free "
              "linear layers W (query_size -> attn_size), U (key_size -> attn_size) and "
              "v (attn_size -> 1), named W, U, v. forward(query, keys, mask=None): query s "
              "(B, Dq), keys h (B, S, Dk) (they are also the values), mask (B, S) bool, True "
              "on real source positions (every row has at least one). Score e_i = v^T tanh(W s "
              "+ U h_i) (B, S); masked positions get weight 0 (fill their scores with -inf "
              "before the softmax); weights a = softmax over the S positions; context c = "
              "sum_i a_i h_i (B, Dk). Return (context, weights).",
              "实现 AdditiveAttention(query_size, key_size, attn_size)：三个无偏置的线性层 "
              "W（query_size -> attn_size）、U（key_size -> attn_size）、v（attn_size -> 1），"
              "名字就叫 W、U、v。forward(query, keys, mask=None)：query s 形状 (B, Dq)，keys h "
              "形状 (B, S, Dk)（同时也是 values），mask 形状 (B, S) 的布尔张量，真实的源位置为 "
              "True（每行至少有一个）。得分 e_i = v^T tanh(W s + U h_i)，形状 (B, S)；被屏蔽的"
              "位置权重为 0（在 softmax 之前把它们的得分填成 -inf）；权重 a = 在 S 个位置上做 "
              "softmax；上下文 c = sum_i a_i h_i，形状 (B, Dk)。返回 (context, weights)。"),
        stub='''
            class AdditiveAttention(nn.Module):
                def __init__(self, query_size: int, key_size: int, attn_size: int):
                    """self.W, self.U, self.v: Linear layers without bias."""
                    super().__init__()

                def forward(self, query: Tensor, keys: Tensor, mask: Tensor | None = None
                            ) -> tuple[Tensor, Tensor]:
                    """query (B, Dq), keys (B, S, Dk), mask (B, S) bool or None
                    -> context (B, Dk), weights (B, S)"""
        ''',
        imports=("from dlfs.nn import Linear",),
        allowed=("dlfs.nn.linear:Linear",),
        reference="dlfs.models.seq2seq:AdditiveAttention",
        cases=bahdanau_attention_cases,
        mutants={"mask ignored": _AttnMaskIgnored,
                 "mask applied after the softmax": _AttnMaskAfterSoftmax,
                 "softmax over the batch axis": _AttnSoftmaxOverBatch},
        hints=(("Broadcast the query over the source: W(query)[:, None, :] (B, 1, A) + "
                "U(keys) (B, S, A); then v(...) is (B, S, 1): squeeze(-1).",
                "让 query 在源序列上广播：W(query)[:, None, :] (B, 1, A) + U(keys) (B, S, A)；"
                "v(...) 的形状是 (B, S, 1)，再 squeeze(-1)。"),
               ("e.masked_fill(~mask, float('-inf')), then a softmax written by hand over "
                "dim=-1: exp(e - e.max(-1, keepdim=True).values), divided by its sum "
                "(torch.softmax is refused). Context: (a[..., None] * keys).sum(1).",
                "e.masked_fill(~mask, float('-inf'))，然后在 dim=-1 上手写 softmax："
                "exp(e - e.max(-1, keepdim=True).values) 再除以它的和（torch.softmax 不允许用）。"
                "上下文：(a[..., None] * keys).sum(1)。")),
    ),
]
