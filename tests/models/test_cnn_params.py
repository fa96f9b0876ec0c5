"""The CNN zoo at its canonical ImageNet configuration: parameter counts equal torchvision's
published figures, and parameter names follow torchvision's layout (so its state dicts load).

Models are built on the meta device: shapes only, no memory, no random draws.
"""

from __future__ import annotations

import pytest
import torch

from dlfs.models import cnn

TORCHVISION_COUNTS = {
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "vgg11": 132_863_336,
    "vgg16": 138_357_544,
    "alexnet": 61_100_840,
    "mobilenet_v2": 3_504_872,
    "densenet121": 7_978_856,
    "googlenet": 6_624_904,
    "efficientnet_b0": 5_288_548,
}


def meta(name: str, **kw):
    with torch.device("meta"):
        return cnn.get_model(name, **kw)


def n_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", sorted(TORCHVISION_COUNTS))
def test_parameter_count_equals_torchvision(name):
    model = meta(name)
    assert n_params(model) == TORCHVISION_COUNTS[name]
    assert all(p.is_meta for p in model.parameters())


def test_other_published_counts():
    # torchvision: vgg11_bn 132,868,840; vgg16_bn 138,365,992; googlenet with aux 13,004,888
    assert n_params(meta("vgg11", batch_norm=True)) == 132_868_840
    assert n_params(meta("vgg16", batch_norm=True)) == 138_365_992
    assert n_params(meta("googlenet", aux_logits=True)) == 13_004_888
    # d2l's LeNet-5 (28x28 input): 61,706; the seed's CIFAR CNN: 145,578
    assert n_params(meta("lenet5")) == 61_706
    assert n_params(meta("seed_cifar_cnn")) == 145_578
    # Liu Er's lecture-10 net: 260 + 5,020 + 3,210
    assert n_params(meta("liuer_cnn")) == 8_490


def test_plainnet_is_resnet_without_projections():
    res, plain = meta("resnet18"), meta("plainnet18")
    shortcut = {k: v for k, v in res.state_dict().items() if "downsample" in k}
    assert n_params(res) - n_params(plain) == sum(
        v.numel() for k, v in shortcut.items() if not k.endswith(("running_mean", "running_var",
                                                                   "num_batches_tracked")))
    assert set(plain.state_dict()) == set(res.state_dict()) - set(shortcut)


def test_num_classes_and_in_channels_change_only_head_and_stem():
    for name in TORCHVISION_COUNTS:
        base = meta(name).state_dict()
        other = meta(name, num_classes=7, in_channels=1).state_dict()
        assert list(base) == list(other), name
        changed = {k for k in base if base[k].shape != other[k].shape}
        assert changed, name
        # the stem's input channels and the head's classes; aux heads (off) add nothing
        assert len(changed) <= 3, (name, changed)


# ---- torchvision names ------------------------------------------------------------------
BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _bn(prefix: str) -> list[str]:
    return [f"{prefix}.{s}" for s in BN]


def _basic_block(prefix: str, downsample: bool) -> list[str]:
    keys = [f"{prefix}.conv1.weight", *_bn(f"{prefix}.bn1"),
            f"{prefix}.conv2.weight", *_bn(f"{prefix}.bn2")]
    if downsample:
        keys += [f"{prefix}.downsample.0.weight", *_bn(f"{prefix}.downsample.1")]
    return keys


def test_resnet18_state_dict_keys_are_torchvisions():
    # written out as torchvision.models.resnet18().state_dict().keys() lists them
    expected = ["conv1.weight", *_bn("bn1")]
    for stage in range(1, 5):
        expected += _basic_block(f"layer{stage}.0", downsample=stage > 1)
        expected += _basic_block(f"layer{stage}.1", downsample=False)
    expected += ["fc.weight", "fc.bias"]
    sd = meta("resnet18").state_dict()
    assert list(sd) == expected
    assert len(sd) == 122
    assert list(sd)[:8] == ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean",
                            "bn1.running_var", "bn1.num_batches_tracked",
                            "layer1.0.conv1.weight", "layer1.0.bn1.weight"]
    assert sd["conv1.weight"].shape == (64, 3, 7, 7)
    assert sd["layer2.0.downsample.0.weight"].shape == (128, 64, 1, 1)
    assert sd["fc.weight"].shape == (1000, 512)


