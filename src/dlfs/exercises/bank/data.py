"""Exercises on data and the training loop around it: collation, a DataLoader, worker
sharding, one training step, checkpoints that resume exactly, NaN hunting, FLOP counting
and two debugging tools (PyTorch roadmap days 12-15 and 18-21).

The collate function and the loader are compared with ``torch.utils.data`` on the same
samples (and the same seeded generator); the rest assert an invariant: a resumed run equals
an uninterrupted one bit for bit, a training step equals the textbook step on a copy of the
model, every index is loaded by exactly one worker.
"""

from __future__ import annotations

import copy
import math
import operator
import os
import tempfile
from collections import OrderedDict, namedtuple
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils.flop_counter import FlopCounterMode

from ...data import DataLoader as _LibraryLoader
from ...data import default_collate as _library_collate
from ...data import get_worker_info
from ..cases import Case, assert_close, randn, watched
from ..schema import Exercise

# ---- comparing batches ----------------------------------------------------------------------


def _same(ours: Any, ref: Any, where: str) -> None:
    """``ours`` has ``ref``'s structure (container types, dict keys, lengths) and equal leaves
    (tensors: same dtype, shape and values)."""
    if isinstance(ref, Tensor):
        if not isinstance(ours, Tensor):
            raise AssertionError(f"{where}: expected a tensor, got {type(ours).__name__} "
                                 f"{ours!r:.80}")
        if ours.dtype != ref.dtype or ours.shape != ref.shape:
            raise AssertionError(f"{where}: tensor {tuple(ours.shape)} {ours.dtype}, expected "
                                 f"{tuple(ref.shape)} {ref.dtype}")
        if not torch.equal(ours, ref):
            raise AssertionError(f"{where}: values {str(ours.tolist())[:200]}, expected "
                                 f"{str(ref.tolist())[:200]}")
        return
    if type(ours) is not type(ref):
        raise AssertionError(f"{where}: a {type(ours).__name__}, expected a "
                             f"{type(ref).__name__}")
    if isinstance(ref, dict):
        if list(ours) != list(ref):
            raise AssertionError(f"{where}: keys {list(ours)}, expected {list(ref)}")
        for key in ref:
            _same(ours[key], ref[key], f"{where}[{key!r}]")
    elif isinstance(ref, (list, tuple)):
        if len(ours) != len(ref):
            raise AssertionError(f"{where}: length {len(ours)}, expected {len(ref)}")
        for i, (a, b) in enumerate(zip(ours, ref)):
            _same(a, b, f"{where}[{i}]")
    elif ours != ref:
        raise AssertionError(f"{where}: {ours!r}, expected {ref!r}")


# ---- default_collate ------------------------------------------------------------------------

Pair = namedtuple("Pair", ["x", "y"])


def _collate_case(name: str, impl: Any, batch: list[Any]) -> Case:
    def run() -> None:
        want = torch.utils.data.default_collate(copy.deepcopy(batch))
        got = watched(impl)(copy.deepcopy(batch))
        _same(got, want, "batch")
    return Case(name, run)


def collate_cases(impl):
    t = [randn(3, seed=i) for i in range(4)]
    yield _collate_case("2 tensors (3,) float64", impl, [t[0], t[1]])
    yield _collate_case("1 sample (tensor (2, 2), int)", impl, [(randn(2, 2, seed=5), 7)])
    yield _collate_case("3 tuples (float, int, bool)", impl,
                        [(0.5, 1, True), (1.5, -2, False), (2.0, 3, True)])
    yield _collate_case("4 dicts {'x': tensor (3,), 'label': int, 'name': str}", impl,
                        [{"x": t[i], "label": i % 2, "name": f"s{i}"} for i in range(4)])
    yield _collate_case("3 nested samples (dict {'a': tensor (2,) int64, 'b': [int, float]}, "
                        "tensor (1, 3) float32)", impl,
                        [({"a": torch.tensor([i, i + 1]), "b": [i, i / 4]},
                          randn(1, 3, seed=i, dtype=torch.float32)) for i in range(3)])
    yield _collate_case("2 namedtuples Pair(x=tensor (2,), y=float)", impl,
                        [Pair(randn(2, seed=8), 0.25), Pair(randn(2, seed=9), -1.0)])


def _collate_with(tuple_type: type = list, float_dtype: torch.dtype = torch.float64,
                  stack_strings: bool = False):
    """A from-scratch collate with one planted difference (for the bugs below)."""
    def collate(batch):
        elem = batch[0]
        if isinstance(elem, Tensor):
            return torch.stack(batch)
        if isinstance(elem, float):
            return torch.tensor(batch, dtype=float_dtype)
        if isinstance(elem, int):
            return torch.tensor(batch)
        if isinstance(elem, str):
            return " ".join(batch) if stack_strings else list(batch)
        if isinstance(elem, dict):
            return {k: collate([d[k] for d in batch]) for k in elem}
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):
            return type(elem)(*(collate(list(c)) for c in zip(*batch)))
        columns = [collate(list(c)) for c in zip(*batch)]
        return tuple_type(columns) if isinstance(elem, tuple) else columns
    return collate


_collate_tuple_kept = _collate_with(tuple_type=tuple)
_collate_tuple_kept.__doc__ = "Planted bug: a batch of tuples comes back as a tuple, not a list."
_collate_float32 = _collate_with(float_dtype=torch.float32)
_collate_float32.__doc__ = "Planted bug: Python floats become float32 (torch makes float64)."
_collate_joined_strings = _collate_with(stack_strings=True)
_collate_joined_strings.__doc__ = "Planted bug: strings are joined into one string."


# ---- DataLoader -------------------------------------------------------------------------------


# The data sets are plain lists of samples and the custom collate_fn is the builtin `list`:
# the learner's loader runs no checker code, only reads data.


def _rows(n: int, seed: int = 0) -> list[tuple[Tensor, int]]:
    """Sample i is (features (3,) float64, label i): the order can be read off the labels."""
    x = randn(n, 3, seed=seed)
    return [(x[i], i) for i in range(n)]


def _records(n: int) -> list[dict[str, Any]]:
    """Sample i is a dict {'x': (3,), 'y': i, 'id': 'row<i>'}."""
    x = randn(n, 3, seed=5)
    return [{"x": x[i], "y": i, "id": f"row{i}"} for i in range(n)]


def _sample_ids(batches: list[Any]) -> list[list[int]] | None:
    """The sample indices of each batch, read off the labels, when the batches are
    [features, labels] lists (else None)."""
    try:
        return [b[1].tolist() for b in batches]
    except (AttributeError, IndexError, KeyError, TypeError):
        return None


