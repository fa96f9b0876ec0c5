# %% [markdown]
# # Training on CPU and GPU: `.cuda()` vs `.to(device)`, device-agnostic code — CPU 与 GPU 训练：`.cuda()` 与 `.to(device)`，设备无关的写法
#
# **Library files:** `src/dlfs/playground/` (`get_device`, `seed_everything`),
# `src/dlfs/train/loop.py` (`fit`, which moves model and batches to `device` for you),
# `src/dlfs/nn/conv.py`, `src/dlfs/nn/linear.py`, `src/dlfs/data/datasets/digits.py`.
#
# The seed notes train the same CNN three ways: on the CPU, with `.cuda()` calls sprinkled
# over model, loss and batches, and with one `device` variable and `.to(device)`. This lesson
# shows what each call really does, writes the training loop once so it runs anywhere, trains
# it on the CPU, and runs the GPU part only when a GPU is present (otherwise it says so and
# skips it).

# %% [markdown] lang="zh"
# # CPU 与 GPU 训练：`.cuda()` 与 `.to(device)`，设备无关的写法
#
# **库文件：** `src/dlfs/playground/`（`get_device`、`seed_everything`），
# `src/dlfs/train/loop.py`（`fit`，它会替你把模型和批次移到 `device` 上），
# `src/dlfs/nn/conv.py`、`src/dlfs/nn/linear.py`、`src/dlfs/data/datasets/digits.py`。
#
# 原始笔记用三种方式训练同一个 CNN：只在 CPU 上；在模型、损失函数和批次上到处加
# `.cuda()`；以及只用一个 `device` 变量配合 `.to(device)`。本课讲清每个调用实际做了什么，
# 把训练循环只写一遍、让它在任何设备上都能跑，先在 CPU 上训练；只有存在 GPU 时才运行
# GPU 部分（否则会打印说明并跳过）。

# %%
import time

import matplotlib.pyplot as plt
import torch
from torch.utils.data import DataLoader

import dlfs.nn as nn
from dlfs.curriculum import lesson_context
from dlfs.data.datasets import digits
from dlfs.nn import functional as F
from dlfs.playground import get_device, seed_everything
from dlfs.train import fit

ctx = lesson_context("cpu-gpu-training")
seed_everything(0)
HAS_CUDA = torch.cuda.is_available()
print("torch", torch.__version__, "| CUDA available:", HAS_CUDA,
      "| get_device() ->", get_device())

# %% [markdown]
# ## 1. What `.to()` does to a tensor and to a module
# - `tensor.to(device)` **returns** a tensor on that device; the original stays where it
#   was. If nothing needs to change it returns the very same object (no copy).
# - `module.to(device)` moves the parameters and buffers **in place** and returns the module
#   itself; the `Parameter` objects stay the same, so an optimizer made earlier still holds
#   them. (Still, the habit "move the model, then build the optimizer" is the safe order.)
# - `.cuda()` is `.to("cuda")` with the device written into the code; `.cpu()` is
#   `.to("cpu")`. On a machine without CUDA, `.cuda()` fails.

# %% [markdown] lang="zh"
# ## 1. `.to()` 对张量和对模块分别做了什么
# - `tensor.to(device)` **返回**一个位于该设备上的张量，原张量留在原处。
#   如果什么都不用变，它返回的就是同一个对象（不复制）。
# - `module.to(device)` **原地**移动参数和缓冲区，并返回模块本身；`Parameter`
#   对象不变，所以之前创建的优化器仍然持有它们。（不过“先移动模型，再创建优化器”
#   仍是稳妥的习惯顺序。）
# - `.cuda()` 就是把设备写死在代码里的 `.to("cuda")`；`.cpu()` 就是 `.to("cpu")`。
#   在没有 CUDA 的机器上，`.cuda()` 会报错。

# %%
t = torch.arange(4.0)
assert t.to("cpu") is t  # already there: the same object
t64 = t.to(torch.float64)
assert t64 is not t and t.dtype == torch.float32  # a new tensor; t unchanged
model = nn.Linear(3, 2)
weight_before = model.weight
assert model.to("cpu") is model and model.weight is weight_before  # in place, same Parameter
print("tensor.to: returns a tensor (same object if nothing changes); module.to: in place")

try:
    torch.zeros(1).cuda()
    print(".cuda() worked: this machine has a GPU")
except (AssertionError, RuntimeError) as exc:
    assert not HAS_CUDA
    print(f".cuda() without a GPU raises {type(exc).__name__}: {exc}")

# %% [markdown]
# Everything one operation touches must sit on one device. Without a GPU we can still show
# the error, with PyTorch's `meta` device (tensors with a shape but no data) standing in for
# `cuda`: a model on the CPU fed a batch that lives elsewhere refuses to run.

# %% [markdown] lang="zh"
# 一次运算涉及的所有张量都必须在同一个设备上。没有 GPU 也能演示这个错误：用 PyTorch 的
# `meta` 设备（只有形状、没有数据的张量）代替 `cuda`——CPU 上的模型收到放在别处的批次时，
# 会拒绝运行。

# %%
try:
    model(torch.zeros(5, 3, device="meta"))
    raise AssertionError("expected a device mismatch")
except RuntimeError as exc:
    assert "device" in str(exc)
    print("model on cpu, input on meta ->", type(exc).__name__, ":", exc)

# %% [markdown]
# ## 2. One training function for every device
# `get_device()` picks CUDA, then Apple's MPS, then the CPU; `get_device("cpu")` forces one.
# The function below mentions no device by name: the model is moved once, each batch on
# arrival, and `.item()` brings the loss back to Python (a sync point on a GPU, so we call
# it only to record the curve).

