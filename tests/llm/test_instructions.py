"""The instruction set, the chat template and the SFT loss mask
(:mod:`dlfs.data.text.instructions`)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import torch

from dlfs.data.text.instructions import (
    ASSISTANT,
    END,
    FAMILIES,
    IGNORE_INDEX,
    USER,
    ChatTokenizer,
    collate_sft,
    format_chat,
    format_prompt,
    help_words,
    make_instructions,
    parse_chat,
    sft_example,
    sft_loss,
)
from dlfs.data.text.tokenizers import CharTokenizer
from dlfs.models import GPT, GPTConfig
from dlfs.testing import assert_fn_parity

BASE = CharTokenizer.from_text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789 +-/?.'<|>")
TOK = ChatTokenizer(BASE)


@pytest.fixture(scope="module")
def small_set():
    return make_instructions(n_train=40, n_dpo=10, n_test=10)


# ---- the template ---------------------------------------------------------------------------

@pytest.mark.parametrize("question,answer", [("What is 17 + 25?", "42"),
                                             ("Reverse the word 'tensor'.", "rosnet"),
                                             ("a", ""), ("x <| y |> z", "A/B")])
def test_the_template_round_trips_through_text_and_ids(question, answer):
    text = format_chat(question, answer)
    assert text == f"{USER}{question}{END}{ASSISTANT}{answer}{END}"
    assert parse_chat(text) == (question, answer)
    ids = TOK.encode(text)
    assert TOK.decode(ids) == text
    # each special token is one id, after the base vocabulary
    specials = [i for i in ids if i >= BASE.vocab_size]
    assert specials == [TOK.id_of(USER), TOK.id_of(END), TOK.id_of(ASSISTANT), TOK.id_of(END)]
    assert len(ids) == len(question) + len(answer) + 4
    assert TOK.encode(format_prompt(question)) == ids[:len(question) + 3]


def test_the_chat_tokenizer_keeps_the_base_ids_and_round_trips_as_a_dict():
    assert TOK.vocab_size == BASE.vocab_size + 3
    assert TOK.encode("ab 42") == BASE.encode("ab 42")
    again = ChatTokenizer.from_dict(TOK.to_dict())
    assert again.to_dict() == TOK.to_dict() and again.encode(END + "a") == TOK.encode(END + "a")


def test_bad_template_inputs_get_specific_errors():
    with pytest.raises(ValueError, match=r"the question may not contain .*<\|end\|>"):
        format_prompt("hi<|end|>")
    with pytest.raises(ValueError, match="the answer may not contain"):
        format_chat("hi", "<|user|>")
    with pytest.raises(TypeError, match="question must be a str, got int"):
        format_prompt(3)
    with pytest.raises(ValueError, match="parse_chat: expected"):
        parse_chat("<|user|>hi<|end|>")                       # no answer turn
    with pytest.raises(ValueError, match="position 0 is not in the vocabulary"):
        TOK.encode("中")
    with pytest.raises(ValueError, match="is not a special token"):
        TOK.id_of("<|system|>")
    with pytest.raises(TypeError, match="base must be a CharTokenizer"):
        ChatTokenizer("abc")
    with pytest.raises(ValueError, match="expected a dict with type 'chat'"):
        ChatTokenizer.from_dict({"type": "char", "chars": ["a"]})


# ---- the instruction set --------------------------------------------------------------------

def _item_key(instruction):
    """What a question is about: the number pair (unordered), the word or the day."""
    if instruction.family == "add":
        a, b = map(int, re.findall(r"\d+", instruction.prompt))
        return ("pair", min(a, b), max(a, b))
    if instruction.family in ("reverse", "upper"):
        return ("word", re.search(r"'(\w+)'", instruction.prompt).group(1))
    return ("day", re.search(r"\d{4}-\d{2}-\d{2}", instruction.prompt).group())


def test_the_instruction_set_is_deterministic_and_its_splits_share_no_item():
    one, two = make_instructions(), make_instructions()
    assert one == two                                        # same call, same set
    assert make_instructions(seed=1).test != one.test        # the seed matters
    keys = {name: {_item_key(i) for i in one.split(name)} for name in ("train", "dpo", "test")}
    assert not keys["train"] & keys["test"] and not keys["train"] & keys["dpo"]
    assert not keys["dpo"] & keys["test"]
    for name, per_family in (("test", 50), ("dpo", 100)):
        families = [i.family for i in one.split(name)]
        assert all(families.count(f) == per_family for f in FAMILIES)
    assert len({(i.prompt, i.answer) for i in one.train}) == len(one.train)   # no duplicate


def test_every_answer_follows_its_rule(small_set):
    for item in (*small_set.train, *small_set.dpo, *small_set.test):
        key = _item_key(item)
        if item.family == "add":
            assert item.answer == str(key[1] + key[2])
        elif item.family == "reverse":
            assert item.answer == key[1][::-1]
        elif item.family == "upper":
            assert item.answer == key[1].upper()
        else:
            day = dt.date.fromisoformat(key[1])
            expected = (f"{day.day:02d}/{day.month:02d}/{day.year}" if item.family == "date"
                        else day.strftime("%B"))
            assert item.answer == expected
        assert item.is_correct(item.answer) and not item.is_correct(item.answer + " ")


def test_words_come_from_the_help_topics_and_every_text_encodes():
    words = help_words()
    assert len(words) > 1500 and "lambda" in words and all(3 <= len(w) <= 8 for w in words)
    chat = ChatTokenizer(CharTokenizer.from_text(__import__("dlfs").data.text.help_topics_text()))
    chat.encode(make_instructions(n_train=50).text())        # no character is missing


def test_bad_set_sizes_are_refused():
    with pytest.raises(ValueError, match="n_test must be >= 1, got 0"):
        make_instructions(n_test=0)
    with pytest.raises(ValueError, match="cannot give 2000 dpo and 50 test items"):
        make_instructions(n_dpo=2000)


# ---- the SFT loss mask ---------------------------------------------------------------------

def test_sft_example_masks_exactly_the_prompt_targets():
    question, answer = "What is 2 + 3?", "5"
    x, labels = sft_example(TOK, question, answer)
    ids = TOK.encode(format_chat(question, answer))
    P = len(TOK.encode(format_prompt(question)))
    assert x.tolist() == ids[:-1] and len(labels) == len(ids) - 1
    assert labels[:P - 1].tolist() == [IGNORE_INDEX] * (P - 1)
    assert labels[P - 1:].tolist() == ids[P:]                 # the answer, then <|end|>
    assert TOK.decode(labels[P - 1:].tolist()) == answer + END


def test_collate_pads_inputs_with_the_pad_id_and_labels_with_ignore():
    a, b = sft_example(TOK, "ab", "c"), sft_example(TOK, "abcdef", "gh")
    x, labels = collate_sft([a, b], pad_id=7)
    assert x.shape == labels.shape == (2, len(b[0]))
    assert x[0, len(a[0]):].eq(7).all() and labels[0, len(a[1]):].eq(IGNORE_INDEX).all()
    assert torch.equal(x[1], b[0]) and torch.equal(labels[1], b[1])
    with pytest.raises(ValueError, match="got no examples"):
        collate_sft([], pad_id=0)


@pytest.mark.parametrize("B,T,V,p_ignore", [(1, 1, 3, 0.0), (2, 5, 7, 0.5), (3, 9, 11, 0.8)])
def test_sft_loss_equals_torch_cross_entropy_with_ignore_index(B, T, V, p_ignore):
    g = torch.Generator().manual_seed(B * 100 + T)
    logits = torch.randn(B, T, V, dtype=torch.float64, generator=g)
    labels = torch.randint(0, V, (B, T), generator=g)
    labels[torch.rand(B, T, generator=g) < p_ignore] = IGNORE_INDEX
    labels[0, -1] = 1                                          # at least one target

    def reference(z, y):
        return torch.nn.functional.cross_entropy(z.flatten(0, 1), y.flatten(),
                                                 ignore_index=IGNORE_INDEX)

    assert_fn_parity(sft_loss, reference, logits, labels)


def test_prompt_positions_get_exactly_zero_gradient_through_a_gpt():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=TOK.vocab_size, block_size=32, n_layer=1, n_head=2,
                          n_embd=16))
    x, labels = collate_sft([sft_example(TOK, "What is 2 + 3?", "5"),
                             sft_example(TOK, "Reverse 'ab'.", "ba")], TOK.id_of(END))
    logits, _ = model(x)
    logits.retain_grad()
    sft_loss(logits, labels).backward()
    masked = labels == IGNORE_INDEX                             # prompt and padding
    assert masked.any() and (~masked).any()
    assert logits.grad[masked].eq(0).all()                      # exactly zero, not just small
    assert logits.grad[~masked].abs().sum(-1).gt(0).all()       # every answer token learns
    # what stands at a prompt position's label cannot change the loss
    other = labels.clone()
    other[masked] = 0
    with torch.no_grad():
        assert sft_loss(logits, labels) == sft_loss(logits, torch.where(masked, IGNORE_INDEX,
                                                                          other))


def test_sft_loss_refuses_bad_inputs():
    with pytest.raises(ValueError, match=r"expected logits \(B, T, V\) and labels \(B, T\)"):
        sft_loss(torch.zeros(2, 3, 4), torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="every label is IGNORE_INDEX"):
        sft_loss(torch.zeros(1, 2, 4), torch.full((1, 2), IGNORE_INDEX))
