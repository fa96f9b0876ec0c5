"""A small translation task: human-written dates -> ISO ``YYYY-MM-DD``, made from ``datetime``.

    "3 de marzo de 2021"        -> "2021-03-03"
    "Wednesday, March 3, 2021"  -> "2021-03-03"
    "3. März 2021"              -> "2021-03-03"

Sources use many formats and month names in English, French, German and Spanish (tables
below, written for this module). Everything is generated from a seed, offline. The split is
**by date**: every calendar day of the range is either a training or a test day, so the test
set asks for dates the model has never seen in any format. Sequences are character-level;
one vocabulary (with ``<pad>=0, <bos>=1, <eos>=2``) serves source and target.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from torch import Tensor

from .batching import pad_sequences

__all__ = ["FORMATS", "CharVocab", "DateBatch", "DateTask", "Seq2SeqBatch", "Seq2SeqTask",
           "format_date", "make_date_task"]

MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"],
}
WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _en(d: dt.date) -> str:
    return MONTHS["en"][d.month - 1]


def _ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


#: name -> function(date) -> the date written in that style
FORMATS: dict[str, Callable[[dt.date], str]] = {
    "en_day_month": lambda d: f"{d.day} {_en(d)} {d.year}",
    "en_month_day": lambda d: f"{_en(d)} {d.day}, {d.year}",
    "en_abbr": lambda d: f"{_en(d)[:3]} {d.day}, {d.year}",
    "en_abbr_upper": lambda d: f"{d.day:02d} {_en(d)[:3].upper()} {d.year}",
    "en_weekday": lambda d: f"{WEEKDAYS_EN[d.weekday()]}, {_en(d)} {d.day}, {d.year}",
    "en_ordinal": lambda d: f"{_ordinal(d.day)} of {_en(d)} {d.year}",
    "fr": lambda d: f"{d.day} {MONTHS['fr'][d.month - 1]} {d.year}",
    "fr_le": lambda d: f"le {'1er' if d.day == 1 else d.day} {MONTHS['fr'][d.month - 1]} "
                       f"{d.year}",
    "de": lambda d: f"{d.day}. {MONTHS['de'][d.month - 1]} {d.year}",
    "es": lambda d: f"{d.day} de {MONTHS['es'][d.month - 1]} de {d.year}",
    "slash_ymd": lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    "us_slash_mdy": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",
    "dot_dmy": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "compact": lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
}


def format_date(d: dt.date, style: str) -> str:
    """The date ``d`` written in one of :data:`FORMATS`.

    >>> format_date(dt.date(2021, 3, 3), "es"), format_date(dt.date(2021, 3, 1), "fr_le")
    ('3 de marzo de 2021', 'le 1er mars 2021')
    >>> format_date(dt.date(2021, 3, 22), "en_ordinal")
    '22nd of March 2021'
    """
    if style not in FORMATS:
        raise ValueError(f"format_date: unknown style {style!r}; known: {sorted(FORMATS)}")
    return FORMATS[style](d)


class CharVocab:
    """Characters -> ids with three specials: ``<pad>`` 0, ``<bos>`` 1, ``<eos>`` 2.

    >>> v = CharVocab("ab-")
    >>> v.encode("ba", eos=True), v.decode([5, 4, 2, 0])   # ids: - 3, a 4, b 5
    ([5, 4, 2], 'ba')
    """

    PAD, BOS, EOS = 0, 1, 2
    SPECIALS = ("<pad>", "<bos>", "<eos>")

    def __init__(self, chars: Iterable[str]):
        self.itos = [*self.SPECIALS, *sorted(set(chars))]
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str, *, bos: bool = False, eos: bool = False) -> list[int]:
        try:
            ids = [self.stoi[c] for c in text]
        except KeyError as exc:
            raise ValueError(f"CharVocab.encode: {exc.args[0]!r} is not in the vocabulary") \
                from None
        return [self.BOS] * bos + ids + [self.EOS] * eos

    def decode(self, ids: Iterable[int]) -> str:
        """Characters up to the first ``<eos>``; ``<pad>`` and ``<bos>`` are skipped."""
        out = []
        for i in ids:
            if i == self.EOS:
                break
            if i > self.EOS:
                out.append(self.itos[i])
        return "".join(out)


def _alphabet() -> set[str]:
    """Every character any format can produce (each month and weekday appears)."""
    texts = [fmt(dt.date(2000, m, d)) for fmt in FORMATS.values()
             for m in range(1, 13) for d in range(1, 8)]
    return set("".join(texts)) | set("0123456789-")


class DateBatch(NamedTuple):
    """Padded ids: ``src`` (B, S), ``src_lengths`` (B,), ``tgt_in`` (B, T) = <bos> + target,
    ``tgt_out`` (B, T) = target + <eos>."""

    src: Tensor
    src_lengths: Tensor
    tgt_in: Tensor
    tgt_out: Tensor


@dataclass(frozen=True)
class DateTask:
    """Train and test (source, target) pairs whose dates do not overlap, and the vocabulary.

    Nothing in it is specific to dates: the toy copy/sort tasks
    (:mod:`dlfs.data.text.toy_seq`) use the same container under its generic name
    :data:`Seq2SeqTask`.
    """

    train: list[tuple[str, str]]
    test: list[tuple[str, str]]
    vocab: CharVocab

    def batch(self, pairs: Sequence[tuple[str, str]]) -> DateBatch:
        """Encode and pad a list of pairs into a :class:`DateBatch`."""
        v = self.vocab
        src, src_lengths, _ = pad_sequences([v.encode(s) for s, _ in pairs], v.PAD)
        tgt_in, _, _ = pad_sequences([v.encode(t, bos=True) for _, t in pairs], v.PAD)
        tgt_out, _, _ = pad_sequences([v.encode(t, eos=True) for _, t in pairs], v.PAD)
        return DateBatch(src, src_lengths, tgt_in, tgt_out)

    def tensors(self, split: str) -> DateBatch:
        """The whole ``'train'`` or ``'test'`` split as one padded batch."""
        return self.batch(self.train if split == "train" else self.test)


#: Generic names for any character-level (source, target) task with this interface.
Seq2SeqTask = DateTask
Seq2SeqBatch = DateBatch


def make_date_task(n_train: int = 20_000, n_test: int = 1_000, *, seed: int = 0,
                   test_fraction: float = 0.1, years: tuple[int, int] = (1950, 2049),
                   styles: Sequence[str] | None = None) -> DateTask:
    """Every day from Jan 1 of ``years[0]`` to Dec 31 of ``years[1]`` is assigned (seeded) to
    train or test; ``n_train`` / ``n_test`` pairs are drawn from their own days, each in a
    random style of ``styles`` (default: all of :data:`FORMATS`).

    >>> task = make_date_task(50, 20, seed=1)
    >>> len(task.train), len(task.test), task.test[0][1][4], task.test[0][1][7]
    (50, 20, '-', '-')
    >>> bool({t for _, t in task.train} & {t for _, t in task.test})
    False
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"make_date_task: test_fraction must be in (0, 1), got {test_fraction}")
    styles = list(styles or FORMATS)
    for style in styles:
        format_date(dt.date(2000, 1, 1), style)                  # fails early on a bad name
    first, last = dt.date(years[0], 1, 1), dt.date(years[1], 12, 31)
    days = [first + dt.timedelta(i) for i in range((last - first).days + 1)]
    rng = random.Random(seed)
    rng.shuffle(days)
    n_test_days = max(1, int(len(days) * test_fraction))
    test_days, train_days = days[:n_test_days], days[n_test_days:]

    def draw(pool: list[dt.date], n: int) -> list[tuple[str, str]]:
        picks = [(rng.choice(pool), rng.choice(styles)) for _ in range(n)]
        return [(format_date(d, s), d.isoformat()) for d, s in picks]

    return DateTask(draw(train_days, n_train), draw(test_days, n_test), CharVocab(_alphabet()))
