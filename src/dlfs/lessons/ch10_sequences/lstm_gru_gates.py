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
# weight matrices and tanh slopes.

# %%
c0 = torch.randn(H, dtype=torch.float64)
f_open, i_closed, g_any = torch.ones(H), torch.zeros(H), torch.randn(H)
c1 = f_open * c0 + i_closed * g_any
assert torch.equal(c1, c0)

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
