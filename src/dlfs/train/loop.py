"""The training loop every model uses: ``fit(model, train_loader, loss_fn=…, optimizer=…)``.

One optimizer step = ``grad_accum_steps`` micro-batches::

    for each micro-batch (x, y):
        with autocast:  loss = loss_fn(model(x), y)           # train mode
        (loss / grad_accum_steps).backward()                   # gradients add up
    [unscale] → [clip_grad_norm] → optimizer.step() → zero_grad → [scheduler.step()]

then, at the end of each epoch, validation in eval mode under ``torch.no_grad()``.
Everything else — bars, TensorBoard, checkpoints, the NaN guard, the run's report
(:class:`~dlfs.train.RunReport`: samples, hparams, ``curves.png``) — is a callback.

Exact resume: a checkpoint stores the counters, the RNG states, the optimizer/scheduler/
scaler states and the data position. A loader with ``state_dict()``/``load_state_dict()``
(``dlfs.data.DataLoader``) restores its own position; for any other loader (torch's), the
order of epoch ``e`` is made a function of ``seed + e`` (its ``generator`` is re-seeded at
each epoch start, and the RNG state at the epoch start is kept) and the batches already used
are drawn again and skipped.

Many processes (``torchrun --nproc_per_node N script.py``, or a process group the caller
set up): each process runs the same ``fit`` on its own shard of the data (give the loader a
:class:`dlfs.distributed.DistributedSampler`; ``fit`` calls its ``set_epoch``). ``fit`` joins
the group from torchrun's environment variables if nobody has, wraps the model in
``DistributedDataParallel`` for the training forward (gradients are averaged over the
processes during ``backward``, so every process takes the same step), averages the logged
step loss over the processes, and keeps the side effects on rank 0: only rank 0 writes
checkpoints and TensorBoard logs and runs the callbacks in ``RANK_ZERO_ONLY`` (progress bar,
metrics log). Every rank resumes from the same checkpoint; the data position is then
replayed (skip the batches already used) rather than read from rank 0's loader state.
Validation runs on every rank over the loader it is given.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import torch
from torch import nn
from torch.profiler import record_function

from ..distributed import env as dist_env
from ..errors import DlfsError
from ..i18n import t
from ..runtime import deterministic_algorithms, eval_mode, get_device, seed_everything
from .amp import amp_dtype, autocast_factory, make_grad_scaler
from .callbacks import Callback, CallbackList, Checkpointing
from .checkpoint import CheckpointManager
from .config import TrainConfig
from .history import History
from .nan_guard import NaNGuard, NonFiniteError
from .reporting import MetricsLogger, ProgressBar
from .resume import checkpoint_payload, load_resume_payload, restore_trainer
from .rng import capture_rng_state, restore_rng_state
from .run_report import PrintCurves, RunReport
from .state import TrainState
from .tensorboard import TensorBoardLogger

__all__ = ["RANK_ZERO_ONLY", "Trainer", "TrainState", "fit", "total_grad_norm"]

Metric = Callable[[Any, Any], Any]  # (output, target) -> batch mean (tensor or float)


def default_forward(model: nn.Module, batch: Any) -> tuple[Any, Any]:
    """``(x, y) -> (model(x), y)``; pass ``forward=`` to ``fit`` for other batch layouts."""
    if not (isinstance(batch, (list, tuple)) and len(batch) == 2):
        raise ValueError(f"fit: a batch must be a pair (inputs, targets), got "
                         f"{type(batch).__name__}; pass forward=lambda model, batch: "
                         "(output, target) for other layouts")
    x, y = batch
    return model(x), y


def move_to(obj: Any, device: torch.device) -> Any:
    """Tensors inside lists/tuples/dicts moved to ``device`` (other values unchanged)."""
    if isinstance(obj, torch.Tensor):
        return obj.to(device, non_blocking=True)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a NamedTuple batch
        return type(obj)(*(move_to(o, device) for o in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(move_to(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: move_to(v, device) for k, v in obj.items()}
    return obj


def total_grad_norm(parameters: Iterable[torch.Tensor]) -> torch.Tensor:
    """The L2 norm of all gradients together (what ``clip_grad_norm_`` measures), without
    changing them; 0 when no parameter has a gradient.

    >>> w = torch.nn.Parameter(torch.zeros(2)); w.grad = torch.tensor([3.0, 4.0])
    >>> float(total_grad_norm([w]))
    5.0
    """
    grads = [p.grad.detach() for p in parameters if p.grad is not None]
    if not grads:
        return torch.zeros(())
    return torch.linalg.vector_norm(
        torch.stack([torch.linalg.vector_norm(g.float()) for g in grads]))


def _batch_size(target: Any) -> int:
    return int(target.shape[0]) if isinstance(target, torch.Tensor) and target.dim() else 1


def _reseed_loader(loader: Any, seed: int, epoch: int) -> None:
    """Make the loader's order of ``epoch`` a function of ``seed + epoch`` (its generator and
    its sampler's), and tell a distributed sampler the epoch (``set_epoch``)."""
    sampler = getattr(loader, "sampler", None)
    for owner in (loader, sampler):
        gen = getattr(owner, "generator", None)
        if isinstance(gen, torch.Generator):
            gen.manual_seed(seed + epoch)
    if hasattr(sampler, "set_epoch"):
        sampler.set_epoch(epoch)


