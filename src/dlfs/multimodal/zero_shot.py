"""Zero-shot classification and retrieval with a dual encoder (:class:`dlfs.models.clip.CLIP`).

**Zero-shot classification** needs no classifier head and no labelled training image: each
class k is described in words by prompts p_k1 .. p_kM (e.g. "a photo of the number seven"),
whose text embeddings are averaged and renormalised into one class vector

    w_k = mean_m U(p_km) / || mean_m U(p_km) ||            W: (K, E)

and an image goes to the class whose vector is closest in angle:

    y_hat(x) = argmax_k  I(x) · w_k                          (N, E) @ (E, K) -> (N,)

**Retrieval** ranks a gallery by similarity to each query (image -> text: the captions for
each image; text -> image: the images for each caption). Recall@k is the fraction of
queries with a relevant item among the k best. Here ``relevant`` is a (Q, G) bool matrix:
the paired item (``torch.eye``), or, when many captions are identical ("the digit 7" for
every seven), every item of the query's class. Ties are counted against the query: a
relevant item ranks below every irrelevant item with an equal score, so a model that scores
everything alike gets no credit.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from ..models.clip import CLIP, CaptionTokenizer, l2_normalize
from ..runtime import eval_mode

__all__ = ["class_embeddings", "encode_images", "encode_texts", "recall_at_k",
           "retrieval_recalls", "zero_shot_accuracy", "zero_shot_predict"]


def encode_images(model: CLIP, images: Tensor, batch_size: int = 512) -> Tensor:
    """Unit image embeddings (N, E) of ``images`` (N, 1, H, W), in eval mode, no gradient."""
    with eval_mode(model), torch.no_grad():
        return torch.cat([model.encode_image(images[i:i + batch_size])
                          for i in range(0, len(images), batch_size)])


def encode_texts(model: CLIP, tokenizer: CaptionTokenizer, texts: Sequence[str],
                 batch_size: int = 512) -> Tensor:
    """Unit text embeddings (N, E) of ``texts``, in eval mode, no gradient."""
    length = model.config.context_length
    with eval_mode(model), torch.no_grad():
        return torch.cat([model.encode_text(tokenizer.batch(texts[i:i + batch_size], length))
                          for i in range(0, len(texts), batch_size)])


def class_embeddings(model: CLIP, tokenizer: CaptionTokenizer,
                     prompts: Sequence[Sequence[str]]) -> Tensor:
    """W (K, E): the renormalised mean embedding of each class's prompts; ``prompts[k]`` are
    the M_k >= 1 prompts of class k."""
    if isinstance(prompts, str) or not prompts or any(isinstance(p, str) or not p
                                                      for p in prompts):
        raise ValueError("class_embeddings: prompts must be one non-empty list of prompts "
                         f"per class, got {prompts!r:.80}")
    flat = [text for group in prompts for text in group]
    embedded = encode_texts(model, tokenizer, flat)                     # (sum M_k, E)
    sizes = [len(group) for group in prompts]
    means = torch.stack([e.mean(0) for e in embedded.split(sizes)])     # (K, E)
    return l2_normalize(means)


def zero_shot_predict(image_embeddings: Tensor, class_vectors: Tensor) -> Tensor:
    """y_hat = argmax_k I · w_k: (N, E), (K, E) -> int64 (N,)."""
    if image_embeddings.dim() != 2 or class_vectors.dim() != 2 or \
            image_embeddings.shape[1] != class_vectors.shape[1]:
        raise ValueError(f"zero_shot_predict: expected image embeddings (N, E) and class "
                         f"vectors (K, E), got {tuple(image_embeddings.shape)} and "
                         f"{tuple(class_vectors.shape)}")
    return (image_embeddings @ class_vectors.T).argmax(dim=1)           # (N,)


def zero_shot_accuracy(model: CLIP, tokenizer: CaptionTokenizer, images: Tensor,
                       labels: Tensor, prompts: Sequence[Sequence[str]]) -> float:
    """Fraction of ``images`` (N, 1, H, W) whose zero-shot class (by ``prompts``, one list
    per class) equals ``labels`` (N,)."""
    if len(images) != len(labels):
        raise ValueError(f"zero_shot_accuracy: {len(images)} images but {len(labels)} labels")
    predicted = zero_shot_predict(encode_images(model, images),
                                  class_embeddings(model, tokenizer, prompts))
    return (predicted == labels).float().mean().item()


def recall_at_k(similarity: Tensor, relevant: Tensor, k: int) -> float:
    """Fraction of queries (rows of ``similarity`` (Q, G)) whose best-scoring relevant item
    ranks among the top ``k``; its rank is the number of irrelevant items scoring at least
    as high (ties count against it). ``relevant`` (Q, G) bool; every row needs one.

    >>> s = torch.tensor([[0.9, 0.1, 0.5], [0.2, 0.3, 0.3]])
    >>> recall_at_k(s, torch.eye(2, 3, dtype=torch.bool), 1), recall_at_k(s, torch.eye(2, 3,
    ...     dtype=torch.bool), 2)
    (0.5, 1.0)
    """
    if similarity.dim() != 2 or relevant.shape != similarity.shape or \
            relevant.dtype != torch.bool:
        raise ValueError(f"recall_at_k: expected similarity (Q, G) and a bool relevant "
                         f"matrix of the same shape, got {tuple(similarity.shape)} and "
                         f"{relevant.dtype} {tuple(relevant.shape)}")
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"recall_at_k: k must be an int >= 1, got {k!r}")
    if not bool(relevant.any(dim=1).all()):
        raise ValueError("recall_at_k: every query needs at least one relevant item")
    best = similarity.masked_fill(~relevant, float("-inf")).amax(dim=1)          # (Q,)
    rank = ((similarity >= best[:, None]) & ~relevant).sum(dim=1)                # (Q,)
    return (rank < k).float().mean().item()


def retrieval_recalls(image_embeddings: Tensor, text_embeddings: Tensor,
                      labels: Tensor | None = None, ks: Sequence[int] = (1, 5)
                      ) -> dict[str, float]:
    """Recall@k both ways for N pairs (image i, caption i): ``{"image->text@1": ..,
    "text->image@1": .., ...}``. Relevant: the paired item, or with ``labels`` (N,) every
    item of the same class."""
    if image_embeddings.shape != text_embeddings.shape:
        raise ValueError(f"retrieval_recalls: N pairs need embeddings of one shape (N, E), "
                         f"got {tuple(image_embeddings.shape)} and "
                         f"{tuple(text_embeddings.shape)}")
    n = len(image_embeddings)
    relevant = torch.eye(n, dtype=torch.bool) if labels is None else \
        labels[:, None] == labels[None, :]                              # (N, N)
    similarity = image_embeddings @ text_embeddings.T                   # (N, N) image rows
    out = {}
    for k in ks:
        out[f"image->text@{k}"] = recall_at_k(similarity, relevant, k)
        out[f"text->image@{k}"] = recall_at_k(similarity.T, relevant.T, k)
    return out
