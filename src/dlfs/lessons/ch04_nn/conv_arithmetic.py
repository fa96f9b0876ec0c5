# %% [markdown]
# # Convolution and pooling arithmetic: stride, padding, dilation, ceil_mode — 卷积与池化的尺寸计算
#
# **Library files:** `src/dlfs/nn/functional/conv.py` (`conv2d`, `conv_output_size`, `pad`),
# `src/dlfs/nn/functional/im2col.py` (im2col/col2im), `src/dlfs/nn/functional/pooling.py`
# (`max_pool2d`, `pool_output_size`), modules in `src/dlfs/nn/conv.py` and
# `src/dlfs/nn/pooling.py`; parity in `tests/nn/test_nn_conv.py` and `tests/nn/test_nn_pooling.py`.
#
# Along one axis with input size `n`, padding `p` on each side, kernel `k`, dilation `d` and
# stride `s`, a convolution produces
#
# $$
# n_{\text{out}} = \left\lfloor \frac{n + 2p - d(k - 1) - 1}{s} \right\rfloor + 1
# $$
#
# windows: the dilated kernel spans `d(k-1)+1` pixels, and it can start at `0, s, 2s, ...` as
# long as it still fits in the padded input.

# %% [markdown] lang="zh"
# # 卷积与池化的尺寸计算：步长、填充、膨胀与 ceil_mode
#
# **库文件：** `src/dlfs/nn/functional/conv.py`（`conv2d`、`conv_output_size`、`pad`）、
# `src/dlfs/nn/functional/im2col.py`（im2col/col2im）、`src/dlfs/nn/functional/pooling.py`
# （`max_pool2d`、`pool_output_size`），模块在 `src/dlfs/nn/conv.py` 和
# `src/dlfs/nn/pooling.py` 中；一致性测试见 `tests/nn/test_nn_conv.py` 和
# `tests/nn/test_nn_pooling.py`。
#
# 沿某一个轴，设输入大小为 `n`，两侧各填充 `p`，卷积核大小为 `k`，膨胀（dilation）为 `d`，
# 步长为 `s`，卷积产生
#
# $$
# n_{\text{out}} = \left\lfloor \frac{n + 2p - d(k - 1) - 1}{s} \right\rfloor + 1
# $$
#
# 个窗口：膨胀后的卷积核覆盖 `d(k-1)+1` 个像素，它可以从 `0, s, 2s, ...` 处开始，只要仍能
# 放进填充后的输入。

# %%
import itertools

import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
import dlfs.nn.functional as F
from dlfs.curriculum import lesson_context

ctx = lesson_context("conv-arithmetic")
torch.manual_seed(0)

# %% [markdown]
# ## 1. The output-size formula, checked against the layer
# For every combination below we build a `Conv2d`, run it, and compare the measured output
# size with the formula (and with torch's own layer).

# %% [markdown] lang="zh"
# ## 1. 输出尺寸公式，与层的实际输出对照
# 对下面的每一种组合，我们都搭一个 `Conv2d`，运行它，把测得的输出尺寸与公式（以及 torch 自己
# 的层）作比较。

# %%
print(f"{'n':>3} {'k':>2} {'s':>2} {'p':>2} {'d':>2} -> n_out")
cases = list(itertools.product([7, 8, 32], [1, 3, 4], [1, 2, 3], [0, 1, 2], [1, 2]))
if ctx.quick:
    cases = cases[::7]
checked = 0
for n, k, s, p, d in cases:
    if n + 2 * p < d * (k - 1) + 1:
        continue  # the kernel does not fit at all
    conv = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, bias=False)
    out = conv(torch.zeros(1, 1, n, n))
    predicted = F.conv_output_size(n, k, s, p, d)
    assert out.shape[-1] == predicted == (n + 2 * p - d * (k - 1) - 1) // s + 1
    ref = torch.nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)(torch.zeros(1, 1, n, n))
    assert ref.shape == out.shape
    if checked < 8:
        print(f"{n:>3} {k:>2} {s:>2} {p:>2} {d:>2} -> {predicted}")
    checked += 1
print(f"... formula == measured size for all {checked} combinations")

# %% [markdown]
# Rules of thumb that follow from the formula:
#
# - `k=3, p=1, s=1` keeps the size ("same"); `k=3, p=1, s=2` halves it (rounding up).
# - `padding="same"` needs total padding `d(k-1)`; for an even kernel that is odd, and the
#   extra pixel goes to the right/bottom: $\lfloor d(k-1)/2 \rfloor$ on the left/top,
#   $\lceil d(k-1)/2 \rceil$ on the right/bottom.

