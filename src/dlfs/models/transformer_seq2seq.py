"""The encoder-decoder Transformer of "Attention Is All You Need" for character tasks.

::

    x_src = Emb_src(src) * sqrt(C) + PE          (B, S, C)   sinusoidal positions
    x_tgt = Emb_tgt(tgt_in) * sqrt(C) + PE       (B, T, C)   tgt_in = <bos> + target
    h     = Transformer(x_src, x_tgt)            (B, T, C)   encoder, then decoder with
                                                             causal self-attention and
                                                             cross-attention over the encoding
    logits = W_out h                              (B, T, V)

Masks: source padding is hidden from the encoder's self-attention and from every
cross-attention (``src_key_padding_mask`` = ``memory_key_padding_mask`` = ``src == pad``);
the decoder's self-attention gets the causal mask (position t sees 0..t) and the target
padding mask. The embeddings start at N(0, 1/C), so that after the sqrt(C) scale they have
unit variance, the same size as the positional table.

Decoding: :meth:`TransformerSeq2Seq.greedy_decode` (argmax, batched) and
:meth:`TransformerSeq2Seq.beam_decode` (the model-free :func:`dlfs.generate.beam.search`
fed with this model's next-token log-probabilities). :meth:`cross_attention_maps` returns
every decoder layer's per-head cross-attention weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from .. import nn
from ..generate.beam import Hypothesis, search
from ..runtime import eval_mode

__all__ = ["TransformerSeq2Seq", "TransformerSeq2SeqConfig"]


@dataclass(frozen=True)
class TransformerSeq2SeqConfig:
    """Sizes of a :class:`TransformerSeq2Seq`; ``norm_first`` True = Pre-LN, False = Post-LN.
    ``vocab_size`` comes from the task's vocabulary: a recipe nests this config with
    ``vocab_size=None`` and fills it in once the task is made."""

    vocab_size: int | None = field(default=None, metadata={
        "help": "V, the number of token ids", "internal": "set from the task's vocabulary"})
    d_model: int = field(default=64, metadata={"help": "C, the width of the model",
                                               "help_zh": "C，模型的宽度"})
    nhead: int = field(default=4, metadata={
        "help": "H, attention heads per layer (must divide d_model)",
        "help_zh": "H，每层的注意力头数（必须整除 d_model）"})
    num_layers: int = field(default=2, metadata={
        "help": "encoder layers (the decoder has as many)",
        "help_zh": "编码器层数（解码器层数与之相同）"})
    dim_feedforward: int = field(default=256, metadata={
        "help": "hidden width of each feed-forward sublayer",
        "help_zh": "每个前馈子层的隐藏宽度"})
    dropout: float = field(default=0.1, metadata={"help": "dropout probability",
                                                  "help_zh": "Dropout 概率"})
    norm_first: bool = field(default=True, metadata={
        "help": "Pre-LN, LayerNorm before each sublayer; off: Post-LN, the 2017 paper's",
        "help_zh": "`Pre-LN`，在每个子层之前做 LayerNorm；"
                   "关闭则为 `Post-LN`（2017 年原论文的做法）"})
    max_len: int = field(default=128, metadata={
        "help": "length of the sinusoidal position table (the longest sequence)",
        "help_zh": "正弦位置编码表的长度（即最长序列）"})
    pad_id: int = field(default=0, metadata={
        "help": "id of <pad>", "internal": "fixed by the task vocabularies (<pad> = 0)"})

    def __post_init__(self) -> None:
        for name in ("d_model", "nhead", "num_layers", "dim_feedforward", "max_len"):
            if getattr(self, name) < 1:
                raise ValueError(f"TransformerSeq2SeqConfig: {name} must be >= 1, got "
                                 f"{getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"TransformerSeq2SeqConfig: dropout must be in [0, 1), got "
                             f"{self.dropout}")
        if self.d_model % self.nhead:
            raise ValueError(f"TransformerSeq2SeqConfig: d_model ({self.d_model}) must be a "
                             f"multiple of nhead ({self.nhead})")
        if self.num_layers < 1 or (self.vocab_size is not None and self.vocab_size < 1):
            raise ValueError("TransformerSeq2SeqConfig: num_layers and vocab_size must be >= 1")


class TransformerSeq2Seq(nn.Module):
    """Token embeddings + sinusoidal positions + ``dlfs.nn.Transformer`` + output layer.

    >>> model = TransformerSeq2Seq(TransformerSeq2SeqConfig(vocab_size=12, d_model=16,
    ...                                                     nhead=2, dim_feedforward=32))
    >>> src, tgt_in = torch.randint(3, 12, (2, 7)), torch.randint(3, 12, (2, 5))
    >>> model(src, tgt_in).shape
    torch.Size([2, 5, 12])
    """

    def __init__(self, config: TransformerSeq2SeqConfig):
        super().__init__()
        if config.vocab_size is None:
            raise ValueError("TransformerSeq2Seq: config.vocab_size is None; set it from the "
                             "task's vocabulary (dataclasses.replace(config, vocab_size=V))")
        self.config = c = config
        self.src_embedding = nn.Embedding(c.vocab_size, c.d_model, padding_idx=c.pad_id)
        self.tgt_embedding = nn.Embedding(c.vocab_size, c.d_model, padding_idx=c.pad_id)
        for emb in (self.src_embedding, self.tgt_embedding):
            torch.nn.init.normal_(emb.weight, std=c.d_model ** -0.5)
            with torch.no_grad():
                emb.weight[c.pad_id].zero_()
        self.positions = nn.SinusoidalPositionalEncoding(c.d_model, c.max_len)
        self.transformer = nn.Transformer(c.d_model, c.nhead, c.num_layers, c.num_layers,
                                          c.dim_feedforward, c.dropout, batch_first=True,
                                          norm_first=c.norm_first)
        self.out = nn.Linear(c.d_model, c.vocab_size)

    def _embed(self, embedding: nn.Module, ids: Tensor) -> Tensor:
        return self.positions(embedding(ids) * math.sqrt(self.config.d_model))  # (B, L, C)

    def encode(self, src: Tensor) -> tuple[Tensor, Tensor]:
        """src (B, S) ids -> memory (B, S, C) and the source padding mask (B, S), True = pad."""
        src_pad = src == self.config.pad_id                                     # (B, S)
        memory = self.transformer.encoder(self._embed(self.src_embedding, src),
                                          src_key_padding_mask=src_pad)        # (B, S, C)
        return memory, src_pad

    def decode(self, tgt_in: Tensor, memory: Tensor, src_pad: Tensor) -> Tensor:
        """tgt_in (B, T) ids, memory (B, S, C), src_pad (B, S) -> logits (B, T, V)."""
        T = tgt_in.shape[1]
        causal = ~nn.functional.causal_mask(T, device=tgt_in.device)   # (T, T) True = future
        h = self.transformer.decoder(self._embed(self.tgt_embedding, tgt_in), memory,
                                     tgt_mask=causal,
                                     tgt_key_padding_mask=tgt_in == self.config.pad_id,
                                     memory_key_padding_mask=src_pad)           # (B, T, C)
        return self.out(h)                                                      # (B, T, V)

    def forward(self, src: Tensor, tgt_in: Tensor) -> Tensor:
        """Teacher forcing: src (B, S), tgt_in (B, T) = <bos> + target -> logits (B, T, V)."""
        memory, src_pad = self.encode(src)
        return self.decode(tgt_in, memory, src_pad)

    @torch.no_grad()
    def greedy_decode(self, src: Tensor, max_len: int, bos: int, eos: int) -> Tensor:
        """Feed back the argmax ``max_len`` times -> ids (B, max_len); after a row's <eos>
        every position holds <eos>. The decoder reruns on the whole prefix each step.
        Runs in eval mode (no dropout), as do :meth:`beam_decode` and
        :meth:`cross_attention_maps`; the previous mode is restored afterwards."""
        with eval_mode(self):
            return self._greedy(src, max_len, bos, eos)

    def _greedy(self, src: Tensor, max_len: int, bos: int, eos: int) -> Tensor:
        memory, src_pad = self.encode(src)
        ys = torch.full((src.shape[0], 1), bos, dtype=torch.long, device=src.device)  # (B, 1)
        done = torch.zeros(src.shape[0], dtype=torch.bool, device=src.device)
        for _ in range(max_len):
            y = self.decode(ys, memory, src_pad)[:, -1].argmax(-1)                # (B,)
            y = y.masked_fill(done, eos)
            done |= y == eos
            ys = torch.cat([ys, y[:, None]], dim=1)                               # (B, t+1)
        return ys[:, 1:]                                                          # (B, max_len)

    @torch.no_grad()
    def beam_decode(self, src: Tensor, max_len: int, bos: int, eos: int, *,
                    beam_width: int = 4, alpha: float = 0.6) -> list[list[Hypothesis]]:
        """Beam search per source row of src (B, S): for each, the finished hypotheses
        (tokens up to and including <eos>), best GNMT-penalized score first."""
        results = []
        with eval_mode(self):
            for row in src:
                memory, src_pad = self.encode(row[None])               # (1, S, C), (1, S)
                results.append(search(self._next_log_probs(memory, src_pad, bos), max_len,
                                      beam_width=beam_width, alpha=alpha, eos_id=eos))
        return results

    def _next_log_probs(self, memory: Tensor, src_pad: Tensor, bos: int
                        ) -> Callable[[list[tuple[int, ...]]], Tensor]:
        """For one source's memory (1, S, C): partial targets -> next-token log-probs (N, V)."""
        def next_log_probs(seqs: list[tuple[int, ...]]) -> Tensor:
            ys = torch.tensor([(bos, *s) for s in seqs], device=memory.device)  # (N, t+1)
            N = ys.shape[0]
            logits = self.decode(ys, memory.expand(N, -1, -1),
                                 src_pad.expand(N, -1))[:, -1]           # (N, V)
            return nn.functional.log_softmax(logits.double(), dim=-1)    # (N, V)
        return next_log_probs

    @torch.no_grad()
    def cross_attention_maps(self, src: Tensor, tgt_in: Tensor) -> list[Tensor]:
        """Per decoder layer, the per-head cross-attention weights (B, H, T, S).

        A forward hook on each layer's ``multihead_attn`` re-runs that module on the very
        inputs the layer gave it, with ``need_weights=True, average_attn_weights=False``,
        and checks that the re-run output equals the output the layer used. Run in eval
        mode (no dropout on the weights).
        """
        maps: list[Tensor] = []

        def hook(module: nn.Module, args: tuple, kwargs: dict[str, Any], output: Any) -> None:
            again = dict(kwargs, need_weights=True, average_attn_weights=False)
            out, weights = module.forward(*args, **again)      # .forward: no hook recursion
            if not torch.allclose(out, output[0], atol=1e-6):
                raise RuntimeError("cross_attention_maps: re-run differs from the layer's")
            maps.append(weights)                                # (B, H, T, S)

        handles = [layer.multihead_attn.register_forward_hook(hook, with_kwargs=True)
                   for layer in self.transformer.decoder.layers]
        try:
            with eval_mode(self):
                self(src, tgt_in)
        finally:
            for handle in handles:
                handle.remove()
        return maps

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())