#: the callbacks that only rank 0 runs in a multi-process run (the rest run on every rank)
RANK_ZERO_ONLY: tuple[type, ...] = (TensorBoardLogger, Checkpointing, ProgressBar,
                                    MetricsLogger, RunReport, PrintCurves)


class Trainer:
    """One training run; ``fit`` builds it and calls :meth:`run`. Callbacks read its fields."""

    def __init__(self, model: nn.Module, train_loader: Iterable, *, loss_fn: Callable,
                 optimizer: torch.optim.Optimizer, config: TrainConfig, scheduler: Any = None,
                 val_loader: Iterable | None = None, metrics: Mapping[str, Metric] | None = None,
                 callbacks: Iterable[Callback] = (), forward: Callable | None = None):
        self.model, self.train_loader, self.val_loader = model, train_loader, val_loader
        self.loss_fn, self.optimizer, self.scheduler = loss_fn, optimizer, scheduler
        self.config = config
        self.metrics = dict(metrics or {})
        self.forward = forward or default_forward
        dist_env.init_from_env()  # under torchrun: join the process group (gloo on the CPU)
        self.rank, self.world_size = dist_env.rank(), dist_env.world_size()
        self.train_model = model  # what the training forward calls: the DDP wrapper or model
        self.device = get_device(config.device)
        dtype = amp_dtype(config.amp, self.device)
        self.autocast = autocast_factory(self.device, dtype)
        self.scaler = make_grad_scaler(self.device, dtype)
        self.monitor = config.monitor or ("val/loss" if val_loader is not None else "train/loss")
        if self.rank != 0:  # side effects stay on rank 0
            callbacks = [c for c in callbacks if not isinstance(c, RANK_ZERO_ONLY)]
        self.callbacks = CallbackList(self._with_builtin_callbacks(list(callbacks)))
        self.state, self.history = TrainState(), History()
        self.checkpoint_extra: dict[str, Any] = {}  # small values callbacks keep across resumes
        self.should_stop, self.error = False, None
        self.epoch_rng: dict[str, Any] | None = None
        self._pending, self._losses = 0, []
        self.batch: Any = None  # the micro-batch being trained on (on the device)
        self._resume: dict[str, Any] | None = None  # the payload while resuming mid-epoch
        #: wall seconds of the last optimizer step: its micro-batches' forward and backward
        #: (and data loading after the first), the clipping and the update; not the callbacks
        self.step_seconds = 0.0
        self._step_started = time.perf_counter()

    @property
    def pending_micro_batches(self) -> int:
        """Micro-batches whose gradients are accumulated but not yet stepped on."""
        return self._pending

    def _with_builtin_callbacks(self, callbacks: list[Callback]) -> list[Callback]:
        cfg = self.config
        if cfg.nan_guard and not any(isinstance(c, NaNGuard) for c in callbacks):
            callbacks.insert(0, NaNGuard())  # first: nothing evaluates or saves NaN weights
        if self.rank != 0:
            return callbacks
        if cfg.log_dir is not None and not any(isinstance(c, TensorBoardLogger) for c in callbacks):
            callbacks.append(TensorBoardLogger(cfg.log_dir))
        if cfg.checkpoint_dir is not None:  # last, so it sees what other callbacks changed
            callbacks.append(Checkpointing(cfg.checkpoint_dir, keep_last=cfg.keep_last,
                                           every=cfg.checkpoint_every, monitor=self.monitor,
                                           mode=cfg.monitor_mode))
        return callbacks

    # ---- the run ------------------------------------------------------------------------

    def planned_steps(self) -> int | None:
        """Total optimizer steps of the run, when it can be known in advance."""
        per_epoch = None
        if hasattr(self.train_loader, "__len__"):
            per_epoch = -(-len(self.train_loader) // self.config.grad_accum_steps)
        by_epochs = None if self.config.epochs is None or per_epoch is None else \
            self.config.epochs * per_epoch
        options = [s for s in (by_epochs, self.config.max_steps) if s is not None]
        return min(options) if options else None

    def _finished(self) -> bool:
        cfg = self.config
        return (self.should_stop or (cfg.max_steps is not None and self.state.step >= cfg.max_steps)
                or (cfg.epochs is not None and self.state.epoch >= cfg.epochs))

    def run(self) -> History:
        """Train until ``epochs`` or ``max_steps`` or a callback's stop; return the History."""
        with deterministic_algorithms(self.config.deterministic):
            self.model.to(self.device)
            if not self._load_resume():
                seed_everything(self.config.seed)
            self.train_model = self._data_parallel()
            if self.config.compile:  # the training forward only; see TrainConfig.compile
                self.train_model = torch.compile(self.train_model)
            self.optimizer.zero_grad(set_to_none=True)
            self.callbacks.on_train_begin(self)
            try:
                while not self._finished():
                    self._run_epoch()
            except BaseException as exc:
                self.error = exc
                if isinstance(exc, DlfsError):  # e.g. NonFiniteError: carry the run so far
                    exc.history = self.history  # type: ignore[attr-defined]
                    exc.checkpoint = self.newest_checkpoint()  # type: ignore[attr-defined]
                raise
            finally:
                self.callbacks.on_train_end(self)
        return self.history

    def _data_parallel(self) -> nn.Module:
        """The model wrapped in DistributedDataParallel when several processes train (it
        copies rank 0's weights to every rank and averages gradients in ``backward``)."""
        if self.world_size == 1:
            return self.model
        from torch.nn.parallel import DistributedDataParallel

        device_ids = None                  # CPU: gloo; GPU: this rank's device (LOCAL_RANK)
        if self.device.type == "cuda":
            device_ids = [self.device.index if self.device.index is not None
                          else torch.cuda.current_device()]
        return DistributedDataParallel(self.model, device_ids=device_ids)

    def newest_checkpoint(self) -> Any:
        """The newest ``step-*.pt`` file in ``checkpoint_dir`` (a Path), or None."""
        if self.config.checkpoint_dir is None:
            return None
        files = CheckpointManager(self.config.checkpoint_dir).step_files()
        return files[0] if files else None

    def _at_epoch_end(self) -> bool:
        return (hasattr(self.train_loader, "__len__")
                and self.state.batch_in_epoch >= len(self.train_loader))

    def _run_epoch(self) -> None:
        batches = self._open_epoch()
        self.model.train()
        for batch in batches:
            self._micro_step(batch)
            if self._pending == self.config.grad_accum_steps:
                self._optimizer_step()
                if self._finished() and not self._at_epoch_end():
                    return  # stopped mid-epoch; a checkpoint continues from here
        if self._pending:
            self._optimizer_step()  # a last, shorter accumulation group
        self._end_epoch()

    # ---- data order ---------------------------------------------------------------------

    def _open_epoch(self) -> Iterator[Any]:
        loader, resume = self.train_loader, self._resume
        self._resume = None
        if resume is None:  # a fresh epoch
            self.state.batch_in_epoch, self.state.sums = 0, {}
            self.epoch_rng = capture_rng_state()
            _reseed_loader(loader, self.config.seed, self.state.epoch)
            self.callbacks.on_epoch_begin(self)
            return iter(loader)
        if self._at_epoch_end():
            return iter(())
        if (resume.get("loader") is not None and hasattr(loader, "load_state_dict")
                and self.world_size == 1):  # rank 0's loader state is not another rank's
            loader.load_state_dict(resume["loader"])
            return iter(loader)
        now = capture_rng_state()  # replay the epoch's start, skip the batches already used
        restore_rng_state(self.epoch_rng)
        _reseed_loader(loader, self.config.seed, self.state.epoch)
        batches = iter(loader)
        for _ in range(self.state.batch_in_epoch):
            next(batches)
        restore_rng_state(now)
        return batches

    # ---- one micro-batch, one optimizer step ----------------------------------------------

    def _micro_step(self, batch: Any) -> None:
        if self._pending == 0:  # the first micro-batch of an optimizer step
            self._step_started = time.perf_counter()
        batch = self.batch = move_to(batch, self.device)
        self.callbacks.on_batch_begin(self)
        with record_function("dlfs/forward"), self.autocast():  # labels for the profiler
            output, target = self.forward(self.train_model, batch)
            loss = self.loss_fn(output, target)
        self.callbacks.on_forward_end(self, output, loss)
        scaled = loss / self.config.grad_accum_steps
        with record_function("dlfs/backward"):
            (self.scaler.scale(scaled) if self.scaler is not None else scaled).backward()
        self._pending += 1
        self.state.batch_in_epoch += 1
        value = loss.detach().item()
        self._losses.append(value)
        self._accumulate(self.state.sums, "train/loss", value, output, target)

    def _accumulate(self, sums: dict[str, float], loss_key: str, loss: float, output: Any,
                    target: Any) -> None:
        n = _batch_size(target)
        sums["n"] = sums.get("n", 0.0) + n
        sums[loss_key] = sums.get(loss_key, 0.0) + loss * n
        prefix = loss_key.split("/")[0]
        with torch.no_grad():
            for name, fn in self.metrics.items():
                key = f"{prefix}/{name}"
                sums[key] = sums.get(key, 0.0) + float(fn(output.detach(), target)) * n

    def _optimizer_step(self) -> None:
        if self._pending < self.config.grad_accum_steps:  # mean over the shorter group
            for p in self.model.parameters():
                if p.grad is not None:
                    p.grad.mul_(self.config.grad_accum_steps / self._pending)
        self.callbacks.on_backward_end(self)
        if self.scaler is not None:
            self.scaler.unscale_(self.optimizer)
        grad_norm = None  # the total norm before clipping: free when clipping, else logged
        if self.config.clip_grad_norm is not None:
            grad_norm = nn.utils.clip_grad_norm_(self.model.parameters(),
                                                 self.config.clip_grad_norm)
        elif (self.state.step + 1) % self.config.log_every == 0:
            grad_norm = total_grad_norm(self.model.parameters())
        lr = float(self.optimizer.param_groups[0]["lr"])
        with record_function("dlfs/optimizer_step"):
            try:
                if self.scaler is not None:
                    self.scaler.step(self.optimizer)
                    self.scaler.update()
                else:
                    self.optimizer.step()
            except RuntimeError as exc:  # e.g. Adam's lr / (1 - beta1) beyond float32
                if self.config.nan_guard and "overflow" in str(exc):
                    raise NonFiniteError("weights", self.state.step, self.state.epoch, None,
                                         t("train.nonfinite.overflow", error=str(exc).strip(),
                                           lr=lr)) from exc
                raise
        self.optimizer.zero_grad(set_to_none=True)
        if self.scheduler is not None and self.config.scheduler_interval == "step" \
                and not self._is_plateau():
            self.scheduler.step()
        self.state.step += 1
        loss = self._mean_over_ranks(sum(self._losses) / len(self._losses))
        self._pending, self._losses = 0, []
        self.history.step_loss.append(loss)
        self.history.step_lr.append(lr)
        self.step_seconds = time.perf_counter() - self._step_started
        logs = {"train/loss": loss, "train/lr": lr}
        if grad_norm is not None:
            logs["train/grad_norm"] = float(grad_norm)
        self.callbacks.on_step_end(self, logs)

    def _mean_over_ranks(self, value: float) -> float:
        """The mean of ``value`` over the processes (each saw its own shard's loss)."""
        if self.world_size == 1:
            return value
        import torch.distributed as dist

        total = torch.tensor([value], dtype=torch.float64)
        dist.all_reduce(total)
        return float(total.item()) / self.world_size

    def _is_plateau(self) -> bool:
        return isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)

    # ---- epoch end and validation -----------------------------------------------------------

    def _end_epoch(self) -> None:
        sums = self.state.sums
        if not sums:
            raise ValueError(f"fit: the training loader yielded no batches in epoch "
                             f"{self.state.epoch} (empty data set, or drop_last with too few "
                             "samples?)")
        logs: dict[str, float] = {"epoch": self.state.epoch, "step": self.state.step}
        logs.update({k: v / sums["n"] for k, v in sums.items() if k != "n"})
        if self.val_loader is not None:
            logs.update(self.evaluate(self.val_loader))
        if self.scheduler is not None and self._is_plateau():
            self.scheduler.step(logs[self.monitor])
        elif self.scheduler is not None and self.config.scheduler_interval == "epoch":
            self.scheduler.step()
        self.history.epochs.append(logs)
        self.state.epoch += 1
        self.state.batch_in_epoch, self.state.sums = 0, {}
        self.callbacks.on_epoch_end(self, logs)

    def evaluate(self, loader: Iterable, prefix: str = "val") -> dict[str, float]:
        """Mean loss and metrics over ``loader`` in eval mode under ``no_grad``."""
        sums: dict[str, float] = {}
        with eval_mode(self.model), torch.no_grad():
            for batch in loader:
                batch = move_to(batch, self.device)
                with self.autocast():
                    output, target = self.forward(self.model, batch)
                    loss = self.loss_fn(output, target)
                self._accumulate(sums, f"{prefix}/loss", loss.item(), output, target)
        if not sums:
            raise ValueError(f"evaluate: the {prefix} loader yielded no batches")
        return {k: v / sums["n"] for k, v in sums.items() if k != "n"}

    # ---- checkpoints --------------------------------------------------------------------------

    def checkpoint_payload(self) -> dict[str, Any]:
        """Everything a resume needs (see :func:`dlfs.train.resume.checkpoint_payload`); in
        a multi-process run without the loader's state, which is rank 0's alone (a resume
        replays the epoch's order on each rank instead)."""
        payload = checkpoint_payload(self)
        if self.world_size > 1:
            payload["loader"] = None
        return payload

    def _load_resume(self) -> bool:
        """Restore the newest good checkpoint if resuming; False when starting fresh."""
        if not self.config.resume:
            return False
        _, payload, notes = load_resume_payload(self.config)
        if payload is None:
            self.history.events.extend(notes)
            return False
        changed = restore_trainer(self, payload)
        self.history.events.extend(notes + changed)
        if self.state.batch_in_epoch > 0:
            self._resume = payload
        return True


