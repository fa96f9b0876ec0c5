"""The lesson catalog: one module per area, each with a ``LESSONS`` tuple.

An area has one name everywhere: the catalog module ``catalog/<area>.py`` lists the lessons of
the folder ``src/dlfs/lessons/chNN_<area>/`` (the gym's folder is ``lessons/gym/``), numbered
in learning order. This is the only list of lessons. To add one: write the file in its area's
folder, then add a :class:`~dlfs.curriculum.schema.Lesson` to that area's module. The registry
tests fail if a lesson file exists that no entry names, if an entry names a missing file, or
if a lesson sits in a folder of another area.
"""

from ..schema import Lesson
from . import (
    attention,
    autograd,
    basics,
    cnn,
    conv_vis,
    data,
    generative,
    gpt,
    gym,
    kaggle,
    linear,
    liuer,
    llm,
    losses,
    multimodal,
    nn,
    optim,
    review,
    sequences,
    setup,
    tensors,
    training,
    transformers,
)

#: The areas in learning order; lesson folders carry the same number and name.
AREAS = (setup, tensors, autograd, linear, nn, optim, data, training, cnn, conv_vis, sequences,
         attention, gpt, llm, review, liuer, kaggle, losses, generative, multimodal,
         basics, transformers, gym)

LESSONS: tuple[Lesson, ...] = tuple(lesson for area in AREAS for lesson in area.LESSONS)