def _loader_case(name: str, impl: Any, dataset: Any, epochs: int = 1,
                 seed: int | None = None, **kwargs: Any) -> Case:
    """Epoch 1 equals torch's DataLoader batch for batch (same seeded generator); later
    epochs (torch's depend on its sampler's internals) must be a new order of distinct
    samples, as many batches as torch's."""
    def run() -> None:
        mine, theirs = dict(kwargs), dict(kwargs)
        if seed is not None:
            mine["generator"] = torch.Generator().manual_seed(seed)
            theirs["generator"] = torch.Generator().manual_seed(seed)
        ref = torch.utils.data.DataLoader(dataset, **theirs)
        loader = watched(impl)(dataset, **mine)
        length = watched(len)(loader)
        if length != len(ref):
            raise AssertionError(f"len(loader) is {length}, expected {len(ref)} batches")
        first: list[int] = []
        for epoch in range(1, epochs + 1):
            got = watched(lambda: list(loader))()
            want = list(ref)
            if epoch == 1:
                ours_ids, ref_ids = _sample_ids(got), _sample_ids(want)
                if ours_ids != ref_ids and ours_ids and len(ours_ids) == len(ref_ids):
                    raise AssertionError(f"epoch 1: the batches hold samples {ours_ids}, "
                                         f"expected {ref_ids} (torch's order)")
                _same(got, want, "epoch 1: the list of batches")
                if epochs > 1:
                    first = [i for batch in got for i in batch[1].tolist()]
                continue
            order = [i for batch in got for i in batch[1].tolist()]
            if len(got) != len(want) or len(set(order)) != len(order):
                raise AssertionError(f"epoch {epoch}: {len(got)} batches holding samples "
                                     f"{order}; expected {len(want)} batches of distinct "
                                     "samples")
            if order == first:
                raise AssertionError(f"epoch {epoch} has the same order as epoch 1; shuffle "
                                     "draws a new order every epoch")
    return Case(name, run)


def loader_cases(impl):
    yield _loader_case("3 samples (tensor (3,), int), batch_size=1", impl, _rows(3))
    yield _loader_case("7 samples, batch_size=3 (a last batch of 1)", impl, _rows(7),
                       batch_size=3)
    yield _loader_case("7 samples, batch_size=3, drop_last=True", impl, _rows(7),
                       batch_size=3, drop_last=True)
    yield _loader_case("5 dict samples {'x', 'y', 'id'}, batch_size=2", impl, _records(5),
                       batch_size=2)
    yield _loader_case("10 samples, batch_size=4, shuffle=True with generator seed 0", impl,
                       _rows(10), batch_size=4, shuffle=True, seed=0)
    yield _loader_case("11 samples, batch_size=3, shuffle, drop_last, seed 7, 2 epochs", impl,
                       _rows(11, seed=1), epochs=2, batch_size=3, shuffle=True,
                       drop_last=True, seed=7)
    yield _loader_case("6 samples, batch_size=4, collate_fn=list (keeps the samples)", impl,
                       _rows(6), batch_size=4, collate_fn=list)


class _LoaderBase:
    """A from-scratch loader for the planted bugs (each overrides one piece)."""

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False,
                 collate_fn=None, generator=None):
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.drop_last, self.generator = drop_last, generator
        self.collate_fn = collate_fn or _library_collate

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return list(range(n))
        torch.empty((), dtype=torch.int64).random_(generator=self.generator)
        return torch.randperm(n, generator=self.generator).tolist()

    def _keep(self, indices):
        return len(indices) == self.batch_size or not self.drop_last

    def __iter__(self):
        order = self._order()
        for start in range(0, len(order), self.batch_size):
            indices = order[start:start + self.batch_size]
            if self._keep(indices):
                yield self.collate_fn([self.dataset[i] for i in indices])


class _LoaderKeepsLast(_LoaderBase):
    """Planted bug: drop_last is ignored when iterating."""

    def _keep(self, indices):
        return True


class _LoaderNoBaseSeed(_LoaderBase):
    """Planted bug: shuffles with the generator but skips the seed torch draws first."""

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return list(range(n))
        return torch.randperm(n, generator=self.generator).tolist()


class _LoaderFloorLength(_LoaderBase):
    """Planted bug: len() always rounds down."""

    def __len__(self):
        return len(self.dataset) // self.batch_size


# ---- worker sharding --------------------------------------------------------------------------


def _round_robin(n: int, bs: int, workers: int, drop_last: bool) -> list[list[int]]:
    """The checker's own table: who loads each batch, batch by batch."""
    full = n // bs if drop_last else -(-n // bs)
    table: list[list[int]] = [[] for _ in range(workers)]
    for j in range(full):
        table[j % workers].extend(range(j * bs, min((j + 1) * bs, n)))
    return table


