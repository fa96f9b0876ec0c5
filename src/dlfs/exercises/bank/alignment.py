"""Exercises on instruction tuning and alignment (book ch. 10): the SFT loss with the prompt
masked out, and the summed log-probability of a response that DPO compares between the policy
and the reference model.

Both are checked against PyTorch's ``cross_entropy`` (with ``ignore_index``, or per position
with ``reduction="none"``) in float64, values and gradients; the masked positions must get a
gradient of exactly zero.
"""

from __future__ import annotations

import torch
import torch.nn.functional as TF

from ..cases import Case, fn_case, randn, watched
from ..schema import Exercise

IGNORE = -100


def _labels(B: int, T: int, V: int, p_ignore: float, seed: int) -> torch.Tensor:
    """Random next-token labels (B, T) with about ``p_ignore`` of them IGNORE (the prompt),
    the last position of each row always a real target."""
    gen = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, V, (B, T), generator=gen)
    labels[torch.rand(B, T, generator=gen) < p_ignore] = IGNORE
    labels[:, -1] = torch.randint(0, V, (B,), generator=gen)
    return labels


def _prompt_labels(B: int, T: int, V: int, seed: int) -> torch.Tensor:
    """Labels as SFT makes them: row b ignores its first P_b positions (the prompt)."""
    labels = _labels(B, T, V, 0.0, seed)
    for b in range(B):
        labels[b, :1 + (b * 3) % (T - 1)] = IGNORE
    return labels


def _zero_grad_case(impl, name: str) -> Case:
    def run() -> None:
        logits = randn(2, 7, 5, seed=11).requires_grad_()
        labels = _prompt_labels(2, 7, 5, seed=12)
        watched(impl)(logits, labels).backward()
        masked = labels == IGNORE
        if logits.grad is None:
            raise AssertionError("the loss does not depend on the logits (no gradient)")
        leak = logits.grad[masked].abs().max().item()
        if leak != 0.0:
            where = masked.nonzero()[0].tolist()
            raise AssertionError(f"a prompt position (label -100, e.g. [b, t] = {where}) got a "
                                 f"gradient of up to {leak:.3g}; it must be exactly 0")
    return Case(name, run)


# ---- the SFT loss ------------------------------------------------------------------------------

def _sft_torch(logits, labels):
    return TF.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index=IGNORE)


def sft_loss_cases(impl):
    yield fn_case("one position, one target: logits (1, 1, 3)", impl, _sft_torch,
                  randn(1, 1, 3, seed=1), torch.tensor([[2]]))
    for B, T, V, seed in [(1, 6, 4, 2), (2, 9, 7, 3), (3, 5, 11, 4)]:
        yield fn_case(f"logits ({B}, {T}, {V}), prompt positions labelled -100", impl,
                      _sft_torch, randn(B, T, V, seed=seed, scale=2.0),
                      _prompt_labels(B, T, V, seed))
    yield fn_case("logits (4, 8, 6), labels -100 scattered (padding too)", impl, _sft_torch,
                  randn(4, 8, 6, seed=5), _labels(4, 8, 6, 0.6, seed=6))
    yield _zero_grad_case(impl, "logits (2, 7, 5): prompt positions get exactly zero gradient")


def _sft_mean_over_all(logits, labels):
    """Planted bug: divides by every position B*T, not by the number of real targets."""
    from dlfs.nn import functional as F
    mask = labels != IGNORE
    logp = F.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, torch.where(mask, labels, 0).unsqueeze(-1)).squeeze(-1)
    return torch.where(mask, nll, 0.0).sum() / labels.numel()


def _sft_prompt_learned(logits, labels):
    """Planted bug: the -100 labels are read as token 0, so the prompt is learned too."""
    from dlfs.nn import functional as F
    logp = F.log_softmax(logits, dim=-1)
    return -logp.gather(-1, labels.clamp(min=0).unsqueeze(-1)).mean()


def _sft_sum(logits, labels):
    """Planted bug: sums over the targets instead of averaging."""
    from dlfs.nn import functional as F
    mask = labels != IGNORE
    logp = F.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, torch.where(mask, labels, 0).unsqueeze(-1)).squeeze(-1)
    return torch.where(mask, nll, 0.0).sum()


