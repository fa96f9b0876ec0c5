"""What ``fit`` returns: the loss and learning rate of every step, the metrics of every epoch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["History"]


@dataclass
class History:
    """The record of a run (also stored in checkpoints, so a resumed run keeps its past).

    Attributes:
        step_loss: training loss of each optimizer step (mean over its micro-batches).

        step_lr: learning rate of the first parameter group used by each step.

        epochs: one dict per finished epoch: ``{"epoch", "step", "train/loss", "val/loss", …}``.

        events: notes about the run a user should know (resumed from …, skipped a corrupt
            checkpoint …).

    >>> h = History(epochs=[{"epoch": 0, "val/loss": 0.9}, {"epoch": 1, "val/loss": 0.5}])
    >>> h.metric("val/loss")
    [0.9, 0.5]
    """

    step_loss: list[float] = field(default_factory=list)
    step_lr: list[float] = field(default_factory=list)
    epochs: list[dict[str, float]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def metric(self, key: str) -> list[float]:
        """The per-epoch values of one metric (epochs that lack it are skipped)."""
        return [row[key] for row in self.epochs if key in row]

    def last(self, key: str) -> float | None:
        """The latest epoch value of ``key``, or None."""
        values = self.metric(key)
        return values[-1] if values else None

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and dicts (loads with ``torch.load(weights_only=True)``)."""
        return {"step_loss": list(self.step_loss), "step_lr": list(self.step_lr),
                "epochs": [dict(row) for row in self.epochs], "events": list(self.events)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        return cls(step_loss=list(data["step_loss"]), step_lr=list(data["step_lr"]),
                   epochs=[dict(row) for row in data["epochs"]], events=list(data["events"]))
