"""The captioner: the GPT's forward from embeddings, shapes, greedy decoding with and without
the KV cache, what stage 2 trains and freezes, the digit-naming parser, the recipe through
the command line, its resume and its errors."""

from __future__ import annotations

import json

import pytest
import torch

from dlfs.cli import main
from dlfs.errors import DlfsError
from dlfs.generative.data import digit_images
from dlfs.models.captioner import Captioner, embeddings_forward
from dlfs.models.digits_classifier import DigitsClassifier
from dlfs.models.gpt import GPT, GPTConfig
from dlfs.models.qformer import QFormer, QFormerConfig
from dlfs.multimodal.captions import TEMPLATES, caption
from dlfs.recipes.captioner import (
    CaptionerRecipe,
    build_captioner,
    caption_forward,
    caption_image,
    check_fits,
    encode_captions,
    named_digit,
    named_digits,
    plan_captioner_resume,
    train_captioner,
)
from dlfs.recipes.lm import next_token_loss
from dlfs.train import Callback


def tiny_captioner(seed: int = 0) -> Captioner:
    torch.manual_seed(seed)
    gpt = GPT(GPTConfig(vocab_size=11, block_size=16, n_layer=1, n_head=2, n_embd=8))
    return Captioner(gpt, QFormer(3, 8, 1, 2, d_image=64), DigitsClassifier())


# ---- the parser -----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("split", ["train", "test"])
def test_every_template_names_its_digit(lang, split):
    for digit in range(10):
        for template in TEMPLATES[lang][split]:
            text = caption(digit, template, lang)
            assert named_digit(text, lang) == digit, text


def test_named_digit_reads_words_and_numerals_only_as_whole_names():
    assert named_digit("Someone wrote a NINE") == 9           # whole words, any case
    assert named_digit("someone wrote it") is None            # 'one' inside a word
    assert named_digit("a 3 and a three") == 3                # the same digit twice
    assert named_digit("a 3 and a four") is None              # two different digits
    assert named_digits("eight or 0 or two") == {0, 2, 8}
    assert named_digit("一个手写的七", "zh") == 7               # 一个 is the article
    assert named_digit("一", "zh") == 1 and named_digit("一张照片", "zh") is None
    assert named_digit("七和 7", "zh") == 7 and named_digit("七和八", "zh") is None
    with pytest.raises(ValueError, match="lang must be one of"):
        named_digit("a seven", "fr")


# ---- the model ------------------------------------------------------------------------------

def test_embeddings_forward_equals_the_gpt_on_ids_with_and_without_a_cache():
    from dlfs.attention import KVCache

    gpt = tiny_captioner().gpt
    ids = torch.randint(0, 11, (2, 7))
    full = gpt(ids)[0]
    torch.testing.assert_close(embeddings_forward(gpt, gpt.wte(ids)), full)
    cache = KVCache()
    first = embeddings_forward(gpt, gpt.wte(ids[:, :4]), cache)
    rest = embeddings_forward(gpt, gpt.wte(ids[:, 4:]), cache)   # positions 4.. from cache
    torch.testing.assert_close(torch.cat([first, rest], 1), full)
    with pytest.raises(ValueError, match="17 positions exceed the GPT's block_size 16"):
        embeddings_forward(gpt, torch.zeros(1, 17, 8))


def test_captioner_shapes_and_the_image_reaching_the_logits():
    model = tiny_captioner()
    images = digit_images("test")[0][:3]
    features = model.image_features(images)
    assert features.shape == (3, 16, 64) and not features.requires_grad
    assert model.prefix(features).shape == (3, 3, 8)              # (B, N, C)
    ids = torch.randint(0, 11, (3, 5))
    logits = model(features, ids)
    assert logits.shape == (3, 5, 11)
    other = model(model.image_features(images.flip(0)), ids)      # other images, same text
    assert not torch.allclose(other[1], logits[0]) and torch.allclose(other[1], logits[1])
    with pytest.raises(ValueError, match=r"idx must be int64 \(B, T\) with B = 3"):
        model(features, ids[:2])
    with pytest.raises(ValueError, match="reads features of width 32, the encoder makes 64"):
        Captioner(model.gpt, QFormer(3, 8, 1, 2, d_image=32), DigitsClassifier())


