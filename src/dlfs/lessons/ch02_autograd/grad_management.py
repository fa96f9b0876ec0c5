# %% [markdown]
# # Autograd 06 · Gradient accumulation, clipping, gradcheck, freezing — 梯度累积、裁剪、数值检验与冻结
#
# **Library files:** `src/dlfs/train/` (the training loop applies accumulation and clipping),
# `src/dlfs/autograd/gradcheck.py` (our finite-difference check); this lesson shows the
# torch mechanics they rest on.
#
# 1. **Accumulation:** k micro-batches with `loss / k` and one optimizer step give the same
#    gradient (and the same training run) as one batch k times larger.
# 2. **Clipping:** `clip_grad_norm_` rescales all gradients together so their global L2 norm
#    is at most `max_norm`; `clip_grad_value_` clamps each element.
# 3. **gradcheck:** compare autograd with central finite differences in float64.
# 4. **Freezing:** `requires_grad_(False)` — no gradient, no update, less memory.

# %% [markdown] lang="zh"
# # 自动求导 06 · 梯度累积、裁剪、数值检验与冻结
#
# **库文件：** `src/dlfs/train/`（训练循环会应用梯度累积和裁剪）、`src/dlfs/autograd/gradcheck.py`
# （我们自己的有限差分检验）；本课展示它们所依赖的 torch 机制。
#
# 1. **梯度累积：** k 个微批次（micro-batch），每个用 `loss / k`，再做一次优化器更新，得到的
#    梯度（以及整个训练过程）与一个大 k 倍的批次完全相同。
# 2. **梯度裁剪：** `clip_grad_norm_` 把所有梯度一起按比例缩放，使它们整体的 L2 范数不超过
#    `max_norm`；`clip_grad_value_` 则逐元素截断。
# 3. **gradcheck：** 在 float64 下把 autograd 的结果与中心有限差分相比较。
# 4. **冻结：** `requires_grad_(False)`——没有梯度，不会被更新，还更省内存。

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

from dlfs.curriculum import lesson_context

ctx = lesson_context("grad-management")


def make_model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 1)).double()


gen = torch.Generator().manual_seed(1)
X = torch.randn(256, 10, generator=gen, dtype=torch.float64)
y = (X[:, :3].sum(1, keepdim=True) > 0).double()  # (256, 1), a learnable rule
loss_fn = nn.BCEWithLogitsLoss()

# %% [markdown]
# ## 1. Accumulation equals a large batch
# Batch 32 in one go vs 4 micro-batches of 8, each loss divided by 4 (the mean over 32 is
# the mean of 4 means over 8). With $\ell_i$ the loss of example $i$ and $M_m$ the 8 examples
# of micro-batch $m$:
#
# $$
# \frac{1}{32} \sum_{i=1}^{32} \ell_i
# = \sum_{m=1}^{4} \frac{1}{4} \left( \frac{1}{8} \sum_{i \in M_m} \ell_i \right)
# $$
#
# and since gradients add up in `.grad`, the gradients are equal too. They match to rounding,
# and so do whole runs.

# %% [markdown] lang="zh"
# ## 1. 梯度累积等价于大批次
# 一次性处理大小为 32 的批次，对比 4 个大小为 8 的微批次、每个的损失除以 4（32 个样本的均值
# 等于 4 个“8 个样本的均值”的均值）。记 $\ell_i$ 为样本 $i$ 的损失，$M_m$ 为第 $m$ 个微批次中
# 的 8 个样本：
#
# $$
# \frac{1}{32} \sum_{i=1}^{32} \ell_i
# = \sum_{m=1}^{4} \frac{1}{4} \left( \frac{1}{8} \sum_{i \in M_m} \ell_i \right)
# $$
#
# 又因为梯度会在 `.grad` 中累加，所以梯度也相等。两者在舍入误差范围内一致，整个训练过程也是。

# %%
big, small = make_model(), make_model()
xb, yb = X[:32], y[:32]
loss_fn(big(xb), yb).backward()
k = 4
for xm, ym in zip(xb.chunk(k), yb.chunk(k)):
    (loss_fn(small(xm), ym) / k).backward()  # gradients add up in .grad
for (name, p_big), p_small in zip(big.named_parameters(), small.parameters()):
    assert torch.allclose(p_big.grad, p_small.grad, atol=1e-12), name
print("one batch of 32 == 4 accumulated micro-batches of 8: gradients equal")

# Forgetting the division by k gives k times the gradient:
wrong = make_model()
for xm, ym in zip(xb.chunk(k), yb.chunk(k)):
    loss_fn(wrong(xm), ym).backward()
assert torch.allclose(wrong[0].weight.grad, k * big[0].weight.grad)


def train(model: nn.Module, micro: int, steps: int) -> list[float]:
    """SGD on batches of 32, split into `micro` accumulated micro-batches."""
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    losses = []
    for step in range(steps):
        xs, ys = X[(step * 32) % 256:][:32], y[(step * 32) % 256:][:32]
        opt.zero_grad()
        total = 0.0
        for xm, ym in zip(xs.chunk(micro), ys.chunk(micro)):
            loss = loss_fn(model(xm), ym) / micro
            loss.backward()
            total += loss.item()
        opt.step()
        losses.append(total)
    return losses


steps = 25 if ctx.quick else 200
run_big, run_acc = train(make_model(), 1, steps), train(make_model(), 4, steps)
assert max(abs(a - b) for a, b in zip(run_big, run_acc)) < 1e-10
print(f"{steps} SGD steps: batch 32 and 4x8 accumulated give the same losses "
      f"({run_big[0]:.3f} -> {run_big[-1]:.3f})")

