# %% [markdown]
# # RNNs from scratch: the hidden-state recurrence written out — 从零实现循环神经网络
#
# **Library files:** `src/dlfs/nn/functional/rnn.py` (the steps of RNN, LSTM and GRU, and
# `recurrent_scan`, the time loop), `src/dlfs/nn/rnn.py` (`RNN`, `LSTM`, `GRU`: layers,
# directions, parameters); parity with `torch.nn` in `tests/nn/test_rnn_parity.py`.
#
# What we write out by hand here, and check against the library each time:
# 1. the recurrence `h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)` as a loop;
# 2. why the library computes `x_t W_ih^T` for all t in one matmul before the loop;
# 3. deep (stacked) and bidirectional RNNs;
# 4. the LSTM and GRU gate equations;
# 5. backpropagation through time: the gradient reaching step t is multiplied by `W_hh^T`
#    once per later step, so it shrinks or explodes geometrically.

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
import dlfs.nn.functional as F
from dlfs.curriculum import lesson_context

ctx = lesson_context("rnn-from-scratch")
torch.manual_seed(0)
D = torch.float64
T, B, C, H = 6, 2, 3, 4  # time steps, batch, input features, hidden features
x = torch.randn(T, B, C, dtype=D)  # (T, B, C): time first


def close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return torch.allclose(a, b, atol=1e-12, rtol=0)


# %% [markdown]
# ## 1. The recurrence as a loop
# The state starts at zero; each step mixes the new input with the previous state. The
# output sequence is simply the list of states.

# %%
rnn = nn.RNN(C, H).double()
W_ih, W_hh, b_ih, b_hh = rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0
print("W_ih", tuple(W_ih.shape), "W_hh", tuple(W_hh.shape))

