# %% [markdown]
# # Contrastive learning: InfoNCE and NT-Xent on digits — 对比学习：在手写数字上用 InfoNCE 与 NT-Xent
#
# **Library files:** `src/dlfs/nn/functional/contrastive.py` (`info_nce`, `nt_xent`), built
# on `src/dlfs/nn/functional/class_losses.py` (`cross_entropy`). Tests:
# `tests/nn/test_contrastive_losses.py`.
#
# No labels at all: take each image twice, each time through a random augmentation (shift it by up
# to one pixel, add noise), and train an encoder so that the two views of one image land close
# together and views of different images far apart. Each view must *pick out its partner* from the
# batch — a softmax classification over similarities, whose loss is InfoNCE. We write it as a loop,
# check the library against it, train a small encoder with NT-Xent (SimCLR's form) at three
# temperatures, and measure what it learned: Wang & Isola's alignment and uniformity, and
# nearest-neighbour accuracy on held-out digits.
#
# References: van den Oord et al., 2018, *Representation Learning with Contrastive Predictive
# Coding* (InfoNCE); Chen et al., 2020, *A Simple Framework for Contrastive Learning of Visual
# Representations* (SimCLR, NT-Xent); Wang & Isola, 2020, *Understanding Contrastive Representation
# Learning through Alignment and Uniformity on the Hypersphere*.

# %% [markdown] lang="zh"
# # 对比学习：在手写数字上用 InfoNCE 与 NT-Xent
#
# **库文件：** `src/dlfs/nn/functional/contrastive.py`（`info_nce`、`nt_xent`），
# 构建在 `src/dlfs/nn/functional/class_losses.py`（`cross_entropy`）之上。
# 测试：`tests/nn/test_contrastive_losses.py`。
#
# 完全不用标签：每张图片取两次，每次经过一个随机增强（最多平移一个像素、加噪声），训练一个编码器，
# 让同一张图的两个视图靠近、不同图片的视图远离。每个视图都要在整个批次里**认出自己的搭档**——这是一个
# 基于相似度的 softmax 分类，它的损失就是 InfoNCE。我们先用循环写出它、用它检验库函数，
# 再用 NT-Xent（SimCLR 的形式）在三个温度下训练一个小编码器，最后测量它学到了什么：
# Wang 与 Isola 的对齐性（alignment）和均匀性（uniformity），以及在留出图片上的最近邻准确率。
#
# 参考文献：van den Oord 等，2018，*Representation Learning with Contrastive Predictive Coding*
# （InfoNCE）；Chen 等，2020，*A Simple Framework for Contrastive Learning of Visual
# Representations*（SimCLR、NT-Xent）；Wang 与 Isola，2020，*Understanding Contrastive
# Representation Learning through Alignment and Uniformity on the Hypersphere*。

# %%
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

import dlfs.nn as dnn
from dlfs.curriculum import lesson_context
from dlfs.data.datasets import digits
from dlfs.nn.functional.contrastive import info_nce, nt_xent

ctx = lesson_context("contrastive-learning")
torch.set_num_threads(1)          # tiny matrices: one thread is fastest on a shared machine
x_train, y_train = digits("train")[:]                                # (1438, 1, 8, 8), (1438,)
x_test, y_test = digits("test")[:]                                   # (359, 1, 8, 8), (359,)


def augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """One random view of each image: shifted by -1, 0 or +1 pixel in each direction (the
    border filled with 0), plus Gaussian noise of std 0.1. (N, 1, 8, 8) -> (N, 64)."""
    n = x.shape[0]
    padded = torch.zeros(n, 10, 10)
    padded[:, 1:9, 1:9] = x[:, 0]
    dy, dx = torch.randint(0, 3, (2, n), generator=g)
    rows = dy[:, None] + torch.arange(8)                             # (N, 8)
    cols = dx[:, None] + torch.arange(8)                             # (N, 8)
    out = padded[torch.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]  # (N, 8, 8)
    return (out + 0.1 * torch.randn(out.shape, generator=g)).flatten(1)


def encoder(seed: int) -> dnn.Sequential:
    """64 pixels -> 128 -> a 32-d embedding."""
    torch.manual_seed(seed)
    return dnn.Sequential(dnn.Linear(64, 128), dnn.ReLU(), dnn.Linear(128, 32))


