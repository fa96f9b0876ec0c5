# %% [markdown]
# # Knowledge distillation: a small student learns from a big teacher — 知识蒸馏：小学生向大老师学习
#
# **Library files:** `src/dlfs/nn/functional/distillation.py` (`distillation_loss`), built on
# `src/dlfs/nn/functional/loss.py` (`kl_div`), `class_losses.py` (`cross_entropy`) and
# `activation.py` (`log_softmax`). Tests: `tests/nn/test_distillation.py`.
#
# A trained classifier knows more than its top answer: it says *how much* a "3" looks like an "8" or
# a "5". Hinton, Vinyals and Dean (2015) train a small *student* on these soft outputs of a big
# *teacher*, softened by a temperature $T$. With teacher logits $t$, student logits $z$ and label
# $y$:
#
# $$
# p_T = \mathrm{softmax}(t / T), \qquad q_T = \mathrm{softmax}(z / T)
# $$
#
# $$
# L = \alpha\,T^2\,\mathrm{KL}(p_T \,\|\, q_T) + (1 - \alpha)\,\mathrm{CE}(z, y),
# \qquad \mathrm{KL}(p_T \,\|\, q_T) = \sum_c p_{T,c}\,(\log p_{T,c} - \log q_{T,c})
# $$
#
# averaged over the batch. Here a 26 k-parameter MLP teacher, trained on all 1,438 training digits,
# teaches a 1.2 k-parameter student that sees only 50 labelled digits. We measure what the soft
# targets add on held-out digits, and why the loss carries that $T^2$.
#
# Reference: Hinton, Vinyals & Dean, 2015, *Distilling the Knowledge in a Neural Network*.

# %% [markdown] lang="zh"
# # 知识蒸馏：小的学生模型向大的老师模型学习
#
# **库文件：** `src/dlfs/nn/functional/distillation.py`（`distillation_loss`），
# 构建在 `src/dlfs/nn/functional/loss.py`（`kl_div`）、`class_losses.py`（`cross_entropy`）
# 和 `activation.py`（`log_softmax`）之上。测试：`tests/nn/test_distillation.py`。
#
# 训练好的分类器知道的不止它的首选答案：它还说出一个“3”有*多像*“8”或“5”。Hinton、
# Vinyals 和 Dean（2015）让一个小的*学生*模型去学大的*老师*模型经温度 $T$ 软化后的输出。
# 记老师的 logits 为 $t$、学生的 logits 为 $z$、标签为 $y$：
#
# $$
# p_T = \mathrm{softmax}(t / T), \qquad q_T = \mathrm{softmax}(z / T)
# $$
#
# $$
# L = \alpha\,T^2\,\mathrm{KL}(p_T \,\|\, q_T) + (1 - \alpha)\,\mathrm{CE}(z, y),
# \qquad \mathrm{KL}(p_T \,\|\, q_T) = \sum_c p_{T,c}\,(\log p_{T,c} - \log q_{T,c})
# $$
#
# 再对批次取平均。这里，老师是在全部 1,438 张训练图片上训练的 2.6 万参数 MLP，学生只有 1,200 个参
# 数、只见过 50 张带标签的图片。我们在留出的图片上测量软目标带来了什么，并解释损失里为什么有 $T^2$。
#
# 参考文献：Hinton、Vinyals 与 Dean，2015，*Distilling the Knowledge in a Neural Network*。

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

import dlfs.nn as dnn
from dlfs.curriculum import lesson_context
from dlfs.data.datasets import digits
from dlfs.nn.functional import cross_entropy, softmax
from dlfs.nn.functional.distillation import distillation_loss

ctx = lesson_context("knowledge-distillation")
torch.set_num_threads(1)          # tiny matrices: one thread is fastest on a shared machine
x_train, y_train = digits("train", flatten=True)[:]                  # (1438, 64), (1438,)
x_test, y_test = digits("test", flatten=True)[:]                     # (359, 64), (359,)
print(f"train {tuple(x_train.shape)}, held out {tuple(x_test.shape)}")


def mlp(sizes: list[int], seed: int) -> dnn.Sequential:
    """Linear -> ReLU -> ... -> Linear with the given widths, seeded initialisation."""
    torch.manual_seed(seed)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [dnn.Linear(n_in, n_out), dnn.ReLU()]
    return dnn.Sequential(*layers[:-1])


def accuracy(model, x, y) -> float:
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


