"""Exercises on efficient attention and modern LLM components: tiled (flash-style)
attention, sliding-window and linear attention, grouped-query attention, SwiGLU, a
mixture of experts, LoRA, the DPO loss, and counting a GPT's parameters (book ch. 9 and 10,
PEFT topic, PyTorch roadmap day 26).

Where PyTorch has the operation (``scaled_dot_product_attention``, ``silu``, ``logsigmoid``)
the checkers compare values and gradients with it in float64; the efficient forms must also
never build the full (T, S) score matrix, which a probe on every torch operation checks.
"""

from __future__ import annotations

import math
import operator

import torch
import torch.nn.functional as TF
from torch import nn
from torch.overrides import TorchFunctionMode

from ..cases import Case, assert_close, fn_case, module_case, randn, watched
from ..schema import Exercise

# ---- shared: no (T, S) score matrix ------------------------------------------------------


class _ScoreMatrixProbe(TorchFunctionMode):
    """Notes the first floating tensor a torch operation returns whose last two dimensions
    are (T, S): the full score matrix that efficient attention must never build."""

    def __init__(self, T: int, S: int) -> None:
        super().__init__()
        self.T, self.S = T, S
        self.found: tuple[str, tuple[int, ...]] | None = None

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if self.found is None:
            for t in out if isinstance(out, (tuple, list)) else (out,):
                if (isinstance(t, torch.Tensor) and t.is_floating_point() and t.dim() >= 2
                        and tuple(t.shape[-2:]) == (self.T, self.S)):
                    self.found = (getattr(func, "__name__", str(func)), tuple(t.shape))
        return out


def _no_score_matrix_case(name: str, call, T: int, S: int, what: str) -> Case:
    """``call()`` runs the learner's code; no operation in it may produce a (..., T, S)
    floating tensor."""
    def run() -> None:
        with _ScoreMatrixProbe(T, S) as probe:
            call()
        if probe.found is not None:
            op, shape = probe.found
            raise AssertionError(f"{what}: the operation {op} made a tensor of shape {shape}, "
                                 f"a full ({T}, {S}) score matrix; {what} must only ever hold "
                                 "the part of the scores it needs")
    return Case(name, run)


def _param_shapes_match(ours: nn.Module, ref: nn.Module) -> None:
    """Same parameter names and shapes, with a readable message (before loading weights)."""
    a = {n: tuple(p.shape) for n, p in ours.named_parameters()}
    b = {n: tuple(p.shape) for n, p in ref.named_parameters()}
    if sorted(a) != sorted(b):
        raise AssertionError(f"parameters: yours are {sorted(a)}, expected {sorted(b)}")
    for name, shape in b.items():
        if a[name] != shape:
            raise AssertionError(f"parameter {name!r}: shape {a[name]}, expected {shape}")


def _seeded(make, seed: int):
    """``make`` run under its own seed: the reference's random weights (and so the routing of
    a mixture of experts) are the same on every run; the global generator is left alone."""
    def build():
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return make()
    return build


def _shaped_module_case(name: str, make_ours, make_ref, *inputs, seed: int = 0,
                        **kwargs) -> Case:
    """:func:`module_case` (the reference built under ``seed``) after checking parameter
    names and shapes."""
    make_ref = _seeded(make_ref, seed)
    inner = module_case(name, make_ours, make_ref, *inputs, **kwargs)

    def run() -> None:
        _param_shapes_match(make_ours(), make_ref())
        inner.run()
    return Case(name, run)


# ---- tiled attention with the online softmax ---------------------------------------------


def _dense_attention(q, k, v, *, is_causal=False, scale=None, block_q=64, block_k=64):
    """torch's attention and the logsumexp of each row of scores: (O, L)."""
    s = q.shape[-1] ** -0.5 if scale is None else scale
    scores = (q @ k.transpose(-2, -1)) * s                                # (..., T, S)
    if is_causal:
        keep = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).tril()
        scores = scores.masked_fill(~keep, float("-inf"))
    out = TF.scaled_dot_product_attention(q, k, v, is_causal=is_causal, scale=scale)
    return out, torch.logsumexp(scores, dim=-1)


def tiled_attention_cases(impl):
    settings = [  # (lead, T, S, D, Dv, block_q, block_k, is_causal, scale)
        ((1, 1), 5, 5, 3, 4, 2, 2, False, None),
        ((2, 3), 7, 9, 4, 5, 3, 4, False, 0.5),
        ((2, 2), 8, 8, 4, 3, 3, 2, True, None),
        ((1, 2), 6, 9, 2, 3, 4, 4, True, None),
        ((3,), 4, 6, 5, 2, 64, 64, False, None),
    ]
    for i, (lead, T, S, D, Dv, bq, bk, causal, scale) in enumerate(settings):
        q, k, v = randn(*lead, T, D, seed=i), randn(*lead, S, D, seed=10 + i), randn(
            *lead, S, Dv, seed=20 + i)
        yield fn_case(f"q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)} float64, "
                      f"block_q={bq}, block_k={bk}, is_causal={causal}, scale={scale}",
                      impl, _dense_attention, q, k, v,
                      kwargs=dict(is_causal=causal, scale=scale, block_q=bq, block_k=bk))
    # scores up to ~±150: exp overflows float32 unless the running max is subtracted
    q, k, v = (randn(1, 2, 6, 4, seed=s, dtype=torch.float32) for s in (30, 31, 32))
    yield fn_case("large scores, float32 (1, 2, 6, 4), scale=30, block_q=2, block_k=2",
                  impl, _dense_attention, q, k, v, kwargs=dict(scale=30.0, block_q=2, block_k=2))
    q, k, v = randn(1, 12, 3, seed=40), randn(1, 12, 3, seed=41), randn(1, 12, 5, seed=42)
    f = watched(impl)
    yield _no_score_matrix_case("never builds the (12, 12) score matrix, block_q=4, block_k=3",
                                lambda: f(q, k, v, block_q=4, block_k=3), 12, 12,
                                "tiled_attention")


def _tiled_mutant(q, k, v, *, is_causal=False, scale=None, block_q=64, block_k=64,
                  rescale=True, add_max=True):
    T, S = q.shape[-2], k.shape[-2]
    scale = q.shape[-1] ** -0.5 if scale is None else scale
    outs, lses = [], []
    for i0 in range(0, T, block_q):
        q_i = q[..., i0:i0 + block_q, :]
        rows = torch.arange(i0, i0 + q_i.shape[-2]).unsqueeze(1)
        m = q_i.new_full((*q_i.shape[:-1], 1), float("-inf"))
        l = q_i.new_zeros((*q_i.shape[:-1], 1))
        acc = q_i.new_zeros((*q_i.shape[:-1], v.shape[-1]))
        for j0 in range(0, S, block_k):
            s = (q_i @ k[..., j0:j0 + block_k, :].transpose(-2, -1)) * scale
            if is_causal:
                cols = torch.arange(j0, j0 + s.shape[-1])
                s = s.masked_fill(cols > rows, float("-inf"))
            m_new = torch.maximum(m, s.amax(-1, keepdim=True))
            p = torch.exp(s - m_new)
            alpha = torch.exp(m - m_new) if rescale else torch.ones_like(m)
            l = alpha * l + p.sum(-1, keepdim=True)
            acc = alpha * acc + p @ v[..., j0:j0 + block_k, :]
            m = m_new
        outs.append(acc / l)
        lses.append(((m if add_max else 0) + torch.log(l)).squeeze(-1))
    return torch.cat(outs, -2), torch.cat(lses, -1)


def _tiled_no_rescale(q, k, v, **kw):
    """Planted bug: forgets to rescale l and acc by exp(m_old - m_new) when the max grows."""
    return _tiled_mutant(q, k, v, rescale=False, **kw)


def _tiled_lse_without_max(q, k, v, **kw):
    """Planted bug: returns log(l) as the logsumexp, forgetting to add the running max."""
    return _tiled_mutant(q, k, v, add_max=False, **kw)


def _tiled_dense(q, k, v, *, is_causal=False, scale=None, block_q=64, block_k=64):
    """Planted bug: correct numbers, but from the full score matrix (no tiling at all)."""
    from dlfs.nn.functional import softmax
    scale = q.shape[-1] ** -0.5 if scale is None else scale
    s = (q @ k.transpose(-2, -1)) * scale
    if is_causal:
        s = s.masked_fill(~torch.ones(s.shape[-2:], dtype=torch.bool).tril(), float("-inf"))
    return softmax(s, dim=-1) @ v, torch.logsumexp(s, dim=-1)


# ---- sliding-window attention ------------------------------------------------------------


def _window_mask(T: int, window: int, causal: bool) -> torch.Tensor:
    diff = torch.arange(T).unsqueeze(1) - torch.arange(T)                # t - s, (T, T)
    return (diff >= 0) & (diff < window) if causal else diff.abs() < window


def _windowed_sdpa(q, k, v, window, causal=True, scale=None):
    mask = _window_mask(q.shape[-2], window, causal)
    return TF.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale)


