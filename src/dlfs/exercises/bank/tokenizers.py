"""Exercises on tokenizers: a character tokenizer and byte-level BPE training (book ch. 6,
PyTorch roadmap day 22).

Nothing here is a tensor computation, so the checkers compare with expected ids and merges
worked out in plain Python (and, for the merges, with a short independent trainer below).
"""

from __future__ import annotations

from collections import Counter

from ..cases import Case, watched
from ..schema import Exercise

# ---- CharTokenizer -----------------------------------------------------------------------

_TEXTS = ["hello", "to be, or not to be:\nthat is the question.", "深度学习从零开始，学习深度！ ok"]


def _raises(call, what: str) -> None:
    try:
        got = call()
    except ValueError:
        return
    raise AssertionError(f"{what} returned {got!r}; it must raise ValueError")


def char_tokenizer_cases(CharTokenizer):
    def from_text(text):
        return watched(CharTokenizer.from_text)(text)

    def example() -> None:
        tok = from_text("hello")
        got = (watched(tok.encode)("hell"), watched(tok.decode)([3, 1]),
               watched(getattr)(tok, "vocab_size"))
        if got != ([1, 0, 2, 2], "oh", 4):
            raise AssertionError(f"from_text('hello'): encode('hell'), decode([3, 1]), vocab_size "
                                 f"gave {got}, expected ([1, 0, 2, 2], 'oh', 4) (vocabulary "
                                 "['e', 'h', 'l', 'o'])")
    yield Case("from_text('hello'): encode('hell'), decode([3, 1]), vocab_size", example)

    for text in _TEXTS[1:]:
        def run(text=text) -> None:
            tok = from_text(text)
            vocab = sorted(set(text))
            size = watched(getattr)(tok, "vocab_size")
            if size != len(vocab):
                raise AssertionError(f"vocab_size is {size}, the text has {len(vocab)} distinct "
                                     "characters")
            ids = watched(tok.encode)(text)
            want = [vocab.index(c) for c in text]
            if list(ids) != want:
                first = next((i for i, (a, b) in enumerate(zip(ids, want)) if a != b),
                             min(len(ids), len(want)))
                raise AssertionError(f"encode: position {first} ({text[first]!r}) got id "
                                     f"{list(ids)[first] if first < len(ids) else None}, "
                                     f"expected {want[first]} (ids are positions in the sorted "
                                     f"vocabulary; {len(ids)} ids for {len(text)} characters)")
            back = watched(tok.decode)(ids)
            if back != text:
                raise AssertionError(f"decode(encode(text)) gave {back!r}, expected {text!r}")
        yield Case(f"round trip and sorted ids, text {text!r}", run)

    def given_order() -> None:
        tok = watched(CharTokenizer)(["b", "a", "c"])
        got = watched(tok.encode)("abc")
        if list(got) != [1, 0, 2]:
            raise AssertionError(f"CharTokenizer(['b', 'a', 'c']).encode('abc') gave {got}, "
                                 "expected [1, 0, 2]: the constructor keeps the given order")
        _raises(lambda: watched(CharTokenizer)(["a", "b", "a"]),
                "CharTokenizer(['a', 'b', 'a']) (a repeated character)")
    yield Case("CharTokenizer(['b', 'a', 'c']) keeps the given order; repeats raise ValueError",
               given_order)

    def unknown() -> None:
        tok = from_text("abc")
        _raises(lambda: watched(tok.encode)("abz"), "encode('abz') with 'z' unknown")
        _raises(lambda: watched(tok.decode)([0, 3]), "decode([0, 3]) with vocab_size 3")
        _raises(lambda: watched(tok.decode)([-1]), "decode([-1])")
    yield Case("unknown characters and ids raise ValueError", unknown)