def unit(e: torch.Tensor) -> torch.Tensor:
    return e / e.norm(dim=1, keepdim=True)


g = torch.Generator().manual_seed(0)
pair = torch.stack([augment(x_train[:4], g), augment(x_train[:4], g)], 1)   # (4, 2, 64)
print(f"train {tuple(x_train.shape)}, held out {tuple(x_test.shape)}; a view is "
      f"{pair.shape[-1]} numbers; two views of one image differ by "
      f"{(pair[:, 0] - pair[:, 1]).abs().mean():.3f} per pixel on average")
fig, axes = plt.subplots(2, 4, figsize=(6, 3))
for j in range(4):
    for v in range(2):
        axes[v, j].imshow(pair[j, v].view(8, 8).numpy(), cmap="gray_r")
        axes[v, j].axis("off")
fig.suptitle("two augmented views (columns) of four digits")
ctx.savefig(fig, "views.png")

# %% [markdown]
# ## 1. InfoNCE, one query at a time
# Queries $u_i = f(x_i^{(1)})$ from view 1 of image $i$, keys $v_j = f(x_j^{(2)})$ from view 2 of
# image $j$, both scaled to unit length. For query $i$, key $i$ is the positive and the other
# $B - 1$ keys are negatives:
#
# $$
# \ell_i = -\log \frac{\exp(u_i \cdot v_i / \tau)}{\sum_{j=1}^{B} \exp(u_i \cdot v_j / \tau)},
# \qquad L = \frac{1}{B} \sum_{i=1}^{B} \ell_i
# $$
#
# which is cross-entropy over the row of similarities
# $s_i = (u_i \cdot v_1, \dots, u_i \cdot v_B) / \tau$ with the label $i$. The library computes all
# rows at once as `cross_entropy(U V^T / tau, arange(B))`; `symmetric=True` (CLIP's form) also lets
# each key pick its query (the columns) and averages the two directions:
# $L_{\text{sym}} = \frac{1}{2}\bigl(\mathrm{CE}(S, i) + \mathrm{CE}(S^\top, i)\bigr)$ with
# $S = U V^\top / \tau$.

# %% [markdown] lang="zh"
# ## 1. 逐个查询写出 InfoNCE
# 查询 $u_i = f(x_i^{(1)})$ 来自图片 $i$ 的视图 1，键 $v_j = f(x_j^{(2)})$ 来自图片 $j$ 的视图 2，
# 都归一化为单位长度。对查询 $i$，键 $i$ 是正样本，其余 $B - 1$ 个键是负样本：
#
# $$
# \ell_i = -\log \frac{\exp(u_i \cdot v_i / \tau)}{\sum_{j=1}^{B} \exp(u_i \cdot v_j / \tau)},
# \qquad L = \frac{1}{B} \sum_{i=1}^{B} \ell_i
# $$
#
# 这就是相似度行 $s_i = (u_i \cdot v_1, \dots, u_i \cdot v_B) / \tau$ 以 $i$ 为标签的交叉熵。
# 库函数一次算完所有行：`cross_entropy(U V^T / tau, arange(B))`；`symmetric=True`（CLIP 的形式）
# 还让每个键去认出它的查询（按列），并对两个方向取平均：
# $L_{\text{sym}} = \frac{1}{2}\bigl(\mathrm{CE}(S, i) + \mathrm{CE}(S^\top, i)\bigr)$，
# 其中 $S = U V^\top / \tau$。

# %%
f0 = encoder(seed=0)
g = torch.Generator().manual_seed(1)
views = x_train[:8]
with torch.no_grad():
    q, k = f0(augment(views, g)), f0(augment(views, g))              # (8, 32) each
tau = 0.1
u, v = unit(q), unit(k)
rows = []
for i in range(len(u)):
    s = [float(u[i] @ v[j]) / tau for j in range(len(v))]
    rows.append(-math.log(math.exp(s[i]) / sum(math.exp(x) for x in s)))
