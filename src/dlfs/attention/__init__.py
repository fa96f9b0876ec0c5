"""Attention beyond the textbook layer: the causal self-attention the GPT uses, its KV
cache, the KV-sharing variants (book chapter 10) and efficient attention (chapter 9).

- :mod:`.causal_self_attention`: multi-head causal self-attention (the GPT's and MHA).
- :mod:`.kv_cache`: the KV cache of a decoder (per layer, named tensors grown by position).
- :mod:`.kv_sharing`: GQA, MQA and MLA, subclasses of it, with their KV-cache sizes.
- :mod:`.flash`: tiled attention with the online softmax (memory linear in T).
- :mod:`.sparse_attention`: sliding-window and block-sparse attention.
- :mod:`.linear_attention`: linear attention with the elu+1 feature map (and its causal
  prefix sums).
- :mod:`.cross_attention`: attention from one sequence to another (text to image
  features), and Flamingo's tanh-gated cross-attention block.

Every function here is checked against ``dlfs.nn.functional.scaled_dot_product_attention``
(with the equivalent dense mask) or against the explicit formula it rewrites.
"""

from .causal_self_attention import CausalSelfAttention
from .cross_attention import CrossAttention, GatedCrossAttentionBlock
from .flash import FlashAttentionFunction, flash_attention, tiled_attention
from .kv_cache import KVCache
from .kv_sharing import GroupedQueryAttention, MultiHeadLatentAttention, MultiQueryAttention
from .linear_attention import elu_feature_map, linear_attention, linear_attention_quadratic
from .sparse_attention import (
    block_sparse_attention,
    block_sparse_mask,
    local_global_layout,
    sliding_window_attention,
    sliding_window_mask,
)

__all__ = [
    "CausalSelfAttention", "CrossAttention", "FlashAttentionFunction",
    "GatedCrossAttentionBlock", "GroupedQueryAttention", "KVCache",
    "MultiHeadLatentAttention", "MultiQueryAttention",
    "block_sparse_attention", "block_sparse_mask", "elu_feature_map", "flash_attention",
    "linear_attention", "linear_attention_quadratic", "local_global_layout",
    "sliding_window_attention", "sliding_window_mask", "tiled_attention",
]
