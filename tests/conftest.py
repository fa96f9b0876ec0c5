"""Shared test setup: every test writes its state and outputs into temporary directories."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

import torch  # noqa: E402

# The tests use small tensors, for which one thread is as fast as two on a quiet machine
# and many times faster on a busy one (torch's worker threads wait on each other).
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path, monkeypatch):
    """Keep progress files, lesson outputs and data lookups out of the user's home and repo."""
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DLFS_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("DLFS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DLFS_LESSON_MODE", raising=False)
