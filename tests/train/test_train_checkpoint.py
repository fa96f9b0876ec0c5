"""Checkpoint files: atomic writes, checksum, corrupt-file detection, keep-last-N, best, RNG."""

from __future__ import annotations

import hashlib
import io
import os
import random

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader as TorchLoader
from torch.utils.data import TensorDataset as TorchTensorDataset

from dlfs.train import (
    CheckpointManager,
    CheckpointWarning,
    CorruptCheckpointError,
    LossScaler,
    atomic_save,
    capture_rng_state,
    fit,
    load_checkpoint,
    restore_rng_state,
    save_checkpoint,
)


def test_round_trip_and_no_temp_files_left(tmp_path):
    payload = {"w": torch.randn(3, 2), "step": 7, "nested": {"xs": [1.5, None, "a"]}}
    path = save_checkpoint(payload, tmp_path / "c.pt")
    back = load_checkpoint(path)
    assert torch.equal(back["w"], payload["w"]) and back["step"] == 7
    assert back["nested"] == {"xs": [1.5, None, "a"]}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pt"]
    # the outer file itself loads with weights_only=True as well
    assert torch.load(path, weights_only=True)["format"] == "dlfs-checkpoint-v1"


def test_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "c.pt"
    save_checkpoint({"v": 1}, target)

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        atomic_save({"bad": Unpicklable()}, target)
    assert load_checkpoint(target) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # temp file cleaned up


class Custom:
    """Not a tensor or a plain container: weights_only loading must refuse it."""


