"""The demo step both scalar engines run, and the measurements that compare them.

The demo: an MLP 2 -> 16 -> 16 -> 1 (ReLU hidden layers, linear output) scores points of
scikit-learn's two moons, labels ``y = +-1``; the loss is the SVM max-margin (hinge) loss plus
L2 regularisation,

    L = (1/N) sum_i max(0, 1 - y_i s_i) + alpha * sum_p p^2,     alpha = 1e-4,

then one SGD step ``p -= lr * dL/dp``, and the accuracy of the scores. With 100 points that
is about 65,000 scalar nodes per step.

:func:`demo_step` is written once for any scalar engine class (:class:`~dlfs.autograd.Value`
or the baseline :class:`~dlfs.autograd.classic_scalar.ClassicValue`): both see the same data,
the same initial weights and the same floating-point operations, so their losses agree to
rounding. :func:`time_engines` times both with the cyclic garbage collector on and off;
:func:`cycle_garbage_after_step` counts what the collector would have to free after a step.
"""

from __future__ import annotations

import gc
import time
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np

from .classic_scalar import ClassicValue
from .scalar import Value, collector_paused

__all__ = [
    "ALPHA",
    "LR",
    "SIZES",
    "CollectorLog",
    "EngineTimes",
    "ScalarMLP",
    "cycle_garbage_after_step",
    "collector_log",
    "demo_step",
    "initial_weights",
    "time_engines",
    "two_moons",
]

SIZES = (2, 16, 16, 1)
ALPHA = 1e-4  # L2 regularisation strength
LR = 0.1  # SGD step: the loss falls from 1.41 to about 0.2 (accuracy 0.28 -> 0.9) in 30 steps


def two_moons(n: int = 100, seed: int = 1) -> tuple[list[list[float]], list[float]]:
    """``n`` two-moons points (noise 0.1) as lists of floats, and their labels -1.0 / +1.0."""
    from sklearn.datasets import make_moons

    points, labels = make_moons(n_samples=n, noise=0.1, random_state=seed)
    return points.tolist(), (2.0 * labels - 1.0).tolist()


def initial_weights(sizes: tuple[int, ...] = SIZES, seed: int = 0) -> list[list[list[float]]]:
    """Per layer, per neuron: its ``n_in`` weights then its bias, uniform in [-1, 1)."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.0, 1.0, (n_out, n_in + 1)).tolist()
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


class ScalarMLP:
    """An MLP of scalar nodes of class ``engine`` (``Value`` or ``ClassicValue``)."""

    def __init__(self, engine: type, weights: list[list[list[float]]]) -> None:
        self.engine = engine
        self.layers = [[[engine(w) for w in neuron] for neuron in layer] for layer in weights]

    def parameters(self) -> list:
        return [p for layer in self.layers for neuron in layer for p in neuron]

    def __call__(self, x: list[float]):
        """The score of one point: each neuron is ``b + sum_j w_j x_j``, ReLU between layers."""
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = [sum((w * xj for w, xj in zip(neuron[:-1], x)), neuron[-1]) for neuron in layer]
            if i < last:
                x = [v.relu() for v in x]
        return x[0]


def demo_step(model: ScalarMLP, points: list[list[float]], labels: list[float], lr: float,
              *, pause_collector: bool = False) -> tuple[float, float]:
    """One SGD step on the hinge loss + L2; returns (loss, accuracy), both before the update.

    ``pause_collector`` runs the step inside :func:`~dlfs.autograd.scalar.collector_paused`:
    right for ``Value`` (no cycles, nothing for the collector to free), wrong for
    ``ClassicValue`` (its garbage would wait for the next collection).
    """
    with collector_paused() if pause_collector else nullcontext():
        params = model.parameters()
        for p in params:
            p.grad = 0.0
        scores = [model(x) for x in points]
        data_loss = sum((1 + -y * s).relu() for y, s in zip(labels, scores)) * (1.0 / len(points))
        loss = data_loss + ALPHA * sum(p * p for p in params)
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
        right = sum((y > 0) == (s.data > 0) for y, s in zip(labels, scores))
        result = loss.data, right / len(points)
        del scores, data_loss, loss  # free the graph here, still inside the pause
    return result


@dataclass
class EngineTimes:
    """Best milliseconds per demo step of each configuration, and the two ratios claimed."""

    ms: dict[str, float] = field(default_factory=dict)
    n_points: int = 0
    losses: dict[str, list[float]] = field(default_factory=dict)

    @property
    def speedup_shipped(self) -> float:
        """Classic as shipped (collector on) / ours as shipped (collector paused)."""
        return self.ms["classic, collector on"] / self.ms["ours, collector paused"]

    @property
    def speedup_no_collector(self) -> float:
        """Classic / ours, both with the collector off: the engines' own work."""
        return self.ms["classic, collector off"] / self.ms["ours, collector paused"]

    def table(self) -> str:
        from ..textui import table

        rows = [["configuration", "ms/step"]]
        rows += [[name, f"{ms:.1f}"] for name, ms in self.ms.items()]
        rows += [["classic on / ours paused", f"{self.speedup_shipped:.1f}x"],
                 ["classic off / ours paused", f"{self.speedup_no_collector:.2f}x"]]
        return "\n".join([f"demo step: MLP {'-'.join(map(str, SIZES))}, {self.n_points} "
                          "two-moons points, hinge + L2, SGD (best of the repeats)",
                          *table(rows, align="<>")])


