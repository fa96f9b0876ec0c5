"""Load a state-dict file (e.g. torchvision's ``resnet18-f37072fd.pth``) into a zoo model.

Our models use torchvision's parameter names, so its weight files load as they are. What
:func:`load_weights` adds is a careful reader: ``weights_only=True`` (no code runs from the
file), the common wrappers unwrapped (``{"state_dict": ...}``, ``{"model": ...}``, and the
``module.`` prefix that ``DataParallel``/DDP leave), and a :class:`WeightsMismatchError` that
names the missing, unexpected and wrongly shaped keys instead of a wall of text.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from dlfs import nn
from dlfs.errors import DlfsError
from dlfs.i18n import t

__all__ = ["WeightsMismatchError", "fit_weights", "load_weights", "read_weights",
           "unwrap_state_dict"]


class WeightsMismatchError(DlfsError):
    """The file's keys or shapes do not fit the model."""


def unwrap_state_dict(obj: Any) -> dict[str, torch.Tensor]:
    """The tensor mapping inside a loaded checkpoint, with any ``module.`` prefix removed.

    >>> unwrap_state_dict({"model": {"module.fc.weight": torch.zeros(1)}}).keys()
    dict_keys(['fc.weight'])
    """
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(obj, Mapping) and isinstance(obj.get(key), Mapping):
            obj = obj[key]
            break
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise DlfsError(t("library.weights.no_state_dict"))
    if obj and all(k.startswith("module.") for k in obj):
        return {k[len("module."):]: v for k, v in obj.items()}
    return dict(obj)


def _mismatch_report(model: nn.Module, sd: Mapping[str, torch.Tensor], limit: int = 5) -> str:
    ours = model.state_dict()
    missing = [k for k in ours if k not in sd]
    unexpected = [k for k in sd if k not in ours]
    shapes = [t("library.weights.shape_pair", key=k, file=tuple(sd[k].shape),
                model=tuple(ours[k].shape))
              for k in ours if k in sd and sd[k].shape != ours[k].shape]
    parts = []
    for key, items in (("library.weights.missing", missing),
                       ("library.weights.unexpected", unexpected),
                       ("library.weights.shape", shapes)):
        if items:
            more = t("library.weights.more", n=len(items) - limit) if len(items) > limit else ""
            parts.append(t(key, n=len(items), items=", ".join(items[:limit]), more=more))
    return t("library.weights.sep").join(parts)


def read_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """The state dict in the file ``path``, read with ``weights_only=True`` and unwrapped;
    a :class:`DlfsError` for a missing or unreadable file."""
    path = Path(path)
    if not path.is_file():
        raise DlfsError(t("library.weights.not_found", path=str(path)))
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # unpickling errors come in many types
        raise DlfsError(t("library.weights.unreadable", path=str(path), error=err)) from err
    return unwrap_state_dict(obj)


def fit_weights(model: nn.Module, sd: Mapping[str, torch.Tensor], name: str,
                strict: bool = True) -> nn.Module:
    """Load ``sd`` (read from the file called ``name``) into ``model`` and return the model;
    a :class:`WeightsMismatchError` names the keys and shapes that do not fit."""
    report = _mismatch_report(model, sd)
    ours = model.state_dict()
    wrong_shape = any(k in ours and sd[k].shape != ours[k].shape for k in sd)
    if report and (strict or wrong_shape):
        raise WeightsMismatchError(t("library.weights.mismatch", name=name,
                                      model=type(model).__name__, report=report))
    model.load_state_dict(sd, strict=strict)
    return model


def load_weights(model: nn.Module, path: str | Path, strict: bool = True) -> nn.Module:
    """Load the state dict in ``path`` into ``model`` (in place) and return the model.

    ``strict=False`` skips missing/unexpected keys (e.g. a backbone without its head) but
    still refuses wrong shapes.
    """
    return fit_weights(model, read_weights(path), Path(path).name, strict)
