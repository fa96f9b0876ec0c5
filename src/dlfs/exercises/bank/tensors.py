"""Exercises on tensors: shapes, broadcasting, indexing (PyTorch roadmap days 1-4, book ch. 2)."""

from __future__ import annotations

import torch

from ..cases import Case, watched
from ..schema import Exercise

# ---- broadcast_shape ----------------------------------------------------------------------

_SHAPES = [((), ()), ((3,), ()), ((1,), (4,)), ((2, 1), (3,)), ((4, 1, 6), (5, 1)),
           ((8, 1, 6, 1), (7, 1, 5)), ((1, 1), (1,), (2, 1, 1)), ((0,), (1,)), ((5, 0), (1, 0))]
_BAD = [((2,), (3,)), ((2, 3), (3, 2)), ((4, 1), (2, 5, 3))]


def broadcast_shape_cases(impl):
    broadcast_shape = watched(impl)
    for shapes in _SHAPES:
        def run(shapes=shapes) -> None:
            got = broadcast_shape(*shapes)
            want = tuple(torch.broadcast_shapes(*shapes))
            if tuple(got) != want:
                raise AssertionError(f"broadcast_shape{shapes} returned {got}, expected {want}")
        yield Case(f"shapes {', '.join(map(str, shapes))}", run)
    for shapes in _BAD:
        def bad(shapes=shapes) -> None:
            try:
                got = broadcast_shape(*shapes)
            except ValueError:
                return
            raise AssertionError(f"broadcast_shape{shapes} returned {got}; these shapes cannot "
                                 "be broadcast, so it must raise ValueError")
        yield Case(f"incompatible {', '.join(map(str, shapes))} raises ValueError", bad)


def _broadcast_left_aligned(*shapes):
    """Planted bug: lines the dimensions up from the left."""
    n = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(n):
        sizes = {s[i] for s in shapes if i < len(s) and s[i] != 1}
        if len(sizes) > 1:
            raise ValueError("cannot broadcast")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def _broadcast_max(*shapes):
    """Planted bug: takes the larger size instead of checking it (never raises)."""
    n = max((len(s) for s in shapes), default=0)
    padded = [(1,) * (n - len(s)) + tuple(s) for s in shapes]
    return tuple(max(sizes) for sizes in zip(*padded))


EXERCISES = [
    Exercise(
        id="broadcast_shape", entry="broadcast_shape", lesson="broadcasting",
        at=("pytorch:3", "book:2"),
        title=("The shape of a broadcast", "广播后的形状"),
        task=("Return the shape that broadcasting the given shapes against each other "
              "produces, as a tuple. Align the shapes at their right end; in each dimension "
              "the sizes must be equal or 1 (a missing dimension counts as 1), and the result "
              "takes the size that is not 1. Raise ValueError when two sizes differ and neither "
              "is 1. Example: (8, 1, 6, 1) and (7, 1, 5) give (8, 7, 6, 5).",
              "返回这些形状相互广播后得到的形状（tuple）。把形状按右端对齐；"
              "每一维的大小必须相等或为 1（缺少的维度按 1 计），结果取不为 1 的那个大小。"
              "若两个大小不同且都不为 1，抛出 "
              "ValueError。例：(8, 1, 6, 1) 与 (7, 1, 5) 得到 (8, 7, 6, 5)。"),
        stub='''
            def broadcast_shape(*shapes: tuple[int, ...]) -> tuple[int, ...]:
                """broadcast_shape((8, 1, 6, 1), (7, 1, 5)) == (8, 7, 6, 5)"""
        ''',
        reference="dlfs.tensors.broadcast:broadcast_shape",
        extra_refused=("torch.functional",),
        cases=broadcast_shape_cases,
        mutants={"aligned from the left": _broadcast_left_aligned,
                 "takes the larger size without checking": _broadcast_max},
        hints=(("Pad every shape on the left with 1s to the longest length, then look at one "
                "dimension at a time.",
                "先在左边用 1 把每个形状补到最长的长度，再逐维比较。"),
               ("In one dimension, collect the sizes that are not 1: none means 1, one value "
                "means that value, two different values mean ValueError.",
                "在同一维里收集不为 1 的大小：没有则为 1；只有一个值就取它；有两个不同的值就抛出 "
                "ValueError。")),
    ),
]
