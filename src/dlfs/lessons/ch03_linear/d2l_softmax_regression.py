# %% [markdown]
# # Softmax regression, from scratch and concise — Softmax 回归：从零实现与简洁实现
#
# **Library files:** the concise half uses `src/dlfs/nn/linear.py`, `src/dlfs/nn/init.py`,
# `src/dlfs/nn/loss.py` (`CrossEntropyLoss`), `src/dlfs/optim/sgd.py`,
# `src/dlfs/train/loop.py` (`fit`), `src/dlfs/metrics/classification.py` (`accuracy`) and
# `src/dlfs/data/datasets/digits.py`; the from-scratch half uses only tensors and autograd.
#
# Softmax regression is one linear layer followed by a softmax: for an image flattened to
# a row x of D pixels,
#
#     O = X·W + b,  X (B, D), W (D, K), b (K,)  →  O (B, K)
#     Ŷ = softmax(O) row by row,   loss = −log Ŷ[i, yᵢ]  (cross-entropy)
#
# d2l trains it on Fashion-MNIST (28 × 28, downloaded); here the embedded scikit-learn
# digits (8 × 8, D = 64, K = 10) stand in, so it runs offline in seconds.

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.data import DataLoader
from dlfs.data.datasets import digits
from dlfs.metrics import accuracy
from dlfs.train import fit

ctx = lesson_context("d2l-softmax-regression")
epochs = 5 if ctx.quick else 10
lr, batch_size = 0.5, 64
train, test = digits("train"), digits("test")  # x (1, 8, 8) per image
x_test, y_test = test[:]  # (N, 1, 8, 8), (N,)
print(f"train {len(train)}, test {len(test)}; an image {tuple(train[0][0].shape)}")

# %% [markdown]
# ## 1. From scratch
# The softmax subtracts each row's maximum first: it does not change the result (the
# factor e^(−max) cancels) and keeps e^o from overflowing. Cross-entropy picks, in every
# row, the probability of the true class with fancy indexing.

# %%
def softmax(o: torch.Tensor) -> torch.Tensor:
    """Row-wise softmax of (B, K) scores."""
    o_exp = (o - o.max(dim=1, keepdim=True).values).exp()  # (B, K)
    return o_exp / o_exp.sum(dim=1, keepdim=True)  # (B, K), rows sum to 1


def net(x: torch.Tensor) -> torch.Tensor:
    return softmax(x.reshape(len(x), -1) @ W + b)  # (B, 1, 8, 8) -> (B, 64) -> (B, K)


def cross_entropy(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return -y_hat[torch.arange(len(y_hat)), y].log()  # (B,)


gen = torch.Generator().manual_seed(0)
W = torch.normal(0, 0.01, size=(64, 10), generator=gen, requires_grad=True)
b = torch.zeros(10, requires_grad=True)

# Checked against the library on one batch before training.
xb, yb = next(iter(DataLoader(train, batch_size=8)))
logits = xb.reshape(8, -1) @ W + b  # (8, 10)
assert torch.allclose(softmax(logits), nn.Softmax(dim=1)(logits))
assert torch.allclose(cross_entropy(net(xb), yb).mean(), nn.CrossEntropyLoss()(logits, yb))
print("hand softmax and cross-entropy == dlfs.nn.Softmax / CrossEntropyLoss on a batch")

scratch_acc, scratch_loss = [], []
for epoch in range(epochs):
    total = 0.0
    for xb, yb in DataLoader(train, batch_size=batch_size, shuffle=True, generator=gen):
        loss = cross_entropy(net(xb), yb)  # (B,)
        loss.mean().backward()
        with torch.no_grad():  # minibatch SGD, by hand
            for p in (W, b):
                p -= lr * p.grad
                p.grad.zero_()
        total += loss.sum().item()
    with torch.no_grad():
        scratch_acc.append(accuracy(net(x_test), y_test))
    scratch_loss.append(total / len(train))
    print(f"  scratch epoch {epoch + 1}: train loss {scratch_loss[-1]:.3f}, "
          f"test accuracy {scratch_acc[-1]:.3f}")

# %% [markdown]
# ## 2. Concise
# `Flatten` + `Linear(64, 10)`, initialized like ours. No softmax layer: `CrossEntropyLoss`
# takes the raw scores and applies a stable log-softmax inside. `fit` runs the same loop
# and, with `metrics`, reports the test accuracy after every epoch.

# %%
model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
nn.init.normal_(model[1].weight, 0.0, 0.01, generator=torch.Generator().manual_seed(1))
nn.init.zeros_(model[1].bias)
history = fit(model, DataLoader(train, batch_size=batch_size, shuffle=True,
                                generator=torch.Generator().manual_seed(0)),
              loss_fn=nn.CrossEntropyLoss(), optimizer=optim.SGD(model.parameters(), lr=lr),
              epochs=epochs, val_loader=DataLoader(test, batch_size=len(test)),
              metrics={"acc": accuracy}, device="cpu")
concise_acc, concise_loss = history.metric("val/acc"), history.metric("train/loss")
for epoch, (acc, loss) in enumerate(zip(concise_acc, concise_loss)):
    print(f"  concise epoch {epoch + 1}: train loss {loss:.3f}, test accuracy {acc:.3f}")

# %% [markdown]
# ## 3. The same result both ways

# %%
print(f"final test accuracy: scratch {scratch_acc[-1]:.3f}, concise {concise_acc[-1]:.3f}")
assert scratch_acc[-1] >= 0.88 and concise_acc[-1] >= 0.88
assert abs(scratch_acc[-1] - concise_acc[-1]) <= 0.03
assert abs(scratch_loss[-1] - concise_loss[-1]) < 0.05
assert scratch_loss[-1] < scratch_loss[0] and concise_loss[-1] < concise_loss[0]

# %%
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.5))
steps = range(1, epochs + 1)
ax0.plot(steps, scratch_loss, "o-", label="from scratch")
ax0.plot(steps, concise_loss, "s--", label="concise (fit)")
ax0.set_xlabel("epoch")
ax0.set_ylabel("train cross-entropy")
ax0.legend()
ax1.plot(steps, scratch_acc, "o-", label="from scratch")
ax1.plot(steps, concise_acc, "s--", label="concise (fit)")
ax1.set_xlabel("epoch")
ax1.set_ylabel("test accuracy")
ax1.legend()
ctx.savefig(fig, "scratch_vs_concise.png")

# The learned weights as images: row k of Wᵀ is a template for digit k.
fig, axes = plt.subplots(1, 10, figsize=(10, 1.4))
for k, ax in enumerate(axes):
    ax.imshow(model[1].weight[k].detach().reshape(8, 8).numpy(), cmap="coolwarm")
    ax.set_title(str(k))
    ax.axis("off")
ctx.savefig(fig, "weight_templates.png")
