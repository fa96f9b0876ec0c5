"""The chat wrapper (:mod:`dlfs.models.chat`) and `dlfs chat` (:mod:`dlfs.recipes.chat`):
generation with the KV cache equals recomputation, stops at the end of the turn, and the
command answers from a `dlfs train sft --quick` run."""

from __future__ import annotations

import io
import json
import string

import pytest
import torch

from dlfs.cli import main
from dlfs.data.text.instructions import END, ChatTokenizer, format_prompt
from dlfs.data.text.tokenizers import CharTokenizer
from dlfs.errors import DlfsError
from dlfs.models import GPT, GPTConfig
from dlfs.models.chat import ChatModel, extend_vocabulary
from dlfs.recipes.chat import chat_main, load_chat_run

TOK = ChatTokenizer(CharTokenizer.from_text(string.ascii_letters + string.digits + " +?'./"))
QUESTIONS = ["What is 2 + 3?", "What is 7 + 1?", "Reverse the word 'ab'.", "Hi?"]


def _model(seed=0, **config):
    torch.manual_seed(seed)
    settings = dict(vocab_size=TOK.vocab_size, block_size=32, n_layer=2, n_head=2, n_embd=16)
    return GPT(GPTConfig(**{**settings, **config}))


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """`dlfs train sft --quick`, as from a fresh clone: it pre-trains its own base."""
    out = tmp_path_factory.mktemp("chat") / "sft"
    assert main(["train", "sft", "--quick", "--out", str(out)]) == 0
    return out


# ---- the wrapper ------------------------------------------------------------------------

def _naive_answer(model, question, max_new_tokens):
    """Greedy decoding that recomputes the whole context at every step (no cache)."""
    ids = TOK.encode(format_prompt(question))
    out = []
    with torch.no_grad():
        for _ in range(max_new_tokens):
            nxt = int(model(torch.tensor([ids]))[0][0, -1].argmax())
            if nxt == TOK.id_of(END):
                break
            ids.append(nxt)
            out.append(nxt)
    return TOK.decode(out)


def test_cached_batched_decoding_equals_recomputing_one_question_at_a_time():
    model = _model(block_size=48).eval()           # room for every prompt + 10 tokens
    chat = ChatModel(model, TOK)
    together = chat.answers(QUESTIONS, max_new_tokens=10)
    assert together == [_naive_answer(model, q, 10) for q in QUESTIONS]
    assert together == [chat.answer(q, max_new_tokens=10) for q in QUESTIONS]
    assert all(END not in a for a in together)


def _always(token_id):
    """A GPT whose every next-token distribution peaks at ``token_id``."""
    model = _model(tie_weights=False)
    with torch.no_grad():
        model.ln_f.weight.zero_()
        model.ln_f.bias.fill_(1.0)                       # a constant final hidden state
        model.lm_head.weight.zero_()
        model.lm_head.weight[token_id] = 1.0
    return model


def test_an_answer_stops_at_the_end_token_or_at_the_token_limit():
    assert ChatModel(_always(TOK.id_of(END)), TOK).answers(QUESTIONS) == [""] * 4
    x = TOK.encode("x")[0]
    assert ChatModel(_always(x), TOK).answer("Hi?", max_new_tokens=5) == "xxxxx"
    # the context is the other limit: 32 positions, the prompt takes 6 (3 specials + 'Hi?')
    assert ChatModel(_always(x), TOK).answer("Hi?", max_new_tokens=99) == "x" * (32 - 6 + 1)


def test_sampling_is_repeatable_with_a_seeded_generator():
    chat = ChatModel(_model(), TOK)

    def draw(seed):
        return chat.answers(QUESTIONS * 2, temperature=1.0, max_new_tokens=6,
                            generator=torch.Generator().manual_seed(seed))

    assert draw(1) == draw(1) and draw(1) != draw(2)


def test_extend_vocabulary_keeps_every_old_logit_and_adds_mean_rows():
    old = _model(vocab_size=TOK.base.vocab_size)
    new = extend_vocabulary(old, TOK.vocab_size)
    x = torch.tensor([TOK.base.encode("What is 2 + 3?")])
    with torch.no_grad():
        assert torch.equal(new(x)[0][..., :TOK.base.vocab_size], old(x)[0])
    added = new.wte.weight[TOK.base.vocab_size:]
    assert torch.allclose(added, old.wte.weight.mean(0).expand_as(added))
    assert new.lm_head.weight is new.wte.weight                  # still tied
    with pytest.raises(ValueError, match="vocab_size must be an int >= the model's"):
        extend_vocabulary(old, 3)


def test_the_wrapper_refuses_bad_inputs():
    chat = ChatModel(_model(), TOK)
    with pytest.raises(ValueError, match="the question is too long: its prompt has 35 tokens"):
        chat.answer("x" * 32)
    with pytest.raises(ValueError, match="max_new_tokens must be >= 1, got 0"):
        chat.answer("Hi?", max_new_tokens=0)
    with pytest.raises(ValueError, match="the model has 40 token ids, the tokenizer"):
        ChatModel(_model(vocab_size=40), TOK)


# ---- dlfs chat -----------------------------------------------------------------------------

def test_dlfs_chat_once_answers_after_a_quick_sft_run(quick_run, capsys):
    capsys.readouterr()
    assert main(["chat", "--run", str(quick_run), "--once", "What is 17 + 25?"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1                                  # one answer, poor as it may be
    chat, info = load_chat_run(quick_run)
    assert lines[0] == chat.answer("What is 17 + 25?", max_new_tokens=32)
    assert info["kind"] == "sft" and "pretrain" in info["accuracy"]


def test_dlfs_chat_reads_questions_until_an_empty_line(quick_run):
    out = io.StringIO()
    questions = io.StringIO("What is 1 + 2?\n中文?\nReverse the word 'ab'.\n\nnever read\n")
    assert chat_main(quick_run, None, stdin=questions, stdout=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("chatting with the sft run in")
    assert [line.startswith("model> ") for line in lines[1:]] == [True, True, True]
    assert "cannot ask this model that" in lines[2] and "'中'" in lines[2]   # and goes on


def test_dlfs_chat_refuses_bad_questions_and_runs_of_another_kind(quick_run, tmp_path,
                                                                   capsys):
    with pytest.raises(DlfsError, match="the question is empty"):
        chat_main(quick_run, "   ")
    with pytest.raises(DlfsError, match="cannot ask this model that: .*'中'"):
        chat_main(quick_run, "中")
    with pytest.raises(DlfsError, match=r"is a 'gpt' run; give a run of `dlfs train sft` "
                                        r"or `dlfs train dpo`"):
        chat_main(quick_run / "pretrain", "What is 1 + 1?")    # the capstone stage's run
    with pytest.raises(DlfsError, match="found no such directory"):
        chat_main(tmp_path / "missing", "What is 1 + 1?")
    with pytest.raises(DlfsError, match="no run.json there"):
        chat_main(tmp_path, "What is 1 + 1?")
    (tmp_path / "run.json").write_text(json.dumps({"kind": "vae", "recipe": {}}))
    with pytest.raises(DlfsError, match="is a 'vae' run"):
        chat_main(tmp_path, "What is 1 + 1?")
    capsys.readouterr()
    assert main(["chat", "--run", str(quick_run), "--once", ""]) == 2
    assert "needs a question" in capsys.readouterr().err
