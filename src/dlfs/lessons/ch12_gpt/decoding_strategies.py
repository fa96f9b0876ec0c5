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
# and carries a `config.block_size` because `generate` crops the context to it.

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
# Greedy takes the argmax at every step. Temperature rescales the logits, q = softmax(z / T):
# T > 1 flattens the distribution, T < 1 sharpens it, and as T → 0 all the mass moves to the
# argmax, so sampling becomes greedy. The entropy H(q) = −Σ q log q measures the spread.

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
# score = log P / lp, lp = ((5 + |Y|) / 6)^α: α = 0 is raw log P; α = 1 divides longer
# (more negative) sums by more, which lets a slightly less likely but longer sentence win.

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
# at each step a group pays `diversity` for each earlier group that already chose a token,
# so the groups are pushed apart.

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
# of one full forward pass over the whole sequence.

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
# The speed-up grows with the context: without the cache, step t recomputes all t positions.
# Timing does not depend on the weights, so we time an untrained GPT with a longer context
# (`generate` keeps using the cache until the context reaches `block_size`).

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
# better later. The lesson prints which one won in this run.

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
