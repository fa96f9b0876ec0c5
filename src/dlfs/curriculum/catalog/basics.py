"""Lessons of the basics area (``src/dlfs/lessons/ch20_basics/``).

Preliminaries and generalisation (the systematic study's early chapters): data, linear algebra,
calculus, probability; under- and over-fitting, model selection, weight decay, early stopping,
dropout, augmentation, ensembles; sequence models on a time series.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="prelim-data",
        title_en="Data preprocessing: from a CSV file to tensors",
        title_zh="数据预处理：从 CSV 文件到张量",
        path="ch20_basics/prelim_data.py",
        at=("book:0", "topics:data"),
        checks=("tests/basics/test_basics_preprocessing.py", "tests/data/test_titanic.py"),
    ),
    Lesson(
        id="prelim-linear-algebra",
        title_en="Linear algebra for deep learning: norms, products and what they cost",
        title_zh="深度学习中的线性代数：范数、乘积及其计算量",
        path="ch20_basics/prelim_linear_algebra.py",
        at=("book:0",),
        checks=("tests/nn/test_nn_linear.py", "tests/basics/test_basics_regularization.py"),
    ),
    Lesson(
        id="prelim-calculus",
        title_en="Calculus: derivatives, gradients and the chain rule, checked against autograd",
        title_zh="微积分：导数、梯度与链式法则，与自动求导对照",
        path="ch20_basics/prelim_calculus.py",
        at=("book:0", "book:1"),
        checks=("tests/autograd/test_gradcheck.py",),
    ),
    Lesson(
        id="prelim-probability",
        title_en="Probability and statistics: sampling, the law of large numbers, Bayes' rule, "
                 "the noise of SGD",
        title_zh="概率与统计：抽样、大数定律、贝叶斯公式与 SGD 的噪声",
        path="ch20_basics/prelim_probability.py",
        at=("book:0",),
        checks=("tests/data/test_data_collate_sampler.py",),
    ),
    Lesson(
        id="underfit-overfit",
        title_en="Under- and over-fitting: polynomial regression, training vs validation error",
        title_zh="欠拟合与过拟合：多项式回归中的训练误差与验证误差",
        path="ch20_basics/underfit_overfit.py",
        at=("book:3",),
        checks=("tests/basics/test_basics_preprocessing.py",),
    ),
    Lesson(
        id="model-selection-kfold",
        title_en="Model selection: a validation split and K-fold cross-validation",
        title_zh="模型选择：验证集划分与 K 折交叉验证",
        path="ch20_basics/model_selection_kfold.py",
        at=("book:3",),
        checks=("tests/recipes/test_kaggle_digits.py::test_kfold_partitions",),
    ),
    Lesson(
        id="weight-decay",
        title_en="Weight decay from scratch: the L2 term, and the optimizer's decoupled decay",
        title_zh="从零实现权重衰减：L2 惩罚项与优化器的解耦衰减",
        path="ch20_basics/weight_decay.py",
        at=("book:3",),
        checks=("tests/basics/test_basics_regularization.py",),
    ),
    Lesson(
        id="early-stopping",
        title_en="Early stopping: the trainer's callback, and restoring the best weights",
        title_zh="提前停止：训练器回调与恢复最佳权重",
        path="ch20_basics/early_stopping.py",
        at=("book:3", "topics:engineering"),
        checks=("tests/basics/test_basics_early_stopping.py",
                "tests/basics/test_basics_label_noise.py"),
    ),
    Lesson(
        id="dropout-regularisation",
        title_en="Dropout as regularisation: training vs validation curves",
        title_zh="Dropout 作为正则化：训练曲线与验证曲线",
        path="ch20_basics/dropout_regularisation.py",
        at=("book:3", "pytorch:11"),
        checks=("tests/nn/test_nn_dropout.py", "tests/basics/test_basics_label_noise.py"),
    ),
    Lesson(
        id="data-augmentation",
        title_en="Data augmentation: digits with random shifts",
        title_zh="数据增强：随机平移的手写数字",
        path="ch20_basics/data_augmentation.py",
        at=("book:3", "topics:data"),
        checks=("tests/recipes/test_mnist_finetune.py"
                "::test_random_shift_moves_each_image_within_range",),
    ),
    Lesson(
        id="model-ensembling",
        title_en="Model ensembling: averaging the logits of independently trained models",
        title_zh="模型集成：对独立训练的模型的 logits 取平均",
        path="ch20_basics/model_ensembling.py",
        at=("book:3", "topics:inference"),
        checks=("tests/basics/test_basics_ensemble.py",),
    ),
    Lesson(
        id="timeseries-autoregressive",
        title_en="Sequence models on a time series: autoregression, one-step and k-step-ahead "
                 "forecasts",
        title_zh="时间序列上的序列模型：自回归、单步预测与 k 步预测",
        path="ch20_basics/timeseries_autoregressive.py",
        at=("book:6",),
        checks=("tests/basics/test_basics_timeseries.py",),
    ),
)
