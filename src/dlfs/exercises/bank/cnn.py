"""Exercises on convolutional networks: convolution by im2col, its output size, pooling, the
ResNet basic block, the Inception block and stochastic depth (book ch. 4-5, Liu Er 10-11)."""

from __future__ import annotations

import torch
from torch import nn

from ...nn import functional as dF
from ...nn.conv import Conv2d as _Conv2d
from ...nn.normalization import BatchNorm2d as _BatchNorm2d
from ..cases import Case, fn_case, module_case, randn, watched
from ..schema import Exercise

# ---- shared: module parity with a readable structure check -------------------------------


def _randomize_batchnorm(module: nn.Module, seed: int) -> nn.Module:
    """Give every torch BatchNorm2d non-trivial affine parameters and running statistics, so
    that eval mode (which uses the running statistics) is really tested."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(n, generator=gen) * 0.2)
                m.running_mean.copy_(torch.randn(n, generator=gen) * 0.2)
                m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
    return module


# ---- conv2d ------------------------------------------------------------------------------

# (x shape, weight shape, bias, stride, padding, dilation), smallest first
_CONV_CASES = [
    ((1, 1, 3, 3), (1, 1, 2, 2), True, 1, 0, 1),
    ((2, 3, 5, 4), (4, 3, 3, 3), True, 1, 1, 1),
    ((2, 2, 7, 6), (3, 2, 2, 3), False, 2, 0, 1),
    ((1, 3, 9, 7), (2, 3, 3, 3), True, 1, 2, 2),
    ((2, 2, 8, 9), (5, 2, 3, 2), True, 2, 1, 2),
    ((3, 4, 6, 5), (3, 4, 1, 1), True, 2, 0, 1),
]


def conv2d_cases(conv2d):
    for i, (xs, ws, with_bias, s, p, d) in enumerate(_CONV_CASES):
        x, w = randn(*xs, seed=10 + i), randn(*ws, seed=20 + i)
        b = randn(ws[0], seed=30 + i) if with_bias else None

        def ours(x, w, b, s=s, p=p, d=d):
            return conv2d(x, w, b, s, p, d)

        def ref(x, w, b, s=s, p=p, d=d):
            return torch.nn.functional.conv2d(x, w, b, s, p, d)

        yield fn_case(f"x {xs}, weight {ws}, bias={'yes' if with_bias else 'None'}, "
                      f"stride={s}, padding={p}, dilation={d}", ours, ref, x, w, b)


def _conv_flipped(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """Planted bug: a true convolution (kernel flipped) instead of cross-correlation."""
    return dF.conv2d(x, weight.flip(-2, -1), bias, stride, padding, dilation)


def _conv_one_sided_padding(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """Planted bug: all 2p zeros put on the top and left, none on the bottom and right."""
    xp = dF.pad(x, (2 * padding, 0, 2 * padding, 0))
    return dF.conv2d(xp, weight, bias, stride, 0, dilation)


def _conv_size_off_by_one(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """Planted bug: n_out = (n + 2p - d (k - 1)) // s + 1 (the "- 1" forgotten), with extra
    zeros added at the bottom/right so that the extra window exists."""
    extra = []
    for n, k in zip(x.shape[-2:], weight.shape[-2:]):
        n_out = (n + 2 * padding - dilation * (k - 1)) // stride + 1
        extra.append(max(0, (n_out - 1) * stride + dilation * (k - 1) + 1 - (n + 2 * padding)))
    xp = dF.pad(x, (padding, padding + extra[1], padding, padding + extra[0]))
    return dF.conv2d(xp, weight, bias, stride, 0, dilation)


# ---- conv_output_size --------------------------------------------------------------------

# (n, kernel, stride, padding, dilation), grouped by what they exercise
_SIZE_GROUPS = [
    ("stride 1, no padding", [(5, 3, 1, 0, 1), (1, 1, 1, 0, 1), (7, 7, 1, 0, 1),
                              (10, 4, 1, 0, 1)]),
    ("stride 1 with padding", [(5, 3, 1, 1, 1), (28, 5, 1, 2, 1), (4, 2, 1, 1, 1),
                               (6, 1, 1, 3, 1)]),
    ("stride 2, odd and even sizes", [(7, 3, 2, 1, 1), (8, 3, 2, 1, 1), (224, 7, 2, 3, 1),
                                      (5, 2, 2, 0, 1), (32, 3, 2, 1, 1), (6, 2, 2, 0, 1)]),
    ("stride 3 and 4", [(10, 3, 3, 0, 1), (11, 4, 3, 2, 1), (9, 2, 4, 1, 1), (12, 3, 3, 0, 1)]),
    ("dilation 2 to 4", [(9, 3, 1, 0, 2), (10, 3, 2, 2, 2), (7, 2, 1, 1, 3), (16, 3, 1, 4, 4),
                         (13, 3, 2, 0, 3)]),
]


def conv_output_size_cases(impl):
    size = watched(impl)
    for label, group in _SIZE_GROUPS:
        def run(group=group) -> None:
            for n, k, s, p, d in group:
                want = torch.nn.functional.conv1d(torch.zeros(1, 1, n), torch.zeros(1, 1, k),
                                                  stride=s, padding=p, dilation=d).shape[-1]
                got = size(n, k, s, p, d)
                call = f"conv_output_size({n}, {k}, stride={s}, padding={p}, dilation={d})"
                if not isinstance(got, int) or isinstance(got, bool):
                    raise AssertionError(f"{call} returned {got!r} ({type(got).__name__}); "
                                         f"expected the int {want}")
                if got != want:
                    raise AssertionError(f"{call} returned {got}; a real convolution gives "
                                         f"{want}")
        yield Case(f"{label}: {', '.join(str(c) for c in group)} (n, k, s, p, d)", run)


def _size_ceil(n, kernel, stride=1, padding=0, dilation=1):
    """Planted bug: rounds the division up."""
    return -(-(n + 2 * padding - dilation * (kernel - 1) - 1) // stride) + 1


def _size_no_dilation(n, kernel, stride=1, padding=0, dilation=1):
    """Planted bug: ignores the dilation."""
    return (n + 2 * padding - kernel) // stride + 1


def _size_minus_one_forgotten(n, kernel, stride=1, padding=0, dilation=1):
    """Planted bug: (n + 2p - d (k - 1)) // s + 1."""
    return (n + 2 * padding - dilation * (kernel - 1)) // stride + 1


