# %% [markdown]
# # Evaluation and inference: decoding strategies — 评估与推理：解码策略
#
# **Library files:** `src/dlfs/generate/sampling.py` (`generate` and its pieces: `greedy`,
# `sample`, `top_k_filter`, `top_p_filter`, `apply_repetition_penalty`),
# `src/dlfs/generate/beam.py` (`beam_search`, `diverse_beam_search`, `length_penalty`),
# `src/dlfs/models/gpt.py` (`GPT`), `src/dlfs/attention/kv_cache.py` (`KVCache`),
# `src/dlfs/recipes/gpt.py` (a short training run).
#
# A language model gives a distribution over the next token; *decoding* decides what to do
# with it. Each step of `generate` takes the last position's logits (B, V) and
#
# 1. optionally lowers the logits of tokens already in the text (repetition penalty);
# 2. divides by a temperature T (T = 0 means: take the argmax, i.e. greedy);
# 3. keeps only the k most likely tokens (top-k) and/or the smallest set whose mass
#    reaches p (top-p, "nucleus");
# 4. samples one token from the softmax of what is left.
#
# Beam search is different: instead of one token at a time it keeps several partial
# sequences and ranks them by total log-probability, optionally divided by a length penalty.
#
# We first use a tiny model whose next-token probabilities we write down by hand, so every
# number can be checked, then a small GPT trained for a few seconds.

# %% [markdown] lang="zh"
# # 评估与推理：解码策略
#
# **库文件：** `src/dlfs/generate/sampling.py`（`generate` 及其组成部分：`greedy`、
# `sample`、`top_k_filter`、`top_p_filter`、`apply_repetition_penalty`），
# `src/dlfs/generate/beam.py`（`beam_search`、`diverse_beam_search`、`length_penalty`），
# `src/dlfs/models/gpt.py`（`GPT`），`src/dlfs/attention/kv_cache.py`（`KVCache`），
# `src/dlfs/recipes/gpt.py`（一次简短的训练）。
#
# 语言模型给出下一个词元的概率分布；*解码*决定如何使用这个分布。`generate` 的每一步取最后一个
# 位置的 logits (B, V)，然后
#
# 1. （可选）降低文本中已出现词元的 logits（重复惩罚）；
# 2. 除以温度 T（T = 0 表示直接取 argmax，即贪心解码）；
# 3. 只保留概率最高的 k 个词元（top-k），和/或概率总和达到 p 的最小集合（top-p，“核采样”）；
# 4. 从剩余部分的 softmax 中采样一个词元。
#
# 束搜索则不同：它不是一次只定一个词元，而是同时保留若干个部分序列，按总对数概率排序，
# 还可以再除以一个长度惩罚。
#
# 我们先用一个小模型，它的下一个词元概率由我们亲手写下，因此每个数字都能核对；
# 然后再用一个只训练了几秒钟的小 GPT。

# %%
import math
import time
from types import SimpleNamespace

import matplotlib.pyplot as plt
import torch
from torch import nn

from dlfs.attention import KVCache
from dlfs.curriculum import lesson_context
from dlfs.generate import (
    apply_repetition_penalty,
    beam_search,
    diverse_beam_search,
    generate,
    greedy,
    length_penalty,
    top_k_filter,
    top_p_filter,
)
from dlfs.models import GPT, GPTConfig
from dlfs.recipes.gpt import GPTRecipe, prepare_text, train_gpt
from dlfs.recipes.sampling import SamplingConfig

ctx = lesson_context("decoding-strategies")
torch.set_num_threads(1)      # tiny matrices: one thread is as fast and gives steadier timings
torch.manual_seed(0)

# %% [markdown]
# ## 1. A model whose probabilities we know
# Eight "words"; the next word depends only on the last one (a Markov chain). The model
# returns log-probabilities as logits, shaped like the GPT's output: `(logits (B, T, V), None)`,
# and carries a `config.block_size` because `generate` crops the context to it. So
# $\text{logits}[b, t, v] = \log P(v \mid \text{idx}[b, t])$, and a sequence scores
#
# $$
# \log P(w_1, \ldots, w_n \mid w_0) = \sum_{t=1}^{n} \log P(w_t \mid w_{t-1})
# $$

