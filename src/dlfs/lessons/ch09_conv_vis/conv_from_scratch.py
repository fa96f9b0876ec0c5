# %% [markdown]
# # Convolution from scratch: sliding dot products, im2col, receptive fields — 从零实现卷积：滑动点积、im2col 与感受野
#
# **Library files:** `src/dlfs/nn/functional/conv.py` (`conv2d`, `unfold`, `conv_output_size`),
# `src/dlfs/nn/functional/im2col.py` (the im2col/col2im autograd Functions),
# `src/dlfs/nn/conv.py` (`Conv2d`), `src/dlfs/nn/pooling.py` (`MaxPool2d`, `AvgPool2d`);
# parity in `tests/nn/test_nn_conv.py`, output-size properties in
# `tests/nn/test_conv_property.py`.
#
# The lesson `conv-arithmetic` covers the output-size formula. Here we look inside: a
# convolution layer is a dot product between the kernel and every window of the input. We
# write that as four nested loops, then as one matrix product over the im2col ("unfold")
# matrix, check both against `dlfs.nn.functional.conv2d` and `torch.nn.functional.conv2d`,
# and finally measure how far each output pixel "sees" into the input (its receptive field).

# %% [markdown] lang="zh"
# # 从零实现卷积：滑动点积、im2col 与感受野
#
# **库文件：** `src/dlfs/nn/functional/conv.py`（`conv2d`、`unfold`、
# `conv_output_size`），`src/dlfs/nn/functional/im2col.py`（im2col/col2im 的
# autograd Function），`src/dlfs/nn/conv.py`（`Conv2d`），`src/dlfs/nn/pooling.py`
# （`MaxPool2d`、`AvgPool2d`）；与 PyTorch 的一致性测试在 `tests/nn/test_nn_conv.py`，
# 输出尺寸的性质测试在 `tests/nn/test_conv_property.py`。
#
# 输出尺寸公式在 `conv-arithmetic` 一课中讲过。这里我们看卷积层的内部：
# 它就是卷积核与输入的每一个窗口做点积。我们先把它写成四重循环，
# 再写成 im2col（“unfold”）矩阵上的一次矩阵乘法，分别与 `dlfs.nn.functional.conv2d`
# 和 `torch.nn.functional.conv2d` 对照，最后测量每个输出像素能“看到”输入的多大范围
# （即它的感受野）。

# %%
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as TF
from matplotlib.patches import Rectangle
from torch.overrides import TorchFunctionMode
from torch.utils.flop_counter import FlopCounterMode

import dlfs.nn as nn
import dlfs.nn.functional as F
from dlfs.curriculum import lesson_context
from dlfs.playground import seed_everything

ctx = lesson_context("conv-from-scratch")
seed_everything(0)

# %% [markdown]
# ## 1. Convolution as sliding dot products
# With input `x` of shape `(B, C_in, H, W)`, weight `W` of shape `(C_out, C_in, kh, kw)`,
# stride `s` and zero padding `p` (giving the padded input `x_p`):
#
# $$
# \text{out}[b, o, y, x] = \text{bias}[o] + \sum_{c=0}^{C_{in}-1} \sum_{i=0}^{k_h-1}
# \sum_{j=0}^{k_w-1} W[o, c, i, j]\; x_p[b, c, y s + i, x s + j]
# $$
#
# Deep-learning "convolution" is really cross-correlation: the kernel is not flipped. The
# output has `Ho` rows and `Wo` columns (`W_in` is the input width in the code):
#
# $$
# H_o = \left\lfloor \frac{H + 2p - k_h}{s} \right\rfloor + 1, \qquad
# W_o = \left\lfloor \frac{W_{in} + 2p - k_w}{s} \right\rfloor + 1
# $$

# %% [markdown] lang="zh"
# ## 1. 卷积就是滑动的点积
# 设输入 `x` 的形状为 `(B, C_in, H, W)`，权重 `W` 的形状为 `(C_out, C_in, kh, kw)`，
# 步长为 `s`，零填充为 `p`（填充后的输入记作 `x_p`），则：
#
# $$
# \text{out}[b, o, y, x] = \text{bias}[o] + \sum_{c=0}^{C_{in}-1} \sum_{i=0}^{k_h-1}
# \sum_{j=0}^{k_w-1} W[o, c, i, j]\; x_p[b, c, y s + i, x s + j]
# $$
#
# 深度学习里的“卷积”其实是互相关：卷积核并不翻转。输出有 `Ho` 行、`Wo` 列
# （代码中 `W_in` 是输入的宽度）：
#
# $$
# H_o = \left\lfloor \frac{H + 2p - k_h}{s} \right\rfloor + 1, \qquad
# W_o = \left\lfloor \frac{W_{in} + 2p - k_w}{s} \right\rfloor + 1
# $$