# %% [markdown] lang="zh"
# ## 2. 一个训练函数，适用于所有设备
# `get_device()` 依次优先选择 CUDA、Apple 的 MPS、CPU；`get_device("cpu")` 则强制指定。
# 下面的函数没有点名任何设备：模型只移动一次，每个批次到达时移动，`.item()`
# 把损失值取回 Python（在 GPU 上这是一个同步点，所以只在记录曲线时调用）。


# %%
def small_cnn() -> nn.Sequential:
    """(B, 1, 8, 8) -> (B, 10): conv 3x3 (16) -> ReLU -> max-pool 2 -> linear."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),  # (B, 16, 8, 8)
        nn.MaxPool2d(2),                            # (B, 16, 4, 4)
        nn.Flatten(),                               # (B, 256)
        nn.Linear(16 * 4 * 4, 10),                  # (B, 10)
    )


def train(device: torch.device, steps: int, seed: int = 0) -> tuple[list[float], float]:
    """Train small_cnn on digits on ``device``; return step losses and test accuracy."""
    seed_everything(seed)
    net = small_cnn().to(device)  # move first, then build the optimizer
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    loader = DataLoader(digits("train"), batch_size=64, shuffle=True,
                        generator=torch.Generator().manual_seed(seed),
                        pin_memory=device.type == "cuda")  # page-locked: faster copies
    losses: list[float] = []
    net.train()
    while len(losses) < steps:
        for x, y in loader:
            x = x.to(device, non_blocking=True)  # (B, 1, 8, 8)
            y = y.to(device, non_blocking=True)  # (B,)
            loss = F.cross_entropy(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if len(losses) == steps:
                break
    x_test, y_test = digits("test")[:]
    net.eval()
    with torch.no_grad():
        pred = net(x_test.to(device)).argmax(1).cpu()  # back to the CPU to compare
    return losses, (pred == y_test).float().mean().item()


steps = 60 if ctx.quick else 400
cpu = get_device("cpu")
t0 = time.perf_counter()
cpu_losses, cpu_acc = train(cpu, steps)
cpu_time = time.perf_counter() - t0
print(f"CPU: {steps} steps in {cpu_time:.2f} s, loss {cpu_losses[0]:.3f} -> "
      f"{cpu_losses[-1]:.3f}, test accuracy {cpu_acc:.3f}")
assert sum(cpu_losses[-5:]) / 5 < cpu_losses[0] / 4
assert cpu_acc > 0.9

# %% [markdown]
# The library's loop does the moving for you: `fit(..., device=...)` puts the model on the
# device and moves every batch (`device="auto"` asks `get_device()`).

# %% [markdown] lang="zh"
# 库里的训练循环会替你移动：`fit(..., device=...)` 把模型放到该设备上，并移动每个批次
# （`device="auto"` 表示交给 `get_device()` 选择）。

# %%
seed_everything(0)
net = small_cnn()
loader = DataLoader(digits("train"), batch_size=64, shuffle=True,
                    generator=torch.Generator().manual_seed(0))
hist = fit(net, loader, loss_fn=F.cross_entropy,
           optimizer=torch.optim.Adam(net.parameters(), lr=1e-2), max_steps=steps,
           device="cpu", seed=0)
assert next(net.parameters()).device == cpu
print(f"fit(device='cpu'): loss {hist.step_loss[0]:.3f} -> {hist.step_loss[-1]:.3f}")
assert sum(hist.step_loss[-5:]) / 5 < hist.step_loss[0] / 4

# %% [markdown]
# ## 3. The same function on a GPU (skipped without one)
# With CUDA the only change is the argument. Results agree with the CPU run up to
# floating-point differences (different kernels sum in a different order), so we compare
# accuracies loosely, not bit for bit. GPU work is asynchronous: time it after
# `torch.cuda.synchronize()` (here `.item()` already synchronizes every step).

# %% [markdown] lang="zh"
# ## 3. 同一个函数跑在 GPU 上（没有 GPU 则跳过）
# 有 CUDA 时唯一的改动就是参数。结果与 CPU 上的运行只差浮点误差（不同的内核以不同顺序求和），
# 所以我们只粗略比较准确率，而不逐位比较。GPU 上的计算是异步的：计时要在
# `torch.cuda.synchronize()` 之后进行（这里 `.item()` 已经在每一步同步了）。

# %%
gpu_losses: list[float] | None = None
if HAS_CUDA:
    gpu = get_device("cuda")
    t0 = time.perf_counter()
    gpu_losses, gpu_acc = train(gpu, steps)
    torch.cuda.synchronize()
    gpu_time = time.perf_counter() - t0
    print(f"GPU ({torch.cuda.get_device_name(0)}): {steps} steps in {gpu_time:.2f} s, "
          f"test accuracy {gpu_acc:.3f} (CPU {cpu_acc:.3f})")
    assert abs(gpu_acc - cpu_acc) < 0.05
    legacy = small_cnn().cuda()  # the .cuda() idiom: works, but only where CUDA exists
    assert next(legacy.parameters()).is_cuda
else:
    print("No CUDA device here: the GPU part is skipped. On a GPU machine this cell trains "
          "the same function with device=get_device('cuda') and compares the accuracies.")

# %%
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(cpu_losses, label=f"CPU (acc {cpu_acc:.3f})")
if gpu_losses is not None:
    ax.plot(gpu_losses, "--", label="GPU")
ax.plot(hist.step_loss, ":", label="fit(device='cpu')")
ax.set_xlabel("step")
ax.set_ylabel("training loss")
ax.set_yscale("log")
ax.legend()
ax.set_title("The same device-agnostic loop")
ctx.savefig(fig, "cpu_gpu_curves.png")
