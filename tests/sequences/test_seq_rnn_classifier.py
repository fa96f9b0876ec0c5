"""Bidirectional GRU classifier over packed sequences, and the source-lines data set."""

from __future__ import annotations

import torch

from dlfs import nn
from dlfs.data.text.batching import pad_sequences
from dlfs.data.text.source_lines import VOCAB_SIZE, encode_line, load_source_lines
from dlfs.models.rnn_classifier import BiGRUClassifier


def test_packed_classifier_ignores_padding_and_batch_company():
    torch.manual_seed(0)
    model = BiGRUClassifier(VOCAB_SIZE, embed=6, hidden=5, num_classes=3, num_layers=2).double()
    lines = ["x = 1", "for item in items:", "ok", "return self._value"]
    ids, lengths, mask = pad_sequences([encode_line(s) for s in lines], pad_id=0)
    logits = model(ids, lengths)
    assert logits.shape == (4, 3)
    noisy = ids.masked_fill(~mask, 77)                      # change only the padding
    torch.testing.assert_close(model(noisy, lengths), logits)
    for i, line in enumerate(lines):                        # each line alone, unpadded
        alone = torch.tensor([encode_line(line)])
        torch.testing.assert_close(model(alone, torch.tensor([len(line)])), logits[i:i + 1])


def test_backward_direction_reads_each_line_right_to_left_from_its_last_char():
    torch.manual_seed(1)
    model = BiGRUClassifier(VOCAB_SIZE, embed=6, hidden=5, num_classes=3).double()
    lines = ["import os", "x", "while not done:"]
    ids, lengths, _ = pad_sequences([encode_line(s) for s in lines], pad_id=0)
    packed = torch.nn.utils.rnn.pack_padded_sequence(model.embedding(ids), lengths,
                                                     batch_first=True, enforce_sorted=False)
    h_n = model.gru(packed)[1]                                # (2, B, H): fwd, bwd
    backward = nn.GRU(6, 5, batch_first=True).double()       # the reverse weights, one way
    backward.load_state_dict({k.replace("_reverse", ""): v for k, v in
                              model.gru.state_dict().items() if k.endswith("_reverse")})
    for i, line in enumerate(lines):
        rev = model.embedding(torch.tensor([encode_line(line)[::-1]]))
        torch.testing.assert_close(backward(rev)[1][0, 0], h_n[1, i])


def test_source_lines_seeded_balanced_disjoint():
    data = load_source_lines(per_class=60, seed=1)
    again = load_source_lines(per_class=60, seed=1)
    assert data.train == again.train and data.test == again.test
    assert len(data.train) == 48 * len(data.classes) and len(data.test) == 12 * len(data.classes)
    assert not {s for s, _ in data.train} & {s for s, _ in data.test}
    counts = torch.bincount(torch.tensor([y for _, y in data.train]))
    assert (counts == 48).all()
    assert all(8 <= len(s) <= 80 for s, _ in data.train)
    assert max(max(encode_line(s)) for s, _ in data.train) < VOCAB_SIZE
