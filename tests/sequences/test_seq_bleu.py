"""BLEU from scratch, checked on examples computed by hand."""

from __future__ import annotations

import math

import pytest

from dlfs.metrics import brevity_penalty, corpus_bleu, modified_precision, sentence_bleu

REF = "the cat is on the mat".split()
CAND = "the cat sat on the mat".split()


def test_clipping_the_classic_example():
    # Seven "the": unclipped precision would be 7/7; "the" occurs at most twice in a reference.
    cand = "the the the the the the the".split()
    refs = [REF, "there is a cat on the mat".split()]
    assert modified_precision(cand, refs, 1) == (2, 7)


def test_precisions_by_hand():
    # unigrams: the x2, cat, on, mat match; sat does not -> 5/6
    # bigrams: "the cat", "on the", "the mat" match of 5 -> 3/5
    # trigrams: only "on the mat" -> 1/4; 4-grams: none of 3 -> 0/3
    assert [modified_precision(CAND, [REF], n) for n in (1, 2, 3, 4)] == \
        [(5, 6), (3, 5), (1, 4), (0, 3)]


def test_sentence_bleu_zero_without_smoothing_and_add_one_smoothing():
    assert sentence_bleu(CAND, [REF]) == 0.0                 # a 4-gram precision is 0
    expected = (5 / 6 * 4 / 6 * 2 / 5 * 1 / 4) ** 0.25         # n > 1: (m + 1) / (t + 1)
    assert sentence_bleu(CAND, [REF], smooth=True) == pytest.approx(expected, rel=1e-12)
    expected3 = (5 / 6 * 3 / 5 * 1 / 4) ** (1 / 3)             # BLEU-3, no smoothing needed
    assert sentence_bleu(CAND, [REF], max_n=3) == pytest.approx(expected3, rel=1e-12)


def test_brevity_penalty_by_hand():
    # "the cat": p1 = 2/2, p2 = 1/1, c = 2, r = 6 -> BLEU-2 = exp(1 - 6/2) = e^-2
    assert sentence_bleu("the cat".split(), [REF], max_n=2) == pytest.approx(math.exp(-2))
    assert brevity_penalty(7, 6) == 1.0 and brevity_penalty(6, 6) == 1.0
    assert brevity_penalty(0, 3) == 0.0
    # closest reference length: c = 4 and references of 3 and 5 -> the shorter, 3 -> BP = 1
    refs = ["a b c".split(), "a b c d e".split()]
    assert sentence_bleu("a b c d".split(), refs, max_n=1) == pytest.approx(1.0)


def test_identity_and_corpus_pooling():
    assert sentence_bleu(REF, [REF]) == pytest.approx(1.0)
    # corpus: counts pooled, not sentence scores averaged
    cands = [CAND, REF]
    refs = [[REF], [REF]]
    p = [(5 + 6) / 12, (3 + 5) / 10, (1 + 4) / 8, (0 + 3) / 6]
    assert corpus_bleu(cands, refs) == pytest.approx(math.prod(p) ** 0.25, rel=1e-12)
    with pytest.raises(ValueError, match="2 candidates but 1"):
        corpus_bleu(cands, refs[:1])
