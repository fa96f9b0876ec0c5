"""Exercises on loss functions: cross-entropy, NLL, binary cross-entropy on logits, MSE,
KL divergence and smooth L1 (PyTorch roadmap day 9, book ch. 2-3).

Every checker compares values and gradients with ``torch.nn.functional`` in float64, and
includes the inputs where the details of a loss show: classes on dim 1 of (B, C, d1),
ignored targets, weights in the mean, label smoothing, logits large enough to overflow exp.
"""

from __future__ import annotations

import warnings

import torch
from torch.nn import functional as F

from ..cases import fn_case, randn
from ..schema import Exercise


def _targets(*shape: int, classes: int, seed: int) -> torch.Tensor:
    """Seeded class indices in [0, classes)."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, classes, shape, generator=gen)


def _probs(*shape: int, seed: int, dim: int = -1) -> torch.Tensor:
    """Seeded probability vectors along ``dim`` (every entry > 0)."""
    return randn(*shape, seed=seed).softmax(dim)


def _opts(kwargs: dict) -> str:
    return "".join(f", {k}={v!r}" for k, v in kwargs.items() if k != "target")


# ---- cross_entropy -----------------------------------------------------------------------


def cross_entropy_cases(cross_entropy):
    ignored = _targets(5, classes=3, seed=4)
    ignored[[1, 3]] = -100
    ignored_1 = torch.tensor([[1, 0, 3], [2, 1, 1]])
    smooth_ign = _targets(3, 2, classes=4, seed=7)
    smooth_ign[0, 1] = 0
    specs = [
        ("logits (1, 3), target (1,)", randn(1, 3, seed=1), torch.tensor([2]), {}),
        ("logits (4, 5)", randn(4, 5, seed=2, scale=2.0), _targets(4, classes=5, seed=2),
         {"reduction": "sum"}),
        ("logits (4, 5)", randn(4, 5, seed=3, scale=2.0), _targets(4, classes=5, seed=3),
         {"reduction": "none"}),
        ("logits (3, 4, 2) (classes on dim 1), target (3, 2)", randn(3, 4, 2, seed=4),
         _targets(3, 2, classes=4, seed=4), {}),
        ("logits (3, 4, 2), target (3, 2)", randn(3, 4, 2, seed=5),
         _targets(3, 2, classes=4, seed=5), {"reduction": "none"}),
        ("logits (5, 3), targets 1 and 3 are -100", randn(5, 3, seed=6), ignored, {}),
        ("logits (2, 4, 3), target (2, 3) with three 1s", randn(2, 4, 3, seed=7), ignored_1,
         {"ignore_index": 1, "reduction": "none"}),
        ("logits (4, 5)", randn(4, 5, seed=8), _targets(4, classes=5, seed=8),
         {"label_smoothing": 0.1}),
        ("logits (3, 4, 2), target (3, 2)", randn(3, 4, 2, seed=9), smooth_ign,
         {"ignore_index": 0, "label_smoothing": 0.2}),
        ("logits (3, 4) of size ~1000 (exp overflows without shifting by the max)",
         randn(3, 4, seed=10, scale=1000.0), _targets(3, classes=4, seed=10), {}),
    ]
    for name, logits, target, kwargs in specs:
        yield fn_case(name + _opts(kwargs), cross_entropy, F.cross_entropy, logits, target,
                      kwargs=kwargs)


def _ce_sketch(logits, target, ignore_index=-100, label_smoothing=0.0, reduction="mean", *,
               shift=True, count_ignored=False, smooth_others=False, flat=False):
    """A from-scratch cross-entropy whose switches plant one bug each."""
    c = logits.shape[1]
    if flat:                                   # (B, C, d1) read as rows of C: mixes positions
        logits, target = logits.reshape(-1, c), target.reshape(-1)
    x = logits - logits.detach().amax(1, keepdim=True) if shift else logits
    logp = x - x.exp().sum(1, keepdim=True).log()                      # (B, C, ...)
    valid = target != ignore_index
    safe = target.masked_fill(~valid, 0)
    picked = -logp.gather(1, safe.unsqueeze(1)).squeeze(1)             # (B, ...)
    if smooth_others:
        rest = -logp.sum(1) - picked
        loss = (1 - label_smoothing) * picked + label_smoothing / (c - 1) * rest
    else:
        loss = (1 - label_smoothing) * picked + label_smoothing / c * -logp.sum(1)
    loss = loss * valid
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (valid.numel() if count_ignored else valid.sum())


def _ce_ignored_counted(logits, target, ignore_index=-100, label_smoothing=0.0,
                        reduction="mean"):
    """Planted bug: the mean divides by every target, ignored ones included."""
    return _ce_sketch(logits, target, ignore_index, label_smoothing, reduction,
                      count_ignored=True)


def _ce_smooth_others(logits, target, ignore_index=-100, label_smoothing=0.0,
                      reduction="mean"):
    """Planted bug: smoothing mass eps spread over the C - 1 wrong classes, not all C."""
    return _ce_sketch(logits, target, ignore_index, label_smoothing, reduction,
                      smooth_others=True)


def _ce_flat(logits, target, ignore_index=-100, label_smoothing=0.0, reduction="mean"):
    """Planted bug: (B, C, d1) reshaped to (-1, C) without moving the class dim last."""
    out = _ce_sketch(logits, target, ignore_index, label_smoothing, reduction, flat=True)
    return out.reshape(target.shape) if reduction == "none" else out


def _ce_no_shift(logits, target, ignore_index=-100, label_smoothing=0.0, reduction="mean"):
    """Planted bug: log(sum(exp(x))) without subtracting the max: inf for large logits."""
    return _ce_sketch(logits, target, ignore_index, label_smoothing, reduction, shift=False)


# ---- nll_loss ----------------------------------------------------------------------------


def nll_loss_cases(nll_loss):
    w5 = torch.tensor([0.5, 2.0, 1.0, 3.0, 0.25], dtype=torch.float64)
    w4 = torch.tensor([1.5, 0.5, 2.0, 1.0], dtype=torch.float64)
    ignored = _targets(5, classes=4, seed=5)
    ignored[[0, 2]] = 1
    padded = _targets(2, 5, classes=3, seed=6)
    padded[1, 3:] = -100
    specs = [
        ("log_probs (1, 3), target (1,)", _probs(1, 3, seed=1).log(), torch.tensor([2]), {}),
        ("log_probs (4, 5)", _probs(4, 5, seed=2).log(), _targets(4, classes=5, seed=2), {}),
        ("log_probs (6, 5), weight (5,): mean divides by the summed weights",
         _probs(6, 5, seed=3).log(), _targets(6, classes=5, seed=3), {"weight": w5}),
        ("log_probs (5, 4), weight (4,), two targets = 1", _probs(5, 4, seed=4).log(),
         ignored, {"weight": w4, "ignore_index": 1}),
        ("log_probs (3, 4, 2) (classes on dim 1), weight (4,)",
         _probs(3, 4, 2, seed=5, dim=1).log(), _targets(3, 2, classes=4, seed=5),
         {"weight": w4, "reduction": "sum"}),
        ("log_probs (2, 3, 5), target (2, 5) ending in -100 padding",
         _probs(2, 3, 5, seed=6, dim=1).log(), padded, {"reduction": "none"}),
        ("log_probs (2, 3, 5), target (2, 5) ending in -100 padding",
         _probs(2, 3, 5, seed=6, dim=1).log(), padded, {}),
    ]
    for name, log_probs, target, kwargs in specs:
        shown = {k: v for k, v in kwargs.items() if k != "weight"}
        yield fn_case(name + _opts(shown), nll_loss, F.nll_loss, log_probs, target,
                      kwargs=kwargs, grad_kwargs=False)


def _nll_sketch(log_probs, target, weight=None, ignore_index=-100, reduction="mean", *,
                divide_by_count=False, count_ignored=False, flat=False):
    """A from-scratch NLL whose switches plant one bug each."""
    shape = target.shape
    if flat:                                   # (B, C, d1) read as rows of C: mixes positions
        log_probs, target = log_probs.reshape(-1, log_probs.shape[1]), target.reshape(-1)
    valid = target != ignore_index
    safe = target.masked_fill(~valid, 0)
    if count_ignored:
        valid = torch.ones_like(valid)
    picked = log_probs.gather(1, safe.unsqueeze(1)).squeeze(1)        # (B, ...)
    w = valid.to(log_probs.dtype) if weight is None else weight[safe] * valid
    loss = -w * picked
    if reduction == "none":
        return loss.reshape(shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (valid.sum() if divide_by_count else w.sum())


def _nll_divides_by_n(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    """Planted bug: the weighted mean divides by the number of targets."""
    return _nll_sketch(log_probs, target, weight, ignore_index, reduction,
                       divide_by_count=True)


def _nll_ignored_counted(log_probs, target, weight=None, ignore_index=-100,
                         reduction="mean"):
    """Planted bug: targets equal to ignore_index are counted (as class 0)."""
    return _nll_sketch(log_probs, target, weight, ignore_index, reduction, count_ignored=True)


def _nll_flat(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    """Planted bug: (B, C, d1) reshaped to (-1, C) without moving the class dim last."""
    return _nll_sketch(log_probs, target, weight, ignore_index, reduction, flat=True)


# ---- binary_cross_entropy_with_logits ----------------------------------------------------


def bce_with_logits_cases(bce):
    gen = torch.Generator().manual_seed(0)
    bits = [torch.randint(0, 2, s, generator=gen).double() for s in [(5,), (4, 3), (2, 5, 3)]]
    pos3 = torch.tensor([2.0, 0.5, 4.0], dtype=torch.float64)
    big = torch.tensor([100.0, -100.0, 100.0, -100.0, 800.0, -800.0, 800.0, -800.0, 3.0],
                       dtype=torch.float64)
    big_t = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0], dtype=torch.float64)
    specs = [
        ("logits (1,), target [1.]", randn(1, seed=1), torch.ones(1, dtype=torch.float64), {}),
        ("logits (5,), targets 0/1", randn(5, seed=2, scale=2.0), bits[0],
         {"reduction": "sum"}),
        ("logits (3, 4), soft targets in (0, 1)", randn(3, 4, seed=3, scale=2.0),
         torch.rand(3, 4, generator=gen, dtype=torch.float64), {}),
        ("logits (4, 3), targets 0/1, pos_weight (3,)", randn(4, 3, seed=4, scale=2.0),
         bits[1], {"pos_weight": pos3, "reduction": "none"}),
        ("logits (2, 5, 3), targets 0/1, pos_weight (3,)", randn(2, 5, 3, seed=5),
         bits[2], {"pos_weight": pos3}),
        ("logits (9,) of +-100 and +-800, targets 0/1", big, big_t, {"reduction": "none"}),
        ("logits (9,) of +-100 and +-800, pos_weight (9,)", big, big_t,
         {"pos_weight": torch.linspace(0.5, 3.0, 9, dtype=torch.float64)}),
    ]
    for name, logits, target, kwargs in specs:
        shown = {k: v for k, v in kwargs.items() if k != "pos_weight"}
        # torch has no derivative for pos_weight: compare the gradients of logits and target
        yield fn_case(name + _opts(shown), bce, F.binary_cross_entropy_with_logits, logits,
                      target, kwargs=kwargs, grad_kwargs=False)


def _reduce(loss, reduction):
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _bce_naive(logits, target, pos_weight=None, reduction="mean"):
    """Planted bug: log(sigmoid(x)) and log(1 - sigmoid(x)) written out: 1 - sigmoid(100)
    is exactly 0 in float64, so the loss is inf and the gradient nan."""
    p = torch.sigmoid(logits)
    pw = 1.0 if pos_weight is None else pos_weight
    return _reduce(-(pw * target * torch.log(p) + (1 - target) * torch.log(1 - p)), reduction)


def _bce_pos_weight_wrong_term(logits, target, pos_weight=None, reduction="mean"):
    """Planted bug: pos_weight multiplies the negative term (1 - y) log(1 - sigmoid(x))."""
    log_p = logits.clamp(max=0) - torch.log1p(torch.exp(-logits.abs()))   # log sigmoid(x)
    log_1mp = log_p - logits                                                # log sigmoid(-x)
    pw = 1.0 if pos_weight is None else pos_weight
    return _reduce(-(target * log_p + pw * (1 - target) * log_1mp), reduction)


# ---- mse_loss ----------------------------------------------------------------------------


def mse_loss_cases(mse_loss):
    for shape, kwargs in [((1,), {}), ((4,), {}), ((3, 5), {"reduction": "sum"}),
                          ((2, 3, 4), {"reduction": "none"}), ((2, 3), {"reduction": "mean"})]:
        x, y = randn(*shape, seed=len(shape)), randn(*shape, seed=10 + sum(shape))
        yield fn_case(f"input, target {shape}{_opts(kwargs)}", mse_loss, F.mse_loss, x, y,
                      kwargs=kwargs)


def _mse_sum_for_mean(input, target, reduction="mean"):
    """Planted bug: 'mean' returns the sum."""
    d2 = (input - target) ** 2
    return d2 if reduction == "none" else d2.sum()


def _mse_sqrt(input, target, reduction="mean"):
    """Planted bug: the root of the mean square (RMSE), not the mean square."""
    d2 = (input - target) ** 2
    return d2 if reduction == "none" else d2.mean().sqrt() if reduction == "mean" else d2.sum()


def _mse_abs(input, target, reduction="mean"):
    """Planted bug: |x - y| (that is the L1 loss)."""
    return _reduce((input - target).abs(), reduction)


# ---- kl_div ------------------------------------------------------------------------------


def _torch_kl_div(input, target, reduction="mean", log_target=False):
    """torch's kl_div, without its warning that 'mean' is not 'batchmean'."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return F.kl_div(input, target, reduction=reduction, log_target=log_target)


