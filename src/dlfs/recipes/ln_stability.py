"""Post-LN vs Pre-LN: does the encoder-decoder Transformer need a learning-rate warmup?

Xiong et al. (2020) show that at initialization a Post-LN Transformer's gradients are
largest in the layers next to the output, so a large learning rate from step 0 can knock it
into a bad region, which the original recipe avoids with a warmup; Pre-LN keeps an identity
path from the loss to every layer and tolerates the same rate without warmup.

:func:`compare_layer_norms` measures both halves of that claim on a small model and the sort
task: the gradient norm of every encoder and decoder layer at initialization (one batch),
and the training-loss curve of each (norm, warmup) pair at a large learning rate, without
gradient clipping (clipping would hide exactly the effect we look for). Used by the lesson
``vanilla-transformer`` and by ``benchmarks/bench_transformer_seq2seq.py``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from ..models.transformer_seq2seq import TransformerSeq2Seq, TransformerSeq2SeqConfig
from ..nn import functional as F
from .options import replace_nested
from .seq2seq_transformer import TransformerRecipe, make_task, train_transformer

__all__ = ["LNComparison", "compare_layer_norms", "layer_grad_norms"]


def layer_grad_norms(model: TransformerSeq2Seq, src: torch.Tensor, tgt_in: torch.Tensor,
                     tgt_out: torch.Tensor) -> dict[str, torch.Tensor]:
    """||dLoss/dθ_l|| of each encoder and decoder layer for one batch:
    ``{"encoder": (L,), "decoder": (L,)}``. Gradients are cleared afterwards."""
    model.zero_grad(set_to_none=True)
    logits = model(src, tgt_in)                                          # (B, T, V)
    F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1),
                    ignore_index=model.config.pad_id).backward()
    norms = {}
    for name in ("encoder", "decoder"):
        layers = getattr(model.transformer, name).layers
        norms[name] = torch.tensor([
            torch.cat([p.grad.flatten() for p in layer.parameters() if p.grad is not None])
            .norm().item() for layer in layers])                         # (L,)
    model.zero_grad(set_to_none=True)
    return norms


@dataclass
class LNComparison:
    """Loss curves per (norm, warmup) run and gradient norms per layer at init per norm."""

    recipe: TransformerRecipe                       # the shared settings
    curves: dict[tuple[str, int], list[float]]      # (norm, warmup_steps) -> loss per step
    grad_norms: dict[str, dict[str, torch.Tensor]]  # norm -> {"encoder"/"decoder": (L,)}

    def final_loss(self, norm: str, warmup: int, last: int = 20) -> float:
        """Mean training loss over the last ``last`` steps of one run."""
        curve = self.curves[(norm, warmup)]
        return sum(curve[-last:]) / len(curve[-last:])


#: The setting of the comparison: 4+4 layers of width 64, Adam at a peak lr of 1e-2 (large
#: for this model), no clipping, 200 steps. At lr 3e-3 all four runs learned; see the lesson.
STABILITY = TransformerRecipe(task="sort", model=TransformerSeq2SeqConfig(
                                  d_model=64, nhead=4, num_layers=4, dim_feedforward=128,
                                  dropout=0.0),
                              n_train=4_000, n_test=100, max_src_len=8, batch_size=32,
                              max_steps=200, lr=1e-2, grad_clip=None)


def compare_layer_norms(base: TransformerRecipe = STABILITY,
                        warmups: tuple[int, ...] = (0, 100)) -> LNComparison:
    """Train Post-LN and Pre-LN models with each warmup in ``warmups`` (same data, seed,
    steps and peak lr) and measure their per-layer gradient norms at initialization."""
    task = make_task(base)
    curves: dict[tuple[str, int], list[float]] = {}
    grad_norms: dict[str, dict[str, torch.Tensor]] = {}
    batch = task.batch(task.train[:base.batch_size])
    for norm in ("post", "pre"):
        torch.manual_seed(base.seed)
        recipe = replace_nested(base, {"model.norm_first": norm == "pre"})
        model = TransformerSeq2Seq(recipe.model_config(len(task.vocab)))  # as train_* builds it
        grad_norms[norm] = layer_grad_norms(model, batch.src, batch.tgt_in, batch.tgt_out)
        for warmup in warmups:
            run = dataclasses.replace(recipe, warmup_steps=warmup)
            _, history = train_transformer(run, task)
            curves[(norm, warmup)] = list(history.step_loss)
    return LNComparison(base, curves, grad_norms)
