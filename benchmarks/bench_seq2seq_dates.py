"""Date normalization ("3 de marzo de 2021" -> "2021-03-03"): GRU encoder-decoder with and
without Bahdanau attention, exact match and character BLEU-4 on held-out dates.

Both models get the same task (``dlfs.data.text.dates``: 14 formats, month names in English,
French, German and Spanish; test days never occur in training), the same width, data order,
optimizer and number of steps (``dlfs.recipes.seq2seq_gru``). Exact-match accuracy on a test subset
is also recorded during training, so the rows show how fast each model gets there, not only
where it ends. Single-threaded; seconds are wall clock on a shared machine (noisy).

    python benchmarks/bench_seq2seq_dates.py [--quick]
"""

from __future__ import annotations

import sys
import time
from typing import Any

import torch

from dlfs.recipes.seq2seq_gru import DateRecipe, evaluate_dates, train_date_model
from dlfs.train import Callback

FULL = {"n_train": 20_000, "n_test": 2_000, "max_steps": 600, "hidden": 128}
QUICK = {"n_train": 2_000, "n_test": 200, "max_steps": 30, "hidden": 32, "batch_size": 32}


class ExactMatchCurve(Callback):
    """Test exact match on ``pairs`` at the given steps."""

    def __init__(self, task: Any, pairs: list, at: set[int]):
        self.task, self.pairs, self.at = task, pairs, at
        self.curve: list[tuple[int, float]] = []

    def on_step_end(self, trainer: Any, logs: dict[str, float]) -> None:
        if trainer.state.step in self.at:
            result = evaluate_dates(trainer.model, self.task, self.pairs)
            self.curve.append((trainer.state.step, result.exact_match))


def run(quick: bool = False) -> list[dict]:
    torch.set_num_threads(1)
    sizes = QUICK if quick else FULL
    rows: list[dict] = []
    task = DateRecipe(**sizes).task()
    steps = sizes["max_steps"]
    checkpoints = {steps // 4, steps // 2, 3 * steps // 4}
    for attention in (True, False):
        name = "attention" if attention else "no_attention"
        recipe = DateRecipe(attention=attention, **sizes)
        curve = ExactMatchCurve(task, task.test[:300], checkpoints)
        start = time.perf_counter()
        model, history = train_date_model(recipe, task, callbacks=[curve])
        seconds = time.perf_counter() - start
        result = evaluate_dates(model, task, task.test)
        setup = (f"{steps} steps, batch {recipe.batch_size}, hidden {recipe.hidden}, "
                 f"{len(task.train)} train pairs, {len(task.test)} test pairs on unseen dates")
        rows += [
            {"name": f"seq2seq_dates/{name}/exact_match", "value": round(result.exact_match, 4),
             "unit": "fraction", "note": setup},
            {"name": f"seq2seq_dates/{name}/char_bleu4", "value": round(result.char_bleu, 4),
             "unit": "BLEU", "note": "corpus BLEU-4 over characters (dlfs.metrics.bleu)"},
            {"name": f"seq2seq_dates/{name}/train_seconds", "value": round(seconds, 1),
             "unit": "s", "note": f"final train loss {history.step_loss[-1]:.4f}"},
        ]
        rows += [{"name": f"seq2seq_dates/{name}/exact_match_at_step_{s}", "value": round(em, 4),
                  "unit": "fraction", "note": "first 300 test pairs"} for s, em in curve.curve]
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
