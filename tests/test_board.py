"""`dlfs board`: finding the runs, the command it would run, and the one-line failures when
TensorBoard's server cannot start (nothing is served here)."""

from __future__ import annotations

import argparse
import re
import shlex
import socket

import pytest

from dlfs import board
from dlfs.errors import DlfsError


def _run(tmp_path, *names: str) -> None:
    """Fake runs: an event file in <tmp>/<name>/tensorboard."""
    for name in names:
        folder = tmp_path / name / "tensorboard"
        folder.mkdir(parents=True)
        (folder / "events.out.tfevents.1.host").write_bytes(b"")


def _board(argv: list[str], **kw) -> int:
    parser = argparse.ArgumentParser(prog="dlfs")
    board.register(parser.add_subparsers())
    args = parser.parse_args(["board", *argv])
    return board.cmd_board(args, **kw)


def test_finds_every_run_under_runs_and_names_it_after_its_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _run(tmp_path, "runs/gpt", "runs/charrnn/lstm", "runs/charrnn/gru", "elsewhere/vae")
    (tmp_path / "runs" / "empty").mkdir()
    names = [name for name, _ in board.find_logs()]
    assert names == ["charrnn/gru", "charrnn/lstm", "gpt"]
    given = board.find_logs(["runs/charrnn", "elsewhere/vae", "runs/gpt/tensorboard"])
    assert [name for name, _ in given] == ["charrnn/gru", "charrnn/lstm", "vae", "gpt"]


def test_print_gives_the_tensorboard_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _run(tmp_path, "runs/gpt", "runs/bert/pretrain")
    assert _board(["--print", "--port", "7007"]) == 0
    out = capsys.readouterr().out
    assert shlex.split(out) == ["tensorboard", "--logdir_spec",
                                "bert/pretrain:runs/bert/pretrain/tensorboard,"
                                "gpt:runs/gpt/tensorboard", "--port", "7007"]


def test_serves_and_prints_the_url(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _run(tmp_path, "runs/gpt")
    seen = {}

    def start(logs, port, host):
        seen.update(logs=logs, port=port)
        return "http://localhost:6006/"

    def stop():
        raise KeyboardInterrupt

    assert _board([], start=start, wait=stop) == 0
    out = capsys.readouterr().out
    assert "TensorBoard is at http://localhost:6006/ (Ctrl+C stops it)" in out
    assert re.search(r"gpt +runs/gpt/tensorboard", out) and seen["port"] == 6006


def test_a_busy_port_is_one_line_with_the_command_instead(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _run(tmp_path, "runs/gpt")
    with socket.socket() as taken:
        taken.bind(("localhost", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(DlfsError, match=f"could not start: port {port} is in use"):
            _board(["--port", str(port)])
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == ("Start it yourself instead: tensorboard --logdir_spec "
                                    f"gpt:runs/gpt/tensorboard --port {port}")


def test_tensorboard_missing_and_no_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    def missing(logs, port, host):
        raise board.BoardUnavailable("the tensorboard package is not installed")

    with pytest.raises(DlfsError, match="^no TensorBoard logs under runs/: train a run first"):
        _board([], start=missing)
    assert capsys.readouterr().out == ("Train a run first, e.g. `dlfs train gpt --quick`, then "
                                       "run `dlfs board`.\n")
    _run(tmp_path, "runs/gpt")
    with pytest.raises(DlfsError, match="not installed"):
        _board([], start=missing)
    assert "Start it yourself instead: tensorboard" in capsys.readouterr().out
    with pytest.raises(DlfsError, match="nowhere does not exist"):
        _board(["nowhere"])
    with pytest.raises(DlfsError, match="runs/gpt/tensorboard/x holds no TensorBoard logs"):
        (tmp_path / "runs/gpt/tensorboard/x").mkdir()
        _board(["runs/gpt/tensorboard/x"])
    with pytest.raises(SystemExit):
        _board(["--port", "70000"])


def test_in_chinese(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DLFS_LANG", "zh")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DlfsError) as err:
        _board([])
    assert str(err.value) == "runs/ 下没有 TensorBoard 日志：请先训练一个运行"
    assert capsys.readouterr().out.startswith("请先训练一个运行")
    _run(tmp_path, "runs/gpt")
    assert _board([], start=lambda *a: "http://localhost:6006/", wait=lambda: None) == 0
    out = capsys.readouterr().out
    assert "TensorBoard 查看 1 个运行：" in out and "日志文件夹" in out
    assert "TensorBoard 已启动：http://localhost:6006/（按 Ctrl+C 停止）" in out
    left = re.sub(r"[^\sA-Za-z]+|runs/\S+|http\S+|TensorBoard|Ctrl|gpt", " ", out)
    assert not re.findall(r"[A-Za-z]{2,}", left), left
