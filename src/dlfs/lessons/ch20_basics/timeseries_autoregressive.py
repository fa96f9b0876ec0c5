# %% [markdown]
# # Sequence models on a time series: autoregression, one-step and k-step-ahead forecasts — 时间序列上的序列模型：自回归、单步预测与 k 步预测
#
# **Library files:** `src/dlfs/data/datasets/timeseries.py` (`noisy_sine`, `lag_features`),
# `src/dlfs/models/autoregressive.py` (`ARMLP`, `rollout`, `k_step_ahead`),
# `src/dlfs/train/loop.py` (`fit`). Tests: `tests/basics/test_basics_timeseries.py`. Next in
# the book: `rnn-from-scratch`, which replaces the fixed window by a hidden state.
#
# Before text, the simplest sequence: a number per time step. To predict $x_t$, an
# **autoregressive** model looks at the values before it. All of them would be a growing
# input, so we keep only the last $\tau$ (`tau`) — a Markov assumption of order $\tau$:
#
# $$
# \hat x_t = f(x_{t-\tau}, \dots, x_{t-1})
# $$
#
# and $f$ is a small MLP trained on (window, next value) pairs. Predicting one step ahead
# from observed values works well. Predicting further ahead means feeding the model its own
# predictions, and then each error is carried into the next input: errors compound, and the
# k-step-ahead error grows with $k$.

# %% [markdown] lang="zh"
# # 时间序列上的序列模型：自回归、单步预测与 k 步预测
#
# **库文件：** `src/dlfs/data/datasets/timeseries.py`（`noisy_sine`、`lag_features`），
# `src/dlfs/models/autoregressive.py`（`ARMLP`、`rollout`、`k_step_ahead`），
# `src/dlfs/train/loop.py`（`fit`）。测试：`tests/basics/test_basics_timeseries.py`。本书的下一课：
# `rnn-from-scratch`，它用隐状态取代了固定长度的窗口。
#
# 在处理文本之前，先看最简单的序列：每个时间步一个数。要预测 $x_t$，**自回归**模型看它之前的值。全都看，
# 输入会越来越长，所以只保留最近的 $\tau$（`tau`）个——这是一个 $\tau$ 阶的马尔可夫假设：
#
# $$
# \hat x_t = f(x_{t-\tau}, \dots, x_{t-1})
# $$
#
# $f$ 是一个在（窗口，下一个值）样本对上训练的小 MLP。用观测值预测下一步效果很好；想预测得更远，就得
# 把模型自己的预测喂回给它，于是每一步的误差都被带进下一步的输入：误差不断累积，k 步预测的误差随 $k$
# 增大。

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.data import DataLoader, TensorDataset
from dlfs.data.datasets.timeseries import lag_features, noisy_sine
from dlfs.models.autoregressive import ARMLP, k_step_ahead, rollout
from dlfs.nn import functional as F
from dlfs.train import fit

ctx = lesson_context("timeseries-autoregressive")

# %% [markdown]
# ## 1. The series and its windows
#
# $$
# x_t = \sin(0.01 t) + \epsilon_t, \qquad \epsilon_t \sim \mathcal{N}(0, 0.2^2), \qquad
# t = 1, \dots, 1000
# $$
#
# With $\tau = 4$, `lag_features` turns it into 996 pairs: `features[i] = (x[i], …, x[i+3])`,
# `labels[i] = x[i+4]` (tensor indices: `x[0]` holds $x_1$). The first 600 pairs train the
# model; the rest are for testing. The noise sets a floor: no model can predict
# $\epsilon_t$, so the best one-step mean squared error is its variance,
# $0.2^2 = 0.04$.

# %% [markdown] lang="zh"
# ## 1. 序列与窗口
#
# $$
# x_t = \sin(0.01 t) + \epsilon_t, \qquad \epsilon_t \sim \mathcal{N}(0, 0.2^2), \qquad
# t = 1, \dots, 1000
# $$
#
# 取 $\tau = 4$，`lag_features` 把它变成 996 个样本对：`features[i] = (x[i], …, x[i+3])`，
# `labels[i] = x[i+4]`（这里是张量下标：`x[0]` 存的是 $x_1$）。前 600 对用来训练，其余用来测试。噪声
# 定下了一个下限：没有模型能预测 $\epsilon_t$，所以单步均方误差最好也就是它的方差 $0.2^2 = 0.04$。