# ---- the log-probability of a response ------------------------------------------------------

def _seq_torch(logits, labels, mask):
    token_logp = -TF.cross_entropy(logits.transpose(1, 2), labels, reduction="none")  # (B, T)
    return (token_logp * mask).sum(-1)


def sequence_logprob_cases(impl):
    def mask_of(B, T, seed):
        labels = _prompt_labels(B, T, 3, seed)
        return labels != IGNORE

    yield fn_case("one sequence of one token: logits (1, 1, 2), mask [[True]]", impl,
                  _seq_torch, randn(1, 1, 2, seed=1), torch.tensor([[1]]),
                  torch.tensor([[True]]))
    for B, T, V, seed in [(1, 5, 4, 2), (2, 7, 6, 3), (5, 9, 11, 4)]:
        yield fn_case(f"logits ({B}, {T}, {V}), mask off on each row's prompt", impl,
                      _seq_torch, randn(B, T, V, seed=seed, scale=2.0),
                      _labels(B, T, V, 0.0, seed), mask_of(B, T, seed))
    yield fn_case("logits (3, 6, 5), mask all True: every token counts", impl, _seq_torch,
                  randn(3, 6, 5, seed=7), _labels(3, 6, 5, 0.0, 8),
                  torch.ones(3, 6, dtype=torch.bool))

    def masked_zero_grad() -> None:
        logits = randn(2, 6, 4, seed=9).requires_grad_()
        labels = _labels(2, 6, 4, 0.0, 10)
        mask = torch.tensor([[False, False, True, True, True, False]] * 2)
        watched(impl)(logits, labels, mask).sum().backward()
        if logits.grad is None or logits.grad[~mask].abs().max().item() != 0.0:
            raise AssertionError("positions outside the mask (prompt, padding) must get "
                                 "exactly zero gradient; they changed the result")
    yield Case("logits (2, 6, 4): positions outside the mask get exactly zero gradient",
               masked_zero_grad)


