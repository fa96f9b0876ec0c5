"""Exercises on Transformer variants: BERT's masking rule and the Vision Transformer's patch
embedding (book ch. 8, topic "architecture"; lessons ``bert-mlm`` and ``vision-transformer``).

The patch embedding is compared, values and gradients in float64, with PyTorch's strided
convolution (the same map). The masking rule is random, so its checker asserts what must hold
for every draw (special ids never chosen, labels -100 off the mask, untouched input, the same
output for the same generator seed) and the 15 % / 80-10-10 shares on many positions, within
four standard errors.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as TF

from ..cases import Case, fn_case, randn, watched
from ..schema import Exercise

# ---- patch embedding -----------------------------------------------------------------------


def _conv_reference(patch_size: int):
    """PyTorch's answer: a convolution with kernel = stride = P, patches row by row."""
    def ref(x, weight, bias):
        C, P = weight.shape[0], patch_size
        kernel = weight.view(C, x.shape[1], P, P)                       # (C, Cin, P, P)
        return TF.conv2d(x, kernel, bias, stride=P).flatten(2).transpose(1, 2)
    return ref


def patch_embedding_cases(impl):
    for i, (B, Cin, H, W, P, C, bias) in enumerate([
            (1, 1, 2, 2, 2, 1, True), (1, 1, 4, 4, 2, 3, True), (3, 1, 16, 16, 4, 8, True),
            (2, 3, 6, 9, 3, 5, True), (2, 2, 4, 6, 1, 4, False)]):
        x = randn(B, Cin, H, W, seed=10 + i)
        weight = randn(C, Cin * P * P, seed=20 + i, scale=0.5)
        b = randn(C, seed=30 + i) if bias else None
        inputs = (x, weight, b) if bias else (x, weight)
        ref = _conv_reference(P)

        def ours(*args, P=P, bias=bias):
            return impl(args[0], args[1], args[2] if bias else None, P)

        def theirs(*args, ref=ref, bias=bias):
            return ref(args[0], args[1], args[2] if bias else None)

        name = (f"x {(B, Cin, H, W)}, P={P}, weight {(C, Cin * P * P)}, "
                f"{'bias' if bias else 'no bias'} float64")
        yield fn_case(name, ours, theirs, *inputs)


