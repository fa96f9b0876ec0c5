"""Lessons of the kaggle area (``src/dlfs/lessons/ch16_kaggle/``).

Kaggle practice: offline competitions scored like the leaderboard.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="kaggle-titanic",
        title_en="Kaggle · Titanic: features, leakage, calibration and a submission",
        title_zh="Kaggle · 泰坦尼克号：特征、数据泄漏、校准与提交文件",
        path="ch16_kaggle/kaggle_titanic.py",
        at=("kaggle:titanic",),
        checks=("tests/recipes/test_kaggle_titanic.py",),
    ),
    Lesson(
        id="kaggle-digits",
        title_en="Kaggle Digit Recognizer: CSVs, k-fold CV and a submission",
        title_zh="Kaggle 手写数字识别：CSV、k 折交叉验证与提交文件",
        path="ch16_kaggle/kaggle_digits.py",
        at=("kaggle:digits",),
        checks=("tests/recipes/test_kaggle_digits.py",),
    ),
)
