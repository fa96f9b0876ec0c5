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

# %% [markdown] lang="zh"
# # 自动求导 03 · grad_fn、叶子节点、retain_graph 与 detach
#
# **库文件：** `src/dlfs/playground/`（`inspect`）；`src/dlfs/autograd/scalar.py` 亲手构建了
# 同一类计算图（每个 `Value` 都记得自己的父节点）。
#
# 对需要梯度的张量做运算，每个结果都带有一个 `grad_fn`：这个节点知道局部导数，并通过
# `next_functions` 指向其各个输入的节点。计算图终止于**叶子节点**——也就是你自己创建的
# 张量——在那里，一个 `AccumulateGrad` 节点把传来的梯度加到 `.grad` 中。我们先遍历这张图，
# 再看 `backward` 会释放什么，`retain_grad`、`retain_graph` 和 `detach` 各自改变了什么，以及为什么
# `.data` 是危险的。

# %%
import warnings

import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context

ctx = lesson_context("graph-leaves-detach")

# %% [markdown]
# ## 1. Walking the graph
# $z = e^{ab} + ab$ for leaves a, b. The product $p = ab$ is computed once and used twice.

# %% [markdown] lang="zh"
# ## 1. 遍历计算图
# 对叶子节点 a、b，$z = e^{ab} + ab$。乘积 $p = ab$ 只计算一次，却被使用了两次。

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

# %% [markdown] lang="zh"
# 树形打印会把共享的 `MulBackward0` 重复列出；真正的计算图是一张 DAG。画出来是这样：

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
# By the chain rule through $p = ab$:
#
# $$
# \frac{\partial z}{\partial p} = e^{p} + 1, \qquad
# \frac{\partial z}{\partial a} = \frac{\partial z}{\partial p} \cdot \frac{\partial p}{\partial a}
# = (e^{ab} + 1) \, b
# $$
#
# The intermediate p gets no `.grad` — reading it warns — unless `p.retain_grad()` was called
# before `backward`; then `p.grad` holds $\partial z / \partial p$.

# %% [markdown] lang="zh"
# ## 2. 梯度只落在叶子节点上（除非你主动要求）
# 沿 $p = ab$ 应用链式法则：
#
# $$
# \frac{\partial z}{\partial p} = e^{p} + 1, \qquad
# \frac{\partial z}{\partial a} = \frac{\partial z}{\partial p} \cdot \frac{\partial p}{\partial a}
# = (e^{ab} + 1) \, b
# $$
#
# 中间结果 p 不会得到 `.grad`——读取它会引发警告——除非在 `backward` 之前调用了
# `p.retain_grad()`；这时 `p.grad` 中保存的就是 $\partial z / \partial p$。

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

# %% [markdown] lang="zh"
# ## 3. `retain_graph`：backward 会释放它保存的东西
# 一次 backward 之后，保存下来的张量（这里是 exp(ab)，以及乘法所需的 a、b）就被释放了，所以
# 第二次沿同一张图做 backward 会失败——除非第一次保留了它们。

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
# use: a target built from the model's own output (stop-gradient). Below, `target` is treated
# as a constant, so
#
# $$
# \text{loss} = \sum_i (w_i - \text{target}_i)^2, \qquad
# \frac{\partial\, \text{loss}}{\partial w_i} = 2 \, (w_i - \text{target}_i)
# $$

# %% [markdown] lang="zh"
# ## 4. `detach`：一个共享内存的常量
# `t.detach()` 是同样的数值，但没有历史：梯度不会流进它。常见用法：用模型自己的输出构造
# 目标值（stop-gradient，停止梯度）。下面的 `target` 被当作常量，所以
#
# $$
# \text{loss} = \sum_i (w_i - \text{target}_i)^2, \qquad
# \frac{\partial\, \text{loss}}{\partial w_i} = 2 \, (w_i - \text{target}_i)
# $$

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
# Below, $s = \sum_i y_i^2$ with $y = x$ saves $y$ for its backward,
# $\partial s / \partial x_i = 2 y_i$; after `y.data.add_(1.0)` backward uses $2 (x_i + 1)$
# instead of the true $2 x_i$.

# %% [markdown] lang="zh"
# ## 5. 原地修改会被发现——通过 `.data` 的修改则不会
# autograd 在每个张量上维护一个版本计数器。原地修改一个被保存的张量会让计数器加一，下一次
# backward 就会拒绝执行。通过 `.data` 修改则会把这一变化藏起来：backward 照常运行，悄无声息地
# 返回一个**错误**的梯度。应优先使用 `detach()` 和 `torch.no_grad()`。
# 下面 $s = \sum_i y_i^2$（其中 $y = x$）为反向传播保存了 $y$，
# $\partial s / \partial x_i = 2 y_i$；执行 `y.data.add_(1.0)` 之后，backward 用的是
# $2 (x_i + 1)$，而不是正确的 $2 x_i$。

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
