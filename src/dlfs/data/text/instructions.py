"""Instruction tuning data: an offline instruction set, the chat template, the SFT loss mask.

**The instruction set.** Prompt/response pairs with one exact answer, built deterministically
from a seed, from what ships with Python: words of the help topics (``pydoc_data``), the
calendar (``datetime``) and integer arithmetic. Five families::

    add      What is 17 + 25?                          -> 42
    reverse  Reverse the word 'tensor'.                 -> rosnet
    upper    Write 'tensor' in capital letters.         -> TENSOR
    date     Write 2021-03-04 as day/month/year.        -> 04/03/2021
    month    Which month is 2021-03-04 in?              -> March

Three disjoint splits, made by *item*, not by sentence: a number pair (in either order), a
word or a calendar day belongs to exactly one of ``train`` (supervised fine-tuning), ``dpo``
(prompts for preference pairs) and ``test`` (held out). So a held-out question is about a
pair, word or day that no training question mentions.

**The chat template.** A conversation turn is written with three special tokens::

    <|user|>What is 17 + 25?<|end|><|assistant|>42<|end|>
    \\________________ prompt ________________/\\response/

:class:`ChatTokenizer` puts them after the characters of a base :class:`CharTokenizer`
(ids V, V+1, V+2), so a model trained on the base vocabulary keeps its ids.

**The SFT loss mask.** With the sequence s = prompt + response (length L) and next-token
pairs (x_t, y_t) = (s_t, s_{t+1}) for t < L - 1, only targets inside the response count::

    m_t = 1 if t + 1 >= P else 0        (P = prompt length; y_t = IGNORE_INDEX where m_t = 0)
    L_SFT = sum_t m_t * (-log p(y_t | s_<=t)) / sum_t m_t

so the model is taught to answer, never to predict the user's words, and the logits at
prompt positions get exactly zero gradient.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from ...nn import functional as F
from .tokenizers import CharTokenizer

__all__ = ["ASSISTANT", "END", "FAMILIES", "IGNORE_INDEX", "SPECIAL_TOKENS", "USER",
           "ChatTokenizer", "Instruction", "InstructionSet", "collate_sft", "format_chat",
           "format_prompt", "help_words", "make_instructions", "parse_chat", "sft_example",
           "sft_loss"]

USER, ASSISTANT, END = "<|user|>", "<|assistant|>", "<|end|>"
SPECIAL_TOKENS = (USER, ASSISTANT, END)
#: the label of a position that the loss ignores (torch's ``cross_entropy`` default)
IGNORE_INDEX = -100
FAMILIES = ("add", "reverse", "upper", "date", "month")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


# ---- the chat template ---------------------------------------------------------------------

class ChatTokenizer:
    """A :class:`CharTokenizer` plus the special tokens of the chat template, at the ids after
    the base vocabulary. ``encode`` reads a special token's text as that one token.

    >>> tok = ChatTokenizer(CharTokenizer.from_text("abc?"))
    >>> ids = tok.encode("<|user|>ab?<|end|>")
    >>> ids, tok.vocab_size, tok.decode(ids)
    ([4, 1, 2, 0, 6], 7, '<|user|>ab?<|end|>')
    """

    kind = "chat"

    def __init__(self, base: CharTokenizer, specials: Sequence[str] = SPECIAL_TOKENS):
        if not isinstance(base, CharTokenizer):
            raise TypeError(f"ChatTokenizer: base must be a CharTokenizer, got "
                            f"{type(base).__name__}")
        if len(set(specials)) != len(specials) or any(len(s) < 2 for s in specials):
            raise ValueError(f"ChatTokenizer: specials must be distinct strings of 2 or more "
                             f"characters, got {list(specials)}")
        self.base, self.specials = base, tuple(specials)
        self.special_ids = {s: base.vocab_size + i for i, s in enumerate(self.specials)}
        # longest first, so a special token that contains another is read whole
        pattern = "|".join(re.escape(s) for s in sorted(self.specials, key=len, reverse=True))
        self._split = re.compile(f"({pattern})")

    @property
    def vocab_size(self) -> int:
        return self.base.vocab_size + len(self.specials)

    def id_of(self, special: str) -> int:
        """The id of one special token (``tok.id_of(END)``)."""
        if special not in self.special_ids:
            raise ValueError(f"ChatTokenizer: {special!r} is not a special token; "
                             f"they are {list(self.specials)}")
        return self.special_ids[special]

    def encode(self, text: str) -> list[int]:
        ids: list[int] = []
        for piece in self._split.split(text):
            if piece in self.special_ids:
                ids.append(self.special_ids[piece])
            elif piece:
                ids.extend(self.base.encode(piece))     # ValueError names an unknown char
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        out: list[str] = []
        for i in ids:
            j = i - self.base.vocab_size
            if 0 <= j < len(self.specials):
                out.append(self.specials[j])
            else:
                out.append(self.base.decode([i]))       # ValueError for an id out of range
        return "".join(out)

    def to_dict(self) -> dict:
        return {"type": self.kind, "base": self.base.to_dict(), "specials": list(self.specials)}

    @classmethod
    def from_dict(cls, data: dict) -> ChatTokenizer:
        """Rebuild from :meth:`to_dict`; ValueError if ``data`` is not such a dict."""
        if not isinstance(data, dict) or data.get("type") != cls.kind:
            raise ValueError(f"ChatTokenizer.from_dict: expected a dict with type "
                             f"{cls.kind!r}, got {data!r:.80}")
        base = data.get("base", {})
        if not isinstance(base, dict) or base.get("type") != "char":
            raise ValueError("ChatTokenizer.from_dict: its 'base' is not a char tokenizer")
        return cls(CharTokenizer(base["chars"]), data["specials"])


def format_prompt(question: str) -> str:
    """The prompt of one turn: what the model reads before it answers.

    >>> format_prompt("What is 2 + 3?")
    '<|user|>What is 2 + 3?<|end|><|assistant|>'
    """
    _check_plain("question", question)
    return f"{USER}{question}{END}{ASSISTANT}"


def format_chat(question: str, answer: str) -> str:
    """One whole turn: prompt, answer, end of turn.

    >>> format_chat("What is 2 + 3?", "5")
    '<|user|>What is 2 + 3?<|end|><|assistant|>5<|end|>'
    """
    _check_plain("answer", answer)
    return f"{format_prompt(question)}{answer}{END}"


def parse_chat(text: str) -> tuple[str, str]:
    """The (question, answer) of a turn written by :func:`format_chat`; ValueError naming
    what is missing for any other text.

    >>> parse_chat('<|user|>What is 2 + 3?<|end|><|assistant|>5<|end|>')
    ('What is 2 + 3?', '5')
    """
    m = re.fullmatch(f"{re.escape(USER)}(.*){re.escape(END)}{re.escape(ASSISTANT)}(.*)"
                     f"{re.escape(END)}", text, flags=re.DOTALL)
    if m is None or any(s in part for part in m.groups() for s in SPECIAL_TOKENS):
        raise ValueError(f"parse_chat: expected '{USER}question{END}{ASSISTANT}answer{END}', "
                         f"got {text!r:.120}")
    return m.group(1), m.group(2)


def _check_plain(name: str, text: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")
    found = [s for s in SPECIAL_TOKENS if s in text]
    if found:
        raise ValueError(f"the {name} may not contain the special token(s) {found}: they "
                         f"mark the turns of the chat template")


# ---- the instruction set ------------------------------------------------------------------

@dataclass(frozen=True)
class Instruction:
    """One question with its one correct answer."""

    family: str
    prompt: str
    answer: str

    def is_correct(self, reply: str) -> bool:
        """The verifiable rule: the reply is exactly the answer (no extra characters)."""
        return reply == self.answer


@dataclass(frozen=True)
class InstructionSet:
    """Three disjoint splits (see the module docstring): ``train`` for supervised
    fine-tuning, ``dpo`` for the preference pairs, ``test`` held out."""

    train: tuple[Instruction, ...]
    dpo: tuple[Instruction, ...]
    test: tuple[Instruction, ...]

    def split(self, name: str) -> tuple[Instruction, ...]:
        if name not in ("train", "dpo", "test"):
            raise ValueError(f"split must be 'train', 'dpo' or 'test', got {name!r}")
        return getattr(self, name)

    def text(self) -> str:
        """Every prompt and answer of every split (to check a vocabulary covers them)."""
        return "".join(i.prompt + i.answer for s in (self.train, self.dpo, self.test) for i in s)


def help_words() -> list[str]:
    """The distinct lowercase words of 3 to 8 letters in Python's help topics, sorted."""
    from .corpus import help_topics_text

    return sorted(set(re.findall(r"\b[a-z]{3,8}\b", help_topics_text())))