def kl_div_cases(kl_div):
    with_zeros = _probs(2, 6, seed=5)
    with_zeros[0, [1, 4]] = 0
    with_zeros[1, 2] = 0
    with_zeros = with_zeros / with_zeros.sum(-1, keepdim=True)
    specs = [
        ("input (1, 3) log-probs, target (1, 3) probs", _probs(1, 3, seed=1).log(),
         _probs(1, 3, seed=11), {"reduction": "batchmean"}),
        ("input (4, 5), target (4, 5)", _probs(4, 5, seed=2).log(), _probs(4, 5, seed=12),
         {"reduction": "sum"}),
        ("input (4, 5), target (4, 5)", _probs(4, 5, seed=3).log(), _probs(4, 5, seed=13),
         {"reduction": "mean"}),
        ("input (3, 4), target (3, 4)", _probs(3, 4, seed=4).log(), _probs(3, 4, seed=14),
         {"reduction": "none"}),
        ("input (2, 3, 4), target (2, 3, 4)", _probs(2, 3, 4, seed=6).log(),
         _probs(2, 3, 4, seed=16), {"reduction": "batchmean"}),
        ("input (3, 5), target given as log-probs", _probs(3, 5, seed=7).log(),
         _probs(3, 5, seed=17).log(), {"reduction": "batchmean", "log_target": True}),
    ]
    for name, x, t, kwargs in specs:
        yield fn_case(name + _opts(kwargs), kl_div, _torch_kl_div, x, t, kwargs=kwargs)
    # torch's gradient with respect to a zero target is nan: compare the input's gradient only
    yield fn_case("input (2, 6), target (2, 6) with zeros (0 log 0 = 0), reduction='batchmean'",
                  kl_div, _torch_kl_div, _probs(2, 6, seed=8).log(),
                  kwargs={"target": with_zeros, "reduction": "batchmean"}, grad_kwargs=False)


