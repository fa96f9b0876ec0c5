"""Lessons of the conv vis area (``src/dlfs/lessons/ch09_conv_vis/``).

Convolution from scratch and made visible: im2col, feature maps, residuals.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="conv-from-scratch",
        title_en="Convolution from scratch: sliding dot products, im2col, receptive fields",
        title_zh="从零实现卷积：滑动点积、im2col 与感受野",
        path="ch09_conv_vis/conv_from_scratch.py",
        at=("book:4", "topics:module"),
        checks=("tests/nn/test_nn_conv.py", "tests/nn/test_conv_property.py",
                "tests/nn/test_nn_pooling.py"),
    ),
    Lesson(
        id="feature-maps",
        title_en="Inside a trained LeNet: feature maps, filters and Grad-CAM",
        title_zh="训练好的 LeNet 内部：特征图、卷积核与 Grad-CAM",
        path="ch09_conv_vis/feature_maps.py",
        at=("book:4",),
        checks=("tests/models/test_cnn_forward.py", "tests/nn/test_nn_conv.py"),
    ),
    Lesson(
        id="residual-vs-plain",
        title_en="ResNet vs PlainNet: gradients at init and training curves",
        title_zh="ResNet 与 PlainNet 对比：初始化时的梯度与训练曲线",
        path="ch09_conv_vis/residual_vs_plain.py",
        at=("book:5",),
        checks=("tests/models/test_cnn_forward.py", "tests/models/test_cnn_params.py"),
    ),
    Lesson(
        id="cpu-gpu-training",
        title_en="Training on CPU and GPU: .cuda() vs .to(device), device-agnostic code",
        title_zh="CPU 与 GPU 训练：.cuda() 与 .to(device)，设备无关的写法",
        path="ch09_conv_vis/cpu_gpu_training.py",
        at=("topics:training",),
        checks=("tests/test_playground.py", "tests/train/test_train_fit.py"),
    ),
)
