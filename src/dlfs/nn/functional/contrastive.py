"""Contrastive losses: InfoNCE (van den Oord et al., 2018; the CLIP form of Radford et al.,
2021) and NT-Xent (SimCLR, Chen et al., 2020).

Both turn "these two embeddings belong together" into a classification problem: each query
must pick its own positive out of a batch of candidates, by a softmax over similarities.

**InfoNCE** with queries ``q`` ``(B, D)`` and keys ``k`` ``(M, D)``, ``M >= B``: key ``i`` is
the positive of query ``i`` and every other key is a negative ("in-batch negatives"; keys past
row ``B`` are extra negatives, e.g. a memory queue). With ``u = q / |q|``, ``v = k / |k|``
(when ``normalize``) and temperature ``tau``::

    s_ij = u_i . v_j / tau                                  logits (B, M)
    l_i  = -log( exp(s_ii) / sum_j exp(s_ij) )              = cross_entropy(s, i)

``symmetric=True`` (CLIP, ``M == B``) averages the two directions: each query picks its key
(rows of ``s``) and each key picks its query (columns, i.e. rows of ``s^T``):
``l_i = (CE(s, i)_i + CE(s^T, i)_i) / 2``.

**NT-Xent** (normalised temperature-scaled cross-entropy) puts both views in one pool of
``2N`` embeddings ``z = [z1; z2]``, ``(2N, D)``. Anchor ``a`` has one positive, its other view
``p(a) = (a + N) mod 2N``, and ``2N - 2`` negatives: every other embedding *of either view*.
Its own similarity ``s_aa = 1 / tau`` is masked out (it would be a free "positive")::

    s_ab = u_a . u_b / tau   (a != b),   s_aa = -inf        (2N, 2N)
    l_a  = -log( exp(s_a,p(a)) / sum_{b != a} exp(s_ab) )

It differs from symmetric InfoNCE by the same-view negatives ``z1_i . z1_j``.

A small ``tau`` sharpens the softmax: the loss then concentrates on the hardest negatives.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ...i18n import t
from ._loss_base import LossInputError, _reduce
from .class_losses import cross_entropy

__all__ = ["info_nce", "nt_xent"]


def _unit_rows(x: Tensor, eps: float = 1e-12) -> Tensor:
    """``x / max(|x|, eps)`` row by row: ``(N, D) -> (N, D)``, each row of length 1."""
    return x / torch.linalg.vector_norm(x, dim=-1, keepdim=True).clamp_min(eps)


def _check_temperature(temperature: float | Tensor, name: str) -> None:
    """A positive number, or a positive 0-D tensor (a learnable temperature, as in CLIP)."""
    if isinstance(temperature, Tensor):
        if temperature.dim() != 0:
            raise LossInputError(t("library.loss.temperature_tensor", name=name,
                                         shape=tuple(temperature.shape)))
        ok = bool(temperature.detach() > 0)
    else:
        ok = (not isinstance(temperature, bool) and isinstance(temperature, (int, float))
              and temperature > 0)
    if not ok:
        raise LossInputError(t("library.loss.temperature", name=name, temperature=temperature))


def _check_embeddings(a: Tensor, b: Tensor, names: tuple[str, str], fn: str) -> None:
    """Both ``(rows, D)`` with the same ``D`` and dtype."""
    for x, name in zip((a, b), names):
        if not isinstance(x, Tensor) or x.dim() != 2:
            got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise LossInputError(t("library.loss.embeddings_2d", fn=fn, name=name, got=got))
    if a.shape[1] != b.shape[1]:
        raise LossInputError(t("library.loss.embeddings_size", fn=fn, a=names[0],
                                 a_shape=tuple(a.shape), b=names[1], b_shape=tuple(b.shape)))
    if a.dtype != b.dtype:
        raise LossInputError(t("library.loss.embeddings_dtype", fn=fn, a=names[0],
                                 a_dtype=a.dtype, b=names[1], b_dtype=b.dtype))


def info_nce(query: Tensor, key: Tensor, temperature: float | Tensor = 0.1,
             symmetric: bool = False, normalize: bool = True,
             reduction: str = "mean") -> Tensor:
    """InfoNCE with in-batch negatives: query ``i``'s positive is key ``i``.

    query ``(B, D)``; key ``(M, D)`` with ``M >= B`` (``M == B`` when ``symmetric``);
    temperature: a number > 0 or a 0-D tensor (gradients flow into it). ``normalize``
    compares directions (cosine similarity); without it, raw dot products.
    Returns ``()`` for ``'mean'``/``'sum'``, ``(B,)`` for ``'none'``.

    With ``B = M = 1`` there is no negative: the softmax has one entry, the loss is exactly
    0 and so is its gradient (nothing to learn from a batch of one).

    >>> import torch
    >>> q = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> info_nce(q, q, temperature=1.0)          # -log(e / (e + 1))
    tensor(0.3133)
    """
    _check_embeddings(query, key, ("query", "key"), "info_nce")
    _check_temperature(temperature, "info_nce")
    b, m = query.shape[0], key.shape[0]
    if m < b:
        raise LossInputError(t("library.loss.info_nce_rows", query=tuple(query.shape),
                                 key=tuple(key.shape)))
    if symmetric and m != b:
        raise LossInputError(t("library.loss.info_nce_symmetric", query=tuple(query.shape),
                                 key=tuple(key.shape)))
    u = _unit_rows(query) if normalize else query                    # (B, D)
    v = _unit_rows(key) if normalize else key                        # (M, D)
    s = u @ v.T / temperature                                        # (B, M) logits
    labels = torch.arange(b, device=query.device)                    # (B,) positives
    loss = cross_entropy(s, labels, reduction="none")                # (B,) query -> key
    if symmetric:
        loss = (loss + cross_entropy(s.T, labels, reduction="none")) / 2   # + key -> query
    return _reduce(loss, reduction)


def nt_xent(z1: Tensor, z2: Tensor, temperature: float | Tensor = 0.5,
            normalize: bool = True, reduction: str = "mean") -> Tensor:
    """NT-Xent (SimCLR) over the ``2N`` views ``[z1; z2]``: each view's positive is the
    other view of the same example, its negatives the other ``2N - 2`` views.

    z1, z2: ``(N, D)``, row ``i`` of each is one augmentation of example ``i``.
    Returns ``()`` for ``'mean'`` (over all 2N anchors) and ``'sum'``, ``(2N,)`` for
    ``'none'`` (anchors ``z1`` first, then ``z2``).

    >>> import torch
    >>> z = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> nt_xent(z, z, temperature=1.0)           # -log(e / (e + 1 + 1))
    tensor(0.5514)
    """
    _check_embeddings(z1, z2, ("z1", "z2"), "nt_xent")
    _check_temperature(temperature, "nt_xent")
    if z1.shape != z2.shape:
        raise LossInputError(t("library.loss.nt_xent_shapes", z1=tuple(z1.shape),
                                 z2=tuple(z2.shape)))
    n = z1.shape[0]
    z = torch.cat([z1, z2], dim=0)                                   # (2N, D)
    u = _unit_rows(z) if normalize else z                            # (2N, D)
    s = u @ u.T / temperature                                        # (2N, 2N)
    self_mask = torch.eye(2 * n, dtype=torch.bool, device=z.device)  # (2N, 2N)
    s = s.masked_fill(self_mask, float("-inf"))                      # no anchor picks itself
    idx = torch.arange(2 * n, device=z.device)                       # (2N,)
    positive = (idx + n) % (2 * n)                                   # the other view
    return cross_entropy(s, positive, reduction=reduction)
