# %% [markdown]
# # Day 20 · Debugging drill — 综合排错演练
#
# **Library files:** `src/dlfs/playground/` (`inspect`), `src/dlfs/train/nan_guard.py`
# (`NaNGuard`, `NonFiniteError`), `src/dlfs/train/loop.py` (`fit`).
# **Scripts:** `debug_drill_broken.txt` and its fixed twin `debug_drill_fixed.txt`, next to
# this file: an 80-line training script (a tiny CNN that tells which colour channel of an
# image is bright) with five bugs planted from `docs/debug_checklist.md`.
#
# The method, for every bug: **run** → read the **symptom** → **confirm** it with a small
# probe (one tensor, one batch, one step) → **fix one thing** → run again. Only the first bug
# crashes and only the second prints `nan`; the last three raise nothing at all — the loss
# just will not go down (here it even climbs, mostly because of bug 5). Those are the ones a
# checklist is for.

# %% [markdown] lang="zh"
# # 第 20 天 · 综合排错演练
#
# **库文件：** `src/dlfs/playground/`（`inspect`）、`src/dlfs/train/nan_guard.py`（`NaNGuard`、
# `NonFiniteError`）、`src/dlfs/train/loop.py`（`fit`）。
# **脚本：** 本文件旁边的 `debug_drill_broken.txt` 及其修好的双胞胎 `debug_drill_fixed.txt`：一个
# 80 行的训练脚本（一个小 CNN，判断图像的哪个颜色通道最亮），里面按 `docs/debug_checklist.md`
# 埋了五个 bug。
#
# 对每个 bug 都用同一套方法：**运行** → 读**症状** → 用一个小探针（一个张量、一个批次、一步）
# **确认** → **只改一处** → 再运行。只有第一个 bug 会崩溃，只有第二个会打印 `nan`；后三个根本
# 不报错——损失就是降不下去（这里甚至还在上升，主要是 bug 5 造成的）。调试清单正是为这类 bug
# 准备的。

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from dlfs.curriculum import get_lesson, lesson_context, lesson_file
from dlfs.playground import inspect
from dlfs.train import NaNGuard, NonFiniteError, fit

ctx = lesson_context("debugging-drill")
HERE = lesson_file(get_lesson("debugging-drill")).parent
BROKEN = (HERE / "debug_drill_broken.txt").read_text(encoding="utf-8")
FIXED = (HERE / "debug_drill_fixed.txt").read_text(encoding="utf-8")
EPOCHS = 3 if ctx.quick else 8
# Tiny tensors: a second intra-op thread only adds overhead (and on a busy machine, a lot).
THREADS = torch.get_num_threads()
torch.set_num_threads(1)

# Each fix replaces one snippet of the broken script (the lines marked BUG n).
FIXES = {
    1: ("    y = labels                                        # BUG 1: float targets for "
        "cross_entropy",
        "    y = labels.long()                                 # FIX 1: class indices must be "
        "int64"),
    2: ("        return torch.log(x)                           # BUG 2: log(0) = -inf for black "
        "pixels",
        "        return torch.log(x + 1 / 255)                 # FIX 2: finite at 0 (one grey "
        "level up)"),
    3: ("    return images.view(len(images), C, H, W)         # BUG 3: view keeps the element "
        "order",
        "    return images.permute(0, 3, 1, 2)                 # FIX 3: move the axes, not the "
        "memory"),
    4: ("        self.last_features = h = h.detach()           # BUG 4: kept for plots, and cuts "
        "the graph",
        "        self.last_features = h.detach()               # FIX 4: detach only the copy "
        "kept for plots"),
    5: ("    loss = F.cross_entropy(model(x), y)\n"
        "    loss.backward()                                   # BUG 5: no zero_grad, gradients "
        "pile up",
        "    optimizer.zero_grad()                             # FIX 5: clear the last step's "
        "gradients\n"
        "    loss = F.cross_entropy(model(x), y)\n"
        "    loss.backward()"),
}


def load(source: str, label: str) -> dict:
    """Execute a version of the script; return its namespace (make_data, Net, run …)."""
    namespace = {"__name__": "debug_drill"}
    exec(compile(source, f"<{label}>", "exec"), namespace)
    return namespace


def apply_fix(source: str, n: int) -> str:
    """Replace bug ``n`` by its fix, printing the change as a small diff."""
    old, new = FIXES[n]
    assert source.count(old) == 1, f"bug {n} not found exactly once"
    for line in old.splitlines():
        print("-", line.strip())
    for line in new.splitlines():
        print("+", line.strip())
    return source.replace(old, new)


curves: dict[str, list[float]] = {}
accuracy: dict[str, float] = {}


def train(script: dict, label: str) -> list[float]:
    """Run the script's own training loop; keep its loss curve and accuracy for the plot."""
    _, losses, acc = script["run"](epochs=EPOCHS)
    curves[label], accuracy[label] = losses, acc
    print(f"[{label}] loss {losses[0]:.3f} -> {losses[-1]:.3f}, train accuracy {acc:.2f}")
    return losses


