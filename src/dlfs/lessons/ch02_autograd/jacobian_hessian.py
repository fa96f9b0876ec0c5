# %% [markdown]
# # Autograd 05 · VJP, Jacobian and Hessian — 向量-雅可比积、雅可比矩阵与黑塞矩阵
#
# **Library files:** `src/dlfs/autograd/gradcheck.py` (finite differences, the independent
# check); this lesson uses `torch.autograd.functional` and `torch.func`.
#
# Reverse mode computes **vector–Jacobian products**: for y = f(x) and a vector v shaped like
# y, `y.backward(v)` gives `vᵀ J` — one pass, whatever the size of x. A full Jacobian needs
# one VJP per output (reverse mode) or one JVP per input (forward mode). The Hessian is the
# Jacobian of the gradient; a Hessian–vector product needs only two backward passes.
#
# Every result is compared with a formula worked out by hand:
#
# | f | Jacobian / Hessian by hand |
# |---|---|
# | f(x) = A x | J = A |
# | f(x) = softmax(x) | J = diag(s) − s sᵀ |
# | f(x) = xᵀ M x | ∇f = (M + Mᵀ) x, H = M + Mᵀ |
# | f(x) = Σ log(1 + exp(xᵢ)) | H = diag(σ(x)(1 − σ(x))) |

# %%
import matplotlib.pyplot as plt
import torch
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vjp
from torch.func import hessian as func_hessian
from torch.func import jacfwd, jacrev, vmap
from torch.utils.flop_counter import FlopCounterMode

from dlfs.curriculum import lesson_context
from dlfs.playground import compare

ctx = lesson_context("jacobian-hessian")
torch.manual_seed(0)
dt = torch.float64

# %% [markdown]
# ## 1. `backward(v)` is a vector–Jacobian product
# For f(x) = A x (A is 4×3) the Jacobian is A, so vᵀ J = vᵀ A.

# %%
A = torch.randn(4, 3, dtype=dt)
x = torch.randn(3, dtype=dt, requires_grad=True)
v = torch.randn(4, dtype=dt)
(A @ x).backward(v)
print("x.grad after (A x).backward(v):", [round(g, 4) for g in x.grad.tolist()])
assert torch.allclose(x.grad, v @ A)
_, vjp_result = vjp(lambda t: A @ t, x.detach(), v)
_, jvp_result = jvp(lambda t: A @ t, x.detach(), torch.ones(3, dtype=dt))  # J u
assert torch.allclose(vjp_result, v @ A) and torch.allclose(jvp_result, A.sum(1))
assert torch.allclose(jacobian(lambda t: A @ t, x.detach()), A)

# %% [markdown]
# ## 2. The softmax Jacobian: diag(s) − s sᵀ
# Four ways to the same 5×5 matrix: the hand formula, `autograd.functional.jacobian`,
# `torch.func.jacrev` (reverse mode, row by row) and `torch.func.jacfwd` (forward mode).

# %%
z = torch.randn(5, dtype=dt)
s = torch.softmax(z, 0)
J_hand = torch.diag(s) - torch.outer(s, s)  # (5, 5)
J_functional = jacobian(lambda t: torch.softmax(t, 0), z)
J_rev = jacrev(lambda t: torch.softmax(t, 0))(z)
J_fwd = jacfwd(lambda t: torch.softmax(t, 0))(z)
for name, J in [("functional.jacobian", J_functional), ("func.jacrev", J_rev),
                ("func.jacfwd", J_fwd)]:
    print(f"{name:<20} max |J - hand| = {(J - J_hand).abs().max():.1e}")
    assert torch.allclose(J, J_hand)
assert torch.allclose(J_hand.sum(0), torch.zeros(5, dtype=dt))  # softmax sums to 1 always
rows = []
for i in range(5):  # reverse mode by hand: one backward per output
    zi = z.clone().requires_grad_()
    torch.softmax(zi, 0)[i].backward()
    rows.append(zi.grad)
assert torch.allclose(torch.stack(rows), J_hand)

# %% [markdown]
# ## 3. Batched Jacobians with `vmap`
# For a batch of inputs, `vmap(jacrev(f))` gives one Jacobian per example: (B, 5, 5).

# %%
Z = torch.randn(8, 5, dtype=dt)
J_batch = vmap(jacrev(lambda t: torch.softmax(t, 0)))(Z)  # (8, 5, 5)
S = torch.softmax(Z, 1)
J_batch_hand = torch.diag_embed(S) - S[:, :, None] * S[:, None, :]  # (8, 5, 5)
print("batched Jacobian shape:", tuple(J_batch.shape))
assert torch.allclose(J_batch, J_batch_hand)

