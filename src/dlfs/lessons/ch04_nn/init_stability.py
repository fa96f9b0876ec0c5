# %% [markdown]
# # Weight initialization and numerical stability — 权重初始化与数值稳定性
#
# **Library files:** `src/dlfs/nn/init.py` (Xavier and Kaiming scales),
# `src/dlfs/nn/linear.py` (`Linear`), `src/dlfs/nn/functional/activation.py` (`softmax` and
# `log_softmax` with the max subtracted); tests in `tests/nn/test_init.py`,
# `tests/nn/test_nn_activation.py`.
#
# A signal passing through `L` layers is multiplied by `L` weight matrices. If each layer
# scales its size by a factor `g`, the output scales by `g^L`: for `L = 30`, `g = 0.8` gives
# 0.001 (vanishing) and `g = 1.2` gives 237 (exploding). Initialization picks the weight scale
# so that `g = 1`:
#
# - a `Linear(n, m)` with weights of variance `v` multiplies the activation variance by `n v`;
# - so `v = 1 / fan_in` keeps it (LeCun); tanh is ~linear near 0, Xavier uses
#   `v = 2 / (fan_in + fan_out)`;
# - ReLU zeroes half its input and halves the second moment, Kaiming/He uses `v = 2 / fan_in`.

# %%
import math

import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
import dlfs.nn.functional as F
from dlfs.curriculum import lesson_context
from dlfs.nn import init

ctx = lesson_context("init-stability")
torch.manual_seed(0)
depth, width = (30, 128) if ctx.quick else (50, 512)

# %% [markdown]
# ## 1. Activation size per layer, for four initializations
# A deep MLP of `Linear` + activation, fed a batch of unit-variance inputs; we record the
# standard deviation after every layer.

# %%


def layer_stds(act: nn.Module, init_fn) -> tuple[list[float], list[float]]:
    """Activation std after each layer, and the gradient std of each layer's weight."""
    torch.manual_seed(0)
    layers = [nn.Linear(width, width, bias=False) for _ in range(depth)]
    for layer in layers:
        init_fn(layer.weight)
    h = torch.randn(256, width)
    stds = []
    for layer in layers:
        h = act(layer(h))
        stds.append(h.std().item())
    h.pow(2).mean().backward()
    grads = [layer.weight.grad.std().item() for layer in layers]
    return stds, grads