def _seq_mean(logits, labels, mask):
    """Planted bug: averages over the response tokens (a length-normalized score)."""
    from dlfs.nn import functional as F
    logp = F.log_softmax(logits, dim=-1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    m = mask.to(logp.dtype)
    return (logp * m).sum(-1) / m.sum(-1)


def _seq_no_mask(logits, labels, mask):
    """Planted bug: forgets the mask, so the prompt's tokens count too."""
    from dlfs.nn import functional as F
    return F.log_softmax(logits, dim=-1).gather(-1, labels.unsqueeze(-1)).squeeze(-1).sum(-1)


def _seq_shifted_again(logits, labels, mask):
    """Planted bug: shifts once more, scoring labels[:, t + 1] with logits[:, t]."""
    from dlfs.nn import functional as F
    logp = F.log_softmax(logits[:, :-1], dim=-1)
    token = logp.gather(-1, labels[:, 1:].unsqueeze(-1)).squeeze(-1)
    return (token * mask[:, 1:].to(token.dtype)).sum(-1)


EXERCISES = [
    Exercise(
        id="sft_loss", entry="sft_loss", lesson="instruction-tuning", at=("book:10",),
        title=("The SFT loss: learn the answer, not the prompt", "SFT 损失：只学回答，不学提问"),
        task=("Supervised fine-tuning trains on whole turns (prompt + answer) but only the "
              "answer is to be learned. The labels (B, T) hold the next token at each "
              "position, or -100 where that next token still belongs to the prompt (or is "
              "padding). Given logits (B, T, V), return the mean of -log softmax(logits)[label] "
              "over the positions whose label is not -100: L = sum_t m_t * (-log p_t(y_t)) / "
              "sum_t m_t with m_t = [y_t != -100]. A masked position must contribute nothing, "
              "not even a gradient (do not index the logits with -100).",
              "监督微调（SFT）用整轮对话（提问 + 回答）训练，但只应学习回答部分。标签 (B, T) 在"
              "每个位置给出下一个词元；若下一个词元仍属于提问（或是填充），标签就是 -100。给定 "
              "logits (B, T, V)，返回标签不为 -100 的那些位置上 -log softmax(logits)[标签] 的平均"
              "值：L = sum_t m_t * (-log p_t(y_t)) / sum_t m_t，其中 m_t = [y_t != -100]。被屏蔽"
              "的位置必须毫无贡献，连梯度也不能有（不要用 -100 去索引 logits）。"),
        stub='''
            def sft_loss(logits: Tensor, labels: Tensor) -> Tensor:
                """logits (B, T, V), labels (B, T) int64 with -100 on ignored positions
                -> the mean next-token loss over the other positions (a scalar)."""
        ''',
        reference="dlfs.data.text.instructions:sft_loss",
        cases=sft_loss_cases,
        mutants={"mean over every position": _sft_mean_over_all,
                 "the prompt is learned too": _sft_prompt_learned,
                 "sum, not mean": _sft_sum},
        hints=(("Build the mask m = labels != -100 first, and count its True entries: that "
                "count is the denominator.",
                "先构造掩码 m = labels != -100 并数出其中 True 的个数：它就是分母。"),
               ("log p = logits - logsumexp(logits, -1, keepdim=True); pick the label's entry "
                "with gather after replacing -100 by any valid id (torch.where(m, labels, 0)).",
                "log p = logits - logsumexp(logits, -1, keepdim=True)；先用 torch.where(m, labels, "
                "0) 把 -100 换成任意合法编号，再用 gather 取出标签对应的项。"),
               ("Zero the masked terms with torch.where(m, nll, 0.0) (a where, not a product), "
                "sum, and divide by m.sum().",
                "用 torch.where(m, nll, 0.0) 把屏蔽项置零（用 where，不用乘法），求和后除以 "
                "m.sum()。")),
    ),
    Exercise(
        id="sequence_logprobs", entry="sequence_logprobs", lesson="dpo-alignment",
        at=("book:10",),
        title=("The log-probability of a response", "一段回答的对数概率"),
        task=("DPO compares how likely the policy and the reference model find a whole "
              "response y given its prompt x: log p(y | x) = sum over the response's tokens of "
              "log p(y_t | x, y_<t). Given logits (B, T, V) that already line up with labels "
              "(B, T) (logits[:, t] scores labels[:, t]; do not shift again) and a bool mask "
              "(B, T) that is True on the response's tokens only (prompt and padding False), "
              "return the (B,) tensor of summed log-softmax probabilities of the labels over "
              "the masked positions. A sum, not a mean: DPO's log-ratio is of whole sequences.",
              "DPO 要比较策略模型与参考模型认为整段回答 y（给定提问 x）有多大可能：log p(y | x) "
              "= 对回答中每个词元求和 log p(y_t | x, y_<t)。输入 logits (B, T, V) 已与标签 "
              "labels (B, T) 对齐（logits[:, t] 给 labels[:, t] 打分，不要再错位），以及布尔掩码 "
              "mask (B, T)，只在回答的词元上为 True（提问和填充为 False）。返回形状 (B,) 的张量："
              "掩码位置上标签的 log-softmax 概率之和。是求和而不是平均：DPO 的对数比针对的是整个"
              "序列。"),
        stub='''
            def sequence_logprobs(logits: Tensor, labels: Tensor, mask: Tensor) -> Tensor:
                """logits (B, T, V), labels (B, T) int64, mask (B, T) bool -> (B,):
                sum over the masked positions of log softmax(logits)[label]."""
        ''',
        reference="dlfs.llm.dpo:sequence_logprobs",
        cases=sequence_logprob_cases,
        mutants={"mean over the response": _seq_mean, "mask forgotten": _seq_no_mask,
                 "shifted once more": _seq_shifted_again},
        hints=(("log_softmax over the last dimension, then gather the label's entry: a "
                "(B, T) tensor of token log-probabilities.",
                "在最后一维做 log_softmax，再用 gather 取出标签对应的项，得到 (B, T) 的词元对数"
                "概率。"),
               ("Multiply (or torch.where) by the mask and sum over T; log_softmax is "
                "logits - torch.logsumexp(logits, dim=-1, keepdim=True).",
                "乘上掩码（或用 torch.where）后对 T 求和；log_softmax 就是 logits - "
                "torch.logsumexp(logits, dim=-1, keepdim=True)。")),
    ),
]
