"""Exercises on decoding: top-k and top-p filters, temperature sampling, the repetition
penalty and beam search (topic "evaluation and inference", book ch. 8 and 10).

No PyTorch built-in does these jobs, so most checkers assert what the result must satisfy
(top-p keeps the smallest set that reaches p; beam search over a tiny model equals an
exhaustive search) or compare with a few lines of plain torch written here.
"""

from __future__ import annotations

import math

import torch

from ...nn import functional as DF  # the planted bugs may use the library's softmax
from ..cases import Case, assert_close, fn_case, randn, watched
from ..schema import Exercise

NEG_INF = float("-inf")


def _kept(out: torch.Tensor, what: str, like: torch.Tensor) -> torch.Tensor:
    """The finite entries of a filter's output; the kept ones must equal the input."""
    if not isinstance(out, torch.Tensor):
        raise AssertionError(f"{what}: expected a tensor, got {type(out).__name__}")
    if out.shape != like.shape:
        raise AssertionError(f"{what}: shape {tuple(out.shape)}, expected {tuple(like.shape)}")
    bad = ~torch.isfinite(out) & ~(out == NEG_INF)
    if bad.any():
        where = tuple(bad.nonzero()[0].tolist())
        raise AssertionError(f"{what}: entry {where} is {out[where].item()}; a filter leaves a "
                             "logit unchanged or sets it to -inf")
    kept = torch.isfinite(out)
    changed = kept & (out.detach().to(like.dtype) != like)
    if changed.any():
        where = tuple(changed.nonzero()[0].tolist())
        raise AssertionError(f"{what}: kept entry {where} is {out[where].item()}, but the input "
                             f"was {like[where].item()}; kept logits must stay unchanged")
    return kept


def _check_mask_grad(f, x: torch.Tensor, *args, what: str) -> None:
    """The gradient flows to the kept logits only (and the input is not modified)."""
    x = x.detach().clone().requires_grad_(True)
    before = x.detach().clone()
    out = f(x, *args)
    if not torch.equal(x.detach(), before):
        raise AssertionError(f"{what}: the input logits were modified in place; return a new "
                             "tensor")
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        raise AssertionError(f"{what}: the output does not require grad although the logits "
                             "do (was it computed under no_grad or detached?)")
    kept = torch.isfinite(out.detach())
    g = randn(*x.shape, seed=7)
    watched(lambda: (torch.where(kept, out, torch.zeros_like(out)) * g).sum().backward())()
    assert_close(x.grad, torch.where(kept, g, torch.zeros_like(g)),
                 f"{what}: gradient of the logits (g where kept, 0 elsewhere)")


def _raises_value_error(call, what: str) -> Case:
    def run() -> None:
        try:
            got = call()
        except ValueError:
            return
        raise AssertionError(f"{what} returned {type(got).__name__}; it must raise ValueError")
    return Case(f"{what} raises ValueError", run)


# ---- top_k_filter ------------------------------------------------------------------------


