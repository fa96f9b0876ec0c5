"""Lessons of the Kaggle practice and saving/transfer area (see ../../lessons/ch12_vision/)."""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="saving-transfer",
        title_en="Saving, loading and transfer learning",
        title_zh="模型保存、加载与迁移学习",
        path="ch12_vision/saving_transfer.py",
        at=("topics:saving",),
        checks=("tests/models/test_cnn_state_dict.py", "tests/recipes/test_vision_recipes.py",
                "tests/recipes/test_mnist_finetune.py"),
    ),
    Lesson(
        id="kaggle-digits",
        title_en="Kaggle Digit Recognizer: CSVs, k-fold CV and a submission",
        title_zh="Kaggle 手写数字识别：CSV、k 折交叉验证与提交文件",
        path="ch12_vision/kaggle_digits.py",
        at=("kaggle:digits",),
        checks=("tests/recipes/test_kaggle_digits.py",),
    ),
)