def _add(pair: tuple[int, int], rng: random.Random) -> Instruction:
    a, b = pair if rng.random() < 0.5 else pair[::-1]       # either order of the pair
    return Instruction("add", f"What is {a} + {b}?", str(a + b))


def _word(family: str, word: str) -> Instruction:
    if family == "reverse":
        return Instruction(family, f"Reverse the word '{word}'.", word[::-1])
    return Instruction(family, f"Write '{word}' in capital letters.", word.upper())


def _day(family: str, day: dt.date) -> Instruction:
    iso = day.isoformat()
    if family == "date":
        return Instruction(family, f"Write {iso} as day/month/year.", day.strftime("%d/%m/%Y"))
    return Instruction(family, f"Which month is {iso} in?", _MONTHS[day.month - 1])


def _three_way(items: list, n_dpo: int, n_test: int, rng: random.Random
               ) -> tuple[list, list, list]:
    """Shuffle ``items`` and cut them into (train, dpo, test); train keeps the rest."""
    items = list(items)
    rng.shuffle(items)
    if len(items) < n_dpo + n_test + 1:
        raise ValueError(f"make_instructions: {len(items)} items cannot give {n_dpo} dpo and "
                         f"{n_test} test items and still leave some to train on")
    return items[n_dpo + n_test:], items[:n_dpo], items[n_dpo:n_dpo + n_test]


