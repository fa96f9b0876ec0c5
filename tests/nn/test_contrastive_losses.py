"""InfoNCE and NT-Xent: parity with torch's cross_entropy over the similarity matrix (values
and gradients, float64), the one-negative case as a hand-built two-way softmax, NT-Xent
against a brute-force loop, temperature handling and input errors."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as TF

from dlfs.nn.functional.contrastive import info_nce, nt_xent
from dlfs.nn.functional.loss import LossInputError
from dlfs.testing import assert_fn_parity

D = torch.float64


def _emb(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=D)


def torch_info_nce(q, k, temperature=0.1, symmetric=False, normalize=True, reduction="mean"):
    if normalize:
        q, k = TF.normalize(q, dim=1), TF.normalize(k, dim=1)
    s = q @ k.T / temperature
    labels = torch.arange(q.shape[0])
    loss = TF.cross_entropy(s, labels, reduction="none")
    if symmetric:
        loss = (loss + TF.cross_entropy(s.T, labels, reduction="none")) / 2
    return {"mean": loss.mean(), "sum": loss.sum(), "none": loss}[reduction]


def torch_nt_xent(z1, z2, temperature=0.5, normalize=True, reduction="mean"):
    z = torch.cat([z1, z2])
    if normalize:
        z = TF.normalize(z, dim=1)
    n2 = z.shape[0]
    s = (z @ z.T / temperature).masked_fill(torch.eye(n2, dtype=torch.bool), float("-inf"))
    positive = (torch.arange(n2) + n2 // 2) % n2
    return TF.cross_entropy(s, positive, reduction=reduction)


# --------------------------------------------------------------------------- InfoNCE


@pytest.mark.parametrize("b, m, d", [(1, 1, 3), (2, 2, 4), (5, 5, 8), (3, 7, 5), (6, 6, 1)])
@pytest.mark.parametrize("temperature", [0.07, 0.5, 2.0])
@pytest.mark.parametrize("normalize", [True, False])
def test_info_nce_parity(b, m, d, temperature, normalize):
    q, k = _emb(b, d, seed=b + 10 * m), _emb(m, d, seed=d + 100 * m)
    kw = {"temperature": temperature, "normalize": normalize}
    assert_fn_parity(info_nce, torch_info_nce, q, k, kwargs=kw)


@pytest.mark.parametrize("b, d", [(1, 3), (2, 5), (6, 4)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_info_nce_symmetric_parity(b, d, reduction):
    q, k = _emb(b, d, seed=b), _emb(b, d, seed=50 + d)
    kw = {"temperature": 0.2, "symmetric": True, "reduction": reduction}
    assert_fn_parity(info_nce, torch_info_nce, q, k, kwargs=kw)


def test_symmetric_is_not_one_direction_twice():
    """The key -> query direction uses the columns: a transposed-label bug would be caught."""
    q, k = _emb(5, 4, seed=1), _emb(5, 4, seed=2)
    rows = info_nce(q, k, 0.3)
    cols = info_nce(k, q, 0.3)
    torch.testing.assert_close(info_nce(q, k, 0.3, symmetric=True), (rows + cols) / 2)
    assert abs(rows - cols) > 1e-3


def test_learnable_temperature_gets_its_gradient():
    q, k = _emb(4, 6, seed=3), _emb(4, 6, seed=4)
    tau = torch.tensor(0.3, dtype=D)
    assert_fn_parity(info_nce, torch_info_nce, q, k, tau, kwargs={"symmetric": True})


def test_one_negative_is_a_two_way_softmax_cross_entropy():
    """Query 0 with keys (positive, negative): -log(e^{s+} / (e^{s+} + e^{s-})), i.e. the
    logistic loss log(1 + exp(s- - s+)), with s = cos / tau."""
    q, k = _emb(1, 5, seed=7), _emb(2, 5, seed=8)
    tau = 0.25
    cos = [float((q[0] @ k[j]) / (q[0].norm() * k[j].norm())) for j in (0, 1)]
    s_pos, s_neg = cos[0] / tau, cos[1] / tau
    expected = -math.log(math.exp(s_pos) / (math.exp(s_pos) + math.exp(s_neg)))
    assert abs(expected - math.log1p(math.exp(s_neg - s_pos))) < 1e-12
    assert abs(info_nce(q, k, tau).item() - expected) < 1e-12
    # the same with two queries and in-batch negatives: each row has exactly one negative
    q2 = _emb(2, 5, seed=9)
    per_row = info_nce(q2, k, tau, reduction="none")
    for i in (0, 1):
        c = [float((q2[i] @ k[j]) / (q2[i].norm() * k[j].norm())) / tau for j in (0, 1)]
        assert abs(per_row[i].item() - math.log1p(math.exp(c[1 - i] - c[i]))) < 1e-12


def test_batch_of_one_has_nothing_to_contrast():
    """B = M = 1: the softmax has a single entry, so the loss and its gradient are exactly 0."""
    q, k = _emb(1, 4, seed=5).requires_grad_(), _emb(1, 4, seed=6).requires_grad_()
    loss = info_nce(q, k, 0.1, symmetric=True)
    loss.backward()
    assert loss.item() == 0.0
    assert q.grad.abs().max() == 0 and k.grad.abs().max() == 0


def test_temperature_divides_the_similarities():
    """Without normalisation, (q, k, tau) is (q / tau, k, 1); scaling q and k does not
    change the normalised loss."""
    q, k = _emb(4, 3, seed=10), _emb(4, 3, seed=11)
    torch.testing.assert_close(info_nce(q, k, 0.25, normalize=False),
                               info_nce(q / 0.25, k, 1.0, normalize=False))
    torch.testing.assert_close(info_nce(q, k, 0.25), info_nce(3 * q, 0.5 * k, 0.25))
    # a colder softmax makes an aligned batch cheaper and a confused one dearer
    aligned = info_nce(k + 0.1 * q, k, 0.05), info_nce(k + 0.1 * q, k, 1.0)
    assert aligned[0] < aligned[1]


# --------------------------------------------------------------------------- NT-Xent


def brute_nt_xent(z1, z2, tau):
    """One anchor at a time, written from the definition."""
    views = [*z1, *z2]
    n = len(z1)
    total = 0.0
    for a, za in enumerate(views):
        p = (a + n) % (2 * n)
        cos = {b: float(za @ zb / (za.norm() * zb.norm())) for b, zb in enumerate(views)
               if b != a}
        denom = sum(math.exp(c / tau) for c in cos.values())
        total += -math.log(math.exp(cos[p] / tau) / denom)
    return total / (2 * n)


@pytest.mark.parametrize("n, d", [(1, 3), (2, 4), (5, 3)])
@pytest.mark.parametrize("tau", [0.1, 0.5, 1.0])
def test_nt_xent_equals_a_brute_force_loop(n, d, tau):
    z1, z2 = _emb(n, d, seed=n), _emb(n, d, seed=20 + d)
    assert abs(nt_xent(z1, z2, tau).item() - brute_nt_xent(z1, z2, tau)) < 1e-12


@pytest.mark.parametrize("n, d", [(1, 2), (3, 5), (8, 4)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("normalize", [True, False])
def test_nt_xent_parity(n, d, reduction, normalize):
    z1, z2 = _emb(n, d, seed=30 + n), _emb(n, d, seed=40 + d)
    kw = {"temperature": 0.3, "reduction": reduction, "normalize": normalize}
    assert_fn_parity(nt_xent, torch_nt_xent, z1, z2, kwargs=kw)


def test_nt_xent_counts_same_view_negatives():
    """NT-Xent has 2N - 2 negatives per anchor; symmetric InfoNCE has N - 1: they differ."""
    z1, z2 = _emb(4, 3, seed=1), _emb(4, 3, seed=2)
    assert nt_xent(z1, z2, 0.5) > info_nce(z1, z2, 0.5, symmetric=True)
    assert nt_xent(z1[:1], z2[:1], 0.5).item() == 0.0     # N = 1: only the positive is left


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("call, match", [
    (lambda q, k: info_nce(q[0], k), "query must be a 2-D tensor"),
    (lambda q, k: info_nce(q, k[:, :2]), "same embedding size D"),
    (lambda q, k: info_nce(q, k[:2]), "at least as many rows"),
    (lambda q, k: info_nce(q, torch.cat([k, k]), symmetric=True), "same number of rows"),
    (lambda q, k: info_nce(q, k, temperature=0.0), "temperature must be > 0"),
    (lambda q, k: info_nce(q, k, temperature=torch.tensor([0.1])), "0-D tensor"),
    (lambda q, k: info_nce(q, k.float()), "float64 but key is torch.float32"),
    (lambda q, k: info_nce(q, k, reduction="avg"), "not a valid value"),
    (lambda q, k: nt_xent(q, k[:2]), "same shape"),
    (lambda q, k: nt_xent(q, k[:, :1]), "same embedding size D"),
    (lambda q, k: nt_xent(q, k, temperature=-1.0), "temperature must be > 0"),
])
def test_bad_inputs_are_named(call, match):
    q, k = _emb(3, 4, seed=0), _emb(3, 4, seed=1)
    with pytest.raises(LossInputError, match=match):
        call(q, k)
