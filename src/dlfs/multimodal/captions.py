"""Bilingual captions for the digit images: what the multimodal models learn to pair, match
and write.

Each caption comes from a template with two slots, ``{word}`` (the digit as a word) and
``{d}`` (the numeral). The templates are split: the ``"train"`` ones are the only ones any
model trains on; the ``"test"`` ones are held out, so zero-shot classification and captioning
are measured with phrasings never seen in training (as well as on held-out images).

    caption_pairs("train") -> images (1438, 1, 16, 16) in [-1, 1], labels (1438,), captions
"""

from __future__ import annotations

import random

from torch import Tensor

__all__ = ["DIGIT_WORDS", "LANGS", "TEMPLATES", "caption", "caption_pairs", "captions_for"]

LANGS = ("en", "zh")
SPLITS = ("train", "test")

DIGIT_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    "zh": ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九"),
}

TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "train": (
            "a handwritten {word}",
            "the digit {d}",
            "a picture of the number {word}",
            "a small image of a {d}",
            "someone wrote the digit {word}",
            "a blurry {word}",
            "this is a {d}",
            "a scanned handwritten {d}",
        ),
        "test": (
            "an image showing the digit {word}",
            "the number {d}, written by hand",
            "a photo of a {word}",
        ),
    },
    "zh": {
        "train": (
            "手写的{word}",
            "数字 {d}",
            "一张数字{word}的图片",
            "一个小小的 {d}",
            "有人写了数字{word}",
            "模糊的{word}",
            "这是 {d}",
            "扫描的手写数字 {d}",
        ),
        "test": (
            "图中是数字{word}",
            "手写的数字 {d}",
            "一张{word}的照片",
        ),
    },
}


def _check(digit: int, lang: str, split: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if not isinstance(digit, int) or isinstance(digit, bool) or not 0 <= digit <= 9:
        raise ValueError(f"digit must be an int 0..9, got {digit!r}")


def caption(digit: int, template: str, lang: str = "en") -> str:
    """Fill ``template``'s ``{word}`` and ``{d}`` slots for ``digit`` in ``lang``."""
    _check(digit, lang, "train")
    return template.format(word=DIGIT_WORDS[lang][digit], d=digit)


def captions_for(digit: int, *, lang: str = "en", split: str = "train") -> list[str]:
    """Every caption of ``digit`` from the ``split`` templates of ``lang``."""
    _check(digit, lang, split)
    return [caption(digit, t, lang) for t in TEMPLATES[lang][split]]


def caption_pairs(split: str = "train", *, langs: tuple[str, ...] = LANGS, size: int = 16,
                  seed: int = 0) -> tuple[Tensor, Tensor, list[str]]:
    """The ``split``'s images ``(N, 1, size, size)`` in [-1, 1] (the split of
    :func:`dlfs.generative.data.digit_images`), labels ``(N,)`` and one caption per image,
    drawn (seeded) from the ``split`` templates of a (seeded) random language of ``langs``."""
    from ..generative.data import digit_images

    if isinstance(langs, str) or not langs:
        raise ValueError(f"langs must be a non-empty tuple of {LANGS}, got {langs!r}")
    for lang in langs:
        _check(0, lang, split)
    images, labels = digit_images(split, size=size)
    rng = random.Random(f"{split}:{seed}")
    texts = []
    for digit in labels.tolist():
        lang = rng.choice(langs)
        texts.append(caption(digit, rng.choice(TEMPLATES[lang][split]), lang))
    return images, labels, texts