def _kl_sketch(input, target, reduction="mean", log_target=False, *, batchmean_by_numel=False,
               plain_log=False, ignore_log_target=False):
    """A from-scratch KL divergence whose switches plant one bug each."""
    if log_target and not ignore_log_target:
        loss = target.exp() * (target - input)
    elif plain_log:
        loss = target * (target.log() - input)
    else:
        loss = torch.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / (loss.numel() if batchmean_by_numel else input.shape[0])
    return _reduce(loss, reduction)


def _kl_batchmean_numel(input, target, reduction="mean", log_target=False):
    """Planted bug: 'batchmean' divides by the number of elements (that is 'mean')."""
    return _kl_sketch(input, target, reduction, log_target, batchmean_by_numel=True)


def _kl_zero_log_zero(input, target, reduction="mean", log_target=False):
    """Planted bug: target * log(target) is nan where the target is 0."""
    return _kl_sketch(input, target, reduction, log_target, plain_log=True)


def _kl_ignores_log_target(input, target, reduction="mean", log_target=False):
    """Planted bug: log_target=True is ignored (the log-probs read as probabilities)."""
    return _kl_sketch(input, target, reduction, log_target, ignore_log_target=True)


# ---- smooth_l1_loss ----------------------------------------------------------------------


def smooth_l1_loss_cases(smooth_l1_loss):
    both = torch.tensor([-3.0, -1.0, -0.4, 0.0, 0.2, 0.9, 1.5, 4.0], dtype=torch.float64)
    specs = [
        ("input, target (1,), |x - y| < 1", torch.tensor([0.5], dtype=torch.float64),
         torch.zeros(1, dtype=torch.float64), {}),
        ("input (8,) with |x - y| on both sides of 1, target (8,)", both,
         randn(8, seed=1, scale=0.1), {}),
        ("input, target (3, 4)", randn(3, 4, seed=2, scale=1.5), randn(3, 4, seed=3),
         {"reduction": "sum", "beta": 0.5}),
        ("input, target (2, 3)", randn(2, 3, seed=4, scale=2.0), randn(2, 3, seed=5),
         {"reduction": "none", "beta": 2.0}),
        ("input, target (5,) (the L1 loss)", randn(5, seed=6), randn(5, seed=7),
         {"beta": 0.0}),
    ]
    for name, x, y, kwargs in specs:
        yield fn_case(name + _opts(kwargs), smooth_l1_loss, F.smooth_l1_loss, x, y,
                      kwargs=kwargs)


def _smooth_l1_no_beta(input, target, reduction="mean", beta=1.0):
    """Planted bug: the quadratic branch is 0.5 d^2, not 0.5 d^2 / beta."""
    d = input - target
    return _reduce(torch.where(d.abs() < beta, 0.5 * d * d, d.abs() - 0.5 * beta), reduction)


