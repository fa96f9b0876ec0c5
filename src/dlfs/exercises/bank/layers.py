"""Exercises on layers: Linear, Embedding, Dropout, activations and normalization layers
(PyTorch roadmap days 11, 22, 24; book ch. 2, 3, 5, 8, 10)."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..cases import Case, assert_close, fn_case, module_case, randn, watched
from ..schema import Exercise

# ---- Linear ----------------------------------------------------------------------------


def linear_cases(Linear):
    for (n_in, n_out), lead, bias in [((1, 1), (1,), True), ((3, 2), (4,), True),
                                      ((5, 7), (2, 3), False), ((4, 6), (), True)]:
        x = randn(*lead, n_in, seed=n_in)
        yield module_case(f"Linear({n_in}, {n_out}, bias={bias}), x {tuple(x.shape)}",
                          lambda n_in=n_in, n_out=n_out, bias=bias: Linear(n_in, n_out, bias),
                          lambda n_in=n_in, n_out=n_out, bias=bias: nn.Linear(n_in, n_out, bias),
                          x)


class _LinearBase(nn.Module):
    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))


class _LinearNoTranspose(_LinearBase):
    """Planted bug: x @ W instead of x @ W^T (only shape-correct when in == out)."""

    def forward(self, x):
        out = x @ self.weight
        return out if self.bias is None else out + self.bias


class _LinearBiasForgotten(_LinearBase):
    """Planted bug: the bias is created but never added."""

    def forward(self, x):
        return x @ self.weight.T


# ---- Embedding ---------------------------------------------------------------------------


def _embedding_ref(n: int, d: int, pad: int | None = None, pad_row: float | None = None):
    """A seeded nn.Embedding; ``pad_row`` overwrites the padding row (pretrained vectors)."""
    def make() -> nn.Module:
        torch.manual_seed(n * 10 + d)
        m = nn.Embedding(n, d, padding_idx=pad)
        if pad_row is not None:
            with torch.no_grad():
                m.weight[pad] = pad_row
        return m
    return make


def embedding_cases(Embedding):
    plain = [((4, 3), None, [2]),
             ((6, 4), None, [[1, 1, 4], [0, 1, 5]]),
             ((5, 3), 0, [[0, 2, 0, 4], [3, 3, 1, 0]]),
             ((7, 2), -1, [[[6, 1, 6], [2, 2, 0]], [[5, 6, 3], [1, 4, 4]]])]
    for (n, d), pad, ids in plain:
        ids = torch.tensor(ids)
        note = " (repeated ids)" if pad is None and ids.numel() > 1 else ""
        yield module_case(
            f"Embedding({n}, {d}, padding_idx={pad}), ids {tuple(ids.shape)}{note}",
            lambda n=n, d=d, pad=pad: Embedding(n, d, padding_idx=pad),
            _embedding_ref(n, d, pad), ids)

    def fresh_init() -> None:
        n, d, pad = 1000, 8, 3
        emb = Embedding(n, d, padding_idx=pad)
        w = getattr(emb, "weight", None)
        if not isinstance(w, nn.Parameter) or tuple(w.shape) != (n, d):
            raise AssertionError(f"Embedding({n}, {d}).weight must be an nn.Parameter of shape "
                                 f"{(n, d)}, got {type(w).__name__} "
                                 f"{tuple(w.shape) if isinstance(w, torch.Tensor) else ''}")
        w = w.detach().double()
        if bool(w[pad].ne(0).any()):
            raise AssertionError(f"row padding_idx={pad} must start as zeros, got "
                                 f"{w[pad].tolist()}")
        rest = torch.cat([w[:pad], w[pad + 1:]])
        mean, std = float(rest.mean()), float(rest.std())
        if abs(mean) > 0.1 or abs(std - 1) > 0.1:
            raise AssertionError(f"the other rows should be drawn from N(0, 1): over "
                                 f"{rest.numel()} values mean {mean:.3f} (expected 0 ± 0.1), "
                                 f"std {std:.3f} (expected 1 ± 0.1)")
    yield Case("fresh Embedding(1000, 8, padding_idx=3): weights ~ N(0, 1), row 3 zero",
               fresh_init)

    ids = torch.tensor([[2, 0, 1], [0, 0, 3]])
    yield module_case("Embedding(4, 3, padding_idx=0) whose padding row holds ones "
                      "(as after loading pretrained vectors), ids (2, 3)",
                      lambda: Embedding(4, 3, padding_idx=0),
                      _embedding_ref(4, 3, 0, pad_row=1.0), ids)


class _EmbeddingBase(nn.Module):
    def __init__(self, num_embeddings: int, embedding_dim: int,
                 padding_idx: int | None = None) -> None:
        super().__init__()
        if padding_idx is not None and padding_idx < 0:
            padding_idx += num_embeddings
        self.padding_idx = padding_idx
        self.weight = nn.Parameter(torch.randn(num_embeddings, embedding_dim))
        if padding_idx is not None:
            with torch.no_grad():
                self.weight[padding_idx] = 0


class _EmbeddingPadGetsGrad(_EmbeddingBase):
    """Planted bug: plain indexing, so the padding row is trained like any other."""

    def forward(self, ids):
        return self.weight[ids]


class _EmbeddingPadMaskedOut(_EmbeddingBase):
    """Planted bug: multiplies padding positions by 0 instead of stopping the gradient (the
    output is zero even when the padding row is not)."""

    def forward(self, ids):
        out = self.weight[ids]
        if self.padding_idx is None:
            return out
        return out * (ids != self.padding_idx).unsqueeze(-1)


class _GatherOverwrite(torch.autograd.Function):
    """weight[ids] with a hand-written backward that assigns instead of accumulating."""

    @staticmethod
    def forward(ctx, weight, ids):
        ctx.save_for_backward(ids)
        ctx.rows = weight.shape[0]
        return weight[ids]

    @staticmethod
    def backward(ctx, g):
        (ids,) = ctx.saved_tensors
        dw = g.new_zeros(ctx.rows, g.shape[-1])
        dw[ids.reshape(-1)] = g.reshape(-1, g.shape[-1])  # a repeated id keeps one row only
        return dw, None


class _EmbeddingGradOverwritten(_EmbeddingBase):
    """Planted bug: the backward writes each id's gradient instead of adding them up."""

    def forward(self, ids):
        out = _GatherOverwrite.apply(self.weight, ids)
        if self.padding_idx is None:
            return out
        return torch.where((ids == self.padding_idx).unsqueeze(-1), out.detach(), out)


