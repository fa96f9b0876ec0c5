# %% [markdown]
# # Instruction tuning: a chat template and a masked loss — 指令微调：对话模板与掩码损失
#
# **Library files:** `src/dlfs/data/text/instructions.py` (the instruction set,
# `ChatTokenizer`, `format_chat`, `sft_example`, `collate_sft`, `sft_loss`),
# `src/dlfs/models/chat.py` (`ChatModel`, `extend_vocabulary`), `src/dlfs/recipes/sft.py`
# (`dlfs train sft`, `accuracy`). Tests: `tests/llm/test_instructions.py`,
# `tests/llm/test_sft_dpo.py`, `tests/llm/test_chat.py`. Command line:
# `dlfs train sft [--quick]`, then `dlfs chat --run runs/sft --once "What is 17 + 25?"`.
#
# A pre-trained language model continues text; it does not answer. Supervised fine-tuning
# (SFT) teaches it to answer by training on conversations written in a fixed **chat
# template** — special tokens mark who speaks — with a loss that counts **only the answer's
# tokens**. This lesson builds both pieces, checks the mask to the last gradient, and
# measures what a small SFT run changes: the exact-answer accuracy on questions the model
# never saw.
# Ouyang et al., 2022, *Training language models to follow instructions with human
# feedback* (SFT is the first of its three stages).

# %% [markdown] lang="zh"
# # 指令微调：对话模板与掩码损失
#
# **库文件：** `src/dlfs/data/text/instructions.py`（指令集、`ChatTokenizer`、`format_chat`、
# `sft_example`、`collate_sft`、`sft_loss`）、`src/dlfs/models/chat.py`（`ChatModel`、
# `extend_vocabulary`）、`src/dlfs/recipes/sft.py`（`dlfs train sft`、`accuracy`）。测试：
# `tests/llm/test_instructions.py`、`tests/llm/test_sft_dpo.py`、`tests/llm/test_chat.py`。命令行：
# `dlfs train sft [--quick]`，然后 `dlfs chat --run runs/sft --once "What is 17 + 25?"`。
#
# 预训练的语言模型只会续写文本，不会回答问题。监督微调（SFT）用按固定**对话模板**写成的对话来训练
# 它——特殊词元标出谁在说话——而损失**只计算回答部分的词元**。本课把这两部分都搭起来，
# 把掩码一直检查到梯度，并测量一次小规模 SFT 带来的变化：在模型从未见过的问题上，
# 答案完全正确的比例。Ouyang et al., 2022, *Training language models to follow instructions with
# human feedback*（SFT 是其三个阶段中的第一个）。

# %%
import random
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from dlfs.curriculum import lesson_context  # noqa: E402
from dlfs.data import DataLoader  # noqa: E402
from dlfs.data.text.instructions import (  # noqa: E402
    END,
    FAMILIES,
    IGNORE_INDEX,
    ChatTokenizer,
    collate_sft,
    format_chat,
    format_prompt,
    make_instructions,
    parse_chat,
    sft_example,
    sft_loss,
)
from dlfs.data.text.tokenizers import CharTokenizer  # noqa: E402
from dlfs.models import GPT, GPTConfig  # noqa: E402
from dlfs.models.chat import ChatModel  # noqa: E402
from dlfs.optim import AdamW  # noqa: E402
from dlfs.recipes.sft import accuracy  # noqa: E402
from dlfs.train import fit  # noqa: E402

ctx = lesson_context("instruction-tuning")
torch.manual_seed(0)
torch.set_num_threads(1)   # tiny matrices: one thread is fastest on a shared 2-core machine

# %% [markdown]
# ## 1. An instruction set with exact answers
# Five families of questions, made deterministically from what ships with Python: sums of
# two numbers, words of the help topics reversed or capitalised, calendar days rewritten or
# named by month. Every question has one right answer, so "correct" is a rule, not a judge.
# The splits are made by *item*: a number pair, a word or a day is in exactly one of
# train / dpo / test, so the held-out questions are truly unseen.

# %% [markdown] lang="zh"
# ## 1. 有标准答案的指令集
# 五类问题，全部由 Python 自带的内容确定性地生成：两数之和、帮助主题里的单词倒写或大写、
# 日历日期改写或说出所在月份。每道题只有一个正确答案，所以“对不对”由规则判定，而不是靠评委。
# 划分按*条目*进行：一个数对、一个单词或一天只属于 train / dpo / test 之一，
# 因此留出的问题是真正没见过的。

# %%
data = make_instructions()
print(f"train {len(data.train):,}, dpo {len(data.dpo):,}, test {len(data.test):,} questions")
for family in FAMILIES:
    item = next(i for i in data.test if i.family == family)
    print(f"  {family:<8} {item.prompt:<40} -> {item.answer}")
