"""Einsum from scratch: parse the equation, then reduce every contraction to one batched matmul.

An equation such as ``"bhqd,bhkd->bhqk"`` names each dimension of each operand with a letter.
The letters sort themselves into four groups for a pair of operands A and B:

==============  =================  =====================================================
group           where it appears   what happens
==============  =================  =====================================================
batch           A, B and output    kept, matched pairwise  -> the ``b`` of ``bmm``
A-only ("m")    A and output       kept                    -> the rows of ``bmm``
B-only ("n")    B and output       kept                    -> the columns of ``bmm``
contracted      A and B only       multiplied and summed   -> the inner ``k`` of ``bmm``
==============  =================  =====================================================

so  out[b, m, n] = sum_k A[b, m, k] * B[b, k, n]  after permuting and reshaping each operand
to ``(batch, m, k)`` and ``(batch, k, n)``. Two details come first: a letter repeated inside
one operand (``"ii->i"``) takes a diagonal, and a letter that appears in one operand only and
not in the output is summed out right away (``"ij->i"``). With no ``->`` the output is every
letter that appears exactly once, in alphabetical (ASCII) order, as in NumPy and torch.

An ellipsis (``"...ij,...jk->...ik"``) stands for unnamed leading dimensions; they are
rewritten as fresh letters once the operands' shapes are known. Three or more operands are
contracted left to right, pairwise. ``torch.einsum`` is the built-in this mirrors
(``tests/tensors/test_einsum.py``).
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass

import torch

from ..errors import DlfsError
from ..i18n import t

__all__ = ["EinsumError", "Equation", "einsum", "expand_ellipsis", "parse_equation"]

_LETTERS = set(string.ascii_letters)


class EinsumError(DlfsError, ValueError):
    """A malformed equation or operands that do not fit it; the message says what was expected."""


@dataclass(frozen=True)
class Equation:
    """A parsed einsum equation: one label string per input, and the output labels."""

    inputs: tuple[str, ...]
    output: str
    explicit: bool  # True when the equation had '->'

    def __str__(self) -> str:
        return ",".join(self.inputs) + "->" + self.output


def parse_equation(equation: str) -> Equation:
    """Split an einsum equation into input and output labels, checking its syntax.

    >>> parse_equation("ij,jk->ik")
    Equation(inputs=('ij', 'jk'), output='ik', explicit=True)
    >>> parse_equation("ij,jk").output       # implicit: letters seen once, sorted
    'ik'
    >>> parse_equation("ii").output          # a repeated letter is summed: the trace
    ''
    """
    if not isinstance(equation, str):
        raise EinsumError(t("library.einsum.not_str", kind=type(equation).__name__))
    eq = equation.replace(" ", "")
    if "..." in eq:
        raise EinsumError(t("library.einsum.ellipsis_in_parse", equation=equation))
    if eq.count("->") > 1:
        raise EinsumError(t("library.einsum.arrows", equation=equation))
    lhs, arrow, rhs = eq.partition("->")
    for part, left in ((lhs, True), (rhs, False)):
        for pos, ch in enumerate(part):
            if ch not in _LETTERS and not (ch == "," and left):
                key = "library.einsum.bad_char_left" if left else "library.einsum.bad_char_right"
                raise EinsumError(t(key, ch=ch, pos=pos, equation=equation))
    inputs = tuple(lhs.split(","))
    if arrow:
        _check_output(inputs, rhs, equation)
        return Equation(inputs, rhs, explicit=True)
    counts = _label_counts(inputs)
    return Equation(inputs, "".join(sorted(k for k, c in counts.items() if c == 1)), False)


def _label_counts(inputs: tuple[str, ...]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for term in inputs:
        for label in term:
            counts[label] = counts.get(label, 0) + 1
    return counts


def _check_output(inputs: tuple[str, ...], output: str, equation: str) -> None:
    seen = set("".join(inputs))
    for label in output:
        if output.count(label) > 1:
            raise EinsumError(t("library.einsum.output_repeated", label=label, equation=equation))
        if label not in seen:
            raise EinsumError(t("library.einsum.output_unknown", label=label, equation=equation,
                                awaited=sorted(seen)))


def expand_ellipsis(equation: str, ndims: list[int]) -> str:
    """Rewrite ``...`` as fresh letters, given each operand's number of dimensions.

    The ellipsis stands for the leading dimensions a term does not name; across operands they
    are aligned at the right and broadcast, like ``broadcast_shape``. In the output they come
    first when the equation is implicit, and are summed when an explicit output omits ``...``.

    >>> expand_ellipsis("...ij,...jk->...ik", [4, 3])
    'ABij,Bjk->ABik'
    >>> expand_ellipsis("ba...", [3])
    'baA->Aab'
    """
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        raise EinsumError(t("library.einsum.count", equation=repr(equation), terms=len(terms),
                            operands=len(ndims)))
    counts = []
    for i, (term, ndim) in enumerate(zip(terms, ndims)):
        named = len(term.replace("...", ""))
        if "." in term.replace("...", "", 1):
            raise EinsumError(t("library.einsum.dots", term=term, equation=equation))
        if named > ndim:
            raise EinsumError(t("library.einsum.too_many_named", i=i, ndim=ndim, term=term,
                                named=named))
        counts.append(ndim - named if "..." in term else 0)
    spare = [c for c in string.ascii_uppercase + string.ascii_lowercase if c not in eq]
    if len(spare) < max(counts):
        raise EinsumError(t("library.einsum.no_letters", n=max(counts), equation=equation))
    ell = "".join(spare[:max(counts)])
    new_terms = [t.replace("...", ell[len(ell) - n:]) for t, n in zip(terms, counts)]
    if arrow:
        if rhs.count("...") > 1:
            raise EinsumError(t("library.einsum.output_ellipsis", equation=equation))
        out = rhs.replace("...", ell)
    else:
        once = _label_counts(tuple(t.replace("...", "") for t in terms))
        out = ell + "".join(sorted(k for k, c in once.items() if c == 1))
    return ",".join(new_terms) + "->" + out


def _label_sizes(eq: Equation, operands: tuple[torch.Tensor, ...]) -> dict[str, int]:
    """Size of every label; sizes must agree across operands (or be 1, which broadcasts)."""
    if len(eq.inputs) != len(operands):
        raise EinsumError(t("library.einsum.count", equation=f"'{eq}'", terms=len(eq.inputs),
                            operands=len(operands)))
    sizes: dict[str, int] = {}
    for i, (term, x) in enumerate(zip(eq.inputs, operands)):
        if len(term) != x.dim():
            raise EinsumError(t("library.einsum.dims_mismatch", i=i, ndim=x.dim(),
                                shape=tuple(x.shape), term=term, named=len(term)))
        for label in set(term):
            own = {size for ch, size in zip(term, x.shape) if ch == label}
            if len(own) > 1:
                raise EinsumError(t("library.einsum.repeated_in_operand", label=label, i=i,
                                    sizes=sorted(own), shape=tuple(x.shape)))
        for label, size in zip(term, x.shape):
            known = sizes.get(label)
            if known is None or known == 1:
                sizes[label] = size
            elif size not in (1, known):
                raise EinsumError(t("library.einsum.size_clash", label=label, known=known,
                                    size=size, i=i, shape=tuple(x.shape)))
    return sizes


def _take_diagonals(x: torch.Tensor, term: str) -> tuple[torch.Tensor, str]:
    """Resolve letters repeated inside one operand: ``"ii"`` -> the diagonal, label ``"i"``."""
    while len(set(term)) < len(term):
        label = next(ch for ch in term if term.count(ch) > 1)
        i = term.index(label)
        j = term.index(label, i + 1)
        if x.shape[i] != x.shape[j]:
            raise EinsumError(t("library.einsum.repeated_sizes", label=label, a=x.shape[i],
                                b=x.shape[j]))
        x = torch.diagonal(x, dim1=i, dim2=j)  # the diagonal moves to the last dim
        term = term[:i] + term[i + 1:j] + term[j + 1:] + label
    return x, term


def _sum_out(x: torch.Tensor, term: str, keep: set[str]) -> tuple[torch.Tensor, str]:
    """Sum over the labels of ``x`` that are not in ``keep``."""
    dims = [d for d, ch in enumerate(term) if ch not in keep]
    if not dims:
        return x, term
    return x.sum(dim=dims), "".join(ch for ch in term if ch in keep)


def _permute_to(x: torch.Tensor, term: str, order: str) -> torch.Tensor:
    """Permute ``x`` (labelled ``term``) so that its labels read ``order``."""
    return x.permute([term.index(ch) for ch in order])


def _contract_pair(a: torch.Tensor, ta: str, b: torch.Tensor, tb: str, out: str,
                   sizes: dict[str, int]) -> torch.Tensor:
    """Contract two prepared operands (no repeated or lonely labels) into labels ``out``."""
    batch = "".join(ch for ch in ta if ch in tb and ch in out)
    contract = "".join(ch for ch in ta if ch in tb and ch not in out)
    m_only = "".join(ch for ch in ta if ch not in tb)
    n_only = "".join(ch for ch in tb if ch not in ta)
    a = a.expand([sizes[ch] for ch in ta])  # broadcast size-1 dims (a view)
    b = b.expand([sizes[ch] for ch in tb])
    nb, nm, nk, nn = (math.prod(sizes[ch] for ch in g) for g in (batch, m_only, contract, n_only))
    a3 = _permute_to(a, ta, batch + m_only + contract).reshape(nb, nm, nk)  # (batch, m, k)
    b3 = _permute_to(b, tb, batch + contract + n_only).reshape(nb, nk, nn)  # (batch, k, n)
    c = torch.bmm(a3, b3)                                                   # (batch, m, n)
    labels = batch + m_only + n_only
    c = c.reshape([sizes[ch] for ch in labels])  # (*batch, *m, *n)
    return _permute_to(c, labels, out)


def einsum(equation: str, *operands: torch.Tensor) -> torch.Tensor:
    """Evaluate an einsum equation with permutes, reshapes and one ``bmm`` per operand pair.

    Args:
        equation: e.g. ``"ij,jk->ik"``; spaces are ignored; without ``->`` the output is
            every letter used exactly once, sorted.

        ``*operands``: one tensor per input term (same dtype for two or more).

    Returns:
        A tensor whose dimensions follow the output labels, equal to ``torch.einsum``.

    >>> a, b = torch.arange(6.).reshape(2, 3), torch.arange(12.).reshape(3, 4)
    >>> torch.equal(einsum("ij,jk->ik", a, b), a @ b)
    True
    >>> einsum("ii", torch.eye(3)).item()               # trace
    3.0
    >>> einsum("bhqd,bhkd->bhqk", torch.ones(2, 4, 5, 8), torch.ones(2, 4, 7, 8)).shape
    torch.Size([2, 4, 5, 7])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise EinsumError(t("library.einsum.no_operands"))
    if isinstance(equation, str) and "..." in equation:
        equation = expand_ellipsis(equation, [x.dim() for x in operands])
    eq = parse_equation(equation)
    dtypes = {x.dtype for x in operands}
    if len(dtypes) > 1:
        raise EinsumError(t("library.einsum.dtypes", dtypes=[str(x.dtype) for x in operands]))
    sizes = _label_sizes(eq, operands)
    terms = list(eq.inputs)
    xs = list(operands)
    for i in range(len(xs)):
        xs[i], terms[i] = _take_diagonals(xs[i], terms[i])
    # Contract left to right: after each step keep only labels needed later or in the output.
    x, term = _sum_out(xs[0], terms[0], set(eq.output).union(*terms[1:]))
    for k in range(1, len(xs)):
        later = set(eq.output).union(*terms[k + 1:])  # labels still needed after this step
        y, ty = _sum_out(xs[k], terms[k], later | set(term))
        x, term = _sum_out(x, term, later | set(ty))
        out = "".join(dict.fromkeys(ch for ch in term + ty if ch in later))
        x, term = _contract_pair(x, term, y, ty, out, sizes), out
    x = x.expand([sizes[ch] for ch in term])  # stretch leftover size-1 dims (no-op for one operand)
    return _permute_to(x, term, eq.output)
