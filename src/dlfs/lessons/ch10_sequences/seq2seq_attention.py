# %% [markdown]
# # Seq2seq with Bahdanau attention: normalizing dates — 带 Bahdanau 注意力的序列到序列模型：日期规范化
#
# **Library files:** `src/dlfs/data/text/dates.py` (the task: human dates in English, French,
# German and Spanish -> ISO, split by date), `src/dlfs/models/seq2seq.py` (GRU encoder-decoder,
# `AdditiveAttention`), `src/dlfs/metrics/bleu.py` (BLEU from its definition),
# `src/dlfs/recipes/seq2seq_gru.py` (training with `dlfs.train.fit`, greedy evaluation).
# Tests: `tests/sequences/test_seq_dates_seq2seq.py`, `tests/sequences/test_seq_bleu.py`;
# the full comparison: `python benchmarks/bench_seq2seq_dates.py`.
#
# An encoder reads the source characters; a decoder writes the target one character at a
# time. Without attention the decoder sees the whole source only through one vector, the
# encoder's last state. With attention it looks back at every source position at every step
# (decoder state $s_{t-1}$, encoder states $h_i$; padding positions get $e_{ti} = -\infty$):
#
# $$
# e_{ti} = v^\top \tanh(W s_{t-1} + U h_i), \qquad
# a_{ti} = \frac{\exp(e_{ti})}{\sum_j \exp(e_{tj})}, \qquad
# c_t = \sum_i a_{ti}\, h_i
# $$
#
# Reference: Bahdanau, Cho & Bengio, 2015, *Neural Machine Translation by Jointly Learning
# to Align and Translate*.

# %% [markdown] lang="zh"
# # 带 Bahdanau 注意力的序列到序列模型：日期规范化
#
# **库文件：** `src/dlfs/data/text/dates.py`（任务本身：把英语、法语、德语、西班牙语写法的日期
# 转成 ISO 格式，按日期划分训练/测试集），`src/dlfs/models/seq2seq.py`（GRU 编码器–解码器、
# `AdditiveAttention`），`src/dlfs/metrics/bleu.py`（按定义实现的 BLEU），
# `src/dlfs/recipes/seq2seq_gru.py`（用 `dlfs.train.fit` 训练、贪心解码评估）。
# 测试：`tests/sequences/test_seq_dates_seq2seq.py`、`tests/sequences/test_seq_bleu.py`；
# 完整对比：`python benchmarks/bench_seq2seq_dates.py`。
#
# 编码器读入源字符；解码器一次写出一个目标字符。没有注意力时，解码器只能通过一个向量——
# 编码器的最后一个状态——看到整个源序列。有了注意力，它在每一步都能回看源序列的每个位置
# （解码器状态为 $s_{t-1}$，编码器状态为 $h_i$；填充位置的 $e_{ti} = -\infty$）：
#
# $$
# e_{ti} = v^\top \tanh(W s_{t-1} + U h_i), \qquad
# a_{ti} = \frac{\exp(e_{ti})}{\sum_j \exp(e_{tj})}, \qquad
# c_t = \sum_i a_{ti}\, h_i
# $$
#
# 参考文献：Bahdanau, Cho & Bengio, 2015, *Neural Machine Translation by Jointly Learning
# to Align and Translate*。

# %%
import datetime as dt

import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context
from dlfs.data.text.dates import FORMATS, format_date
from dlfs.metrics import modified_precision, sentence_bleu
from dlfs.models.seq2seq import AdditiveAttention
from dlfs.recipes.seq2seq_gru import DateRecipe, evaluate_dates, train_date_model

ctx = lesson_context("seq2seq-attention")
torch.manual_seed(0)

# %% [markdown]
# ## 1. The task
# One date, every style. Every calendar day from 1950 to 2049 belongs either to the training
# days or to the test days, so a test date was never seen, in any style.

# %% [markdown] lang="zh"
# ## 1. 任务
# 同一个日期，各种写法。1950 年到 2049 年之间的每一天，要么属于训练日期，要么属于测试日期，
# 所以测试集里的日期在训练中从未以任何写法出现过。

# %%
day = dt.date(1989, 11, 9)
for style in FORMATS:
    print(f"{style:>14}: {format_date(day, style)!r:<30} -> {day.isoformat()}")
sizes = dict(n_train=3_000, n_test=300, max_steps=80, hidden=48, batch_size=32) if ctx.quick \
    else dict(n_train=20_000, n_test=2_000, max_steps=600, hidden=128)
task = DateRecipe(**sizes).task()
print(f"{len(task.train)} training pairs, {len(task.test)} test pairs, "
      f"vocabulary {len(task.vocab)} characters (with <pad> <bos> <eos>)")
assert not {t for _, t in task.train} & {t for _, t in task.test}
b = task.batch(task.test[:4])
print("a batch: src", tuple(b.src.shape), "lengths", b.src_lengths.tolist(),
      "tgt_in", tuple(b.tgt_in.shape), "tgt_out", tuple(b.tgt_out.shape))

