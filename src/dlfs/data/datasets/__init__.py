"""Data sets that need no download: embedded ones, and real ones read from ``data/``.

=======================  ==================================  ===================================
function                 size                                sample
=======================  ==================================  ===================================
``digits``               1797 (1438 train / 359 test)        x (1, 8, 8) or (1, 28, 28), y
``iris``                 150                                 x (4,), y in 0…2
``breast_cancer``        569                                 x (30,), y in 0…1
``diabetes_binary``      442                                 x (10,), y in 0…1
``shapes``               600 train / 200 test (default)      uint8 (32, 32, 3), y in 0…2
``sine``                 200 (default)                       x (1,), y (1,)
``two_moons``            200 (default)                       x (2,), y in 0…1
``spirals``              300 (default)                       x (2,), y in 0…2
``mnist``                real 60000/10000, else digits       uint8 (28, 28), y
``cifar10``              real 50000/10000, else shapes       uint8 (32, 32, 3), y
``digit_recognizer``     real Kaggle CSV, else digits        x (1, 28, 28), y
``ants_bees``            real folders, else 240 shapes       image, y in 0…1
``load_titanic``         891 train / 418 test (Kaggle CSV)   CsvTable rows (12 / 11 columns)
=======================  ==================================  ===================================
"""

from ._common import ImageArrayDataset, split_indices
from .digits import digits, digits_uint8
from .real import FASHION_CLASSES, ants_bees, cifar10, digit_recognizer, mnist
from .shapes import SHAPE_CLASSES, make_shapes, shapes
from .tabular import breast_cancer, diabetes_binary, iris
from .titanic import load_titanic, score_submission
from .toy import sine, spirals, two_moons

__all__ = [
    "FASHION_CLASSES", "SHAPE_CLASSES", "ImageArrayDataset", "ants_bees", "breast_cancer",
    "cifar10",
    "diabetes_binary", "digit_recognizer", "digits", "digits_uint8", "iris", "load_titanic",
    "make_shapes", "mnist", "score_submission", "shapes", "sine", "spirals", "split_indices",
    "two_moons",
]
