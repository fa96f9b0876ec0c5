"""Gradient checkpointing (dlfs.train.recompute): same gradients as no checkpointing and as
``torch.utils.checkpoint``, dropout masks replayed, activations really not kept."""

from __future__ import annotations

import pytest
import torch
import torch.utils.checkpoint as tuc
from torch import nn

from dlfs.models import GPT, GPTConfig
from dlfs.train import PeakMemoryTracker
from dlfs.train.recompute import checkpoint, checkpoint_sequential, sqrt_segments


def _block(width: int, p: float) -> nn.Module:
    return nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(), nn.Dropout(p),
                         nn.Linear(2 * width, width))


def _chain(n: int, width: int = 6, p: float = 0.3) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(*[_block(width, p) for _ in range(n)]).double()


def _grads(model: nn.Module, run, x: torch.Tensor, seed: int = 7):
    """(output, input grad, parameter grads, the next random number) of one backward."""
    model.zero_grad(set_to_none=True)
    x = x.detach().clone().requires_grad_(True)
    torch.manual_seed(seed)
    out = run(model, x)
    (out * torch.linspace(-1, 1, out.shape[-1], dtype=out.dtype)).sum().backward()
    return (out.detach(), x.grad, [p.grad.clone() for p in model.parameters()],
            torch.rand(1))  # the global RNG after backward


def _assert_same(a, b, what: str) -> None:
    torch.testing.assert_close(a[0], b[0], msg=f"{what}: output")
    torch.testing.assert_close(a[1], b[1], msg=f"{what}: input gradient")
    for i, (ga, gb) in enumerate(zip(a[2], b[2])):
        torch.testing.assert_close(ga, gb, msg=f"{what}: gradient of parameter {i}")
    assert torch.equal(a[3], b[3]), f"{what}: the global RNG moved differently"


@pytest.mark.parametrize("shape", [(1, 6), (5, 6), (2, 3, 6)])
def test_checkpoint_equals_plain_and_torch_with_dropout(shape):
    block = _chain(1)[0]
    x = torch.randn(*shape, dtype=torch.float64)
    plain = _grads(block, lambda m, x: m(x), x)
    ours = _grads(block, lambda m, x: checkpoint(m, x), x)
    ref = _grads(block, lambda m, x: tuc.checkpoint(m, x, use_reentrant=False), x)
    _assert_same(ours, ref, "vs torch.utils.checkpoint")
    _assert_same(ours, plain, "vs no checkpointing")
    assert (plain[0] == 0).sum() < plain[0].numel()        # the dropout did draw masks


def test_without_rng_replay_dropout_masks_differ():
    """The test above would catch a missing RNG replay: without it the gradients differ."""
    block = _chain(1, width=16, p=0.5)[0]
    x = torch.randn(8, 16, dtype=torch.float64)
    plain = _grads(block, lambda m, x: m(x), x)
    wrong = _grads(block, lambda m, x: checkpoint(m, x, preserve_rng_state=False), x)
    assert not torch.allclose(plain[1], wrong[1])


def test_several_inputs_outputs_and_non_tensor_arguments():
    w = torch.randn(3, 3, dtype=torch.float64, requires_grad=True)

    def fn(a, b, scale, flag):
        assert flag == "on"
        return (a @ w).tanh() * scale, (b * a).sum(-1)

    a0, b0 = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 3, dtype=torch.float64)
    results = []
    for wrap in (lambda *args: fn(*args), lambda *args: checkpoint(fn, *args)):
        w.grad = None
        a, b = a0.clone().requires_grad_(True), b0.clone()     # b needs no gradient
        u, v = wrap(a, b, 2.5, "on")
        (u.sum() + (v ** 2).sum()).backward()
        results.append((u.detach(), v.detach(), a.grad, w.grad.clone(), b.grad))
    (u1, v1, ga1, gw1, gb1), (u2, v2, ga2, gw2, gb2) = results
    for got, want in ((u2, u1), (v2, v1), (ga2, ga1), (gw2, gw1)):
        torch.testing.assert_close(got, want)
    assert gb1 is None and gb2 is None


def test_parameters_get_gradients_when_no_input_requires_grad():
    lin = nn.Linear(3, 2).double()
    x = torch.randn(4, 3, dtype=torch.float64)                # raw data: no grad
    checkpoint(lin, x).sum().backward()
    got = lin.weight.grad.clone()
    lin.weight.grad = None
    lin(x).sum().backward()
    torch.testing.assert_close(got, lin.weight.grad)


