"""Helpers for the sandbox tests: run a Python snippet, both with and without bubblewrap."""

from __future__ import annotations

import pytest

from dlfs.sandbox import Limits, RunResult, isolation, python_executable, run

PY = python_executable()

#: Run a test with bubblewrap (skipped, with the reason, where it does not work) and without.
MODES = [pytest.param(True, id="bwrap", marks=pytest.mark.skipif(
             not isolation().available, reason=isolation().note or "bubblewrap unavailable")),
         pytest.param(False, id="plain")]


def run_py(code: str, stdin: bytes = b"", *, isolate: bool = True, **limits) -> RunResult:
    """Run ``code`` as ``python -I main.py`` in the sandbox with ``Limits(**limits)``."""
    return run([PY, "-I", "main.py"], stdin, files={"main.py": code.encode()},
               limits=Limits(**limits), isolate=isolate)