def _top_k_torch(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep every logit >= the k-th largest of its row (ties with it kept)."""
    kth = torch.topk(logits, min(k, logits.shape[-1]), dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, NEG_INF)


def top_k_cases(impl):
    f = watched(impl)
    yield fn_case("logits [[1, 3, 2, 0.5]], k=2", impl, _top_k_torch,
                  torch.tensor([[1.0, 3.0, 2.0, 0.5]], dtype=torch.float64), 2)
    for shape, k in [((3, 7), 1), ((3, 7), 3), ((2, 3, 5), 2), ((4, 6), 6), ((2, 5), 9)]:
        x = randn(*shape, seed=k + len(shape))
        yield fn_case(f"logits {shape} float64, k={k}", impl, _top_k_torch, x, k)
    ties = torch.tensor([[1.0, 2.0, 2.0, 0.0, 2.0], [0.5, 0.5, 0.5, 0.5, 0.5],
                         [3.0, 1.0, 1.0, 1.0, -1.0]], dtype=torch.float64)
    for k in (1, 2):
        def run(k=k) -> None:
            got = f(ties, k)
            _kept(got, f"top_k_filter(ties, k={k})", ties)
            assert_close(got, _top_k_torch(ties, k),
                         f"top_k_filter(ties, k={k}) (logits equal to the k-th largest are kept)")
        yield Case(f"ties {tuple(ties.shape)}, k={k}: logits equal to the k-th are kept", run)
    yield Case("gradient reaches the kept logits only, (3, 8), k=3",
               lambda: _check_mask_grad(f, randn(3, 8, seed=3), 3, what="top_k_filter"))
    yield _raises_value_error(lambda: f(randn(1, 4), 0), "top_k_filter(logits, k=0)")


def _top_k_plus_one(logits, k):
    """Planted bug: keeps k + 1 tokens (compares with the (k+1)-th largest)."""
    k = min(k + 1, logits.shape[-1])
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, NEG_INF)


def _top_k_by_index(logits, k):
    """Planted bug: keeps exactly the k indices topk returns, dropping ties with the k-th."""
    if k < 1:
        raise ValueError("k must be >= 1")
    idx = torch.topk(logits, min(k, logits.shape[-1]), dim=-1).indices
    keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, idx, True)
    return logits.masked_fill(~keep, NEG_INF)


def _top_k_zero_fill(logits, k):
    """Planted bug: sets the dropped logits to 0 instead of -inf."""
    if k < 1:
        raise ValueError("k must be >= 1")
    kth = torch.topk(logits, min(k, logits.shape[-1]), dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, 0.0)


# ---- top_p_filter ------------------------------------------------------------------------

_TOL = 1e-9      # float64: sums of probabilities are exact far below this


def _check_nucleus(logits: torch.Tensor, out: torch.Tensor, p: float, what: str) -> None:
    """Row by row: the kept tokens are the most likely ones, their mass reaches p, and
    dropping the least likely of them would fall short of p (the set is minimal)."""
    kept = _kept(out, what, logits)
    probs = torch.softmax(logits.reshape(-1, logits.shape[-1]), dim=-1)
    for row, (pr, kp) in enumerate(zip(probs, kept.reshape(-1, logits.shape[-1]))):
        name = f"{what}, row {row} (probabilities {[round(v, 4) for v in pr.tolist()]})"
        if not kp[pr.argmax()]:
            raise AssertionError(f"{name}: the most likely token {int(pr.argmax())} was dropped;"
                                 " it is always kept")
        mass = float(pr[kp].sum())
        if mass < p - _TOL:
            raise AssertionError(f"{name}: kept tokens {kp.nonzero().flatten().tolist()} hold "
                                 f"mass {mass:.6f} < p = {p}; keep adding tokens until the mass "
                                 "reaches p")
        if (~kp).any() and float(pr[kp].min()) < float(pr[~kp].max()):
            raise AssertionError(f"{name}: kept a token of probability {float(pr[kp].min()):.6f}"
                                 f" but dropped one of {float(pr[~kp].max()):.6f}; keep the most "
                                 "likely tokens")
        least = float(pr[kp].min())
        if kp.sum() > 1 and mass - least >= p - _TOL:
            raise AssertionError(f"{name}: kept {int(kp.sum())} tokens of mass {mass:.6f}, but "
                                 f"without the least likely one ({least:.6f}) the mass "
                                 f"{mass - least:.6f} already reaches p = {p}; the set must be "
                                 "the smallest one")


def top_p_cases(impl):
    f = watched(impl)
    doc = torch.tensor([[0.5, 0.3, 0.15, 0.05]], dtype=torch.float64).log()
    rows = torch.tensor([[0.97, 0.01, 0.01, 0.005, 0.005],      # peaked
                         [0.2, 0.2, 0.2, 0.2, 0.2],              # flat: ties everywhere
                         [0.4, 0.38, 0.1, 0.07, 0.05],           # two peaks
                         [0.3, 0.05, 0.3, 0.05, 0.3]],           # three tied peaks
                        dtype=torch.float64).log()
    cases = [("probabilities [[0.5, 0.3, 0.15, 0.05]]", doc, 0.8),
             ("probabilities [[0.5, 0.3, 0.15, 0.05]]", doc, 0.5),
             ("4 rows: peaked, flat, two peaks, tied peaks (4, 5)", rows, 0.9),
             ("4 rows: peaked, flat, two peaks, tied peaks (4, 5)", rows, 0.5),
             ("4 rows: peaked, flat, two peaks, tied peaks (4, 5)", rows, 0.3),
             ("flat (2, 4): two tokens reach p exactly", torch.zeros(2, 4, dtype=torch.float64),
              0.5),
             ("flat (1, 5): two tokens reach p exactly", torch.zeros(1, 5, dtype=torch.float64),
              0.4),
             ("tiny p keeps the top token, (3, 6)", randn(3, 6, seed=1), 1e-4),
             ("random (5, 9) float64", randn(5, 9, seed=2, scale=2.0), 0.75),
             ("random (2, 3, 7) float64", randn(2, 3, 7, seed=3), 0.6),
             ("p=1 keeps every token, (3, 6)", randn(3, 6, seed=4), 1.0)]
    for name, x, p in cases:
        def run(x=x, p=p) -> None:
            _check_nucleus(x, f(x, p), p, f"top_p_filter(logits, p={p})")
        yield Case(f"{name}, p={p}", run)
    yield Case("gradient reaches the kept logits only, (3, 8), p=0.7",
               lambda: _check_mask_grad(f, randn(3, 8, seed=5), 0.7, what="top_p_filter"))
    for p in (0.0, 1.5):
        yield _raises_value_error(lambda p=p: f(randn(1, 4), p), f"top_p_filter(logits, p={p})")


def _top_p_sorted_and_kept(logits, p):
    """Shared start of the planted bugs: probabilities sorted in decreasing order."""
    if not 0.0 < p <= 1.0:
        raise ValueError("p must be in (0, 1]")
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
    probs = DF.softmax(sorted_logits, dim=-1)
    return sorted_logits, order, probs


def _top_p_excludes_crossing(logits, p):
    """Planted bug: drops the token whose probability makes the mass cross p (keeps only
    tokens with cumulative mass <= p), though always keeping the top one."""
    _, order, probs = _top_p_sorted_and_kept(logits, p)
    drop = probs.cumsum(-1) > p
    drop[..., 0] = False
    return logits.masked_fill(drop.scatter(-1, order, drop), NEG_INF)


def _top_p_one_too_many(logits, p):
    """Planted bug: 'mass before > p' instead of '>= p': keeps one token too many when the
    mass reaches p exactly."""
    _, order, probs = _top_p_sorted_and_kept(logits, p)
    drop = probs.cumsum(-1) - probs > p
    return logits.masked_fill(drop.scatter(-1, order, drop), NEG_INF)


def _top_p_not_unsorted(logits, p):
    """Planted bug: applies the mask in sorted order and returns the sorted logits."""
    sorted_logits, _, probs = _top_p_sorted_and_kept(logits, p)
    drop = probs.cumsum(-1) - probs >= p - 1e-12
    return sorted_logits.masked_fill(drop, NEG_INF)


# ---- choose_next -------------------------------------------------------------------------

_N_DRAWS = 6000


def _check_frequencies(ids, logits_row: torch.Tensor, expected: torch.Tensor,
                       what: str) -> None:
    """Sampled ids (N, 1) follow ``expected`` (V,) up to sampling noise (5 sigma)."""
    if not isinstance(ids, torch.Tensor) or tuple(ids.shape) != (_N_DRAWS, 1):
        shape = tuple(ids.shape) if isinstance(ids, torch.Tensor) else type(ids).__name__
        raise AssertionError(f"{what}: expected ids of shape ({_N_DRAWS}, 1), got {shape}")
    V = logits_row.numel()
    if ids.dtype != torch.long or ids.min() < 0 or ids.max() >= V:
        raise AssertionError(f"{what}: expected int64 ids in [0, {V}), got {ids.dtype} in "
                             f"[{int(ids.min())}, {int(ids.max())}]")
    freq = torch.bincount(ids.flatten(), minlength=V).double() / _N_DRAWS
    for tok in range(V):
        want, got = float(expected[tok]), float(freq[tok])
        if want == 0.0 and got > 0.0:
            raise AssertionError(f"{what}: token {tok} was drawn {round(got * _N_DRAWS)} times "
                                 "but the filters should have removed it")
        sigma = math.sqrt(want * (1 - want) / _N_DRAWS)
        if abs(got - want) > 5 * sigma + 1e-3:
            raise AssertionError(f"{what}: token {tok} drawn with frequency {got:.4f} over "
                                 f"{_N_DRAWS} draws, expected probability {want:.4f} "
                                 f"(expected all: {[round(v, 4) for v in expected.tolist()]})")


def _argmax_case(f, x: torch.Tensor, what: str, **kwargs) -> Case:
    def run() -> None:
        got = f(x, **kwargs)
        want = x.argmax(dim=-1, keepdim=True)
        if not isinstance(got, torch.Tensor) or got.shape != want.shape:
            shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
            raise AssertionError(f"{what}: expected ids of shape {tuple(want.shape)}, got {shape}")
        if got.dtype != torch.long or not torch.equal(got, want):
            raise AssertionError(f"{what}: returned {got.flatten().tolist()} ({got.dtype}), the "
                                 f"argmax of each row is {want.flatten().tolist()}")
    return Case(what, run)


def choose_next_cases(impl):
    f = watched(impl)
    yield _argmax_case(f, randn(1, 5, seed=1), "temperature=0 is greedy, logits (1, 5)",
                       temperature=0.0)
    yield _argmax_case(f, randn(4, 7, seed=2), "temperature=0 is greedy (top_k=3 ignored), (4, 7)",
                       temperature=0.0, top_k=3)
    yield _argmax_case(f, randn(50, 6, seed=3), "top_k=1 always gives the argmax, (50, 6)",
                       temperature=0.8, top_k=1, generator=torch.Generator().manual_seed(0))
    base = torch.tensor([0.6, 0.25, 0.1, 0.05], dtype=torch.float64).log()
    sampled = [
        (0.5, None, None, torch.softmax(base / 0.5, -1)),
        (2.0, None, None, torch.softmax(base / 2.0, -1)),
        (1.0, 2, None, torch.tensor([0.6, 0.25, 0, 0], dtype=torch.float64) / 0.85),
        # the nucleus is taken after the temperature: at T=2 it holds three tokens
        (2.0, None, 0.75, torch.cat([torch.softmax(base[:3] / 2.0, -1),
                                     torch.zeros(1, dtype=torch.float64)])),
    ]
    for seed, (temperature, top_k, top_p, expected) in enumerate(sampled):
        what = f"temperature={temperature}, top_k={top_k}, top_p={top_p}"

        def run(temperature=temperature, top_k=top_k, top_p=top_p, expected=expected,
                what=what, seed=seed) -> None:
            logits = base.expand(_N_DRAWS, -1).clone()
            ids = f(logits, temperature=temperature, top_k=top_k, top_p=top_p,
                    generator=torch.Generator().manual_seed(seed))
            _check_frequencies(ids, base, expected, f"choose_next({what})")
        yield Case(f"{_N_DRAWS} draws from probabilities [0.6, 0.25, 0.1, 0.05], {what}", run)


def _softmax_sample(logits, generator):
    return torch.multinomial(DF.softmax(logits, -1), 1, generator=generator)


def _choose_multiplies(logits, *, temperature=1.0, top_k=None, top_p=None, generator=None):
    """Planted bug: multiplies by the temperature instead of dividing."""
    from dlfs.generate.sampling import top_k_filter, top_p_filter
    if temperature == 0:
        return logits.argmax(-1, keepdim=True)
    logits = logits * temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    return _softmax_sample(logits, generator)


def _choose_filters_first(logits, *, temperature=1.0, top_k=None, top_p=None, generator=None):
    """Planted bug: applies top-k/top-p before dividing by the temperature."""
    from dlfs.generate.sampling import top_k_filter, top_p_filter
    if temperature == 0:
        return logits.argmax(-1, keepdim=True)
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    return _softmax_sample(logits / temperature, generator)


def _choose_flat_ids(logits, *, temperature=1.0, top_k=None, top_p=None, generator=None):
    """Planted bug: greedy returns shape (B,) instead of (B, 1)."""
    from dlfs.generate.sampling import choose_next
    if temperature == 0:
        return logits.argmax(-1)
    return choose_next(logits, temperature=temperature, top_k=top_k, top_p=top_p,
                       generator=generator)


# ---- apply_repetition_penalty ------------------------------------------------------------


def _penalty_torch(logits: torch.Tensor, idx: torch.Tensor, penalty: float) -> torch.Tensor:
    """Tokens that appear in idx (once or more): positive logit / penalty, negative * penalty."""
    seen = torch.zeros_like(logits, dtype=torch.bool).scatter(1, idx, True)
    moved = torch.where(logits > 0, logits / penalty, logits * penalty)
    return torch.where(seen, moved, logits)


def repetition_penalty_cases(impl):
    f = watched(impl)
    example = torch.tensor([[2.0, -1.0, 3.0]], dtype=torch.float64)
    yield fn_case("logits [[2, -1, 3]], idx [[0, 1]], penalty=2", impl, _penalty_torch,
                  example, torch.tensor([[0, 1]]), 2.0)
    gen = torch.Generator().manual_seed(0)
    for B, V, T, penalty in [(2, 6, 3, 1.3), (3, 10, 7, 1.2), (4, 5, 2, 0.5)]:
        x = randn(B, V, seed=V)
        x[0, 0] = 0.0                                            # a zero logit stays zero
        idx = torch.stack([torch.randperm(V, generator=gen)[:T] for _ in range(B)])
        yield fn_case(f"logits ({B}, {V}) float64, idx ({B}, {T}) distinct ids, "
                      f"penalty={penalty}", impl, _penalty_torch, x, idx, penalty)
    # Repeated ids: a token seen n times is penalised once, and its gradient is 1 / penalty
    # (not n / penalty, which a gather + scatter gives).
    yield fn_case("token seen three times is penalized once: idx [[2, 2, 0, 2]], penalty=1.5",
                  impl, _penalty_torch, torch.tensor([[1.0, -2.0, 4.0, 0.5]], dtype=torch.float64),
                  torch.tensor([[2, 2, 0, 2]]), 1.5)
    x = randn(3, 8, seed=8)
    idx = torch.randint(0, 8, (3, 12), generator=gen)
    yield fn_case("logits (3, 8) float64, idx (3, 12) with repeats, penalty=1.4", impl,
                  _penalty_torch, x, idx, 1.4)

    def identity() -> None:
        x = randn(2, 5, seed=9)
        assert_close(f(x, torch.tensor([[0, 1], [2, 3]]), 1.0), x,
                     "penalty=1 must return the logits unchanged")
    yield Case("penalty=1 changes nothing, (2, 5)", identity)
    yield _raises_value_error(lambda: f(randn(1, 3), torch.tensor([[0]]), 0.0),
                              "apply_repetition_penalty(..., penalty=0)")


def _penalty_everywhere(logits, idx, penalty):
    """Planted bug: penalizes every token, seen or not."""
    return torch.where(logits > 0, logits / penalty, logits * penalty)


def _penalty_per_occurrence(logits, idx, penalty):
    """Planted bug: penalizes a token once per time it appears in idx."""
    out = logits.clone()
    for b in range(idx.shape[0]):
        for t in idx[b].tolist():
            v = out[b, t]
            out[b, t] = v / penalty if v > 0 else v * penalty
    return out


def _penalty_divides_all(logits, idx, penalty):
    """Planted bug: divides every seen logit, so negative ones move up."""
    seen = torch.zeros_like(logits, dtype=torch.bool).scatter(1, idx, True)
    return torch.where(seen, logits / penalty, logits)


# ---- beam search -------------------------------------------------------------------------


def _length_penalty(n: int, alpha: float) -> float:
    return ((5 + n) / 6) ** alpha


class _TinyModel:
    """next_log_probs for a made-up model: each prefix gets its own random distribution
    over V tokens, fixed by the prefix (so the best sequence is known by enumeration)."""

    def __init__(self, V: int, seed: int, peak: float = 2.0) -> None:
        self.V, self.seed, self.peak = V, seed, peak

    def row(self, seq: tuple[int, ...]) -> torch.Tensor:
        code = self.seed
        for tok in seq:
            code = code * 31 + tok + 1
        gen = torch.Generator().manual_seed(code % (2 ** 61))
        logits = torch.randn(self.V, generator=gen, dtype=torch.float64) * self.peak
        return logits - torch.logsumexp(logits, dim=-1)       # log-softmax, by hand: this
                                                               # runs while the code is watched

    def __call__(self, seqs) -> torch.Tensor:
        return torch.stack([self.row(tuple(int(t) for t in s)) for s in seqs])   # (N, V)


class _Chain:
    """A Markov chain written by hand: P(next | last), the first token as after token 0."""

    TABLE = torch.tensor([[0.1, 0.5, 0.4], [0.2, 0.2, 0.6], [0.9, 0.05, 0.05]],
                         dtype=torch.float64).log()

    def __call__(self, seqs) -> torch.Tensor:
        return self.TABLE[[int(s[-1]) if len(s) else 0 for s in seqs]]


def _exhaustive(model, V: int, steps: int, alpha: float, eos_id: int | None):
    """Every finished sequence (ends in eos, or has ``steps`` tokens), best score first."""
    finished, live = [], [((), 0.0)]
    for step in range(steps):
        grown = []
        for seq, lp in live:
            row = model([seq])[0]
            for tok in range(V):
                grown.append((seq + (tok,), lp + float(row[tok])))
        live = []
        for seq, lp in grown:
            if seq[-1] == eos_id or step == steps - 1:
                finished.append((seq, lp, lp / _length_penalty(len(seq), alpha)))
            else:
                live.append((seq, lp))
    return sorted(finished, key=lambda h: -h[2])


def _beam(model, steps: int, width: int, alpha: float, eos_id: int | None):
    """A plain beam search: at each step the ``width`` best extensions of all live beams
    (by total log-probability); those ending in eos, or at the last step, are finished."""
    finished, live = [], [((), 0.0)]
    for step in range(steps):
        if not live:
            break
        rows = model([s for s, _ in live])
        grown = [(seq + (tok,), lp + float(rows[i, tok]))
                 for i, (seq, lp) in enumerate(live) for tok in range(rows.shape[1])]
        grown.sort(key=lambda c: -c[1])
        live = []
        for seq, lp in grown[:width]:
            if seq[-1] == eos_id or step == steps - 1:
                finished.append((seq, lp, lp / _length_penalty(len(seq), alpha)))
            else:
                live.append((seq, lp))
    return sorted(finished, key=lambda h: -h[2])


def _as_hypotheses(result, what: str) -> list[tuple[tuple[int, ...], float, float]]:
    """The learner's list of (tokens, logprob, score); objects with those attributes too."""
    if not isinstance(result, (list, tuple)):
        raise AssertionError(f"{what}: expected a list of (tokens, logprob, score), got "
                             f"{type(result).__name__}")
    out = []
    for i, h in enumerate(result):
        try:
            tokens, logprob, score = ((h.tokens, h.logprob, h.score) if hasattr(h, "tokens")
                                      else h)
            out.append((tuple(int(t) for t in tokens), float(logprob), float(score)))
        except (TypeError, ValueError) as exc:
            raise AssertionError(f"{what}: item {i} is {h!r}, not (tokens, logprob, score): "
                                 f"{exc}") from None
    return out


def _compare_hypotheses(got, want, what: str) -> None:
    got = _as_hypotheses(got, what)
    for i, (a, b) in enumerate(zip(got, want)):
        if a[0] != b[0]:
            raise AssertionError(f"{what}: hypothesis {i} (best score first) is {a[0]} with "
                                 f"score {a[2]:.6f}, expected {b[0]} with score {b[2]:.6f}")
    if len(got) != len(want):
        raise AssertionError(f"{what}: returned {len(got)} finished hypotheses, expected "
                             f"{len(want)}: {[h[0] for h in want]}")
    for i, ((seq, lp, score), (_, lp_w, score_w)) in enumerate(zip(got, want)):
        for name, a, b in (("log-probability", lp, lp_w), ("score", score, score_w)):
            if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
                raise AssertionError(f"{what}: hypothesis {i} {seq}: {name} {a:.10f}, expected "
                                     f"{b:.10f} (difference {a - b:.3g})")


def beam_search_cases(impl):
    f = watched(impl)

    def chain(width: int, want: list) -> Case:
        def run() -> None:
            got = f(_Chain(), 2, beam_width=width, alpha=0.0)
            _compare_hypotheses(got, _beam(_Chain(), 2, width, 0.0, None), what)
            if [h[0] for h in _as_hypotheses(got, what)][:1] != want[:1]:
                raise AssertionError(f"{what}: the best sequence is {want[0]}")
        what = f"hand-made chain, 2 tokens, beam_width={width}"
        return Case(what + f": best {want[0]}", run)
    yield chain(1, [(1, 2)])                    # greedy: 0.5 * 0.6 = 0.30
    yield chain(2, [(2, 0), (1, 2)])            # beam finds 0.4 * 0.9 = 0.36

    for V, steps, alpha, eos in [(3, 3, 0.0, None), (3, 3, 0.6, 0), (4, 3, 1.0, 2)]:
        width = V ** steps                        # wide enough to keep every sequence
        what = f"V={V}, {steps} tokens, alpha={alpha}, eos_id={eos}, beam_width={width}"

        def run(V=V, steps=steps, alpha=alpha, eos=eos, width=width, what=what) -> None:
            model = _TinyModel(V, seed=V + steps)
            got = f(model, steps, beam_width=width, alpha=alpha, eos_id=eos)
            want = _exhaustive(model, V, steps, alpha, eos)
            if eos is None:
                want = want[:width]
            _compare_hypotheses(got, want, f"{what} (equals exhaustive search)")
        yield Case(f"{what}: equals exhaustive search", run)

    for V, steps, width, alpha, eos in [(5, 4, 2, 0.6, 0), (6, 5, 3, 0.8, 1), (4, 6, 4, 0.0, 3)]:
        what = f"V={V}, {steps} tokens, beam_width={width}, alpha={alpha}, eos_id={eos}"

        def run(V=V, steps=steps, width=width, alpha=alpha, eos=eos, what=what) -> None:
            model = _TinyModel(V, seed=10 * V + steps, peak=1.0)
            got = f(model, steps, beam_width=width, alpha=alpha, eos_id=eos)
            _compare_hypotheses(got, _beam(model, steps, width, alpha, eos), what)
        yield Case(what, run)


def _beam_mutant(next_log_probs, max_new_tokens, *, beam_width=4, alpha=0.6, eos_id=None,
                 use_alpha=True, stop_at_eos=True, per_beam=False):
    finished, live = [], [((), 0.0)]
    for step in range(max_new_tokens):
        if not live:
            break
        rows = next_log_probs([s for s, _ in live]).double()
        grown = []
        for i, (seq, lp) in enumerate(live):
            mine = [(seq + (t,), lp + float(rows[i, t])) for t in range(rows.shape[1])]
            mine.sort(key=lambda c: -c[1])
            grown += mine[:beam_width] if per_beam else mine
        grown.sort(key=lambda c: -c[1])
        live = []
        for seq, lp in grown[:beam_width]:
            if (stop_at_eos and seq[-1] == eos_id) or step == max_new_tokens - 1:
                penalty = _length_penalty(len(seq), alpha) if use_alpha else 1.0
                finished.append((seq, lp, lp / penalty))
            else:
                live.append((seq, lp))
    return sorted(finished, key=lambda h: -h[2])


def _beam_no_length_penalty(next_log_probs, max_new_tokens, **kw):
    """Planted bug: ranks finished hypotheses by raw log-probability (alpha ignored)."""
    return _beam_mutant(next_log_probs, max_new_tokens, use_alpha=False, **kw)


def _beam_ignores_eos(next_log_probs, max_new_tokens, **kw):
    """Planted bug: eos does not finish a hypothesis; it keeps being extended."""
    return _beam_mutant(next_log_probs, max_new_tokens, stop_at_eos=False, **kw)


def _beam_top_per_beam(next_log_probs, max_new_tokens, **kw):
    """Planted bug: expands each beam separately and keeps every beam's best extensions."""
    kw["beam_width"] = kw.get("beam_width", 4)
    finished, live = [], [((), 0.0)]
    alpha, eos_id, width = kw.get("alpha", 0.6), kw.get("eos_id"), kw["beam_width"]
    for step in range(max_new_tokens):
        if not live:
            break
        rows = next_log_probs([s for s, _ in live]).double()
        nxt = []
        for i, (seq, lp) in enumerate(live):
            mine = sorted(((seq + (t,), lp + float(rows[i, t])) for t in range(rows.shape[1])),
                          key=lambda c: -c[1])[:width]
            for s, v in mine:
                if s[-1] == eos_id or step == max_new_tokens - 1:
                    finished.append((s, v, v / _length_penalty(len(s), alpha)))
                else:
                    nxt.append((s, v))
        live = nxt
    return sorted(finished, key=lambda h: -h[2])


# ---- the exercises -----------------------------------------------------------------------

EXERCISES = [
    Exercise(
        id="top_k_filter", entry="top_k_filter", lesson="decoding-strategies",
        at=("topics:inference", "book:8"),
        title=("Top-k filtering of logits", "Top-k 过滤"),
        task=("Given next-token logits of shape (..., V) and an integer k >= 1, keep in every "
              "row the logits that are at least as large as the row's k-th largest value and "
              "set all others to -inf. Logits tied with the k-th largest are kept, so a row may "
              "keep more than k entries; k larger than V keeps everything. Kept logits are "
              "returned unchanged (gradients flow to them), the input is not modified, and "
              "k < 1 raises ValueError. Sampling from softmax of the result then only ever "
              "picks one of the kept tokens.",
              "输入形状为 (..., V) 的下一个词的 logits 和整数 k >= 1。每一行中，保留不小于该行第 k "
              "大值的 logits，其余置为 -inf。与第 k 大值相等的 logits 也保留，因此一行可能保留多于 "
              "k 个；k 大于 V 时全部保留。保留的 logits 原样返回（梯度照常传回），不要修改输入；k "
              "< 1 时抛出 ValueError。之后对结果做 softmax 采样，只会选到被保留的词。"),
        stub='''
            def top_k_filter(logits: Tensor, k: int) -> Tensor:
                """logits (..., V) -> (..., V): -inf below the k-th largest of each row."""
        ''',
        reference="dlfs.generate.sampling:top_k_filter",
        cases=top_k_cases,
        mutants={"keeps k + 1 tokens": _top_k_plus_one,
                 "drops ties with the k-th": _top_k_by_index,
                 "fills with 0 instead of -inf": _top_k_zero_fill},
        hints=(("torch.topk(logits, k, dim=-1).values[..., -1:] is the k-th largest value of "
                "each row, with a trailing dimension of 1 ready to broadcast.",
                "torch.topk(logits, k, dim=-1).values[..., -1:] 就是每行第 k 大的值，"
                "末尾保留了长度为 1 的维度，可以直接广播。"),
               ("Compare logits < kth and use masked_fill(mask, float('-inf')); clamp k to V "
                "first with min(k, logits.shape[-1]).",
                "比较 logits < kth，再用 masked_fill(mask, float('-inf'))；先用 "
                "min(k, logits.shape[-1]) 把 k 限制在 V 以内。")),
    ),
    Exercise(
        id="top_p_filter", entry="top_p_filter", lesson="decoding-strategies",
        at=("topics:inference", "book:8"),
        title=("Top-p (nucleus) filtering", "Top-p（核）过滤"),
        task=("Given logits of shape (..., V) and 0 < p <= 1, keep in every row the smallest "
              "set of most likely tokens whose softmax probabilities add up to at least p, and "
              "set the other logits to -inf. Walk the tokens from most to least likely: a token "
              "is kept when the mass of the tokens before it has not yet reached p, so the token "
              "that makes the mass cross p is kept and the most likely token is always kept. "
              "'Reached' allows for rounding: count a mass as reaching p when it is at least "
              "p - 8 * torch.finfo(dtype).eps (then 0.5 + 0.3 reaches 0.8). Among tied tokens "
              "any choice that keeps the set minimal is accepted. Return a new tensor with the "
              "kept logits unchanged, in the original order; p outside (0, 1] raises "
              "ValueError.",
              "输入形状为 (..., V) 的 logits 和 0 < p <= 1。每一行中，保留概率最高、且 softmax "
              "概率之和至少为 p 的最小词集合，其余 logits 置为 -inf。按概率从高到低依次考察：如果排"
              "在它前面的词的概率和还没有达到 p，就保留这个词——所以使累计概率越过 p "
              "的那个词会被保留，概率最高的词也总会被保留。判断“达到”时要容许舍入误差：累计概率不小"
              "于 p - 8 * torch.finfo(dtype).eps 就算达到（这样 0.5 + 0.3 算作达到 "
              "0.8）。若有概率相同的词，只要集合仍然最小，选哪个都可以。返回新张量，保留的 logits "
              "不变、顺序与输入一致；p 不在 (0, 1] 内时抛出 ValueError。"),
        stub='''
            def top_p_filter(logits: Tensor, p: float) -> Tensor:
                """logits (..., V) -> (..., V): -inf outside the nucleus of each row."""
        ''',
        reference="dlfs.generate.sampling:top_p_filter",
        imports=("from dlfs.nn.functional import softmax",),
        allowed=("dlfs.nn.functional.activation:softmax",),
        cases=top_p_cases,
        mutants={"drops the token that crosses p": _top_p_excludes_crossing,
                 "'> p' keeps one token too many": _top_p_one_too_many,
                 "returns the logits in sorted order": _top_p_not_unsorted},
        hints=(("Sort each row in decreasing order (torch.sort(..., descending=True) also "
                "gives the permutation), take softmax of the sorted logits and their cumsum.",
                "先把每行按降序排序（torch.sort(..., descending=True) 同时给出排列下标），"
                "再对排好序的 logits 做 softmax 并求 cumsum。"),
               ("mass_before = cumsum - probs is the mass of the better tokens; drop where "
                "mass_before >= p - 8 * eps. The first token has mass_before 0, so it stays.",
                "mass_before = cumsum - probs 是排在前面的词的概率和；在 mass_before >= "
                "p - 8 * eps 处丢弃。第一个词的 mass_before 为 0，所以总会保留。"),
               ("The drop mask is in sorted order: drop.scatter(-1, order, drop) puts it back in "
                "vocabulary order, then logits.masked_fill(mask, float('-inf')).",
                "丢弃掩码是按排序后的顺序排列的：用 drop.scatter(-1, order, drop) 放回词表顺序，"
                "再 logits.masked_fill(mask, float('-inf'))。")),
    ),
    Exercise(
        id="choose_next", entry="choose_next", lesson="decoding-strategies",
        at=("topics:inference", "book:8"),
        title=("One decoding step: temperature, filters, sampling",
               "一步解码：温度、过滤与采样"),
        task=("Turn the last position's logits (B, V) into the next token ids (B, 1), int64. "
              "temperature = 0 means greedy: return the argmax of each row (top_k and top_p "
              "are then ignored). Otherwise divide the logits by the temperature first, then "
              "apply top_k_filter if top_k is given and top_p_filter if top_p is given (in that "
              "order), and draw one token per row from the softmax of what is left with "
              "torch.multinomial, passing the given generator. The checker draws thousands of "
              "tokens and compares their frequencies with the probabilities they must follow.",
              "把最后一个位置的 logits (B, V) 变成下一个词的 id (B, 1)，类型为 int64。temperature "
              "= 0 表示贪心解码：返回每行的 argmax（此时忽略 top_k 和 top_p）。否则先把 logits "
              "除以温度，再在给定 top_k 时调用 top_k_filter、给定 top_p 时调用 "
              "top_p_filter（按这个顺序），然后对剩下的部分做 softmax，用 torch.multinomial "
              "每行抽一个词，并传入给定的 generator。检查时会抽取几千个词，比较它们的频率是否符合应"
              "有的概率。"),
        stub='''
            def choose_next(logits: Tensor, *, temperature: float = 1.0, top_k: int | None = None,
                            top_p: float | None = None,
                            generator: torch.Generator | None = None) -> Tensor:
                """logits (B, V) -> next ids (B, 1) int64; temperature 0 is greedy."""
        ''',
        reference="dlfs.generate.sampling:choose_next",
        imports=("from dlfs.generate.sampling import top_k_filter, top_p_filter",
                 "from dlfs.nn.functional import softmax"),
        allowed=("dlfs.generate.sampling:top_k_filter", "dlfs.generate.sampling:top_p_filter",
                 "dlfs.nn.functional.activation:softmax"),
        cases=choose_next_cases,
        mutants={"multiplies by the temperature": _choose_multiplies,
                 "filters before the temperature": _choose_filters_first,
                 "greedy ids of shape (B,)": _choose_flat_ids},
        hints=(("Greedy is logits.argmax(dim=-1, keepdim=True): keepdim gives the (B, 1) shape.",
                "贪心就是 logits.argmax(dim=-1, keepdim=True)：keepdim 保证形状为 (B, 1)。"),
               ("The temperature changes which tokens form the nucleus, so divide before "
                "filtering; -inf logits get probability 0 after softmax.",
                "温度会改变核集合里有哪些词，所以要先除以温度再过滤；-inf 的 logits 经过 softmax "
                "后概率为 0。"),
               ("torch.multinomial(probs, num_samples=1, generator=generator) returns (B, 1).",
                "torch.multinomial(probs, num_samples=1, generator=generator) 返回 (B, 1)。")),
    ),
    Exercise(
        id="repetition_penalty", entry="apply_repetition_penalty", lesson="decoding-strategies",
        at=("topics:inference", "book:10"),
        title=("Repetition penalty", "重复惩罚"),
        task=("Make tokens that already occur in the generated text less likely (the CTRL "
              "rule). logits (B, V) are the next-token logits, idx (B, T) int64 the tokens so "
              "far. For every token that appears in row b of idx (once or several times: it is "
              "penalized once), a positive logit is divided by penalty and a negative one "
              "multiplied by it, so for penalty > 1 both move down (0 stays 0). Other logits are "
              "unchanged. Return a new (B, V) tensor (gradients flow through); penalty = 1 "
              "returns the logits as they are, and penalty <= 0 raises ValueError.",
              "让已经出现在生成文本中的词变得不太可能（CTRL 的做法）。logits (B, V) 是下一个词的 "
              "logits，idx (B, T)（int64）是目前为止的词。对第 b 行 idx "
              "中出现过的每个词（出现一次或多次都只惩罚一次）：正的 logit 除以 penalty，负的乘以 "
              "penalty，这样当 penalty > 1 时两者都会变小（0 保持为 0）。其余 logits "
              "不变。返回新的 (B, V) 张量（梯度可以传回）；penalty = 1 时原样返回 logits，penalty "
              "<= 0 时抛出 ValueError。"),
        stub='''
            def apply_repetition_penalty(logits: Tensor, idx: Tensor, penalty: float) -> Tensor:
                """logits (B, V), idx (B, T) int64 -> penalized logits (B, V)."""
        ''',
        reference="dlfs.generate.sampling:apply_repetition_penalty",
        cases=repetition_penalty_cases,
        mutants={"penalizes every token": _penalty_everywhere,
                 "penalizes once per occurrence": _penalty_per_occurrence,
                 "divides negative logits too": _penalty_divides_all},
        hints=(("Mark the seen tokens first: a (B, V) boolean mask, "
                "torch.zeros_like(logits, dtype=torch.bool).scatter(1, idx, True).",
                "先标出见过的词：一个 (B, V) 的布尔掩码，"
                "torch.zeros_like(logits, dtype=torch.bool).scatter(1, idx, True)。"),
               ("torch.where(logits > 0, logits / penalty, logits * penalty) is the penalised "
                "row; torch.where(mask, penalised, logits) keeps the others. Gathering the seen "
                "logits and scattering them back also gives the right values, but a token seen "
                "n times then gets n times the gradient.",
                "torch.where(logits > 0, logits / penalty, logits * penalty) 是惩罚后的值；"
                "torch.where(mask, penalised, logits) 保留其余的词。先 gather 再 scatter 写回，"
                "值是对的，但出现 n 次的词会得到 n 倍的梯度。")),
    ),
    Exercise(
        id="beam_search", entry="beam_search", lesson="decoding-strategies",
        at=("topics:inference", "book:8"),
        title=("Beam search with a length penalty", "带长度惩罚的束搜索"),
        task=("Search for likely continuations with a model given as a function: "
              "next_log_probs(seqs) takes a list of N token tuples (all of one length; the "
              "first call gets [()]) and returns a float64 tensor (N, V) of next-token "
              "log-probabilities. Start from one empty sequence with log-probability 0. At each "
              "of max_new_tokens steps, extend every live sequence by every token, adding the "
              "token's log-probability, and keep the beam_width best extensions overall by "
              "total log-probability. A kept extension is finished if its last token is eos_id "
              "or this is the last step; the others stay live (so fewer than beam_width may be "
              "live); stop early when none is live. Rank the finished sequences by the GNMT "
              "score logprob / ((5 + length) / 6) ** alpha, length = number of tokens, and "
              "return them all, best first, as (tokens tuple, logprob, score) tuples.",
              "用一个函数表示的模型来寻找可能的续写：next_log_probs(seqs) 接收 N "
              "个词元组组成的列表（长度都相同；第一次调用传入 [()]），返回下一个词的对数概率，形状"
              "为 (N, V) 的 float64 张量。从一个空序列开始，其对数概率为 0。在 max_new_tokens "
              "步中的每一步，把每个活跃序列用每个词延长一次，加上该词的对数概率，然后在所有延长结果"
              "中按总对数概率保留最好的 beam_width 个。保留下来的序列若最后一个词是 "
              "eos_id，或者这是最后一步，就算完成；其余的继续活跃（因此活跃的可能少于 beam_width "
              "个）；没有活跃序列时提前结束。已完成的序列按 GNMT 分数 logprob / ((5 + length) / 6) "
              "** alpha 排序（length 为词的个数），全部返回，最好的在前，每项为 (词元组, logprob, "
              "score)。"),
        stub='''
            def beam_search(next_log_probs, max_new_tokens: int, *, beam_width: int = 4,
                            alpha: float = 0.6, eos_id: int | None = None
                            ) -> list[tuple[tuple[int, ...], float, float]]:
                """next_log_probs(list of N tuples) -> (N, V) log-probs. Returns the finished
                (tokens, logprob, score), best score first."""
        ''',
        reference="dlfs.generate.beam:search",
        cases=beam_search_cases,
        mutants={"no length penalty": _beam_no_length_penalty,
                 "eos does not finish": _beam_ignores_eos,
                 "keeps the best per beam": _beam_top_per_beam},
        hints=(("Keep the live beams as a list of (tokens, logprob). One call "
                "next_log_probs([tokens for tokens, _ in live]) gives all their next-token rows.",
                "把活跃的束保存为 (tokens, logprob) 的列表。一次调用 "
                "next_log_probs([tokens for tokens, _ in live]) 就得到它们各自的下一词分布。"),
               ("total = logp + logprobs_of_beams[:, None] is (N, V); "
                "total.flatten().argsort(descending=True)[:beam_width] and divmod(flat, V) give "
                "(beam, token) of the best extensions.",
                "total = logp + 各束的对数概率[:, None]，形状 (N, V)；"
                "total.flatten().argsort(descending=True)[:beam_width] 再配合 divmod(flat, V) "
                "得到最好延长的 (束, 词)。"),
               ("Put finished ones aside with their score; at the end "
                "sorted(finished, key=lambda h: h[2], reverse=True).",
                "把完成的序列连同分数放到一边；最后用 "
                "sorted(finished, key=lambda h: h[2], reverse=True) 排序。")),
    ),
]
