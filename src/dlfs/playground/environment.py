"""The environment report behind `dlfs doctor` and ``python -m dlfs.playground``: versions,
threads, devices, and two tiny numeric sanity checks."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import torch

from ..paths import PACKAGE_DIR

__all__ = ["env_report", "format_env_report"]


def _editable_checkout() -> str | None:
    from ..paths import repo_root

    root = repo_root()
    return str(root) if root is not None else None


def _sanity_checks() -> list[str]:
    """Tiny numeric checks of matmul and autograd; returns the problems found."""
    problems = []
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(17, 13, generator=gen, dtype=torch.float64)
    b = torch.randn(13, 11, generator=gen, dtype=torch.float64)
    manual = (a[:, :, None] * b[None, :, :]).sum(dim=1)
    if not torch.allclose(a @ b, manual, atol=1e-10):
        problems.append("matmul disagrees with an elementwise sum: the BLAS library is broken")
    x = torch.linspace(-2, 2, 9, dtype=torch.float64, requires_grad=True)
    (x ** 3).sum().backward()
    if x.grad is None or not torch.allclose(x.grad, 3 * x.detach() ** 2):
        problems.append("autograd gives a wrong derivative of x**3")
    return problems


def env_report() -> dict[str, Any]:
    """Facts about this Python and torch installation, plus a sanity check.

    The ``problems`` entry lists what is broken (empty when all is well); `dlfs doctor`
    prints this report and exits non-zero when ``problems`` is not empty.
    """
    from .. import __version__

    cuda_devices = []
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            cuda_devices.append(f"{i}: {props.name}, {props.total_memory / 2**30:.1f} GiB")
    problems = _sanity_checks()
    checkout = _editable_checkout()
    build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU only"
    report = {
        "python": f"{platform.python_version()} ({sys.executable})",
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
        "dlfs": f"{__version__} from {PACKAGE_DIR}",
        "editable_checkout": checkout,
        "torch": torch.__version__,
        "torch_build": build,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "threads": f"{torch.get_num_threads()} intra-op, {torch.get_num_interop_threads()} "
                   f"inter-op, {os.cpu_count()} logical CPUs",
        "mkl": torch.backends.mkl.is_available(),
        "onednn": torch.backends.mkldnn.is_available(),
        "cuda_available": torch.cuda.is_available(),
        "cuda_devices": cuda_devices,
        "mps_available": torch.backends.mps.is_available(),
        "default_dtype": str(torch.get_default_dtype()).replace("torch.", ""),
        "numpy": np.__version__,
        "problems": problems,
    }
    if not torch.__version__.startswith("2.13.0"):
        problems.append(f"torch {torch.__version__} installed; dlfs pins 2.13.0 "
                        "(run `make test` or `pip install -e .` in a fresh .venv)")
    return report


def format_env_report(report: Mapping[str, Any] | None = None) -> str:
    """The environment report as aligned text lines."""
    report = report if report is not None else env_report()
    lines = []
    for key, value in report.items():
        if key == "problems":
            continue
        if isinstance(value, list):
            value = "; ".join(value) if value else "none"
        if key == "editable_checkout":
            value = f"yes, {value}" if value else "no (installed package)"
        lines.append(f"{key.replace('_', ' '):<18} {value}")
    problems: Iterable[str] = report.get("problems", [])
    if problems:
        lines += ["", "PROBLEMS:"] + [f"  - {p}" for p in problems]
    else:
        lines += ["", "sanity check       ok (matmul and autograd agree with hand results)"]
    return "\n".join(lines)