def sliding_window_cases(impl):
    settings = [  # (lead, T, D, Dv, window, causal, scale)
        ((1,), 4, 2, 3, 2, True, None),
        ((2, 3), 9, 4, 4, 3, True, 0.3),
        ((2,), 7, 3, 2, 2, False, None),
        ((1, 2), 5, 3, 3, 1, True, None),
        ((2,), 6, 4, 3, 10, True, None),
        ((1, 1), 8, 2, 5, 3, False, 0.7),
    ]
    for i, (lead, T, D, Dv, w, causal, scale) in enumerate(settings):
        q, k, v = randn(*lead, T, D, seed=i), randn(*lead, T, D, seed=10 + i), randn(
            *lead, T, Dv, seed=20 + i)
        yield fn_case(f"q, k {tuple(q.shape)}, v {tuple(v.shape)} float64, window={w}, "
                      f"causal={causal}, scale={scale}", impl, _windowed_sdpa, q, k, v, w,
                      kwargs=dict(causal=causal, scale=scale))
    f = watched(impl)
    q = randn(2, 16, 3, seed=50)
    for causal in (True, False):
        yield _no_score_matrix_case(f"never builds the (16, 16) score matrix, window=4, "
                                    f"causal={causal}",
                                    lambda causal=causal: f(q, q, q, 4, causal=causal), 16, 16,
                                    "sliding_window_attention")


def _window_mutant(q, k, v, window, causal=True, scale=None, extra=0, always_causal=False):
    """Band attention from gathered windows (as it should be done), with planted bugs."""
    from dlfs.nn.functional import softmax
    T, w = q.shape[-2], window + extra
    causal = causal or always_causal
    left, right = w - 1, 0 if causal else w - 1
    band = left + right + 1
    scale = q.shape[-1] ** -0.5 if scale is None else scale

    def windows(x):
        pad = [x.new_zeros((*x.shape[:-2], n, x.shape[-1])) for n in (left, right)]
        return torch.cat([pad[0], x, pad[1]], -2).unfold(-2, band, 1).transpose(-2, -1)
    scores = (q.unsqueeze(-2) @ windows(k).transpose(-2, -1)).squeeze(-2) * scale
    pos = torch.arange(T).unsqueeze(1) - left + torch.arange(band)
    scores = scores.masked_fill((pos < 0) | (pos >= T), float("-inf"))
    return (softmax(scores, dim=-1).unsqueeze(-2) @ windows(v)).squeeze(-2)


def _window_one_wider(q, k, v, window, causal=True, scale=None):
    """Planted bug: each query sees window + 1 keys."""
    return _window_mutant(q, k, v, window, causal, scale, extra=1)


def _window_always_causal(q, k, v, window, causal=True, scale=None):
    """Planted bug: ignores causal=False (never looks ahead)."""
    return _window_mutant(q, k, v, window, causal, scale, always_causal=True)


def _window_dense(q, k, v, window, causal=True, scale=None):
    """Planted bug: right numbers from the full (T, T) scores and a mask."""
    from dlfs.nn.functional import softmax
    scale = q.shape[-1] ** -0.5 if scale is None else scale
    s = (q @ k.transpose(-2, -1)) * scale
    s = s.masked_fill(~_window_mask(q.shape[-2], window, causal), float("-inf"))
    return softmax(s, dim=-1) @ v


# ---- linear attention --------------------------------------------------------------------


def _linear_quadratic(q, k, v, causal=False, eps=1e-6):
    """The explicit form with torch's elu: A = phi(Q) phi(K)^T, out = A V / (rowsum A + eps)."""
    a = (TF.elu(q) + 1) @ (TF.elu(k) + 1).transpose(-2, -1)              # (..., T, S)
    if causal:
        a = a.tril()
    return (a @ v) / (a.sum(dim=-1, keepdim=True) + eps)


def linear_attention_cases(impl):
    settings = [  # (lead, T, S, D, Dv, causal, eps)
        ((1,), 3, 3, 2, 2, False, 1e-6),
        ((2,), 5, 7, 3, 4, False, 1e-6),
        ((2, 2), 6, 6, 3, 2, True, 1e-6),
        ((1,), 9, 9, 4, 3, True, 1e-3),
        ((3, 1), 4, 6, 2, 5, False, 0.5),
    ]
    for i, (lead, T, S, D, Dv, causal, eps) in enumerate(settings):
        q, k, v = randn(*lead, T, D, seed=i), randn(*lead, S, D, seed=10 + i), randn(
            *lead, S, Dv, seed=20 + i)
        yield fn_case(f"q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)} float64, "
                      f"causal={causal}, eps={eps}", impl, _linear_quadratic, q, k, v,
                      kwargs=dict(causal=causal, eps=eps))
    f = watched(impl)
    q, v = randn(2, 10, 3, seed=60), randn(2, 10, 2, seed=61)
    for causal in (False, True):
        yield _no_score_matrix_case(f"never builds the (10, 10) matrix, causal={causal}",
                                    lambda causal=causal: f(q, q, v, causal=causal), 10, 10,
                                    "linear_attention")


def _phi(x):
    return torch.where(x > 0, x + 1, torch.exp(torch.clamp(x, max=0.0)))


def _linear_quadratic_form(q, k, v, causal=False, eps=1e-6):
    """Planted bug: right numbers from the (T, S) matrix phi(Q) phi(K)^T."""
    a = _phi(q) @ _phi(k).transpose(-2, -1)
    if causal:
        a = a.tril()
    return (a @ v) / (a.sum(-1, keepdim=True) + eps)


def _linear_ignores_causal(q, k, v, causal=False, eps=1e-6):
    """Planted bug: sums over every key even when causal."""
    phi_q, phi_k = _phi(q), _phi(k)
    num = phi_q @ (phi_k.transpose(-2, -1) @ v)
    return num / ((phi_q * phi_k.sum(-2, keepdim=True)).sum(-1, keepdim=True) + eps)


def _linear_exp_map(q, k, v, causal=False, eps=1e-6):
    """Planted bug: phi(x) = exp(x) instead of elu(x) + 1."""
    phi_q, phi_k = torch.exp(q), torch.exp(k)
    if not causal:
        num = phi_q @ (phi_k.transpose(-2, -1) @ v)
        return num / ((phi_q * phi_k.sum(-2, keepdim=True)).sum(-1, keepdim=True) + eps)
    kv = torch.cumsum(phi_k.unsqueeze(-1) * v.unsqueeze(-2), dim=-3)
    num = (phi_q.unsqueeze(-2) @ kv).squeeze(-2)
    return num / ((phi_q * torch.cumsum(phi_k, -2)).sum(-1, keepdim=True) + eps)


# ---- grouped-query attention -------------------------------------------------------------


class _TorchGQA(nn.Module):
    """GQA from torch's own pieces: Linear layers and scaled_dot_product_attention with
    enable_gqa=True; the parameter names the exercise asks for."""

    def __init__(self, d_model: int, n_heads: int, n_kv_heads: int, bias: bool = False):
        super().__init__()
        self.H, self.G, self.D = n_heads, n_kv_heads, d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.kv_proj = nn.Linear(d_model, 2 * n_kv_heads * self.D, bias=bias)
        self.c_proj = nn.Linear(d_model, d_model, bias=bias)

    def forward(self, x):
        B, T, C = x.shape
        q = self.q_proj(x).view(B, T, self.H, self.D).transpose(1, 2)        # (B, H, T, D)
        k, v = self.kv_proj(x).chunk(2, dim=-1)                              # (B, T, G*D) x 2
        k = k.view(B, T, self.G, self.D).transpose(1, 2)                     # (B, G, T, D)
        v = v.view(B, T, self.G, self.D).transpose(1, 2)
        y = TF.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C))


def gqa_cases(GroupedQueryAttention):
    # built under watch: the library's class runs the inherited CausalSelfAttention.forward,
    # so a subclass of it is refused (and named) already at its own __init__
    make = watched(GroupedQueryAttention)
    for (C, H, G, bias), (B, T) in [((8, 2, 1, False), (1, 1)), ((12, 4, 2, False), (2, 5)),
                                    ((16, 4, 4, False), (1, 6)), ((12, 6, 3, True), (2, 7)),
                                    ((16, 8, 2, True), (3, 4))]:
        x = randn(B, T, C, seed=C + H + G)
        yield _shaped_module_case(
            f"GroupedQueryAttention({C}, n_heads={H}, n_kv_heads={G}, bias={bias}), "
            f"x {tuple(x.shape)}",
            lambda C=C, H=H, G=G, bias=bias: make(C, H, G, bias=bias),
            lambda C=C, H=H, G=G, bias=bias: _TorchGQA(C, H, G, bias=bias), x)


class _GQAMutant(nn.Module):
    repeat, causal, swap = "interleave", True, False

    def __init__(self, d_model, n_heads, n_kv_heads, *, bias=False):
        super().__init__()
        from dlfs.nn import Linear
        self.H, self.G, self.D = n_heads, n_kv_heads, d_model // n_heads
        self.q_proj = Linear(d_model, d_model, bias=bias)
        self.kv_proj = Linear(d_model, 2 * n_kv_heads * self.D, bias=bias)
        self.c_proj = Linear(d_model, d_model, bias=bias)

    def forward(self, x):
        from dlfs.nn.functional import softmax
        B, T, C = x.shape
        q = self.q_proj(x).view(B, T, self.H, self.D).transpose(1, 2)
        k, v = self.kv_proj(x).chunk(2, dim=-1)
        if self.swap:
            k, v = v, k
        k, v = (t.view(B, T, self.G, self.D).transpose(1, 2) for t in (k, v))
        n = self.H // self.G
        if self.repeat == "interleave":
            k, v = k.repeat_interleave(n, dim=1), v.repeat_interleave(n, dim=1)
        else:
            k, v = k.repeat(1, n, 1, 1), v.repeat(1, n, 1, 1)
        s = (q @ k.transpose(-2, -1)) / math.sqrt(self.D)
        if self.causal:
            s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
        y = softmax(s, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C))


