"""BERT: an encoder-only Transformer, pre-trained as a masked language model and fine-tuned as a
classifier, built from ``dlfs.nn``.

::

    embed     h_0 = LN(E_tok[x] + E_pos[0..T-1]),  dropout          (no segment embedding:
                                                                     one segment, no NSP task)
    encoder   h_L = Encoder(h_0), [PAD] keys masked out             dlfs.nn.TransformerEncoder
    MLM head  logits_t = LN(GELU(W_m h_L,t + b_m)) E_tok^T + b_V    decoder tied to E_tok,
                                                                    at chosen positions only
    CLS head  logits = W_c dropout(tanh(W_p h_L,0 + b_p)) + b_c     read at [CLS] (position 0)

:class:`BertEncoder` is the shared body; :class:`BertForMaskedLM` puts the MLM head on it
for pre-training (the loss: cross-entropy at the positions whose label is not -100, see
:func:`dlfs.data.text.mlm.mask_tokens`); :class:`BertClassifier` puts the pooler and a
linear classifier on it, and :meth:`BertClassifier.load_pretrained` copies a pre-trained
body in. The encoder layers are ``dlfs.nn.TransformerEncoderLayer`` with GELU, Post-LN as
in BERT (``norm_first=False``) or Pre-LN. Every matrix starts N(0, 0.02^2), biases 0,
LayerNorms (1, 0), as in BERT.

Legend: B batch, T tokens, C = d_model, V vocabulary, K classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from .. import nn as dnn
from ..nn import functional as F

__all__ = ["BertClassifier", "BertConfig", "BertEncoder", "BertForMaskedLM", "mlm_loss"]


@dataclass(frozen=True)
class BertConfig:
    """Hyper-parameters of the BERT models; ``vocab_size`` stays None until a vocabulary is
    known (the recipe fills it in); the models need it set.

    >>> BertConfig(d_model=30, n_head=4)
    Traceback (most recent call last):
    ...
    ValueError: BertConfig: d_model (30) must be divisible by n_head (4)
    """

    vocab_size: int | None = field(default=None, metadata={
        "help": "V, the number of token ids", "internal": "set from the vocabulary"})
    pad_id: int = field(default=0, metadata={
        "help": "the [PAD] id, masked out of attention", "internal": "set from the vocabulary"})
    max_len: int = field(default=64, metadata={
        "help": "T, the most tokens per line ([CLS] included); longer lines are cut",
        "help_zh": "T，每行最多的词元数（含 `[CLS]`）；更长的行会被截断"})
    d_model: int = field(default=64, metadata={"help": "C, the width of every token vector",
                                               "help_zh": "C，每个词元向量的宽度"})
    n_layer: int = field(default=2, metadata={"help": "encoder layers",
                                              "help_zh": "编码器层数"})
    n_head: int = field(default=4, metadata={
        "help": "attention heads per layer (must divide d_model)",
        "help_zh": "每层的注意力头数（必须整除 d_model）"})
    dim_feedforward: int = field(default=256, metadata={
        "help": "hidden width of each layer's feed-forward net",
        "help_zh": "每层前馈网络的隐藏宽度"})
    dropout: float = field(default=0.0, metadata={
        "help": "dropout on the embeddings, attention weights, sublayer outputs and the "
                "pooled [CLS] vector (BERT: 0.1; off by default, as the (B, H, T, T) "
                "attention masks cost a fifth of a small model's step)",
        "help_zh": "嵌入、注意力权重、子层输出和池化后 `[CLS]` 向量上的 Dropout（BERT 用 0.1；"
                   "这里默认关闭，因为 (B, H, T, T) 的注意力掩码要占小模型每步五分之一的时间）"})
    norm_first: bool = field(default=False, metadata={
        "help": "Pre-LN layers (LayerNorm before each sublayer) instead of BERT's Post-LN",
        "help_zh": "用 `Pre-LN` 层（每个子层之前做 LayerNorm），而不是 BERT 的 `Post-LN`"})

    def __post_init__(self) -> None:
        names = ("max_len", "d_model", "n_layer", "n_head", "dim_feedforward")
        for name in names if self.vocab_size is None else ("vocab_size", *names):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"BertConfig: {name} must be a positive int, got {value!r}")
        if self.d_model % self.n_head:
            raise ValueError(f"BertConfig: d_model ({self.d_model}) must be divisible by "
                             f"n_head ({self.n_head})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"BertConfig: dropout must be in [0, 1), got {self.dropout}")
        if self.vocab_size is not None and not 0 <= self.pad_id < self.vocab_size:
            raise ValueError(f"BertConfig: pad_id {self.pad_id} is outside "
                             f"[0, {self.vocab_size})")


def _init_bert(module: nn.Module) -> None:
    """BERT's initialisation: matrices and embeddings N(0, 0.02^2), biases 0, LayerNorm
    gains 1 (the [PAD] row of the token table stays 0)."""
    for name, p in module.named_parameters():
        if p.dim() >= 2:
            nn.init.normal_(p, mean=0.0, std=0.02)
        elif name.endswith("bias"):
            nn.init.zeros_(p)
        else:
            nn.init.ones_(p)                                   # LayerNorm weights


class BertEncoder(nn.Module):
    """The body: ids (B, T) int64 -> hidden states (B, T, C); [PAD] keys are masked.

    >>> enc = BertEncoder(BertConfig(vocab_size=11, d_model=8, n_head=2, dim_feedforward=16))
    >>> enc(torch.tensor([[1, 5, 6], [1, 7, 0]])).shape
    torch.Size([2, 3, 8])
    """

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        if config.vocab_size is None:
            raise ValueError("BertEncoder: config.vocab_size is None; set it to the "
                             "vocabulary size (dataclasses.replace(config, vocab_size=V))")
        self.config = c = config
        self.tok_embed = dnn.Embedding(c.vocab_size, c.d_model, padding_idx=c.pad_id)
        self.pos_embed = dnn.LearnedPositionalEmbedding(c.max_len, c.d_model)
        self.emb_norm = dnn.LayerNorm(c.d_model)
        self.drop = dnn.Dropout(c.dropout)
        layer = dnn.TransformerEncoderLayer(c.d_model, c.n_head, c.dim_feedforward, c.dropout,
                                            activation="gelu", batch_first=True,
                                            norm_first=c.norm_first)
        final = dnn.LayerNorm(c.d_model) if c.norm_first else None   # Pre-LN ends with a LN
        self.encoder = dnn.TransformerEncoder(layer, c.n_layer, norm=final)
        _init_bert(self)
        with torch.no_grad():
            self.tok_embed.weight[c.pad_id].zero_()

    def forward(self, ids: Tensor) -> Tensor:
        c = self.config
        if not isinstance(ids, Tensor) or ids.dtype != torch.long or ids.dim() != 2:
            got = f"{ids.dtype} {tuple(ids.shape)}" if isinstance(ids, Tensor) else \
                type(ids).__name__
            raise ValueError(f"BERT: ids must be int64 of shape (B, T), got {got}")
        if ids.shape[1] > c.max_len:
            raise ValueError(f"BERT: {ids.shape[1]} tokens exceed max_len {c.max_len}; cut "
                             "the lines first")
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= c.vocab_size):
            raise ValueError(f"BERT: ids must lie in [0, {c.vocab_size}), got values in "
                             f"[{int(ids.min())}, {int(ids.max())}]")
        h = self.drop(self.emb_norm(self.pos_embed(self.tok_embed(ids))))    # (B, T, C)
        padding = ids == c.pad_id                                            # (B, T) True=pad
        return self.encoder(h, src_key_padding_mask=padding)                 # (B, T, C)


class BertForMaskedLM(nn.Module):
    """Pre-training: ids (B, T) -> logits (B, T, V) over the vocabulary at every position.

    >>> mlm = BertForMaskedLM(BertConfig(vocab_size=11, d_model=8, n_head=2))
    >>> mlm(torch.tensor([[1, 5, 6]])).shape
    torch.Size([1, 3, 11])
    >>> mlm.decoder.weight is mlm.bert.tok_embed.weight          # tied
    True
    """

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.bert = BertEncoder(config)
        C, V = config.d_model, config.vocab_size
        self.transform = dnn.Linear(C, C)
        self.act = dnn.GELU()
        self.norm = dnn.LayerNorm(C)
        self.decoder = dnn.Linear(C, V)
        _init_bert(self.transform)
        nn.init.zeros_(self.decoder.bias)
        self.decoder.weight = self.bert.tok_embed.weight        # one (V, C) table, two uses

    def head(self, h: Tensor) -> Tensor:
        """The MLM head on hidden states (..., C) -> logits (..., V)."""
        h = self.norm(self.act(self.transform(h)))              # (..., C)
        return self.decoder(h)                                  # (..., V) = h E_tok^T + b_V

    def forward(self, ids: Tensor) -> Tensor:
        return self.head(self.bert(ids))                        # (B, T, C) -> (B, T, V)

    def masked_logits(self, ids: Tensor, chosen: Tensor) -> Tensor:
        """Logits at the ``chosen`` positions only: ids (B, T), chosen (B, T) bool ->
        (M, V), M = chosen.sum(), in row-major order. BERT gathers the positions to predict
        before its output layer: the V-wide product is skipped at the other ~85 %."""
        if chosen.shape != ids.shape or chosen.dtype != torch.bool:
            raise ValueError(f"masked_logits: chosen must be bool of ids' shape "
                             f"{tuple(ids.shape)}, got {chosen.dtype} {tuple(chosen.shape)}")
        return self.head(self.bert(ids)[chosen])                # (M, C) -> (M, V)


def mlm_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """Mean cross-entropy over the chosen positions: logits (B, T, V), labels (B, T) with
    -100 where nothing is to be predicted (at least one position must be chosen).

    >>> round(mlm_loss(torch.zeros(1, 3, 4), torch.tensor([[-100, 2, -100]])).item(), 4)
    1.3863
    """
    if logits.shape[:2] != labels.shape:
        raise ValueError(f"mlm_loss: logits (B, T, V) {tuple(logits.shape)} and labels "
                         f"(B, T) {tuple(labels.shape)} do not match")
    if not bool((labels != -100).any()):
        raise ValueError("mlm_loss: no position is chosen (every label is -100); there is "
                         "nothing to predict")
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))


class BertClassifier(nn.Module):
    """Fine-tuning: ids (B, T) -> class logits (B, K), read at [CLS] (position 0).

    >>> clf = BertClassifier(BertConfig(vocab_size=11, d_model=8, n_head=2), num_classes=3)
    >>> clf(torch.tensor([[1, 5, 6], [1, 7, 0]])).shape
    torch.Size([2, 3])
    """

    def __init__(self, config: BertConfig, num_classes: int) -> None:
        super().__init__()
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) \
                or num_classes < 2:
            raise ValueError(f"BertClassifier: num_classes must be an int >= 2, got "
                             f"{num_classes!r}")
        self.bert = BertEncoder(config)
        C = config.d_model
        self.pooler = dnn.Linear(C, C)
        self.tanh = dnn.Tanh()
        self.drop = dnn.Dropout(config.dropout)
        self.classifier = dnn.Linear(C, num_classes)
        _init_bert(self.pooler)
        _init_bert(self.classifier)

    def forward(self, ids: Tensor) -> Tensor:
        h = self.bert(ids)                                      # (B, T, C)
        pooled = self.tanh(self.pooler(h[:, 0]))                # (B, C), the [CLS] vector
        return self.classifier(self.drop(pooled))               # (B, K)

    def load_pretrained(self, mlm: BertForMaskedLM | dict[str, Tensor]) -> None:
        """Copy a pre-trained body in: a :class:`BertForMaskedLM`, or its state dict; the
        pooler and the classifier keep their fresh initialisation."""
        state = mlm.state_dict() if isinstance(mlm, nn.Module) else mlm
        body = {k.removeprefix("bert."): v for k, v in state.items() if k.startswith("bert.")}
        missing, unexpected = self.bert.load_state_dict(body, strict=False)
        if missing or unexpected or not body:
            raise ValueError(f"BertClassifier.load_pretrained: the state does not fit this "
                             f"body (missing {missing[:3]}, unexpected {unexpected[:3]})")
