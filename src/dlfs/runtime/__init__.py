"""Where and how code runs: seeds, devices, and a model's train/eval mode.

The lowest layer of helpers: the training loop, the models, the decoders and the
learner's playground all import from here, and this package imports nothing of ``dlfs``.
"""

from .determinism import deterministic_algorithms
from .device import get_device, synchronize
from .modes import eval_mode
from .seed import seed_everything

__all__ = ["deterministic_algorithms", "eval_mode", "get_device", "seed_everything", "synchronize"]
