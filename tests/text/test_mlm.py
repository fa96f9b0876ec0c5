"""BERT's masking rule and data: the 80/10/10 rule exactly on a seeded case and statistically
on many positions, the invariants (special ids never chosen, labels -100 off the mask, the
input untouched), the vocabulary, and the labelled / unlabelled line sets."""

from __future__ import annotations

import math

import pytest
import torch

from dlfs.data.text.mlm import (
    IGNORE_INDEX,
    BertTokenizer,
    finetune_data,
    mask_tokens,
    pretraining_lines,
)

# a vocabulary laid out like BertTokenizer's: ordinary ids 0..127, then [PAD], [CLS], [MASK]
PAD_ID, CLS_ID, MASK_ID, VOCAB_SIZE = 128, 129, 130, 131
SPECIAL_IDS = (PAD_ID, CLS_ID, MASK_ID)
RULE = {"vocab_size": VOCAB_SIZE, "mask_id": MASK_ID, "special_ids": SPECIAL_IDS}


def _lines_ids(batch: int, length: int, seed: int) -> torch.Tensor:
    """[CLS] + random characters + trailing [PAD]s, like a padded batch of lines."""
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, 128, (batch, length), generator=gen)
    ids[:, 0] = CLS_ID
    lengths = torch.randint(2, length + 1, (batch,), generator=gen)
    ids[torch.arange(length)[None, :] >= lengths[:, None]] = PAD_ID
    return ids


def test_a_seeded_case_exactly():
    """Seed 3, p = 0.5: one case pinned to the last id, showing all three fates (positions
    1, 2, 10 -> [MASK]; 4, 5 -> a random character; 3 kept as it was), and the documented
    draw order (u, then v, then the random ids) reproduces it."""
    ids = torch.tensor([[CLS_ID, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, PAD_ID, PAD_ID]])
    inputs, labels = mask_tokens(ids, **RULE, mask_prob=0.5,
                                 generator=torch.Generator().manual_seed(3))
    assert labels.tolist() == [[-100, 10, 11, 12, 13, 14, -100, -100, -100, -100, 19, -100,
                                -100, -100]]
    assert inputs.tolist() == [[129, 130, 130, 12, 60, 1, 15, 16, 17, 18, 130, 20, 128, 128]]
    gen = torch.Generator().manual_seed(3)
    u, v = torch.rand(ids.shape, generator=gen), torch.rand(ids.shape, generator=gen)
    drawn = torch.randint(128, ids.shape, generator=gen)         # ordinary ids are 0..127
    chosen = (u < 0.5) & (ids != CLS_ID) & (ids != PAD_ID)
    want = torch.where(chosen & (v < 0.8), MASK_ID, ids)
    want = torch.where(chosen & (v >= 0.8) & (v < 0.9), drawn, want)
    assert torch.equal(inputs, want)
    assert torch.equal(labels, torch.where(chosen, ids, IGNORE_INDEX))


def test_the_80_10_10_rule_statistically():
    """On ~50 K ordinary positions: 15 % chosen, and of those 80 % [MASK], 10 % another
    ordinary token, 10 % unchanged (a random draw that hits the original counts there),
    each within 4 standard errors."""
    ids = _lines_ids(800, 80, seed=0)
    inputs, labels = mask_tokens(ids, **RULE, generator=torch.Generator().manual_seed(1))
    ordinary = ~torch.isin(ids, torch.tensor(SPECIAL_IDS))
    chosen = labels != IGNORE_INDEX
    n, k = int(ordinary.sum()), int(chosen.sum())

    def within(count: int, total: int, p: float, what: str) -> None:
        se = math.sqrt(p * (1 - p) / total)
        assert abs(count / total - p) < 4 * se, f"{what}: {count / total:.4f} vs {p}"

    within(k, n, 0.15, "chosen share")
    n_ordinary = VOCAB_SIZE - len(SPECIAL_IDS)                # 128 characters
    masked = int((inputs[chosen] == MASK_ID).sum())
    kept = int((inputs[chosen] == ids[chosen]).sum())
    swapped = k - masked - kept
    within(masked, k, 0.8, "[MASK] share")
    within(kept, k, 0.1 + 0.1 / n_ordinary, "unchanged share")
    within(swapped, k, 0.1 - 0.1 / n_ordinary, "random-token share")
    drawn = inputs[chosen & (inputs != MASK_ID) & (inputs != ids)]
    assert not torch.isin(drawn, torch.tensor(SPECIAL_IDS)).any()
    assert drawn.unique().numel() > 100                          # spread over the characters