def _shard_case(impl: Any, n: int, bs: int, workers: int, drop_last: bool = False) -> Case:
    name = (f"{n} samples, batch_size={bs}, {workers} worker(s)"
            + (", drop_last=True" if drop_last else ""))

    def run() -> None:
        f = watched(impl)
        table = _round_robin(n, bs, workers, drop_last)
        got = [f(n, bs, workers, k, drop_last) for k in range(workers)]
        for k in range(workers):
            if list(got[k]) != table[k]:
                raise AssertionError(f"worker {k} of {workers}: {list(got[k])}, expected "
                                     f"{table[k]} (batch j goes to worker j mod {workers})")
        loaded = sorted(i for share in got for i in share)
        expected = list(range((n // bs) * bs if drop_last else n))
        if loaded != expected:
            raise AssertionError(f"over all workers the indices loaded are {loaded}, "
                                 f"expected each of {expected} exactly once")
    return Case(name, run)


class _WhoLoads:
    """Sample i is (i, id of the worker process that loaded it)."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[int, int]:
        info = get_worker_info()
        return i, -1 if info is None else info.id


def _real_workers_case(impl: Any, n: int, bs: int, workers: int) -> Case:
    def run() -> None:
        got = {k: list(watched(impl)(n, bs, workers, k, False)) for k in range(workers)}
        loader = _LibraryLoader(_WhoLoads(n), batch_size=bs, num_workers=workers)
        actual: dict[int, list[int]] = {k: [] for k in range(workers)}
        for indices, worker in loader:
            for i, w in zip(indices.tolist(), worker.tolist()):
                actual[w].append(i)
        for k in range(workers):
            if got[k] != actual[k]:
                raise AssertionError(f"worker {k}: {got[k]}, but the library's DataLoader "
                                     f"with {workers} worker processes gave it {actual[k]}")
    return Case(f"{n} samples, batch_size={bs}, {workers} real worker processes "
                "(the library's DataLoader)", run)


def shard_cases(impl):
    yield _shard_case(impl, 5, 2, 1)
    yield _shard_case(impl, 10, 2, 2)
    yield _shard_case(impl, 11, 3, 3, drop_last=True)
    yield _shard_case(impl, 7, 4, 3)
    yield _shard_case(impl, 17, 2, 4)
    yield _real_workers_case(impl, 9, 2, 2)


def _shard_contiguous(num_samples, batch_size, num_workers, worker_id, drop_last=False):
    """Planted bug: each worker takes a contiguous run of batches."""
    full = num_samples // batch_size if drop_last else -(-num_samples // batch_size)
    per = -(-full // num_workers)
    batches = range(worker_id * per, min((worker_id + 1) * per, full))
    return [i for j in batches for i in range(j * batch_size,
                                              min((j + 1) * batch_size, num_samples))]


def _shard_by_sample(num_samples, batch_size, num_workers, worker_id, drop_last=False):
    """Planted bug: deals out single samples instead of whole batches."""
    n = (num_samples // batch_size) * batch_size if drop_last else num_samples
    return list(range(worker_id, n, num_workers))


def _shard_keeps_last(num_samples, batch_size, num_workers, worker_id, drop_last=False):
    """Planted bug: drop_last is ignored."""
    full = -(-num_samples // batch_size)
    return [i for j in range(worker_id, full, num_workers)
            for i in range(j * batch_size, min((j + 1) * batch_size, num_samples))]


# ---- one training step -------------------------------------------------------------------------


def _net(kind: str, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    if kind == "linear":
        return nn.Linear(4, 3).double()
    layers: list[nn.Module] = [nn.Linear(4, 8)]
    if kind == "bn":
        layers.append(nn.BatchNorm1d(8))
    layers += [nn.ReLU(), nn.Dropout(0.25), nn.Linear(8, 3)]
    return nn.Sequential(*layers).double()


def _optimizer(kind: str, model: nn.Module) -> torch.optim.Optimizer:
    if kind == "adam":
        return torch.optim.Adam(model.parameters(), lr=0.01)
    return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9 if kind == "momentum" else 0)


def _train_step_case(impl: Any, net: str, opt: str, batch: int, steps: int, seed: int) -> Case:
    name = (f"{net} model handed over in eval mode with stale grads, batch {batch}, {opt}, "
            f"{steps} step(s)")

    def run() -> None:
        ours = _net(net, seed).eval()
        ref = copy.deepcopy(ours)
        ours_opt, ref_opt = _optimizer(opt, ours), _optimizer(opt, ref)
        for p in ours.parameters():
            p.grad = torch.full_like(p, 0.5)        # left over from something else
        gen = torch.Generator().manual_seed(seed)
        step = watched(impl, builtins=False)
        for t in range(1, steps + 1):
            x = torch.randn(batch, 4, generator=gen, dtype=torch.float64)
            y = torch.randint(0, 3, (batch,), generator=gen)
            torch.manual_seed(100 + t)               # the same dropout masks on both sides
            got = step(ours, (x, y), ours_opt, nn.functional.cross_entropy)
            torch.manual_seed(100 + t)
            ref.train()
            ref_opt.zero_grad()
            loss = nn.functional.cross_entropy(ref(x), y)
            loss.backward()
            ref_opt.step()
            if not isinstance(got, float):
                raise AssertionError(f"step {t}: returned a {type(got).__name__}, expected the "
                                     "loss as a Python float (loss.item())")
            if abs(got - loss.item()) > 1e-10:
                raise AssertionError(f"step {t}: returned loss {got!r}, expected "
                                     f"{loss.item()!r}")
            if not ours.training:
                raise AssertionError(f"step {t}: the model is in eval mode; a training step "
                                     "runs in train mode (dropout on, batch statistics)")
            for (pname, a), b in zip(ours.state_dict().items(), ref.state_dict().values()):
                if a.is_floating_point():
                    assert_close(a, b, f"step {t}: {pname} after the step")
                elif not torch.equal(a, b):
                    raise AssertionError(f"step {t}: buffer {pname} is {a.tolist()}, expected "
                                         f"{b.tolist()}")
    return Case(name, run)


def train_step_cases(impl):
    yield _train_step_case(impl, "linear", "sgd", 1, 1, seed=1)
    yield _train_step_case(impl, "dropout", "momentum", 5, 3, seed=2)
    yield _train_step_case(impl, "bn", "adam", 6, 2, seed=3)


def _step_without_zero_grad(model, batch, optimizer, loss_fn):
    """Planted bug: gradients of earlier steps pile up."""
    model.train()
    x, y = batch
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _step_in_eval_mode(model, batch, optimizer, loss_fn):
    """Planted bug: trains the model in whatever mode it was handed over in."""
    optimizer.zero_grad()
    x, y = batch
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _step_returns_tensor(model, batch, optimizer, loss_fn):
    """Planted bug: returns the loss tensor, keeping its graph alive."""
    model.train()
    optimizer.zero_grad()
    x, y = batch
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


# ---- checkpoints that resume exactly -----------------------------------------------------------


def _resume_case(impl: Any, net: str, opt: str, k: int, m: int, seed: int) -> Case:
    name = f"{net} model, {opt}: {k} step(s), save, load into fresh objects, {m} more"

    def run() -> None:
        gen = torch.Generator().manual_seed(seed)
        data = [(torch.randn(6, 4, generator=gen, dtype=torch.float64),
                 torch.randint(0, 3, (6,), generator=gen)) for _ in range(k + m)]

        def train(model: nn.Module, optimizer: Any, batches: list) -> None:
            model.train()
            for x, y in batches:
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                optimizer.step()

        torch.manual_seed(seed)
        straight = _net(net, seed)
        straight_opt = _optimizer(opt, straight)
        torch.manual_seed(seed + 1)
        train(straight, straight_opt, data)

        torch.manual_seed(seed)
        first = _net(net, seed)
        first_opt = _optimizer(opt, first)
        torch.manual_seed(seed + 1)
        train(first, first_opt, data[:k])
        ckpt = impl()
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "ckpt.pt")
            watched(ckpt.save, builtins=False)(path, first, first_opt, k)
            if not os.path.exists(path):
                raise AssertionError(f"save() wrote nothing at {path}")
            fresh = _net(net, seed + 50)               # other weights, an optimizer without state
            fresh_opt = _optimizer(opt, fresh)
            torch.manual_seed(12345)                   # as if this were a new process
            got = watched(ckpt.load, builtins=False)(path, fresh, fresh_opt)
        if got != k:
            raise AssertionError(f"load() returned step {got!r}, expected {k} (the step saved)")
        train(fresh, fresh_opt, data[k:])
        for (pname, a), b in zip(fresh.state_dict().items(), straight.state_dict().values()):
            if not torch.equal(a, b):
                diff = (a.double() - b.double()).abs().max().item()
                raise AssertionError(f"{pname} after resuming differs from the uninterrupted run "
                                     f"by up to {diff:.3g}; it must be bitwise equal (model, "
                                     "optimizer state and RNG state all restored?)")
    return Case(name, run)


def checkpoint_cases(impl):
    yield _resume_case(impl, "linear", "sgd", 1, 1, seed=1)
    yield _resume_case(impl, "dropout", "adam", 2, 3, seed=2)
    yield _resume_case(impl, "dropout", "momentum", 3, 2, seed=3)


class _CheckpointNoOptimizer:
    """Planted bug: only the model (and RNG) are saved; Adam's moments restart at zero."""

    def save(self, path, model, optimizer, step):
        torch.save({"model": model.state_dict(), "step": step, "rng": torch.get_rng_state()},
                   path)

    def load(self, path, model, optimizer):
        payload = torch.load(path)
        model.load_state_dict(payload["model"])
        torch.set_rng_state(payload["rng"])
        return payload["step"]


class _CheckpointNoRNG:
    """Planted bug: the random state is not saved, so dropout masks change after resuming."""

    def save(self, path, model, optimizer, step):
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "step": step}, path)

    def load(self, path, model, optimizer):
        payload = torch.load(path)
        model.load_state_dict(payload["model"])
        optimizer.load_state_dict(payload["optimizer"])
        return payload["step"]


class _CheckpointNoStep:
    """Planted bug: the step counter is not saved; training would restart its count at 0."""

    def save(self, path, model, optimizer, step):
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "rng": torch.get_rng_state()}, path)

    def load(self, path, model, optimizer):
        payload = torch.load(path)
        model.load_state_dict(payload["model"])
        optimizer.load_state_dict(payload["optimizer"])
        torch.set_rng_state(payload["rng"])
        return 0


# ---- NaN hunting ------------------------------------------------------------------------------


# Models are built from torch's own layers only (the learner's code runs them); NaN and inf
# come from damaged weights and from nn.Threshold.


def _nan_weight(layer: nn.Module, name: str = "weight") -> nn.Module:
    with torch.no_grad():
        getattr(layer, name).view(-1)[0] = float("nan")
    return layer


def _nan_in_third() -> nn.Module:
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), _nan_weight(nn.Linear(4, 4)),
                         nn.Linear(4, 2))


