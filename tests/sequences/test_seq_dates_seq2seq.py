"""The date task (split by date) and the GRU encoder-decoder with Bahdanau attention.
The attention module itself is the ``bahdanau_attention`` exercise's checker."""

from __future__ import annotations

import datetime as dt

import pytest
import torch

from dlfs.data.text.dates import FORMATS, format_date, make_date_task
from dlfs.models.seq2seq import Seq2Seq
from dlfs.recipes.seq2seq_gru import DateRecipe, evaluate_dates, train_date_model


def test_formats_by_hand():
    d = dt.date(2021, 3, 3)
    expected = {
        "en_day_month": "3 March 2021", "en_month_day": "March 3, 2021",
        "en_abbr": "Mar 3, 2021", "en_abbr_upper": "03 MAR 2021",
        "en_weekday": "Wednesday, March 3, 2021", "en_ordinal": "3rd of March 2021",
        "fr": "3 mars 2021", "fr_le": "le 3 mars 2021", "de": "3. März 2021",
        "es": "3 de marzo de 2021", "slash_ymd": "2021/03/03", "us_slash_mdy": "03/03/2021",
        "dot_dmy": "03.03.2021", "compact": "20210303",
    }
    assert {s: format_date(d, s) for s in FORMATS} == expected
    assert format_date(dt.date(1999, 8, 11), "en_ordinal") == "11th of August 1999"
    assert format_date(dt.date(1999, 8, 1), "fr") == "1 août 1999"
    with pytest.raises(ValueError, match="unknown style"):
        format_date(d, "klingon")


def test_task_split_by_date_seeded_and_batches():
    task = make_date_task(400, 200, seed=3)
    assert task.train == make_date_task(400, 200, seed=3).train            # seeded
    assert task.train != make_date_task(400, 200, seed=4).train
    assert not {t for _, t in task.train} & {t for _, t in task.test}      # unseen dates
    for _, tgt in task.train[:50]:
        assert dt.date.fromisoformat(tgt).isoformat() == tgt
    b = task.batch(task.test[:7])
    assert b.src.shape[0] == 7 and b.tgt_in.shape == b.tgt_out.shape == (7, 11)
    assert (b.tgt_in[:, 0] == task.vocab.BOS).all() and (b.tgt_out[:, -1] == task.vocab.EOS).all()
    assert torch.equal(b.tgt_in[:, 1:], b.tgt_out[:, :-1])                 # shifted by one
    for row, n, (src, _) in zip(b.src, b.src_lengths, task.test[:7]):
        assert task.vocab.decode(row[:n].tolist()) == src and (row[n:] == 0).all()


@pytest.mark.parametrize("attention", [True, False])
def test_seq2seq_shapes_masking_and_decode_consistency(attention):
    torch.manual_seed(1)
    model = Seq2Seq(vocab_size=15, embed=6, hidden=10, attention=attention).double()
    src = torch.randint(3, 15, (4, 6))
    lengths = torch.tensor([6, 2, 5, 1])
    src[torch.arange(6)[None] >= lengths[:, None]] = 0
    tgt_in = torch.randint(3, 15, (4, 5))
    logits, w = model(src, lengths, tgt_in)
    assert logits.shape == (4, 5, 15)
    if attention:
        assert w.shape == (4, 5, 6)
        torch.testing.assert_close(w.sum(-1), torch.ones(4, 5, dtype=torch.float64))
        assert (w[1, :, 2:] == 0).all()
    else:
        assert w is None
    noisy = src.clone()
    noisy[torch.arange(6)[None] >= lengths[:, None]] = 7                   # change padding
    torch.testing.assert_close(model(noisy, lengths, tgt_in)[0], logits)
    # a lone sequence gives the same result as inside the padded batch
    torch.testing.assert_close(model(src[1:2, :2], lengths[1:2], tgt_in[1:2])[0], logits[1:2])
    # greedy decoding = teacher forcing on its own outputs
    ids, _ = model.greedy_decode(src, lengths, 5, bos=1, eos=2)
    forced = torch.cat([torch.ones(4, 1, dtype=torch.long), ids[:, :-1]], 1)
    tf_ids = model(src, lengths, forced)[0].argmax(-1)
    first_eos = [(row == 2).nonzero()[0].item() if (row == 2).any() else 5 for row in ids]
    for b, n in enumerate(first_eos):
        assert torch.equal(ids[b, :n + 1][:5], tf_ids[b, :n + 1][:5])


def test_tiny_overfit_learns_a_handful_of_dates_exactly():
    task = make_date_task(8, 4, seed=0)
    recipe = DateRecipe(attention=True, embed=16, hidden=32, batch_size=8, max_steps=60,
                        lr=2e-2, seed=0)
    model, history = train_date_model(recipe, task)
    assert history.step_loss[-1] < 0.1 < history.step_loss[0]
    result = evaluate_dates(model, task, task.train)
    assert result.exact_match == 1.0 and result.char_bleu == pytest.approx(1.0)
    assert len(result.weights) == 8 and result.weights[0].shape[0] == 11
