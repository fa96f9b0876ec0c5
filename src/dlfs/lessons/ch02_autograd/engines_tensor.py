# %% [markdown]
# # Chapter 1.2 · A NumPy tensor autograd engine, side by side with torch.autograd — 从零实现 NumPy 张量自动微分引擎
#
# **Library files:** `src/dlfs/autograd/tensor.py` (`Tensor`, the backward pass, `no_grad`),
# `src/dlfs/autograd/tensor_ops.py` (every op with its vector–Jacobian product),
# `src/dlfs/autograd/tensor_functions.py` (`softmax`, `log_softmax`, `cross_entropy`),
# `src/dlfs/autograd/tensor_layers.py` (`Linear`, `MLP`, `SGD`), `src/dlfs/recipes/numpy_digits.py`,
# `src/dlfs/autograd/drawing.py`, `src/dlfs/autograd/gradcheck.py`.
#
# The scalar engine makes one node per number. A tensor engine makes one node per *array
# operation*: `X @ W` on a (256, 64) and a (64, 256) array is one node, not 4 million. The
# chain rule is the same, but the local derivative becomes a **vector–Jacobian product
# (VJP)**: given g = dL/d(out), with out's shape, each op returns dL/d(input) = gᵀ·∂out/∂input
# with the input's shape, without ever building the Jacobian. For `out = A @ B` that is
# `g @ Bᵀ` and `Aᵀ @ g`. Everything below is checked against torch.autograd.

# %%
import numpy as np
import torch

from dlfs.autograd import (
    ShapeError,
    Tensor,
    Value,
    cross_entropy,
    gradcheck,
    no_grad,
    softmax,
)
from dlfs.autograd.drawing import draw_graph, nodes
from dlfs.autograd.tensor_layers import MLP
from dlfs.curriculum import lesson_context
from dlfs.metrics import accuracy
from dlfs.playground import compare
from dlfs.recipes.numpy_digits import load_digits_split, predict, train_digits_mlp

ctx = lesson_context("engines-tensor")
rng = np.random.default_rng(0)


def torch_twin(t: Tensor) -> torch.Tensor:
    """A torch leaf with the same values (float64 stays float64)."""
    return torch.tensor(t.data, requires_grad=t.requires_grad)


# %% [markdown]
# ## 1. The neuron again, now for a batch — three engines agree
# L = mean_b tanh(X_b · w + c) for X of shape (B, 2). The `Tensor` engine does it with one
# matmul; the `Value` engine needs a loop over rows; torch does what `Tensor` does.

# %%
X = Tensor(rng.standard_normal((5, 2)))  # (B, 2), a constant input
w = Tensor([[-3.0], [1.0]], requires_grad=True)  # (2, 1)
c = Tensor([0.5], requires_grad=True)  # (1,), broadcast over the batch
L = (X @ w + c).tanh().mean()  # (5, 1) -> ()
L.backward()

tw, tc = torch_twin(w), torch_twin(c)
(torch.from_numpy(X.data) @ tw + tc).tanh().mean().backward()

vw = [Value(v) for v in w.data.ravel()]
vc = Value(c.data.item())
scalar_loss = sum(((r[0] * vw[0] + r[1] * vw[1] + vc).tanh() for r in X.data.tolist()),
                  Value(0.0)) * (1 / 5)
scalar_loss.backward()

print("dL/dw  Tensor:", w.grad.ravel(), " torch:", tw.grad.numpy().ravel(),
      " Value:", [v.grad for v in vw])
print("dL/dc  Tensor:", c.grad, " torch:", tc.grad.numpy(), " Value:", vc.grad)
assert np.allclose(w.grad, tw.grad.numpy(), rtol=1e-12)
assert np.allclose(w.grad.ravel(), [v.grad for v in vw], rtol=1e-12)
assert np.allclose(c.grad, [vc.grad], rtol=1e-12) and np.allclose(c.grad, tc.grad.numpy())
print("graph of L:", [n.op or "leaf" for n in nodes(L)])

# %% [markdown]
# ## 2. Broadcasting sends gradients back summed
# `c` has shape (1,) but was added to a (5, 1) array: it was copied five times, so each copy's
# gradient flows back and is summed (`unbroadcast`). Same for a bias row over a batch:

# %%
x = Tensor(rng.standard_normal((4, 3)), requires_grad=True)  # (B, C)
bias = Tensor(rng.standard_normal(3), requires_grad=True)  # (C,)
((x + bias) ** 2).sum().backward()
tx, tb = torch_twin(x), torch_twin(bias)
((tx + tb) ** 2).sum().backward()
print("bias.grad =", bias.grad.round(4), "= column sums of 2(x + bias):",
      (2 * (x.data + bias.data)).sum(axis=0).round(4))
assert bias.grad.shape == (3,) and np.allclose(bias.grad, tb.grad.numpy())
assert np.allclose(bias.grad, (2 * (x.data + bias.data)).sum(axis=0))

# %% [markdown]
# ## 3. Backward of a non-scalar is a VJP; one-hot g's recover the Jacobian
# `out.backward(g)` computes gᵀJ. With g = e_i (one-hot) it returns row i of the Jacobian J.
# For softmax the Jacobian is known in closed form: J = diag(s) − s sᵀ.

# %%
z = Tensor(rng.standard_normal(4), requires_grad=True)
rows = []
for i in range(4):
    z.zero_grad()
    softmax(z).backward(np.eye(4)[i])  # g = e_i
    rows.append(z.grad)
J = np.stack(rows)  # (4, 4)
s = softmax(z).data
J_ref = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, 0),
                                           torch.from_numpy(z.data))
