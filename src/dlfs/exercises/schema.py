"""What an exercise is: the piece a learner writes, the stub they start from, the hints, and
the checker that grades it — the same checker the test suite runs against the library.

An exercise is declared once, in a ``dlfs.exercises.bank`` module::

    Exercise(
        id="gelu", entry="gelu", lesson="activations", at=("pytorch:9", "book:5"),
        title=("GELU, exact", "GELU（精确版）"),
        task=("Return x * Phi(x), Phi the standard normal CDF ...", "返回 x·Φ(x) ……"),
        stub="def gelu(x: Tensor) -> Tensor:\\n    'x: any shape; returns its shape.'",
        reference="dlfs.nn.functional.activations:gelu",
        cases=gelu_cases,                       # impl -> iterable of Case, smallest first
        mutants={"tanh approximation": gelu_tanh, "forgot the 0.5": gelu_double},
        hints=(("Phi(x) = (1 + erf(x / sqrt 2)) / 2", "Φ(x) = (1 + erf(x/√2)) / 2"),),
    )
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

_ID_RE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")
_PLACE_RE = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9.-]+$")

#: The imports every stub starts with.
BASE_IMPORTS = ("import math", "", "import torch", "from torch import Tensor, nn")


@dataclass(frozen=True)
class Case:
    """One graded case: ``name`` says the input (``"x (3, 5) float64"``); ``run`` raises
    ``AssertionError`` with what differs, where and by how much, or returns."""

    name: str
    run: Callable[[], None]


@dataclass(frozen=True)
class Exercise:
    """One piece to write.

    Attributes:
        id: snake_case id typed by learners (``dlfs exercise start sdpa``).
        entry: the name the learner's file must define (a function or a class).
        title: (English, Chinese).
        task: (English, Chinese) statement: what to compute, shapes, the equation.
        stub: the code the learner completes: the signature and a docstring (a class: its
            methods); the body ``raise NotImplementedError`` is added to every ``def``
            that has none.
        reference: ``"module:qualname"`` of the library's own implementation (what
            ``dlfs exercise solution`` shows). While the learner's code runs, every call
            into ``dlfs`` is refused, ``allowed`` excepted.
        cases: ``cases(impl)`` yields the :class:`Case` list, smallest input first.
        mutants: name → a plausible wrong implementation; each must fail the checker.
        hints: (English, Chinese) pairs, revealed one at a time.
        at: the roadmap entries it belongs to (``"pytorch:9"``, ``"book:5"``).
        lesson: the lesson that teaches it (its "Your turn" names this exercise).
        imports: extra import lines for the stub (earlier pieces it may build on).
        allowed: the dlfs pieces the learner may call (earlier exercises the stub imports):
            modules (``"dlfs.nn.functional.activation"``) or ``"module:name"`` entries.
        extra_refused: other modules whose code is refused (``"torch.functional"`` for
            ``torch.broadcast_shapes``).
        builtins_ok: the piece may call PyTorch built-ins (a training step, a data loader);
            the reference's module stays refused.
        time_s: wall-clock seconds the graded run may take.
    """

    id: str
    entry: str
    title: tuple[str, str]
    task: tuple[str, str]
    stub: str
    reference: str
    cases: Callable[[Any], Iterable[Case]]
    mutants: dict[str, Any]
    hints: tuple[tuple[str, str], ...]
    at: tuple[str, ...]
    lesson: str
    imports: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    builtins_ok: bool = False
    time_s: float = 60.0
    extra_refused: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        where = f"exercise {self.id!r}"
        if not _ID_RE.match(self.id):
            raise ValueError(f"{where}: id must be snake_case like 'cross_entropy'")
        if not all(self.title) or not all(self.task) or len(self.title) != 2:
            raise ValueError(f"{where}: title and task need English and Chinese text")
        if ":" not in self.reference:
            raise ValueError(f"{where}: reference must be 'module:qualname', "
                             f"got {self.reference!r}")
        for place in self.at:
            if not _PLACE_RE.match(place):
                raise ValueError(f"{where}: place {place!r} must look like 'pytorch:3'")
        if not self.at:
            raise ValueError(f"{where}: name at least one roadmap entry in 'at'")
        if len(self.mutants) < 2:
            raise ValueError(f"{where}: needs at least two mutants (planted bugs), "
                             f"has {len(self.mutants)}")
        if not self.hints or not all(len(h) == 2 and all(h) for h in self.hints):
            raise ValueError(f"{where}: hints must be (English, Chinese) pairs, at least one")
        if f"def {self.entry}" not in self.stub and f"class {self.entry}" not in self.stub:
            raise ValueError(f"{where}: the stub must define {self.entry!r}")

    @property
    def reference_module(self) -> str:
        return self.reference.split(":", 1)[0]

    def load_reference(self) -> Any:
        """The library's implementation (a function or a class)."""
        module, qualname = self.reference.split(":", 1)
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        return obj

    @property
    def places(self) -> tuple[tuple[str, str], ...]:
        return tuple(tuple(p.split(":", 1)) for p in self.at)  # type: ignore[misc]
