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
# (VJP)**: given $g = \partial L / \partial\, \text{out}$, with out's shape, each op returns
# $\partial L / \partial x = g^\top \, \partial\, \text{out} / \partial x$ with the input's
# shape, without ever building the Jacobian. For `out = A @ B` that is `g @ Bᵀ` and `Aᵀ @ g`.
# The VJPs of the engine's ops ($\odot$ is the elementwise product; $y$ is the op's output):
#
# | op | forward | VJP returned by backward |
# |---|---|---|
# | `a + b` | $a + b$ | $g$ and $g$, each unbroadcast to its input's shape |
# | `a * b` | $a \odot b$ | $g \odot b$ and $g \odot a$ (also unbroadcast) |
# | `a @ b` | $A B$ | $g B^\top$ and $A^\top g$ |
# | `exp`, `log` | $e^x$, $\log x$ | $g \odot y$; $g / x$ |
# | `tanh`, `sigmoid` | $\tanh x$, $\sigma(x)$ | $g \odot (1 - y^2)$; $g \odot y (1 - y)$ |
# | `relu` | $\max(x, 0)$ | $g \odot [x > 0]$ |
# | `sum` | $\sum_i x_i$ | $g$ copied to $x$'s shape |
# | `mean` | $\frac{1}{n} \sum_i x_i$ | $g / n$ copied to $x$'s shape |
#
# Everything below is checked against torch.autograd.

# %% [markdown] lang="zh"
# # 第 1.2 章 · 从零实现 NumPy 张量自动微分引擎（与 torch.autograd 对照）
#
# **库文件：** `src/dlfs/autograd/tensor.py`（`Tensor`、反向传播、`no_grad`）、
# `src/dlfs/autograd/tensor_ops.py`（每个运算及其向量-雅可比积）、
# `src/dlfs/autograd/tensor_functions.py`（`softmax`、`log_softmax`、`cross_entropy`）、
# `src/dlfs/autograd/tensor_layers.py`（`Linear`、`MLP`、`SGD`）、`src/dlfs/recipes/numpy_digits.py`、
# `src/dlfs/autograd/drawing.py`、`src/dlfs/autograd/gradcheck.py`。
#
# 标量引擎为每个数建一个节点。张量引擎则为每个*数组运算*建一个节点：(256, 64) 与 (64, 256)
# 两个数组的 `X @ W` 是一个节点，而不是四百万个。链式法则没有变，但局部导数变成了
# **向量-雅可比积（VJP）**：给定与 out 形状相同的 $g = \partial L / \partial\, \text{out}$，每个运算
# 返回与输入形状相同的 $\partial L / \partial x = g^\top \, \partial\, \text{out} / \partial x$，
# 而从不真正构造出雅可比矩阵。对 `out = A @ B`，这两个 VJP 是 `g @ Bᵀ` 和 `Aᵀ @ g`。
# 引擎中各运算的 VJP 如下（$\odot$ 为逐元素乘积；$y$ 为该运算的输出）：
#
# | 运算 | 前向 | backward 返回的 VJP |
# |---|---|---|
# | `a + b` | $a + b$ | $g$ 和 $g$，各自 unbroadcast 成输入的形状 |
# | `a * b` | $a \odot b$ | $g \odot b$ 和 $g \odot a$（同样要 unbroadcast） |
# | `a @ b` | $A B$ | $g B^\top$ 和 $A^\top g$ |
# | `exp`、`log` | $e^x$、$\log x$ | $g \odot y$；$g / x$ |
# | `tanh`、`sigmoid` | $\tanh x$、$\sigma(x)$ | $g \odot (1 - y^2)$；$g \odot y (1 - y)$ |
# | `relu` | $\max(x, 0)$ | $g \odot [x > 0]$ |
# | `sum` | $\sum_i x_i$ | 把 $g$ 复制成 $x$ 的形状 |
# | `mean` | $\frac{1}{n} \sum_i x_i$ | 把 $g / n$ 复制成 $x$ 的形状 |
#
# 下面的一切都与 torch.autograd 对照检验。

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
# $L = \frac{1}{B} \sum_{b} \tanh(X_b \cdot w + c)$ for X of shape (B, 2). The `Tensor` engine
# does it with one matmul; the `Value` engine needs a loop over rows; torch does what `Tensor`
# does.

# %% [markdown] lang="zh"
# ## 1. 又是那个神经元，这次处理一个批次——三个引擎结果一致
# 对形状为 (B, 2) 的 X，$L = \frac{1}{B} \sum_{b} \tanh(X_b \cdot w + c)$。`Tensor` 引擎用一次
# 矩阵乘法完成；`Value` 引擎需要对各行循环；torch 的做法与 `Tensor` 相同。

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
# gradient flows back and is summed (`unbroadcast`). Same for a bias row over a batch: for
# $L = \sum_{i, j} (x_{ij} + \text{bias}_j)^2$,
#
# $$
# \frac{\partial L}{\partial \text{bias}_j} = \sum_{i} 2 \, (x_{ij} + \text{bias}_j)
# $$

# %% [markdown] lang="zh"
# ## 2. 广播把梯度求和后送回
# `c` 的形状是 (1,)，却被加到了一个 (5, 1) 的数组上：它被复制了五份，所以每一份的梯度都会
# 流回来并求和（`unbroadcast`）。批量上的偏置行也是一样：对
# $L = \sum_{i, j} (x_{ij} + \text{bias}_j)^2$，
#
# $$
# \frac{\partial L}{\partial \text{bias}_j} = \sum_{i} 2 \, (x_{ij} + \text{bias}_j)
# $$

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
# `out.backward(g)` computes $g^\top J$. With $g = e_i$ (one-hot) it returns row i of the
# Jacobian J. For softmax $s = \mathrm{softmax}(z)$ the Jacobian is known in closed form, and
# the engine's softmax node returns the VJP directly, without forming J:
#
# $$
# J = \mathrm{diag}(s) - s s^\top, \qquad
# g^\top J = s \odot \left(g - (g^\top s) \, \mathbf{1}\right)
# $$