# %%
B, C_in, H, W_in, C_out, k, s, p = 2, 3, 5, 6, 4, 3, 2, 1
x = torch.randn(B, C_in, H, W_in, dtype=torch.float64)
weight = torch.randn(C_out, C_in, k, k, dtype=torch.float64)
bias = torch.randn(C_out, dtype=torch.float64)


def conv2d_loops(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, stride: int,
                 padding: int) -> torch.Tensor:
    """Teaching loops: one dot product per (b, o, y, x); (B, C_in, H, W) -> (B, C_out, Ho, Wo)."""
    C_out, _, kh, kw = weight.shape
    xp = F.pad(x, (padding, padding, padding, padding))  # (B, C_in, H+2p, W+2p)
    Ho = (xp.shape[2] - kh) // stride + 1
    Wo = (xp.shape[3] - kw) // stride + 1
    out = torch.empty(x.shape[0], C_out, Ho, Wo, dtype=x.dtype)
    for b in range(x.shape[0]):
        for o in range(C_out):
            for y in range(Ho):
                for xx in range(Wo):
                    window = xp[b, :, y * stride:y * stride + kh, xx * stride:xx * stride + kw]
                    out[b, o, y, xx] = bias[o] + (weight[o] * window).sum()
    return out


out_loops = conv2d_loops(x, weight, bias, s, p)
out_dlfs = F.conv2d(x, weight, bias, stride=s, padding=p)
out_torch = TF.conv2d(x, weight, bias, stride=s, padding=p)
print("input", tuple(x.shape), "weight", tuple(weight.shape), f"stride={s} padding={p}")
print("output", tuple(out_loops.shape), "= (B, C_out, Ho, Wo); Ho =",
      F.conv_output_size(H, k, s, p), "Wo =", F.conv_output_size(W_in, k, s, p))
assert out_loops.shape == (B, C_out, F.conv_output_size(H, k, s, p),
                           F.conv_output_size(W_in, k, s, p))
torch.testing.assert_close(out_loops, out_dlfs)
torch.testing.assert_close(out_loops, out_torch)
print("loops == dlfs.nn.functional.conv2d == torch.nn.functional.conv2d  (float64)")
print("out[0, 0] =\n", out_loops[0, 0])

# %% [markdown]
# ## 2. The same thing as im2col + one matrix product
# `unfold` copies every window into a column: `(B, C_in, H, W) -> (B, C_in*kh*kw, L)` with
# `L = Ho*Wo` windows. The kernel flattened to `(C_out, C_in*kh*kw)` then multiplies all
# windows at once: `out = W_flat @ cols + bias`, a `(C_out, L)` matrix per image.
#
# $$
# \underbrace{\text{out}[b]}_{C_{out} \times L} =
# \underbrace{W_{\text{flat}}}_{C_{out} \times C_{in} k_h k_w}\;
# \underbrace{\text{cols}[b]}_{C_{in} k_h k_w \times L} + \text{bias}\,\mathbf{1}^\top
# $$

# %% [markdown] lang="zh"
# ## 2. 换一种写法：im2col + 一次矩阵乘法
# `unfold` 把每个窗口复制成一列：`(B, C_in, H, W) -> (B, C_in*kh*kw, L)`，
# 其中 `L = Ho*Wo` 是窗口个数。把卷积核展平成 `(C_out, C_in*kh*kw)` 后，
# 一次乘法就处理了所有窗口：`out = W_flat @ cols + bias`，每张图得到一个
# `(C_out, L)` 矩阵。
#
# $$
# \underbrace{\text{out}[b]}_{C_{out} \times L} =
# \underbrace{W_{\text{flat}}}_{C_{out} \times C_{in} k_h k_w}\;
# \underbrace{\text{cols}[b]}_{C_{in} k_h k_w \times L} + \text{bias}\,\mathbf{1}^\top
# $$

# %%
cols = F.unfold(x, kernel_size=k, padding=p, stride=s)  # (B, C_in*k*k, L)
Ho, Wo = out_loops.shape[-2:]
print("cols", tuple(cols.shape), f"= (B, C_in*k*k = {C_in}*{k}*{k}, L = Ho*Wo = {Ho}*{Wo})")
assert cols.shape == (B, C_in * k * k, Ho * Wo)
torch.testing.assert_close(cols, TF.unfold(x, kernel_size=k, padding=p, stride=s))

