# %% [markdown]
# # Autograd 04 · Tensor and module hooks — 张量钩子与模块钩子
#
# **Library files:** `src/dlfs/playground/` (`model_summary` records shapes with forward
# hooks); the NumPy engine in `src/dlfs/autograd/tensor.py` has `register_hook` too.
#
# Hooks are callbacks autograd and `nn.Module` call for you:
#
# | hook | called with | may return |
# |---|---|---|
# | `tensor.register_hook(fn)` | the gradient arriving at the tensor | a replacement gradient |
# | `module.register_forward_pre_hook(fn)` | `(module, inputs)` | replacement inputs |
# | `module.register_forward_hook(fn)` | `(module, inputs, output)` | a replacement output |
# | `module.register_full_backward_hook(fn)` | `(module, grad_input, grad_output)` | replacement grad_input |
#
# Each `register_*` returns a handle; `handle.remove()` takes the hook away again.

# %% [markdown] lang="zh"
# # 自动求导 04 · 张量钩子与模块钩子
#
# **库文件：** `src/dlfs/playground/`（`model_summary` 用前向钩子记录形状）；
# `src/dlfs/autograd/tensor.py` 中的 NumPy 引擎也有 `register_hook`。
#
# 钩子（hook）是由 autograd 和 `nn.Module` 替你调用的回调函数：
#
# | 钩子 | 调用时传入 | 可以返回 |
# |---|---|---|
# | `tensor.register_hook(fn)` | 到达该张量的梯度 | 替换后的梯度 |
# | `module.register_forward_pre_hook(fn)` | `(module, inputs)` | 替换后的输入 |
# | `module.register_forward_hook(fn)` | `(module, inputs, output)` | 替换后的输出 |
# | `module.register_full_backward_hook(fn)` | `(module, grad_input, grad_output)` | 新的 grad_input |
#
# 每个 `register_*` 都返回一个句柄（handle）；`handle.remove()` 会再把钩子移除。

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

from dlfs.curriculum import lesson_context

ctx = lesson_context("hooks")
torch.manual_seed(0)

# %% [markdown]
# ## 1. A tensor hook sees an intermediate gradient
# $y = x^2$, $z = \sum_i 3 y_i$. The gradient reaching y is $\partial z / \partial y_i = 3$
# everywhere; autograd does not keep it, but a hook can record it. Then
# $\partial z / \partial x_i = 3 \cdot 2 x_i = 6 x_i$.

# %% [markdown] lang="zh"
# ## 1. 张量钩子能看到中间梯度
# $y = x^2$，$z = \sum_i 3 y_i$。到达 y 的梯度处处为 $\partial z / \partial y_i = 3$；autograd
# 不会保留它，但钩子可以把它记录下来。接着 $\partial z / \partial x_i = 3 \cdot 2 x_i = 6 x_i$。

# %%
x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
y = x ** 2
seen = []
handle = y.register_hook(lambda g: seen.append(g.clone()))
(3 * y).sum().backward()
print("gradient arriving at y:", seen[0].tolist(), " x.grad:", x.grad.tolist())
assert torch.equal(seen[0], torch.full((3,), 3.0)) and torch.equal(x.grad, 6 * x.detach())
handle.remove()

# %% [markdown]
# ## 2. A tensor hook can change the gradient
# Returning a tensor replaces the gradient for everything upstream. Here: clip each element
# of the gradient to [-1, 1] on its way through y, so x receives
# $\mathrm{clamp}(3, -1, 1) \cdot 2 x_i = 2 x_i$ instead of $6 x_i$.

# %% [markdown] lang="zh"
# ## 2. 张量钩子可以修改梯度
# 钩子返回一个张量，就会替换掉传往上游所有节点的梯度。这里：梯度经过 y 时，把它的每个元素
# 截断到 [-1, 1]，于是 x 得到的是 $\mathrm{clamp}(3, -1, 1) \cdot 2 x_i = 2 x_i$，而不是 $6 x_i$。

# %%
x.grad = None
y = x ** 2
y.register_hook(lambda g: g.clamp(-1, 1))
(3 * y).sum().backward()  # the gradient 3 at y is clipped to 1 -> x.grad = 1 * 2x
print("with a clipping hook on y: x.grad =", x.grad.tolist())
assert torch.equal(x.grad, 2 * x.detach())

# A hook on a leaf runs before the gradient is accumulated into .grad.
w = torch.ones(2, requires_grad=True)
w.register_hook(lambda g: g * 0.5)
(w * 4).sum().backward()
assert torch.equal(w.grad, torch.full((2,), 2.0))

# %% [markdown]
# ## 3. Forward hooks: record every layer's activations and shapes

# %% [markdown] lang="zh"
# ## 3. 前向钩子：记录每一层的激活值和形状

# %%
model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(),
                      nn.Linear(32, 4))
activations: dict[str, torch.Tensor] = {}


def keep_output(name: str):
    def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        activations[name] = output.detach()
    return hook


handles = [m.register_forward_hook(keep_output(f"{i}:{type(m).__name__}"))
           for i, m in enumerate(model)]
batch = torch.randn(64, 8)
out = model(batch)
for name, act in activations.items():
    print(f"{name:<10} {tuple(act.shape)}  mean {act.mean():+.3f}  std {act.std():.3f}")
assert list(activations) == ["0:Linear", "1:Tanh", "2:Linear", "3:Tanh", "4:Linear"]
assert torch.equal(activations["4:Linear"], out.detach())
for h in handles:
    h.remove()
activations.clear()
model(batch)
assert activations == {}, "removed hooks no longer run"