# %% [markdown]
# ## Bug 1 — it crashes: a dtype
# The last line of the traceback is the whole story. `cross_entropy` with one class index
# per sample wants `int64` targets; labels read from a CSV file arrive as floats.

# %% [markdown] lang="zh"
# ## Bug 1 —— 程序崩溃：dtype 问题
# 调用栈的最后一行就说明了一切。每个样本只给一个类别索引时，`cross_entropy` 要求目标是
# `int64`；从 CSV 文件读入的标签却是浮点数。

# %%
script = load(BROKEN, "broken")
try:
    script["run"](epochs=EPOCHS)
except RuntimeError as err:
    symptom = str(err)
else:
    raise AssertionError("the broken script should crash")
print("symptom:", symptom)
assert "expected target dtype to be Long or Byte, but got Float" in symptom

images, labels = script["make_data"]()
info = inspect(labels, "labels")                     # confirm: the targets' dtype
assert info["dtype"] == "float32" and (info["min"], info["max"]) == (0.0, 2.0)
source = apply_fix(BROKEN, 1)

# %% [markdown]
# ## Bug 2 — `loss: nan`: a log of zero
# It runs now, but every loss is `nan`. The NaN guard of `dlfs.train` names the first module
# whose output went non-finite: hooks on every submodule check the outputs in execution order.
# Black pixels have $x = 0$ and $\log 0 = -\infty$; the fix shifts by one grey level, so that
# $\log(x + 1/255) \ge \log(1/255) \approx -5.5$.

# %% [markdown] lang="zh"
# ## Bug 2 —— `loss: nan`：对零取对数
# 现在能运行了，但每个损失都是 `nan`。`dlfs.train` 的 NaN 守卫会指出第一个输出变成非有限值的
# 模块：每个子模块上都挂了钩子，按执行顺序检查输出。黑色像素的 $x = 0$，而 $\log 0 = -\infty$；
# 修复方法是平移一个灰度级，使得 $\log(x + 1/255) \ge \log(1/255) \approx -5.5$。

# %%
script = load(source, "fix 1")
losses = script["run"](epochs=EPOCHS)[1]
print("losses:", [round(x, 3) for x in losses[:4]], "…")
assert all(math.isnan(x) for x in losses)

x_all = script["to_model_input"](images)             # (N, C, H, W)
y_all = labels.long()                                # (N,)
batches = [(x_all[i:i + 32], y_all[i:i + 32]) for i in range(0, len(x_all), 32)]
model = script["Net"]()
try:
    fit(model, batches, loss_fn=F.cross_entropy, max_steps=1, device="cpu",
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1), callbacks=[NaNGuard()])
except NonFiniteError as err:
    guard = err
else:
    raise AssertionError("the guard should stop at the first step")
print("guard:", guard)
assert guard.kind == "loss" and guard.step == 0 and "LogIntensity" in str(guard)
assert inspect(images, "images")["min"] == 0.0       # confirm: black pixels exist, log(0) = -inf
assert torch.log(torch.tensor(0.0)) == -math.inf
source = apply_fix(source, 2)

# %% [markdown]
# ## Bug 3 — silent: `view` where a `permute` was meant
# The loss is finite now, and `inspect` says the model input has exactly the right shape
# `(B, C, H, W)`. But `view` keeps the order of the numbers in memory; it cannot move an
# axis. Confirm with one pixel: its three colours must sit at `x[0, :, 0, 0]`. The images are
# stored `(N, H, W, C)`, so the number for pixel $(h, w)$, colour $c$ of image $n$ sits at
# memory offset
#
# $$
# n \cdot HWC + h \cdot WC + w \cdot C + c
# $$
#
# `permute(0, 3, 1, 2)` keeps these offsets and only reorders the strides to
# $(HWC, 1, WC, C)$, i.e. `(192, 1, 24, 3)` for 8×8×3 images; `view` would instead reread the
# same memory as if it were laid out `(N, C, H, W)`.

# %% [markdown] lang="zh"
# ## Bug 3 —— 悄无声息：本该用 `permute` 的地方用了 `view`
# 损失现在是有限值了，`inspect` 也显示模型输入的形状正是 `(B, C, H, W)`。但 `view` 保持数字在
# 内存中的顺序不变；它无法移动一个轴。用一个像素来确认：它的三个颜色值必须位于
# `x[0, :, 0, 0]`。图像按 `(N, H, W, C)` 存储，所以第 $n$ 张图像中像素 $(h, w)$ 的第 $c$ 个颜色
# 值位于内存偏移
#
# $$
# n \cdot HWC + h \cdot WC + w \cdot C + c
# $$
#
# `permute(0, 3, 1, 2)` 保持这些偏移不变，只把步长重新排列为 $(HWC, 1, WC, C)$，对 8×8×3 的
# 图像就是 `(192, 1, 24, 3)`；而 `view` 则会把同一块内存当作按 `(N, C, H, W)` 排布的来重新读。

