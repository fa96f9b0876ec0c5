"""The from-scratch einsum against torch.einsum: common equations, random ones, and errors."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfs.tensors import EinsumError, einsum, parse_equation

COMMON = {
    "matmul": ("ij,jk->ik", [(3, 4), (4, 5)]),
    "matmul-implicit": ("ij,jk", [(1, 4), (4, 1)]),
    "batched-matmul": ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    "outer": ("i,j->ij", [(3,), (5,)]),
    "dot": ("i,i->", [(7,), (7,)]),
    "trace": ("ii->", [(4, 4)]),
    "trace-implicit": ("ii", [(3, 3)]),
    "diagonal": ("ii->i", [(5, 5)]),
    "transpose": ("ij->ji", [(2, 3)]),
    "row-sum": ("ij->i", [(3, 4)]),
    "total-sum": ("ij->", [(3, 4)]),
    "hadamard": ("ij,ij->ij", [(3, 4), (3, 4)]),
    "matvec": ("ij,j->i", [(3, 4), (4,)]),
    "bilinear": ("bn,anm,bm->ba", [(2, 3), (5, 3, 4), (2, 4)]),
    "bilinear-pair": ("i,ij->j", [(3,), (3, 6)]),
    "attention-scores": ("bhqd,bhkd->bhqk", [(2, 3, 5, 4), (2, 3, 7, 4)]),
    "attention-values": ("bhqk,bhkd->bhqd", [(1, 2, 5, 7), (1, 2, 7, 4)]),
    "batch-diagonal": ("bii->bi", [(2, 3, 3)]),
    "trace-of-product": ("ij,ji->", [(3, 4), (4, 3)]),
    "broadcast-size-1": ("ij,ij->ij", [(1, 3), (2, 3)]),
    "upper-case": ("Ba,aA", [(2, 3), (3, 4)]),
    "zero-size": ("ij,jk->ik", [(0, 3), (3, 2)]),
    "ellipsis-matmul": ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 6)]),
    "ellipsis-implicit": ("ba...", [(2, 3, 4)]),
    "ellipsis-summed": ("...ij->ij", [(2, 3, 4)]),
    "ellipsis-attention": ("...qd,...kd->...qk", [(2, 3, 5, 4), (2, 3, 6, 4)]),
    "ellipsis-dot": ("...i,...i", [(2, 3, 4), (3, 4)]),
}


def _operands(shapes, dtype, requires_grad=False):
    g = torch.Generator().manual_seed(0)
    return [torch.randn(s, generator=g, dtype=dtype).requires_grad_(requires_grad)
            for s in shapes]


@pytest.mark.parametrize("name", sorted(COMMON))
def test_common_equations_values_and_grads_float64(name):
    equation, shapes = COMMON[name]
    ours_in = _operands(shapes, torch.float64, requires_grad=True)
    ref_in = [x.detach().clone().requires_grad_() for x in ours_in]
    ours, ref = einsum(equation, *ours_in), torch.einsum(equation, *ref_in)
    assert ours.shape == ref.shape
    torch.testing.assert_close(ours, ref, rtol=1e-12, atol=1e-12)
    grad_out = torch.randn(ref.shape, dtype=torch.float64)
    ours.backward(grad_out)
    ref.backward(grad_out)
    for a, b in zip(ours_in, ref_in):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["matmul", "batched-matmul", "attention-scores", "bilinear"])
def test_common_equations_float32(name):
    equation, shapes = COMMON[name]
    xs = _operands(shapes, torch.float32)
    torch.testing.assert_close(einsum(equation, *xs), torch.einsum(equation, *xs),
                               rtol=1e-5, atol=1e-5)


def test_operands_as_a_list_like_torch():
    a, b = _operands([(2, 3), (3, 4)], torch.float64)
    torch.testing.assert_close(einsum("ij,jk->ik", [a, b]), a @ b)


def test_integer_tensors():
    a = torch.arange(6).reshape(2, 3)
    assert torch.equal(einsum("ij,kj->ik", a, a), torch.einsum("ij,kj->ik", a, a))


@st.composite
def random_equation(draw):
    """A valid equation over 1–3 operands with label sizes 1–3 (repeats, maybe '...')."""
    labels = "abcdeXY"
    sizes = {ch: draw(st.integers(1, 3)) for ch in labels}
    n_ops = draw(st.integers(1, 3))
    terms = [draw(st.text(alphabet=labels, min_size=0, max_size=4)) for _ in range(n_ops)]
    used = sorted(set("".join(terms)))
    explicit = draw(st.booleans())
    if explicit:
        out = draw(st.permutations(used).map(lambda p: p[: draw(st.integers(0, len(p)))]))
        equation = ",".join(terms) + "->" + "".join(out)
    else:
        equation = ",".join(terms)
    shapes = [tuple(sizes[ch] for ch in t) for t in terms]
    if draw(st.booleans()):  # put '...' in front of every term, with broadcastable batch dims
        batch = draw(st.lists(st.integers(1, 3), max_size=2))
        lhs, arrow, rhs = equation.partition("->")
        equation = ",".join("..." + t for t in lhs.split(",")) + arrow + ("..." + rhs if arrow else "")
        new_shapes = []
        for s in shapes:
            lead = batch[len(batch) - draw(st.integers(0, len(batch))):]
            lead = [1 if draw(st.booleans()) else d for d in lead]
            new_shapes.append(tuple(lead) + s)
        shapes = new_shapes
    return equation, shapes


@settings(max_examples=120, deadline=None)
@given(random_equation(), st.integers(0, 2**31 - 1))
def test_random_equations_match_torch(case, seed):
    equation, shapes = case
    g = torch.Generator().manual_seed(seed)
    xs = [torch.randn(s, generator=g, dtype=torch.float64) for s in shapes]
    ref = torch.einsum(equation, *xs)
    ours = einsum(equation, *xs)
    assert ours.shape == ref.shape, equation
    torch.testing.assert_close(ours, ref, rtol=1e-10, atol=1e-10)


def test_parse_equation():
    eq = parse_equation(" bhqd , bhkd -> bhqk ")
    assert eq.inputs == ("bhqd", "bhkd") and eq.output == "bhqk" and eq.explicit
    assert parse_equation("ba,ac").output == "bc"
    assert parse_equation("Ba,aA").output == "AB"  # ASCII order: upper case first
    assert str(parse_equation("ij,jk")) == "ij,jk->ik"


@pytest.mark.parametrize(("equation", "shapes", "needle"), [
    ("ij,jk->ik", [(2, 3)], "2 input term(s) but 1 operand"),
    ("ijk->i", [(2, 3)], "operand 0 has 2 dimension(s) (shape (2, 3)) but its subscript 'ijk'"),
    ("ij,jk->ik", [(2, 3), (4, 5)], "label 'j' has size 3"),
    ("ij->iz", [(2, 3)], "output label 'z'"),
    ("ij->ii", [(2, 2)], "appears more than once"),
    ("ij->i->j", [(2, 3)], "at most one '->'"),
    ("i1,j->ij", [(2,), (3,)], "unexpected character '1'"),
    ("ij->i,j", [(2, 3)], "unexpected character ','"),
    ("i-j", [(2,)], "unexpected character '-'"),
    ("....ij->ij", [(2, 3)], "at most one '...' and no other dots"),
    ("...i...->i", [(2, 3)], "at most one '...'"),
    ("...ijk->ij", [(2, 3)], "operand 0 has 2 dimension(s) but its subscript '...ijk' names 3"),
    ("...ij->...i...", [(2, 3)], "at most one '...' in the output"),
    ("ii->i", [(2, 3)], "repeated label 'i' in operand 0 needs equal sizes"),
])
def test_malformed_equations_say_what_was_expected(equation, shapes, needle):
    with pytest.raises(EinsumError) as info:
        einsum(equation, *[torch.zeros(s) for s in shapes])
    assert needle in str(info.value)


def test_other_errors():
    with pytest.raises(EinsumError, match="at least one operand"):
        einsum("ij")
    with pytest.raises(EinsumError, match="must be a string"):
        einsum(3, torch.zeros(2))
    with pytest.raises(EinsumError, match="share one dtype"):
        einsum("i,i->", torch.zeros(2), torch.zeros(2, dtype=torch.float64))


def test_one_bmm_per_pair(monkeypatch):
    """The contraction really is done by a batched matmul: count the calls."""
    calls = []
    real = torch.bmm
    monkeypatch.setattr(torch, "bmm", lambda a, b: calls.append((a.shape, b.shape)) or real(a, b))
    a, b = _operands([(2, 3, 5, 4), (2, 3, 7, 4)], torch.float64)
    einsum("bhqd,bhkd->bhqk", a, b)
    assert calls == [((6, 5, 4), (6, 4, 7))]
