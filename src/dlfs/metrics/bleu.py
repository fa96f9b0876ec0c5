"""BLEU (Papineni et al., 2002), written out from its definition.

For n = 1..N, the *modified* n-gram precision clips each candidate n-gram count by the most
times it occurs in any one reference, so repeating a correct word earns nothing extra:

    p_n = sum_g min(count_cand(g), max_ref count_ref(g)) / sum_g count_cand(g)

A brevity penalty punishes candidates shorter than the reference (c = candidate length,
r = the reference length closest to c, the shorter one on a tie):

    BP = 1 if c > r else exp(1 - r / c)

    BLEU = BP * exp(sum_n w_n log p_n),   w_n = 1 / N   (the geometric mean of the p_n)

Any p_n = 0 makes BLEU 0. ``smooth=True`` adds 1 to the matches and to the total of every
n > 1 (Lin & Och's "add-one" smoothing), so short sentences get a useful score. The corpus
version sums matches, totals, c and r over all sentences before combining.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence

__all__ = ["brevity_penalty", "corpus_bleu", "modified_precision", "ngrams", "sentence_bleu"]

Tokens = Sequence[Hashable]


def ngrams(tokens: Tokens, n: int) -> Counter:
    """Counts of the contiguous n-grams (as tuples).

    >>> ngrams("abab", 2)
    Counter({('a', 'b'): 2, ('b', 'a'): 1})
    """
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def modified_precision(candidate: Tokens, references: Sequence[Tokens], n: int
                       ) -> tuple[int, int]:
    """(clipped matches, candidate n-grams) for one sentence.

    >>> modified_precision("the the the the".split(), ["the cat on the mat".split()], 1)
    (2, 4)
    """
    counts = ngrams(candidate, n)
    max_ref: Counter = Counter()
    for ref in references:
        for gram, k in ngrams(ref, n).items():
            max_ref[gram] = max(max_ref[gram], k)
    matches = sum(min(k, max_ref[gram]) for gram, k in counts.items())
    return matches, sum(counts.values())


def closest_ref_length(candidate: Tokens, references: Sequence[Tokens]) -> int:
    """The reference length nearest to the candidate's (the shorter one on a tie)."""
    c = len(candidate)
    return min((len(r) for r in references), key=lambda r: (abs(r - c), r))


def brevity_penalty(c: int, r: int) -> float:
    """1 if c > r else exp(1 - r / c) (0 for an empty candidate).

    >>> brevity_penalty(5, 4), round(brevity_penalty(2, 6), 6) == round(math.exp(-2), 6)
    (1.0, True)
    """
    if c > r:
        return 1.0
    return math.exp(1 - r / c) if c > 0 else 0.0


def _combine(matches: list[int], totals: list[int], c: int, r: int, smooth: bool) -> float:
    log_sum = 0.0
    for n, (m, t) in enumerate(zip(matches, totals), start=1):
        if smooth and n > 1:
            m, t = m + 1, t + 1
        if m == 0 or t == 0:
            return 0.0
        log_sum += math.log(m / t) / len(matches)
    return brevity_penalty(c, r) * math.exp(log_sum)


def corpus_bleu(candidates: Sequence[Tokens], references: Sequence[Sequence[Tokens]], *,
                max_n: int = 4, smooth: bool = False) -> float:
    """BLEU of a corpus: ``candidates[i]`` is scored against ``references[i]`` (a list of
    token sequences); counts are pooled over sentences, then combined.

    >>> corpus_bleu(["a b c d".split()], [["a b c d".split()]])
    1.0
    """
    if len(candidates) != len(references):
        raise ValueError(f"corpus_bleu: {len(candidates)} candidates but {len(references)} "
                         "reference lists")
    matches, totals, c, r = [0] * max_n, [0] * max_n, 0, 0
    for cand, refs in zip(candidates, references):
        if not refs:
            raise ValueError("corpus_bleu: every candidate needs at least one reference")
        for n in range(1, max_n + 1):
            m, t = modified_precision(cand, refs, n)
            matches[n - 1] += m
            totals[n - 1] += t
        c += len(cand)
        r += closest_ref_length(cand, refs)
    return _combine(matches, totals, c, r, smooth)


def sentence_bleu(candidate: Tokens, references: Sequence[Tokens], *, max_n: int = 4,
                  smooth: bool = False) -> float:
    """BLEU of one candidate against its references.

    >>> round(sentence_bleu("the cat".split(), ["the cat is on the mat".split()], max_n=2), 4)
    0.1353
    """
    return corpus_bleu([candidate], [references], max_n=max_n, smooth=smooth)