# %% [markdown] lang="zh"
# ## 1. 一个概率已知的模型
# 八个“单词”；下一个单词只取决于上一个单词（马尔可夫链）。模型把对数概率当作 logits 返回，
# 形状与 GPT 的输出一致：`(logits (B, T, V), None)`；它还带有 `config.block_size`，
# 因为 `generate` 会按它截断上下文。于是
# $\text{logits}[b, t, v] = \log P(v \mid \text{idx}[b, t])$，一个序列的得分为
#
# $$
# \log P(w_1, \ldots, w_n \mid w_0) = \sum_{t=1}^{n} \log P(w_t \mid w_{t-1})
# $$

# %%
WORDS = ["<s>", "the", "a", "cat", "dog", "sat", "ran", "."]
EOS = WORDS.index(".")
NEXT = {
    "<s>": {"the": 0.55, "a": 0.45},
    "the": {"<s>": 0.005, "the": 0.015, "a": 0.03, "cat": 0.40, "dog": 0.25, "sat": 0.15,
            "ran": 0.10, ".": 0.05},
    "a": {"cat": 0.9, "dog": 0.1},
    "cat": {"sat": 0.45, "ran": 0.15, ".": 0.40},
    "dog": {"ran": 0.6, "sat": 0.2, ".": 0.2},
    "sat": {".": 0.8, "the": 0.1, "a": 0.1},
    "ran": {".": 0.6, "the": 0.3, "a": 0.1},
    ".": {"the": 0.55, "a": 0.45},
}
V = len(WORDS)
TABLE = torch.zeros(V, V, dtype=torch.float64)          # TABLE[last, next] = P(next | last)
for last, row in NEXT.items():
    for word, prob in row.items():
        TABLE[WORDS.index(last), WORDS.index(word)] = prob
assert torch.allclose(TABLE.sum(1), torch.ones(V, dtype=torch.float64))


class FixedLM(nn.Module):
    """logits[b, t] = log P(. | idx[b, t]): idx (B, T) -> ((B, T, V), None)."""

    def __init__(self, table: torch.Tensor, block_size: int = 32):
        super().__init__()
        self.table = table
        self.config = SimpleNamespace(block_size=block_size)

    def forward(self, idx: torch.Tensor, cache: KVCache | None = None):
        return self.table[idx].log(), None                 # (B, T, V); no cache to fill


def words(ids) -> str:
    return " ".join(WORDS[i] for i in ids)


def seq_logprob(seq, last: int = 0) -> float:
    """log P(seq | last) under the table: the sum of one log-probability per step."""
    total = 0.0
    for tok in seq:
        total += math.log(TABLE[last, tok]) if TABLE[last, tok] > 0 else -math.inf
        last = tok
    return total


lm = FixedLM(TABLE)
start = torch.tensor([[0]])                                 # the prompt "<s>", (B=1, T=1)
p = TABLE[WORDS.index("the")]                               # P(next | "the"), (V,)
logits = p.log()[None]                                      # (1, V)
print("P(next | 'the'):", {w: float(x) for w, x in zip(WORDS, p)})

# %% [markdown]
# ## 2. Greedy and temperature
# Greedy takes the argmax at every step. Temperature rescales the logits:
# T > 1 flattens the distribution, T < 1 sharpens it, and as T → 0 all the mass moves to the
# argmax, so sampling becomes greedy. The entropy H(q) measures the spread:
#
# $$
# q_i = \frac{\exp(z_i / T)}{\sum_j \exp(z_j / T)}, \qquad
# H(q) = -\sum_i q_i \log q_i, \qquad
# \hat{y}_{\text{greedy}} = \arg\max_i z_i
# $$

# %% [markdown] lang="zh"
# ## 2. 贪心解码与温度
# 贪心解码每一步都取 argmax。温度对 logits 做缩放：T > 1 让分布变平，T < 1 让分布变尖；
# 当 T → 0 时，全部概率集中到 argmax 上，采样就变成了贪心解码。熵 H(q) 衡量分布的分散程度：
#
# $$
# q_i = \frac{\exp(z_i / T)}{\sum_j \exp(z_j / T)}, \qquad
# H(q) = -\sum_i q_i \log q_i, \qquad
# \hat{y}_{\text{greedy}} = \arg\max_i z_i
# $$