# ---- max_pool2d --------------------------------------------------------------------------

# (x shape, kernel, stride or None for the default)
_POOL_CASES = [((1, 1, 2, 2), 2, None), ((2, 3, 4, 6), 2, None), ((1, 2, 5, 7), 2, 2),
               ((2, 2, 7, 7), 3, 2), ((2, 3, 6, 5), 3, 1), ((1, 2, 5, 5), 2, 3)]


def max_pool2d_cases(max_pool2d):
    for i, (shape, k, s) in enumerate(_POOL_CASES):
        x = randn(*shape, seed=40 + i)  # continuous values: no ties
        if s is None:
            def ours(x, k=k):
                return max_pool2d(x, k)

            def ref(x, k=k):
                return torch.nn.functional.max_pool2d(x, k)
        else:
            def ours(x, k=k, s=s):
                return max_pool2d(x, k, s)

            def ref(x, k=k, s=s):
                return torch.nn.functional.max_pool2d(x, k, s)
        note = {3: " (windows overlap)", 4: " (windows overlap)", 5: " (gaps between windows)"}
        stride = "default (= kernel_size)" if s is None else s
        yield fn_case(f"x {shape}, kernel_size={k}, stride={stride}{note.get(i, '')}",
                      ours, ref, x)


def _pool_stride_one(x, kernel_size, stride=None):
    """Planted bug: the stride defaults to 1 instead of the kernel size."""
    return dF.max_pool2d(x, kernel_size, 1 if stride is None else stride)


class _MaxPoolOverwrite(torch.autograd.Function):
    """Right values; the backward writes each window's gradient into its winner with an
    assignment, so a pixel that is the maximum of two windows keeps only one gradient."""

    @staticmethod
    def forward(ctx, x, kernel_size, stride):
        out, idx = dF.max_pool2d(x, kernel_size, stride, return_indices=True)
        ctx.save_for_backward(idx)
        ctx.shape = x.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        (idx,) = ctx.saved_tensors
        B, C, H, W = ctx.shape
        gx = grad.new_zeros(B, C, H * W)
        gx.scatter_(2, idx.flatten(2), grad.flatten(2))  # overwrites instead of adding
        return gx.view(B, C, H, W), None, None


def _pool_grad_overwritten(x, kernel_size, stride=None):
    """Planted bug: gradient assigned, not accumulated, where windows overlap."""
    return _MaxPoolOverwrite.apply(x, kernel_size, stride)


# ---- adaptive_avg_pool2d -----------------------------------------------------------------

# (x shape, output_size)
_ADAPTIVE_CASES = [((1, 1, 3, 3), 1), ((2, 4, 5, 7), 1), ((2, 3, 4, 6), 2), ((1, 2, 7, 5), 3),
                   ((2, 2, 5, 6), (2, 4)), ((1, 2, 3, 4), (4, 6))]


def adaptive_avg_pool2d_cases(adaptive_avg_pool2d):
    notes = {0: "global average", 1: "global average", 2: "windows split evenly",
             3: "uneven, overlapping windows", 4: "a pair", 5: "output larger than input"}
    for i, (shape, size) in enumerate(_ADAPTIVE_CASES):
        x = randn(*shape, seed=50 + i)

        def ours(x, size=size):
            return adaptive_avg_pool2d(x, size)

        def ref(x, size=size):
            return torch.nn.functional.adaptive_avg_pool2d(x, size)
        yield fn_case(f"x {shape}, output_size={size} ({notes[i]})", ours, ref, x)


def _pool_matrix(n: int, out: int, like, end_rule) -> torch.Tensor:
    a = torch.zeros(out, n, dtype=like.dtype)
    for i in range(out):
        start, end = (i * n) // out, end_rule(i, n, out)
        a[i, start:end] = 1.0 / (end - start)
    return a


