# %% [markdown]
# # Chapter 1.1 · A scalar autograd engine, side by side with torch.autograd — 从零实现标量自动微分引擎
#
# **Library files:** `src/dlfs/autograd/scalar.py` (`Value`), `src/dlfs/autograd/drawing.py`
# (`to_dot`, `draw_graph`), `src/dlfs/autograd/gradcheck.py`.
#
# Automatic differentiation in reverse mode needs two things:
#
# 1. **a graph**: every operation remembers its inputs, so a result is the root of a DAG
#    (directed acyclic graph) whose leaves are the numbers we started from;
# 2. **local derivatives**: each operation knows d(output)/d(input) for each input.
#
# `backward()` then walks the DAG from the root to the leaves, in reverse topological order,
# and applies the chain rule at every edge:  dL/dparent += dL/dnode · dnode/dparent.
# `Value` does exactly this for single numbers, in under 250 lines with docstrings. We run
# every expression through `Value` *and* through `torch.autograd` and check that the
# gradients agree.

# %%
import gc
import math

import torch

from dlfs.autograd import Value, gradcheck
from dlfs.autograd.drawing import draw_graph, nodes, to_dot
from dlfs.curriculum import lesson_context

ctx = lesson_context("engines-scalar")

# %% [markdown]
# ## 1. One neuron, one graph
# y = tanh(x1·w1 + x2·w2 + b). Each arithmetic step makes a new node; printing the nodes in
# topological order (parents before children) shows the graph the expression built.

# %%
x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
y = (x1 * w1 + x2 * w2 + b).tanh()
y.label = "y"
graph = nodes(y)
for node in graph:
    parents = ", ".join(p.label or p.op for p in node.parents) or "-"
    print(f"{node.label or node.op:>5}  data={node.data:+.4f}   from: {parents}")
assert len(graph) == 10  # 5 leaves, 2 products, 2 sums, 1 tanh
assert math.isclose(y.data, math.tanh(2 * -3 + 0 * 1 + b.data))

# %% [markdown]
# ## 2. Backward: local derivatives times the upstream gradient
# `Value` stores, in every node, d(node)/d(parent) next to the forward value:
# for `a * b` these are `(b, a)`, for `tanh` it is `1 - tanh²`. Backward multiplies them
# along every path from y to a leaf. By hand: dy/dw1 = (1 - y²)·x1, dy/db = (1 - y²).

# %%
y.backward()
for leaf in (x1, x2, w1, w2, b):
    print(f"dy/d{leaf.label} = {leaf.grad:+.4f}")
dpre = 1 - y.data**2
assert math.isclose(w1.grad, dpre * x1.data) and math.isclose(b.grad, dpre)
assert math.isclose(x2.grad, dpre * w2.data) and w2.grad == 0.0  # x2 = 0 blocks w2

# %% [markdown]
# ## 3. The same expression through torch.autograd
# The expression is written **once**, as a function, and called on `Value`s and on 0-d
# float64 torch tensors: both classes support the same operators and methods.

# %%


def neuron(x1, x2, w1, w2, b):
    return (x1 * w1 + x2 * w2 + b).tanh()


def with_both_engines(fn, *numbers):
    """Gradients of fn at numbers from Value and from torch.autograd."""
    ours = [Value(v) for v in numbers]
    fn(*ours).backward()
    ref = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in numbers]
    fn(*ref).backward()
    return [v.grad for v in ours], [t.grad.item() for t in ref]


point = (2.0, 0.0, -3.0, 1.0, b.data)
ours, theirs = with_both_engines(neuron, *point)
print("Value :", [f"{g:+.6f}" for g in ours])
print("torch :", [f"{g:+.6f}" for g in theirs])
assert all(math.isclose(o, t, rel_tol=1e-12, abs_tol=1e-15) for o, t in zip(ours, theirs))

# A harder one: division, powers, exp, log, sigmoid, relu and a node used twice.


