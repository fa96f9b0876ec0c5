"""Real-format readers on tiny files written by the tests: IDX, CIFAR pickles, images, CSV."""

from __future__ import annotations

import gzip
import pickle
import warnings

import numpy as np
import pytest
import torch

from dlfs.data import DataFallbackWarning, DataFormatError, DataLoader
from dlfs.data.datasets import ants_bees, cifar10, digit_recognizer, make_shapes, mnist
from dlfs.data.formats import (
    ImageFolder,
    LabelFileDataset,
    csv_dataset,
    generate_labels,
    has_pil,
    read_cifar_batch,
    read_csv,
    read_idx,
    read_image,
    write_cifar_batch,
    write_idx,
    write_image,
    write_image_folder,
)
from dlfs.data.transforms import ToTensor
from dlfs.paths import data_dir


@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
def test_idx_roundtrip(tmp_path, dtype, name):
    array = (np.arange(2 * 3 * 5) - 7).astype(dtype).reshape(2, 3, 5)
    path = write_idx(tmp_path / name, array)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    back = read_idx(path)
    assert back.dtype == array.dtype and np.array_equal(back, array)


def test_idx_header_matches_the_published_layout(tmp_path):
    path = write_idx(tmp_path / "labels", np.array([7, 2, 1], dtype=np.uint8))
    assert path.read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])


@pytest.mark.parametrize("payload,where,expected", [
    (b"\x00", "byte 0", "4-byte IDX header"),
    (b"\x12\x34\x08\x01", "byte 0", "magic bytes 0x00 0x00"),
    (bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]), "byte 2", "type code"),
    (bytes([0, 0, 8, 3, 0, 0, 0, 2]), "byte 4", "3 dimension sizes"),
    (bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3]), "byte 12", "4 data bytes"),
])
def test_idx_errors_name_file_offset_and_expectation(tmp_path, payload, where, expected):
    path = tmp_path / "broken-idx"
    path.write_bytes(payload)
    with pytest.raises(DataFormatError) as info:
        read_idx(path)
    assert str(path) in str(info.value) and where in str(info.value)
    assert expected in str(info.value)


def test_idx_damaged_gzip(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x05abcde")[:-6])
    with pytest.raises(DataFormatError, match="gzip"):
        read_idx(path)


def _fake_mnist(folder, n_train=12, n_test=5, gz=True):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    ext = ".gz" if gz else ""
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}",
                  rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}",
                  rng.integers(0, 10, n, dtype=np.uint8))


