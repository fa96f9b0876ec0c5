# %% [markdown]
# # Basic RNN: "hello" -> "ohlol" — 循环神经网络（基础篇）：把 "hello" 变成 "ohlol"
#
# **Library files:** `src/dlfs/nn/rnn.py` (`RNNCell`, `RNN`: parameters and the time loop),
# `src/dlfs/nn/functional/rnn.py` (the cell equation), `src/dlfs/nn/embedding.py` (`Embedding`);
# parity with `torch.nn` in `tests/nn/test_rnn_parity.py` and `tests/nn/test_rnn_cells_packed.py`.
#
# A toy task from Liu Er's lecture 12: read the characters of "hello" one at a time and, at
# every step, output one character of "ohlol". The four letters e, h, l, o are the whole
# vocabulary. The same input letter "l" must be mapped to "l" the first time and to "o" the
# second time, so the model needs a memory: the hidden state.
#
# $$
# h_t = \tanh\big(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}\big), \qquad h_0 = 0
# $$
#
# Three models, trained with one cross-entropy term per time step:
# 1. an `RNNCell` called in a Python loop, one-hot inputs;
# 2. an `RNN` layer (the loop inside), one-hot inputs;
# 3. `Embedding` -> 2-layer `RNN` -> `Linear`, letter indices as inputs.

# %% [markdown] lang="zh"
# # 循环神经网络（基础篇）：把 "hello" 变成 "ohlol"
#
# **库文件：** `src/dlfs/nn/rnn.py`（`RNNCell`、`RNN`：参数与时间循环），
# `src/dlfs/nn/functional/rnn.py`（单元的计算公式），`src/dlfs/nn/embedding.py`
# （`Embedding`）；与 `torch.nn` 的一致性测试在 `tests/nn/test_rnn_parity.py` 和
# `tests/nn/test_rnn_cells_packed.py`。
#
# 这是刘二大人第 12 讲里的一个玩具任务：逐个读入 "hello" 的字符，每一步输出 "ohlol"
# 的一个字符。e、h、l、o 四个字母就是全部词表。同一个输入字母 "l"，第一次要映射成 "l"，
# 第二次要映射成 "o"，所以模型需要记忆：也就是隐状态。
#
# $$
# h_t = \tanh\big(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}\big), \qquad h_0 = 0
# $$
#
# 三个模型，训练时每个时间步贡献一项交叉熵：
# 1. 在 Python 循环里调用的 `RNNCell`，输入为独热（one-hot）向量；
# 2. 一个 `RNN` 层（循环在层内部），输入为独热向量；
# 3. `Embedding` -> 2 层 `RNN` -> `Linear`，输入为字母的索引。

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context

ctx = lesson_context("liuer-basic-rnn")
torch.manual_seed(0)

letters = ["e", "h", "l", "o"]
x_idx = torch.tensor([letters.index(c) for c in "hello"])  # (T,) = (5,)
y_idx = torch.tensor([letters.index(c) for c in "ohlol"])  # (T,)
V = len(letters)
x_onehot = torch.eye(V)[x_idx]  # (T, V): row t is the one-hot code of letter t
inputs = x_onehot.unsqueeze(1)  # (T, B=1, V): time first, as RNN expects by default
print("inputs", tuple(inputs.shape), "targets", y_idx.tolist())
assert inputs.shape == (5, 1, 4)


def decode(logits: torch.Tensor) -> str:
    """(T, V) or (T, 1, V) scores -> the string of the highest-scoring letters."""
    return "".join(letters[i] for i in logits.reshape(-1, V).argmax(-1).tolist())


# %% [markdown]
# ## 1. An RNNCell in a loop is the RNN layer
# `RNNCell` computes one step; `RNN` runs the same step over the whole sequence. Give them the
# same weights (the layer names them `weight_ih_l0`, ... ; the cell `weight_ih`, ...) and the
# cell stepped by hand reproduces every output of the layer and its final state `h_n`. The
# recurrence written out with matmuls gives the same numbers again.

# %% [markdown] lang="zh"
# ## 1. 在循环里调用 RNNCell，就是 RNN 层
# `RNNCell` 计算一步；`RNN` 在整个序列上重复同一步。给它们相同的权重（层里叫
# `weight_ih_l0` 等，单元里叫 `weight_ih` 等），手动逐步调用单元，
# 就能重现层的每一个输出以及最终状态 `h_n`。用矩阵乘法把递推式直接写出来，
# 也会得到同样的数值。

# %%
rnn = nn.RNN(input_size=V, hidden_size=V)
cell = nn.RNNCell(input_size=V, hidden_size=V)
cell.load_state_dict({name.removesuffix("_l0"): w for name, w in rnn.state_dict().items()})

out, h_n = rnn(inputs)  # out (T, 1, H), h_n (num_layers=1, 1, H)
h = torch.zeros(1, V)  # (B, H)
h_manual = torch.zeros(1, V)
for t in range(len(inputs)):
    h = cell(inputs[t], h)  # (B, H)
    h_manual = torch.tanh(inputs[t] @ cell.weight_ih.T + cell.bias_ih
                          + h_manual @ cell.weight_hh.T + cell.bias_hh)
    assert torch.allclose(out[t], h, atol=1e-6) and torch.allclose(h, h_manual, atol=1e-6)
assert torch.allclose(h_n[0], h, atol=1e-6)
print("out", tuple(out.shape), "h_n", tuple(h_n.shape), "-> the cell loop matches both")


