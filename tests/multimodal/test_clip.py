"""CLIP: the dual encoder's shapes and unit embeddings, the clamped logit scale, the symmetric
InfoNCE against a torch-built one (values and gradients, float64), padding that changes
nothing, zero-shot classification on a hand-built model, recall@k against a brute-force
count, and `dlfs train clip` (--quick through the CLI, an exact resume, bad inputs)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as torch_F
from torch import nn

from dlfs.builtin_guard import BuiltinCallRecorder
from dlfs.cli import main
from dlfs.models.clip import CLIP, CaptionTokenizer, ClipConfig, clip_loss, l2_normalize
from dlfs.multimodal import zero_shot
from dlfs.nn.functional.contrastive import info_nce
from dlfs.recipes.clip import QUICK, ClipRecipe, load_clip_run, prepare_data, train_clip
from dlfs.recipes.options import replace_nested
from dlfs.testing import assert_fn_parity
from dlfs.train import load_checkpoint

TEXTS = ["a handwritten seven", "the digit 3", "数字七", "一个小小的 9", "zero"]


def _model(dtype=torch.float64, **sizes) -> tuple[CLIP, CaptionTokenizer]:
    tok = CaptionTokenizer.from_texts(TEXTS)
    config = ClipConfig(vocab_size=tok.vocab_size, embed_dim=8, image_width=4, text_width=8,
                        text_heads=2, text_layers=2, **sizes)
    torch.manual_seed(0)
    return CLIP(config).to(dtype), tok


def _images(n, size=16, dtype=torch.float64, seed=0):
    return torch.randn(n, 1, size, size, dtype=dtype,
                       generator=torch.Generator().manual_seed(seed))


# ---- the model ------------------------------------------------------------------------------

@pytest.mark.parametrize("n_images, texts, size", [(1, TEXTS[:1], 16), (3, TEXTS, 8),
                                                   (5, TEXTS[2:], 12)])
def test_shapes_unit_embeddings_and_transposed_logits(n_images, texts, size):
    model, tok = _model()
    images, tokens = _images(n_images, size), tok.batch(texts)
    image_emb, text_emb = model.encode_image(images), model.encode_text(tokens)
    assert image_emb.shape == (n_images, 8) and text_emb.shape == (len(texts), 8)
    torch.testing.assert_close(image_emb.norm(dim=1), torch.ones(n_images, dtype=torch.float64))
    torch.testing.assert_close(text_emb.norm(dim=1), torch.ones(len(texts), dtype=torch.float64))
    per_image, per_text = model(images, tokens)
    assert per_image.shape == (n_images, len(texts)) and torch.equal(per_text, per_image.T)
    torch.testing.assert_close(per_image, model.scale() * image_emb @ text_emb.T)


def test_logit_scale_starts_at_one_over_007_and_is_clamped_at_100():
    model, tok = _model()
    assert model.scale().item() == pytest.approx(1 / 0.07)
    with torch.no_grad():
        model.logit_scale.fill_(math.log(1000.0))
    per_image, _ = model(_images(4), tok.batch(TEXTS[:4]))
    assert model.scale().item() == 100.0 and per_image.abs().max() <= 100.0 + 1e-9
    model.scale().backward()                            # beyond the clamp: no gradient
    assert model.logit_scale.grad.item() == 0.0
    with torch.no_grad():
        model.logit_scale.fill_(math.log(50.0))
    model.logit_scale.grad = None
    model.scale().backward()                            # d exp(t) / dt = exp(t) below it
    assert model.logit_scale.grad.item() == pytest.approx(50.0)


def _torch_symmetric_ce(logits):
    targets = torch.arange(logits.shape[0])
    return (torch_F.cross_entropy(logits, targets) + torch_F.cross_entropy(logits.T, targets)) / 2


@pytest.mark.parametrize("batch", [1, 2, 7])
def test_clip_loss_equals_torch_symmetric_cross_entropy(batch):
    logits = torch.randn(batch, batch, dtype=torch.float64) * 5
    assert_fn_parity(lambda x: clip_loss(x, x.T), _torch_symmetric_ce, logits)


def test_l2_normalize_equals_torch_normalize_zero_rows_included():
    x = torch.randn(5, 7, dtype=torch.float64)
    x[2] = 0.0
    assert_fn_parity(l2_normalize, torch_F.normalize, x)


def _reference_loss(model, images, tokens):
    """The same model's loss with torch's normalize and cross_entropy doing the math."""
    image_emb = torch_F.normalize(model.image_projection(model.visual(images)), dim=-1)
    text_emb = torch_F.normalize(model.text_projection(model.text(tokens)), dim=-1)
    logits = model.logit_scale.exp().clamp(max=100.0) * image_emb @ text_emb.T
    return _torch_symmetric_ce(logits)


def test_model_loss_and_every_parameter_gradient_equal_a_torch_built_one():
    model, tok = _model()
    images, tokens = _images(5), tok.batch(TEXTS)
    params = list(model.parameters())
    ours = clip_loss(*model(images, tokens))
    ours_grads = torch.autograd.grad(ours, params)
    ref = _reference_loss(model, images, tokens)
    ref_grads = torch.autograd.grad(ref, params)
    torch.testing.assert_close(ours, ref, atol=1e-12, rtol=1e-10)
    for (name, _), a, b in zip(model.named_parameters(), ours_grads, ref_grads):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=1e-9, msg=name)
    assert ours_grads[params.index(model.logit_scale)].abs() > 0      # the scale learns
    # the losses-b InfoNCE (symmetric, temperature 1/s) is the same loss
    same = info_nce(model.encode_image(images), model.encode_text(tokens),
                    temperature=1 / model.scale(), symmetric=True, normalize=False)
    torch.testing.assert_close(same, ours, atol=1e-12, rtol=1e-10)


def test_padding_changes_no_text_embedding():
    model, tok = _model()
    tokens = tok.batch(TEXTS)                                          # (5, T)
    padded = torch.cat([tokens, torch.zeros(5, 6, dtype=torch.long)], dim=1)   # (5, T + 6)
    torch.testing.assert_close(model.encode_text(padded), model.encode_text(tokens))
    alone = torch.cat([model.encode_text(tok.batch([t])) for t in TEXTS])
    torch.testing.assert_close(alone, model.encode_text(tokens))


def test_forward_and_backward_call_no_torch_builtin():
    model, tok = _model(torch.float32)
    with BuiltinCallRecorder() as recorder:
        clip_loss(*model(_images(3, dtype=torch.float32), tok.batch(TEXTS[:3]))).backward()
    assert recorder.calls == []


def test_tokenizer_round_trip_unknown_characters_pads_and_saved_form():
    tok = CaptionTokenizer.from_texts(TEXTS)
    assert tok.decode(tok.encode("数字 3")) == "数字 3"
    assert tok.encode("七!")[-2:] == [tok.unk_id, tok.eos_id] and tok.decode(tok.encode("!")) == "?"
    batch = tok.batch(["zero", "数字七"])
    assert batch.tolist()[1][-2:] == [tok.eos_id, tok.pad_id] and batch.dtype == torch.long
    again = CaptionTokenizer.from_dict(json.loads(json.dumps(tok.to_dict())))
    assert again.encode("the digit 七") == tok.encode("the digit 七")


# ---- zero-shot and retrieval ----------------------------------------------------------------

class HandBuilt(nn.Module):
    """A dual encoder whose answer is known: an image says its digit in its first pixel,
    a caption names it with the numeral it contains; both embed as one-hot over 10 digits
    plus an 11th direction (a caption's template length, an image's brightness)."""

    def __init__(self, tok: CaptionTokenizer):
        super().__init__()
        self.tok = tok
        self.config = ClipConfig(vocab_size=tok.vocab_size)

    def encode_image(self, images):
        out = torch_F.one_hot(images[:, 0, 0, 0].long(), 11).double()
        out[:, 10] = images[:, 0, 1, 1]
        return l2_normalize(out)

    def encode_text(self, tokens):
        texts = [self.tok.decode(row.tolist()) for row in tokens]
        digits = torch.tensor([next(int(c) for c in t if c.isdigit()) for t in texts])
        out = torch_F.one_hot(digits, 11).double()
        out[:, 10] = torch.tensor([len(t) / 10 for t in texts])
        return l2_normalize(out)


def test_zero_shot_on_a_hand_built_model_finds_the_known_answer():
    prompts = [[f"the digit {d}", f"a picture of a {d} here"] for d in range(10)]
    tok = CaptionTokenizer.from_texts(t for group in prompts for t in group)
    model = HandBuilt(tok)
    labels = torch.tensor([3, 1, 4, 1, 5, 9, 2, 6])
    images = torch.zeros(8, 1, 4, 4)
    images[:, 0, 0, 0], images[:, 0, 1, 1] = labels.float(), 0.3
    W = zero_shot.class_embeddings(model, tok, prompts)                 # (10, 11)
    torch.testing.assert_close(W.norm(dim=1), torch.ones(10, dtype=torch.float64))
    by_hand = model.encode_text(tok.batch(prompts[4])).mean(0)
    torch.testing.assert_close(W[4], by_hand / by_hand.norm())
    assert zero_shot.zero_shot_predict(model.encode_image(images), W).tolist() == \
        labels.tolist()
    assert zero_shot.zero_shot_accuracy(model, tok, images, labels, prompts) == 1.0
    assert zero_shot.zero_shot_accuracy(model, tok, images, (labels + 1) % 10, prompts) == 0.0


def _brute_force_recall(similarity, relevant, k):
    hits = 0
    for scores, rel in zip(similarity.tolist(), relevant.tolist()):
        # best first; among equal scores the relevant items go last (ties count against)
        order = sorted(range(len(scores)), key=lambda j: (-scores[j], rel[j]))
        hits += any(rel[j] for j in order[:k])
    return hits / len(similarity)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recall_at_k_equals_a_brute_force_count(seed):
    g = torch.Generator().manual_seed(seed)
    similarity = torch.randint(0, 6, (9, 13), generator=g).double() / 5    # many ties
    relevant = torch.rand(9, 13, generator=g) < 0.15
    relevant[torch.arange(9), torch.randint(0, 13, (9,), generator=g)] = True
    for k in (1, 2, 5, 13):
        assert zero_shot.recall_at_k(similarity, relevant, k) == \
            pytest.approx(_brute_force_recall(similarity, relevant, k))
    image_emb = l2_normalize(torch.randn(12, 4, generator=g))
    text_emb = l2_normalize(torch.randn(12, 4, generator=g))
    labels = torch.randint(0, 3, (12,), generator=g)
    same = labels[:, None] == labels[None, :]
    s = image_emb @ text_emb.T
    got = zero_shot.retrieval_recalls(image_emb, text_emb, labels, ks=(1, 5))
    assert got["image->text@1"] == pytest.approx(_brute_force_recall(s, same, 1))
    assert got["text->image@5"] == pytest.approx(_brute_force_recall(s.T, same, 5))
    pairs = zero_shot.retrieval_recalls(image_emb, text_emb, ks=(1,))
    assert pairs["text->image@1"] == pytest.approx(
        _brute_force_recall(s.T, torch.eye(12, dtype=torch.bool), 1))


def test_a_model_that_scores_everything_alike_gets_no_recall():
    similarity = torch.ones(4, 6)
    assert zero_shot.recall_at_k(similarity, torch.eye(4, 6, dtype=torch.bool), 5) == 0.0


# ---- the recipe -----------------------------------------------------------------------------

def test_quick_run_through_the_command_line(tmp_path, capsys):
    out = tmp_path / "clip"
    assert main(["train", "clip", "--quick", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for text in ("zero-shot accuracy, English prompts (held-out templates): ",
                 "zero-shot accuracy, Chinese prompts (held-out templates): ",
                 "retrieval image->text (same digit counts): recall@1 ",
                 "retrieval text->image", "learned logit scale s = ", "step    40  loss "):
        assert text in printed, text
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["kind"] == "clip" and info["recipe"]["max_steps"] == QUICK["max_steps"]
    assert set(info["results"]["zero_shot"]) == {"en", "zh"}
    model, tok, _ = load_clip_run(out)                   # rebuilt from run.json + checkpoint
    assert not model.training and model.config.vocab_size == tok.vocab_size
    assert model.scale().item() == pytest.approx(info["results"]["logit_scale"])
    events = list((out / "tensorboard").glob("events.out.tfevents.*"))
    assert events, "no TensorBoard event file"
    assert f"curves: {out / 'curves.png'}" in printed and (out / "curves.png").stat().st_size


def _tiny(out: Path, steps: int, resume: bool = False) -> ClipRecipe:
    """A seconds-long run: the --quick sizes, batches of 16, Chinese captions only."""
    return replace_nested(ClipRecipe(), {**QUICK, "max_steps": steps, "eval_every": 2,
                                         "batch_size": 16, "langs": "zh", "resume": resume,
                                         "out_dir": str(out)})


def test_a_resumed_run_equals_an_uninterrupted_one(tmp_path):
    data = prepare_data(_tiny(tmp_path, 1))
    train_clip(_tiny(tmp_path / "a", 3), data=data)
    resumed = train_clip(_tiny(tmp_path / "a", 6, resume=True), data=data)
    straight = train_clip(_tiny(tmp_path / "b", 6), data=data)
    a = load_checkpoint(tmp_path / "a" / "checkpoints" / "step-00000006.pt")["model"]
    b = load_checkpoint(tmp_path / "b" / "checkpoints" / "step-00000006.pt")["model"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    # the first run also evaluated where it stopped (step 3); every other row is the same
    assert [row for row in resumed.evals if row[0] != 3] == straight.evals
    assert resumed.report == straight.report


@pytest.mark.parametrize("argv, message", [
    (["--langs", "en,fr"], "ClipRecipe: langs must be comma-separated languages of en, zh "
                           "(e.g. 'en,zh'), got 'en,fr': unknown language 'fr'"),
    (["--langs", "zh,zh"], "got 'zh,zh': a language twice"),
    (["--context-length", "20"], "--context-length 20 is too short: the longest caption needs "
                                 "33 positions (its characters and <eos>); give at least 33"),
    (["--text-heads", "3"], "ClipConfig: text_width (32) must be divisible by text_heads (3)"),
    (["--init-temperature", "0.001"], "ClipConfig: need 0 < init_temperature and "
                                      "1 / init_temperature <= max_logit_scale"),
    (["--min-lr", "0.1"], "ClipRecipe: need min_lr <= lr, got 0.1 > 0.003"),
])
def test_bad_options_are_one_line_errors(argv, message, tmp_path, capsys):
    assert main(["train", "clip", "--quick", *argv, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dlfs: error: ") and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "x").exists()


def test_bad_inputs_to_the_library_name_what_was_expected():
    model, tok = _model()
    with pytest.raises(ValueError, match=r"images must be \(B, 1, H, W\), got \(2, 3, 8, 8\)"):
        model.encode_image(torch.zeros(2, 3, 8, 8, dtype=torch.float64))
    with pytest.raises(ValueError, match="every caption needs an <eos>"):
        model.encode_text(torch.full((2, 4), 5))
    with pytest.raises(ValueError, match="T=70 positions, more than context_length=64"):
        model.encode_text(tok.batch(["z" * 69]))
    with pytest.raises(ValueError, match="with <eos> the model reads at most context_length=4"):
        tok.batch(["zero!"], context_length=4)
    with pytest.raises(ValueError, match="expected a non-empty list of captions"):
        tok.batch("zero")
    with pytest.raises(ValueError, match=r"square \(B, B\) matrix of matching pairs"):
        clip_loss(torch.zeros(2, 3), torch.zeros(3, 2))
    with pytest.raises(ValueError, match="k must be an int >= 1, got 0"):
        zero_shot.recall_at_k(torch.zeros(2, 2), torch.eye(2, dtype=torch.bool), 0)
    with pytest.raises(ValueError, match="one non-empty list of prompts per class"):
        zero_shot.class_embeddings(model, tok, [["zero"], []])
    with pytest.raises(ValueError, match="ClipConfig: context_length must be >= 2"):
        ClipConfig(context_length=1)
