# %% [markdown]
# # BERT: masked-language-model pre-training, then fine-tuning — BERT：掩码语言模型预训练，再微调
#
# **Library files:** `src/dlfs/data/text/mlm.py` (`mask_tokens`, `BertTokenizer`,
# `pretraining_lines`, `finetune_data`), `src/dlfs/models/bert.py` (`BertEncoder`,
# `BertForMaskedLM`, `BertClassifier`), `src/dlfs/recipes/bert.py` (`pretrain_bert`,
# `finetune_bert`; `dlfs train bert`). Tests: `tests/text/test_mlm.py`,
# `tests/models/test_bert.py`.
#
# GPT reads left to right and predicts the next token. BERT (Devlin et al., 2018, *BERT:
# Pre-training of Deep Bidirectional Transformers for Language Understanding*) keeps the
# Transformer's *encoder* only, so every position sees the whole line, and learns by filling
# in blanks: hide some tokens, predict them from both sides. No labels are needed, so it can
# read a lot of text first; afterwards a small labelled set teaches it a task. Here the text
# is Python's own source code, and the task is to tell which of five standard-library
# packages a line comes from — with only 20 labelled lines per package. We check the masking
# rule, pre-train, and measure what pre-training buys against the same classifier trained
# from scratch.

# %% [markdown] lang="zh"
# # BERT：掩码语言模型预训练，再微调
#
# **库文件：** `src/dlfs/data/text/mlm.py`（`mask_tokens`、`BertTokenizer`、
# `pretraining_lines`、`finetune_data`）、`src/dlfs/models/bert.py`（`BertEncoder`、
# `BertForMaskedLM`、`BertClassifier`）、`src/dlfs/recipes/bert.py`（`pretrain_bert`、
# `finetune_bert`；`dlfs train bert`）。测试：`tests/text/test_mlm.py`、
# `tests/models/test_bert.py`。
#
# GPT 从左到右读，预测下一个词元（token）。BERT（Devlin et al., 2018, *BERT: Pre-training of
# Deep Bidirectional Transformers for Language Understanding*）只保留 Transformer 的*编码器*，
# 每个位置都能看到整行，它靠“填空”来学习：藏起一些词元，再根据两边的上下文把它们预测出来。这
# 不需要标签，所以可以先读大量文本；之后再用一个小的有标签数据集教它完成任务。这里的文本是
# Python 自己的源代码，任务是判断一行代码来自五个标准库包中的哪一个——每个包只有 20 行带标签
# 的代码。我们检验掩码规则，做预训练，再和从零训练的同一个分类器对比，量出预训练带来的收益。

# %%
import math

import torch

from dlfs.curriculum import lesson_context
from dlfs.data.text.mlm import BertTokenizer, finetune_data, mask_tokens, pretraining_lines
from dlfs.models.bert import BertForMaskedLM
from dlfs.recipes.bert import BertRecipe, finetune_bert, load_pretrained, pretrain_bert
from dlfs.recipes.options import replace_nested

ctx = lesson_context("bert-mlm")
torch.manual_seed(0)
torch.set_num_threads(1)   # tiny matrices: one thread is fastest on a shared 2-core machine

# %% [markdown]
# ## 1. Tokens: sub-words of Python
# BERT reads sub-word tokens (WordPiece); we use the library's byte-level BPE, learned on the
# pre-training lines, then add three special ids: [PAD], [CLS] (always first: the classifier
# reads its vector) and [MASK]. The held-out test lines of the task are removed from the
# pre-training text before anything is learned from it.

# %% [markdown] lang="zh"
# ## 1. 词元：Python 的子词
# BERT 读的是子词词元（WordPiece）；我们用库里的字节级 BPE，在预训练文本上学习合并规则，再
# 加上三个特殊 id：[PAD]、[CLS]（总在最前面，分类器读取它的向量）和 [MASK]。任务中留作测试的
# 代码行在学习任何东西之前就已从预训练文本中删除。

# %%
task = finetune_data(20)                                        # 20 labelled lines per package
lines, val_lines = pretraining_lines("packages", exclude={s for s, _ in task.test},
                                     max_chars=300_000 if ctx.quick else None)
tok = BertTokenizer.train("\n".join(lines), 512 if ctx.quick else 1024)
example = "logger.warning('no handlers could be found')"
ids = tok.encode(example, 64)
print(f"{len(lines):,} unlabelled lines; vocabulary {tok.vocab_size} = "
      f"{tok.bpe.vocab_size} BPE tokens + [PAD] [CLS] [MASK]")
