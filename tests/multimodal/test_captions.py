"""The bilingual digit captions: held-out templates never appear in training captions."""

import pytest

from dlfs.multimodal.captions import (
    DIGIT_WORDS,
    TEMPLATES,
    caption,
    caption_pairs,
    captions_for,
)


def test_templates_are_split_and_every_caption_names_its_digit():
    for lang in ("en", "zh"):
        assert not set(TEMPLATES[lang]["train"]) & set(TEMPLATES[lang]["test"])
        for split in ("train", "test"):
            for digit in range(10):
                for text in captions_for(digit, lang=lang, split=split):
                    assert DIGIT_WORDS[lang][digit] in text or str(digit) in text
    assert caption(7, "the digit {d} ({word})") == "the digit 7 (seven)"
    assert caption(7, "数字{word}", "zh") == "数字七"


def test_caption_pairs_follow_the_split_and_the_seed():
    images, labels, texts = caption_pairs("test", seed=1)
    assert images.shape == (359, 1, 16, 16) and len(texts) == len(labels) == 359
    held_out = {captions for d in range(10) for lang in ("en", "zh")
                for captions in captions_for(d, lang=lang, split="test")}
    assert set(texts) <= held_out
    assert all(t in captions_for(int(d), lang=lang, split="test")
               for t, d in zip(texts, labels) for lang in ("en", "zh")
               if t in captions_for(int(d), lang=lang, split="test"))
    assert texts == caption_pairs("test", seed=1)[2] != caption_pairs("test", seed=2)[2]
    _, _, english = caption_pairs("train", langs=("en",))
    assert all(t.isascii() for t in english)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="lang must be one of"):
        captions_for(3, lang="fr")
    with pytest.raises(ValueError, match="split must be one of"):
        captions_for(3, split="val")
    with pytest.raises(ValueError, match="digit must be an int 0..9"):
        captions_for(10)
    with pytest.raises(ValueError, match="langs must be a non-empty tuple"):
        caption_pairs(langs="en")