# ---- Dropout -----------------------------------------------------------------------------


def _check_kept_or_zero(x: torch.Tensor, out: torch.Tensor, p: float, where: str) -> None:
    """Every element of ``out`` is 0 or x / (1 - p); the message names the worst one."""
    if not isinstance(out, torch.Tensor) or out.shape != x.shape or out.dtype != x.dtype:
        got = (f"{tuple(out.shape)} {out.dtype}" if isinstance(out, torch.Tensor)
               else type(out).__name__)
        raise AssertionError(f"{where}: expected a tensor {tuple(x.shape)} {x.dtype}, got {got}")
    out, x = out.detach(), x.detach()
    keep = out != 0
    want = torch.where(keep, x / (1 - p), torch.zeros_like(x))
    err = (out - want).abs() / want.abs().clamp(min=1e-30)
    i = int(err.flatten().argmax())
    tol = 1e-5 if x.dtype == torch.float32 else 1e-9
    if float(err.flatten()[i]) > tol:
        xi, oi = float(x.flatten()[i]), float(out.flatten()[i])
        raise AssertionError(f"{where}: each element must be 0 (dropped) or x / (1 - p) = "
                             f"{1 / (1 - p):.4g} * x (kept); element {i} is {oi:.6g} for x = "
                             f"{xi:.6g}, i.e. {oi / xi:.4g} * x")


def dropout_cases(Dropout):
    for p, shape in [(0.5, (1, 4)), (0.2, (2, 3, 5))]:
        yield module_case(f"eval mode, Dropout({p}), x {shape}: the identity",
                          lambda p=p: Dropout(p), lambda p=p: nn.Dropout(p),
                          randn(*shape, seed=len(shape)), train=False)
    yield module_case("train mode, Dropout(0.0), x (3, 4): the identity",
                      lambda: Dropout(0.0), lambda: nn.Dropout(0.0), randn(3, 4, seed=3))
    yield module_case("train mode, Dropout(1.0), x (3, 4): all zeros, zero gradient",
                      lambda: Dropout(1.0), lambda: nn.Dropout(1.0), randn(3, 4, seed=4))

    def small_float32() -> None:
        torch.manual_seed(0)
        x = randn(3, 5, seed=5, dtype=torch.float32)
        out = watched(lambda: Dropout(0.5).train()(x))()
        _check_kept_or_zero(x, out, 0.5, "train mode, p=0.5, float32")
    yield Case("train mode, Dropout(0.5), x (3, 5) float32: zeros or x / (1 - p), dtype kept",
               small_float32)

    def large() -> None:
        p, n = 0.3, 200
        torch.manual_seed(1)
        drop = Dropout(p).train()
        x = randn(n, n, seed=6).requires_grad_(True)
        out = watched(lambda: drop(x))()
        _check_kept_or_zero(x, out, p, f"train mode, p={p}")
        kept = float((out != 0).double().mean())
        if abs(kept - (1 - p)) > 0.015:   # 6 standard deviations at n * n = 40000 draws
            raise AssertionError(f"train mode, p={p}: kept {kept:.4f} of {n * n} elements, "
                                 f"expected 1 - p = {1 - p:.2f} ± 0.015")
        if not out.requires_grad:
            raise AssertionError("train mode: the output is cut from the graph (no grad_fn)")
        g = randn(n, n, seed=7)
        watched(lambda: out.backward(g))()
        want = g * (out.detach() != 0) / (1 - p)
        assert_close(x.grad, want, f"train mode, p={p}: grad of x (upstream * mask / (1 - p), "
                     "the mask of the forward pass)")
    yield Case("train mode, Dropout(0.3), x (200, 200): survivors scaled, 70% ± 1.5% kept, "
               "gradient = mask / (1 - p)", large)

    def fresh_masks() -> None:
        torch.manual_seed(2)
        drop = Dropout(0.5).train()
        x = randn(200, 200, seed=8)
        a, b = watched(lambda: drop(x))(), watched(lambda: drop(x))()
        if torch.equal(a != 0, b != 0):
            raise AssertionError("two forward passes in train mode dropped exactly the same "
                                 "elements of a (200, 200) input: draw a new mask every call")
    yield Case("train mode, Dropout(0.5), x (200, 200) twice: a new mask every call",
               fresh_masks)


class _DropoutBase(nn.Module):
    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p


class _DropoutNoRescale(_DropoutBase):
    """Planted bug: survivors are not scaled by 1 / (1 - p)."""

    def forward(self, x):
        if not self.training:
            return x
        return x * (torch.rand_like(x) >= self.p)


class _DropoutAlsoInEval(_DropoutBase):
    """Planted bug: ignores self.training, so eval mode drops too."""

    def forward(self, x):
        if self.p == 1:
            return x * 0
        return x * (torch.rand_like(x) >= self.p) / (1 - self.p)


class _DropoutKeepsP(_DropoutBase):
    """Planted bug: keeps an element with probability p (instead of 1 - p)."""

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return x * 0
        return x * (torch.rand_like(x) < self.p) / (1 - self.p)


# ---- Activations -------------------------------------------------------------------------

_ACT_INPUTS = [("x (1,)", lambda: randn(1, seed=1)),
               ("x (3, 5)", lambda: randn(3, 5, seed=2, scale=2.0)),
               ("x (2, 3, 7)", lambda: randn(2, 3, 7, seed=3, scale=3.0))]


def _activation_cases(impl, ref, special):
    for name, make in _ACT_INPUTS:
        yield fn_case(f"{name} float64", impl, ref, make())
    for name, x in special:
        yield fn_case(name, impl, ref, x)


def relu_cases(relu):
    zeros = torch.tensor([[-2.0, 0.0, 1.5], [0.0, -0.0, 3.0]], dtype=torch.float64)
    yield from _activation_cases(relu, torch.nn.functional.relu,
                                 [("x (2, 3) with exact zeros (gradient 0 there)", zeros)])


def gelu_cases(gelu):
    far = torch.tensor([-40.0, -6.0, -0.5, 0.0, 0.5, 6.0, 40.0], dtype=torch.float64)
    yield from _activation_cases(gelu, torch.nn.functional.gelu,
                                 [("x (7,) from -40 to 40", far)])


def silu_cases(silu):
    far = torch.tensor([-800.0, -100.0, -30.0, 0.0, 30.0, 100.0, 800.0], dtype=torch.float64)
    yield from _activation_cases(silu, torch.nn.functional.silu,
                                 [("x (7,) from -800 to 800 (exp overflows past 709)", far)])


