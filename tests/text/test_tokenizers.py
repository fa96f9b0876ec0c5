"""Tokenizers round-trip, BPE merges follow the rule, files save and load."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfs.data.text import ByteBPETokenizer, CharTokenizer, WordTokenizer, load_corpus
from dlfs.data.text.tokenizers import _chunks, load_tokenizer
from dlfs.errors import DlfsError

HELP = load_corpus("help")
BPE = ByteBPETokenizer.train(HELP.split("train")[:60_000], vocab_size=400)
CHAR = CharTokenizer.from_text(HELP.text)


@settings(max_examples=60, deadline=None)
@given(st.text())
def test_bpe_round_trips_any_text(text):
    assert BPE.decode(BPE.encode(text)) == text


@settings(max_examples=60, deadline=None)
@given(st.text())
def test_chunks_cover_the_text(text):
    assert "".join(_chunks(text)) == text


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=HELP.alphabet))
def test_char_round_trips_text_over_its_alphabet(text):
    ids = CHAR.encode(text)
    assert len(ids) == len(text) and CHAR.decode(ids) == text


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["alpha", "beta", "gamma", ",", ".", "x1"]), max_size=12))
def test_word_round_trips_known_tokens(words):
    tok = WordTokenizer.from_text("alpha beta gamma , . x1")
    text = " ".join(words)
    assert tok.decode(tok.encode(text)) == text
    assert tok.encode(text, add_special=True)[0] == tok.bos_id


def test_bpe_merge_rule_by_hand():
    # pairs of "aaabdaaabac": (a,a) x4 is the most frequent -> 256;
    # then (256,a) and (a,b) both occur twice: the tie goes to the smaller pair (a,b) -> 257;
    # then (256,257) twice -> 258.
    tok = ByteBPETokenizer.train("aaabdaaabac", vocab_size=300)
    assert tok.merges == [(97, 97), (97, 98), (256, 257)]  # stops: no pair occurs twice
    assert tok.vocab[258] == b"aaab"
    assert tok.encode("aaabdaaabac") == [258, ord("d"), 258, ord("a"), ord("c")]


def test_bpe_compresses_and_merges_stay_inside_chunks():
    val = HELP.split("val")
    ids = BPE.encode(val)
    assert len(val) / len(ids) > 1.6, "even a small BPE should give > 1.6 characters per token"
    for token in BPE.vocab[256:]:
        if token.strip():  # a token with text in it: at most one space, at its start
            body = token[1:] if token.startswith(b" ") else token
            assert not any(ch in body for ch in b" \n\t"), token


def test_tokenizers_save_and_load(tmp_path):
    for tok, text in [(BPE, "def f(x):\n    return x_1 + 2  # ünïcode"),
                      (CHAR, "print('hi')"),
                      (WordTokenizer.from_text("a b c a"), "a c b")]:
        path = tmp_path / f"{tok.kind}.json"
        tok.save(path)
        again = load_tokenizer(path)
        assert type(again) is type(tok) and again.encode(text) == tok.encode(text)


def test_clear_errors():
    with pytest.raises(ValueError, match=r"character 'é' at position 2 is not in the vocab"):
        CharTokenizer.from_text("abc").encode("abé")
    with pytest.raises(ValueError, match="outside"):
        CharTokenizer.from_text("abc").decode([5])
    with pytest.raises(ValueError, match="vocab_size must be >= 256"):
        ByteBPETokenizer.train("abc", 100)
    with pytest.raises(DlfsError, match="unknown tokenizer type"):
        from dlfs.data.text.tokenizers import tokenizer_from_dict
        tokenizer_from_dict({"type": "sentencepiece"})


def test_corpus_splits_and_errors(tmp_path):
    assert len(HELP.text) > 400_000
    parts = [HELP.split(s) for s in ("train", "val", "test")]
    assert "".join(parts) == HELP.text
    assert "corpus 'help'" in HELP.describe()
    with pytest.raises(ValueError, match="'train', 'val' or 'test'"):
        HELP.split("dev")
    with pytest.raises(DlfsError, match="does not exist"):
        load_corpus(str(tmp_path / "missing.txt"))
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"abc" * 100 + b"\xff\xfe")
    with pytest.raises(DlfsError, match="at byte 300 that are not UTF-8"):
        load_corpus(str(bad))
    with pytest.raises(DlfsError, match="expected a UTF-8 text file .*, found a directory"):
        load_corpus(str(tmp_path))
    code = load_corpus("stdlib", max_chars=50_000)
    assert len(code.text) == 50_000 and "def " in code.text
