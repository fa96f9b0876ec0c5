"""Exact resume: stop after step k, resume, and end bitwise equal to an uninterrupted run.

Covered: torch's DataLoader with and without a generator (order replayed from the RNG state
at the epoch start + skipped batches), dlfs.data.DataLoader (its own state_dict), a plain list
of batches, dropout (RNG inside the model), Adam + a scheduler, gradient accumulation; stops by
max_steps, by a callback, by a crash during validation, and by SIGKILL in another process.
"""

from __future__ import annotations

import runpy
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader as TorchLoader
from torch.utils.data import TensorDataset as TorchTensorDataset

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


_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path

    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from dlfs.train import Callback, fit


    class Slow(Callback):
        def on_step_end(self, trainer, logs):
            time.sleep(0.01)


    def main(mode, ckpt_dir, out):
        torch.set_num_threads(1)
        g = torch.Generator().manual_seed(0)
        x = torch.randn(64, 4, generator=g)
        y = x.sum(1, keepdim=True)
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 1))
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True,
                            generator=torch.Generator())
        hist = fit(model, loader, loss_fn=nn.functional.mse_loss, optimizer=opt, epochs=3,
                   checkpoint_dir=ckpt_dir, checkpoint_every=3, resume=mode == "resume",
                   callbacks=[Slow()] if mode == "slow" else [], device="cpu")
        torch.save({"model": model.state_dict(), "steps": len(hist.step_loss),
                    "events": hist.events}, out)


    if __name__ == "__main__":
        mode, ckpt_dir, out, go = sys.argv[1:5]
        if mode == "resume":  # pay the import costs now, read the checkpoints only after "go"
            m = nn.Linear(2, 1)
            m(torch.zeros(1, 2)).sum().backward()
            torch.optim.Adam(m.parameters()).step()
            while not Path(go).exists():
                time.sleep(0.005)
        main(mode, ckpt_dir, out)
""")


def test_sigkill_mid_epoch_then_resume_in_a_new_process(tmp_path):
    script = tmp_path / "train_script.py"
    script.write_text(_SCRIPT)
    ckpt, go = tmp_path / "ckpt", tmp_path / "go"

    def start(mode):
        return subprocess.Popen([sys.executable, str(script), mode, str(ckpt),
                                 str(tmp_path / f"{mode}.pt"), str(go)])

    victim, resume = start("slow"), start("resume")
    try:
        deadline = time.monotonic() + 120
        while not (ckpt / "step-00000021.pt").exists():  # epoch 1 (steps 17..32), mid-epoch
            assert victim.poll() is None, "the run finished before it could be killed"
            assert time.monotonic() < deadline, "no checkpoint appeared"
            time.sleep(0.005)
        victim.send_signal(signal.SIGKILL)
        assert victim.wait() == -signal.SIGKILL
        assert not (tmp_path / "slow.pt").exists()
        go.touch()
        threads = torch.get_num_threads()
        try:  # the uninterrupted reference, in this process while the resumed run works
            runpy.run_path(str(script))["main"]("plain", None, tmp_path / "plain.pt")
        finally:
            torch.set_num_threads(threads)
        assert resume.wait(timeout=120) == 0
    finally:
        for proc in (victim, resume):
            if proc.poll() is None:
                proc.kill()
    a = torch.load(tmp_path / "plain.pt", weights_only=True)
    b = torch.load(tmp_path / "resume.pt", weights_only=True)
    assert a["steps"] == b["steps"] == 48
    resumed_from = [e for e in b["events"] if e.startswith("resumed from")]
    assert resumed_from and "(step 0)" not in resumed_from[0]
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
