# %% [markdown]
# # DPO: aligning on the model's own answers, ranked by a rule — DPO：用规则给模型自己的回答排序来做对齐
#
# **Library files:** `src/dlfs/llm/dpo.py` (`dpo_loss`, `sequence_logprobs`),
# `src/dlfs/recipes/dpo.py` (`make_pairs`, `preference_pairs`, `PairData`,
# `response_logprobs`, `reward_margin`, `kl_to_reference`; `dlfs train dpo`),
# `src/dlfs/models/chat.py` (`ChatModel`). Tests: `tests/llm/test_sft_dpo.py`,
# `tests/llm/test_llm_dpo_scaling.py`. Command line: `dlfs train dpo --from runs/sft`.
#
# After SFT a model imitates good answers but still makes mistakes. Preference
# optimization shows it pairs of its *own* answers — one preferred, one not — and pushes
# the preferred one up. Here the preference needs no human and no reward model: the
# instructions have exact answers, so a right answer beats a wrong one by a rule. Direct
# Preference Optimization (DPO) turns the pairs into a classification loss on the policy's
# log-probabilities relative to a frozen copy of the SFT model (the *reference*), whose
# distance the loss keeps in check through beta.
# Rafailov et al., 2023, *Direct Preference Optimization: Your Language Model is Secretly a
# Reward Model*.

# %% [markdown] lang="zh"
# # DPO：用规则给模型自己的回答排序来做对齐
#
# **库文件：** `src/dlfs/llm/dpo.py`（`dpo_loss`、`sequence_logprobs`）、`src/dlfs/recipes/dpo.py`
# （`make_pairs`、`preference_pairs`、`PairData`、`response_logprobs`、`reward_margin`、
# `kl_to_reference`；`dlfs train dpo`）、`src/dlfs/models/chat.py`（`ChatModel`）。测试：
# `tests/llm/test_sft_dpo.py`、`tests/llm/test_llm_dpo_scaling.py`。命令行：
# `dlfs train dpo --from runs/sft`。
#
# SFT 之后，模型会模仿好的回答，但仍会出错。偏好优化给它看成对的、它*自己*生成的回答——一个更好，
# 一个更差——并把更好的那个往上推。这里的偏好既不需要人工也不需要奖励模型：指令都有标准答案，
# 所以按规则，对的回答胜过错的回答。直接偏好优化（DPO）把这些成对数据变成一个分类损失，
# 作用在策略模型相对于 SFT 模型冻结副本（*参考模型*）的对数概率上，并通过 beta
# 控制二者的距离。Rafailov et al., 2023, *Direct Preference Optimization: Your Language Model is
# Secretly a Reward Model*。

# %%
import copy

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from dlfs.curriculum import lesson_context  # noqa: E402
from dlfs.data import DataLoader  # noqa: E402
from dlfs.data.text.instructions import (  # noqa: E402
    END,
    FAMILIES,
    ChatTokenizer,
    collate_sft,
    make_instructions,
    sft_example,
    sft_loss,
)
from dlfs.data.text.tokenizers import CharTokenizer  # noqa: E402
from dlfs.llm import dpo_loss  # noqa: E402
from dlfs.models import GPT, GPTConfig  # noqa: E402
from dlfs.models.chat import ChatModel  # noqa: E402
from dlfs.optim import AdamW  # noqa: E402
from dlfs.recipes.dpo import (  # noqa: E402
    PairData,
    dpo_forward,
    dpo_objective,
    kl_to_reference,
    make_pairs,
    preference_pairs,
    response_logprobs,
    reward_margin,
)
from dlfs.recipes.sft import accuracy  # noqa: E402
from dlfs.train import fit  # noqa: E402

ctx = lesson_context("dpo-alignment")
torch.manual_seed(0)
torch.set_num_threads(1)   # tiny matrices: one thread is fastest on a shared 2-core machine

# %% [markdown]
# ## 1. An SFT model that is right only sometimes
# The lesson `instruction-tuning` trains it; here a short SFT run on the same data leaves
# the model half-trained, so its samples are a mix of right and wrong answers.

# %% [markdown] lang="zh"
# ## 1. 一个时对时错的 SFT 模型
# `instruction-tuning` 一课讲过怎么训练它；这里只在同样的数据上做一次短短的 SFT，
# 让模型停在半熟状态，这样它采样出的回答有对有错。

