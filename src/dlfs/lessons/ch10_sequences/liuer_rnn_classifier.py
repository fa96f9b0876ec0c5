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
#
# The model reads the embedded line $x_1, \ldots, x_L$ (its true length $L$) in both
# directions and classifies the two final states:
#
# $$
# \text{logits} = \big[\overrightarrow{h}_L \,;\, \overleftarrow{h}_1\big]\, W^\top + b
# $$
#
# where $\overrightarrow{h}_L$ is the forward GRU's state after $x_L$ and
# $\overleftarrow{h}_1$ the backward GRU's state after reading $x_L, \ldots, x_1$.

# %% [markdown] lang="zh"
# # 循环神经网络（高级篇）：双向 GRU 与打包序列的分类器
#
# **库文件：** `src/dlfs/models/rnn_classifier.py`（`BiGRUClassifier`），
# `src/dlfs/nn/rnn.py`（`GRU`，双向，接受 `PackedSequence` 输入），
# `src/dlfs/data/text/batching.py`（`pad_sequences`），`src/dlfs/data/text/source_lines.py`
# （数据）。测试：`tests/sequences/test_seq_rnn_classifier.py`。
#
# 刘二大人第 13 讲逐字符地读姓氏，判断它属于哪个国家。那个数据集在这里无法下载，
# 所以本课使用一个形式相同、可离线使用的真实替代数据：长度各异的短字符串 -> 少数几个类别之一。
# 字符串是 Python 源代码的行，类别是它们所属的标准库包（asyncio、email、logging、unittest、xml）。
# 和姓氏一样，一行代码的字符里藏着线索（`await`、`msg[`、`self.assert`、`node.`），
# 而且各行长度差别很大——这正是打包（packing）要解决的问题。
#
# 模型从两个方向读取嵌入后的一行 $x_1, \ldots, x_L$（$L$ 是它的真实长度），
# 再用两个方向的最终状态做分类：
#
# $$
# \text{logits} = \big[\overrightarrow{h}_L \,;\, \overleftarrow{h}_1\big]\, W^\top + b
# $$
#
# 其中 $\overrightarrow{h}_L$ 是正向 GRU 读完 $x_L$ 后的状态，
# $\overleftarrow{h}_1$ 是反向 GRU 依次读完 $x_L, \ldots, x_1$ 后的状态。

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
# Packing keeps, at each time step t, only the sequences that are still running, so the
# batch sizes per step add up to the number of real characters:
# $\sum_t \mathrm{batch\_sizes}[t] = \sum_b L_b$.

# %% [markdown] lang="zh"
# ## 1. 数据：填充与打包
# 打包后，每个时间步 t 只保留仍未结束的序列，所以各时间步的批大小之和等于真实字符的总数：
# $\sum_t \mathrm{batch\_sizes}[t] = \sum_b L_b$。

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

# %% [markdown] lang="zh"
# ## 2. 为什么要打包：填充不能进入隐状态
# 单独的一行，和放在填充过的批次里的同一行，必须得到相同的 logits。打包后确实如此；
# 如果直接在填充后的张量上运行 GRU，反向那一路会最先读到填充符。

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

# %% [markdown] lang="zh"
# ## 3. 用 `dlfs.train.fit` 训练

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