print(f"{example!r}: {len(example)} characters -> {len(ids)} ids {ids}")
print("tokens:", [tok.decode([i]) for i in ids])
assert ids[0] == tok.cls_id and len(ids) < 0.7 * len(example)     # fewer than characters
assert not {s for s, _ in task.test} & set(lines + val_lines)

# %% [markdown]
# ## 2. The 80/10/10 rule
# Choose 15 % of the ordinary positions (never [PAD], [CLS] or [MASK]). Of those, 80 %
# become [MASK], 10 % a random token, 10 % stay as they were; the label is the original
# token there and −100 (ignored by the loss) everywhere else. Why not always [MASK]? The
# model never sees [MASK] after pre-training, and if only [MASK] positions were scored it
# could ignore every visible token's own identity. One line first, then the shares measured
# on many positions, within four standard errors: a share with expected value $p$, measured
# on $n$ positions, has standard error
#
# $$
# \mathrm{se} = \sqrt{\frac{p\,(1 - p)}{n}}, \qquad
# \Bigl|\frac{\text{count}}{\text{total}} - p\Bigr| < 4\, \mathrm{se}
# $$

# %% [markdown] lang="zh"
# ## 2. 80/10/10 规则
# 在普通位置（不含 [PAD]、[CLS]、[MASK]）中选出 15%。被选中的位置里，80% 换成 [MASK]，10% 换成
# 随机词元，10% 保持原样；这些位置的标签是原来的词元，其余位置的标签是 −100（损失忽略它）。
# 为什么不总是换成 [MASK]？预训练之后模型再也见不到 [MASK]；如果只给 [MASK] 位置打分，模型就
# 可以不去理会可见词元本身是什么。先看一行，再在大量位置上测量各部分比例，误差在四个标准误
# 之内：期望值为 $p$ 的比例，在 $n$ 个位置上测量，其标准误为
#
# $$
# \mathrm{se} = \sqrt{\frac{p\,(1 - p)}{n}}, \qquad
# \Bigl|\frac{\text{count}}{\text{total}} - p\Bigr| < 4\, \mathrm{se}
# $$

# %%
rule = {"vocab_size": tok.vocab_size, "mask_id": tok.mask_id, "special_ids": tok.special_ids}
line = tok.encode_batch([example], 64)                          # (1, T)
inputs, labels = mask_tokens(line, **rule, mask_prob=0.3,
                             generator=torch.Generator().manual_seed(1))
print("masked input:", tok.decode(inputs[0].tolist()))
print("to predict  :", [tok.decode([t]) for t in labels[0].tolist() if t != -100])

batch = tok.pack(lines[:4000], 64)                              # (N, 64) chunks
inputs, labels = mask_tokens(batch, **rule, generator=torch.Generator().manual_seed(2))
ordinary = ~torch.isin(batch, torch.tensor(tok.special_ids))
chosen = labels != -100
n, k = int(ordinary.sum()), int(chosen.sum())
masked = int((inputs[chosen] == tok.mask_id).sum())
kept = int((inputs[chosen] == batch[chosen]).sum())
for what, count, total, p in (("chosen", k, n, 0.15), ("[MASK]", masked, k, 0.8),
                              ("random", k - masked - kept, k, 0.1), ("unchanged", kept, k, 0.1)):
    se = math.sqrt(p * (1 - p) / total)
    print(f"{what:>9}: {count / total:6.2%} of {total:,} (expected {p:.0%} ± {4 * se:.2%})")
    assert abs(count / total - p) < 4 * se + 0.002       # + a random draw hitting the original
assert not chosen[~ordinary].any() and (labels[~chosen] == -100).all()

