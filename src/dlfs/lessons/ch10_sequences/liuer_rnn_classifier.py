# %% [markdown]
# # RNN classifier: a bidirectional GRU over packed sequences — 循环神经网络（高级篇）：双向 GRU 与打包序列的分类器
#
# **Library files:** `src/dlfs/models/rnn_classifier.py` (`BiGRUClassifier`),
# `src/dlfs/nn/rnn.py` (`GRU`, bidirectional, `PackedSequence` input),
# `src/dlfs/data/text/batching.py` (`pad_sequences`), `src/dlfs/data/text/source_lines.py`
# (the data). Tests: `tests/sequences/test_seq_rnn_classifier.py`.
#
# Liu Er's lecture 13 classifies surnames by country, character by character. That data set
# cannot be downloaded here, so this lesson uses a real offline stand-in of the same shape:
# short strings of different lengths -> one of a few classes. The strings are lines of
# Python source, the classes the standard-library package they come from (asyncio, email,
# logging, unittest, xml). Like a surname, a line carries clues in its characters
# (`await`, `msg[`, `self.assert`, `node.`), and lines have very different lengths — which
# is what packing is for.

# %%
import matplotlib.pyplot as plt
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from dlfs.curriculum import lesson_context
from dlfs.data import DataLoader
from dlfs.data.text.batching import pad_sequences
from dlfs.data.text.source_lines import VOCAB_SIZE, encode_line, load_source_lines
from dlfs.models.rnn_classifier import BiGRUClassifier
from dlfs.nn import functional as F
from dlfs.optim import Adam
from dlfs.train import fit

ctx = lesson_context("liuer-rnn-classifier")
torch.manual_seed(0)

# %% [markdown]
# ## 1. The data, padded, and packed

# %%
data = load_source_lines(per_class=400 if ctx.quick else 1500, seed=0)
K = len(data.classes)
print(f"{len(data.train)} training lines, {len(data.test)} test lines, classes {data.classes}")
for line, label in data.train[:4]:
    print(f"  {data.classes[label]:>9}: {line!r}")

lines = ["import os", "await x", "self.assertEqual(a, b)"]
ids, lengths, mask = pad_sequences([encode_line(s) for s in lines], pad_id=0)
print("padded", tuple(ids.shape), "lengths", lengths.tolist())
packed = pack_padded_sequence(ids, lengths, batch_first=True, enforce_sorted=False)
print("packed data", tuple(packed.data.shape), "batch sizes per time step",
      packed.batch_sizes.tolist()[:10], "...")
# each time step packs only the sequences still running: the sum is the number of real chars
assert int(packed.batch_sizes.sum()) == int(lengths.sum()) == int(mask.sum())

# %% [markdown]
# ## 2. Why pack: padding must not reach the state
# A lone line and the same line inside a padded batch must get the same logits. With
# packing they do; running the GRU over the padded tensor instead would feed padding into
# the backward direction first.

# %%
model = BiGRUClassifier(VOCAB_SIZE, embed=32, hidden=64, num_classes=K)
batch_logits = model(ids, lengths)
alone = model(ids[:1, :lengths[0]], lengths[:1])
torch.testing.assert_close(alone, batch_logits[:1])
padded_run = model.fc(torch.cat(list(model.gru(model.embedding(ids[:1]))[1]), -1))
print("logits alone", alone.detach().numpy().round(3))
print("padded, no packing", padded_run.detach().numpy().round(3))
assert not torch.allclose(padded_run, alone)       # the padding changed the answer

# %% [markdown]
# ## 3. Train with `dlfs.train.fit`

# %%
def collate(pairs):
    ids, lengths, _ = pad_sequences([encode_line(s) for s, _ in pairs], pad_id=0)
    return (ids, lengths), torch.tensor([label for _, label in pairs])


loader = DataLoader(data.train, batch_size=64, shuffle=True, collate_fn=collate,
                    generator=torch.Generator().manual_seed(0))
history = fit(model, loader, loss_fn=F.cross_entropy, optimizer=Adam(model.parameters(), 5e-3),
              forward=lambda m, b: (m(*b[0]), b[1]), max_steps=60 if ctx.quick else 600,
              clip_grad_norm=1.0, device="cpu", seed=0)
print(f"train loss {history.step_loss[0]:.3f} -> {history.step_loss[-1]:.3f}")

(test_ids, test_lengths), test_y = collate(data.test)
with torch.no_grad():
    pred = model(test_ids, test_lengths).argmax(-1)
accuracy = float((pred == test_y).float().mean())
print(f"test accuracy {accuracy:.1%} (chance {1 / K:.1%})")
assert accuracy > 1.25 / K                         # better than guessing

confusion = torch.zeros(K, K, dtype=torch.long)
for t, p in zip(test_y.tolist(), pred.tolist()):
    confusion[t, p] += 1
fig, ax = plt.subplots(figsize=(4.5, 4))
ax.imshow(confusion.numpy(), cmap="Blues")
ax.set_xticks(range(K), data.classes, rotation=45)
ax.set_yticks(range(K), data.classes)
ax.set(xlabel="predicted", ylabel="true", title=f"test accuracy {accuracy:.1%}")
for t in range(K):
    for p in range(K):
        ax.text(p, t, int(confusion[t, p]), ha="center", va="center", fontsize=8)
fig.tight_layout()
ctx.savefig(fig, "confusion.png")
