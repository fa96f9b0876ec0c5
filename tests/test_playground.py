"""Tests of dlfs.playground: timing, inspect, seeds, devices, model_summary, env report."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from torch import nn

from dlfs.playground import (
    bench,
    compare,
    count_linear_flops,
    env_report,
    format_duration,
    format_env_report,
    get_device,
    inspect,
    model_summary,
    seed_everything,
    time_block,
)

# ----------------------------------------------------------------------------- timing


def test_time_block_measures_a_known_sleep(capsys):
    with time_block("nap") as tb:
        time.sleep(0.05)
    assert 0.05 <= tb.elapsed < 0.5
    out = capsys.readouterr().out
    assert re.fullmatch(r"nap: \d+\.\d\d ms\n", out), out


def test_time_block_repeat_reports_per_run_time(capsys):
    with time_block("loop", repeat=4) as tb:
        for _ in range(tb.repeat):
            time.sleep(0.01)
    assert tb.per_repeat == pytest.approx(tb.elapsed / 4)
    assert 0.01 <= tb.per_repeat < 0.2
    assert "per run (4 runs)" in capsys.readouterr().out


def test_time_block_as_decorator_calls_repeat_times():
    calls = []

    @time_block("fn", repeat=3, quiet=True)
    def fn(x):
        calls.append(x)
        return x * 2

    assert fn(5) == 10
    assert calls == [5, 5, 5]
    assert fn.last.elapsed > 0


def test_time_block_rejects_bad_repeat():
    with pytest.raises(ValueError, match="repeat must be >= 1"):
        time_block("x", repeat=0)


def test_format_duration_units():
    assert format_duration(2.0) == "2.00 s"
    assert format_duration(0.0125) == "12.50 ms"
    assert format_duration(3.2e-6) == "3.20 µs"
    assert format_duration(5e-9) == "5 ns"


def test_compare_orders_by_speed_and_prints_ratios(capsys):
    results = compare({"slow": lambda: time.sleep(0.02), "fast": lambda: time.sleep(0.002)},
                      repeat=2, warmup=0)
    assert [r.label for r in results] == ["fast", "slow"]
    assert results[1].min / results[0].min > 2
    out = capsys.readouterr().out
    assert "1.00x" in out and "candidate" in out


def test_bench_and_compare_validate_arguments():
    with pytest.raises(ValueError, match="repeat >= 1"):
        bench(lambda: None, repeat=0)
    with pytest.raises(ValueError, match="candidates is empty"):
        compare({})


# ----------------------------------------------------------------------------- inspect


def test_inspect_reports_every_tensor_field(capsys):
    w = torch.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
    (w * 2).sum().backward()
    info = inspect(w, "w")
    assert info["kind"] == "Tensor"
    assert info["shape"] == (2, 2) and info["dtype"] == "float32" and info["device"] == "cpu"
    assert info["requires_grad"] is True and info["is_leaf"] is True
    assert info["grad_fn"] is None and info["grad"] == (2, 2)
    assert info["stride"] == (2, 1) and info["contiguous"] is True
    assert info["storage_offset"] == 0 and info["numel"] == 4 and info["bytes"] == 16
    assert info["min"] == -2.0 and info["max"] == 4.0 and info["mean"] == 1.5
    assert info["std"] == pytest.approx(float(w.detach().std()))
    assert info["nan"] == 0 and info["inf"] == 0
    out = capsys.readouterr().out
    assert out.startswith("w <Tensor>") and "grad=(2, 2)" in out


def test_inspect_shows_a_0d_gradient_by_its_value(capsys):
    """A 0-d gradient's shape is (), which printed as `grad=()` read as "no gradient"."""
    x = torch.tensor(2.0, requires_grad=True)
    (x * x).backward()
    assert inspect(x, "x")["grad"] == "scalar 4"
    assert "grad=scalar 4" in capsys.readouterr().out
    assert inspect(torch.tensor(2.0, requires_grad=True), show=False)["grad"] is None


def test_inspect_non_leaf_has_grad_fn_and_no_warning():
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    with _no_warnings():
        info = inspect(y, show=False)
    assert info["is_leaf"] is False and info["grad_fn"] == "MulBackward0"
    assert info["grad"] is None


class _no_warnings:
    def __enter__(self):
        import warnings
        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def test_inspect_non_contiguous_view_and_slice():
    base = torch.arange(24.0).reshape(4, 6)
    t = base.t()
    info = inspect(t, show=False)
    assert info["contiguous"] is False and info["stride"] == (1, 6) and info["is_view"]
    assert "shares storage" in info["storage_hint"]
    s = base[1:, 2:]
    sinfo = inspect(s, show=False)
    assert sinfo["storage_offset"] == 8 and sinfo["storage_bytes"] == 24 * 4
    assert sinfo["contiguous"] is False


def test_inspect_counts_nan_and_inf_and_ignores_them_in_stats(capsys):
    t = torch.tensor([1.0, float("nan"), float("inf"), float("-inf"), 3.0])
    info = inspect(t, "t")
    assert info["nan"] == 1 and info["inf"] == 2
    assert info["min"] == 1.0 and info["max"] == 3.0 and info["mean"] == 2.0
    assert "1 NaN and 2 Inf" in capsys.readouterr().out


def test_inspect_meta_tensor_has_no_values():
    info = inspect(torch.empty(2, 3, device="meta"), show=False)
    assert info["device"] == "meta" and info["shape"] == (2, 3) and "min" not in info
    assert "no data" in info["storage_hint"]


def test_inspect_integer_and_bool_tensors():
    info = inspect(torch.tensor([3, 1, 2]), show=False)
    assert info["min"] == 1 and info["max"] == 3 and "mean" not in info
    binfo = inspect(torch.tensor([True, False]), show=False)
    assert binfo["dtype"] == "bool" and "min" not in binfo