def test_mnist_reads_real_files_from_data_dir():
    _fake_mnist(data_dir() / "mnist")
    _fake_mnist(data_dir() / "fashion-mnist", gz=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train, test = mnist("train"), mnist("test", transform=ToTensor())
        fashion = mnist("test", kind="fashion-mnist")
    assert len(train) == 12 and len(test) == 5 and train.source.endswith("mnist")
    img, label = train[0]
    assert img.shape == (28, 28) and img.dtype == np.uint8 and 0 <= label < 10
    assert test[0][0].shape == (1, 28, 28) and fashion.classes[9] == "Ankle boot"
    x, y = next(iter(DataLoader(train, batch_size=4)))
    assert x.shape == (4, 28, 28) and y.dtype == torch.int64


def test_missing_files_warn_once_with_where_and_stand_in():
    with pytest.warns(DataFallbackWarning) as record:
        ds = mnist("train")
    message = str(record[0].message)
    assert str(data_dir() / "mnist") in message and "train-images-idx3-ubyte" in message
    assert "digits" in message and ds.source.startswith("stand-in")
    assert len(record) == 1 and ds[0][0].shape == (28, 28)
    with pytest.warns(DataFallbackWarning, match="shapes"):
        stand_in = cifar10("test")
    assert len(stand_in) == 200 and stand_in[0][0].shape == (32, 32, 3)
    with pytest.warns(DataFallbackWarning, match="digit-recognizer"):
        x, y = digit_recognizer("train")[:3]
    assert x.shape == (3, 1, 28, 28)


def test_cifar_batches_roundtrip_and_dataset(tmp_path):
    images, labels = make_shapes(6, seed=3)
    path = write_cifar_batch(tmp_path / "data_batch_1", images, labels)
    back, back_labels = read_cifar_batch(path)
    assert np.array_equal(back, images) and back_labels.tolist() == labels.tolist()
    raw = pickle.loads(path.read_bytes(), encoding="bytes")
    assert raw[b"data"].shape == (6, 3072)  # the published layout: R plane, G plane, B plane
    assert np.array_equal(raw[b"data"][0, :1024].reshape(32, 32), images[0, :, :, 0])

    folder = data_dir() / "cifar10" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for i in range(1, 6):
        write_cifar_batch(folder / f"data_batch_{i}", images[:2], labels[:2])
    write_cifar_batch(folder / "test_batch", images[:3], labels[:3])
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": [b"c0", b"c1", b"c2"]}))
    train, test = cifar10("train"), cifar10("test")
    assert len(train) == 10 and len(test) == 3 and train.classes == ["c0", "c1", "c2"]


def test_cifar_errors(tmp_path):
    bad_key = tmp_path / "data_batch_1"
    bad_key.write_bytes(pickle.dumps({b"data": np.zeros((1, 3072), np.uint8)}))
    with pytest.raises(DataFormatError, match=r"data_batch_1: dict keys: expected key b'labels'"):
        read_cifar_batch(bad_key)
    bad_shape = tmp_path / "b2"
    bad_shape.write_bytes(pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}))
    with pytest.raises(DataFormatError, match=r"\(N, 3072\)"):
        read_cifar_batch(bad_shape)
    evil = tmp_path / "evil"
    evil.write_bytes(b"cos\nsystem\n(S'echo hi'\ntR.")
    with pytest.raises(DataFormatError, match="refusing to load os.system"):
        read_cifar_batch(evil)


def _cifar_edits(tmp_path, n: int, structure_only: bool):
    """``n`` copies of a 2-image batch, each with one byte changed (seeded): anywhere, or
    only in the first 240 and the last 60 bytes, where the pickle's structure is (the
    pixels sit in between)."""
    images, labels = make_shapes(2, seed=3)
    clean = write_cifar_batch(tmp_path / "clean", images, labels).read_bytes()
    outside = [*range(240), *range(len(clean) - 60, len(clean))]
    rng = np.random.default_rng(1)
    for k in range(n):
        raw = bytearray(clean)
        i = int(rng.choice(outside)) if structure_only else int(rng.integers(len(raw)))
        raw[i] = (raw[i] + int(rng.integers(1, 256))) % 256
        path = tmp_path / f"edit-{k}"
        path.write_bytes(bytes(raw))
        yield path


@pytest.mark.parametrize("structure_only", [False, True])
def test_cifar_every_damaged_batch_is_read_or_a_data_format_error(tmp_path, structure_only):
    """Single-byte edits of a batch file: the reader returns a valid batch (e.g. a changed
    pixel) or raises DataFormatError naming the file, never another exception (before:
    LookupError, AttributeError, MemoryError from inside the unpickler escaped)."""
    outcomes = {"read": 0, "error": 0}
    for path in _cifar_edits(tmp_path, 300, structure_only):
        try:
            images, labels = read_cifar_batch(path)
        except DataFormatError as exc:
            assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)
            outcomes["error"] += 1
            continue
        assert images.shape[1:] == (32, 32, 3) and images.dtype == np.uint8
        assert len(labels) == len(images) and set(labels.tolist()) <= set(range(10))
        outcomes["read"] += 1
    assert outcomes["error"] > (100 if structure_only else 0), outcomes


def test_cifar_labels_outside_the_classes_are_named(tmp_path):
    path = tmp_path / "b"
    path.write_bytes(pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [3, 12]}))
    with pytest.raises(DataFormatError, match=r"b'labels'\[1\]: expected a class index 0..9, "
                                              r"found 12"):
        read_cifar_batch(path)


