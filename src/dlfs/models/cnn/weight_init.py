"""The initialization schemes of the CNN families, written with ``dlfs.nn.init``.

Each family in torchvision re-initializes its layers after building them; we do the same so
that a freshly built model behaves like torchvision's (the training curves of the lessons
depend on it). The schemes, by layer type:

- conv ``"kaiming_out"``: W ~ N(0, 2 / fan_out) (ResNet, VGG, MobileNetV2, EfficientNet);
  ``"kaiming_in"``: W ~ N(0, 2 / fan_in) (DenseNet); ``"normal"``: N(0, 0.01^2) (GoogLeNet;
  torchvision truncates that normal at +-2, i.e. at 200 standard deviations, a cut that
  never bites, so a plain normal draw has the same distribution); ``"default"``: keep the
  layer's own init (AlexNet, LeNet). Conv biases -> 0 unless ``"default"``.
- BatchNorm: gamma = 1, beta = 0 (always).
- linear ``"normal"``: W ~ N(0, 0.01^2), b = 0; ``"uniform_out"``: W ~ U(+-1/sqrt(out)),
  b = 0 (EfficientNet); ``"zero_bias"``: default W, b = 0 (DenseNet); ``"default"``.
"""

from __future__ import annotations

import math

from dlfs import nn
from dlfs.nn import init

__all__ = ["init_weights_"]

_CONV = ("kaiming_out", "kaiming_in", "normal", "default")
_LINEAR = ("normal", "uniform_out", "zero_bias", "default")


def _init_conv(m: nn.Conv2d, conv: str) -> None:
    if conv == "default":
        return
    if conv == "kaiming_out":
        init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    elif conv == "kaiming_in":
        init.kaiming_normal_(m.weight)
    else:
        init.normal_(m.weight, 0.0, 0.01)
    if m.bias is not None:
        init.zeros_(m.bias)


def _init_linear(m: nn.Linear, linear: str) -> None:
    if linear == "default":
        return
    if linear == "normal":
        init.normal_(m.weight, 0.0, 0.01)
    elif linear == "uniform_out":
        bound = 1.0 / math.sqrt(m.out_features)
        init.uniform_(m.weight, -bound, bound)
    if m.bias is not None:
        init.zeros_(m.bias)


def init_weights_(model: nn.Module, conv: str = "kaiming_out", linear: str = "default"
                  ) -> nn.Module:
    """Re-initialize every Conv2d, BatchNorm2d and Linear of ``model`` in place; returns it.

    A model built under ``torch.device("meta")`` (shapes only, e.g. to count parameters)
    is returned untouched.
    """
    if conv not in _CONV or linear not in _LINEAR:
        raise ValueError(f"conv must be one of {_CONV} and linear one of {_LINEAR}, "
                         f"got {conv!r}, {linear!r}")
    first = next(model.parameters(), None)
    if first is not None and first.is_meta:  # built on the meta device: no values to draw
        return model
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            _init_conv(m, conv)
        elif isinstance(m, nn.BatchNorm2d):
            init.ones_(m.weight)
            init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            _init_linear(m, linear)
    return model
