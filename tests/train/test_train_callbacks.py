"""Callbacks: TensorBoard events read back, profiler table + trace, NaN guard naming the
culprit, metrics logs, early stopping, progress bar; the batch-size finder."""

from __future__ import annotations

import csv
import io
import json

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader as TorchLoader
from torch.utils.data import TensorDataset as TorchTensorDataset

from dlfs.metrics import accuracy
from dlfs.train import (
    EarlyStopping,
    MetricsLogger,
    NaNGuard,
    NonFiniteError,
    PeriodicEval,
    ProfilerCallback,
    ProgressBar,
    TensorBoardLogger,
    find_max_batch_size,
    fit,
    load_checkpoint,
    step_memory_bytes,
)


def _fit(tiny, model=None, epochs=2, val=True, **options):
    x, y = tiny.data()
    model = model or tiny.model()
    loader = TorchLoader(TorchTensorDataset(x, y), batch_size=16)
    hist = fit(model, loader, loss_fn=nn.functional.mse_loss,
               optimizer=torch.optim.SGD(model.parameters(), lr=options.pop("lr", 0.05)),
               epochs=epochs, val_loader=loader if val else None, device="cpu", **options)
    return model, hist


# ---- TensorBoard ----------------------------------------------------------------------------------

def test_fit_log_dir_writes_events_that_tensorboard_reads_back(tmp_path, tiny):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    _, hist = _fit(tiny, log_dir=tmp_path / "tb")
    acc = EventAccumulator(str(tmp_path / "tb"))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    assert {"loss/train", "opt/lr", "loss/val", "loss/train_epoch"} <= tags   # the scheme
    losses = [e.value for e in acc.Scalars("loss/train")]
    assert [e.step for e in acc.Scalars("loss/train")] == list(range(1, 9))
    assert losses == pytest.approx(hist.step_loss, rel=1e-6)
    assert [e.value for e in acc.Scalars("loss/val")] == pytest.approx(hist.metric("val/loss"))


def test_tensorboard_histograms_and_images(tmp_path, tiny):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logger = TensorBoardLogger(str(tmp_path / "tb"), histogram_every=2, graph_input=torch.zeros(2, 4),
                               image_fn=lambda t: {"weights/first": t.model.body[0].weight[None]})
    _fit(tiny, callbacks=[logger])
    acc = EventAccumulator(str(tmp_path / "tb"), size_guidance={"histograms": 0, "images": 0})
    acc.Reload()
    hists = set(acc.Tags()["histograms"])
    assert {"weights/body.0.weight", "grads/body.0.weight", "grads/body.3.bias"} <= hists
    assert [e.step for e in acc.Histograms("grads/body.0.weight")] == [2, 4, 6, 8]
    assert acc.Tags()["images"] == ["weights/first"]
    assert acc.Tags()["graph"] and any("Linear" in node.name or "linear" in node.op
                                       for node in acc.Graph().node)


# ---- profiler ---------------------------------------------------------------------------------------

def test_profiler_writes_a_trace_and_a_top_ops_table(tmp_path, tiny):
    prof = ProfilerCallback(tmp_path / "trace.json", wait=0, warmup=1, active=2)
    model = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 1))
    _fit(tiny, model=model, epochs=1, val=False, callbacks=[prof])
    trace = json.loads((tmp_path / "trace.json").read_text())
    assert trace["traceEvents"]
    assert "Self CPU" in prof.table
    assert any(op in prof.table for op in ("aten::addmm", "aten::mm", "aten::matmul"))
    assert any(op in prof.op_totals for op in ("aten::addmm", "aten::mm"))


# ---- NaN guard ---------------------------------------------------------------------------------------

class LogOfInput(nn.Module):
    """log(x): NaN for negative inputs (the planted bug)."""

    def forward(self, x):
        return torch.log(x)


class SqrtOfInput(nn.Module):
    """sqrt(|x|): finite forward, but d/dx at x = 0 is inf (a gradient-only NaN source)."""

    def forward(self, x):
        return torch.sqrt(x.abs())


