"""The CNN model zoo, composed only from ``dlfs.nn`` layers (one family per module).

Factories are named like torchvision's and take ``num_classes`` and ``in_channels``; the
ImageNet families take ``small_input=True`` for 28x28 / 32x32 images, the small nets an
``image_size``. ``MODELS`` / ``get_model`` (in ``registry``) find them by name.

>>> from dlfs.models.cnn import resnet18
>>> sum(p.numel() for p in resnet18().parameters())
11689512
"""

from .alexnet import AlexNet, AlexNetConfig, alexnet
from .densenet import DenseNet, DenseNetConfig, densenet121
from .efficientnet import EfficientNet, EfficientNetConfig, MBConv, efficientnet_b0
from .googlenet import GoogLeNet, GoogLeNetConfig, Inception, InceptionAux, googlenet
from .layers import ConvNormAct, ReLU6, SqueezeExcitation, StochasticDepth, make_divisible
from .lecture_nets import (
    InceptionA,
    LiuErCNN,
    LiuErInceptionNet,
    LiuErResidualNet,
    ResidualBlock,
    SeedCifarCNN,
    liuer_cnn,
    liuer_inception_net,
    liuer_residual_net,
    seed_cifar_cnn,
)
from .lenet import LeNet5, lenet5
from .mobilenet import InvertedResidual, MobileNetV2, MobileNetV2Config, mobilenet_v2
from .nin import NiN, nin, nin_block
from .registry import MODELS, UnknownModelError, get_model, get_model_for_input
from .resnet import (
    BasicBlock,
    Bottleneck,
    ResNet,
    ResNetConfig,
    plainnet18,
    resnet18,
    resnet34,
    resnet50,
)
from .vgg import VGG, VGGConfig, vgg11, vgg16
from .weight_init import init_weights_
from .weights import (
    WeightsMismatchError,
    fit_weights,
    load_weights,
    read_weights,
    unwrap_state_dict,
)
