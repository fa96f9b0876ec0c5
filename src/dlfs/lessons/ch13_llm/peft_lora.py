# %% [markdown]
# # PEFT · LoRA and adapters on the GPT — 参数高效微调：LoRA 与 Adapter
#
# **Library files:** `src/dlfs/peft/lora.py` (`LoRALinear`, `apply_lora`,
# `mark_only_lora_trainable`, `merge_lora`), `src/dlfs/peft/adapters.py` (`Adapter`,
# `apply_adapters`), `src/dlfs/models/gpt.py`, `src/dlfs/recipes/lm.py` (`estimate_loss`).
#
# Fine-tuning every weight of a big model costs a copy of the model per task (and optimizer
# state for all of it). Parameter-efficient fine-tuning (PEFT) freezes the pretrained
# weights and trains a few new ones:
#
# - **LoRA**: next to a frozen W0, learn a low-rank change (α/r)·B·A (A: r×in, B: out×r,
#   B = 0 at the start). After training B·A can be merged into W0: no extra inference cost.
# - **Bottleneck adapters**: after a sublayer, h + W_up·act(W_down·h) with W_up = 0 at the
#   start — a small residual MLP.
#
# In formulas (act is GELU, $m$ the bottleneck width):
#
# $$
# W = W_0 + \frac{\alpha}{r} B A, \qquad
# \mathrm{Adapter}(h) = h + W_{\text{up}}\, \mathrm{act}(W_{\text{down}} h + b_{\text{down}})
# + b_{\text{up}}, \quad W_{\text{down}} \in \mathbb{R}^{m \times C}
# $$
#
# Both start as the identity, so fine-tuning starts exactly from the pretrained model. Here
# we pretrain a tiny character GPT on English help text, then adapt it to Python source code
# three ways with the same number of steps, and compare what each trains and reaches.
# Hu et al., 2021, *LoRA: Low-Rank Adaptation of Large Language Models*; Houlsby et al.,
# 2019, *Parameter-Efficient Transfer Learning for NLP*.

# %% [markdown] lang="zh"
# # 参数高效微调：LoRA 与 Adapter
#
# **库文件：** `src/dlfs/peft/lora.py`（`LoRALinear`、`apply_lora`、`mark_only_lora_trainable`、
# `merge_lora`）、`src/dlfs/peft/adapters.py`（`Adapter`、`apply_adapters`）、
# `src/dlfs/models/gpt.py`、`src/dlfs/recipes/lm.py`（`estimate_loss`）。
#
# 微调大模型的全部权重，意味着每个任务都要一份模型副本（外加全部参数的优化器状态）。参数高效微调
# （PEFT）冻结预训练权重，只训练少量新参数：
#
# - **LoRA**：在冻结的 W0 旁边学习一个低秩增量 (α/r)·B·A（A：r×in，B：out×r，开始时 B = 0）。
#   训练结束后可以把 B·A 合并进 W0：推理时没有额外开销。
# - **瓶颈 Adapter**：在某个子层之后计算 h + W_up·act(W_down·h)，开始时 W_up = 0——一个小小的残差
#   MLP。
#
# 写成公式（act 为 GELU，$m$ 为瓶颈宽度）：
#
# $$
# W = W_0 + \frac{\alpha}{r} B A, \qquad
# \mathrm{Adapter}(h) = h + W_{\text{up}}\, \mathrm{act}(W_{\text{down}} h + b_{\text{down}})
# + b_{\text{up}}, \quad W_{\text{down}} \in \mathbb{R}^{m \times C}
# $$
#
# 两者开始时都是恒等映射，所以微调恰好从预训练模型出发。这里我们先在英文帮助文本上预训练一个很小的字
# 符级 GPT，再用三种方式、相同的步数把它适配到 Python 源代码上，比较每种方式训练了多少参数、
# 达到了什么效果。Hu et al., 2021, *LoRA: Low-Rank Adaptation of Large Language Models*；Houlsby
# et al., 2019, *Parameter-Efficient Transfer Learning for NLP*。

# %%
import copy

import torch

