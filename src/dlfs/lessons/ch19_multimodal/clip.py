# %% [markdown]
# # CLIP: contrastive image–text pre-training and zero-shot classification — CLIP：图文对比预训练与零样本分类
#
# **Library files:** `src/dlfs/models/clip.py` (`CLIP`, `ClipConfig`, `CaptionTokenizer`,
# `clip_loss`), `src/dlfs/multimodal/zero_shot.py` (`class_embeddings`, `zero_shot_predict`,
# `recall_at_k`, `retrieval_recalls`), `src/dlfs/multimodal/captions.py` (the bilingual
# captions), `src/dlfs/recipes/clip.py` (`train_clip`; `dlfs train clip`). Tests:
# `tests/multimodal/test_clip.py`.
#
# CLIP (Radford et al., 2021) learns from pictures and the sentences written about them, with no
# class labels. Two encoders, one for images and one for text, map both into one space; training
# pulls each image towards its own caption and pushes it away from the other captions in the batch.
# Afterwards the text encoder *is* a classifier: write one sentence per class ("a photo of a
# seven"), and each image goes to the sentence it is closest to — classes that no classifier head
# was ever trained on, described in words. Here the images are handwritten digits and the captions
# are in English **and** Chinese; we measure zero-shot accuracy with caption templates and images
# that training never saw.
#
# Reference: Radford et al., 2021, *Learning Transferable Visual Models From Natural Language
# Supervision*.

# %% [markdown] lang="zh"
# # CLIP：图文对比预训练与零样本分类
#
# **库文件：** `src/dlfs/models/clip.py`（`CLIP`、`ClipConfig`、`CaptionTokenizer`、
# `clip_loss`），`src/dlfs/multimodal/zero_shot.py`（`class_embeddings`、`zero_shot_predict`、
# `recall_at_k`、`retrieval_recalls`），`src/dlfs/multimodal/captions.py`（双语描述），
# `src/dlfs/recipes/clip.py`（`train_clip`；`dlfs train clip`）。
# 测试：`tests/multimodal/test_clip.py`。
#
# CLIP（Radford 等，2021）从图片和描述图片的句子中学习，不需要类别标签。两个编码器——一个读图、
# 一个读文字——把两者映射到同一个空间；训练时把每张图片拉向它自己的描述，推离同一批次里的其他描述。
# 训练完成后，文本编码器*本身*就是分类器：为每个类别写一句话（“一张七的照片”），每张图片归入离它最近
# 的那句话——这些类别从来没有训练过分类头，只是用文字描述出来。这里的图片是手写数字，
# 描述有英文**和**中文；我们用训练中从未出现过的描述模板和图片来测量零样本准确率。
#
# 参考文献：Radford 等，2021，*Learning Transferable Visual Models From Natural Language
# Supervision*。

# %%
import math

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dlfs.curriculum import lesson_context  # noqa: E402
from dlfs.models.clip import CLIP, clip_loss  # noqa: E402
from dlfs.multimodal import zero_shot  # noqa: E402
from dlfs.multimodal.captions import DIGIT_WORDS, TEMPLATES  # noqa: E402
from dlfs.nn.functional.contrastive import info_nce  # noqa: E402
from dlfs.recipes.clip import ClipRecipe, evaluate_clip, prepare_data, train_clip  # noqa: E402
from dlfs.recipes.options import replace_nested  # noqa: E402

ctx = lesson_context("clip-zero-shot")
torch.set_num_threads(1)   # tiny matrices: one thread is fastest on a shared 2-core machine
# quick mode: 8x8 images (the digits' own size), a smaller model, 150 steps; full mode: the
# default recipe of `dlfs train clip` (16x16 images, 600 steps, 2-3 CPU-minutes)
QUICK = {"image_size": 8, "max_steps": 150, "eval_every": 50, "warmup_steps": 10,
         "lr": 3e-3, "batch_size": 64, "model.image_width": 16, "model.text_width": 32,
         "model.text_layers": 1}
recipe = replace_nested(ClipRecipe(), {**(QUICK if ctx.quick else {}),
                                       "out_dir": str(ctx.path("run"))})
data = prepare_data(recipe)
for lang in ("en", "zh"):
    train_t, test_t = TEMPLATES[lang]["train"], TEMPLATES[lang]["test"]
    print(f"{lang}: {len(train_t)} training templates, e.g. {train_t[0]!r}; "
          f"{len(test_t)} held out, e.g. {test_t[0]!r}")
    assert not set(train_t) & set(test_t)