def _relu_clamp(x):
    """Planted bug: clamp passes the gradient 1 at x = 0 (torch's relu passes 0)."""
    return x.clamp(min=0)


def _relu_leaky(x):
    """Planted bug: a small slope for negative inputs."""
    return torch.where(x > 0, x, 0.01 * x)


def _gelu_tanh(x):
    """Planted bug: the tanh approximation instead of the exact erf form."""
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _gelu_no_half(x):
    """Planted bug: forgot the 1/2 of Phi(x) = (1 + erf(x / sqrt 2)) / 2."""
    return x * (1 + torch.erf(x / math.sqrt(2)))


def _gelu_no_sqrt2(x):
    """Planted bug: erf(x) instead of erf(x / sqrt 2)."""
    return 0.5 * x * (1 + torch.erf(x))


def _silu_naive(x):
    """Planted bug: 1 / (1 + exp(-x)) overflows for x < -709, and the gradient becomes nan."""
    return x / (1 + torch.exp(-x))


def _silu_sigmoid_only(x):
    """Planted bug: returns sigmoid(x), forgetting the factor x."""
    return torch.sigmoid(x)


# ---- BatchNorm ---------------------------------------------------------------------------


def _bn_ref(cls, c: int, seed: int, **kw):
    """A torch BatchNorm with random weight, bias and running statistics."""
    def make() -> nn.Module:
        m = cls(c, **kw)
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            m.weight.copy_(1 + 0.5 * torch.randn(c, generator=gen))
            m.bias.copy_(torch.randn(c, generator=gen))
            m.running_mean.copy_(torch.randn(c, generator=gen))
            m.running_var.copy_(0.5 + torch.rand(c, generator=gen))
        return m
    return make


def _bn_sequence(ours_cls, ref_cls, shape: tuple[int, ...], steps: int):
    """Train both modules on ``steps`` batches, then evaluate one: outputs and buffers equal
    after every step."""
    def run() -> None:
        c = shape[1]
        ref = _bn_ref(ref_cls, c, 11)().double()
        ours = ours_cls(c).double()
        ours.load_state_dict(ref.state_dict())
        for step in range(steps + 1):
            mode = "train" if step < steps else "eval"
            ref.train(step < steps)
            ours.train(step < steps)
            x = randn(*shape, seed=100 + step, scale=2.0) + step
            out = watched(lambda x=x: ours(x))()
            with torch.no_grad():
                want = ref(x)
            assert_close(out.detach() if isinstance(out, torch.Tensor) else out, want,
                         f"output of {mode} step {step + 1}")
            for name, buf in ref.named_buffers():
                got = dict(ours.named_buffers()).get(name)
                if got is None:
                    raise AssertionError(f"buffer {name!r} is missing")
                assert_close(got.detach(), buf, f"buffer {name!r} after {mode} step {step + 1}")
    return run


def _bn_cases(BatchNorm, ref_cls, train_shapes, eval_shapes, seq_shape):
    for shape, kw in train_shapes:
        opts = "".join(f", {k}={v}" for k, v in kw.items())
        yield module_case(f"train, x {shape}{opts}",
                          lambda c=shape[1], kw=kw: BatchNorm(c, **kw),
                          _bn_ref(ref_cls, shape[1], len(shape) + shape[0], **kw),
                          randn(*shape, seed=sum(shape), scale=2.0) + 1)
    for shape in eval_shapes:
        yield module_case(f"eval (running statistics), x {shape}",
                          lambda c=shape[1]: BatchNorm(c),
                          _bn_ref(ref_cls, shape[1], 7), randn(*shape, seed=9), train=False)
    yield Case(f"3 train steps then eval, x {seq_shape}: outputs and running statistics",
               _bn_sequence(BatchNorm, ref_cls, seq_shape, 3))


def batch_norm1d_cases(BatchNorm1d):
    yield from _bn_cases(BatchNorm1d, nn.BatchNorm1d,
                         [((2, 3), {}), ((1, 2, 5), {}), ((6, 4), {}),
                          ((5, 3, 4), {"eps": 1e-3, "momentum": 0.3})],
                         [(1, 3), (3, 2, 4)], (4, 3))


def batch_norm2d_cases(BatchNorm2d):
    yield from _bn_cases(BatchNorm2d, nn.BatchNorm2d,
                         [((2, 3, 2, 2), {}), ((1, 2, 3, 3), {}),
                          ((4, 3, 5, 3), {"eps": 1e-3, "momentum": 0.3})],
                         [(1, 3, 2, 2), (2, 4, 3, 3)], (3, 2, 4, 4))


class _BatchNormSketch(nn.Module):
    """A from-scratch batch norm whose switches plant one bug each."""

    biased_running = False        # running_var takes the biased variance
    unbiased_normalise = False    # normalises with the unbiased variance
    update = True                 # moves the running statistics
    eval_batch_stats = False      # eval mode still uses the batch statistics
    per_position = False          # normalises over the batch only, separately per pixel
    swapped_momentum = False      # running = m * running + (1 - m) * batch

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0))

    def forward(self, x):
        shape = [1, -1] + [1] * (x.dim() - 2)
        per_channel = [0, *range(2, x.dim())]
        dims = [0] if self.per_position else per_channel
        if self.training or self.eval_batch_stats:
            mean = x.mean(dims, keepdim=True)
            var = x.var(dims, unbiased=self.unbiased_normalise, keepdim=True)
        else:
            mean, var = self.running_mean.view(shape), self.running_var.view(shape)
        if self.training:
            self.num_batches_tracked += 1
            m = 1 - self.momentum if self.swapped_momentum else self.momentum
            if self.update:
                with torch.no_grad():
                    batch_var = x.var(per_channel, unbiased=not self.biased_running)
                    self.running_mean.mul_(1 - m).add_(m * x.mean(per_channel))
                    self.running_var.mul_(1 - m).add_(m * batch_var)
        y = (x - mean) / torch.sqrt(var + self.eps)
        return y * self.weight.view(shape) + self.bias.view(shape)


class _BNBiasedRunningVar(_BatchNormSketch):
    """Planted bug: running_var is fed the biased variance (divides by n, not n - 1)."""

    biased_running = True


class _BNNoRunningUpdate(_BatchNormSketch):
    """Planted bug: the running statistics are never updated (only the counter is)."""

    update = False


class _BNEvalBatchStats(_BatchNormSketch):
    """Planted bug: eval mode normalises with the batch statistics too."""

    eval_batch_stats = True


