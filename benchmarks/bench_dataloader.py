"""DataLoader throughput over num_workers 0/1/2: dlfs.data.DataLoader against torch's.

Two data sets: "cpu" costs CPU per item (a pure-Python loop standing in for decoding and
augmentation), "io" waits per item (a sleep standing in for a slow disk). Workers overlap the
waits whatever the machine's load; CPU work speeds up only as far as cores are free.
Each configuration runs one full epoch, worker start-up included (non-persistent workers,
the default); repetitions are interleaved and the median is kept. Rows give samples/s,
the speed-up of 2 workers over 0, and the time ratio ours / torch (1.0 = same speed).

    python benchmarks/bench_dataloader.py [--quick]
"""

from __future__ import annotations

import statistics
import sys
import time

import torch
import torch.utils.data as tud

from dlfs.data import DataLoader, Dataset


class CostlyItems(Dataset):
    """``n`` items; each spins ``work`` Python iterations, then returns a (3, 32, 32) tensor."""

    def __init__(self, n: int, work: int):
        self.n, self.work = n, work

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        acc = 0
        for k in range(self.work):
            acc += (k * i) % 7
        return torch.full((3, 32, 32), float(acc % 255)), i % 10


def _epoch(make_loader, dataset: Dataset, workers: int) -> float:
    loader = make_loader(dataset, batch_size=16, shuffle=True, num_workers=workers,
                         generator=torch.Generator().manual_seed(0))
    start = time.perf_counter()
    for _ in loader:
        pass
    return time.perf_counter() - start


class SlowReads(Dataset):
    """``n`` items that each wait ``delay`` seconds (like a disk or network read), no CPU."""

    def __init__(self, n: int, delay: float):
        self.n, self.delay = n, delay

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        time.sleep(self.delay)
        return torch.full((3, 32, 32), float(i % 255)), i % 10


def _measure(dataset: Dataset, reps: int) -> dict[tuple[str, int], float]:
    """Median epoch seconds per (implementation, num_workers), repetitions interleaved."""
    impls = {"ours": DataLoader, "torch": tud.DataLoader}
    times: dict[tuple[str, int], list[float]] = {(k, w): [] for k in impls for w in (0, 1, 2)}
    for _ in range(reps):
        for (name, workers), bucket in times.items():
            bucket.append(_epoch(impls[name], dataset, workers))
    return {key: statistics.median(v) for key, v in times.items()}


def _rows(kind: str, n: int, median: dict[tuple[str, int], float], note: str) -> list[dict]:
    rows = []
    for workers in (0, 1, 2):
        for name in ("ours", "torch"):
            rows.append({"name": f"{kind}: {name} num_workers={workers}",
                         "value": n / median[(name, workers)], "unit": "samples/s",
                         "note": note})
    for name in ("ours", "torch"):
        rows.append({"name": f"{kind}: {name} speed-up, 2 workers vs 0",
                     "value": median[(name, 0)] / median[(name, 2)], "unit": "x",
                     "note": "CPU-bound work is bounded by the free cores" if kind == "cpu"
                     else "waiting overlaps, whatever the load"})
    for workers in (0, 1, 2):
        rows.append({"name": f"{kind}: time ours / torch, num_workers={workers}",
                     "value": median[("ours", workers)] / median[("torch", workers)],
                     "unit": "ratio", "note": "1.0 = same speed"})
    return rows


def run(quick: bool = False) -> list[dict]:
    n, work, reps = (192, 20000, 3) if quick else (768, 20000, 5)
    cpu = _measure(CostlyItems(n, work), reps)
    n_io, delay = (128, 0.005) if quick else (512, 0.005)
    io = _measure(SlowReads(n_io, delay), reps)
    return (_rows("cpu", n, cpu, f"{n} items, {work} Python iterations each, batch 16")
            + _rows("io", n_io, io, f"{n_io} items, {delay * 1e3:.0f} ms sleep each, batch 16"))


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv[1:]):
        print(f"{row['name']:<42} {row['value']:8.3g} {row['unit']:<10} {row['note']}")
