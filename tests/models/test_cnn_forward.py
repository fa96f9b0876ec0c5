"""Every model of the zoo runs on small images (1x28x28 digits, 3x32x32 photos), and the
per-layer shapes that ``model_summary`` reports are the ones the docstrings promise."""

from __future__ import annotations

import pytest
import torch

from dlfs.models.cnn import (
    MODELS,
    ReLU6,
    StochasticDepth,
    efficientnet_b0,
    get_model_for_input,
    googlenet,
    lenet5,
    liuer_inception_net,
    resnet18,
)
from dlfs.playground import model_summary
from dlfs.testing import assert_module_parity

SIZES = [(1, 28), (3, 32)]
# the heaviest forwards (about a second each on a busy 2-core CPU) run at one size each,
# alternating so that both sizes are still covered among them
ONE_SIZE = {"resnet34": (3, 32), "resnet50": (1, 28), "densenet121": (1, 28),
            "efficientnet_b0": (3, 32), "googlenet": (3, 32), "plainnet18": (1, 28)}
CASES = [pytest.param(name, c, s, id=f"{name}-{c}x{s}x{s}")
         for name in sorted(MODELS) for c, s in SIZES if ONE_SIZE.get(name, (c, s)) == (c, s)]


@pytest.mark.parametrize("name,c,s", CASES)
def test_every_model_runs_on_small_images(name, c, s):
    torch.manual_seed(0)
    model = get_model_for_input(name, in_channels=c, image_size=s, num_classes=7).eval()
    x = torch.randn(2, c, s, s)
    with torch.no_grad():
        y = model(x)
    assert y.shape == (2, 7)
    assert torch.isfinite(y).all()


def _shapes(summary) -> dict[str, tuple[int, ...]]:
    return {r.name: r.output_shape for r in summary.rows}


def test_lenet_summary_shapes():
    shapes = _shapes(model_summary(lenet5(), (2, 1, 28, 28)))
    assert shapes["features.0"] == (2, 6, 28, 28)
    assert shapes["features.2"] == (2, 6, 14, 14)
    assert shapes["features.3"] == (2, 16, 10, 10)
    assert shapes["features.5"] == (2, 16, 5, 5)
    assert shapes["classifier.0"] == (2, 400)
    assert shapes["classifier.5"] == (2, 10)
    shapes32 = _shapes(model_summary(lenet5(in_channels=3, image_size=32), (2, 3, 32, 32)))
    assert shapes32["classifier.0"] == (2, 576)


def test_resnet18_summary_shapes_small_and_imagenet_stem():
    small = _shapes(model_summary(resnet18(num_classes=10, small_input=True), (2, 3, 32, 32),
                                  depth=1))
    assert small["conv1"] == (2, 64, 32, 32)
    assert small["layer1"] == (2, 64, 32, 32)
    assert small["layer2"] == (2, 128, 16, 16)
    assert small["layer3"] == (2, 256, 8, 8)
    assert small["layer4"] == (2, 512, 4, 4)
    assert small["fc"] == (2, 10)
    # the ImageNet stem (7x7/2 conv + max-pool) divides by 4 before layer1: 64 -> 16 -> 2
    big = _shapes(model_summary(resnet18(num_classes=10), (1, 3, 64, 64), depth=1))
    assert big["maxpool"] == (1, 64, 16, 16)
    assert big["layer4"] == (1, 512, 2, 2)


def test_liuer_inception_summary_has_88_channels():
    summary = model_summary(liuer_inception_net(), (2, 1, 28, 28), depth=1)
    shapes = _shapes(summary)
    assert shapes["incep1"] == (2, 88, 12, 12)
    assert shapes["incep2"] == (2, 88, 4, 4)
    assert shapes["fc"] == (2, 10)
    assert "incep1" in str(summary)


def test_googlenet_aux_heads_only_in_training():
    torch.manual_seed(0)
    model = googlenet(num_classes=5, in_channels=1, aux_logits=True, small_input=True)
    x = torch.randn(2, 1, 16, 16)  # 16 -> 8 -> 4 -> 2 -> 1 through the four pools
    out = model.train()(x)
    assert isinstance(out, tuple) and [o.shape for o in out] == [(2, 5)] * 3
    with torch.no_grad():
        assert model.eval()(x).shape == (2, 5)


def test_efficientnet_stochastic_depth_train_vs_eval():
    torch.manual_seed(0)
    model = efficientnet_b0(num_classes=3, small_input=True, stochastic_depth_prob=0.5)
    probs = [m.p for m in model.modules() if isinstance(m, StochasticDepth)]
    assert len(probs) == 16 and probs[0] == 0.0 and probs[-1] == 0.5 * 15 / 16
    assert probs == sorted(probs)
    x = torch.randn(2, 3, 16, 16)
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(x), model(x))  # identity in eval: deterministic


def test_stochastic_depth_rejects_a_bad_probability():
    """What StochasticDepth computes is the ``stochastic_depth`` exercise's checker."""
    with pytest.raises(ValueError, match="drop probability"):
        StochasticDepth(1.5)


@pytest.mark.parametrize("shape", [(1, 5), (2, 3, 4, 7)])
def test_relu6_parity(shape):
    x = (torch.randn(*shape, dtype=torch.float64) * 5)
    assert_module_parity(ReLU6(), torch.nn.ReLU6(), x)
    assert_module_parity(ReLU6().float(), torch.nn.ReLU6(), x.float())


def test_resnet_trains_one_step():
    torch.manual_seed(0)
    model = resnet18(num_classes=4, in_channels=1, small_input=True)
    x, y = torch.randn(2, 1, 16, 16), torch.tensor([0, 3])
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert model.layer1[0].conv1.weight.grad.abs().sum() > 0


def test_narrow_resnet_width_option():
    from dlfs.models.cnn import ResNet, ResNetConfig
    model = ResNet(ResNetConfig(layers=(1, 1, 1, 1), num_classes=3, in_channels=1,
                                small_input=True, width=8))
    shapes = _shapes(model_summary(model, (2, 1, 16, 16), depth=1))
    assert shapes["layer1"] == (2, 8, 16, 16)
    assert shapes["layer4"] == (2, 64, 2, 2)
    assert model.fc.in_features == 64


def test_efficientnet_bn_eps_option():
    from dlfs import nn
    with torch.device("meta"):
        default = efficientnet_b0()
        tf_style = efficientnet_b0(bn_eps=1e-3)
    eps = {m.eps for m in default.modules() if isinstance(m, nn.BatchNorm2d)}
    assert eps == {1e-5}  # torchvision's B0
    assert {m.eps for m in tf_style.modules() if isinstance(m, nn.BatchNorm2d)} == {1e-3}