def time_engines(n_points: int = 100, repeats: int = 3, lr: float = LR) -> EngineTimes:
    """Time the demo step in four configurations, interleaved ``repeats`` times; keep the
    fastest time of each (the one least disturbed by other processes on the machine).

    Each time is taken as in a training loop, where a step follows another one: the heap is
    collected (``gc.collect()``, outside the clock), one step runs untimed, then the next
    step is timed. (With the collector on, the classic engine's second step is slower than
    its first: the first step's graph is still waiting, as cycles, for the collector.)
    """
    points, labels = two_moons(n_points)
    weights = initial_weights()
    models = {"classic": ScalarMLP(ClassicValue, weights), "ours": ScalarMLP(Value, weights)}
    configs = {  # name: (engine, collector off around the steps, the step's own pause)
        "classic, collector on": ("classic", False, False),
        "classic, collector off": ("classic", True, False),
        "ours, collector on": ("ours", False, False),
        "ours, collector paused": ("ours", False, True),
    }
    result = EngineTimes(ms={name: float("inf") for name in configs}, n_points=n_points,
                         losses={name: [] for name in configs})
    for _ in range(repeats):
        for name, (engine, off, pause) in configs.items():
            gc.collect()
            # "collector off": the clock stops before the collector is switched back on,
            # when the next allocation would set off a collection of the pile of cycles.
            with collector_paused() if off else nullcontext():
                for _ in range(2):  # the second step is timed (ms is kept from it)
                    start = time.perf_counter()
                    loss, _ = demo_step(models[engine], points, labels, lr,
                                        pause_collector=pause)
                    ms = (time.perf_counter() - start) * 1e3
                    result.losses[name].append(loss)
                result.ms[name] = min(result.ms[name], ms)
    gc.collect()
    return result


@dataclass
class CollectorLog:
    """What the cyclic collector did during one demo step (from ``gc.callbacks``)."""

    step_ms: float = 0.0
    runs: dict[int, int] = field(default_factory=lambda: {0: 0, 1: 0, 2: 0})
    ms: dict[int, float] = field(default_factory=lambda: {0: 0.0, 1: 0.0, 2: 0.0})
    freed: dict[int, int] = field(default_factory=lambda: {0: 0, 1: 0, 2: 0})

    @property
    def collector_ms(self) -> float:
        return sum(self.ms.values())

    def summary(self) -> str:
        gens = ", ".join(f"gen {g}: {self.runs[g]} runs, {self.ms[g]:.0f} ms, "
                         f"{self.freed[g]} freed" for g in (0, 1, 2))
        return (f"step {self.step_ms:.0f} ms, {self.collector_ms:.0f} ms of it in the "
                f"collector ({gens})")


def collector_log(engine: type, n_points: int = 100, lr: float = LR) -> CollectorLog:
    """Run two demo steps of ``engine`` with the collector on (as shipped) and log what the
    collector does during the second one: runs, milliseconds and objects freed, per
    generation (0: the youngest objects, 2: a full collection of every tracked object)."""
    points, labels = two_moons(n_points)
    model = ScalarMLP(engine, initial_weights())
    log, started = CollectorLog(), [0.0]

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            g = info["generation"]
            log.runs[g] += 1
            log.ms[g] += (time.perf_counter() - started[0]) * 1e3
            log.freed[g] += info["collected"]

    gc.collect()
    demo_step(model, points, labels, lr)  # the step before, as in a training loop
    gc.callbacks.append(record)
    try:
        start = time.perf_counter()
        demo_step(model, points, labels, lr)
        log.step_ms = (time.perf_counter() - start) * 1e3
    finally:
        gc.callbacks.remove(record)
    gc.collect()
    return log


def cycle_garbage_after_step(engine: type, n_points: int = 100) -> tuple[int, int]:
    """Run one demo step of ``engine`` with the collector paused, then, still paused, ask
    for a collection: returns (unreachable objects it finds, how many are ``engine`` nodes).

    The process's older garbage is collected first; ``gc.DEBUG_SAVEALL`` keeps what the
    collection finds in ``gc.garbage`` long enough to count it, then it is freed. (Counting
    must happen inside the pause: when the collector is switched back on, the very next
    allocation sets off a collection of everything allocated meanwhile.)
    """
    points, labels = two_moons(n_points)
    model = ScalarMLP(engine, initial_weights())
    gc.collect()
    with collector_paused():
        demo_step(model, points, labels, LR, pause_collector=True)
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            found = gc.collect()
            nodes = sum(isinstance(obj, engine) for obj in gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    gc.collect()  # now free them for real
    return found, nodes
