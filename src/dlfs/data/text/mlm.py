"""BERT's data: the masked-language-model (MLM) rule, a character vocabulary with [CLS] and
[MASK], the unlabelled source lines it pre-trains on and the labelled ones it fine-tunes on.

The masking rule (Devlin et al., 2018). Among the positions that hold an ordinary token
(never [PAD], [CLS], [MASK] or another special id)::

    chosen_t ~ Bernoulli(p)                                   p = 0.15 by default
    if chosen:   input_t = [MASK]          with probability 0.8
                 input_t = a random token  with probability 0.1   (uniform over ordinary ids)
                 input_t = x_t             with probability 0.1   (left as it was)
                 label_t = x_t
    otherwise:   input_t = x_t,  label_t = -100                   (ignored by the loss)

The model must predict x_t at every chosen position, so it cannot learn "only [MASK] needs
an answer" (it never sees [MASK] at fine-tuning time); the random 10 % keep it from trusting
every visible token. Draws, in this order, from ``generator``: ``u = rand(B, T)`` (chosen:
``u < p``), ``v = rand(B, T)`` (``v < 0.8``: [MASK]; ``0.8 <= v < 0.9``: random; else kept),
then ``randint`` for the random ids.

The vocabulary (:class:`BertTokenizer`): byte-level BPE merges learned on the pre-training
text (:class:`~dlfs.data.text.tokenizers.ByteBPETokenizer`, ids 0..K-1, K = its vocabulary
size), then three special ids: K = [PAD], K + 1 = [CLS], K + 2 = [MASK]. Sub-word tokens, as
BERT's WordPiece: an identifier such as ``getLogger`` becomes a few tokens instead of nine
characters, so a line is about 16 tokens. A line is encoded as ``[CLS] t_1 ... t_n`` (no
[SEP] and no second segment: there is no next-sentence task); pre-training packs
consecutive lines, separated by the newline's token, into chunks of up to ``max_len`` ids.

The text, all offline: pre-training reads the distinct lines (8 to 80 characters, stripped)
of the source of the five packages of the task, or of the whole standard library
(:func:`dlfs.data.text.corpus.stdlib_source_text`), except the held-out test lines of the
fine-tuning task, which it never sees. Fine-tuning asks which of five packages a line comes
from (:func:`~dlfs.data.text.source_lines.load_source_lines`), with only a few labelled
lines per package.
"""

from __future__ import annotations

import sysconfig
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from .batching import pad_sequences
from .corpus import stdlib_source_text
from .source_lines import PACKAGES, load_source_lines
from .tokenizers import ByteBPETokenizer

__all__ = ["IGNORE_INDEX", "BertTokenizer", "FineTuneData", "finetune_data", "mask_tokens",
           "package_source_text", "pretraining_lines"]

IGNORE_INDEX = -100                    # cross_entropy's default ignore_index


