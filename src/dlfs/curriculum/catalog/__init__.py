"""The lesson catalog: one module per library area, each with a ``LESSONS`` tuple.

This is the only list of lessons. To add one: write the file under ``src/dlfs/lessons/``,
then add a :class:`~dlfs.curriculum.schema.Lesson` to the area module here. The registry
test fails if a lesson file exists that no entry names, or an entry names a missing file.
"""

from ..schema import Lesson
from . import (
    attention,
    autograd,
    capstone,
    convvis,
    data,
    engines,
    gym,
    kaggle,
    liuer,
    llm,
    nn,
    optim,
    review,
    sequences,
    setup,
    tensors,
    training,
    vision,
)

LESSONS: tuple[Lesson, ...] = (
    *setup.LESSONS,
    *tensors.LESSONS,
    *autograd.LESSONS,
    *engines.LESSONS,
    *nn.LESSONS,
    *optim.LESSONS,
    *data.LESSONS,
    *vision.LESSONS,
    *convvis.LESSONS,
    *sequences.LESSONS,
    *attention.LESSONS,
    *capstone.LESSONS,
    *llm.LESSONS,
    *training.LESSONS,
    *review.LESSONS,
    *gym.LESSONS,
    *liuer.LESSONS,
    *kaggle.LESSONS,
)