# %% [markdown]
# ## 2. The additive score, by hand and by the library
# `W`, `U` and `v` are `Linear` layers without bias, so the score of key $h_i$ for the query
# $s$ is exactly $e_i = v^\top \tanh(W s + U h_i)$, and the context is
# $c = \sum_i \mathrm{softmax}(e)_i\, h_i$.

# %% [markdown] lang="zh"
# ## 2. 加性打分：手算与库的结果对照
# `W`、`U`、`v` 都是不带偏置的 `Linear` 层，所以查询 $s$ 对键 $h_i$ 的得分恰好是
# $e_i = v^\top \tanh(W s + U h_i)$，上下文向量是 $c = \sum_i \mathrm{softmax}(e)_i\, h_i$。

# %%
attn = AdditiveAttention(query_size=5, key_size=6, attn_size=4)
s, h = torch.randn(1, 5), torch.randn(1, 3, 6)                       # one query, 3 keys
with torch.no_grad():
    e = [float(attn.v.weight @ torch.tanh(attn.W.weight @ s[0] + attn.U.weight @ h[0, i]))
         for i in range(3)]                                            # v^T tanh(W s + U h_i)
a_hand = torch.softmax(torch.tensor(e), 0)
c, a = attn(s, h)
print("weights by hand", a_hand.numpy().round(4), "library", a[0].detach().numpy().round(4))
torch.testing.assert_close(a[0].detach(), a_hand)
torch.testing.assert_close(c[0].detach(), (a_hand[:, None] * h[0]).sum(0))

# %% [markdown]
# ## 3. Train with and without attention
# Same data, width, steps and seed; teacher forcing in training, greedy decoding at test.
# Quick mode (80 steps) is only a smoke run: the models have barely started and score near
# 0% exact match, so it asserts only that both training losses halve. The full run
# (`dlfs run seq2seq-attention`, 600 steps, a few minutes; also run by `make test-full`) is
# where attention reaches its >= 95% on unseen dates and beats the model without it (both
# asserted there).

# %% [markdown] lang="zh"
# ## 3. 有注意力与无注意力，分别训练
# 数据、宽度、步数和随机种子都相同；训练时用教师强制（teacher forcing），测试时用贪心解码。
# 快速模式（80 步）只是冒烟运行：两个模型刚开始学，完全匹配率接近 0%，
# 所以只断言两者的训练损失都减半。完整模式（`dlfs run seq2seq-attention`，600 步，几分钟；
# `make test-full` 也会运行）才会让注意力模型在未见过的日期上达到 >= 95%，
# 并胜过无注意力的模型（两点都在那里断言）。

# %%
results = {}
for attention in (False, True):
    recipe = DateRecipe(attention=attention, **sizes)
    model, history = train_date_model(recipe, task)
    result = evaluate_dates(model, task, task.test)
    name = "attention" if attention else "no attention"
    results[name] = (model, history, result)
    print(f"{name:>12}: train loss {history.step_loss[0]:.3f} -> {history.step_loss[-1]:.3f}; "
          f"test exact match {result.exact_match:.1%}, character BLEU-4 {result.char_bleu:.3f}")
    assert history.step_loss[-1] < history.step_loss[0] / 2
for (src, tgt), pred in list(zip(task.test, results["attention"][2].predictions))[:6]:
    print(f"  {src!r:>32} -> {pred!r} (expected {tgt!r})")
if not ctx.quick:   # the claim of the full run (the benchmark records the same comparison)
    assert results["attention"][2].exact_match >= 0.95
    assert results["attention"][2].exact_match > results["no attention"][2].exact_match

# %% [markdown]
# ## 4. BLEU, one hand example
# Candidate "2021-03-30" against reference "2021-03-03", as characters (a day swapped).
# Unigrams: the same multiset of characters, 10/10. Bigrams: "-3" and "30" are not in the
# reference, 7/9. Trigrams: "3-3" and "-30" miss, 6/8. 4-grams: "03-3" and "3-30" miss, 5/7.
# Equal lengths, so no brevity penalty ($c = r$ gives $\text{BP} = 1$):
#
# $$
# \text{BLEU-4} = \text{BP} \cdot \Big(\prod_{n=1}^{4} p_n\Big)^{1/4}
# = \Big(\frac{10}{10} \cdot \frac{7}{9} \cdot \frac{6}{8} \cdot \frac{5}{7}\Big)^{1/4}
# \approx 0.803, \qquad \text{BP} = \begin{cases} 1 & c > r \\ e^{1 - r/c} & c \le r \end{cases}
# $$
#
# where $p_n$ is the clipped n-gram precision and $c$, $r$ are the candidate and reference
# lengths. One wrong day costs only 20% of the BLEU, but all of the exact match.
# Reference: Papineni et al., 2002, *BLEU: a Method for Automatic Evaluation of Machine
# Translation*.