def test_only_the_inputs_are_saved_for_backward():
    block = _chain(1, width=32)[0]
    x = torch.randn(16, 32, dtype=torch.float64, requires_grad=True)
    saved: list[int] = []

    def pack(t):
        saved.append(t.untyped_storage().nbytes())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        block(x)
    plain_bytes, saved = sum(saved), []
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        checkpoint(block, x)
    assert sum(saved) == x.untyped_storage().nbytes() < plain_bytes / 4


def test_under_no_grad_it_is_just_a_call():
    block = _chain(1)[0].eval()
    x = torch.randn(2, 6, dtype=torch.float64)
    with torch.no_grad():
        out = checkpoint(block, x)
    assert out.grad_fn is None and torch.equal(out, block(x))


def test_autocast_is_replayed_in_backward():
    torch.manual_seed(0)
    lin = nn.Linear(8, 8)
    x = torch.randn(4, 8)
    grads = []
    for wrap in (lambda m, x: m(x), lambda m, x: checkpoint(m, x)):
        lin.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = wrap(lin, x)
        assert out.dtype == torch.bfloat16
        out.float().square().sum().backward()
        grads.append(lin.weight.grad.clone())
    assert torch.equal(grads[0], grads[1])                    # recomputed in bfloat16 too


@pytest.mark.parametrize("n,segments", [(1, 1), (4, 2), (5, 2), (9, 3), (6, 6)])
def test_checkpoint_sequential_equals_torch_and_plain(n, segments):
    chain = _chain(n)
    x = torch.randn(3, 6, dtype=torch.float64)
    plain = _grads(chain, lambda m, x: m(x), x)
    ours = _grads(chain, lambda m, x: checkpoint_sequential(m, segments, x), x)
    ref = _grads(chain, lambda m, x: tuc.checkpoint_sequential(m, segments, x,
                                                               use_reentrant=False), x)
    _assert_same(ours, ref, "vs torch checkpoint_sequential")
    _assert_same(ours, plain, "vs no checkpointing")


def test_sqrt_segments_keeps_the_least_memory():
    """A chain of 16 tanh layers: each keeps one tensor the size of its input (A = x), so
    the peak is about s * x + (16 / s) * x, least at s = sqrt(16) = 4."""
    chain = nn.Sequential(*[nn.Tanh() for _ in range(16)])
    x = torch.randn(256, 64, requires_grad=True)
    peaks = {}
    for segments in (1, 2, sqrt_segments(16), 8, 16):
        x.grad = None
        with PeakMemoryTracker() as mem:
            checkpoint_sequential(chain, segments, x).sum().backward()
        peaks[segments] = mem.peak_bytes / x.untyped_storage().nbytes()   # in units of x
    assert sqrt_segments(16) == 4
    assert peaks[4] == min(peaks.values()) and peaks[4] < 0.6 * peaks[1], peaks


def test_errors_name_the_argument():
    with pytest.raises(TypeError, match="fn must be callable"):
        checkpoint(3, torch.zeros(1))
    with pytest.raises(ValueError, match=r"segments must be an int in \[1, 3\].*got 4"):
        checkpoint_sequential(_chain(3), 4, torch.zeros(1, 6, dtype=torch.float64))
    with pytest.raises(ValueError, match="functions is empty"):
        checkpoint_sequential([], 1, torch.zeros(1))
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        sqrt_segments(0)


def test_gpt_grad_checkpoint_gives_the_same_loss_and_gradients():
    cfg = GPTConfig(vocab_size=13, block_size=8, n_layer=3, n_head=2, n_embd=8, dropout=0.2)
    idx = torch.randint(0, 13, (2, 8))
    results = []
    for flag in (False, True):
        torch.manual_seed(0)
        model = GPT(GPTConfig(**{**cfg.__dict__, "grad_checkpoint": flag})).double()
        torch.manual_seed(1)
        _, loss = model(idx, idx)
        loss.backward()
        results.append((loss.detach(), {n: p.grad for n, p in model.named_parameters()}))
    (loss_a, grads_a), (loss_b, grads_b) = results
    torch.testing.assert_close(loss_b, loss_a)
    for name in grads_a:
        torch.testing.assert_close(grads_b[name], grads_a[name], msg=name)
