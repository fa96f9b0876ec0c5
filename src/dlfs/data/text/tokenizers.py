"""Tokenizers written from scratch: characters, words, and byte-level BPE.

Each has ``encode(text) -> list[int]``, ``decode(ids) -> str``, ``vocab_size``, and
``save(path)`` / :func:`load_tokenizer(path)` as JSON.

Byte-level BPE (byte pair encoding) starts from the 256 possible bytes, so any text can be
encoded, and learns merges: repeatedly replace the most frequent adjacent pair of tokens by a
new token. Encoding applies the learned merges in the order they were learned.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ...errors import DlfsError
from ...i18n import t

# ----------------------------------------------------------------------------- characters


class CharTokenizer:
    """One token per character; the vocabulary is the sorted set of characters seen.

    >>> tok = CharTokenizer.from_text("hello")
    >>> tok.encode("hell"), tok.decode([3, 1]), tok.vocab_size
    ([1, 0, 2, 2], 'oh', 4)
    """

    kind = "char"

    def __init__(self, chars: Sequence[str]):
        if len(set(chars)) != len(chars) or any(len(c) != 1 for c in chars):
            raise ValueError("CharTokenizer: chars must be distinct single characters")
        self.itos = list(chars)
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        return cls(sorted(set(text)))

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        try:
            return [self.stoi[c] for c in text]
        except KeyError as exc:
            pos = next(i for i, c in enumerate(text) if c not in self.stoi)
            raise ValueError(f"CharTokenizer.encode: character {exc.args[0]!r} at position "
                             f"{pos} is not in the vocabulary of {self.vocab_size} "
                             "characters") from None

    def decode(self, ids: Iterable[int]) -> str:
        out = []
        for i in ids:
            if not 0 <= i < self.vocab_size:
                raise ValueError(f"CharTokenizer.decode: id {i} outside [0, {self.vocab_size})")
            out.append(self.itos[i])
        return "".join(out)

    def to_dict(self) -> dict:
        return {"type": self.kind, "chars": self.itos}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False), encoding="utf-8")


# ----------------------------------------------------------------------------- words

_WORD_RE = re.compile(r"\w+|[^\w\s]")
SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")


class WordTokenizer:
    """Words and punctuation marks, with ``<pad> <unk> <bos> <eos>`` at ids 0–3.

    Words seen fewer than ``min_freq`` times map to ``<unk>``. Decoding joins tokens with
    spaces, so it returns the token sequence, not the original spacing.

    >>> tok = WordTokenizer.from_text("the cat saw the dog.", min_freq=1)
    >>> tok.decode(tok.encode("the dog saw a cat"))
    'the dog saw <unk> cat'
    """

    kind = "word"

    def __init__(self, words: Sequence[str]):
        self.itos = list(SPECIALS) + [w for w in words if w not in SPECIALS]
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        self.pad_id, self.unk_id, self.bos_id, self.eos_id = range(4)

    @staticmethod
    def tokenize(text: str) -> list[str]:
        """Split into words (letters, digits, underscore) and single punctuation marks."""
        return _WORD_RE.findall(text)

    @classmethod
    def from_text(cls, text: str, *, min_freq: int = 1,
                  max_size: int | None = None) -> WordTokenizer:
        if min_freq < 1:
            raise ValueError(f"WordTokenizer: min_freq must be >= 1, got {min_freq}")
        counts = Counter(cls.tokenize(text))
        ranked = sorted((w for w, c in counts.items() if c >= min_freq),
                        key=lambda w: (-counts[w], w))
        return cls(ranked[:max_size] if max_size is not None else ranked)

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def encode(self, text: str, *, add_special: bool = False) -> list[int]:
        ids = [self.stoi.get(w, self.unk_id) for w in self.tokenize(text)]
        return [self.bos_id, *ids, self.eos_id] if add_special else ids

    def decode(self, ids: Iterable[int], *, skip_special: bool = False) -> str:
        words = [self.itos[i] for i in ids]
        if skip_special:
            words = [w for w in words if w not in (SPECIALS[0], SPECIALS[2], SPECIALS[3])]
        return " ".join(words)

    def to_dict(self) -> dict:
        return {"type": self.kind, "words": self.itos[len(SPECIALS):]}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False), encoding="utf-8")


# ----------------------------------------------------------------------------- byte-level BPE

# Pre-split text into chunks so merges never cross a word boundary: an optional space plus
# letters, an optional space plus digits, an optional space plus other symbols, or spaces.
_CHUNK_RE = re.compile(r" ?[^\W\d_]+| ?\d+| ?[^\w\s]+|\s+(?!\S)|\s+")


def _chunks(text: str) -> Iterator[str]:
    """Regex chunks of ``text``; anything the pattern skips (e.g. ``_``) is its own chunk,
    so the chunks always concatenate back to ``text``."""
    pos = 0
    for m in _CHUNK_RE.finditer(text):
        if m.start() > pos:
            yield text[pos:m.start()]
        yield m.group()
        pos = m.end()
    if pos < len(text):
        yield text[pos:]


def _merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every non-overlapping occurrence of ``pair`` (left to right) by ``new_id``."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


class ByteBPETokenizer:
    """Byte-level BPE. ``merges[k] = (a, b)`` means token ``256 + k`` is ``a`` followed by ``b``.

    >>> tok = ByteBPETokenizer.train("aaabdaaabac", vocab_size=259)
    >>> tok.merges                       # (a, a), then (a, b), then (aa, ab)
    [(97, 97), (97, 98), (256, 257)]
    >>> tok.encode("aaabdaaabac")
    [258, 100, 258, 97, 99]
    """

    kind = "byte-bpe"

    def __init__(self, merges: Sequence[tuple[int, int]]):
        self.merges = [tuple(m) for m in merges]
        self.ranks = {pair: 256 + k for k, pair in enumerate(self.merges)}
        self.vocab = [bytes([b]) for b in range(256)]
        for k, (a, b) in enumerate(self.merges):
            if not (0 <= a < 256 + k and 0 <= b < 256 + k):
                raise ValueError(f"ByteBPETokenizer: merge {k} {(a, b)} names a later token")
            self.vocab.append(self.vocab[a] + self.vocab[b])
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def train(cls, text: str, vocab_size: int, *, min_count: int = 2) -> ByteBPETokenizer:
        """Learn ``vocab_size - 256`` merges (fewer if no pair occurs ``min_count`` times).

        Ties between equally frequent pairs go to the smaller pair ``(a, b)``, so training
        is deterministic. Pair counts are updated incrementally, only for chunks that
        contain the merged pair.
        """
        if vocab_size < 256:
            raise ValueError(f"ByteBPETokenizer: vocab_size must be >= 256, got {vocab_size}")
        chunk_counts = Counter(c.encode("utf-8") for c in _chunks(text))
        words = [list(b) for b in chunk_counts]
        freqs = list(chunk_counts.values())
        pair_counts: Counter[tuple[int, int]] = Counter()
        where: defaultdict[tuple[int, int], set[int]] = defaultdict(set)
        for wi, w in enumerate(words):
            for pair in zip(w, w[1:]):
                pair_counts[pair] += freqs[wi]
                where[pair].add(wi)
        merges: list[tuple[int, int]] = []
        for new_id in range(256, vocab_size):
            if not pair_counts:
                break
            pair, count = min(pair_counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if count < min_count:
                break
            merges.append(pair)
            for wi in where.pop(pair):
                old = words[wi]
                for p in zip(old, old[1:]):
                    pair_counts[p] -= freqs[wi]
                    if pair_counts[p] <= 0:
                        del pair_counts[p]
                words[wi] = new = _merge(old, pair, new_id)
                for p in zip(new, new[1:]):
                    pair_counts[p] += freqs[wi]
                    where[p].add(wi)
        return cls(merges)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def _encode_chunk(self, chunk: str) -> list[int]:
        cached = self._cache.get(chunk)
        if cached is not None:
            return cached
        ids = list(chunk.encode("utf-8"))
        while len(ids) > 1:
            # the adjacent pair that was learned first
            pair = min(zip(ids, ids[1:]), key=lambda p: self.ranks.get(p, 1 << 62))
            if pair not in self.ranks:
                break
            ids = _merge(ids, pair, self.ranks[pair])
        if len(self._cache) < 100_000:
            self._cache[chunk] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        return [i for chunk in _chunks(text) for i in self._encode_chunk(chunk)]

    def decode(self, ids: Iterable[int]) -> str:
        try:
            data = b"".join(self.vocab[i] for i in ids)
        except IndexError:
            raise ValueError(f"ByteBPETokenizer.decode: an id is outside [0, "
                             f"{self.vocab_size})") from None
        return data.decode("utf-8", errors="replace")

    def to_dict(self) -> dict:
        return {"type": self.kind, "merges": [list(m) for m in self.merges]}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict()), encoding="utf-8")


# ----------------------------------------------------------------------------- loading

_KINDS = {cls.kind: cls for cls in (CharTokenizer, WordTokenizer, ByteBPETokenizer)}


def tokenizer_from_dict(data: dict) -> CharTokenizer | WordTokenizer | ByteBPETokenizer:
    """Rebuild a tokenizer from its ``to_dict()`` form."""
    kind = data.get("type")
    if kind == "char":
        return CharTokenizer(data["chars"])
    if kind == "word":
        return WordTokenizer(data["words"])
    if kind == "byte-bpe":
        return ByteBPETokenizer([tuple(m) for m in data["merges"]])
    raise DlfsError(t("library.tokenizer.unknown_type", kind=kind, kinds=sorted(_KINDS)))


def load_tokenizer(path: str | Path) -> CharTokenizer | WordTokenizer | ByteBPETokenizer:
    """Load a tokenizer saved with ``save(path)``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DlfsError(t("library.tokenizer.unreadable", path=path, error=exc)) from exc
    return tokenizer_from_dict(data)
