# %% [markdown]
# # LSTM and GRU gates, watched step by step — LSTM 与 GRU 的门控，逐步观察
#
# **Library files:** `src/dlfs/nn/rnn_cell.py` (`LSTMCell`, `GRUCell`),
# `src/dlfs/nn/functional/rnn.py` (the gate equations).
#
# LSTM (gate order i, f, g, o as in torch): the pre-activations are split into four parts,
# the cell state is an additive path through time:
#
# $$
# \begin{aligned}
# [\,\tilde{i},\ \tilde{f},\ \tilde{g},\ \tilde{o}\,] &= x_t W_{ih}^\top + b_{ih}
#   + h_{t-1} W_{hh}^\top + b_{hh} \\
# i = \sigma(\tilde{i}),\quad f = \sigma(\tilde{f}),\quad g &= \tanh(\tilde{g}),\quad
#   o = \sigma(\tilde{o}) \\
# c_t &= f \odot c_{t-1} + i \odot g \\
# h_t &= o \odot \tanh(c_t)
# \end{aligned}
# $$
#
# GRU (r, z, n), with $[x_r, x_z, x_n] = x_t W_{ih}^\top + b_{ih}$ and
# $[h_r, h_z, h_n] = h_{t-1} W_{hh}^\top + b_{hh}$:
#
# $$
# r = \sigma(x_r + h_r), \quad z = \sigma(x_z + h_z), \quad
# n = \tanh(x_n + r \odot h_n), \quad h_t = (1 - z) \odot n + z \odot h_{t-1}
# $$
#
# We recompute the gates by hand from the cell's own weights at every step, check that the
# library's state equals the hand computation, and plot how open each gate is over time.
#
# References: Hochreiter & Schmidhuber, 1997, *Long Short-Term Memory*; Cho et al., 2014,
# *Learning Phrase Representations using RNN Encoder-Decoder for Statistical Machine
# Translation*.

# %% [markdown] lang="zh"
# # LSTM 与 GRU 的门控，逐步观察
#
# **库文件：** `src/dlfs/nn/rnn_cell.py`（`LSTMCell`、`GRUCell`），
# `src/dlfs/nn/functional/rnn.py`（各个门的计算公式）。
#
# LSTM（门的顺序与 torch 相同：i、f、g、o）：预激活值被切成四份，
# 细胞状态是一条随时间传递的加法通路：
#
# $$
# \begin{aligned}
# [\,\tilde{i},\ \tilde{f},\ \tilde{g},\ \tilde{o}\,] &= x_t W_{ih}^\top + b_{ih}
#   + h_{t-1} W_{hh}^\top + b_{hh} \\
# i = \sigma(\tilde{i}),\quad f = \sigma(\tilde{f}),\quad g &= \tanh(\tilde{g}),\quad
#   o = \sigma(\tilde{o}) \\
# c_t &= f \odot c_{t-1} + i \odot g \\
# h_t &= o \odot \tanh(c_t)
# \end{aligned}
# $$
#
# GRU（r、z、n），其中 $[x_r, x_z, x_n] = x_t W_{ih}^\top + b_{ih}$，
# $[h_r, h_z, h_n] = h_{t-1} W_{hh}^\top + b_{hh}$：
#
# $$
# r = \sigma(x_r + h_r), \quad z = \sigma(x_z + h_z), \quad
# n = \tanh(x_n + r \odot h_n), \quad h_t = (1 - z) \odot n + z \odot h_{t-1}
# $$
#
# 我们在每一步都用单元自己的权重手动重算各个门，检查库算出的状态与手算结果一致，
# 并画出每个门随时间打开的程度。
#
# 参考文献：Hochreiter & Schmidhuber, 1997, *Long Short-Term Memory*；Cho et al., 2014,
# *Learning Phrase Representations using RNN Encoder-Decoder for Statistical Machine
# Translation*。

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

# %% [markdown] lang="zh"
# ## 1. LSTM：手算的门与单元的结果一致

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

# %% [markdown] lang="zh"
# ## 2. GRU：更新门 z 决定旧状态保留多少

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
# This is why gradients survive long spans in an LSTM:
# $\partial c_t / \partial c_{t-1} = \mathrm{diag}(f)$, not a product of
# weight matrices and tanh slopes. Both halves, checked on the library's cell: autograd's
# Jacobian of c_t with respect to c_{t-1} (h_{t-1} held fixed) is diag(f) for the random cell
# above; and when the forget gate is pinned open (bias +40: σ = 1 in float64) and the input
# gate shut (bias −40), the cell carries c_0 through all T steps while h keeps changing.
# With $f = 1$ and $i \approx 0$ the update $c_t = f \odot c_{t-1} + i \odot g$ leaves
# $c_t = c_{t-1}$.

# %% [markdown] lang="zh"
# ## 3. 加法式的细胞通路：f = 1 且 i = 0 时，细胞状态原样传递
# 这就是 LSTM 中梯度能跨越很长时间跨度而不消失的原因：
# $\partial c_t / \partial c_{t-1} = \mathrm{diag}(f)$，而不是一串权重矩阵与 tanh 斜率的乘积。
# 两点都在库的单元上做了检查：对上面那个随机初始化的单元，autograd 算出的 c_t 对 c_{t-1}
# 的雅可比矩阵（h_{t-1} 固定）就是 diag(f)；而把遗忘门固定为全开（偏置 +40：在 float64 中
# σ = 1）、输入门关闭（偏置 −40）时，细胞状态把 c_0 原样带过全部 T 步，而 h 仍在不断变化。
# 当 $f = 1$、$i \approx 0$ 时，更新式 $c_t = f \odot c_{t-1} + i \odot g$ 给出
# $c_t = c_{t-1}$。

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