# %% [markdown]
# ## 3. Pre-training
# `BertForMaskedLM`: token and position embeddings, a LayerNorm, a Post-LN encoder (BERT's
# layout) from `dlfs.nn`, and an output layer (after a small dense + GELU + LayerNorm
# transform) that shares its matrix with the token embedding. Only the chosen positions go
# through the output layer (`masked_logits`). The loss starts at about log V (a uniform
# guess) and falls as the model learns Python. Quick mode trains a small model for 80 steps;
# full mode runs the defaults of `dlfs train bert` (2000 steps).
#
# With $x$ the corrupted ids, $\mathcal{M}$ the chosen positions, $x_t$ the original token at
# $t$, and $P$ marking [PAD] keys ($P_{s} = -\infty$ at a [PAD] key, 0 elsewhere):
#
# $$
# \begin{aligned}
# h_0 &= \mathrm{LN}\bigl(E_{\text{tok}}[x] + E_{\text{pos}}[0..T-1]\bigr) \\
# h_l' &= \mathrm{LN}\bigl(h_{l-1} + \mathrm{MHA}(h_{l-1})\bigr), \qquad
# h_l = \mathrm{LN}\bigl(h_l' + \mathrm{FFN}(h_l')\bigr), \qquad l = 1, \dots, L \\
# \mathrm{head}_i &= \mathrm{softmax}\Bigl(\frac{Q_i K_i^\top}{\sqrt{d_k}} + P\Bigr) V_i \\
# \text{logits}_t &= \mathrm{LN}\bigl(\mathrm{GELU}(W_m h_{L,t} + b_m)\bigr)\,
# E_{\text{tok}}^\top + b_V \\
# L &= -\frac{1}{|\mathcal{M}|} \sum_{t \in \mathcal{M}}
# \log \mathrm{softmax}(\text{logits}_t)_{x_t}
# \end{aligned}
# $$
#
# A uniform guess gives every token probability $1 / V$, so $L = \log V$.

# %% [markdown] lang="zh"
# ## 3. 预训练
# `BertForMaskedLM`：词元嵌入与位置嵌入、一个 LayerNorm、来自 `dlfs.nn` 的 Post-LN 编码器
# （BERT 的结构），以及与词元嵌入共用矩阵的输出层（之前先经过一个小的全连接 + GELU + LayerNorm
# 变换）。只有被选中的位置才经过输出层（`masked_logits`）。损失从大约 log V（均匀猜测）开始，
# 随着模型学会 Python 而下降。快速模式用小模型训练 80 步；完整模式运行 `dlfs train bert` 的默认
# 设置（2000 步）。
#
# 记 $x$ 为被破坏后的 id，$\mathcal{M}$ 为被选中的位置集合，$x_t$ 为位置 $t$ 上原来的词元，
# $P$ 标出 [PAD] 键（在 [PAD] 键处 $P_{s} = -\infty$，其余为 0）：
#
# $$
# \begin{aligned}
# h_0 &= \mathrm{LN}\bigl(E_{\text{tok}}[x] + E_{\text{pos}}[0..T-1]\bigr) \\
# h_l' &= \mathrm{LN}\bigl(h_{l-1} + \mathrm{MHA}(h_{l-1})\bigr), \qquad
# h_l = \mathrm{LN}\bigl(h_l' + \mathrm{FFN}(h_l')\bigr), \qquad l = 1, \dots, L \\
# \mathrm{head}_i &= \mathrm{softmax}\Bigl(\frac{Q_i K_i^\top}{\sqrt{d_k}} + P\Bigr) V_i \\
# \text{logits}_t &= \mathrm{LN}\bigl(\mathrm{GELU}(W_m h_{L,t} + b_m)\bigr)\,
# E_{\text{tok}}^\top + b_V \\
# L &= -\frac{1}{|\mathcal{M}|} \sum_{t \in \mathcal{M}}
# \log \mathrm{softmax}(\text{logits}_t)_{x_t}
# \end{aligned}
# $$
#
# 均匀猜测给每个词元的概率都是 $1 / V$，所以 $L = \log V$。

# %%
QUICK = {"max_steps": 80, "eval_every": 40, "warmup_steps": 20, "pretrain_chars": 300_000,
         "bpe_vocab_size": 512, "batch_size": 32, "model.d_model": 32,
         "model.dim_feedforward": 64, "model.max_len": 32, "finetune_steps": 80}
recipe = replace_nested(BertRecipe(), {**(QUICK if ctx.quick else {}),
                                       "out_dir": str(ctx.path("run"))})
pre = pretrain_bert(recipe, task)
for step, train, loss, acc in pre.evals:
    print(f"step {int(step):>5}: train loss {train:.3f}, held-out MLM loss {loss:.3f}, "
          f"masked tokens right {acc:.1%}")
uniform = math.log(pre.tokenizer.vocab_size)
print(f"(a uniform guess: loss log V = {uniform:.3f})")
assert pre.evals[-1][2] < uniform - 0.5
model: BertForMaskedLM = pre.model
assert model.decoder.weight is model.bert.tok_embed.weight       # tied

# %% [markdown]
# Fill in the blanks: mask a few tokens of a held-out line and let the model guess them.

# %% [markdown] lang="zh"
# 填空：遮住一行留出代码中的几个词元，让模型来猜。