n_images, n_pairs = len(data.train_images), len(data.pair_image)
print(f"{n_images} training images x {n_pairs // n_images} captions = {n_pairs} pairs; "
      f"{len(data.test_images)} held-out images; vocabulary {data.tokenizer.vocab_size}")
for i in (0, 1, 2):
    print(f"  held-out image {i} (a {int(data.test_labels[i])}): {data.test_captions[i]!r}")

# %% [markdown]
# ## Two encoders, one space
# The image encoder is a small CNN, the text encoder a character-level Transformer that reads
# English letters and Chinese characters alike (a caption ends in `<eos>`, whose hidden state sums
# it up). Each output is projected to $E$ dimensions and divided by its length, so the dot product
# of an image and a caption is their cosine similarity. The logits are the similarities times a
# learned scale `s = exp(t)`, which starts at 1/0.07 ≈ 14.3 (and is clamped at 100):
#
# $$
# I_i = \frac{W_{\text{img}}\,f(\text{image}_i)}{\|W_{\text{img}}\,f(\text{image}_i)\|}, \qquad
# T_j = \frac{W_{\text{txt}}\,g(\text{caption}_j)}{\|W_{\text{txt}}\,g(\text{caption}_j)\|}, \qquad
# \text{logits\_per\_image} = s\,I\,T^\top, \quad s = \min(e^{t}, 100)
# $$
#
# and `logits_per_text` is its transpose, $s\,T\,I^\top$.

# %% [markdown] lang="zh"
# ## 两个编码器，一个空间
# 图像编码器是一个小 CNN，文本编码器是一个字符级 Transformer，英文字母和汉字一视同仁（描述以 `<eos>`
# 结尾，它的隐藏状态概括整句话）。两边的输出都投影到 $E$ 维并除以自身长度，于是图片与描述的点积就是
# 它们的余弦相似度。logits 是相似度乘以一个可学习的缩放 `s = exp(t)`，初值 1/0.07 ≈ 14.3（上限为
# 100）：
#
# $$
# I_i = \frac{W_{\text{img}}\,f(\text{image}_i)}{\|W_{\text{img}}\,f(\text{image}_i)\|}, \qquad
# T_j = \frac{W_{\text{txt}}\,g(\text{caption}_j)}{\|W_{\text{txt}}\,g(\text{caption}_j)\|}, \qquad
# \text{logits\_per\_image} = s\,I\,T^\top, \quad s = \min(e^{t}, 100)
# $$
#
# `logits_per_text` 是它的转置 $s\,T\,I^\top$。

# %%
torch.manual_seed(0)
untrained = CLIP(replace_nested(recipe.model, {"vocab_size": data.tokenizer.vocab_size}))
B = 8
images = data.train_images[data.pair_image[:B * 16:16]]                 # (B, 1, S, S)
tokens = data.pair_tokens[:B * 16:16]                                  # (B, T)
tokens = tokens[:, :int((tokens != 0).sum(1).max())]
image_emb, text_emb = untrained.encode_image(images), untrained.encode_text(tokens)
logits_per_image, logits_per_text = untrained(images, tokens)
print(f"images {tuple(images.shape)} -> {tuple(image_emb.shape)}; tokens "
      f"{tuple(tokens.shape)} -> {tuple(text_emb.shape)}; logits "
      f"{tuple(logits_per_image.shape)}; s = {untrained.scale().item():.2f}")
assert torch.allclose(image_emb.norm(dim=1), torch.ones(B))
assert torch.allclose(text_emb.norm(dim=1), torch.ones(B))
assert torch.allclose(logits_per_image, untrained.scale() * image_emb @ text_emb.T)

# %% [markdown]
# ## The symmetric InfoNCE, by hand
# Row $i$ of the logits scores image $i$ against every caption; the right answer is caption $i$.
# Column $i$ scores caption $i$ against every image; the right answer is image $i$. The loss is the
# mean of the two cross-entropies; with $L$ = `logits_per_image` ($B \times B$):
#
# $$
# \mathcal{L}_{\text{CLIP}} = \frac{1}{2}\left[
# -\frac{1}{B}\sum_{i=1}^{B} \log \frac{e^{L_{ii}}}{\sum_{j} e^{L_{ij}}}
# -\frac{1}{B}\sum_{i=1}^{B} \log \frac{e^{L_{ii}}}{\sum_{j} e^{L_{ji}}}
# \right]
# $$
#
# Written as loops, it equals `clip_loss` and the library's `info_nce(symmetric=True)` with
# temperature $\tau = 1/s$ (lesson `contrastive-learning`). Untrained, it sits near $\log B$: no
# caption is preferred.