by_hand = sum(rows) / len(rows)
print(f"InfoNCE by hand {by_hand:.6f}, library {info_nce(q, k, tau).item():.6f}")
assert abs(by_hand - info_nce(q, k, tau).item()) < 1e-4
cols = info_nce(k, q, tau).item()                     # each key picks its query
assert abs(info_nce(q, k, tau, symmetric=True).item() - (by_hand + cols) / 2) < 1e-4

# %% [markdown]
# ## 2. NT-Xent: both views in one pool
# SimCLR pools the $2B$ views $z = [u; v]$. Each view's positive is its partner
# $p(a) = (a + B) \bmod 2B$; its negatives are the other $2B - 2$ views of *either* side (its own
# similarity, always $1 / \tau$, is masked out):
#
# $$
# \ell_a = -\log \frac{\exp(z_a \cdot z_{p(a)} / \tau)}{\sum_{b \ne a} \exp(z_a \cdot z_b / \tau)},
# \qquad L = \frac{1}{2B} \sum_{a=1}^{2B} \ell_a
# $$
#
# So it has twice as many negatives per anchor as InfoNCE: with $B = 8$ the loss of an encoder that
# cannot tell images apart would be $\log 15$ against $\log 8$.

# %% [markdown] lang="zh"
# ## 2. NT-Xent：两个视图放进同一个池子
# SimCLR 把 $2B$ 个视图 $z = [u; v]$ 放进一个池子。每个视图的正样本是它的搭档
# $p(a) = (a + B) \bmod 2B$，负样本是两侧其余的 $2B - 2$ 个视图（它和自己的相似度恒为 $1 / \tau$，
# 要屏蔽掉）：
#
# $$
# \ell_a = -\log \frac{\exp(z_a \cdot z_{p(a)} / \tau)}{\sum_{b \ne a} \exp(z_a \cdot z_b / \tau)},
# \qquad L = \frac{1}{2B} \sum_{a=1}^{2B} \ell_a
# $$
#
# 所以每个锚点的负样本是 InfoNCE 的两倍：$B = 8$ 时，一个分不清图片的编码器的损失会是 $\log 15$，
# 而 InfoNCE 是 $\log 8$。

# %%
z = torch.cat([u, v])                                                # (16, 32)
n = len(u)
anchors = []
for a in range(2 * n):
    partner = (a + n) % (2 * n)
    s = {b: float(z[a] @ z[b]) / tau for b in range(2 * n) if b != a}
    anchors.append(-math.log(math.exp(s[partner]) / sum(math.exp(x) for x in s.values())))
print(f"NT-Xent by hand {sum(anchors) / len(anchors):.6f}, "
      f"library {nt_xent(q, k, tau).item():.6f}")
assert abs(sum(anchors) / len(anchors) - nt_xent(q, k, tau).item()) < 1e-4
same = torch.ones(8, 32)
print(f"identical embeddings: NT-Xent {nt_xent(same, same, tau).item():.4f} = log(15) "
      f"{math.log(15):.4f}; InfoNCE {info_nce(same, same, tau).item():.4f} = log(8)")
assert abs(nt_xent(same, same, tau).item() - math.log(15)) < 1e-5
assert abs(info_nce(same, same, tau).item() - math.log(8)) < 1e-5

# %% [markdown]
# ## 3. Train an encoder at three temperatures
# Batches of 128 training images, two fresh views each, NT-Xent, Adam. The labels are never used. An
# encoder that cannot tell the 256 views apart would score $\log 255$.

# %% [markdown] lang="zh"
# ## 3. 在三个温度下训练编码器
# 每批 128 张训练图片，每张取两个新的视图，NT-Xent 损失，Adam 优化。全程不使用标签。
# 分不清这 256 个视图的编码器得分会是 $\log 255$。