print("Jacobian of softmax (rows from backward):\n", J.round(4))
assert np.allclose(J, np.diag(s) - np.outer(s, s)) and np.allclose(J, J_ref.numpy())
try:
    softmax(z).backward()
except RuntimeError as err:
    print("backward() on a (4,) output without g:", err)

# %% [markdown]
# ## 4. Indexing scatters gradients back, adding repeats
# Picking `x[[0, 2, 2]]` uses row 2 twice, so row 2 receives two gradients (`np.add.at`).
# Cross-entropy is built exactly this way: log-softmax, then pick each row's target column.

# %%
x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
x[np.array([0, 2, 2])].sum().backward()
print("grad of x[[0, 2, 2]].sum():\n", x.grad)
assert np.array_equal(x.grad, [[1, 1], [0, 0], [2, 2]])

# %% [markdown]
# ## 5. Numerically stable softmax and cross-entropy
# e^1000 overflows float64. Subtracting the row maximum first changes nothing mathematically
# (softmax(x) = softmax(x − m)) and keeps every exponent ≤ 0.

# %%
logits = Tensor([[1000.0, 10.0, -5.0], [0.0, 1.0, 2.0]], requires_grad=True)  # (B=2, C=3)
targets = np.array([0, 2])
with np.errstate(over="ignore", invalid="ignore"):
    e = np.exp(logits.data)
    naive = -np.log(e[np.arange(2), targets] / e.sum(axis=1)).mean()
loss = cross_entropy(logits, targets)
t_logits = torch_twin(logits)
ref = torch.nn.functional.cross_entropy(t_logits, torch.from_numpy(targets))
ref.backward()
loss.backward()
print(f"naive formula: {naive}   cross_entropy: {loss.item():.6f}   torch: {ref.item():.6f}")
assert np.isnan(naive) and np.isfinite(loss.item())
assert np.isclose(loss.item(), ref.item()) and np.allclose(logits.grad, t_logits.grad.numpy())

# %% [markdown]
# ## 6. Errors that say what went wrong, and gradcheck
# An op on shapes that do not fit names the op and both shapes. `gradcheck` compares the
# whole Jacobian with central differences, on our engine and on torch alike.

# %%
try:
    Tensor(np.ones((3, 4))) @ Tensor(np.ones((5, 2)))
except ShapeError as err:
    print("ShapeError:", err)
    assert "(3, 4)" in str(err) and "(5, 2)" in str(err) and "4 != 5" in str(err)
A, B = Tensor(rng.standard_normal((3, 4))), Tensor(rng.standard_normal((4, 2)))
assert gradcheck(lambda a, b: cross_entropy((a @ b).tanh(), np.array([0, 1, 1])), A, B)
assert gradcheck(lambda a, b: torch.tanh(a @ b), torch.from_numpy(A.data), torch.from_numpy(B.data))
print("gradcheck passed for the Tensor engine and for torch")

# %% [markdown]
# ## 7. Train an MLP on the digits with the NumPy engine
# scikit-learn's 8×8 digits (1797 images, no download), a seeded 80/20 split, standardized.
# MLP 64 → 64 → ReLU → 10, cross-entropy, SGD with momentum. First its graph for one batch:

# %%
data = load_digits_split(seed=0)
print("train", data.x_train.shape, data.x_train.dtype, " test", data.x_test.shape)
probe = MLP([64, 64, 10], seed=0)
batch_loss = cross_entropy(probe(Tensor(data.x_train[:32])), data.y_train[:32])
ctx.savefig(draw_graph(batch_loss, title="cross_entropy(MLP(x), y): one node per array op"),
            "mlp_dag.png")
assert len(nodes(batch_loss)) < 20  # a handful of array nodes, whatever the batch size

epochs = 5 if ctx.quick else 30
model, history = train_digits_mlp(data, hidden=(64,), epochs=epochs, seed=0)
test_acc = accuracy(predict(model, data.x_test), data.y_test)
for epoch, value in enumerate(history, 1):
    print(f"epoch {epoch:2d}  mean training loss {value:.4f}")
print(f"test accuracy: {test_acc:.3f}")
assert test_acc >= 0.95 and history[-1] < history[0]
assert model.layers[0].weight.grad.dtype == np.float32  # float32 all the way

import matplotlib.pyplot as plt  # noqa: E402

fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(range(1, epochs + 1), history, marker="o")
ax.set(xlabel="epoch", ylabel="mean training loss", yscale="log",
       title=f"digits MLP, NumPy engine: test accuracy {test_acc:.1%}")
ctx.savefig(fig, "digits_loss.png")

# %% [markdown]
# ## 8. How fast is it next to torch?
# One training step each (same sizes, float32), timed in the same run. Both spend most of the
# time in the same BLAS matrix products; the NumPy engine adds a little Python per node.
# `python benchmarks/run_all.py --only numpy_engine` measures the 64→256→256→10 MLP properly.

# %%
xb, yb = data.x_train[:256], data.y_train[:256]
ours = MLP([64, 256, 256, 10], seed=0)
ref_model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 10))
txb, tyb = torch.from_numpy(xb), torch.from_numpy(yb)


def step_ours():
    ours.zero_grad()
    cross_entropy(ours(Tensor(xb)), yb).backward()


def step_torch():
    ref_model.zero_grad()
    torch.nn.functional.cross_entropy(ref_model(txb), tyb).backward()


results = compare({"numpy engine": step_ours, "torch eager": step_torch},
                  repeat=3 if ctx.quick else 50)
with no_grad():
    assert not ours(Tensor(xb)).requires_grad  # inference records no graph