class _CharBase:
    first_seen, skip_unknown, offset = False, False, 0

    def __init__(self, chars):
        if len(set(chars)) != len(chars):
            raise ValueError("repeated character")
        self.itos = list(chars)
        self.stoi = {c: i + self.offset for i, c in enumerate(self.itos)}

    @classmethod
    def from_text(cls, text):
        return cls(list(dict.fromkeys(text)) if cls.first_seen else sorted(set(text)))

    @property
    def vocab_size(self):
        return len(self.itos)

    def encode(self, text):
        if self.skip_unknown:
            return [self.stoi[c] for c in text if c in self.stoi]
        if any(c not in self.stoi for c in text):
            raise ValueError("unknown character")
        return [self.stoi[c] for c in text]

    def decode(self, ids):
        ids = [i - self.offset for i in ids]
        if any(not 0 <= i < len(self.itos) for i in ids):
            raise ValueError("unknown id")
        return "".join(self.itos[i] for i in ids)


class _CharFirstSeen(_CharBase):
    """Planted bug: the vocabulary in order of first appearance instead of sorted."""
    first_seen = True


class _CharFromOne(_CharBase):
    """Planted bug: ids start at 1 (as if 0 were reserved for padding)."""
    offset = 1


class _CharSkipsUnknown(_CharBase):
    """Planted bug: unknown characters are silently dropped."""
    skip_unknown = True


# ---- byte-level BPE training -------------------------------------------------------------


def _pre_split(text: str) -> list[str]:
    from dlfs.data.text.tokenizers import _chunks
    return list(_chunks(text))


def _merge(ids: list[int], pair: tuple[int, int], new: int) -> list[int]:
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def _train(text: str, vocab_size: int, min_count: int = 2) -> list[tuple[int, int]]:
    """A plain trainer (recounts every pair at every step), to compare with."""
    words = [list(chunk.encode("utf-8")) for chunk in _pre_split(text)]
    merges: list[tuple[int, int]] = []
    for new in range(256, vocab_size):
        counts = Counter(p for w in words for p in zip(w, w[1:]))
        if not counts:
            break
        pair, count = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if count < min_count:
            break
        merges.append(pair)
        words = [_merge(w, pair, new) for w in words]
    return merges


_BPE = [("aaabdaaabac", 259, 2),
        ("aaaaa", 260, 2),                  # overlapping pairs: 'aaaaa' has (a, a) 4 times
        ("aaaaa", 260, 1),
        ("cdcd abab", 262, 1),              # (c, d) and (a, b) tie: the smaller pair first
        ("low lower lowest newer wider new low", 270, 2),
        ("你好你好，世界你好", 262, 2),          # UTF-8: each character is 3 bytes
        ("the_cat the_cat; 12 12 12", 266, 2),
        ("abcd", 300, 2)]                   # no pair occurs twice: no merge


def _as_merges(result, what: str) -> list[tuple[int, int]]:
    merges = getattr(result, "merges", result)   # the library returns a tokenizer
    try:
        return [tuple(int(v) for v in m) for m in merges]
    except (TypeError, ValueError):
        raise AssertionError(f"{what}: expected a list of (a, b) pairs, got {result!r}") from None


def bpe_train_cases(impl):
    f = watched(impl)
    for text, vocab_size, min_count in _BPE:
        def run(text=text, vocab_size=vocab_size, min_count=min_count) -> None:
            what = f"bpe_train({text!r}, vocab_size={vocab_size}, min_count={min_count})"
            got = _as_merges(f(text, vocab_size, min_count=min_count), what)
            want = _train(text, vocab_size, min_count)
            for k, (a, b) in enumerate(zip(got, want)):
                if a != b:
                    raise AssertionError(f"{what}: merge {k} (new token {256 + k}) is {a}, "
                                         f"expected {b}; merges so far {want[:k]}")
            if len(got) != len(want):
                raise AssertionError(f"{what}: {len(got)} merges, expected {len(want)}: {want}")
        yield Case(f"text {text!r}, vocab_size={vocab_size}, min_count={min_count}", run)