# %% [markdown] lang="zh"
# ## 对称 InfoNCE，手算一遍
# logits 的第 $i$ 行是图片 $i$ 对所有描述的打分，正确答案是描述 $i$；第 $i$ 列是描述 $i$ 对所有图片
# 的打分，正确答案是图片 $i$。损失是两个交叉熵的平均；记 $L$ 为 `logits_per_image`（$B \times B$）：
#
# $$
# \mathcal{L}_{\text{CLIP}} = \frac{1}{2}\left[
# -\frac{1}{B}\sum_{i=1}^{B} \log \frac{e^{L_{ii}}}{\sum_{j} e^{L_{ij}}}
# -\frac{1}{B}\sum_{i=1}^{B} \log \frac{e^{L_{ii}}}{\sum_{j} e^{L_{ji}}}
# \right]
# $$
#
# 用循环写出来，它等于 `clip_loss`，也等于库里温度为 $\tau = 1/s$ 的 `info_nce(symmetric=True)`（见
# 课程 `contrastive-learning`）。未训练时它接近 $\log B$：没有哪个描述更受偏爱。

# %%
def row_loss(row: torch.Tensor, i: int) -> torch.Tensor:
    """-log softmax(row)[i]"""
    return -(row[i] - torch.log(torch.exp(row).sum()))


with torch.no_grad():
    by_rows = sum(row_loss(logits_per_image[i], i) for i in range(B)) / B     # image -> text
    by_cols = sum(row_loss(logits_per_image[:, i], i) for i in range(B)) / B  # text -> image
    by_hand = (by_rows + by_cols) / 2
    library = clip_loss(logits_per_image, logits_per_text)
    losses_b = info_nce(image_emb, text_emb, temperature=1 / untrained.scale(),
                        symmetric=True, normalize=False)
print(f"by hand {by_hand:.5f}, clip_loss {library:.5f}, info_nce {losses_b:.5f}, "
      f"log B = {math.log(B):.5f}")
assert torch.allclose(by_hand, library, atol=1e-5) and torch.allclose(losses_b, library,
                                                                     atol=1e-5)
assert abs(library.item() - math.log(B)) < 0.5

# %% [markdown]
# ## Train
# `train_clip` runs the recipe through the library's training loop (checkpoints, TensorBoard, NaN
# guard); every 50 or 100 steps it measures zero-shot accuracy on the held-out images with the
# held-out templates, per language.

# %% [markdown] lang="zh"
# ## 训练
# `train_clip` 用库里的训练循环执行这个配方（检查点、TensorBoard、NaN 守卫）；每 50 或 100 步用留出
# 的模板在留出的图片上测量一次各语言的零样本准确率。

# %%
run = train_clip(recipe, data=data)
model = run.model.eval()
print(f"{recipe.max_steps} steps of {recipe.batch_size} pairs in {run.seconds:.1f} s")
print("step   train loss   zero-shot (mean of en, zh)")
for step, loss, acc in run.evals:
    print(f"{int(step):>4}   {loss:10.3f}   {acc:.1%}")
assert run.evals[-1][1] < math.log(recipe.batch_size)

# %% [markdown]
# ## Zero-shot classification
# One vector per digit: the mean embedding of that digit's $M_c$ prompts, written with the
# *held-out* templates ("a photo of a seven", "一张七的照片"), renormalised. Each held-out image
# goes to the closest vector:
#
# $$
# \bar{T}_c = \frac{1}{M_c}\sum_{k=1}^{M_c} T(\text{prompt}_{c,k}), \qquad
# w_c = \frac{\bar{T}_c}{\|\bar{T}_c\|}, \qquad
# \hat{y} = \arg\max_c\; I \cdot w_c
# $$
#
# No classifier was trained; chance is 10 %.

# %% [markdown] lang="zh"
# ## 零样本分类
# 每个数字一个向量：用*留出*模板写出的该数字 $M_c$ 条提示（prompt，如“a photo of a seven”、
# “一张七的照片”）的平均嵌入，再归一化。每张留出图片归入最近的那个向量：
#
# $$
# \bar{T}_c = \frac{1}{M_c}\sum_{k=1}^{M_c} T(\text{prompt}_{c,k}), \qquad
# w_c = \frac{\bar{T}_c}{\|\bar{T}_c\|}, \qquad
# \hat{y} = \arg\max_c\; I \cdot w_c
# $$
#
# 没有训练任何分类器；随机猜是 10 %。

