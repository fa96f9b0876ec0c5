"""Where a training run is: the counters a checkpoint stores and a resume restores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["TrainState"]


@dataclass
class TrainState:
    """Where the run is: ``epoch`` (0-based, the one in progress), ``step`` (optimizer steps
    done), ``batch_in_epoch`` (micro-batches of this epoch consumed), running epoch sums."""

    epoch: int = 0
    step: int = 0
    batch_in_epoch: int = 0
    sums: dict[str, float] = field(default_factory=dict)  # "n", "train/loss", metric names

    def to_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "step": self.step, "batch_in_epoch": self.batch_in_epoch,
                "sums": dict(self.sums)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainState:
        return cls(int(data["epoch"]), int(data["step"]), int(data["batch_in_epoch"]),
                   dict(data["sums"]))