# %%
assert WORDS[greedy(logits).item()] == "cat"
out = generate(lm, start, 8, temperature=0)
print("greedy from <s>:", words(out[0]))
for t in range(1, out.shape[1]):
    assert out[0, t] == TABLE[out[0, t - 1]].argmax(), "each step takes the most likely word"


def entropy(q: torch.Tensor) -> float:
    q = q[q > 0]
    return float(-(q * q.log()).sum())


temps = [5.0, 2.0, 1.0, 0.7, 0.5, 0.3, 0.1, 0.01]
dists = {T: torch.softmax(logits[0] / T, dim=-1) for T in temps}
ents = [entropy(dists[T]) for T in temps]
for T, H in zip(temps, ents):
    print(f"T = {T:<5} H = {H:.3f} nats   P(cat) = {dists[T][3]:.3f}")
assert all(a > b for a, b in zip(ents, ents[1:])), "entropy falls as T falls"
assert torch.allclose(dists[1.0], p) and abs(ents[2] - entropy(p)) < 1e-12
assert ents[0] < math.log(V) and dists[0.01].max() > 1 - 1e-9
cold = [generate(lm, start, 8, temperature=1e-3, generator=torch.Generator().manual_seed(s))
        for s in range(20)]
assert all(torch.equal(c, out) for c in cold), "T -> 0 sampling equals greedy"
print("20 samples at T = 0.001 all equal the greedy text")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3))
for T in (2.0, 1.0, 0.5, 0.1):
    ax1.plot(range(V), dists[T], "o-", label=f"T = {T}")
ax1.set_xticks(range(V), WORDS, rotation=45)
ax1.set_ylabel("P(next | 'the')")
ax1.legend()
ax2.semilogx(temps, ents, "o-")
ax2.axhline(math.log(V), color="gray", ls="--", label="ln V (uniform)")
ax2.set_xlabel("temperature T")
ax2.set_ylabel("entropy (nats)")
ax2.legend()
fig.tight_layout()
ctx.savefig(fig, "temperature.png")

# %% [markdown]
# ## 3. Top-k and top-p (nucleus)
# Top-k keeps exactly the k largest logits (no ties here). Top-p sorts the probabilities
# and keeps the *smallest* prefix whose mass reaches p: the kept mass is ≥ p, and dropping
# the least likely kept token would fall below p. We check both against a naive loop.
# With $p_{(1)} \ge p_{(2)} \ge \ldots$ the sorted probabilities, the kept set $S$ and the
# renormalized distribution are
#
# $$
# S_{\text{top-}p} = \{(1), \ldots, (m)\}, \quad
# m = \min\Big\{m' : \sum_{j=1}^{m'} p_{(j)} \ge p\Big\}, \qquad
# q_i = \frac{p_i}{\sum_{j \in S} p_j} \ (i \in S), \quad q_i = 0 \ (i \notin S)
# $$
#
# References: Fan, Lewis & Dauphin, 2018, *Hierarchical Neural Story Generation* (top-k);
# Holtzman et al., 2020, *The Curious Case of Neural Text Degeneration* (top-p).

# %% [markdown] lang="zh"
# ## 3. Top-k 与 top-p（核采样）
# Top-k 恰好保留最大的 k 个 logits（这里没有并列）。Top-p 把概率从大到小排序，保留总和达到 p 的
# *最短*前缀：保留下来的总概率 ≥ p，而去掉其中最不可能的那个词元就会低于 p。
# 我们用一个朴素的循环来核对两者。记排序后的概率为 $p_{(1)} \ge p_{(2)} \ge \ldots$，
# 保留的集合 $S$ 与重新归一化后的分布为
#
# $$
# S_{\text{top-}p} = \{(1), \ldots, (m)\}, \quad
# m = \min\Big\{m' : \sum_{j=1}^{m'} p_{(j)} \ge p\Big\}, \qquad
# q_i = \frac{p_i}{\sum_{j \in S} p_j} \ (i \in S), \quad q_i = 0 \ (i \notin S)
# $$
#
# 参考文献：Fan, Lewis & Dauphin, 2018, *Hierarchical Neural Story Generation*（top-k）；
# Holtzman et al., 2020, *The Curious Case of Neural Text Degeneration*（top-p）。