# %% [markdown]
# ## 2. Clipping by global norm, by hand and by torch
# Over all parameters $p$ with gradients $g_p$:
#
# $$
# \text{total} = \sqrt{\sum_{p} \lVert g_p \rVert^2}, \qquad
# g_p \leftarrow g_p \cdot \min\left(1, \frac{\mathrm{max\_norm}}{\text{total} + 10^{-6}}\right)
# $$
#
# so when total > max_norm every gradient is scaled by max_norm / total. `clip_grad_value_(c)`
# instead clamps each element to $[-c, c]$.

# %% [markdown] lang="zh"
# ## 2. 按全局范数裁剪：手算与 torch 对照
# 对所有带梯度 $g_p$ 的参数 $p$：
#
# $$
# \text{total} = \sqrt{\sum_{p} \lVert g_p \rVert^2}, \qquad
# g_p \leftarrow g_p \cdot \min\left(1, \frac{\mathrm{max\_norm}}{\text{total} + 10^{-6}}\right)
# $$
#
# 也就是说，当 total > max_norm 时，每个梯度都乘以 max_norm / total。`clip_grad_value_(c)` 则把
# 每个元素截断到 $[-c, c]$ 内。

# %%
model = make_model()
loss_fn(model(X) * 50, y).backward()  # large logits -> large gradients
grads = [p.grad.clone() for p in model.parameters()]
total = torch.sqrt(sum((g ** 2).sum() for g in grads))
max_norm = 1.0
scale = min(1.0, max_norm / (total.item() + 1e-6))
returned = nn.utils.clip_grad_norm_(model.parameters(), max_norm)
print(f"global grad norm {total:.3f} -> clipped to {max_norm} (scale {scale:.4f})")
assert torch.allclose(returned, total)  # clip_grad_norm_ returns the norm *before* clipping
for g, p in zip(grads, model.parameters()):
    assert torch.allclose(p.grad, g * scale)
after = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
assert abs(after.item() - max_norm) < 1e-5
nn.utils.clip_grad_value_(model.parameters(), 0.01)
assert all(p.grad.abs().max() <= 0.01 for p in model.parameters())

# %% [markdown]
# ## 3. gradcheck: autograd against finite differences
# `torch.autograd.gradcheck` perturbs each input element by ±eps (float64!) and compares the
# numerical Jacobian with the analytical one. A wrong backward fails it. Column $j$ of the
# numerical Jacobian is
#
# $$
# \frac{\partial f}{\partial x_j}
# \approx \frac{f(x + \varepsilon e_j) - f(x - \varepsilon e_j)}{2 \varepsilon}
# $$

# %% [markdown] lang="zh"
# ## 3. gradcheck：autograd 与有限差分对照
# `torch.autograd.gradcheck` 把每个输入元素分别扰动 ±eps（必须用 float64！），然后把数值
# 雅可比矩阵与解析的雅可比矩阵相比较。写错的 backward 过不了这一关。数值雅可比矩阵的第 $j$ 列为
#
# $$
# \frac{\partial f}{\partial x_j}
# \approx \frac{f(x + \varepsilon e_j) - f(x - \varepsilon e_j)}{2 \varepsilon}
# $$

# %%
def smooth(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.tanh(a @ b).sum(0) * torch.sigmoid(a).mean()


a = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
b = torch.randn(4, 2, dtype=torch.float64, requires_grad=True)
assert torch.autograd.gradcheck(smooth, (a, b))
assert torch.autograd.gradgradcheck(smooth, (a, b))  # second derivatives too


class WrongSquare(torch.autograd.Function):
    """x² with a deliberately wrong backward (x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x


ok = torch.autograd.gradcheck(WrongSquare.apply, (torch.randn(3, dtype=torch.float64,
                                                              requires_grad=True),),
                              raise_exception=False)
print("gradcheck on the deliberately wrong backward:", ok)
assert ok is False

# %% [markdown]
# ## 4. Freezing parameters
# Freeze the first layer: it gets no gradient, the optimizer leaves it alone, and only the
# head trains (the usual fine-tuning setup).

# %% [markdown] lang="zh"
# ## 4. 冻结参数
# 冻结第一层：它不会得到梯度，优化器也不会动它，只有最后的输出层（head）在训练（这就是常见的
# 微调设置）。

# %%
model = make_model()
model[0].requires_grad_(False)
trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
total_params = sum(p.numel() for p in model.parameters())
print(f"trainable parameters: {trainable} of {total_params}")
assert trainable == 32 + 1
frozen_before = model[0].weight.clone()
head_before = model[2].weight.clone()
opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
loss_fn(model(X), y).backward()
opt.step()
assert model[0].weight.grad is None and torch.equal(model[0].weight, frozen_before)
assert not torch.equal(model[2].weight, head_before)
with torch.no_grad():  # the other way to stop gradients: no graph at all
    out = model(X)
assert not out.requires_grad

# %% [markdown]
# ## 5. Picture: the two runs of section 1 lie on top of each other

# %% [markdown] lang="zh"
# ## 5. 图示：第 1 节中的两次训练曲线完全重合

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(run_big, lw=4, alpha=0.5, label="batch 32")
ax.plot(run_acc, "k--", label="4 x 8, accumulated")
ax.set_xlabel("optimizer step")
ax.set_ylabel("training loss")
ax.set_title("gradient accumulation reproduces the large batch exactly")
ax.legend()
ctx.savefig(fig, "accumulation.png")
assert run_big[-1] < run_big[0]

print("\nNext: `dlfs run custom-function` (autograd 07).")
