# %% [markdown]
# # LSTM and GRU gates, watched step by step — LSTM 与 GRU 的门控，逐步观察
#
# **Library files:** `src/dlfs/nn/rnn_cell.py` (`LSTMCell`, `GRUCell`),
# `src/dlfs/nn/functional/rnn.py` (the gate equations).
#
# LSTM (gate order i, f, g, o as in torch):
#
#     i, f, o = σ(·),  g = tanh(·)         (each: x W_i·^T + b_i· + h W_h·^T + b_h·)
#     c_t = f ⊙ c_{t-1} + i ⊙ g            the cell: an additive path through time
#     h_t = o ⊙ tanh(c_t)
#
# GRU (r, z, n):  n = tanh(x W_in^T + b_in + r ⊙ (h W_hn^T + b_hn)),  h_t = (1 − z) ⊙ n + z ⊙ h
#
# We recompute the gates by hand from the cell's own weights at every step, check that the
# library's state equals the hand computation, and plot how open each gate is over time.

# %%
import matplotlib.pyplot as plt
import torch

from dlfs import nn
from dlfs.curriculum import lesson_context
from dlfs.data.text import CharTokenizer, load_corpus

ctx = lesson_context("lstm-gru-gates")
torch.manual_seed(0)

text = load_corpus("help").split("val")[:60 if ctx.quick else 200]
tok = CharTokenizer.from_text(text)
x = nn.functional.one_hot(torch.tensor(tok.encode(text)), tok.vocab_size).double()  # (T, V)
T, V, H = x.shape[0], tok.vocab_size, 16

# %% [markdown]
# ## 1. LSTM: gates by hand equal the cell

# %%
lstm = nn.LSTMCell(V, H).double()
h = c = torch.zeros(H, dtype=torch.float64)
gates = {"input i": [], "forget f": [], "output o": []}
with torch.no_grad():
    for t in range(T):
        pre = x[t] @ lstm.weight_ih.T + lstm.bias_ih + h @ lstm.weight_hh.T + lstm.bias_hh
        i, f, g, o = pre.chunk(4)                       # (H,) each
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        c_hand = f * c + i * g
        h_hand = o * c_hand.tanh()
        h, c = lstm(x[t], (h, c))
        assert torch.allclose(h, h_hand, atol=1e-12) and torch.allclose(c, c_hand, atol=1e-12)
        for name, gate in zip(gates, (i, f, o)):
            assert ((gate > 0) & (gate < 1)).all()
            gates[name].append(gate.mean().item())
print(f"LSTM over {T} characters: hand-computed gates reproduce (h, c) at every step")
print({k: round(sum(v) / len(v), 3) for k, v in gates.items()}, "(mean openness)")

# %% [markdown]
# ## 2. GRU: the update gate z decides how much of the old state survives

# %%
gru = nn.GRUCell(V, H).double()
h = torch.zeros(H, dtype=torch.float64)
gru_gates = {"reset r": [], "update z": []}
with torch.no_grad():
    for t in range(T):
        xi = x[t] @ gru.weight_ih.T + gru.bias_ih
        hh = h @ gru.weight_hh.T + gru.bias_hh
        (xr, xz, xn), (hr, hz, hn) = xi.chunk(3), hh.chunk(3)
        r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        h_hand = (1 - z) * n + z * h
        h = gru(x[t], h)
        assert torch.allclose(h, h_hand, atol=1e-12)
        gru_gates["reset r"].append(r.mean().item())
        gru_gates["update z"].append(z.mean().item())
print("GRU: (1 - z) * n + z * h reproduces the cell at every step")

# %% [markdown]
# ## 3. The additive cell path: with f = 1 and i = 0 the cell state is carried unchanged
# This is why gradients survive long spans in an LSTM: ∂c_t/∂c_{t-1} = f, not a product of
# weight matrices and tanh slopes. Both halves, checked on the library's cell: autograd's
# Jacobian of c_t with respect to c_{t-1} (h_{t-1} held fixed) is diag(f) for the random cell
# above; and when the forget gate is pinned open (bias +40: σ = 1 in float64) and the input
# gate shut (bias −40), the cell carries c_0 through all T steps while h keeps changing.

# %%
h0, c0 = torch.randn(H, dtype=torch.float64), torch.randn(H, dtype=torch.float64)
pre = x[5] @ lstm.weight_ih.T + lstm.bias_ih + h0 @ lstm.weight_hh.T + lstm.bias_hh
f_gate = pre.chunk(4)[1].sigmoid()                              # (H,)
jac = torch.autograd.functional.jacobian(lambda c: lstm(x[5], (h0, c))[1], c0)  # (H, H)
torch.testing.assert_close(jac, torch.diag(f_gate))
off_diagonal = (jac - torch.diag(jac.diagonal())).abs().max().item()
print(f"dc_t/dc_(t-1) = diag(f): largest off-diagonal entry {off_diagonal:.0e}")

carry = nn.LSTMCell(V, H).double()
with torch.no_grad():
    for weight in (carry.weight_ih, carry.weight_hh):
        weight[:2 * H] = 0                                      # rows of i and f: no input
    carry.bias_ih[:H], carry.bias_ih[H:2 * H] = -40.0, 40.0     # i = σ(−40) ≈ 4e-18, f = 1
    carry.bias_hh[:2 * H] = 0.0
    h, c = h0, c0
    for t in range(T):
        h, c = carry(x[t], (h, c))
drift = (c - c0).abs().max().item()
print(f"f = 1, i = 0 for {T} steps: max |c_T - c_0| = {drift:.1e}; "
      f"h moved by {(h - h0).abs().max():.2f}")
assert drift < 1e-14 and not torch.allclose(h, h0)

fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True)
for name, values in gates.items():
    axes[0].plot(values, label=name)
for name, values in gru_gates.items():
    axes[1].plot(values, label=name)
axes[0].set_title("LSTM gates (mean over units)")
axes[1].set_title("GRU gates (mean over units)")
for ax in axes:
    ax.set_xlabel("time step (character)")
    ax.legend()
axes[0].set_ylabel("gate value")
ctx.savefig(fig, "gates.png")