def messy(a, c):
    s = a * c + 1.5  # used twice below: its gradient is the sum over both paths
    return (s**2 / (c * c + 1)).log() + (s.sigmoid() + 1.0 / a).relu() * (-a).exp()


ours, theirs = with_both_engines(messy, 0.7, -1.3)
print("messy: Value", [f"{g:+.8f}" for g in ours], " torch", [f"{g:+.8f}" for g in theirs])
assert all(math.isclose(o, t, rel_tol=1e-12) for o, t in zip(ours, theirs))

# %% [markdown]
# ## 4. Look at the DAG
# `to_dot` gives Graphviz text (paste it into any dot viewer); `draw_graph` draws the same
# DAG with matplotlib: leaves on the left, the output on the right, each node with its data
# and gradient after backward.

# %%
dot = to_dot(y)
print("\n".join(dot.splitlines()[:6]), "\n  ...")
assert dot.count("->") == sum(len(n.parents) for n in graph) == 9
fig = draw_graph(y, title="y = tanh(x1·w1 + x2·w2 + b) after backward")
ctx.savefig(fig, "neuron_dag.png")

# %% [markdown]
# ## 5. Check the calculus numerically
# Central differences, (f(x+ε) − f(x−ε)) / 2ε, approximate each derivative with error O(ε²).
# `gradcheck` compares them with backward for every input; it works on torch functions too.

# %%
assert gradcheck(messy, Value(0.7), Value(-1.3))
assert gradcheck(messy, torch.tensor(0.7, dtype=torch.float64),
                 torch.tensor(-1.3, dtype=torch.float64))
print("gradcheck: Value and torch versions of messy() both agree with finite differences")

# %% [markdown]
# ## 6. A graph without reference cycles
# A node points only to its parents and stores its local derivatives as numbers (no closure
# that refers back to the node). So when the loss goes away, reference counting frees the
# whole graph at once and Python's cyclic garbage collector finds nothing; engines whose
# nodes form cycles can spend most of a training step inside that collector.
#
# Below: a 2 → 4 → 1 tanh network learns XOR with the scalar engine.

# %%
rng = torch.Generator().manual_seed(0)
init = (torch.rand(17, generator=rng, dtype=torch.float64) * 2 - 1).tolist()
W1 = [[Value(init[3 * j]), Value(init[3 * j + 1])] for j in range(4)]  # 4 hidden neurons
B1 = [Value(init[3 * j + 2]) for j in range(4)]
W2, B2 = [Value(v) for v in init[12:16]], Value(init[16])
params = [w for row in W1 for w in row] + B1 + W2 + [B2]
data = [((0.0, 0.0), -1.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), -1.0)]


def predict(x):
    hidden = [(w[0] * x[0] + w[1] * x[1] + c).tanh() for w, c in zip(W1, B1)]
    return sum((v * h for v, h in zip(W2, hidden)), B2).tanh()


gc.collect()
gc.disable()  # count what the collector would find
losses = []
for _ in range(150 if ctx.quick else 500):
    loss = sum((predict(x) - t) ** 2 for x, t in data) * 0.25
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= 0.5 * p.grad
    losses.append(loss.data)
# Keep what the collector finds instead of freeing it, and count our own nodes among it
# (other libraries loaded in the same process may leave cycles of their own).
gc.set_debug(gc.DEBUG_SAVEALL)
gc.collect()
cycles = sum(isinstance(obj, Value) for obj in gc.garbage)
gc.garbage.clear()
gc.set_debug(0)
gc.enable()
print(f"XOR loss: {losses[0]:.3f} -> {losses[-1]:.4f}; Value nodes found in cycles: {cycles}")
assert cycles == 0
assert losses[-1] < 0.05 * losses[0]
assert all((predict(x).data > 0) == (t > 0) for x, t in data)

# %% [markdown]
# **Next:** `engines-tensor` lifts the same idea from numbers to NumPy arrays, where one node
# is a whole matrix product and the local derivative becomes a vector–Jacobian product.