# %%
temperatures = (0.1, 0.3, 1.0)
steps = 150 if ctx.quick else 600
encoders, curves = {}, {}
for tau in temperatures:
    f = encoder(seed=0)                                  # the same start for every tau
    opt = torch.optim.Adam(f.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(1)
    curve = []
    for _ in range(steps):
        x = x_train[torch.randint(0, len(x_train), (128,), generator=g)]
        loss = nt_xent(f(augment(x, g)), f(augment(x, g)), tau)
        opt.zero_grad()
        loss.backward()
        opt.step()
        curve.append(loss.item())
    encoders[tau], curves[tau] = f, curve
    first, last = sum(curve[:10]) / 10, sum(curve[-10:]) / 10
    print(f"tau = {tau:g}: NT-Xent {first:.3f} -> {last:.3f} (log(255) = {math.log(255):.3f})")
    assert last < first - 0.3

# %% [markdown]
# ## 4. Alignment and uniformity
# Wang & Isola (2020) split what a contrastive loss asks for into two measurable parts of an encoder
# $f$ with unit-length outputs (lower is better for both):
#
# $$
# \mathcal{L}_{\text{align}} = \mathbb{E}_{(x, x^+)}\,\bigl\| f(x) - f(x^+) \bigr\|^2,
# \qquad
# \mathcal{L}_{\text{uniform}} = \log \mathbb{E}_{x, y}\,\exp\bigl(-2\,\| f(x) - f(y) \|^2\bigr)
# $$
#
# - **alignment**: the expectation over positive pairs $(x, x^+)$ — two views of one image should
#   map to the same point;
# - **uniformity**: the expectation over independent pairs $(x, y)$ (here all pairs of distinct
#   held-out images, using $\|a - b\|^2 = 2 - 2\,a \cdot b$ for unit vectors) — the embeddings
#   should spread over the whole sphere (it is smallest for a uniform spread).
#
# Measured on held-out images (two fresh views each). Every trained encoder beats the random one on
# both. A colder softmax (small $\tau$) punishes the nearest negatives hardest, so it pushes
# everything apart: more uniform, less aligned; a warm one ($\tau = 1$) the reverse.

# %% [markdown] lang="zh"
# ## 4. 对齐性与均匀性
# Wang 与 Isola（2020）把对比损失的要求拆成编码器 $f$（输出为单位向量）上两个可测量的部分（两者都是
# 越低越好）：
#
# $$
# \mathcal{L}_{\text{align}} = \mathbb{E}_{(x, x^+)}\,\bigl\| f(x) - f(x^+) \bigr\|^2,
# \qquad
# \mathcal{L}_{\text{uniform}} = \log \mathbb{E}_{x, y}\,\exp\bigl(-2\,\| f(x) - f(y) \|^2\bigr)
# $$
#
# - **对齐性**：对正样本对 $(x, x^+)$ 取期望——同一张图的两个视图应映射到同一点；
# - **均匀性**：对独立样本对 $(x, y)$ 取期望（这里取留出图片中所有不同图片的两两组合，
#   并利用单位向量的 $\|a - b\|^2 = 2 - 2\,a \cdot b$）——嵌入应铺满整个球面（均匀分布时最小）。
#
# 在留出图片上测量（每张取两个新视图）：每个训练过的编码器在两项上都胜过随机编码器。
# 低温（小 $\tau$）的 softmax 对最近的负样本惩罚最重，于是把一切推开：更均匀、对齐更差；
# 高温（$\tau = 1$）正好相反。

# %%
def alignment_uniformity(f, seed: int = 5) -> tuple[float, float]:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        a, b = unit(f(augment(x_test, g))), unit(f(augment(x_test, g)))    # (359, 32) each
    align = (a - b).pow(2).sum(1).mean().item()
    sq_dist = (2 - 2 * a @ a.T)                          # |a_i - a_j|^2 for unit vectors
    off_diagonal = ~torch.eye(len(a), dtype=torch.bool)
    uniform = sq_dist[off_diagonal].mul(-2).exp().mean().log().item()
    return align, uniform


random_encoder = encoder(seed=0)
measured = {"random": alignment_uniformity(random_encoder)}
measured |= {f"tau = {tau:g}": alignment_uniformity(encoders[tau]) for tau in temperatures}
print(f"{'encoder':<11}{'alignment':>11}{'uniformity':>12}")
for name, (al, un) in measured.items():
    print(f"{name:<11}{al:>11.3f}{un:>12.3f}")
al = [measured[f"tau = {tau:g}"][0] for tau in temperatures]
un = [measured[f"tau = {tau:g}"][1] for tau in temperatures]
assert al[0] > al[1] > al[2], "warmer -> better aligned"
assert un[0] < un[1] < un[2], "colder -> more uniform"
assert max(al) < measured["random"][0] and max(un) < measured["random"][1]

# %% [markdown]
# ## 5. Did it learn digits? Nearest neighbours on held-out images
# Embed the 1,438 training images (clean) with their labels; label each held-out image by a vote of
# its 5 most similar training embeddings (cosine). Two kinds of query: the clean held-out image, and
# a view of it through the same augmentation (shifted, noisy).

# %% [markdown] lang="zh"
# ## 5. 学到数字了吗？留出图片上的最近邻
# 把 1,438 张（干净的）训练图片连同标签做成嵌入；每张留出图片由与它最相似（余弦）的 5 个训练嵌入投票
# 决定标签。查询分两种：干净的留出图片，以及它经过同样增强（平移、加噪）后的视图。

# %%
def knn_accuracy(f, augmented: bool, k: int = 5) -> float:
    g = torch.Generator().manual_seed(9)
    queries = augment(x_test, g) if augmented else x_test.flatten(1)
    with torch.no_grad():
        memory, emb = unit(f(x_train.flatten(1))), unit(f(queries))  # (1438, E), (359, E)
    nearest = (emb @ memory.T).topk(k, dim=1).indices                  # (359, k)
    votes = torch.zeros(len(emb), 10).scatter_add_(1, y_train[nearest], torch.ones(nearest.shape))
    return (votes.argmax(1) == y_test).float().mean().item()


candidates = {"raw pixels": dnn.Identity(), "random encoder": random_encoder}
candidates |= {f"NT-Xent, tau = {tau:g}": encoders[tau] for tau in temperatures}
knn = {name: (knn_accuracy(f, False), knn_accuracy(f, True)) for name, f in candidates.items()}
print(f"{'embedding':<20}{'clean':>8}{'augmented':>11}")
for name, (clean, moved) in knn.items():
    print(f"{name:<20}{clean:>8.1%}{moved:>11.1%}")
for tau in temperatures:
    clean, moved = knn[f"NT-Xent, tau = {tau:g}"]
    assert moved > knn["random encoder"][1] + 0.2 and moved > knn["raw pixels"][1] + 0.1
    assert 0.8 < clean < knn["raw pixels"][0]
    assert clean - moved < (knn["random encoder"][0] - knn["random encoder"][1]) / 3

# %% [markdown]
# On the clean, centred digits pixel space is already a superb nearest-neighbour space, and a random
# encoder (a random projection) keeps most of its geometry: our short contrastive training does not
# improve on pixels there. Shift a digit by one pixel, though, and pixel distances mostly measure
# the shift: raw pixels and the random encoder fall to about half or less, while the contrastive
# encoders, trained to map both views of an image to one point, lose under ten points. The
# augmentations decide what the embedding ignores.

# %% [markdown] lang="zh"
# 在干净、居中的数字上，像素空间本身就是极好的最近邻空间，随机编码器（一个随机投影）
# 保留了其大部分几何结构：我们短时间的对比训练在这里比不过原始像素。但只要把数字平移一个像素，
# 像素距离度量的就主要是平移量：原始像素和随机编码器的准确率跌到一半左右甚至更低，而被训练成把同一张
# 图的两个视图映射到同一点的对比编码器只下降了不到十个百分点。增强方式决定了嵌入会忽略什么。

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
for name, (al_, un_) in measured.items():
    ax1.scatter(al_, un_, s=40)
    ax1.annotate(name, (al_, un_), textcoords="offset points", xytext=(5, 3))
ax1.set(xlabel="alignment (lower: views closer)", ylabel="uniformity (lower: more spread)",
        title="held-out digits")
ax1.margins(x=0.25, y=0.15)
names = list(knn)
xs = torch.arange(len(names)).float()
ax2.bar(xs - 0.2, [knn[n][0] for n in names], width=0.4, label="clean")
ax2.bar(xs + 0.2, [knn[n][1] for n in names], width=0.4, label="augmented")
ax2.set_xticks(xs.tolist(), [n.replace("NT-Xent, ", "") for n in names], rotation=20)
ax2.set(ylabel="5-NN accuracy", ylim=(0, 1.15), title="nearest neighbours, held out")
ax2.legend(ncol=2, loc="upper right")
ctx.savefig(fig, "alignment_uniformity_knn.png")