def _smooth_l1_no_shift(input, target, reduction="mean", beta=1.0):
    """Planted bug: the linear branch is |d|, not |d| - beta / 2 (a jump at |d| = beta)."""
    d = input - target
    return _reduce(torch.where(d.abs() < beta, 0.5 * d * d / beta, d.abs()), reduction)


def _smooth_l1_beta_zero(input, target, reduction="mean", beta=1.0):
    """Planted bug: beta = 0 divides by zero in the branch torch.where discards; the
    gradient of that branch, 0 * inf, is nan."""
    d = input - target
    return _reduce(torch.where(d.abs() < beta, 0.5 * d * d / beta, d.abs() - 0.5 * beta),
                   reduction)


EXERCISES = [
    Exercise(
        id="cross_entropy", entry="cross_entropy", lesson="loss-inputs",
        at=("pytorch:9", "book:2", "book:3"),
        title=("Cross-entropy on logits", "基于 logits 的交叉熵"),
        task=("Write cross_entropy(logits, target, ignore_index=-100, label_smoothing=0.0, "
              "reduction='mean'). logits: (B, C) or (B, C, d1) with the classes on dim 1; "
              "target: int64 class indices (B,) or (B, d1). With log p = log_softmax(logits) "
              "over dim 1, each target costs -log p[y]; with label smoothing eps it costs "
              "(1 - eps) * (-log p[y]) + eps / C * sum_c (-log p[c]). Targets equal to "
              "ignore_index cost 0 and do not count. 'none' returns the per-target losses "
              "(B,) or (B, d1); 'sum' adds them; 'mean' divides the sum by the number of "
              "targets that count. It must stay finite for logits in the thousands.",
              "实现 cross_entropy(logits, target, ignore_index=-100, label_smoothing=0.0, "
              "reduction='mean')。logits 形状为 (B, C) 或 (B, C, d1)，类别在第 1 维；"
              "target 是 int64 类别下标，形状 (B,) 或 (B, d1)。令 log p 为 logits 在第 1 维上的 "
              "log_softmax，每个目标的损失是 -log p[y]；使用标签平滑 eps 时为 (1 - eps) * (-log "
              "p[y]) + eps / C * sum_c (-log p[c])。等于 ignore_index 的目标损失为 0，"
              "也不计入个数。'none' 返回逐目标的损失 (B,) 或 (B, d1)；'sum' 求和；"
              "'mean' 用总和除以计入的目标个数。logits 达到几千时结果也必须是有限的。"),
        stub='''
            def cross_entropy(logits: Tensor, target: Tensor, ignore_index: int = -100,
                              label_smoothing: float = 0.0, reduction: str = "mean") -> Tensor:
                """logits (B, C) or (B, C, d1); target int64 (B,) or (B, d1).
                Returns () for 'mean'/'sum', the target's shape for 'none'."""
        ''',
        reference="dlfs.nn.functional.class_losses:cross_entropy",
        cases=cross_entropy_cases,
        mutants={"ignored targets counted in the mean": _ce_ignored_counted,
                 "smoothing spread over C - 1 classes": _ce_smooth_others,
                 "(B, C, d1) reshaped to (-1, C)": _ce_flat,
                 "no max subtraction": _ce_no_shift},
        hints=(("log_softmax(x) = x - m - log(sum(exp(x - m))) with m = x.amax(1, keepdim=True): "
                "the shift changes nothing mathematically and keeps exp from overflowing.",
                "log_softmax(x) = x - m - log(sum(exp(x - m)))，m = x.amax(1, keepdim=True)："
                "减去 m 在数学上不改变结果，却能防止 exp 溢出。"),
               ("logp.gather(1, target.unsqueeze(1)).squeeze(1) picks log p[y] for any number "
                "of trailing dims; replace ignored targets by 0 first so gather stays in range.",
                "logp.gather(1, target.unsqueeze(1)).squeeze(1) 可以在任意多个尾部维度下取出 log "
                "p[y]；先把被忽略的目标换成 0，gather 才不会越界。"),
               ("Multiply the per-target loss by the mask (target != ignore_index) and divide "
                "the sum by mask.sum() for 'mean'.",
                "逐目标损失乘以掩码 (target != ignore_index)；'mean' 时用总和除以 mask.sum()。")),
    ),
    Exercise(
        id="nll_loss", entry="nll_loss", lesson="loss-inputs", at=("pytorch:9",),
        title=("Negative log-likelihood with class weights", "带类别权重的负对数似然"),
        task=("Write nll_loss(log_probs, target, weight=None, ignore_index=-100, "
              "reduction='mean'). log_probs: (B, C) or (B, C, d1), classes on dim 1; target: "
              "int64 (B,) or (B, d1). Each target costs -w[y] * log_probs[y], with w[y] = "
              "weight[y] (1 without weights) and 0 where target == ignore_index. 'none' returns "
              "these per-target losses, 'sum' adds them, and 'mean' divides their sum by the "
              "sum of w[y] over the targets that count (not by their number).",
              "实现 nll_loss(log_probs, target, weight=None, ignore_index=-100, reduction='mean')。"
              "log_probs 形状为 (B, C) 或 (B, C, d1)，类别在第 1 维；target 为 int64 的 (B,) 或 "
              "(B, d1)。每个目标的损失是 -w[y] * log_probs[y]，其中 w[y] = weight[y]（没有权重时为 "
              "1），target == ignore_index 处为 0。'none' 返回逐目标的损失，'sum' 求和，"
              "'mean' 用总和除以计入的目标的 w[y] 之和（而不是目标个数）。"),
        stub='''
            def nll_loss(log_probs: Tensor, target: Tensor, weight: Tensor | None = None,
                         ignore_index: int = -100, reduction: str = "mean") -> Tensor:
                """log_probs (B, C) or (B, C, d1); target int64 (B,) or (B, d1);
                weight (C,) or None. Returns () or, for 'none', the target's shape."""
        ''',
        reference="dlfs.nn.functional.class_losses:nll_loss",
        cases=nll_loss_cases,
        mutants={"weighted mean divides by N": _nll_divides_by_n,
                 "ignored targets counted": _nll_ignored_counted,
                 "(B, C, d1) reshaped to (-1, C)": _nll_flat},
        hints=(("weight[safe_target] gives each target its weight, with the same shape as the "
                "target; zero it where target == ignore_index.",
                "weight[safe_target] 给每个目标取出它的权重，形状与 target 相同；"
                "在 target == ignore_index 处把它置零。"),
               ("'mean' is sum(w * loss) / sum(w): with all weights 1 and nothing ignored this "
                "is the ordinary mean.",
                "'mean' 是 sum(w * loss) / sum(w)：权重全为 1 且没有忽略的目标时，"
                "它就是普通的平均。")),
    ),
    Exercise(
        id="bce_with_logits", entry="binary_cross_entropy_with_logits", lesson="loss-inputs",
        at=("pytorch:9",),
        title=("Binary cross-entropy on logits, stable", "数值稳定的 logits 二元交叉熵"),
        task=("Write binary_cross_entropy_with_logits(logits, target, pos_weight=None, "
              "reduction='mean'). logits and target (floats in [0, 1]) have the same shape; "
              "pos_weight, if given, has the size of the last dim and broadcasts. Per element, "
              "with sigma the sigmoid: l = -(p * y * log sigma(x) + (1 - y) * log(1 - sigma(x))), "
              "p = pos_weight (1 if None). Compute log sigma(x) = min(x, 0) - log(1 + exp(-|x|)) "
              "and log(1 - sigma(x)) = log sigma(x) - x, so logits of +-800 give finite losses "
              "and gradients. reduction: 'mean', 'sum' or 'none'.",
              "实现 binary_cross_entropy_with_logits(logits, target, pos_weight=None, "
              "reduction='mean')。logits 与 target（[0, 1] 内的浮点数）形状相同；"
              "给定的 pos_weight 大小等于最后一维，按广播使用。记 σ 为 sigmoid，"
              "逐元素地 l = -(p * y * log σ(x) + (1 - y) * log(1 - σ(x)))，"
              "p = pos_weight（None 时为 1）。用 log σ(x) = min(x, 0) - log(1 + exp(-|x|)) 和 "
              "log(1 - σ(x)) = log σ(x) - x 来算，这样 logits 为 ±800 时损失和梯度仍然有限。"
              "reduction 取 'mean'、'sum' 或 'none'。"),
        stub='''
            def binary_cross_entropy_with_logits(logits: Tensor, target: Tensor,
                                                 pos_weight: Tensor | None = None,
                                                 reduction: str = "mean") -> Tensor:
                """logits, target (*); pos_weight (last dim,) or None.
                Returns () or, for 'none', shape (*)."""
        ''',
        reference="dlfs.nn.functional.loss:binary_cross_entropy_with_logits",
        cases=bce_with_logits_cases,
        mutants={"log(sigmoid(x)) written out": _bce_naive,
                 "pos_weight on the negative term": _bce_pos_weight_wrong_term},
        hints=(("log(1 + exp(-|x|)) is torch.log1p(torch.exp(-x.abs())): exp of a number <= 0 "
                "never overflows.",
                "log(1 + exp(-|x|)) 就是 torch.log1p(torch.exp(-x.abs()))："
                "对不大于 0 的数取 exp 永远不会溢出。"),
               ("pos_weight multiplies the y * log sigma(x) term only: it makes the positive "
                "examples count more.",
                "pos_weight 只乘在 y * log σ(x) 这一项上：它让正样本的分量更重。")),
    ),
    Exercise(
        id="mse_loss", entry="mse_loss", lesson="loss-inputs", at=("pytorch:9", "book:2"),
        title=("Mean squared error", "均方误差"),
        task=("Write mse_loss(input, target, reduction='mean') for two tensors of the same "
              "shape: the elementwise loss is (input - target)^2; 'none' returns it, 'sum' "
              "adds it up, 'mean' averages it over all elements. Gradients flow to both "
              "input and target.",
              "实现 mse_loss(input, target, reduction='mean')，两个张量形状相同："
              "逐元素损失为 (input - target)^2；'none' 直接返回，'sum' 求和，"
              "'mean' 对所有元素取平均。梯度要能同时传到 input 和 target。"),
        stub='''
            def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
                """input, target (*) -> () or, for 'none', (*)"""
        ''',
        reference="dlfs.nn.functional.loss:mse_loss",
        cases=mse_loss_cases,
        mutants={"sum for 'mean'": _mse_sum_for_mean, "root of the mean": _mse_sqrt,
                 "absolute difference": _mse_abs},
        hints=(("d = input - target; loss = d * d.",
                "d = input - target；loss = d * d。"),
               ("'mean' is loss.mean() over every element, not just the batch dimension.",
                "'mean' 是对所有元素做 loss.mean()，不只是在 batch 维上平均。")),
    ),
    Exercise(
        id="kl_div", entry="kl_div", lesson="loss-inputs", at=("pytorch:9",),
        title=("KL divergence, torch's argument order", "KL 散度（torch 的参数顺序）"),
        task=("Write kl_div(input, target, reduction='mean', log_target=False). input holds "
              "the model's log-probabilities log q, target the reference probabilities p (or "
              "log p when log_target=True), same shape (B, *). The elementwise loss is "
              "p * (log p - log q), with 0 * log 0 = 0. 'batchmean' divides the sum by B "
              "(the KL divergence per sample); 'mean' divides it by the number of elements; "
              "'sum' and 'none' as usual.",
              "实现 kl_div(input, target, reduction='mean', log_target=False)。"
              "input 是模型的对数概率 log q，target 是参考分布的概率 p（log_target=True 时是 log "
              "p），二者形状都是 (B, *)。逐元素损失为 p * (log p - log q)，并约定 0 * log 0 = 0。"
              "'batchmean' 用总和除以 B（即每个样本的 KL 散度）；'mean' 除以元素个数；"
              "'sum' 与 'none' 照常。"),
        stub='''
            def kl_div(input: Tensor, target: Tensor, reduction: str = "mean",
                       log_target: bool = False) -> Tensor:
                """input: log-probs (B, *); target: probs (B, *), or log-probs if
                log_target. Returns () or, for 'none', (B, *)."""
        ''',
        reference="dlfs.nn.functional.loss:kl_div",
        cases=kl_div_cases,
        mutants={"'batchmean' divides by the element count": _kl_batchmean_numel,
                 "0 * log 0 is nan": _kl_zero_log_zero,
                 "log_target ignored": _kl_ignores_log_target},
        hints=(("torch.xlogy(p, p) is p * log p with 0 where p = 0.",
                "torch.xlogy(p, p) 就是 p * log p，并且在 p = 0 处为 0。"),
               ("With log_target, p = exp(t) and log p = t: the loss is exp(t) * (t - input).",
                "log_target 时 p = exp(t)、log p = t：损失是 exp(t) * (t - input)。")),
    ),
    Exercise(
        id="smooth_l1_loss", entry="smooth_l1_loss", lesson="loss-inputs", at=("pytorch:9",),
        title=("Smooth L1 loss", "Smooth L1 损失"),
        task=("Write smooth_l1_loss(input, target, reduction='mean', beta=1.0) for two tensors "
              "of the same shape. With d = input - target: l = 0.5 * d^2 / beta where |d| < "
              "beta, and |d| - 0.5 * beta elsewhere (the two pieces meet smoothly at |d| = "
              "beta). beta = 0 is the plain L1 loss |d|, with a finite gradient. reduction: "
              "'mean', 'sum' or 'none'.",
              "实现 smooth_l1_loss(input, target, reduction='mean', beta=1.0)，两个张量形状相同。"
              "令 d = input - target：|d| < beta 时 l = 0.5 * d^2 / beta，"
              "否则 l = |d| - 0.5 * beta（两段在 |d| = beta 处平滑衔接）。"
              "beta = 0 时就是普通的 L1 损失 |d|，梯度必须是有限的。reduction 取 'mean'、"
              "'sum' 或 'none'。"),
        stub='''
            def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean",
                               beta: float = 1.0) -> Tensor:
                """input, target (*) -> () or, for 'none', (*)"""
        ''',
        reference="dlfs.nn.functional.loss:smooth_l1_loss",
        cases=smooth_l1_loss_cases,
        mutants={"quadratic branch not divided by beta": _smooth_l1_no_beta,
                 "linear branch not shifted by beta / 2": _smooth_l1_no_shift,
                 "beta = 0 divides by zero": _smooth_l1_beta_zero},
        hints=(("torch.where(d.abs() < beta, quadratic, linear) picks the branch per element.",
                "torch.where(d.abs() < beta, 二次项, 线性项) 逐元素选择分支。"),
               ("torch.where still differentiates the branch it discards, and 0 * inf is nan: "
                "for beta == 0 return the L1 loss before building the quadratic branch.",
                "torch.where 仍会对被丢弃的分支求导，而 0 * inf 等于 nan："
                "beta == 0 时在构造二次项之前就直接返回 L1 损失。")),
    ),
]