def _nested() -> nn.Module:
    """block.act turns every value <= 0.1 into +inf."""
    return nn.Sequential(OrderedDict(
        inp=nn.Linear(3, 4),
        block=nn.Sequential(OrderedDict(lin=nn.Linear(4, 4),
                                        act=nn.Threshold(0.1, math.inf))),
        out=nn.Linear(4, 2)))


def _norm_then_gru() -> nn.Module:
    return nn.Sequential(OrderedDict(norm=nn.BatchNorm1d(3),
                                     rnn=_nan_weight(nn.GRU(3, 2), "bias_hh_l0")))


def _hooks(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def _blame_case(name: str, impl: Any, make: Any, x: Tensor, want: str | None,
                train: bool = False) -> Case:
    def run() -> None:
        torch.manual_seed(0)
        model = make().double().train(train)
        hooks = _hooks(model)
        state = {k: v.clone() for k, v in model.state_dict().items()}
        evaluate = operator.methodcaller("__call__", x)        # evaluate(model) is model(x)
        got = watched(impl, builtins=False)(model, evaluate)
        if got != want:
            raise AssertionError(f"returned {got!r}, expected {want!r}")
        if _hooks(model) != hooks:
            raise AssertionError(f"{_hooks(model) - hooks} hook(s) left on the model; remove "
                                 "every hook you registered (handle.remove())")
        for key, value in model.state_dict().items():   # (a damaged weight holds a NaN)
            same = value.isnan().equal(state[key].isnan()) and value.nan_to_num().equal(
                state[key].nan_to_num()) if value.is_floating_point() else value.equal(state[key])
            if not same:
                raise AssertionError(f"{key} changed during the hunt (BatchNorm running "
                                     "statistics?); put the buffers back afterwards")
    return Case(name, run)


def blame_cases(impl):
    x = randn(4, 3, seed=1)
    yield _blame_case("Sequential(Linear, ReLU), x (4, 3): all finite", impl,
                      lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU()), x, None)
    yield _blame_case("Sequential(Linear, ReLU, Linear with a NaN weight, Linear): NaN "
                      "first in '2'", impl, _nan_in_third, x, "'2' (Linear)")
    yield _blame_case("nested: 'block.act' (Threshold to inf) is the first non-finite", impl,
                      _nested, x, "'block.act' (Threshold)")
    yield _blame_case("BatchNorm1d in train mode, then a GRU with a NaN bias (returns a "
                      "tuple)", impl, _norm_then_gru, x, "'rnn' (GRU)", train=True)
    yield _blame_case("the model itself: a GRU with a NaN weight (no children)", impl,
                      lambda: _nan_weight(nn.GRU(3, 2), "weight_ih_l0"), x, "'<model>' (GRU)")


def _blame_with(first: bool = True, check=lambda t: bool(torch.isfinite(t).all()),
                remove: bool = True, restore: bool = True):
    """A from-scratch hunt with one planted difference (for the bugs below)."""
    def blame(model, evaluate):
        found: list[str] = []
        saved = [(b, b.detach().clone()) for b in model.buffers()]

        def tensors(out):
            if isinstance(out, Tensor):
                return [out]
            if isinstance(out, (list, tuple)):
                return [t for o in out for t in tensors(o)]
            return []

        def hook_for(name):
            def hook(module, inputs, output):
                if not all(check(t) for t in tensors(output) if t.is_floating_point()):
                    found.append(f"'{name or '<model>'}' ({type(module).__name__})")
            return hook

        handles = [m.register_forward_hook(hook_for(n)) for n, m in model.named_modules()]
        evaluate(model)
        if remove:
            for h in handles:
                h.remove()
        if restore:
            with torch.no_grad():
                for b, value in saved:
                    b.copy_(value)
        return (found[0] if first else found[-1]) if found else None
    return blame


_blame_last = _blame_with(first=False)
_blame_last.__doc__ = "Planted bug: reports the last non-finite module (often the model)."
_blame_nan_only = _blame_with(check=lambda t: not bool(torch.isnan(t).any()))
_blame_nan_only.__doc__ = "Planted bug: looks for NaN only, so an inf goes unnoticed."
_blame_leaves_hooks = _blame_with(remove=False)
_blame_leaves_hooks.__doc__ = "Planted bug: the hooks stay on the model."
_blame_keeps_buffers = _blame_with(restore=False)
_blame_keeps_buffers.__doc__ = "Planted bug: BatchNorm's running statistics keep the update."


# ---- FLOPs of the Linear layers ---------------------------------------------------------------


def _shared(d: int) -> nn.Module:
    """The same Linear (shared weights) applied twice."""
    lin = nn.Linear(d, d, bias=False)
    return nn.Sequential(lin, nn.Tanh(), lin)


def _flops_case(name: str, impl: Any, make: Any, x: Tensor) -> Case:
    def run() -> None:
        torch.manual_seed(0)
        model = make().double()
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model(x)
        want = counter.get_total_flops()
        hooks = _hooks(model)
        got = watched(impl, builtins=False)(model, x)
        if not isinstance(got, int) or got != want:
            raise AssertionError(f"counted {got!r} FLOPs, torch's FlopCounterMode counts "
                                 f"{want}")
        if _hooks(model) != hooks:
            raise AssertionError("hooks left on the model; remove them when done")
    return Case(name, run)


def flops_cases(impl):
    yield _flops_case("Linear(3, 5), x (3,)", impl, lambda: nn.Linear(3, 5), randn(3))
    yield _flops_case("MLP 4-8-2 with ReLU, x (5, 4)", impl, lambda: nn.Sequential(
        nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), randn(5, 4))
    yield _flops_case("MLP 6-16-16-3 with GELU, bias=False in the middle, x (2, 7, 6)", impl,
                      lambda: nn.Sequential(nn.Linear(6, 16), nn.GELU(),
                                            nn.Linear(16, 16, bias=False), nn.Tanh(),
                                            nn.Linear(16, 3)), randn(2, 7, 6))
    yield _flops_case("nested blocks with LayerNorm, x (3, 5)", impl, lambda: nn.Sequential(
        nn.Sequential(nn.Linear(5, 9), nn.LayerNorm(9)), nn.ReLU(),
        nn.Sequential(nn.Linear(9, 4), nn.Sigmoid())), randn(3, 5))
    yield _flops_case("one Linear(4, 4) applied twice (shared weights), x (6, 4)", impl,
                      lambda: _shared(4), randn(6, 4))


def _flops_with(factor: int = 2, rows_from_first_dim: bool = False, bias: bool = False,
                static: bool = False):
    """A from-scratch counter with one planted difference (for the bugs below)."""
    def count(model, x):
        if static:                  # from the shapes alone: misses a layer used twice
            rows = x.numel() // x.shape[-1]
            return sum(factor * rows * m.in_features * m.out_features
                       for m in model.modules() if isinstance(m, nn.Linear))
        total = 0

        def hook(module, inputs, output):
            nonlocal total
            inp = inputs[0]
            rows = inp.shape[0] if rows_from_first_dim else inp.numel() // module.in_features
            total += factor * rows * module.in_features * module.out_features
            if bias and module.bias is not None:
                total += rows * module.out_features
        handles = [m.register_forward_hook(hook) for m in model.modules()
                   if isinstance(m, nn.Linear)]
        with torch.no_grad():
            model(x)
        for h in handles:
            h.remove()
        return total
    return count