def _floor_end(i: int, n: int, out: int) -> int:
    return max(((i + 1) * n) // out, (i * n) // out + 1)  # at least one position


def _adaptive_floor_end(x, output_size):
    """Planted bug: window ends rounded down (floor((i + 1) n / out)), so windows never
    overlap and some are too short."""
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else output_size
    a_h = _pool_matrix(x.shape[-2], oh, x, _floor_end)
    a_w = _pool_matrix(x.shape[-1], ow, x, _floor_end)
    return a_h @ x @ a_w.T


def _adaptive_fixed_kernel(x, output_size):
    """Planted bug: one fixed kernel = stride = n // out, as avg_pool2d."""
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else output_size
    k = (max(x.shape[-2] // oh, 1), max(x.shape[-1] // ow, 1))
    return dF.avg_pool2d(x, k, k)


# ---- ResNet BasicBlock -------------------------------------------------------------------


class _TorchBasicBlock(nn.Module):
    """The reference, from torch.nn layers, with the names the exercise asks for."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return torch.relu(out + shortcut)


# (in, out, stride, x shape, train)
_BLOCK_CASES = [(2, 2, 1, (1, 2, 4, 4), True), (3, 5, 1, (2, 3, 5, 5), False),
                (4, 4, 2, (2, 4, 7, 7), True), (3, 6, 2, (3, 3, 6, 5), False),
                (4, 4, 1, (2, 4, 5, 6), False), (2, 3, 2, (2, 2, 5, 4), True)]


def basic_block_cases(BasicBlock):
    for i, (cin, cout, s, shape, train) in enumerate(_BLOCK_CASES):
        x = randn(*shape, seed=60 + i)
        shortcut = "projection" if s != 1 or cin != cout else "identity"

        def make_ref(cin=cin, cout=cout, s=s, i=i):
            torch.manual_seed(i)
            return _randomize_batchnorm(_TorchBasicBlock(cin, cout, s), seed=i)
        yield module_case(f"BasicBlock({cin}, {cout}, stride={s}) ({shortcut} shortcut), "
                           f"x {shape}, {'train' if train else 'eval'} mode",
                           lambda cin=cin, cout=cout, s=s: BasicBlock(cin, cout, s),
                           make_ref, x, train=train)


class _BlockBase(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 project_on_stride: bool = True) -> None:
        super().__init__()
        self.conv1 = _Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = _BatchNorm2d(out_channels)
        self.conv2 = _Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = _BatchNorm2d(out_channels)
        needs = in_channels != out_channels or (project_on_stride and stride != 1)
        self.downsample = (nn.Sequential(_Conv2d(in_channels, out_channels, 1, stride,
                                                 bias=False), _BatchNorm2d(out_channels))
                           if needs else None)

    def _branch(self, x):
        return self.bn2(self.conv2(self.bn1(self.conv1(x)).clamp_min(0)))

    def _shortcut(self, x):
        return x if self.downsample is None else self.downsample(x)


class _BlockReluBeforeAdd(_BlockBase):
    """Planted bug: y = relu(F(x)) + shortcut(x) (the ReLU moved before the addition)."""

    def forward(self, x):
        return self._branch(x).clamp_min(0) + self._shortcut(x)


class _BlockNoProjectionOnStride(_BlockBase):
    """Planted bug: the projection is only built when the channel count changes."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__(in_channels, out_channels, stride, project_on_stride=False)

    def forward(self, x):
        s = self.conv1.stride
        shortcut = x[..., ::s[0], ::s[1]] if self.downsample is None else self.downsample(x)
        return (self._branch(x) + shortcut).clamp_min(0)


# ---- Inception block ---------------------------------------------------------------------


class _TorchBasicConv(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 padding: int = 0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding,
                              bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class _TorchInception(nn.Module):
    """The reference, from torch.nn layers, in torchvision's GoogLeNet layout."""

    def __init__(self, in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj) -> None:
        super().__init__()
        self.branch1 = _TorchBasicConv(in_channels, c1, 1)
        self.branch2 = nn.Sequential(_TorchBasicConv(in_channels, c3_reduce, 1),
                                     _TorchBasicConv(c3_reduce, c3, 3, padding=1))
        self.branch3 = nn.Sequential(_TorchBasicConv(in_channels, c5_reduce, 1),
                                     _TorchBasicConv(c5_reduce, c5, 3, padding=1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
                                     _TorchBasicConv(in_channels, pool_proj, 1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x),
                          self.branch4(x)], dim=1)


# (in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj), x shape, train
_INCEPTION_CASES = [((3, 2, 2, 3, 1, 2, 2), (1, 3, 4, 4), True),
                    ((4, 3, 2, 4, 2, 3, 2), (2, 4, 5, 6), False),
                    ((5, 2, 3, 4, 2, 2, 3), (2, 5, 7, 5), True),
                    ((3, 4, 2, 2, 3, 4, 1), (3, 3, 3, 6), False)]


def inception_cases(Inception):
    for i, (sizes, shape, train) in enumerate(_INCEPTION_CASES):
        x = randn(*shape, seed=70 + i)

        def make_ref(sizes=sizes, i=i):
            torch.manual_seed(i)
            return _randomize_batchnorm(_TorchInception(*sizes), seed=i)
        out = sizes[1] + sizes[3] + sizes[5] + sizes[6]
        yield module_case(f"Inception{sizes} -> {out} channels, x {shape}, "
                           f"{'train' if train else 'eval'} mode",
                           lambda sizes=sizes: Inception(*sizes), make_ref, x, train=train)


def _library_inception():
    from ...models.cnn.googlenet import Inception
    return Inception


class _InceptionBranchesSwapped(nn.Module):
    """Planted bug: the 3x3 and "5x5" branches concatenated in the wrong order."""

    def __init__(self, *sizes) -> None:
        super().__init__()
        inner = _library_inception()(*sizes)
        self.branch1, self.branch2 = inner.branch1, inner.branch2
        self.branch3, self.branch4 = inner.branch3, inner.branch4

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch3(x), self.branch2(x),
                          self.branch4(x)], dim=1)


class _InceptionNoPool(_InceptionBranchesSwapped):
    """Planted bug: the pool branch's 1x1 conv reads x without the 3x3 max-pool first."""

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x),
                          self.branch4[1](x)], dim=1)


class _InceptionDefaultEps(_InceptionBranchesSwapped):
    """Planted bug: BatchNorm2d with the default eps=1e-5 instead of 0.001."""

    def __init__(self, *sizes) -> None:
        super().__init__(*sizes)
        for m in self.modules():
            if isinstance(m, _BatchNorm2d):
                m.eps = 1e-5

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x),
                          self.branch4(x)], dim=1)