class _GQARepeatNotInterleave(_GQAMutant):
    """Planted bug: tensor.repeat puts kv head g at query heads g, g + G, ... instead of the
    group g * H/G .. (g + 1) * H/G - 1."""
    repeat = "tile"


class _GQANotCausal(_GQAMutant):
    """Planted bug: no causal mask."""
    causal = False


class _GQASwappedKV(_GQAMutant):
    """Planted bug: takes the first half of kv_proj's output as v and the second as k."""
    swap = True


# ---- SwiGLU ------------------------------------------------------------------------------


def _swiglu_hidden(d_model: int) -> int:
    h = -(-8 * d_model // 3)
    return 8 * -(-h // 8)


class _TorchSwiGLU(nn.Module):
    def __init__(self, d_model: int, hidden_features: int | None = None, bias: bool = False):
        super().__init__()
        hidden = _swiglu_hidden(d_model) if hidden_features is None else hidden_features
        self.w1 = nn.Linear(d_model, hidden, bias=bias)
        self.w3 = nn.Linear(d_model, hidden, bias=bias)
        self.w2 = nn.Linear(hidden, d_model, bias=bias)

    def forward(self, x):
        return self.w2(TF.silu(self.w1(x)) * self.w3(x))


def swiglu_cases(SwiGLU):
    for C, hidden, bias, shape in [(4, 6, False, (1, 4)), (6, None, False, (2, 3, 6)),
                                   (12, None, True, (5, 12)), (7, 10, True, (2, 1, 7)),
                                   (9, None, False, (3, 9))]:
        x = randn(*shape, seed=C)
        yield _shaped_module_case(
            f"SwiGLU({C}, hidden_features={hidden}, bias={bias}), x {shape}",
            lambda C=C, hidden=hidden, bias=bias: SwiGLU(C, hidden, bias=bias),
            lambda C=C, hidden=hidden, bias=bias: _TorchSwiGLU(C, hidden, bias=bias), x)


class _SwiGLUMutant(nn.Module):
    gate_on, act, default_hidden = "w1", "silu", _swiglu_hidden

    def __init__(self, d_model, hidden_features=None, bias=False):
        super().__init__()
        from dlfs.nn import Linear
        hidden = (type(self).default_hidden(d_model) if hidden_features is None
                  else hidden_features)
        self.w1 = Linear(d_model, hidden, bias=bias)
        self.w3 = Linear(d_model, hidden, bias=bias)
        self.w2 = Linear(hidden, d_model, bias=bias)

    def forward(self, x):
        a, b = self.w1(x), self.w3(x)
        if self.gate_on == "w3":
            a, b = b, a
        gate = a * torch.sigmoid(a) if self.act == "silu" else torch.sigmoid(a)
        return self.w2(gate * b)


class _SwiGLUGateOnW3(_SwiGLUMutant):
    """Planted bug: SiLU on the w3 branch instead of w1."""
    gate_on = "w3"


class _SwiGLUSigmoid(_SwiGLUMutant):
    """Planted bug: a sigmoid gate (GLU) instead of SiLU."""
    act = "sigmoid"


class _SwiGLUHidden4C(_SwiGLUMutant):
    """Planted bug: the default hidden size is 4C, as in the classic MLP."""
    default_hidden = staticmethod(lambda d_model: 4 * d_model)


# ---- mixture of experts ------------------------------------------------------------------


def _pair_hook(module, args, out):
    """A forward hook: the library's MoE returns a MoEOutput; compare (output, aux_loss)."""
    return (out.output, out.aux_loss) if hasattr(out, "output") else out


def _pair(moe: nn.Module) -> nn.Module:
    moe.register_forward_hook(_pair_hook)
    return moe


class _TorchDenseMoE(nn.Module):
    """top_k = n_experts, unlimited capacity: y = sum_e softmax(x W_r)_e SwiGLU_e(x), and the
    balancing loss is then E * sum_e (1/E) P_e = sum_e P_e (= 1)."""

    def __init__(self, d_model: int, n_experts: int, d_hidden: int):
        super().__init__()
        self.router = nn.Linear(d_model, n_experts, bias=False)
        self.experts = nn.ModuleList(_TorchSwiGLU(d_model, d_hidden)
                                     for _ in range(n_experts))

    def forward(self, x):
        B, T, C = x.shape
        tokens = x.reshape(B * T, C)
        probs = torch.softmax(self.router(tokens), dim=-1)               # (N, E)
        y = sum(probs[:, e:e + 1] * expert(tokens) for e, expert in enumerate(self.experts))
        return y.view(B, T, C), probs.mean(dim=0).sum()


def moe_cases(MoE):
    from dlfs.llm.moe import MoE as LibraryMoE
    # with these seeds, the capacity cases drop assignments, and serving the choices in the
    # wrong order (token by token) keeps different ones
    for C, E, k, hidden, cf, shape in [(4, 2, 1, 6, None, (1, 1, 4)), (6, 4, 2, 5, None, (2, 3, 6)),
                                       (6, 4, 2, 5, 0.5, (2, 3, 6)), (6, 4, 2, 5, 0.75, (2, 4, 6)),
                                       (8, 4, 2, 6, 1.0, (3, 5, 8)), (5, 3, 1, 4, 1.0, (2, 4, 5))]:
        x = randn(*shape, seed=C + E + k)
        yield _shaped_module_case(
            f"MoE({C}, n_experts={E}, top_k={k}, d_hidden={hidden}, capacity_factor={cf}), "
            f"x {shape}",
            lambda C=C, E=E, k=k, hidden=hidden, cf=cf: _pair(MoE(C, E, k, hidden, cf)),
            lambda C=C, E=E, k=k, hidden=hidden, cf=cf: _pair(LibraryMoE(C, E, k, hidden, cf)),
            x, seed=1)
    x = randn(2, 3, 6, seed=70)
    yield _shaped_module_case(
        "top_k = n_experts = 3, no capacity limit: the softmax-weighted sum of all experts "
        "(torch), x (2, 3, 6)",
        lambda: _pair(MoE(6, 3, 3, 5, None)), lambda: _TorchDenseMoE(6, 3, 5), x)


class _MoEMutant(nn.Module):
    renormalize, limit, choice_major = True, True, True

    def __init__(self, d_model, n_experts, top_k=2, d_hidden=None, capacity_factor=1.25):
        super().__init__()
        from dlfs.llm.swiglu import SwiGLU
        from dlfs.nn import Linear
        self.E, self.k, self.cf = n_experts, top_k, capacity_factor
        self.router = Linear(d_model, n_experts, bias=False)
        self.experts = nn.ModuleList(SwiGLU(d_model, d_hidden) for _ in range(n_experts))

    def forward(self, x):
        from dlfs.nn.functional import softmax
        B, T, C = x.shape
        tokens = x.reshape(B * T, C)
        N = tokens.shape[0]
        probs = softmax(self.router(tokens), dim=-1)
        top_p, idx = probs.topk(self.k, dim=-1)
        gate = top_p / top_p.sum(-1, keepdim=True) if self.renormalize else top_p
        cap = N if self.cf is None or not self.limit else math.ceil(self.cf * N * self.k / self.E)
        used, kept = [0] * self.E, torch.zeros(N, self.k, dtype=torch.bool)
        order = ([(n, j) for j in range(self.k) for n in range(N)] if self.choice_major
                 else [(n, j) for n in range(N) for j in range(self.k)])
        for n, j in order:
            e = int(idx[n, j])
            if used[e] < cap:
                used[e] += 1
                kept[n, j] = True
        y = torch.zeros_like(tokens)
        for n in range(N):
            for j in range(self.k):
                if kept[n, j]:
                    out = self.experts[int(idx[n, j])](tokens[n:n + 1])
                    y = y.index_add(0, torch.tensor([n]), gate[n, j] * out)
        f = torch.bincount(idx.flatten(), minlength=self.E).to(x.dtype) / idx.numel()
        return y.view(B, T, C), self.E * (f * probs.mean(0)).sum()


class _MoERawGates(_MoEMutant):
    """Planted bug: weights the experts by their raw router probabilities (not renormalized
    over the chosen k)."""
    renormalize = False


class _MoENoCapacity(_MoEMutant):
    """Planted bug: ignores the capacity; no assignment is ever dropped."""
    limit = False


class _MoETokenMajor(_MoEMutant):
    """Planted bug: serves each token's choices before the next token's (a second choice
    can then take the place of a later token's first choice)."""
    choice_major = False


# ---- LoRA --------------------------------------------------------------------------------


class _TorchLoRA(nn.Module):
    """y = x W^T + b + (alpha / r) (x A^T) B^T with W, b frozen; torch's F.linear."""

    def __init__(self, n_in: int, n_out: int, r: int, alpha: float, bias: bool, seed: int):
        super().__init__()
        self.scaling = alpha / r
        self.weight = nn.Parameter(randn(n_out, n_in, seed=seed), requires_grad=False)
        self.bias = (nn.Parameter(randn(n_out, seed=seed + 1), requires_grad=False) if bias
                     else None)
        self.lora_A = nn.Parameter(randn(r, n_in, seed=seed + 2))
        self.lora_B = nn.Parameter(randn(n_out, r, seed=seed + 3))      # trained: not zero

    def forward(self, x):
        return (TF.linear(x, self.weight, self.bias)
                + self.scaling * TF.linear(TF.linear(x, self.lora_A), self.lora_B))


def _names(module: nn.Module) -> list[str]:
    return sorted(n for n, _ in module.named_parameters())


def lora_cases(LoRALinear):
    def at_init() -> None:
        torch.manual_seed(0)
        base = nn.Linear(5, 3).double()
        W0, b0 = base.weight.detach().clone(), base.bias.detach().clone()
        lora = LoRALinear(base, r=2, alpha=4.0)
        if _names(lora) != ["bias", "lora_A", "lora_B", "weight"]:
            raise AssertionError(f"parameters {_names(lora)}, expected ['bias', 'lora_A', "
                                 "'lora_B', 'weight'] (keep the base layer's weight and bias "
                                 "under those names; no submodule holding them)")
        for name, shape in (("lora_A", (2, 5)), ("lora_B", (3, 2))):
            got = tuple(getattr(lora, name).shape)
            if got != shape:
                raise AssertionError(f"{name}: shape {got}, expected {shape} (r=2, in=5, out=3)")
        if lora.lora_B.abs().max() != 0 or lora.lora_A.abs().max() == 0:
            raise AssertionError("at init lora_B must be all zeros and lora_A random (not zero)")
        for name, want in (("weight", False), ("bias", False), ("lora_A", True),
                           ("lora_B", True)):
            if getattr(lora, name).requires_grad != want:
                raise AssertionError(f"{name}.requires_grad is {not want}, expected {want}: "
                                     "only lora_A and lora_B train")
        assert_close(lora.weight.detach(), W0, "weight (the base layer's, unchanged)")
        x = randn(4, 5, seed=1)
        assert_close(watched(lora)(x), TF.linear(x, W0, b0),
                     "output at init (must equal the base layer's, since lora_B = 0)")
    yield Case("at init: same output as the base Linear(5, 3), x (4, 5)", at_init)

    def gradients() -> None:
        lora = LoRALinear(nn.Linear(6, 4).double(), r=3, alpha=6.0)
        with torch.no_grad():
            lora.lora_B.copy_(randn(4, 3, seed=2))
        x, g = randn(2, 6, seed=3), randn(2, 4, seed=4)
        out = watched(lora)(x)
        watched(out.backward)(g)
        for name in ("weight", "bias"):
            if getattr(lora, name).grad is not None:
                raise AssertionError(f"{name} got a gradient; the base layer must stay frozen")
        for name in ("lora_A", "lora_B"):
            if getattr(lora, name).grad is None:
                raise AssertionError(f"{name} got no gradient")
        A, B, s = lora.lora_A.detach(), lora.lora_B.detach(), 2.0
        assert_close(lora.lora_B.grad, s * g.T @ (x @ A.T), "grad of lora_B")
        assert_close(lora.lora_A.grad, s * (g @ B).T @ x, "grad of lora_A")
    yield Case("only lora_A and lora_B get gradients, Linear(6, 4), r=3, alpha=6", gradients)

    for (n_in, n_out, r, alpha, bias), shape in [((5, 3, 2, 4.0, True), (1, 5)),
                                                 ((6, 6, 1, 1.0, False), (2, 3, 6)),
                                                 ((7, 5, 4, 16.0, True), (3, 7))]:
        x = randn(*shape, seed=n_in)
        yield module_case(
            f"LoRALinear(Linear({n_in}, {n_out}, bias={bias}), r={r}, alpha={alpha}), trained "
            f"A and B, x {shape}",
            lambda n_in=n_in, n_out=n_out, r=r, alpha=alpha, bias=bias: LoRALinear(
                nn.Linear(n_in, n_out, bias=bias), r=r, alpha=alpha),
            lambda n_in=n_in, n_out=n_out, r=r, alpha=alpha, bias=bias: _TorchLoRA(
                n_in, n_out, r, alpha, bias, seed=r), x)

    def merge() -> None:
        lora = LoRALinear(nn.Linear(5, 4).double(), r=2, alpha=8.0)
        with torch.no_grad():
            lora.lora_B.copy_(randn(4, 2, seed=5))
        W0 = lora.weight.detach().clone()
        delta = 4.0 * lora.lora_B.detach() @ lora.lora_A.detach()
        x = randn(3, 5, seed=6)
        y0 = watched(lora)(x).detach()
        watched(lora.merge)()
        assert_close(lora.weight.detach(), W0 + delta,
                     "weight after merge() (W0 + (alpha / r) B A)")
        if lora.weight.requires_grad:
            raise AssertionError("after merge() weight requires grad; update it in place under "
                                 "torch.no_grad()")
        assert_close(watched(lora)(x), y0, "output after merge()")
        watched(lora.merge)()
        assert_close(lora.weight.detach(), W0 + delta,
                     "weight after a second merge() (merging twice must change nothing)")
        watched(lora.unmerge)()
        assert_close(lora.weight.detach(), W0, "weight after unmerge() (W0 again)")
        assert_close(watched(lora)(x), y0, "output after unmerge()")
    yield Case("merge(): same outputs from the merged weight; unmerge() restores W0, "
               "Linear(5, 4), r=2, alpha=8", merge)


class _LoRAMutant(nn.Module):
    scale_forward, scale_merge, zero_B, freeze = True, True, True, True

    def __init__(self, base, r=8, alpha=16.0):
        super().__init__()
        self.scaling = alpha / r
        self.weight = base.weight
        self.bias = base.bias
        if self.freeze:
            self.weight.requires_grad_(False)
            if self.bias is not None:
                self.bias.requires_grad_(False)
        dd = {"dtype": base.weight.dtype}
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, **dd))
        self.lora_B = nn.Parameter(torch.empty(base.out_features, r, **dd))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        if self.zero_B:
            nn.init.zeros_(self.lora_B)
        else:
            nn.init.kaiming_uniform_(self.lora_B, a=math.sqrt(5))
        self.merged = False

    def forward(self, x):
        y = x @ self.weight.T + (0 if self.bias is None else self.bias)
        if self.merged:
            return y
        return y + (self.scaling if self.scale_forward else 1.0) * (
            x @ self.lora_A.T @ self.lora_B.T)

    def merge(self):                 # (no @torch.no_grad(): a decorator's code is shared)
        with torch.no_grad():
            if not self.merged:
                self.weight += (self.scaling if self.scale_merge else 1.0) * (
                    self.lora_B @ self.lora_A)
                self.merged = True

    def unmerge(self):
        with torch.no_grad():
            if self.merged:
                self.weight -= (self.scaling if self.scale_merge else 1.0) * (
                    self.lora_B @ self.lora_A)
                self.merged = False


