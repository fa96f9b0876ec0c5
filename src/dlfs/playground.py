"""The learner's toolbox: timing, tensor inspection, seeding, devices, model summaries and the
environment report. ``python -m dlfs.playground`` prints the report.

Importing this module has no side effects: it prints nothing, seeds nothing, and leaves
``sys.stdout`` alone.
"""

from __future__ import annotations

import functools
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np
import torch
from torch import nn

__all__ = [
    "BenchResult", "ModelSummary", "TimeBlock", "bench", "compare", "env_report",
    "format_duration", "format_env_report", "get_device", "inspect", "model_summary",
    "seed_everything", "time_block",
]


# --------------------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------------------

def format_duration(seconds: float) -> str:
    """A duration with a readable unit.

    >>> format_duration(0.00123), format_duration(2.5e-6), format_duration(3.0)
    ('1.23 ms', '2.50 µs', '3.00 s')
    """
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.2f} µs"
    return f"{seconds * 1e9:.0f} ns"


def _synchronize() -> None:
    """Wait for queued GPU work, so that a timer measures it rather than its launch."""
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()
    mps = getattr(torch, "mps", None)
    if mps is not None and torch.backends.mps.is_available():
        mps.synchronize()


class TimeBlock:
    """Times a block (``with``) or every call of a function (decorator).

    ``repeat`` is how many times the timed work runs: a ``with`` block is expected to loop
    ``repeat`` times itself (``for _ in range(tb.repeat)``), a decorated function is called
    ``repeat`` times per call. The printed figure is the time of one repetition.

    Attributes after the block: ``elapsed`` (seconds in total) and ``per_repeat``.

    >>> with time_block("sleep", quiet=True) as tb:
    ...     time.sleep(0.01)
    >>> tb.elapsed >= 0.01
    True
    """

    def __init__(self, label: str, *, repeat: int = 1, sync: bool = True,
                 quiet: bool = False, file: TextIO | None = None):
        if repeat < 1:
            raise ValueError(f"time_block: repeat must be >= 1, got {repeat}")
        self.label, self.repeat, self.sync, self.quiet = label, repeat, sync, quiet
        self.file = file
        self.elapsed: float = float("nan")
        self._start = 0.0

    @property
    def per_repeat(self) -> float:
        """Seconds per repetition."""
        return self.elapsed / self.repeat

    def __enter__(self) -> TimeBlock:
        if self.sync:
            _synchronize()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.sync:
            _synchronize()
        self.elapsed = time.perf_counter() - self._start
        if not self.quiet:
            suffix = f" per run ({self.repeat} runs)" if self.repeat > 1 else ""
            print(f"{self.label}: {format_duration(self.per_repeat)}{suffix}",
                  file=self.file or sys.stdout)

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            timer = TimeBlock(self.label, repeat=self.repeat, sync=self.sync,
                              quiet=self.quiet, file=self.file)
            with timer:
                for _ in range(self.repeat):
                    result = fn(*args, **kwargs)
            wrapper.last = timer  # type: ignore[attr-defined]
            return result
        return wrapper


def time_block(label: str, *, repeat: int = 1, sync: bool = True, quiet: bool = False,
               file: TextIO | None = None) -> TimeBlock:
    """Time a block of code: ``with time_block("matmul") as tb: ...`` prints
    ``matmul: 1.23 ms`` and leaves the seconds in ``tb.elapsed``. Also a decorator.

    ``sync`` waits for CUDA/MPS work before reading the clock (GPU kernels run
    asynchronously; without it you time the launch, not the work).
    """
    return TimeBlock(label, repeat=repeat, sync=sync, quiet=quiet, file=file)


@dataclass(frozen=True)
class BenchResult:
    """Timings of one candidate: seconds per call for each repeat."""

    label: str
    times: tuple[float, ...]

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def bench(fn: Callable[[], Any], *, label: str | None = None, repeat: int = 5,
          number: int = 1, warmup: int = 1) -> BenchResult:
    """Call ``fn`` ``number`` times per repeat, ``repeat`` times, after ``warmup`` calls.

    Returns seconds per call for each repeat; the minimum is the least noisy estimate.
    """
    if repeat < 1 or number < 1 or warmup < 0:
        raise ValueError(
            f"bench: need repeat >= 1, number >= 1, warmup >= 0; got {repeat}, {number}, {warmup}"
        )
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        _synchronize()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        _synchronize()
        times.append((time.perf_counter() - start) / number)
    return BenchResult(label or getattr(fn, "__name__", "fn"), tuple(times))


