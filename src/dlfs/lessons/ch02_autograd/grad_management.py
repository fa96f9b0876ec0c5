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
# the mean of 4 means over 8). The gradients match to rounding, and so do whole runs.

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
# total = sqrt(Σ ‖g_p‖²); if total > max_norm every gradient is scaled by max_norm / total.

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
# numerical Jacobian with the analytical one. A wrong backward fails it.

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