def _outer_with_payload(payload: object) -> dict:
    """A correctly checksummed outer dict around any pickled ``payload``."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getvalue()
    return {"format": "dlfs-checkpoint-v1", "sha256": hashlib.sha256(data).hexdigest(),
            "payload": torch.frombuffer(bytearray(data), dtype=torch.uint8)}


#: every way a file can be bad -> the reason the error must give
DAMAGES = {
    "empty": "is empty",
    "truncate": "cannot be read",
    "flip": "checksum mismatch",
    "garbage": "cannot be loaded safely",
    "foreign": "not a dlfs-checkpoint-v1 file",
    "no-payload": "not a dlfs-checkpoint-v1 file",
    "refused-outer": "cannot be loaded safely",
    "refused-payload": "cannot be loaded safely",
}


def _damage(path, damage: str) -> None:
    data = bytearray(path.read_bytes())
    if damage == "empty":
        data = bytearray()
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":  # a bit in the middle of the stored payload bytes
        data[len(data) // 2] ^= 0x01
    elif damage == "garbage":
        data = bytearray(b"not a checkpoint at all")
    if damage in ("foreign", "no-payload", "refused-outer", "refused-payload"):
        obj = {"foreign": {"w": torch.ones(1)}, "no-payload": {"format": "dlfs-checkpoint-v1"},
               "refused-outer": {"format": "dlfs-checkpoint-v1", "obj": Custom()},
               "refused-payload": _outer_with_payload({"obj": Custom()})}[damage]
        torch.save(obj, path)            # a valid checksum around a payload that is refused
    else:
        path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_files_are_detected_with_a_clear_message(tmp_path, damage):
    path = save_checkpoint({"w": torch.arange(1000.0)}, tmp_path / "c.pt")
    _damage(path, damage)
    with pytest.raises(CorruptCheckpointError) as info:
        load_checkpoint(path)
    assert type(info.value) is CorruptCheckpointError and info.value.path == path
    message = str(info.value)
    assert message.startswith(f"checkpoint {path} is unusable: ") and DAMAGES[damage] in message
    assert "\n" not in message and "weights_only=False" not in message   # one safe line


@pytest.mark.parametrize("damage", DAMAGES)
def test_every_damage_falls_back_to_the_previous_good_checkpoint(tmp_path, damage):
    mgr = CheckpointManager(tmp_path, keep_last=3)
    for step in (1, 2, 3):
        mgr.save({"step": step}, step)
    _damage(mgr.step_path(3), damage)
    path, payload, problems = mgr.load_latest()
    assert path == mgr.step_path(2) and payload == {"step": 2}
    assert len(problems) == 1 and "step-00000003.pt is unusable" in problems[0]


def test_manager_keeps_last_n_and_ignores_temp_files(tmp_path):
    mgr = CheckpointManager(tmp_path, keep_last=2)
    for step in (1, 2, 3, 4):
        mgr.save({"step": step}, step)
    (tmp_path / ".step-00000009.pt.abc.tmp").write_bytes(b"half written")
    assert [p.name for p in mgr.step_files()] == ["step-00000004.pt", "step-00000003.pt"]
    path, payload, problems = mgr.load_latest()
    assert payload == {"step": 4} and problems == []


def test_latest_corrupt_falls_back_to_previous_good(tmp_path):
    mgr = CheckpointManager(tmp_path, keep_last=3)
    for step in (1, 2):
        mgr.save({"step": step}, step)
    newest = mgr.step_path(2)
    newest.write_bytes(newest.read_bytes()[:100])
    path, payload, problems = mgr.load_latest()
    assert path == mgr.step_path(1) and payload == {"step": 1}
    assert len(problems) == 1 and "step-00000002.pt is unusable" in problems[0]


def test_rng_state_round_trip_through_a_checkpoint(tmp_path):
    random.seed(1), np.random.seed(2), torch.manual_seed(3)
    random.gauss(0, 1)  # leaves a cached gaussian in Python's state
    save_checkpoint({"rng": capture_rng_state()}, tmp_path / "r.pt")
    first = (random.random(), random.gauss(0, 1), np.random.rand(), np.random.randn(),
             torch.rand(3))
    random.seed(99), np.random.seed(99), torch.manual_seed(99)
    restore_rng_state(load_checkpoint(tmp_path / "r.pt")["rng"])
    again = (random.random(), random.gauss(0, 1), np.random.rand(), np.random.randn(),
             torch.rand(3))
    assert first[:4] == again[:4] and torch.equal(first[4], again[4])


def _run(tmp_path, tiny, **options):
    x, y = tiny.data()
    model = tiny.model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    loader = TorchLoader(TorchTensorDataset(x, y), batch_size=16, shuffle=True,
                         generator=torch.Generator())
    hist = fit(model, loader, loss_fn=nn.functional.mse_loss, optimizer=opt, scheduler=sched,
               val_loader=TorchLoader(TorchTensorDataset(x, y), batch_size=32),
               checkpoint_dir=tmp_path / "ckpt", device="cpu", **options)
    return model, hist


def test_fit_checkpoint_contents_keep_last_and_best(tmp_path, tiny):
    model, hist = _run(tmp_path, tiny, epochs=3, checkpoint_every=3, keep_last=2)
    names = sorted(p.name for p in (tmp_path / "ckpt").iterdir())
    assert names == ["best.pt", "step-00000009.pt", "step-00000012.pt"]
    ckpt = load_checkpoint(tmp_path / "ckpt" / "step-00000012.pt")
    assert set(ckpt) >= {"model", "optimizer", "scheduler", "scaler", "trainer", "rng",
                         "loader", "config", "versions", "history", "epoch_rng"}
    assert ckpt["trainer"]["step"] == 12 and ckpt["trainer"]["epoch"] == 3
    assert ckpt["config"]["keep_last"] == 2 and ckpt["config"]["checkpoint_dir"].endswith("ckpt")
    assert ckpt["versions"]["torch"] == torch.__version__
    for name, value in model.state_dict().items():
        assert torch.equal(ckpt["model"][name], value)
    best_epoch = int(np.argmin(hist.metric("val/loss")))
    best = load_checkpoint(tmp_path / "ckpt" / "best.pt")
    assert best["trainer"]["epoch"] == best_epoch + 1
    assert best["extra"]["best"] == pytest.approx(min(hist.metric("val/loss")))


def test_resume_skips_a_corrupt_newest_checkpoint_with_a_warning(tmp_path, tiny):
    _run(tmp_path, tiny, epochs=2, checkpoint_every=2, keep_last=5)
    newest = tmp_path / "ckpt" / "step-00000008.pt"
    newest.write_bytes(newest.read_bytes()[:-50])
    with pytest.warns(CheckpointWarning, match="step-00000008.pt is unusable"):
        _, hist = _run(tmp_path, tiny, epochs=2, checkpoint_every=2, keep_last=5, resume=True)
    assert any("resumed from" in e and "step-00000006.pt" in e for e in hist.events)
    assert len(hist.step_loss) == 8  # steps 7 and 8 were redone


def test_resume_with_no_checkpoint_starts_fresh(tmp_path, tiny):
    _, hist = _run(tmp_path, tiny, epochs=1, resume=True)
    assert hist.events[0].startswith("no usable checkpoint") and len(hist.step_loss) == 4


def test_explicit_corrupt_resume_file_raises(tmp_path, tiny):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"\x00" * 10)
    with pytest.raises(CorruptCheckpointError, match="bad.pt"):
        _run(tmp_path, tiny, epochs=1, resume=str(bad))
    assert os.path.exists(bad)


def test_loss_scaler_state_dict_round_trip():
    scaler = LossScaler(init_scale=8.0, growth_interval=3)
    for _ in range(2):                       # two good steps: the count is 2, S unchanged
        scaler.update()
    fresh = LossScaler()
    fresh.load_state_dict(scaler.state_dict())
    fresh.update()                           # the third good step in a row doubles S
    assert fresh.get_scale() == 16.0 and fresh.state_dict()["good_steps"] == 0
