"""What a gym problem is: a frozen, self-validating record with its own proof kit.

A learner's solution is a stdin→stdout script, like on an online judge. Each problem carries
a reference solution ``solve``, a brute-force oracle ``brute`` (obviously correct, slow), and
a random-input generator ``generate``; the judge compares a learner's output against
``brute`` on generated inputs, and the test suite checks ``solve == brute`` the same way.

>>> p = Problem(id="echo", day=1, topic="demo", title_en="Echo", title_zh="回声",
...             statement_en="Print the input.", statement_zh="原样输出。",
...             input_format="one token", output_format="the token",
...             input_format_zh="一个记号", output_format_zh="该记号",
...             examples=(("x\\n", "x\\n"),), header="O(1).", header_zh="O(1)。",
...             solve=lambda s: s, brute=lambda s: s, generate=lambda rng: "y\\n")
>>> p.limits.time_s, p.check_examples()
(3.0, [])
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

_ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Limits:
    """Per-test resource limits: wall-clock seconds, and megabytes of memory (the address
    space of each process, and the resident memory of all its processes together)."""

    time_s: float = 3.0
    memory_mb: int = 512

    def __post_init__(self) -> None:
        if not self.time_s > 0:
            raise ValueError(f"Limits.time_s must be > 0, got {self.time_s}")
        if self.memory_mb < 16:
            raise ValueError(f"Limits.memory_mb must be >= 16, got {self.memory_mb}")


@dataclass(frozen=True)
class Problem:
    """One gym problem.

    Attributes:
        id: kebab-case id typed by learners (``dlfs gym show two-sum-sorted``).
        day: the Track B day (1–28) the problem belongs to.
        topic: short topic name used by ``dlfs gym stats`` ("heapq", "two pointers").
        statement_en, statement_zh: the task in our own words, in both languages.
        input_format, output_format: exact layout of stdin and stdout.
        input_format_zh, output_format_zh: the same layouts in Chinese (every number and
            identifier kept).
        limits: time per test and memory.
        examples: hand-made (input, expected output) pairs, checked first by the judge.
        similar_to: a well-known problem it resembles ("LeetCode 347"), or "".
        similar_to_zh: its Chinese name where ``similar_to`` is words ("the Josephus
            problem"); "" (the default) shows ``similar_to`` in Chinese too.
        header: complexity of the reference approach and the edge cases to watch.
        header_zh: the header in Chinese (the hint that ``dlfs gym show --hint`` prints).
        solve: reference solution, input text → output text.
        brute: brute-force oracle, input text → output text.
        generate: random test input from a seeded ``random.Random`` (small enough for brute).
        float_tol: compare numeric tokens with this absolute/relative tolerance (None: exact).
        large: optional generator of an input at the stated limits; the judge checks such
            inputs against ``solve`` (brute would be too slow), so a slow solution gets TLE.
    """

    id: str
    day: int
    topic: str
    title_en: str
    title_zh: str
    statement_en: str
    statement_zh: str
    input_format: str
    output_format: str
    input_format_zh: str
    output_format_zh: str
    examples: tuple[tuple[str, str], ...]
    header: str
    header_zh: str
    solve: Callable[[str], str]
    brute: Callable[[str], str]
    generate: Callable[[random.Random], str]
    limits: Limits = field(default_factory=Limits)
    similar_to: str = ""
    similar_to_zh: str = ""
    float_tol: float | None = None
    large: Callable[[random.Random], str] | None = None

    def __post_init__(self) -> None:
        if not _ID_RE.match(self.id):
            raise ValueError(f"problem id {self.id!r} must be kebab-case")
        if not 1 <= self.day <= 28:
            raise ValueError(f"problem {self.id!r}: day must be in 1..28, got {self.day}")
        for name in ("topic", "title_en", "title_zh", "statement_en", "statement_zh",
                     "input_format", "output_format", "header", "input_format_zh",
                     "output_format_zh", "header_zh"):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"problem {self.id!r}: {name} is empty")
        if self.similar_to_zh.strip() and not self.similar_to.strip():
            raise ValueError(f"problem {self.id!r}: similar_to_zh without similar_to")
        if not self.examples:
            raise ValueError(f"problem {self.id!r}: needs at least one example")
        for inp, out in self.examples:
            if not isinstance(inp, str) or not isinstance(out, str):
                raise TypeError(f"problem {self.id!r}: examples must be (str, str) pairs")

    def similar(self, lang: str) -> str:
        """The "similar to" name in ``lang`` ("en" or "zh"; Chinese falls back to English).

        >>> from dlfs.gym.problems import get_problem
        >>> get_problem("counting-out").similar("zh"), get_problem("window-max").similar("zh")
        ('约瑟夫问题', 'LeetCode 239')
        """
        return (self.similar_to_zh or self.similar_to) if lang == "zh" else self.similar_to

    def check_examples(self) -> list[int]:
        """Indices of examples whose stated output differs from ``solve`` (should be [])."""
        return [i for i, (inp, out) in enumerate(self.examples)
                if not outputs_match(self.solve(inp), out, self.float_tol)]


def _tokens_equal(got: str, want: str, tol: float | None) -> bool:
    if got == want:
        return True
    if tol is None:
        return False
    try:
        g, w = float(got), float(want)
    except ValueError:
        return False
    return abs(g - w) <= tol * max(1.0, abs(w))


def outputs_match(got: str, want: str, tol: float | None = None) -> bool:
    """Token-wise comparison (any whitespace separates tokens); floats within ``tol``.

    >>> outputs_match("1 2\\n3", "1 2 3\\n"), outputs_match("0.3333", "0.33333", 1e-3)
    (True, True)
    """
    g, w = got.split(), want.split()
    return len(g) == len(w) and all(_tokens_equal(a, b, tol) for a, b in zip(g, w))
