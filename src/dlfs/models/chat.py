"""A chat model: the from-scratch GPT behind the chat template, answering one turn at a time.

::

    question --format_prompt--> <|user|>question<|end|><|assistant|> --encode--> ids (1, P)
    --GPT with a KV cache, one token per step--> answer ids ... <|end|> --decode--> answer

:class:`ChatModel` wraps a :class:`dlfs.models.GPT` and a
:class:`dlfs.data.text.instructions.ChatTokenizer`. Generation feeds the prompt once, then
only each new token (the keys and values of earlier ones stay in a
:class:`dlfs.attention.KVCache`), and stops a row at its end-of-turn token. Questions of the
same prompt length decode together as one batch, so no padding (and no attention mask) is
needed and the result is exactly what one question alone would give.

:func:`extend_vocabulary` makes room for the template's special tokens in a GPT pre-trained
on characters alone: the embedding matrix (tied with the output layer) gets new rows, set to
the mean of the old ones, and every other weight is kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import torch
from torch import Tensor

from ..attention.kv_cache import KVCache
from ..data.text.instructions import END, ChatTokenizer, format_prompt
from ..generate import choose_next
from ..runtime import eval_mode
from .gpt import GPT

__all__ = ["ChatModel", "extend_vocabulary"]


def extend_vocabulary(model: GPT, vocab_size: int) -> GPT:
    """A new GPT with ``vocab_size`` token ids: the first ``model.config.vocab_size`` rows of
    the embedding (and of an untied output layer) are copied, the new rows are the mean of
    the old ones (so a new token starts as an "average character"), every other parameter is
    copied. The logits of the old tokens on old ids are unchanged up to the new columns.

    >>> from dlfs.models import GPTConfig
    >>> old = GPT(GPTConfig(vocab_size=5, block_size=8, n_layer=1, n_head=2, n_embd=8))
    >>> new = extend_vocabulary(old, 7)
    >>> new.wte.weight.shape, bool(torch.equal(new.wte.weight[:5], old.wte.weight))
    (torch.Size([7, 8]), True)
    """
    old_v = model.config.vocab_size
    if not isinstance(vocab_size, int) or vocab_size < old_v:
        raise ValueError(f"extend_vocabulary: vocab_size must be an int >= the model's "
                         f"{old_v}, got {vocab_size!r}")
    new = GPT(dataclasses.replace(model.config, vocab_size=vocab_size))
    state = model.state_dict()
    with torch.no_grad():
        for name in ("wte.weight", "lm_head.weight"):
            old_w = state[name]                                    # (V_old, C)
            grown = old_w.mean(dim=0, keepdim=True).expand(vocab_size - old_v, -1)
            state[name] = torch.cat([old_w, grown], dim=0)         # (V_new, C)
    new.load_state_dict(state)
    return new


class ChatModel:
    """A GPT that answers questions in the chat template (see the module docstring).

    ``answers`` decodes greedily by default (``temperature=0``); with a temperature it
    samples, from ``generator``. An answer ends at the end-of-turn token, or after
    ``max_new_tokens`` tokens, or when the context is full.
    """

    def __init__(self, model: GPT, tokenizer: ChatTokenizer):
        if model.config.vocab_size != tokenizer.vocab_size:
            raise ValueError(f"ChatModel: the model has {model.config.vocab_size} token ids, "
                             f"the tokenizer {tokenizer.vocab_size}")
        self.model, self.tokenizer = model, tokenizer
        self.end_id = tokenizer.id_of(END)

    def prompt_ids(self, question: str) -> list[int]:
        """The ids of the question's prompt; ValueError when it cannot be encoded or leaves
        no room for an answer in the model's context."""
        ids = self.tokenizer.encode(format_prompt(question))
        room = self.model.config.block_size - len(ids)
        if room < 1:
            raise ValueError(f"the question is too long: its prompt has {len(ids)} tokens and "
                             f"the model reads at most {self.model.config.block_size}")
        return ids

    def answer(self, question: str, **options) -> str:
        """One question's answer (options as in :meth:`answers`)."""
        return self.answers([question], **options)[0]

    @torch.no_grad()
    def answers(self, questions: Sequence[str], *, max_new_tokens: int = 32,
                temperature: float = 0.0, generator: torch.Generator | None = None
                ) -> list[str]:
        """The answers to ``questions``, in their order."""
        if max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        prompts = [self.prompt_ids(q) for q in questions]
        by_length: dict[int, list[int]] = {}
        for i, ids in enumerate(prompts):
            by_length.setdefault(len(ids), []).append(i)
        out: list[str] = [""] * len(questions)
        for rows in by_length.values():                  # same length: one batch, no padding
            idx = torch.tensor([prompts[i] for i in rows], dtype=torch.long)     # (B, P)
            for i, ids in zip(rows, self._decode(idx, max_new_tokens, temperature,
                                                 generator)):
                out[i] = self.tokenizer.decode(ids)
        return out

    def _decode(self, idx: Tensor, max_new_tokens: int, temperature: float,
                generator: torch.Generator | None) -> list[list[int]]:
        """Token ids generated after each row of ``idx`` (B, P), without the end token."""
        B, P = idx.shape
        steps = min(max_new_tokens, self.model.config.block_size - P + 1)
        cache = KVCache()
        new = torch.empty(B, 0, dtype=torch.long)                               # (B, 0)
        done = torch.zeros(B, dtype=torch.bool)                                 # (B,)
        with eval_mode(self.model):
            logits, _ = self.model(idx, cache=cache)                           # (B, P, V)
            for step in range(steps):
                nxt = choose_next(logits[:, -1], temperature=temperature,
                                  generator=generator)                           # (B, 1)
                nxt = nxt.masked_fill(done[:, None], self.end_id)   # finished rows idle
                new = torch.cat([new, nxt], dim=1)                               # (B, t+1)
                done |= nxt[:, 0] == self.end_id
                if bool(done.all()) or step == steps - 1:
                    break
                logits, _ = self.model(nxt, cache=cache)                        # (B, 1, V)
        answers = []
        for row in new.tolist():
            answers.append(row[:row.index(self.end_id)] if self.end_id in row else row)
        return answers
