"""What the two language-model recipes (``gpt``, ``charrnn``) share: the next-token loss,
the forward pass the trainer calls, and the validation-loss estimate.

    logits (B, T, V), targets (B, T) --flatten--> cross-entropy averaged over all B*T tokens

The estimate runs the very ``lm_forward`` and ``next_token_loss`` that training uses, on a
fixed set of evenly spaced windows (:meth:`dlfs.data.text.batching.TokenWindows.spaced`), in
eval mode; so the curves of train and validation loss measure the same quantity.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..data.text.batching import TokenWindows
from ..nn import functional as F
from ..runtime import eval_mode

__all__ = ["estimate_loss", "lm_forward", "next_token_loss"]


def next_token_loss(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean cross-entropy of logits (B, T, V) against next-token ids (B, T): a scalar.

    >>> V = 5; logits = torch.zeros(2, 3, V)              # a uniform guess ...
    >>> round(next_token_loss(logits, torch.zeros(2, 3, dtype=torch.long)).item(), 4)
    1.6094
    """
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def lm_forward(model: nn.Module, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
    """The trainer's forward for a batch (x, y) of ids (B, T): (logits (B, T, V), y). The
    model returns ``(logits, extra)`` (the GPT its optional loss, the CharRNN its state)."""
    x, y = batch
    return model(x)[0], y


@torch.no_grad()
def estimate_loss(model: nn.Module, windows: TokenWindows, *, batches: int,
                  batch_size: int) -> float:
    """Mean next-token loss over ``batches * batch_size`` evenly spaced windows, in eval mode
    (the model's mode is restored afterwards)."""
    losses: list[float] = []
    with eval_mode(model):
        for batch in windows.spaced(batches * batch_size, batch_size):
            losses.append(next_token_loss(*lm_forward(model, batch)).item())
    return sum(losses) / len(losses)
