"""`dlfs train mnist` and `dlfs train finetune`: the commands on generated files, their errors,
and the pieces behind them (random shifts, frozen-backbone features, head replacement)."""

from pathlib import Path

import numpy as np
import pytest
import torch

from dlfs import nn
from dlfs.cli import main
from dlfs.data.formats.idx import read_idx
from dlfs.models.cnn import resnet18
from dlfs.recipes.finetune import (
    FinetuneRecipe,
    backbone_features,
    corner_labels,
    finetune,
    freeze_backbone,
    new_head,
    replace_head,
    shapes_task,
)
from dlfs.recipes.mnist import (
    MEAN,
    MNIST_FILES,
    STD,
    load_mnist_tensors,
    mnist_cnn,
    random_shift,
    write_digits_idx,
)


@pytest.fixture(scope="module")
def digits_idx(tmp_path_factory) -> Path:
    return write_digits_idx(tmp_path_factory.mktemp("mnist"), gzip=True)


def test_digits_idx_files_are_mnist_shaped(digits_idx: Path) -> None:
    names = sorted(p.name for p in digits_idx.iterdir())
    assert names == sorted(f"{n}.gz" for n in MNIST_FILES)
    images = read_idx(digits_idx / "train-images-idx3-ubyte.gz")
    labels = read_idx(digits_idx / "train-labels-idx1-ubyte.gz")
    assert images.shape == (1438, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (1438,) and set(labels.tolist()) == set(range(10))
    x, y = load_mnist_tensors(digits_idx, "test")
    assert x.shape == (359, 1, 28, 28) and y.dtype == torch.int64
    back = ((x * STD + MEAN) * 255).round().to(torch.uint8)
    assert torch.equal(back[:, 0], torch.from_numpy(read_idx(digits_idx / "t10k-images-idx3-ubyte.gz")))


def test_train_mnist_quick_command(digits_idx: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["train", "mnist", "--data", str(digits_idx), "--quick", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "468,010 parameters" in text and "test accuracy" in text
    assert "train 192 / test 300 images" in text
    model = mnist_cnn()
    model.load_state_dict(torch.load(out / "mnist_cnn.pt", weights_only=True))  # strict
    # a classifier's log in the naming scheme, and its curves
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(out / "tensorboard"))
    events.Reload()
    scalars = set(events.Tags()["scalars"])
    assert {"loss/train", "loss/val", "opt/lr", "opt/grad_norm", "perf/samples_per_s",
            "val/accuracy", "train/accuracy"} <= scalars
    assert [e.step for e in events.Scalars("loss/train")] == [1, 2, 3]      # 192 / 64
    assert [e.step for e in events.Scalars("val/accuracy")] == [3]
    assert 0 <= events.Scalars("val/accuracy")[0].value <= 1
    assert f"curves: {out / 'curves.png'}" in text and (out / "curves.png").stat().st_size


@pytest.mark.parametrize("present", [(), ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")])
def test_missing_mnist_files_name_folder_files_and_source(tmp_path: Path, capsys,
                                                          present: tuple[str, ...]) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    for name in present:
        (folder / name).write_bytes(b"")
    assert main(["train", "mnist", "--data", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dlfs: error: MNIST files not found in " + str(folder))
    assert all(name in err for name in MNIST_FILES) and "yann.lecun.com/exdb/mnist" in err
    assert ("none of them is there" in err) == (not present)
    if present:
        assert "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte missing" in err


@pytest.mark.parametrize("shape", [(1, 1, 5, 7), (6, 3, 8, 8)])
def test_random_shift_moves_each_image_within_range(shape: tuple[int, ...]) -> None:
    torch.manual_seed(0)
    x = torch.rand(shape) + 1                        # no pixel equals the fill value 0
    out = random_shift(x, max_shift=2, fill=0.0)
    assert out.shape == x.shape
    h, w = shape[2:]
    for b in range(shape[0]):
        padded = torch.nn.functional.pad(x[b], (2, 2, 2, 2))
        hits = [(dy, dx) for dy in range(5) for dx in range(5)
                if torch.equal(padded[:, dy:dy + h, dx:dx + w], out[b])]
        assert len(hits) == 1, b                    # exactly one shift explains the output
    assert not all(torch.equal(out[b], x[b]) for b in range(len(x))) or shape[0] == 1


def _tiny_cnn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))


def test_features_new_head_and_freezing_compose_to_the_model() -> None:
    torch.manual_seed(0)
    model, x = _tiny_cnn().eval(), torch.randn(5, 3, 9, 9)
    feats = backbone_features(model, "5", x)          # (5, 4)
    assert feats.shape == (5, 4) and isinstance(model[5], nn.Linear)   # head restored
    head, trainable, frozen = new_head(model, "5", 2)
    assert model[5] is head and head.out_features == 2
    assert (trainable, frozen) == (4 * 2 + 2, 3 * 4 * 9 + 4 + 4 + 4)
    assert [n for n, p in model.named_parameters() if p.requires_grad] == ["5.weight", "5.bias"]
    torch.testing.assert_close(model(x), head(feats))
    old = replace_head(model, "5", nn.Identity())
    assert old is head and freeze_backbone(model, "5") == (0, frozen)
    assert corner_labels(torch.tensor([0, 1, 2, 0])).tolist() == [0, 1, 1, 0]


def _torchvision_file(path: Path, wrap: str) -> dict[str, torch.Tensor]:
    torch.manual_seed(1)
    sd = resnet18().state_dict()                      # 1000 classes, torchvision's names
    obj = {"module." + k: v for k, v in sd.items()} if wrap == "module" else {"state_dict": sd}
    torch.save(obj, path)
    return sd


def test_finetune_from_weights_file_changes_only_the_head(tmp_path: Path, capsys) -> None:
    file = tmp_path / "resnet18-weights.pth"
    sd = _torchvision_file(file, "module")             # as DataParallel / DDP save it
    out = tmp_path / "ft"
    argv = ["train", "finetune", "--weights", str(file), "--quick", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "1,539 trainable (head), 11,176,512 frozen (backbone)" in text
    assert "test accuracy on 24 images (96 for training)" in text
    tuned = torch.load(out / "resnet18_shape.pt", weights_only=True)
    assert tuned.keys() == sd.keys()
    for k, v in sd.items():
        if k.startswith("fc."):
            assert tuned[k].shape[0] == 3 and tuned[k].shape[1:] == v.shape[1:]
        else:
            assert torch.equal(tuned[k], v), k         # weights and BN buffers untouched


def test_finetune_wrong_arch_names_the_mismatch(tmp_path: Path, capsys) -> None:
    file = tmp_path / "resnet18.pth"
    _torchvision_file(file, "state_dict")             # {"state_dict": ...}, also unwrapped
    argv = ["train", "finetune", "--arch", "resnet34", "--weights", str(file), "--quick",
            "--out", str(tmp_path / "ft")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "resnet18.pth does not fit ResNet" in err and "missing: layer1.2.conv1.weight" in err
    assert not (tmp_path / "ft").exists()
    with pytest.raises(SystemExit) as exit_info:              # argparse: not a choice
        main(["train", "finetune", "--arch", "nin", "--quick"])
    assert exit_info.value.code == 2
    assert "--arch: invalid choice: 'nin'" in capsys.readouterr().err


def test_finetune_without_weights_pretrains_then_tunes_a_corner_head() -> None:
    run = finetune(FinetuneRecipe(n=30, pretrain_epochs=1, epochs=2))
    assert run.pretrain_accuracy is not None and run.task == "corners"
    assert (run.num_classes, run.n_train, run.n_test, run.image_size) == (2, 24, 6, 32)
    assert (run.trainable, run.frozen) == (64 * 2 + 2, 175_752)   # width-8 layout, 2 classes
    x = shapes_task("corners", 30, seed=8)[2]                        # the test images
    assert run.model(x).shape == (6, 2)
    assert [n for n, p in run.model.named_parameters() if p.requires_grad] == ["fc.weight",
                                                                               "fc.bias"]


def test_finetune_googlenet_file_with_aux_heads_loads(tmp_path: Path, capsys) -> None:
    """torchvision's GoogLeNet file keeps aux1/aux2; the strict load must still fit."""
    from dlfs.models.cnn import googlenet

    torch.manual_seed(0)
    sd = googlenet(aux_logits=True).state_dict()
    assert any(k.startswith("aux1.") for k in sd)
    file = tmp_path / "googlenet.pth"
    torch.save(sd, file)
    argv = ["train", "finetune", "--arch", "googlenet", "--weights", str(file), "--quick",
            "--out", str(tmp_path / "ft")]
    assert main(argv) == 0
    assert "1000 classes, strict: every key and shape matched" in capsys.readouterr().out


def test_googlenet_inputs_match_torchvision_transform_input() -> None:
    """torchvision's GoogLeNet weights expect transform_input=True: ImageNet-normalised x is
    mapped channel-wise to x * std / 0.5 + (mean - 0.5) / 0.5 inside the model."""
    from dlfs.recipes.finetune import IMAGENET_MEAN, IMAGENET_STD, _imagenet_inputs

    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    mean = torch.tensor(IMAGENET_MEAN)[:, None, None]
    std = torch.tensor(IMAGENET_STD)[:, None, None]
    imagenet = _imagenet_inputs(x, 32, "resnet18")
    torch.testing.assert_close(imagenet, (x - mean) / std)
    transformed = imagenet * std / 0.5 + (mean - 0.5) / 0.5      # torchvision's _transform_input
    torch.testing.assert_close(_imagenet_inputs(x, 32, "googlenet"), transformed)
