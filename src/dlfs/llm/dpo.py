"""Direct Preference Optimization (DPO): learn from (prompt, chosen, rejected) pairs without a
reward model.

With log-probabilities of whole responses under the policy (pi) and a frozen reference
model (ref):

    r_c = beta * (log pi(y_c|x) - log ref(y_c|x))       implicit reward of the chosen answer
    r_r = beta * (log pi(y_r|x) - log ref(y_r|x))       ... and of the rejected one
    L   = -log sigmoid(r_c - r_r)                        averaged over the pairs

The loss falls as the policy raises the chosen answer's probability (relative to the
reference) and lowers the rejected one's; beta sets how far from the reference it may go.
Shapes: every log-probability tensor is (B,) — one number per pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch  # noqa: F401  (the doctests use it)
from torch import Tensor

from ..nn import functional as F
from ..nn.functional import logsigmoid as log_sigmoid

__all__ = ["DPOOutput", "dpo_loss", "log_sigmoid", "sequence_logprobs"]


@dataclass(frozen=True)
class DPOOutput:
    """loss (scalar); chosen_rewards, rejected_rewards (B,), detached, for logging."""

    loss: Tensor
    chosen_rewards: Tensor
    rejected_rewards: Tensor


def dpo_loss(policy_chosen_logps: Tensor, policy_rejected_logps: Tensor,
             ref_chosen_logps: Tensor, ref_rejected_logps: Tensor,
             beta: float = 0.1) -> DPOOutput:
    """The DPO loss of a batch of preference pairs (see the module docstring).

    >>> out = dpo_loss(torch.tensor([-1.0]), torch.tensor([-3.0]),
    ...                torch.tensor([-2.0]), torch.tensor([-2.0]), beta=0.5)
    >>> round(out.loss.item(), 4)   # -log sigmoid(0.5 * ((-1 + 2) - (-3 + 2))) = -log sigmoid(1)
    0.3133
    """
    r_c = beta * (policy_chosen_logps - ref_chosen_logps)            # (B,)
    r_r = beta * (policy_rejected_logps - ref_rejected_logps)        # (B,)
    loss = -log_sigmoid(r_c - r_r).mean()
    return DPOOutput(loss, r_c.detach(), r_r.detach())


def sequence_logprobs(logits: Tensor, labels: Tensor, mask: Tensor | None = None) -> Tensor:
    """Sum of log p(label_t) over the positions where ``mask`` is True.

    logits (B, T, V) predict labels (B, T) (already shifted: logits[:, t] scores labels[:, t]);
    mask (B, T) bool selects the response tokens (prompt and padding excluded) -> (B,).
    """
    logp = F.log_softmax(logits, dim=-1)                             # (B, T, V)
    token_logp = logp.gather(-1, labels.unsqueeze(-1)).squeeze(-1)   # (B, T)
    if mask is not None:
        token_logp = token_logp * mask.to(token_logp.dtype)
    return token_logp.sum(dim=-1)                                    # (B,)
