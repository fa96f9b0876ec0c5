"""Parity of dlfs.nn.functional losses and dlfs.nn loss modules with torch: values and
input gradients, float64 tight and float32 loose, over shapes and every option."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as TF
from torch import nn as tnn

import dlfs.nn as dnn
import dlfs.nn.functional as DF
from dlfs.errors import DlfsError
from dlfs.testing import assert_fn_parity, assert_module_parity

#: torch has no derivative for a loss's class weights (``weight``, ``pos_weight``), nor a finite
#: one for a KL target at 0: those keyword tensors are compared by value, not by gradient
NO_GRAD_KW = ()

D = torch.float64
REDUCTIONS = ["mean", "sum", "none"]
# (input shape, class dim size): (B, C), batch 1, unbatched (C,), K-dim (B, C, d1, d2)
CLASS_SHAPES = [(5, 7), (1, 3), (7,), (3, 4, 5), (2, 3, 4, 5)]


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _class_data(shape, seed=0, ignore=False, dtype=D):
    g = _gen(seed)
    x = torch.randn(shape, generator=g, dtype=dtype) * 2
    c = shape[0] if len(shape) == 1 else shape[1]
    t_shape = () if len(shape) == 1 else (shape[0],) + tuple(shape[2:])
    t = torch.randint(0, c, t_shape, generator=g)
    if ignore and t.numel() > 1:
        t.view(-1)[::3] = -100 if ignore is True else ignore
    return x, t, c


# --------------------------------------------------------------------------- regression


# mse_loss, smooth_l1_loss, cross_entropy, nll_loss, binary_cross_entropy_with_logits and
# kl_div are also exercises, whose checkers run on the library in tests/exercises/test_bank.py:
# mse_loss and smooth_l1_loss (every reduction, beta 0 to 2) live only there; for the others
# the tests here add what those checkers lack (class weights, unbatched and 4-D inputs,
# probability targets, smoothing with every reduction, float32, second derivatives, errors).


@pytest.mark.parametrize("shape", [(1,), (4, 3), (2, 3, 5)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_l1_loss(shape, reduction):
    g = _gen(1)
    x, y = torch.randn(shape, generator=g, dtype=D), torch.randn(shape, generator=g, dtype=D)
    assert_fn_parity(DF.l1_loss, TF.l1_loss, x, y, kwargs={"reduction": reduction})


@pytest.mark.parametrize("shape", [(1,), (6, 5), (2, 3, 4)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [0.5, 1.0, 2.5])
def test_huber_loss(shape, reduction, delta):
    g = _gen(2)
    x, y = torch.randn(shape, generator=g, dtype=D) * 2, torch.randn(shape, generator=g, dtype=D)
    assert_fn_parity(DF.huber_loss, TF.huber_loss, x, y,
                     kwargs={"reduction": reduction, "delta": delta})


def test_regression_broadcast_warns_like_torch():
    x, y = torch.randn(4, 1, dtype=D), torch.randn(4, dtype=D)
    with pytest.warns(UserWarning, match="broadcast"):
        ours = DF.mse_loss(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.testing.assert_close(ours, TF.mse_loss(x, y))


# --------------------------------------------------------------------------- class indices


@pytest.mark.parametrize("shape", CLASS_SHAPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True, 2])
def test_nll_loss(shape, weighted, ignore):
    x, t, c = _class_data(shape, seed=3, ignore=ignore)
    logp = torch.log_softmax(x, dim=0 if len(shape) == 1 else 1)
    kw = {"ignore_index": ignore if isinstance(ignore, int)
          and not isinstance(ignore, bool) else -100}
    if weighted:
        kw["weight"] = torch.rand(c, generator=_gen(4), dtype=D) + 0.1
    for reduction in REDUCTIONS:
        assert_fn_parity(DF.nll_loss, TF.nll_loss, logp, t, kwargs={**kw, "reduction": reduction}, grad_kwargs=NO_GRAD_KW)


@pytest.mark.parametrize("shape", CLASS_SHAPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_indices(shape, weighted, ignore, smoothing):
    x, t, c = _class_data(shape, seed=5, ignore=ignore)
    kw = {"label_smoothing": smoothing}
    if weighted:
        kw["weight"] = torch.rand(c, generator=_gen(6), dtype=D) + 0.1
    for reduction in REDUCTIONS:
        assert_fn_parity(DF.cross_entropy, TF.cross_entropy, x, t,
                         kwargs={**kw, "reduction": reduction}, grad_kwargs=NO_GRAD_KW)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_full_smoothing(reduction):
    x, t, c = _class_data((2, 3, 4, 5), seed=5, ignore=True)
    kw = {"label_smoothing": 1.0, "reduction": reduction, "weight": torch.rand(c, dtype=D)}
    assert_fn_parity(DF.cross_entropy, TF.cross_entropy, x, t, kwargs=kw, grad_kwargs=NO_GRAD_KW)


def test_cross_entropy_custom_ignore_index_and_all_ignored():
    x, t, c = _class_data((6, 4), seed=7, ignore=1)
    kw = {"ignore_index": 1, "label_smoothing": 0.2, "weight": torch.rand(c, dtype=D)}
    assert_fn_parity(DF.cross_entropy, TF.cross_entropy, x, t, kwargs=kw, grad_kwargs=NO_GRAD_KW)
    t_all = torch.full((6,), -100)                      # nothing left: 0 / 0 = nan, like torch
    assert DF.cross_entropy(x, t_all).isnan() and TF.cross_entropy(x, t_all).isnan()


@pytest.mark.parametrize("shape", CLASS_SHAPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_probabilities(shape, weighted, smoothing):
    x, _, c = _class_data(shape, seed=8)
    class_dim = 0 if len(shape) == 1 else 1
    q = torch.softmax(torch.randn(shape, generator=_gen(9), dtype=D), dim=class_dim)
    kw = {"label_smoothing": smoothing}
    if weighted:
        kw["weight"] = torch.rand(c, generator=_gen(10), dtype=D) + 0.1
    for reduction in REDUCTIONS:
        assert_fn_parity(DF.cross_entropy, TF.cross_entropy, x, q,
                         kwargs={**kw, "reduction": reduction}, grad_kwargs=NO_GRAD_KW)


def test_cross_entropy_float32_and_large_logits():
    x, t, _ = _class_data((8, 5), seed=11, dtype=torch.float32)
    assert_fn_parity(DF.cross_entropy, TF.cross_entropy, x, t)
    big = torch.tensor([[1000.0, -1000.0, 0.0], [-500.0, 500.0, 499.0]], dtype=D)
    t2 = torch.tensor([0, 2])
    assert_fn_parity(DF.cross_entropy, TF.cross_entropy, big, t2)   # finite, stable
    assert torch.isfinite(DF.cross_entropy(big, t2))


# --------------------------------------------------------------------------- binary


@pytest.mark.parametrize("shape", [(1,), (5,), (4, 3), (2, 3, 4)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(shape, reduction, weighted):
    g = _gen(12)
    x = torch.rand(shape, generator=g, dtype=D) * 0.9 + 0.05
    y = torch.rand(shape, generator=g, dtype=D)
    kw = {"reduction": reduction}
    if weighted:
        kw["weight"] = torch.rand(shape[-1:], generator=g, dtype=D)
    assert_fn_parity(DF.binary_cross_entropy, TF.binary_cross_entropy, x, y, kwargs=kw, grad_kwargs=NO_GRAD_KW)


def test_binary_cross_entropy_clamps_log_at_edges():
    x = torch.tensor([0.0, 1.0, 0.5], dtype=D)
    y = torch.tensor([1.0, 0.0, 1.0], dtype=D)
    torch.testing.assert_close(DF.binary_cross_entropy(x, y, reduction="none"),
                               TF.binary_cross_entropy(x, y, reduction="none"))
    x.requires_grad_(True)
    (g,) = torch.autograd.grad(DF.binary_cross_entropy(x, y), x)
    assert torch.isfinite(g).all()                     # no 0 * inf = nan past the floor
    z = torch.tensor([40.0, 3.0, -40.0], requires_grad=True)   # sigmoid(40) == 1 in float32
    t = torch.tensor([0.0, 1.0, 1.0])
    (ours,) = torch.autograd.grad(DF.binary_cross_entropy(torch.sigmoid(z), t), z)
    (ref,) = torch.autograd.grad(TF.binary_cross_entropy(torch.sigmoid(z), t), z)
    torch.testing.assert_close(ours[:2], ref[:2])      # past the floor: 0, like torch
    # sigmoid(-40) = 4e-18 is representable: ours is the exact d/dz = (s - 1) / 3 = -1/3;
    # torch caps 1 / (x (1 - x)) at 1e12 in its BCE backward and returns about -4e-6.
    assert abs(ours[2].item() + 1 / 3) < 1e-6 and abs(ref[2].item()) < 1e-5


@pytest.mark.parametrize("shape", [(1,), (5,), (4, 3), (2, 3, 4)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,pos", [(False, True), (True, False), (True, True)])
def test_bce_with_logits(shape, reduction, weighted, pos):
    g = _gen(13)
    x = torch.randn(shape, generator=g, dtype=D) * 3
    y = torch.rand(shape, generator=g, dtype=D)
    kw = {"reduction": reduction}
    if weighted:
        kw["weight"] = torch.rand(shape[-1:], generator=g, dtype=D)
    if pos:
        kw["pos_weight"] = torch.rand(shape[-1:], generator=g, dtype=D) * 3
    assert_fn_parity(DF.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
                     x, y, kwargs=kw, grad_kwargs=NO_GRAD_KW)


def test_bce_with_logits_at_zero_and_extremes():
    """Logits of exactly 0 (a GAN critic's or DPO's first step), tiny and huge: the gradient at
    0 is sigmoid(0) - y; a log-sigmoid built from abs()/clamp() gets it wrong there."""
    x = torch.tensor([0.0, 0.0, -0.0, 1e-12, -1e-12, 60.0, -60.0, 800.0, -800.0], dtype=D)
    y = torch.tensor([1.0, 0.0, 0.5, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0], dtype=D)
    assert_fn_parity(DF.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
                     x, y, grad_kwargs=NO_GRAD_KW)


# --------------------------------------------------------------------------- KL, embeddings


@pytest.mark.parametrize("shape", [(1, 4), (5, 3), (2, 3, 4)])
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
def test_kl_div_log_target(shape, reduction):
    g = _gen(14)
    x = torch.log_softmax(torch.randn(shape, generator=g, dtype=D), dim=-1)
    log_q = torch.log_softmax(torch.randn(shape, generator=g, dtype=D), dim=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                    # torch warns about 'mean'
        assert_fn_parity(DF.kl_div, TF.kl_div, x, log_q,
                         kwargs={"reduction": reduction, "log_target": True})


@pytest.mark.parametrize("shape", [(1, 3), (6, 4), (5,)])
@pytest.mark.parametrize("p", [1, 2, 3.0])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_triplet_margin_loss(shape, p, swap, reduction):
    g = _gen(15)
    a, pos, neg = (torch.randn(shape, generator=g, dtype=D) for _ in range(3))
    kw = {"margin": 1.5, "p": p, "swap": swap, "reduction": reduction}
    assert_fn_parity(DF.triplet_margin_loss, TF.triplet_margin_loss, a, pos, neg, kwargs=kw)


@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.2])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_loss(batched, margin, reduction):
    g = _gen(16)
    shape = (7, 5) if batched else (5,)
    x1, x2 = torch.randn(shape, generator=g, dtype=D), torch.randn(shape, generator=g, dtype=D)
    y = (torch.randint(0, 2, shape[:-1], generator=g) * 2 - 1).to(D)
    assert_fn_parity(DF.cosine_embedding_loss, TF.cosine_embedding_loss, x1, x2, y,
                     kwargs={"margin": margin, "reduction": reduction})


# --------------------------------------------------------------------------- modules


def _module_cases():
    g = _gen(17)
    w3 = torch.rand(3, generator=g, dtype=D) + 0.1
    x = torch.randn(4, 3, generator=g, dtype=D)
    t = torch.randint(0, 3, (4,), generator=g)
    y = torch.randn(4, 3, generator=g, dtype=D)
    p = torch.rand(4, 3, generator=g, dtype=D) * 0.9 + 0.05
    logq = torch.log_softmax(torch.randn(4, 3, generator=g, dtype=D), -1)
    sign = torch.tensor([1.0, -1.0, 1.0, -1.0], dtype=D)
    return [
        ("MSELoss", {}, (x, y)),
        ("L1Loss", {"reduction": "sum"}, (x, y)),
        ("SmoothL1Loss", {"beta": 0.5}, (x, y)),
        ("HuberLoss", {"delta": 0.7, "reduction": "none"}, (x, y)),
        ("CrossEntropyLoss", {"weight": w3, "label_smoothing": 0.1, "ignore_index": 1}, (x, t)),
        ("CrossEntropyLoss", {}, (x, torch.softmax(y, 1))),
        ("NLLLoss", {"weight": w3}, (torch.log_softmax(x, 1), t)),
        ("BCELoss", {"weight": w3}, (p, p.flip(0))),
        ("BCEWithLogitsLoss", {"weight": w3, "pos_weight": w3 * 2}, (x, p)),
        ("BCEWithLogitsLoss", {"pos_weight": w3}, (x, p)),
        ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, (x.log_softmax(1), logq)),
        ("TripletMarginLoss", {"margin": 0.5, "p": 1.0, "swap": True}, (x, y, y.flip(0))),
        ("CosineEmbeddingLoss", {"margin": 0.1}, (x, y, sign)),
        ("MSELoss", {"size_average": False}, (x, y)),          # legacy flags -> 'sum'
        ("L1Loss", {"reduce": False}, (x, y)),                 # legacy flags -> 'none'
    ]


@pytest.mark.parametrize("case", range(len(_module_cases())))
def test_loss_modules(case):
    name, kw, inputs = _module_cases()[case]
    ours, ref = getattr(dnn, name)(**kw), getattr(tnn, name)(**kw)
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert_module_parity(ours, ref, *inputs)
    assert ours.reduction == ref.reduction


def test_loss_module_buffers_move_and_load():
    ref = tnn.BCEWithLogitsLoss(weight=torch.rand(3), pos_weight=torch.rand(3))
    ours = dnn.BCEWithLogitsLoss(weight=torch.zeros(3), pos_weight=torch.zeros(3))
    ours.load_state_dict(ref.state_dict(), strict=True)
    assert torch.equal(ours.pos_weight, ref.pos_weight)
    assert ours.double().pos_weight.dtype == D


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("fn,args,match", [
    (DF.cross_entropy, (torch.randn(4, 3), torch.tensor([0.0, 1.0, 2.0, 1.0])), "int64"),
    (DF.cross_entropy, (torch.randn(4, 3), torch.tensor([0, 1, 2], dtype=torch.int32)), "int64"),
    (DF.cross_entropy, (torch.randn(4, 3), torch.tensor([0, 1, 2])), r"target of shape \(4,\)"),
    (DF.cross_entropy, (torch.randn(4, 3), torch.tensor([0, 1, 5, 1])), "out of bounds"),
    (DF.cross_entropy, (torch.randn(4, 3), torch.ones(4, 3, dtype=torch.long)), "floating"),
    (DF.nll_loss, (torch.randn(4, 3), torch.tensor([0, 1, 2, -1])), "out of bounds"),
    (DF.binary_cross_entropy, (torch.rand(4, 1), torch.rand(4)), r"\(4,\) must equal"),
    (DF.binary_cross_entropy, (torch.randn(4) * 3, torch.rand(4)), "between 0 and 1"),
    (DF.binary_cross_entropy_with_logits, (torch.randn(4, 1), torch.rand(4)), "must equal"),
    (DF.binary_cross_entropy_with_logits, (torch.randn(4), torch.ones(4, dtype=torch.long)),
     "floating point"),
    (DF.binary_cross_entropy, (torch.rand(4), torch.ones(4, dtype=torch.long)), "target.float"),
    (DF.cross_entropy, (torch.randn(2, 5, 5, 3), torch.randint(0, 3, (2, 5, 5))),
     r"classes on dim 1"),
    (DF.mse_loss, (torch.randn(3), torch.randn(3)), "not a valid value"),
])
def test_bad_inputs_raise_clear_errors(fn, args, match):
    kwargs = {"reduction": "avg"} if fn is DF.mse_loss else {}
    with pytest.raises(DlfsError, match=match) as info:
        fn(*args, **kwargs)
    assert isinstance(info.value, ValueError)
    with pytest.raises((RuntimeError, ValueError, IndexError)):   # torch refuses them too
        getattr(TF, fn.__name__)(*args, **kwargs)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
                                  "binary_cross_entropy_with_logits", "kl_div",
                                  "cross_entropy", "nll_loss", "binary_cross_entropy"])
def test_float32_loosely(name):
    g = _gen(18)
    x = torch.randn(6, 4, generator=g)
    if name in ("cross_entropy", "nll_loss"):
        args = (x.log_softmax(1) if name == "nll_loss" else x, torch.randint(0, 4, (6,), generator=g))
    elif name == "binary_cross_entropy":
        args = (torch.rand(6, 4, generator=g) * 0.9 + 0.05, torch.rand(6, 4, generator=g))
    elif name == "kl_div":
        args = (x.log_softmax(1), torch.rand(6, 4, generator=g).softmax(1))
    else:
        args = (x, torch.rand(6, 4, generator=g))
    kw = {"reduction": "batchmean"} if name == "kl_div" else {}
    assert_fn_parity(getattr(DF, name), getattr(TF, name), *args, kwargs=kw)


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4)])
def test_cross_entropy_hand_written_backward_twice_differentiable(shape):
    """Class-index cross-entropy has a hand-derived backward (softmax minus one-hot); under
    create_graph it must give torch's second derivatives too."""
    gen = torch.Generator().manual_seed(len(shape))
    x = torch.randn(shape, dtype=torch.float64, generator=gen, requires_grad=True)
    t_shape = (shape[0], *shape[2:])
    t = torch.randint(0, shape[1], t_shape, generator=gen)
    t.view(-1)[0] = -100                                             # one ignored target
    w = torch.rand(shape[1], dtype=torch.float64, generator=gen) + 0.5
    assert torch.autograd.gradgradcheck(lambda x: DF.cross_entropy(x, t, weight=w), (x,))
    (g,) = torch.autograd.grad(DF.cross_entropy(x, t, weight=w), x, create_graph=True)
    (g_ref,) = torch.autograd.grad(TF.cross_entropy(x, t, weight=w), x, create_graph=True)
    torch.testing.assert_close(g, g_ref, rtol=0, atol=1e-12)
    v = torch.randn(shape, dtype=torch.float64, generator=gen)
    (h,) = torch.autograd.grad((g * v).sum(), x)
    (h_ref,) = torch.autograd.grad((g_ref * v).sum(), x)
    torch.testing.assert_close(h, h_ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_cross_entropy_common_case_skips_the_mask_and_matches_torch(shape, monkeypatch):
    """Unweighted, no target ignored: cross_entropy builds no mask or weight tensor (the
    general path is made to fail to show it is not taken) and still equals torch, values and
    gradients, once differentiable and twice."""
    from dlfs.nn.functional import class_losses

    def general_path(*args, **kwargs):
        raise AssertionError("the general path was taken")

    x, t, _ = _class_data(shape, seed=11)
    monkeypatch.setattr(class_losses, "_class_targets", general_path)
    for reduction in REDUCTIONS:
        assert_fn_parity(DF.cross_entropy, TF.cross_entropy, x, t,
                         kwargs={"reduction": reduction}, grad_kwargs=NO_GRAD_KW)
    x = x.detach().requires_grad_()
    assert torch.autograd.gradgradcheck(lambda x: DF.cross_entropy(x, t), (x,))
    for target in (t.clone().fill_(x.shape[0 if x.dim() == 1 else 1]),   # out of range
                   t.clone().fill_(1)):                                  # ignore_index=1
        with pytest.raises(AssertionError, match="general path"):
            DF.cross_entropy(x, target, ignore_index=1)


def test_cross_entropy_out_of_range_target_is_still_reported():
    x = torch.randn(3, 4)
    with pytest.raises(DlfsError, match="4"):
        DF.cross_entropy(x, torch.tensor([0, 4, 1]))
    with pytest.raises(DlfsError, match="-1"):
        DF.cross_entropy(x, torch.tensor([0, -1, 1]))