# %%
report = evaluate_clip(model, data)
for lang, acc in report.zero_shot.items():
    prompts = data.prompts(lang)
    print(f"{lang}: zero-shot accuracy {acc:.1%} with prompts like {prompts[7]}")
    assert acc >= (0.6 if ctx.quick else 0.9), f"{lang}: {acc:.1%}"
image_emb = zero_shot.encode_images(model, data.test_images)               # (M, E)
one = zero_shot.class_embeddings(model, data.tokenizer,
                                 [[f"一张{w}的照片"] for w in DIGIT_WORDS["zh"]])
single = (zero_shot.zero_shot_predict(image_emb, one) == data.test_labels).float().mean()
print(f"a single Chinese prompt per digit ('一张七的照片'): {single:.1%}")
assert single > 0.3

# %% [markdown]
# ## Retrieval
# Image → text: for each held-out image, rank the held-out captions; text → image: the reverse. Many
# captions are identical ("the digit 7" for many sevens), so an item counts as found when it shows
# the query's digit. Recall@k: the fraction of queries with a hit among the k best (about 10 % and
# 41 % by chance for k = 1 and 5).

# %% [markdown] lang="zh"
# ## 检索
# 图 → 文：对每张留出图片给留出描述排序；文 → 图：反过来。很多描述完全相同（许多 7 的描述都是“the
# digit 7”），所以只要检索到的是同一个数字就算找到。Recall@k：前 k 名中有命中的查询所占比例（随机时
# k = 1 约 10 %，k = 5 约 41 %）。

# %%
for key, value in report.recall.items():
    print(f"recall {key}: {value:.1%}")
for way in ("image->text", "text->image"):
    assert report.recall[f"{way}@5"] >= report.recall[f"{way}@1"] > 0.2

# %% [markdown]
# ## The similarity matrix
# One held-out image of each digit against one prompt per digit, in each language. A trained model
# lights up the diagonal.

# %% [markdown] lang="zh"
# ## 相似度矩阵
# 每个数字取一张留出图片，与每个数字的一条提示比较，两种语言各画一张图。训练好的模型会点亮对角线。

# %%
first = [int((data.test_labels == d).nonzero()[0]) for d in range(10)]
picked = data.test_images[first]                                          # (10, 1, S, S)
picked_emb = zero_shot.encode_images(model, picked)                        # (10, E)
prompts = {"en": [f"a photo of a {w}" for w in DIGIT_WORDS["en"]],
           "zh": [f"一张{w}的照片" for w in DIGIT_WORDS["zh"]]}
fig, axes = plt.subplots(1, 3, figsize=(10.5, 4.4), layout="constrained",
                         gridspec_kw={"width_ratios": [0.12, 1, 1]})
axes[0].imshow(torch.cat(list(picked[:, 0]), dim=0), cmap="gray")
axes[0].set_title("images")
axes[0].axis("off")
for ax, (lang, texts) in zip(axes[1:], prompts.items()):
    sim = picked_emb @ zero_shot.encode_texts(model, data.tokenizer, texts).T    # (10, 10)
    diag, off = sim.diag().mean(), (sim.sum() - sim.diag().sum()) / 90
    hits = int((sim.argmax(dim=1) == torch.arange(10)).sum())
    print(f"{lang}: mean cosine on the diagonal {diag:.3f}, off it {off:.3f}; "
          f"{hits} of 10 rows peak on the diagonal")
    assert diag > off + 0.1 and hits >= 5
    shown = ax.imshow(sim, cmap="viridis", vmin=-1, vmax=1)
    ax.set_xticks(range(10), [f"{d}" for d in range(10)])
    ax.set_yticks(range(10), [f"{d}" for d in range(10)])
    ax.set_ylabel("held-out image of digit")
    ax.set_xlabel(f"prompt for digit (held-out template, {lang})")
    ax.set_title(f"cosine similarity, {lang} prompts")
fig.colorbar(shown, ax=axes[1:], shrink=0.8)
ctx.savefig(fig, "similarity_matrix.png")

# %% [markdown]
# ## The learned temperature
# The scale $s$ only sharpens or flattens the softmax: it never changes which prompt is closest, so
# zero-shot accuracy is the same at any $s$. It does change the loss, and the model has tuned it. In
# CLIP's own training it grows until the clamp at 100; here it does not, because with ten digits a
# batch of $B$ pairs holds about $B/10$ captions that fit each image equally well ("false
# negatives"), and a sharper softmax would only be more confidently wrong among them. If a model
# scores the $n_i$ captions of image $i$'s digit (its own included) equally and every other caption
# far lower, row $i$ costs $-\log(1/n_i) = \log n_i$: the batch's loss cannot go much below the mean
# of $\log n_i$, which the code compares with the loss at $s$.

