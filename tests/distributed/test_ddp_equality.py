"""Two processes with half the batch each train the capstone GPT to the same weights as one
process with the whole batch (the one multi-process test in `make test`).

Why they agree: the DistributedSampler gives rank r the windows r, r+2, r+4, … of the
epoch's order, so the two ranks' batch j together are batch j of the single process; each
rank's loss is the mean over its half, DistributedDataParallel averages the two gradients —
the gradient of the mean over the whole batch — and every rank then takes the same clipped
AdamW step. Only the order of float32 additions differs (two half sums then their mean,
instead of one sum), so the weights agree to float32 rounding: after 4 steps within
rtol 1e-4 / atol 1e-5 (measured: 1.9e-6 at most; Adam divides by sqrt(v), which
magnifies rounding where v is small), while the two ranks stay bitwise equal. A rank that
read the wrong shard moves the weights by ~2e-2 and fails.

The processes are forked from the test process by ``run_processes`` (torch is already
imported: ~0.1 s to start instead of ~10 s for a fresh interpreter) and meet through a
file:// rendezvous.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from dlfs.distributed.launch import run_processes
from dlfs.models import GPTConfig
from dlfs.recipes.gpt import GPTRecipe, train_gpt
from dlfs.recipes.sampling import SamplingConfig


def _recipe(text: Path, out: Path) -> GPTRecipe:
    return GPTRecipe(data=str(text), out_dir=str(out), max_steps=4, eval_every=4,
                     eval_batches=1, batch_size=8, warmup_steps=2, lr=3e-3,
                     model=GPTConfig(n_layer=1, n_head=2, n_embd=32, block_size=16),
                     sample=SamplingConfig(tokens=4))


def _rank_main(rank: int, world: int, text: Path, out: Path) -> dict:
    run = train_gpt(_recipe(text, out))       # fit finds the process group and uses DDP
    return {"weights": run.model.state_dict(), "evals": run.evals}


def test_two_processes_with_half_batches_equal_one_process(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("The cat sat on the mat. A dog ran after it.\n" * 40)
    ranks = run_processes(_rank_main, 2, text, tmp_path / "multi")
    single = train_gpt(_recipe(text, tmp_path / "single"))
    want = single.model.state_dict()
    for name, value in want.items():
        assert torch.equal(ranks[0]["weights"][name], ranks[1]["weights"][name]), name
        torch.testing.assert_close(ranks[0]["weights"][name], value, rtol=1e-4, atol=1e-5,
                                   msg=name)
    assert ranks[0]["evals"][-1][0] == 4
    assert ranks[0]["evals"][-1][1:] == pytest.approx(single.evals[-1][1:], rel=1e-4)
    assert (tmp_path / "multi" / "run.json").is_file()             # rank 0 wrote the run
    assert sorted(p.name for p in (tmp_path / "multi" / "checkpoints").iterdir()) == \
        ["step-00000004.pt"]
