"""Early stopping through the trainer: `dlfs.train.EarlyStopping` stops at the right epoch and
`dlfs.train.best_weights.RestoreBestWeights` puts the best epoch's weights back.

The validation metric is scripted (one value per epoch), so the expected stopping epoch is
known in advance; the weights still change every epoch (plain SGD on a regression)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlfs.train import Callback, EarlyStopping, fit
from dlfs.train.best_weights import RestoreBestWeights


class Snapshots(Callback):
    """The model's weights at the end of every epoch."""

    def __init__(self):
        self.states = []

    def on_epoch_end(self, trainer, logs):
        self.states.append({k: v.clone() for k, v in trainer.model.state_dict().items()})


class StopWith(Callback):
    """Raise at the end of one epoch (a failing run)."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, trainer, logs):
        if logs["epoch"] == self.epoch:
            raise RuntimeError("planted failure")


def _run(script, callbacks, epochs=None):
    """Train a linear model; ``val/score`` of epoch e is ``script[e]``."""
    torch.manual_seed(0)
    x, y = torch.randn(32, 3), torch.randn(32, 1)
    model = nn.Linear(3, 1)
    seen = []

    def score(output, target):  # called on train batches (train mode) and on val (eval mode)
        if model.training:
            return 0.0
        seen.append(None)
        return script[len(seen) - 1]

    hist = fit(model, [(x, y)], loss_fn=nn.functional.mse_loss, val_loader=[(x, y)],
               optimizer=torch.optim.SGD(model.parameters(), lr=0.1), metrics={"score": score},
               epochs=epochs or len(script), callbacks=callbacks, device="cpu")
    return model, hist


@pytest.mark.parametrize("script, patience, mode, min_delta, n_epochs", [
    ([5, 4, 3, 3.5, 3.2, 3.1, 2, 1], 3, "min", 0.0, 6),    # best at 2; 3, 4, 5 bad -> stop
    ([5, 4, 3, 3.5, 3.2, 3.1, 2, 1], 4, "min", 0.0, 8),    # epoch 6 improves in time
    ([5, 4.95, 4.9, 4.85, 4.8], 2, "min", 0.1, 3),          # steps below min_delta don't count
    ([0.1, 0.5, 0.4, 0.45, 0.3, 0.2], 2, "max", 0.0, 4),    # accuracy-like: higher is better
    ([3, 3, 3, 3], 1, "min", 0.0, 2),                       # a tie is not an improvement
])
def test_early_stopping_stops_after_patience_epochs_without_improvement(
        script, patience, mode, min_delta, n_epochs):
    es = EarlyStopping("val/score", patience=patience, mode=mode, min_delta=min_delta)
    _, hist = _run(script, [es])
    assert len(hist.epochs) == n_epochs
    assert hist.metric("val/score") == script[:n_epochs]
    stopped = n_epochs < len(script)
    assert any("early stop" in e for e in hist.events) == stopped


@pytest.mark.parametrize("script, mode, best_epoch", [
    ([5, 4, 3, 3.5, 3.2, 3.1], "min", 2),
    ([0.1, 0.5, 0.4, 0.45, 0.3], "max", 1),
])
def test_restore_best_weights_after_an_early_stop(script, mode, best_epoch):
    snaps = Snapshots()
    best = RestoreBestWeights("val/score", mode=mode)
    model, hist = _run(script, [snaps, EarlyStopping("val/score", patience=2, mode=mode), best])
    assert best.best_epoch == best_epoch and best.best == script[best_epoch] and best.restored
    assert len(hist.epochs) == best_epoch + 3                 # stopped `patience` epochs later
    for k, v in model.state_dict().items():
        assert torch.equal(v, snaps.states[best_epoch][k]), k
        assert not torch.equal(v, snaps.states[-1][k]), k     # not simply the last weights
    assert "restored the weights of epoch" in hist.events[-1]


def test_restore_best_weights_without_early_stopping_and_not_after_an_error():
    snaps, best = Snapshots(), RestoreBestWeights("val/score")
    model, _ = _run([4, 1, 2, 3], [snaps, best])             # runs all 4 epochs
    assert best.best_epoch == 1
    assert torch.equal(model.weight, snaps.states[1]["weight"])
    _run([2, 5, 6], [snaps, best])                           # the same callback, a new run
    assert best.best_epoch == 0 and best.best == 2           # a fresh search: 2 is not > 1
    snaps, best = Snapshots(), RestoreBestWeights("val/score")
    with pytest.raises(RuntimeError, match="planted"):
        _run([4, 1, 2, 3], [snaps, best, StopWith(epoch=2)])
    assert not best.restored                                  # the failing state is kept
    with pytest.raises(KeyError, match="'val/acc' is not in the epoch logs"):
        _run([1, 2], [RestoreBestWeights("val/acc")])