# %% [markdown] lang="zh"
# ## 学到的温度
# 缩放 $s$ 只让 softmax 更尖或更平：它从不改变哪条提示最近，所以零样本准确率在任何 $s$ 下都一样。
# 它确实改变损失，而模型已经调好了它。CLIP 原始训练中 $s$ 会一直增大到 100 的上限；这里不会，
# 因为只有十个数字，一个含 $B$ 对的批次里约有 $B/10$ 条描述与每张图片同样匹配（“假负例”），
# 更尖的 softmax 只会在它们之间更自信地犯错。如果模型对图片 $i$ 所属数字的 $n_i$ 条描述（包括它自己
# 的）打分相同，而对其他描述的打分低得多，那么第 $i$ 行的损失是 $-\log(1/n_i) = \log n_i$：
# 这个批次的损失很难低于 $\log n_i$ 的平均值，代码把它和 $s$ 下的损失作了比较。

# %%
g = torch.Generator().manual_seed(1)
pick = torch.randperm(len(data.pair_image), generator=g)[:recipe.batch_size]   # (B,) pairs
batch_tokens = data.pair_tokens[pick]
batch_tokens = batch_tokens[:, :int((batch_tokens != 0).sum(1).max())]         # (B, T)
with torch.no_grad():
    sim = (model.encode_image(data.train_images[data.pair_image[pick]])
           @ model.encode_text(batch_tokens).T)                                # (B, B)
s = model.scale().item()
by_scale = {name: clip_loss(k * sim, k * sim.T).item()
            for name, k in (("s/4", s / 4), ("s", s), ("4s", 4 * s), ("100", 100.0))}
print(f"s: {1 / 0.07:.2f} at the start -> {s:.2f} after training (temperature {1 / s:.4f})")
print("loss of a training batch at other scales: " +
      ", ".join(f"{n}: {v:.3f}" for n, v in by_scale.items()))
assert by_scale["100"] > by_scale["s"]
classes = zero_shot.class_embeddings(model, data.tokenizer, data.prompts("en"))
same = {k: (zero_shot.zero_shot_predict(k * image_emb, classes) == data.test_labels)
        .float().mean().item() for k in (s / 4, s, 100.0)}
print(f"zero-shot accuracy at s/4, s, 100: {', '.join(f'{v:.1%}' for v in same.values())}")
assert len(set(same.values())) == 1
labels = data.pair_labels[pick]
same_digit = (labels[:, None] == labels[None, :]).sum(1).float()          # (B,) incl. itself
floor = same_digit.log().mean().item()
print(f"this batch of {recipe.batch_size} holds on average {same_digit.mean():.1f} captions "
      f"of each image's digit: log of that ≈ {floor:.2f}, against log B = "
      f"{math.log(recipe.batch_size):.2f}; its loss at s is {by_scale['s']:.2f}")
assert abs(by_scale["s"] - floor) < abs(by_scale["s"] - math.log(recipe.batch_size))

# %% [markdown]
# ## What to remember
# - Contrastive pre-training needs only matching pairs: the other pairs in the batch are the
#   negatives, and the symmetric InfoNCE asks each side to find its partner.
# - Zero-shot classification is nearest-prompt search in the shared space; averaging several prompts
#   per class helps, and the prompts can be in any language the text encoder learned.
# - The learned temperature shapes the loss, not the ranking; on a dataset with few classes the
#   duplicates in each batch keep the scale $s$ low (the temperature $1/s$ high).
# - Run it yourself: `dlfs train clip` (TensorBoard: `tensorboard --logdir runs/clip`).

# %% [markdown] lang="zh"
# ## 要点
# - 对比预训练只需要成对的数据：批次里的其他配对就是负例，对称 InfoNCE 让两边各自找到搭档。
# - 零样本分类就是在共享空间里找最近的提示；每类平均几条提示更好，提示可以用文本编码器学过的任何语
#   言。
# - 学到的温度影响损失，不影响排序；类别很少的数据集里，批次中的重复项让缩放 $s$ 保持较低（即温度
#   $1/s$ 较高）。
# - 自己跑一遍：`dlfs train clip`（TensorBoard：`tensorboard --logdir runs/clip`）。
