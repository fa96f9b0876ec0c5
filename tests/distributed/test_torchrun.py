"""`dlfs train gpt --nproc 2` through torchrun, resuming a multi-process run, and a resume
after one rank was killed (slow: each torchrun start costs ~15-20 s)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from dlfs.distributed.launch import run_processes, torchrun_command
from dlfs.models import GPTConfig
from dlfs.recipes.gpt import GPTRecipe, train_gpt
from dlfs.recipes.sampling import SamplingConfig

pytestmark = pytest.mark.slow

TINY = ["--n-layer", "1", "--n-head", "2", "--n-embd", "32", "--block-size", "16",
        "--batch-size", "8", "--eval-batches", "1", "--sample-tokens", "8"]


def _dlfs(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "dlfs", *args], capture_output=True,
                          text=True, env=env, timeout=600, **kwargs)


def test_nproc_2_quick_prints_one_log(tmp_path):
    out = tmp_path / "run"
    done = _dlfs(["train", "gpt", "--nproc", "2", "--quick", "--out-dir", str(out)])
    assert done.returncode == 0, done.stdout + done.stderr
    log = done.stdout
    assert log.count("dlfs train gpt: the from-scratch GPT") == 1, log
    assert log.count("done: val loss") == 1 and log.count("step     30") == 1, log
    assert "split over 2 processes" in log
    assert (out / "run.json").is_file() and (out / "checkpoints" / "step-00000030.pt").is_file()
    assert len(list((out / "tensorboard").glob("events.out.tfevents.*"))) == 1


def _recipe(text: Path, out: Path, steps: int, resume: bool = False) -> GPTRecipe:
    """A tiny run; min_lr = lr makes the schedule after warm-up flat, so it does not depend
    on max_steps and a run resumed to more steps can equal a longer straight one."""
    return GPTRecipe(data=str(text), out_dir=str(out), max_steps=steps, eval_every=3,
                     eval_batches=1, batch_size=8, warmup_steps=2, lr=3e-3, min_lr=3e-3,
                     resume=resume,
                     model=GPTConfig(n_layer=1, n_head=2, n_embd=32, block_size=16),
                     sample=SamplingConfig(tokens=4))


def _train(rank, world, text, out, steps, resume):
    return train_gpt(_recipe(text, out, steps, resume)).model.state_dict()


def _assert_close_weights(got: dict, want: dict) -> None:
    for name, value in want.items():
        torch.testing.assert_close(got[name], value, rtol=1e-4, atol=1e-5, msg=name)


def test_resume_across_process_counts(tmp_path):
    """2 processes to step 6, then 2 processes to 12, equal 1 process to 12 straight; and 1
    process resumes the 2-process run as well (the data position is replayed)."""
    text = tmp_path / "text.txt"
    text.write_text("The cat sat on the mat. A dog ran after it.\n" * 40)
    straight = train_gpt(_recipe(text, tmp_path / "straight", 12)).model.state_dict()
    run_processes(_train, 2, text, tmp_path / "multi", 6, False)
    resumed = run_processes(_train, 2, text, tmp_path / "multi", 12, True)[0]
    _assert_close_weights(resumed, straight)
    run_processes(_train, 2, text, tmp_path / "mixed", 6, False)
    alone = train_gpt(_recipe(text, tmp_path / "mixed", 12, True)).model.state_dict()
    _assert_close_weights(alone, straight)


def _rank_pids(parent: int) -> dict[int, int]:
    """{RANK: pid} of the processes torchrun started under ``parent``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            env = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if ppid == parent:
            for item in env:
                if item.startswith(b"RANK="):
                    found[int(item[5:])] = int(entry.name)
    return found


def test_resume_after_one_rank_is_killed(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("The cat sat on the mat. A dog ran after it.\n" * 40)
    out = tmp_path / "run"
    # far more steps than it will live for: on a quiet machine 400 tiny steps ended before
    # the test saw a checkpoint (older ones are pruned), and nothing was left to kill
    args = ["train", "gpt", "--data", str(text), "--out-dir", str(out), "--max-steps",
            "100000", "--eval-every", "3", "--warmup-steps", "2", "--lr", "0.003", *TINY]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(torchrun_command(2, args), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 300
        while not list((out / "checkpoints").glob("step-*.pt")):
            assert proc.poll() is None and time.time() < deadline, "the run did not start"
            time.sleep(0.2)
        pids = _rank_pids(proc.pid)
        os.kill(pids[1], signal.SIGKILL)                  # rank 1 dies mid-run
        log = proc.communicate(timeout=120)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0, log                      # torchrun stopped rank 0 too
    newest = sorted((out / "checkpoints").glob("step-*.pt"))[-1]
    step = int(newest.stem.split("-")[1])
    assert step < 100000
    again = _dlfs([*args[:args.index("--max-steps")], "--max-steps", str(step + 6),
                   *args[args.index("--max-steps") + 2:], "--resume", "--nproc", "2"])
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"resuming from {newest}" in again.stdout
    assert (out / "checkpoints" / f"step-{step + 6:08d}.pt").is_file()
