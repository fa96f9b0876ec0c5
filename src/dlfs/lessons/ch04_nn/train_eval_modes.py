# %% [markdown]
# # Side effects of train/eval mode: Dropout and BatchNorm — Train/Eval 模式的副作用
#
# **Library files:** `src/dlfs/nn/functional/dropout.py` (inverted dropout),
# `src/dlfs/nn/functional/normalization.py` and `src/dlfs/nn/normalization.py` (BatchNorm with
# running statistics); parity in `tests/nn/test_nn_dropout.py` and
# `tests/nn/test_nn_normalization.py`.
#
# `model.train()` and `model.eval()` change nothing but a flag, `module.training`, on every
# submodule. Two layers read it:
#
# - **Dropout** zeroes a random fraction `p` of its input while training and scales the rest by
#   `1 / (1 - p)`; in eval mode it is the identity.
# - **BatchNorm** normalizes with the statistics of the *current batch* while training, and
#   quietly updates its running estimates as a side effect; in eval mode it uses those running
#   estimates and changes nothing.
#
# Forgetting `model.eval()` before validation is a classic bug: the numbers come out noisy,
# batch-size dependent, and the running statistics drift on the validation data.

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
from dlfs.curriculum import lesson_context

ctx = lesson_context("train-eval-modes")
torch.manual_seed(0)

# %% [markdown]
# ## 1. Dropout: random in training, the identity in eval
# Inverted dropout keeps the *expected* activation unchanged: `E[y] = (1-p) * x / (1-p) = x`.

# %%
p = 0.25
drop = nn.Dropout(p)
x = torch.ones(4, 8)
y_train = drop(x)  # a fresh module is in training mode
print("training:", drop.training)
print(y_train)
kept = y_train != 0
assert torch.allclose(y_train[kept], torch.full_like(y_train[kept], 1 / (1 - p)))
print(f"survivors are scaled to 1/(1-p) = {1 / (1 - p):.4f}")

drop.eval()
y_eval = drop(x)
assert y_eval is x  # not even a copy
print("eval mode: output is the input itself:", y_eval is x)

# %%
n = 20_000 if ctx.quick else 200_000
big = torch.ones(n)
drop.train()
fractions = [(drop(big) == 0).float().mean().item() for _ in range(20)]
means = [drop(big).mean().item() for _ in range(20)]
print(f"fraction zeroed over 20 calls: {min(fractions):.4f} .. {max(fractions):.4f} (p = {p})")
print(f"mean of the output: {min(means):.4f} .. {max(means):.4f} (input mean 1)")
assert all(abs(f - p) < 0.02 for f in fractions)
assert all(abs(m - 1) < 0.03 for m in means)

# %% [markdown]
# ## 2. BatchNorm in training mode: batch statistics, and a side effect
# The running statistics start at mean 0 and variance 1, and after each training batch move a
# fraction `momentum` of the way towards the batch's mean and *unbiased* variance:
#
# `running = (1 - momentum) * running + momentum * batch_statistic`

# %%
bn = nn.BatchNorm1d(3, momentum=0.1)
print(bn)
print("running_mean", bn.running_mean, "running_var", bn.running_var)
true_mean = torch.tensor([5.0, -2.0, 0.0])
true_std = torch.tensor([2.0, 0.5, 1.0])

history = []
steps = 60 if ctx.quick else 200
for _ in range(steps):
    batch = true_mean + true_std * torch.randn(32, 3)
    expected_mean = 0.9 * bn.running_mean + 0.1 * batch.mean(0)
    out = bn(batch)
    assert torch.allclose(bn.running_mean, expected_mean, atol=1e-6)
    assert torch.allclose(out.mean(0), torch.zeros(3), atol=1e-5)  # batch statistics used
    history.append(bn.running_mean.clone())
print(f"after {steps} training batches: running_mean {bn.running_mean}")
print(f"                         running_var  {bn.running_var}")
print("num_batches_tracked", int(bn.num_batches_tracked))
assert int(bn.num_batches_tracked) == steps
assert torch.allclose(bn.running_mean, true_mean, atol=0.5)
assert torch.allclose(bn.running_var.sqrt(), true_std, rtol=0.25)

# %%
fig, ax = plt.subplots(figsize=(6, 3.2))
h = torch.stack(history)
for c in range(3):
    ax.plot(h[:, c], label=f"channel {c}")
    ax.axhline(true_mean[c], ls=":", color=f"C{c}")
ax.set_xlabel("training batch")
ax.set_ylabel("running_mean")
ax.set_title("BatchNorm running mean approaches the data mean (momentum 0.1)")
ax.legend()
ctx.savefig(fig, "running_mean.png")

# %% [markdown]
# ## 3. BatchNorm in eval mode: a fixed affine map
# In eval mode the output no longer depends on the other samples of the batch, a single
# sample works, and nothing is updated.

# %%
bn.eval()
before = bn.running_mean.clone(), bn.running_var.clone(), int(bn.num_batches_tracked)
sample = torch.tensor([[7.0, -2.5, 1.0]])
alone = bn(sample)
in_batch = bn(torch.cat([sample, 100 * torch.randn(5, 3)]))[:1]
assert torch.allclose(alone, in_batch)
manual = (sample - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias
assert torch.allclose(alone, manual, atol=1e-6)
after = bn.running_mean, bn.running_var, int(bn.num_batches_tracked)
assert torch.equal(before[0], after[0]) and torch.equal(before[1], after[1])
assert before[2] == after[2]
print("eval output of one sample:", alone.detach())
print("same sample inside a wild batch:", in_batch.detach(), "(identical)")

# %% [markdown]
# ## 4. The bug: validating in training mode
# Run the "validation set" through the model while it is still in training mode: each output
# depends on which other samples share its batch, and the running statistics drift toward the
# validation data.

# %%
bn.train()
settled = bn.running_mean.clone()
val = true_mean + true_std * torch.randn(8, 3) + torch.tensor([3.0, 0.0, 0.0])  # shifted data
first = bn(val[:4])[0]
second = bn(torch.cat([val[:1], val[4:7]]))[0]  # the same first sample, different batch mates
print("same sample, two batches (train mode):", first.detach(), second.detach())
assert not torch.allclose(first, second)
print("running_mean drifted from", settled, "to", bn.running_mean)
assert not torch.equal(settled, bn.running_mean)

# %% [markdown]
# ## 5. Momentum None: a cumulative average
# With `momentum=None` the running statistics are the plain average over all batches seen so
# far (the factor is `1 / num_batches_tracked`).

# %%
cum = nn.BatchNorm1d(2, momentum=None)
batches = [torch.randn(16, 2) * 3 + 1 for _ in range(5)]
for b in batches:
    cum(b)
average = torch.stack([b.mean(0) for b in batches]).mean(0)
assert torch.allclose(cum.running_mean, average, atol=1e-6)
print("momentum=None: running_mean == mean of batch means:", cum.running_mean)
