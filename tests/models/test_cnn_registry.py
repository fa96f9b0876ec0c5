"""The model registry (names, typo suggestions, small-input building) and the "composed only
from dlfs.nn" rule, checked on the source of every CNN module."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
import torch

import dlfs.models.cnn as cnn
from dlfs.errors import DlfsError
from dlfs.models.cnn import MODELS, UnknownModelError, get_model, get_model_for_input

CNN_DIR = Path(cnn.__file__).parent

REQUIRED = ["lenet5", "alexnet", "vgg11", "vgg16", "nin", "googlenet", "resnet18", "resnet34",
            "resnet50", "plainnet18", "densenet121", "mobilenet_v2", "efficientnet_b0",
            "liuer_cnn", "liuer_inception_net", "liuer_residual_net", "seed_cifar_cnn"]


def test_registry_names_every_factory():
    assert sorted(MODELS) == sorted(REQUIRED)
    for name, factory in MODELS.items():
        params = inspect.signature(factory).parameters
        assert {"num_classes", "in_channels"} <= set(params), name
        assert "small_input" in params or "image_size" in params, name
        assert getattr(cnn, name) is factory


@pytest.mark.parametrize("typo,first", [("resnet-18", "resnet18"), ("ResNet50", "resnet50"),
                                        ("mobilenetv2", "mobilenet_v2"), ("vgg-16", "vgg16"),
                                        ("densenet", "densenet121")])
def test_typo_suggests_close_names(typo, first):
    with pytest.raises(UnknownModelError) as info:
        get_model(typo)
    assert isinstance(info.value, DlfsError) and isinstance(info.value, LookupError)
    assert info.value.suggestions[0] == first
    assert f"did you mean {first}" in str(info.value)


def test_unknown_name_without_neighbours_lists_all():
    with pytest.raises(DlfsError, match="known models: alexnet, densenet121"):
        get_model("transformer-xl")
    with pytest.raises(DlfsError, match="unknown model"):
        get_model_for_input("lenet", 1, 28)


def test_get_model_for_input_picks_the_small_input_option():
    with torch.device("meta"):
        res = get_model_for_input("resnet18", in_channels=1, image_size=28, num_classes=10)
        big = get_model_for_input("resnet18", in_channels=3, image_size=224, num_classes=10)
        lenet = get_model_for_input("lenet5", in_channels=3, image_size=32)
    assert res.conv1.kernel_size == (3, 3) and res.conv1.in_channels == 1
    assert big.conv1.kernel_size == (7, 7)
    assert lenet.classifier[1].in_features == 16 * 6 * 6


def test_bad_options_are_rejected():
    with pytest.raises(ValueError, match="activation"):
        get_model("lenet5", activation="tanh")
    with pytest.raises(ValueError, match="too small"):
        get_model("lenet5", image_size=8)
    with pytest.raises(ValueError, match="block"):
        cnn.ResNet(cnn.ResNetConfig(block="wide"))


# ---- composed only from dlfs.nn ----------------------------------------------------------
ALLOWED_TORCH_NN = {"Module", "Sequential", "ModuleList", "ModuleDict", "Parameter"}


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = {a.name for a in node.names}
            if node.module.startswith("torch.nn") or (node.module == "torch" and "nn" in names):
                bad.append(f"{path.name}:{node.lineno}: imports torch.nn ({node.module})")
        if isinstance(node, ast.Import):
            bad += [f"{path.name}:{node.lineno}: import {a.name}" for a in node.names
                    if a.name.startswith("torch.nn")]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner = node.value
            if (isinstance(inner.value, ast.Name) and inner.value.id == "torch"
                    and inner.attr == "nn" and node.attr not in ALLOWED_TORCH_NN):
                bad.append(f"{path.name}:{node.lineno}: torch.nn.{node.attr}")
    return bad


def test_models_use_only_dlfs_nn_layers():
    files = sorted(CNN_DIR.glob("*.py"))
    assert len(files) >= 12
    bad = [v for f in files for v in _violations(f)]
    assert not bad, "\n".join(bad)


def test_scanner_catches_a_torch_layer(tmp_path):
    src = tmp_path / "bad.py"
    src.write_text("import torch\nfrom torch import nn\nx = torch.nn.Conv2d(1, 1, 1)\n")
    assert len(_violations(src)) == 2


def test_every_layer_is_a_dlfs_layer():
    import dlfs.nn as dnn
    from_dlfs_nn = {getattr(dnn, n) for n in dir(dnn) if isinstance(getattr(dnn, n), type)}
    for name in ["googlenet", "efficientnet_b0", "densenet121", "mobilenet_v2", "vgg11",
                 "liuer_inception_net", "seed_cifar_cnn"]:
        kw = {"aux_logits": True} if name == "googlenet" else {}
        with torch.device("meta"):
            model = get_model(name, **kw)
        for sub_name, m in model.named_modules():
            kind = type(m)
            ours = kind.__module__.startswith("dlfs.models.cnn")
            assert kind in from_dlfs_nn or ours, (name, sub_name, kind)
            if next(m.parameters(recurse=False), None) is not None:  # holds weights itself
                assert kind in from_dlfs_nn, (name, sub_name, kind)