train_words = {i.prompt for i in data.train if i.family == "reverse"}
assert not any(i.prompt in train_words for i in data.test if i.family == "reverse")
assert make_instructions() == data                       # the same set every time

# %% [markdown]
# ## 2. The chat template
# `<|user|>question<|end|><|assistant|>answer<|end|>`. The three markers are *single*
# tokens appended after the character vocabulary, so a model pre-trained on characters
# keeps every id it knows (`extend_vocabulary` gives it three new embedding rows). At chat
# time the prompt ends with `<|assistant|>` and the model writes until it emits `<|end|>`.

# %% [markdown] lang="zh"
# ## 2. 对话模板
# `<|user|>question<|end|><|assistant|>answer<|end|>`。三个标记都是*单个*词元，排在字符词表之后，
# 所以在字符上预训练的模型认识的编号一个不变（`extend_vocabulary` 给它加三行新的嵌入）。对话时，
# 提示以 `<|assistant|>` 结尾，模型一直生成到输出 `<|end|>` 为止。

# %%
tok = ChatTokenizer(CharTokenizer.from_text(data.text()))
question, answer = "What is 17 + 25?", "42"
turn = format_chat(question, answer)
ids = tok.encode(turn)
print(turn)
print(f"{len(turn)} characters -> {len(ids)} tokens; base vocabulary {tok.base.vocab_size}, "
      f"with the specials {tok.vocab_size}")
print("last tokens:", [tok.decode([i]) for i in ids[-4:]], ids[-4:])
assert tok.decode(ids) == turn and parse_chat(turn) == (question, answer)
assert len(ids) == len(turn) - sum(len(s) - 1 for s in tok.specials) - (len(END) - 1)

# %% [markdown]
# ## 3. The loss mask
# The input is the turn without its last token, the label at position t is token t + 1.
# Where that next token still belongs to the prompt the label is `-100` (`IGNORE_INDEX`):
# the loss averages `-log p(label)` over the other positions only — the answer and its
# `<|end|>`. With $m_t = 1$ where $\text{label}_t \neq -100$ and 0 elsewhere:
#
# $$
# \mathcal{L} = \frac{\sum_t m_t \cdot \big(-\log p_t(\text{label}_t)\big)}{\sum_t m_t}
# $$
#
# So the model is never trained to predict the user's words, and the logits at
# prompt positions get a gradient of exactly zero (each term's gradient carries its $m_t$).

# %% [markdown] lang="zh"
# ## 3. 损失掩码
# 输入是去掉最后一个词元的整轮对话，位置 t 的标签是第 t + 1 个词元。如果这个下一个词元仍属于提示，
# 标签就是 `-100`（`IGNORE_INDEX`）：损失只在其余位置——回答及其 `<|end|>`——上对 `-log p(label)`
# 取平均。记 $\text{label}_t \neq -100$ 处 $m_t = 1$，其余处为 0：
#
# $$
# \mathcal{L} = \frac{\sum_t m_t \cdot \big(-\log p_t(\text{label}_t)\big)}{\sum_t m_t}
# $$
#
# 于是模型从不被训练去预测用户的话，提示位置的 logits 梯度恰好为零（每一项的梯度都带着它的 $m_t$）。

# %%
x, labels = sft_example(tok, question, answer)
P = len(tok.encode(format_prompt(question)))
print(f"prompt {P} tokens; {int((labels == IGNORE_INDEX).sum())} labels masked, "
      f"{int((labels != IGNORE_INDEX).sum())} learned")
for t in range(P - 3, len(x)):
    label = "—" if labels[t] == IGNORE_INDEX else repr(tok.decode([int(labels[t])]))
    print(f"  t={t:>2}  input {tok.decode([int(x[t])])!r:<16} label {label}")
assert (labels[:P - 1] == IGNORE_INDEX).all() and tok.decode(labels[P - 1:].tolist()) == "42" + END

logits = torch.randn(1, len(x), tok.vocab_size, dtype=torch.float64, requires_grad=True)
loss = sft_loss(logits, labels[None])
torch_loss = torch.nn.functional.cross_entropy(logits[0], labels, ignore_index=IGNORE_INDEX)
loss.backward()
print(f"sft_loss {loss.item():.6f} = torch cross_entropy(ignore_index=-100) "
      f"{torch_loss.item():.6f}; gradient at prompt positions: max "
      f"{logits.grad[0, :P - 1].abs().max().item()}")
assert torch.allclose(loss, torch_loss) and (logits.grad[0, :P - 1] == 0).all()

# %% [markdown]
# ## 4. Before and after a small SFT run
# A fresh GPT learns the template from scratch here (the `dlfs train sft` recipe starts from
# the pre-trained capstone GPT instead). Quick mode keeps two families, a 2-layer model and
# 180 steps; the full run takes all five families and the capstone's size. Accuracy counts
# an answer right only when it is exactly the expected text, decoded greedily with the KV
# cache and stopped at `<|end|>` (`ChatModel`).

