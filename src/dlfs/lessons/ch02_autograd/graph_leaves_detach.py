# %% [markdown]
# # Autograd 03 · grad_fn, leaves, retain_graph, detach — grad_fn、叶子节点、retain_graph 与 detach
#
# **Library files:** `src/dlfs/playground/` (`inspect`); `src/dlfs/autograd/scalar.py`
# builds the same kind of graph by hand (each `Value` remembers its parents).
#
# Every result of an operation on tensors that require grad carries a `grad_fn`: a node that
# knows the local derivative and points (`next_functions`) at the nodes of its inputs. The
# graph ends at **leaves** — tensors you created — where an `AccumulateGrad` node adds the
# incoming gradient into `.grad`. We walk that graph, then see what `backward` frees, what
# `retain_grad`, `retain_graph` and `detach` change, and why `.data` is dangerous.

# %%
import warnings

import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context

ctx = lesson_context("graph-leaves-detach")

# %% [markdown]
# ## 1. Walking the graph
# z = exp(a·b) + a·b for leaves a, b. The product a·b is computed once and used twice.

# %%
a = torch.tensor(0.5, requires_grad=True)
b = torch.tensor(-1.5, requires_grad=True)
p = a * b
z = p.exp() + p


def walk(fn, depth: int = 0, seen: list | None = None) -> list:
    """Depth-first list of (depth, node name) under a grad_fn, printed as a tree."""
    seen = [] if seen is None else seen
    if fn is None:
        return seen
    seen.append((depth, type(fn).__name__))
    print("  " * depth + type(fn).__name__)
    for child, _ in fn.next_functions:
        walk(child, depth + 1, seen)
    return seen


nodes = walk(z.grad_fn)
names = [n for _, n in nodes]
assert names[0] == "AddBackward0" and names.count("MulBackward0") == 2  # reached twice
assert names.count("AccumulateGrad") == 4  # a and b, each reached along two paths
assert a.is_leaf and b.is_leaf and not p.is_leaf and a.grad_fn is None

# %% [markdown]
# The tree printout repeats the shared `MulBackward0`; the real graph is a DAG. Drawn:

# %%
def _name(fn) -> str:
    """Node type, plus which leaf an AccumulateGrad node writes to."""
    name = type(fn).__name__
    if name == "AccumulateGrad":
        name += " (a)" if fn.variable is a else " (b)"
    return name


def dag_edges(root) -> list[tuple[str, str]]:
    """Unique (parent, child) edges of the graph, naming nodes by type and id."""
    label = {}
    edges, stack, done = [], [root], set()
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in done:
            continue
        done.add(id(fn))
        label.setdefault(id(fn), f"{_name(fn)}#{len(label)}")
        for child, _ in fn.next_functions:
            if child is not None:
                label.setdefault(id(child), f"{_name(child)}#{len(label)}")
                edges.append((label[id(fn)], label[id(child)]))
                stack.append(child)
    return edges


edges = dag_edges(z.grad_fn)
print(f"the DAG has {len({n for e in edges for n in e})} nodes and {len(edges)} edges")
assert len({n for e in edges for n in e}) == 5  # Add, Exp, Mul, AccumulateGrad ×2
levels = {n: 0 for e in edges for n in e}
for _ in range(len(levels)):  # longest path from the root: relax every edge until stable
    for parent, child in edges:
        levels[child] = max(levels[child], levels[parent] + 1)
fig, ax = plt.subplots(figsize=(7, 4))
by_level: dict[int, list[str]] = {}
for node, lvl in levels.items():
    by_level.setdefault(lvl, []).append(node)
pos = {n: (i - (len(ns) - 1) / 2, -lvl) for lvl, ns in by_level.items() for i, n in enumerate(ns)}
for parent, child in edges:
    ax.annotate("", xy=pos[child], xytext=pos[parent],
                arrowprops={"arrowstyle": "-|>", "shrinkA": 12, "shrinkB": 12, "color": "0.3",
                            # an edge that skips a level bends, so it does not hide behind others
                            "connectionstyle": f"arc3,rad={0.5 if levels[child] - levels[parent] > 1 else 0}"})
