# %% [markdown]
# # Day 13 · Saving, loading and resuming training — 模型保存、加载与断点续训
#
# **Library files:** `src/dlfs/train/checkpoint.py` (atomic, checksummed files),
# `src/dlfs/train/rng.py` (RNG states as plain data), `src/dlfs/train/loop.py` (`fit`,
# resume), `src/dlfs/train/resume.py` (picking the newest good checkpoint).
#
# Three questions:
# 1. What do I save? `model.state_dict()` (names → tensors), not the whole model object.
# 2. Why does `torch.load` refuse some files? Since torch 2.6 it loads with
#    `weights_only=True` by default: only tensors and plain containers, never arbitrary
#    Python objects (unpickling can run code).
# 3. What must a checkpoint hold so that a resumed run is *exactly* the run that was
#    interrupted? Model, optimizer, scheduler, step counters, RNG states and data position.

# %%
import pickle
import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlfs.curriculum import lesson_context
from dlfs.train import CheckpointWarning, capture_rng_state, fit, load_checkpoint

ctx = lesson_context("save-load-resume")
torch.manual_seed(0)


def refusal_reason(exc: Exception) -> str:
    """The informative line of a weights_only refusal (which global it would not load)."""
    lines = [ln for ln in str(exc).splitlines() if "Unsupported global" in ln]
    return (lines[0] if lines else str(exc).splitlines()[0]).strip()[:120]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 1))

    def forward(self, x):  # (B, 4) -> (B, 1)
        return self.body(x)


# %% [markdown]
# ## 1. `state_dict`: an ordered dict of names → tensors
# Parameters and buffers, keyed by their attribute path. Saving it and loading it into a
# freshly built model of the same class restores the function exactly.

# %%
model = Net()
for name, t in model.state_dict().items():
    print(f"{name:14s} {tuple(t.shape)}")
path = ctx.path("net_state.pt")
torch.save(model.state_dict(), path)
fresh = Net()
fresh.load_state_dict(torch.load(path, weights_only=True))
x = torch.randn(5, 4)
model.eval(), fresh.eval()
assert torch.equal(model(x), fresh(x))
print("state_dict round trip: identical outputs")

# %% [markdown]
# ## 2. The whole-model pitfall: `torch.save(model)` pickles the object
# The file then names the class by its import path (here `__main__.Net` or the lesson
# module). Loading needs that class importable under the same name, and with the default
# `weights_only=True` it is refused outright.

# %%
whole = ctx.path("net_whole.pt")
torch.save(model, whole)
try:
    torch.load(whole)  # weights_only=True is the default
    raise AssertionError("expected weights_only to refuse a pickled module")
except pickle.UnpicklingError as exc:
    print("torch.load(whole model) fails:", refusal_reason(exc))
    assert "Unsupported global" in str(exc)
# the fix: save the state_dict (section 1). Only for a file you made yourself:
trusted = torch.load(whole, weights_only=False)
assert torch.equal(trusted(x), model(x))
print("weights_only=False works, but only load files you trust: unpickling can run code")

# %% [markdown]
# ## 3. The same pitfall inside a checkpoint dict
# `np.random.get_state()` returns a NumPy array inside a tuple: `weights_only` refuses it.
# The fix is to store plain data (tensors, ints, lists) — `capture_rng_state()` does that
# for Python's `random`, NumPy and torch.

# %%
bad = ctx.path("bad_ckpt.pt")
torch.save({"model": model.state_dict(), "numpy_rng": np.random.get_state()}, bad)
try:
    torch.load(bad, weights_only=True)
    raise AssertionError("expected a refusal")
except pickle.UnpicklingError as exc:
    print("numpy state refused:", refusal_reason(exc))
    assert "numpy" in refusal_reason(exc)
good = ctx.path("good_ckpt.pt")
torch.save({"model": model.state_dict(), "rng": capture_rng_state()}, good)
state = torch.load(good, weights_only=True)
print("plain-data RNG state loads fine; numpy keys:", tuple(state["rng"]["numpy"]["keys"].shape))

