"""Random-number-generator states as plain data, so a checkpoint can carry them.

A resumed run continues bitwise like an uninterrupted one only if every RNG it draws from
(Python's ``random``, NumPy's global generator, torch on the CPU and on each GPU) is put
back exactly where it was. The states are converted to tensors, ints, floats and lists so
that the checkpoint loads with ``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

__all__ = ["capture_rng_state", "restore_rng_state"]


def _python_state() -> dict[str, Any]:
    version, internal, gauss_next = random.getstate()
    return {"version": int(version), "internal": torch.tensor(internal, dtype=torch.int64),
            "gauss_next": gauss_next}


def _numpy_state() -> dict[str, Any]:
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {"name": str(name), "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos), "has_gauss": int(has_gauss), "cached_gaussian": float(cached)}


def capture_rng_state() -> dict[str, Any]:
    """The states of Python ``random``, NumPy, torch CPU and (if present) every CUDA device.

    >>> s = capture_rng_state(); a = torch.rand(2); restore_rng_state(s)
    >>> torch.equal(a, torch.rand(2))
    True
    """
    state: dict[str, Any] = {
        "python": _python_state(),
        "numpy": _numpy_state(),
        "torch": torch.get_rng_state(),
        "cuda": None,
    }
    # only once CUDA is in use: asking earlier would start it (and, in a process forked
    # after the parent started CUDA, fail: CUDA cannot be re-initialized in a fork)
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = list(torch.cuda.get_rng_state_all())
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    """Put back the generators saved by :func:`capture_rng_state`."""
    py = state["python"]
    random.setstate((py["version"], tuple(int(v) for v in py["internal"].tolist()),
                     py["gauss_next"]))
    npy = state["numpy"]
    np.random.set_state((npy["name"], npy["keys"].numpy().astype(np.uint32), npy["pos"],
                         npy["has_gauss"], npy["cached_gaussian"]))
    torch.set_rng_state(state["torch"])
    if state.get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
