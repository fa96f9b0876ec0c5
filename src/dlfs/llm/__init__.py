"""Modern LLM components (book chapter 10): SwiGLU, Mixture-of-Experts, the DPO preference
loss and a scaling-law fit. RMSNorm lives in :mod:`dlfs.nn` (``dlfs.nn.RMSNorm``), RoPE in
:mod:`dlfs.nn.positional`, GQA/MQA/MLA in :mod:`dlfs.attention.kv_sharing`, LoRA in
:mod:`dlfs.peft`."""

from .dpo import DPOOutput, dpo_loss, log_sigmoid, sequence_logprobs
from .moe import MoE, MoEOutput, Routing, load_balancing_loss
from .scaling import PowerLaw, fit_power_law
from .swiglu import SwiGLU, swiglu_hidden

__all__ = ["DPOOutput", "MoE", "MoEOutput", "PowerLaw", "Routing", "SwiGLU", "dpo_loss",
           "fit_power_law", "load_balancing_loss", "log_sigmoid", "sequence_logprobs",
           "swiglu_hidden"]