class _LoRANoScaling(_LoRAMutant):
    """Planted bug: forgets the alpha / r scaling (forward and merge alike)."""
    scale_forward = scale_merge = False


class _LoRARandomB(_LoRAMutant):
    """Planted bug: B initialised like A, so the layer changes before any training."""
    zero_B = False


class _LoRANotFrozen(_LoRAMutant):
    """Planted bug: the base weight and bias keep requires_grad=True."""
    freeze = False


class _LoRAMergeUnscaled(_LoRAMutant):
    """Planted bug: merge() adds B A without the alpha / r scaling."""
    scale_merge = False


# ---- DPO ---------------------------------------------------------------------------------


def _dpo_torch(beta):
    def ref(pc, pr, rc, rr):
        return -TF.logsigmoid(beta * ((pc - rc) - (pr - rr))).mean()
    return ref


class _LossOf:
    """Calls a DPO loss and keeps the loss tensor (the library returns a DPOOutput)."""

    def __init__(self, impl, beta: float) -> None:
        self.impl, self.beta = impl, beta

    def __call__(self, *logps):
        out = self.impl(*logps, beta=self.beta)
        return out.loss if hasattr(out, "loss") else out


def dpo_cases(impl):
    def ours(beta):
        return _LossOf(impl, beta)

    one = [torch.tensor([v], dtype=torch.float64) for v in (-1.0, -3.0, -2.0, -2.0)]
    yield fn_case("one pair: policy (-1, -3), reference (-2, -2), beta=0.5", ours(0.5),
                  _dpo_torch(0.5), *one)
    for B, beta in [(4, 0.1), (5, 0.5), (3, 2.0)]:
        logps = [randn(B, seed=B + i, scale=3.0) - 10.0 for i in range(4)]
        yield fn_case(f"{B} pairs of log-probs (B,) = ({B},) float64, beta={beta}", ours(beta),
                      _dpo_torch(beta), *logps)
    big = [torch.tensor(v, dtype=torch.float64) for v in
           ([-1.0, -900.0], [-1200.0, -2.0], [-5.0, -5.0], [-5.0, -5.0])]
    yield fn_case("margins of +1199 and -898 (beta=1): must not overflow", ours(1.0),
                  _dpo_torch(1.0), *big)