# (key, shape) samples from torchvision's state dicts of each family
TORCHVISION_KEYS = {
    "resnet50": [("layer1.0.conv3.weight", (256, 64, 1, 1)),
                 ("layer1.0.downsample.0.weight", (256, 64, 1, 1)),
                 ("layer4.2.bn3.running_var", (2048,)), ("fc.weight", (1000, 2048))],
    "alexnet": [("features.0.weight", (64, 3, 11, 11)), ("features.10.weight", (256, 256, 3, 3)),
                ("classifier.1.weight", (4096, 9216)), ("classifier.6.bias", (1000,))],
    "vgg16": [("features.0.weight", (64, 3, 3, 3)), ("features.28.weight", (512, 512, 3, 3)),
              ("classifier.0.weight", (4096, 25088)), ("classifier.6.weight", (1000, 4096))],
    "googlenet": [("conv1.conv.weight", (64, 3, 7, 7)), ("conv1.bn.running_mean", (64,)),
                  ("inception3a.branch2.1.conv.weight", (128, 96, 3, 3)),
                  ("inception3a.branch3.1.conv.weight", (32, 16, 3, 3)),
                  ("inception3a.branch4.1.conv.weight", (32, 192, 1, 1)),
                  ("inception5b.branch1.conv.weight", (384, 832, 1, 1)),
                  ("fc.weight", (1000, 1024))],
    "densenet121": [("features.conv0.weight", (64, 3, 7, 7)),
                    ("features.denseblock1.denselayer1.norm1.weight", (64,)),
                    ("features.denseblock1.denselayer1.conv1.weight", (128, 64, 1, 1)),
                    ("features.denseblock1.denselayer6.conv2.weight", (32, 128, 3, 3)),
                    ("features.transition1.conv.weight", (128, 256, 1, 1)),
                    ("features.denseblock4.denselayer16.conv2.weight", (32, 128, 3, 3)),
                    ("features.norm5.weight", (1024,)), ("classifier.weight", (1000, 1024))],
    "mobilenet_v2": [("features.0.0.weight", (32, 3, 3, 3)), ("features.0.1.weight", (32,)),
                     ("features.1.conv.0.0.weight", (32, 1, 3, 3)),
                     ("features.1.conv.1.weight", (16, 32, 1, 1)),
                     ("features.2.conv.0.0.weight", (96, 16, 1, 1)),
                     ("features.2.conv.1.0.weight", (96, 1, 3, 3)),
                     ("features.2.conv.3.running_mean", (24,)),
                     ("features.18.0.weight", (1280, 320, 1, 1)),
                     ("classifier.1.weight", (1000, 1280))],
    "efficientnet_b0": [("features.0.0.weight", (32, 3, 3, 3)),
                        ("features.1.0.block.0.0.weight", (32, 1, 3, 3)),
                        ("features.1.0.block.1.fc1.weight", (8, 32, 1, 1)),
                        ("features.1.0.block.2.0.weight", (16, 32, 1, 1)),
                        ("features.2.0.block.0.0.weight", (96, 16, 1, 1)),
                        ("features.2.0.block.2.fc2.bias", (96,)),
                        ("features.3.0.block.1.0.weight", (144, 1, 5, 5)),
                        ("features.8.0.weight", (1280, 320, 1, 1)),
                        ("classifier.1.weight", (1000, 1280))],
}


@pytest.mark.parametrize("name", sorted(TORCHVISION_KEYS))
def test_family_keys_match_torchvision_samples(name):
    sd = meta(name).state_dict()
    for key, shape in TORCHVISION_KEYS[name]:
        assert key in sd, f"{name}: missing {key}"
        assert tuple(sd[key].shape) == shape, f"{name}: {key} {tuple(sd[key].shape)} != {shape}"


def test_googlenet_aux_heads_have_torchvision_names():
    sd = meta("googlenet", aux_logits=True).state_dict()
    assert sd["aux1.conv.conv.weight"].shape == (128, 512, 1, 1)
    assert sd["aux2.conv.conv.weight"].shape == (128, 528, 1, 1)
    assert sd["aux1.fc1.weight"].shape == (1024, 2048)
    assert sd["aux2.fc2.weight"].shape == (1000, 1024)
