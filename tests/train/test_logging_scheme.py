"""The naming scheme every run logs in (dlfs.train.tensorboard), the shared RunReport callback
(samples, hparams, curves.png) and the trainer's console lines through the catalogue."""

from __future__ import annotations

import io

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader as TorchLoader
from torch.utils.data import TensorDataset as TorchTensorDataset

from dlfs.train import (
    Callback,
    PeriodicEval,
    PrintCurves,
    ProgressBar,
    RunReport,
    TensorBoardLogger,
    fit,
)
from dlfs.train.loop import total_grad_norm
from dlfs.train.tensorboard import LAYOUT, scheme_tag


def _events(folder):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(folder), size_guidance={"images": 0, "tensors": 0})
    acc.Reload()
    return acc


class NormBeforeClip(Callback):
    """The total gradient norm each step sees before clipping."""

    def __init__(self):
        self.norms = []

    def on_backward_end(self, trainer):
        self.norms.append(float(total_grad_norm(trainer.model.parameters())))


def _tiny_run(tiny, tmp_path, capsys=None, **options):
    x, y = tiny.data()
    model = tiny.model()
    loader = TorchLoader(TorchTensorDataset(x, y), batch_size=16)
    norms = NormBeforeClip()
    evaluator = PeriodicEval(3, lambda m: nn.functional.mse_loss(m(x), y).item(), tag="val/loss")
    report = RunReport(tmp_path / "run", every=3, text=lambda m: "line one\nline two",
                       grid=lambda m: torch.full((1, 8, 8), 0.5),
                       hparams={"lr": 0.05, "widths": (8, 16), "clip": None},
                       metrics=("loss/val", "val/never_logged"), title="tiny")
    hist = fit(model, loader, loss_fn=nn.functional.mse_loss,
               optimizer=torch.optim.SGD(model.parameters(), lr=0.05),
               scheduler=None, epochs=2, device="cpu",
               log_dir=tmp_path / "run" / "tensorboard",
               callbacks=[norms, evaluator, report, PrintCurves()], **options)
    return hist, norms, report


def test_one_fit_writes_every_tag_of_the_scheme(tmp_path, tiny, capsys):
    hist, norms, report = _tiny_run(tiny, tmp_path, clip_grad_norm=0.5)
    acc = _events(tmp_path / "run" / "tensorboard")
    scalars = set(acc.Tags()["scalars"])
    assert {"loss/train", "loss/val", "opt/lr", "opt/grad_norm", "perf/samples_per_s",
            "loss/train_epoch"} <= scalars
    assert not {"train/loss", "val/loss", "train/lr"} & scalars        # the old names are gone
    steps = list(range(1, 9))
    assert [e.step for e in acc.Scalars("loss/train")] == steps
    assert [e.value for e in acc.Scalars("loss/train")] == pytest.approx(hist.step_loss)
    assert [e.value for e in acc.Scalars("opt/lr")] == [pytest.approx(0.05)] * 8
    # the norm before clipping (clip 0.5 changes the gradients, not what is logged)
    assert [e.value for e in acc.Scalars("opt/grad_norm")] == pytest.approx(norms.norms,
                                                                            rel=1e-5)
    assert max(norms.norms) > 0.5
    assert all(e.value > 0 for e in acc.Scalars("perf/samples_per_s"))
    # PeriodicEval every 3 steps and at the end; the epoch validation would be val/loss too
    assert [e.step for e in acc.Scalars("loss/val")] == [3, 6, 8]
    # samples at each evaluation and at the end
    texts = acc.Tensors("samples/text/text_summary")
    assert [e.step for e in texts] == [3, 6, 8]
    assert texts[0].tensor_proto.string_val[0].decode() == "    line one\n    line two"
    assert [e.step for e in acc.Images("samples/grid")] == [3, 6, 8]
    # curves.png, and its line
    assert report.curves_path == tmp_path / "run" / "curves.png"
    assert report.curves_path.stat().st_size > 1000
    assert f"curves: {report.curves_path}" in capsys.readouterr().out