def make_instructions(*, n_train: int = 2000, n_dpo: int = 100, n_test: int = 50,
                      max_number: int = 99, seed: int = 0) -> InstructionSet:
    """The instruction set: per family up to ``n_train`` training questions, ``n_dpo`` for
    preference pairs and ``n_test`` held out, from ``seed`` alone (the same call gives the
    same set). Addition uses the numbers 0..``max_number``; the words are
    :func:`help_words`; the days run from 1990-01-01 to 2029-12-31.

    >>> s = make_instructions(n_train=3, n_dpo=1, n_test=2)
    >>> len(s.train), len(s.dpo), len(s.test)
    (15, 5, 10)
    >>> s.test[0].family, s.test[0].prompt, s.test[0].answer
    ('add', 'What is 50 + 55?', '105')
    """
    for name, value in (("n_train", n_train), ("n_dpo", n_dpo), ("n_test", n_test)):
        if value < 1:
            raise ValueError(f"make_instructions: {name} must be >= 1, got {value}")
    if max_number < 1:
        raise ValueError(f"make_instructions: max_number must be >= 1, got {max_number}")
    rng = random.Random(seed)
    pairs = [(a, b) for a in range(max_number + 1) for b in range(a, max_number + 1)]
    words = help_words()
    first = dt.date(1990, 1, 1)
    days = [first + dt.timedelta(days=k) for k in range((dt.date(2030, 1, 1) - first).days)]
    splits: dict[str, list[Instruction]] = {"train": [], "dpo": [], "test": []}
    pair_parts = _three_way(pairs, n_dpo, n_test, rng)
    word_parts = _three_way(words, n_dpo, n_test, rng)
    day_parts = _three_way(days, n_dpo, n_test, rng)
    for name, pair_items, word_items, day_items in zip(splits, pair_parts, word_parts,
                                                       day_parts):
        cap = n_train if name == "train" else len(pair_items)
        splits[name] += [_add(p, rng) for p in pair_items[:cap]]
        for family in ("reverse", "upper"):
            chosen = rng.sample(word_items, min(cap, len(word_items)))
            splits[name] += [_word(family, w) for w in chosen]
        for family in ("date", "month"):
            chosen = rng.sample(day_items, min(cap, len(day_items)))
            splits[name] += [_day(family, d) for d in chosen]
    return InstructionSet(*(tuple(splits[k]) for k in ("train", "dpo", "test")))