def _dpo_terms(pc, pr, rc, rr, beta):
    return beta * (pc - rc), beta * (pr - rr)


def _dpo_wrong_sign(pc, pr, rc, rr, beta=0.1):
    """Planted bug: returns log sigmoid (no minus), so minimizing it pushes the wrong way."""
    from dlfs.llm.dpo import log_sigmoid
    c, r = _dpo_terms(pc, pr, rc, rr, beta)
    return log_sigmoid(c - r).mean()


def _dpo_no_reference(pc, pr, rc, rr, beta=0.1):
    """Planted bug: forgets to subtract the reference model's log-probs."""
    from dlfs.llm.dpo import log_sigmoid
    return -log_sigmoid(beta * (pc - pr)).mean()


def _dpo_naive_log(pc, pr, rc, rr, beta=0.1):
    """Planted bug: log(sigmoid(z)) overflows to -inf for a very negative margin."""
    c, r = _dpo_terms(pc, pr, rc, rr, beta)
    return -torch.log(torch.sigmoid(c - r)).mean()


def _dpo_sum(pc, pr, rc, rr, beta=0.1):
    """Planted bug: sums over the pairs instead of averaging."""
    from dlfs.llm.dpo import log_sigmoid
    c, r = _dpo_terms(pc, pr, rc, rr, beta)
    return -log_sigmoid(c - r).sum()


# ---- counting a GPT's parameters ---------------------------------------------------------

_GPT_CONFIGS = [dict(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8),
                dict(vocab_size=65, block_size=32, n_layer=2, n_head=4, n_embd=16),
                dict(vocab_size=50, block_size=16, n_layer=3, n_head=2, n_embd=12, bias=False),
                dict(vocab_size=40, block_size=16, n_layer=2, n_head=4, n_embd=16,
                     tie_weights=False),
                dict(vocab_size=97, block_size=64, n_layer=4, n_head=4, n_embd=32),
                dict(vocab_size=30, block_size=10, n_layer=2, n_head=2, n_embd=8, bias=False,
                     tie_weights=False)]


def _counted(result, what: str) -> int:
    if isinstance(result, nn.Module):            # the reference builds the model itself
        return sum(p.numel() for p in result.parameters())
    try:
        if isinstance(result, bool):
            raise TypeError
        return operator.index(result)
    except TypeError:
        raise AssertionError(f"{what}: expected an int, got {result!r}") from None


def gpt_param_count_cases(impl):
    from dlfs.models.gpt import GPT, GPTConfig
    f = watched(impl)
    for options in _GPT_CONFIGS:
        config = GPTConfig(**options)
        text = ", ".join(f"{k}={v}" for k, v in options.items())

        def run(config=config, text=text) -> None:
            torch.manual_seed(0)
            real = sum(p.numel() for p in GPT(config).parameters())      # tied: counted once
            got = _counted(f(config), f"gpt_param_count(GPTConfig({text}))")
            if got != real:
                raise AssertionError(f"GPTConfig({text}): you count {got:,} parameters, the "
                                     f"model has {real:,} (difference {got - real:+,})")
        yield Case(f"GPTConfig({text})", run)


def _gpt_formula(config, wpe=True, head_twice=False, biases=None, ln_f=True):
    V, T, L, C = config.vocab_size, config.block_size, config.n_layer, config.n_embd
    b = config.bias if biases is None else biases
    ln = C + (C if b else 0)
    block = ln + (3 * C * C + (3 * C if b else 0)) + (C * C + (C if b else 0)) + ln + (
        4 * C * C + (4 * C if b else 0)) + (4 * C * C + (C if b else 0))
    head = V * C if (head_twice or not config.tie_weights) else 0
    return V * C + (T * C if wpe else 0) + L * block + (ln if ln_f else 0) + head


def _gpt_no_positions(config):
    """Planted bug: forgets the position embeddings (block_size x n_embd)."""
    return _gpt_formula(config, wpe=False)


def _gpt_head_twice(config):
    """Planted bug: counts the output layer even when it shares the embedding matrix."""
    return _gpt_formula(config, head_twice=True)


def _gpt_always_biases(config):
    """Planted bug: counts bias vectors even when bias=False."""
    return _gpt_formula(config, biases=True)


def _gpt_no_final_norm(config):
    """Planted bug: forgets the final LayerNorm ln_f."""
    return _gpt_formula(config, ln_f=False)


# ---- the exercises -----------------------------------------------------------------------

_SOFTMAX = ("from dlfs.nn.functional import softmax",)
_SOFTMAX_OK = ("dlfs.nn.functional.activation:softmax",)
_LINEAR = ("from dlfs.nn import Linear",)
_LINEAR_OK = ("dlfs.nn.linear:Linear",)

