"""The one training loop (``fit``), its checkpoints, callbacks, AMP and helpers.

Every run logs in one TensorBoard naming scheme (:mod:`dlfs.train.tensorboard`: ``loss/train``,
``loss/val``, ``opt/lr``, ``opt/grad_norm``, ``perf/…``, ``samples/…``) and ends with the
same report (:class:`RunReport`: hparams and ``curves.png``); ``dlfs board`` starts
TensorBoard on the runs (:mod:`dlfs.board`).

For a hand-written loop: ``train_step``, ``accumulate_gradients``, ``LossScaler`` (dynamic
loss scaling from scratch), ``Checkpointer``; for debugging one: ``check_batch``,
``overfit_one_batch``.

Gradient checkpointing (recomputing activations in backward) is
:func:`dlfs.train.recompute.checkpoint` — as ``torch.utils.checkpoint.checkpoint``. It is
not re-exported here as ``dlfs.train.checkpoint``: that name is the module that *saves*
training checkpoints, and a function of the same name would shadow it (``import
dlfs.train.checkpoint as m`` would then give the function). ``checkpoint_sequential`` is.
"""

from .amp import amp_dtype, autocast_factory, make_grad_scaler
from .callbacks import Callback, CallbackList, Checkpointing, EarlyStopping, PeriodicEval
from .checkpoint import (
    Checkpointer,
    CheckpointManager,
    CorruptCheckpointError,
    atomic_save,
    load_checkpoint,
    save_checkpoint,
)
from .config import TrainConfig
from .debugging import check_batch, overfit_one_batch
from .history import History
from .loop import Trainer, default_forward, fit, move_to
from .loss_scaler import LossScaler, update_scale
from .memory import (
    BatchSizeResult,
    PeakMemoryTracker,
    find_max_batch_size,
    split_batch,
    step_memory_bytes,
)
from .nan_guard import NaNGuard, NonFiniteError
from .profiler import ProfilerCallback
from .recompute import checkpoint_sequential
from .reporting import MetricsLogger, ProgressBar
from .resume import CheckpointWarning
from .rng import capture_rng_state, restore_rng_state
from .run_report import PrintCurves, RunReport
from .state import TrainState
from .steps import accumulate_gradients, train_step
from .tensorboard import TensorBoardLogger, log_scalar

__all__ = [
    "BatchSizeResult", "Callback", "CallbackList", "CheckpointManager", "CheckpointWarning",
    "Checkpointer", "Checkpointing", "CorruptCheckpointError", "EarlyStopping", "History",
    "LossScaler", "MetricsLogger", "NaNGuard", "NonFiniteError", "PeakMemoryTracker",
    "PeriodicEval", "PrintCurves", "ProfilerCallback", "ProgressBar", "RunReport",
    "TensorBoardLogger",
    "TrainConfig", "TrainState", "Trainer", "accumulate_gradients", "amp_dtype",
    "atomic_save", "autocast_factory", "capture_rng_state", "check_batch",
    "checkpoint_sequential", "default_forward",
    "find_max_batch_size", "fit", "load_checkpoint", "log_scalar", "make_grad_scaler", "move_to",
    "overfit_one_batch", "restore_rng_state", "save_checkpoint", "split_batch",
    "step_memory_bytes", "train_step", "update_scale",
]
