"""Bad input at the boundary: every row is a command a learner could type (or a file they
could drop in), and the message it must get.

Each command must exit 2 with exactly one line on stderr, ``dlfs: error: …`` containing the
row's fragment (the argument, what was expected, what came), never "internal error", and
must not start a long job (each row takes well under a second). Readers that no command
reaches yet (CIFAR-10) are rows too: they must raise one DataFormatError, one line.
"""

from __future__ import annotations

import gzip
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from dlfs.cli import main
from dlfs.data import DataFormatError
from dlfs.data.formats import read_cifar_batch, write_cifar_batch, write_idx
from dlfs.recipes.mnist import write_digits_idx

Setup = Callable[[Path], list[str]]    # makes the files in a temp dir, returns the argv


@dataclass(frozen=True)
class Row:
    name: str
    setup: Setup
    fragment: str                      # {tmp} is replaced by the temp dir


def _text(tmp: Path, chars: int) -> str:
    path = tmp / f"text-{chars}.txt"
    path.write_text(("the quick brown fox jumps over the lazy dog. " * 40)[:chars])
    return str(path)


def _file(tmp: Path, name: str = "a-file") -> str:
    (tmp / name).write_text("not a directory")
    return str(tmp / name)


def _kaggle_latin1(tmp: Path) -> list[str]:
    folder = tmp / "kaggle"
    folder.mkdir()
    header = "label," + ",".join(f"pixel{i}" for i in range(784))
    row = "3," + ",".join(["0"] * 783) + ",\xe9"          # é in Latin-1: byte 0xE9
    (folder / "train.csv").write_bytes(f"{header}\n{row}\n".encode("latin-1"))
    (folder / "test.csv").write_text(header[6:] + "\n" + ",".join(["0"] * 784) + "\n")
    return ["train", "kaggle-digits", "--quick", "--data", str(folder),
            "--out", str(tmp / "out")]


def _run_dir(tmp: Path, run_json: str | None) -> list[str]:
    folder = tmp / "run"
    (folder / "checkpoints").mkdir(parents=True)
    if run_json is not None:
        (folder / "run.json").write_text(run_json)
    return ["sample", "--run", str(folder)]


def _gpt(*args: str) -> Setup:
    return lambda tmp: ["train", "gpt", "--quick", "--out", str(tmp / "out"), *args]


def _mnist_folder(tmp: Path) -> str:
    """The stand-in's four IDX files, without the labels (replaced by the row's file)."""
    folder = write_digits_idx(tmp / "mnist")
    (folder / "train-labels-idx1-ubyte").unlink()
    return str(folder)