# %%
for k in range(1, V + 1):
    kept = top_k_filter(logits, k).isfinite()[0]
    assert kept.sum() == k and set(kept.nonzero()[:, 0].tolist()) == set(p.topk(k).indices.tolist())
print("top-k keeps exactly k tokens for k = 1 ..", V)


def nucleus_naive(probs: torch.Tensor, top_p: float) -> set[int]:
    """Walk down the sorted probabilities until the running mass reaches top_p."""
    kept, mass = set(), 0.0
    for i in probs.argsort(descending=True).tolist():
        kept.add(i)
        mass += float(probs[i])
        if mass >= top_p:
            return kept
    return kept


for top_p in (0.3, 0.5, 0.7, 0.9, 0.97, 0.999):
    mask = top_p_filter(logits, top_p).isfinite()[0]
    kept = set(mask.nonzero()[:, 0].tolist())
    mass = float(p[mask].sum())
    smallest = float(p[mask].min())
    assert kept == nucleus_naive(p, top_p)
    assert mass >= top_p and mass - smallest < top_p, "minimal set with mass >= p"
    print(f"top-p {top_p:<5}: keeps {len(kept)} words {sorted(WORDS[i] for i in kept)} "
          f"(mass {mass:.3f})")
filtered = torch.softmax(top_p_filter(logits, 0.7), dim=-1)[0]
assert torch.allclose(filtered[[3, 4, 5]], p[[3, 4, 5]] / 0.8), "the kept mass is renormalized"

# %% [markdown]
# ## 4. Repetition penalty
# For each token already in the text, a positive logit is divided by the penalty and a
# negative one multiplied by it, so both move down (the CTRL-style penalty). Note that it
# depends on where zero is: adding a constant to all logits changes nothing in softmax but
# changes this penalty. Here we shift the log-probabilities by +3 so both signs occur.
# With $\rho$ = `penalty` and $i$ a token already seen:
#
# $$
# z'_i = \begin{cases} z_i / \rho & z_i > 0 \\ z_i \cdot \rho & z_i \le 0 \end{cases}
# $$
#
# Reference: Keskar et al., 2019, *CTRL: A Conditional Transformer Language Model for
# Controllable Generation*.

# %% [markdown] lang="zh"
# ## 4. 重复惩罚
# 对文本中已经出现过的每个词元，正的 logit 除以惩罚系数，负的 logit 乘以惩罚系数，
# 这样两者都会变小（CTRL 式的惩罚）。注意它依赖于零点的位置：给所有 logits 加上同一个常数
# 不会改变 softmax，却会改变这种惩罚的效果。这里我们把对数概率整体加 3，让正负两种符号都出现。
# 记 $\rho$ = `penalty`，$i$ 为已出现过的词元：
#
# $$
# z'_i = \begin{cases} z_i / \rho & z_i > 0 \\ z_i \cdot \rho & z_i \le 0 \end{cases}
# $$
#
# 参考文献：Keskar et al., 2019, *CTRL: A Conditional Transformer Language Model for
# Controllable Generation*。

# %%
z = logits + 3.0                                            # same softmax, mixed signs
seen = torch.tensor([[1, 3]])                               # the text so far: "the cat"
penalty = 1.5
z_pen = apply_repetition_penalty(z, seen, penalty)
naive = z.clone()
for tok in seen[0].tolist():
    naive[0, tok] = z[0, tok] / penalty if z[0, tok] > 0 else z[0, tok] * penalty
assert torch.equal(z_pen, naive)
q = torch.softmax(z_pen, dim=-1)[0]
for tok in range(V):
    assert (q[tok] < p[tok]) if tok in (1, 3) else (q[tok] > p[tok])
print(f"after 'the cat' with penalty {penalty}: P(cat) {p[3]:.3f} -> {q[3]:.3f}, "
      f"P(the) {p[1]:.3f} -> {q[1]:.4f}; every unseen word rises")

plain = generate(lm, start, 12, temperature=0)
penalized = generate(lm, start, 12, temperature=0, repetition_penalty=1.5)
print("greedy:          ", words(plain[0]))
print("greedy, penalty: ", words(penalized[0]))
assert len(set(penalized[0].tolist())) > len(set(plain[0].tolist())), "more distinct words"

