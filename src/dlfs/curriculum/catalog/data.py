"""Lessons of the data area (``src/dlfs/lessons/ch06_data/``).

Data: Dataset and DataLoader, workers, transforms, TensorBoard.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="dataset-dataloader",
        title_en="Custom Dataset and DataLoader",
        title_zh="DataLoader 与 Dataset 自定义",
        path="ch06_data/dataset_dataloader.py",
        at=("pytorch:12", "liuer:8", "topics:data"),
        checks=("tests/data/test_data_loader.py", "tests/data/test_data_collate_sampler.py",
                "tests/data/test_data_formats.py"),
    ),
    Lesson(
        id="dataloader-workers",
        title_en="DataLoader speed-up with num_workers",
        title_zh="DataLoader 加速",
        path="ch06_data/num_workers.py",
        at=("pytorch:18",),
        checks=("tests/data/test_data_loader.py",),
    ),
    Lesson(
        id="data-transforms",
        title_en="Transforms: ToTensor, Normalize, Resize, crops, flips, Compose",
        title_zh="数据变换：ToTensor、Normalize、Resize、裁剪、翻转与 Compose",
        path="ch06_data/transforms.py",
        at=("topics:data",),
        checks=("tests/data/test_data_transforms.py", "tests/data/test_data_formats.py"),
    ),
    Lesson(
        id="tensorboard-logging",
        title_en="TensorBoard: scalars, images and histograms",
        title_zh="TensorBoard 可视化：标量、图片与直方图",
        path="ch06_data/tensorboard_logging.py",
        at=("topics:data", "topics:training"),
        checks=("tests/train/test_train_callbacks.py",),
    ),
)
