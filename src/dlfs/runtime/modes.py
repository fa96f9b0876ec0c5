"""A context manager for evaluation mode that puts the previous mode back.

Dropout and BatchNorm behave differently in training and evaluation, so code that measures
or decodes must switch to ``model.eval()`` — and then return the model in the mode it found
it, or the training that follows silently runs with dropout off.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from torch import nn

__all__ = ["eval_mode"]


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """``with eval_mode(model): ...`` runs the block in eval mode, then restores the mode the
    model had before (also when the block raises).

    >>> model = nn.Dropout(0.5)
    >>> with eval_mode(model):
    ...     model.training
    False
    >>> model.training
    True
    """
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)