# %% [markdown]
# ## 2. Training the cell, one letter at a time
# Hidden size 4, so the hidden state itself serves as the 4 letter scores. The loss averages
# one cross-entropy term per step; Adam with lr 0.1, as in the lecture.
#
# $$
# L = \frac{1}{T} \sum_{t=1}^{T} -\log \frac{\exp(h_{t, y_t})}{\sum_{v=1}^{V} \exp(h_{t, v})}
# $$

# %% [markdown] lang="zh"
# ## 2. 训练单元，一次一个字母
# 隐藏层大小为 4，所以隐状态本身就充当 4 个字母的得分。损失函数对每一步的交叉熵取平均；
# 和课程中一样，使用学习率 0.1 的 Adam。
#
# $$
# L = \frac{1}{T} \sum_{t=1}^{T} -\log \frac{\exp(h_{t, y_t})}{\sum_{v=1}^{V} \exp(h_{t, v})}
# $$

# %%
def train(model_step, params, max_epochs: int = 100) -> tuple[list[float], int]:
    """Adam steps until the argmax prediction is "ohlol"; returns the losses and the epoch."""
    opt = optim.Adam(params, lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for epoch in range(1, max_epochs + 1):
        logits = model_step()  # (T, V)
        loss = loss_fn(logits, y_idx)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if decode(model_step()) == "ohlol":
            return losses, epoch
    raise AssertionError(f"not learned in {max_epochs} epochs: {decode(model_step())}")


torch.manual_seed(1)
cell = nn.RNNCell(V, V)


def cell_forward() -> torch.Tensor:
    h, scores = torch.zeros(1, V), []
    for t in range(len(inputs)):
        h = cell(inputs[t], h)  # (1, H)
        scores.append(h)
    return torch.cat(scores)  # (T, V)


cell_losses, cell_epochs = train(cell_forward, cell.parameters())
print(f"RNNCell: predicts {decode(cell_forward())!r} after {cell_epochs} epochs")
assert decode(cell_forward()) == "ohlol"

# %% [markdown]
# ## 3. The same with the RNN layer
# No loop in our code: one call returns all five outputs `(T, B, H)`. Built under the same
# seed, the layer starts from the cell's weights, so it must retrace the same losses.

# %% [markdown] lang="zh"
# ## 3. 用 RNN 层做同样的事
# 我们的代码里没有循环：一次调用就返回全部五个输出 `(T, B, H)`。在相同的随机种子下构建，
# 层的初始权重与单元相同，所以它必然重走一遍同样的损失曲线。

# %%
torch.manual_seed(1)
layer = nn.RNN(V, V)
layer_losses, layer_epochs = train(lambda: layer(inputs)[0].reshape(-1, V), layer.parameters())
print(f"RNN:     predicts {decode(layer(inputs)[0])!r} after {layer_epochs} epochs")
assert decode(layer(inputs)[0]) == "ohlol"
# Same seed -> same initial weights (same names, same order); same maths -> same training run.
assert layer_epochs == cell_epochs and torch.allclose(torch.tensor(layer_losses),
                                                      torch.tensor(cell_losses), atol=1e-5)
print("the RNN layer followed exactly the RNNCell loop's training curve")


# %% [markdown]
# ## 4. Embedding instead of one-hot
# A one-hot vector times a matrix just picks a row of it, so the first layer can be a table
# lookup: `Embedding(V, 10)` maps each letter index to a learned 10-dim vector,
# $\mathrm{onehot}(i)\, W_E = W_E[i]$. Then a 2-layer
# RNN (batch first) and a `Linear` head that turns the 8 hidden features into 4 letter scores.

# %% [markdown] lang="zh"
# ## 4. 用嵌入代替独热编码
# 独热向量乘以一个矩阵，只是取出矩阵的某一行，所以第一层可以是查表：`Embedding(V, 10)`
# 把每个字母索引映射为一个可学习的 10 维向量，$\mathrm{onehot}(i)\, W_E = W_E[i]$。
# 接着是一个 2 层 RNN（批次维在前），以及一个 `Linear` 输出头，把 8 个隐藏特征变成
# 4 个字母的得分。

# %%
class EmbeddingRNN(nn.Module):
    def __init__(self, vocab: int, embed: int = 10, hidden: int = 8) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, embed)
        self.rnn = nn.RNN(embed, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        x = self.emb(idx)  # (B, T, E)
        h, _ = self.rnn(x)  # (B, T, H)
        return self.head(h)  # (B, T, V)


torch.manual_seed(1)
model = EmbeddingRNN(V)
batch = x_idx.unsqueeze(0)  # (B=1, T)
one_hot_times_table = x_onehot @ model.emb.weight  # (T, E)
assert torch.equal(one_hot_times_table, model.emb(x_idx)), "lookup == one-hot @ table"
emb_losses, emb_epochs = train(lambda: model(batch).reshape(-1, V), model.parameters())
print(f"Embedding + RNN + Linear: predicts {decode(model(batch))!r} after {emb_epochs} epochs")
assert decode(model(batch)) == "ohlol"

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, losses, style in [("RNNCell loop, one-hot", cell_losses, "-"),
                            ("RNN, one-hot (same curve)", layer_losses, "--"),
                            ("Embedding + RNN + Linear", emb_losses, "-")]:
    ax.plot(range(1, len(losses) + 1), losses, style, label=name, linewidth=2)
ax.set_xlabel("epoch")
ax.set_ylabel("mean cross-entropy per letter")
ax.set_title('"hello" -> "ohlol"')
ax.legend()
ctx.savefig(fig, "losses.png")
plt.close(fig)
