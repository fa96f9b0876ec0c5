"""The from-scratch loss scaler (dlfs.train.LossScaler) against ``torch.amp.GradScaler("cpu")``
on the same float16 run: the same scale after every step, the same skipped steps, the same
weights; and ``fit(amp="fp16")`` on the CPU trains through it."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlfs.train import Callback, LossScaler, fit


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))


def _batches(n: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(1)
    out = []
    for t in range(n):
        x = torch.randn(16, 8, generator=g)
        y = x.sum(1, keepdim=True) * (30.0 if t % 7 == 3 else 1.0)   # spikes that overflow
        out.append((x, y))
    return out


def _fp16_run(scaler, steps: int = 24, clip: float | None = 1.0):
    """A float16-autocast SGD run; returns (scale after each step, skipped steps, model)."""
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    scales, skipped = [], []
    for t, (x, y) in enumerate(_batches(steps)):
        with torch.autocast("cpu", dtype=torch.float16):
            loss = ((model(x).float() - y) ** 2).mean()
        before = scaler.get_scale()
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)
        scales.append(float(scaler.get_scale()))
        if scales[-1] < before:
            skipped.append(t)
    return scales, skipped, model


@pytest.mark.parametrize("options", [
    {"init_scale": 2.0 ** 20, "growth_interval": 3},
    {"init_scale": 2.0 ** 12, "growth_factor": 4.0, "backoff_factor": 0.25,
     "growth_interval": 2},
])
def test_scale_trajectory_and_skipped_steps_equal_torch_grad_scaler(options):
    ours = _fp16_run(LossScaler(**options))
    ref = _fp16_run(torch.amp.GradScaler("cpu", **options))
    assert ours[0] == ref[0], "scale after each step"
    assert ours[1] == ref[1] and len(ours[1]) >= 2, ("skipped steps", ours[1], ref[1])
    assert len(ours[1]) < len(ours[0]) - 5                       # most steps are taken
    for a, b in zip(ours[2].parameters(), ref[2].parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_last_step_skipped_reports_each_step():
    scaler, model = LossScaler(init_scale=2.0 ** 30, growth_interval=100), _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = _batches(1)[0]
    with torch.autocast("cpu", dtype=torch.float16):
        loss = ((model(x).float() - y) ** 2).mean()
    before = [p.detach().clone() for p in model.parameters()]
    scaler.scale(loss).backward()
    assert scaler.step(opt) is False and scaler.last_step_skipped
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))  # untouched
    scaler.update()
    assert scaler.get_scale() == 2.0 ** 29


def test_scale_does_not_grow_past_float32():
    for scaler in (LossScaler(init_scale=2.0 ** 127, growth_interval=1),
                   torch.amp.GradScaler("cpu", init_scale=2.0 ** 127, growth_interval=1)):
        p = nn.Parameter(torch.ones(2))
        opt = torch.optim.SGD([p], lr=0.0)
        for _ in range(2):
            scaler.scale(p.sum()).backward()
            scaler.step(opt)
            scaler.update()
        assert float(scaler.get_scale()) == 2.0 ** 127


def test_fp16_gradients_underflow_without_scaling():
    """A gradient of 1e-8 is zero in float16; times S = 2^16 it survives, and divided by S
    again in float32 it is the float32 gradient up to float16's rounding."""
    assert torch.tensor(1e-8).half().item() == 0.0
    torch.manual_seed(0)
    lin, x = nn.Linear(4, 4), torch.randn(8, 4)
    grads = {}
    for name, scale in (("fp32", None), ("fp16", 1.0), ("fp16 scaled", 2.0 ** 16)):
        lin.zero_grad()
        with torch.autocast("cpu", dtype=torch.float16, enabled=scale is not None):
            out = lin(x)
        loss = 1e-7 * out.float().mean()                         # tiny gradients
        (loss * (scale or 1.0)).backward()
        grads[name] = lin.weight.grad / (scale or 1.0)
    assert (grads["fp16"] == 0).all()                             # all underflowed
    torch.testing.assert_close(grads["fp16 scaled"], grads["fp32"], rtol=2e-3, atol=0)


def test_unscale_twice_and_bad_settings_are_refused():
    scaler = LossScaler()
    p = nn.Parameter(torch.ones(1))
    p.grad = torch.ones(1)
    opt = torch.optim.SGD([p], lr=0.1)
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already called since the last update"):
        scaler.unscale_(opt)
    with pytest.raises(ValueError, match="growth_factor > 1"):
        LossScaler(growth_factor=1.0)
    with pytest.raises(ValueError, match="growth_interval >= 1"):
        LossScaler(growth_interval=0)


class _Scales(Callback):
    def __init__(self):
        self.scales = []

    def on_step_end(self, trainer, logs):
        self.scales.append(trainer.scaler.get_scale())


def test_fit_fp16_on_the_cpu_follows_grad_scaler():
    model, spy = _model(), _Scales()
    batches = _batches(24)

    def mse(out, y):
        return ((out.float() - y) ** 2).mean()

    fit(model, batches, loss_fn=mse, optimizer=torch.optim.SGD(model.parameters(), lr=0.05),
        epochs=1, amp="fp16", device="cpu", clip_grad_norm=1.0, callbacks=[spy])
    scales, _, ref_model = _fp16_run(torch.amp.GradScaler("cpu"), steps=24)
    assert spy.scales == scales
    for a, b in zip(model.parameters(), ref_model.parameters()):
        torch.testing.assert_close(a, b)
