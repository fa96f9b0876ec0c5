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
from ..errors import DlfsError
from ..i18n import t
from ..nn import functional as F
from ..runtime import eval_mode

__all__ = ["check_windows_fit", "estimate_loss", "lm_forward", "next_token_loss"]


def check_windows_fit(data: str, n_train: int, n_val: int, *, window: int, batch_size: int,
                      window_flag: str) -> None:
    """Refuse a text too short for its windows, before any model exists: the validation
    split needs one window of ``window + 1`` tokens, the training split ``batch_size`` of
    them. ``data`` names the text (``--data tiny.txt``), ``window_flag`` the option that
    sets ``window``; the :class:`DlfsError` says what is needed and what there is.

    >>> check_windows_fit("--data t.txt", 480, 60, window=64, batch_size=12,
    ...                   window_flag="--block-size")
    Traceback (most recent call last):
    ...
    dlfs.errors.DlfsError: --block-size 64 is too long for --data t.txt: its validation split \
has 60 tokens, and one window needs --block-size + 1 = 65; give a --block-size of at most 59, \
or a text of at least 650 tokens (validation is its 10 %)
    """
    need = window + 1
    if n_val < need:
        smaller = t("recipes.lm.at_most", n=n_val - 1) if n_val > 1 else ""
        raise DlfsError(t("recipes.lm.val_too_short", flag=window_flag, window=window,
                          data=data, n_val=n_val, need=need, smaller=smaller,
                          text=10 * need))
    windows = n_train - window
    if windows < batch_size:
        raise DlfsError(t("recipes.lm.train_too_short", batch_size=batch_size,
                          flag=window_flag, need=need, data=data, n_train=n_train,
                          windows=max(windows, 0)))


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