def test_hparams_and_the_custom_scalars_layout(tmp_path, tiny):
    from tensorboard.plugins.custom_scalar import layout_pb2
    from tensorboard.plugins.hparams import plugin_data_pb2

    _tiny_run(tiny, tmp_path)
    acc = _events(tmp_path / "run" / "tensorboard")
    content = acc.PluginTagToContent("hparams")
    experiment = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/experiment"]).experiment
    assert [m.name.tag for m in experiment.metric_infos] == ["loss/val"]   # logged ones only
    start = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_start_info"]).session_start_info
    assert start.hparams["lr"].number_value == pytest.approx(0.05)
    assert start.hparams["widths"].string_value == "(8, 16)"
    assert start.hparams["clip"].string_value == "None"
    layout = layout_pb2.Layout()
    tensor = acc.Tensors("custom_scalars__config__")[0].tensor_proto
    layout.ParseFromString(tensor.string_val[0])
    chart = layout.category[0].chart[0]
    assert list(chart.multiline.tag) == LAYOUT["loss"]["loss/train and loss/val"][1]


def test_grad_norm_is_measured_without_clipping_and_changes_nothing(tmp_path, tiny):
    plain, _, _ = _tiny_run(tiny, tmp_path / "a")
    hist, norms, _ = _tiny_run(tiny, tmp_path / "b")
    assert hist.step_loss == plain.step_loss
    acc = _events(tmp_path / "b" / "run" / "tensorboard")
    assert [e.value for e in acc.Scalars("opt/grad_norm")] == pytest.approx(norms.norms,
                                                                            rel=1e-5)


def test_tokens_per_second_counts_every_token(tmp_path):
    from dlfs.train.tensorboard import count_units

    ids = torch.zeros(3, 5, dtype=torch.long)
    assert count_units((ids, ids), "tokens") == 15 and count_units({"x": ids}, "samples") == 3
    logger = TensorBoardLogger(str(tmp_path), throughput="tokens")
    assert logger.throughput_tag == "perf/tokens_per_s"
    with pytest.raises(ValueError, match="throughput"):
        TensorBoardLogger(str(tmp_path), throughput="words")


def test_scheme_tags():
    assert [scheme_tag(k) for k in ("train/loss", "val/loss", "train/lr", "train/grad_norm",
                                    "val/accuracy", "dpo/reward_margin")] == [
        "loss/train", "loss/val", "opt/lr", "opt/grad_norm", "val/accuracy",
        "dpo/reward_margin"]


def test_console_lines_in_chinese(tmp_path, tiny, capsys, monkeypatch):
    monkeypatch.setenv("DLFS_LANG", "zh")
    bar = io.StringIO()
    x, y = tiny.data()
    model = tiny.model()
    fit(model, [(x, y)], loss_fn=nn.functional.mse_loss,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.05), epochs=2, device="cpu",
        log_dir=tmp_path / "tensorboard",
        callbacks=[ProgressBar(enabled=True, file=bar), RunReport(tmp_path), PrintCurves()])
    out = capsys.readouterr().out
    assert out.startswith("曲线：") and "随步数的变化" in out
    assert "损失=" in bar.getvalue() and "学习率=" in bar.getvalue() and "步" in bar.getvalue()


def test_errors_and_notes_of_the_trainer_in_chinese(tmp_path, monkeypatch):
    import re

    from dlfs.train import CheckpointManager, EarlyStopping, NonFiniteError, load_checkpoint
    from dlfs.train.checkpoint import CorruptCheckpointError

    monkeypatch.setenv("DLFS_LANG", "zh")
    texts = [str(NonFiniteError(kind, 3, 0, None, "x")) for kind in
             ("loss", "gradient", "weights", "evaluation")]
    assert texts[0].startswith("第 3 步（第 0 轮）出现非有限的损失（NaN/Inf）：最早出现在没有模块输出")
    (tmp_path / "step-00000001.pt").write_bytes(b"")
    with pytest.raises(CorruptCheckpointError) as err:
        load_checkpoint(tmp_path / "step-00000001.pt")
    texts.append(str(err.value))
    assert "无法使用：文件是空的（0 字节）" in texts[-1]
    _, payload, problems = CheckpointManager(tmp_path).load_latest()
    assert payload is None and problems == texts[-1:]
    stop = EarlyStopping("val/loss", patience=1)

    class Run:                                       # what EarlyStopping reads of a trainer
        should_stop = False

        class history:                               # noqa: N801
            events: list[str] = []

    stop.on_epoch_end(Run, {"epoch": 0, "val/loss": 1.0})
    stop.on_epoch_end(Run, {"epoch": 1, "val/loss": 2.0})
    texts.append(Run.history.events[-1])
    assert texts[-1] == "第 1 轮后提前停止：val/loss 连续 1 轮没有改善（最佳 1）"
    for text in texts:                               # no English word left but names
        left = re.sub(r"\S*/\S*|NaN|Inf|lr|x\b", " ", text)
        assert not re.findall(r"[A-Za-z]{2,}", left), text
