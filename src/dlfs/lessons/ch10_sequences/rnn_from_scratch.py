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

# %% [markdown] lang="zh"
# # 从零实现循环神经网络：把隐状态递推写出来
#
# **库文件：** `src/dlfs/nn/functional/rnn.py`（RNN、LSTM、GRU 的单步计算，以及时间循环
# `recurrent_scan`），`src/dlfs/nn/rnn.py`（`RNN`、`LSTM`、`GRU`：层、方向、参数）；
# 与 `torch.nn` 的一致性测试在 `tests/nn/test_rnn_parity.py`。
#
# 下面这些我们都亲手写出来，并且每次都和库的结果对照：
# 1. 把递推式 `h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)` 写成循环；
# 2. 为什么库在进入循环之前，用一次矩阵乘法算出所有 t 的 `x_t W_ih^T`；
# 3. 深层（堆叠）RNN 与双向 RNN；
# 4. LSTM 与 GRU 的门控公式；
# 5. 随时间反向传播（BPTT）：传到第 t 步的梯度，每往后一步就要乘一次 `W_hh^T`，
#    因此会按几何级数缩小或爆炸。

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
#
# $$
# h_0 = 0, \qquad h_t = \tanh\big(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}\big),
# \qquad \text{out} = (h_1, \ldots, h_T), \quad h_n = h_T
# $$

# %% [markdown] lang="zh"
# ## 1. 把递推式写成循环
# 状态从零开始；每一步把新的输入与上一步的状态混合起来。输出序列就是各步状态组成的列表。
#
# $$
# h_0 = 0, \qquad h_t = \tanh\big(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}\big),
# \qquad \text{out} = (h_1, \ldots, h_T), \quad h_n = h_T
# $$

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
# With $X$ the input reshaped to (T*B, C):
#
# $$
# g_x = X W_{ih}^\top + b_{ih}, \qquad
# h_t = \tanh\big(g_x[t] + h_{t-1} W_{hh}^\top + b_{hh}\big)
# $$

# %% [markdown] lang="zh"
# ## 2. 把输入投影提到循环外面
# `x_t W_ih^T + b_ih` 不依赖 h，所以全部 T 个可以在循环之前用一次 (T*B, C) x (C, H)
# 的矩阵乘法算完。循环里只剩下 `h W_hh^T`：矩阵乘法调用从 2T 次变成 T+1 次，
# 而且那一次大乘法能让 CPU 满负荷地算一个大矩阵积。LSTM 把四个门的权重堆叠成一个
# (4H, C) 矩阵，所以每一步仍然只有一次矩阵乘法。记 $X$ 为变形成 (T*B, C) 的输入：
#
# $$
# g_x = X W_{ih}^\top + b_{ih}, \qquad
# h_t = \tanh\big(g_x[t] + h_{t-1} W_{hh}^\top + b_{hh}\big)
# $$

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
#
# $$
# \overrightarrow{h}_t = \tanh\big(x_t \overrightarrow{W}_{ih}^\top + \overrightarrow{b}_{ih}
#   + \overrightarrow{h}_{t-1} \overrightarrow{W}_{hh}^\top + \overrightarrow{b}_{hh}\big),
# \qquad
# \overleftarrow{h}_t = \tanh\big(x_t \overleftarrow{W}_{ih}^\top + \overleftarrow{b}_{ih}
#   + \overleftarrow{h}_{t+1} \overleftarrow{W}_{hh}^\top + \overleftarrow{b}_{hh}\big)
# $$
#
# and the layer's output at position t is $[\overrightarrow{h}_t ; \overleftarrow{h}_t]$
# (width 2H), the input sequence of the next layer.

