"""Ring all-reduce over point-to-point ``send``/``recv``: reduce-scatter, then all-gather.

N ranks sit on a ring (rank r sends to r+1 and receives from r-1, mod N). Each splits its
tensor of n elements into N chunks c_0 … c_{N-1} of about n/N elements. ::

    reduce-scatter, steps s = 0 … N-2:  send c[(r - s) % N],      receive c[(r - s - 1) % N]
                                        and add it to the own copy of that chunk
    -> rank r holds the full sum of chunk (r + 1) % N
    all-gather,     steps s = 0 … N-2:  send c[(r + 1 - s) % N],  receive c[(r - s) % N]
                                        and overwrite the own copy with it
    -> every rank holds every summed chunk

Each rank sends 2 (N - 1) chunks, i.e. 2 (N - 1) / N * n elements: at most 2n however many
ranks there are, and all links of the ring are busy at once. (Sending everything to one
rank and back costs that rank (N - 1) n each way.)

Blocking ``send`` waits for the matching ``recv``. If every rank sent first, all would wait
for a receiver and none would receive: a deadlock. So even ranks send then receive, odd
ranks receive then send; with N odd the two neighbours N-1 and 0 are both even, but rank
N-1's send completes as soon as rank 0 has finished its own send to the odd rank 1.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import Tensor

__all__ = ["all_gather_chunks", "reduce_scatter_chunks", "ring_all_reduce",
           "simulate_ring_all_reduce"]


def reduce_scatter_chunks(rank: int, world: int, step: int) -> tuple[int, int]:
    """(chunk rank ``rank`` sends, chunk it receives and adds) at reduce-scatter ``step``."""
    return (rank - step) % world, (rank - step - 1) % world


def all_gather_chunks(rank: int, world: int, step: int) -> tuple[int, int]:
    """(chunk rank ``rank`` sends, chunk it receives and keeps) at all-gather ``step``."""
    return (rank + 1 - step) % world, (rank - step) % world


def _exchange(rank: int, send: Tensor, to: int, recv: Tensor, source: int) -> None:
    """Send ``send`` to the right neighbour and receive ``recv`` from the left one, in an
    order that cannot deadlock (even ranks send first, odd ranks receive first)."""
    if rank % 2 == 0:
        dist.send(send, to)
        dist.recv(recv, source)
    else:
        dist.recv(recv, source)
        dist.send(send, to)


def ring_all_reduce(tensor: Tensor) -> int:
    """Sum ``tensor`` (any shape, contiguous) over all ranks of the default process group,
    in place, as ``dist.all_reduce(tensor)``; returns the bytes this rank sent.

    Every rank must call it with a tensor of the same shape and dtype (the gradient of the
    same parameter, say). With one process it changes nothing and sends nothing.
    """
    if not tensor.is_contiguous():
        raise ValueError("ring_all_reduce: the tensor must be contiguous (its chunks are "
                         "sent as views of its memory); call .contiguous() first")
    world = dist.get_world_size() if dist.is_initialized() else 1
    if world == 1:
        return 0
    rank = dist.get_rank()
    right, left = (rank + 1) % world, (rank - 1) % world
    chunks = list(tensor.view(-1).tensor_split(world))       # N views of ~n/N elements
    sent = 0
    for step in range(world - 1):                             # reduce-scatter
        out, into = reduce_scatter_chunks(rank, world, step)
        incoming = torch.empty_like(chunks[into])
        _exchange(rank, chunks[out], right, incoming, left)
        chunks[into] += incoming
        sent += chunks[out].numel() * chunks[out].element_size()
    for step in range(world - 1):                             # all-gather
        out, into = all_gather_chunks(rank, world, step)
        _exchange(rank, chunks[out], right, chunks[into], left)   # overwrite in place
        sent += chunks[out].numel() * chunks[out].element_size()
    return sent


def simulate_ring_all_reduce(tensors: list[Tensor]) -> tuple[list[Tensor], list[int]]:
    """The ring all-reduce of ``tensors[r]`` (rank r's tensor; all the same shape) run in one
    process, step by step: at each step every rank sends at once. Returns (each rank's
    result — all equal to the sum — and the bytes each rank sent). Inputs are not changed.

    >>> out, sent = simulate_ring_all_reduce([torch.full((6,), float(r)) for r in range(3)])
    >>> out[2].tolist(), sent
    ([3.0, 3.0, 3.0, 3.0, 3.0, 3.0], [32, 32, 32])
    """
    world = len(tensors)
    if world == 0:
        raise ValueError("simulate_ring_all_reduce: give one tensor per rank, got none")
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"simulate_ring_all_reduce: every rank needs the same shape, got "
                         f"{sorted(shapes)}")
    results = [t.detach().clone().contiguous() for t in tensors]
    chunks = [list(t.view(-1).tensor_split(world)) for t in results]
    sent = [0] * world
    for schedule, add in ((reduce_scatter_chunks, True), (all_gather_chunks, False)):
        for step in range(world - 1):
            # what each rank r sends to r + 1 at this step (copied: all sends happen at once)
            messages = []
            for r in range(world):
                out, _ = schedule(r, world, step)
                messages.append(chunks[r][out].clone())
                sent[r] += messages[-1].numel() * messages[-1].element_size()
            for r in range(world):
                _, into = schedule(r, world, step)
                incoming = messages[(r - 1) % world]          # from the left neighbour
                if add:
                    chunks[r][into] += incoming
                else:
                    chunks[r][into].copy_(incoming)
    return results, sent