# %% [markdown] lang="zh"
# 由公式得到的几条经验规则：
#
# - `k=3, p=1, s=1` 保持尺寸不变（"same"）；`k=3, p=1, s=2` 把尺寸减半（向上取整）。
# - `padding="same"` 需要的总填充量是 `d(k-1)`；卷积核为偶数时它是奇数，多出的那个像素
#   放在右侧/下侧：左侧/上侧填 $\lfloor d(k-1)/2 \rfloor$，右侧/下侧填
#   $\lceil d(k-1)/2 \rceil$。

# %%
for n in (31, 32):
    half = F.conv_output_size(n, 3, stride=2, padding=1)
    print(f"k=3, p=1, s=2: {n} -> {half}")
    assert half == (n + 1) // 2
x = torch.randn(1, 1, 6, 6)
same = nn.Conv2d(1, 1, (4, 2), padding="same", bias=False)
y = same(x)
assert y.shape == x.shape
manual = F.conv2d(F.pad(x, (0, 1, 1, 2)), same.weight)  # (left, right, top, bottom)
assert torch.allclose(y, manual, atol=1e-6)
print("padding='same' with a 4x2 kernel pads (top 1, bottom 2, left 0, right 1):",
      tuple(y.shape))

# %% [markdown]
# ## 2. What the layer computes: im2col, then one matrix product
# A naive loop (one dot product per output pixel) next to the library's im2col + matmul.
# Both compute (a cross-correlation: the kernel is not flipped)
#
# $$
# \text{out}[y, x] = \sum_{i=0}^{k_h - 1} \sum_{j=0}^{k_w - 1} w[i, j]\, \text{img}[y + i, x + j]
# $$
#
# im2col copies each window into one column of `cols`, so the whole layer is one product:
# `w.reshape(1, -1) @ cols`, of shape `(C_out, C_in*kh*kw) @ (C_in*kh*kw, L)`.

# %% [markdown] lang="zh"
# ## 2. 层到底在算什么：先 im2col，再做一次矩阵乘法
# 朴素循环（每个输出像素做一次点积）与库里的 im2col + 矩阵乘法并排对照。两者计算的都是（这是
# 互相关：卷积核不翻转）
#
# $$
# \text{out}[y, x] = \sum_{i=0}^{k_h - 1} \sum_{j=0}^{k_w - 1} w[i, j]\, \text{img}[y + i, x + j]
# $$
#
# im2col 把每个窗口复制成 `cols` 的一列，于是整个层就是一次矩阵乘法：
# `w.reshape(1, -1) @ cols`，形状为 `(C_out, C_in*kh*kw) @ (C_in*kh*kw, L)`。

# %%
img = torch.arange(16.0).reshape(1, 1, 4, 4)
w = torch.tensor([[[[1.0, 0.0], [0.0, -1.0]]]])  # (C_out, C_in, kh, kw)
cols = F.unfold(img, kernel_size=2)  # (B, C*kh*kw, L) = (1, 4, 9)
print("image\n", img[0, 0])
print("im2col columns (one per window):\n", cols[0])
out = (w.reshape(1, -1) @ cols).reshape(1, 1, 3, 3)


