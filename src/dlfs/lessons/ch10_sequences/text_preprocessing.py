# %% [markdown]
# # Text preprocessing: corpus, vocabulary, tokenizers — 文本预处理：语料、词表与分词器
#
# **Library files:** `src/dlfs/data/text/corpus.py` (`load_corpus`),
# `src/dlfs/data/text/tokenizers.py` (`CharTokenizer`, `WordTokenizer`, `ByteBPETokenizer`).
#
# A sequence model reads numbers, not text. Preprocessing is: load a corpus, split it
# (here: contiguous train / validation / test parts), choose the *units* — characters, words,
# or learned sub-words — and map each unit to an id. The choice trades vocabulary size
# against sequence length: characters need ~100 ids but long sequences; words make short
# sequences but a huge vocabulary with unknown words; byte-level BPE sits in between and
# never meets an unknown symbol.

# %% [markdown] lang="zh"
# # 文本预处理：语料、词表与分词器
#
# **库文件：** `src/dlfs/data/text/corpus.py`（`load_corpus`），
# `src/dlfs/data/text/tokenizers.py`（`CharTokenizer`、`WordTokenizer`、`ByteBPETokenizer`）。
#
# 序列模型读的是数字，不是文本。预处理就是：加载语料，切分它（这里切成连续的训练 / 验证 /
# 测试三段），选定*单位*——字符、单词或学到的子词——再把每个单位映射成一个 id。
# 这个选择是在词表大小与序列长度之间权衡：字符只需要约 100 个 id，但序列很长；
# 单词让序列变短，但词表巨大，还会遇到未登录词；字节级 BPE 介于两者之间，
# 而且永远不会遇到未知符号。

# %%
import matplotlib.pyplot as plt

from dlfs.curriculum import lesson_context
from dlfs.data.text import ByteBPETokenizer, CharTokenizer, WordTokenizer, load_corpus

ctx = lesson_context("text-preprocessing")

# %% [markdown]
# ## 1. The corpus and its splits

# %% [markdown] lang="zh"
# ## 1. 语料及其切分

# %%
corpus = load_corpus("help")
print(corpus.describe())
train, val = corpus.split("train"), corpus.split("val")
assert train + val + corpus.split("test") == corpus.text, "the splits are contiguous"
sample = val[:300] if ctx.quick else val[:2000]

# %% [markdown]
# ## 2. Characters: tiny vocabulary, one id per character

# %% [markdown] lang="zh"
# ## 2. 字符：极小的词表，每个字符一个 id

# %%
chars = CharTokenizer.from_text(corpus.text)
ids = chars.encode(sample)
print(f"characters: vocabulary {chars.vocab_size}, {len(sample)} chars -> {len(ids)} ids")
assert chars.decode(ids) == sample and len(ids) == len(sample)

# %% [markdown]
# ## 3. Words: short sequences, big vocabulary, and unknown words
# Words seen fewer than `min_freq` times in training become `<unk>`; validation text then
# contains words the vocabulary never saw.

# %% [markdown] lang="zh"
# ## 3. 单词：序列短、词表大，还有未登录词
# 在训练集中出现次数少于 `min_freq` 的单词会变成 `<unk>`；于是验证集文本中
# 会出现词表从未见过的单词。

# %%
vocab_sizes = {}
for min_freq in (1, 3):
    words = WordTokenizer.from_text(train, min_freq=min_freq)
    vocab_sizes[min_freq] = words.vocab_size
    val_ids = words.encode(val)
    unk = sum(i == words.unk_id for i in val_ids) / len(val_ids)
    print(f"words, min_freq={min_freq}: vocabulary {words.vocab_size:,}, "
          f"{unk:.1%} of validation words are <unk>")
    assert unk > 0, "a word-level vocabulary always misses some validation words"
assert vocab_sizes[1] > 20 * chars.vocab_size, "words need a far larger vocabulary"
assert vocab_sizes[3] < vocab_sizes[1], "a frequency cut-off shrinks it, at the price of <unk>"

# %% [markdown]
# ## 4. Byte-level BPE: learn merges, measure compression
# Each merge replaces the most frequent adjacent pair by a new token; more merges, fewer
# tokens per text. Compression = characters per token on *validation* text:
#
# $$
# (a, b)^\ast = \arg\max_{(a, b)} \mathrm{count}(a\,b), \qquad
# \text{compression} = \frac{\text{len(val)}}{\text{len(tokens)}}
# $$
#
# Reference: Sennrich, Haddow & Birch, 2016, *Neural Machine Translation of Rare Words with
# Subword Units*.

# %% [markdown] lang="zh"
# ## 4. 字节级 BPE：学习合并规则，测量压缩率
# 每次合并都把出现最频繁的相邻词元对替换成一个新词元；合并越多，同一段文本的词元就越少。
# 压缩率 = *验证集*文本上平均每个词元对应的字符数：
#
# $$
# (a, b)^\ast = \arg\max_{(a, b)} \mathrm{count}(a\,b), \qquad
# \text{compression} = \frac{\text{len(val)}}{\text{len(tokens)}}
# $$
#
# 参考文献：Sennrich, Haddow & Birch, 2016, *Neural Machine Translation of Rare Words with
# Subword Units*。

# %%
text_for_bpe = train[:60_000] if ctx.quick else train
sizes = [260, 300, 400] if ctx.quick else [260, 384, 512, 1024]
compression = []
for vocab in sizes:
    bpe = ByteBPETokenizer.train(text_for_bpe, vocab)
    tokens = bpe.encode(val)
    compression.append(len(val) / len(tokens))
    assert bpe.decode(tokens) == val, "BPE round-trips any text exactly"
    print(f"BPE vocabulary {bpe.vocab_size:>5}: {compression[-1]:.2f} characters per token")
assert all(a < b for a, b in zip(compression, compression[1:])), "more merges compress more"
assert compression[0] >= 1.0
longest = max(bpe.vocab[256:], key=len)
print(f"longest learned token: {longest.decode('utf-8', 'replace')!r}")

fig, ax = plt.subplots(figsize=(4.5, 3))
ax.plot(sizes, compression, "o-")
ax.set_xlabel("BPE vocabulary size")
ax.set_ylabel("characters per token (validation)")
ax.set_title("More merges, shorter sequences")
ctx.savefig(fig, "bpe_compression.png")

# %% [markdown]
# ## 5. Unknown symbols: characters fail loudly, bytes never fail

# %% [markdown] lang="zh"
# ## 5. 未知符号：字符分词器会明确报错，字节永远不会失败

# %%
try:
    chars.encode("π ≈ 3.14")
except ValueError as exc:
    print("CharTokenizer:", exc)
    assert "not in the vocabulary" in str(exc)
print("ByteBPE:", bpe.encode("π ≈ 3.14")[:6], "... decodes back:", bpe.decode(bpe.encode("π ≈ 3.14")))
assert bpe.decode(bpe.encode("π ≈ 3.14")) == "π ≈ 3.14"
