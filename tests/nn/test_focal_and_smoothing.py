"""The focal losses (dlfs.nn.functional.focal) and label smoothing, read as a KL penalty.

gamma = 0 must be the built-in cross-entropy exactly (values and gradients, float64, several
shapes); gamma > 0 is compared with the published formula written with torch's own ops, and
with numbers worked out by hand. Label smoothing with class weights and ignore_index is
already proven equal to torch in tests/nn/test_losses.py (test_cross_entropy_indices,
..._full_smoothing, ..._custom_ignore_index_and_all_ignored); here: its KL decomposition.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as TF

import dlfs.nn.functional as DF
from dlfs.nn.functional.focal import focal_loss, sigmoid_focal_loss
from dlfs.testing import assert_fn_parity

D = torch.float64
REDUCTIONS = ["none", "mean", "sum"]
BINARY_SHAPES = [(1,), (7,), (4, 5), (2, 3, 5)]
CLASS_SHAPES = [(5, 7), (1, 3), (7,), (3, 4, 5), (2, 3, 4, 5)]


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _binary(shape, seed, soft=False):
    g = _gen(seed)
    x = torch.randn(shape, generator=g, dtype=D) * 3
    y = torch.rand(shape, generator=g, dtype=D) if soft else \
        torch.randint(0, 2, shape, generator=g).to(D)
    return x, y


def _torch_sigmoid_focal(x, y, alpha=0.25, gamma=2.0, reduction="none"):
    """The published formula in torch's ops: p_t by subtraction, CE from the built-in."""
    p = torch.sigmoid(x)
    ce = TF.binary_cross_entropy_with_logits(x, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * (1 - p_t) ** gamma
    if alpha is not None and alpha >= 0:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _torch_focal(x, t, gamma=2.0, alpha=None, ignore_index=-100, reduction="mean"):
    """Multi-class focal loss in torch's ops; 'mean' divides by the summed alpha[y]."""
    d = 0 if x.dim() == 1 else 1
    valid = t != ignore_index
    safe = t.masked_fill(~valid, 0)
    log_p_t = TF.log_softmax(x, d).gather(d, safe.unsqueeze(d)).squeeze(d)
    w = valid.to(x.dtype) if alpha is None else alpha[safe] * valid
    loss = -w * (1 - log_p_t.exp()) ** gamma * log_p_t
    if reduction == "mean":
        return loss.sum() / w.sum()
    return loss.sum() if reduction == "sum" else loss


def _class_data(shape, seed, ignore=False):
    g = _gen(seed)
    x = torch.randn(shape, generator=g, dtype=D) * 2
    c = shape[0] if len(shape) == 1 else shape[1]
    t = torch.randint(0, c, () if len(shape) == 1 else (shape[0],) + tuple(shape[2:]),
                      generator=g)
    if ignore and t.numel() > 1:
        t.view(-1)[::3] = ignore
    return x, t, c


# --------------------------------------------------------------------------- sigmoid focal


@pytest.mark.parametrize("shape", BINARY_SHAPES)
@pytest.mark.parametrize("alpha", [None, -1.0])
def test_sigmoid_focal_gamma_0_is_bce_with_logits(shape, alpha):
    x, y = _binary(shape, seed=1)
    for reduction in REDUCTIONS:
        assert_fn_parity(
            lambda a, b, r=reduction: sigmoid_focal_loss(a, b, alpha=alpha, gamma=0.0,
                                                         reduction=r),
            lambda a, b, r=reduction: TF.binary_cross_entropy_with_logits(a, b, reduction=r),
            x, y)


@pytest.mark.parametrize("shape", BINARY_SHAPES)
@pytest.mark.parametrize("gamma, alpha", [(2.0, 0.25), (0.5, 0.6), (1.0, None), (3.5, 0.9)])
def test_sigmoid_focal_matches_the_formula(shape, gamma, alpha):
    x, y = _binary(shape, seed=2)
    for reduction in REDUCTIONS:
        kw = {"alpha": alpha, "gamma": gamma, "reduction": reduction}
        assert_fn_parity(sigmoid_focal_loss, _torch_sigmoid_focal, x, y, kwargs=kw)


def test_sigmoid_focal_soft_targets_gradient_in_both_arguments():
    x, y = _binary((3, 4), seed=3, soft=True)
    assert_fn_parity(sigmoid_focal_loss, _torch_sigmoid_focal, x, y,
                     kwargs={"alpha": 0.3, "gamma": 1.5, "reduction": "sum"})


def test_sigmoid_focal_by_hand():
    x = torch.tensor([0.0, 2.0, -1.0, 3.0], dtype=D)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=D)

    def sig(v):
        return 1 / (1 + math.exp(-v))
    # p_t: 0.5; 1 - sig(2); 1 - sig(-1) = sig(1); sig(3).  alpha_t: 0.25, 0.75, 0.75, 0.25
    expected = [0.25 * 0.5 ** 2 * math.log(2),
                0.75 * sig(2) ** 2 * -math.log(1 - sig(2)),
                0.75 * sig(-1) ** 2 * -math.log(sig(1)),
                0.25 * (1 - sig(3)) ** 2 * -math.log(sig(3))]
    got = sigmoid_focal_loss(x, y, alpha=0.25, gamma=2.0)
    torch.testing.assert_close(got, torch.tensor(expected, dtype=D))
    assert abs(expected[0] - 0.0433216988) < 1e-9         # 0.25 * 0.25 * log 2