EXERCISES = [
    Exercise(
        id="tiled_attention", entry="tiled_attention", lesson="efficient-attention",
        at=("book:9",),
        title=("Tiled attention with the online softmax", "分块注意力与在线 softmax"),
        task=("Compute softmax(Q K^T * scale) V the FlashAttention way, one (block_q, block_k) "
              "tile of scores at a time, and also return L, the logsumexp of each row of "
              "scores. query (..., T, D), key (..., S, D), value (..., S, Dv); scale defaults "
              "to 1 / sqrt(D). For each block of queries keep three running quantities: the "
              "row max m (start at -inf), l = sum exp(s - m) and acc = sum exp(s - m) v. For "
              "each key block with scores s: m' = max(m, rowmax s), a = exp(m - m'), "
              "l = a * l + sum exp(s - m'), acc = a * acc + exp(s - m') V_block, m = m'. At the "
              "end O = acc / l and L = m + log l. is_causal=True masks key s > query t with "
              "-inf (as scaled_dot_product_attention does). Return (O (..., T, Dv), L (..., T)), "
              "differentiable; never build the full (T, S) score matrix.",
              "按 FlashAttention 的方式计算 softmax(Q K^T * scale) V：每次只处理一个 (block_q, "
              "block_k) 的分数块，同时返回每行分数的 logsumexp，记作 L。query (..., T, D)，key "
              "(..., S, D)，value (..., S, Dv)；scale 默认为 1 / sqrt(D)。对每个查询块维护三个累计"
              "量：行最大值 m（初值 -inf）、l = sum exp(s - m) 和 acc = sum exp(s - m) v。每来一个"
              "分数为 s 的键块：m' = max(m, rowmax s)，a = exp(m - m')，l = a * l + sum exp(s - "
              "m')，acc = a * acc + exp(s - m') V_block，m = m'。最后 O = acc / l，L = m + log "
              "l。is_causal=True 时把键位置 s > 查询位置 t 的分数设为 -inf（与 "
              "scaled_dot_product_attention 相同）。返回 (O (..., T, Dv), L (..., T))，要能求导；"
              "任何时候都不要构造完整的 (T, S) 分数矩阵。"),
        stub='''
            def tiled_attention(query: Tensor, key: Tensor, value: Tensor, *,
                                is_causal: bool = False, scale: float | None = None,
                                block_q: int = 64, block_k: int = 64) -> tuple[Tensor, Tensor]:
                """query (..., T, D), key (..., S, D), value (..., S, Dv)
                -> (out (..., T, Dv), logsumexp (..., T))"""
        ''',
        reference="dlfs.attention.flash:tiled_attention",
        cases=tiled_attention_cases,
        mutants={"forgets to rescale when the max grows": _tiled_no_rescale,
                 "logsumexp without the max": _tiled_lse_without_max,
                 "builds the full score matrix": _tiled_dense},
        hints=(("Loop i0 over range(0, T, block_q) and, inside, j0 over range(0, S, block_k); "
                "slicing q[..., i0:i0 + block_q, :] handles the last, shorter block.",
                "外层 i0 遍历 range(0, T, block_q)，内层 j0 遍历 range(0, S, block_k)；"
                "q[..., i0:i0 + block_q, :] 这样的切片会自动处理最后一个较短的块。"),
               ("Keep m, l with a trailing dimension of 1, shape (..., block, 1), so they "
                "broadcast against the scores and acc. When m' > m, everything summed so far "
                "was computed under the old max: multiplying by exp(m - m') fixes it.",
                "让 m、l 保留末尾长度为 1 的维度，形状 (..., block, 1)，这样能与分数和 acc 广播。"
                "当 m' > m 时，之前累加的一切都是按旧的最大值算的，乘以 exp(m - m') 即可修正。"),
               ("Causal: the key columns j0..j0+bk-1 are visible from query row t when "
                "column <= t; the first key block always holds key 0, so m is finite after it.",
                "因果情形：键的列号 j0..j0+bk-1 中，列号 <= t 的对查询行 t 可见；第一个键块总含有"
                "键 0，所以处理完它之后 m 一定是有限值。")),
    ),
    Exercise(
        id="sliding_window_attention", entry="sliding_window_attention",
        lesson="efficient-attention", at=("book:9",),
        title=("Sliding-window attention", "滑动窗口注意力"),
        task=("Self-attention in which each query sees only a band of keys. query, key "
              "(..., T, D), value (..., T, Dv) (T queries, T keys). causal=True: query t sees "
              "keys s with 0 <= t - s < window (itself and the window - 1 before it); "
              "causal=False: keys with |t - s| < window. Return softmax(q k^T * scale) v over "
              "those keys only, shape (..., T, Dv), scale defaulting to 1 / sqrt(D). Compute "
              "only the band: gather for every query its window of keys and values (pad the "
              "sequence, then Tensor.unfold), so memory grows like T * window; never build "
              "the (T, T) score matrix. Positions of the padding are not keys.",
              "只让每个查询看到一段键的自注意力。query、key 形状 (..., T, D)，value 形状 (..., T, "
              "Dv)（T 个查询、T 个键）。causal=True 时查询 t 看到满足 0 <= t - s < window 的键 "
              "s（它自己和前面的 window - 1 个）；causal=False 时看到 |t - s| < window "
              "的键。只在这些键上计算 softmax(q k^T * scale) v，返回形状 (..., T, Dv)，scale "
              "默认为 1 / sqrt(D)。只计算这条带：为每个查询取出它窗口内的键和值（先填充序列，再用 "
              "Tensor.unfold），使内存随 T * window 增长；不要构造 (T, T) "
              "的分数矩阵。填充出来的位置不算键。"),
        stub='''
            def sliding_window_attention(query: Tensor, key: Tensor, value: Tensor, window: int,
                                         causal: bool = True,
                                         scale: float | None = None) -> Tensor:
                """query, key (..., T, D), value (..., T, Dv) -> (..., T, Dv)"""
        ''',
        reference="dlfs.attention.sparse_attention:sliding_window_attention",
        imports=_SOFTMAX, allowed=_SOFTMAX_OK,
        cases=sliding_window_cases,
        mutants={"window one too wide": _window_one_wider,
                 "always causal": _window_always_causal,
                 "full score matrix with a mask": _window_dense},
        hints=(("With left = window - 1 and right = 0 (causal) or window - 1, the band has "
                "left + 1 + right keys; pad left zeros before and right zeros after along T.",
                "令 left = window - 1，right = 0（因果）或 window - 1，带宽为 left + 1 + right "
                "个键；沿 T 维在前面补 left 个零、后面补 right 个零。"),
               ("padded.unfold(-2, band, 1) gives (..., T, D, band); transpose the last two "
                "dims to get each query's (band, D) keys. Scores: (q.unsqueeze(-2) @ "
                "k_windows.transpose(-2, -1)).squeeze(-2), shape (..., T, band).",
                "padded.unfold(-2, band, 1) 得到 (..., T, D, band)，交换最后两维就得到每个查询的 "
                "(band, D) 个键。分数为 (q.unsqueeze(-2) @ k_windows.transpose(-2, -1))"
                ".squeeze(-2)，形状 (..., T, band)。"),
               ("Window slot c of query t is key t - left + c; set the score to -inf where that "
                "index is < 0 or >= T, then softmax over the band.",
                "查询 t 窗口中的第 c 个位置对应键 t - left + c；该下标 < 0 或 >= T 时把分数设为 "
                "-inf，然后在带内做 softmax。")),
    ),
    Exercise(
        id="linear_attention", entry="linear_attention", lesson="efficient-attention",
        at=("book:9",),
        title=("Linear attention", "线性注意力"),
        task=("Replace exp(q . k) by phi(q) . phi(k) with the positive feature map "
              "phi(x) = elu(x) + 1 (x + 1 for x > 0, exp(x) otherwise), so that "
              "out_t = phi(q_t)^T [sum_s phi(k_s) v_s^T] / (phi(q_t)^T [sum_s phi(k_s)] + eps). "
              "query (..., T, D), key (..., S, D), value (..., S, Dv) -> (..., T, Dv). Compute "
              "the bracketed sums once, (D, Dv) and (D,), instead of the (T, S) matrix. "
              "causal=True (T == S): the sums run over s <= t only, i.e. prefix sums over time "
              "(torch.cumsum). Never build a (T, S) matrix.",
              "用正的特征映射 phi(x) = elu(x) + 1（x > 0 时为 x + 1，否则为 exp(x)）把 exp(q . k) "
              "换成 phi(q) . phi(k)，于是 out_t = phi(q_t)^T [sum_s phi(k_s) v_s^T] / "
              "(phi(q_t)^T [sum_s phi(k_s)] + eps)。query (..., T, D)，key (..., S, D)，value "
              "(..., S, Dv)，输出 (..., T, Dv)。方括号里的两个和只算一次，形状为 (D, Dv) 和 (D,)，"
              "而不是算 (T, S) 矩阵。causal=True（T == S）时只对 s <= t 求和，也就是沿时间的前缀和"
              "（torch.cumsum）。任何时候都不要构造 (T, S) 矩阵。"),
        stub='''
            def linear_attention(query: Tensor, key: Tensor, value: Tensor, causal: bool = False,
                                 eps: float = 1e-6) -> Tensor:
                """query (..., T, D), key (..., S, D), value (..., S, Dv) -> (..., T, Dv)"""
        ''',
        reference="dlfs.attention.linear_attention:linear_attention",
        cases=linear_attention_cases,
        mutants={"quadratic form": _linear_quadratic_form,
                 "causal ignored": _linear_ignores_causal,
                 "exp feature map": _linear_exp_map},
        hints=(("phi(x) = torch.where(x > 0, x + 1, torch.exp(torch.clamp(x, max=0))); the "
                "clamp keeps exp from overflowing in the branch that is not used.",
                "phi(x) = torch.where(x > 0, x + 1, torch.exp(torch.clamp(x, max=0)))；clamp "
                "防止未被选中的分支里 exp 溢出。"),
               ("Non-causal: kv = phi_k.transpose(-2, -1) @ value (D, Dv), z = phi_k.sum(-2) "
                "(D,); numerator phi_q @ kv, denominator (phi_q * z.unsqueeze(-2)).sum(-1).",
                "非因果：kv = phi_k.transpose(-2, -1) @ value (D, Dv)，z = phi_k.sum(-2) (D,)；"
                "分子为 phi_q @ kv，分母为 (phi_q * z.unsqueeze(-2)).sum(-1)。"),
               ("Causal: torch.cumsum(phi_k.unsqueeze(-1) * value.unsqueeze(-2), dim=-3) is the "
                "(..., T, D, Dv) running kv; torch.cumsum(phi_k, dim=-2) the running z.",
                "因果：torch.cumsum(phi_k.unsqueeze(-1) * value.unsqueeze(-2), dim=-3) 是形状 "
                "(..., T, D, Dv) 的累计 kv；torch.cumsum(phi_k, dim=-2) 是累计的 z。")),
    ),
    Exercise(
        id="grouped_query_attention", entry="GroupedQueryAttention", lesson="llm-components",
        at=("book:9", "book:10"),
        title=("Grouped-query attention (GQA)", "分组查询注意力（GQA）"),
        task=("Causal self-attention in which H query heads share G = n_kv_heads key/value "
              "heads (H divisible by G): x (B, T, C) -> (B, T, C), head size D = C / H. Create "
              "q_proj = Linear(C, C), kv_proj = Linear(C, 2 * G * D) (its output is [k | v]: "
              "the first G * D columns are the keys) and c_proj = Linear(C, C), all with "
              "bias=bias. Split q into H heads (B, H, T, D) and k, v into G heads (B, G, T, D); "
              "query head h uses key/value head h // (H / G), i.e. consecutive query heads form "
              "a group. Then causal softmax(q k^T / sqrt(D)) v, heads put side by side again "
              "(B, T, C), and c_proj. The KV cache of such a layer holds 2 * G * D numbers per "
              "token instead of 2 * C.",
              "因果自注意力，其中 H 个查询头共享 G = n_kv_heads 个键/值头（H 能被 G 整除）："
              "x (B, T, C) -> (B, T, C)，每个头的维度 D = C / H。创建 q_proj = Linear(C, C)、"
              "kv_proj = Linear(C, 2 * G * D)（输出为 [k | v]：前 G * D 列是键）和 c_proj = "
              "Linear(C, C)，偏置都由 bias 决定。把 q 拆成 H 个头 (B, H, T, D)，k、v 拆成 G 个头 "
              "(B, G, T, D)；查询头 h 使用第 h // (H / G) 个键/值头，也就是相邻的查询头组成一组。"
              "然后计算带因果掩码的 softmax(q k^T / sqrt(D)) v，把各头重新并排成 (B, T, C)，再经过 "
              "c_proj。这样一层的 KV 缓存每个词只需存 2 * G * D 个数，而不是 2 * C 个。"),
        stub='''
            class GroupedQueryAttention(nn.Module):
                def __init__(self, d_model: int, n_heads: int, n_kv_heads: int, *,
                             bias: bool = False):
                    """Create q_proj (C -> C), kv_proj (C -> 2 * G * D), c_proj (C -> C)."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """x (B, T, C) -> (B, T, C), causal."""
        ''',
        reference="dlfs.attention.kv_sharing:GroupedQueryAttention",
        imports=_LINEAR + _SOFTMAX, allowed=_LINEAR_OK + _SOFTMAX_OK,
        cases=gqa_cases,
        mutants={"repeat instead of repeat_interleave": _GQARepeatNotInterleave,
                 "not causal": _GQANotCausal,
                 "k and v swapped": _GQASwappedKV},
        hints=(("x.view(B, T, n, D).transpose(1, 2) splits the last dimension into n heads; "
                "kv_proj(x).chunk(2, dim=-1) gives k and v.",
                "x.view(B, T, n, D).transpose(1, 2) 把最后一维拆成 n 个头；"
                "kv_proj(x).chunk(2, dim=-1) 得到 k 和 v。"),
               ("k.repeat_interleave(H // G, dim=1) copies each kv head H / G times in a row, "
                "so query heads 0..H/G-1 share kv head 0 (repeat would interleave the groups).",
                "k.repeat_interleave(H // G, dim=1) 把每个键/值头连续复制 H / G 份，于是查询头 "
                "0..H/G-1 共享第 0 个键/值头（用 repeat 会把各组交错开）。"),
               ("Mask with torch.ones(T, T, dtype=torch.bool).tril(): masked_fill(~mask, "
                "float('-inf')) before the softmax; then y.transpose(1, 2).reshape(B, T, C).",
                "用 torch.ones(T, T, dtype=torch.bool).tril() 作掩码：softmax 前做 "
                "masked_fill(~mask, float('-inf'))；之后 y.transpose(1, 2).reshape(B, T, C)。")),
    ),
    Exercise(
        id="swiglu", entry="SwiGLU", lesson="llm-components", at=("book:10",),
        title=("SwiGLU feed-forward block", "SwiGLU 前馈层"),
        task=("The gated feed-forward block of LLaMA-style models: FFN(x) = (SiLU(x W1) * "
              "(x W3)) W2 with SiLU(z) = z * sigmoid(z). Create three Linear layers named w1 "
              "(C -> hidden, the gate), w3 (C -> hidden, the value) and w2 (hidden -> C), with "
              "bias=bias. hidden_features=None means 8C/3 rounded up to a multiple of 8 (then "
              "the three matrices hold about as many numbers as a 4C MLP): hidden = 8 * "
              "ceil(ceil(8C / 3) / 8). Shapes: (*, C) -> (*, C).",
              "LLaMA 类模型中带门控的前馈层：FFN(x) = (SiLU(x W1) * (x W3)) W2，其中 SiLU(z) = "
              "z * sigmoid(z)。创建三个 Linear 层：w1（C -> hidden，门控分支）、w3（C -> hidden，"
              "数值分支）和 w2（hidden -> C），偏置由 bias 决定。hidden_features=None 时取 8C/3 并"
              "向上取整到 8 的倍数（这样三个矩阵的参数量与 4C 的 MLP 大致相同）：hidden = 8 * "
              "ceil(ceil(8C / 3) / 8)。形状：(*, C) -> (*, C)。"),
        stub='''
            class SwiGLU(nn.Module):
                def __init__(self, d_model: int, hidden_features: int | None = None,
                             bias: bool = False):
                    """Create w1, w3 (C -> hidden) and w2 (hidden -> C)."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """(*, C) -> (*, C)"""
        ''',
        reference="dlfs.llm.swiglu:SwiGLU",
        imports=_LINEAR, allowed=_LINEAR_OK,
        cases=swiglu_cases,
        mutants={"gate on w3": _SwiGLUGateOnW3, "sigmoid gate": _SwiGLUSigmoid,
                 "default hidden 4C": _SwiGLUHidden4C},
        hints=(("-(-a // b) is ceil(a / b) for positive integers, without floats.",
                "对正整数，-(-a // b) 就是 ceil(a / b)，不用浮点数。"),
               ("gate = self.w1(x); return self.w2(gate * torch.sigmoid(gate) * self.w3(x)).",
                "gate = self.w1(x)；返回 self.w2(gate * torch.sigmoid(gate) * self.w3(x))。")),
    ),
    Exercise(
        id="moe", entry="MoE", lesson="llm-components", at=("book:10",),
        title=("Mixture of experts with top-k routing", "Top-k 路由的混合专家层"),
        task=("A mixture-of-experts feed-forward layer. Create router = Linear(C, E, "
              "bias=False) and experts = nn.ModuleList of E SwiGLU(C, d_hidden). For x (B, T, "
              "C), flatten to N = B * T tokens; p = softmax(router(x)) (N, E); each token picks "
              "its top_k experts (torch.topk order: most likely first) with gates g_i = p_{e_i} "
              "/ sum_j p_{e_j} (they sum to 1). Capacity: with capacity_factor = None there is "
              "no limit; otherwise each expert accepts at most ceil(capacity_factor * N * top_k "
              "/ E) assignments, served in this order: every token's first choice (tokens in "
              "order), then every token's second choice, and so on; an assignment that finds "
              "its expert full is dropped. y_n = sum of g_i * expert_{e_i}(x_n) over the kept "
              "choices (gates are not renormalized after drops). Also return the load-balancing "
              "loss aux = E * sum_e f_e * P_e, f_e = fraction of the N * top_k choices (kept or "
              "not) that picked e, P_e = mean of p[:, e]. forward returns (y (B, T, C), aux).",
              "混合专家前馈层。创建 router = Linear(C, E, bias=False) 和由 E 个 SwiGLU(C, "
              "d_hidden) 组成的 nn.ModuleList experts。对 x (B, T, C)，展平成 N = B * T 个词；p = "
              "softmax(router(x))，形状 (N, E)；每个词选出概率最高的 top_k 个专家（按 torch.topk "
              "的顺序，最可能的在前），门控权重 g_i = p_{e_i} / sum_j p_{e_j}（和为 "
              "1）。容量：capacity_factor = None 时不限；否则每个专家最多接收 ceil(capacity_factor "
              "* N * top_k / E) 个分配，按如下顺序服务：先是所有词的第一选择（按词的顺序），再是所"
              "有词的第二选择，依此类推；遇到专家已满的分配被丢弃。y_n 是保留下来的选择上 g_i * "
              "expert_{e_i}(x_n) 之和（丢弃后不重新归一化门控）。同时返回负载均衡损失 aux = E * "
              "sum_e f_e * P_e，其中 f_e 是 N * top_k 个选择中（无论是否被丢弃）选了 e 的比例，P_e "
              "是 p[:, e] 的平均值。forward 返回 (y (B, T, C), aux)。"),
        stub='''
            class MoE(nn.Module):
                def __init__(self, d_model: int, n_experts: int, top_k: int = 2,
                             d_hidden: int | None = None,
                             capacity_factor: float | None = 1.25):
                    """Create router (C -> E, no bias) and experts (E SwiGLU blocks)."""
                    super().__init__()

                def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
                    """x (B, T, C) -> (y (B, T, C), aux_loss scalar)"""
        ''',
        reference="dlfs.llm.moe:MoE",
        imports=("from dlfs.llm.swiglu import SwiGLU",) + _LINEAR + _SOFTMAX,
        allowed=("dlfs.llm.swiglu:SwiGLU",) + _LINEAR_OK + _SOFTMAX_OK,
        cases=moe_cases,
        mutants={"gates not renormalized": _MoERawGates,
                 "capacity ignored": _MoENoCapacity,
                 "token-major priority": _MoETokenMajor},
        hints=(("probs.topk(top_k, dim=-1) gives the top probabilities and expert ids, both "
                "(N, top_k); divide the probabilities by their row sum for the gates.",
                "probs.topk(top_k, dim=-1) 给出最高的概率和专家编号，形状都是 (N, top_k)；"
                "再除以每行之和得到门控权重。"),
               ("For the capacity, walk the choices in the order expert_index.t().reshape(-1) "
                "(choice-major) and count per expert; a choice is kept while its expert's count "
                "before it is < capacity. A cumsum over a one-hot (k * N, E) matrix does it "
                "without a Python loop.",
                "处理容量时，按 expert_index.t().reshape(-1) 的顺序（先按选择序号）遍历，为每个专家"
                "计数；一个选择在它之前该专家的计数 < 容量时才保留。对 (k * N, E) 的 one-hot "
                "矩阵做 cumsum 可以省去 Python 循环。"),
               ("For each expert e, (tok, slot) = ((expert_index == e) & kept).nonzero("
                "as_tuple=True); y = y.index_add(0, tok, expert(x[tok]) * gate[tok, slot, "
                "None]). f_e comes from torch.bincount(expert_index.flatten(), minlength=E).",
                "对每个专家 e，(tok, slot) = ((expert_index == e) & kept).nonzero(as_tuple=True)"
                "；y = y.index_add(0, tok, expert(x[tok]) * gate[tok, slot, None])。f_e 可由 "
                "torch.bincount(expert_index.flatten(), minlength=E) 得到。")),
    ),
    Exercise(
        id="lora_linear", entry="LoRALinear", lesson="peft-lora",
        at=("book:10", "topics:peft"),
        title=("LoRA: a low-rank update of a frozen Linear", "LoRA：冻结的线性层加低秩更新"),
        task=("Wrap a Linear layer `base` (weight (out, in), bias (out,) or None) for LoRA "
              "fine-tuning: y = x W^T + b + (alpha / r) (x A^T) B^T. Keep base.weight and "
              "base.bias as self.weight and self.bias (the same Parameters, frozen: "
              "requires_grad False) and create lora_A (r, in), initialised with "
              "nn.init.kaiming_uniform_(a=math.sqrt(5)), and lora_B (out, r), zeros, so at "
              "init the layer computes exactly what base did. Only lora_A and lora_B train. "
              "merge() adds (alpha / r) B A into self.weight in place (under torch.no_grad()) "
              "so forward then uses the weight alone; unmerge() subtracts it again; merging "
              "twice (or unmerging an unmerged layer) changes nothing. (*, in) -> (*, out).",
              "为 LoRA 微调包装一个 Linear 层 base（weight 形状 (out, in)，bias 形状 (out,) 或 "
              "None）：y = x W^T + b + (alpha / r) (x A^T) B^T。把 base.weight 和 base.bias 保存为 "
              "self.weight 和 self.bias（同一个 Parameter，冻结：requires_grad 为 False），并创建 "
              "lora_A (r, in)（用 nn.init.kaiming_uniform_(a=math.sqrt(5)) 初始化）和全零的 lora_B "
              "(out, r)，这样初始时这一层的计算与 base 完全相同。只有 lora_A 和 lora_B "
              "参与训练。merge() 在 torch.no_grad() 下把 (alpha / r) B A 原地加到 self.weight "
              "上，之后 forward 只用这个权重；unmerge() 再把它减掉；重复 merge（或对未合并的层 "
              "unmerge）不产生任何变化。形状：(*, in) -> (*, out)。"),
        stub='''
            class LoRALinear(nn.Module):
                def __init__(self, base: nn.Module, r: int = 8, alpha: float = 16.0):
                    """Keep base.weight / base.bias (frozen); create lora_A (r, in), lora_B
                    (out, r) = 0; scaling alpha / r; not merged."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """(*, in) -> (*, out)"""

                def merge(self) -> None:
                    """weight <- weight + (alpha / r) B A, once."""

                def unmerge(self) -> None:
                    """Undo merge()."""
        ''',
        reference="dlfs.peft.lora:LoRALinear",
        cases=lora_cases,
        mutants={"no alpha / r scaling": _LoRANoScaling, "B not zero at init": _LoRARandomB,
                 "base not frozen": _LoRANotFrozen, "merge without scaling": _LoRAMergeUnscaled},
        hints=(("self.weight = base.weight keeps the very same Parameter (and its name in the "
                "state_dict); self.weight.requires_grad_(False) freezes it. Without a bias, "
                "self.register_parameter('bias', None).",
                "self.weight = base.weight 保留同一个 Parameter（以及它在 state_dict 中的名字）；"
                "self.weight.requires_grad_(False) 将其冻结。没有偏置时用 "
                "self.register_parameter('bias', None)。"),
               ("forward: x @ self.weight.T (+ bias), plus, unless merged, self.scaling * "
                "((x @ self.lora_A.T) @ self.lora_B.T) — never form B A in forward.",
                "forward：x @ self.weight.T（加偏置），若未合并再加 self.scaling * "
                "((x @ self.lora_A.T) @ self.lora_B.T)——forward 中不要构造 B A。"),
               ("Decorate merge and unmerge with @torch.no_grad() and keep a self.merged flag.",
                "给 merge 和 unmerge 加上 @torch.no_grad() 装饰器，并维护一个 self.merged 标志。")),
    ),
    Exercise(
        id="dpo_loss", entry="dpo_loss", lesson="llm-components", at=("book:10",),
        title=("The DPO loss", "DPO 损失"),
        task=("Direct Preference Optimization scores a preference pair (chosen answer y_c, "
              "rejected answer y_r) with implicit rewards r_c = beta * (log pi(y_c) - log "
              "ref(y_c)) and r_r = beta * (log pi(y_r) - log ref(y_r)), pi the policy and ref "
              "the frozen reference model, and minimizes L = -log sigmoid(r_c - r_r), averaged "
              "over the B pairs. Inputs: four (B,) tensors of whole-answer log-probabilities "
              "(policy chosen, policy rejected, reference chosen, reference rejected) and beta. "
              "Return the scalar loss. Compute log sigmoid stably: log sigmoid(z) = min(z, 0) - "
              "log(1 + exp(-|z|)) (a margin of -1000 must give a loss of 1000, not inf).",
              "直接偏好优化（DPO）用隐式奖励给一对偏好数据（被选中的回答 y_c 和被拒绝的回答 y_r）"
              "打分：r_c = beta * (log pi(y_c) - log ref(y_c))，r_r = beta * (log pi(y_r) - "
              "log ref(y_r))，其中 pi 是策略模型，ref 是冻结的参考模型；最小化 L = -log "
              "sigmoid(r_c - r_r)，对 B 对数据取平均。输入是四个形状为 (B,) 的整段回答对数概率"
              "（策略-选中、策略-拒绝、参考-选中、参考-拒绝）和 beta，返回标量损失。log sigmoid 要"
              "用数值稳定的算法：log sigmoid(z) = min(z, 0) - log(1 + exp(-|z|))（差值为 -1000 "
              "时损失应为 1000，而不是 inf）。"),
        stub='''
            def dpo_loss(policy_chosen_logps: Tensor, policy_rejected_logps: Tensor,
                         ref_chosen_logps: Tensor, ref_rejected_logps: Tensor,
                         beta: float = 0.1) -> Tensor:
                """Four (B,) log-prob tensors -> the mean DPO loss (a scalar)."""
        ''',
        reference="dlfs.llm.dpo:dpo_loss",
        cases=dpo_cases,
        mutants={"wrong sign": _dpo_wrong_sign, "no reference model": _dpo_no_reference,
                 "log(sigmoid) overflows": _dpo_naive_log, "sum over pairs": _dpo_sum},
        hints=(("margin = beta * ((pc - rc) - (pr - rr)); the loss is the mean of "
                "-log sigmoid(margin).",
                "margin = beta * ((pc - rc) - (pr - rr))；损失是 -log sigmoid(margin) 的平均值。"),
               ("torch.clamp(z, max=0) - torch.log1p(torch.exp(-z.abs())) never overflows: "
                "exp gets a non-positive argument.",
                "torch.clamp(z, max=0) - torch.log1p(torch.exp(-z.abs())) 不会溢出："
                "exp 的参数永远不大于 0。")),
    ),
    Exercise(
        id="gpt_param_count", entry="gpt_param_count", lesson="interview-drill",
        at=("pytorch:26",),
        title=("How many parameters has this GPT?", "这个 GPT 有多少参数？"),
        task=("Return, as an int, the number of parameters of dlfs's GPT built from a "
              "GPTConfig, from a formula (do not build the model). With V = vocab_size, "
              "T = block_size, L = n_layer, C = n_embd: token embedding V x C, position "
              "embedding T x C; each of the L pre-LN blocks has ln_1 and ln_2 (LayerNorm: "
              "weight C, bias C), attention c_attn (C -> 3C) and c_proj (C -> C), MLP c_fc "
              "(C -> 4C) and c_proj (4C -> C); then the final LayerNorm ln_f and the output "
              "layer (C -> V, no bias). config.bias=False removes every bias vector (Linear "
              "and LayerNorm); config.tie_weights=True (the default) means the output layer "
              "reuses the token-embedding matrix, which then counts once.",
              "根据 GPTConfig，用公式（不要真的构建模型）算出 dlfs 的 GPT 有多少参数，返回 int。"
              "记 V = vocab_size，T = block_size，L = n_layer，C = n_embd：词嵌入 V x C，位置嵌入 "
              "T x C；L 个 pre-LN 块中每个都有 ln_1 和 ln_2（LayerNorm：weight C 个、bias C 个）、"
              "注意力的 c_attn（C -> 3C）和 c_proj（C -> C）、MLP 的 c_fc（C -> 4C）和 c_proj"
              "（4C -> C）；最后是 LayerNorm ln_f 和输出层（C -> V，无偏置）。config.bias=False "
              "时去掉所有偏置向量（Linear 和 LayerNorm 的）；config.tie_weights=True（默认）表示"
              "输出层复用词嵌入矩阵，这个矩阵只算一次。"),
        stub='''
            def gpt_param_count(config: GPTConfig) -> int:
                """config.vocab_size, block_size, n_layer, n_embd, bias, tie_weights -> int"""
        ''',
        reference="dlfs.models.gpt:GPT",
        imports=("from dlfs.models.gpt import GPTConfig",),
        allowed=("dlfs.models.gpt:GPTConfig",),
        cases=gpt_param_count_cases,
        mutants={"no position embeddings": _gpt_no_positions,
                 "tied head counted twice": _gpt_head_twice,
                 "biases counted without bias": _gpt_always_biases,
                 "no final LayerNorm": _gpt_no_final_norm},
        hints=(("Per block, without biases: 3C^2 + C^2 + 4C^2 + 4C^2 = 12 C^2, plus 2C for "
                "the two LayerNorm weights.",
                "每个块不算偏置时：3C^2 + C^2 + 4C^2 + 4C^2 = 12 C^2，再加两个 LayerNorm 的"
                "权重 2C。"),
               ("With biases each block adds 3C + C + 4C + C (Linear) + 2C (LayerNorm) = 11C; "
                "ln_f adds C, or 2C with its bias.",
                "有偏置时每个块再加 3C + C + 4C + C（Linear）+ 2C（LayerNorm）= 11C；ln_f 加 C，"
                "有偏置时加 2C。")),
    ),
]
