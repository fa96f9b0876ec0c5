"""Which standard-library package does a line of Python come from? A small, real, offline
sequence-classification set (a stand-in for Liu Er's names-by-country data, which cannot be
downloaded here).

Each example is one stripped source line (8 to 80 characters) from the ``.py`` files of a
package of the Python that runs this code (tests excluded), labelled with the package.
Lines that occur in more than one package (``return None``, ``else:`` …) are dropped, as
are duplicates. Each class is sampled to the same size (seeded), then split 80/20 by line;
lines of one file can land on both sides, so the test set measures style recognition, not
generalization to unseen files. Inputs are characters as ids ``min(ord(c), 127) + 1``, with
0 for padding (ASCII, as in the lecture).
"""

from __future__ import annotations

import random
import sysconfig
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PACKAGES", "SourceLines", "encode_line", "load_source_lines"]

PACKAGES = ("asyncio", "email", "logging", "unittest", "xml")
VOCAB_SIZE = 129          # 0 = <pad>, 1..128 = characters (everything above 126 shares 128)


def encode_line(line: str) -> list[int]:
    """Characters -> ids in 1..128 (0 is padding).

    >>> encode_line("a(")
    [98, 41]
    """
    return [min(ord(c), 127) + 1 for c in line]


def _package_lines(root: Path, package: str) -> set[str]:
    lines: set[str] = set()
    for path in sorted((root / package).rglob("*.py")):
        if {"test", "tests"} & set(path.relative_to(root).parts):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        lines.update(s for s in (raw.strip() for raw in text.splitlines())
                     if 8 <= len(s) <= 80)
    return lines


@dataclass(frozen=True)
class SourceLines:
    """``train`` / ``test``: lists of (line, label index); ``classes``: package names."""

    train: list[tuple[str, int]]
    test: list[tuple[str, int]]
    classes: tuple[str, ...]


def load_source_lines(packages: Sequence[str] = PACKAGES, per_class: int = 1500,
                      seed: int = 0) -> SourceLines:
    """Sample ``per_class`` distinct lines per package; 80% train, 20% test."""
    root = Path(sysconfig.get_paths()["stdlib"])
    by_package = {p: _package_lines(root, p) for p in packages}
    owners: dict[str, set[str]] = defaultdict(set)
    for package, lines in by_package.items():
        for line in lines:
            owners[line].add(package)
    rng = random.Random(seed)
    train, test = [], []
    for label, package in enumerate(packages):
        unique = sorted(line for line in by_package[package] if len(owners[line]) == 1)
        if len(unique) < per_class:
            raise ValueError(f"load_source_lines: package {package!r} has only "
                             f"{len(unique)} usable lines, asked for {per_class}")
        picked = rng.sample(unique, per_class)
        cut = int(0.8 * per_class)
        train += [(line, label) for line in picked[:cut]]
        test += [(line, label) for line in picked[cut:]]
    rng.shuffle(train)
    return SourceLines(train, test, tuple(packages))