# %%
families = ("date", "month") if ctx.quick else FAMILIES
data = make_instructions()
tok = ChatTokenizer(CharTokenizer.from_text(data.text()))
train_items = [i for i in data.train if i.family in families]
dpo_items = [i for i in data.dpo if i.family in families]
test_items = [i for i in data.test if i.family in families]
width, layers, sft_steps = (48, 2, 160) if ctx.quick else (128, 4, 700)
sft_model = GPT(GPTConfig(vocab_size=tok.vocab_size, block_size=64, n_layer=layers, n_head=4,
                          n_embd=width))
examples = [sft_example(tok, i.prompt, i.answer) for i in train_items]
fit(sft_model, DataLoader(examples, batch_size=24 if ctx.quick else 32, shuffle=True,
                          drop_last=True, collate_fn=lambda b: collate_sft(b, tok.id_of(END)),
                          generator=torch.Generator().manual_seed(0)),
    loss_fn=sft_loss, forward=lambda m, b: (m(b[0])[0], b[1]),
    optimizer=AdamW(sft_model.parameters(), lr=3e-3 if ctx.quick else 1e-3, weight_decay=0.0),
    max_steps=sft_steps, device="cpu", seed=0)
sft = ChatModel(sft_model, tok)
sft_acc = accuracy(sft, test_items)
print(f"SFT ({sft_steps} steps): held-out accuracy {sft_acc.describe()}")

# %% [markdown]
# ## 2. Preference pairs from the model's own samples
# For each DPO question (never seen in SFT), sample 4 answers at temperature 1 and check
# each with the rule. A question with a right and a wrong answer gives one pair
# (chosen = right, rejected = wrong); a question answered always right, or always wrong,
# teaches nothing by comparison and gives none.

# %% [markdown] lang="zh"
# ## 2. 用模型自己的采样构造偏好对
# 对每个 DPO 问题（SFT 从未见过），在温度 1 下采样 4 个回答，并用规则逐一检查。
# 一个问题如果既有对的回答又有错的回答，就构成一对（chosen = 对的，rejected = 错的）；
# 总是答对或总是答错的问题无从比较，不构成偏好对。

# %%
raw = make_pairs(sft, dpo_items, samples=4 if ctx.quick else 8, temperature=1.0, seed=0)
print(f"{len(dpo_items)} DPO questions -> {len(raw)} pairs")
for prompt, chosen, rejected, _ in raw[:3]:
    print(f"  {prompt!r}: chosen {chosen!r}, rejected {rejected!r}")
answer_of = {i.prompt: i.answer for i in dpo_items}
assert raw and all(c == answer_of[p] != r for p, c, r, _ in raw)

# %% [markdown]
# ## 3. The DPO loss and the implicit reward
# With log pi(y|x) the policy's summed log-probability of answer y (its tokens only: the
# same mask as SFT's) and log ref(y|x) the frozen reference's, $\beta$ = `beta`, the implicit
# reward of an answer and the loss of a pair (chosen $y_c$, rejected $y_r$) are
#
# $$
# r(y) = \beta \big(\log \pi(y \mid x) - \log \pi_{\text{ref}}(y \mid x)\big),
# \qquad
# \mathcal{L} = -\log \sigma\big(r(y_c) - r(y_r)\big),
# $$
#
# the loss averaged over the pairs, where
# $\log \pi(y \mid x) = \sum_t \log \pi(y_t \mid x, y_{<t})$ over the answer's tokens.
# The reference's log-probabilities never change, so they are computed once. At the start
# the policy *is* the reference: every reward is 0 and the loss is log 2.

# %% [markdown] lang="zh"
# ## 3. DPO 损失与隐式奖励
# 记 log pi(y|x) 为策略模型对回答 y 的对数概率之和（只算回答的词元，掩码与 SFT 相同），log ref(y|x)
# 为冻结参考模型的对应值，$\beta$ = `beta`。一个回答的隐式奖励和一个偏好对（被选中的 $y_c$，被拒绝的
# $y_r$）的损失为
#
# $$
# r(y) = \beta \big(\log \pi(y \mid x) - \log \pi_{\text{ref}}(y \mid x)\big),
# \qquad
# \mathcal{L} = -\log \sigma\big(r(y_c) - r(y_r)\big),
# $$
#
# 损失对所有偏好对取平均，其中 $\log \pi(y \mid x) = \sum_t \log \pi(y_t \mid x, y_{<t})$，
# 对回答的各个词元求和。参考模型的对数概率不会变，只需算一次。开始时策略模型*就是*参考模型：
# 所有奖励都是 0，损失等于 log 2。

