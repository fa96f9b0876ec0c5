# %% [markdown]
# # Day 17 · Mixed precision (AMP): bfloat16 on the CPU — 混合精度训练初探
#
# **Library files:** `src/dlfs/train/amp.py` (which dtype, whether a GradScaler is needed),
# `src/dlfs/train/loop.py` (the autocast region around forward + loss),
# `src/dlfs/train/memory.py` (`step_memory_bytes`).
#
# Mixed precision runs the expensive ops (matmuls, convolutions) in a 16-bit type and keeps
# the rest — the master weights, the optimizer update, reductions and losses — in float32.
# `torch.autocast` decides per op. Two 16-bit types:
#
# | type | exponent bits | mantissa bits | max | needs loss scaling? |
# |---|---|---|---|---|
# | float16 | 5 | 10 | 65504 | yes (small gradients underflow) → a loss scaler |
# | bfloat16 | 8 | 7 | ≈3.4e38 | no: same range as float32 |
#
# On a CPU the choice is bfloat16: `fit(..., amp="bf16")`. Whether it is *faster* depends on
# the CPU (native bf16 instructions such as AVX512-BF16 or AMX); it always halves the bytes of
# the activations it stores. We measure both, and the accuracy cost, on this machine.

# %%
import time

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlfs.curriculum import lesson_context
from dlfs.metrics import accuracy
from dlfs.train import fit, step_memory_bytes

ctx = lesson_context("amp-bf16")
print("CPU capability seen by torch:", torch.backends.cpu.get_cpu_capability())

# %% [markdown]
# ## 1. bfloat16 keeps the range, drops precision
# With 7 stored mantissa bits (8 significant bits) the spacing just above 1 is `2**-7`, so
# `1 + 2**-9` rounds back to 1, and integers above 256 are no longer all representable.

# %%
one = torch.tensor(1.0, dtype=torch.bfloat16)
print("1 + 2**-9 in bf16 ->", (one + 2 ** -9).item(), "| in fp32 ->", 1 + 2 ** -9)
print("257 in bf16 ->", torch.tensor(257.0, dtype=torch.bfloat16).item())
print("1e30 in bf16 ->", torch.tensor(1e30, dtype=torch.bfloat16).item(), "| in fp16 ->",
      torch.tensor(1e30, dtype=torch.float16).item())
assert (one + 2 ** -9).item() == 1.0 and torch.tensor(257.0, dtype=torch.bfloat16).item() == 256
assert torch.isinf(torch.tensor(1e30, dtype=torch.float16))

# %% [markdown]
# ## 2. What autocast changes: per-op dtypes
# Inside `torch.autocast("cpu", dtype=torch.bfloat16)`, `Linear` runs in bf16, but
# `cross_entropy` (a log-softmax + a reduction, sensitive to rounding) runs in float32. The
# parameters themselves stay float32.

# %%
digits = load_digits()
X = torch.tensor(digits.data, dtype=torch.float32) / 16.0      # (1797, 64)
Y = torch.tensor(digits.target)                                # (1797,)
perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(0))
train_ds = TensorDataset(X[perm[:1400]], Y[perm[:1400]])
val_ds = TensorDataset(X[perm[1400:]], Y[perm[1400:]])
HIDDEN = 512


def make_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
                         nn.Linear(HIDDEN, 10))


model = make_model()
x, y = X[:8], Y[:8]
with torch.autocast("cpu", dtype=torch.bfloat16):
    logits = model(x)                                     # (8, 10)
    loss = nn.functional.cross_entropy(logits, y)
print("logits:", logits.dtype, "| loss:", loss.dtype, "| weights:", model[0].weight.dtype)
assert logits.dtype == torch.bfloat16 and loss.dtype == torch.float32
assert model[0].weight.dtype == torch.float32

# %% [markdown]
# ## 3. Memory: the activations kept for backward are half the bytes
# `step_memory_bytes` counts parameters, gradients, the batch and every tensor autograd keeps
# for backward. Under autocast those saved activations are bf16 (plus bf16 copies of weights).

