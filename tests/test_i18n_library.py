"""The library in Chinese (DLFS_LANG=zh): the errors of dlfs.data, dlfs.nn, dlfs.tensors and
the sandbox, the `dlfs doctor` report and the playground's printouts speak Chinese; names,
versions, paths, numbers and code stay as they are."""

from __future__ import annotations

import os
import platform
import re
import sys
import types

import numpy as np
import pytest
import torch

from dlfs import i18n
from dlfs.cli import main
from dlfs.errors import DlfsError
from dlfs.i18n import library
from dlfs.paths import PACKAGE_DIR, repo_root

ALLOWED = i18n.LATIN_OK | library.LATIN_OK

_CODE = re.compile(r"`[^`]*`|--?[a-z][a-z0-9-]*|<[^<>]*>|[A-Za-z0-9_.~-]*/[A-Za-z0-9_./~-]*"
                   r"|\b[a-z0-9]+(?:[-_:.][a-z0-9]+)+\b|'[^']*'")


def english_words(text: str, *data: object) -> list[str]:
    """Latin words left in ``text`` once ``data`` (paths, versions, names of this machine),
    code, flags, ids and quoted values are taken out, less the allowed names."""
    for d in sorted(filter(None, map(str, data)), key=len, reverse=True):
        text = text.replace(d, " ")
    return [w for w in re.findall(r"[A-Za-z]{2,}", _CODE.sub(" ", text)) if w not in ALLOWED]


@pytest.fixture(autouse=True)
def _chinese(monkeypatch):
    monkeypatch.setenv("DLFS_LANG", "zh")
    yield
    i18n.set_lang(None)


def _error(fn, *args, **kwargs) -> str:
    with pytest.raises(DlfsError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_a_corpus_file_that_does_not_exist(tmp_path):
    from dlfs.data.text import load_corpus

    missing = tmp_path / "nope.txt"
    message = _error(load_corpus, str(missing))
    assert message.startswith(f"--data {missing}：") and "不存在" in message
    assert english_words(message, missing) == []


def test_a_data_file_with_the_wrong_layout(tmp_path):
    from dlfs.data.formats import read_idx

    short = tmp_path / "short-idx1-ubyte"
    short.write_bytes(b"\x00\x00")
    message = _error(read_idx, short)
    assert message == f"{short}：第 0 字节：应为4 字节的 IDX 文件头，实际为2 字节"


def test_rnn_shape_errors():
    from dlfs import nn

    lstm = nn.LSTM(4, 8)
    message = _error(lstm, torch.zeros(5, 2, 3))
    assert message == "LSTM：input.size(-1) 必须等于 input_size。应为 4，实际为 3"
    message = _error(lstm, torch.zeros(5, 2, 4), (torch.zeros(1, 3, 8), torch.zeros(1, 3, 8)))
    assert "隐藏状态的形状应为 (1, 2, 8)" in message
    assert english_words(_error(lstm, torch.zeros(5))) == []


def test_loss_broadcast_and_einsum_errors():
    from dlfs.nn import functional as F
    from dlfs.tensors import broadcast_shape, einsum

    message = _error(F.cross_entropy, torch.zeros(2, 3), torch.tensor([0, 5]))
    assert message.startswith("目标 5 越界") and english_words(message) == []
    message = _error(broadcast_shape, (2, 3), (4, 3))
    assert "无法广播" in message and "从右数第 2 维" in message
    assert english_words(message) == []
    message = _error(einsum, "ij,jk->ik", torch.zeros(2, 3), torch.zeros(4, 5))
    assert "标签 'j'" in message and english_words(message) == []


def test_sandbox_errors_and_notes(monkeypatch):
    from dlfs.sandbox import bwrap, runner

    monkeypatch.setattr(runner, "os", types.SimpleNamespace(name="nt"))
    message = _error(runner.run, ["true"])
    assert "需要 Linux" in message and english_words(message) == []

    monkeypatch.setattr(bwrap.shutil, "which", lambda name: None)
    bwrap.isolation.cache_clear()
    try:
        note = bwrap.isolation().note
    finally:
        bwrap.isolation.cache_clear()
    assert note.startswith("提示：未安装 bubblewrap") and "apt-get install bubblewrap" in note
    assert english_words(note, bwrap.INSTALL_HINT) == []


def test_doctor_speaks_chinese(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "平台" in out and "自检" in out and "通过" in out
    devices = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    machine = [sys.executable, f"{platform.system()} {platform.release()} {platform.machine()}",
               PACKAGE_DIR, repo_root(), torch.__version__, torch.version.cuda,
               torch.backends.cpu.get_cpu_capability(), np.__version__, *devices,
               str(torch.get_default_dtype()).replace("torch.", ""), os.cpu_count()]
    assert english_words(out, *machine) == [], out


def test_doctor_problems_in_chinese(capsys, monkeypatch):
    from dlfs.playground import environment

    monkeypatch.setattr(environment.torch, "allclose", lambda *a, **k: False)
    text = environment.format_env_report(environment.env_report())
    assert "问题：" in text and "BLAS 库有问题" in text and "x**3 的导数不对" in text


def test_playground_printouts(capsys):
    from dlfs.playground import compare, model_summary, time_block

    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
    text = str(model_summary(model, (2, 4)))
    assert "参数总数：15" in text and "输出形状" in text
    with time_block("sleep", repeat=2):
        pass
    compare({"a": lambda: None, "b": lambda: None}, repeat=1, warmup=0)
    out = capsys.readouterr().out
    assert "（每次，共 2 次）" in out and "候选" in out and "倍数" in out
    assert english_words(text + out, "Sequential", "Linear", "ReLU", "sleep") == []


def test_gpt_shape_trace_notes():
    from dlfs.models import GPT, GPTConfig

    model = GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8))
    rows = model.explain(torch.zeros(1, 4, dtype=torch.long), torch.zeros(1, 4, dtype=torch.long))
    assert rows[0].note == "词元 id"
    assert [w for r in rows for w in english_words(r.note)] == []


def test_english_is_unchanged(monkeypatch):
    from dlfs.data.text import load_corpus

    monkeypatch.setenv("DLFS_LANG", "en")
    message = _error(load_corpus, "/no/such/file.txt")
    assert message == ("--data /no/such/file.txt: expected a UTF-8 text file or a built-in "
                       "corpus ('help', 'stdlib'), but the file does not exist")
