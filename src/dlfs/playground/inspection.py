"""``inspect``: everything a learner asks about a tensor, array, parameter or module, in one
block (shape, dtype, device, autograd state, memory layout, value statistics)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TextIO

import numpy as np
import torch
from torch import nn

from .. import i18n

__all__ = ["inspect"]


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
        # the gradient's shape; a 0-d one's shape () would read as "no gradient": its value
        "grad": (None if grad is None else tuple(grad.shape) if grad.dim()
                 else i18n.t("library.inspect.scalar", value=grad.item())),
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
        info["storage_hint"] = i18n.t("library.inspect.shares_storage")
    else:
        info["storage_hint"] = i18n.t("library.inspect.owns_storage")
    if t.is_meta:  # a shape-only tensor: there are no values to summarize
        info["storage_hint"] = i18n.t("library.inspect.meta")
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
        "storage_hint": (i18n.t("library.inspect.shares_memory") if a.base is not None
                         else i18n.t("library.inspect.owns_memory")),
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


#: (message key of the group's title, or "" for none; the fields shown in it)
_GROUPS = (
    ("", ("shape", "dtype", "device", "numel", "bytes")),
    ("library.inspect.autograd", ("requires_grad", "is_leaf", "grad_fn", "grad")),
    ("library.inspect.memory", ("stride", "contiguous", "storage_offset", "is_view",
                                "writeable")),
    ("library.inspect.storage", ("storage_hint",)),
    ("library.inspect.values", ("min", "max", "mean", "std", "nan", "inf")),
    ("library.inspect.module", ("training", "parameters", "trainable", "frozen", "buffers",
                                "devices", "dtypes")),
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
            head = i18n.t("library.inspect.group", title=i18n.t(title)) if title else ""
            lines.append(f"{pad}  {head}{'  '.join(fields)}")
    if info.get("nan") or info.get("inf"):
        lines.append(f"{pad}  " + i18n.t("library.inspect.nonfinite", nan=info.get("nan", 0),
                                          inf=info.get("inf", 0)))
    for child_name, child in info.get("children", {}).items():
        _render(child, child_name, indent + 1, lines)


def inspect(obj: Any, name: str | None = None, *, show: bool = True,
            file: TextIO | None = None) -> dict[str, Any]:
    """Describe a tensor, array, parameter, module, or a list/dict of them.

    For a tensor: shape, dtype, device, requires_grad, is_leaf, grad_fn, grad shape (of a 0-d
    gradient, its value), stride, contiguity, storage offset and sharing, numel, bytes,
    min/max/mean/std (over finite values) and NaN/Inf counts. Prints one compact block
    (unless ``show=False``) and returns the same facts as a dict.

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
