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

# %% [markdown] lang="zh"
# # 自动求导 07 · 自定义 autograd Function
#
# **库文件：** `src/dlfs/nn/functional/custom.py`（`ReLUFunction`、`RoundSTE`：即下面的两个
# Function 在库中的版本）；`src/dlfs/autograd/scalar.py` 和 `src/dlfs/autograd/tensor.py`
# 以同样的方式为每个运算手写反向传播；`src/dlfs/autograd/gradcheck.py` 负责检验它们。
#
# `torch.autograd.Function` 把一个 `forward`（任意张量代码，运行时不记录计算图）和一个由你
# 编写的 `backward` 配成一对：给定 dL/d(output)，为每个输入返回 dL/d(input)。
# `ctx.save_for_backward` 保存 backward 需要用到的东西。下面有三个例子，每个都用
# `torch.autograd.gradcheck`（float64 有限差分）加以证明；如果 backward 故意*不是*真正的导数，
# 就检验它所实现的那条规则：
#
# 1. **ReLU**——backward 只在 x > 0 处把梯度传回去。
# 2. **直通估计器**（straight-through estimator）——forward 做取整（几乎处处导数为 0），
#    backward 假装它是恒等映射，这样量化模型也能训练。
# 3. **多输入函数**——`linear(x, W, b) = x Wᵀ + b`，有三个梯度，其中有些可以跳过不算
#    （`ctx.needs_input_grad`）。

# %%
import matplotlib.pyplot as plt
import torch
from torch.autograd import Function, gradcheck

from dlfs.curriculum import lesson_context

ctx_lesson = lesson_context("custom-function")
torch.manual_seed(0)

# %% [markdown]
# ## 1. ReLU
#
# $$
# y = \max(x, 0), \qquad
# \frac{\partial L}{\partial x} = \frac{\partial L}{\partial y} \cdot [x > 0]
# $$

# %% [markdown] lang="zh"
# ## 1. ReLU
#
# $$
# y = \max(x, 0), \qquad
# \frac{\partial L}{\partial x} = \frac{\partial L}{\partial y} \cdot [x > 0]
# $$
#
# （其中方括号表示条件成立时取 1，否则取 0。）

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
# (optionally only inside the clipping range, as here: $\lvert x \rvert \le 1$ for values
# clamped to $[-1, 1]$):
#
# $$
# y = \frac{\mathrm{round}\left(\mathrm{clamp}(x, -1, 1) \cdot \text{levels}\right)}{\text{levels}},
# \qquad
# \frac{\partial L}{\partial x} := \frac{\partial L}{\partial y} \cdot [\lvert x \rvert \le 1]
# $$
#
# Bengio, Léonard and Courville, 2013, *Estimating or Propagating Gradients Through Stochastic
# Neurons for Conditional Computation*.

# %% [markdown] lang="zh"
# ## 2. 直通估计器（STE）
# 取整运算几乎处处导数为 0，所以它上游的任何东西都学不到东西。STE 在 forward 中保留
# `round`，在 backward 中则使用恒等映射的导数（也可以只在裁剪范围内这样做，比如这里：
# 对被限制在 $[-1, 1]$ 内的值，只在 $\lvert x \rvert \le 1$ 处传回梯度）：
#
# $$
# y = \frac{\mathrm{round}\left(\mathrm{clamp}(x, -1, 1) \cdot \text{levels}\right)}{\text{levels}},
# \qquad
# \frac{\partial L}{\partial x} := \frac{\partial L}{\partial y} \cdot [\lvert x \rvert \le 1]
# $$
#
# 参考文献：Bengio, Léonard and Courville, 2013, *Estimating or Propagating Gradients Through
# Stochastic Neurons for Conditional Computation*。

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
# Fit a scalar w so that round(w·4)/4 · x ≈ 0.75 x. With $q(w) = \mathrm{round}(4 w) / 4$
# (for $\lvert w \rvert \le 1$) the loss and the update are
#
# $$
# L(w) = \frac{1}{N} \sum_i \left(q(w) \, x_i - 0.75 \, x_i\right)^2, \qquad
# w \leftarrow w - 0.1 \, \frac{\partial L}{\partial w}
# $$
#
# where the STE uses $\partial q / \partial w = 1$.

# %% [markdown] lang="zh"
# ## 3. STE 的实战：只能取量化值的权重照样能学习
# 拟合一个标量 w，使 round(w·4)/4 · x ≈ 0.75 x。记 $q(w) = \mathrm{round}(4 w) / 4$
# （对 $\lvert w \rvert \le 1$），损失和更新为
#
# $$
# L(w) = \frac{1}{N} \sum_i \left(q(w) \, x_i - 0.75 \, x_i\right)^2, \qquad
# w \leftarrow w - 0.1 \, \frac{\partial L}{\partial w}
# $$
#
# 其中 STE 取 $\partial q / \partial w = 1$。

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
# With $G = \partial L / \partial Y$ the upstream gradient:
#
# $$
# Y = X W^\top + b, \qquad
# \frac{\partial L}{\partial X} = G W, \qquad
# \frac{\partial L}{\partial W} = G^\top X, \qquad
# \frac{\partial L}{\partial b} = \sum_{n} G_{n, :}
# $$
#
# (the last one sums over the rows, the batch). `ctx.needs_input_grad` tells backward which
# ones are wanted.

# %% [markdown] lang="zh"
# ## 4. 多输入函数：linear(x, W, b) = x Wᵀ + b
# 记 $G = \partial L / \partial Y$ 为上游传来的梯度：
#
# $$
# Y = X W^\top + b, \qquad
# \frac{\partial L}{\partial X} = G W, \qquad
# \frac{\partial L}{\partial W} = G^\top X, \qquad
# \frac{\partial L}{\partial b} = \sum_{n} G_{n, :}
# $$
#
# （最后一个是沿行，也就是沿批量维求和。）`ctx.needs_input_grad` 告诉 backward 哪些梯度是
# 需要计算的。

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

# %% [markdown] lang="zh"
# ## 5. 图示：STE 的前向与反向

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
