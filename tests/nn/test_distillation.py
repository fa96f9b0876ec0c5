"""Knowledge distillation loss: parity with the formula written in torch, the invariant
"at T = 1 and alpha = 1 it is cross-entropy on soft targets (minus the teacher's entropy)",
the T^2 scaling of the soft-target gradient, and its input errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as TF

from dlfs.nn.functional.class_losses import cross_entropy
from dlfs.nn.functional.distillation import distillation_loss
from dlfs.nn.functional.loss import LossInputError
from dlfs.testing import assert_fn_parity

D = torch.float64


def _logits(b: int, c: int, seed: int, scale: float = 2.0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(b, c, generator=g, dtype=D) * scale
    t = torch.randn(b, c, generator=g, dtype=D) * scale
    y = torch.randint(0, c, (b,), generator=g)
    return z, t, y


def torch_distillation(z, t, y, T=4.0, alpha=0.9, reduction="mean"):
    """The same loss from torch's built-ins: KL(p_T || q_T) summed over classes."""
    kl = TF.kl_div(TF.log_softmax(z / T, 1), TF.log_softmax(t / T, 1), reduction="none",
                   log_target=True).sum(1)
    per = alpha * T * T * kl
    if y is not None:
        per = per + (1 - alpha) * TF.cross_entropy(z, y, reduction="none")
    return {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]


@pytest.mark.parametrize("b, c", [(1, 3), (5, 10), (7, 4)])
@pytest.mark.parametrize("T, alpha", [(1.0, 0.5), (4.0, 0.9), (2.5, 0.0), (8.0, 0.3)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_parity_with_the_torch_formula(b, c, T, alpha, reduction):
    z, t, y = _logits(b, c, seed=b * 10 + c)
    kwargs = {"T": T, "alpha": alpha, "reduction": reduction}
    # gradients of both the student and the (here not detached) teacher logits are compared
    assert_fn_parity(distillation_loss, torch_distillation, z, t, y, kwargs=kwargs)


def test_soft_class_probabilities_as_the_hard_target():
    z, t, _ = _logits(4, 5, seed=3)
    y = torch.softmax(torch.randn(4, 5, dtype=D), 1)
    assert_fn_parity(distillation_loss, torch_distillation, z, t, y, kwargs={"alpha": 0.6})


def test_at_T1_alpha1_it_is_cross_entropy_on_soft_targets_minus_teacher_entropy():
    """KL(p || q) = H(p, q) - H(p): the value differs from the soft-target cross-entropy by
    the teacher's entropy only, and the gradient w.r.t. the student is the same."""
    z, t, _ = _logits(6, 7, seed=11)
    p = torch.softmax(t, 1)                                          # soft targets, T = 1
    teacher_entropy = -(p * p.log()).sum(1).mean()
    z1, z2 = z.clone().requires_grad_(), z.clone().requires_grad_()
    kd = distillation_loss(z1, t, None, T=1.0, alpha=1.0)
    ce = cross_entropy(z2, p)                                        # H(p, q), batch mean
    torch.testing.assert_close(kd + teacher_entropy, ce, atol=1e-12, rtol=1e-12)
    kd.backward()
    ce.backward()
    torch.testing.assert_close(z1.grad, z2.grad, atol=1e-12, rtol=1e-12)
    # the gradient is (q - p) / B: it vanishes where the student matches the teacher
    torch.testing.assert_close(z1.grad, (torch.softmax(z, 1) - p) / 6, atol=1e-12, rtol=1e-12)


def test_the_kl_direction_is_teacher_to_student():
    """The reverse KL(q || p) has a different gradient: the invariant above would catch it."""
    z, t, _ = _logits(3, 5, seed=12)
    zz = z.clone().requires_grad_()
    distillation_loss(zz, t, None, T=1.0, alpha=1.0).backward()
    zr = z.clone().requires_grad_()
    q, p = torch.softmax(zr, 1), torch.softmax(t, 1)
    (q * (q.log() - p.log())).sum(1).mean().backward()               # KL(q || p)
    assert (zz.grad - zr.grad).abs().max() > 1e-2


def test_T_squared_keeps_the_soft_gradient_scale():
    """|dL/dz| of the soft term with the T^2 factor stays within 25 % over T = 1 ... 16 (it
    falls ~10^4-fold without it); at large T the scaled gradient tends to
    ((z - mean z) - (t - mean t)) / (C B)."""
    b, c = 16, 10
    z, t, _ = _logits(b, c, seed=0)
    norms = {}
    for T in (1.0, 2.0, 4.0, 8.0, 16.0, 100.0):
        zz = z.clone().requires_grad_()
        distillation_loss(zz, t, None, T=T, alpha=1.0).backward()
        norms[T] = zz.grad
    scaled = [norms[T].norm().item() for T in (1.0, 2.0, 4.0, 8.0, 16.0)]
    assert max(scaled) / min(scaled) < 1.25, scaled
    unscaled = [n / T ** 2 for n, T in zip(scaled, (1.0, 2.0, 4.0, 8.0, 16.0))]
    assert max(unscaled) / min(unscaled) > 100, unscaled
    centred = (z - z.mean(1, keepdim=True)) - (t - t.mean(1, keepdim=True))
    limit = centred / (c * b)
    assert (norms[100.0] - limit).norm() / limit.norm() < 0.02


def test_alpha_zero_is_plain_cross_entropy_and_the_teacher_gets_no_gradient_when_detached():
    z, t, y = _logits(5, 4, seed=4)
    torch.testing.assert_close(distillation_loss(z, t, y, alpha=0.0), cross_entropy(z, y))
    zz = z.clone().requires_grad_()
    tt = t.clone().requires_grad_()
    distillation_loss(zz, tt.detach(), y).backward()
    assert zz.grad is not None and tt.grad is None


def test_identical_logits_cost_only_the_hard_term():
    z, _, y = _logits(4, 6, seed=5)
    out = distillation_loss(z, z.clone(), y, T=3.0, alpha=0.7)
    torch.testing.assert_close(out, 0.3 * cross_entropy(z, y))


@pytest.mark.parametrize("call, match", [
    (lambda z, t, y: distillation_loss(z[0], t[0], y[0]), r"must be \(B, C\)"),
    (lambda z, t, y: distillation_loss(z, t[:, :3], y), "teacher_logits"),
    (lambda z, t, y: distillation_loss(z, t, y, T=0.0), "temperature T"),
    (lambda z, t, y: distillation_loss(z, t, y, alpha=1.5), r"alpha must be a number in \[0, 1\]"),
    (lambda z, t, y: distillation_loss(z, t, None, alpha=0.5), "target is needed"),
    (lambda z, t, y: distillation_loss(z, t, y, reduction="batchmean"), "not a valid value"),
])
def test_bad_inputs_are_named(call, match):
    z, t, y = _logits(3, 4, seed=6)
    with pytest.raises(LossInputError, match=match):
        call(z, t, y)