def test_idx_damaged_deflate_data_and_huge_header_dimensions(tmp_path):
    good = gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 200]) + bytes(range(200)), mtime=0)
    bad = bytearray(good)
    bad[10] ^= 0xFF                  # the first deflate block header: zlib.error, no OSError
    (tmp_path / "a.gz").write_bytes(bytes(bad))
    with pytest.raises(DataFormatError, match="gzip stream: expected a complete gzip file, "
                                              "found a damaged one .*invalid block type"):
        read_idx(tmp_path / "a.gz")
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0xFF                             # the data: the CRC check fails
    (tmp_path / "b.gz").write_bytes(bytes(bad))
    with pytest.raises(DataFormatError, match="found a damaged one .*CRC check failed"):
        read_idx(tmp_path / "b.gz")
    # 3 dimensions of 2**32 - 1: the product wraps around in int64 (before: a reshape error)
    header = bytes([0, 0, 8, 3]) + b"\xff\xff\xff\xff" * 3
    (tmp_path / "b").write_bytes(header + bytes(64))
    with pytest.raises(DataFormatError, match=r"byte 16: expected 79228162458924105385300197375 "
                                              r"data bytes .* found 64"):
        read_idx(tmp_path / "b")


def test_csv_that_is_not_utf8_names_line_and_byte(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("Name,Age\nAnna,3\nJos\u00e9,4\n".encode("latin-1"))
    with pytest.raises(DataFormatError, match=r"latin1.csv: line 3, byte 19: expected UTF-8 "
                                              r"text, found b'\\xe9,4\\n'"):
        read_csv(path)
    path.write_bytes("\ufeffName,Age\nJos\u00e9,4\n".encode())   # UTF-8 with a BOM: fine
    assert read_csv(path).columns == ["Name", "Age"]


def test_netpbm_binary_ascii_comments_and_16_bit(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    assert np.array_equal(read_image(write_image(tmp_path / "a.ppm", rgb)), rgb)
    grey = rgb[:, :, 0]
    assert np.array_equal(read_image(write_image(tmp_path / "a.pgm", grey)), grey)
    (tmp_path / "t.pgm").write_bytes(b"P2\n# a comment\n3 2\n# another\n9\n0 1 2\n3 4 9\n")
    assert read_image(tmp_path / "t.pgm").tolist() == [[0, 1, 2], [3, 4, 9]]
    (tmp_path / "w.pgm").write_bytes(b"P5 2 1 1000\n" + np.array([1, 999], ">u2").tobytes())
    assert read_image(tmp_path / "w.pgm").tolist() == [[1, 999]]
    (tmp_path / "short.ppm").write_bytes(b"P6\n2 2\n255\n" + bytes(5))
    with pytest.raises(DataFormatError, match=r"short.ppm: byte 11: expected 12 pixel bytes"):
        read_image(tmp_path / "short.ppm")
    (tmp_path / "bad.pgm").write_bytes(b"P9\n1 1\n255\n\x00")
    with pytest.raises(DataFormatError, match="magic"):
        read_image(tmp_path / "bad.pgm")
    assert np.array_equal(read_image(write_image(tmp_path / "a.npy", rgb)), rgb)


@pytest.mark.skipif(not has_pil(), reason="Pillow is not installed")
def test_png_through_pillow(tmp_path):
    rgb = np.random.default_rng(1).integers(0, 256, (6, 7, 3), dtype=np.uint8)
    assert np.array_equal(read_image(write_image(tmp_path / "a.png", rgb)), rgb)


def test_image_folder_over_shapes(tmp_path):
    images, labels = make_shapes(9, seed=2)
    write_image_folder(tmp_path / "shapes", images, labels, ["circle", "square", "triangle"])
    ds = ImageFolder(tmp_path / "shapes", transform=ToTensor())
    assert ds.classes == ["circle", "square", "triangle"] and len(ds) == 9
    assert sorted(ds.targets) == sorted(labels.tolist())
    for path, target in ds.samples:
        i = int(path.stem)
        assert target == labels[i] and np.array_equal(read_image(path), images[i])
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    assert x.shape == (4, 3, 32, 32) and y.shape == (4,)
    (tmp_path / "shapes" / "empty").mkdir()
    with pytest.raises(DataFormatError, match="empty: class folder: expected at least one image"):
        ImageFolder(tmp_path / "shapes")


def test_generate_labels_and_label_file_dataset(tmp_path):
    root = tmp_path / "train"
    for kind, n in (("ants", 3), ("bees", 2)):
        (root / f"{kind}_image").mkdir(parents=True)
        for i in range(n):
            write_image(root / f"{kind}_image" / f"{kind}{i}.ppm", np.full((4, 4, 3), i, np.uint8))
    written = generate_labels(root, "ants_image")
    assert [p.name for p in written] == ["ants0.txt", "ants1.txt", "ants2.txt"]
    assert written[0].parent.name == "ants_label" and written[0].read_text() == "ants"
    generate_labels(root, "bees_image")
    ants = LabelFileDataset(root, "ants_image", "ants_label")
    bees = LabelFileDataset(root, "bees_image", "bees_label", label_to_index={"bees": 1})
    both = ants + bees
    assert len(both) == 5 and both[0][1] == "ants" and both[4][1] == 1
    (root / "ants_label" / "ants1.txt").unlink()
    with pytest.raises(DataFormatError, match="ants1.txt.*label file of ants1.ppm"):
        ants[1]


def test_csv_reader_quotes_missing_values_and_errors(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text('PassengerId,Survived,Name,Age,Fare\n'
                    '1,0,"Braund, Mr. Owen",22,7.25\n'
                    '\n'
                    '2,1,"Cumings, Mrs. John",,71.28\n')
    table = read_csv(path, required=["Survived"])
    assert table.columns[2] == "Name" and table.column("Name")[1] == "Cumings, Mrs. John"
    assert np.isnan(table.numeric("Age")[1]) and table.lines == [2, 4]
    ds = csv_dataset(path, target="Survived", features=["Age", "Fare"])
    x, y = ds[:]
    assert x.shape == (2, 2) and y.dtype == torch.int64 and y.tolist() == [0, 1]
    with pytest.raises(DataFormatError, match=r"line 2, column 3 \('Name'\): expected a number"):
        table.numeric("Name")
    with pytest.raises(DataFormatError, match="a column named 'Pclass'"):
        read_csv(path, required=["Pclass"])
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n4,5\n")
    with pytest.raises(DataFormatError, match=r"bad.csv: line 3: expected 3 fields .* found 2"):
        read_csv(bad)


def test_digit_recognizer_csv(tmp_path):
    folder = data_dir() / "digit-recognizer"
    folder.mkdir(parents=True)
    header = "label," + ",".join(f"pixel{i}" for i in range(784))
    rows = [f"{d}," + ",".join(str((d * 7 + i) % 256) for i in range(784)) for d in (3, 8)]
    (folder / "train.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    (folder / "test.csv").write_text(header.split(",", 1)[1] + "\n" + rows[0].split(",", 1)[1])
    x, y = digit_recognizer("train")[:]
    assert x.shape == (2, 1, 28, 28) and y.tolist() == [3, 8]
    assert x[1, 0, 0, 1].item() == pytest.approx(57 / 255)
    (x_test,) = digit_recognizer("test")[:]
    assert x_test.shape == (1, 1, 28, 28)


def test_ants_bees_both_layouts_and_stand_in():
    with pytest.warns(DataFallbackWarning, match="hymenoptera_data"):
        stand_in, stand_in_val = ants_bees("train"), ants_bees("val")
    assert stand_in.classes == ["ants", "bees"] and set(stand_in.targets.tolist()) == {0, 1}
    assert len(stand_in) + len(stand_in_val) == 240
    images, labels = make_shapes(6, seed=4)
    root = data_dir() / "hymenoptera_data"
    write_image_folder(root / "train", images, labels % 2, ["ants", "bees"])
    folders = ants_bees("train")
    assert isinstance(folders, ImageFolder) and folders.classes == ["ants", "bees"]
    for kind in ("ants", "bees"):
        (root / "val" / f"{kind}_image").mkdir(parents=True)
        write_image(root / "val" / f"{kind}_image" / f"{kind}1.ppm", images[0])
        generate_labels(root / "val", f"{kind}_image")
    val = ants_bees("val", transform=ToTensor())
    assert len(val) == 2 and [val[i][1] for i in range(2)] == [0, 1]
    assert val[0][0].shape == (3, 32, 32)