def test_greedy_with_the_kv_cache_equals_recomputing():
    model = tiny_captioner(seed=3).eval()
    features = model.image_features(digit_images("test")[0][:5])
    with_cache = model.generate(features, bos=0, eos=1, max_new_tokens=12)
    without = model.generate(features, bos=0, eos=1, max_new_tokens=12, use_cache=False)
    assert torch.equal(with_cache, without)
    for row in with_cache.tolist():                                # after eos, only eos
        if 1 in row:
            assert set(row[row.index(1):]) == {1}
    with pytest.raises(ValueError, match=r"max_new_tokens must be in \[1, 12\]"):
        model.generate(features, bos=0, eos=1, max_new_tokens=13)


def test_stage_2_trains_only_the_qformer_and_the_projection():
    model = tiny_captioner().freeze_pretrained()
    trained = {n.split(".")[0] for n, p in model.named_parameters() if p.requires_grad}
    assert trained == {"qformer", "proj"}
    sizes = {k: sum(p.numel() for p in getattr(model, k).parameters())
             for k in ("gpt", "encoder", "qformer", "proj")}
    assert model.parameter_counts() == {"trained": sizes["qformer"] + sizes["proj"],
                                        "frozen": sizes["gpt"] + sizes["encoder"]}
    model.train()
    assert model.qformer.training and not model.gpt.training and not model.encoder.training
    frozen = {k: v.clone() for k, v in model.state_dict().items()
              if k.startswith(("gpt.", "encoder."))}
    before = {k: v.clone() for k, v in model.state_dict().items() if k.startswith("qformer.")}
    features = model.image_features(digit_images("test")[0][:4])
    ids = torch.randint(0, 11, (4, 6))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    loss = next_token_loss(*caption_forward(model, (features, ids, ids)))
    loss.backward()
    assert all(p.grad is None for p in model.gpt.parameters())
    assert model.proj.weight.grad.abs().sum() > 0 and model.qformer.query_tokens.grad.any()
    optimizer.step()
    after = model.state_dict()
    assert all(torch.equal(v, after[k]) for k, v in frozen.items())
    assert all(not torch.equal(v, after[k]) for k, v in before.items()
               if k.endswith("weight") and "ln" not in k)


def test_encode_captions_shifts_targets_and_pads():
    from dlfs.data.text import CharTokenizer

    tok = CharTokenizer.from_text("\nab")                        # "\n" 0, "a" 1, "b" 2
    inputs, targets = encode_captions([["ab", "a"]], tok, 4)
    assert inputs.tolist() == [[[0, 1, 2, 0], [0, 1, 0, 0]]]     # BOS + ids, EOS padding
    assert targets.tolist() == [[[1, 2, 0, -100], [1, 0, -100, -100]]]


# ---- the recipe -----------------------------------------------------------------------------

def tiny(out, **changes) -> CaptionerRecipe:
    """A recipe of a second: a 1-layer GPT of width 16, a 1-layer Q-Former, 2 queries."""
    settings = dict(gpt=GPTConfig(block_size=40, n_layer=1, n_head=2, n_embd=16),
                    qformer=QFormerConfig(n_queries=2, d_model=16, n_layers=1, n_heads=2),
                    gpt_steps=4, qformer_steps=4, gpt_batch_size=8, qformer_batch_size=8,
                    documents=20, eval_every=2, test_images=20, examples=1, out_dir=str(out))
    return CaptionerRecipe(**{**settings, **changes})