def test_invariants_on_many_seeds():
    ids = _lines_ids(16, 30, seed=2)
    special = torch.isin(ids, torch.tensor(SPECIAL_IDS))
    for seed in range(20):
        before = ids.clone()
        inputs, labels = mask_tokens(ids, **RULE, mask_prob=0.3,
                                     generator=torch.Generator().manual_seed(seed))
        assert torch.equal(ids, before)                          # the input is not modified
        assert inputs.dtype == labels.dtype == torch.long and inputs.shape == ids.shape
        assert (labels[special] == IGNORE_INDEX).all()           # specials never chosen
        assert torch.equal(inputs[special], ids[special])        # ... and never replaced
        off = labels == IGNORE_INDEX
        assert torch.equal(inputs[off], ids[off])                # unchosen positions kept
        assert torch.equal(labels[~off], ids[~off])              # labels: the original ids
        again = mask_tokens(ids, **RULE, mask_prob=0.3,
                            generator=torch.Generator().manual_seed(seed))
        assert torch.equal(again[0], inputs) and torch.equal(again[1], labels)


def test_probability_zero_and_one():
    ids = _lines_ids(4, 12, seed=3)
    ordinary = ~torch.isin(ids, torch.tensor(SPECIAL_IDS))
    inputs, labels = mask_tokens(ids, **RULE, mask_prob=0.0)
    assert torch.equal(inputs, ids) and (labels == IGNORE_INDEX).all()
    _, labels = mask_tokens(ids, **RULE, mask_prob=1.0)
    assert torch.equal(labels != IGNORE_INDEX, ordinary)


def test_a_generic_vocabulary_and_a_mask_id_outside_special_ids():
    """mask_id is never chosen even when special_ids omits it; random ids avoid it too."""
    ids = torch.tensor([[0, 1, 2, 3, 4]] * 400)
    inputs, labels = mask_tokens(ids, vocab_size=5, mask_id=4, special_ids=(0,), mask_prob=1.0,
                                 generator=torch.Generator().manual_seed(0))
    assert (labels[:, 0] == -100).all() and (labels[:, 4] == -100).all()
    assert set(inputs[:, 1:4].unique().tolist()) <= {1, 2, 3, 4}
    assert set(inputs[:, 1:4].unique().tolist()) >= {1, 2, 3}   # random and kept ids occur