def _patches_channel_last(x, patch_size):
    B, Cin, H, W = x.shape
    P = patch_size
    return x.view(B, Cin, H // P, P, W // P, P).permute(0, 2, 4, 3, 5, 1).reshape(
        B, (H // P) * (W // P), P * P * Cin)


def _pe_channel_last(x, weight, bias, patch_size):
    """Planted bug: each patch flattened (i, j, c) instead of (c, i, j)."""
    out = _patches_channel_last(x, patch_size) @ weight.T
    return out if bias is None else out + bias


def _pe_column_major(x, weight, bias, patch_size):
    """Planted bug: the patches listed column by column instead of row by row."""
    B, Cin, H, W = x.shape
    P = patch_size
    p = x.view(B, Cin, H // P, P, W // P, P).permute(0, 4, 2, 1, 3, 5).reshape(
        B, (H // P) * (W // P), Cin * P * P)
    out = p @ weight.T
    return out if bias is None else out + bias


def _pe_pixels_transposed(x, weight, bias, patch_size):
    """Planted bug: inside a patch, pixels read column-first (c, j, i)."""
    B, Cin, H, W = x.shape
    P = patch_size
    p = x.view(B, Cin, H // P, P, W // P, P).permute(0, 2, 4, 1, 5, 3).reshape(
        B, (H // P) * (W // P), Cin * P * P)
    out = p @ weight.T
    return out if bias is None else out + bias


def _pe_bias_forgotten(x, weight, bias, patch_size):
    """Planted bug: the bias is never added."""
    B, Cin, H, W = x.shape
    P = patch_size
    p = x.view(B, Cin, H // P, P, W // P, P).permute(0, 2, 4, 1, 3, 5).reshape(
        B, (H // P) * (W // P), Cin * P * P)
    return p @ weight.T


# ---- the MLM masking rule --------------------------------------------------------------------

_VOCAB, _MASK, _SPECIAL = 40, 39, (0, 1)       # ids 0 [PAD], 1 [CLS], 39 [MASK]; 2..38 ordinary
_RULE = {"vocab_size": _VOCAB, "mask_id": _MASK, "special_ids": _SPECIAL}


def _ids(batch: int, length: int, seed: int) -> torch.Tensor:
    """[CLS] + ordinary ids + trailing [PAD]s, like a padded batch of lines."""
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(2, _MASK, (batch, length), generator=gen)
    ids[:, 0] = 1
    lengths = torch.randint(2, length + 1, (batch,), generator=gen)
    ids[torch.arange(length)[None, :] >= lengths[:, None]] = 0
    return ids


def _call(f, ids, seed=None, **rule):
    gen = None if seed is None else torch.Generator().manual_seed(seed)
    out = f(ids, **{**_RULE, **rule}, generator=gen)
    if not (isinstance(out, tuple) and len(out) == 2
            and all(isinstance(t, torch.Tensor) for t in out)):
        raise AssertionError(f"expected a pair (inputs, labels) of tensors, got "
                             f"{type(out).__name__}")
    inputs, labels = out
    for name, t in (("inputs", inputs), ("labels", labels)):
        if t.shape != ids.shape or t.dtype != torch.long:
            raise AssertionError(f"{name}: expected int64 of shape {tuple(ids.shape)}, got "
                                 f"{t.dtype} {tuple(t.shape)}")
    return inputs, labels


def _check_invariants(ids, inputs, labels, special, where: str) -> None:
    chosen = labels != -100
    if bool(chosen[special].any()):
        t = tuple(chosen[special].nonzero()[0].tolist())
        raise AssertionError(f"{where}: a special id was chosen (special position {t} has "
                             "a label); [PAD], [CLS] and [MASK] must never be chosen")
    if not torch.equal(labels[chosen], ids[chosen]):
        raise AssertionError(f"{where}: at chosen positions the label must be the original "
                             "id")
    if not torch.equal(inputs[~chosen], ids[~chosen]):
        raise AssertionError(f"{where}: a position that was not chosen (label -100) changed "
                             "its input id; only chosen positions may change")
    bad = inputs[chosen & (inputs != ids) & (inputs != _MASK)]
    if bool(torch.isin(bad, torch.tensor(_SPECIAL)).any()):
        raise AssertionError(f"{where}: a random replacement drew a special id "
                             f"({bad[torch.isin(bad, torch.tensor(_SPECIAL))][0].item()}); "
                             "draw only ordinary ids")


def mask_tokens_cases(impl):
    f = watched(impl)

    def all_or_nothing() -> None:
        ids = _ids(3, 8, seed=1)
        special = torch.isin(ids, torch.tensor([*_SPECIAL, _MASK]))
        inputs, labels = _call(f, ids, seed=0, mask_prob=0.0)
        if not (torch.equal(inputs, ids) and bool((labels == -100).all())):
            raise AssertionError("mask_prob=0: nothing may be chosen (inputs == ids, every "
                                 "label -100)")
        inputs, labels = _call(f, ids, seed=0, mask_prob=1.0)
        want = torch.where(special, -100, ids)
        if not torch.equal(labels, want):
            raise AssertionError(f"mask_prob=1: every ordinary position must be chosen and "
                                 f"no special one; labels {labels.tolist()}, expected "
                                 f"{want.tolist()} for ids {ids.tolist()}")
    yield Case("ids (3, 8), mask_prob 0 then 1: nothing, then every ordinary position",
               all_or_nothing)

    def invariants() -> None:
        ids = _ids(16, 30, seed=2)
        before = ids.clone()
        special = torch.isin(ids, torch.tensor([*_SPECIAL, _MASK]))
        for seed in range(10):
            inputs, labels = _call(f, ids, seed=seed, mask_prob=0.3)
            if not torch.equal(ids, before):
                raise AssertionError("ids was modified in place; return new tensors")
            _check_invariants(ids, inputs, labels, special, f"seed {seed}")
            again = _call(f, ids, seed=seed, mask_prob=0.3)
            if not (torch.equal(again[0], inputs) and torch.equal(again[1], labels)):
                raise AssertionError(f"seed {seed}: two calls with generators seeded alike "
                                     "gave different results; draw every random number "
                                     "from `generator`")
        other = _call(f, ids, seed=99, mask_prob=0.3)
        if torch.equal(other[1], _call(f, ids, seed=0, mask_prob=0.3)[1]):
            raise AssertionError("seeds 0 and 99 chose the same positions: is `generator` "
                                 "used?")
    yield Case("ids (16, 30), p=0.3, 10 seeds: specials never chosen, labels -100 off the "
               "mask, input untouched, same seed same result", invariants)

    def shares() -> None:
        ids = _ids(600, 60, seed=3)
        inputs, labels = _call(f, ids, seed=4)                          # default p = 0.15
        special = torch.isin(ids, torch.tensor([*_SPECIAL, _MASK]))
        _check_invariants(ids, inputs, labels, special, "p=0.15")
        chosen = labels != -100
        n, k = int((~special).sum()), int(chosen.sum())
        ordinary = _VOCAB - 3
        masked = int((inputs[chosen] == _MASK).sum())
        kept = int((inputs[chosen] == ids[chosen]).sum())
        for what, count, total, p in (
                ("share of ordinary positions chosen", k, n, 0.15),
                ("share of chosen positions set to [MASK]", masked, k, 0.8),
                ("share of chosen positions left unchanged (incl. random draws that hit the "
                 "original)", kept, k, 0.1 + 0.1 / ordinary),
                ("share of chosen positions given another random id", k - masked - kept, k,
                 0.1 - 0.1 / ordinary)):
            se = math.sqrt(p * (1 - p) / total)
            if abs(count / total - p) > 4 * se:
                raise AssertionError(f"{what}: {count / total:.4f} over {total} positions, "
                                     f"expected {p:.4f} (± {4 * se:.4f})")
        drawn = inputs[chosen & (inputs != ids) & (inputs != _MASK)]
        if drawn.unique().numel() < ordinary - 2:
            raise AssertionError(f"random replacements used only {drawn.unique().numel()} of "
                                 f"the {ordinary} ordinary ids; draw them uniformly")
    yield Case("ids (600, 60), default p=0.15: 15 % chosen; of those 80 % [MASK], 10 % "
               "random, 10 % unchanged (4 standard errors)", shares)

    def mask_id_not_listed() -> None:
        ids = torch.tensor([[0, 5, 6, 7, 39]] * 300)
        inputs, labels = _call(f, ids, seed=5, special_ids=(0,), mask_prob=1.0)
        if bool((labels[:, 4] != -100).any()):
            raise AssertionError("an id equal to mask_id was chosen although special_ids did "
                                 "not list it: [MASK] is always special")
        if bool((inputs[:, 1:4] == 0).any()):
            raise AssertionError("a random replacement drew the special id 0")
    yield Case("special_ids=(0,) without mask_id: [MASK] is still never chosen or drawn",
               mask_id_not_listed)


def _mask_always(ids, *, vocab_size, mask_id, special_ids=(), mask_prob=0.15,
                 generator=None):
    """Planted bug: every chosen position becomes [MASK] (no random, no unchanged)."""
    special = torch.tensor(sorted({*special_ids, mask_id}))
    chosen = ~torch.isin(ids, special) & (torch.rand(ids.shape, generator=generator) < mask_prob)
    return torch.where(chosen, mask_id, ids), torch.where(chosen, ids, -100)


def _mask_specials_too(ids, *, vocab_size, mask_id, special_ids=(), mask_prob=0.15,
                       generator=None):
    """Planted bug: special ids ([CLS], [PAD]) can be chosen."""
    u = torch.rand(ids.shape, generator=generator)
    v = torch.rand(ids.shape, generator=generator)
    chosen = u < mask_prob
    ordinary = torch.tensor([i for i in range(vocab_size)
                             if i not in {*special_ids, mask_id}])
    drawn = ordinary[torch.randint(len(ordinary), ids.shape, generator=generator)]
    inputs = torch.where(chosen & (v < 0.8), mask_id, ids)
    inputs = torch.where(chosen & (v >= 0.8) & (v < 0.9), drawn, inputs)
    return inputs, torch.where(chosen, ids, -100)


def _labels_everywhere(ids, *, vocab_size, mask_id, special_ids=(), mask_prob=0.15,
                       generator=None):
    """Planted bug: labels hold the ids everywhere (the loss would score visible tokens)."""
    from dlfs.data.text.mlm import mask_tokens

    inputs, _ = mask_tokens(ids, vocab_size=vocab_size, mask_id=mask_id,
                            special_ids=special_ids, mask_prob=mask_prob, generator=generator)
    return inputs, ids.clone()


def _random_from_whole_vocab(ids, *, vocab_size, mask_id, special_ids=(), mask_prob=0.15,
                             generator=None):
    """Planted bug: the random replacement may be any id, specials included."""
    special = torch.tensor(sorted({*special_ids, mask_id}))
    u = torch.rand(ids.shape, generator=generator)
    v = torch.rand(ids.shape, generator=generator)
    chosen = ~torch.isin(ids, special) & (u < mask_prob)
    drawn = torch.randint(vocab_size, ids.shape, generator=generator)
    inputs = torch.where(chosen & (v < 0.8), mask_id, ids)
    inputs = torch.where(chosen & (v >= 0.8) & (v < 0.9), drawn, inputs)
    return inputs, torch.where(chosen, ids, -100)


def _global_generator(ids, *, vocab_size, mask_id, special_ids=(), mask_prob=0.15,
                      generator=None):
    """Planted bug: the generator is ignored (the global one is used): not repeatable."""
    from dlfs.data.text.mlm import mask_tokens

    return mask_tokens(ids, vocab_size=vocab_size, mask_id=mask_id, special_ids=special_ids,
                       mask_prob=mask_prob)


EXERCISES = [
    Exercise(
        id="vit_patch_embedding", entry="patch_embedding", lesson="vision-transformer",
        at=("book:8", "topics:architecture"),
        title=("The ViT patch embedding: unfold + Linear", "ViT 图块嵌入：unfold + Linear"),
        task=("Write patch_embedding(x, weight, bias, patch_size): cut images x (B, Cin, H, W) "
              "into non-overlapping P x P patches (P = patch_size, which divides H and W), "
              "read row by row, flatten each patch in (channel, row, column) order to a "
              "vector p_i of Cin*P*P numbers, and return z_i = weight @ p_i + bias for every "
              "patch: shape (B, N, C) with N = (H/P)(W/P), weight (C, Cin*P*P), bias (C,) or "
              "None. It must equal a convolution with kernel = stride = P whose kernel is "
              "weight.view(C, Cin, P, P), in values and gradients, without calling conv2d or "
              "unfold from torch.nn.functional.",
              "实现 patch_embedding(x, weight, bias, patch_size)：把图像 x (B, Cin, H, W) 切成"
              "互不重叠的 P x P 图块（P = patch_size，能整除 H 和 W），按行依次排列；每个图块按"
              "（通道、行、列）的顺序展平成含 Cin*P*P 个数的向量 p_i，对每个图块返回 "
              "z_i = weight @ p_i + bias：形状为 (B, N, C)，N = (H/P)(W/P)，weight 为 "
              "(C, Cin*P*P)，bias 为 (C,) 或 None。结果必须与核大小 = 步长 = P、卷积核为 "
              "weight.view(C, Cin, P, P) 的卷积在数值和梯度上都相同，且不得调用 "
              "torch.nn.functional 中的 conv2d 或 unfold。"),
        stub='''
            def patch_embedding(x: Tensor, weight: Tensor, bias: Tensor | None,
                                patch_size: int) -> Tensor:
                """x (B, Cin, H, W), weight (C, Cin*P*P), bias (C,) or None -> (B, N, C)"""
        ''',
        reference="dlfs.models.vit:patch_embedding",
        cases=patch_embedding_cases,
        mutants={"patch flattened (i, j, c)": _pe_channel_last,
                 "patches column by column": _pe_column_major,
                 "pixels read column-first": _pe_pixels_transposed,
                 "bias forgotten": _pe_bias_forgotten},
        hints=(("x.view(B, Cin, H/P, P, W/P, P) splits each spatial axis into (which patch, "
                "where inside it). Move the two 'which patch' axes to the front with permute.",
                "x.view(B, Cin, H/P, P, W/P, P) 把每个空间维拆成（第几个图块，图块内的位置）。"
                "再用 permute 把两个“第几个图块”的维移到前面。"),
               ("After permute(0, 2, 4, 1, 3, 5) the shape is (B, H/P, W/P, Cin, P, P): "
                "reshape to (B, N, Cin*P*P), then multiply by weight.T and add the bias.",
                "permute(0, 2, 4, 1, 3, 5) 之后形状为 (B, H/P, W/P, Cin, P, P)：reshape 成 "
                "(B, N, Cin*P*P)，再乘以 weight.T 并加上 bias。")),
    ),
    Exercise(
        id="mlm_mask_tokens", entry="mask_tokens", lesson="bert-mlm",
        at=("book:8", "topics:architecture"),
        title=("BERT's masking rule (80/10/10)", "BERT 的掩码规则（80/10/10）"),
        task=("Write mask_tokens(ids, *, vocab_size, mask_id, special_ids, mask_prob, "
              "generator): the masked-language-model corruption of a batch ids (B, T) int64. "
              "Choose each position independently with probability mask_prob, but never a "
              "position holding one of special_ids or mask_id. Of the chosen positions, 80 % "
              "become mask_id, 10 % a random ordinary id (uniform over the ids in "
              "[0, vocab_size) that are not special and not mask_id), 10 % stay unchanged. "
              "Return (inputs, labels), both (B, T) int64: labels hold the original id at "
              "chosen positions and -100 everywhere else. Draw every random number from "
              "generator (same seed, same result) and leave ids unmodified.",
              "实现 mask_tokens(ids, *, vocab_size, mask_id, special_ids, mask_prob, "
              "generator)：对一批 ids (B, T) int64 做掩码语言模型的破坏。每个位置以概率 "
              "mask_prob 独立地被选中，但存放 special_ids 或 mask_id 的位置永远不选。被选中的"
              "位置里，80% 变成 mask_id，10% 换成一个随机的普通 id（在 [0, vocab_size) 中既非"
              "特殊 id 也不是 mask_id 的 id 里均匀抽取），10% 保持不变。返回 (inputs, labels)，"
              "两者都是 (B, T) int64：labels 在被选中的位置上是原来的 id，其他位置全是 -100。"
              "所有随机数都从 generator 中抽取（同一种子给出同一结果），并且不要改动 ids。"),
        stub='''
            def mask_tokens(ids: Tensor, *, vocab_size: int, mask_id: int,
                            special_ids: tuple[int, ...] = (), mask_prob: float = 0.15,
                            generator: torch.Generator | None = None
                            ) -> tuple[Tensor, Tensor]:
                """ids (B, T) int64 -> (inputs (B, T), labels (B, T)); labels -100 off the mask"""
        ''',
        reference="dlfs.data.text.mlm:mask_tokens",
        cases=mask_tokens_cases,
        mutants={"every chosen position becomes [MASK]": _mask_always,
                 "special ids can be chosen": _mask_specials_too,
                 "labels everywhere": _labels_everywhere,
                 "random ids from the whole vocabulary": _random_from_whole_vocab,
                 "generator ignored": _global_generator},
        hints=(("Two uniform draws per position do it: u = torch.rand(ids.shape, "
                "generator=generator) decides 'chosen' (u < mask_prob, and not special: "
                "torch.isin helps), v decides the fate: v < 0.8 [MASK], 0.8 <= v < 0.9 random, "
                "else unchanged.",
                "每个位置抽两个均匀随机数即可：u = torch.rand(ids.shape, generator=generator) "
                "决定是否选中（u < mask_prob 且不是特殊 id，可用 torch.isin），v 决定去向："
                "v < 0.8 变 [MASK]，0.8 <= v < 0.9 换随机 id，否则不变。"),
               ("List the ordinary ids once (a boolean table of size vocab_size with the "
                "specials set False, then .nonzero()), and index it with torch.randint(..., "
                "generator=generator). Build the outputs with torch.where; labels = "
                "torch.where(chosen, ids, -100).",
                "先列出所有普通 id（一个长度为 vocab_size 的布尔表，把特殊 id 设为 False，再取 "
                ".nonzero()），用 torch.randint(..., generator=generator) 去索引它。用 "
                "torch.where 拼出结果；labels = torch.where(chosen, ids, -100)。")),
    ),
]
