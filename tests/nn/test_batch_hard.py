"""Batch-hard triplet mining (dlfs.nn.functional.metric_learning): torch has no built-in, so
the invariants: it equals a brute-force loop over every anchor, positive and negative; and
on the mined triplets it equals torch's triplet_margin_loss, values and gradients."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as TF

from dlfs.nn.functional.metric_learning import (
    batch_hard_triplet_loss,
    mine_batch_hard,
    pairwise_distances,
)
from dlfs.testing import assert_fn_parity

D = torch.float64


def _batch(p, k, dim, seed, extra=()):
    """P classes x K examples each (shuffled), plus the labels in ``extra`` (singletons)."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.cat([torch.arange(p).repeat_interleave(k), torch.tensor(extra).long()])
    labels = labels[torch.randperm(len(labels), generator=g)]
    return torch.randn(len(labels), dim, generator=g, dtype=D), labels


def _brute_force(e, labels, margin, squared):
    """Every anchor, every candidate: plain Python loops over the rows."""
    out = []
    for i in range(len(e)):
        d = [float(((e[i] - e[j]) ** 2).sum()) for j in range(len(e))]
        d = d if squared else [math.sqrt(v) for v in d]
        pos = [d[j] for j in range(len(e)) if j != i and labels[j] == labels[i]]
        neg = [d[j] for j in range(len(e)) if labels[j] != labels[i]]
        out.append(max(max(pos) - min(neg) + margin, 0.0) if pos and neg else None)
    return out


CASES = [(2, 2, 3, ()), (3, 4, 5, ()), (4, 3, 8, (7, 9)), (5, 2, 1, (11,))]


@pytest.mark.parametrize("p, k, dim, extra", CASES)
@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("margin", [0.0, 0.5, 2.0])
def test_equals_the_brute_force_loop(p, k, dim, extra, squared, margin):
    e, labels = _batch(p, k, dim, seed=p * 10 + k, extra=extra)
    want = _brute_force(e, labels.tolist(), margin, squared)
    got = batch_hard_triplet_loss(e, labels, margin=margin, squared=squared, reduction="none")
    for i, w in enumerate(want):
        assert abs(float(got[i]) - (0.0 if w is None else w)) < 1e-12, (i, float(got[i]), w)
    counted = [w for w in want if w is not None]
    mean = batch_hard_triplet_loss(e, labels, margin=margin, squared=squared)
    assert abs(float(mean) - sum(counted) / len(counted)) < 1e-12
    assert abs(float(batch_hard_triplet_loss(e, labels, margin, squared, "sum"))
               - sum(counted)) < 1e-12


@pytest.mark.parametrize("p, k, dim, extra", CASES)
@pytest.mark.parametrize("margin", [0.5, 3.0])
def test_equals_torch_triplet_margin_loss_on_the_mined_triplets(p, k, dim, extra, margin):
    e, labels = _batch(p, k, dim, seed=p + k, extra=extra)
    pos, neg, valid = mine_batch_hard(e, labels)
    anchors = valid.nonzero().squeeze(1)

    def on_mined(x):       # the same triplets, built by indexing: gradients reach x
        return TF.triplet_margin_loss(x[anchors], x[pos[anchors]], x[neg[anchors]],
                                      margin=margin, eps=0.0)
    assert_fn_parity(lambda x: batch_hard_triplet_loss(x, labels, margin=margin), on_mined, e)


def test_mining_picks_the_farthest_positive_and_the_nearest_negative():
    e = torch.tensor([[0.0], [1.0], [4.0], [2.5], [3.0], [9.0]], dtype=D)
    labels = torch.tensor([0, 0, 0, 1, 1, 2])
    pos, neg, valid = mine_batch_hard(e, labels)
    assert valid.tolist() == [True, True, True, True, True, False]   # class 2 is alone
    assert pos[:5].tolist() == [2, 2, 0, 4, 3]
    assert neg[:5].tolist() == [3, 3, 4, 1, 2]


@pytest.mark.parametrize("shape", [(1, 3), (5, 4), (9, 1), (30, 7)])
def test_pairwise_distances_equal_torch_cdist(shape):
    x = torch.randn(shape, generator=torch.Generator().manual_seed(len(shape)), dtype=D)

    def cdist(a):   # the exact, difference-based mode (the default switches to a matmul)
        return torch.cdist(a, a, compute_mode="donot_use_mm_for_euclid_dist")
    assert_fn_parity(pairwise_distances, cdist, x)
    assert_fn_parity(lambda a: pairwise_distances(a, squared=True), lambda a: cdist(a) ** 2, x)


def test_distances_are_exact_with_a_finite_gradient_on_the_diagonal():
    x = torch.tensor([[0.0, 0.0], [3.0, 4.0], [3.0, 4.0]], dtype=D, requires_grad=True)
    d = pairwise_distances(x)
    torch.testing.assert_close(d.detach(), torch.tensor(
        [[0.0, 5.0, 5.0], [5.0, 0.0, 0.0], [5.0, 0.0, 0.0]], dtype=D))
    d.sum().backward()
    assert torch.isfinite(x.grad).all()
    torch.testing.assert_close(pairwise_distances(x, squared=True).detach(), d.detach() ** 2)


def test_gradient_pulls_positives_together():
    # classes {0, 2} and {1.25, 5}, margin 1: every anchor is active, and d|a - b|/da = sign
    e = torch.tensor([[0.0], [2.0], [1.25], [5.0]], dtype=D, requires_grad=True)
    batch_hard_triplet_loss(e, torch.tensor([0, 0, 1, 1]), margin=1.0, reduction="sum")\
        .backward()
    # summed over the four anchors' (+d_ap - d_an): a descent step moves 0 and 2 towards
    # each other, and 1.25 and 5 too
    torch.testing.assert_close(e.grad.squeeze(1), torch.tensor([-1.0, 1.0, -1.0, 1.0], dtype=D))


@pytest.mark.parametrize("args, match", [
    ((torch.zeros(4), torch.zeros(4).long()), r"\(B, D\)"),
    ((torch.zeros(4, 2), torch.zeros(3).long()), r"labels must have shape \(4,\)"),
    ((torch.zeros(4, 2), torch.zeros(4)), "integer"),
    ((torch.randn(3, 2), torch.tensor([0, 1, 2])), "P classes x K"),
])
def test_bad_inputs_are_named(args, match):
    with pytest.raises(ValueError, match=match):
        batch_hard_triplet_loss(*args)
    with pytest.raises(ValueError, match="margin"):
        batch_hard_triplet_loss(torch.randn(4, 2), torch.tensor([0, 0, 1, 1]), margin=-1.0)
