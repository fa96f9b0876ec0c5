"""A GPT (decoder-only Transformer language model) built from ``dlfs.nn`` and ``dlfs.attention``.

    h_0 = E_tok[idx] + E_pos[0..T-1]                       token + learned position embeddings
    h_l = h_{l-1} + Attn(LN(h_{l-1}));  h_l = h_l + MLP(LN(h_l))     Pre-LN blocks
    logits = LN(h_L) W_E^T                                 weights tied with E_tok

Legend: B batch, T sequence length, C = n_embd, H = n_head, D = C / H head size,
V = vocab_size. The attention is :class:`dlfs.attention.CausalSelfAttention` and the KV
cache :class:`dlfs.attention.KVCache` (one of each, shared with the attention variants).
``config.fused`` is handed to the layers that have a fast path (attention, LayerNorm, GELU):
each then calls PyTorch's built-in kernel (same parameters, same results up to float
rounding) so the speed of both can be compared; it is off by default.
``config.grad_checkpoint`` runs each block through :func:`dlfs.train.recompute.checkpoint`
while training: its activations are recomputed in backward instead of kept (less memory,
one more forward per block; same gradients).

The model never prints. Pass ``trace=[]`` to ``forward`` (or call :meth:`GPT.explain`) to
get one :class:`TraceRow` per tensor on the way through — Day 27's "explain every shape".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from .. import nn as dnn
from ..attention.causal_self_attention import CausalSelfAttention
from ..attention.kv_cache import KVCache
from ..nn import functional as F
from ..tensors.shape_trace import TraceRow, format_trace, record
from ..train.recompute import checkpoint

__all__ = ["GPT", "GPTConfig", "KVCache", "TraceRow", "format_trace"]


@dataclass(frozen=True)
class GPTConfig:
    """Hyper-parameters of :class:`GPT`; validated at construction. ``vocab_size`` stays None
    until a tokenizer is known (a recipe nests this config and fills it in then); the GPT
    needs it set.

    >>> GPTConfig(vocab_size=65, n_embd=30, n_head=4)
    Traceback (most recent call last):
    ...
    ValueError: GPTConfig: n_embd (30) must be divisible by n_head (4)
    """

    vocab_size: int | None = field(default=None, metadata={
        "help": "V, the number of token ids", "internal": "set from the tokenizer"})
    block_size: int = field(default=64, metadata={
        "help": "T, the context: the most tokens the model sees at once",
        "help_zh": "T，上下文长度：模型一次最多看到的词元数"})
    n_layer: int = field(default=4, metadata={"help": "Transformer blocks",
                                              "help_zh": "Transformer 块的个数"})
    n_head: int = field(default=4, metadata={
        "help": "H, attention heads per block (must divide n_embd)",
        "help_zh": "H，每个块的注意力头数（必须整除 n_embd）"})
    n_embd: int = field(default=128, metadata={
        "help": "C, the width of the residual stream (embedding size)",
        "help_zh": "C，残差流的宽度（嵌入维度）"})
    dropout: float = field(default=0.0, metadata={
        "help": "dropout probability on embeddings, attention weights and sublayer outputs",
        "help_zh": "嵌入、注意力权重和子层输出上的 Dropout 概率"})
    bias: bool = field(default=True, metadata={
        "help": "bias vectors in the Linear and LayerNorm layers",
        "help_zh": "Linear 层和 LayerNorm 层中的偏置向量"})
    tie_weights: bool = field(default=True, metadata={
        "help": "the output layer shares the token-embedding matrix",
        "help_zh": "输出层与词元嵌入共用同一个矩阵"})
    fused: bool = field(default=False, metadata={
        "help": "torch's fused attention / LayerNorm / GELU kernels instead of the "
                "from-scratch layers (faster, same results up to float rounding)",
        "help_zh": "用 torch 的融合注意力 / LayerNorm / GELU "
                   "内核代替从零实现的层（更快，结果只差浮点舍入）"})
    grad_checkpoint: bool = field(default=False, metadata={
        "help": "gradient checkpointing: keep only each block's input while training and "
                "recompute its activations in backward (less memory, one more forward per "
                "block, same gradients)",
        "help_zh": "梯度检查点：训练时只保存每个块的输入，"
                   "反向传播时重算其激活（省内存，每块多一次前向，梯度不变）"})

    def __post_init__(self) -> None:
        names = ("block_size", "n_layer", "n_head", "n_embd")
        for name in names if self.vocab_size is None else ("vocab_size", *names):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"GPTConfig: {name} must be a positive int, got {value!r}")
        if self.n_embd % self.n_head:
            raise ValueError(f"GPTConfig: n_embd ({self.n_embd}) must be divisible by "
                             f"n_head ({self.n_head})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"GPTConfig: dropout must be in [0, 1), got {self.dropout}")


def _layer_norm(config: GPTConfig) -> dnn.LayerNorm:
    return dnn.LayerNorm(config.n_embd, bias=config.bias, fused=config.fused)


class MLP(nn.Module):
    """Position-wise feed-forward network: C -> 4C -> GELU -> C."""

    def __init__(self, config: GPTConfig, layer: int):
        super().__init__()
        C = config.n_embd
        self.layer = layer
        self.c_fc = dnn.Linear(C, 4 * C, bias=config.bias)
        self.gelu = dnn.GELU(fused=config.fused)
        self.c_proj = dnn.Linear(4 * C, C, bias=config.bias)
        self.dropout = dnn.Dropout(config.dropout)

    def forward(self, x: Tensor, trace: list[TraceRow] | None = None) -> Tensor:
        h = self.gelu(self.c_fc(x))                            # (B, T, 4C)
        record(trace, f"h[{self.layer}].mlp.gelu(c_fc)", h, "B,T,4C", "library.trace.mlp")
        return self.dropout(self.c_proj(h))                    # (B, T, C)


class Block(nn.Module):
    """Pre-LN Transformer block: x + Attn(LN(x)), then + MLP(LN(x))."""

    def __init__(self, config: GPTConfig, layer: int):
        super().__init__()
        self.layer = layer
        self.ln_1 = _layer_norm(config)
        self.attn = CausalSelfAttention(config.n_embd, config.n_head, bias=config.bias,
                                        dropout=config.dropout, layer=layer,
                                        fused=config.fused)
        self.ln_2 = _layer_norm(config)
        self.mlp = MLP(config, layer)

    def forward(self, x: Tensor, cache: KVCache | None = None,
                trace: list[TraceRow] | None = None) -> Tensor:
        x = x + self.attn(self.ln_1(x), cache, trace)          # (B, T, C)
        x = x + self.mlp(self.ln_2(x), trace)                  # (B, T, C)
        record(trace, f"h[{self.layer}]", x, "B,T,C", "library.trace.residual")
        return x


class GPT(nn.Module):
    """The language model: token ids (B, T) -> next-token logits (B, T, V).

    >>> model = GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8))
    >>> logits, loss = model(torch.zeros(2, 5, dtype=torch.long),
    ...                      targets=torch.zeros(2, 5, dtype=torch.long))
    >>> logits.shape, loss.shape
    (torch.Size([2, 5, 11]), torch.Size([]))
    """

    def __init__(self, config: GPTConfig):
        super().__init__()
        if config.vocab_size is None:
            raise ValueError("GPT: config.vocab_size is None; set it to the tokenizer's "
                             "vocabulary size (dataclasses.replace(config, vocab_size=V))")
        self.config = config
        C = config.n_embd
        self.wte = dnn.Embedding(config.vocab_size, C)
        self.wpe = dnn.Embedding(config.block_size, C)
        self.drop = dnn.Dropout(config.dropout)
        self.h = nn.ModuleList(Block(config, i) for i in range(config.n_layer))
        self.ln_f = _layer_norm(config)
        self.lm_head = dnn.Linear(C, config.vocab_size, bias=False)
        if config.tie_weights:
            self.lm_head.weight = self.wte.weight              # one (V, C) matrix, two uses
        self.apply(self._init_weights)
        for name, p in self.named_parameters():                # GPT-2: scale residual outputs
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (dnn.Linear, dnn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, dnn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def num_params(self, non_embedding: bool = True) -> int:
        """Parameter count; by default without the position embeddings (GPT-2 convention)."""
        n = sum(p.numel() for p in self.parameters())
        return n - self.wpe.weight.numel() if non_embedding else n

    def forward(self, idx: Tensor, targets: Tensor | None = None, *,
                cache: KVCache | None = None, trace: list[TraceRow] | None = None
                ) -> tuple[Tensor, Tensor | None]:
        """idx (B, T) int64 -> (logits (B, T, V), mean cross-entropy or None).

        With a ``cache``, ``idx`` holds only the new tokens; positions continue from the
        cached length.
        """
        if idx.dim() != 2 or idx.dtype != torch.long:
            raise ValueError(f"GPT: idx must be int64 of shape (B, T), got {idx.dtype} "
                             f"{tuple(idx.shape)}")
        B, T = idx.shape
        past = cache.length if cache is not None else 0
        if past + T > self.config.block_size:
            raise ValueError(f"GPT: {past + T} positions exceed block_size "
                             f"{self.config.block_size}; crop the context first")
        record(trace, "idx", idx, "B,T", "library.trace.token_ids")
        pos = torch.arange(past, past + T, device=idx.device)  # (T,)
        tok_emb = self.wte(idx)                                # (B, T, C)
        record(trace, "wte(idx)", tok_emb, "B,T,C", "library.trace.token_embedding")
        pos_emb = self.wpe(pos)                                # (T, C)
        record(trace, "wpe(pos)", pos_emb, "T,C", "library.trace.position_embedding")
        x = self.drop(tok_emb + pos_emb)                       # (B, T, C)
        recompute = (self.config.grad_checkpoint and torch.is_grad_enabled()
                     and cache is None and trace is None)
        for block in self.h:
            if recompute:
                x = checkpoint(block, x)                       # (B, T, C), kept: x only
            else:
                x = block(x, cache, trace)                     # (B, T, C)
        x = self.ln_f(x)                                       # (B, T, C)
        logits = self.lm_head(x)                               # (B, T, V)
        record(trace, "logits", logits, "B,T,V", "library.trace.logits")
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))
        record(trace, "loss", loss, "", "library.trace.loss")
        return logits, loss

    def explain(self, idx: Tensor, targets: Tensor | None = None) -> list[TraceRow]:
        """Run one forward pass and return the shape trace (nothing is printed)."""
        trace: list[TraceRow] = []
        with torch.no_grad():
            self(idx, targets, trace=trace)
        return trace
