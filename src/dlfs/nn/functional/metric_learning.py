"""Batch-hard triplet mining: the triplet loss with the hardest triplets found inside the batch.

A triplet loss ``max(d(a, p) - d(a, n) + margin, 0)`` (:func:`triplet_margin_loss`) needs
triplets: an anchor ``a``, a positive ``p`` of the same class, a negative ``n`` of another.
Random triplets are mostly easy (already ``margin`` apart) and teach nothing. Hermans, Beyer
and Leibe (2017, "In Defense of the Triplet Loss for Person Re-Identification") mine them from
the batch itself: for every anchor ``i``, take the *farthest* positive and the *nearest*
negative,

    l_i = max( max_{j: y_j = y_i, j != i} d_ij  -  min_{k: y_k != y_i} d_ik  + margin, 0 )

with ``d`` the Euclidean distance between embeddings (``squared=True``: its square). A batch
of ``P`` classes with ``K`` examples each gives every anchor ``K - 1`` positives to choose from.
Anchors without a positive or without a negative in the batch are left out of the mean.

Shapes: embeddings ``(B, D)``, labels ``(B,)``; the distance matrix is ``(B, B)``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ...i18n import t
from ._loss_base import LossInputError, _check_reduction

__all__ = ["batch_hard_triplet_loss", "mine_batch_hard", "pairwise_distances"]


def pairwise_distances(x: Tensor, squared: bool = False) -> Tensor:
    """``d_ij = ||x_i - x_j||_2`` (or its square) for embeddings ``x`` ``(B, D)`` -> ``(B, B)``:
    ``torch.cdist(x, x)`` (not ``F.pairwise_distance``, which pairs row i with row i only).

    Built from the differences, not from ``|x_i|^2 - 2 x_i.x_j + |x_j|^2``, which cancels
    badly for nearby points. ``sqrt`` has an infinite slope at 0, so where two points
    coincide (always on the diagonal) the distance is an exact 0 with gradient 0.

    >>> pairwise_distances(torch.tensor([[0.0, 0.0], [3.0, 4.0]]))
    tensor([[0., 5.],
            [5., 0.]])
    """
    diff = x.unsqueeze(1) - x.unsqueeze(0)                           # (B, B, D)
    sq = (diff * diff).sum(-1)                                       # (B, B)
    if squared:
        return sq
    zero = sq == 0
    root = torch.where(zero, torch.ones_like(sq), sq).sqrt()         # sqrt(1) where sq = 0
    return torch.where(zero, torch.zeros_like(sq), root)


def _check_inputs(embeddings: Tensor, labels: Tensor) -> None:
    if embeddings.dim() != 2:
        raise LossInputError(t("library.loss.mining_embeddings", shape=tuple(embeddings.shape)))
    if labels.shape != embeddings.shape[:1]:
        raise LossInputError(t("library.loss.mining_labels_shape", n=embeddings.shape[0],
                                 shape=tuple(labels.shape)))
    if labels.is_floating_point() or labels.is_complex():
        raise LossInputError(t("library.loss.mining_labels_dtype", dtype=labels.dtype))


def mine_batch_hard(embeddings: Tensor, labels: Tensor,
                    squared: bool = False) -> tuple[Tensor, Tensor, Tensor]:
    """For each anchor ``i``: the index of its farthest positive, of its nearest negative,
    and whether it has both.

    embeddings ``(B, D)``, labels ``(B,)`` -> ``(pos (B,), neg (B,), valid (B,) bool)``;
    ``pos[i]``/``neg[i]`` are meaningless where ``valid[i]`` is False.
    """
    _check_inputs(embeddings, labels)
    with torch.no_grad():
        d = pairwise_distances(embeddings, squared)                  # (B, B)
        same = labels.unsqueeze(0) == labels.unsqueeze(1)            # (B, B), diagonal True
        eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
        is_pos = same & ~eye
        pos = d.masked_fill(~is_pos, float("-inf")).argmax(1)        # (B,) farthest positive
        neg = d.masked_fill(same, float("inf")).argmin(1)            # (B,) nearest negative
        valid = is_pos.any(1) & (~same).any(1)                       # (B,)
    return pos, neg, valid


def batch_hard_triplet_loss(embeddings: Tensor, labels: Tensor, margin: float = 1.0,
                            squared: bool = False, reduction: str = "mean") -> Tensor:
    """The batch-hard triplet loss ``l_i = max(d(a_i, p_i*) - d(a_i, n_i*) + margin, 0)``.

    embeddings ``(B, D)``, labels ``(B,)`` integer class ids. ``'none'`` returns ``(B,)``
    (0 for anchors without a positive or a negative), ``'sum'`` their sum and ``'mean'`` the
    sum divided by the number of anchors that have both. The gradient flows through the two
    chosen distances of each anchor, as in :func:`triplet_margin_loss` on the mined triplets.

    >>> e = torch.tensor([[0.0], [2.0], [3.0], [6.0]])     # classes 0, 0, 1, 1 on a line
    >>> batch_hard_triplet_loss(e, torch.tensor([0, 0, 1, 1]), margin=1.0, reduction="none")
    tensor([0., 2., 3., 0.])
    """
    if margin < 0:
        raise LossInputError(t("library.loss.batch_hard_margin", margin=margin))
    _check_reduction(reduction)
    pos, neg, valid = mine_batch_hard(embeddings, labels, squared)
    if not bool(valid.any()):
        raise LossInputError(t("library.loss.batch_hard_none", seen=sorted(set(labels.tolist()))))
    d = pairwise_distances(embeddings, squared)                      # (B, B)
    d_ap = d.gather(1, pos.unsqueeze(1)).squeeze(1)                  # (B,) hardest positive
    d_an = d.gather(1, neg.unsqueeze(1)).squeeze(1)                  # (B,) hardest negative
    loss = (d_ap - d_an + margin).clamp(min=0) * valid               # (B,)
    if reduction == "mean":
        return loss.sum() / valid.sum()
    return loss.sum() if reduction == "sum" else loss