# %%
T, tau, n_train = 1000, 4, 600
x = noisy_sine(T, omega=0.01, noise=0.2, seed=0)                   # (1000,)
features, labels = lag_features(x, tau)                            # (996, 4), (996,)
print(f"series {tuple(x.shape)} -> features {tuple(features.shape)}, labels "
      f"{tuple(labels.shape)}; first window {features[0].numpy().round(3)} -> "
      f"{labels[0].item():.3f}")
assert torch.equal(features[0], x[:4]) and labels[0] == x[4]

# %% [markdown]
# ## 2. Training the autoregressive MLP
# `ARMLP(tau=4, hidden=10)`: `Linear(4, 10)`, ReLU, `Linear(10, 1)`, i.e. for a window
# $u = (x_{t-4}, \dots, x_{t-1})$
#
# $$
# f(u) = W_2 \mathrm{ReLU}(W_1 u + b_1) + b_2
# $$
#
# trained on the mean squared error $\frac{1}{n} \sum_t (\hat x_t - x_t)^2$ with Adam,
# batches of 16, through `fit`. A baseline that needs no training, "repeat the last value"
# ($\hat x_t = x_{t-1}$), is printed for comparison.

# %% [markdown] lang="zh"
# ## 2. 训练自回归 MLP
# `ARMLP(tau=4, hidden=10)`：`Linear(4, 10)`、ReLU、`Linear(10, 1)`，即对窗口
# $u = (x_{t-4}, \dots, x_{t-1})$ 有
#
# $$
# f(u) = W_2 \mathrm{ReLU}(W_1 u + b_1) + b_2
# $$
#
# 用均方误差 $\frac{1}{n} \sum_t (\hat x_t - x_t)^2$、Adam、批大小 16，通过 `fit` 训练。同时打印一个
# 无需训练的基线作对比：“重复上一个值”（$\hat x_t = x_{t-1}$）。

# %%
torch.manual_seed(0)
model = ARMLP(tau, hidden=10)
loader = DataLoader(TensorDataset(features[:n_train], labels[:n_train]), batch_size=16,
                    shuffle=True, generator=torch.Generator().manual_seed(0))
history = fit(model, loader, loss_fn=F.mse_loss,
              optimizer=optim.Adam(model.parameters(), lr=0.01),
              epochs=5 if ctx.quick else 20, device="cpu", seed=0)
model.eval()
with torch.no_grad():
    one_step = model(features)                                     # (996,)
train_mse = F.mse_loss(one_step[:n_train], labels[:n_train]).item()
test_mse = F.mse_loss(one_step[n_train:], labels[n_train:]).item()
last_value = F.mse_loss(features[n_train:, -1], labels[n_train:]).item()
print(f"one-step MSE: train {train_mse:.4f}, test {test_mse:.4f} (noise floor 0.04; "
      f"'repeat the last value' scores {last_value:.4f})")
assert test_mse < 1.6 * 0.04 and test_mse < 0.7 * last_value

# %% [markdown]
# ## 3. k steps ahead: errors compound
# From the observed window ending at $t - k$, predict $x_t$ by rolling the model forward $k$
# times, each prediction pushed into the window in place of an observation (`rollout`):
#
# $$
# \hat x_{s} = f(\tilde x_{s-\tau}, \dots, \tilde x_{s-1}), \quad s = t - k + 1, \dots, t,
# \qquad \tilde x_r = x_r \quad (r \le t - k), \quad \tilde x_r = \hat x_r \quad (r > t - k)
# $$
#
# `k_step_ahead` does this for every start and every $k$ up to 64, aligned so that every
# column predicts the same targets: the columns differ only in how far ahead they look.

