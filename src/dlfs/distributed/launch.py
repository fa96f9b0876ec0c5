"""``--nproc N``: start N training processes on this machine through torchrun.

``launch(2, ["train", "gpt", "--quick"])`` runs

    python -m torch.distributed.run --standalone --nproc_per_node 2 -m dlfs -- train gpt --quick

and waits for it. torchrun starts the N processes, gives each its ``RANK``/``WORLD_SIZE`` and
a rendezvous address on this machine (``--standalone``), and stops them all if one fails.
Each process finds out that it is one of many (:func:`dlfs.distributed.init_from_env`), so
it does not launch again. Each gets ``cores / N`` threads (``OMP_NUM_THREADS``) so that the
processes do not fight over the cores. Across machines, run torchrun yourself on each one::

    torchrun --nnodes 2 --nproc_per_node 1 --rdzv-backend c10d \\
             --rdzv-endpoint HOST:29500 -m dlfs train gpt …
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import pickle
import queue
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..i18n import t
from .env import launched_by_torchrun

__all__ = ["launch", "quiet_unless_main", "run_processes", "torchrun_command"]


def torchrun_command(nproc: int, dlfs_args: Sequence[str]) -> list[str]:
    """The torchrun command line that runs ``dlfs *dlfs_args`` in ``nproc`` processes
    (after ``--``, so that torchrun does not read ``--nproc`` as its ``--nproc-per-node``)."""
    if isinstance(nproc, bool) or not isinstance(nproc, int) or nproc < 1:
        raise ValueError(f"torchrun_command: nproc must be an int >= 1, got {nproc!r}")
    return [sys.executable, "-m", "torch.distributed.run", "--standalone",
            "--nproc_per_node", str(nproc), "-m", "dlfs", "--", *dlfs_args]


def launch(nproc: int, dlfs_args: Sequence[str]) -> int:
    """Run ``dlfs *dlfs_args`` in ``nproc`` processes on this machine; return the exit code
    (non-zero if any process failed: torchrun then stops the others)."""
    command = torchrun_command(nproc, dlfs_args)
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    shown = (f"torchrun --standalone --nproc_per_node {nproc} -m dlfs -- "
             f"{' '.join(dlfs_args)}")
    print(t("library.distributed.starting", nproc=nproc, command=shown), flush=True)
    return subprocess.run(command, env=env, check=False).returncode


@contextlib.contextmanager
def quiet_unless_main() -> Iterator[bool]:
    """Inside: standard output is thrown away on every rank but 0 (errors still show), so
    N processes print one log. Yields whether this is rank 0."""
    rank = int(os.environ["RANK"]) if launched_by_torchrun() else 0
    if rank == 0:
        yield True
        return
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        yield False


def _worker(rank: int, world: int, rendezvous: str, fn: Callable[..., Any],
            args: tuple[Any, ...], results: Any) -> None:
    import torch
    import torch.distributed as dist

    try:
        torch.set_num_threads(1)       # N processes share the cores
        dist.init_process_group("gloo", init_method=f"file://{rendezvous}", rank=rank,
                                world_size=world)
        value = fn(rank, world, *args)
        dist.destroy_process_group()
        # plain pickle: a queue would share tensor memory, gone once this process exits
        results.put((rank, pickle.dumps(value), None))
    except BaseException:                                   # report it to the parent
        results.put((rank, None, traceback.format_exc()))


def run_processes(fn: Callable[..., Any], world: int, *args: Any,
                  start_method: str | None = None, timeout: float = 300) -> list[Any]:
    """Run ``fn(rank, world, *args)`` in ``world`` processes on this machine, each in a gloo
    process group (one torch thread each); return their return values by rank — what
    ``torch.multiprocessing.spawn`` does, plus the results. A failing rank raises a
    RuntimeError carrying its traceback.

    ``"fork"`` starts in ~0.1 s (the processes inherit the imported torch); ``"spawn"``
    starts a fresh interpreter (~10 s; ``fn`` must be importable). The default is fork,
    except on a machine with CUDA: there a backward pass in this process starts autograd's
    device threads, after which a forked child cannot run backward (torch refuses, "autograd's
    threading in combination with fork-based multiprocessing" — seen on an H200), so spawn.
    Use spawn too from a process that runs threads of its own.
    """
    if isinstance(world, bool) or not isinstance(world, int) or world < 1:
        raise ValueError(f"run_processes: world must be an int >= 1, got {world!r}")
    if start_method is None:
        import torch

        start_method = "spawn" if torch.cuda.is_available() else "fork"
    ctx = mp.get_context(start_method)
    results = ctx.Queue()
    with tempfile.TemporaryDirectory() as tmp:
        rendezvous = str(Path(tmp) / "rendezvous")
        procs = [ctx.Process(target=_worker, args=(r, world, rendezvous, fn, args, results))
                 for r in range(world)]
        for p in procs:
            p.start()
        got: list[tuple[int, Any, str | None]] = []
        try:
            while len(got) < world:           # a failed rank: stop waiting for the others
                got.append(results.get(timeout=timeout))
                if got[-1][2] is not None:
                    break
        except queue.Empty:
            raise RuntimeError(f"run_processes: {world - len(got)} of {world} ranks gave no "
                               f"result within {timeout} s (a deadlock?)") from None
        finally:
            for p in procs:
                p.join(timeout=10 if got and got[-1][2] is None else 0.1)
                if p.is_alive():
                    p.kill()
    failed = [(r, tb) for r, _, tb in got if tb is not None]
    if failed:
        rank, tb = failed[0]
        raise RuntimeError(f"run_processes: rank {rank} of {world} failed:\n{tb}")
    return [pickle.loads(value) for _, value, _ in sorted(got, key=lambda item: item[0])]