# %% [markdown]
# ## 1. The teacher
# A two-hidden-layer MLP trained with plain cross-entropy on the whole training split.

# %% [markdown] lang="zh"
# ## 1. 老师
# 一个有两层隐藏层的 MLP，用普通交叉熵在整个训练集上训练。

# %%
teacher = mlp([64, 128, 128, 10], seed=0)
opt = torch.optim.Adam(teacher.parameters(), lr=1e-3)
g = torch.Generator().manual_seed(0)
for _ in range(200 if ctx.quick else 800):
    idx = torch.randint(0, len(x_train), (128,), generator=g)
    loss = cross_entropy(teacher(x_train[idx]), y_train[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
teacher_acc = accuracy(teacher, x_test, y_test)
print(f"teacher: {n_params(teacher):,} parameters, held-out accuracy {teacher_acc:.1%}")
assert teacher_acc > 0.93

# %% [markdown]
# ## 2. Soft targets and the temperature
# Dividing the logits by $T > 1$ flattens the softmax without changing the order of the classes: the
# near-zero probabilities of the wrong classes grow until the student can see them. We pick the
# held-out digit on which the teacher hesitates most (largest second probability, yet right) and
# print the entropy $H(p_T) = -\sum_c p_{T,c} \log p_{T,c}$, which grows with $T$.

# %% [markdown] lang="zh"
# ## 2. 软目标与温度
# 把 logits 除以 $T > 1$ 会让 softmax 变平，但不改变类别的排序：错误类别那些接近 0 的概率被放大，
# 学生才“看得见”。我们挑出老师最犹豫（第二大概率最大、但仍然答对）的一张留出图片，
# 并打印熵 $H(p_T) = -\sum_c p_{T,c} \log p_{T,c}$，它随 $T$ 增大。

# %%
with torch.no_grad():
    t_test = teacher(x_test)                                         # (359, 10) logits
p1 = softmax(t_test, dim=1)
second = p1.topk(2, dim=1).values[:, 1]
second[p1.argmax(1) != y_test] = 0
i = int(second.argmax())
temperatures = (1.0, 2.0, 4.0, 8.0)
print(f"held-out image {i}, label {int(y_test[i])}")
entropies = []
for T in temperatures:
    p = softmax(t_test[i] / T, dim=0)
    entropies.append(float(-(p * p.log()).sum()))
    top = p.topk(3)
    shown = ", ".join(f"{int(c)}: {float(v):.3f}" for v, c in zip(top.values, top.indices))
    print(f"  T = {T:g}: top classes {shown}; entropy {entropies[-1]:.2f} nats")
    assert int(p.argmax()) == int(y_test[i])                        # the order is kept
assert all(a < b for a, b in zip(entropies, entropies[1:]))          # ... the spread grows

# %% [markdown]
# ## 3. Which KL, and what it equals
# `distillation_loss` uses $\mathrm{KL}(p_T \,\|\, q_T)$, the expectation taken over the
# **teacher**:
#
# $$
# \mathrm{KL}(p \,\|\, q) = H(p, q) - H(p), \qquad
# \frac{\partial\,\mathrm{KL}(p_T \,\|\, q_T)}{\partial z_c} = \frac{q_{T,c} - p_{T,c}}{T}
# $$
#
# $H(p)$ does not depend on the student, so this KL *is* cross-entropy with the soft targets up to a
# constant, and its gradient per logit is the one above. At $T = 1$ and $\alpha = 1$ we check both
# on the untrained student (the batch mean over $B = 64$ images divides each gradient by 64).

# %% [markdown] lang="zh"
# ## 3. 哪个方向的 KL，它等于什么
# `distillation_loss` 用的是 $\mathrm{KL}(p_T \,\|\, q_T)$，期望是对**老师**分布取的：
#
# $$
# \mathrm{KL}(p \,\|\, q) = H(p, q) - H(p), \qquad
# \frac{\partial\,\mathrm{KL}(p_T \,\|\, q_T)}{\partial z_c} = \frac{q_{T,c} - p_{T,c}}{T}
# $$
#
# $H(p)$ 与学生无关，所以这个 KL 就是以软目标为标签的交叉熵（差一个常数），每个 logit 上的梯度如上
# 式。下面在未训练的学生上，取 $T = 1$、$\alpha = 1$ 检验这两点（对 $B = 64$ 张图片取批次平均，
# 所以每个梯度还要除以 64）。

# %%
student0 = mlp([64, 16, 10], seed=1000)
with torch.no_grad():
    t_train = teacher(x_train[:64])                                   # (64, 10)
    z0 = student0(x_train[:64])                                       # (64, 10)
p = softmax(t_train, dim=1)
z = z0.clone().requires_grad_()
kd = distillation_loss(z, t_train, None, T=1.0, alpha=1.0)
kd.backward()
soft_ce = cross_entropy(z0, p)
teacher_entropy = -(p * p.log()).sum(1).mean()
print(f"KL {kd.item():.4f} + teacher entropy {teacher_entropy:.4f} = {kd.item() + teacher_entropy:.4f}"
      f"; soft-target cross-entropy {soft_ce:.4f}")
assert torch.allclose(kd + teacher_entropy, soft_ce, atol=1e-5)
assert torch.allclose(z.grad, (softmax(z0, dim=1) - p) / 64, atol=1e-6)

# %% [markdown]
# ## 4. Why $T^2$
# For large $T$ a softmax is close to uniform,
# $\mathrm{softmax}(x / T)_c \approx \bigl(1 + (x_c - \bar{x}) / T\bigr) / C$, so
#
# $$
# q_{T,c} - p_{T,c} \approx \frac{(z_c - \bar{z}) - (t_c - \bar{t})}{C\,T}
# $$
#
# and the soft gradient $(q_T - p_T) / T$ shrinks like $1 / T^2$. The $T^2$ factor undoes that, so
# the soft term keeps its weight against the hard-label term at any temperature. Measured on the
# untrained student (gradient norm of the soft term with respect to the student's logits): from
# $T = 4$ on, the scaled norm stays within 25 % and approaches its limit
#
# $$
# \frac{\bigl\| (z - \bar{z}) - (t - \bar{t}) \bigr\|}{C\,B}
# $$
#
# while the unscaled one falls by $(32 / 4)^2 = 64$. At $T = 1$ or 2 the approximation does not hold
# yet: the teacher's logits spread over much more than $T$, so its softmax is still nearly one-hot.

# %% [markdown] lang="zh"
# ## 4. 为什么乘 $T^2$
# $T$ 很大时 softmax 接近均匀分布，
# $\mathrm{softmax}(x / T)_c \approx \bigl(1 + (x_c - \bar{x}) / T\bigr) / C$，所以
#
# $$
# q_{T,c} - p_{T,c} \approx \frac{(z_c - \bar{z}) - (t_c - \bar{t})}{C\,T}
# $$
#
# 软梯度 $(q_T - p_T) / T$ 按 $1 / T^2$ 缩小。乘上 $T^2$ 正好抵消，于是在任何温度下软项相对硬标签项
# 的分量都不变。下面在未训练的学生上测量软项对学生 logits 的梯度范数：从 $T = 4$ 起，
# 乘了 $T^2$ 的范数变化不超过 25 %，并趋于极限
#
# $$
# \frac{\bigl\| (z - \bar{z}) - (t - \bar{t}) \bigr\|}{C\,B}
# $$
#
# 不乘 $T^2$ 的则缩小了 $(32 / 4)^2 = 64$ 倍。$T = 1$ 或 2 时近似还不成立：老师的 logits 分布范围远
# 大于 $T$，它的 softmax 仍然几乎是 one-hot。

# %%
norms = {}
for T in (1.0, 2.0, 4.0, 8.0, 16.0, 32.0):
    z = z0.clone().requires_grad_()
    distillation_loss(z, t_train, None, T=T, alpha=1.0).backward()
    norms[T] = z.grad.norm().item()
    print(f"  T = {T:>4g}: |grad| with T^2 {norms[T]:.4f}, without {norms[T] / T ** 2:.6f}")
centred = (z0 - z0.mean(1, keepdim=True)) - (t_train - t_train.mean(1, keepdim=True))
limit = centred.norm().item() / (10 * 64)
print(f"  large-T limit |centred z - centred t| / (C B) = {limit:.4f}")
large = (4.0, 8.0, 16.0, 32.0)
with_t2 = [norms[T] for T in large]
without = [norms[T] / T ** 2 for T in large]
assert max(with_t2) / min(with_t2) < 1.25, "with T^2 the scale stays put"
assert max(without) / min(without) > 40, "without it the soft gradient vanishes"
assert abs(norms[32.0] / limit - 1) < 0.1

# %% [markdown]
# ## 5. Students with and without the teacher
# Each student (64 -> 16 -> 10) sees the same 50 labelled training digits (5 per class), full batch,
# 100 Adam steps. "labels only" is $\alpha = 0$ (plain cross-entropy); the others use $\alpha = 0.9$
# and the teacher's logits on those same 50 images. Averaged over seeds (each seed draws another
# subset and another initialisation).

# %% [markdown] lang="zh"
# ## 5. 有老师和没有老师的学生
# 每个学生（64 -> 16 -> 10）看到的都是同样的 50 张带标签训练图片（每类 5 张），全批量、
# 100 步 Adam。“只用标签”（labels only）即 $\alpha = 0$（普通交叉熵）；其余用 $\alpha = 0.9$ 以及老
# 师在这 50 张图片上的 logits。结果对多个随机种子取平均（每个种子换一个子集和一个初始化）。

# %%
settings = {"labels only": (1.0, 0.0)} | {f"T = {T:g}": (T, 0.9) for T in temperatures}
seeds = range(3 if ctx.quick else 10)
results: dict[str, list[float]] = {name: [] for name in settings}
for seed in seeds:
    g = torch.Generator().manual_seed(100 + seed)
    subset = torch.cat([torch.nonzero(y_train == c).flatten()[
        torch.randperm(int((y_train == c).sum()), generator=g)[:5]] for c in range(10)])
    xs, ys = x_train[subset], y_train[subset]                        # (50, 64), (50,)
    with torch.no_grad():
        teacher_logits = teacher(xs)                                 # (50, 10), frozen
    for name, (T, alpha) in settings.items():
        student = mlp([64, 16, 10], seed=1000 + seed)
        opt = torch.optim.Adam(student.parameters(), lr=1e-2)
        for _ in range(100):
            loss = distillation_loss(student(xs), teacher_logits, ys, T=T, alpha=alpha)
            opt.zero_grad()
            loss.backward()
            opt.step()
        results[name].append(accuracy(student, x_test, y_test))
mean = {name: sum(a) / len(a) for name, a in results.items()}
print(f"student: {n_params(student):,} parameters; held-out accuracy over {len(seeds)} seeds")
for name, accs in results.items():
    print(f"  {name:<12} mean {mean[name]:.1%}  (per seed: "
          + ", ".join(f"{a:.1%}" for a in accs) + ")")
baseline = mean["labels only"]
assert mean["T = 2"] > baseline + 0.01
for T in (4.0, 8.0):
    assert mean[f"T = {T:g}"] > baseline + 0.03, f"distillation at T = {T:g} should help"
assert max(mean[f"T = {T:g}"] for T in (2.0, 4.0, 8.0)) > mean["T = 1"]

# %% [markdown]
# With 50 labels the student overfits them; the teacher's soft outputs on the same 50 images tell
# it, for every image, how similar it is to each of the other classes — ten numbers per image
# instead of one. At $T = 1$ those numbers are mostly ~0 and add little; at $T = 2$ to 8 they become
# visible and the student gains several points. (The teacher's knowledge came from all the training
# labels: distillation is a way to pass it on to a model about 20 times smaller.)

# %% [markdown] lang="zh"
# 只有 50 个标签时学生会过拟合；老师在同样 50 张图片上的软输出告诉它每张图与其他每一类有多像——每张图
# 十个数，而不是一个。$T = 1$ 时这些数大多接近 0，帮助不大；$T = 2$ 到 8 时它们显现出来，
# 学生的准确率提高了好几个百分点。（老师的知识来自全部训练标签：蒸馏是把它传给一个约小 20 倍的模型的
# 方法。）

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.2))
for T in temperatures:
    ax1.plot(range(10), softmax(t_test[i] / T, dim=0).numpy(), marker="o", label=f"T = {T:g}")
ax1.set(xlabel="class", ylabel="p_T", title=f"teacher's soft targets, image {i}",
        xticks=range(10))
ax1.legend()
names = list(mean)
ax2.bar(names, [mean[n] for n in names], color=["gray"] + ["tab:blue"] * len(temperatures))
ax2.axhline(teacher_acc, color="tab:green", linestyle="--", label="teacher")
ax2.set(ylim=(0.7, 1.0), ylabel="held-out accuracy", title="student, 50 labels")
ax2.legend()
ctx.savefig(fig, "distillation.png")