def test_quick_through_the_command_line_then_caption_image(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "captioner", "--quick", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "held-out images whose caption names the right digit:" in printed
    assert "parameters: trained" in printed and "image   0 (a 4):" in printed
    info = json.loads((out / "run.json").read_text())
    assert info["kind"] == "captioner" and info["result"]["held_out_images"] == 50
    for stage in ("stage1_gpt", "stage2_qformer"):
        assert list((out / stage / "checkpoints").glob("step-*.pt"))
        assert list((out / stage / "tensorboard").glob("events.out.tfevents.*"))
        assert f"curves: {out / stage / 'curves.png'}" in printed
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(out / "stage2_qformer" / "tensorboard"))
    events.Reload()                                     # captions of 4 held-out images
    texts = events.Tensors("samples/text/text_summary")
    assert texts and texts[-1].tensor_proto.string_val[0].decode().count("\n") == 3
    assert "val/accuracy" in events.Tags()["scalars"]
    text, label = caption_image(out, 0)
    assert isinstance(text, str) and label == int(digit_images("test")[1][0])
    with pytest.raises(DlfsError, match=r"image index 359 is out of range: the test split "
                                        r"has 359 images \(0 .. 358\)"):
        caption_image(out, 359)
    with pytest.raises(DlfsError, match="split must be one of train, test"):
        caption_image(out, 0, split="val")
    (tmp_path / "gpt").mkdir()
    (tmp_path / "gpt" / "run.json").write_text(json.dumps({"recipe": {}}))
    with pytest.raises(DlfsError, match="holds a 'gpt' run, not a captioner"):
        caption_image(tmp_path / "gpt", 0)
    with pytest.raises(DlfsError, match="no run.json in"):
        caption_image(tmp_path / "nothing", 0)


class StopAt(Callback):
    """Interrupts stage 1 after ``step`` (its checkpoint of step - 1 is written)."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, trainer, logs):
        if trainer.state.step == self.step and trainer.config.max_steps == 4 \
                and "stage1" in str(trainer.config.checkpoint_dir):
            raise KeyboardInterrupt


def test_resume_in_either_stage_equals_an_uninterrupted_run(tmp_path):
    train_captioner(tiny(tmp_path / "straight"))
    straight = torch.load(tmp_path / "straight" / "captioner.pt")

    cut = tmp_path / "cut"                                  # interrupted in stage 1 ...
    with pytest.raises(KeyboardInterrupt):
        train_captioner(tiny(cut), callbacks=[StopAt(3)])
    plan = plan_captioner_resume(tiny(cut, resume=True, qformer_steps=2))
    assert (plan.stage1_step, plan.stage2) == (2, None)
    train_captioner(tiny(cut, resume=True, qformer_steps=2))
    plan = plan_captioner_resume(tiny(cut, resume=True))    # ... then stage 2 cut at 2 of 4
    assert (plan.stage2_step, plan.changes) == (2, ["--qformer-steps 2 -> 4"])
    train_captioner(tiny(cut, resume=True))
    resumed = torch.load(cut / "captioner.pt")
    assert all(torch.equal(straight[k], resumed[k]) for k in straight)

    with pytest.raises(DlfsError, match="--gpt-steps 4 -> 6"):      # stage 1 is closed now
        plan_captioner_resume(tiny(cut, resume=True, gpt_steps=6, qformer_steps=8))
    with pytest.raises(DlfsError, match="--seed 0 -> 1"):
        plan_captioner_resume(tiny(cut, resume=True, seed=1, qformer_steps=8))
    with pytest.raises(DlfsError, match="leaves nothing to train"):
        plan_captioner_resume(tiny(cut, resume=True))


def test_bad_settings_are_refused(tmp_path, capsys):
    with pytest.raises(ValueError, match="lang must be one of 'en', 'zh'"):
        CaptionerRecipe(lang="fr")
    with pytest.raises(ValueError, match="gpt_steps must be >= 1"):
        CaptionerRecipe(gpt_steps=0)
    with pytest.raises(DlfsError, match="--gpt-block-size 20 is too short"):
        check_fits(tiny(tmp_path, gpt=GPTConfig(block_size=20, n_layer=1, n_head=2,
                                                n_embd=16)))
    assert main(["train", "captioner", "--quick", "--gpt-block-size", "20",
                 "--out", str(tmp_path / "x")]) == 2
    assert "--gpt-block-size 20 is too short" in capsys.readouterr().err
    with pytest.raises(DlfsError, match="no usable checkpoint in"):
        plan_captioner_resume(tiny(tmp_path / "none", resume=True))
    assert build_captioner(tiny(tmp_path), 30).gpt.config.vocab_size == 30