# %% [markdown]
# ## 5. Beam search finds what greedy misses
# Greedy picks "the" (0.55) over "a" (0.45), but "a" is almost always followed by "cat"
# (0.9), so P("a cat") = 0.405 beats P("the cat") = 0.22. Beam search with width 2 keeps
# both first words alive and finds the better pair; exhaustive search over all V² pairs
# confirms it is the best.
#
# $$
# P(\text{a cat}) = 0.45 \times 0.9 = 0.405 \;>\; P(\text{the cat}) = 0.55 \times 0.40 = 0.22
# $$

# %% [markdown] lang="zh"
# ## 5. 束搜索能找到贪心解码错过的序列
# 贪心解码选了 "the"（0.55）而不是 "a"（0.45），但 "a" 后面几乎总是跟着 "cat"（0.9），
# 所以 P("a cat") = 0.405 胜过 P("the cat") = 0.22。宽度为 2 的束搜索让两个首词都留在候选中，
# 从而找到更好的词对；对全部 V² 个词对的穷举搜索证实它就是最优的。
#
# $$
# P(\text{a cat}) = 0.45 \times 0.9 = 0.405 \;>\; P(\text{the cat}) = 0.55 \times 0.40 = 0.22
# $$

# %%
greedy_pair = generate(lm, start, 2, temperature=0)[0, 1:].tolist()
best = beam_search(lm, torch.tensor([0]), 2, beam_width=2, alpha=0.0)[0]
exhaustive = max(((a, b) for a in range(V) for b in range(V)), key=seq_logprob)
print(f"greedy: {words(greedy_pair)!r} log P = {seq_logprob(greedy_pair):.3f}")
print(f"beam:   {words(best.tokens)!r} log P = {best.logprob:.3f}")
assert best.tokens == exhaustive and abs(best.logprob - seq_logprob(best.tokens)) < 1e-12
assert best.logprob > seq_logprob(greedy_pair) + 0.5

# %% [markdown]
# ## 6. The length penalty (GNMT)
# With an end token, finished sentences of different lengths compete. Every extra word
# multiplies in a probability < 1, so raw log P favours short outputs. GNMT ranks by
# a length-normalized score: α = 0 is raw log P; α = 1 divides longer
# (more negative) sums by more, which lets a slightly less likely but longer sentence win.
#
# $$
# \text{score}(Y) = \frac{\log P(Y)}{\mathrm{lp}(Y)}, \qquad
# \mathrm{lp}(Y) = \Big(\frac{5 + |Y|}{6}\Big)^{\alpha}
# $$
#
# Reference: Wu et al., 2016, *Google's Neural Machine Translation System: Bridging the Gap
# between Human and Machine Translation*.

# %% [markdown] lang="zh"
# ## 6. 长度惩罚（GNMT）
# 有了结束符，长度不同的完整句子就要互相竞争。每多一个词就要多乘一个小于 1 的概率，
# 所以原始的 log P 偏爱短的输出。GNMT 按长度归一化后的得分排序：α = 0 就是原始的 log P；
# α = 1 会把更长（因而更负）的总和除以更大的数，从而让一个概率稍低但更长的句子胜出。
#
# $$
# \text{score}(Y) = \frac{\log P(Y)}{\mathrm{lp}(Y)}, \qquad
# \mathrm{lp}(Y) = \Big(\frac{5 + |Y|}{6}\Big)^{\alpha}
# $$
#
# 参考文献：Wu et al., 2016, *Google's Neural Machine Translation System: Bridging the Gap
# between Human and Machine Translation*。

# %%
winners = {}
for alpha in (0.0, 1.0):
    hyps = beam_search(lm, torch.tensor([0]), 4, beam_width=3, alpha=alpha, eos_id=EOS)
    print(f"alpha = {alpha}:")
    for h in hyps:
        lp = length_penalty(len(h.tokens), alpha)
        assert abs(h.score - h.logprob / lp) < 1e-12
        assert abs(h.logprob - seq_logprob(h.tokens)) < 1e-12
        print(f"   {words(h.tokens):<18} log P = {h.logprob:7.3f}  lp = {lp:.3f}  "
              f"score = {h.score:7.3f}")
    winners[alpha] = hyps[0].tokens
