"""The vanilla encoder-decoder Transformer: exact match on dates and on sorting (greedy and
beam search), and Post-LN vs Pre-LN training with and without a learning-rate warmup.

Models and training come from ``dlfs.recipes.seq2seq_transformer`` (the defaults of
``dlfs train transformer``) and ``dlfs.recipes.ln_stability``; test pairs never occur in
training (unseen dates, unseen digit strings). Beam search (width 4, GNMT alpha 0.6) is
scored on the first ``beam_eval`` test pairs, with greedy on the same pairs beside it.
Single-threaded; seconds are wall clock on a shared machine (noisy).

    python benchmarks/bench_transformer_seq2seq.py [--quick]
"""

from __future__ import annotations

import sys
import time

import torch

from dlfs.recipes.ln_stability import STABILITY, compare_layer_norms
from dlfs.recipes.options import replace_nested
from dlfs.recipes.seq2seq_transformer import (
    QUICK,
    TransformerRecipe,
    evaluate_seq2seq,
    make_task,
    train_transformer,
)

FULL_RUNS = {"dates": {}, "sort": {"n_train": 10_000, "n_test": 500, "max_src_len": 10,
                                   "max_steps": 1_000, "warmup_steps": 100}}


def _accuracy_rows(name: str, recipe: TransformerRecipe) -> list[dict]:
    task = make_task(recipe)
    start = time.perf_counter()
    model, history = train_transformer(recipe, task)
    seconds = time.perf_counter() - start
    greedy = evaluate_seq2seq(model, task, task.test)
    subset = task.test[:recipe.beam_eval]
    beam = evaluate_seq2seq(model, task, subset, beam_width=recipe.beam_width,
                            alpha=recipe.alpha)
    greedy_subset = evaluate_seq2seq(model, task, subset)
    cfg = recipe.model
    setup = (f"{'pre' if cfg.norm_first else 'post'}-LN {cfg.num_layers}+{cfg.num_layers} "
             f"layers, width {cfg.d_model}, {recipe.max_steps} steps of {recipe.batch_size}; "
             f"{len(task.train)} train pairs, {len(task.test)} unseen test pairs")
    return [
        {"name": f"transformer/{name}/greedy_exact_match", "value": round(greedy.exact_match, 4),
         "unit": "fraction", "note": setup},
        {"name": f"transformer/{name}/beam{recipe.beam_width}_exact_match",
         "value": round(beam.exact_match, 4), "unit": "fraction",
         "note": f"first {len(subset)} test pairs; greedy on them "
                 f"{greedy_subset.exact_match:.4f}"},
        {"name": f"transformer/{name}/train_seconds", "value": round(seconds, 1), "unit": "s",
         "note": f"final train loss {history.step_loss[-1]:.4f}"},
    ]


def _stability_rows(quick: bool) -> list[dict]:
    base = (replace_nested(STABILITY, {"max_steps": 40, "model.num_layers": 2}) if quick
            else STABILITY)
    warmups = (0, 10) if quick else (0, 100)
    result = compare_layer_norms(base, warmups)
    setup = (f"sort, {base.model.num_layers}+{base.model.num_layers} layers, width "
             f"{base.model.d_model}, Adam "
             f"peak lr {base.lr:g}, no clipping, {base.max_steps} steps")
    rows = [{"name": f"transformer/ln/{norm}_warmup{w}/final_train_loss",
             "value": round(result.final_loss(norm, w), 4), "unit": "loss",
             "note": f"{setup}; mean of the last 20 steps"} for norm, w in result.curves]
    for norm, g in result.grad_norms.items():
        for part in ("encoder", "decoder"):
            rows.append({"name": f"transformer/ln/{norm}/{part}_grad_norm_top_over_bottom",
                         "value": round(float(g[part][-1] / g[part][0]), 4), "unit": "ratio",
                         "note": "per-layer gradient norms at init: "
                                 + ", ".join(f"{v:.3f}" for v in g[part].tolist())})
    return rows


def run(quick: bool = False) -> list[dict]:
    torch.set_num_threads(1)
    rows: list[dict] = []
    for name in ("dates", "sort"):
        changes = dict(QUICK, task=name, n_test=50) if quick else dict(FULL_RUNS[name],
                                                                       task=name)
        rows += _accuracy_rows(name, replace_nested(TransformerRecipe(), changes))
    return rows + _stability_rows(quick)


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
