"""Exact resume: stop after step k, resume, and end bitwise equal to an uninterrupted run.

Covered: torch's DataLoader with and without a generator (order replayed from the RNG state
at the epoch start + skipped batches), dlfs.data.DataLoader (its own state_dict), a plain list
of batches, dropout (RNG inside the model), Adam + a scheduler, gradient accumulation; stops by
max_steps, by a callback, by a crash during validation, and by SIGKILL of the capstone recipe
(`dlfs train gpt`, two threads) in another process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader as TorchLoader
from torch.utils.data import TensorDataset as TorchTensorDataset

from dlfs.cli import main
from dlfs.train import Callback, fit, load_checkpoint


def _loader(kind, x, y):
    if kind == "torch-generator":
        return TorchLoader(TorchTensorDataset(x, y), batch_size=8, shuffle=True,
                           generator=torch.Generator())
    if kind == "torch-global-rng":
        return TorchLoader(TorchTensorDataset(x, y), batch_size=8, shuffle=True)
    if kind == "dlfs":
        from dlfs.data import DataLoader, TensorDataset

        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True,
                          generator=torch.Generator())
    if kind == "list":
        return [(x[i:i + 8], y[i:i + 8]) for i in range(0, len(x), 8)]
    raise ValueError(kind)


def _train(tiny, kind, ckpt=None, callbacks=(), **options):
    """64 samples, batches of 8, 2 micro-batches per step: 4 steps per epoch."""
    x, y = tiny.data()
    model = tiny.model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=12)
    options = {"checkpoint_every": 3 if ckpt else None, "seed": 7, **options}
    hist = fit(model, _loader(kind, x, y), loss_fn=nn.functional.mse_loss, optimizer=opt,
               scheduler=sched, val_loader=_loader("list", x, y), grad_accum_steps=2,
               checkpoint_dir=ckpt, device="cpu", callbacks=callbacks, **options)
    return model, hist


def _assert_same(a: nn.Module, b: nn.Module) -> None:
    for (name, p), q in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(p, q), f"{name} differs"


class StopAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_step_end(self, trainer, logs):
        if trainer.state.step == self.step:
            trainer.should_stop = True


class CrashInValidation(Callback):
    def on_epoch_end(self, trainer, logs):
        raise RuntimeError("simulated crash at the end of epoch 0")


@pytest.mark.parametrize("kind", ["torch-generator", "torch-global-rng", "dlfs", "list"])
def test_stop_by_max_steps_then_resume_is_bitwise_equal(tmp_path, tiny, kind):
    full, full_hist = _train(tiny, kind, epochs=3)
    _, part_hist = _train(tiny, kind, tmp_path, epochs=3, max_steps=5)  # epoch 1, batch 2 of 8
    assert len(part_hist.step_loss) == 5
    assert load_checkpoint(tmp_path / "step-00000005.pt")["trainer"]["batch_in_epoch"] == 2
    resumed, hist = _train(tiny, kind, tmp_path, epochs=3, resume=True)
    _assert_same(full, resumed)
    assert hist.step_loss == full_hist.step_loss and hist.epochs == full_hist.epochs
    assert hist.step_lr == full_hist.step_lr


def test_stop_by_callback_then_resume_is_bitwise_equal(tmp_path, tiny):
    full, _ = _train(tiny, "torch-generator", epochs=3)
    _, part = _train(tiny, "torch-generator", tmp_path, epochs=3, callbacks=[StopAt(7)])
    assert len(part.step_loss) == 7
    resumed, _ = _train(tiny, "torch-generator", tmp_path, epochs=3, resume=True)
    _assert_same(full, resumed)
    # the test can fail: resuming without the saved state does not match
    unrelated, _ = _train(tiny, "torch-generator", epochs=3, seed=8)
    assert not torch.equal(next(iter(full.parameters())), next(iter(unrelated.parameters())))


def test_crash_after_last_batch_resumes_at_the_epoch_end(tmp_path, tiny):
    full, full_hist = _train(tiny, "torch-global-rng", epochs=2, checkpoint_every=None)
    with pytest.raises(RuntimeError, match="simulated crash"):
        _train(tiny, "torch-global-rng", tmp_path, epochs=2, checkpoint_every=4,
               callbacks=[CrashInValidation()])
    newest = load_checkpoint(tmp_path / "step-00000004.pt")["trainer"]
    assert (newest["epoch"], newest["batch_in_epoch"]) == (0, 8)  # saved before the crash
    resumed, hist = _train(tiny, "torch-global-rng", tmp_path, epochs=2, checkpoint_every=4,
                           resume=True)
    _assert_same(full, resumed)
    assert hist.epochs == full_hist.epochs


def _capstone_argv(out: Path, *extra: str) -> list[str]:
    """`dlfs train gpt` on a tiny config. The embedding's gradient has 16 x 32 x 64 = 32,768
    values: the size from which torch adds it with atomic, thread-timing-dependent adds on
    more than one thread, unless the run is deterministic (the recipe's default)."""
    text = out.parent / "text.txt"
    if not text.exists():
        text.write_text("".join(f"line {i}: the cat sat on mat {i % 7}.\n" for i in range(600)))
    return ["train", "gpt", "--data", str(text), "--n-layer", "1", "--n-head", "2",
            "--n-embd", "64", "--block-size", "32", "--batch-size", "16", "--max-steps", "80",
            "--warmup-steps", "20", "--eval-every", "10", "--eval-batches", "1",
            "--sample-tokens", "1", "--out", str(out), *extra]


def _capstone(out: Path, *extra: str) -> subprocess.Popen:
    """The capstone in a new process on two threads."""
    env = {**os.environ, "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
    return subprocess.Popen([sys.executable, "-m", "dlfs", *_capstone_argv(out, *extra)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sigkill_mid_run_then_resume_in_a_new_process(tmp_path, capsys):
    """The capstone: kill `dlfs train gpt` mid-run (SIGKILL, no chance to clean up), resume
    it with --resume in a new process, and end bitwise equal to an uninterrupted run, all on
    two threads (one after the other: two at once would share the two cores)."""
    killed, plain = tmp_path / "killed", tmp_path / "plain"
    victim = _capstone(killed)
    try:
        deadline = time.monotonic() + 120
        while not (killed / "checkpoints" / "step-00000020.pt").exists():
            assert victim.poll() is None, "the run finished before it could be killed"
            assert time.monotonic() < deadline, "no checkpoint appeared"
            time.sleep(0.002)
        victim.send_signal(signal.SIGKILL)
        assert victim.wait() == -signal.SIGKILL
    finally:
        if victim.poll() is None:
            victim.kill()
    newest = max(p.name for p in (killed / "checkpoints").iterdir())
    assert newest < "step-00000080.pt"                          # killed before the end
    resumed = _capstone(killed, "--resume")
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    assert f"resuming from {killed}/checkpoints/{newest} (step {int(newest[5:13])})" in out
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:                                         # the uninterrupted run, in this process
        assert main(_capstone_argv(plain)) == 0, capsys.readouterr().err
    finally:
        torch.set_num_threads(threads)
    a = load_checkpoint(plain / "checkpoints" / "step-00000080.pt")
    b = load_checkpoint(killed / "checkpoints" / "step-00000080.pt")
    assert a["history"]["step_loss"] == b["history"]["step_loss"]
    assert a["extra"]["evals"] == b["extra"]["evals"]
    for name, value in a["model"].items():
        assert torch.equal(value, b["model"][name]), name


# ---- resume_hparams: the checkpoint's hyper-parameters, or the given ones ---------------------

def _schedule_run(tiny, ckpt, lr, max_steps, **options):
    """Adam (weight decay 0.01) + a warm-up/cosine LambdaLR over 8 steps."""
    from dlfs.optim.lr_scheduler import LambdaLR, warmup_cosine_factor

    x, y = tiny.data()
    model = tiny.model()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=options.pop("wd", 0.01))
    sched = LambdaLR(opt, warmup_cosine_factor(2, 8))
    hist = fit(model, _loader("list", x, y), loss_fn=nn.functional.mse_loss, optimizer=opt,
               scheduler=sched, max_steps=max_steps, checkpoint_dir=ckpt, device="cpu",
               seed=7, **options)
    return model, opt, hist


def test_given_hparams_apply_the_new_rate_and_keep_the_optimizer_state(tmp_path, tiny):
    from dlfs.optim.lr_scheduler import warmup_cosine_factor

    _schedule_run(tiny, tmp_path, 0.1, 4)
    saved = load_checkpoint(tmp_path / "step-00000004.pt")
    _, opt, hist = _schedule_run(tiny, tmp_path, 0.01, 5, resume=True, wd=0.0,
                                 resume_hparams="given")
    factor = warmup_cosine_factor(2, 8)
    assert hist.step_lr[4] == 0.01 * factor(4)                  # the given base rate
    assert "group 0 lr: 0.1 -> 0.01 (as given)" in hist.events
    assert "group 0 weight_decay: 0.01 -> 0.0 (as given)" in hist.events
    assert opt.param_groups[0]["weight_decay"] == 0.0
    state = opt.state[opt.param_groups[0]["params"][0]]
    assert state["step"] == 5                                   # Adam's state was loaded
    assert saved["optimizer"]["state"][0]["step"] == 4
    # the default keeps the checkpoint's rate, as optimizer.load_state_dict does
    _schedule_run(tiny, tmp_path / "b", 0.1, 4)
    _, opt, hist = _schedule_run(tiny, tmp_path / "b", 0.01, 5, resume=True)
    assert hist.step_lr[4] == 0.1 * factor(4) and opt.param_groups[0]["initial_lr"] == 0.1


def test_given_hparams_unchanged_resume_bitwise_like_an_uninterrupted_run(tmp_path, tiny):
    full, _, full_hist = _schedule_run(tiny, None, 0.05, 8)
    _schedule_run(tiny, tmp_path, 0.05, 3)
    resumed, _, hist = _schedule_run(tiny, tmp_path, 0.05, 8, resume=True,
                                     resume_hparams="given")
    _assert_same(full, resumed)
    assert hist.step_lr == full_hist.step_lr
    assert not [e for e in hist.events if "(as given)" in e]


def test_resume_keeps_the_logged_curve_whole(tmp_path, tiny):
    """Stop after step 5 (checkpoint 5), resume to the end: TensorBoard holds every step once,
    the checkpoint's own step included (a purge at the resumed step would drop it)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    _, full = _train(tiny, "list", epochs=3)
    _train(tiny, "list", tmp_path / "ckpt", epochs=3, max_steps=5, log_dir=tmp_path / "tb")
    # TensorBoard reads a folder's event files in name order: events.out.tfevents.<second>.
    # <host>.<pid>.<n-th writer of the process>; within one second "...9" sorts after
    # "...10", so start the resumed run's file in the next second, as a new process would
    time.sleep(1.01 - time.time() % 1)
    _train(tiny, "list", tmp_path / "ckpt", epochs=3, resume=True, log_dir=tmp_path / "tb")
    acc = EventAccumulator(str(tmp_path / "tb"))
    acc.Reload()
    events = acc.Scalars("loss/train")
    assert [e.step for e in events] == list(range(1, 13))
    assert [e.value for e in events] == pytest.approx(full.step_loss, rel=1e-6)