# %% [markdown] lang="zh"
# ## 3. 非标量的反向传播是 VJP；用 one-hot 的 g 就能还原雅可比矩阵
# `out.backward(g)` 计算的是 $g^\top J$。取 $g = e_i$（one-hot 向量），它返回的就是雅可比矩阵 J
# 的第 i 行。对 softmax $s = \mathrm{softmax}(z)$，雅可比矩阵有闭式解，而引擎中的 softmax 节点
# 不构造 J，直接返回 VJP：
#
# $$
# J = \mathrm{diag}(s) - s s^\top, \qquad
# g^\top J = s \odot \left(g - (g^\top s) \, \mathbf{1}\right)
# $$

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
# Picking `x[[0, 2, 2]]` uses row 2 twice, so row 2 receives two gradients (`np.add.at`):
# for `out = x[idx]`, $\partial L / \partial x_r = \sum_{k \,:\, \text{idx}_k = r} g_k$.
# Cross-entropy is built exactly this way: log-softmax, then pick each row's target column.

# %% [markdown] lang="zh"
# ## 4. 索引把梯度散射回去，重复的会相加
# 取 `x[[0, 2, 2]]` 用到了第 2 行两次，所以第 2 行会收到两份梯度（`np.add.at`）：
# 对 `out = x[idx]`，有 $\partial L / \partial x_r = \sum_{k \,:\, \text{idx}_k = r} g_k$。
# 交叉熵正是这样构建的：先做 log-softmax，再在每一行取出目标类别那一列。

# %%
x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
x[np.array([0, 2, 2])].sum().backward()
print("grad of x[[0, 2, 2]].sum():\n", x.grad)
assert np.array_equal(x.grad, [[1, 1], [0, 0], [2, 2]])

# %% [markdown]
# ## 5. Numerically stable softmax and cross-entropy
# e^1000 overflows float64. Subtracting the row maximum $m = \max_k x_k$ first changes nothing
# mathematically and keeps every exponent ≤ 0:
#
# $$
# \mathrm{softmax}(x)_i = \frac{e^{x_i - m}}{\sum_k e^{x_k - m}}, \qquad
# \text{loss} = -\frac{1}{B} \sum_{b} \log \mathrm{softmax}(\text{logits}_b)_{\text{targets}_b}
# $$
#
# and the gradient torch and our engine agree on is
#
# $$
# \frac{\partial\, \text{loss}}{\partial\, \text{logits}}
# = \frac{1}{B} \left(\mathrm{softmax}(\text{logits}) - \mathrm{onehot}(\text{targets})\right)
# $$

# %% [markdown] lang="zh"
# ## 5. 数值稳定的 softmax 与交叉熵
# e^1000 会让 float64 溢出。先减去每行的最大值 $m = \max_k x_k$，在数学上什么都没改变，却能让
# 每个指数都 ≤ 0：
#
# $$
# \mathrm{softmax}(x)_i = \frac{e^{x_i - m}}{\sum_k e^{x_k - m}}, \qquad
# \text{loss} = -\frac{1}{B} \sum_{b} \log \mathrm{softmax}(\text{logits}_b)_{\text{targets}_b}
# $$
#
# torch 与我们的引擎给出一致的梯度：
#
# $$
# \frac{\partial\, \text{loss}}{\partial\, \text{logits}}
# = \frac{1}{B} \left(\mathrm{softmax}(\text{logits}) - \mathrm{onehot}(\text{targets})\right)
# $$

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

# %% [markdown] lang="zh"
# ## 6. 能说清错在哪里的错误信息，以及 gradcheck
# 在形状不匹配的数组上做运算时，错误信息会指出是哪个运算、两个形状分别是什么。`gradcheck`
# 用中心差分检验整个雅可比矩阵，对我们的引擎和 torch 都适用。

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
# MLP 64 → 64 → ReLU → 10, cross-entropy, SGD with momentum (learning rate 0.05, momentum 0.9),
# which keeps a velocity $v$ per parameter $p$:
#
# $$
# v \leftarrow 0.9 \, v + \frac{\partial L}{\partial p}, \qquad p \leftarrow p - 0.05 \, v
# $$
#
# First its graph for one batch:

# %% [markdown] lang="zh"
# ## 7. 用 NumPy 引擎在 digits 数据集上训练 MLP
# scikit-learn 的 8×8 手写数字（1797 张图像，无需下载），用固定种子按 80/20 划分，并做标准化。
# MLP 结构为 64 → 64 → ReLU → 10，使用交叉熵损失函数和带动量的 SGD（学习率 0.05，动量 0.9），
# 它为每个参数 $p$ 维护一个速度 $v$：
#
# $$
# v \leftarrow 0.9 \, v + \frac{\partial L}{\partial p}, \qquad p \leftarrow p - 0.05 \, v
# $$
#
# 先看一个批次的计算图：

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

# %% [markdown] lang="zh"
# ## 8. 和 torch 相比它有多快？
# 各跑一个训练步（同样的大小，float32），在同一次运行中计时。两者的大部分时间都花在同样的
# BLAS 矩阵乘法上；NumPy 引擎在每个节点上多了一点 Python 开销。
# `python benchmarks/run_all.py --only numpy_engine` 会认真测量 64→256→256→10 的 MLP。

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
