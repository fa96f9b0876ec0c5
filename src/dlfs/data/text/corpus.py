"""Offline text corpora that ship with Python itself.

* ``help``: the English help topics of the interactive ``help()`` system
  (``pydoc_data.topics``), about 465 K characters of prose with code samples.
* ``stdlib``: the standard library's own ``.py`` sources (tests excluded), several MB of code.
* any path: a UTF-8 text file of your own (``dlfs train gpt --data FILE``).

Splits are contiguous (first 80 % train, next 10 % validation, last 10 % test), so no
sentence is shared between them, and deterministic.
"""

from __future__ import annotations

import sysconfig
from dataclasses import dataclass
from pathlib import Path

from ...errors import DlfsError
from ...i18n import t

SPLITS = (0.8, 0.1, 0.1)


def help_topics_text() -> str:
    """Every help topic, in sorted order of its name, separated by blank lines."""
    from pydoc_data.topics import topics

    return "\n\n".join(topics[name].strip() for name in sorted(topics)) + "\n"


def stdlib_source_text(max_chars: int | None = None) -> str:
    """Standard-library ``.py`` files (no tests, no site-packages), sorted by path.

    ``max_chars`` stops after roughly that many characters (whole files only).
    """
    root = Path(sysconfig.get_paths()["stdlib"])
    skip = {"test", "tests", "idle_test", "site-packages", "__pycache__", "lib2to3"}
    parts: list[str] = []
    total = 0
    for path in sorted(root.rglob("*.py")):
        if skip.intersection(path.relative_to(root).parts):
            continue
        try:
            source = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        parts.append(f"# file: {path.relative_to(root).as_posix()}\n{source}")
        total += len(parts[-1])
        if max_chars is not None and total >= max_chars:
            break
    return "\n".join(parts)


@dataclass(frozen=True)
class TextCorpus:
    """A named text with contiguous train/val/test splits."""

    name: str
    text: str

    def split(self, which: str) -> str:
        """``'train'``, ``'val'`` or ``'test'`` part of the text."""
        n = len(self.text)
        a, b = int(n * SPLITS[0]), int(n * (SPLITS[0] + SPLITS[1]))
        parts = {"train": self.text[:a], "val": self.text[a:b], "test": self.text[b:]}
        if which not in parts:
            raise ValueError(f"split must be 'train', 'val' or 'test', got {which!r}")
        return parts[which]

    @property
    def alphabet(self) -> list[str]:
        """The distinct characters, sorted."""
        return sorted(set(self.text))

    def describe(self) -> str:
        """One line: size, distinct characters, split sizes."""
        names = {"train": t("library.corpus.split.train"), "val": t("library.corpus.split.val"),
                 "test": t("library.corpus.split.test")}
        sizes = t("library.corpus.list_sep").join(
            f"{names[s]} {len(self.split(s)):,}" for s in ("train", "val", "test"))
        return t("library.corpus.describe", name=self.name, chars=len(self.text),
                 distinct=len(self.alphabet), sizes=sizes)


def _read_text_file(path: Path) -> str:
    """A user's corpus file; a :class:`DlfsError` says what ``--data`` should have named
    and what it names instead (no such path, a directory, not UTF-8, too short)."""
    if path.is_dir():
        raise DlfsError(t("library.corpus.is_dir", path=path))
    if not path.is_file():
        raise DlfsError(t("library.corpus.missing", path=path))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DlfsError(t("library.corpus.not_utf8", path=path,
                          bytes=raw[exc.start:exc.start + 4], at=exc.start)) from exc
    if len(text) < 100:
        raise DlfsError(t("library.corpus.too_short", path=path, n=len(text)))
    return text


def load_corpus(name_or_path: str = "help", *, max_chars: int | None = None) -> TextCorpus:
    """Load ``'help'``, ``'stdlib'`` or a UTF-8 text file; ``max_chars`` truncates."""
    if name_or_path == "help":
        text = help_topics_text()
    elif name_or_path == "stdlib":
        text = stdlib_source_text(max_chars)
    else:
        text = _read_text_file(Path(name_or_path))
    if max_chars is not None:
        text = text[:max_chars]
    return TextCorpus(name=str(name_or_path), text=text)