# %%
reference = sft.model
policy = ChatModel(copy.deepcopy(reference), tok)
for p in reference.parameters():
    p.requires_grad_(False)
pairs = preference_pairs(reference, tok, raw)
data_pairs = PairData(pairs, tok)
# quick: a tiny model, a few pairs, pure DPO; full: the settings of `dlfs train dpo` (see 5.)
beta, lr, steps, nll_weight = (0.5, 1e-4, 60, 0.0) if ctx.quick else (0.1, 1e-5, 80, 1.0)
x, labels, ref = data_pairs.collate(pairs[:8])             # chosen rows, then rejected rows
B = len(ref) // 2
out = dpo_loss(*response_logprobs(policy.model, x, labels).split(B), *ref.split(B), beta=beta)
print(f"at the start: loss {out.loss.item():.4f} (log 2 = {torch.log(torch.tensor(2.)):.4f}), "
      f"rewards {out.chosen_rewards.abs().max().item():.1e}")
assert abs(out.loss.item() - 0.693147) < 1e-4 and out.chosen_rewards.abs().max() < 1e-4

# %% [markdown]
# ## 4. DPO steps
# Each step: a batch of pairs through the policy, the loss, AdamW. We watch the reward
# margin r(chosen) - r(rejected) on all pairs, the KL divergence from the SFT model on the
# held-out questions, and the held-out accuracy. (`dpo_objective` is `dpo_loss`, plus the
# chosen answers' negative log-likelihood when `nll_weight` > 0: section 5 says why.) For a
# batch of B pairs, with $|y_{c,i}|$ the number of tokens of the i-th chosen answer:
#
# $$
# \mathcal{L}_{\text{objective}} = \mathcal{L}_{\text{DPO}}
# + \text{nll\_weight} \cdot \frac{1}{B} \sum_{i=1}^{B}
# \frac{-\log \pi(y_{c,i} \mid x_i)}{|y_{c,i}|}
# $$
#
# The KL is measured on the policy's own greedy answer y to each held-out prompt, summed over
# its tokens and averaged over the prompts:
#
# $$
# \mathrm{KL}(\pi \,\|\, \pi_{\text{ref}}) = \sum_t \sum_{v} \pi(v \mid x, y_{<t})
# \big(\log \pi(v \mid x, y_{<t}) - \log \pi_{\text{ref}}(v \mid x, y_{<t})\big)
# $$

# %% [markdown] lang="zh"
# ## 4. DPO 训练
# 每一步：一批偏好对过一遍策略模型，算损失，用 AdamW 更新。我们观察所有偏好对上的奖励差
# r(chosen) - r(rejected)、留出问题上与 SFT 模型的 KL 散度，以及留出集准确率。（`dpo_objective` 就是
# `dpo_loss`；当 `nll_weight` > 0 时再加上被选中回答的负对数似然，原因见第 5 节。）对一批 B
# 个偏好对，记 $|y_{c,i}|$ 为第 i 个被选中回答的词元数：
#
# $$
# \mathcal{L}_{\text{objective}} = \mathcal{L}_{\text{DPO}}
# + \text{nll\_weight} \cdot \frac{1}{B} \sum_{i=1}^{B}
# \frac{-\log \pi(y_{c,i} \mid x_i)}{|y_{c,i}|}
# $$
#
# KL 在策略模型自己对每个留出提示的贪心回答 y 上测量，对回答的词元求和，再对所有提示取平均：
#
# $$
# \mathrm{KL}(\pi \,\|\, \pi_{\text{ref}}) = \sum_t \sum_{v} \pi(v \mid x, y_{<t})
# \big(\log \pi(v \mid x, y_{<t}) - \log \pi_{\text{ref}}(v \mid x, y_{<t})\big)
# $$