_flops_no_two = _flops_with(factor=1)
_flops_no_two.__doc__ = "Planted bug: counts multiply-adds, not FLOPs (no factor 2)."
_flops_first_dim = _flops_with(rows_from_first_dim=True)
_flops_first_dim.__doc__ = "Planted bug: rows = x.shape[0], ignoring the other dimensions."
_flops_bias = _flops_with(bias=True)
_flops_bias.__doc__ = "Planted bug: counts the bias additions too."
_flops_static = _flops_with(static=True)
_flops_static.__doc__ = "Planted bug: counts each Linear module once, from its shape."


# ---- overfit one batch -----------------------------------------------------------------------


def _overfit_case(impl: Any, sizes: tuple[int, ...], batch: int, steps: int, lr: float,
                  seed: int, below: float) -> Case:
    shape = "-".join(map(str, sizes))
    name = f"MLP {shape}, one batch of {batch}, {steps} steps, lr={lr}"

    def run() -> None:
        torch.manual_seed(seed)
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.Tanh()]
        model = nn.Sequential(*layers[:-1]).double()
        ref = copy.deepcopy(model)
        gen = torch.Generator().manual_seed(seed)
        x = torch.randn(batch, sizes[0], generator=gen, dtype=torch.float64)
        y = torch.randint(0, sizes[-1], (batch,), generator=gen)
        opt = torch.optim.Adam(ref.parameters(), lr=lr)   # first: torch's first optimizer
        want = []                                          # imports torch._dynamo (seconds)
        for _ in range(steps):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(ref(x), y)
            loss.backward()
            opt.step()
            want.append(loss.item())
        got = watched(impl, builtins=False)(model, x, y, steps, lr)
        if not isinstance(got, list) or len(got) != steps:
            raise AssertionError(f"expected a list of {steps} losses, got "
                                 f"{type(got).__name__} of length {len(got)}")
        for t, (a, b) in enumerate(zip(got, want)):
            if not isinstance(a, float) or abs(a - b) > 1e-9 * max(1.0, abs(b)):
                raise AssertionError(f"loss before step {t} is {a!r}, expected {b:.12g} "
                                     "(Adam on cross_entropy(model(x), y), the loss taken "
                                     "before each update)")
        if not got[-1] < below:
            raise AssertionError(f"the last loss is {got[-1]:.4g}, not below {below}: the "
                                 "model cannot even memorise one batch")
    return Case(name, run)


def overfit_cases(impl):
    yield _overfit_case(impl, (4, 3), 4, 30, 0.3, seed=1, below=0.05)
    yield _overfit_case(impl, (4, 16, 3), 8, 40, 0.05, seed=2, below=0.01)
    yield _overfit_case(impl, (6, 32, 32, 5), 10, 40, 0.02, seed=3, below=0.01)


def _overfit_with(zero_grad: bool = True, record_after: bool = False,
                  fresh_optimizer: bool = False):
    """A from-scratch loop with one planted difference (for the bugs below)."""
    def overfit(model, x, y, steps=100, lr=0.01):
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        losses = []
        for _ in range(steps):
            if fresh_optimizer:
                optimizer = torch.optim.Adam(model.parameters(), lr=lr)
            if zero_grad:
                optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            if record_after:
                with torch.no_grad():
                    loss = nn.functional.cross_entropy(model(x), y)
            losses.append(loss.item())
        return losses
    return overfit


_overfit_no_zero_grad = _overfit_with(zero_grad=False)
_overfit_no_zero_grad.__doc__ = "Planted bug: gradients are never cleared."
_overfit_after_step = _overfit_with(record_after=True)
_overfit_after_step.__doc__ = "Planted bug: records the loss after each update."
_overfit_fresh_adam = _overfit_with(fresh_optimizer=True)
_overfit_fresh_adam.__doc__ = "Planted bug: a new Adam every step (its moments never build up)."


# ---- sanity-check a batch ----------------------------------------------------------------------


def _batch_case(name: str, impl: Any, x: Tensor, y: Tensor, num_classes: int,
                bad: bool) -> Case:
    def run() -> None:
        f = watched(impl)
        if not bad:
            got = f(x.clone(), y.clone(), num_classes)
            if got is not None:
                raise AssertionError(f"a good batch: expected None, got {got!r}")
            return
        try:
            f(x.clone(), y.clone(), num_classes)
        except ValueError as exc:
            if not str(exc).strip():
                raise AssertionError("raised ValueError without a message: say what is "
                                     "wrong") from None
            return
        raise AssertionError(f"{name}: expected ValueError, nothing was raised")
    verdict = "raises ValueError" if bad else "passes"
    return Case(f"{name} ({num_classes} classes): {verdict}", run)


def check_batch_cases(impl):
    x, y = randn(4, 2, 2, dtype=torch.float32), torch.tensor([0, 2, 1, 2])
    nan, inf = x.clone(), x.clone()
    nan[1, 0, 1], inf[3, 1, 0] = float("nan"), float("inf")
    cases = [
        ("x (1, 3) float32, y (1,) int64", randn(1, 3, dtype=torch.float32),
         torch.tensor([1]), False),
        ("x (4, 2, 2) float64, y (4,) int64", x.double(), y, False),
        ("labels 0..2, the top class included", x, torch.tensor([2, 2, 0, 1]), False),
        ("x int64 (raw pixels not converted)", torch.arange(16).view(4, 2, 2), y, True),
        ("a NaN in x", nan, y, True),
        ("an inf in x", inf, y, True),
        ("y float32", x, y.float(), True),
        ("y int32", x, y.int(), True),
        ("a label equal to num_classes", x, torch.tensor([0, 3, 1, 2]), True),
        ("a label of -1", x, torch.tensor([0, -1, 1, 2]), True),
        ("x has 4 rows, y 3", x, y[:3], True),
        ("y (4, 1) instead of (4,)", x, y.view(4, 1), True),
    ]
    for name, xs, ys, bad in cases:
        yield _batch_case(name, impl, xs, ys, 3, bad)


def _check_with(negative: bool = True, inf: bool = True, sizes: bool = True,
                int32: bool = True):
    """A checker with one planted gap (for the bugs below)."""
    def check(x, y, num_classes):
        if not x.is_floating_point():
            raise ValueError("x must be floating point")
        if bool(torch.isnan(x).any()) or (inf and bool(torch.isinf(x).any())):
            raise ValueError("x is not finite")
        if y.is_floating_point() or (int32 and y.dtype != torch.int64):
            raise ValueError("y must be int64")
        if y.dim() != 1:
            raise ValueError("y must be 1-D")
        if sizes and x.shape[0] != y.shape[0]:
            raise ValueError("batch sizes differ")
        if int(y.max()) >= num_classes or (negative and int(y.min()) < 0):
            raise ValueError("label out of range")
    return check


_check_no_negative = _check_with(negative=False)
_check_no_negative.__doc__ = "Planted bug: a negative label gets through."
_check_no_inf = _check_with(inf=False)
_check_no_inf.__doc__ = "Planted bug: only NaN is caught, not inf."
_check_no_sizes = _check_with(sizes=False)
_check_no_sizes.__doc__ = "Planted bug: x and y may have different batch sizes."
_check_int32 = _check_with(int32=False)
_check_int32.__doc__ = "Planted bug: any integer dtype passes for y."


# ---- the list ----------------------------------------------------------------------------------