# %% [markdown]
# ## 4. Exact resume with `fit`
# A run of 3 epochs, and a second run stopped after 7 steps (mid-epoch) then resumed from its
# checkpoint. The model has dropout and the loader shuffles, so both depend on RNG states;
# the optimizer is Adam (its moments are state too) with a cosine schedule.

# %%
g = torch.Generator().manual_seed(0)
X = torch.randn(96 if ctx.quick else 960, 4, generator=g)
Y = X @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.1 * torch.randn(len(X), 1, generator=g)
epochs = 3 if ctx.quick else 10


def run(ckpt_dir=None, **options):
    torch.manual_seed(0)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    loader = DataLoader(TensorDataset(X, Y), batch_size=16, shuffle=True,
                        generator=torch.Generator())
    hist = fit(net, loader, loss_fn=nn.functional.mse_loss, optimizer=opt, scheduler=sched,
               epochs=epochs, checkpoint_dir=ckpt_dir, checkpoint_every=2, device="cpu",
               **options)
    return net, hist


full, full_hist = run()
ckpt_dir = ctx.path("ckpt")
for old in ckpt_dir.glob("*.pt") if ckpt_dir.exists() else []:
    old.unlink()
_, part = run(ckpt_dir, max_steps=7)
print("stopped after", len(part.step_loss), "steps; files:", sorted(p.name for p in ckpt_dir.iterdir()))
payload = load_checkpoint(ckpt_dir / "step-00000007.pt")
print("checkpoint holds:", sorted(payload))
print(f"position: epoch {payload['trainer']['epoch']}, "
      f"{payload['trainer']['batch_in_epoch']} batch(es) into it, step {payload['trainer']['step']}")
resumed, hist = run(ckpt_dir, resume=True)
print(hist.events[-1])
same = all(torch.equal(a, b) for a, b in zip(full.state_dict().values(),
                                              resumed.state_dict().values()))
assert same and hist.step_loss == full_hist.step_loss
print("resumed run == uninterrupted run, bitwise:", same)

# %% [markdown]
# ## 5. The naive resume: reload the weights only
# Keep the model's weights, but start a new optimizer, a new schedule and fresh RNG states:
# Adam's moments restart at zero, the learning rate restarts, the data order and dropout
# masks change. The result is a *different* run.

# %%
torch.manual_seed(0)
naive = Net()
naive.load_state_dict(payload["model"])
opt = torch.optim.Adam(naive.parameters(), lr=1e-2)
loader = DataLoader(TensorDataset(X, Y), batch_size=16, shuffle=True)
fit(naive, loader, loss_fn=nn.functional.mse_loss, optimizer=opt,
    max_steps=len(full_hist.step_loss) - 7, device="cpu", seed=1)
gap = max((a - b).abs().max().item() for a, b in zip(full.state_dict().values(),
                                                      naive.state_dict().values()))
print(f"weights-only resume differs from the real run by up to {gap:.2e}")
assert gap > 0

# %% [markdown]
# ## 6. A damaged checkpoint is detected and skipped
# Files are written to a temp file, fsync'ed and renamed, so a crash never leaves half a
# file under the real name — but disks and copies can still damage one. Each file carries a
# SHA-256 of its content; a resume skips a bad file with a warning and takes the previous.

# %%
newest = sorted(ckpt_dir.glob("step-*.pt"))[-1]
newest.write_bytes(newest.read_bytes()[:-100])  # simulate a truncated copy
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    _, again = run(ckpt_dir, resume=True)
messages = [str(w.message) for w in caught if issubclass(w.category, CheckpointWarning)]
print("warning:", messages[0][:120])
assert messages and newest.name in messages[0]
print(again.events[-1])

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(full_hist.step_loss, label="uninterrupted", lw=3, alpha=0.5)
ax.plot(range(7, len(hist.step_loss)), hist.step_loss[7:], "--", label="resumed at step 7")
ax.axvline(7, color="gray", lw=0.8)
ax.set(xlabel="step", ylabel="train loss", yscale="log", title="resume continues the same run")
ax.legend()
ctx.savefig(fig, "resume_loss.png")