@pytest.mark.parametrize("call, error, message", [
    (lambda: mask_tokens(torch.zeros(3, dtype=torch.long), **RULE), TypeError,
     "mask_tokens: ids must be an int64 tensor of shape (B, T), got torch.int64 (3,)"),
    (lambda: mask_tokens(torch.zeros(2, 3), **RULE), TypeError,
     "mask_tokens: ids must be an int64 tensor of shape (B, T), got torch.float32 (2, 3)"),
    (lambda: mask_tokens(torch.full((1, 2), 131), **RULE), ValueError,
     "mask_tokens: ids must lie in [0, 131), got values in [131, 131]"),
    (lambda: mask_tokens(torch.zeros(1, 2, dtype=torch.long), **RULE, mask_prob=1.5),
     ValueError, "mask_tokens: mask_prob must be in [0, 1], got 1.5"),
    (lambda: mask_tokens(torch.zeros(1, 2, dtype=torch.long), vocab_size=10, mask_id=10),
     ValueError, "mask_tokens: mask_id 10 is outside [0, 10)"),
    (lambda: mask_tokens(torch.zeros(1, 2, dtype=torch.long), vocab_size=2, mask_id=1,
                         special_ids=(0,)), ValueError,
     "mask_tokens: every id is special; no ordinary token is left to mask or to draw"),
    (lambda: mask_tokens(torch.zeros(1, 2, dtype=torch.long), vocab_size=10, mask_id=1,
                         special_ids=(12,)), ValueError,
     "mask_tokens: special_ids [12] are outside [0, 10)"),
    (lambda: BertTokenizer.train("abcabc", 258).encode("abc", 1), ValueError,
     "BertTokenizer.encode: max_len must be >= 2 ([CLS] and a token), got 1"),
    (lambda: pretraining_lines("wiki"), ValueError,
     "pretraining_lines: source must be 'packages' or 'stdlib', got 'wiki'"),
    (lambda: finetune_data(0), ValueError,
     "finetune_data: per_class must be an int in [1, 1200], got 0"),
])
def test_bad_inputs_say_what_was_expected(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message


# ---- the vocabulary and the text ------------------------------------------------------------


def test_tokenizer_puts_the_special_ids_after_the_bpe_tokens():
    tok = BertTokenizer.train("import os\nimport sys\nfrom os import path\n" * 30, 270)
    K = tok.bpe.vocab_size
    assert (tok.pad_id, tok.cls_id, tok.mask_id, tok.vocab_size) == (K, K + 1, K + 2, K + 3)
    ids = tok.encode("import sys", 16)
    assert ids[0] == tok.cls_id and tok.bpe.decode(ids[1:]) == "import sys"
    assert len(tok.encode("import sys", 2)) == 2                           # cut to max_len
    batch = tok.encode_batch(["os", "import sys"], 16)
    assert batch.shape == (2, len(ids)) and batch[0, -1] == tok.pad_id
    assert tok.decode([tok.cls_id, *tok.bpe.encode("os"), tok.mask_id, tok.pad_id]) == \
        "[CLS]os[MASK][PAD]"
    again = BertTokenizer.from_dict(tok.to_dict())
    assert again.encode("from os import path", 32) == tok.encode("from os import path", 32)


def test_packing_joins_consecutive_lines_up_to_the_length():
    tok = BertTokenizer.train("abc def\nghi\n" * 50, 260)
    lines = ["abc def", "ghi", "abc def", "ghi", "abc def ghi abc def ghi abc def ghi"]
    chunks = tok.pack(lines, 12)
    assert chunks.shape[1] <= 12 and (chunks[:, 0] == tok.cls_id).all()
    text = [tok.decode([i for i in row.tolist() if i != tok.pad_id]) for row in chunks]
    assert text[0].startswith("[CLS]abc def\nghi")                      # lines joined
    assert all(len(row[row != tok.pad_id]) <= 12 for row in chunks)
    flat = "\n".join(t.removeprefix("[CLS]") for t in text)
    assert flat.startswith("abc def\nghi\nabc def\nghi")                 # order kept
    with pytest.raises(ValueError, match="got no lines"):
        tok.pack([], 12)


def test_finetune_data_keeps_a_fixed_test_set():
    small, large = finetune_data(3), finetune_data(40)
    assert small.classes == large.classes and len(small.classes) == 5
    assert small.test == large.test and len(small.test) == 5 * 300
    for data, n in ((small, 3), (large, 40)):
        counts = [sum(1 for _, y in data.train if y == k) for k in range(5)]
        assert counts == [n] * 5
        assert not {s for s, _ in data.train} & {s for s, _ in data.test}
    assert {s for s, _ in small.train} <= {s for s, _ in large.train}      # a growing subset


def test_pretraining_lines_leave_out_what_they_are_told():
    text = "\n".join(f"    value_{i} = compute({i})  " for i in range(300)) + "\nx = 1\n"
    train, val = pretraining_lines(text=text, val_every=10)
    assert len(val) == 30 and len(train) == 270 and not set(train) & set(val)
    assert all(s == s.strip() and 8 <= len(s) <= 80 for s in train + val)
    assert "x = 1" not in train + val                                    # too short
    banned = set(train[:50])
    train2, val2 = pretraining_lines(text=text + text, exclude=banned, val_every=10)
    assert not banned & set(train2 + val2) and len(train2) + len(val2) == 250   # deduplicated
    real, real_val = pretraining_lines("packages", max_chars=30_000)
    assert real and real_val and not any(s.startswith("# file: ") for s in real)