assert words(winners[0.0]) == "a cat ." and words(winners[1.0]) == "a cat sat ."
print("alpha 0 prefers the short sentence, alpha 1 the longer one")

# %% [markdown]
# ## 7. Diverse beam search
# Beams tend to share their beginnings. Diverse beam search splits the beams into groups;
# at each step a group pays `diversity` for each time an earlier group already chose a
# token at that step, so the groups are pushed apart. A group ranks its extensions by
#
# $$
# \log P(y_{1:t}) - \lambda\, n_t(y_t)
# $$
#
# where $\lambda$ = `diversity` and $n_t(y)$ counts how often earlier groups chose $y$ at
# step $t$. Reference: Vijayakumar et al., 2018, *Diverse Beam Search for Improved
# Description of Complex Scenes*.

# %% [markdown] lang="zh"
# ## 7. 多样化束搜索
# 各条束往往有相同的开头。多样化束搜索把束分成若干组；在每一步，前面的组每选过某个词元一次，
# 当前组再选它时就要付出 `diversity` 的代价，于是各组被推向不同的方向。每组按下式给扩展排序：
#
# $$
# \log P(y_{1:t}) - \lambda\, n_t(y_t)
# $$
#
# 其中 $\lambda$ = `diversity`，$n_t(y)$ 是第 $t$ 步中排在前面的各组选择 $y$ 的次数。
# 参考文献：Vijayakumar et al., 2018, *Diverse Beam Search for Improved Description of
# Complex Scenes*。

# %%
plain_hyps = beam_search(lm, torch.tensor([0]), 4, beam_width=2, alpha=0.0, eos_id=EOS)
diverse = diverse_beam_search(lm, torch.tensor([0]), 4, beam_width=2, groups=2,
                              diversity=1.0, alpha=0.0, eos_id=EOS)
print("plain beam (2):       ", [words(h.tokens) for h in plain_hyps])
print("diverse (2 groups):   ", [words(h.tokens) for h in diverse])
assert {h.tokens[0] for h in plain_hyps} == {WORDS.index("a")}, "both beams start with 'a'"
assert {WORDS[h.tokens[0]] for h in diverse} == {"a", "the"}, "the groups start differently"

# %% [markdown]
# ## 8. A small trained GPT
# A character-level GPT trained for a few seconds on the built-in corpus (longer in full mode).

# %% [markdown] lang="zh"
# ## 8. 一个训练过的小 GPT
# 一个在内置语料上只训练了几秒钟（完整模式下更久）的字符级 GPT。

# %%
recipe = GPTRecipe(model=GPTConfig(n_layer=2, n_head=4, n_embd=64, block_size=64),
                   batch_size=16, max_steps=100 if ctx.quick else 1200,
                   eval_every=100 if ctx.quick else 400, eval_batches=2 if ctx.quick else 10,
                   warmup_steps=10 if ctx.quick else 100, lr=3e-3 if ctx.quick else 2e-3,
                   out_dir=str(ctx.path("run")), sample=SamplingConfig(tokens=8))
run = train_gpt(recipe, prepared=prepare_text(recipe))
model, tok = run.model.eval(), run.tokenizer
print(f"trained {recipe.max_steps} steps in {run.seconds:.1f} s; val loss {run.val_loss:.3f} "
      f"(ln V = {math.log(tok.vocab_size):.3f})")
assert run.val_loss < math.log(tok.vocab_size)

# %% [markdown]
# ### 8a. The KV cache: the same logits, less work
# Feeding the prompt and then one token at a time through a `KVCache` must give the logits
# of one full forward pass over the whole sequence. The new token's query attends to the
# stored keys and values of all positions so far:
# $o_t = \mathrm{softmax}\big(q_t K_{1:t}^\top / \sqrt{D}\big)\, V_{1:t}$.

# %% [markdown] lang="zh"
# ### 8a. KV 缓存：logits 相同，计算更少
# 先输入提示，然后通过 `KVCache` 每次输入一个词元，得到的 logits 必须与对整个序列做一次完整
# 前向传播的结果相同。新词元的查询对到目前为止所有位置已存储的键和值做注意力：
# $o_t = \mathrm{softmax}\big(q_t K_{1:t}^\top / \sqrt{D}\big)\, V_{1:t}$。