# %% [markdown]
# ## 4. Hessians: f(x) = xᵀ M x has H = M + Mᵀ

# %%
M = torch.randn(4, 4, dtype=dt)
x0 = torch.randn(4, dtype=dt)


def quad(t: torch.Tensor) -> torch.Tensor:
    return t @ M @ t


H_hand = M + M.T
H_functional = hessian(quad, x0)
H_func = func_hessian(quad)(x0)
xg = x0.clone().requires_grad_()
(g,) = torch.autograd.grad(quad(xg), xg, create_graph=True)  # keep the graph of the gradient
assert torch.allclose(g, H_hand @ x0)
H_rows = torch.stack([torch.autograd.grad(g[i], xg, retain_graph=True)[0] for i in range(4)])
for name, H in [("functional.hessian", H_functional), ("func.hessian", H_func),
                ("double backward", H_rows)]:
    assert torch.allclose(H, H_hand), name
print("Hessian of xᵀMx equals M + Mᵀ three ways")

# %% [markdown]
# ## 5. Hessian–vector products without the Hessian
# H u = ∇(∇f · u): differentiate the scalar g·u once more. Two backward passes, no n×n matrix.

# %%
u = torch.randn(4, dtype=dt)
(Hu,) = torch.autograd.grad(g @ u, xg, retain_graph=True)
_, Hu_functional = hvp(quad, x0, u)
assert torch.allclose(Hu, H_hand @ u) and torch.allclose(Hu_functional, H_hand @ u)

# softplus sum: H = diag(σ(x)(1 − σ(x))), a diagonal Hessian
xs = torch.randn(6, dtype=dt)
H_sp = hessian(lambda t: torch.nn.functional.softplus(t).sum(), xs)
sig = torch.sigmoid(xs)
assert torch.allclose(H_sp, torch.diag(sig * (1 - sig)))
print("Hessian-vector product and the softplus Hessian match their formulas")

# %% [markdown]
# ## 6. Cost: reverse mode wins for many inputs, forward mode for many outputs
# For f: Rⁿ → R (a loss), the gradient is one reverse pass but n forward (JVP) passes —
# `jacfwd` batches those n passes with `vmap`, yet still does n times the work. The work is
# counted (torch's `FlopCounterMode` adds up the FLOPs of the matrix products) and asserted;
# the timings are printed for a feel of it, not asserted (a shared machine makes them vary).

# %%
n = 100 if ctx.quick else 2000
w_vec = torch.randn(n, n, dtype=dt) / n ** 0.5
point_n = torch.randn(n, dtype=dt)


def loss_fn(t: torch.Tensor) -> torch.Tensor:
    """R^n -> R."""
    return torch.tanh(w_vec @ t).sum()


assert torch.allclose(jacrev(loss_fn)(point_n), jacfwd(loss_fn)(point_n))
timings = compare({"jacrev (1 reverse pass)": lambda: jacrev(loss_fn)(point_n),
                   f"jacfwd ({n} forward passes)": lambda: jacfwd(loss_fn)(point_n)}, repeat=3)
work = {}
for name, transform in (("jacrev", jacrev), ("jacfwd", jacfwd)):
    with FlopCounterMode(display=False) as flops:
        transform(loss_fn)(point_n)
    work[name] = flops.get_total_flops()
print(f"for R^{n} -> R: matrix-product FLOPs jacrev {work['jacrev']:,}, jacfwd "
      f"{work['jacfwd']:,} ({work['jacfwd'] / work['jacrev']:.0f}x the work)")
assert work["jacfwd"] >= n / 2 * work["jacrev"] > 0
print(f"time (shown, not asserted): reverse mode was {timings[1].min / timings[0].min:.0f}x "
      "faster here")

# %% [markdown]
# ## 7. Picture: the softmax Jacobian
# Positive on the diagonal (raising z_i raises s_i), negative elsewhere (it lowers the others).

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
im = axes[0].imshow(J_hand.numpy(), cmap="RdBu_r", vmin=-0.25, vmax=0.25)
axes[0].set_title("J = diag(s) - s sᵀ (hand)")
axes[1].imshow((J_rev - J_hand).numpy(), cmap="RdBu_r", vmin=-1e-15, vmax=1e-15)
axes[1].set_title(f"jacrev - hand (max {float((J_rev - J_hand).abs().max()):.0e})")
fig.colorbar(im, ax=axes[0])
ctx.savefig(fig, "softmax_jacobian.png")
assert (torch.diagonal(J_hand) > 0).all() and (J_hand - torch.diag(torch.diagonal(J_hand)) <= 0).all()

print("\nNext: `dlfs run grad-management` (autograd 06).")
