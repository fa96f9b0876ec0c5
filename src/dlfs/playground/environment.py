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

from ..i18n import t
from ..paths import PACKAGE_DIR
from ..textui import table

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
        problems.append(t("library.doctor.blas_broken"))
    x = torch.linspace(-2, 2, 9, dtype=torch.float64, requires_grad=True)
    (x ** 3).sum().backward()
    if x.grad is None or not torch.allclose(x.grad, 3 * x.detach() ** 2):
        problems.append(t("library.doctor.autograd_broken"))
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
    build = f"CUDA {torch.version.cuda}" if torch.version.cuda else t("library.doctor.cpu_only")
    report = {
        "python": f"{platform.python_version()} ({sys.executable})",
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
        "dlfs": t("library.doctor.dlfs_from", version=__version__, path=PACKAGE_DIR),
        "editable_checkout": checkout,
        "torch": torch.__version__,
        "torch_build": build,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "threads": t("library.doctor.threads", intra=torch.get_num_threads(),
                     inter=torch.get_num_interop_threads(), cpus=os.cpu_count()),
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
        problems.append(t("library.doctor.torch_pin", version=torch.__version__, pinned="2.13.0"))
    return report


#: The report's labels (keys not listed, such as ``dlfs`` and ``torch``, are names shown as is).
_LABELS = {
    "python": "library.doctor.label.python",
    "platform": "library.doctor.label.platform",
    "editable_checkout": "library.doctor.label.editable_checkout",
    "torch_build": "library.doctor.label.torch_build",
    "cpu_capability": "library.doctor.label.cpu_capability",
    "threads": "library.doctor.label.threads",
    "mkl": "library.doctor.label.mkl",
    "onednn": "library.doctor.label.onednn",
    "cuda_available": "library.doctor.label.cuda_available",
    "cuda_devices": "library.doctor.label.cuda_devices",
    "mps_available": "library.doctor.label.mps_available",
    "default_dtype": "library.doctor.label.default_dtype",
    "numpy": "library.doctor.label.numpy",
}


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return t("library.doctor.true" if value else "library.doctor.false")
    if isinstance(value, list):
        return "; ".join(value) if value else t("library.doctor.none")
    if key == "editable_checkout":
        return (t("library.doctor.checkout_yes", path=value) if value
                else t("library.doctor.checkout_no"))
    return str(value)


def format_env_report(report: Mapping[str, Any] | None = None) -> str:
    """The environment report as aligned text lines."""
    report = report if report is not None else env_report()
    rows = [[t(_LABELS[key]) if key in _LABELS else key.replace("_", " "), _value(key, value)]
            for key, value in report.items() if key != "problems"]
    sanity = [t("library.doctor.label.sanity"), t("library.doctor.sanity_ok")]
    *lines, sanity_line = table([*rows, sanity])
    problems: Iterable[str] = report.get("problems", [])
    if problems:
        lines += ["", t("library.doctor.problems")] + [f"  - {p}" for p in problems]
    else:
        lines += ["", sanity_line]
    return "\n".join(lines)