# column l of image b is window (y, x) = divmod(l, Wo), flattened in (c, i, j) order
xp = F.pad(x, (p, p, p, p))
y0, x0 = divmod(4, Wo)
window = xp[1, :, y0 * s:y0 * s + k, x0 * s:x0 * s + k]  # (C_in, k, k)
assert torch.equal(cols[1, :, 4], window.reshape(-1))
print(f"cols[1, :, 4] is the flattened window at output pixel (y, x) = ({y0}, {x0})")

w_flat = weight.reshape(C_out, -1)  # (C_out, C_in*k*k)
out_im2col = (w_flat @ cols + bias[:, None]).reshape(B, C_out, Ho, Wo)  # (B, C_out, L) -> 4-D
torch.testing.assert_close(out_im2col, out_dlfs)
torch.testing.assert_close(out_im2col, out_torch)
print("W_flat", tuple(w_flat.shape), "@ cols", tuple(cols.shape), "->", tuple(out_im2col.shape))
print("im2col + matmul == dlfs conv2d == torch conv2d")

# %% [markdown]
# The price of im2col is memory: each input pixel is copied into up to `kh*kw` columns. The
# gain is speed: one large matrix product instead of `B*C_out*Ho*Wo` small dot products in
# Python. (The multiply-adds are the same: `B*C_out*L*C_in*kh*kw`.)
#
# What decides the speed here is how many times Python calls into torch: each call costs
# microseconds of overhead, whatever its size. We count those calls (a `TorchFunctionMode`
# sees every torch function and tensor method called while it is active) and the
# multiply-adds of the matrix products (torch's `FlopCounterMode`; one multiply-add is 2
# FLOPs, so $\text{FLOPs} = 2\, B\, C_{out}\, L\, C_{in} k_h k_w$). Both counts are exact and
# asserted; the timings are printed for a feel of the difference but not asserted, since on
# a shared machine they vary from run to run.

# %% [markdown] lang="zh"
# im2col 的代价是内存：每个输入像素最多被复制到 `kh*kw` 列中。换来的是速度：
# 一次大的矩阵乘法，代替 Python 里 `B*C_out*Ho*Wo` 次小点积。
# （乘加次数不变，都是 `B*C_out*L*C_in*kh*kw`。）
#
# 这里决定速度的是 Python 调用 torch 的次数：每次调用无论大小都有几微秒的额外开销。
# 我们统计这些调用次数（`TorchFunctionMode` 在激活期间能看到每一次 torch 函数和张量方法调用），
# 也统计矩阵乘法的乘加次数（用 torch 的 `FlopCounterMode`；一次乘加算 2 个 FLOP，
# 所以 $\text{FLOPs} = 2\, B\, C_{out}\, L\, C_{in} k_h k_w$）。两个计数都是精确的，
# 并用断言检查；耗时只打印出来让你感受差距，不做断言，因为在共享机器上每次运行都会波动。

# %%
big = torch.randn(1, 3, 16, 16, dtype=torch.float64)
w_big = torch.randn(8, 3, 3, 3, dtype=torch.float64)
b_big = torch.zeros(8, dtype=torch.float64)
cols_big = F.unfold(big, 3, padding=1)  # (1, 27, 256)
blowup = cols_big.numel() / big.numel()
print(f"input {big.numel()} numbers -> im2col {cols_big.numel()} numbers ({blowup:.1f}x)")
assert abs(blowup - 9.0) < 1e-9  # stride 1, padding 1: every pixel lands in 9 columns



