"""A torchvision-format state dict loads strictly into our ResNet-18 and gives the same outputs.

The reference is written here with torch's built-in layers and torchvision's naming (we may
not import torchvision), randomized (including BN running statistics), saved to a file and
loaded back with ``weights_only=True`` as a ``--weights FILE`` user would.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn as tnn

from dlfs.errors import DlfsError
from dlfs.models.cnn import WeightsMismatchError, lenet5, load_weights, resnet18


class RefBlock(tnn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = tnn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(c_out)
        self.relu = tnn.ReLU()
        self.conv2 = tnn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(c_out)
        self.downsample = (tnn.Sequential(tnn.Conv2d(c_in, c_out, 1, stride, bias=False),
                                          tnn.BatchNorm2d(c_out))
                           if stride != 1 or c_in != c_out else None)

    def forward(self, x):
        y = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(y + (x if self.downsample is None else self.downsample(x)))


class RefResNet18(tnn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = tnn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = tnn.BatchNorm2d(64)
        self.relu = tnn.ReLU()
        self.maxpool = tnn.MaxPool2d(3, 2, 1)
        widths, c = (64, 128, 256, 512), 64
        for i, w in enumerate(widths):
            stride = 1 if i == 0 else 2
            setattr(self, f"layer{i + 1}", tnn.Sequential(RefBlock(c, w, stride), RefBlock(w, w, 1)))
            c = w
        self.avgpool = tnn.AdaptiveAvgPool2d(1)
        self.fc = tnn.Linear(512, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def _randomize_bn_stats(model: tnn.Module, g: torch.Generator) -> None:
    for m in model.modules():
        if isinstance(m, tnn.BatchNorm2d):
            m.running_mean.normal_(0, 0.1, generator=g)
            m.running_var.uniform_(0.5, 1.5, generator=g)
            m.weight.data.uniform_(0.5, 1.5, generator=g)
            m.bias.data.normal_(0, 0.1, generator=g)
            m.num_batches_tracked.fill_(7)


def test_torchvision_format_file_loads_strictly_and_agrees(tmp_path):
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    ref = RefResNet18(num_classes=10).double()
    _randomize_bn_stats(ref, g)
    path = tmp_path / "resnet18.pth"
    torch.save(ref.state_dict(), path)

    ours = resnet18(num_classes=10).double()
    assert load_weights(ours, path) is ours  # strict, weights_only=True
    assert int(ours.bn1.num_batches_tracked) == 7

    x = torch.randn(2, 3, 33, 29, dtype=torch.float64, generator=g)  # odd sizes
    ref.eval()
    ours.eval()
    with torch.no_grad():
        torch.testing.assert_close(ours(x), ref(x), atol=1e-10, rtol=1e-8)


def test_our_state_dict_loads_into_the_reference():
    ours = resnet18(num_classes=10)
    ref = RefResNet18(num_classes=10)
    ref.load_state_dict(ours.state_dict(), strict=True)
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in ref.named_parameters()]


def test_load_weights_unwraps_checkpoints_and_module_prefix(tmp_path):
    ref = lenet5()
    sd = ref.state_dict()
    for name, obj in [("plain", sd), ("wrapped", {"state_dict": sd, "epoch": 3}),
                      ("ddp", {"model": {f"module.{k}": v for k, v in sd.items()}})]:
        torch.save(obj, tmp_path / f"{name}.pth")
        ours = load_weights(lenet5(), tmp_path / f"{name}.pth")
        for k, v in ours.state_dict().items():
            assert torch.equal(v, sd[k]), (name, k)


def test_load_weights_names_mismatches(tmp_path):
    torch.save(lenet5(num_classes=7).state_dict(), tmp_path / "seven.pth")
    with pytest.raises(WeightsMismatchError, match=r"2 shape: classifier.5.weight: "
                                                    r"file \(7, 84\) vs model \(10, 84\)"):
        load_weights(lenet5(), tmp_path / "seven.pth")
    with pytest.raises(WeightsMismatchError, match="shape"):  # non-strict still checks shapes
        load_weights(lenet5(), tmp_path / "seven.pth", strict=False)

    backbone = {k: v for k, v in lenet5().state_dict().items() if k.startswith("features")}
    torch.save(backbone, tmp_path / "backbone.pth")
    with pytest.raises(WeightsMismatchError, match="6 missing: classifier.1.weight"):
        load_weights(lenet5(), tmp_path / "backbone.pth")
    model = load_weights(lenet5(), tmp_path / "backbone.pth", strict=False)
    assert torch.equal(model.features[0].weight, backbone["features.0.weight"])


def test_load_weights_bad_files(tmp_path):
    with pytest.raises(DlfsError, match="not found"):
        load_weights(lenet5(), tmp_path / "nope.pth")
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(DlfsError, match="cannot read"):
        load_weights(lenet5(), tmp_path / "junk.pth")
    torch.save(lenet5(), tmp_path / "whole_model.pth")  # a pickled module: refused safely
    with pytest.raises(DlfsError, match="cannot read"):
        load_weights(lenet5(), tmp_path / "whole_model.pth")
    torch.save({"lr": torch.tensor(0.1), "note": "x"}, tmp_path / "no_sd.pth")
    with pytest.raises(DlfsError, match="no state dict"):
        load_weights(lenet5(), tmp_path / "no_sd.pth")