def compare(candidates: Mapping[str, Callable[[], Any]], *, repeat: int = 5, number: int = 1,
            warmup: int = 1, quiet: bool = False,
            file: TextIO | None = None) -> list[BenchResult]:
    """Benchmark several candidates in one run and print min, median and ratio to the fastest.

    Ratios measured in the same run are what to compare on a shared, noisy machine.
    Returns the results fastest first.
    """
    if not candidates:
        raise ValueError("compare: candidates is empty; pass {'name': callable, ...}")
    results = [bench(fn, label=name, repeat=repeat, number=number, warmup=warmup)
               for name, fn in candidates.items()]
    results.sort(key=lambda r: r.min)
    if not quiet:
        fastest = results[0].min
        width = max(len(r.label) for r in results)
        out = file or sys.stdout
        print(f"{'candidate':<{width}}  {'min':>10}  {'median':>10}  ratio", file=out)
        for r in results:
            ratio = r.min / fastest if fastest > 0 else float("inf")
            print(f"{r.label:<{width}}  {format_duration(r.min):>10}  "
                  f"{format_duration(r.median):>10}  {ratio:.2f}x", file=out)
    return results


# --------------------------------------------------------------------------------------
# inspect
# --------------------------------------------------------------------------------------

def _float_stats(values: np.ndarray) -> dict[str, Any]:
    """min/max/mean/std over finite values, and NaN/Inf counts."""
    nan = int(np.isnan(values).sum())
    inf = int(np.isinf(values).sum())
    finite = values[np.isfinite(values)]
    stats: dict[str, Any] = {"nan": nan, "inf": inf}
    if finite.size:
        stats.update(min=float(finite.min()), max=float(finite.max()),
                     mean=float(finite.mean()),
                     std=float(finite.std(ddof=1)) if finite.size > 1 else 0.0)
    return stats


def _inspect_tensor(t: torch.Tensor) -> dict[str, Any]:
    # Reading .grad of a non-leaf warns; it is only kept there after retain_grad().
    grad = t.grad if (t.is_leaf or t.retains_grad) else None
    info: dict[str, Any] = {
        "kind": "Parameter" if isinstance(t, nn.Parameter) else "Tensor",
        "shape": tuple(t.shape),
        "dtype": str(t.dtype).replace("torch.", ""),
        "device": str(t.device),
        "requires_grad": t.requires_grad,
        "is_leaf": t.is_leaf,
        "grad_fn": type(t.grad_fn).__name__ if t.grad_fn is not None else None,
        "grad": tuple(grad.shape) if grad is not None else None,
        "stride": tuple(t.stride()),
        "contiguous": t.is_contiguous(),
        "storage_offset": t.storage_offset(),
        "numel": t.numel(),
        "bytes": t.numel() * t.element_size(),
    }
    storage_bytes = t.untyped_storage().nbytes()
    info["storage_bytes"] = storage_bytes
    # A view made by slicing, transposing or .view() keeps a reference to its base.
    info["is_view"] = t._base is not None
    if info["is_view"] or storage_bytes > info["bytes"] or t.storage_offset() != 0:
        info["storage_hint"] = "shares storage with another tensor (a view)"
    else:
        info["storage_hint"] = "owns its storage"
    if t.is_meta:  # a shape-only tensor: there are no values to summarize
        info["storage_hint"] = "meta tensor: shape and dtype only, no data"
    elif (t.is_floating_point() or t.is_complex()) and t.numel():
        values = t.detach().to("cpu")
        values = values.abs() if t.is_complex() else values
        info.update(_float_stats(values.double().numpy()))
    elif t.numel() and t.dtype != torch.bool:
        flat = t.detach().to("cpu")
        info.update(min=flat.min().item(), max=flat.max().item(), nan=0, inf=0)
    return info