def test_nan_guard_names_the_module_that_made_nan_and_keeps_the_checkpoint(tmp_path, tiny):
    model = nn.Sequential(nn.Linear(4, 8), LogOfInput(), nn.Linear(8, 1))
    with torch.no_grad():
        model[0].weight.fill_(0.1), model[0].bias.zero_()  # positive inputs → positive outputs
    ckpt = tmp_path / "ckpt"
    x, y = tiny.data()
    x = x.abs() + 0.1
    loader = TorchLoader(TorchTensorDataset(x, y), batch_size=8)
    good = fit(model, loader, loss_fn=nn.functional.mse_loss, callbacks=[NaNGuard()],
               optimizer=torch.optim.SGD(model.parameters(), lr=0.0), epochs=1,
               checkpoint_dir=ckpt, device="cpu")
    assert all(torch.isfinite(torch.tensor(good.step_loss)))
    saved = {p.name: p.read_bytes() for p in ckpt.iterdir()}
    before = [p.detach().clone() for p in model.parameters()]
    x[40:] = -1.0  # the 6th batch: Linear gives -0.4 → log → NaN
    bad_loader = TorchLoader(TorchTensorDataset(x, y), batch_size=8)
    with pytest.raises(NonFiniteError, match=r"module '1' \(LogOfInput\)") as info:
        fit(model, bad_loader, loss_fn=nn.functional.mse_loss, callbacks=[NaNGuard()],
            optimizer=torch.optim.SGD(model.parameters(), lr=1e-3), epochs=1,
            checkpoint_dir=ckpt, device="cpu")
    assert info.value.kind == "loss" and info.value.step == 5  # 5 good steps ran first
    assert {p.name: p.read_bytes() for p in ckpt.iterdir()} == saved  # checkpoints untouched
    assert load_checkpoint(ckpt / "step-00000008.pt")["trainer"]["step"] == 8
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert not all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_nan_guard_blames_the_loss_when_outputs_are_finite(tiny):
    model = tiny.model()
    with pytest.raises(NonFiniteError, match="no module output.*loss function made it"):
        fit(model, [tiny.data(8)], loss_fn=lambda out, y: torch.log(out - out).mean(),
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=1, device="cpu",
            callbacks=[NaNGuard()])


def test_nan_guard_catches_a_gradient_only_nan_before_the_step(tiny):
    model = nn.Sequential(nn.Linear(4, 4), nn.Sequential(SqrtOfInput(), nn.Linear(4, 4)),
                          nn.ReLU(inplace=True), nn.Linear(4, 1))
    with torch.no_grad():
        model[0].weight.zero_(), model[0].bias.zero_()  # sqrt at exactly 0: inf slope
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(NonFiniteError, match=r"gradient.*'1.0' \(SqrtOfInput\), whose backward") as info:
        fit(model, [tiny.data(8)], loss_fn=nn.functional.mse_loss,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=1, device="cpu",
            callbacks=[NaNGuard()])
    assert info.value.kind == "gradient" and "0.weight" in str(info.value)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))  # no step taken


def test_nan_guard_finds_the_bad_micro_batch_of_an_accumulated_step(tiny):
    """Only the second of two micro-batches makes a NaN gradient: the replay finds it."""
    model = nn.Sequential(nn.Linear(4, 4), nn.Sequential(SqrtOfInput(), nn.Linear(4, 4)),
                          nn.Linear(4, 1))
    with torch.no_grad():
        model[0].weight.fill_(0.5), model[0].bias.zero_()
    x, y = tiny.data(16)
    x[8:] = 0.0                                 # the 2nd micro-batch: sqrt at exactly 0
    with pytest.raises(NonFiniteError, match=r"'1.0' \(SqrtOfInput\), whose backward"):
        fit(model, [(x[:8], y[:8]), (x[8:], y[8:])], loss_fn=nn.functional.mse_loss,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=1, device="cpu",
            grad_accum_steps=2, nan_guard=True)