def mask_tokens(ids: Tensor, *, vocab_size: int, mask_id: int,
                special_ids: Collection[int] = (), mask_prob: float = 0.15,
                generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    """The MLM corruption of ``ids`` (B, T) int64 -> ``(inputs, labels)``, both (B, T) int64.

    ``special_ids`` (and ``mask_id``) are never chosen and never drawn as the random token;
    ``labels`` hold the original id at chosen positions and -100 elsewhere. ``ids`` is not
    modified. See the module docstring for the rule and the order of the random draws.

    >>> ids = torch.tensor([[129, 5, 6, 7, 0]])
    >>> inputs, labels = mask_tokens(ids, vocab_size=131, mask_id=130,
    ...                              special_ids=(0, 129), mask_prob=1.0,
    ...                              generator=torch.Generator().manual_seed(0))
    >>> labels.tolist()                             # every ordinary position chosen
    [[-100, 5, 6, 7, -100]]
    """
    _check_mask_args(ids, vocab_size, mask_id, special_ids, mask_prob)
    special = torch.tensor(sorted({*special_ids, mask_id}), dtype=torch.long)
    ordinary = torch.ones(vocab_size, dtype=torch.bool)
    ordinary[special] = False
    candidates = ordinary.nonzero().squeeze(1)                        # ids a random draw gives
    eligible = ~torch.isin(ids, special)                              # (B, T)
    u = torch.rand(ids.shape, generator=generator)
    v = torch.rand(ids.shape, generator=generator)
    chosen = eligible & (u < mask_prob)                               # (B, T)
    to_mask = chosen & (v < 0.8)
    to_random = chosen & (v >= 0.8) & (v < 0.9)
    random_ids = candidates[torch.randint(len(candidates), ids.shape, generator=generator)]
    inputs = torch.where(to_mask, torch.full_like(ids, mask_id), ids)
    inputs = torch.where(to_random, random_ids, inputs)
    labels = torch.where(chosen, ids, torch.full_like(ids, IGNORE_INDEX))
    return inputs, labels


def _check_mask_args(ids: Tensor, vocab_size: int, mask_id: int, special_ids: Collection[int],
                     mask_prob: float) -> None:
    if not isinstance(ids, Tensor) or ids.dtype != torch.long or ids.dim() != 2:
        got = f"{ids.dtype} {tuple(ids.shape)}" if isinstance(ids, Tensor) else \
            type(ids).__name__
        raise TypeError(f"mask_tokens: ids must be an int64 tensor of shape (B, T), got {got}")
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 2:
        raise ValueError(f"mask_tokens: vocab_size must be an int >= 2, got {vocab_size!r}")
    if not 0 <= mask_id < vocab_size:
        raise ValueError(f"mask_tokens: mask_id {mask_id} is outside [0, {vocab_size})")
    bad = [i for i in special_ids if not 0 <= i < vocab_size]
    if bad:
        raise ValueError(f"mask_tokens: special_ids {bad} are outside [0, {vocab_size})")
    if len({*special_ids, mask_id}) >= vocab_size:
        raise ValueError("mask_tokens: every id is special; no ordinary token is left to "
                         "mask or to draw")
    if not 0.0 <= mask_prob <= 1.0:
        raise ValueError(f"mask_tokens: mask_prob must be in [0, 1], got {mask_prob}")
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
        raise ValueError(f"mask_tokens: ids must lie in [0, {vocab_size}), got values in "
                         f"[{int(ids.min())}, {int(ids.max())}]")


def package_source_text(packages: Sequence[str] = PACKAGES) -> str:
    """The ``.py`` files of some standard-library packages (tests excluded), in sorted path
    order, each after a ``# file: <path>`` line, as :func:`~dlfs.data.text.corpus.
    stdlib_source_text` writes the whole library."""
    root = Path(sysconfig.get_paths()["stdlib"])
    parts = []
    for package in packages:
        if not (root / package).is_dir():
            raise ValueError(f"package_source_text: {package!r} is not a package of the "
                             f"standard library in {root}")
        for path in sorted((root / package).rglob("*.py")):
            if {"test", "tests"} & set(path.relative_to(root).parts):
                continue
            try:
                parts.append(f"# file: {path.relative_to(root).as_posix()}\n"
                             + path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, OSError):
                continue
    return "\n".join(parts)


def pretraining_lines(source: str = "packages", *, exclude: Collection[str] = (),
                      max_chars: int | None = None, val_every: int = 50,
                      text: str | None = None) -> tuple[list[str], list[str]]:
    """The unlabelled text: distinct stripped lines of 8..80 characters, in file order,
    without the lines in ``exclude``. ``source``: ``"packages"`` (the five packages of the
    fine-tuning task, :func:`package_source_text`) or ``"stdlib"`` (the whole standard
    library, :func:`~dlfs.data.text.corpus.stdlib_source_text`); ``text`` replaces either
    (for tests). ``max_chars`` keeps only about that many characters of the source. Every
    ``val_every``-th line is held out: returns ``(train lines, validation lines)``."""
    if source not in ("packages", "stdlib"):
        raise ValueError(f"pretraining_lines: source must be 'packages' or 'stdlib', got "
                         f"{source!r}")
    if val_every < 2:
        raise ValueError(f"pretraining_lines: val_every must be >= 2, got {val_every}")
    if text is None:
        text = package_source_text() if source == "packages" else stdlib_source_text(max_chars)
    if max_chars is not None:
        text = text[:max_chars]
    skip, seen, lines = set(exclude), set(), []
    for raw in text.splitlines():
        line = raw.strip()
        if 8 <= len(line) <= 80 and line not in seen and line not in skip \
                and not line.startswith("# file: "):
            seen.add(line)
            lines.append(line)
    val = lines[::val_every]
    train = [s for i, s in enumerate(lines) if i % val_every]
    return train, val


class BertTokenizer:
    """Byte-level BPE ids plus [PAD], [CLS] and [MASK] after them (see the module docstring).

    >>> tok = BertTokenizer.train("import os\\nimport sys\\n" * 20, 260)
    >>> tok.vocab_size, tok.pad_id, tok.cls_id, tok.mask_id
    (263, 260, 261, 262)
    >>> tok.decode(tok.encode("import os", max_len=8))
    '[CLS]import os'
    """

    def __init__(self, bpe: ByteBPETokenizer) -> None:
        self.bpe = bpe
        K = bpe.vocab_size
        self.pad_id, self.cls_id, self.mask_id = K, K + 1, K + 2
        self.vocab_size = K + 3
        self.special_ids = (self.pad_id, self.cls_id, self.mask_id)
        self.newline = bpe.encode("\n")                       # the separator of packed lines

    @classmethod
    def train(cls, text: str, vocab_size: int) -> BertTokenizer:
        """Learn ``vocab_size - 256`` BPE merges on ``text`` (the three special ids come on
        top: ``vocab_size + 3`` ids in all)."""
        return cls(ByteBPETokenizer.train(text, vocab_size))

    def encode(self, line: str, max_len: int) -> list[int]:
        """``[CLS]`` then the line's tokens, cut to ``max_len`` ids in all."""
        if max_len < 2:
            raise ValueError(f"BertTokenizer.encode: max_len must be >= 2 ([CLS] and a "
                             f"token), got {max_len}")
        return [self.cls_id, *self.bpe.encode(line)[:max_len - 1]]

    def encode_batch(self, lines: Sequence[str], max_len: int) -> Tensor:
        """Lines -> ids (B, T) int64, right-padded with [PAD] to the longest (T <= max_len)."""
        ids, _, _ = pad_sequences([self.encode(s, max_len) for s in lines], pad_id=self.pad_id)
        return ids

    def pack(self, lines: Sequence[str], max_len: int) -> Tensor:
        """Consecutive lines, separated by the newline token, packed into chunks of at most
        ``max_len - 1`` tokens (a longer line is cut), each after [CLS]: (N, T) int64,
        padded. Packing keeps pre-training batches nearly free of padding."""
        if max_len < 2:
            raise ValueError(f"BertTokenizer.pack: max_len must be >= 2, got {max_len}")
        room = max_len - 1
        chunks: list[list[int]] = []
        current: list[int] = []
        for line in lines:
            ids = self.bpe.encode(line)[:room]
            joined = [*current, *self.newline, *ids] if current else ids
            if len(joined) <= room:
                current = joined
            else:
                chunks.append(current)
                current = ids
        if current:
            chunks.append(current)
        if not chunks:
            raise ValueError("BertTokenizer.pack: got no lines")
        ids, _, _ = pad_sequences([[self.cls_id, *c] for c in chunks], pad_id=self.pad_id)
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        """Ids -> text, the special ids written as ``[PAD]``, ``[CLS]``, ``[MASK]``."""
        names = {self.pad_id: "[PAD]", self.cls_id: "[CLS]", self.mask_id: "[MASK]"}
        out, run = [], []
        for i in ids:
            if i in names:
                out.append(self.bpe.decode(run))
                out.append(names[i])
                run = []
            else:
                run.append(i)
        return "".join(out) + self.bpe.decode(run)

    def to_dict(self) -> dict:
        """The BPE merges (what :meth:`from_dict` rebuilds the tokenizer from)."""
        return self.bpe.to_dict()

    @classmethod
    def from_dict(cls, data: dict) -> BertTokenizer:
        return cls(ByteBPETokenizer([tuple(m) for m in data["merges"]]))


#: the fine-tuning task's fixed split: 1500 distinct lines per package (seed 0), of which
#: 1200 may be labelled for training and 300 are held out for the test
TASK_LINES, TASK_TRAIN, TASK_SEED = 1500, 1200, 0


@dataclass(frozen=True)
class FineTuneData:
    """The labelled task: ``train`` (a few lines per class), ``test`` (held out), each a list
    of (line, label index); ``classes``: the package names."""

    train: list[tuple[str, int]]
    test: list[tuple[str, int]]
    classes: tuple[str, ...]


def finetune_data(per_class: int) -> FineTuneData:
    """Which package does a line come from? ``per_class`` labelled training lines per
    package (1..1200), and the fixed 300 held-out test lines per package: the split of
    :func:`~dlfs.data.text.source_lines.load_source_lines` with 1500 lines per package and
    seed 0, so the test set never depends on ``per_class``."""
    if isinstance(per_class, bool) or not isinstance(per_class, int) \
            or not 1 <= per_class <= TASK_TRAIN:
        raise ValueError(f"finetune_data: per_class must be an int in [1, {TASK_TRAIN}], "
                         f"got {per_class!r}")
    data = load_source_lines(PACKAGES, per_class=TASK_LINES, seed=TASK_SEED)
    taken = dict.fromkeys(range(len(data.classes)), 0)
    train = []
    for line, label in data.train:                 # already shuffled (seeded)
        if taken[label] < per_class:
            taken[label] += 1
            train.append((line, label))
    return FineTuneData(train, data.test, data.classes)