def _inspect_array(a: np.ndarray) -> dict[str, Any]:
    info: dict[str, Any] = {
        "kind": "ndarray",
        "shape": a.shape,
        "dtype": str(a.dtype),
        "device": "cpu",
        "stride": tuple(s // a.itemsize for s in a.strides) if a.itemsize else a.strides,
        "contiguous": bool(a.flags["C_CONTIGUOUS"]),
        "numel": int(a.size),
        "bytes": int(a.nbytes),
        "writeable": bool(a.flags["WRITEABLE"]),
        "is_view": a.base is not None,
        "storage_hint": ("shares memory with another array or tensor (a view)"
                         if a.base is not None else "owns its memory"),
    }
    if a.size and np.issubdtype(a.dtype, np.floating):
        info.update(_float_stats(a.astype(np.float64)))
    elif a.size and np.issubdtype(a.dtype, np.integer):
        info.update(min=int(a.min()), max=int(a.max()), nan=0, inf=0)
    return info


def _inspect_module(m: nn.Module) -> dict[str, Any]:
    params = list(m.named_parameters())
    trainable = sum(p.numel() for _, p in params if p.requires_grad)
    total = sum(p.numel() for _, p in params)
    return {
        "kind": f"Module[{type(m).__name__}]",
        "training": m.training,
        "parameters": total,
        "trainable": trainable,
        "frozen": total - trainable,
        "buffers": sum(b.numel() for b in m.buffers()),
        "devices": sorted({str(p.device) for _, p in params}),
        "dtypes": sorted({str(p.dtype).replace("torch.", "") for _, p in params}),
        "children": {name: _inspect_any(p) for name, p in params},
    }


def _inspect_any(obj: Any) -> dict[str, Any]:
    if isinstance(obj, torch.Tensor):
        return _inspect_tensor(obj)
    if isinstance(obj, np.ndarray):
        return _inspect_array(obj)
    if isinstance(obj, nn.Module):
        return _inspect_module(obj)
    if isinstance(obj, Mapping):
        return {"kind": type(obj).__name__, "length": len(obj),
                "children": {str(k): _inspect_any(v) for k, v in obj.items()}}
    if isinstance(obj, (list, tuple)):
        return {"kind": type(obj).__name__, "length": len(obj),
                "children": {f"[{i}]": _inspect_any(v) for i, v in enumerate(obj)}}
    return {"kind": type(obj).__name__, "value": repr(obj)[:80]}


_GROUPS = (
    ("", ("shape", "dtype", "device", "numel", "bytes")),
    ("autograd", ("requires_grad", "is_leaf", "grad_fn", "grad")),
    ("memory", ("stride", "contiguous", "storage_offset", "is_view", "writeable")),
    ("storage", ("storage_hint",)),
    ("values", ("min", "max", "mean", "std", "nan", "inf")),
    ("module", ("training", "parameters", "trainable", "frozen", "buffers", "devices",
                "dtypes")),
    ("", ("length", "value")),
)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _render(info: Mapping[str, Any], name: str, indent: int, lines: list[str]) -> None:
    pad = "  " * indent
    lines.append(f"{pad}{name} <{info['kind']}>")
    for title, keys in _GROUPS:
        fields = [_fmt(info[k]) if k == "storage_hint" else f"{k}={_fmt(info[k])}"
                  for k in keys if k in info]
        if fields:
            lines.append(f"{pad}  {title + ': ' if title else ''}{'  '.join(fields)}")
    if info.get("nan") or info.get("inf"):
        lines.append(f"{pad}  !! contains {info.get('nan', 0)} NaN and "
                     f"{info.get('inf', 0)} Inf values")
    for child_name, child in info.get("children", {}).items():
        _render(child, child_name, indent + 1, lines)


def inspect(obj: Any, name: str | None = None, *, show: bool = True,
            file: TextIO | None = None) -> dict[str, Any]:
    """Describe a tensor, array, parameter, module, or a list/dict of them.

    For a tensor: shape, dtype, device, requires_grad, is_leaf, grad_fn, grad shape, stride,
    contiguity, storage offset and sharing, numel, bytes, min/max/mean/std (over finite
    values) and NaN/Inf counts. Prints one compact block (unless ``show=False``) and returns
    the same facts as a dict.

    >>> info = inspect(torch.arange(6.0).view(2, 3).t(), "x", show=False)
    >>> info["shape"], info["stride"], info["contiguous"], info["is_view"]
    ((3, 2), (1, 3), False, True)
    """
    info = _inspect_any(obj)
    if show:
        lines: list[str] = []
        _render(info, name or "value", 0, lines)
        print("\n".join(lines), file=file or sys.stdout)
    return info


# --------------------------------------------------------------------------------------
# seeds and devices
# --------------------------------------------------------------------------------------

def seed_everything(seed: int, deterministic: bool = False) -> int:
    """Seed Python's ``random``, NumPy, and torch (CPU and every GPU); return the seed.

    ``deterministic=True`` also asks torch for deterministic kernels (errors on ops that
    have none) and turns off cuDNN autotuning, trading speed for bitwise repeatability.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise ValueError(f"seed_everything: seed must be an int in [0, 2**32), got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    os.environ["PYTHONHASHSEED"] = str(seed)  # affects child processes only
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    return seed


def get_device(prefer: str | None = None) -> torch.device:
    """The device to use: ``prefer`` if given (and available), else CUDA, then MPS, then CPU.

    >>> get_device("cpu")
    device(type='cpu')
    """
    if prefer in (None, "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(prefer)
    except RuntimeError as exc:
        raise ValueError(f"get_device: {prefer!r} is not a device name "
                         "(try 'cpu', 'cuda', 'cuda:1', 'mps' or 'auto')") from exc
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(f"get_device: {prefer!r} asked for, but CUDA is not available "
                               f"(torch {torch.__version__} build, CUDA {torch.version.cuda})")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise RuntimeError(f"get_device: {prefer!r} asked for, but only "
                               f"{torch.cuda.device_count()} CUDA device(s) exist")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError(f"get_device: {prefer!r} asked for, but MPS is not available")
    return device


# --------------------------------------------------------------------------------------
# model summary
# --------------------------------------------------------------------------------------

@dataclass
class SummaryRow:
    """One module call in a forward pass."""

    name: str
    kind: str
    output_shape: tuple[int, ...] | list[tuple[int, ...]] | None
    params: int
    trainable: int


@dataclass
class ModelSummary:
    """Per-layer output shapes and parameter counts; ``str()`` is the printed table."""

    rows: list[SummaryRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    buffer_count: int = 0
    total_bytes: int = 0

    @property
    def frozen_params(self) -> int:
        return self.total_params - self.trainable_params

    def __str__(self) -> str:
        header = ("layer", "type", "output shape", "params")
        body = [(r.name, r.kind, str(r.output_shape), f"{r.params:,}") for r in self.rows]
        widths = [max(len(x[i]) for x in [header, *body]) for i in range(4)]
        rule = "-" * (sum(widths) + 6)

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(cells, widths)))

        return "\n".join([
            line(header), rule, *(line(b) for b in body), rule,
            f"total params: {self.total_params:,}   trainable: {self.trainable_params:,}   "
            f"frozen: {self.frozen_params:,}",
            f"parameters + buffers: {self.total_bytes / 2**20:.2f} MiB",
        ])


def _shape_of(out: Any) -> tuple[int, ...] | list[tuple[int, ...]] | None:
    if isinstance(out, torch.Tensor):
        return tuple(out.shape)
    if isinstance(out, (list, tuple)):
        shapes = [tuple(o.shape) for o in out if isinstance(o, torch.Tensor)]
        return shapes or None
    return None


def model_summary(model: nn.Module, example_input: Any, *, depth: int | None = None,
                  show: bool = False) -> ModelSummary:
    """Run ``example_input`` through ``model`` once (eval mode, no grad) and record every
    leaf module's output shape and own parameter count via forward hooks.

    ``example_input`` is a tensor, a tuple of tensors (positional arguments), or a shape
    tuple of ints (a zeros tensor of that shape is made on the model's device). ``depth``
    limits how deep module names go (``depth=1``: only direct children, counting the
    parameters of everything below them). Returns a :class:`ModelSummary`; ``show=True``
    prints it as well.
    """
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    if isinstance(example_input, tuple) and all(isinstance(d, int) for d in example_input):
        args: tuple[Any, ...] = (torch.zeros(example_input, device=device),)
    elif isinstance(example_input, tuple):
        args = example_input
    else:
        args = (example_input,)

    def selected(name: str, module: nn.Module) -> bool:
        if not name:
            return False
        level = name.count(".") + 1
        if depth is not None:
            return level == depth or (level < depth and not any(module.children()))
        return not any(module.children())

    rows: list[SummaryRow] = []
    handles = []
    for name, module in model.named_modules():
        if selected(name, module):
            def hook(mod: nn.Module, _inp: Any, out: Any, name: str = name) -> None:
                params = list(mod.parameters())
                rows.append(SummaryRow(
                    name, type(mod).__name__, _shape_of(out),
                    sum(p.numel() for p in params),
                    sum(p.numel() for p in params if p.requires_grad)))
            handles.append(module.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(*args)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)

    params = list(model.parameters())
    buffers = list(model.buffers())
    summary = ModelSummary(
        rows=rows,
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
        buffer_count=sum(b.numel() for b in buffers),
        total_bytes=sum(t.numel() * t.element_size() for t in [*params, *buffers]),
    )
    if show:
        print(summary)
    return summary


# --------------------------------------------------------------------------------------
# environment report
# --------------------------------------------------------------------------------------

def _editable_checkout() -> str | None:
    from .paths import repo_root

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
    from . import __version__

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
        "dlfs": f"{__version__} from {os.path.dirname(__file__)}",
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


if __name__ == "__main__":
    print(format_env_report())