def test_nan_guard_option_adds_the_guard_first_and_changes_no_number(tmp_path, tiny):
    """fit(nan_guard=True) stops a NaN run; on a good run (dropout draws random numbers,
    BatchNorm keeps buffers) every weight, loss and checkpoint equals a run without it."""
    def run(ckpt, **options):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.Dropout(0.3),
                              nn.Linear(16, 1))
        x, y = tiny.data()
        hist = fit(model, TorchLoader(TorchTensorDataset(x, y), batch_size=8, shuffle=True,
                                      generator=torch.Generator()),
                   loss_fn=nn.functional.mse_loss, epochs=2, device="cpu", seed=3,
                   optimizer=torch.optim.Adam(model.parameters(), lr=1e-2),
                   checkpoint_dir=ckpt, **options)
        return model, hist
    plain, plain_hist = run(tmp_path / "a")
    guarded, guarded_hist = run(tmp_path / "b", nan_guard=True)
    assert guarded_hist.step_loss == plain_hist.step_loss
    for a, b in zip(plain.state_dict().values(), guarded.state_dict().values()):
        assert torch.equal(a, b)
    model = nn.Sequential(nn.Linear(4, 8), LogOfInput(), nn.Linear(8, 1))
    with torch.no_grad():
        model[0].bias.fill_(-1.0), model[0].weight.zero_()
    with pytest.raises(NonFiniteError, match=r"module '1' \(LogOfInput\)"):
        fit(model, [tiny.data(8)], loss_fn=nn.functional.mse_loss, nan_guard=True,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=1, device="cpu")


def test_nan_guard_stops_at_weights_the_step_made_non_finite(tmp_path, tiny):
    """Finite gradients, but an absurd rate: the step itself overflows float32. No checkpoint
    holds those weights; the error says which parameter and which rate."""
    model = tiny.model()
    x, y = tiny.data()
    y = 1000 * y                                   # gradients far above 1: lr 1e38 overflows
    loader = [(x[i:i + 8], y[i:i + 8]) for i in range(0, 64, 8)]
    fit(model, loader[:2], loss_fn=nn.functional.mse_loss, epochs=1, device="cpu",
        optimizer=torch.optim.SGD(model.parameters(), lr=0.01), checkpoint_dir=tmp_path)
    saved = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(NonFiniteError, match=r"weights at step 0 .*lr 1e\+38\) made parameter "
                                             r"body.0.weight non-finite") as info:
        fit(model, loader, loss_fn=nn.functional.mse_loss, epochs=1, device="cpu",
            optimizer=torch.optim.SGD(model.parameters(), lr=1e38), nan_guard=True,
            checkpoint_dir=tmp_path, checkpoint_every=1)
    assert info.value.kind == "weights" and info.value.module == "'body.0' (Linear)"
    assert sorted(p.name for p in tmp_path.iterdir()) == saved
    assert info.value.checkpoint == tmp_path / "step-00000002.pt"


def test_nan_guard_turns_an_optimizer_overflow_into_a_weights_error(tiny):
    """Adam's step size lr / (1 - beta1) beyond float32 is torch's RuntimeError; under the
    guard it is a NonFiniteError (a user-facing error) naming the rate."""
    model = tiny.model()
    with pytest.raises(NonFiniteError, match=r"first seen in the optimizer step; it "
                                             r"overflowed .* at lr 1e\+38"):
        fit(model, [tiny.data(8)], loss_fn=nn.functional.mse_loss, epochs=1, device="cpu",
            optimizer=torch.optim.Adam(model.parameters(), lr=1e38), nan_guard=True)
    model = tiny.model()
    with pytest.raises(RuntimeError, match="overflow"):   # without the guard: torch's error
        fit(model, [tiny.data(8)], loss_fn=nn.functional.mse_loss, epochs=1, device="cpu",
            optimizer=torch.optim.Adam(model.parameters(), lr=1e38))