# %%
script = load(source, "fix 2")
train(script, "bugs 3-5 left")
x = script["to_model_input"](images[:2])
info = inspect(x, "x")
assert info["shape"] == (2, 3, 8, 8) and info["contiguous"]   # looks perfect …
pixel = images[0, 0, 0]                              # (C,): the top-left pixel's colours
print("top-left pixel:", pixel.tolist(), " x[0, :, 0, 0]:", x[0, :, 0, 0].tolist())
assert not torch.equal(x[0, :, 0, 0], pixel)         # … but the colours got scrambled
source = apply_fix(source, 3)

script = load(source, "fix 3")
x = script["to_model_input"](images[:2])
info = inspect(x, "x (fixed)", show=False)
assert torch.equal(x[0, :, 0, 0], pixel)
assert info["stride"] == (192, 1, 24, 3) and not info["contiguous"]  # a permuted view: fine
print(f"after the fix: x[0, :, 0, 0] = the pixel; strides {info['stride']} (a view, no copy)")

# %% [markdown]
# ## Bug 4 — silent: a `.detach()` cuts the graph
# The convolution is the part that sees the colours, yet it never learns. Confirm after one
# backward: which parameters got no gradient at all?

# %% [markdown] lang="zh"
# ## Bug 4 —— 悄无声息：一个 `.detach()` 切断了计算图
# 卷积是看得见颜色的那一部分，它却从来学不到东西。做一次反向传播之后确认：哪些参数完全没有
# 得到梯度？

# %%
train(script, "bugs 4-5 left")
model = script["Net"]()
x, y = script["to_model_input"](images[:32]), labels[:32].long()
F.cross_entropy(model(x), y).backward()
params = inspect(model, "model", show=False)["children"]
no_grad = [name for name, p in params.items() if p["grad"] is None]
print("parameters without a gradient:", no_grad)
assert no_grad == ["features.1.weight", "features.1.bias"]
source = apply_fix(source, 4)

script = load(source, "fix 4")
model = script["Net"]()
F.cross_entropy(model(x), y).backward()
assert all(p["grad"] is not None for p in inspect(model, show=False)["children"].values())

# %% [markdown]
# ## Bug 5 — silent: no `zero_grad()`
# `backward()` *adds* into `.grad`. Confirm with a learning rate of 0 (the weights stay put):
# two steps on the same batch should see the same gradient, not twice it. Without
# `zero_grad()` the second step sees $g + g = 2g$.

# %% [markdown] lang="zh"
# ## Bug 5 —— 悄无声息：没有调用 `zero_grad()`
# `backward()` 是把梯度*加*进 `.grad`。用学习率 0 来确认（权重保持不动）：在同一个批次上走两步，
# 看到的梯度应该相同，而不是两倍。没有 `zero_grad()` 时，第二步看到的是 $g + g = 2g$。

# %%
train(script, "bug 5 left")


def grad_after_two_steps(script: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """head.weight.grad after one and after two steps on the same batch, lr = 0."""
    model = script["Net"]()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    script["train_step"](model, opt, x, y)
    g1 = model.head.weight.grad.clone()
    script["train_step"](model, opt, x, y)
    return g1, model.head.weight.grad


g1, g2 = grad_after_two_steps(script)
print(f"|grad| after step 1: {g1.norm():.4f}, after step 2: {g2.norm():.4f}")
assert torch.allclose(g2, 2 * g1)
source = apply_fix(source, 5)
g1, g2 = grad_after_two_steps(load(source, "fix 5"))
assert torch.allclose(g2, g1)

# %% [markdown]
# ## The fixed twin
# All five fixes applied give exactly `debug_drill_fixed.txt`, and it trains.

# %% [markdown] lang="zh"
# ## 修好的双胞胎
# 依次应用全部五处修复，得到的正好是 `debug_drill_fixed.txt`，而且它能训练好。

# %%
assert source == FIXED
losses = train(load(FIXED, "fixed"), "all fixed")
assert all(math.isfinite(v) for v in losses)
assert losses[-1] < 0.5 * losses[0] and sum(losses[-8:]) < sum(losses[:8]) / 2
assert accuracy["all fixed"] > 0.85 and accuracy["all fixed"] > accuracy["bugs 3-5 left"]

fig, ax = plt.subplots(figsize=(6.5, 3.5))
for label, curve in curves.items():
    ax.plot(curve, label=f"{label} (acc {accuracy[label]:.2f})")
ax.set(xlabel="step", ylabel="train loss", title="what each fix bought", yscale="log")
ax.legend(fontsize=8)
ctx.savefig(fig, "drill_losses.png")
torch.set_num_threads(THREADS)
