"""Shared test setup: every test writes its state and outputs into temporary directories."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path, monkeypatch):
    """Keep progress files, lesson outputs and data lookups out of the user's home and repo."""
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DLFS_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("DLFS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DLFS_LESSON_MODE", raising=False)
