# %% [markdown]
# # Activations and the universal approximator — 激活函数与万能逼近
#
# **Library files:** `src/dlfs/nn/functional/activation.py` (every activation from exp/erf
# and comparisons), `src/dlfs/nn/activation.py` (the modules), `src/dlfs/nn/linear.py`
# (`Linear`); parity in `tests/nn/test_nn_activation.py` and `tests/nn/test_nn_linear.py`.
#
# A stack of linear layers is still one linear map; a nonlinearity between them is what lets
# a network bend. With one hidden layer of enough units, `x -> W2 act(W1 x + b1) + b2` can
# approximate any continuous function on an interval as closely as we like (the universal
# approximation theorem). This lesson looks at the activations, then watches a one-hidden-layer
# MLP fit a wiggly curve better as it gets wider.

# %%
import math

import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
import dlfs.nn.functional as F
from dlfs.curriculum import lesson_context
from dlfs.optim import Adam

ctx = lesson_context("universal-approximation")
torch.manual_seed(0)

# %% [markdown]
# ## 1. The activations and their slopes
# Each curve is `dlfs.nn.functional`; its slope comes from autograd through our own formula.

# %%
x = torch.linspace(-4, 4, 401, dtype=torch.float64, requires_grad=True)
acts = {
    "relu": nn.ReLU(), "leaky_relu(0.1)": nn.LeakyReLU(0.1), "gelu": nn.GELU(),
    "gelu(tanh)": nn.GELU("tanh"), "silu": nn.SiLU(), "sigmoid": nn.Sigmoid(),
    "tanh": nn.Tanh(), "softplus": nn.Softplus(),
}
fig, (ax_f, ax_g) = plt.subplots(1, 2, figsize=(10, 3.6))
slopes = {}
for name, act in acts.items():
    y = act(x)
    (g,) = torch.autograd.grad(y.sum(), x)
    slopes[name] = g
    ax_f.plot(x.detach(), y.detach(), label=name)
    ax_g.plot(x.detach(), g, label=name)
ax_f.set_title("activation(x)")
ax_g.set_title("slope d activation / dx")
ax_f.legend(fontsize=7)
ctx.savefig(fig, "activations.png")

# %% [markdown]
# Facts visible in the plot, asserted:
#
# - sigmoid's slope is at most 1/4 (at 0): stacking sigmoids shrinks gradients, one reason
#   deep sigmoid networks train slowly; tanh's slope peaks at 1.
# - tanh is a rescaled sigmoid: `tanh(x) = 2 sigmoid(2x) - 1`.
# - the tanh approximation of GELU differs from the exact erf form by less than 1e-3.
# - softplus is a smooth ReLU: `softplus(x) - relu(x)` is at most `log 2`, at 0.
# - ReLU's slope is exactly 0 or 1 (0 at x = 0, as in torch).

# %%
xd = x.detach()
assert abs(slopes["sigmoid"].max().item() - 0.25) < 1e-12
assert abs(slopes["tanh"].max().item() - 1.0) < 1e-12
assert torch.allclose(F.tanh(xd), 2 * F.sigmoid(2 * xd) - 1, atol=1e-12)
gap = (F.gelu(xd) - F.gelu(xd, approximate="tanh")).abs().max().item()
print(f"max |gelu - gelu_tanh| on [-4, 4]: {gap:.2e}")
assert gap < 1e-3
soft_gap = F.softplus(xd) - F.relu(xd)
assert abs(soft_gap.max().item() - math.log(2)) < 1e-12
assert set(slopes["relu"].unique().tolist()) == {0.0, 1.0}
print("sigmoid' <= 1/4, tanh' <= 1, tanh = 2 sigmoid(2x) - 1, softplus - relu <= log 2: checked")

# %% [markdown]
# ## 2. Without a nonlinearity, depth buys nothing
# Three stacked `Linear` layers collapse into a single matrix and bias.

# %%
stack = nn.Sequential(nn.Linear(1, 16), nn.Linear(16, 16), nn.Linear(16, 1)).double()
with torch.no_grad():
    W = stack[2].weight @ stack[1].weight @ stack[0].weight  # (1, 1)
    b = stack[2].weight @ (stack[1].weight @ stack[0].bias + stack[1].bias) + stack[2].bias
    probe = torch.randn(10, 1, dtype=torch.float64)
    assert torch.allclose(stack(probe), probe @ W.T + b, atol=1e-12)
print(f"3 linear layers == one line y = {W.item():.3f} x + {b.item():.3f}")

# %% [markdown]
# ## 3. A one-hidden-layer MLP fits a curve, better when wider
# Target: `f(x) = sin(3x) + 0.3 x^2` on [-2, 2]. Same training (Adam, full batch) for each
# width. Two tanh units can make only two bends and miss the wiggles; with 8 or 64 units the
# fit is many times better (with longer training both go to nearly zero error).

# %%
x_train = torch.linspace(-2, 2, 200).unsqueeze(1)  # (N, 1)
y_train = torch.sin(3 * x_train) + 0.3 * x_train**2


def fit(width: int, act: nn.Module, steps: int) -> tuple[nn.Module, float]:
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(1, width), act, nn.Linear(width, 1))
    opt = Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x_train) - y_train) ** 2).mean()
        loss.backward()
        opt.step()
    with torch.no_grad():
        final = ((model(x_train) - y_train) ** 2).mean().item()
    return model, final


steps = 250 if ctx.quick else 3000
widths = [2, 8, 64]
fig, ax = plt.subplots(figsize=(6, 3.6))
ax.plot(x_train, y_train, "k", lw=3, alpha=0.3, label="target")
errors = {}
for width in widths:
    model, mse = fit(width, nn.Tanh(), steps)
    errors[width] = mse
    with torch.no_grad():
        ax.plot(x_train, model(x_train), label=f"width {width}: mse {mse:.4f}")
    print(f"tanh MLP, width {width:>3}: mse {mse:.5f}")
ax.legend(fontsize=8)
ax.set_title(f"one hidden layer, {steps} Adam steps")
ctx.savefig(fig, "fits_by_width.png")
assert errors[2] > 5 * errors[8] and errors[2] > 5 * errors[64]

# %% [markdown]
# ## 4. The same fit with ReLU: a piecewise-linear curve
# A ReLU network computes a piecewise-linear function; with `width` units it has at most
# `width` kinks. The slope of the fitted curve takes only finitely many values.

# %%
relu_model, relu_mse = fit(32, nn.ReLU(), steps)
print(f"relu MLP, width 32: mse {relu_mse:.5f}")
xs = torch.linspace(-2, 2, 2001).unsqueeze(1).requires_grad_()
(slope,) = torch.autograd.grad(relu_model(xs).sum(), xs)
distinct = torch.unique(slope.round(decimals=4)).numel()
print(f"distinct slopes of the ReLU fit on 2001 points: {distinct} (at most 33 pieces)")
assert distinct <= 33
assert relu_mse < errors[2]