# ---- info_nce (appended for issue #17) ---------------------------------------------------


def _torch_info_nce(query, key, temperature=0.1, symmetric=False):
    """InfoNCE from torch's built-ins: cross-entropy over the cosine-similarity matrix."""
    u, v = F.normalize(query, dim=1), F.normalize(key, dim=1)
    s = u @ v.T / temperature                                          # (B, B)
    labels = torch.arange(query.shape[0])
    loss = F.cross_entropy(s, labels)
    return (loss + F.cross_entropy(s.T, labels)) / 2 if symmetric else loss


def info_nce_cases(info_nce):
    # rows of very different lengths: only a loss that normalises them gets these right
    lengths = torch.tensor([0.05, 1.0, 20.0, 3.0], dtype=torch.float64).unsqueeze(1)
    specs = [
        ("query, key (1, 3): no negative, the loss is 0", randn(1, 3, seed=1),
         randn(1, 3, seed=2), {"temperature": 0.1}),
        ("query, key (2, 4): one negative each", randn(2, 4, seed=3), randn(2, 4, seed=4),
         {"temperature": 0.5}),
        ("query, key (5, 8)", randn(5, 8, seed=5), randn(5, 8, seed=6), {"temperature": 0.1}),
        ("query, key (4, 6), rows of lengths 0.05 to 20", randn(4, 6, seed=7) * lengths,
         randn(4, 6, seed=8) * lengths.flip(0), {"temperature": 0.07}),
        ("query, key (3, 5)", randn(3, 5, seed=9), randn(3, 5, seed=10),
         {"temperature": 2.0}),
        ("query, key (3, 5)", randn(3, 5, seed=11), randn(3, 5, seed=12),
         {"temperature": 0.2, "symmetric": True}),
        ("query, key (6, 4), keys near their queries", randn(6, 4, seed=13),
         randn(6, 4, seed=13) + randn(6, 4, seed=14, scale=0.3),
         {"temperature": 0.05, "symmetric": True}),
    ]
    for name, q, k, kwargs in specs:
        yield fn_case(name + _opts(kwargs), info_nce, _torch_info_nce, q, k, kwargs=kwargs)


