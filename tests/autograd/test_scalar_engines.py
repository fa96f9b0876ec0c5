"""Our scalar engine (Value) against the classic closure-per-node baseline (ClassicValue) on
the demo step, and the collector pause that makes Value's step fast: the same losses and
gradients, the collector's state always restored, and no cycles left by Value (but
plenty left by ClassicValue, which is why the pause is only for Value)."""

from __future__ import annotations

import gc
import math

import pytest

from dlfs.autograd import Value, collector_paused
from dlfs.autograd.classic_scalar import ClassicValue
from dlfs.autograd.scalar_demo import (
    ScalarMLP,
    cycle_garbage_after_step,
    demo_step,
    initial_weights,
    time_engines,
    two_moons,
)


@pytest.fixture(autouse=True)
def _collector_left_on():
    assert gc.isenabled()
    yield
    assert gc.isenabled(), "a test left the garbage collector off"


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def test_both_engines_give_the_same_losses_and_gradients_on_the_demo_step():
    points, labels = two_moons(40)
    weights = initial_weights()
    classic, ours = ScalarMLP(ClassicValue, weights), ScalarMLP(Value, weights)
    for _ in range(3):
        loss_c, acc_c = demo_step(classic, points, labels, 0.1)
        loss_o, acc_o = demo_step(ours, points, labels, 0.1, pause_collector=True)
        assert abs(loss_c - loss_o) < 1e-12 and acc_c == acc_o
        pairs = list(zip(classic.parameters(), ours.parameters()))
        assert len(pairs) == 16 * 3 + 16 * 17 + 1 * 17  # neurons x (inputs + bias)
        assert all(_close(c.grad, o.grad) for c, o in pairs)  # dL/dp of this step
        assert all(_close(c.data, o.data) for c, o in pairs)  # after the update
    assert loss_o < 1.0  # it learns (1.41 at the first step)


def test_demo_step_loss_matches_its_formula():
    points, labels = two_moons(10)
    model = ScalarMLP(Value, initial_weights())
    params = [p.data for p in model.parameters()]
    scores = [model(x).data for x in points]
    expected = (sum(max(0.0, 1 - y * s) for y, s in zip(labels, scores)) / len(points)
                + 1e-4 * sum(p * p for p in params))
    loss, accuracy = demo_step(model, points, labels, 0.1)
    assert math.isclose(loss, expected, rel_tol=1e-12)
    assert accuracy == sum((y > 0) == (s > 0) for y, s in zip(labels, scores)) / len(points)


def test_classic_engine_matches_value_on_every_op():
    def f(a, b):
        return (a * b - a / (b * b + 1.0)).tanh() + (2.0 - a) ** 2 + (-b).relu() + 1.0 / (a + 3.0)

    classic = [ClassicValue(0.7), ClassicValue(-1.3)]
    ours = [Value(0.7), Value(-1.3)]
    out_c, out_o = f(*classic), f(*ours)
    out_c.backward()
    out_o.backward()
    assert out_c.data == out_o.data
    assert all(_close(c.grad, o.grad) for c, o in zip(classic, ours))


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_paused_restores_the_previous_state_even_on_an_exception(enabled):
    if not enabled:
        gc.disable()
    try:
        with pytest.raises(RuntimeError, match="inside"):
            with collector_paused():
                assert not gc.isenabled()
                with collector_paused():  # nests
                    assert not gc.isenabled()
                assert not gc.isenabled()
                raise RuntimeError("inside the pause")
        assert gc.isenabled() is enabled
        with collector_paused():
            pass
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_collector_paused_never_collects(monkeypatch):
    calls = []
    monkeypatch.setattr(gc, "collect", lambda *args: calls.append(args) or 0)
    with collector_paused():
        pass
    points, labels = two_moons(5)
    demo_step(ScalarMLP(Value, initial_weights()), points, labels, 0.1, pause_collector=True)
    assert calls == []


def test_demo_step_under_the_pause_restores_the_collector_on_an_exception():
    model = ScalarMLP(Value, initial_weights())
    with pytest.raises(TypeError):  # a label that is not a number fails inside the step
        demo_step(model, [[0.0, 0.0]], ["up"], 0.1, pause_collector=True)
    assert gc.isenabled()


def test_the_pause_is_safe_for_value_and_not_for_the_classic_engine():
    found, value_nodes = cycle_garbage_after_step(Value, n_points=30)
    assert (found, value_nodes) == (0, 0)  # reference counting already freed the graph
    found, classic_nodes = cycle_garbage_after_step(ClassicValue, n_points=30)
    assert classic_nodes > 10_000  # ~700 nodes per point, each in its own cycle
    assert found > 5 * classic_nodes  # the closure, its cells, the set of parents ...


def test_time_engines_reports_four_configurations_with_matching_losses():
    times = time_engines(n_points=5, repeats=1)
    assert list(times.ms) == ["classic, collector on", "classic, collector off",
                              "ours, collector on", "ours, collector paused"]
    assert all(ms > 0 for ms in times.ms.values())
    assert times.speedup_shipped > 0 and times.speedup_no_collector > 0
    for classic, ours in [("classic, collector on", "ours, collector on"),
                          ("classic, collector off", "ours, collector paused")]:
        assert all(abs(a - b) < 1e-12 for a, b in zip(times.losses[classic],
                                                       times.losses[ours]))
    assert "classic on / ours paused" in times.table()