# ---- stochastic depth --------------------------------------------------------------------


def _rows_kept(out: torch.Tensor, x: torch.Tensor, q: float, what: str) -> torch.Tensor:
    """Check that every sample of ``out`` is all zeros or x / q; return the kept mask (B,)."""
    if not isinstance(out, torch.Tensor) or out.shape != x.shape:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise AssertionError(f"{what}: output {shape}, expected the input's shape "
                             f"{tuple(x.shape)}")
    flat, xf = out.reshape(len(x), -1), x.reshape(len(x), -1)
    zero = (flat == 0).all(dim=1)
    scaled = torch.isclose(flat, xf / q, rtol=1e-12, atol=0).all(dim=1) if q > 0 else zero
    bad = ~(zero | scaled)
    if bad.any():
        b = int(bad.nonzero()[0])
        zeros = int((flat[b] == 0).sum())
        raise AssertionError(
            f"{what}: sample {b} is neither all zeros nor x / (1 - p) = x / {q:g}: it has "
            f"{zeros} of {flat.shape[1]} entries zero, and out/x there is "
            f"{(flat[b] / xf[b])[:4].tolist()}... (drop whole samples and scale the kept "
            f"ones by 1 / (1 - p))")
    return ~zero


def stochastic_depth_cases(StochasticDepth):
    def eval_identity() -> None:
        layer = StochasticDepth(0.5).double().eval()
        x = randn(3, 4, 2, 2, seed=80)
        out = watched(lambda: layer(x))()
        if not isinstance(out, torch.Tensor) or not torch.equal(out, x):
            raise AssertionError("eval mode must return the input unchanged (no dropping, no "
                                 "scaling)")
    yield Case("eval mode, p=0.5, x (3, 4, 2, 2): the input unchanged", eval_identity)

    def p_zero() -> None:
        layer = StochasticDepth(0.0).double().train()
        x = randn(5, 3, 2, 2, seed=81)
        out = watched(lambda: layer(x))()
        if not isinstance(out, torch.Tensor) or not torch.equal(out, x):
            raise AssertionError("train mode with p=0 must return the input unchanged")
    yield Case("train mode, p=0, x (5, 3, 2, 2): the input unchanged", p_zero)

    def rows(shape: tuple[int, ...], p: float, seed: int):
        def run() -> None:
            layer = StochasticDepth(p).double().train()
            x = randn(*shape, seed=seed)
            with torch.random.fork_rng():
                torch.manual_seed(seed)
                out = watched(lambda: layer(x))()
            kept = _rows_kept(out, x, 1 - p, f"train mode, p={p}, x {shape}")
            frac = kept.double().mean().item()
            if len(x) >= 1000 and abs(frac - (1 - p)) > 0.05:
                raise AssertionError(f"train mode, p={p}: {frac:.3f} of the {len(x)} samples "
                                     f"were kept, expected about 1 - p = {1 - p:g}")
        return run
    yield Case("train mode, p=0.3, x (6,): each sample dropped or scaled by 1/0.7",
               rows((6,), 0.3, 82))
    yield Case("train mode, p=0.3, x (2000, 2, 3, 3): whole samples dropped, about 70 % kept",
               rows((2000, 2, 3, 3), 0.3, 83))
    yield Case("train mode, p=0.8, x (2000, 5): about 20 % kept", rows((2000, 5), 0.8, 84))

    def gradient() -> None:
        p, shape = 0.4, (64, 3, 2, 2)
        layer = StochasticDepth(p).double().train()
        x = randn(*shape, seed=85).requires_grad_(True)
        with torch.random.fork_rng():
            torch.manual_seed(85)
            out = watched(lambda: layer(x))()
        kept = _rows_kept(out.detach(), x.detach(), 1 - p, f"train mode, p={p}")
        if not out.requires_grad:
            raise AssertionError("the output is cut from the graph (no gradient reaches x)")
        g = randn(*shape, seed=86)
        watched(lambda: out.backward(g))()
        want = g * kept.double().view(-1, 1, 1, 1) / (1 - p)
        if x.grad is None:
            raise AssertionError("x.grad is None after backward")
        if not torch.allclose(x.grad, want, rtol=1e-12, atol=0):
            raise AssertionError("grad of x: expected upstream * mask / (1 - p) with the same "
                                 "mask as the forward; largest difference "
                                 f"{(x.grad - want).abs().max().item():.3g}")
    yield Case("train mode, p=0.4, x (64, 3, 2, 2): gradient = upstream * mask / (1 - p)",
               gradient)

    def p_one() -> None:
        layer = StochasticDepth(1.0).double().train()
        x = randn(4, 3, seed=87)
        out = watched(lambda: layer(x))()
        if not isinstance(out, torch.Tensor) or not torch.equal(out, torch.zeros_like(x)):
            raise AssertionError(f"train mode with p=1 must return zeros (no NaN from 0/0); "
                                 f"got {out}")
    yield Case("train mode, p=1, x (4, 3): all zeros, no NaN", p_one)


class _SDBase(nn.Module):
    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p


class _SDNoScale(_SDBase):
    """Planted bug: kept samples are not scaled by 1 / (1 - p)."""

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        m = torch.empty(x.shape[0], *([1] * (x.dim() - 1)), dtype=x.dtype)
        return x * m.bernoulli_(1 - self.p)


class _SDElementwise(_SDBase):
    """Planted bug: drops single elements (dropout) instead of whole samples."""

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        q = 1 - self.p
        return x * torch.empty_like(x).bernoulli_(q) / q if q > 0 else x * 0