def test_inspect_numpy_array_and_shared_memory():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    info = inspect(a, show=False)
    assert info["kind"] == "ndarray" and info["shape"] == (2, 3)
    assert info["stride"] == (3, 1) and info["writeable"] is True
    assert info["mean"] == 2.5
    shared = torch.from_numpy(a).numpy()
    assert inspect(shared, show=False)["is_view"] is True


def test_inspect_module_parameter_and_containers():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    model[2].weight.requires_grad_(False)
    info = inspect(model, show=False)
    assert info["kind"] == "Module[Sequential]"
    assert info["parameters"] == 3 * 4 + 4 + 4 + 4 + 4 * 2 + 2
    assert info["frozen"] == 8 and info["trainable"] == info["parameters"] - 8
    assert info["buffers"] == 4 + 4 + 1
    assert info["children"]["0.weight"]["kind"] == "Parameter"
    nested = inspect({"x": torch.zeros(2), "ys": [np.ones(3), 5]}, show=False)
    assert nested["children"]["ys"]["children"]["[1]"]["value"] == "5"
    assert nested["children"]["x"]["shape"] == (2,)


# ----------------------------------------------------------------------------- seeds, devices


def test_seed_everything_reproduces_all_generators():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    seed_everything(123)
    first = draw()
    seed_everything(123)
    assert draw() == first
    seed_everything(124)
    assert draw() != first


def test_seed_everything_deterministic_flag():
    try:
        seed_everything(0, deterministic=True)
        assert torch.are_deterministic_algorithms_enabled()
    finally:
        torch.use_deterministic_algorithms(False)


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "7", True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="seed must be an int"):
        seed_everything(bad)


def test_get_device():
    assert get_device("cpu") == torch.device("cpu")
    auto = get_device()
    expected = "cuda" if torch.cuda.is_available() else (
        "mps" if torch.backends.mps.is_available() else "cpu")
    assert auto.type == expected
    with pytest.raises(ValueError, match="not a device name"):
        get_device("gpu0")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA message")
def test_get_device_cuda_missing_is_explained():
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        get_device("cuda")


# ----------------------------------------------------------------------------- model_summary


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5),            # 28 -> 24
            nn.ReLU(),
            nn.MaxPool2d(2),               # 24 -> 12
            nn.Conv2d(6, 16, 3, padding=1),  # 12 -> 12
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(3),       # -> 3x3
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16 * 9, 10))

    def forward(self, x):
        return self.head(self.features(x))


def test_model_summary_small_cnn_shapes_and_counts(capsys):
    model = SmallCNN()
    model.head[1].weight.requires_grad_(False)
    model.train()
    summary = model_summary(model, torch.zeros(4, 1, 28, 28), show=True)
    shapes = [(r.name, r.output_shape) for r in summary.rows]
    assert shapes == [
        ("features.0", (4, 6, 24, 24)), ("features.1", (4, 6, 24, 24)),
        ("features.2", (4, 6, 12, 12)), ("features.3", (4, 16, 12, 12)),
        ("features.4", (4, 16, 12, 12)), ("features.5", (4, 16, 12, 12)),
        ("features.6", (4, 16, 3, 3)), ("head.0", (4, 144)), ("head.1", (4, 10)),
    ]
    conv1 = 1 * 6 * 5 * 5 + 6
    conv2 = 6 * 16 * 3 * 3 + 16
    bn = 16 + 16
    linear_w, linear_b = 144 * 10, 10
    assert [r.params for r in summary.rows] == [conv1, 0, 0, conv2, bn, 0, 0, 0,
                                                linear_w + linear_b]
    assert summary.total_params == conv1 + conv2 + bn + linear_w + linear_b
    assert summary.frozen_params == linear_w
    assert summary.trainable_params == summary.total_params - linear_w
    buffers = 16 + 16 + 1
    assert summary.total_bytes == (summary.total_params + buffers) * 4 + 4  # int64 counter
    assert model.training, "model_summary must restore the training mode"
    assert "total params: 2,518" in capsys.readouterr().out


def test_model_summary_depth_and_shape_input():
    model = SmallCNN()
    summary = model_summary(model, (2, 1, 28, 28), depth=1)
    assert [(r.name, r.output_shape) for r in summary.rows] == [
        ("features", (2, 16, 3, 3)), ("head", (2, 10))]
    assert sum(r.params for r in summary.rows) == summary.total_params


# ----------------------------------------------------------------------------- env report


def test_count_linear_flops_counts_the_library_linear_too():
    import dlfs.nn as dnn

    model = nn.Sequential(dnn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    assert count_linear_flops(model, torch.zeros(5, 4)) == 2 * 5 * (4 * 8 + 8 * 2)


def test_env_report_is_healthy_here():
    report = env_report()
    for key in ("python", "torch", "torch_build", "threads", "mkl", "onednn",
                "cuda_available", "mps_available", "default_dtype", "editable_checkout"):
        assert key in report
    assert report["problems"] == []
    assert report["torch"].startswith("2.13.0")
    text = format_env_report(report)
    assert "sanity check       ok" in text


def test_env_report_shows_problems():
    text = format_env_report({"torch": "0.0", "problems": ["BLAS is broken"]})
    assert "PROBLEMS:" in text and "BLAS is broken" in text


def test_importing_playground_has_no_side_effects():
    code = ("import sys, random; state = random.getstate(); out = sys.stdout; "
            "import dlfs.playground; "
            "assert sys.stdout is out; assert random.getstate() == state")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""


def test_python_m_playground_prints_the_report():
    proc = subprocess.run([sys.executable, "-m", "dlfs.playground"], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert "torch" in proc.stdout and "sanity check" in proc.stdout