for node, (px, py) in pos.items():
    ax.text(px, py, node.split("#")[0], ha="center", va="center",
            bbox={"boxstyle": "round", "fc": "#ffe9b0" if "Accumulate" in node else "#cde"})
ax.set_xlim(-1.5, 1.5)
ax.set_ylim(-max(levels.values()) - 0.5, 0.5)
ax.axis("off")
ax.set_title("z = exp(a·b) + a·b: the backward graph (gradients flow downwards)")
ctx.savefig(fig, "graph.png")

# %% [markdown]
# ## 2. Gradients land on leaves only (unless you ask)
# dz/da = (exp(ab) + 1)·b. The intermediate p gets no `.grad` — reading it warns —
# unless `p.retain_grad()` was called before `backward`.

# %%
p.retain_grad()
z.backward(retain_graph=True)
expected_a = (torch.exp(a * b) + 1) * b
print(f"a.grad = {a.grad.item():.5f}  hand {expected_a.item():.5f};  p.grad = {p.grad.item():.5f}")
assert torch.allclose(a.grad, expected_a.detach()) and torch.allclose(p.grad, p.exp() + 1)
q = a * 2
(q * 3).backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert q.grad is None
assert any("is not a leaf" in str(w.message) for w in caught)
print("q.grad of a non-leaf without retain_grad: None, with a warning")

# %% [markdown]
# ## 3. `retain_graph`: backward frees what it saved
# After a backward the saved tensors (here exp(ab) and a, b for the product) are freed, so a
# second backward through the same graph fails — unless the first kept them.

# %%
a.grad = None
z2 = (a * b).exp()
z2.backward()
try:
    z2.backward()
except RuntimeError as exc:
    print("second backward:", str(exc)[:75], "...")
    assert "second time" in str(exc)
z3 = (a * b).exp()
a.grad = None
z3.backward(retain_graph=True)
first = a.grad.clone()
z3.backward()  # allowed; and gradients accumulate
assert torch.allclose(a.grad, 2 * first)

# %% [markdown]
# ## 4. `detach`: a constant that shares memory
# `t.detach()` is the same numbers with no history: gradients do not flow into it. A common
# use: a target built from the model's own output (stop-gradient).

# %%
w = torch.tensor([1.0, 2.0], requires_grad=True)
target = (w * 2).detach()               # treated as a constant
loss = ((w - target) ** 2).sum()        # d/dw = 2 (w - target)
loss.backward()
assert torch.allclose(w.grad, 2 * (w.detach() - target))
assert target.data_ptr() != w.data_ptr()  # w * 2 was a new tensor; detach shares with *it*
d = w.detach()
assert d.data_ptr() == w.data_ptr() and not d.requires_grad and d.is_leaf
print("detach shares memory and has no grad_fn:", d.grad_fn is None)

# %% [markdown]
# ## 5. In-place changes are caught — `.data` changes are not
# Autograd keeps a version counter on every tensor. Modifying a saved tensor in place bumps
# it and the next backward refuses. Going through `.data` hides the change: backward runs
# and returns a **wrong** gradient silently. Prefer `detach()` and `torch.no_grad()`.

# %%
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 1.0
s = (y ** 2).sum()  # saves y for the backward: ds/dy = 2 y
y.add_(1.0)         # in place, version bump
try:
    s.backward()
except RuntimeError as exc:
    print("in-place caught:", str(exc)[:70], "...")
    assert "modified by an inplace operation" in str(exc)
y = x * 1.0
s = (y ** 2).sum()
y.data.add_(1.0)    # the same change, hidden from autograd
s.backward()
print("through .data: x.grad =", x.grad.tolist(), "but the true gradient is", (2 * x).tolist())
assert torch.allclose(x.grad, 2 * (x.detach() + 1)) and not torch.allclose(x.grad, 2 * x)

print("\nNext: `dlfs run hooks` (autograd 04).")
