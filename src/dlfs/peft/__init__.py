"""Parameter-efficient fine-tuning: LoRA and bottleneck adapters.

Both start as the identity change (LoRA's B and the adapter's up-projection are zero), so a
wrapped pretrained model computes exactly what it did before fine-tuning begins.
"""

from .adapters import Adapter, WithAdapter, apply_adapters, mark_only_adapters_trainable
from .lora import (
    LoRALinear,
    apply_lora,
    lora_parameters,
    mark_only_lora_trainable,
    merge_lora,
    unmerge_lora,
)

__all__ = ["Adapter", "LoRALinear", "WithAdapter", "apply_adapters", "apply_lora",
           "lora_parameters", "mark_only_adapters_trainable", "mark_only_lora_trainable",
           "merge_lora", "unmerge_lora"]