def _bpe_mutant(text, vocab_size, min_count=2, *, overlap=False, first_seen=False,
                chunks=True, use_min=True):
    words = ([list(c.encode("utf-8")) for c in _pre_split(text)] if chunks
             else [list(text.encode("utf-8"))])
    merges = []
    for new in range(256, vocab_size):
        counts = Counter(p for w in words for p in zip(w, w[1:]))
        if not counts:
            break
        pair, count = (counts.most_common(1)[0] if first_seen
                       else min(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        if use_min and count < min_count:
            break
        merges.append(pair)
        if overlap:                               # every position starting the pair
            words = [[new if (w[i], w[i + 1] if i + 1 < len(w) else None) == pair else w[i]
                      for i in range(len(w))] for w in words]
        else:
            words = [_merge(w, pair, new) for w in words]
    return merges


def _bpe_overlapping(text, vocab_size, min_count=2):
    """Planted bug: replaces the pair at every position where it starts, overlaps included
    ('aaa' with (a, a) becomes two new tokens and a leftover 'a')."""
    return _bpe_mutant(text, vocab_size, min_count, overlap=True)


def _bpe_first_seen_tie(text, vocab_size, min_count=2):
    """Planted bug: breaks ties by first appearance (Counter.most_common)."""
    return _bpe_mutant(text, vocab_size, min_count, first_seen=True)


def _bpe_across_words(text, vocab_size, min_count=2):
    """Planted bug: merges across word boundaries (no pre-splitting)."""
    return _bpe_mutant(text, vocab_size, min_count, chunks=False)


def _bpe_no_min_count(text, vocab_size, min_count=2):
    """Planted bug: keeps merging pairs that occur fewer than min_count times."""
    return _bpe_mutant(text, vocab_size, min_count, use_min=False)


# ---- the exercises -----------------------------------------------------------------------

EXERCISES = [
    Exercise(
        id="char_tokenizer", entry="CharTokenizer", lesson="text-preprocessing",
        at=("book:6", "pytorch:22"),
        title=("A character tokenizer", "字符级分词器"),
        task=("One token per character. CharTokenizer(chars) takes a list of distinct "
              "single characters and gives character chars[i] the id i (a repeated character "
              "raises ValueError). The classmethod from_text(text) builds it from the sorted "
              "set of characters in text, so ids follow code-point order. encode(text) returns "
              "the list of ids (an unknown character raises ValueError), decode(ids) the string "
              "(an id outside [0, vocab_size) raises ValueError), and the property vocab_size "
              "the number of characters. decode(encode(s)) == s for every s made of known "
              "characters.",
              "每个字符一个词元。CharTokenizer(chars) 接收由互不相同的单个字符组成的列表，字符 "
              "chars[i] 的 id 为 i（有重复字符时抛出 ValueError）。类方法 from_text(text) 用 text "
              "中字符排好序的集合来构建，所以 id 按码位顺序排列。encode(text) 返回 id "
              "列表（遇到未知字符抛出 ValueError），decode(ids) 返回字符串（id 不在 [0, "
              "vocab_size) 内时抛出 ValueError），属性 vocab_size 是字符的个数。对任何只由已知字符"
              "组成的 s，都有 decode(encode(s)) == s。"),
        stub='''
            class CharTokenizer:
                def __init__(self, chars: list[str]):
                    """chars: distinct single characters; chars[i] gets id i."""

                @classmethod
                def from_text(cls, text: str) -> "CharTokenizer":
                    """The sorted set of the characters in text."""

                @property
                def vocab_size(self) -> int:
                    """The number of characters."""

                def encode(self, text: str) -> list[int]:
                    """One id per character."""

                def decode(self, ids: list[int]) -> str:
                    """The characters of the ids, joined."""
        ''',
        reference="dlfs.data.text.tokenizers:CharTokenizer",
        cases=char_tokenizer_cases,
        mutants={"vocabulary in order of appearance": _CharFirstSeen,
                 "ids start at 1": _CharFromOne,
                 "unknown characters skipped": _CharSkipsUnknown},
        hints=(("Keep two tables: itos, the list of characters, and stoi = {c: i for i, c in "
                "enumerate(itos)}; sorted(set(text)) is the vocabulary of from_text.",
                "保存两张表：itos 是字符列表，stoi = {c: i for i, c in enumerate(itos)}；"
                "from_text 的词表就是 sorted(set(text))。"),
               ("len(set(chars)) != len(chars) detects a repeated character; a KeyError from "
                "stoi becomes raise ValueError(...) from None.",
                "len(set(chars)) != len(chars) 可以发现重复字符；把 stoi 查不到时的 KeyError 改为 "
                "raise ValueError(...) from None。")),
    ),
    Exercise(
        id="bpe_train", entry="bpe_train", lesson="text-preprocessing", at=("book:6",),
        title=("Training byte-level BPE", "训练字节级 BPE"),
        task=("Learn byte-pair-encoding merges from a text. Split the text into chunks with "
              "the given pre-splitter _chunks(text) (merges never cross a chunk) and turn each "
              "chunk into its UTF-8 bytes (ids 0-255). Then, for new ids 256, 257, ... up to "
              "vocab_size - 1: count every adjacent pair of ids in every chunk (overlapping "
              "pairs count: 'aaa' holds (a, a) twice), pick the most frequent pair, breaking "
              "ties by the smaller pair (a, b) (plain tuple order), stop if its count is below "
              "min_count (or no pair is left), otherwise record it and replace it everywhere by "
              "the new id, scanning each chunk left to right without overlaps ('aaa' becomes "
              "[new, a]). Return the merges in order: merges[k] = (a, b) is token 256 + k.",
              "从文本中学习字节对编码（BPE）的合并规则。先用给定的预切分函数 _chunks(text) "
              "把文本切成若干块（合并不会跨块），再把每一块变成它的 UTF-8 字节（id 为 "
              "0-255）。然后对新 id 256、257……直到 vocab_size - 1：统计每一块中所有相邻的 id "
              "对（重叠的也算：'aaa' 含两个 (a, a)），选出现次数最多的一对，次数相同时取较小的 (a, "
              "b)（按普通元组顺序比较）；若它的次数小于 min_count（或已没有任何相邻对）就停止，否则"
              "记下它，并把它在各处都替换成新 id——每一块从左到右扫描、不重叠（'aaa' 变成 [new, "
              "a]）。按顺序返回合并规则：merges[k] = (a, b) 就是词元 256 + k。"),
        stub='''
            def bpe_train(text: str, vocab_size: int,
                          min_count: int = 2) -> list[tuple[int, int]]:
                """Merges learned from text; merges[k] = (a, b) is token 256 + k."""
        ''',
        reference="dlfs.data.text.tokenizers:ByteBPETokenizer.train",
        imports=("from dlfs.data.text.tokenizers import _chunks  # the pre-splitter, given",),
        allowed=("dlfs.data.text.tokenizers:_chunks",),
        cases=bpe_train_cases,
        mutants={"overlapping replacement": _bpe_overlapping,
                 "ties broken by first appearance": _bpe_first_seen_tie,
                 "merges across words": _bpe_across_words,
                 "min_count ignored": _bpe_no_min_count},
        hints=(("words = [list(chunk.encode('utf-8')) for chunk in _chunks(text)]; "
                "Counter(p for w in words for p in zip(w, w[1:])) counts the pairs.",
                "words = [list(chunk.encode('utf-8')) for chunk in _chunks(text)]；"
                "Counter(p for w in words for p in zip(w, w[1:])) 统计相邻对。"),
               ("min(counts.items(), key=lambda kv: (-kv[1], kv[0])) is the most frequent pair "
                "with ties going to the smaller pair.",
                "min(counts.items(), key=lambda kv: (-kv[1], kv[0])) 就是出现最多、"
                "且次数相同时取较小的那一对。"),
               ("To replace: walk i over the ids; if ids[i], ids[i + 1] is the pair, append the "
                "new id and jump i += 2, else append ids[i] and i += 1.",
                "替换时用下标 i 遍历：若 ids[i], ids[i + 1] 正是这一对，就追加新 id 并令 i += 2，"
                "否则追加 ids[i] 并令 i += 1。")),
    ),
]
