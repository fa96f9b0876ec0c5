"""fit(): argument checks, modes, validation, metrics, accumulation == big batch, AMP, loaders."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader as TorchLoader
from torch.utils.data import TensorDataset as TorchTensorDataset

from dlfs.metrics import accuracy
from dlfs.train import Callback, TrainConfig, fit, split_batch


def _sgd(model, lr=0.05):
    return torch.optim.SGD(model.parameters(), lr=lr)


# ---- argument validation --------------------------------------------------------------------

@pytest.mark.parametrize("options, message", [
    ({}, "give epochs or max_steps"),
    ({"epochs": 1, "grad_accum_steps": 0}, "grad_accum_steps must be an int >= 1"),
    ({"epochs": 0}, "epochs must be an int >= 1"),
    ({"epochs": 1, "amp": "fp8"}, "amp must be one of"),
    ({"epochs": 1, "clip_grad_norm": -1.0}, "clip_grad_norm must be > 0"),
    ({"epochs": 1, "device": "gpu0"}, "is not a device name"),
    ({"epochs": 1, "resume": True}, "resume=True needs checkpoint_dir"),
    ({"epochs": 1, "scheduler_interval": "batch"}, "scheduler_interval"),
])
def test_config_rejects_bad_options(options, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**options)


def test_fit_rejects_unknown_option(tiny):
    model = tiny.model()
    data = [tiny.data(8)]
    with pytest.raises(TypeError, match="unknown option.*'epoch'"):
        fit(model, data, loss_fn=nn.functional.mse_loss, optimizer=_sgd(model), epoch=1)


def test_config_object_and_keywords_agree(tiny):
    x, y = tiny.data()
    runs = []
    for use_config in (True, False):
        model = tiny.model()
        loader = TorchLoader(TorchTensorDataset(x, y), batch_size=16)
        kwargs = ({"config": TrainConfig(epochs=1, device="cpu"), "epochs": 2} if use_config
                  else {"epochs": 2, "device": "cpu"})  # keyword overrides the config
        runs.append(fit(model, loader, loss_fn=nn.functional.mse_loss,
                        optimizer=_sgd(model), **kwargs))
    assert runs[0].step_loss == runs[1].step_loss and len(runs[0].epochs) == 2


# ---- modes, validation, metrics ----------------------------------------------------------------

class ModeSpy(Callback):
    def __init__(self):
        self.train_modes, self.forward_grad = [], []

    def on_forward_end(self, trainer, output, loss):
        self.train_modes.append(trainer.model.training)
        self.forward_grad.append(output.requires_grad)


def test_train_and_eval_modes_and_no_grad_validation(tiny):
    x, y = tiny.data()
    model = tiny.model()
    seen_val = []

    def forward(m, batch):
        if not torch.is_grad_enabled():
            seen_val.append(m.training)
        return m(batch[0]), batch[1]

    spy = ModeSpy()
    loader = TorchLoader(TorchTensorDataset(x, y), batch_size=16)
    hist = fit(model, loader, loss_fn=nn.functional.mse_loss, optimizer=_sgd(model),
               epochs=2, val_loader=loader, forward=forward, callbacks=[spy], device="cpu")
    assert all(spy.train_modes) and all(spy.forward_grad)  # training: train mode, with grad
    assert seen_val and not any(seen_val)                  # validation: eval mode, no grad
    assert len(seen_val) == 2 * len(loader)
    assert model.training  # restored after validation
    assert [set(r) >= {"train/loss", "val/loss", "epoch", "step"} for r in hist.epochs] == [True] * 2
    assert hist.epochs[-1]["val/loss"] < hist.epochs[0]["val/loss"] * 1.5


def test_metrics_are_sample_weighted_means():
    torch.manual_seed(0)
    x = torch.randn(10, 3)
    y = torch.randint(0, 2, (10,))
    model = nn.Linear(3, 2)
    loader = TorchLoader(TorchTensorDataset(x, y), batch_size=4)  # batches 4, 4, 2
    hist = fit(model, loader, loss_fn=nn.functional.cross_entropy,
               optimizer=torch.optim.SGD(model.parameters(), lr=0.0), epochs=1,
               val_loader=loader, metrics={"acc": accuracy}, device="cpu")
    with torch.no_grad():
        out = model(x)
    assert hist.epochs[0]["val/acc"] == pytest.approx(accuracy(out, y))
    assert hist.epochs[0]["val/loss"] == pytest.approx(nn.functional.cross_entropy(out, y).item())
    assert hist.epochs[0]["train/acc"] == pytest.approx(hist.epochs[0]["val/acc"])  # lr = 0


def test_max_steps_stops_mid_epoch_and_lr_is_recorded(tiny):
    x, y = tiny.data()
    model = tiny.model()
    opt = _sgd(model, lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    loader = TorchLoader(TorchTensorDataset(x, y), batch_size=8)
    hist = fit(model, loader, loss_fn=nn.functional.mse_loss, optimizer=opt, scheduler=sched,
               max_steps=5, device="cpu")
    assert len(hist.step_loss) == 5 and hist.epochs == []
    assert hist.step_lr == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


# ---- gradient accumulation ------------------------------------------------------------------------

def _accum_run(batch_size, accum, x, y):
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 1)).double()
    loader = TorchLoader(TorchTensorDataset(x, y), batch_size=batch_size)
    hist = fit(model, loader, loss_fn=nn.functional.mse_loss,
               optimizer=torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
               epochs=3, grad_accum_steps=accum, device="cpu")
    return model, hist


def test_four_micro_batches_of_8_equal_one_batch_of_32():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(64, 5, generator=g, dtype=torch.float64), torch.randn(64, 1, generator=g,
                                                                              dtype=torch.float64)
    big, h_big = _accum_run(32, 1, x, y)
    small, h_small = _accum_run(8, 4, x, y)
    plain, _ = _accum_run(8, 1, x, y)
    assert len(h_big.step_loss) == len(h_small.step_loss) == 6
    for p, q, r in zip(big.parameters(), small.parameters(), plain.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-12)
        assert not torch.allclose(p, r)  # the test can fail: no accumulation differs
    assert h_big.step_loss == pytest.approx(h_small.step_loss, rel=1e-12)


def test_short_last_accumulation_group_is_a_mean():
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(40, 5, generator=g, dtype=torch.float64), torch.randn(40, 1, generator=g,
                                                                              dtype=torch.float64)
    # 40 samples: groups of 4 x 8 = 32, then one short group of 1 x 8; equals batches 32 and 8
    big, _ = _accum_run(32, 1, x, y)
    small, _ = _accum_run(8, 4, x, y)
    for p, q in zip(big.parameters(), small.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-12)


def test_split_batch_round_trips():
    x, y = torch.arange(21.0).view(7, 3), torch.arange(7)
    parts = split_batch({"x": x, "y": y}, 3)
    assert [p["x"].shape[0] for p in parts] == [3, 2, 2]
    assert torch.equal(torch.cat([p["y"] for p in parts]), y)
    with pytest.raises(ValueError, match="cannot make 8"):
        split_batch(x, 8)


# ---- clipping, AMP, loaders -----------------------------------------------------------------------

def test_clip_grad_norm_bounds_the_update(tiny):
    x, y = tiny.data()
    y = y * 1000  # huge gradients
    deltas = {}
    for clip in (None, 0.5):
        model = nn.Linear(4, 1)
        torch.manual_seed(0)
        model.reset_parameters()
        before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
        fit(model, [(x, y)], loss_fn=nn.functional.mse_loss, optimizer=_sgd(model, lr=1.0),
            max_steps=1, clip_grad_norm=clip, device="cpu")
        after = torch.cat([p.detach().flatten() for p in model.parameters()])
        deltas[clip] = (after - before).norm().item()
    assert deltas[0.5] == pytest.approx(0.5, rel=1e-5)  # lr 1: the step is the clipped gradient
    assert deltas[None] > 100


def test_bf16_autocast_on_cpu_trains_and_runs_matmul_in_bf16(tiny):
    x, y = tiny.data()
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
    dtypes = []
    model[0].register_forward_hook(lambda m, i, o: dtypes.append(o.dtype))
    hist = fit(model, [(x[i:i + 16], y[i:i + 16]) for i in range(0, 64, 16)],
               loss_fn=nn.functional.mse_loss, optimizer=_sgd(model, 0.05), epochs=5,
               amp="bf16", device="cpu")
    assert set(dtypes) == {torch.bfloat16}
    assert all(p.dtype == torch.float32 for p in model.parameters())  # master weights stay fp32
    assert hist.epochs[-1]["train/loss"] < hist.epochs[0]["train/loss"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="fp16 autocast + GradScaler needs CUDA")
def test_fp16_with_grad_scaler_on_cuda(tiny):
    x, y = tiny.data()
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
    seen = []

    class ScalerSpy(Callback):
        def on_forward_end(self, trainer, output, loss):
            seen.append((output.dtype, trainer.scaler is not None))

    hist = fit(model, [(x, y)], loss_fn=nn.functional.mse_loss, optimizer=_sgd(model),
               epochs=20, amp="fp16", device="cuda", callbacks=[ScalerSpy()])
    assert seen[0] == (torch.float16, True)
    assert hist.step_loss[-1] < hist.step_loss[0]


def test_works_with_dlfs_dataloader(tiny):
    from dlfs.data import DataLoader, TensorDataset

    x, y = tiny.data()
    model = tiny.model()
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True,
                        generator=torch.Generator())
    hist = fit(model, loader, loss_fn=nn.functional.mse_loss, optimizer=_sgd(model),
               epochs=2, val_loader=DataLoader(TensorDataset(x, y), batch_size=32), device="cpu")
    assert len(hist.step_loss) == 8 and len(hist.epochs) == 2


def test_empty_loader_is_an_error_not_an_endless_loop(tiny):
    model = tiny.model()
    with pytest.raises(ValueError, match="yielded no batches"):
        fit(model, [], loss_fn=nn.functional.mse_loss, optimizer=_sgd(model), max_steps=3,
            device="cpu")


def test_bad_batch_layout_says_how_to_fix(tiny):
    model = tiny.model()
    with pytest.raises(ValueError, match="pass forward="):
        fit(model, [{"x": torch.zeros(2, 4)}], loss_fn=nn.functional.mse_loss,
            optimizer=_sgd(model), epochs=1, device="cpu")


def test_epoch_scheduler_and_plateau_scheduler(tiny):
    x, y = tiny.data()
    loader = TorchLoader(TorchTensorDataset(x, y), batch_size=16)  # 4 steps per epoch
    model = tiny.model()
    opt = _sgd(model, lr=0.1)
    hist = fit(model, loader, loss_fn=nn.functional.mse_loss, optimizer=opt, epochs=3,
               scheduler=torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5),
               scheduler_interval="epoch", device="cpu")
    assert hist.step_lr == pytest.approx([0.1] * 4 + [0.05] * 4 + [0.025] * 4)
    model = tiny.model()
    opt = _sgd(model, lr=0.01)
    # mode="max" on a falling val loss: "no improvement" every epoch → halve after epoch 1
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5,
                                                         patience=0)
    hist = fit(model, loader, loss_fn=nn.functional.mse_loss, optimizer=opt, epochs=3,
               scheduler=plateau, val_loader=loader, device="cpu")
    assert hist.metric("val/loss")[1] < hist.metric("val/loss")[0]
    assert hist.step_lr == pytest.approx([0.01] * 8 + [0.005] * 4)


def test_config_accepts_paths_and_is_plain_data(tmp_path):
    cfg = TrainConfig(epochs=1, checkpoint_dir=tmp_path / "c", log_dir=tmp_path / "tb")
    assert cfg.checkpoint_dir == str(tmp_path / "c")
    assert all(isinstance(v, (int, float, str, bool, type(None))) for v in cfg.to_dict().values())
    with pytest.raises(Exception, match="cannot assign"):
        cfg.epochs = 2  # frozen


def test_move_to_keeps_namedtuple_batches():
    from collections import namedtuple

    from dlfs.train import move_to

    Batch = namedtuple("Batch", "x y")
    moved = move_to(Batch(torch.ones(2), {"m": torch.zeros(1)}), torch.device("cpu"))
    assert isinstance(moved, Batch) and torch.equal(moved.x, torch.ones(2))
    assert torch.equal(moved.y["m"], torch.zeros(1))


# ---- compile=True -----------------------------------------------------------------------------

def test_compile_runs_only_the_training_forward_through_torch_compile(monkeypatch):
    """fit(compile=True) trains through torch.compile(model) and evaluates with the model
    itself. torch.compile is replaced by a wrapper that counts its calls (a real compile
    takes tens of seconds; tests/recipes/test_gpt_compile.py does one, marked slow)."""
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    calls = {"compiled": 0}

    class Counting(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            calls["compiled"] += 1
            return self.inner(x)

    wrapped = []
    monkeypatch.setattr(torch, "compile", lambda m: wrapped.append(m) or Counting(m))
    data = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(5)]
    history = fit(model, data, val_loader=data[:2], loss_fn=nn.functional.mse_loss,
                  optimizer=_sgd(model), epochs=2, device="cpu", compile=True)
    assert wrapped == [model]                       # compiled once, the model itself
    assert calls["compiled"] == 10                  # every training step, no evaluation
    assert len(history.epochs) == 2 and "val/loss" in history.epochs[-1]
    calls["compiled"] = 0
    fit(model, data, loss_fn=nn.functional.mse_loss, optimizer=_sgd(model), epochs=1,
        device="cpu")
    assert calls["compiled"] == 0                   # off by default