from dlfs.curriculum import lesson_context
from dlfs.data.text.batching import TokenWindows
from dlfs.data.text.corpus import help_topics_text, stdlib_source_text
from dlfs.data.text.tokenizers import CharTokenizer
from dlfs.models import GPT, GPTConfig
from dlfs.peft import (
    apply_adapters,
    apply_lora,
    mark_only_adapters_trainable,
    mark_only_lora_trainable,
    merge_lora,
)
from dlfs.recipes.lm import estimate_loss

ctx = lesson_context("peft-lora")
torch.manual_seed(0)
torch.set_num_threads(1)   # tiny matrices: one thread is fastest on a shared 2-core machine

# %% [markdown]
# ## 1. Two corpora, one character vocabulary

# %% [markdown] lang="zh"
# ## 1. 两份语料，一个字符词表

# %%
english = help_topics_text()[:300_000]
python = stdlib_source_text(max_chars=200_000)
tok = CharTokenizer.from_text(english + python)
ids_en = torch.tensor(tok.encode(english))
ids_py = torch.tensor(tok.encode(python))
cut = int(0.9 * len(ids_py))
py_train, py_val = ids_py[:cut], ids_py[cut:]
print(f"vocabulary {tok.vocab_size}; English {len(ids_en):,} chars, Python {len(ids_py):,} chars")

cfg = GPTConfig(vocab_size=tok.vocab_size, block_size=32, n_layer=2, n_head=4,
                n_embd=48 if ctx.quick else 64)
EVAL_BATCHES = 2 if ctx.quick else 10


def held_out_loss(model, ids):
    """Mean next-token loss on evenly spaced windows of ``ids`` (16 per batch)."""
    return estimate_loss(model, TokenWindows(ids, cfg.block_size), batches=EVAL_BATCHES,
                         batch_size=16)


