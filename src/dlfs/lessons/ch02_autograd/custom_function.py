# %% [markdown]
# # Autograd 07 · Custom autograd Functions — 自定义 autograd Function
#
# **Library files:** `src/dlfs/nn/functional/custom.py` (`ReLUFunction`, `RoundSTE`: the two
# Functions below, as the library keeps them); `src/dlfs/autograd/scalar.py` and
# `src/dlfs/autograd/tensor.py` define each op's backward by hand in the same way;
# `src/dlfs/autograd/gradcheck.py` checks them.
#
# A `torch.autograd.Function` pairs a `forward` (any tensor code, run without recording) with
# a `backward` you write: given dL/d(output), return dL/d(input) for every input.
# `ctx.save_for_backward` keeps what backward needs. Three examples, each proven with
# `torch.autograd.gradcheck` (float64 finite differences) or, where the backward is
# deliberately *not* the true derivative, with the rule it implements:
#
# 1. **ReLU** — backward passes the gradient where x > 0.
# 2. **Straight-through estimator** — forward rounds (derivative 0 almost everywhere), backward
#    pretends it was the identity, so quantized models can train.
# 3. **A multi-input function** — `linear(x, W, b) = x Wᵀ + b` with three gradients, some of
#    which may be skipped (`ctx.needs_input_grad`).

# %%
import matplotlib.pyplot as plt
import torch
from torch.autograd import Function, gradcheck

from dlfs.curriculum import lesson_context

ctx_lesson = lesson_context("custom-function")
torch.manual_seed(0)

# %% [markdown]
# ## 1. ReLU
# y = max(x, 0);  dL/dx = dL/dy · [x > 0].

# %%
class MyReLU(Function):
    """ReLU with a hand-written backward. Shapes: any, elementwise."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_y: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return grad_y * (x > 0).to(grad_y.dtype)


x = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
y = MyReLU.apply(x)
print("y.grad_fn:", type(y.grad_fn).__name__)
assert torch.equal(y, torch.relu(x))
x_away = x.detach().clone()
x_away[x_away.abs() < 1e-3] = 0.1  # finite differences are wrong right at the kink
assert gradcheck(MyReLU.apply, (x_away.requires_grad_(),))
g = torch.randn(4, 5, dtype=torch.float64)
(gx,) = torch.autograd.grad(MyReLU.apply(x), x, g)
(gx_ref,) = torch.autograd.grad(torch.relu(x), x, g)
assert torch.equal(gx, gx_ref)
print("MyReLU passes gradcheck and matches torch.relu's gradient")

# %% [markdown]
# ## 2. The straight-through estimator (STE)
# Rounding has zero derivative almost everywhere, so nothing upstream would learn. The STE
# keeps `round` in the forward and uses the identity's derivative in the backward
# (optionally only inside the clipping range, as here: |x| ≤ 1 for values clamped to [-1, 1]).

# %%
class RoundSTE(Function):
    """y = round(clamp(x, -1, 1) * levels) / levels; dL/dx = dL/dy · [|x| <= 1]."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, levels: int) -> torch.Tensor:
        ctx.save_for_backward(x)
        return torch.round(x.clamp(-1, 1) * levels) / levels

    @staticmethod
    def backward(ctx, grad_y: torch.Tensor):
        (x,) = ctx.saved_tensors
        return grad_y * (x.abs() <= 1).to(grad_y.dtype), None  # no gradient for `levels`


xs = torch.linspace(-1.5, 1.5, 301, dtype=torch.float64, requires_grad=True)
q = RoundSTE.apply(xs, 4)
q.sum().backward()
assert torch.equal(xs.grad, (xs.detach().abs() <= 1).double())
plain = torch.linspace(-1.5, 1.5, 301, dtype=torch.float64, requires_grad=True)
torch.round(plain.clamp(-1, 1) * 4).sum().backward()
print(f"round's own gradient is all zeros: {bool((plain.grad == 0).all())}; "
      f"STE passes {int(xs.grad.sum())} of {xs.numel()} gradients")
assert (plain.grad == 0).all()
# gradcheck would (rightly) reject the STE: its backward is not the derivative.
assert not gradcheck(lambda t: RoundSTE.apply(t, 4), (torch.tensor([0.3], dtype=torch.float64,
                                                                    requires_grad=True),),
                     raise_exception=False)
# The same trick without a Function (identity gradient everywhere, no clipping range):
# x + (round(x) - x).detach() has the rounded value but the derivative of x.
trick_x = xs.detach().clone().requires_grad_()
trick = trick_x + (torch.round(trick_x.clamp(-1, 1) * 4) / 4 - trick_x).detach()
trick.sum().backward()
assert torch.equal(trick, q) and torch.equal(trick_x.grad, torch.ones_like(trick_x))

# %% [markdown]
# ## 3. STE in action: a weight that can only take quantized values still learns
# Fit a scalar w so that round(w·4)/4 · x ≈ 0.75 x.

# %%
w = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
data = torch.randn(64, dtype=torch.float64)
for _ in range(50 if ctx_lesson.quick else 200):
    loss = ((RoundSTE.apply(w, 4) * data - 0.75 * data) ** 2).mean()
    w.grad = None
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
print(f"learned w = {w.item():.3f}, quantized to {RoundSTE.apply(w, 4).item():.2f}")
assert RoundSTE.apply(w, 4).item() == 0.75

# %% [markdown]
# ## 4. A multi-input function: linear(x, W, b) = x Wᵀ + b
# With Y = X Wᵀ + b and G = dL/dY:  dL/dX = G W,  dL/dW = Gᵀ X,  dL/db = Σ_rows G.
# `ctx.needs_input_grad` tells backward which ones are wanted.

# %%
class MyLinear(Function):
    """x (N, Cin), weight (Cout, Cin), bias (Cout,) -> (N, Cout)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        return x @ weight.T + bias  # (N, Cout)

    @staticmethod
    def backward(ctx, grad_y):
        x, weight = ctx.saved_tensors
        grad_x = grad_y @ weight if ctx.needs_input_grad[0] else None     # (N, Cin)
        grad_w = grad_y.T @ x if ctx.needs_input_grad[1] else None        # (Cout, Cin)
        grad_b = grad_y.sum(0) if ctx.needs_input_grad[2] else None       # (Cout,)
        calls.append(tuple(g is not None for g in (grad_x, grad_w, grad_b)))
        return grad_x, grad_w, grad_b


calls: list[tuple[bool, ...]] = []
X = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
W = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
bvec = torch.randn(2, dtype=torch.float64, requires_grad=True)
assert gradcheck(MyLinear.apply, (X, W, bvec))
assert torch.allclose(MyLinear.apply(X, W, bvec), torch.nn.functional.linear(X, W, bvec))
calls.clear()
MyLinear.apply(X.detach(), W, bvec).sum().backward()  # input needs no gradient
print("gradients computed when x does not require grad (x, W, b):", calls[-1])
assert calls[-1] == (False, True, True)

# %% [markdown]
# ## 5. Picture: the STE's forward and backward

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
xn = xs.detach().numpy()
axes[0].plot(xn, q.detach().numpy(), label="forward: round(clamp(x)·4)/4")
axes[0].plot(xn, xn, "k:", label="identity")
axes[0].legend()
axes[1].plot(xn, xs.grad.numpy(), label="STE backward")
axes[1].plot(xn, plain.grad.numpy(), "--", label="true derivative of round")
axes[1].legend()
axes[1].set_title("gradient passed back")
ctx_lesson.savefig(fig, "straight_through.png")

print("\nNext: `dlfs run tensor-interop` (autograd 08).")