ROWS = [
    Row("block size beyond the corpus", _gpt("--block-size", "100000"),
        "--block-size 100000 is too long for --data help: its validation split has 46,505 "
        "tokens, and one window needs --block-size + 1 = 100,001"),
    Row("out names an existing file", lambda tmp: ["train", "gpt", "--quick", "--out",
                                                   _file(tmp)],
        "--out-dir/--out {tmp}/a-file: expected a directory to write into (or a new path), "
        "found a file"),
    Row("out inside a file", lambda tmp: ["train", "charrnn", "--quick", "--out",
                                          _file(tmp) + "/run"],
        "--out-dir/--out {tmp}/a-file/run: cannot be made: {tmp}/a-file is a file"),
    Row("data names a directory", lambda tmp: _gpt("--data", str(tmp))(tmp),
        "--data {tmp}: expected a UTF-8 text file or a built-in corpus ('help', 'stdlib'), "
        "found a directory"),
    Row("data names nothing", lambda tmp: _gpt("--data", str(tmp / "nope.txt"))(tmp),
        "--data {tmp}/nope.txt: expected a UTF-8 text file or a built-in corpus ('help', "
        "'stdlib'), but the file does not exist"),
    Row("text under 100 characters", lambda tmp: _gpt("--data", _text(tmp, 50))(tmp),
        "--data {tmp}/text-50.txt: only 50 characters"),
    Row("100 characters: no validation window", lambda tmp: _gpt("--data", _text(tmp, 100))(tmp),
        "--block-size 64 is too long for --data {tmp}/text-100.txt: its validation split "
        "has 10 tokens, and one window needs --block-size + 1 = 65; give a --block-size of "
        "at most 9"),
    Row("600 characters: no validation window", lambda tmp: _gpt("--data", _text(tmp, 600))(tmp),
        "its validation split has 60 tokens, and one window needs --block-size + 1 = 65"),
    Row("charrnn text too short for a batch",
        lambda tmp: ["train", "charrnn", "--quick", "--data", _text(tmp, 300),
                     "--out", str(tmp / "out")],
        "--batch-size 16 x --num-steps 20 needs a training split of at least 341 "
        "characters, --data {tmp}/text-300.txt --max-chars 60000 gives 240"),
    Row("sample: no run.json", lambda tmp: _run_dir(tmp, None), "no run.json in {tmp}/run"),
    Row("sample: run.json is not JSON", lambda tmp: _run_dir(tmp, '{"recipe": '),
        "{tmp}/run/run.json is damaged: expected the JSON run description that `dlfs train "
        "gpt` writes, found unreadable text"),
    Row("sample: run.json lacks a part", lambda tmp: _run_dir(tmp, '{"recipe": {}}'),
        "{tmp}/run/run.json is damaged: expected the parts recipe, model, tokenizer, "
        "missing model, tokenizer"),
    Row("sample: no such run", lambda tmp: ["sample", "--run", str(tmp / "nope")],
        "--run {tmp}/nope does not exist"),
    Row("kaggle CSV that is not UTF-8", _kaggle_latin1,
        "{tmp}/kaggle/train.csv: line 2, byte 8520: expected UTF-8 text, found b'\\xe9\\n'"),
    Row("mnist: damaged gzip IDX", lambda tmp: _damaged_gzip_row(tmp),
        "train-labels-idx1-ubyte.gz: gzip stream: expected a complete gzip file, found a "
        "damaged one (Error -3 while decompressing data: invalid block type)"),
    Row("mnist: IDX header dimensions overflow", lambda tmp: _overflow_row(tmp),
        "train-labels-idx1-ubyte: byte 16: expected 79228162458924105385300197375 data "
        "bytes for shape (4294967295, 4294967295, 4294967295) of uint8, found 64"),
    Row("mnist: data names a file", lambda tmp: ["train", "mnist", "--quick", "--data",
                                                 _file(tmp)],
        "--data {tmp}/a-file: expected a directory, found a file"),
    Row("finetune: weights names a directory",
        lambda tmp: ["train", "finetune", "--quick", "--weights", str(tmp)],
        "--weights {tmp}: expected a file, found a directory"),
    Row("a float option given nan", _gpt("--lr", "nan"),
        "argument --lr: expected a finite number, got 'nan'"),
    Row("an int option out of range", _gpt("--seed", "-1"),
        "GPTRecipe: seed must be >= 0, got -1"),
    Row("not an int", _gpt("--steps", "many"),
        "dlfs train gpt: error: argument --max-steps/--steps: invalid int value: 'many' "
        "(see `dlfs train gpt --help`)"),
    Row("clipping to zero", lambda tmp: ["train", "charrnn", "--quick", "--grad-clip", "0"],
        "CharRNNRecipe: grad_clip must be > 0, got 0.0"),
    Row("a negative learning rate", lambda tmp: ["train", "mnist", "--quick", "--lr", "-1"],
        "MNISTRecipe: lr must be > 0, got -1.0"),
    Row("fewer pairs than a batch", lambda tmp: ["train", "transformer", "--quick",
                                                 "--n-train", "2"],
        "--n-train 2 gives fewer training pairs than one batch (--batch-size 64"),
    Row("shortest source longer than the longest",
        lambda tmp: ["train", "transformer", "--quick", "--max-src-len", "2"],
        "TransformerRecipe: need min_src_len <= max_src_len, got 3, 2"),
    Row("fewer rows than folds", lambda tmp: ["train", "kaggle-digits", "--quick",
                                              "--max-train", "1"],
        "KaggleDigitsRecipe: max_train must be >= 2, got 1"),
    Row("a model width of zero", lambda tmp: ["train", "transformer", "--quick", "--d-model",
                                              "0"],
        "TransformerSeq2SeqConfig: d_model must be >= 1, got 0"),
]


def _damaged_gzip_row(tmp: Path) -> list[str]:
    folder = Path(_mnist_folder(tmp))
    good = gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 200]) + bytes(range(200)), mtime=0)
    bad = bytearray(good)
    bad[10] ^= 0xFF                        # the first deflate block header: a zlib.error
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(bytes(bad))
    return ["train", "mnist", "--quick", "--data", str(folder), "--out", str(tmp / "out")]