def train(model, ids, steps, lr):
    """AdamW on random windows of ``ids``; only parameters with requires_grad move."""
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(1)
    model.train()
    for _ in range(steps):
        starts = torch.randint(0, len(ids) - cfg.block_size - 1, (16,), generator=g)
        x = torch.stack([ids[s:s + cfg.block_size] for s in starts])          # (B, T)
        y = torch.stack([ids[s + 1:s + cfg.block_size + 1] for s in starts])  # (B, T)
        _, loss = model(x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    return model


# %% [markdown]
# ## 2. Pretrain on English

# %% [markdown] lang="zh"
# ## 2. 在英文上预训练

# %%
base = train(GPT(cfg), ids_en, steps=60 if ctx.quick else 1500, lr=3e-3)
base_py = held_out_loss(base, py_val)
base_en = held_out_loss(base, ids_en[-20_000:])
print(f"pretrained: loss on English {base_en:.3f}, on Python {base_py:.3f}")
assert base_en < base_py, "pretrained on English, the model knows English better than Python"

# %% [markdown]
# ## 3. Wrap it: still the same model
# `apply_lora` replaces `c_attn`, `c_fc` and both `c_proj` layers of every block (the names
# passed as `target_names`); `apply_adapters`
# wraps every attention and MLP sublayer. Before any training step the logits are
# *identical* — not just close.

# %% [markdown] lang="zh"
# ## 3. 包装之后：还是同一个模型
# `apply_lora` 替换每个模块中的 `c_attn`、`c_fc` 和两个 `c_proj` 层（即 `target_names`
# 中给出的名字）；`apply_adapters` 包装每个注意力子层和 MLP 子层。在任何训练步之前，logits
# *完全相同*——而不仅仅是接近。

# %%
x = py_val[: cfg.block_size].unsqueeze(0)                                   # (1, T)
reference_logits, _ = base(x)
lora_model = copy.deepcopy(base)
n_lora = apply_lora(lora_model, target_names=("c_attn", "c_proj", "c_fc"), r=8, alpha=16)
adapter_model = copy.deepcopy(base)
n_adapters = apply_adapters(adapter_model, d_model=cfg.n_embd, bottleneck=16)
with torch.no_grad():
    assert torch.equal(lora_model(x)[0], reference_logits)
    assert torch.equal(adapter_model(x)[0], reference_logits)
print(f"{n_lora} Linear layers got LoRA, {n_adapters} sublayers got adapters; "
      "outputs unchanged at initialization")

# %% [markdown]
# ## 4. Fine-tune on Python three ways, same number of steps
# A LoRA layer of shape in → out trains $r \cdot (\text{in} + \text{out})$ numbers. A block's
# four wrapped layers map C → 3C, C → C, C → 4C and 4C → C, so with width C and
# `n_layer` blocks the cell checks
#
# $$
# n_{\text{LoRA}} = n_{\text{layer}} \cdot r \cdot
# \big[(C + 3C) + (C + C) + (C + 4C) + (4C + C)\big] = 16\, n_{\text{layer}}\, r\, C .
# $$

# %% [markdown] lang="zh"
# ## 4. 在 Python 上用三种方式微调，步数相同
# 形状为 in → out 的 LoRA 层训练 $r \cdot (\text{in} + \text{out})$ 个数。每个模块里被包装的四个层分
# 别是 C → 3C、C → C、C → 4C 和 4C → C，所以宽度为 C、共 `n_layer` 个模块时，代码格验证的是
#
# $$
# n_{\text{LoRA}} = n_{\text{layer}} \cdot r \cdot
# \big[(C + 3C) + (C + C) + (C + 4C) + (4C + C)\big] = 16\, n_{\text{layer}}\, r\, C .
# $$

# %%
total = sum(p.numel() for p in base.parameters())
full_model = copy.deepcopy(base)
trainable = {
    "full fine-tuning": total,
    "LoRA r=8": mark_only_lora_trainable(lora_model),
    "adapters m=16": mark_only_adapters_trainable(adapter_model),
}
steps = 30 if ctx.quick else 1000
results = {}
for name, model, lr in [("full fine-tuning", full_model, 1e-3), ("LoRA r=8", lora_model, 5e-3),
                        ("adapters m=16", adapter_model, 5e-3)]:
    train(model, py_train, steps, lr)
    results[name] = (held_out_loss(model, py_val), held_out_loss(model, ids_en[-20_000:]))
print(f"{'method':<18}{'trainable':>11}{'share':>8}{'Python loss':>13}{'English loss':>14}")
print(f"{'pretrained':<18}{0:>11,}{0:>8.1%}{base_py:>13.3f}{base_en:>14.3f}")
for name, (py, en) in results.items():
    print(f"{name:<18}{trainable[name]:>11,}{trainable[name] / total:>8.1%}{py:>13.3f}{en:>14.3f}")
    assert py < base_py, f"{name} must improve on Python"
assert trainable["LoRA r=8"] < 0.3 * total and trainable["adapters m=16"] < 0.3 * total
C, r = cfg.n_embd, 8
lora_formula = cfg.n_layer * r * ((C + 3 * C) + (C + C) + (C + 4 * C) + (4 * C + C))
assert trainable["LoRA r=8"] == lora_formula                                # r * (in + out)
# the frozen weights really did not move
assert torch.equal(lora_model.h[0].attn.c_attn.weight, base.h[0].attn.c_attn.weight)

# %% [markdown]
# ## 5. Merge LoRA for inference
#
# $$
# W \leftarrow W_0 + \frac{\alpha}{r} B A
# $$
#
# The merged model gives the same logits (up to float rounding) with
# plain Linear layers' cost. The task-specific part to store is just the A and B matrices.

# %% [markdown] lang="zh"
# ## 5. 合并 LoRA 用于推理
#
# $$
# W \leftarrow W_0 + \frac{\alpha}{r} B A
# $$
#
# 合并后的模型给出相同的 logits（在浮点舍入误差范围内），计算代价与普通 Linear 层一样。
# 每个任务需要额外保存的只是 A 和 B 两个矩阵。

# %%
with torch.no_grad():
    before = lora_model(x)[0]
    merge_lora(lora_model)
    after = lora_model(x)[0]
print(f"max |merged - unmerged| logits: {(after - before).abs().max().item():.1e}")
assert torch.allclose(after, before, atol=1e-5)
lora_bytes = sum(p.numel() * 4 for n, p in lora_model.named_parameters() if "lora_" in n)
print(f"per-task storage: LoRA {lora_bytes / 1024:.0f} KiB vs a full copy "
      f"{total * 4 / 1024:.0f} KiB")