# %%
ids = torch.tensor([tok.encode("The object is a ")])                      # (1, T)
full, _ = model(ids)                                                      # (1, T, V)
cache = KVCache()
steps = [model(ids[:, :4], cache=cache)[0]]
for t in range(4, ids.shape[1]):
    steps.append(model(ids[:, t:t + 1], cache=cache)[0])                 # (1, 1, V)
gap = (torch.cat(steps, dim=1) - full).abs().max().item()
print(f"max |logits with cache - logits without| = {gap:.1e}")
assert gap < 1e-5
with_cache = generate(model, ids[:, :4], 40, temperature=0)
assert torch.equal(with_cache, generate(model, ids[:, :4], 40, temperature=0, use_cache=False))

# %% [markdown]
# The speed-up grows with the context: without the cache, step t recomputes all t positions,
# so n new tokens cost about $\sum_{t=1}^{n} t = n(n+1)/2$ position computations instead of n.
# Timing does not depend on the weights, so we time an untrained GPT with a longer context
# (`generate` keeps using the cache until the context reaches `block_size`).

# %% [markdown] lang="zh"
# 上下文越长，加速越明显：没有缓存时，第 t 步要把全部 t 个位置重新算一遍，
# 所以生成 n 个新词元大约要计算 $\sum_{t=1}^{n} t = n(n+1)/2$ 个位置，而不是 n 个。
# 耗时与权重无关，所以我们给一个未训练、上下文更长的 GPT 计时（在上下文达到 `block_size`
# 之前，`generate` 会一直使用缓存）。

# %%
n_ctx = 128 if ctx.quick else 256
timer_model = GPT(GPTConfig(vocab_size=tok.vocab_size, block_size=n_ctx, n_layer=4,
                            n_head=4, n_embd=128)).eval()


def best_time(use_cache: bool, repeats: int = 2) -> tuple[float, torch.Tensor]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = generate(timer_model, ids[:, :4], n_ctx - 4, temperature=0, use_cache=use_cache)
        times.append(time.perf_counter() - t0)
    return min(times), result


t_cache, out_cache = best_time(True)
t_full, out_full = best_time(False)
print(f"{n_ctx - 4} tokens: with cache {t_cache:.3f} s, without {t_full:.3f} s "
      f"-> {t_full / t_cache:.1f}x (measured on this machine, best of 2)")
assert torch.equal(out_cache, out_full)
assert t_cache < 1.5 * t_full, "the cache must not be slower by a wide margin"

# %% [markdown]
# ### 8b. Samples and their diversity
# Distinct-2 = (number of different character bigrams) / (number of bigrams) over 8 samples
# of 60 characters each: near 0 for text that repeats itself, higher for varied text.
# Greedy decoding of a small model tends to fall into a loop.

# %% [markdown] lang="zh"
# ### 8b. 样本及其多样性
# Distinct-2 =（不同的字符二元组个数）/（二元组总数），在 8 个各 60 个字符的样本上计算：
# 对自我重复的文本接近 0，对多样的文本则更高。小模型的贪心解码往往会陷入循环。

# %%
def distinct_2(batch: torch.Tensor) -> float:
    """Share of distinct bigrams among all bigrams of the rows of batch (B, T)."""
    grams = [tuple(row[i:i + 2]) for row in batch.tolist() for i in range(len(row) - 1)]
    return len(set(grams)) / len(grams)


prompt = torch.tensor([tok.encode("The ")] * 8)                          # (8, 4)
settings = {
    "greedy": dict(temperature=0),
    "T=0.5": dict(temperature=0.5),
    "T=1.0": dict(temperature=1.0),
    "T=1.5": dict(temperature=1.5),
    "T=1, top-k 5": dict(temperature=1.0, top_k=5),
    "T=1, top-p 0.9": dict(temperature=1.0, top_p=0.9),
    "T=0.5, rep 1.3": dict(temperature=0.5, repetition_penalty=1.3),
}
scores = {}
for name, kwargs in settings.items():
    out = generate(model, prompt, 60, generator=torch.Generator().manual_seed(1), **kwargs)
    scores[name] = distinct_2(out[:, 4:])                                 # new tokens only
    print(f"{name:<15} distinct-2 {scores[name]:.3f}  {tok.decode(out[0].tolist())!r}")
