"""Every exercise, one module per area of the library; this is the single list.

Each module defines ``EXERCISES``: a list of :class:`dlfs.exercises.schema.Exercise`. Its
checkers are what the test suite runs against the library's own pieces
(``tests/exercises/test_bank.py``), so a checker that lets a bug through fails there first.
"""

from __future__ import annotations

import importlib

from ...errors import UnknownNameError, closest
from ..schema import Exercise

#: The bank modules, in the order `dlfs exercise list` shows them.
AREAS = ("tensors", "autograd", "layers", "losses", "optim", "data", "cnn", "rnn",
         "attention", "gpt", "decoding", "llm", "tokenizers", "kaggle", "multimodal",
         "vae", "diffusion", "gan", "engineering", "transformers", "alignment")


class UnknownExerciseError(UnknownNameError):
    what, listing = "exercise", "dlfs exercise list"


_CACHE: dict[str, Exercise] = {}


def all_exercises() -> tuple[Exercise, ...]:
    """Every exercise, in area order; ids are checked to be unique."""
    if not _CACHE:
        found: dict[str, Exercise] = {}
        for area in AREAS:
            try:
                module = importlib.import_module(f"{__name__}.{area}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{area}":
                    raise
                continue
            for exercise in module.EXERCISES:
                if exercise.id in found:
                    raise ValueError(f"exercise id {exercise.id!r} is defined twice")
                found[exercise.id] = exercise
        _CACHE.update(found)
    return tuple(_CACHE.values())


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise with this id; an unknown id names the closest ones."""
    by_id = {e.id: e for e in all_exercises()}
    if exercise_id not in by_id:
        raise UnknownExerciseError(exercise_id, closest(exercise_id, list(by_id)))
    return by_id[exercise_id]


def exercises_for_lesson(lesson_id: str) -> list[Exercise]:
    """The exercises whose ``lesson`` is ``lesson_id`` (its "Your turn")."""
    return [e for e in all_exercises() if e.lesson == lesson_id]
