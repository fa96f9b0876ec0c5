"""Instruction tuning and DPO end to end: `dlfs train sft` (from a `dlfs train gpt` run),
`dlfs train dpo`, their resume, their measurements and their errors."""

from __future__ import annotations

import json
import string

import pytest
import torch

from dlfs.cli import main
from dlfs.data.text.instructions import ChatTokenizer, make_instructions
from dlfs.data.text.tokenizers import CharTokenizer
from dlfs.errors import DlfsError
from dlfs.llm import dpo_loss
from dlfs.models import GPT, GPTConfig
from dlfs.models.chat import ChatModel
from dlfs.recipes.dpo import (
    DPORecipe,
    PairData,
    PreferencePair,
    dpo_forward,
    dpo_objective,
    kl_to_reference,
    make_pairs,
    pair_logprobs,
    reward_margin,
    train_dpo,
)
from dlfs.recipes.gpt import GPTRecipe, train_gpt
from dlfs.recipes.sampling import SamplingConfig
from dlfs.recipes.sft import SFTRecipe, chat_tokenizer, train_sft
from dlfs.train import CheckpointManager

#: every character the instructions use, so a tiny text pre-trains a usable base
ALPHABET = string.ascii_letters + string.digits + " +?'/.-"
TINY_SFT = dict(n_train=8, batch_size=8, eval_every=100, warmup_steps=1)
TINY_DPO = dict(questions=4, samples=2, gold_fallback=True, batch_size=4, eval_every=100)