# %% [markdown] lang="zh"
# ## 4. BLEU：一个手算的例子
# 以字符为单位，把候选 "2021-03-30" 与参考 "2021-03-03" 比较（日期的两位数字对调了）。
# 一元组：字符的多重集合相同，10/10。二元组："-3" 和 "30" 不在参考中，7/9。
# 三元组："3-3" 和 "-30" 没有匹配，6/8。四元组："03-3" 和 "3-30" 没有匹配，5/7。
# 两者长度相等，所以没有长度惩罚（$c = r$ 时 $\text{BP} = 1$）：
#
# $$
# \text{BLEU-4} = \text{BP} \cdot \Big(\prod_{n=1}^{4} p_n\Big)^{1/4}
# = \Big(\frac{10}{10} \cdot \frac{7}{9} \cdot \frac{6}{8} \cdot \frac{5}{7}\Big)^{1/4}
# \approx 0.803, \qquad \text{BP} = \begin{cases} 1 & c > r \\ e^{1 - r/c} & c \le r \end{cases}
# $$
#
# 其中 $p_n$ 是截断后的 n 元组精确率，$c$、$r$ 分别是候选和参考的长度。
# 日期错一天只让 BLEU 损失 20%，却让完全匹配彻底失分。
# 参考文献：Papineni et al., 2002, *BLEU: a Method for Automatic Evaluation of Machine
# Translation*。

# %%
cand, ref = list("2021-03-30"), list("2021-03-03")
counts = [modified_precision(cand, [ref], n) for n in (1, 2, 3, 4)]
print("clipped matches / total for n = 1..4:", counts)
assert counts == [(10, 10), (7, 9), (6, 8), (5, 7)]
by_hand = (10 / 10 * 7 / 9 * 6 / 8 * 5 / 7) ** 0.25
print(f"BLEU-4 by hand {by_hand:.4f}, library {sentence_bleu(cand, [ref]):.4f}")
assert abs(by_hand - sentence_bleu(cand, [ref])) < 1e-12

# %% [markdown]
# ## 5. Where the decoder looks
# Row t: the weights over the source characters while writing output character t.
# A trained model reads the year digits while writing the year, the month name while
# writing the month, the day while writing the day. Checked on the year: the weights of the
# four year rows on the year's characters (one position either side),
#
# $$
# \mathrm{on\_year} = \frac{1}{4} \sum_{t=1}^{4} \sum_{s=\text{lo}}^{\text{hi}-1} a_{ts},
# \qquad \text{uniform} = \frac{\text{hi} - \text{lo}}{S}
# $$
#
# Even the quick model, which gets no date fully right, already looks there: at least 1.5
# times the share that uniform attention would give (asserted in both modes); in the full
# run the weights fall mostly there (more than 0.6, asserted).

# %% [markdown] lang="zh"
# ## 5. 解码器在看哪里
# 第 t 行：写第 t 个输出字符时，在各个源字符上的注意力权重。训练好的模型在写年份时看年份的
# 数字，写月份时看月份名，写日时看日。我们在年份上做检查：输出年份的四行权重落在源字符串
# 年份字符上（两侧各多算一个位置）的比例，
#
# $$
# \mathrm{on\_year} = \frac{1}{4} \sum_{t=1}^{4} \sum_{s=\text{lo}}^{\text{hi}-1} a_{ts},
# \qquad \text{uniform} = \frac{\text{hi} - \text{lo}}{S}
# $$
#
# 即使是一个日期都还写不对的快速模型，也已经在看年份：至少是均匀注意力份额的 1.5 倍
# （两种模式都断言）；完整模式下权重大部分落在那里（大于 0.6，断言）。

# %%
model, _, result = results["attention"]
picks = [i for i, (src, _) in enumerate(task.test) if any(ch.isalpha() for ch in src)][:3]
fig, axes = plt.subplots(1, len(picks), figsize=(5 * len(picks), 4))
for ax, i in zip(axes, picks):
    src, w = task.test[i][0], result.weights[i]                       # w: (T, S)
    out = (list(result.predictions[i]) + ["<eos>"])[:w.shape[0]]      # the rows to show
    w = w[:len(out)]
    torch.testing.assert_close(w.sum(-1), torch.ones(len(out)))
    year_at = src.find(task.test[i][1][:4])                           # the year in the source
    lo, hi = max(0, year_at - 1), min(w.shape[1], year_at + 5)
    on_year = float(w[:4, lo:hi].sum(-1).mean())
    uniform = (hi - lo) / w.shape[1]                                  # spread evenly over S
    print(f"{src!r}: mean attention on the year while writing the year: {on_year:.2f} "
          f"(uniform {uniform:.2f})")
    assert year_at >= 0 and on_year > 1.5 * uniform, (on_year, uniform)
    if not ctx.quick:
        assert on_year > 0.6, on_year
    ax.imshow(w.numpy(), cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(src)), list(src), fontsize=7)
    ax.set_yticks(range(len(out)), out, fontsize=7)
    ax.set_title(f"{src!r} -> {result.predictions[i]!r}", fontsize=8)
fig.tight_layout()
ctx.savefig(fig, "attention_heatmaps.png")