# %% [markdown] lang="zh"
# ## 4. 一次小规模 SFT 的前后对比
# 这里一个全新的 GPT 从零学会模板（`dlfs train sft` 配方则从预训练好的毕业项目 GPT 开始）。
# 快速模式只保留两类问题、2 层模型和 180 步；完整模式用全部五类问题和毕业项目的模型大小。
# 只有答案与期望文本完全一致才算对；解码用贪心法和 KV 缓存，遇到 `<|end|>` 停止（`ChatModel`）。

# %%
families = ("date", "month") if ctx.quick else FAMILIES
train_items = [i for i in data.train if i.family in families]
test_items = [i for i in data.test if i.family in families]
width, layers, steps = (48, 2, 180) if ctx.quick else (128, 4, 1500)
model = GPT(GPTConfig(vocab_size=tok.vocab_size, block_size=64, n_layer=layers, n_head=4,
                      n_embd=width))
chat = ChatModel(model, tok)
before = accuracy(chat, test_items)
print(f"before SFT: {before.describe()}")
print(f"  {test_items[0].prompt!r} -> {chat.answer(test_items[0].prompt, max_new_tokens=6)!r}")

examples = [sft_example(tok, i.prompt, i.answer) for i in train_items]
loader = DataLoader(examples, batch_size=24 if ctx.quick else 32, shuffle=True,
                    drop_last=True, collate_fn=lambda b: collate_sft(b, tok.id_of(END)),
                    generator=torch.Generator().manual_seed(0))
start = time.process_time()
history = fit(model, loader, loss_fn=sft_loss, forward=lambda m, b: (m(b[0])[0], b[1]),
              optimizer=AdamW(model.parameters(), lr=3e-3 if ctx.quick else 1e-3,
                              weight_decay=0.0),
              max_steps=steps, device="cpu", seed=0)
after = accuracy(chat, test_items)
print(f"after {steps} SFT steps ({time.process_time() - start:.1f} CPU s): {after.describe()}")
for item in random.Random(0).sample(test_items, 3):
    print(f"  {item.prompt!r} -> {chat.answer(item.prompt)!r} (expected {item.answer!r})")
assert before.overall == 0.0 and after.overall > before.overall + 0.5

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
ax1.plot(history.step_loss)
ax1.set(xlabel="step", ylabel="masked loss (nats per answer token)", title="SFT loss")
xs = range(len(families))
ax2.bar([i - 0.2 for i in xs], [before.by_family[f] for f in families], 0.4, label="before")
ax2.bar([i + 0.2 for i in xs], [after.by_family[f] for f in families], 0.4, label="after")
ax2.set(xticks=list(xs), xticklabels=families, ylim=(0, 1), ylabel="held-out exact answers",
        title="accuracy before / after SFT")
ax2.legend()
ctx.savefig(fig, "sft_before_after.png")

# %% [markdown]
# ## 5. The same, on the command line
# `dlfs train sft` runs the whole pipeline on the capstone: it pre-trains the GPT of
# `dlfs train gpt` (or takes `--base DIR`), extends its vocabulary by the three special
# tokens, measures the held-out accuracy of the pre-trained model alone (0 %: it does not
# know the template), fine-tunes with this masked loss under the trainer (checkpoints,
# `--resume`, TensorBoard) and measures again. `dlfs chat --run runs/sft` then answers
# questions; `dlfs train dpo --from runs/sft` continues with the next lesson, `dpo-alignment`.
# With the defaults (1500 pre-training steps, 1000 SFT steps of 32 turns) our run went from
# 0 % to 68.8 % of the 250 held-out questions: dates and months 100 %, reversed words 92 %,
# capitals 46 %, sums 6 % — copying is learned quickly, two-digit addition is not.

# %% [markdown] lang="zh"
# ## 5. 命令行上的同一件事
# `dlfs train sft` 在毕业项目上跑完整条流水线：预训练 `dlfs train gpt` 的 GPT（或用 `--base DIR`
# 指定），给词表加上三个特殊词元，先测只经过预训练的模型在留出集上的准确率（0 %：它不认识模板），
# 再在训练器下（检查点、`--resume`、TensorBoard）用这个掩码损失微调，然后再测一次。之后
# `dlfs chat --run runs/sft` 就能回答问题；`dlfs train dpo --from runs/sft` 接着做下一课
# `dpo-alignment` 的内容。用默认设置（预训练 1500 步、SFT 1000 步、每步 32 轮对话），我们的运行在
# 250 道留出题上从 0 % 提高到 68.8 %：日期和月份 100 %，倒写单词 92 %，大写 46 %，两数相加
# 6 %——复制类任务学得很快，两位数加法却学不会。