assert scores["greedy"] < scores["T=0.5"] < scores["T=1.0"] < scores["T=1.5"]
assert scores["T=1, top-k 5"] < scores["T=1.0"] and scores["T=1, top-p 0.9"] < scores["T=1.0"]
assert scores["T=0.5, rep 1.3"] > scores["T=0.5"]
print("diversity rises with temperature; top-k/top-p cut it; the penalty raises it")

fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(list(scores), list(scores.values()))
ax.set_ylabel("distinct-2")
ax.tick_params(axis="x", rotation=30)
fig.tight_layout()
ctx.savefig(fig, "distinct2.png")

# %% [markdown]
# ### 8c. Beam search on the GPT
# Beam search aims at the sequence log-probability. We compare the log P of the greedy
# continuation with the best of a width-4 beam, both 20 characters long, each scored again by
# one teacher-forced pass of the model (so the beam's own bookkeeping is checked too). Beam
# search is not guaranteed to beat greedy: it keeps only the 4 best prefixes at each step, and
# the greedy prefix can fall out of them when it is not yet among the best, then turn out
# better later. The lesson prints which one won in this run. With 0-based positions and the
# 4-character prompt `ids[:4]`:
#
# $$
# \log P(\text{ids}_{4:24} \mid \text{ids}_{0:4})
# = \sum_{t=4}^{23} \log p(\text{ids}_t \mid \text{ids}_{<t})
# $$

# %% [markdown] lang="zh"
# ### 8c. 在 GPT 上做束搜索
# 束搜索追求的是整个序列的对数概率。我们比较贪心续写与宽度为 4 的束搜索最优结果的 log P，
# 两者都是 20 个字符，并且都用模型的一次教师强制前向传播重新打分（顺便核对束搜索自己的记账）。
# 束搜索并不保证胜过贪心解码：它每一步只保留最好的 4 个前缀，而贪心前缀如果一时还不在最好之列，
# 就可能被淘汰，后来却证明它更好。本课会打印这次运行中谁胜出。位置从 0 开始计数，
# 提示为 4 个字符的 `ids[:4]`：
#
# $$
# \log P(\text{ids}_{4:24} \mid \text{ids}_{0:4})
# = \sum_{t=4}^{23} \log p(\text{ids}_t \mid \text{ids}_{<t})
# $$

# %%
start_ids = prompt[0]                                                     # (4,)
beam = beam_search(model, start_ids, 20, beam_width=4, alpha=0.0)
greedy_ids = generate(model, start_ids[None], 20, temperature=0)[0]      # (24,)


def continuation_logprob(ids: torch.Tensor) -> float:
    """log P of ids[4:] given the 4-character prompt ids[:4], in one forward pass."""
    with torch.no_grad():
        lp = torch.log_softmax(model(ids[None])[0][0].double(), dim=-1)   # (T, V)
    return float(lp[3:-1].gather(1, ids[4:, None]).sum())


greedy_lp = continuation_logprob(greedy_ids)
beam_ids = torch.cat([start_ids, torch.tensor(beam[0].tokens)])                 # (24,)
beam_lp = continuation_logprob(beam_ids)
print(f"greedy {tok.decode(greedy_ids[4:].tolist())!r}  log P = {greedy_lp:.3f}")
print(f"beam   {tok.decode(list(beam[0].tokens))!r}  log P = {beam[0].logprob:.3f} "
      f"(one pass over it: {beam_lp:.3f})")
assert abs(beam_lp - beam[0].logprob) < 1e-3                   # the beam's sums are right
assert all(a.logprob >= b.logprob for a, b in zip(beam, beam[1:]))        # best first
winner = "beam search" if beam_lp > greedy_lp + 1e-6 else (
    "greedy (its path was pruned from the beam)" if greedy_lp > beam_lp + 1e-6 else "a tie")
print(f"higher log P in this run: {winner}")
groups = diverse_beam_search(model, start_ids, 20, beam_width=4, groups=2, diversity=2.0,
                             alpha=0.0)
print("diverse beams:", [tok.decode(list(h.tokens)) for h in groups])
assert len({h.tokens for h in groups}) == len(groups) == 4