# ---- the SFT loss mask ----------------------------------------------------------------------

def sft_example(tokenizer: ChatTokenizer, question: str, answer: str
                ) -> tuple[Tensor, Tensor]:
    """One training sequence: ``x`` (L-1,) the turn's ids but the last, ``labels`` (L-1,)
    the next ids, IGNORE_INDEX wherever the next id is still part of the prompt.

    >>> tok = ChatTokenizer(CharTokenizer.from_text("0123456789 +?Whatis"))
    >>> x, labels = sft_example(tok, "1 + 1?", "2")
    >>> tok.decode(x.tolist())
    '<|user|>1 + 1?<|end|><|assistant|>2'
    >>> labels.tolist()[-3:], int((labels == IGNORE_INDEX).sum())   # '2', '<|end|>' learned
    ([-100, 4, 21], 8)
    """
    prompt = tokenizer.encode(format_prompt(question))                  # (P,)
    ids = torch.tensor(prompt + tokenizer.encode(answer + END), dtype=torch.long)  # (L,)
    x, labels = ids[:-1], ids[1:].clone()                               # (L-1,) each
    labels[:len(prompt) - 1] = IGNORE_INDEX       # targets ids[1..P-1] are prompt tokens
    return x, labels


def collate_sft(examples: Sequence[tuple[Tensor, Tensor]], pad_id: int
                ) -> tuple[Tensor, Tensor]:
    """Right-pad a list of :func:`sft_example` pairs to the longest: ``x`` (B, T) padded with
    ``pad_id``, ``labels`` (B, T) padded with IGNORE_INDEX (padding is never learned; the
    model is causal, so real positions never see the padding after them)."""
    if not examples:
        raise ValueError("collate_sft: got no examples")
    T = max(len(x) for x, _ in examples)
    x = torch.full((len(examples), T), pad_id, dtype=torch.long)          # (B, T)
    labels = torch.full((len(examples), T), IGNORE_INDEX, dtype=torch.long)
    for b, (xb, yb) in enumerate(examples):
        x[b, :len(xb)], labels[b, :len(yb)] = xb, yb
    return x, labels


def sft_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """Masked next-token loss: the mean of -log p(label) over the positions whose label is
    not IGNORE_INDEX (see the module docstring). logits (B, T, V), labels (B, T) -> scalar.
    Equal to ``torch.nn.functional.cross_entropy(logits.flatten(0, 1), labels.flatten(),
    ignore_index=-100)``, values and gradients (tested).

    >>> labels = torch.tensor([[IGNORE_INDEX, 1]])
    >>> round(sft_loss(torch.zeros(1, 2, 4), labels).item(), 4)   # one position: log 4
    1.3863
    """
    if logits.dim() != 3 or labels.shape != logits.shape[:2]:
        raise ValueError(f"sft_loss: expected logits (B, T, V) and labels (B, T), got "
                         f"{tuple(logits.shape)} and {tuple(labels.shape)}")
    mask = labels != IGNORE_INDEX                                        # (B, T) m_t
    n = int(mask.sum())
    if n == 0:
        raise ValueError("sft_loss: every label is IGNORE_INDEX, so there is nothing to "
                         "learn (a response needs at least its end-of-turn token)")
    logp = F.log_softmax(logits, dim=-1)                                 # (B, T, V)
    safe = torch.where(mask, labels, 0)                                  # any valid id
    nll = -logp.gather(-1, safe.unsqueeze(-1)).squeeze(-1)               # (B, T)
    # where(), not a product: a masked position contributes an exact 0, gradient included
    return torch.where(mask, nll, 0.0).sum() / n