def _nce_sketch(query, key, temperature=0.1, symmetric=False, *, normalize=True,
                times_tau=False, rows_twice=False, drop_positive=False):
    """A from-scratch InfoNCE whose switches plant one bug each."""
    if normalize:
        query = query / query.norm(dim=1, keepdim=True)
        key = key / key.norm(dim=1, keepdim=True)
    s = query @ key.T                                                  # (B, B)
    s = s * temperature if times_tau else s / temperature

    def one_way(s):
        if drop_positive:   # the positive left out of the denominator
            others = s.masked_fill(torch.eye(len(s), dtype=torch.bool), float("-inf"))
            return (torch.logsumexp(others, 1) - s.diagonal()).mean()
        return (torch.logsumexp(s, 1) - s.diagonal()).mean()
    if not symmetric:
        return one_way(s)
    return (one_way(s) + one_way(s if rows_twice else s.T)) / 2


def _nce_no_normalize(query, key, temperature=0.1, symmetric=False):
    """Planted bug: raw dot products, the rows never scaled to length 1."""
    return _nce_sketch(query, key, temperature, symmetric, normalize=False)


def _nce_times_tau(query, key, temperature=0.1, symmetric=False):
    """Planted bug: the similarities multiplied by the temperature instead of divided."""
    return _nce_sketch(query, key, temperature, symmetric, times_tau=True)