EXERCISES = [
    Exercise(
        id="default_collate", entry="default_collate", lesson="dataset-dataloader",
        at=("pytorch:12",),
        title=("Collate samples into a batch", "把样本整理成批次（collate）"),
        task=("Turn a list of B samples into one batch, following the structure of the first "
              "sample, recursively: tensors of shape (...) are stacked into (B, ...); Python "
              "floats become a float64 tensor (B,), ints an int64 tensor (B,), bools a bool "
              "tensor (B,); strings stay a list of strings; a dict becomes a dict of collated "
              "values, key by key; a namedtuple becomes the same namedtuple of collated fields; "
              "any other tuple or list becomes a list whose item i collates item i of every "
              "sample. Example: [(t0, 1), (t1, 0)] gives [stack([t0, t1]), tensor([1, 0])].",
              "把 B 个样本组成的列表变成一个批次，按第一个样本的结构递归处理：形状 (...) 的张量堆叠"
              "成 (B, ...)；Python float 变成 float64 的 (B,) 张量，int 变成 int64 的 (B,) "
              "张量，bool 变成 bool 张量；字符串保持为字符串列表；字典逐键整理，得到字典；"
              "namedtuple 得到同类型的 namedtuple；其他 tuple 或 list 得到一个列表，第 i 项由"
              "所有样本的第 i 项整理而成。例：[(t0, 1), (t1, 0)] 得到 "
              "[stack([t0, t1]), tensor([1, 0])]。"),
        stub='''
            def default_collate(batch: list):
                """batch: a list of B samples of the same structure; returns one batch, each
                tensor leaf (...) stacked into (B, ...)."""
        ''',
        reference="dlfs.data.collate:default_collate",
        extra_refused=("torch.utils.data",),
        cases=collate_cases,
        mutants={"tuples come back as tuples": _collate_tuple_kept,
                 "floats become float32": _collate_float32,
                 "strings joined": _collate_joined_strings},
        hints=(("Look at elem = batch[0] and branch on its type; containers recurse on the "
                "list of their parts, e.g. default_collate([d[key] for d in batch]).",
                "取 elem = batch[0]，按它的类型分支；容器对各部分组成的列表递归，例如 "
                "default_collate([d[key] for d in batch])。"),
               ("Check namedtuple (hasattr(elem, '_fields')) before plain tuple, and bool "
                "needs no branch of its own: torch.tensor([True, False]) is already bool.",
                "先判断 namedtuple（hasattr(elem, '_fields')）再判断普通 tuple；bool 不需要单独"
                "分支：torch.tensor([True, False]) 本来就是 bool。"),
               ("zip(*batch) turns B samples of k items into k columns of B items.",
                "zip(*batch) 把 B 个各有 k 项的样本变成 k 列、每列 B 项。")),
    ),
    Exercise(
        id="dataloader", entry="DataLoader", lesson="dataset-dataloader", at=("pytorch:12",),
        title=("A DataLoader: order, batches, collation", "DataLoader：顺序、分批与整理"),
        task=("Write DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False, "
              "collate_fn=None, generator=None) for a map-style data set (len(dataset) and "
              "dataset[i]). Iterating over it gives one epoch: the indices 0..N-1, or with "
              "shuffle a new random order each epoch, cut into batches of batch_size (the last "
              "one shorter, or dropped with drop_last); each batch is "
              "collate_fn([dataset[i] for i in batch]), default_collate when collate_fn is "
              "None. len(loader) is the number of batches: ceil(N / B), or N // B with "
              "drop_last. To reproduce torch's order for a seeded generator, each shuffled "
              "epoch first draws one number, torch.empty((), dtype=torch.int64).random_("
              "generator=generator) (torch's loader draws its workers' base seed), then takes "
              "the order torch.randperm(N, generator=generator).",
              "实现 DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False, "
              "collate_fn=None, generator=None)，用于 map 式数据集（有 len(dataset) 和 "
              "dataset[i]）。遍历它得到一个 epoch：下标 0..N-1，若 shuffle 则每个 epoch "
              "一个新的随机顺序，再按 batch_size 切成批次（最后一批可以较短，drop_last 时丢弃）；"
              "每个批次是 collate_fn([dataset[i] for i in batch])，collate_fn 为 None 时用 "
              "default_collate。"
              "len(loader) 是批次数：ceil(N / B)，drop_last 时为 N // B。要在给定种子的 "
              "generator 下复现 torch 的顺序：每个打乱的 epoch 先抽一个数 "
              "torch.empty((), dtype=torch.int64).random_(generator=generator)（torch 的 "
              "loader 用它作 worker 的基础种子），再用 torch.randperm(N, generator=generator) "
              "作为顺序。"),
        stub='''
            class DataLoader:
                def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False,
                             drop_last: bool = False, collate_fn=None,
                             generator: torch.Generator | None = None):
                    """Keep the settings; nothing is loaded yet."""

                def __len__(self) -> int:
                    """The number of batches in one epoch."""

                def __iter__(self):
                    """Yield the batches of one epoch, each collate_fn(list of samples)."""
        ''',
        imports=("from dlfs.data.collate import default_collate",),
        allowed=("dlfs.data.collate:default_collate",),
        reference="dlfs.data.loader:DataLoader",
        extra_refused=("torch.utils.data",),
        cases=loader_cases,
        mutants={"drop_last ignored": _LoaderKeepsLast,
                 "no base-seed draw before the permutation": _LoaderNoBaseSeed,
                 "len() rounds down": _LoaderFloorLength},
        hints=(("Make __iter__ a generator: compute the epoch's order, then loop over it in "
                "steps of batch_size and yield each collated batch.",
                "把 __iter__ 写成生成器：先算出本 epoch 的顺序，再按 batch_size 步长遍历，"
                "逐批 yield 整理好的批次。"),
               ("Ceil without floats: (N + B - 1) // B.",
                "不用浮点数的向上取整：(N + B - 1) // B。"),
               ("The order is drawn when iteration starts (inside __iter__), so each epoch "
                "differs and two loaders with equally seeded generators agree.",
                "顺序在开始遍历时（__iter__ 里）抽取，这样每个 epoch 都不同，而种子相同的两个 "
                "loader 结果一致。")),
    ),
    Exercise(
        id="worker_indices", entry="worker_indices", lesson="dataloader-workers",
        at=("pytorch:18",),
        title=("Which samples each DataLoader worker loads", "每个 DataLoader worker 加载哪些样本"),
        task=("With num_workers = W, the library's DataLoader (like torch's) sends whole "
              "batches to the workers in turn: batch j goes to worker j mod W. For an "
              "unshuffled epoch over num_samples samples in batches of batch_size (the last "
              "batch shorter, or dropped with drop_last), return the dataset indices that "
              "worker worker_id loads, in the order it loads them. Over all workers every index "
              "of the epoch must appear exactly once. Example: 10 samples, batch_size 2, 2 "
              "workers: worker 0 loads [0, 1, 4, 5, 8, 9], worker 1 loads [2, 3, 6, 7].",
              "num_workers = W 时，本库的 DataLoader（和 torch 的一样）把整个批次轮流分给各个 "
              "worker：第 j 个批次交给 worker j mod W。对一个不打乱的 epoch（num_samples 个样本，"
              "每批 batch_size 个，最后一批可以较短，drop_last 时丢弃），返回 worker_id 号 worker "
              "加载的数据集下标，按它加载的顺序。所有 worker 合起来，本 epoch 的每个下标必须恰好"
              "出现一次。例：10 个样本、batch_size 2、2 个 worker：worker 0 加载 "
              "[0, 1, 4, 5, 8, 9]，worker 1 加载 [2, 3, 6, 7]。"),
        stub='''
            def worker_indices(num_samples: int, batch_size: int, num_workers: int,
                               worker_id: int, drop_last: bool = False) -> list[int]:
                """worker_indices(10, 2, 2, 0) == [0, 1, 4, 5, 8, 9]"""
        ''',
        reference="dlfs.data.loader:worker_indices",
        cases=shard_cases,
        mutants={"contiguous runs of batches": _shard_contiguous,
                 "samples dealt out one by one": _shard_by_sample,
                 "drop_last ignored": _shard_keeps_last},
        hints=(("First list the batches of the epoch, [[0, 1], [2, 3], ...], dropping a short "
                "last one if drop_last.",
                "先列出本 epoch 的所有批次 [[0, 1], [2, 3], ...]，drop_last 时去掉较短的"
                "最后一批。"),
               ("Worker k takes batches k, k + W, k + 2W, ...: a slice batches[k::W], then "
                "flatten it.",
                "worker k 拿第 k、k + W、k + 2W …… 个批次：切片 batches[k::W]，再展平。")),
    ),
    Exercise(
        id="train_step", entry="train_step", lesson="train-template", at=("pytorch:14",),
        title=("One training step", "一个训练步"),
        task=("Write train_step(model, batch, optimizer, loss_fn): put the model in train mode "
              "(dropout on, BatchNorm using batch statistics), clear the old gradients through "
              "the optimizer, compute loss = loss_fn(model(x), y) for batch = (x, y), "
              "backpropagate, take one optimizer step, and return the loss as a Python float. "
              "The model may arrive in eval mode and with stale gradients.",
              "实现 train_step(model, batch, optimizer, loss_fn)：把模型设为训练模式（dropout "
              "打开，BatchNorm 用批次统计量），通过优化器清掉旧梯度，对 batch = (x, y) 计算 "
              "loss = loss_fn(model(x), y)，反向传播，让优化器走一步，最后以 Python float 返回"
              "损失。传进来的模型可能处于 eval 模式，也可能带着过期的梯度。"),
        stub='''
            def train_step(model: nn.Module, batch: tuple[Tensor, Tensor], optimizer,
                           loss_fn) -> float:
                """batch = (x (B, ...), y (B, ...)); returns the batch loss before the step."""
        ''',
        reference="dlfs.train.steps:train_step",
        builtins_ok=True,
        cases=train_step_cases,
        mutants={"no zero_grad": _step_without_zero_grad,
                 "model left in eval mode": _step_in_eval_mode,
                 "returns the loss tensor": _step_returns_tensor},
        hints=(("Five lines: model.train(); optimizer.zero_grad(); loss = ...; "
                "loss.backward(); optimizer.step().",
                "五行：model.train()；optimizer.zero_grad()；loss = ...；loss.backward()；"
                "optimizer.step()。"),
               ("loss.item() gives the float and lets the graph be freed.",
                "loss.item() 得到 float，计算图也就可以释放了。")),
    ),
    Exercise(
        id="checkpoint_resume", entry="Checkpointer", lesson="save-load-resume",
        at=("pytorch:13",),
        title=("Checkpoints that resume exactly", "可精确续训的检查点"),
        task=("Write Checkpointer with save(path, model, optimizer, step), which writes one "
              "file, and load(path, model, optimizer) -> step, which restores it into freshly "
              "built objects. The check trains k steps, saves, loads into a new model and a new "
              "optimizer (other weights, no optimizer state, a different random state), trains "
              "m more steps, and requires the weights to equal, bit for bit, those of k + m "
              "uninterrupted steps. So save the model's and the optimizer's state_dict, the "
              "step, and torch's random state (dropout draws from it).",
              "实现 Checkpointer：save(path, model, optimizer, step) 写出一个文件，"
              "load(path, model, optimizer) -> step 把它恢复到新建的对象里。检查时先训练 k 步、"
              "保存，再载入到新的模型和新的优化器（权重不同、没有优化器状态、随机状态也不同），"
              "再训练 m 步，要求权重与不间断训练 k + m 步的结果逐位相同。所以要保存模型和优化器的 "
              "state_dict、步数，以及 torch 的随机状态（dropout 从中取随机数）。"),
        stub='''
            class Checkpointer:
                def save(self, path: str, model: nn.Module, optimizer, step: int) -> None:
                    """Write everything needed to continue training to `path`."""

                def load(self, path: str, model: nn.Module, optimizer) -> int:
                    """Restore model, optimizer and random state from `path`; return the step."""
        ''',
        reference="dlfs.train.checkpoint:Checkpointer",
        builtins_ok=True,
        cases=checkpoint_cases,
        mutants={"optimizer state not saved": _CheckpointNoOptimizer,
                 "random state not saved": _CheckpointNoRNG,
                 "step not saved": _CheckpointNoStep},
        hints=(("torch.save a dict: {'model': model.state_dict(), 'optimizer': "
                "optimizer.state_dict(), 'step': step, ...}; torch.load reads it back.",
                "用 torch.save 存一个字典：{'model': model.state_dict(), 'optimizer': "
                "optimizer.state_dict(), 'step': step, ...}；torch.load 读回来。"),
               ("Adam keeps running moments: without optimizer.load_state_dict the next steps "
                "differ.",
                "Adam 保存着滑动矩估计：不调用 optimizer.load_state_dict，后面的步就会不同。"),
               ("torch.get_rng_state() / torch.set_rng_state(...) carry the random state, so "
                "the dropout masks after resuming are the ones the long run drew.",
                "torch.get_rng_state() / torch.set_rng_state(...) 负责随机状态，续训后的 dropout "
                "掩码才会与一口气训练时相同。")),
    ),
    Exercise(
        id="first_nonfinite_module", entry="blame_evaluation", lesson="nan-hunting",
        at=("pytorch:15",),
        title=("Find the first module that outputs NaN/inf", "找出第一个输出 NaN/inf 的模块"),
        task=("Write blame_evaluation(model, evaluate): register a forward hook on every module "
              "of model.named_modules() (the model itself is named ''), run evaluate(model) "
              "once, and return the module whose output first held NaN or inf, in the order "
              "the outputs were produced (a child finishes before its parent), as "
              "\"'name' (ClassName)\", with '<model>' for the model itself; None if every output "
              "was finite. An output may be a tensor or a tuple/list/dict of them; integer "
              "tensors count as finite. Afterwards remove every hook and put the buffers "
              "(BatchNorm's running statistics) back to their values before the call.",
              "实现 blame_evaluation(model, evaluate)：在 model.named_modules() 的每个模块上注册"
              "前向钩子（模型本身的名字是 ''），运行一次 evaluate(model)，按输出产生的先后顺序"
              "（子模块先于父模块完成），返回第一个输出含 NaN 或 inf 的模块，格式为 "
              "\"'name' (ClassName)\"，模型本身写作 '<model>'；所有输出都有限时返回 None。"
              "输出可能是张量，也可能是张量组成的 tuple/list/dict；整数张量视为有限。结束后删掉"
              "所有钩子，并把缓冲区（BatchNorm 的滑动统计量）恢复到调用之前的值。"),
        stub='''
            def blame_evaluation(model: nn.Module, evaluate) -> str | None:
                """evaluate(model) runs the forward pass(es); returns e.g. "'block.fc' (Linear)"
                or None."""
        ''',
        reference="dlfs.train.nan_guard:blame_evaluation",
        builtins_ok=True,
        cases=blame_cases,
        mutants={"reports the last non-finite module": _blame_last,
                 "NaN only, inf missed": _blame_nan_only,
                 "hooks left on the model": _blame_leaves_hooks,
                 "buffers not restored": _blame_keeps_buffers},
        hints=(("module.register_forward_hook(fn) calls fn(module, inputs, output) after each "
                "forward and returns a handle; keep the handles and call handle.remove() in a "
                "finally block.",
                "module.register_forward_hook(fn) 在每次前向后调用 fn(module, inputs, output)，"
                "并返回一个句柄；保存这些句柄，在 finally 里调用 handle.remove()。"),
               ("Keep only the first bad label: set it when it is still None.",
                "只保留第一个出问题的标签：仅当它还是 None 时才赋值。"),
               ("Save [(b, b.detach().clone()) for b in model.buffers()] before, and copy_ "
                "the values back under torch.no_grad() after.",
                "事先保存 [(b, b.detach().clone()) for b in model.buffers()]，结束后在 "
                "torch.no_grad() 下用 copy_ 写回。")),
    ),
    Exercise(
        id="count_linear_flops", entry="count_linear_flops", lesson="profiling",
        at=("pytorch:19",),
        title=("Count the FLOPs of the Linear layers", "统计 Linear 层的浮点运算量"),
        task=("Write count_linear_flops(model, x): run model(x) once with a forward hook on "
              "every nn.Linear in the model and return the total floating-point operations of "
              "their matrix products, as an int. A Linear(in, out) applied to an input "
              "(*, in) costs 2 * R * in * out, where R is the product of the leading "
              "dimensions * (1 for a 1-D input): one multiply and one add per term. The bias "
              "addition is not counted (as in torch.utils.flop_counter). A layer used twice "
              "counts twice. Remove the hooks afterwards.",
              "实现 count_linear_flops(model, x)：在模型中每个 nn.Linear 上挂前向钩子，运行一次 "
              "model(x)，以 int 返回它们矩阵乘法的浮点运算总数。Linear(in, out) 作用在 "
              "(*, in) 的输入上的开销是 2 * R * in * out，R 是前面各维 * 的乘积（1 维输入为 1）："
              "每一项一次乘法加一次加法。偏置的加法不计（与 torch.utils.flop_counter 一致）。"
              "同一层用两次就计两次。结束后移除钩子。"),
        stub='''
            def count_linear_flops(model: nn.Module, x: Tensor) -> int:
                """x: the model's input; returns the FLOPs of all nn.Linear calls in
                model(x)."""
        ''',
        reference="dlfs.playground.flops:count_linear_flops",
        builtins_ok=True,
        extra_refused=("torch.utils.flop_counter",),
        cases=flops_cases,
        mutants={"no factor 2": _flops_no_two,
                 "rows from the first dimension only": _flops_first_dim,
                 "bias additions counted": _flops_bias,
                 "each module counted once from its shape": _flops_static},
        hints=(("The hook sees the actual input: inputs[0].numel() // module.in_features "
                "is R, whatever the number of leading dimensions.",
                "钩子能看到实际输入：inputs[0].numel() // module.in_features 就是 R，"
                "不论前面有几维。"),
               ("A hook is a closure: keep the running total in a variable of the enclosing "
                "function (nonlocal) or in a list.",
                "钩子是闭包：把累计值放在外层函数的变量里（nonlocal）或放进一个列表。")),
    ),
    Exercise(
        id="overfit_one_batch", entry="overfit_one_batch", lesson="debugging-drill",
        at=("pytorch:20",),
        title=("Overfit one batch", "在一个批次上过拟合"),
        task=("The first probe of a broken pipeline: a healthy model can memorise a single "
              "batch. Write overfit_one_batch(model, x, y, steps, lr): create "
              "torch.optim.Adam(model.parameters(), lr=lr), then for each of `steps` steps "
              "clear the gradients, compute loss = cross_entropy(model(x), y) on the same "
              "batch, backpropagate and step. Return the list of the `steps` losses, each "
              "taken before its update, as floats. The check compares the curve with a "
              "reference run and requires the last loss to be close to zero.",
              "排查坏掉的训练流程时的第一个探针：健康的模型能记住一个批次。实现 "
              "overfit_one_batch(model, x, y, steps, lr)：建立 torch.optim.Adam("
              "model.parameters(), lr=lr)，然后做 steps 步：每步清梯度，在同一批数据上计算 "
              "loss = cross_entropy(model(x), y)，反向传播并更新。以 float 列表返回这 steps 个"
              "损失，每个都取自更新之前。检查会把曲线与参考运行对比，并要求最后的损失接近零。"),
        stub='''
            def overfit_one_batch(model: nn.Module, x: Tensor, y: Tensor, steps: int = 100,
                                  lr: float = 0.01) -> list[float]:
                """x (B, features), y (B,) class indices; returns `steps` losses."""
        ''',
        reference="dlfs.train.debugging:overfit_one_batch",
        builtins_ok=True,
        cases=overfit_cases,
        mutants={"gradients never cleared": _overfit_no_zero_grad,
                 "loss recorded after the update": _overfit_after_step,
                 "a new optimizer every step": _overfit_fresh_adam},
        hints=(("Create the optimizer once, before the loop: Adam's moments must build up "
                "across steps.",
                "优化器在循环之前只建一次：Adam 的矩估计要跨步累积。"),
               ("Append loss.item() of the forward you backpropagate through; that is the "
                "loss before the update.",
                "记录的是你用来反向传播的那次前向的 loss.item()，也就是更新之前的损失。")),
    ),
    Exercise(
        id="check_batch", entry="check_batch", lesson="debug-checklist-review",
        at=("pytorch:21",),
        title=("Sanity-check a classification batch", "检查一个分类批次是否合法"),
        task=("Before blaming the model, check the data. Write check_batch(x, y, num_classes) "
              "for a classification batch and raise ValueError, with a message saying what is "
              "wrong, when: x is not floating point; x holds NaN or inf; y is not int64; y is "
              "not 1-D; x and y have different batch sizes (x.shape[0] vs y.shape[0]); a label "
              "lies outside [0, num_classes). Return None when the batch is fine.",
              "怪模型之前先查数据。为分类批次实现 check_batch(x, y, num_classes)，在以下情况"
              "抛出 ValueError 并在消息里说明问题：x 不是浮点类型；x 含 NaN 或 inf；y 不是 int64；"
              "y 不是一维；x 与 y 的批大小不同（x.shape[0] 与 y.shape[0]）；有标签不在 "
              "[0, num_classes) 内。批次没问题时返回 None。"),
        stub='''
            def check_batch(x: Tensor, y: Tensor, num_classes: int) -> None:
                """x (B, ...) floating, y (B,) int64 in [0, num_classes); raise ValueError
                otherwise."""
        ''',
        reference="dlfs.train.debugging:check_batch",
        cases=check_batch_cases,
        mutants={"negative labels pass": _check_no_negative,
                 "inf passes": _check_no_inf,
                 "batch sizes not compared": _check_no_sizes,
                 "int32 labels pass": _check_int32},
        hints=(("x.is_floating_point(), torch.isfinite(x).all(), y.dtype == torch.int64 and "
                "y.dim() == 1 cover the first four checks.",
                "x.is_floating_point()、torch.isfinite(x).all()、y.dtype == torch.int64 和 "
                "y.dim() == 1 对应前四项检查。"),
               ("Labels: compare y.min() with 0 and y.max() with num_classes - both ends.",
                "标签：y.min() 与 0 比较，y.max() 与 num_classes 比较——两端都要查。")),
    ),
]