# %% [markdown] lang="zh"
# ## 3. 向前 k 步：误差累积
# 从以 $t - k$ 结尾的观测窗口出发，把模型向前滚动 $k$ 次来预测 $x_t$，每次的预测都顶替一个观测值被推进
# 窗口（`rollout`）：
#
# $$
# \hat x_{s} = f(\tilde x_{s-\tau}, \dots, \tilde x_{s-1}), \quad s = t - k + 1, \dots, t,
# \qquad \tilde x_r = x_r \quad (r \le t - k), \quad \tilde x_r = \hat x_r \quad (r > t - k)
# $$
#
# `k_step_ahead` 对每个起点、每个不超过 64 的 $k$ 都这样做，并且对齐成每一列预测的是同一批目标：各列
# 之间唯一的不同，是向前看了多远。

# %%
max_k = 64
with torch.no_grad():
    preds = k_step_ahead(model, x, tau, max_k)                    # (933, 64)
targets = x[tau + max_k - 1:]                                      # (933,)
ks = [1, 2, 4, 8, 16, 32, 64]
errors = [F.mse_loss(preds[:, k - 1], targets).item() for k in ks]
for k, e in zip(ks, errors):
    print(f"{k:3d}-step-ahead MSE {e:.4f}")
torch.testing.assert_close(preds[:, 0], one_step[max_k - 1:])     # k = 1 is the one-step
assert all(a < b for a, b in zip(errors, errors[1:]))             # grows with k
assert errors[-1] > 5 * errors[0]

# %% [markdown]
# Going all the way: from the last observed window of the training range (`t = 601 … 604`)
# the model predicts the remaining 396 steps on its own. It has only ever seen windows of
# real data; fed its own smoother outputs, it drifts, and after a few dozen steps the
# forecast has left the signal behind. Here it settles on a constant $v$: a fixed point of
# the model, where the window $(v, v, v, v)$ predicts $v$ again, $f(v, v, v, v) = v$.

# %% [markdown] lang="zh"
# 一路走到底：从训练区间最后一个观测窗口（`t = 601 … 604`）出发，模型独自预测剩下的 396 步。它只见过由
# 真实数据组成的窗口；喂给它自己那些更平滑的输出，它就会漂移，几十步之后，预测就和信号分道扬镳了。这里它
# 停在一个常数 $v$ 上：这是模型的不动点，窗口 $(v, v, v, v)$ 预测出来的还是 $v$，即 $f(v, v, v, v) = v$。

# %%
with torch.no_grad():
    forecast = rollout(model, x[None, n_train:n_train + tau], T - n_train - tau)[0]  # (396,)
clean = torch.sin(0.01 * torch.arange(1, T + 1, dtype=torch.float32))
far = (forecast[-100:] - clean[-100:]).abs().mean().item()
near = (forecast[:4] - clean[n_train + tau:n_train + tau + 4]).abs().mean().item()
print(f"multi-step forecast from t = {n_train + tau}: mean |error| over its first 4 steps "
      f"{near:.3f}, over its last 100 {far:.3f}")
assert far > 5 * near
v = forecast[-1]
with torch.no_grad():
    again = model(v.repeat(1, tau)).item()
print(f"the forecast ends at v = {v.item():.4f}; the model maps (v, v, v, v) to {again:.4f}")
assert abs(again - v.item()) < 1e-3

time = torch.arange(1, T + 1)
fig, axes = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True)
axes[0].plot(time, x, lw=0.6, color="gray", label="data")
axes[0].plot(time[tau:], one_step, lw=0.8, label="1-step predictions")
axes[0].plot(time[n_train + tau:], forecast, lw=1.2, label=f"multi-step from t={n_train + tau}")
axes[0].axvline(n_train + tau, color="k", ls=":", lw=0.8)
axes[0].set_ylim(-2, 2)
axes[0].legend(fontsize=8)
for k in (1, 4, 16, 64):
    axes[1].plot(time[tau + max_k - 1:], preds[:, k - 1], lw=0.8, label=f"{k}-step-ahead")
axes[1].set_ylim(-2, 2)
axes[1].set_xlabel("time step t")
axes[1].legend(fontsize=8)
ctx.savefig(fig, "forecasts.png")

fig, ax = plt.subplots(figsize=(5, 3.2))
ax.loglog(ks, errors, "o-")
ax.axhline(0.04, color="k", ls=":", label="noise variance")
ax.set_xlabel("steps ahead k")
ax.set_ylabel("MSE")
ax.set_title("k-step-ahead error")
ax.legend(fontsize=8)
ctx.savefig(fig, "k_step_error.png")