# %%
probe_line = next(s for s in val_lines if s.startswith("return self."))
probe = pre.tokenizer.encode_batch([probe_line], recipe.model.max_len)
p_inputs, p_labels = mask_tokens(probe, vocab_size=pre.tokenizer.vocab_size,
                                 mask_id=pre.tokenizer.mask_id,
                                 special_ids=pre.tokenizer.special_ids, mask_prob=0.3,
                                 generator=torch.Generator().manual_seed(3))
with torch.no_grad():
    guess = model.eval()(p_inputs).argmax(-1)                     # (1, T)
where = p_labels[0] != -100
print("line   :", probe_line)
print("masked :", pre.tokenizer.decode(p_inputs[0].tolist()))
print("guesses:", [(pre.tokenizer.decode([int(t)]), pre.tokenizer.decode([int(g)]))
                   for t, g in zip(p_labels[0][where], guess[0][where])])

# %% [markdown]
# ## 4. Fine-tuning against training from scratch
# `BertClassifier` puts a pooler (tanh) and a linear layer on the [CLS] vector. Two copies
# learn the task from the same 100 labelled lines, with the same head initialisation, batches
# and steps: one starts from the pre-trained body, one from random weights. The test lines
# (300 per package) were never seen, not even unlabelled. A default run of `dlfs train bert`
# (2000 pre-training steps on 2 CPU cores) measured 39.7 % fine-tuned against 34.5 % from
# scratch (chance 20 %): +5.1 points; runs with three other seeds gained between +2.4 and
# +7.2. A small gain for a small model pre-trained for two minutes, but positive in every run
# we made: full mode asserts that. Quick mode's tiny pre-training is too short to show a
# reliable gain, so there the lesson only checks both classifiers learned something. The
# classifier reads position 0 of the body's output (dropout between the two layers):
#
# $$
# \text{logits} = W_c \tanh\bigl(W_p\, h_{L,0} + b_p\bigr) + b_c
# $$

# %% [markdown] lang="zh"
# ## 4. 微调与从零训练的对比
# `BertClassifier` 在 [CLS] 向量上接一个 pooler（tanh）和一个线性层。两个副本用同样的 100 行
# 带标签代码、同样的分类头初始化、同样的批次和步数学习这个任务：一个从预训练好的主体出发，一个
# 从随机权重出发。测试行（每个包 300 行）从未出现过，连无标签的形式都没有。一次默认的
# `dlfs train bert` 运行（2 个 CPU 核上预训练 2000 步）测得：微调 39.7%，从零训练 34.5%（随机
# 猜测为 20%），提高 5.1 个百分点；换另外三个随机种子，提高幅度在 2.4 到 7.2 个百分点之间。对
# 只预训练两分钟的小模型来说收益不大，但我们的每次运行都为正：完整模式会断言这一点。快速模式
# 的预训练太短，不能可靠地显示收益，所以那里只检查两个分类器都学到了东西。分类器读取主体输出
# 的第 0 个位置（两层之间有 dropout）：
#
# $$
# \text{logits} = W_c \tanh\bigl(W_p\, h_{L,0} + b_p\bigr) + b_c
# $$

# %%
results = finetune_bert(recipe, task, load_pretrained(recipe))
for r in results.values():
    print(f"{r.name:<30} held-out accuracy {r.accuracy:.1%}")
gain = results["finetuned"].accuracy - results["scratch"].accuracy
print(f"gain from pre-training: {100 * gain:+.1f} points (chance {1 / len(task.classes):.0%})")
assert all(r.accuracy > 0.22 for r in results.values())
if not ctx.quick:
    assert gain > 0

# %% [markdown]
# ## On the command line
# `dlfs train bert` runs both stages with checkpoints and TensorBoard logs in `runs/bert`:
# `--stage pretrain` (and `--resume` to continue it), then `--stage finetune` as often as
# you like — try `--labelled-per-class 100` (more labels, a smaller gain) or
# `--pretrain-data stdlib` (the whole standard library as unlabelled text).

# %% [markdown] lang="zh"
# ## 命令行
# `dlfs train bert` 运行两个阶段，检查点和 TensorBoard 日志放在 `runs/bert`：先
# `--stage pretrain`（可用 `--resume` 继续），然后随意多次运行 `--stage finetune`——试试
# `--labelled-per-class 100`（标签更多，收益更小），或 `--pretrain-data stdlib`（把整个标准库
# 当作无标签文本）。
