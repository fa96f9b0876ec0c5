"""Efficient attention (book chapter 9) and the KV-sharing variants of chapter 10.

- :mod:`.flash`: tiled attention with the online softmax (memory linear in T).
- :mod:`.sparse`: sliding-window and block-sparse attention.
- :mod:`.linear`: linear attention with the elu+1 feature map (and its causal prefix sums).
- :mod:`.variants`: MHA, GQA, MQA and MLA with their KV-cache sizes.
- :mod:`.memory`: a peak-memory counter for CPU code (used by the benchmark and lessons).

Every function here is checked against ``dlfs.nn.functional.scaled_dot_product_attention``
(with the equivalent dense mask) or against the explicit formula it rewrites.
"""

from .flash import FlashAttentionFunction, flash_attention, tiled_attention
from .linear import elu_feature_map, linear_attention, linear_attention_quadratic
from .memory import PeakMemoryTracker
from .sparse import (
    block_sparse_attention,
    block_sparse_mask,
    local_global_layout,
    sliding_window_attention,
    sliding_window_mask,
)
from .variants import (
    GroupedQueryAttention,
    LayerCache,
    MultiHeadAttention,
    MultiHeadLatentAttention,
    MultiQueryAttention,
)

__all__ = [
    "FlashAttentionFunction", "GroupedQueryAttention", "LayerCache", "MultiHeadAttention",
    "MultiHeadLatentAttention", "MultiQueryAttention", "PeakMemoryTracker",
    "block_sparse_attention", "block_sparse_mask", "elu_feature_map", "flash_attention",
    "linear_attention", "linear_attention_quadratic", "local_global_layout",
    "sliding_window_attention", "sliding_window_mask", "tiled_attention",
]
