"""Exercises on attention: scaled dot-product attention, causal masks, multi-head attention,
sinusoidal and rotary positions (PyTorch roadmap days 22-23, book ch. 7, 8 and 10)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as TF
from torch import nn

from ...nn.attention import MultiheadAttention as _LibMHA
from ...nn.functional.attention import causal_mask as _lib_causal_mask
from ...nn.positional import RotaryEmbedding as _LibRope
from ..cases import Case, assert_close, fn_case, module_case, randn, watched
from ..schema import Exercise

# ---- scaled_dot_product_attention ------------------------------------------------------


def _torch_sdpa(q, k, v, attn_mask=None, is_causal=False):
    return TF.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=is_causal)


def _bool_mask(T: int, S: int, seed: int) -> torch.Tensor:
    """A random bool (T, S) mask, True = may attend, with at least one True in each row."""
    gen = torch.Generator().manual_seed(seed)
    mask = torch.rand(T, S, generator=gen) < 0.6
    mask[torch.arange(T), torch.randint(0, S, (T,), generator=gen)] = True
    return mask


def sdpa_cases(sdpa):
    # (name, q shape, S, Dv, keyword arguments); scores are made larger than unit size
    # (scale 1.5) so that a missing 1/sqrt(D) changes the softmax a lot
    blocked = torch.zeros(2, 1, 4, 6, dtype=torch.float64)
    blocked[..., 0, 4:] = float("-inf")                        # query 0 may not see keys 4, 5
    additive = randn(2, 1, 4, 6, seed=11) + blocked             # (B, 1, T, S) bias, -inf holes
    padding = torch.ones(3, 1, 1, 5, dtype=torch.bool)
    padding[0, ..., 3:] = False                                 # sequence 0 has 3 real keys
    padding[2, ..., 1:] = False                                 # sequence 2 has 1 real key
    settings = [
        ("q, k, v (1, 1, 2), no mask", (1, 1, 2), 1, 2, {}),
        ("batch 1: q, k, v (1, 3, 4), no mask", (1, 3, 4), 3, 4, {}),
        ("cross-attention: q (2, 2, 4, 8), k (2, 2, 6, 8), v (2, 2, 6, 5)",
         (2, 2, 4, 8), 6, 5, {}),
        ("is_causal=True, q, k, v (2, 3, 5, 4)", (2, 3, 5, 4), 5, 4, {"is_causal": True}),
        ("is_causal=True with T=3 < S=5 (top-left aligned), heads 2",
         (1, 2, 3, 4), 5, 3, {"is_causal": True}),
        ("bool attn_mask (4, 6) True = may attend, q (2, 2, 4, 3)",
         (2, 2, 4, 3), 6, 3, {"attn_mask": _bool_mask(4, 6, seed=5)}),
        ("bool padding mask (3, 1, 1, 5) broadcast over heads and queries, q (3, 2, 4, 6)",
         (3, 2, 4, 6), 5, 2, {"attn_mask": padding}),
        ("float attn_mask (2, 1, 4, 6) added to the scores (with -inf), q (2, 3, 4, 5)",
         (2, 3, 4, 5), 6, 7, {"attn_mask": additive}),
    ]
    for i, (name, shape, S, Dv, kwargs) in enumerate(settings):
        *lead, T, D = shape
        q = randn(*lead, T, D, seed=3 * i, scale=1.5)
        k = randn(*lead, S, D, seed=3 * i + 1, scale=1.5)
        v = randn(*lead, S, Dv, seed=3 * i + 2)
        yield fn_case(name, sdpa, _torch_sdpa, q, k, v, kwargs=kwargs)


def _sdpa_planted(q, k, v, attn_mask=None, is_causal=False, *, scale=True, dim=-1,
                  diagonal=0):
    """A from-scratch SDPA with switches for the planted bugs."""
    scores = q @ k.transpose(-2, -1)
    if scale:
        scores = scores / math.sqrt(q.shape[-1])
    if is_causal:
        T, S = scores.shape[-2:]
        attn_mask = torch.ones(T, S, dtype=torch.bool).tril(diagonal)
    if attn_mask is not None and attn_mask.dtype == torch.bool:
        scores = scores.masked_fill(~attn_mask, float("-inf"))
    elif attn_mask is not None:
        scores = scores + attn_mask
    scores = scores - scores.amax(dim=dim, keepdim=True)
    e = scores.exp()
    return (e / e.sum(dim=dim, keepdim=True)) @ v


def _sdpa_no_scale(q, k, v, attn_mask=None, is_causal=False):
    """Planted bug: scores are q k^T, never divided by sqrt(D)."""
    return _sdpa_planted(q, k, v, attn_mask, is_causal, scale=False)


def _sdpa_wrong_dim(q, k, v, attn_mask=None, is_causal=False):
    """Planted bug: the softmax normalises over the queries (dim -2), not over the keys."""
    return _sdpa_planted(q, k, v, attn_mask, is_causal, dim=-2)


def _sdpa_diagonal_excluded(q, k, v, attn_mask=None, is_causal=False):
    """Planted bug: the causal mask is tril(-1): a query may not see its own key."""
    return _sdpa_planted(q, k, v, attn_mask, is_causal, diagonal=-1)


# ---- causal_mask -----------------------------------------------------------------------


def causal_mask_cases(impl):
    causal_mask = watched(impl)
    for T, S, offset in [(1, None, 0), (3, None, 0), (4, 6, 0), (5, 3, 0), (2, 4, 2),
                         (1, 7, 6), (4, 4, -1), (3, 5, 2)]:
        def run(T=T, S=S, offset=offset) -> None:
            got = causal_mask(T, S, offset=offset)
            width = T if S is None else S
            # query t (absolute position t + offset) may see key s when s <= t + offset
            want = torch.tensor([[s <= t + offset for s in range(width)] for t in range(T)],
                                dtype=torch.bool).reshape(T, width)
            if not isinstance(got, torch.Tensor):
                raise AssertionError(f"expected a tensor, got {type(got).__name__}")
            if got.dtype != torch.bool:
                raise AssertionError(f"dtype {got.dtype}, expected torch.bool "
                                     "(True = may attend)")
            if tuple(got.shape) != (T, width):
                raise AssertionError(f"shape {tuple(got.shape)}, expected {(T, width)}")
            wrong = (got != want).nonzero().tolist()
            if wrong:
                t, s = wrong[0]
                raise AssertionError(
                    f"{len(wrong)} wrong entries; first at query t={t}, key s={s}: got "
                    f"{bool(got[t, s])}, expected {bool(want[t, s])} (s <= t + offset is "
                    f"{s} <= {t + offset})\nexpected {want.int().tolist()}\n"
                    f"got      {got.int().tolist()}")
        S_text = "" if S is None else f", S={S}"
        yield Case(f"T={T}{S_text}, offset={offset}", run)


def _mask_diagonal_excluded(T, S=None, *, offset=0):
    """Planted bug: tril(offset - 1): a query cannot see the key at its own position."""
    return torch.ones(T, T if S is None else S, dtype=torch.bool).tril(offset - 1)


def _mask_offset_ignored(T, S=None, *, offset=0):
    """Planted bug: the offset of cached keys is ignored (always top-left aligned)."""
    return torch.ones(T, T if S is None else S, dtype=torch.bool).tril()


def _mask_blocked_convention(T, S=None, *, offset=0):
    """Planted bug: True marks the blocked keys (MultiheadAttention's convention)."""
    return ~torch.ones(T, T if S is None else S, dtype=torch.bool).tril(offset)


# ---- MultiheadAttention ----------------------------------------------------------------


def mha_cases(MHA):
    causal_blocked = ~_lib_causal_mask(4, 4)            # MHA masks: True = blocked
    padding = torch.zeros(2, 5, dtype=torch.bool)
    padding[0, 3:] = True                               # sequence 0: keys 3, 4 are padding
    padding[1, 4] = True
    float_mask = randn(3, 5, seed=9)
    settings = [
        # name, (E, H, bias, batch_first), (B, T, S), self-attention?, forward keywords
        ("E=4, heads 1, self-attention x (1, 1, 4)", (4, 1, True, True), (1, 1, 1), True, {}),
        ("E=6, heads 2, self-attention x (2, 3, 6)", (6, 2, True, True), (2, 3, 3), True, {}),
        ("E=8, heads 4, bias=False, cross-attention q (2, 3, 8), k/v (2, 5, 8)",
         (8, 4, False, True), (2, 3, 5), False, {}),
        ("E=6, heads 3, key_padding_mask (2, 5), q (2, 4, 6), k/v (2, 5, 6)",
         (6, 3, True, True), (2, 4, 5), False, {"key_padding_mask": padding}),
        ("E=8, heads 2, causal bool attn_mask (4, 4) True = blocked, x (3, 4, 8)",
         (8, 2, True, True), (3, 4, 4), True, {"attn_mask": causal_blocked}),
        ("E=4, heads 2, float attn_mask (3, 5) added, q (1, 3, 4), k/v (1, 5, 4)",
         (4, 2, True, True), (1, 3, 5), False, {"attn_mask": float_mask}),
        ("E=6, heads 2, batch_first=False: q (3, 2, 6), k/v (4, 2, 6)",
         (6, 2, True, False), (2, 3, 4), False, {}),
    ]
    for i, (name, (E, H, bias, batch_first), (B, T, S), self_attn, kwargs) in enumerate(
            settings):
        q = randn(B, T, E, seed=4 * i, scale=1.5)
        if self_attn:
            k = v = q                                   # one input as query, key and value
        else:
            k, v = randn(B, S, E, seed=4 * i + 1, scale=1.5), randn(B, S, E, seed=4 * i + 2)
        if not batch_first:
            q, k, v = (t.transpose(0, 1).contiguous() for t in (q, k, v))
        forward = {"need_weights": False, **kwargs}
        yield module_case(
            name,
            lambda E=E, H=H, bias=bias, bf=batch_first: MHA(E, H, bias=bias, batch_first=bf),
            lambda E=E, H=H, bias=bias, bf=batch_first: nn.MultiheadAttention(
                E, H, bias=bias, batch_first=bf),
            q, k, v, forward_kwargs=forward, grad_kwargs=("attn_mask",))


class _MHAPlanted(_LibMHA):
    """A from-scratch MHA with switches for the planted bugs (the library's parameters)."""

    split_heads_by_view = False
    scale_by_embed_dim = False
    padding_keeps = False

    def __init__(self, embed_dim, num_heads, bias=True, batch_first=True):
        super().__init__(embed_dim, num_heads, bias=bias, batch_first=batch_first)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=False,
                attn_mask=None):
        if not self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        B, T, E = query.shape
        S, H = key.shape[1], self.num_heads
        D = E // H
        q, k, v = self._project(query, key, value)

        def heads(t, n):
            if self.split_heads_by_view:                  # bug: (B, n, E) read as (B, H, n, D)
                return t.reshape(B, H, n, D)
            return t.reshape(B, n, H, D).transpose(1, 2)

        q, k, v = heads(q, T), heads(k, S), heads(v, S)
        scores = q @ k.transpose(-2, -1) / math.sqrt(E if self.scale_by_embed_dim else D)
        if attn_mask is not None:
            if attn_mask.dtype == torch.bool:
                scores = scores.masked_fill(attn_mask, float("-inf"))
            else:
                scores = scores + attn_mask
        if key_padding_mask is not None:
            blocked = ~key_padding_mask if self.padding_keeps else key_padding_mask
            scores = scores.masked_fill(blocked[:, None, None, :], float("-inf"))
        w = (scores - scores.amax(-1, keepdim=True)).exp()
        w = w / w.sum(-1, keepdim=True)
        out = self.out_proj((w @ v).transpose(1, 2).reshape(B, T, E))
        return (out if self.batch_first else out.transpose(0, 1)), None