class CountTorchCalls(TorchFunctionMode):
    """Counts the torch functions and tensor methods called from Python while active."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.calls += 1
        return func(*args, **(kwargs or {}))


with CountTorchCalls() as loop_calls:
    conv2d_loops(big, w_big, b_big, 1, 1)
with CountTorchCalls() as im2col_calls, FlopCounterMode(display=False) as flops:
    F.conv2d(big, w_big, b_big, padding=1)
macs = 1 * 8 * 16 * 16 * 3 * 3 * 3                   # B * C_out * L * C_in * kh * kw
print(f"torch calls from Python: loops {loop_calls.calls:,}, im2col {im2col_calls.calls}; "
      f"im2col's matrix products: {flops.get_total_flops() // 2:,} multiply-adds = {macs:,}")
assert flops.get_total_flops() == 2 * macs
assert im2col_calls.calls < 100 < 8 * 16 * 16 <= loop_calls.calls  # >= one per dot product

t0 = time.perf_counter()
ref = conv2d_loops(big, w_big, b_big, 1, 1)
t_loops = time.perf_counter() - t0
t_im2col = float("inf")
for _ in range(3):  # best of 3: the first call also pays one-time set-up costs
    t0 = time.perf_counter()
    fast = F.conv2d(big, w_big, b_big, padding=1)
    t_im2col = min(t_im2col, time.perf_counter() - t0)
torch.testing.assert_close(ref, fast)
print(f"time (shown, not asserted): loops {t_loops * 1e3:.1f} ms, im2col {t_im2col * 1e3:.2f} ms "
      f"({t_loops / t_im2col:.0f}x faster here)")

# %% [markdown]
# ## 3. Receptive field growth
# The receptive field `r` of a layer is the side of the input patch one of its pixels
# depends on; `j` (the "jump") is the distance in input pixels between two neighbouring
# pixels of that layer. A layer with kernel `k`, dilation `d` and stride `s` updates them as
#
# $$
# k_{\text{eff}} = d(k - 1) + 1, \qquad r_l = r_{l-1} + (k_{\text{eff}} - 1)\, j_{l-1},
# \qquad j_l = j_{l-1}\, s
# $$
#
# starting from $r_0 = 1,\ j_0 = 1$. Stacking 3x3 convs grows `r` by 2 jumps per layer; each
# pool doubles the jump, so later layers grow `r` faster.

# %% [markdown] lang="zh"
# ## 3. 感受野的增长
# 一层的感受野 `r` 是该层一个像素所依赖的输入区域的边长；`j`（“跳距”）是该层两个相邻像素
# 在输入上相隔的像素数。卷积核为 `k`、膨胀率为 `d`、步长为 `s` 的一层按下式更新它们：
#
# $$
# k_{\text{eff}} = d(k - 1) + 1, \qquad r_l = r_{l-1} + (k_{\text{eff}} - 1)\, j_{l-1},
# \qquad j_l = j_{l-1}\, s
# $$
#
# 初值为 $r_0 = 1,\ j_0 = 1$。每叠一层 3x3 卷积，`r` 增加 2 个跳距；每个池化层把跳距翻倍，
# 所以越靠后的层 `r` 增长得越快。

# %%
STACK = [  # (name, kernel, stride, dilation)
    ("conv3", 3, 1, 1), ("conv3", 3, 1, 1), ("pool2", 2, 2, 1),
    ("conv3", 3, 1, 1), ("conv3", 3, 1, 1), ("pool2", 2, 2, 1),
    ("conv3 d2", 3, 1, 2),
]


def receptive_fields(stack: list[tuple[str, int, int, int]]) -> list[tuple[int, int]]:
    """(r_l, j_l) after each layer, by the recurrence above."""
    r, j, table = 1, 1, []
    for _, kernel, stride, dilation in stack:
        r = r + (dilation * (kernel - 1)) * j
        j = j * stride
        table.append((r, j))
    return table


rf_table = receptive_fields(STACK)
print(f"{'layer':<10} {'k':>2} {'s':>2} {'d':>2} {'r':>4} {'jump':>5}")
for (name, kernel, stride, dilation), (r, j) in zip(STACK, rf_table):
    print(f"{name:<10} {kernel:>2} {stride:>2} {dilation:>2} {r:>4} {j:>5}")
assert rf_table[1] == (5, 1)  # two 3x3 convs see 5x5, like one 5x5 conv
assert rf_table[-1] == (32, 4)  # the dilated 3x3 acts like a 5x5 at jump 4

# %% [markdown]
# Now measured: build the stack from `dlfs.nn` layers (no padding), take one output pixel
# `(y, x)`, back-propagate it to the input, and look where the gradient is non-zero. With
# positive weights, positive inputs and average pooling, every input pixel inside the
# receptive field contributes, so the support of the gradient is exactly the
# `r x r` square starting at `(y*j, x*j)`: rows $y j \ldots y j + r - 1$, columns
# $x j \ldots x j + r - 1$.

# %% [markdown] lang="zh"
# 下面实测：用 `dlfs.nn` 的层搭出这个网络（不填充），取一个输出像素 `(y, x)`，
# 把它反向传播到输入，看梯度在哪里非零。权重为正、输入为正、用平均池化时，
# 感受野内的每个输入像素都有贡献，所以梯度的支撑集恰好是从 `(y*j, x*j)` 开始的
# `r x r` 正方形：第 $y j \ldots y j + r - 1$ 行、第 $x j \ldots x j + r - 1$ 列。


# %%
def build_stack(pool: type, positive: bool) -> nn.Sequential:
    """The STACK as dlfs.nn layers (1 channel, no padding, ReLU after each conv)."""
    layers: list = []
    for name, kernel, stride, dilation in STACK:
        if name.startswith("pool"):
            layers.append(pool(kernel, stride))
        else:
            conv = nn.Conv2d(1, 1, kernel, dilation=dilation, bias=False)
            if positive:
                with torch.no_grad():
                    conv.weight.uniform_(0.1, 1.0)
            layers += [conv, nn.ReLU()]
    return nn.Sequential(*layers)


def gradient_support(net: nn.Sequential, x: torch.Tensor, y: int, xx: int) -> torch.Tensor:
    """|d out[0, 0, y, xx] / d x| as an (H, W) map."""
    x = x.clone().requires_grad_(True)
    out = net(x)  # (1, 1, Ho, Wo)
    out[0, 0, y, xx].backward()
    return x.grad[0, 0].abs()


size = 48
r_final, j_final = rf_table[-1]
x_pos = torch.rand(1, 1, size, size, dtype=torch.float64) + 0.1
avg_net = build_stack(nn.AvgPool2d, positive=True).double()
out_shape = tuple(avg_net(x_pos).shape)
oy, ox = 2, 3
grad_avg = gradient_support(avg_net, x_pos, oy, ox)
rows, cols_nz = torch.nonzero(grad_avg, as_tuple=True)
box = (rows.min().item(), rows.max().item(), cols_nz.min().item(), cols_nz.max().item())
expected = (oy * j_final, oy * j_final + r_final - 1, ox * j_final, ox * j_final + r_final - 1)
print(f"input {size}x{size} -> output {out_shape}; pixel ({oy}, {ox})")
print(f"non-zero gradient rows {box[0]}..{box[1]}, cols {box[2]}..{box[3]}; "
      f"formula: rows {expected[0]}..{expected[1]}, cols {expected[2]}..{expected[3]}")
assert box == expected
assert int((grad_avg > 0).sum()) == r_final * r_final  # every pixel inside counts
print(f"non-zero pixels: {int((grad_avg > 0).sum())} = r^2 = {r_final}^2")

# %% [markdown]
# With max pooling and random-sign weights the gradient still never leaves the receptive
# field, but it is sparser inside it: a max pool passes gradient only to the winner of each
# window, and a ReLU that is off blocks it. The receptive field is an upper bound on what a
# pixel *can* see; the "effective" receptive field is what it actually uses.

# %% [markdown] lang="zh"
# 换成最大池化、权重符号随机时，梯度依然不会越出感受野，但在感受野内部变得稀疏：
# 最大池化只把梯度传给每个窗口里的最大者，处于关闭状态的 ReLU 也会挡住梯度。
# 感受野是一个像素*能*看到的范围的上界；“有效”感受野才是它实际用到的部分。

# %%
max_net = build_stack(nn.MaxPool2d, positive=False).double()
x_rand = torch.randn(1, 1, size, size, dtype=torch.float64)
grad_max = gradient_support(max_net, x_rand, oy, ox)
inside = torch.zeros_like(grad_max, dtype=torch.bool)
inside[expected[0]:expected[1] + 1, expected[2]:expected[3] + 1] = True
n_max = int((grad_max > 0).sum())
print(f"max-pool stack: {n_max} non-zero pixels, all inside the {r_final}x{r_final} field")
assert n_max > 0 and not (grad_max[~inside] > 0).any()
assert n_max < r_final * r_final

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
axes[0].plot(range(1, len(STACK) + 1), [r for r, _ in rf_table], "-o", label="this stack")
axes[0].plot(range(1, len(STACK) + 1), [1 + 2 * n for n in range(1, len(STACK) + 1)], "--",
             label="3x3 convs only")
axes[0].set_xticks(range(1, len(STACK) + 1), [n for n, *_ in STACK], rotation=45, fontsize=7)
axes[0].set_ylabel("receptive field r")
axes[0].legend(fontsize=8)
for ax, g, title in ((axes[1], grad_avg, "avg pool, positive weights"),
                     (axes[2], grad_max, "max pool, random weights")):
    ax.imshow(g.numpy(), cmap="magma")
    ax.add_patch(Rectangle((expected[2] - 0.5, expected[0] - 0.5), r_final, r_final,
                           fill=False, edgecolor="cyan", linewidth=1.5))
    ax.set_title(f"|d out[{oy},{ox}] / d input|: {title}", fontsize=8)
    ax.axis("off")
fig.suptitle("Receptive field: formula (cyan box) vs gradient support")
ctx.savefig(fig, "receptive_field.png")
