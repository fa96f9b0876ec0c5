# %% [markdown]
# # Day 8 · Autograd: requires_grad, backward, detach — Autograd 机制
#
# **Library files:** `src/dlfs/playground/` (`inspect`); the from-scratch engines that do
# the same job live in `src/dlfs/autograd/`.
#
# Autograd records every operation on tensors that `require_grad` into a graph, then walks it
# backwards applying the chain rule. Here we check it against derivatives worked out by hand,
# and meet the three behaviours that trip people up: gradients *accumulate*, `no_grad` stops
# recording, and `detach` cuts a tensor out of the graph.

# %%
import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context
from dlfs.playground import inspect

ctx = lesson_context("autograd-basics")
torch.manual_seed(0)

# %% [markdown]
# ## 1. A derivative we can do by hand
# For y = Σ (w·x + b)², dy/dw = Σ 2(w·x + b)·x and dy/db = Σ 2(w·x + b).

# %%
x = torch.linspace(-1, 1, 5, dtype=torch.float64)
w = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
b = torch.tensor(-0.2, dtype=torch.float64, requires_grad=True)
y = ((w * x + b) ** 2).sum()
y.backward()
r = (w * x + b).detach()
by_hand_w, by_hand_b = (2 * r * x).sum(), (2 * r).sum()
print(f"dy/dw autograd={w.grad.item():.6f}  by hand={by_hand_w.item():.6f}")
print(f"dy/db autograd={b.grad.item():.6f}  by hand={by_hand_b.item():.6f}")
assert torch.allclose(w.grad, by_hand_w) and torch.allclose(b.grad, by_hand_b)

# %% [markdown]
# ## 2. Leaves and grad_fn
# Tensors you create with `requires_grad=True` are *leaves*: their `.grad` is filled in.
# Results of operations carry a `grad_fn`, the node that knows how to send gradients back.

# %%
inspect(w, "w")
inspect(y, "y")
assert w.is_leaf and w.grad_fn is None
assert not y.is_leaf and type(y.grad_fn).__name__ == "SumBackward0"
ctx.notice(w.is_leaf and w.grad is not None and not y.is_leaf and y.grad_fn is not None,
           f"w is a leaf and keeps its gradient ({w.grad.item():g} = dy/dw above); y has a "
           "grad_fn instead and keeps none",
           f"w 是叶子节点，保留了梯度（{w.grad.item():g}，即上面的 dy/dw）；y 带有 grad_fn，"
           "不保留梯度")

# %% [markdown]
# ## 3. The accumulation trap
# `backward()` *adds* into `.grad`. Calling it twice without zeroing doubles the gradient —
# which is why every training loop calls `optimizer.zero_grad()`.

# %%
first = w.grad.clone()
((w * x + b) ** 2).sum().backward()
print(f"after a second backward: {w.grad.item():.6f} = 2 × {first.item():.6f}")
assert torch.allclose(w.grad, 2 * first)
w.grad = None  # what zero_grad(set_to_none=True) does
b.grad = None

# %% [markdown]
# ## 4. no_grad and detach
# Inside `torch.no_grad()` nothing is recorded (evaluation, weight updates). `detach()`
# returns a tensor sharing the same memory but outside the graph: gradients stop there.

# %%
with torch.no_grad():
    z = w * 3
print("under no_grad: requires_grad =", z.requires_grad)
assert not z.requires_grad

d = w.detach()
assert d.data_ptr() == w.data_ptr() and not d.requires_grad
out = (w * d) ** 2  # d is treated as a constant 0.7
out.backward()
# d(w·c)²/dw = 2·w·c², with c = w's value held constant
expected = 2 * w.detach() * d**2
print(f"gradient through w only: {w.grad.item():.6f} (expected {expected.item():.6f})")
assert torch.allclose(w.grad, expected)

# %% [markdown]
# ## 5. backward needs a scalar, or an explicit gradient
# For a vector output, `backward` needs the vector v of the vector–Jacobian product vᵀJ.

# %%
v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
u = v**2
try:
    u.backward()
except RuntimeError as exc:
    message = str(exc)
    print("u.backward() on a vector:", message)
    assert "scalar outputs" in message
u.backward(torch.ones(3))
assert torch.equal(v.grad, 2 * v.detach())
print("with gradient=ones: v.grad =", v.grad.tolist())

# %% [markdown]
# ## 6. The accumulation trap in a training loop
# Fit w in y = 3x by gradient descent, once zeroing the gradient each step and once
# forgetting to. Without zeroing, step t uses the *sum* of all gradients so far: the
# update keeps its momentum past the minimum and the loss oscillates instead of settling.

# %%
xs = torch.linspace(-1, 1, 32, dtype=torch.float64)
ys = 3 * xs


def fit(zero_grad: bool, steps: int) -> list[float]:
    """Gradient descent on w for the mean squared error; returns the loss per step."""
    w_fit = torch.zeros((), dtype=torch.float64, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = ((w_fit * xs - ys) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w_fit -= 0.3 * w_fit.grad
        if zero_grad:
            w_fit.grad = None
    return losses


n_steps = 40 if ctx.quick else 100
good, trapped = fit(True, n_steps), fit(False, n_steps)
print(f"final loss with zeroing {good[-1]:.2e}, without {trapped[-1]:.2e}")
assert good[-1] < 1e-6 and trapped[-1] > 100 * good[-1]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogy(good, label="grad zeroed every step")
ax.semilogy(trapped, label="grad never zeroed (accumulates)")
ax.set_xlabel("step")
ax.set_ylabel("loss")
ax.set_title("the accumulation trap")
ax.legend()
ctx.savefig(fig, "accumulation_trap.png")
print("\nDay 8 done. The autograd series goes deeper: `dlfs list --track autograd`.")