# %%
optimizer = AdamW(policy.model.parameters(), lr=lr, weight_decay=0.0)
objective = dpo_objective(beta, nll_weight)
loader = DataLoader(data_pairs, batch_size=16, shuffle=True,
                    collate_fn=data_pairs.collate, generator=torch.Generator().manual_seed(0))
curve, step = [], 0
policy.model.train()
while step < steps:
    for x, labels, ref in loader:
        output, ref = dpo_forward(policy.model, (x, labels, ref))     # log-probs (2B,)
        loss = objective(output, ref)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1
        if step % (steps // 5) == 0:
            margin, won = reward_margin(policy.model, tok, pairs, beta)
            curve.append((step, loss.item(), margin, won))
            print(f"step {step:>3}  loss {loss.item():.4f}  margin {margin:+.3f}  "
                  f"chosen ahead in {won:.0%} of the pairs")
        if step == steps:
            break
policy.model.eval()
dpo_acc = accuracy(policy, test_items)
kl = kl_to_reference(policy, reference, [i.prompt for i in test_items])
print(f"held-out accuracy: SFT {sft_acc.overall:.1%} -> DPO {dpo_acc.overall:.1%} "
      f"({dpo_acc.describe()})")
print(f"KL(DPO || SFT) {kl:.4f} nats per held-out answer")
assert curve[-1][2] > curve[0][2] > 0 and curve[-1][3] > 0.75, "the chosen must pull ahead"
assert 0 < kl < 2 and dpo_acc.overall >= sft_acc.overall

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
ax1.plot([c[0] for c in curve], [c[2] for c in curve], marker="o")
ax1.set(xlabel="DPO step", ylabel="reward margin (nats x beta)", title="r(chosen) - r(rejected)")
ax2.bar(["SFT", "DPO"], [sft_acc.overall, dpo_acc.overall])
ax2.set(ylim=(0, 1), ylabel="held-out exact answers", title="accuracy")
ctx.savefig(fig, "dpo_margin_accuracy.png")

# %% [markdown]
# ## 5. On the command line
# `dlfs train dpo --from runs/sft` does the same on the capstone: pairs from the SFT run's
# samples on the DPO split (saved in `pairs.json`), DPO under the trainer (checkpoints,
# `--resume`, TensorBoard with the rewards, margin and accuracy), then prints the held-out
# accuracy after pre-training, SFT and DPO, the reward margin and the KL to the SFT model.
# beta trades the two: a larger beta keeps the policy closer to the reference.
#
# On the capstone, pure DPO hurt: with 385 pairs, 80 steps at lr 1e-5, the held-out accuracy
# fell from 68.8 % (SFT) to 67.6 % (KL 0.27 nats per answer) — DPO only asks the chosen answer
# to pull *ahead*, and it may fall too as long as the rejected one falls faster. The recipe
# therefore adds, by default, the chosen answers' negative log-likelihood per token
# (`--nll-weight 1`, `dpo_objective`): 68.8 % -> 70.8 %, KL 0.07, reward margin 0.10 (our
# runs of the defaults on 2 cores; `--nll-weight 0` gives pure DPO).

# %% [markdown] lang="zh"
# ## 5. 命令行
# `dlfs train dpo --from runs/sft` 在毕业项目上做同样的事：用 SFT 运行在 DPO 划分上的采样构造偏好对
# （保存在 `pairs.json`），在训练器下做 DPO（检查点、`--resume`、TensorBoard 记录奖励、
# 奖励差与准确率），最后打印预训练后、SFT 后、DPO 后的留出集准确率、奖励差以及与 SFT 模型的 KL。beta
# 在两者之间权衡：beta 越大，策略模型离参考模型越近。
#
# 在毕业项目上，纯 DPO 反而有害：385 个偏好对、学习率 1e-5 训练 80 步后，留出集准确率从
# 68.8 %（SFT）降到 67.6 %（每个回答的 KL 为 0.27 nats）——DPO 只要求被选中的回答*领先*，
# 只要被拒绝的回答降得更快，被选中的回答也可以一起下降。因此配方默认再加上被选中回答每个词元的负对数
# 似然（`--nll-weight 1`，即 `dpo_objective`）：68.8 % -> 70.8 %，KL 0.07，奖励差 0.10（我们在 2 个
# CPU 核上运行默认设置的结果；`--nll-weight 0` 即纯 DPO）。