def _nce_rows_twice(query, key, temperature=0.1, symmetric=False):
    """Planted bug: the symmetric form takes the rows twice (no transpose for key -> query)."""
    return _nce_sketch(query, key, temperature, symmetric, rows_twice=True)


def _nce_drop_positive(query, key, temperature=0.1, symmetric=False):
    """Planted bug: the positive masked out of the softmax's denominator."""
    return _nce_sketch(query, key, temperature, symmetric, drop_positive=True)


EXERCISES.append(Exercise(
    id="info_nce", entry="info_nce", lesson="contrastive-learning", at=("topics:losses",),
    title=("InfoNCE with in-batch negatives", "批内负样本的 InfoNCE"),
    task=("Write info_nce(query, key, temperature=0.1, symmetric=False). query and key are "
          "(B, D); row i of key is the positive of row i of query, every other row of key a "
          "negative. Scale each row to length 1 (u = q / |q|, v = k / |k|), form the logits "
          "s = u v^T / temperature (B, B), and return the mean over i of -log softmax(s_i)[i], "
          "i.e. cross-entropy over the rows with labels 0 ... B-1. With symmetric=True (the "
          "CLIP form) also let each key pick its query — the same over the columns, s^T — and "
          "return the average of the two directions. Return a 0-D tensor; gradients must "
          "reach query and key.",
          "实现 info_nce(query, key, temperature=0.1, symmetric=False)。query 和 key 的形状都是 "
          "(B, D)；key 的第 i 行是 query 第 i 行的正样本，key 的其他行都是负样本。先把每行缩放到"
          "单位长度（u = q / |q|，v = k / |k|），算出 logits s = u v^T / temperature，形状 "
          "(B, B)，返回 -log softmax(s_i)[i] 对 i 的平均，也就是以 0 ... B-1 为标签、按行计算的"
          "交叉熵。symmetric=True（CLIP 的形式）时，还要让每个键去认出它的查询——对列（即 s^T）"
          "做同样的计算——并返回两个方向的平均。返回 0 维张量；梯度要能传到 query 和 key。"),
    stub='''
        def info_nce(query: Tensor, key: Tensor, temperature: float = 0.1,
                     symmetric: bool = False) -> Tensor:
            """query, key (B, D): key i is the positive of query i. Returns ()."""
    ''',
    imports=("from dlfs.nn.functional.class_losses import cross_entropy",),
    allowed=("dlfs.nn.functional.class_losses:cross_entropy",),
    reference="dlfs.nn.functional.contrastive:info_nce",
    cases=info_nce_cases,
    mutants={"rows not normalised": _nce_no_normalize,
             "temperature multiplied": _nce_times_tau,
             "symmetric form without the transpose": _nce_rows_twice,
             "positive masked out of the denominator": _nce_drop_positive},
    hints=(("u = query / query.norm(dim=1, keepdim=True); the logits are u @ v.T / "
            "temperature, and the right answers sit on the diagonal.",
            "u = query / query.norm(dim=1, keepdim=True)；logits 是 u @ v.T / temperature，"
            "正确答案都在对角线上。"),
           ("cross_entropy(s, torch.arange(B)) is the row direction (or write it as "
            "(torch.logsumexp(s, 1) - s.diagonal()).mean()).",
            "cross_entropy(s, torch.arange(B)) 就是按行的方向（也可以写成 "
            "(torch.logsumexp(s, 1) - s.diagonal()).mean()）。"),
           ("The key -> query direction is the same with s.T; the positive stays in the "
            "denominator of both softmaxes.",
            "key -> query 方向用 s.T 做同样的计算；两个 softmax 的分母里都要包含正样本。")),
))


# ---- sigmoid_focal_loss (appended for issue #17) -----------------------------------------


def _torch_sigmoid_focal(logits, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """The published focal loss written with torch's built-ins (the checker's reference):
    -log p_t from the built-in BCE on logits, p_t from the sigmoid."""
    p = torch.sigmoid(logits)
    ce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * (1 - p_t) ** gamma
    if alpha is not None and alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return _reduce(loss, reduction)


def sigmoid_focal_loss_cases(sigmoid_focal_loss):
    gen = torch.Generator().manual_seed(17)
    bits = [torch.randint(0, 2, s, generator=gen).double() for s in [(6,), (3, 4), (2, 3, 5)]]
    big = torch.tensor([800.0, -800.0, 100.0, -100.0, 800.0, -800.0, 30.0, -2.0],
                       dtype=torch.float64)
    big_t = torch.tensor([1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0], dtype=torch.float64)
    specs = [
        ("logits (1,), target [1.]", randn(1, seed=1), torch.ones(1, dtype=torch.float64), {}),
        ("logits (6,), targets 0/1", randn(6, seed=2, scale=3.0), bits[0],
         {"reduction": "sum"}),
        ("logits (3, 4), targets 0/1", randn(3, 4, seed=3, scale=3.0), bits[1],
         {"alpha": 0.75, "gamma": 0.5, "reduction": "mean"}),
        ("logits (2, 3, 5), targets 0/1", randn(2, 3, 5, seed=4, scale=2.0), bits[2],
         {"alpha": 0.25, "gamma": 3.0}),
        ("logits (3, 4), soft targets in (0, 1)", randn(3, 4, seed=5, scale=2.0),
         torch.rand(3, 4, generator=gen, dtype=torch.float64), {"gamma": 1.5}),
        ("logits (6,), targets 0/1 (this is plain BCE)", randn(6, seed=6, scale=3.0),
         bits[0], {"alpha": None, "gamma": 0.0}),
        ("logits (3, 4), targets 0/1, no alpha_t", randn(3, 4, seed=7, scale=3.0),
         bits[1], {"alpha": -1.0, "gamma": 2.0, "reduction": "sum"}),
        ("logits (8,) of +-100 and +-800, targets 0/1", big, big_t, {}),
    ]
    for name, logits, targets, kwargs in specs:
        yield fn_case(name + _opts(kwargs), sigmoid_focal_loss, _torch_sigmoid_focal, logits,
                      targets, kwargs=kwargs)


def _focal_sketch(logits, targets, alpha=0.25, gamma=2.0, reduction="none", *,
                  alpha_t=True, factor_uses_p_t=True, gamma_on_log=False, stable=True):
    """A from-scratch sigmoid focal loss whose switches plant one bug each."""
    if stable:   # log sigma(x) = min(x, 0) - log(1 + exp(-|x|)); log(1 - sigma(x)) = ... - x
        log_p = logits.clamp(max=0) - torch.log1p(torch.exp(-logits.abs()))
        log_1mp = log_p - logits
    else:
        log_p, log_1mp = torch.log(torch.sigmoid(logits)), torch.log(1 - torch.sigmoid(logits))
    ce = -(targets * log_p + (1 - targets) * log_1mp)                  # -log p_t
    p = torch.sigmoid(logits)
    one_minus = p * (1 - targets) + (1 - p) * targets if factor_uses_p_t else 1 - p
    loss = one_minus * ce ** gamma if gamma_on_log else one_minus ** gamma * ce
    if alpha is not None and alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets) if alpha_t else alpha) * loss
    return _reduce(loss, reduction)