def fit(model: nn.Module, train_loader: Iterable, *, loss_fn: Callable,
        optimizer: torch.optim.Optimizer, scheduler: Any = None,
        config: TrainConfig | None = None, val_loader: Iterable | None = None,
        metrics: Mapping[str, Metric] | None = None, callbacks: Iterable[Callback] = (),
        forward: Callable[[nn.Module, Any], tuple[Any, Any]] | None = None,
        **options: Any) -> History:
    """Train ``model`` on ``train_loader``; return the :class:`History`.

    Options are the fields of :class:`TrainConfig` (``epochs``, ``max_steps``, ``device``,
    ``grad_accum_steps``, ``clip_grad_norm``, ``amp``, ``log_dir``, ``checkpoint_dir``,
    ``resume``, ``seed`` …), given as keywords or as ``config=`` (keywords override it).
    Batches are ``(x, y)`` pairs: ``output = model(x)`` with ``x`` of shape ``(B, …)`` and
    ``loss_fn(output, y)`` a scalar mean over the batch. ``metrics`` maps names to
    ``fn(output, y) -> batch mean``; they appear as ``train/<name>`` and ``val/<name>``.
    Callbacks get each step's ``train/loss``, ``train/lr`` and ``train/grad_norm`` (the
    total gradient norm before clipping: every step when clipping, else every ``log_every``
    steps); TensorBoard shows them as ``loss/train``, ``opt/lr``, ``opt/grad_norm``
    (:mod:`dlfs.train.tensorboard`).

    >>> model = torch.nn.Linear(3, 1)
    >>> data = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(5)]
    >>> h = fit(model, data, loss_fn=torch.nn.functional.mse_loss,
    ...         optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=2, device="cpu")
    >>> len(h.step_loss), [row["epoch"] for row in h.epochs]
    (10, [0, 1])
    """
    unknown = sorted(set(options) - set(TrainConfig.field_names()))
    if unknown:
        raise TypeError(f"fit: unknown option(s) {unknown}; valid: {TrainConfig.field_names()}")
    config = config.replace(**options) if config is not None else TrainConfig(**options)
    trainer = Trainer(model, train_loader, loss_fn=loss_fn, optimizer=optimizer,
                      config=config, scheduler=scheduler, val_loader=val_loader,
                      metrics=metrics, callbacks=callbacks, forward=forward)
    return trainer.run()