h = torch.zeros(B, H, dtype=D)  # (B, H)
states = []
for t in range(T):
    h = torch.tanh(x[t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)  # (B, H)
    states.append(h)
by_hand = torch.stack(states)  # (T, B, H)

out, h_n = rnn(x)
print("output", tuple(out.shape), "h_n", tuple(h_n.shape))
assert close(by_hand, out) and close(h, h_n[0])
print("hand loop == dlfs.nn.RNN: outputs and final state")

# %% [markdown]
# ## 2. Hoisting the input projection out of the loop
# `x_t W_ih^T + b_ih` does not depend on h, so all T of them are one (T*B, C) x (C, H)
# matmul done before the loop. Inside the loop only `h W_hh^T` is left: T+1 matmul calls
# instead of 2T, and the big one keeps the CPU busy with a large product. For LSTM the
# four gates' weights are stacked into one (4H, C) matrix, so it is still one matmul per step.

# %%
gx = (x.reshape(T * B, C) @ W_ih.T + b_ih).reshape(T, B, H)  # (T, B, H): all steps at once
h = torch.zeros(B, H, dtype=D)
for t in range(T):
    h = torch.tanh(gx[t] + h @ W_hh.T + b_hh)
assert close(h, h_n[0])
scan_out, (scan_h,) = F.recurrent_scan(gx, (torch.zeros(B, H, dtype=D),),
                                       lambda g, s: (F.rnn_step(g, s[0], W_hh, b_hh),))
assert close(scan_out, out) and close(scan_h, h)
print("hoisted projection + F.recurrent_scan give the same states")

# %% [markdown]
# ## 3. Deep and bidirectional
# A second layer reads the first layer's output sequence as its input. A bidirectional layer
# runs a second, independent RNN on the reversed sequence and concatenates the two states at
# each position, so position t sees both its past and its future. `h_n` stacks the final
# state of each (layer, direction): forward then reverse, layer by layer.

# %%
deep = nn.RNN(C, H, num_layers=2, bidirectional=True).double()


def one_direction(inp: torch.Tensor, suffix: str, reverse: bool) -> torch.Tensor:
    """(T, B, C_in) -> (T, B, H) with the weights named ``*_l{layer}{suffix}``."""
    w = {k: getattr(deep, f"{k}{suffix}") for k in ("weight_ih", "weight_hh", "bias_ih",
                                                  "bias_hh")}
    seq = inp.flip(0) if reverse else inp
    h, outs = torch.zeros(B, H, dtype=D), []
    for x_t in seq:
        h = torch.tanh(x_t @ w["weight_ih"].T + w["bias_ih"] + h @ w["weight_hh"].T
                       + w["bias_hh"])
        outs.append(h)
    out = torch.stack(outs)  # (T, B, H)
    return out.flip(0) if reverse else out  # back to time order


layer0 = torch.cat([one_direction(x, "_l0", False), one_direction(x, "_l0_reverse", True)],
                   dim=-1)  # (T, B, 2H)
layer1 = torch.cat([one_direction(layer0, "_l1", False),
                    one_direction(layer0, "_l1_reverse", True)], dim=-1)  # (T, B, 2H)
deep_out, deep_h = deep(x)
assert close(layer1, deep_out)
assert close(deep_h[3], layer1[0, :, H:]), "reverse direction ends at t = 0"
assert close(deep_h[2], layer1[-1, :, :H]), "forward direction ends at t = T-1"
print("2-layer bidirectional by hand == dlfs.nn.RNN(num_layers=2, bidirectional=True):",
      tuple(deep_out.shape), tuple(deep_h.shape))

# %% [markdown]
# ## 4. LSTM and GRU gates
# LSTM: the stacked pre-activations split into input, forget, cell and output parts (torch's
# order i, f, g, o); the cell state c is updated additively, which lets gradients flow far.
# GRU: reset r and update z gates; the reset gate scales the recurrent part of the
# candidate, *including* its bias b_hn; the new state interpolates between candidate and old.

# %%
lstm = nn.LSTMCell(C, H).double()
h0, c0 = torch.randn(B, H, dtype=D), torch.randn(B, H, dtype=D)
pre = x[0] @ lstm.weight_ih.T + lstm.bias_ih + h0 @ lstm.weight_hh.T + lstm.bias_hh  # (B, 4H)
i, f, g, o = pre.split(H, dim=-1)
c1 = torch.sigmoid(f) * c0 + torch.sigmoid(i) * torch.tanh(g)
h1 = torch.sigmoid(o) * torch.tanh(c1)
lib_h, lib_c = lstm(x[0], (h0, c0))
assert close(h1, lib_h) and close(c1, lib_c)

gru = nn.GRUCell(C, H).double()
gi = (x[0] @ gru.weight_ih.T + gru.bias_ih).split(H, dim=-1)  # x_r, x_z, x_n
gh = (h0 @ gru.weight_hh.T + gru.bias_hh).split(H, dim=-1)  # h_r, h_z, h_n
r, z = torch.sigmoid(gi[0] + gh[0]), torch.sigmoid(gi[1] + gh[1])
n = torch.tanh(gi[2] + r * gh[2])
assert close((1 - z) * n + z * h0, gru(x[0], h0))
print("LSTM (i, f, g, o) and GRU (r, z, n) written out == dlfs.nn.LSTMCell / GRUCell")

# %% [markdown]
# ## 5. Backpropagation through time
# Take a *linear* recurrence h_t = h_{t-1} W^T + x_t U^T and a loss L = v . h_T. Then
# dL/dh_t = v W^{T-t}: one factor W per later step. With W = s Q, Q orthogonal, the norm is
# exactly s^{T-t} |v|: it vanishes for s < 1 and explodes for s > 1. A tanh recurrence
# multiplies in tanh' <= 1 at every step as well, which only adds to the shrinking. This is
# why long sequences need gradient clipping (against explosion) and gated cells (against
# vanishing).

# %%
steps = 40 if ctx.quick else 100
Q, _ = torch.linalg.qr(torch.randn(H, H, dtype=D))  # orthogonal (H, H)
U = torch.randn(H, C, dtype=D, requires_grad=True)  # a leaf, so the h_t are in the graph
v = torch.randn(H, dtype=D)
xs = torch.randn(steps, C, dtype=D) * 0.1


def grad_norms(s: float, nonlinear: bool) -> torch.Tensor:
    """|dL/dh_t| for t = 1..steps, by autograd through the unrolled loop."""
    W = s * Q
    h, hs = torch.zeros(H, dtype=D), []
    for x_t in xs:
        h = h @ W.T + U @ x_t
        h = torch.tanh(h) if nonlinear else h
        h.retain_grad()
        hs.append(h)
    (v @ h).backward()
    return torch.stack([h_t.grad.norm() for h_t in hs])  # (steps,)


distance = torch.arange(steps - 1, -1, -1, dtype=D)  # T - t
fig, ax = plt.subplots(figsize=(6.5, 4))
for s in (0.8, 1.0, 1.2):
    norms = grad_norms(s, nonlinear=False)
    assert torch.allclose(norms, s ** distance * v.norm(), rtol=1e-9)  # exactly s^(T-t) |v|
    ax.semilogy(distance, norms, label=f"linear, s = {s}")
tanh_norms = grad_norms(1.2, nonlinear=True)
assert (tanh_norms <= 1.2 ** distance * v.norm() + 1e-12).all()
ax.semilogy(distance, tanh_norms, "--", label="tanh, s = 1.2")
ax.set_xlabel("steps back from the loss (T - t)")
ax.set_ylabel("|dL/dh_t|")
ax.set_title("Backpropagation through time: one factor W per step")
ax.legend()
ctx.savefig(fig, "bptt_gradient_norms.png")
plt.close(fig)
print(f"after {steps - 1} steps back: s=0.8 -> x{0.8 ** (steps - 1):.1e}, "
      f"s=1.2 -> x{1.2 ** (steps - 1):.1e}")