class _SDKeepP(_SDBase):
    """Planted bug: keeps a sample with probability p instead of 1 - p."""

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        m = torch.empty(x.shape[0], *([1] * (x.dim() - 1)), dtype=x.dtype).bernoulli_(self.p)
        return x * m / self.p


class _SDAlwaysOn(_SDBase):
    """Planted bug: drops samples in eval mode too."""

    def forward(self, x):
        if self.p == 0:
            return x
        q = 1 - self.p
        m = torch.empty(x.shape[0], *([1] * (x.dim() - 1)), dtype=x.dtype).bernoulli_(q)
        return x * m / q if q > 0 else x * m


# ---- the exercises -----------------------------------------------------------------------

# The dlfs layers a block may be built from (what they call inside the library is their own
# business).
_LAYERS_ALLOWED = ("dlfs.nn.conv:Conv2d", "dlfs.nn.normalization")

EXERCISES = [
    Exercise(
        id="conv2d_im2col", entry="conv2d", lesson="conv-from-scratch",
        at=("book:4", "liuer:10"),
        title=("conv2d by im2col and one matmul", "用 im2col 加一次矩阵乘法实现 conv2d"),
        task=("Compute a 2-D convolution (cross-correlation, as every deep-learning library "
              "does: the kernel is NOT flipped). x (B, C_in, H, W), weight (C_out, C_in, kh, "
              "kw), bias (C_out,) or None; stride, padding (zeros on all four sides) and "
              "dilation are ints. out[b, o, y, x] = bias[o] + sum over c, i, j of "
              "weight[o, c, i, j] * x_pad[b, c, y*s + i*d, x*s + j*d], of shape (B, C_out, "
              "H_out, W_out) with H_out = (H + 2p - d (kh - 1) - 1) // s + 1 (W_out alike). "
              "Gather every window into columns (im2col: indexing or Tensor.unfold) and do "
              "the sum as one matrix product; autograd must give the gradients of x, weight "
              "and bias.",
              "实现二维卷积（和所有深度学习框架一样，其实是互相关：卷积核不翻转）。"
              "x 形状 (B, C_in, H, W)，weight 形状 (C_out, C_in, kh, kw)，bias 形状 (C_out,) 或 "
              "None；stride、padding（四边补零）和 dilation 都是整数。"
              "out[b, o, y, x] = bias[o] + 对 c、i、j 求和 weight[o, c, i, j] * "
              "x_pad[b, c, y*s + i*d, x*s + j*d]，输出形状 (B, C_out, H_out, W_out)，其中 "
              "H_out = (H + 2p - d (kh - 1) - 1) // s + 1，W_out 同理。"
              "先把每个窗口收集成列（im2col：用索引或 Tensor.unfold），再用一次矩阵乘法完成求和；"
              "x、weight、bias 的梯度由 autograd 自动得到。"),
        stub='''
            def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1,
                       padding: int = 0, dilation: int = 1) -> Tensor:
                """x (B, C_in, H, W), weight (C_out, C_in, kh, kw), bias (C_out,) or None
                -> (B, C_out, H_out, W_out), H_out = (H + 2p - d (kh - 1) - 1) // s + 1."""
        ''',
        reference="dlfs.nn.functional.conv:conv2d",
        cases=conv2d_cases,
        mutants={"kernel flipped (true convolution)": _conv_flipped,
                 "padding on one side only": _conv_one_sided_padding,
                 "output size off by one": _conv_size_off_by_one},
        hints=(("Pad first: x.new_zeros(B, C, H + 2p, W + 2p), then copy x into the middle "
                "with slice assignment (torch.nn.functional.pad is refused here).",
                "先补零：x.new_zeros(B, C, H + 2p, W + 2p)，再用切片赋值把 x 复制到中间"
                "（这里不允许用 torch.nn.functional.pad）。"),
               ("xp.unfold(2, d*(kh-1)+1, s).unfold(3, d*(kw-1)+1, s) gives (B, C, H_out, W_out, "
                "span_h, span_w); keep every d-th tap with [..., ::d, ::d].",
                "xp.unfold(2, d*(kh-1)+1, s).unfold(3, d*(kw-1)+1, s) 得到 (B, C, H_out, W_out, "
                "span_h, span_w)；再用 [..., ::d, ::d] 每隔 d 个取一个抽头。"),
               ("Move C, kh, kw together: permute to (B, H_out, W_out, C, kh, kw), reshape to "
                "(B, L, C*kh*kw) and multiply by weight.reshape(C_out, -1).T; then reshape to "
                "(B, H_out, W_out, C_out), permute to channels first and add bias[:, None, None].",
                "把 C、kh、kw 放在一起：permute 成 (B, H_out, W_out, C, kh, kw)，reshape 成 "
                "(B, L, C*kh*kw)，乘以 weight.reshape(C_out, -1).T；再 reshape 成 "
                "(B, H_out, W_out, C_out)，把通道维换到前面，加上 bias[:, None, None]。")),
    ),
    Exercise(
        id="conv_output_size", entry="conv_output_size", lesson="conv-arithmetic",
        at=("book:4", "liuer:10"),
        title=("The output size of a convolution", "卷积的输出尺寸"),
        task=("Return, as an int, how many positions a convolution (or pooling) window takes "
              "along one axis of length n, for kernel size k, stride s, zero padding p on each "
              "side and dilation d. A dilated kernel spans d (k - 1) + 1 input positions; "
              "count the window starts 0, s, 2s, ... whose span still fits in n + 2p: "
              "n_out = floor((n + 2p - d (k - 1) - 1) / s) + 1. It is checked against the "
              "shapes real convolutions produce.",
              "返回一个整数：在长度为 n 的一维上，核大小为 k、步幅为 s、两侧各补 p 个零、"
              "膨胀率为 d 时，卷积（或池化）窗口一共有多少个放置位置。"
              "膨胀后的核覆盖 d (k - 1) + 1 个输入位置；"
              "数一数起点 0、s、2s……中有多少个窗口仍落在 n + 2p 之内："
              "n_out = floor((n + 2p - d (k - 1) - 1) / s) + 1。"
              "检查时会和真实卷积得到的形状比较。"),
        stub='''
            def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0,
                                 dilation: int = 1) -> int:
                """conv_output_size(32, 3, stride=2, padding=1) == 16"""
        ''',
        reference="dlfs.nn.functional.conv:conv_output_size",
        cases=conv_output_size_cases,
        mutants={"rounds up": _size_ceil, "ignores dilation": _size_no_dilation,
                 "the - 1 forgotten": _size_minus_one_forgotten},
        hints=(("Work out the span of the dilated kernel first: d * (k - 1) + 1.",
                "先算膨胀后核的跨度：d * (k - 1) + 1。"),
               ("The last window must start at most at n + 2p - span; the starts are 0, s, "
                "2s, ..., so there are (n + 2p - span) // s + 1 of them. Use // (integers).",
                "最后一个窗口的起点不能超过 n + 2p - span；起点是 0、s、2s……，"
                "所以一共有 (n + 2p - span) // s + 1 个。用整数除法 //。")),
    ),
    Exercise(
        id="max_pool2d", entry="max_pool2d", lesson="conv-from-scratch",
        at=("book:4", "liuer:10"),
        title=("2-D max pooling", "二维最大池化"),
        task=("Max pooling without padding: x (B, C, H, W) -> (B, C, H_out, W_out), each output "
              "the maximum of a kernel_size x kernel_size window; windows start every `stride` "
              "pixels (stride None means stride = kernel_size), and a window that does not fit "
              "is dropped: H_out = (H - k) // s + 1. The gradient of each output goes to the "
              "position of its maximum only; a pixel that is the maximum of several "
              "(overlapping) windows receives the sum of their gradients. Inputs are random "
              "floats, so there are no ties.",
              "不带填充的最大池化：x (B, C, H, W) -> (B, C, H_out, W_out)，每个输出是一个 "
              "kernel_size x kernel_size 窗口里的最大值；窗口每隔 stride 个像素开始一个"
              "（stride 为 None 时等于 kernel_size），放不下的窗口直接丢弃："
              "H_out = (H - k) // s + 1。每个输出的梯度只传给它的最大值所在位置；"
              "若某个像素同时是几个（重叠）窗口的最大值，它得到这些梯度之和。"
              "输入是随机浮点数，不会出现并列最大值。"),
        stub='''
            def max_pool2d(x: Tensor, kernel_size: int, stride: int | None = None) -> Tensor:
                """x (B, C, H, W) -> (B, C, (H - k) // s + 1, (W - k) // s + 1)"""
        ''',
        reference="dlfs.nn.functional.pooling:max_pool2d",
        cases=max_pool2d_cases,
        mutants={"stride defaults to 1": _pool_stride_one,
                 "gradient overwritten where windows overlap": _pool_grad_overwritten},
        hints=(("x.unfold(2, k, s).unfold(3, k, s) is a view (B, C, H_out, W_out, k, k) of "
                "every window.",
                "x.unfold(2, k, s).unfold(3, k, s) 是所有窗口的视图，形状 "
                "(B, C, H_out, W_out, k, k)。"),
               ("Flatten the last two dims and take .max(dim=-1).values (or .amax): autograd "
                "then sends the gradient to the maximum and adds it up where windows overlap.",
                "把最后两维展平，取 .max(dim=-1).values（或 .amax）：autograd 会把梯度送到"
                "最大值处，窗口重叠的地方自动相加。")),
    ),
    Exercise(
        id="adaptive_avg_pool2d", entry="adaptive_avg_pool2d", lesson="modern-cnns",
        at=("book:5",),
        title=("Adaptive average pooling (and global average pooling)",
               "自适应平均池化（以及全局平均池化）"),
        task=("Average-pool x (B, C, H, W) to a fixed output size (oh, ow) whatever H and W "
              "are; output_size is an int (oh = ow) or a pair. Output row i averages input "
              "rows start = floor(i H / oh) to end = ceil((i + 1) H / oh) (end excluded), "
              "columns alike, so windows may differ in size and overlap. output_size=1 is the "
              "global average pooling that ends NiN, GoogLeNet and ResNet: (B, C, 1, 1).",
              "把 x (B, C, H, W) 平均池化到固定的输出尺寸 (oh, ow)，与 H、W 无关；output_size "
              "是整数（oh = ow）或二元组。输出第 i 行取输入第 floor(i H / oh) 行到第 "
              "ceil((i + 1) H / oh) 行（不含）的平均，列同理，所以窗口大小可以不同，也可以重叠。"
              "output_size=1 就是 NiN、GoogLeNet、ResNet 结尾的全局平均池化：(B, C, 1, 1)。"),
        stub='''
            def adaptive_avg_pool2d(x: Tensor, output_size: int | tuple[int, int]) -> Tensor:
                """x (B, C, H, W) -> (B, C, oh, ow)"""
        ''',
        reference="dlfs.nn.functional.pooling:adaptive_avg_pool2d",
        cases=adaptive_avg_pool2d_cases,
        mutants={"window ends rounded down": _adaptive_floor_end,
                 "one fixed kernel n // out": _adaptive_fixed_kernel},
        hints=(("Global average pooling is x.mean(dim=(2, 3), keepdim=True); the general "
                "case averages a different slice for every output position.",
                "全局平均池化就是 x.mean(dim=(2, 3), keepdim=True)；一般情况是每个输出位置"
                "对不同的切片求平均。"),
               ("ceil(a / b) for positive ints is -(-a // b). Loop over output rows and "
                "columns, take x[..., s:e, s2:e2].mean((-2, -1)), and torch.stack the results "
                "(or build an (oh, H) averaging matrix A and compute A @ x @ B.T).",
                "正整数的 ceil(a / b) 可写成 -(-a // b)。对输出的行、列循环，取 "
                "x[..., s:e, s2:e2].mean((-2, -1))，再用 torch.stack 拼起来"
                "（或者构造 (oh, H) 的平均矩阵 A，计算 A @ x @ B.T）。")),
    ),
    Exercise(
        id="resnet_basic_block", entry="BasicBlock", lesson="residual-vs-plain",
        at=("book:5", "liuer:11"),
        title=("The ResNet basic block", "ResNet 基本残差块"),
        task=("Write BasicBlock(in_channels, out_channels, stride=1): y = relu(F(x) + "
              "shortcut(x)) with F = conv1 (3x3, stride, padding 1, no bias) -> bn1 -> relu -> "
              "conv2 (3x3, stride 1, padding 1, no bias) -> bn2. The shortcut is x itself when "
              "the shape is kept; when stride != 1 or the channel count changes it is the "
              "projection `downsample` = nn.Sequential(1x1 conv with that stride and no bias, "
              "BatchNorm2d); otherwise self.downsample = None. Use exactly the names conv1, "
              "bn1, conv2, bn2, downsample (torchvision's), so that torch weights load. Shapes: "
              "(B, in_channels, H, W) -> (B, out_channels, H_out, W_out), H_out = "
              "(H - 1) // stride + 1. Checked in train and eval mode (running statistics "
              "included).",
              "实现 BasicBlock(in_channels, out_channels, stride=1)：y = relu(F(x) + "
              "shortcut(x))，其中 F = conv1（3x3、步幅 stride、padding 1、无偏置）-> bn1 -> "
              "relu -> conv2（3x3、步幅 1、padding 1、无偏置）-> bn2。形状不变时捷径就是 x 本身；"
              "stride != 1 或通道数改变时，捷径是投影 downsample = nn.Sequential(步幅为 stride、"
              "无偏置的 1x1 卷积, BatchNorm2d)；否则 self.downsample = None。"
              "名字必须严格是 conv1、bn1、conv2、bn2、downsample（与 torchvision 相同），"
              "这样才能加载 torch 的权重。形状：(B, in_channels, H, W) -> "
              "(B, out_channels, H_out, W_out)，H_out = (H - 1) // stride + 1。"
              "训练模式和评估模式都会检查（包括 running 统计量）。"),
        stub='''
            class BasicBlock(nn.Module):
                def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
                    """conv1, bn1, conv2, bn2, and downsample (Sequential(conv 1x1, bn)) or None."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """(B, in, H, W) -> (B, out, (H - 1) // stride + 1, (W - 1) // stride + 1)"""
        ''',
        imports=("from dlfs.nn import BatchNorm2d, Conv2d",),
        allowed=_LAYERS_ALLOWED,
        reference="dlfs.models.cnn.resnet:BasicBlock",
        cases=basic_block_cases,
        mutants={"ReLU before the addition": _BlockReluBeforeAdd,
                 "no projection when only the stride changes": _BlockNoProjectionOnStride},
        hints=(("Build the layers with the imported Conv2d and BatchNorm2d; ReLU is "
                "x.clamp_min(0). nn.Sequential is allowed (it is only a container).",
                "用导入的 Conv2d 和 BatchNorm2d 搭层；ReLU 写成 x.clamp_min(0)。"
                "nn.Sequential 可以用（它只是容器）。"),
               ("The shortcut needs a projection exactly when stride != 1 or in_channels != "
                "out_channels; the final ReLU comes after the addition.",
                "只有当 stride != 1 或 in_channels != out_channels 时捷径才需要投影；"
                "最后的 ReLU 在相加之后。")),
    ),
    Exercise(
        id="inception_block", entry="Inception", lesson="modern-cnns",
        at=("book:5", "liuer:11"),
        title=("The Inception block (GoogLeNet)", "Inception 块（GoogLeNet）"),
        task=("Write Inception(in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj): four "
              "branches on the same input x (B, in_channels, H, W), concatenated on channels "
              "in this order -> (B, c1 + c3 + c5 + pool_proj, H, W). Every conv is a "
              "BasicConv2d = conv (no bias) -> BatchNorm2d(eps=0.001) -> ReLU, with attributes "
              "`conv` and `bn`. branch1 = BasicConv2d 1x1 to c1; branch2 = Sequential(1x1 to "
              "c3_reduce, 3x3 padding 1 to c3); branch3 = Sequential(1x1 to c5_reduce, 3x3 "
              "padding 1 to c5) (torchvision's GoogLeNet uses 3x3 here although the paper "
              "says 5x5); branch4 = Sequential(3x3 max-pool, stride 1, padding 1, 1x1 to "
              "pool_proj). Train and eval mode are checked.",
              "实现 Inception(in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj)："
              "对同一个输入 x (B, in_channels, H, W) 运行四个分支，按顺序在通道维拼接，得到 "
              "(B, c1 + c3 + c5 + pool_proj, H, W)。每个卷积都是 BasicConv2d = 卷积（无偏置）"
              "-> BatchNorm2d(eps=0.001) -> ReLU，属性名为 conv 和 bn。branch1 = 1x1 的 "
              "BasicConv2d 到 c1；branch2 = Sequential(1x1 到 c3_reduce, padding 1 的 3x3 到 c3)；"
              "branch3 = Sequential(1x1 到 c5_reduce, padding 1 的 3x3 到 c5)（论文里是 5x5，"
              "torchvision 的 GoogLeNet 在这里用 3x3）；branch4 = Sequential(步幅 1、padding 1 的 "
              "3x3 最大池化, 1x1 到 pool_proj)。训练模式和评估模式都会检查。"),
        stub='''
            class BasicConv2d(nn.Module):
                def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                             padding: int = 0):
                    """self.conv (no bias) and self.bn (eps=0.001)."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """conv -> bn -> relu"""


            class Inception(nn.Module):
                def __init__(self, in_channels: int, c1: int, c3_reduce: int, c3: int,
                             c5_reduce: int, c5: int, pool_proj: int):
                    """branch1, branch2, branch3, branch4 (see the task)."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """(B, in_channels, H, W) -> (B, c1 + c3 + c5 + pool_proj, H, W)"""
        ''',
        imports=("from dlfs.nn import BatchNorm2d, Conv2d, MaxPool2d",),
        allowed=(*_LAYERS_ALLOWED, "dlfs.nn.pooling:MaxPool2d"),
        reference="dlfs.models.cnn.googlenet:Inception",
        cases=inception_cases,
        mutants={"3x3 and 5x5 branches swapped in the concatenation": _InceptionBranchesSwapped,
                 "pool branch without the max-pool": _InceptionNoPool,
                 "BatchNorm eps left at 1e-5": _InceptionDefaultEps},
        hints=(("Write BasicConv2d first; then each branch is a BasicConv2d or an "
                "nn.Sequential of them (the max-pool is branch4[0], a module without "
                "parameters: the imported MaxPool2d(3, stride=1, padding=1) will do).",
                "先写 BasicConv2d；每个分支就是一个 BasicConv2d，或者由它们组成的 "
                "nn.Sequential（最大池化是 branch4[0]，一个没有参数的模块：导入的 "
                "MaxPool2d(3, stride=1, padding=1) 即可）。"),
               ("forward is torch.cat([branch1(x), branch2(x), branch3(x), branch4(x)], "
                "dim=1): every branch keeps H and W, so only the channels add up.",
                "forward 就是 torch.cat([branch1(x), branch2(x), branch3(x), branch4(x)], "
                "dim=1)：每个分支都保持 H、W 不变，只有通道数相加。")),
    ),
    Exercise(
        id="stochastic_depth", entry="StochasticDepth", lesson="modern-cnns", at=("book:5",),
        title=("Stochastic depth (drop path)", "随机深度（drop path）"),
        task=("Write StochasticDepth(p), the layer that randomly skips a residual branch: in "
              "train mode each sample b of x (B, ...) is kept with probability q = 1 - p and "
              "then scaled by 1/q, or zeroed entirely: y_b = x_b * m_b / q, m_b ~ "
              "Bernoulli(q), one draw per sample (not per element), so E[y] = x. In eval mode, "
              "or when p = 0, return x unchanged; when p = 1 return zeros (do not divide by "
              "zero). The output keeps x's shape; the gradient is upstream * m / q. Draw the "
              "mask with torch's random generator (e.g. torch.rand or bernoulli_).",
              "实现 StochasticDepth(p)：随机跳过残差分支的层。训练模式下，x (B, ...) 的每个样本 b "
              "以概率 q = 1 - p 保留并乘以 1/q，否则整个样本置零：y_b = x_b * m_b / q，"
              "m_b ~ Bernoulli(q)，每个样本抽一次（不是每个元素），因此 E[y] = x。"
              "评估模式或 p = 0 时原样返回 x；p = 1 时返回全零（不要除以零）。"
              "输出形状与 x 相同；梯度为 上游梯度 * m / q。用 torch 的随机数生成器抽取掩码"
              "（例如 torch.rand 或 bernoulli_）。"),
        stub='''
            class StochasticDepth(nn.Module):
                def __init__(self, p: float):
                    """p: probability of dropping a sample's branch, 0 <= p <= 1."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """x (B, ...) -> same shape; identity in eval mode."""
        ''',
        reference="dlfs.models.cnn.layers:StochasticDepth",
        cases=stochastic_depth_cases,
        mutants={"kept samples not rescaled": _SDNoScale,
                 "drops elements, not samples": _SDElementwise,
                 "keeps with probability p": _SDKeepP,
                 "still drops in eval mode": _SDAlwaysOn},
        hints=(("self.training tells train from eval mode. The mask has shape (B, 1, ..., 1): "
                "(x.shape[0],) + (1,) * (x.dim() - 1), so it broadcasts over each sample.",
                "self.training 区分训练与评估模式。掩码形状为 (B, 1, ..., 1)："
                "(x.shape[0],) + (1,) * (x.dim() - 1)，这样能在每个样本内广播。"),
               ("m = (torch.rand(shape, dtype=x.dtype, device=x.device) < q).to(x.dtype); "
                "return x * m / q, and x * m when q == 0.",
                "m = (torch.rand(shape, dtype=x.dtype, device=x.device) < q).to(x.dtype)；"
                "返回 x * m / q，q == 0 时返回 x * m。")),
    ),
]