def test_sigmoid_focal_is_stable_for_huge_logits():
    x = torch.tensor([800.0, -800.0, 100.0, -100.0, 40.0], dtype=D, requires_grad=True)
    y = torch.tensor([1.0, 1.0, 0.0, 0.0, 0.0], dtype=D)
    loss = sigmoid_focal_loss(x, y, alpha=0.25, gamma=2.0)
    # confidently right -> 0; confidently wrong -> alpha_t * |x| (the factor is ~1)
    expected = torch.tensor([0.0, 0.25 * 800, 0.75 * 100, 0.0, 0.75 * 40], dtype=D)
    torch.testing.assert_close(loss, expected, atol=1e-12, rtol=1e-12)
    loss.sum().backward()
    assert torch.isfinite(x.grad).all()
    torch.testing.assert_close(x.grad, torch.tensor([0.0, -0.25, 0.75, 0.0, 0.75], dtype=D),
                               atol=1e-12, rtol=1e-12)


def test_focal_down_weights_easy_examples_more_than_hard_ones():
    easy, hard = torch.tensor([3.0], dtype=D), torch.tensor([-1.0], dtype=D)
    one = torch.ones(1, dtype=D)

    def kept(x):
        return float(sigmoid_focal_loss(x, one, alpha=None, gamma=2.0)
                     / TF.binary_cross_entropy_with_logits(x, one))
    assert kept(easy) < 0.003 and kept(hard) > 0.5      # (1 - p_t)^2: 0.0023 vs 0.53


# --------------------------------------------------------------------------- softmax focal


@pytest.mark.parametrize("shape", CLASS_SHAPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [None, -100, 1])
def test_focal_gamma_0_is_cross_entropy(shape, weighted, ignore):
    x, t, c = _class_data(shape, seed=4, ignore=ignore)
    w = torch.rand(c, generator=_gen(5), dtype=D) + 0.1 if weighted else None
    ig = -100 if ignore is None else ignore
    for reduction in REDUCTIONS:
        assert_fn_parity(
            lambda a, b, r=reduction: focal_loss(a, b, gamma=0.0, alpha=w, ignore_index=ig,
                                                 reduction=r),
            lambda a, b, r=reduction: TF.cross_entropy(a, b, weight=w, ignore_index=ig,
                                                       reduction=r),
            x, t)


@pytest.mark.parametrize("shape", CLASS_SHAPES)
@pytest.mark.parametrize("gamma", [0.5, 2.0, 3.0])
def test_focal_matches_the_formula(shape, gamma):
    x, t, c = _class_data(shape, seed=6, ignore=-100)
    w = torch.rand(c, generator=_gen(7), dtype=D) + 0.1
    for reduction in REDUCTIONS:
        for alpha in (None, w):
            kw = {"gamma": gamma, "alpha": alpha, "reduction": reduction}
            assert_fn_parity(focal_loss, _torch_focal, x, t, kwargs=kw, grad_kwargs=False)


