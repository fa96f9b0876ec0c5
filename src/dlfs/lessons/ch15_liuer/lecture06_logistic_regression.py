# %% [markdown]
# # Liu Er lecture 6: logistic regression — 刘二大人第 6 讲：逻辑斯蒂回归
#
# **Library files:** `src/dlfs/nn/activation.py` (`Sigmoid`), `src/dlfs/nn/loss.py`
# (`BCELoss`, `BCEWithLogitsLoss`), `src/dlfs/nn/linear.py` (`Linear`),
# `src/dlfs/optim/sgd.py`; parity tests in `tests/nn/test_losses.py` and
# `tests/nn/test_nn_activation.py`.
#
# The question changes from "how many points?" to "pass or fail?". A linear score
# z = w·x + b can be any number; the logistic function squashes it into a probability
#
#     σ(z) = 1 / (1 + e^(−z)),     P(pass | x) = σ(w·x + b)
#
# and the loss is the binary cross-entropy (the negative log-likelihood of the labels)
#
#     BCE = −(1/N) Σ [ yᵢ·log pᵢ + (1 − yᵢ)·log(1 − pᵢ) ].
#
# The decision boundary is where P = 0.5, i.e. where z = 0: x* = −b / w.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.linear_model import LogisticRegression  # only as a reference solver

import dlfs.nn as nn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context

ctx = lesson_context("liuer-logistic-regression")
steps = 300 if ctx.quick else 1000

# %% [markdown]
# ## 1. A tiny data set: hours studied → pass
# 40 students, hours uniform in [0, 6]. Each passes with probability σ(2·(hours − 2.5)), so
# the "true" boundary is 2.5 hours; the labels are drawn from that with a fixed seed, so a
# few students who studied little pass and a few who studied a lot fail.

# %%
gen = torch.Generator().manual_seed(0)
N = 40
hours = torch.rand(N, 1, generator=gen) * 6  # (N, 1)
passed = torch.bernoulli(torch.sigmoid(2.0 * (hours - 2.5)), generator=gen)  # (N, 1) of 0./1.
print(f"x {tuple(hours.shape)}, y {tuple(passed.shape)} {passed.dtype}; "
      f"{int(passed.sum())} of {N} passed")
# BCELoss wants float targets with the same shape as the probabilities (not int64 classes).
assert passed.dtype == torch.float32 and set(passed.unique().tolist()) == {0.0, 1.0}

# %% [markdown]
# ## 2. Sigmoid and BCE, by hand and from the library

# %%
z = torch.linspace(-6, 6, 13)
sigmoid = nn.Sigmoid()
assert torch.allclose(sigmoid(z), 1 / (1 + torch.exp(-z)))
assert sigmoid(torch.tensor(0.0)).item() == 0.5
p = torch.rand(N, 1, generator=gen).clamp(0.01, 0.99)  # any probabilities
by_hand = -(passed * p.log() + (1 - passed) * (1 - p).log()).mean()
assert torch.allclose(nn.BCELoss()(p, passed), by_hand)
# BCEWithLogitsLoss takes the score z and applies the sigmoid inside, in a stabler way.
assert torch.allclose(nn.BCEWithLogitsLoss()(p.logit(), passed), by_hand, atol=1e-6)
print(f"BCE of random guesses: {by_hand.item():.4f} (library agrees)")

# %% [markdown]
# ## 3. The model and the four steps of lecture 5
# Full-batch gradient descent with momentum (lr 0.5, momentum 0.9) converges in a few
# hundred steps. Where to? Logistic regression has no closed form, but scikit-learn's solver
# finds the maximum-likelihood (w, b) to high precision: ours must arrive at the same place.

# %%
class LogisticRegressionModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.sigmoid(self.linear(x))  # (N, 1) -> (N, 1) probabilities


torch.manual_seed(0)
model = LogisticRegressionModel()
criterion = nn.BCELoss()
optimizer = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
losses = []
for _ in range(steps):
    loss = criterion(model(hours), passed)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
w, b = model.linear.weight.item(), model.linear.bias.item()
print(f"after {steps} steps: BCE {losses[-1]:.4f}, w = {w:.4f}, b = {b:.4f}")

reference = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000)
reference.fit(hours.numpy(), passed.ravel().numpy())
w_ref, b_ref = reference.coef_.item(), reference.intercept_.item()
print(f"scikit-learn's maximum likelihood: w = {w_ref:.4f}, b = {b_ref:.4f}")
assert abs(w - w_ref) < 0.01 and abs(b - b_ref) < 0.03

# %% [markdown]
# ## 4. The decision boundary and the probability curve

# %%
boundary = -b / w
with torch.no_grad():
    p_at_boundary = model(torch.tensor([[boundary]])).item()
    p_1h, p_4h = model(torch.tensor([[1.0], [4.0]])).squeeze(1).tolist()
print(f"boundary x* = −b/w = {boundary:.3f} hours (data drawn with 2.5); "
      f"P(pass | x*) = {p_at_boundary:.4f}")
print(f"P(pass | 1 hour) = {p_1h:.3f}, P(pass | 4 hours) = {p_4h:.3f}")
assert abs(p_at_boundary - 0.5) < 1e-6
assert w > 0 and p_1h < 0.5 < p_4h, "more study, higher probability"
assert abs(boundary - 2.5) < 0.5
with torch.no_grad():
    accuracy = ((model(hours) > 0.5).float() == passed).float().mean().item()
majority = max(passed.mean().item(), 1 - passed.mean().item())
print(f"training accuracy {accuracy:.3f} vs {majority:.3f} for always guessing the majority")
assert accuracy > majority + 0.2

# %%
grid = torch.linspace(0, 6, 200)[:, None]  # (200, 1)
with torch.no_grad():
    curve = model(grid)  # (200, 1)
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.6))
ax0.plot(grid.numpy(), curve.numpy(), label="P(pass | hours)")
ax0.scatter(hours.numpy(), passed.numpy(), s=14, c=passed.numpy().ravel(), cmap="coolwarm",
            label="students (0 fail, 1 pass)")
ax0.axhline(0.5, color="gray", linestyle="--", linewidth=1)
ax0.axvline(boundary, color="gray", linestyle=":", linewidth=1)
ax0.annotate(f"x* = {boundary:.2f} h", (boundary, 0.5), xytext=(boundary + 0.3, 0.35))
ax0.set_xlabel("hours studied")
ax0.set_ylabel("probability of passing")
ax0.legend(loc="center right", fontsize=8)
ax1.plot(losses)
ax1.set_xlabel("step")
ax1.set_ylabel("BCE")
ax1.set_title("training loss")
ctx.savefig(fig, "probability_curve.png")