# %%
batch = (X[:1024], Y[:1024])
fp32_bytes = step_memory_bytes(model, batch, nn.functional.cross_entropy)
with torch.autocast("cpu", dtype=torch.bfloat16):
    bf16_bytes = step_memory_bytes(model, batch, nn.functional.cross_entropy)
print(f"one step at B=1024: fp32 {fp32_bytes / 2**20:.2f} MiB, bf16 autocast "
      f"{bf16_bytes / 2**20:.2f} MiB ({bf16_bytes / fp32_bytes:.2f}x)")
assert bf16_bytes < 0.8 * fp32_bytes

# %% [markdown]
# ## 4. Speed and accuracy of a whole training run
# The same run (same seed, same data order) with `amp=None` and `amp="bf16"`. Speed ratios
# are measured in the same process, one run after the other, single-threaded; on a busy
# machine they still vary, so the lesson reports the ratio and asserts only the accuracy.

# %%
EPOCHS = 2 if ctx.quick else 15
for amp in (None, "bf16"):  # warm-up: the first optimizer step in a process imports a lot
    warm = make_model()
    fit(warm, [batch], loss_fn=nn.functional.cross_entropy, amp=amp, max_steps=2,
        optimizer=torch.optim.SGD(warm.parameters(), lr=0.1), device="cpu")
results = {}
threads = torch.get_num_threads()
torch.set_num_threads(1)  # one thread: timings that a busy, shared machine disturbs less
try:
    for amp in (None, "bf16"):
        model = make_model()
        start = time.perf_counter()
        hist = fit(model, DataLoader(train_ds, batch_size=128, shuffle=True,
                                     generator=torch.Generator()),
                   loss_fn=nn.functional.cross_entropy,
                   optimizer=torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                   epochs=EPOCHS, amp=amp, val_loader=DataLoader(val_ds, batch_size=512),
                   metrics={"acc": accuracy}, device="cpu")
        seconds = time.perf_counter() - start
        results[amp or "fp32"] = (seconds / len(hist.step_loss), hist)
        print(f"{amp or 'fp32':5s}: {1e3 * seconds / len(hist.step_loss):6.2f} ms/step, "
              f"val acc {hist.last('val/acc'):.3f}, final train loss {hist.step_loss[-1]:.4f}")
finally:
    torch.set_num_threads(threads)

speed = results["fp32"][0] / results["bf16"][0]
acc32, acc16 = (results[k][1].last("val/acc") for k in ("fp32", "bf16"))
print(f"bf16 speed-up on this CPU: {speed:.2f}x (below 1 means slower); "
      f"accuracy change {acc16 - acc32:+.3f}")
assert abs(acc16 - acc32) < 0.05, (acc32, acc16)

# %% [markdown]
# ## 5. float16 on the CPU: it works, with a loss scaler, but it is slow here
# `fit(amp="fp16")` autocasts to float16 and, because float16's small range makes small
# gradients underflow, scales the loss with the from-scratch `LossScaler` (lessons
# `number-formats` and `loss-scaling`). This CPU has no fast float16 matmul, so one small
# step shows the cost; bf16 is the CPU's format, fp16 the classic GPU one.

# %%
fp16_model = make_model()
small = (X[:64], Y[:64])
start = time.perf_counter()
hist16 = fit(fp16_model, [small], loss_fn=nn.functional.cross_entropy,
             optimizer=torch.optim.SGD(fp16_model.parameters(), lr=0.1), max_steps=1,
             amp="fp16", device="cpu")
print(f"fit(amp='fp16', device='cpu'): one step of B=64 in {time.perf_counter() - start:.2f} "
      f"s, loss {hist16.step_loss[0]:.3f}")
assert len(hist16.step_loss) == 1 and hist16.step_loss[0] == hist16.step_loss[0]  # finite

# %%
fig, ax = plt.subplots(figsize=(6, 3))
for name, (_, hist) in results.items():
    ax.plot(hist.step_loss, label=f"{name} ({1e3 * results[name][0]:.1f} ms/step)")
ax.set(xlabel="step", ylabel="train loss", yscale="log", title="fp32 vs bf16 autocast (CPU)")
ax.legend()
ctx.savefig(fig, "amp_loss.png")