def test_focal_by_hand():
    # two classes, equal logits: p_t = 1/2, loss = (1/2)^2 log 2
    assert abs(float(focal_loss(torch.zeros(1, 2, dtype=D), torch.tensor([0])))
               - 0.25 * math.log(2)) < 1e-15
    # three classes, logits (1, 2, 3), target 0, alpha = (2, 1, 1), gamma = 2
    z = [1.0, 2.0, 3.0]
    p0 = math.exp(1) / sum(math.exp(v) for v in z)                  # 0.0900
    expected = 2.0 * (1 - p0) ** 2 * -math.log(p0)
    got = focal_loss(torch.tensor([z], dtype=D), torch.tensor([0]), gamma=2.0,
                     alpha=torch.tensor([2.0, 1.0, 1.0], dtype=D), reduction="sum")
    assert abs(float(got) - expected) < 1e-12, (float(got), expected)


@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_focal_is_finite_when_the_model_is_sure(gamma):
    x = torch.tensor([[20.0, 0.0, 0.0], [0.0, 0.0, 900.0]], dtype=D, requires_grad=True)
    loss = focal_loss(x, torch.tensor([0, 2]), gamma=gamma, reduction="none")
    # 1 - p_t = 2 e^-20 / (1 + 2 e^-20) ~ -log p_t: loss ~ (2 e^-20)^(gamma + 1); p_t = 1 -> 0
    assert float(loss[0].detach()) == pytest.approx((2 * math.exp(-20)) ** (gamma + 1), rel=1e-6)
    assert float(loss[1].detach()) == 0.0
    loss.sum().backward()
    assert torch.isfinite(x.grad).all() and (x.grad[1] == 0).all()


@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_sigmoid_focal_gradient_is_finite_at_a_sure_right_answer(gamma):
    x = torch.tensor([800.0, -800.0], dtype=D, requires_grad=True)  # 1 - p_t is exactly 0
    loss = sigmoid_focal_loss(x, torch.tensor([1.0, 0.0], dtype=D), gamma=gamma)
    loss.sum().backward()
    assert (loss == 0).all() and (x.grad == 0).all()


@pytest.mark.parametrize("call, match", [
    (lambda: focal_loss(torch.zeros(2, 3), torch.tensor([0, 1]), gamma=-1.0), "gamma"),
    (lambda: focal_loss(torch.zeros(2, 3), torch.tensor([0, 1]), alpha=torch.ones(2)),
     r"alpha .* shape \(3,\)"),
    (lambda: focal_loss(torch.zeros(2, 3), torch.tensor([0.0, 1.0])), "int64"),
    (lambda: focal_loss(torch.zeros(2, 3), torch.tensor([0, 3])), "out of bounds"),
    (lambda: sigmoid_focal_loss(torch.zeros(3), torch.zeros(3), alpha=1.5), "alpha"),
    (lambda: sigmoid_focal_loss(torch.zeros(3, 1), torch.zeros(3)), "target shape"),
    (lambda: sigmoid_focal_loss(torch.zeros(3), torch.zeros(3), reduction="avg"), "reduction"),
])
def test_bad_inputs_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- label smoothing


@pytest.mark.parametrize("shape", [(6, 5), (1, 4), (3, 4, 2)])
@pytest.mark.parametrize("eps", [0.1, 0.3])
def test_label_smoothing_is_cross_entropy_plus_a_kl_penalty(shape, eps):
    """CE_eps = (1 - eps) CE + eps * KL(u || p) + eps * log C, per target (u uniform)."""
    x, t, c = _class_data(shape, seed=8)
    log_p = DF.log_softmax(x, dim=1)
    u = torch.full_like(x, 1 / c)
    kl_u_p = DF.kl_div(log_p, u, reduction="none").sum(1)           # KL(u || p) per target
    ce = DF.cross_entropy(x, t, reduction="none")
    smoothed = DF.cross_entropy(x, t, reduction="none", label_smoothing=eps)
    torch.testing.assert_close(smoothed, (1 - eps) * ce + eps * kl_u_p + eps * math.log(c))
    # and it is what torch computes
    torch.testing.assert_close(smoothed, TF.cross_entropy(x, t, reduction="none",
                                                          label_smoothing=eps))