schemes = {
    "N(0, 0.01^2)": lambda w: init.normal_(w, 0.0, 0.01),
    "N(0, 1)": lambda w: init.normal_(w, 0.0, 1.0),
    "xavier_normal": lambda w: init.xavier_normal_(w),
    "kaiming_normal(relu)": lambda w: init.kaiming_normal_(w, nonlinearity="relu"),
}
results = {}
for act_name, act in (("tanh", nn.Tanh()), ("relu", nn.ReLU())):
    for name, fn in schemes.items():
        results[act_name, name] = layer_stds(act, fn)
        stds = results[act_name, name][0]
        print(f"{act_name:>4} {name:<22} std after layer 1: {stds[0]:9.3g}   "
              f"after layer {depth}: {stds[-1]:9.3g}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
for ax, act_name in zip(axes, ("tanh", "relu")):
    for name in schemes:
        stds = results[act_name, name][0]
        ax.semilogy(range(1, depth + 1), [max(s, 1e-30) for s in stds], label=name)
    ax.set_title(f"{act_name}: activation std per layer")
    ax.set_xlabel("layer")
axes[0].set_ylabel("std (log scale)")
axes[0].legend(fontsize=8)
ctx.savefig(fig, "activation_std_per_layer.png")

# %% [markdown]
# What the numbers say (asserted):
#
# - too small (`N(0, 0.01^2)`): each layer multiplies by about `sqrt(width) * 0.01`, the
#   signal is gone after a few layers, for either activation.
# - too large (`N(0, 1)`) with ReLU: each layer multiplies by `sqrt(width / 2)`, the signal
#   explodes (in a deep enough net past float32's range, to inf and nan); with tanh the units
#   saturate at +-1 (std near 1: the output is a sign pattern).
# - Xavier keeps tanh alive; Kaiming keeps ReLU at the same order of magnitude throughout.

# %%
s = {k: v[0] for k, v in results.items()}
g = {k: v[1] for k, v in results.items()}
assert s["tanh", "N(0, 0.01^2)"][-1] < 1e-10 and s["relu", "N(0, 0.01^2)"][-1] < 1e-10
exploded = s["relu", "N(0, 1)"][-1]
assert exploded > 1e20 or not math.isfinite(exploded)  # deeper nets overflow float32: nan
assert s["tanh", "N(0, 1)"][-1] > 0.9  # saturated
assert 0.05 < s["tanh", "xavier_normal"][-1] < 1.0
relu_kaiming = s["relu", "kaiming_normal(relu)"]
assert 0.1 < relu_kaiming[-1] / relu_kaiming[0] < 10
print(f"kaiming + relu: std {relu_kaiming[0]:.3f} at layer 1, {relu_kaiming[-1]:.3f} at layer "
      f"{depth}")

# %% [markdown]
# The forward pass hides the problem of `N(0, 1)` with tanh (its std stays near 1), the
# backward pass does not: each layer multiplies the gradient by `W^T` (size ~`sqrt(width)`)
# and by tanh' (small but not small enough), so the first layer's weight gradient explodes.
# With Xavier it stays moderate.

# %%
sat, xav = g["tanh", "N(0, 1)"][0], g["tanh", "xavier_normal"][0]
print(f"tanh, first-layer weight-gradient std: N(0,1) {sat:.2e}  vs  xavier {xav:.2e}")
assert sat > 1e4 * xav

# %% [markdown]
# ## 2. The gain of each scheme, measured
# `kaiming_normal_(nonlinearity="relu")` draws with std `sqrt(2 / fan_in)`; measured on a big
# matrix:

# %%
w = torch.empty(1024, 2048)
init.kaiming_normal_(w, nonlinearity="relu")
print(f"kaiming relu: measured std {w.std():.4f}, formula sqrt(2/2048) = {math.sqrt(2 / 2048):.4f}")
assert abs(w.std().item() - math.sqrt(2 / 2048)) < 1e-3
init.xavier_normal_(w)
print(f"xavier: measured std {w.std():.4f}, formula sqrt(2/(2048+1024)) = "
      f"{math.sqrt(2 / 3072):.4f}")
assert abs(w.std().item() - math.sqrt(2 / 3072)) < 1e-3

# %% [markdown]
# ## 3. Numerical stability inside a layer: softmax and log-softmax
# `exp(1000)` overflows to `inf`, so the textbook `exp(x) / sum(exp(x))` returns `nan` for
# large logits. Softmax does not change when a constant is subtracted from every logit, so
# `dlfs.nn.functional.softmax` subtracts the row maximum first. Likewise `log(softmax(x))`
# underflows to `-inf` for a very unlikely class, while `log_softmax` computes
# `(x - m) - log(sum(exp(x - m)))` directly.

# %%
logits = torch.tensor([[1000.0, 999.0, 0.0]])
naive = torch.exp(logits) / torch.exp(logits).sum(-1, keepdim=True)
stable = F.softmax(logits, dim=-1)
print("naive softmax:", naive, "  stable softmax:", stable)
assert torch.isnan(naive).any() and torch.isfinite(stable).all()
assert torch.allclose(stable, torch.softmax(logits.double(), -1).float())
log_naive = torch.log(F.softmax(logits, dim=-1))
log_stable = F.log_softmax(logits, dim=-1)
print("log(softmax):", log_naive, "  log_softmax:", log_stable)
assert torch.isinf(log_naive[0, 2]) and torch.isfinite(log_stable).all()
assert abs(log_stable[0, 2].item() - (-1000.0 - math.log1p(math.exp(-1)))) < 1e-3