class _BNPerPixel(_BatchNormSketch):
    """Planted bug: statistics over the batch dimension only, one per (channel, pixel)."""

    per_position = True


class _BNUnbiasedNormalise(_BatchNormSketch):
    """Planted bug: normalises with the unbiased variance (the running one is right)."""

    unbiased_normalise = True


class _BNSwappedMomentum(_BatchNormSketch):
    """Planted bug: running = momentum * running + (1 - momentum) * batch."""

    swapped_momentum = True


# ---- LayerNorm, RMSNorm, GroupNorm -------------------------------------------------------


def _affine_ref(make, seed: int, bias: bool = True):
    """``make()`` (a torch norm layer) with random weight (and bias)."""
    def build() -> nn.Module:
        m = make()
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            m.weight.copy_(1 + 0.5 * torch.randn(m.weight.shape, generator=gen))
            if bias:
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen))
        return m
    return build


def layer_norm_cases(LayerNorm):
    for shape, norm, eps, scale in [((1, 4), 4, None, 1.0), ((2, 3, 5), 5, None, 2.0),
                                    ((2, 3, 4), (3, 4), None, 1.0),
                                    ((3, 6), 6, 1e-3, 0.01)]:
        kw = {} if eps is None else {"eps": eps}
        note = ", values ~0.01 (eps matters)" if scale < 1 else ""
        yield module_case(
            f"LayerNorm({norm}{''.join(f', eps={v}' for v in kw.values())}), x {shape}{note}",
            lambda norm=norm, kw=kw: LayerNorm(norm, **kw),
            _affine_ref(lambda norm=norm, kw=kw: nn.LayerNorm(norm, **kw), len(shape)),
            randn(*shape, seed=sum(shape), scale=scale) + 0.5 * scale)


def rms_norm_cases(RMSNorm):
    for shape, norm, eps, scale in [((1, 4), 4, None, 1.0), ((2, 3, 5), 5, 1e-6, 2.0),
                                    ((2, 2, 3), (2, 3), 1e-5, 1.0),
                                    ((3, 6), 6, 1e-3, 0.01), ((2, 5), 5, None, 1e-4)]:
        kw = {} if eps is None else {"eps": eps}
        if eps is None:
            note = " (eps=None: float64 machine epsilon)"
            note += ", values ~1e-4" if scale < 1 else ""
        else:
            note = ", values ~0.01 (eps matters)" if scale < 1 else ""
        yield module_case(
            f"RMSNorm({norm}{''.join(f', eps={v}' for v in kw.values())}), x {shape}{note}",
            lambda norm=norm, kw=kw: RMSNorm(norm, **kw),
            _affine_ref(lambda norm=norm, kw=kw: nn.RMSNorm(norm, **kw), len(shape),
                        bias=False),
            randn(*shape, seed=sum(shape), scale=scale) + 0.5 * scale)


def group_norm_cases(GroupNorm):
    for (g, c), shape, eps in [((2, 4), (3, 4), None), ((2, 4), (1, 4, 3), None),
                               ((1, 3), (2, 3, 5), None), ((3, 6), (2, 6, 2, 3), None),
                               ((4, 4), (3, 4, 5), None), ((2, 6), (2, 6, 4), 1e-2)]:
        kw = {} if eps is None else {"eps": eps}
        opts = "".join(f", eps={v}" for v in kw.values())
        yield module_case(
            f"GroupNorm({g}, {c}{opts}), x {shape}",
            lambda g=g, c=c, kw=kw: GroupNorm(g, c, **kw),
            _affine_ref(lambda g=g, c=c, kw=kw: nn.GroupNorm(g, c, **kw), g + c),
            randn(*shape, seed=sum(shape), scale=0.2 if eps else 1.5) + 1)


class _LayerNormSketch(nn.Module):
    """A from-scratch layer norm whose switches plant one bug each."""

    unbiased = False
    eps_outside = False
    last_dim_only = False

    def __init__(self, normalized_shape, eps: float = 1e-5) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.shape, self.eps = tuple(shape), eps
        self.weight = nn.Parameter(torch.ones(self.shape))
        self.bias = nn.Parameter(torch.zeros(self.shape))

    def forward(self, x):
        dims = (-1,) if self.last_dim_only else tuple(range(-len(self.shape), 0))
        mean = x.mean(dims, keepdim=True)
        var = x.var(dims, unbiased=self.unbiased, keepdim=True)
        if self.eps_outside:
            y = (x - mean) / (var.sqrt() + self.eps)
        else:
            y = (x - mean) / torch.sqrt(var + self.eps)
        return y * self.weight + self.bias


class _LNUnbiased(_LayerNormSketch):
    """Planted bug: unbiased variance (divides by n - 1)."""

    unbiased = True


class _LNEpsOutside(_LayerNormSketch):
    """Planted bug: (x - mean) / (std + eps) instead of / sqrt(var + eps)."""

    eps_outside = True


class _LNLastDimOnly(_LayerNormSketch):
    """Planted bug: statistics over the last dimension even for a 2-D normalized_shape."""

    last_dim_only = True