def _focal_no_alpha_t(logits, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """Planted bug: alpha multiplies every example; the negatives should get 1 - alpha."""
    return _focal_sketch(logits, targets, alpha, gamma, reduction, alpha_t=False)


def _focal_one_minus_p(logits, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """Planted bug: the factor is (1 - p)^gamma, the positive class's, not (1 - p_t)^gamma."""
    return _focal_sketch(logits, targets, alpha, gamma, reduction, factor_uses_p_t=False)


def _focal_gamma_on_log(logits, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """Planted bug: gamma raises the log term, (1 - p_t) * (-log p_t)^gamma."""
    return _focal_sketch(logits, targets, alpha, gamma, reduction, gamma_on_log=True)


def _focal_unstable_log(logits, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """Planted bug: log(sigmoid(x)) written out: sigmoid(-800) is 0 and its log -inf."""
    return _focal_sketch(logits, targets, alpha, gamma, reduction, stable=False)


EXERCISES.append(Exercise(
    id="sigmoid_focal_loss", entry="sigmoid_focal_loss", lesson="focal-loss",
    at=("topics:losses",),
    title=("Focal loss on logits", "基于 logits 的 Focal Loss"),
    task=("Write sigmoid_focal_loss(logits, targets, alpha=0.25, gamma=2.0, reduction='none'). "
          "logits and targets (floats in [0, 1]) have the same shape (*). With p = sigmoid(x), "
          "p_t = p * y + (1 - p) * (1 - y) and alpha_t = alpha * y + (1 - alpha) * (1 - y), "
          "each element costs l = -alpha_t * (1 - p_t)^gamma * log(p_t); alpha=None or a "
          "negative alpha means no alpha_t factor. -log(p_t) is the binary cross-entropy on "
          "logits: compute it stably, so that logits of +-800 give finite losses and "
          "gradients. 'none' returns l with shape (*), 'sum' adds it, 'mean' averages it. "
          "gamma = 0 without alpha is exactly the binary cross-entropy.",
          "实现 sigmoid_focal_loss(logits, targets, alpha=0.25, gamma=2.0, reduction='none')。"
          "logits 与 targets（[0, 1] 内的浮点数）形状相同，都是 (*)。记 p = sigmoid(x)，"
          "p_t = p * y + (1 - p) * (1 - y)，alpha_t = alpha * y + (1 - alpha) * (1 - y)，"
          "每个元素的损失是 l = -alpha_t * (1 - p_t)^gamma * log(p_t)；alpha 为 None 或负数时"
          "不乘 alpha_t。-log(p_t) 就是基于 logits 的二元交叉熵：要用数值稳定的方式计算，"
          "让 ±800 的 logits 也得到有限的损失和梯度。'none' 返回形状为 (*) 的 l，'sum' 求和，"
          "'mean' 取平均。gamma = 0 且不用 alpha 时，结果恰好就是二元交叉熵。"),
    stub='''
        def sigmoid_focal_loss(logits: Tensor, targets: Tensor, alpha: float | None = 0.25,
                               gamma: float = 2.0, reduction: str = "none") -> Tensor:
            """logits, targets (*) (targets 0./1. or soft labels in [0, 1]).
            Returns (*) for 'none', () for 'mean' and 'sum'."""
    ''',
    reference="dlfs.nn.functional.focal:sigmoid_focal_loss",
    cases=sigmoid_focal_loss_cases,
    mutants={"alpha for every example, not alpha_t": _focal_no_alpha_t,
             "(1 - p)^gamma instead of (1 - p_t)^gamma": _focal_one_minus_p,
             "gamma applied to the log term": _focal_gamma_on_log,
             "log(sigmoid(x)) written out": _focal_unstable_log},
    hints=(("-log(p_t) = (1 - y) * x - log sigma(x), with log sigma(x) = min(x, 0) - "
            "log(1 + exp(-|x|)) (torch.log1p(torch.exp(-x.abs()))): no exp can overflow.",
            "-log(p_t) = (1 - y) * x - log σ(x)，其中 log σ(x) = min(x, 0) - log(1 + exp(-|x|))"
            "（torch.log1p(torch.exp(-x.abs()))）：任何 exp 都不会溢出。"),
           ("1 - p_t = p * (1 - y) + (1 - p) * y: the probability the model gives to the "
            "wrong answer. Raise it to gamma and multiply the cross-entropy by it.",
            "1 - p_t = p * (1 - y) + (1 - p) * y：模型分给错误答案的概率。把它取 gamma 次方，"
            "再乘到交叉熵上。"),
           ("alpha_t weighs positives by alpha and negatives by 1 - alpha; it multiplies last, "
            "and only when alpha is not None and alpha >= 0.",
            "alpha_t 给正样本的权重是 alpha，负样本是 1 - alpha；最后再乘上，并且只在 alpha 不是 "
            "None 且 alpha >= 0 时才乘。")),
))