def naive_conv2d(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Teaching loop: out[y, x] = sum_ij w[i, j] * img[y + i, x + j]."""
    k = weight.shape[-1]
    size = x.shape[-1] - k + 1
    res = torch.zeros(size, size)
    for r in range(size):
        for c in range(size):
            res[r, c] = (x[0, 0, r:r + k, c:c + k] * weight[0, 0]).sum()
    return res


assert torch.equal(out[0, 0], naive_conv2d(img, w))
assert torch.equal(out, F.conv2d(img, w))
print("W @ im2col == naive loop == F.conv2d:\n", out[0, 0])

# %% [markdown]
# ## 3. Pooling and `ceil_mode`
# Pooling uses the same window arithmetic (stride defaults to the kernel size). With
# `ceil_mode=True` the division rounds *up*, so a last, partial window is kept, except when
# that window would start inside the right padding: then it is dropped again.
#
# $$
# n_{\text{out}} = \left\lceil \frac{n + 2p - d(k - 1) - 1}{s} \right\rceil + 1
# $$
#
# and one less when $(n_{\text{out}} - 1)\, s \ge n + p$ (that last window would start in the
# right padding).

# %% [markdown] lang="zh"
# ## 3. 池化与 `ceil_mode`
# 池化使用同样的窗口算术（步长默认等于核大小）。设置 `ceil_mode=True` 时除法*向上*取整，
# 于是最后一个不完整的窗口也会保留；但如果这个窗口会从右侧填充区内开始，它又会被丢掉。
#
# $$
# n_{\text{out}} = \left\lceil \frac{n + 2p - d(k - 1) - 1}{s} \right\rceil + 1
# $$
#
# 若 $(n_{\text{out}} - 1)\, s \ge n + p$（最后一个窗口会从右侧填充区内开始），再减 1。

# %%
print(f"{'n':>3} {'k':>2} {'s':>2} {'p':>2}  floor  ceil")
for n, k, s, p in [(5, 2, 2, 0), (6, 2, 2, 0), (7, 3, 2, 1), (4, 2, 3, 1), (10, 3, 3, 0)]:
    sizes = []
    for ceil in (False, True):
        pooled = nn.MaxPool2d(k, s, p, ceil_mode=ceil)(torch.randn(1, 1, n, n))
        predicted = F.pool_output_size(n, k, s, p, ceil_mode=ceil)
        assert pooled.shape[-1] == predicted
        sizes.append(predicted)
    print(f"{n:>3} {k:>2} {s:>2} {p:>2}  {sizes[0]:>5} {sizes[1]:>5}")
# n=4, k=2, s=3, p=1: rounding up gives 3 windows, but the third would start at 6 - 1 = 5,
# past the input (4) + left padding (1), so ceil_mode still gives 2.
assert F.pool_output_size(4, 2, 3, 1, ceil_mode=True) == 2

# %%
x = torch.arange(25.0).reshape(1, 1, 5, 5)
print("input\n", x[0, 0])
print("max_pool2d(k=2) floor:\n", F.max_pool2d(x, 2)[0, 0])
print("max_pool2d(k=2) ceil_mode=True (last row/column from a 1-pixel window):\n",
      F.max_pool2d(x, 2, ceil_mode=True)[0, 0])
avg = F.avg_pool2d(x, 2, ceil_mode=True)[0, 0]
print("avg_pool2d ceil_mode: the partial windows divide by the pixels they cover:\n", avg)
assert avg[2, 2] == x[0, 0, 4, 4] and avg[0, 2] == (x[0, 0, 0, 4] + x[0, 0, 1, 4]) / 2

# %%
ns = list(range(4, 33))
fig, ax = plt.subplots(figsize=(6, 3.2))
for ceil, style in ((False, "-o"), (True, "--s")):
    ax.plot(ns, [F.pool_output_size(n, 3, 2, ceil_mode=ceil) for n in ns], style,
            markersize=3, label=f"max_pool2d(k=3, s=2), ceil_mode={ceil}")
ax.plot(ns, [F.conv_output_size(n, 3, 2, 1) for n in ns], ":", label="conv2d(k=3, s=2, p=1)")
ax.set_xlabel("input size n")
ax.set_ylabel("output size")
ax.legend(fontsize=8)
ax.set_title("Floor vs ceil: ceil_mode keeps the last partial window")
ctx.savefig(fig, "output_sizes.png")

# %% [markdown]
# ## 4. Transposed convolution inverts the size map
# `ConvTranspose2d` maps `n` to `(n - 1)s - 2p + d(k - 1) + output_padding + 1`. A strided
# convolution maps several sizes to the same `n_out` (31 and 32 both become 16 above), so
# the transposed layer needs `output_padding` (or `output_size=`) to pick one.
#
# $$
# n_{\text{out}} = (n - 1)\, s - 2p + d(k - 1) + p_{\text{out}} + 1
# $$
#
# with $p_{\text{out}}$ = `output_padding`.

# %% [markdown] lang="zh"
# ## 4. 转置卷积把尺寸映射反过来
# `ConvTranspose2d` 把 `n` 映射为 `(n - 1)s - 2p + d(k - 1) + output_padding + 1`。带步长的
# 卷积会把多个尺寸映射到同一个 `n_out`（上面 31 和 32 都变成了 16），所以转置卷积层需要
# `output_padding`（或 `output_size=`）来选定其中一个。
#
# $$
# n_{\text{out}} = (n - 1)\, s - 2p + d(k - 1) + p_{\text{out}} + 1
# $$
#
# 其中 $p_{\text{out}}$ = `output_padding`。

# %%
down = nn.Conv2d(1, 1, 3, stride=2, padding=1)
up = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1)
for n in (31, 32):
    h = down(torch.randn(1, 1, n, n))
    back = up(h, output_size=[n, n])
    print(f"{n} -conv-> {h.shape[-1]} -transposed conv(output_size={n})-> {back.shape[-1]}")
    assert back.shape[-1] == n