def _overflow_row(tmp: Path) -> list[str]:
    folder = Path(_mnist_folder(tmp))
    header = bytes([0, 0, 8, 3]) + b"\xff\xff\xff\xff" * 3   # the product wraps int64
    (folder / "train-labels-idx1-ubyte").write_bytes(header + bytes(64))
    return ["train", "mnist", "--quick", "--data", str(folder), "--out", str(tmp / "out")]


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """``dlfs ARGV`` in this process: (exit status, stdout, stderr)."""
    try:
        code = main(argv)
    except SystemExit as exc:                                 # argparse: usage errors
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_bad_input_is_one_line_exit_2(row: Row, tmp_path: Path, capsys) -> None:
    argv = row.setup(tmp_path)
    code, _, err = run_cli(argv, capsys)
    assert "internal error" not in err, err
    assert code == 2, (code, err)
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert row.fragment.format(tmp=tmp_path) in err, err


def _cifar(tmp: Path, edit: Callable[[dict], None]) -> Path:
    images = np.zeros((2, 32, 32, 3), np.uint8)
    path = write_cifar_batch(tmp / "data_batch_1", images, [1, 2])
    obj = pickle.loads(path.read_bytes(), encoding="bytes")
    edit(obj)
    path.write_bytes(pickle.dumps(obj, protocol=2))
    return path


def _truncated(tmp: Path) -> Path:
    path = write_cifar_batch(tmp / "data_batch_1", np.zeros((2, 32, 32, 3), np.uint8), [1, 2])
    path.write_bytes(path.read_bytes()[:100])
    return path


def _bad_codec(tmp: Path) -> Path:
    path = write_cifar_batch(tmp / "data_batch_1", np.zeros((2, 32, 32, 3), np.uint8), [1, 2])
    path.write_bytes(path.read_bytes().replace(b"latin1", b"latin2"))  # was a LookupError
    return path


def _object_dtype(tmp: Path) -> Path:
    path = write_cifar_batch(tmp / "data_batch_1", np.zeros((2, 32, 32, 3), np.uint8), [1, 2])
    raw = path.read_bytes()
    flags = raw.index(b"J\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00") + 11
    return _patched(path, raw, flags, 0x3F)                # hasobject & co. on a uint8 dtype


def _patched(path: Path, raw: bytes, at: int, value: int) -> Path:
    data = bytearray(raw)
    data[at] = value
    path.write_bytes(bytes(data))
    return path


READER_ROWS = [
    ("truncated pickle", _truncated, "pickle stream: expected a CIFAR-10 python pickle"),
    ("codec edited", _bad_codec, "_codecs.encode other than str -> latin1 bytes"),
    ("dtype flags edited", _object_dtype, "unexpected dtype state"),
    ("label out of range", lambda tmp: _cifar(tmp, lambda o: o[b"labels"].__setitem__(1, 10)),
     "b'labels'[1]: expected a class index 0..9, found 10"),
    ("labels not ints", lambda tmp: _cifar(tmp, lambda o: o.__setitem__(b"labels", b"ab")),
     "b'labels': expected a list of ints, found bytes"),
    ("data not an array", lambda tmp: _cifar(tmp, lambda o: o.__setitem__(b"data", [1, 2])),
     "b'data': expected a uint8 array of shape (N, 3072), found list"),
]


@pytest.mark.parametrize("name, make, fragment", READER_ROWS, ids=[r[0] for r in READER_ROWS])
def test_bad_cifar_batch_is_one_data_format_error(name, make, fragment, tmp_path) -> None:
    """No command reads CIFAR-10 yet (the data set is a library reader): the reader itself
    must turn every bad file into one DataFormatError naming it, on one line."""
    path = make(tmp_path)
    with pytest.raises(DataFormatError) as info:
        read_cifar_batch(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert fragment in message, message


def test_write_idx_fixture_is_what_mnist_reads(tmp_path) -> None:
    """The rows above replace one IDX file of a working folder: that folder, untouched,
    trains (so each row's error is the planted file's, not the fixture's)."""
    folder = write_digits_idx(tmp_path / "mnist")
    write_idx(folder / "extra-idx1-ubyte", np.zeros(3, np.uint8))  # a stray file is ignored
    assert main(["train", "mnist", "--quick", "--data", str(folder), "--out",
                 str(tmp_path / "out"), "--epochs", "1", "--n-train", "64"]) == 0
