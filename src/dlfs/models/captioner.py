"""A miniature BLIP-2 / LLaVA captioner: a frozen image encoder and a frozen GPT, joined by
the only parts that train — a Q-Former and a linear projection.

::

    f = E(image)                          (B, S, C_img)  frozen encoder: S = 16 patch vectors
    z = QFormer(f)                        (B, N, C_q)    trained: N learned queries read f
    p = z W_proj^T + b                    (B, N, C)      trained: N "soft tokens" in the GPT's
                                                         embedding space (LLaVA's projector)
    h_0 = [p ; E_tok[ids]] + E_pos[0 .. N+T-1]           the image prefix takes the first N
    logits = lm_head(ln_f(blocks(h_0)))   (B, N+T, V)    frozen GPT; the caption's are the
                                                         last T, each predicting the next id

The GPT was trained on caption text alone (stage 1); it never saw an image. In stage 2
only the Q-Former and the projection learn, by the GPT's own next-token loss on the
captions: they must find prefix vectors that make the frozen GPT write the right caption.

:func:`embeddings_forward` is the GPT's forward from input embeddings instead of token ids,
composed from the GPT's own submodules (``wpe``, ``drop``, ``h``, ``ln_f``, ``lm_head``), so
:class:`dlfs.models.GPT` needs no change. Decoding is greedy, with the GPT's KV cache.

Legend: B batch, S image patches, C_img their width, N = n_queries, C_q the Q-Former's
width, C = the GPT's n_embd, T caption tokens, V vocabulary.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .. import nn as dnn
from ..attention.kv_cache import KVCache
from .digits_classifier import DigitsClassifier
from .gpt import GPT
from .qformer import QFormer

__all__ = ["Captioner", "embeddings_forward"]


def embeddings_forward(gpt: GPT, emb: Tensor, cache: KVCache | None = None) -> Tensor:
    """The GPT on input embeddings emb (B, T, C) instead of ids -> logits (B, T, V).

    Positions continue from the cache's length, as in ``GPT.forward``; with ids,
    ``embeddings_forward(gpt, gpt.wte(ids))`` equals ``gpt(ids)[0]``.
    """
    past = cache.length if cache is not None else 0
    T = emb.shape[1]
    if past + T > gpt.config.block_size:
        raise ValueError(f"embeddings_forward: {past + T} positions exceed the GPT's "
                         f"block_size {gpt.config.block_size}")
    pos = torch.arange(past, past + T, device=emb.device)           # (T,)
    x = gpt.drop(emb + gpt.wpe(pos))                                 # (B, T, C)
    for block in gpt.h:
        x = block(x, cache)                                          # (B, T, C)
    return gpt.lm_head(gpt.ln_f(x))                                  # (B, T, V)


class Captioner(nn.Module):
    """Image features (B, S, C_img) and caption ids (B, T) -> next-token logits (B, T, V).

    ``encoder`` (its :meth:`~DigitsClassifier.patch_features`) and ``gpt`` are the frozen
    parts once :meth:`freeze_pretrained` is called; ``qformer`` and ``proj`` train.
    A frozen part also stays in eval mode when the captioner is put in train mode
    (BLIP-2 does the same), so its dropout, if any, never fires.

    >>> from dlfs.models import GPTConfig
    >>> gpt = GPT(GPTConfig(vocab_size=12, block_size=16, n_layer=1, n_head=2, n_embd=8))
    >>> model = Captioner(gpt, QFormer(4, 16, 1, 2, d_image=64), DigitsClassifier())
    >>> features = model.image_features(torch.zeros(3, 1, 16, 16))        # (B, S, C_img)
    >>> features.shape, model(features, torch.zeros(3, 5, dtype=torch.long)).shape
    (torch.Size([3, 16, 64]), torch.Size([3, 5, 12]))
    """

    def __init__(self, gpt: GPT, qformer: QFormer, encoder: DigitsClassifier) -> None:
        super().__init__()
        if qformer.d_image != encoder.feature_dim:
            raise ValueError(f"Captioner: the Q-Former reads features of width "
                             f"{qformer.d_image}, the encoder makes {encoder.feature_dim}")
        if qformer.n_queries + 2 > gpt.config.block_size:
            raise ValueError(f"Captioner: {qformer.n_queries} queries leave no room for a "
                             f"caption in the GPT's block_size {gpt.config.block_size}")
        self.encoder = encoder
        self.qformer = qformer
        self.proj = dnn.Linear(qformer.d_model, gpt.config.n_embd)   # W_proj: C_q -> C
        self.gpt = gpt

    @property
    def n_queries(self) -> int:
        return self.qformer.n_queries

    def freeze_pretrained(self) -> Captioner:
        """Freeze the encoder and the GPT (no gradients, eval mode); return self."""
        for part in (self.encoder, self.gpt):
            part.requires_grad_(False)
            part.eval()
        return self

    def train(self, mode: bool = True) -> Captioner:
        super().train(mode)
        for part in (self.encoder, self.gpt):
            if not any(p.requires_grad for p in part.parameters()):
                part.eval()                                  # a frozen part stays in eval
        return self

    def parameter_counts(self) -> dict[str, int]:
        """{"trained": numbers that require grad, "frozen": the others} (a tied weight
        counts once)."""
        counts = {"trained": 0, "frozen": 0}
        for p in self.parameters():
            counts["trained" if p.requires_grad else "frozen"] += p.numel()
        return counts

    def image_features(self, images: Tensor) -> Tensor:
        """images (B, 1, 16, 16) in [-1, 1] -> patch features (B, 16, C_img), no gradient
        (the encoder is frozen)."""
        with torch.no_grad():
            return self.encoder.patch_features(images)

    def prefix(self, features: Tensor) -> Tensor:
        """features (B, S, C_img) -> the image prefix (B, N, C) in the GPT's embedding space."""
        return self.proj(self.qformer(features))                    # (B, N, C)

    def forward(self, features: Tensor, idx: Tensor) -> Tensor:
        """features (B, S, C_img), ids (B, T) -> logits (B, T, V) of the caption positions
        (position t predicts id t + 1)."""
        if idx.dim() != 2 or idx.dtype != torch.long or idx.shape[0] != features.shape[0]:
            raise ValueError(f"Captioner: idx must be int64 (B, T) with B = "
                             f"{features.shape[0]} like the features, got {idx.dtype} "
                             f"{tuple(idx.shape)}")
        emb = torch.cat([self.prefix(features), self.gpt.wte(idx)], dim=1)  # (B, N + T, C)
        return embeddings_forward(self.gpt, emb)[:, self.n_queries:]        # (B, T, V)

    @torch.no_grad()
    def generate(self, features: Tensor, *, bos: int, eos: int, max_new_tokens: int,
                 use_cache: bool = True) -> Tensor:
        """Greedy captions (B, L) of ids, L <= max_new_tokens: the prefix, then ``bos``, then
        the most likely next id until every row has written ``eos`` (later ids of a row are
        ``eos`` too). ``use_cache=False`` recomputes the whole sequence at every step (the
        same ids, slower: what the KV cache saves)."""
        room = self.gpt.config.block_size - self.n_queries - 1
        if not 1 <= max_new_tokens <= room:
            raise ValueError(f"Captioner.generate: max_new_tokens must be in [1, {room}] "
                             f"(block_size - n_queries - 1), got {max_new_tokens}")
        B = features.shape[0]
        ids = torch.full((B, 1), bos, dtype=torch.long, device=features.device)   # (B, 1)
        emb = torch.cat([self.prefix(features), self.gpt.wte(ids)], dim=1)      # (B, N+1, C)
        cache = KVCache() if use_cache else None
        logits = embeddings_forward(self.gpt, emb, cache)[:, -1]                 # (B, V)
        done = torch.zeros(B, dtype=torch.bool, device=features.device)
        out: list[Tensor] = []
        for step in range(max_new_tokens):
            nxt = logits.argmax(dim=-1).masked_fill(done, eos)                   # (B,)
            out.append(nxt)
            done |= nxt == eos
            if done.all() or step == max_new_tokens - 1:
                break
            new = self.gpt.wte(nxt[:, None])                                     # (B, 1, C)
            if cache is not None:
                logits = embeddings_forward(self.gpt, new, cache)[:, -1]
            else:
                emb = torch.cat([emb, new], dim=1)                               # (B, N+t, C)
                logits = embeddings_forward(self.gpt, emb)[:, -1]
        return torch.stack(out, dim=1)                                           # (B, L)
