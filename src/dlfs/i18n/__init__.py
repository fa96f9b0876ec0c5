"""One message catalogue for everything the command line says, in English and Chinese.

Every label, status, heading, hint and user-facing error goes through :func:`t`::

    >>> set_lang("zh"); t("list.footer")
    '用 `dlfs run <id>` 运行一节课；用 `dlfs check <id>` 检查它。'
    >>> set_lang("en"); t("list.footer")
    'Run one with `dlfs run <id>`; check it with `dlfs check <id>`.'
    >>> set_lang(None)

The language is, in order: ``--lang`` (any ``dlfs`` command), ``DLFS_LANG``, the locale
(``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``zh_CN.UTF-8`` → Chinese), else English.

The catalogue is split by area (``core``, ``gym``, ``exercises``, ``recipes``, ``train``,
``library``,
``argparse``), each a module with ``MESSAGES = {key: (english, chinese)}``; the two texts of a
key take the same ``{placeholders}``. ``tests/test_i18n.py`` fails when a key lacks a
translation, when the placeholders differ, or when code asks for a key that does not exist.
"""

from __future__ import annotations

import argparse
import importlib
import os
import string
from functools import cache

from ..errors import DlfsError

LANGS = ("en", "zh")
#: Catalogue modules under ``dlfs.i18n``; each defines ``MESSAGES``.
AREAS = ("core", "gym", "exercises", "recipes", "train", "library", "site", "argparse_zh")

_chosen: str | None = None


def _normalise(value: str, source: str) -> str:
    v = value.strip().lower().replace("-", "_")
    if v.startswith("zh"):
        return "zh"
    if v.startswith("en"):
        return "en"
    raise DlfsError(f"{source}: expected en or zh, got {value!r} · {source} 应为 en 或 zh，"
                    f"实际为 {value!r}")


def set_lang(value: str | None) -> None:
    """Choose the language for this process (``None``: back to environment and locale)."""
    global _chosen
    _chosen = None if value is None else _normalise(value, "--lang")


def chosen_lang() -> str | None:
    """The language the learner asked for (``--lang`` or ``DLFS_LANG``), else ``None``."""
    if _chosen:
        return _chosen
    env = os.environ.get("DLFS_LANG", "").strip()
    return _normalise(env, "DLFS_LANG") if env else None


def _locale_lang() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def lang() -> str:
    """``"en"`` or ``"zh"``: the language every message is printed in."""
    return chosen_lang() or _locale_lang()


def _areas():
    return [importlib.import_module(f"{__name__}.{area}") for area in AREAS]


@cache
def catalogue() -> dict[str, tuple[str, str]]:
    """Every message key → (English, Chinese), merged from the area modules."""
    merged: dict[str, tuple[str, str]] = {}
    for area, module in zip(AREAS, _areas()):
        for key, texts in module.MESSAGES.items():
            if key in merged:
                raise ValueError(f"message key {key!r} is defined twice (second in {area})")
            merged[key] = texts
    return merged


def placeholders(text: str) -> set[str]:
    """The ``{fields}`` a message takes.

    >>> sorted(placeholders("{n} of {total:,} in {s:.1f} s"))
    ['n', 's', 'total']
    """
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(text) if name}


def t(key: str, /, **fields: object) -> str:
    """The message ``key`` in the current language, with ``fields`` filled in."""
    texts = catalogue()[key]
    return texts[LANGS.index(lang())].format(**fields)


def title(en: str, zh: str) -> str:
    """A bilingual name (lesson, track, problem): the chosen language, else both."""
    return {"en": en, "zh": zh}.get(chosen_lang() or "", f"{en} · {zh}")


# -- argparse speaks through gettext: its messages ("usage:", "invalid choice: …") are looked
#    up in the `argparse_zh` area by their English text.

def _argparse_gettext(message: str) -> str:
    if lang() == "zh":
        texts = catalogue().get(f"argparse:{message}")
        if texts:
            return texts[1]
    return message


def _argparse_ngettext(singular: str, plural: str, n: int) -> str:
    return _argparse_gettext(singular if n == 1 else plural)


def install_argparse() -> None:
    """Route argparse's own messages through the catalogue (idempotent)."""
    argparse._ = _argparse_gettext  # type: ignore[attr-defined]
    argparse.ngettext = _argparse_ngettext  # type: ignore[attr-defined]


def lang_from_argv(argv: list[str]) -> str | None:
    """``--lang X`` / ``--lang=X`` before ``--`` and before ``train``'s recipe options (the
    captioner has its own ``--lang``, the language of its captions), read before the parser is
    built so that its help texts are in that language too.

    >>> lang_from_argv(["list", "--lang", "zh"]), lang_from_argv(["--lang=en", "tour"])
    ('zh', 'en')
    >>> lang_from_argv(["train", "captioner", "--lang", "zh"]) is None
    True
    """
    for i, arg in enumerate(argv):
        if arg in ("--", "train"):
            break
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


# -- the checker behind the completeness test (tests plant each bug it exists to catch)

#: Latin words a Chinese message may keep: names, abbreviations and verdict codes — never UI
#: words (an area module may add its own names in its ``LATIN_OK``). Code in backticks,
#: ``{fields}``, ``%(fields)s``, ``--flags``, ``<args>`` and kebab/dotted ids are ignored.
LATIN_OK = frozenset("""
    dlfs id ids PyTorch torch Python TensorBoard tensorboard GPU CPU CUDA NCCL AC WA TLE RE MLE
    OLE CE JSON PNG CSV IDX UTF pytest GPT BERT ViT CLIP LoRA DPO SFT MNIST NaN Inf stdin
    stdout stderr PID URL API README Kaggle Titanic shtab bash zsh DDP DDIM DDPM VAE GAN
    WGAN GP ELBO KL RNN LSTM GRU CNN MLP Adam AdamW SGD MoE ks bs lr fp bf pip venv make
    Makefile ruff jupytext notebook ipynb matplotlib wcwidth YAML MB GB KB ms os OK
""".split())


def problems(messages: dict[str, tuple[str, str]] | None = None) -> list[str]:
    """What is wrong with a catalogue: a missing or empty translation, placeholders that
    differ between the two languages, English words left in a Chinese text."""
    import re

    messages = catalogue() if messages is None else messages
    allowed = LATIN_OK.union(*(getattr(m, "LATIN_OK", ()) for m in _areas()))
    out = []
    strip = re.compile(r"`[^`]*`|\{[^{}]*\}|%\([a-z_]+\)[a-z]|%[srd]|--?[a-z][a-z0-9-]*"
                       r"|<[^<>]*>|\b[a-z0-9]+(?:[-_:./][a-z0-9]+)+\b"
                       r"|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")
    for key, texts in messages.items():
        if len(texts) != 2 or not all(isinstance(x, str) and x.strip() for x in texts):
            out.append(f"{key}: needs a non-empty English and Chinese text")
            continue
        en, zh = texts
        if not key.startswith("argparse:") and placeholders(en) != placeholders(zh):
            out.append(f"{key}: placeholders differ: {sorted(placeholders(en))} vs "
                       f"{sorted(placeholders(zh))}")
        words = [w for w in re.findall(r"[A-Za-z]{2,}", strip.sub(" ", zh))
                 if w not in allowed]
        if words:
            out.append(f"{key}: English left in the Chinese text: {', '.join(words)}")
        if en == zh and re.search(r"[A-Za-z]{3,}", strip.sub(" ", en)):
            out.append(f"{key}: the Chinese text is the English one")
    return out