def _gpt_run(root, block_size=64):
    text = root / "text.txt"
    text.write_text((ALPHABET + "\n") * 30)
    out = root / f"gpt{block_size}"
    train_gpt(GPTRecipe(data=str(text), out_dir=str(out), max_steps=2, eval_every=2,
                        eval_batches=1, batch_size=4, warmup_steps=1,
                        model=GPTConfig(n_layer=1, n_head=2, n_embd=16, block_size=block_size),
                        sample=SamplingConfig(tokens=0)))
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A tiny `dlfs train gpt` run and an SFT run made from it (4 steps)."""
    root = tmp_path_factory.mktemp("sft-dpo")
    base = _gpt_run(root)
    sft = train_sft(SFTRecipe(base=str(base), out_dir=str(root / "sft"), max_steps=4,
                              **TINY_SFT))
    return {"root": root, "base": base, "sft_dir": root / "sft", "sft": sft}


def _weights(run_dir):
    _, payload, _ = CheckpointManager(run_dir / "checkpoints").load_latest()
    return payload["model"]


def _assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


# ---- SFT --------------------------------------------------------------------------------------

def test_sft_measures_before_and_after_and_describes_its_run(runs):
    sft, out = runs["sft"], runs["sft_dir"]
    assert [row[0] for row in sft.evals] == [4]
    info = json.loads((out / "run.json").read_text())
    assert info["kind"] == "sft" and info["recipe"]["base"] == str(runs["base"])
    assert info["accuracy"]["sft"]["n"] == info["accuracy"]["pretrain"]["n"] == 250
    assert set(info["accuracy"]["sft"]["by_family"]) == {"add", "reverse", "upper", "date",
                                                         "month"}
    assert info["tokenizer"]["type"] == "chat"
    # the vocabulary grew by the three special tokens; the base's ids are kept
    base_vocab = json.loads((runs["base"] / "run.json").read_text())["model"]["vocab_size"]
    assert info["model"]["vocab_size"] == base_vocab + 3
    assert list((out / "tensorboard").glob("events.out.tfevents.*"))


def test_sft_resumed_equals_sft_straight(runs, tmp_path):
    common = dict(base=str(runs["base"]), **TINY_SFT)
    train_sft(SFTRecipe(out_dir=str(tmp_path / "a"), max_steps=2, **common))
    resumed = train_sft(SFTRecipe(out_dir=str(tmp_path / "a"), max_steps=4, resume=True,
                                  **common))
    assert [row[0] for row in resumed.evals] == [2, 4]           # its curve goes on
    _assert_same_weights(_weights(tmp_path / "a"), _weights(runs["sft_dir"]))
    info = json.loads((tmp_path / "a" / "run.json").read_text())
    assert info["accuracy"]["pretrain"] == json.loads(
        (runs["sft_dir"] / "run.json").read_text())["accuracy"]["pretrain"]


def test_sft_refuses_bad_starting_points(runs, tmp_path):
    with pytest.raises(DlfsError, match=r"is a 'sft' run; give a run of `dlfs train gpt`"):
        train_sft(SFTRecipe(base=str(runs["sft_dir"]), out_dir=str(tmp_path / "x"),
                            max_steps=2, **TINY_SFT))
    short = _gpt_run(tmp_path, block_size=16)
    with pytest.raises(DlfsError, match=r"context of 16 tokens is shorter than the longest "
                                        r"instruction turn \(\d+ tokens\)"):
        train_sft(SFTRecipe(base=str(short), out_dir=str(tmp_path / "y"), max_steps=2,
                            **TINY_SFT))
    with pytest.raises(DlfsError, match="lacks characters the instructions use"):
        chat_tokenizer(CharTokenizer.from_text("abc"), make_instructions(n_train=2), "--x")
    with pytest.raises(DlfsError, match="needs a character one"):
        chat_tokenizer(object(), make_instructions(n_train=2), "--x")
    with pytest.raises(DlfsError, match="no run.json"):
        train_sft(SFTRecipe(base=str(tmp_path), out_dir=str(tmp_path / "z"), **TINY_SFT))
    with pytest.raises(DlfsError, match=r"--batch-size 64 is larger than the 40 training "):
        train_sft(SFTRecipe(base=str(runs["base"]), out_dir=str(tmp_path / "z"),
                            **{**TINY_SFT, "batch_size": 64}))
    assert not (tmp_path / "y" / "run.json").exists()          # nothing written on refusal
    # without --base, what would make the pre-training useless is refused before it starts
    letters = tmp_path / "letters.txt"
    letters.write_text("only letters here. " * 100)
    with pytest.raises(DlfsError, match=r"--pretrain-data .*letters.txt: its vocabulary lacks "
                                        r"characters the instructions use: .*0123456789"):
        train_sft(SFTRecipe(pretrain_data=str(letters), out_dir=str(tmp_path / "p"),
                            **TINY_SFT))
    with pytest.raises(DlfsError, match=r"--block-size: its context of 16 tokens is shorter"):
        train_sft(SFTRecipe(model=GPTConfig(block_size=16), out_dir=str(tmp_path / "p"),
                            **TINY_SFT))
    assert not (tmp_path / "p").exists()


# ---- DPO ----------------------------------------------------------------------------------

def _tiny_policy(vocab_size):
    torch.manual_seed(3)
    return GPT(GPTConfig(vocab_size=vocab_size, block_size=48, n_layer=1, n_head=2,
                         n_embd=16))


def test_one_dpo_step_raises_the_log_ratio_of_chosen_over_rejected():
    tok = ChatTokenizer(CharTokenizer.from_text(ALPHABET))
    policy = _tiny_policy(tok.vocab_size)
    reference = _tiny_policy(tok.vocab_size)                  # same seed: a frozen copy
    raw = [("What is 2 + 3?", "5", "6"), ("Reverse the word 'abc'.", "cba", "abc"),
           ("Which month is 2021-03-04 in?", "March", "May")]
    ref_c, ref_r = pair_logprobs(reference, tok, raw)
    pairs = [PreferencePair(p, c, r, float(a), float(b), True)
             for (p, c, r), a, b in zip(raw, ref_c, ref_r)]
    batch = PairData(pairs, tok).collate(pairs)

    def log_ratio():
        chosen, rejected = pair_logprobs(policy, tok, raw)
        return chosen - rejected                               # (B,)

    before = log_ratio()
    policy_logps, ref = dpo_forward(policy, batch)
    loss = dpo_objective(0.1)(policy_logps, ref)
    # at the start the policy is the reference: every reward is 0, the loss is log 2
    assert loss.item() == pytest.approx(torch.log(torch.tensor(2.0)).item(), abs=1e-6)
    loss.backward()
    with torch.no_grad():
        for p in policy.parameters():
            p -= 0.05 * p.grad
    after = log_ratio()
    assert (after > before).all(), (before, after)
    assert dpo_loss(*pair_logprobs(policy, tok, raw), ref_c, ref_r, beta=0.1).loss < loss


def test_the_nll_term_adds_the_chosen_answers_mean_per_token_loss():
    tok = ChatTokenizer(CharTokenizer.from_text(ALPHABET))
    policy = _tiny_policy(tok.vocab_size)
    raw = [("What is 2 + 3?", "5", "6"), ("Reverse the word 'abc'.", "cba", "ab")]
    pairs = [PreferencePair(p, c, r, -3.0, -4.0, True) for p, c, r in raw]
    out, ref = dpo_forward(policy, PairData(pairs, tok).collate(pairs))
    assert out.tokens.tolist() == [2, 4, 2, 3]                # answers + <|end|>
    chosen, _ = pair_logprobs(policy, tok, raw)
    pure, mixed = dpo_objective(0.1)(out, ref), dpo_objective(0.1, 0.5)(out, ref)
    expected = 0.5 * (-chosen / torch.tensor([2.0, 4.0])).mean()
    assert (mixed - pure).item() == pytest.approx(expected.item(), rel=1e-5)


def test_kl_and_margin_are_zero_for_the_reference_itself():
    tok = ChatTokenizer(CharTokenizer.from_text(ALPHABET))
    model = _tiny_policy(tok.vocab_size)
    chat = ChatModel(model, tok)
    assert kl_to_reference(chat, model, ["What is 2 + 3?", "Reverse the word 'ab'."]) == 0.0
    raw = [("What is 2 + 3?", "5", "6")]
    ref_c, ref_r = pair_logprobs(model, tok, raw)
    pair = PreferencePair(*raw[0], float(ref_c), float(ref_r), True)
    assert reward_margin(model, tok, [pair], beta=0.1) == (0.0, 0.0)
    other = _tiny_policy(tok.vocab_size)
    with torch.no_grad():
        other.lm_head.weight.mul_(3.0)                          # a different policy
    assert kl_to_reference(ChatModel(other, tok), model, ["What is 2 + 3?"]) > 0


def test_pairs_rank_a_right_answer_above_a_wrong_one():
    items = make_instructions(n_train=2, n_dpo=2, n_test=1).dpo

    class Scripted:                      # answers: right, wrong, wrong, ... per question
        def answers(self, questions, **options):
            return [items[k // 3].answer if k % 3 == 0 else "nope"
                    for k in range(len(questions))]

    pairs = make_pairs(Scripted(), items, samples=3, temperature=1.0, seed=0)
    assert pairs == [(i.prompt, i.answer, "nope", True) for i in items]


def test_dpo_runs_measures_and_resumes_exactly(runs, tmp_path):
    common = dict(from_dir=str(runs["sft_dir"]), **TINY_DPO)
    run = train_dpo(DPORecipe(out_dir=str(tmp_path / "straight"), max_steps=4, **common))
    info = json.loads((tmp_path / "straight" / "run.json").read_text())
    assert info["kind"] == "dpo" and info["pairs"] == len(run.pairs) > 0
    assert set(info["accuracy"]) == {"pretrain", "sft", "dpo"}
    assert info["kl_to_sft"] == run.kl >= 0 and info["reward_margin"] == run.margin
    assert run.sft_accuracy.to_dict() == json.loads(
        (runs["sft_dir"] / "run.json").read_text())["accuracy"]["sft"]
    # resumed from step 2 to 4: the same pairs, the same weights
    train_dpo(DPORecipe(out_dir=str(tmp_path / "resumed"), max_steps=2, **common))
    train_dpo(DPORecipe(out_dir=str(tmp_path / "resumed"), max_steps=4, resume=True,
                        **common))
    assert (tmp_path / "resumed" / "pairs.json").read_text() == \
        (tmp_path / "straight" / "pairs.json").read_text()
    _assert_same_weights(_weights(tmp_path / "resumed"), _weights(tmp_path / "straight"))


def test_dpo_refuses_bad_inputs(runs, tmp_path):
    with pytest.raises(DlfsError, match=r"is a 'gpt' run; give a run of `dlfs train sft`"):
        train_dpo(DPORecipe(from_dir=str(runs["base"]), out_dir=str(tmp_path / "a")))
    with pytest.raises(DlfsError, match="found no such directory"):
        train_dpo(DPORecipe(from_dir=str(tmp_path / "nothing"), out_dir=str(tmp_path / "b")))
    with pytest.raises(DlfsError, match="is the SFT run itself"):
        train_dpo(DPORecipe(from_dir=str(runs["sft_dir"]), out_dir=str(runs["sft_dir"])))
    # a tiny SFT model answers nothing right: without the fallback there is no pair
    with pytest.raises(DlfsError, match="no preference pairs"):
        train_dpo(DPORecipe(from_dir=str(runs["sft_dir"]), out_dir=str(tmp_path / "c"),
                            questions=4, samples=2, max_steps=2))
    assert not (tmp_path / "c" / "run.json").exists()


def test_dpo_quick_through_the_command_line(runs, tmp_path, capsys):
    out = tmp_path / "dpo"
    assert main(["train", "dpo", "--quick", "--from", str(runs["sft_dir"]), "--out",
                 str(out), "--max-steps", "2", "--eval-every", "2"]) == 0
    text = capsys.readouterr().out
    assert "preference pairs" in text and "reward margin" in text and "KL(DPO || SFT)" in text
    assert "held-out exact-answer accuracy (250 questions): pre-trained only" in text
    assert f"curves: {out / 'curves.png'}" in text and (out / "curves.png").stat().st_size
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(out / "tensorboard"))
    events.Reload()
    assert {"dpo/reward_margin", "dpo/reward_accuracy", "val/accuracy", "loss/train",
            "opt/grad_norm"} <= set(events.Tags()["scalars"])
    answers = events.Tensors("samples/text/text_summary")          # Q/A of held-out questions
    assert [e.step for e in answers] == [2]
    assert answers[0].tensor_proto.string_val[0].decode().startswith("    Q: ")
    assert main(["chat", "--run", str(out), "--once", "What is 1 + 1?"]) == 0