class _RMSNormSketch(nn.Module):
    """A from-scratch RMSNorm whose switches plant one bug each."""

    centred = False
    use_sum = False

    def __init__(self, normalized_shape, eps: float | None = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.shape, self.eps = tuple(shape), eps
        self.weight = nn.Parameter(torch.ones(self.shape))

    def forward(self, x):
        dims = tuple(range(-len(self.shape), 0))
        eps = torch.finfo(x.dtype).eps if self.eps is None else self.eps
        if self.centred:
            x = x - x.mean(dims, keepdim=True)
        sq = (x * x).sum(dims, keepdim=True) if self.use_sum else (x * x).mean(dims,
                                                                             keepdim=True)
        return x / torch.sqrt(sq + eps) * self.weight


class _RMSCentred(_RMSNormSketch):
    """Planted bug: subtracts the mean first (that is LayerNorm without a bias)."""

    centred = True


class _RMSSum(_RMSNormSketch):
    """Planted bug: the root of the sum of squares instead of their mean."""

    use_sum = True


class _RMSEps1e6(_RMSNormSketch):
    """Planted bug: eps=None taken as 1e-6 instead of the dtype's machine epsilon."""

    def __init__(self, normalized_shape, eps: float | None = None) -> None:
        super().__init__(normalized_shape, 1e-6 if eps is None else eps)


class _GroupNormSketch(nn.Module):
    """A from-scratch group norm whose switches plant one bug each."""

    interleaved = False
    unbiased = False

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.groups, self.eps = num_groups, eps
        self.weight = nn.Parameter(torch.ones(num_channels))
        self.bias = nn.Parameter(torch.zeros(num_channels))

    def forward(self, x):
        b, c, g = x.shape[0], x.shape[1], self.groups
        if self.interleaved:   # channel k goes to group k % g
            xg = x.reshape(b, c // g, g, -1).transpose(1, 2).reshape(b, g, -1)
        else:
            xg = x.reshape(b, g, -1)
        mean = xg.mean(-1, keepdim=True)
        var = xg.var(-1, unbiased=self.unbiased, keepdim=True)
        yg = (xg - mean) / torch.sqrt(var + self.eps)
        if self.interleaved:
            y = yg.reshape(b, g, c // g, -1).transpose(1, 2).reshape(x.shape)
        else:
            y = yg.reshape(x.shape)
        shape = [1, -1] + [1] * (x.dim() - 2)
        return y * self.weight.view(shape) + self.bias.view(shape)


class _GNInterleaved(_GroupNormSketch):
    """Planted bug: channel k put in group k % num_groups instead of consecutive blocks."""

    interleaved = True


class _GNUnbiased(_GroupNormSketch):
    """Planted bug: unbiased variance (divides by n - 1)."""

    unbiased = True


EXERCISES = [
    Exercise(
        id="linear", entry="Linear", lesson="module-basics", at=("book:2",),
        title=("A Linear layer", "全连接层 Linear"),
        task=("Write Linear(in_features, out_features, bias=True) as an nn.Module with "
              "parameters `weight` of shape (out_features, in_features) and `bias` of shape "
              "(out_features,) (or None), initialised like torch's. forward maps "
              "(*, in_features) to (*, out_features): y = x W^T + b.",
              "把 Linear(in_features, out_features, bias=True) 写成 nn.Module："
              "参数 weight 形状为 (out_features, in_features)，bias 形状为 (out_features,)（或 "
              "None），初始化方式与 torch 相同。forward 把 (*, in_features) 映射为 (*, "
              "out_features)：y = x W^T + b。"),
        stub='''
            class Linear(nn.Module):
                def __init__(self, in_features: int, out_features: int, bias: bool = True):
                    """Create self.weight (out, in) and self.bias (out,) or None."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """(*, in_features) -> (*, out_features)"""
        ''',
        reference="dlfs.nn.linear:Linear",
        cases=linear_cases,
        mutants={"weight not transposed": _LinearNoTranspose,
                 "bias never added": _LinearBiasForgotten},
        hints=(("Parameters are nn.Parameter(torch.empty(...)); without a bias, "
                "self.register_parameter('bias', None) keeps the attribute.",
                "参数用 nn.Parameter(torch.empty(...)) 创建；没有 bias 时用 "
                "self.register_parameter('bias', None) 保留这个属性。"),
               ("The weight is stored (out, in), so the product is x @ self.weight.T; "
                "@ handles any leading dimensions.",
                "权重按 (out, in) 存放，所以乘法是 x @ self.weight.T；"
                "@ 会自动处理前面的任意维度。")),
    ),
    Exercise(
        id="embedding", entry="Embedding", lesson="embedding-positional",
        at=("pytorch:22", "book:8"),
        title=("An Embedding table with a padding id", "带 padding 的 Embedding 查表层"),
        task=("Write Embedding(num_embeddings, embedding_dim, padding_idx=None) as an nn.Module "
              "holding one parameter `weight` of shape (num_embeddings, embedding_dim), drawn "
              "from N(0, 1). forward maps integer ids of any shape (*) to (*, embedding_dim): "
              "out[..., :] = weight[ids[...], :]. An id used several times adds up the "
              "gradients of all its uses in its row. If padding_idx is given (a negative one "
              "counts from the end, like a Python index), that row starts as zeros and never "
              "receives a gradient; its current value is still what the lookup returns.",
              "把 Embedding(num_embeddings, embedding_dim, padding_idx=None) 写成 nn.Module，"
              "唯一的参数 weight 形状为 (num_embeddings, embedding_dim)，按 N(0, 1) 初始化。"
              "forward 接收任意形状 (*) 的整数 id，输出 (*, embedding_dim)：out[..., :] = "
              "weight[ids[...], :]。同一个 id 出现多次时，它那一行的梯度是每次使用的梯度之和。"
              "给定 padding_idx 时（负数像 Python 下标一样从末尾数），这一行初始为全零，"
              "并且永远得不到梯度；但查表时返回的仍是这一行当前的值。"),
        stub='''
            class Embedding(nn.Module):
                def __init__(self, num_embeddings: int, embedding_dim: int,
                             padding_idx: int | None = None):
                    """self.weight (num_embeddings, embedding_dim) ~ N(0, 1); the padding
                    row (if any) starts at zero."""
                    super().__init__()

                def forward(self, ids: Tensor) -> Tensor:
                    """ids (*) int64 -> (*, embedding_dim)"""
        ''',
        reference="dlfs.nn.embedding:Embedding",
        cases=embedding_cases,
        mutants={"the padding row gets a gradient": _EmbeddingPadGetsGrad,
                 "padding positions multiplied by 0": _EmbeddingPadMaskedOut,
                 "repeated ids overwrite instead of accumulate": _EmbeddingGradOverwritten},
        hints=(("Indexing a (V, D) tensor with an integer tensor of shape (*) gives (*, D), and "
                "autograd already adds up the gradient of a row picked several times.",
                "用形状为 (*) 的整数张量去索引 (V, D) 的张量，得到 (*, D)；同一行被取多次时，"
                "autograd 会自动把梯度累加起来。"),
               ("To stop the gradient at padding positions without changing the value, choose "
                "between out and out.detach() with torch.where on a mask (ids == padding_idx).",
                "要在 padding 位置截断梯度而不改变数值，可以用 torch.where 按掩码 (ids == "
                "padding_idx) 在 out 和 out.detach() 之间选择。"),
               ("Normalise a negative padding_idx once in __init__: padding_idx += num_embeddings.",
                "在 __init__ 里把负的 padding_idx 先换算好：padding_idx += num_embeddings。")),
    ),
    Exercise(
        id="dropout", entry="Dropout", lesson="train-eval-modes", at=("pytorch:11", "book:3"),
        title=("Inverted dropout, train and eval", "反向缩放的 Dropout（训练与评估模式）"),
        task=("Write Dropout(p) as an nn.Module. In train mode (self.training is True) zero "
              "each element independently with probability p, with a fresh random mask on "
              "every call, and multiply the elements that survive by 1 / (1 - p), so the "
              "expected output equals the input: y = x * m / (1 - p), m ~ Bernoulli(1 - p). "
              "p = 0 returns the input unchanged and p = 1 returns zeros (no division by 0). "
              "In eval mode return the input unchanged. The shape and dtype are kept; the "
              "gradient is the same mask divided by (1 - p).",
              "把 Dropout(p) 写成 nn.Module。训练模式（self.training 为 True）下，"
              "每个元素独立地以概率 p 置零，每次调用都重新随机生成掩码；保留下来的元素乘以 1 / (1 "
              "- p)，使输出的期望等于输入：y = x * m / (1 - p)，m ~ Bernoulli(1 - p)。"
              "p = 0 时原样返回输入，p = 1 时返回全零（不要除以 0）。评估模式下原样返回输入。"
              "形状和 dtype 保持不变；梯度就是同一个掩码再除以 (1 - p)。"),
        stub='''
            class Dropout(nn.Module):
                def __init__(self, p: float = 0.5):
                    """p: the probability of zeroing an element."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """x any shape -> same shape; random in train mode, identity in eval."""
        ''',
        reference="dlfs.nn.dropout:Dropout",
        cases=dropout_cases,
        mutants={"survivors not rescaled": _DropoutNoRescale,
                 "drops in eval mode too": _DropoutAlsoInEval,
                 "keeps with probability p": _DropoutKeepsP},
        hints=(("nn.Module keeps the mode in self.training; model.eval() sets it to False.",
                "nn.Module 用 self.training 记录当前模式；model.eval() 会把它设为 False。"),
               ("A keep-mask: torch.rand_like(x) >= p is True with probability 1 - p; it is a "
                "bool tensor, and x * mask keeps x's dtype.",
                "保留掩码：torch.rand_like(x) >= p 为 True 的概率是 1 - p；它是 bool 张量，"
                "x * mask 不会改变 x 的 dtype。"),
               ("Handle p == 1 before dividing: return x * 0 so the graph still exists.",
                "在做除法之前单独处理 p == 1：返回 x * 0，这样计算图仍然保留。")),
    ),
    Exercise(
        id="relu", entry="relu", lesson="universal-approximation", at=("book:2",),
        title=("ReLU", "ReLU 激活函数"),
        task=("Write relu(x) = max(x, 0) elementwise for a tensor of any shape, returning the "
              "same shape. Its gradient is 1 where x > 0 and 0 where x <= 0 (at exactly 0 "
              "torch also uses 0).",
              "实现逐元素的 relu(x) = max(x, 0)，输入任意形状，输出同样形状。梯度在 x > 0 处为 1，"
              "在 x <= 0 处为 0（恰好等于 0 的地方，torch 也取 0）。"),
        stub='''
            def relu(x: Tensor) -> Tensor:
                """x any shape -> same shape"""
        ''',
        reference="dlfs.nn.functional.activation:relu",
        cases=relu_cases,
        mutants={"clamp: gradient 1 at zero": _relu_clamp, "leaky slope": _relu_leaky},
        hints=(("torch.where(condition, a, b) picks a where the condition holds, b elsewhere.",
                "torch.where(condition, a, b) 在条件成立处取 a，否则取 b。"),
               ("torch.where(x > 0, x, 0) has gradient 1 where x > 0 and 0 everywhere else, "
                "including x = 0.",
                "torch.where(x > 0, x, 0) 的梯度在 x > 0 处为 1，其余位置（包括 x = 0）为 0。")),
    ),
    Exercise(
        id="gelu", entry="gelu", lesson="universal-approximation", at=("book:2",),
        title=("GELU, the exact form", "GELU（精确的 erf 形式）"),
        task=("Write gelu(x) = x * Phi(x), where Phi is the standard normal CDF: "
              "Phi(x) = (1 + erf(x / sqrt(2))) / 2. Elementwise, any shape; not the tanh "
              "approximation.",
              "实现 gelu(x) = x * Φ(x)，其中 Φ 是标准正态分布的累积分布函数：Φ(x) = (1 + erf(x / "
              "√2)) / 2。逐元素计算，任意形状；不要用 tanh 近似。"),
        stub='''
            def gelu(x: Tensor) -> Tensor:
                """x any shape -> same shape"""
        ''',
        reference="dlfs.nn.functional.activation:gelu",
        cases=gelu_cases,
        mutants={"tanh approximation": _gelu_tanh, "forgot the 1/2": _gelu_no_half,
                 "erf(x) without / sqrt 2": _gelu_no_sqrt2},
        hints=(("torch.erf is a basic operation; autograd knows its derivative.",
                "torch.erf 是基本运算，autograd 知道它的导数。"),
               ("0.5 * x * (1 + torch.erf(x / math.sqrt(2)))",
                "0.5 * x * (1 + torch.erf(x / math.sqrt(2)))")),
    ),
    Exercise(
        id="silu", entry="silu", lesson="universal-approximation", at=("book:2",),
        title=("SiLU (swish)", "SiLU（Swish）激活函数"),
        task=("Write silu(x) = x * sigmoid(x), sigmoid(x) = 1 / (1 + exp(-x)), elementwise for "
              "any shape. Value and gradient must stay finite for large |x| (exp overflows "
              "float64 past 709).",
              "实现逐元素的 silu(x) = x * sigmoid(x)，其中 sigmoid(x) = 1 / (1 + exp(-x))，"
              "输入任意形状。|x| 很大时数值和梯度都必须是有限的"
              "（float64 的 exp 在 709 以上就会溢出）。"),
        stub='''
            def silu(x: Tensor) -> Tensor:
                """x any shape -> same shape"""
        ''',
        reference="dlfs.nn.functional.activation:silu",
        cases=silu_cases,
        mutants={"sigmoid overflows for x < -709": _silu_naive,
                 "forgot the factor x": _silu_sigmoid_only},
        hints=(("torch.sigmoid is a basic operation here (only the fused silu is refused), and "
                "it never overflows.",
                "这里 torch.sigmoid 算基本运算（只拒绝融合好的 silu），而且它不会溢出。"),
               ("Writing sigmoid yourself: exponentiate only -|x|, e = exp(-|x|), and take "
                "1 / (1 + e) where x >= 0, e / (1 + e) elsewhere.",
                "如果自己写 sigmoid：只对 -|x| 取指数，e = exp(-|x|)；x >= 0 处取 1 / (1 + e)，"
                "其余取 e / (1 + e)。")),
    ),
    Exercise(
        id="batch_norm1d", entry="BatchNorm1d", lesson="train-eval-modes",
        at=("pytorch:11", "book:5"),
        title=("BatchNorm1d with running statistics", "带滑动统计量的 BatchNorm1d"),
        task=("Write BatchNorm1d(num_features, eps=1e-5, momentum=0.1) for x of shape (B, C) or "
              "(B, C, L), normalising each channel c over the batch (and L). Parameters: weight "
              "(C,) ones, bias (C,) zeros; buffers: running_mean (C,) zeros, running_var (C,) "
              "ones, num_batches_tracked (an int64 scalar, 0). Train mode: mean and biased "
              "variance (divide by n) of the batch; y = (x - mean) / sqrt(var + eps) * weight + "
              "bias; then, without gradient, running = (1 - momentum) * running + momentum * "
              "batch value, using the UNBIASED variance (divide by n - 1) for running_var, and "
              "add 1 to num_batches_tracked. Eval mode: the same formula with running_mean and "
              "running_var, and nothing is updated.",
              "实现 BatchNorm1d(num_features, eps=1e-5, momentum=0.1)，输入形状 (B, C) 或 (B, C, "
              "L)，每个通道 c 在 batch（以及 L）上做归一化。参数：weight (C,) 初始为 1，"
              "bias (C,) 初始为 0；buffer：running_mean (C,) 为 0，running_var (C,) 为 1，"
              "num_batches_tracked 为 int64 标量 0。训练模式：用本批数据的均值和有偏方差（除以 "
              "n），y = (x - mean) / sqrt(var + eps) * weight + bias；"
              "然后在不记录梯度的情况下更新 running = (1 - momentum) * running + momentum * 本批统"
              "计量，其中 running_var 用的是无偏方差（除以 n - 1），并把 num_batches_tracked 加 1。"
              "评估模式：用同一个公式，但换成 running_mean 和 running_var，且什么都不更新。"),
        stub='''
            class BatchNorm1d(nn.Module):
                def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
                    """weight, bias (C,); buffers running_mean, running_var (C,) and
                    num_batches_tracked (int64 scalar), registered with register_buffer."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """(B, C) or (B, C, L) -> same shape"""
        ''',
        reference="dlfs.nn.normalization:BatchNorm1d",
        cases=batch_norm1d_cases,
        mutants={"biased variance in running_var": _BNBiasedRunningVar,
                 "running statistics never updated": _BNNoRunningUpdate,
                 "eval mode uses batch statistics": _BNEvalBatchStats},
        hints=(("The statistics of channel c run over every dimension except dim 1: "
                "dims = [0, 2, ...]; reshape (C,) vectors to (1, C) or (1, C, 1) to broadcast.",
                "通道 c 的统计量在除第 1 维以外的所有维度上计算：dims = [0, 2, ...]；"
                "把 (C,) 的向量 reshape 成 (1, C) 或 (1, C, 1) 再广播。"),
               ("x.var(dims, unbiased=False) divides by n; the running variance wants "
                "unbiased=True. Update buffers in place under torch.no_grad(): "
                "self.running_mean.mul_(1 - m).add_(m * mean).",
                "x.var(dims, unbiased=False) 除以 n；滑动方差要用 unbiased=True。"
                "在 torch.no_grad() 下原地更新 buffer："
                "self.running_mean.mul_(1 - m).add_(m * mean)。"),
               ("Branch on self.training: batch statistics and the update in train mode, the "
                "running statistics alone in eval mode.",
                "按 self.training 分支：训练模式用本批统计量并更新滑动值；"
                "评估模式只用滑动统计量。")),
    ),
    Exercise(
        id="batch_norm2d", entry="BatchNorm2d", lesson="architecture-building-blocks",
        at=("pytorch:11", "book:5"),
        title=("BatchNorm2d for feature maps", "用于特征图的 BatchNorm2d"),
        task=("Write BatchNorm2d(num_features, eps=1e-5, momentum=0.1) for feature maps "
              "(B, C, H, W). Each channel has one mean and one variance, taken over B, H and W "
              "together (not one per pixel). Same parameters, buffers and rules as BatchNorm1d: "
              "weight/bias (C,); running_mean, running_var (C,) and num_batches_tracked; train "
              "mode normalises with the biased batch variance and moves the running statistics "
              "by momentum (running_var with the unbiased variance, n = B * H * W); eval mode "
              "uses the running statistics only.",
              "实现 BatchNorm2d(num_features, eps=1e-5, momentum=0.1)，输入特征图 (B, C, H, W)。"
              "每个通道只有一个均值和一个方差，在 B、H、W 上一起计算（不是每个像素各一个）。参数、"
              "buffer 和规则都与 BatchNorm1d 相同：weight/bias (C,)；running_mean、"
              "running_var (C,) 与 num_batches_tracked；训练模式用本批的有偏方差归一化，"
              "并按 momentum 更新滑动统计量（running_var 用无偏方差，n = B * H * W）；"
              "评估模式只用滑动统计量。"),
        stub='''
            class BatchNorm2d(nn.Module):
                def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
                    """weight, bias (C,); buffers running_mean, running_var (C,),
                    num_batches_tracked (int64 scalar)."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """(B, C, H, W) -> same shape"""
        ''',
        reference="dlfs.nn.normalization:BatchNorm2d",
        cases=batch_norm2d_cases,
        mutants={"statistics per pixel (over B only)": _BNPerPixel,
                 "normalises with the unbiased variance": _BNUnbiasedNormalise,
                 "momentum applied the wrong way round": _BNSwappedMomentum},
        hints=(("Reduce over dims (0, 2, 3) with keepdim=True: the mean has shape (1, C, 1, 1).",
                "在维度 (0, 2, 3) 上 keepdim=True 地求统计量：均值的形状是 (1, C, 1, 1)。"),
               ("n = B * H * W values per channel; unbiased = biased * n / (n - 1).",
                "每个通道有 n = B * H * W 个值；无偏方差 = 有偏方差 * n / (n - 1)。"),
               ("running = (1 - momentum) * running + momentum * batch: a small momentum means "
                "the running value changes slowly.",
                "running = (1 - momentum) * running + momentum * 本批值：momentum 越小，"
                "滑动值变得越慢。")),
    ),
    Exercise(
        id="layer_norm", entry="LayerNorm", lesson="transformer-block",
        at=("pytorch:24", "book:8"),
        title=("LayerNorm", "LayerNorm 层归一化"),
        task=("Write LayerNorm(normalized_shape, eps=1e-5). normalized_shape is an int or a "
              "tuple naming the trailing dimensions of x (*, *normalized_shape) that are "
              "normalised together, separately for every leading index. With the mean and the "
              "biased variance over those dimensions: y = (x - mean) / sqrt(var + eps) * weight "
              "+ bias, where weight (ones) and bias (zeros) are parameters of shape "
              "normalized_shape. Same train and eval behaviour; no running statistics.",
              "实现 LayerNorm(normalized_shape, eps=1e-5)。normalized_shape 是整数或元组，"
              "指 x (*, *normalized_shape) 末尾那几维；对前面每一个下标，这几维放在一起归一化。"
              "在这几维上求均值和有偏方差：y = (x - mean) / sqrt(var + eps) * weight + bias，"
              "其中 weight（初始为 1）和 bias（初始为 0）是形状为 normalized_shape 的参数。"
              "训练和评估模式行为相同，没有滑动统计量。"),
        stub='''
            class LayerNorm(nn.Module):
                def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5):
                    """weight (ones) and bias (zeros) of shape normalized_shape."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """(*, *normalized_shape) -> same shape"""
        ''',
        reference="dlfs.nn.normalization:LayerNorm",
        cases=layer_norm_cases,
        mutants={"unbiased variance": _LNUnbiased, "eps outside the square root": _LNEpsOutside,
                 "last dimension only": _LNLastDimOnly},
        hints=(("Turn an int into a 1-tuple first; the dims to reduce are "
                "range(-len(normalized_shape), 0).",
                "先把整数变成只有一个元素的元组；"
                "要归约的维度是 range(-len(normalized_shape), 0)。"),
               ("x.mean(dims, keepdim=True) and ((x - mean) ** 2).mean(dims, keepdim=True) keep "
                "the shape broadcastable; weight and bias broadcast from the right by themselves.",
                "x.mean(dims, keepdim=True) 与 ((x - mean) ** 2).mean(dims, keepdim=True) 保持可广"
                "播的形状；weight 和 bias 会自动从右边对齐广播。")),
    ),
    Exercise(
        id="rms_norm", entry="RMSNorm", lesson="llm-components", at=("book:10",),
        title=("RMSNorm", "RMSNorm 均方根归一化"),
        task=("Write RMSNorm(normalized_shape, eps=None): over the trailing normalized_shape "
              "dimensions of x (*, *normalized_shape), y = x / sqrt(mean(x^2) + eps) * weight, "
              "with weight (ones) of shape normalized_shape. Nothing is subtracted and there is "
              "no bias. eps=None means the machine epsilon of x's dtype, "
              "torch.finfo(x.dtype).eps.",
              "实现 RMSNorm(normalized_shape, eps=None)：在 x (*, *normalized_shape) 末尾的 "
              "normalized_shape 几维上计算 y = x / sqrt(mean(x^2) + eps) * weight，"
              "weight 初始为 1，形状为 normalized_shape。不减均值，也没有 bias。"
              "eps=None 表示取 x 的 dtype 的机器精度 torch.finfo(x.dtype).eps。"),
        stub='''
            class RMSNorm(nn.Module):
                def __init__(self, normalized_shape: int | tuple[int, ...],
                             eps: float | None = None):
                    """weight (ones) of shape normalized_shape; no bias."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """(*, *normalized_shape) -> same shape"""
        ''',
        reference="dlfs.nn.normalization:RMSNorm",
        cases=rms_norm_cases,
        mutants={"subtracts the mean": _RMSCentred, "sum of squares, not the mean": _RMSSum,
                 "eps=None read as 1e-6": _RMSEps1e6},
        hints=(("The dims are range(-len(normalized_shape), 0); (x * x).mean(dims, keepdim=True) "
                "is the mean square.",
                "要归约的维度是 range(-len(normalized_shape), 0)；(x * x).mean(dims, keepdim=True) "
                "就是均方。"),
               ("Pick eps inside forward, where the dtype is known: "
                "eps = torch.finfo(x.dtype).eps if self.eps is None else self.eps.",
                "在 forward 里（此时才知道 dtype）决定 eps：eps = torch.finfo(x.dtype).eps if "
                "self.eps is None else self.eps。")),
    ),
    Exercise(
        id="group_norm", entry="GroupNorm", lesson="architecture-building-blocks",
        at=("book:5",),
        title=("GroupNorm", "GroupNorm 组归一化"),
        task=("Write GroupNorm(num_groups, num_channels, eps=1e-5) for x of shape (B, C, *) "
              "(C = num_channels, any number of trailing dims, possibly none). Split the "
              "channels into num_groups groups of consecutive channels (channels 0..C/G-1 form "
              "group 0, and so on); for each sample and group take the mean and biased variance "
              "over the group's channels and all trailing positions, and normalise: "
              "(x - mean) / sqrt(var + eps). Then apply per-channel weight (ones) and bias "
              "(zeros), both of shape (C,). No running statistics.",
              "实现 GroupNorm(num_groups, num_channels, eps=1e-5)，输入形状 (B, C, *)（C = "
              "num_channels，后面可以有任意多维，也可以没有）。把通道按顺序分成 num_groups 组，"
              "每组是相邻的通道（0..C/G-1 是第 0 组，依此类推）；对每个样本的每一组，"
              "在该组所有通道和后面所有位置上求均值和有偏方差并归一化：(x - mean) / sqrt(var + "
              "eps)。再按通道乘以 weight（初始为 1）、加上 bias（初始为 0），二者形状都是 (C,)。"
              "没有滑动统计量。"),
        stub='''
            class GroupNorm(nn.Module):
                def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5):
                    """weight (ones) and bias (zeros) of shape (num_channels,)."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """(B, C, *) -> same shape"""
        ''',
        reference="dlfs.nn.normalization:GroupNorm",
        cases=group_norm_cases,
        mutants={"channels grouped round-robin": _GNInterleaved,
                 "unbiased variance": _GNUnbiased},
        hints=(("x.reshape(B, G, -1) puts each group's channels and positions in one row, "
                "because consecutive channels are contiguous in memory.",
                "x.reshape(B, G, -1) 会把每组的通道和位置放进同一行，"
                "因为相邻通道在内存里是连续的。"),
               ("Normalise the (B, G, n) view along its last dim, reshape back to x.shape, then "
                "view weight and bias as (1, C, 1, ...).",
                "在 (B, G, n) 视图的最后一维上归一化，reshape 回 x.shape，再把 weight 和 bias 视为 "
                "(1, C, 1, ...) 来广播。")),
    ),
]