# %% [markdown]
# ## 4. A forward hook can replace an output; a pre-hook can replace the input
# Replacing the output of a layer is how one "ablates" a unit or patches an activation.

# %% [markdown] lang="zh"
# ## 4. 前向钩子可以替换输出；前置钩子（pre-hook）可以替换输入
# 替换某一层的输出，正是“消融”（ablate）某个单元或修补（patch）某个激活值的做法。

# %%
h = model[1].register_forward_hook(lambda m, inp, o: torch.zeros_like(o))
ablated = model(batch)
h.remove()
assert torch.allclose(ablated, model[4](model[3](model[2].bias.expand(64, 32))))
print("zeroing layer 1's output leaves only the biases of layer 2 to flow on: checked")
h = model[0].register_forward_pre_hook(lambda m, inp: (inp[0] * 0,))
assert torch.allclose(model(batch), model(torch.zeros(64, 8)))
h.remove()

# %% [markdown]
# ## 5. Backward hooks on modules: gradient norms per layer
# `register_full_backward_hook` hands over `grad_output` (the gradient w.r.t. the module's
# output). Its norm per layer is a quick check for vanishing or exploding gradients.
# For the loss $L = \frac{1}{\text{numel}} \sum (\text{out} - \text{target})^2$ the last
# layer's is known by hand:
#
# $$
# \frac{\partial L}{\partial\, \text{out}} = \frac{2 \, (\text{out} - \text{target})}{\text{numel}}
# $$

# %% [markdown] lang="zh"
# ## 5. 模块上的反向钩子：逐层的梯度范数
# `register_full_backward_hook` 会交给你 `grad_output`（损失对模块输出的梯度）。逐层看它的
# 范数，可以快速检查梯度是否消失或爆炸。对损失 $L = \frac{1}{\text{numel}} \sum (\text{out} - \text{target})^2$，
# 最后一层的这个梯度可以手算：
#
# $$
# \frac{\partial L}{\partial\, \text{out}} = \frac{2 \, (\text{out} - \text{target})}{\text{numel}}
# $$

# %%
grad_norms: dict[str, float] = {}


def keep_grad_norm(name: str):
    def hook(module: nn.Module, grad_input: tuple, grad_output: tuple) -> None:
        grad_norms[name] = grad_output[0].norm().item()
    return hook


hooks = [m.register_full_backward_hook(keep_grad_norm(f"{i}:{type(m).__name__}"))
         for i, m in enumerate(model) if isinstance(m, nn.Linear)]
target = torch.randn(64, 4)
batch.requires_grad_()  # so that the first layer has an input gradient to report too
loss = ((model(batch) - target) ** 2).mean()
loss.backward()
for name, norm in grad_norms.items():
    print(f"|dL/d output| of {name:<9} = {norm:.4f}")
# Check one by hand: the last layer's output gradient is 2 (out - target) / numel.
by_hand = (2 * (model(batch) - target) / target.numel()).norm().item()
assert abs(grad_norms["4:Linear"] - by_hand) < 1e-5
for hk in hooks:
    hk.remove()

# %% [markdown]
# ## 6. Picture: activation statistics through a deeper tanh net
# With a too-small initialisation, activations shrink layer by layer; forward hooks make it
# visible without touching the model's code. Each `Linear(64, 64)` has weights of standard
# deviation $\sigma_W = 0.5 / \sqrt{64}$ and zero bias, and tanh is close to the identity for
# small inputs, so each layer scales the variance by
#
# $$
# \frac{\mathrm{Var}(W h)}{\mathrm{Var}(h)} = \mathrm{fan\_in} \cdot \sigma_W^2
# = 64 \cdot \frac{0.25}{64} = 0.25
# $$
#
# that is, it halves the standard deviation.

# %% [markdown] lang="zh"
# ## 6. 图示：更深的 tanh 网络中的激活值统计
# 初始化太小时，激活值会一层一层地缩小；前向钩子无需改动模型代码就能把这一点显示出来。
# 每个 `Linear(64, 64)` 的权重标准差为 $\sigma_W = 0.5 / \sqrt{64}$，偏置为 0，而 tanh 在输入
# 很小时接近恒等映射，所以每一层都把方差乘以
#
# $$
# \frac{\mathrm{Var}(W h)}{\mathrm{Var}(h)} = \mathrm{fan\_in} \cdot \sigma_W^2
# = 64 \cdot \frac{0.25}{64} = 0.25
# $$
#
# 也就是把标准差减半。

# %%
depth = 6 if ctx.quick else 12
deep = nn.Sequential(*[m for _ in range(depth) for m in (nn.Linear(64, 64), nn.Tanh())])
for layer in deep:
    if isinstance(layer, nn.Linear):
        nn.init.normal_(layer.weight, std=0.5 / 64 ** 0.5)
        nn.init.zeros_(layer.bias)
stds: list[float] = []
hs = [m.register_forward_hook(lambda m, i, o: stds.append(o.std().item()))
      for m in deep if isinstance(m, nn.Tanh)]
deep(torch.randn(256, 64))
for hk in hs:
    hk.remove()
print("activation std per tanh layer:", [f"{s:.3f}" for s in stds])
assert len(stds) == depth and stds[-1] < stds[0] / 4, "activations should shrink"
assert all(0.4 < after / before < 0.6 for before, after in zip(stds, stds[1:])), "halved"
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.semilogy(range(1, depth + 1), stds, "o-")
ax.set_xlabel("tanh layer")
ax.set_ylabel("std of activations")
ax.set_title("recorded by forward hooks: init std 0.5/sqrt(fan_in) halves them per layer")
ctx.savefig(fig, "activation_stds.png")

print("\nNext: `dlfs run jacobian-hessian` (autograd 05).")