# %% [markdown] lang="zh"
# ## 3. 深层与双向
# 第二层把第一层的输出序列当作自己的输入。双向层在反转后的序列上再运行一个独立的 RNN，
# 并在每个位置把两个方向的状态拼接起来，于是位置 t 既能看到过去，也能看到未来。
# `h_n` 把每个（层，方向）的最终状态堆叠起来：逐层排列，每层先正向、后反向。
#
# $$
# \overrightarrow{h}_t = \tanh\big(x_t \overrightarrow{W}_{ih}^\top + \overrightarrow{b}_{ih}
#   + \overrightarrow{h}_{t-1} \overrightarrow{W}_{hh}^\top + \overrightarrow{b}_{hh}\big),
# \qquad
# \overleftarrow{h}_t = \tanh\big(x_t \overleftarrow{W}_{ih}^\top + \overleftarrow{b}_{ih}
#   + \overleftarrow{h}_{t+1} \overleftarrow{W}_{hh}^\top + \overleftarrow{b}_{hh}\big)
# $$
#
# 该层在位置 t 的输出是 $[\overrightarrow{h}_t ; \overleftarrow{h}_t]$（宽度 2H），
# 也就是下一层的输入序列。

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
# With $[i, f, g, o] = x_1 W_{ih}^\top + b_{ih} + h_0 W_{hh}^\top + b_{hh}$ (the code's `pre`):
#
# $$
# \begin{aligned}
# c_1 &= \sigma(f) \odot c_0 + \sigma(i) \odot \tanh(g), \qquad
#   h_1 = \sigma(o) \odot \tanh(c_1) \\
# r &= \sigma(x W_{ir}^\top + b_{ir} + h W_{hr}^\top + b_{hr}), \qquad
#   z = \sigma(x W_{iz}^\top + b_{iz} + h W_{hz}^\top + b_{hz}) \\
# n &= \tanh\big(x W_{in}^\top + b_{in} + r \odot (h W_{hn}^\top + b_{hn})\big), \qquad
#   h' = (1 - z) \odot n + z \odot h
# \end{aligned}
# $$

# %% [markdown] lang="zh"
# ## 4. LSTM 与 GRU 的门
# LSTM：堆叠在一起的预激活值被切分成输入门、遗忘门、候选细胞和输出门四部分（torch 的顺序为
# i、f、g、o）；细胞状态 c 以加法方式更新，使梯度能传得很远。GRU：有重置门 r 和更新门 z；
# 重置门缩放的是候选状态中的循环部分，*连同*它的偏置 b_hn 一起；新状态在候选状态与旧状态之间插值。
# 记 $[i, f, g, o] = x_1 W_{ih}^\top + b_{ih} + h_0 W_{hh}^\top + b_{hh}$（即代码中的 `pre`）：
#
# $$
# \begin{aligned}
# c_1 &= \sigma(f) \odot c_0 + \sigma(i) \odot \tanh(g), \qquad
#   h_1 = \sigma(o) \odot \tanh(c_1) \\
# r &= \sigma(x W_{ir}^\top + b_{ir} + h W_{hr}^\top + b_{hr}), \qquad
#   z = \sigma(x W_{iz}^\top + b_{iz} + h W_{hz}^\top + b_{hz}) \\
# n &= \tanh\big(x W_{in}^\top + b_{in} + r \odot (h W_{hn}^\top + b_{hn})\big), \qquad
#   h' = (1 - z) \odot n + z \odot h
# \end{aligned}
# $$

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
# Take a *linear* recurrence $h_t = h_{t-1} W^\top + x_t U^\top$ and a loss
# $L = v \cdot h_T$. Then
#
# $$
# \frac{\partial L}{\partial h_{t-1}} = \frac{\partial L}{\partial h_t}\, W
# \quad\Longrightarrow\quad \frac{\partial L}{\partial h_t} = v\, W^{T-t}
# $$
#
# one factor W per later step. With $W = s Q$, Q orthogonal, the norm is
# exactly $\lVert \partial L / \partial h_t \rVert = s^{T-t} \lVert v \rVert$: it vanishes
# for s < 1 and explodes for s > 1. A tanh recurrence multiplies in tanh' <= 1 at every
# step as well,
# $\partial L / \partial h_{t-1} = \big(\partial L / \partial h_t \odot (1 - h_t^2)\big) W$,
# which only adds to the shrinking. This is why long sequences need gradient clipping
# (against explosion) and gated cells (against vanishing).

# %% [markdown] lang="zh"
# ## 5. 随时间反向传播
# 取一个*线性*递推 $h_t = h_{t-1} W^\top + x_t U^\top$，损失为 $L = v \cdot h_T$。于是
#
# $$
# \frac{\partial L}{\partial h_{t-1}} = \frac{\partial L}{\partial h_t}\, W
# \quad\Longrightarrow\quad \frac{\partial L}{\partial h_t} = v\, W^{T-t}
# $$
#
# 即之后的每一步贡献一个因子 W。取 $W = s Q$，其中 Q 是正交矩阵，则范数恰好是
# $\lVert \partial L / \partial h_t \rVert = s^{T-t} \lVert v \rVert$：s < 1 时梯度消失，
# s > 1 时梯度爆炸。tanh 递推还会在每一步再乘上 tanh' <= 1，
# 即
# $\partial L / \partial h_{t-1} = \big(\partial L / \partial h_t \odot (1 - h_t^2)\big) W$，
# 只会让梯度缩得更小。这就是为什么长序列需要梯度裁剪（对付爆炸）
# 和门控单元（对付消失）。

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
