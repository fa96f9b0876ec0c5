"""Every CNN of the zoo by name: ``MODELS`` maps a torchvision-style name to its factory.

``get_model(name, **kw)`` builds one (a typo gets the closest names suggested);
``get_model_for_input(name, in_channels, image_size, num_classes)`` builds one for small
images, choosing ``small_input=True`` or ``image_size=...`` as that factory expects.

>>> get_model("resnet18", num_classes=10).fc.out_features
10
>>> try:
...     get_model("resnet-18")
... except UnknownModelError as err:
...     print(err)
unknown model 'resnet-18'; did you mean resnet18, resnet50, resnet34? (see `dlfs.models.cnn.MODELS`)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from dlfs import nn
from dlfs.errors import UnknownNameError, closest

from .alexnet import alexnet
from .densenet import densenet121
from .efficientnet import efficientnet_b0
from .googlenet import googlenet
from .lecture_nets import liuer_cnn, liuer_inception_net, liuer_residual_net, seed_cifar_cnn
from .lenet import lenet5
from .mobilenet import mobilenet_v2
from .nin import nin
from .resnet import plainnet18, resnet18, resnet34, resnet50
from .vgg import vgg11, vgg16

__all__ = ["MODELS", "UnknownModelError", "get_model", "get_model_for_input"]

MODELS: dict[str, Callable[..., nn.Module]] = {
    "lenet5": lenet5,
    "alexnet": alexnet,
    "vgg11": vgg11,
    "vgg16": vgg16,
    "nin": nin,
    "googlenet": googlenet,
    "resnet18": resnet18,
    "resnet34": resnet34,
    "resnet50": resnet50,
    "plainnet18": plainnet18,
    "densenet121": densenet121,
    "mobilenet_v2": mobilenet_v2,
    "efficientnet_b0": efficientnet_b0,
    "liuer_cnn": liuer_cnn,
    "liuer_inception_net": liuer_inception_net,
    "liuer_residual_net": liuer_residual_net,
    "seed_cifar_cnn": seed_cifar_cnn,
}


class UnknownModelError(UnknownNameError):
    """A model name that ``MODELS`` does not know."""

    what, listing = "model", "dlfs.models.cnn.MODELS"


def get_model(name: str, **kw: Any) -> nn.Module:
    """Build the model called ``name`` with the factory's keyword arguments ``kw``."""
    if name not in MODELS:
        key = name.lower().replace("-", "").replace(" ", "")
        raise UnknownModelError(name, closest(key, MODELS, cutoff=0.6), known=MODELS)
    return MODELS[name](**kw)


def get_model_for_input(name: str, in_channels: int, image_size: int, num_classes: int = 10,
                        **kw: Any) -> nn.Module:
    """``name`` built for (B, in_channels, image_size, image_size) images: ImageNet families
    get ``small_input=True`` (below 64 px), the small nets get ``image_size``."""
    factory = MODELS.get(name)
    if factory is None:
        get_model(name)  # raises with suggestions
    params = inspect.signature(MODELS[name]).parameters
    if "small_input" in params and "small_input" not in kw:
        kw["small_input"] = image_size < 64
    if "image_size" in params:
        kw.setdefault("image_size", image_size)
    return get_model(name, num_classes=num_classes, in_channels=in_channels, **kw)