class _MHAHeadsByView(_MHAPlanted):
    """Planted bug: (B, T, E) reshaped straight to (B, H, T, D), mixing positions and heads."""

    split_heads_by_view = True


class _MHAScaleEmbedDim(_MHAPlanted):
    """Planted bug: scores divided by sqrt(embed_dim) instead of sqrt(head_dim)."""

    scale_by_embed_dim = True


class _MHAPaddingInverted(_MHAPlanted):
    """Planted bug: key_padding_mask read as True = keep (the SDPA convention)."""

    padding_keeps = True


# ---- sinusoidal positions --------------------------------------------------------------


def _sinusoid_expected(T: int, d: int, base: float) -> torch.Tensor:
    """PE[p, 2i] = sin(p / base^(2i/d)), PE[p, 2i+1] = cos(p / base^(2i/d)), in float64."""
    rows = []
    for p in range(T):
        row = []
        for j in range(d):
            angle = p / base ** (2 * (j // 2) / d)
            row.append(math.sin(angle) if j % 2 == 0 else math.cos(angle))
        rows.append(row)
    return torch.tensor(rows, dtype=torch.float64).reshape(T, d)


def sinusoid_cases(impl):
    table = watched(impl)
    for T, d, base in [(1, 2, None), (3, 4, None), (6, 5, None), (50, 16, None),
                       (10, 8, 100.0)]:
        def run(T=T, d=d, base=base) -> None:
            got = table(T, d) if base is None else table(T, d, base)
            if isinstance(got, torch.Tensor) and not got.is_floating_point():
                raise AssertionError(f"dtype {got.dtype}: expected a floating tensor")
            want = _sinusoid_expected(T, d, 10000.0 if base is None else base)
            # float32 tables (torch's default dtype) are exact to about 1e-6 here
            assert_close(got.double() if isinstance(got, torch.Tensor) else got, want,
                         f"table ({T}, {d})", atol=1e-5, rtol=1e-5)
        extra = "" if base is None else f", base={base}"
        yield Case(f"max_len={T}, d_model={d}{extra}", run)


def _sinusoid_planted(max_len, d_model, base=10000.0, *, swap=False, per_feature=False,
                      halves=False):
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]
    if halves:                         # bug: sin in the first half, cos in the second
        i = torch.arange((d_model + 1) // 2, dtype=torch.float64)
        angle = pos / base ** (2 * i / d_model)
        return torch.cat([angle.sin(), angle.cos()[:, : d_model // 2]], dim=1).float()
    j = torch.arange(d_model, dtype=torch.float64)
    k = j if per_feature else 2 * (j // 2)   # per_feature: exponent j/d instead of 2i/d
    angle = pos / base ** (k / d_model)
    even = (j % 2 == 0)
    if swap:
        even = ~even
    return torch.where(even, angle.sin(), angle.cos()).float()


def _sinusoid_swapped(max_len, d_model, base=10000.0):
    """Planted bug: cos on the even features, sin on the odd ones."""
    return _sinusoid_planted(max_len, d_model, base, swap=True)


def _sinusoid_per_feature(max_len, d_model, base=10000.0):
    """Planted bug: the frequency exponent uses the feature index j, not the pair index 2i."""
    return _sinusoid_planted(max_len, d_model, base, per_feature=True)


def _sinusoid_halves(max_len, d_model, base=10000.0):
    """Planted bug: sines fill the first half of the features and cosines the second."""
    return _sinusoid_planted(max_len, d_model, base, halves=True)


# ---- RotaryEmbedding -------------------------------------------------------------------


def _rope_complex(x, positions, base):
    """An independent RoPE: pair (x_2i, x_2i+1) as the complex number x_2i + j x_2i+1,
    multiplied by exp(j * p * base^(-2i/D))."""
    D = x.shape[-1]
    theta = base ** (-torch.arange(0, D, 2, dtype=torch.float64) / D)      # (D/2,)
    angle = positions.to(torch.float64)[:, None] * theta                   # (T, D/2)
    z = torch.view_as_complex(x.reshape(*x.shape[:-1], D // 2, 2).contiguous())
    return torch.view_as_real(z * torch.polar(torch.ones_like(angle), angle)).flatten(-2)


def _dot_after_rope(rope, q, k, m, n):
    """<RoPE(q) at position m, RoPE(k) at position n>, q and k (D,)."""
    x = torch.stack([q, k])[:, None, :]                                    # (2, 1, D)
    qr = rope(x[:1], positions=torch.tensor([m]))[0, 0]
    kr = rope(x[1:], positions=torch.tensor([n]))[0, 0]
    return float(qr @ kr)


def rope_cases(Rope):
    settings = [
        ("dim 2, x (1, 2), positions 0 (no rotation)", 2, None, (1, 2), {}),
        ("dim 4, x (3, 4), positions 0..2", 4, None, (3, 4), {}),
        ("dim 8, x (2, 3, 5, 8) (B, H, T, D), offset=4", 8, None, (2, 3, 5, 8), {"offset": 4}),
        ("dim 6, x (2, 4, 6), positions tensor [0, 3, 7, 100]", 6, None, (2, 4, 6),
         {"positions": torch.tensor([0, 3, 7, 100])}),
        ("dim 6, base=500, x (1, 7, 6), offset=2", 6, 500.0, (1, 7, 6), {"offset": 2}),
    ]
    for i, (name, dim, base, shape, kwargs) in enumerate(settings):
        x = randn(*shape, seed=i)
        T = shape[-2]
        positions = kwargs.get("positions", torch.arange(kwargs.get("offset", 0),
                                                         kwargs.get("offset", 0) + T))

        def run(Rope=Rope, dim=dim, base=base, x=x, kwargs=kwargs, positions=positions):
            rope = Rope(dim) if base is None else Rope(dim, base)
            b = 10000.0 if base is None else base
            fn_case("", lambda t: rope(t, **kwargs),
                    lambda t: _rope_complex(t, positions, b), x).run()
        yield Case(name, run)

    def relative() -> None:
        rope = Rope(8)
        call = watched(lambda *a, **kw: rope(*a, **kw))
        q, k = randn(8, seed=20), randn(8, seed=21)
        ref = _dot_after_rope(call, q, k, 5, 2)
        for m, n in [(12, 9), (3, 0), (105, 102)]:
            got = _dot_after_rope(call, q, k, m, n)
            if abs(got - ref) > 1e-9 * max(1.0, abs(ref)):
                raise AssertionError(
                    f"q·k after RoPE must depend only on the offset m - n: at (m, n) = (5, 2) "
                    f"it is {ref:.12g}, at ({m}, {n}) it is {got:.12g} (differs by "
                    f"{abs(got - ref):.3g})")
    yield Case("relative positions: <RoPE(q, m), RoPE(k, n)> depends only on m - n", relative)

    def norms() -> None:
        rope = Rope(16)
        x = randn(3, 9, 16, seed=30)
        y = watched(lambda: rope(x, offset=40))()
        assert_close(y.norm(dim=-1), x.norm(dim=-1), "norm of each vector after RoPE "
                     "(a rotation keeps lengths)")
    yield Case("norms kept: x (3, 9, 16), offset=40", norms)


class _RopePlanted(_LibRope):
    """RoPE with switches for the planted bugs (the library's module as the base)."""

    halves = False
    sign = 1.0
    use_offset = True

    def forward(self, x, offset=0, positions=None):
        T, D = x.shape[-2:]
        if positions is None:
            start = offset if self.use_offset else 0
            positions = torch.arange(start, start + T)
        a = self.sign * self.angles(positions).to(x.dtype)                 # (T, D/2)
        cos, sin = a.cos(), a.sin()
        if self.halves:                 # bug: pairs (x_i, x_{i + D/2}) (the "rotate half")
            x1, x2 = x[..., : D // 2], x[..., D // 2:]
            return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)
        x1, x2 = x[..., 0::2], x[..., 1::2]
        return torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1).flatten(-2)


class _RopeHalves(_RopePlanted):
    """Planted bug: rotates (x_i, x_{i+D/2}) instead of the neighbours (x_2i, x_2i+1)."""

    halves = True


class _RopeNegative(_RopePlanted):
    """Planted bug: rotates by -p * theta_i (a sign slip in the sin terms)."""

    sign = -1.0


class _RopeOffsetIgnored(_RopePlanted):
    """Planted bug: positions always start at 0, whatever the offset."""

    use_offset = False


# ---- the exercises ---------------------------------------------------------------------

EXERCISES = [
    Exercise(
        id="sdpa", entry="scaled_dot_product_attention", lesson="self-attention",
        at=("pytorch:23", "book:7"),
        title=("Scaled dot-product attention", "缩放点积注意力"),
        task=("Compute softmax(Q K^T / sqrt(D) + M) V for query (..., T, D), key (..., S, D) "
              "and value (..., S, Dv); the result is (..., T, Dv) and the leading dimensions "
              "(batch, heads) broadcast. The softmax runs over the S keys of each query. "
              "attn_mask, when given, is either bool (True = the query may attend to that key; "
              "a False entry gets score -inf) or float (added to the scores); it broadcasts to "
              "(..., T, S). is_causal=True means query t sees only keys s <= t (the mask is "
              "aligned at the top-left corner when T != S). Every query keeps at least one "
              "key in the checks. Write the softmax yourself, subtracting the row maximum "
              "before exp.",
              "计算 softmax(Q K^T / sqrt(D) + M) V：query 形状为 (..., T, D)，key 为 (..., S, D)，"
              "value 为 (..., S, Dv)，结果为 (..., T, Dv)，前面的维度（batch、head）可以广播。"
              "softmax 对每个 query 的 S 个 key 做归一化。attn_mask 若给出，可以是布尔型"
              "（True 表示该 query 可以看这个 key，False 的位置分数设为 -inf），也可以是浮点型"
              "（直接加到分数上），它会广播到 (..., T, S)。is_causal=True 表示第 t 个 query "
              "只能看 s <= t 的 key（T != S 时从左上角对齐）。检查用例中每个 query 至少能看到"
              "一个 key。softmax 请自己写，exp 之前先减去每行的最大值。"),
        stub='''
            def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                             attn_mask: Tensor | None = None,
                                             is_causal: bool = False) -> Tensor:
                """query (..., T, D), key (..., S, D), value (..., S, Dv) -> (..., T, Dv).

                attn_mask: bool, True = may attend; or float, added to the scores.
                is_causal: query t sees keys s <= t.
                """
        ''',
        reference="dlfs.nn.functional.attention:scaled_dot_product_attention",
        cases=sdpa_cases,
        mutants={"no 1/sqrt(D) scale": _sdpa_no_scale,
                 "softmax over the queries": _sdpa_wrong_dim,
                 "causal mask excludes the diagonal": _sdpa_diagonal_excluded},
        hints=(("scores = query @ key.transpose(-2, -1) / math.sqrt(D) has shape (..., T, S); "
                "normalise along the last dimension.",
                "scores = query @ key.transpose(-2, -1) / math.sqrt(D)，形状 (..., T, S)；"
                "沿最后一维归一化。"),
               ("A bool mask: scores.masked_fill(~mask, float('-inf')). The causal mask is "
                "torch.ones(T, S, dtype=torch.bool).tril().",
                "布尔 mask：scores.masked_fill(~mask, float('-inf'))。因果 mask 是 "
                "torch.ones(T, S, dtype=torch.bool).tril()。"),
               ("Softmax: e = (scores - scores.amax(-1, keepdim=True)).exp(); "
                "weights = e / e.sum(-1, keepdim=True); return weights @ value.",
                "softmax：e = (scores - scores.amax(-1, keepdim=True)).exp()；"
                "weights = e / e.sum(-1, keepdim=True)；返回 weights @ value。")),
    ),
    Exercise(
        id="causal_mask", entry="causal_mask", lesson="self-attention",
        at=("pytorch:23", "book:7"),
        title=("The causal mask, with an offset for cached keys", "因果掩码（含缓存偏移）"),
        task=("Return a bool tensor of shape (T, S) (S defaults to T) that is True where "
              "query t may attend to key s: s <= t + offset. offset=0 is plain causal "
              "self-attention. When S - T keys are already cached and T new queries follow "
              "them, query t sits at position t + S - T, so the caller passes offset = S - T. "
              "Example: T=2, S=4, offset=2 gives [[1, 1, 1, 0], [1, 1, 1, 1]].",
              "返回形状为 (T, S) 的布尔张量（S 默认等于 T），query t 可以看 key s 的位置为 "
              "True，条件是 s <= t + offset。offset=0 就是普通的因果自注意力。若已经缓存了 "
              "S - T 个 key，后面跟着 T 个新 query，则第 t 个 query 的位置是 t + S - T，"
              "调用方传入 offset = S - T。例：T=2、S=4、offset=2 得到 "
              "[[1, 1, 1, 0], [1, 1, 1, 1]]。"),
        stub='''
            def causal_mask(T: int, S: int | None = None, *, offset: int = 0) -> Tensor:
                """Bool (T, S), True where key s <= t + offset (query t may attend)."""
        ''',
        reference="dlfs.nn.functional.attention:causal_mask",
        cases=causal_mask_cases,
        mutants={"diagonal excluded": _mask_diagonal_excluded,
                 "offset ignored": _mask_offset_ignored,
                 "True marks the blocked keys": _mask_blocked_convention},
        hints=(("Start from torch.ones(T, S, dtype=torch.bool) and keep its lower triangle.",
                "从 torch.ones(T, S, dtype=torch.bool) 出发，保留下三角。"),
               ("tensor.tril(diagonal=k) keeps the entries with s - t <= k; here k = offset.",
                "tensor.tril(diagonal=k) 保留 s - t <= k 的元素；这里 k = offset。")),
    ),
    Exercise(
        id="multihead_attention", entry="MultiheadAttention", lesson="self-attention",
        at=("pytorch:23", "book:7", "book:8"),
        title=("Multi-head attention, torch's layout", "多头注意力（与 torch 相同的参数布局）"),
        task=("Write MultiheadAttention(embed_dim E, num_heads H, bias=True, batch_first=True) "
              "with torch's parameters: in_proj_weight (3E, E) holding W_q, W_k, W_v stacked, "
              "in_proj_bias (3E,) (None when bias=False), and out_proj, a Linear(E, E). "
              "forward(query, key, value, key_padding_mask=None, need_weights=False, "
              "attn_mask=None): query (B, T, E), key and value (B, S, E) ((T, B, E) and "
              "(S, B, E) when batch_first=False). Project q = query W_q^T + b_q (likewise k, "
              "v), split E into H heads of size D = E / H, compute softmax(q k^T / sqrt(D)) v "
              "per head, put the heads side by side again and apply out_proj. Masks use "
              "torch's MultiheadAttention convention: key_padding_mask (B, S) bool, True = "
              "padding (that key is ignored); attn_mask (T, S) bool, True = blocked, or float, "
              "added to the scores. Return (output, None). Initialization is not graded.",
              "写出 MultiheadAttention(embed_dim E, num_heads H, bias=True, batch_first=True)，"
              "参数与 torch 相同：in_proj_weight (3E, E) 把 W_q、W_k、W_v 上下拼在一起，"
              "in_proj_bias (3E,)（bias=False 时为 None），out_proj 是一个 Linear(E, E)。"
              "forward(query, key, value, key_padding_mask=None, need_weights=False, "
              "attn_mask=None)：query 为 (B, T, E)，key、value 为 (B, S, E)（batch_first=False "
              "时为 (T, B, E) 和 (S, B, E)）。先投影 q = query W_q^T + b_q（k、v 同理），"
              "把 E 拆成 H 个大小为 D = E / H 的头，每个头计算 softmax(q k^T / sqrt(D)) v，"
              "再把各头并排拼回去，最后经过 out_proj。mask 沿用 torch MultiheadAttention 的约定："
              "key_padding_mask 形状 (B, S)，True 表示填充（忽略该 key）；attn_mask 形状 (T, S)，"
              "布尔型时 True 表示屏蔽，浮点型时加到分数上。返回 (output, None)。"
              "初始化方式不计分。"),
        imports=("from dlfs.nn.linear import Linear",),
        allowed=("dlfs.nn.linear:Linear",),
        stub='''
            class MultiheadAttention(nn.Module):
                def __init__(self, embed_dim: int, num_heads: int, bias: bool = True,
                             batch_first: bool = True):
                    """in_proj_weight (3E, E), in_proj_bias (3E,) or None,
                    out_proj = Linear(E, E, bias=bias)."""
                    super().__init__()

                def forward(self, query: Tensor, key: Tensor, value: Tensor,
                            key_padding_mask: Tensor | None = None, need_weights: bool = False,
                            attn_mask: Tensor | None = None) -> tuple[Tensor, None]:
                    """query (B, T, E), key/value (B, S, E) -> ((B, T, E), None).

                    key_padding_mask (B, S): True = padding. attn_mask (T, S): True = blocked,
                    or float (added).
                    """
        ''',
        reference="dlfs.nn.attention:MultiheadAttention",
        cases=mha_cases,
        mutants={"heads split by a plain reshape": _MHAHeadsByView,
                 "scaled by sqrt(embed_dim)": _MHAScaleEmbedDim,
                 "padding mask read as True = keep": _MHAPaddingInverted},
        hints=(("q, k, v = (x @ w.T + b for x, w, b in zip((query, key, value), "
                "in_proj_weight.chunk(3), in_proj_bias.chunk(3))).",
                "q, k, v = (x @ w.T + b for x, w, b in zip((query, key, value), "
                "in_proj_weight.chunk(3), in_proj_bias.chunk(3)))。"),
               ("Heads: q.view(B, T, H, D).transpose(1, 2) gives (B, H, T, D); a plain "
                "view(B, H, T, D) mixes positions and heads.",
                "拆头：q.view(B, T, H, D).transpose(1, 2) 得到 (B, H, T, D)；直接 "
                "view(B, H, T, D) 会把位置和头混在一起。"),
               ("Masks: scores.masked_fill(attn_mask, -inf) for a bool attn_mask and "
                "scores.masked_fill(key_padding_mask[:, None, None, :], -inf) for padding; "
                "afterwards (w @ v).transpose(1, 2).reshape(B, T, E) and out_proj.",
                "mask：布尔 attn_mask 用 scores.masked_fill(attn_mask, -inf)，填充用 "
                "scores.masked_fill(key_padding_mask[:, None, None, :], -inf)；之后 "
                "(w @ v).transpose(1, 2).reshape(B, T, E)，再过 out_proj。")),
    ),
    Exercise(
        id="sinusoidal_positions", entry="sinusoidal_table", lesson="embedding-positional",
        at=("pytorch:22", "book:8"),
        title=("Sinusoidal position table", "正弦位置编码表"),
        task=("Return the (max_len, d_model) table of sinusoidal positions as a float tensor "
              "(torch's default dtype): for position p and pair index i, with "
              "w_i = base^(-2i / d_model), PE[p, 2i] = sin(p * w_i) and PE[p, 2i + 1] = "
              "cos(p * w_i). Sines go in the even features, cosines in the odd ones; an odd "
              "d_model ends with a sine column. Example: row 1 of a (2, 4) table is "
              "[sin 1, cos 1, sin 0.01, cos 0.01].",
              "返回 (max_len, d_model) 的正弦位置编码表，浮点张量（torch 默认 dtype）："
              "对位置 p 和第 i 对特征，记 w_i = base^(-2i / d_model)，则 PE[p, 2i] = "
              "sin(p * w_i)，PE[p, 2i + 1] = cos(p * w_i)。偶数位放正弦，奇数位放余弦；"
              "d_model 为奇数时最后一列是正弦。例：(2, 4) 表的第 1 行是 "
              "[sin 1, cos 1, sin 0.01, cos 0.01]。"),
        stub='''
            def sinusoidal_table(max_len: int, d_model: int, base: float = 10000.0) -> Tensor:
                """(max_len, d_model): sin in even features, cos in odd ones."""
        ''',
        reference="dlfs.nn.positional:sinusoidal_table",
        cases=sinusoid_cases,
        mutants={"sin and cos swapped": _sinusoid_swapped,
                 "exponent counts features, not pairs": _sinusoid_per_feature,
                 "sines in the first half, cosines in the second": _sinusoid_halves},
        hints=(("pos = torch.arange(max_len)[:, None] (a column); the frequencies "
                "w = base ** (-torch.arange(0, d_model, 2) / d_model) (a row).",
                "pos = torch.arange(max_len)[:, None]（一列）；频率 "
                "w = base ** (-torch.arange(0, d_model, 2) / d_model)（一行）。"),
               ("angle = pos * w broadcasts to (max_len, ceil(d/2)); pe[:, 0::2] = sin(angle), "
                "pe[:, 1::2] = cos(angle[:, : d_model // 2]).",
                "angle = pos * w 广播成 (max_len, ceil(d/2))；pe[:, 0::2] = sin(angle)，"
                "pe[:, 1::2] = cos(angle[:, : d_model // 2])。")),
    ),
    Exercise(
        id="rotary_embedding", entry="RotaryEmbedding", lesson="llm-components",
        at=("pytorch:22", "book:10"),
        title=("Rotary position embedding (RoPE)", "旋转位置编码（RoPE）"),
        task=("Write RotaryEmbedding(dim, base=10000.0), a module without parameters. "
              "forward(x, offset=0, positions=None) takes x (..., T, dim) and returns the same "
              "shape: each neighbouring pair (x_2i, x_2i+1) of the token at position p is "
              "rotated by the angle a = p * theta_i, theta_i = base^(-2i / dim): "
              "y_2i = x_2i cos a - x_2i+1 sin a, y_2i+1 = x_2i sin a + x_2i+1 cos a. The "
              "positions are offset, ..., offset + T - 1, or the given (T,) tensor. Because "
              "each pair turns by an angle proportional to its position, the dot product of a "
              "rotated query and key depends only on how far apart they are; a rotation "
              "also keeps every vector's length. Compute the angles in float64 and cast "
              "their cos and sin to x's dtype: the checks compare float64 results at "
              "positions up to 105.",
              "写出 RotaryEmbedding(dim, base=10000.0)，一个没有参数的模块。"
              "forward(x, offset=0, positions=None) 接收 x (..., T, dim)，返回同样形状："
              "位置 p 上的 token，其相邻的每一对特征 (x_2i, x_2i+1) 旋转角度 a = p * theta_i，"
              "theta_i = base^(-2i / dim)：y_2i = x_2i cos a - x_2i+1 sin a，"
              "y_2i+1 = x_2i sin a + x_2i+1 cos a。位置为 offset, ..., offset + T - 1，"
              "或者使用传入的 (T,) 张量。由于每对特征转过的角度与位置成正比，旋转后 query 与 "
              "key 的点积只取决于二者的距离；旋转也不改变向量的长度。角度请用 float64 计算，"
              "再把 cos、sin 转成 x 的 dtype：检查会在最大到 105 的位置上以 float64 比较结果。"),
        stub='''
            class RotaryEmbedding(nn.Module):
                def __init__(self, dim: int, base: float = 10000.0):
                    """dim: the (even) head size; theta_i = base ** (-2i / dim)."""
                    super().__init__()

                def forward(self, x: Tensor, offset: int = 0,
                            positions: Tensor | None = None) -> Tensor:
                    """x (..., T, dim) -> (..., T, dim); positions (T,) or offset..offset+T-1."""
        ''',
        reference="dlfs.nn.positional:RotaryEmbedding",
        cases=rope_cases,
        mutants={"pairs (i, i + D/2) instead of (2i, 2i + 1)": _RopeHalves,
                 "rotates the wrong way": _RopeNegative,
                 "offset ignored": _RopeOffsetIgnored},
        hints=(("angles = positions[:, None] * theta[None, :] has shape (T, dim/2); take its "
                "cos and sin once.",
                "angles = positions[:, None] * theta[None, :] 形状为 (T, dim/2)；"
                "先算好 cos 和 sin。"),
               ("theta = base ** (-torch.arange(0, dim, 2, dtype=torch.float64) / dim); "
                "without the dtype it is float32 and large positions drift by ~1e-5.",
                "theta = base ** (-torch.arange(0, dim, 2, dtype=torch.float64) / dim)；"
                "不写 dtype 就是 float32，位置大时会偏差约 1e-5。"),
               ("x[..., 0::2] and x[..., 1::2] are the two halves of every pair; build the "
                "rotated halves and interleave them with torch.stack((even, odd), dim=-1)"
                ".flatten(-2).",
                "x[..., 0::2] 与 x[..., 1::2] 是每一对的两个分量；算出旋转后的两部分，再用 "
                "torch.stack((even, odd), dim=-1).flatten(-2) 交错拼回。")),
    ),
]