def test_periodic_eval_under_the_guard_stops_before_the_checkpoint(tmp_path, tiny):
    """A NaN validation value (finite weights, bad forward) stops the run under the guard,
    naming the module, before that step's checkpoint; without the guard it is recorded."""
    model = nn.Sequential(nn.Linear(4, 8), LogOfInput(), nn.Linear(8, 1))
    with torch.no_grad():
        model[0].weight.fill_(0.1), model[0].bias.fill_(1.0)
    x, y = tiny.data()

    def evaluate(m):
        return nn.functional.mse_loss(m(-10 * x.abs() - 20), y).item()  # log of negatives

    loader = [(x.abs(), y)] * 4
    evaluator = PeriodicEval(2, evaluate)
    with pytest.raises(NonFiniteError, match=r"evaluation at step 2 .*module '1' "
                                             r"\(LogOfInput\)"):
        fit(model, loader, loss_fn=nn.functional.mse_loss, epochs=1, device="cpu",
            optimizer=torch.optim.SGD(model.parameters(), lr=1e-3), callbacks=[evaluator],
            checkpoint_dir=tmp_path, checkpoint_every=1, nan_guard=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step-00000001.pt"]
    evaluator = PeriodicEval(2, evaluate)
    fit(model, loader, loss_fn=nn.functional.mse_loss, epochs=1, device="cpu",
        optimizer=torch.optim.SGD(model.parameters(), lr=1e-3), callbacks=[evaluator])
    assert [row[0] for row in evaluator.evals] == [2, 4] and evaluator.evals[0][2] != 0


def test_without_the_guard_nan_goes_through(tiny):
    model = nn.Sequential(nn.Linear(4, 8), LogOfInput(), nn.Linear(8, 1))
    with torch.no_grad():
        model[0].bias.fill_(-1.0), model[0].weight.zero_()
    hist = fit(model, [tiny.data(8)], loss_fn=nn.functional.mse_loss,
               optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=1, device="cpu")
    assert torch.isnan(torch.tensor(hist.step_loss)).all()


# ---- metrics log, early stopping, progress bar ------------------------------------------------------

@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_metrics_logger_writes_one_row_per_epoch(tmp_path, tiny, suffix):
    path = tmp_path / f"metrics{suffix}"
    _, hist = _fit(tiny, epochs=3, callbacks=[MetricsLogger(path)])
    if suffix == ".csv":
        rows = list(csv.DictReader(path.open()))
        got = [float(r["val/loss"]) for r in rows]
    else:
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        got = [r["val/loss"] for r in rows]
    assert got == pytest.approx(hist.metric("val/loss"))
    assert [int(float(r["epoch"])) for r in rows] == [0, 1, 2]


def test_early_stopping_stops_when_the_metric_stalls(tiny):
    _, hist = _fit(tiny, epochs=20, lr=0.0, callbacks=[EarlyStopping("val/loss", patience=2)])
    assert len(hist.epochs) == 3  # epoch 0 sets the best; 1 and 2 do not improve → stop
    assert "early stop after epoch 2" in hist.events[-1]
    with pytest.raises(KeyError, match="not in the epoch logs"):
        _fit(tiny, epochs=1, val=False, callbacks=[EarlyStopping("val/acc")])


def test_progress_bar_is_quiet_off_a_terminal_and_draws_when_forced(tiny):
    quiet, loud = io.StringIO(), io.StringIO()
    _fit(tiny, epochs=1, callbacks=[ProgressBar(file=quiet)])
    _fit(tiny, epochs=1, callbacks=[ProgressBar(enabled=True, file=loud)])
    assert quiet.getvalue() == ""
    assert "4/4" in loud.getvalue() and "step" in loud.getvalue()


def test_metrics_accuracy_through_fit():
    torch.manual_seed(0)
    x = torch.randn(64, 2)
    y = (x[:, 0] > 0).long()
    model = nn.Linear(2, 2)
    loader = TorchLoader(TorchTensorDataset(x, y), batch_size=16)
    hist = fit(model, loader, loss_fn=nn.functional.cross_entropy, metrics={"acc": accuracy},
               optimizer=torch.optim.SGD(model.parameters(), lr=0.5), epochs=10,
               val_loader=loader, device="cpu")
    assert hist.last("val/acc") > 0.9


# ---- batch-size finder ------------------------------------------------------------------------------

def test_step_memory_counts_params_grads_and_saved_activations():
    model = nn.Sequential(nn.Linear(100, 1000), nn.ReLU(), nn.Linear(1000, 10))
    params = sum(p.numel() for p in model.parameters()) * 4
    for b in (1, 7, 32):
        x = torch.randn(b, 100)
        # params + grads + the input x + the ReLU output (kept by ReLU and by Linear 2: once);
        # Linear 2 also keeps its weight, which is a parameter: not counted twice
        assert step_memory_bytes(model, x) == 2 * params + 4 * b * 100 + 4 * b * 1000
        assert all(p.grad is None for p in model.parameters())  # leaves the model clean


def test_find_max_batch_size_is_the_largest_that_fits():
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    make = lambda b: (torch.randn(b, 64), torch.randint(0, 10, (b,)))
    budget = 400_000
    result = find_max_batch_size(model, make, budget, loss_fn=nn.functional.cross_entropy)
    b = result.batch_size
    assert result.bytes_used <= budget
    assert step_memory_bytes(model, make(b + 1), nn.functional.cross_entropy) > budget
    assert 1 < b < 4096 and len(result.trials) < 30
    with pytest.raises(ValueError, match="even batch size 1"):
        find_max_batch_size(model, make, 1000)


def test_observing_callbacks_do_not_change_the_run(tmp_path, tiny):
    """Logging, the guard, the bar and the profiler only watch: same weights bitwise."""
    plain, _ = _fit(tiny, epochs=2)
    watched, _ = _fit(tiny, epochs=2, callbacks=[
        TensorBoardLogger(str(tmp_path / "tb"), histogram_every=1, graph_input=torch.zeros(2, 4)),
        MetricsLogger(tmp_path / "m.jsonl", steps=True), NaNGuard(), ProgressBar(enabled=False),
        ProfilerCallback(tmp_path / "trace.json", wait=0, warmup=1, active=1)])
    for a, b in zip(plain.parameters(), watched.parameters()):
        assert torch.equal(a, b)


def test_periodic_eval_rows_reports_and_resume(tmp_path):
    import torch

    from dlfs.train import PeriodicEval, fit

    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    data = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(6)]
    reports = []

    def run(max_steps, resume):
        ev = PeriodicEval(2, lambda m: m.weight.detach().abs().sum().item(),
                          report=lambda *row: reports.append(row))
        fit(model, data, loss_fn=torch.nn.functional.mse_loss,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), max_steps=max_steps,
            device="cpu", callbacks=[ev], checkpoint_dir=str(tmp_path), resume=resume)
        return ev

    first = run(5, False)
    assert [row[0] for row in first.evals] == [2, 4, 5]       # every 2 steps, and the end
    assert all(len(r) == 4 and r[3] >= 0 for r in reports)    # step, train, value, seconds
    again = run(8, True)
    assert [row[0] for row in again.evals] == [2, 4, 5, 6, 8]  # the curve continues


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), None])
def test_the_finite_check_sees_nan_inf_and_lets_huge_finite_values_pass(bad):
    """The guard's check: finite norms settle it; a norm that overflows on huge *finite*
    values (3e38 squared) is confirmed exactly and passes; NaN and ±Inf anywhere fail."""
    from dlfs.train.nan_guard import _all_finite

    tensors = [torch.randn(3, 4), torch.full((5,), 3e38), torch.zeros(2, dtype=torch.int64)]
    assert _all_finite(tensors)
    if bad is not None:
        tensors[0][1, 2] = bad
        assert not _all_finite(tensors)
    assert _all_finite([]) and _all_finite([torch.empty(0)])
