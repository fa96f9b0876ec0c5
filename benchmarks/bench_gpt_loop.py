"""The capstone's whole training loop against a nanoGPT-style loop written from torch
built-ins, on the same corpus, split, seed and model size — the figure ``bench_gpt`` (bare
forward/backward/AdamW steps on random ids) does not give.

(a) reference: the recipe's architecture from torch's layers (``nn.Linear`` with a fused QKV
    projection, ``F.scaled_dot_product_attention(is_causal=True)``, ``nn.LayerNorm``,
    ``nn.GELU``, tied embeddings, GPT-2 init), ``torch.optim.AdamW(betas=(0.9, 0.99))`` with
    weight decay on the matrices and embeddings only, batches at random offsets into the one
    tensor of training ids, ``clip_grad_norm_(1.0)``, the recipe's warm-up + cosine schedule
    through ``torch.optim.lr_scheduler.LambdaLR`` and the loss read with ``.item()`` every
    step; torch's default (non-deterministic) kernels, as nanoGPT.
(b) ``dlfs train gpt``'s own loop: :func:`dlfs.recipes.gpt.train_gpt` with the default
    recipe except ``max_steps``, ``eval_every`` beyond the last step (no evaluation or
    checkpoint inside the timed steps) and no final sample: the from-scratch layers, the
    DataLoader over shuffled windows, dlfs AdamW and LambdaLR, the Trainer with its NaN guard,
    TensorBoard logging, deterministic kernels.
(c) the same with ``--fused`` (``GPTConfig.fused=True``: torch's attention, LayerNorm and
    GELU kernels in the from-scratch model).
(d) (b) with ``--compile`` (``torch.compile`` of the from-scratch model for the training
    forward; its first step compiles, which the timed window leaves out and the notes give
    separately: cold in the first round, from the kernel cache in the second).

Steps per second of the loop, evaluation excluded: the time from the end of the first step
to the end of the last (a ``Callback`` passed to ``train_gpt`` stamps (b)-(d) at each
step's end; the reference stamps the same point), so every step after the first is counted
whole — data, forward, backward, clipping, optimizer, schedule, logging. All four run
``rounds`` times, interleaved (a b c d, then d c b a), and the fastest round of each is kept; the
ratios are the figures to quote. Each round uses its own seed (1337, 1338, 1339: the
initial weights and the batch order), so the validation loss after the same number of steps,
by the recipe's ``estimate_loss`` (the same evenly spaced validation windows for every
variant), is reported as a mean over three seeds instead of one draw of the data order.
Threads: torch's default (the recipe sets none); the notes say how many. While another
job holds one of 2 cores, 2 threads oversubscribe and every step is ~20x slower (measured
1.3-1.7 s against 62-81 ms); run with ``OMP_NUM_THREADS=1`` then.

    python benchmarks/run_all.py --only gpt_loop       # ~8 minutes on 2 cores
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import tempfile
import time

import torch
from torch import nn
from torch.nn import functional as F

from dlfs.data.text.batching import TokenWindows
from dlfs.recipes.gpt import GPTRecipe, PreparedText, prepare_text, train_gpt
from dlfs.recipes.lm import estimate_loss
from dlfs.recipes.sampling import SamplingConfig
from dlfs.train import Callback

# ---- (a) the nanoGPT-style reference ------------------------------------------------------

class _Attention(nn.Module):
    def __init__(self, C: int, H: int, bias: bool):
        super().__init__()
        self.n_head = H
        self.c_attn = nn.Linear(C, 3 * C, bias=bias)        # fused Q, K, V projection
        self.c_proj = nn.Linear(C, C, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                   for t in (q, k, v))                       # (B, H, T, D)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class _Block(nn.Module):
    def __init__(self, C: int, H: int, bias: bool):
        super().__init__()
        self.ln_1 = nn.LayerNorm(C, bias=bias)
        self.attn = _Attention(C, H, bias)
        self.ln_2 = nn.LayerNorm(C, bias=bias)
        self.c_fc = nn.Linear(C, 4 * C, bias=bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * C, C, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(self.gelu(self.c_fc(self.ln_2(x))))


class ReferenceGPT(nn.Module):
    """nanoGPT's model from torch built-ins; ``forward`` returns ``(logits, None)`` like
    :class:`dlfs.models.GPT`, so the recipe's ``estimate_loss`` evaluates both alike."""

    def __init__(self, V: int, T: int, L: int, H: int, C: int, bias: bool):
        super().__init__()
        self.wte = nn.Embedding(V, C)
        self.wpe = nn.Embedding(T, C)
        self.h = nn.ModuleList(_Block(C, H, bias) for _ in range(L))
        self.ln_f = nn.LayerNorm(C, bias=bias)
        self.lm_head = nn.Linear(C, V, bias=False)
        self.lm_head.weight = self.wte.weight                   # tied
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * L))

    def forward(self, idx: torch.Tensor) -> tuple[torch.Tensor, None]:
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x)), None


def _reference(recipe: GPTRecipe, prepared: PreparedText) -> tuple[list[float], nn.Module]:
    """Train the reference for ``recipe.max_steps`` steps; the time at each step's end."""
    cfg = recipe.model
    torch.manual_seed(recipe.seed)
    model = ReferenceGPT(prepared.tokenizer.vocab_size, cfg.block_size, cfg.n_layer,
                         cfg.n_head, cfg.n_embd, cfg.bias)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": recipe.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=recipe.lr, betas=(0.9, 0.99))
    warmup, floor = recipe.warmup_steps, recipe.min_lr / recipe.lr

    def factor(step: int) -> float:                          # nanoGPT's get_lr, as a factor
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, recipe.max_steps - warmup))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    data, T, B = prepared.train_ids, cfg.block_size, recipe.batch_size
    gen = torch.Generator().manual_seed(recipe.seed)
    stamps, losses = [], []
    model.train()
    for _ in range(recipe.max_steps):
        ix = torch.randint(len(data) - T, (B,), generator=gen)
        x = torch.stack([data[i:i + T] for i in ix])
        y = torch.stack([data[i + 1:i + 1 + T] for i in ix])
        logits, _ = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), recipe.grad_clip)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())                           # the logging
        stamps.append(time.perf_counter())
    return stamps, model


# ---- (b), (c): the recipe's own loop -----------------------------------------------------

class _StepClock(Callback):
    """The time at the end of every optimizer step."""

    def __init__(self) -> None:
        self.stamps: list[float] = []

    def on_step_end(self, trainer, logs) -> None:
        self.stamps.append(time.perf_counter())


def _recipe_loop(recipe: GPTRecipe, prepared: PreparedText, root: str
                 ) -> tuple[list[float], float, float]:
    """``train_gpt`` into a new folder under ``root`` (``--compile`` keeps its kernel cache
    in ``root/compile-cache``); the step-end times, the final val loss and the seconds from
    the call to the end of the first step."""
    clock = _StepClock()
    out_dir = tempfile.mkdtemp(dir=root)
    called = time.perf_counter()
    run = train_gpt(dataclasses.replace(recipe, out_dir=out_dir), prepared=prepared,
                    callbacks=[clock])
    assert len(run.evals) == 1 and run.evals[0][0] == recipe.max_steps, run.evals
    return clock.stamps, run.val_loss, clock.stamps[0] - called


def run(quick: bool = False) -> list[dict]:
    steps, rounds = (20, 1) if quick else (500, 3)
    # the default recipe; evaluation (and so checkpointing) only after the last step, no sample
    base = GPTRecipe(max_steps=steps, eval_every=steps + 1, sample=SamplingConfig(tokens=0))
    prepared = prepare_text(base)
    val = TokenWindows(prepared.val_ids, base.model.block_size)
    names = {"a": "(a) nanoGPT-style torch reference", "b": "(b) dlfs train gpt",
             "c": "(c) dlfs train gpt --fused", "d": "(d) dlfs train gpt --compile"}

    def variant(key: str, seed: int, root: str) -> tuple[list[float], float, float]:
        recipe = dataclasses.replace(base, seed=seed)
        if key == "a":
            stamps, model = _reference(recipe, prepared)
            return stamps, estimate_loss(model, val, batches=recipe.eval_batches,
                                         batch_size=recipe.batch_size), 0.0
        if key == "c":
            recipe = dataclasses.replace(recipe, model=dataclasses.replace(recipe.model,
                                                                           fused=True))
        if key == "d":   # forget this process's compiled graphs: later rounds compile again,
            torch._dynamo.reset()   # from the kernels the first one left in the disk cache
            recipe = dataclasses.replace(recipe, compile=True)
        return _recipe_loop(recipe, prepared, root)

    seconds: dict[str, list[float]] = {k: [] for k in names}   # per round: steps 2..N
    medians: dict[str, list[float]] = {k: [] for k in names}
    val_loss: dict[str, list[float]] = {k: [] for k in names}   # per round (= per seed)
    first_step: list[float] = []                                # (d), per round
    seeds = [base.seed + r for r in range(rounds)]
    with tempfile.TemporaryDirectory() as root:   # the runs' folders and compile-cache/
        for r, seed in enumerate(seeds):
            for key in ("abcd" if r % 2 == 0 else "dcba"):
                stamps, loss, first = variant(key, seed, root)
                assert len(stamps) == steps, (key, len(stamps))
                seconds[key].append(stamps[-1] - stamps[0])
                medians[key].append(statistics.median(b - a for a, b in zip(stamps,
                                                                             stamps[1:])))
                val_loss[key].append(loss)
                if key == "d":
                    first_step.append(first)

    threads = torch.get_num_threads()
    setting = (f"{'quick: ' if quick else ''}{steps} steps, {threads} torch threads, "
               f"best of {rounds} interleaved round{'s' * (rounds > 1)}")
    sps = {k: (steps - 1) / min(v) for k, v in seconds.items()}
    rows = []
    for key, name in names.items():
        rows.append({"name": f"{name}: steps/s", "value": round(sps[key], 2),
                     "unit": "steps/s",
                     "note": f"{1e3 / sps[key]:.1f} ms/step mean over steps 2-{steps}, "
                             f"median step {1e3 * min(medians[key]):.1f} ms; evaluation "
                             f"excluded; {setting}"})
    for key in ("b", "c", "d"):
        rows.append({"name": f"{names[key]} / (a): speed", "value": round(sps[key] / sps["a"], 3),
                     "unit": "x",
                     "note": "steps/s ratio (below 1: slower than the reference)"})
    warm = (f", {first_step[1]:.1f} s in the next round (a new compile in the same process, "
            "TorchInductor's kernels read from its disk cache)" if len(first_step) > 1 else "")
    rows.append({"name": f"{names['d']}: first step", "value": round(first_step[0], 1),
                 "unit": "s", "note": f"from the train_gpt call to the end of the first step, "
                                      f"compiling (cold cache){warm}; not in steps/s"})
    for key in ("a", "b", "c", "d"):
        per_seed = ", ".join(f"{loss:.3f}" for loss in val_loss[key])
        over = f"seed {seeds[0]}" if rounds == 1 else f"seeds {seeds[0]}-{seeds[-1]}"
        rows.append({"name": f"{names[key]}: val loss at step {steps}",
                     "value": round(statistics.mean(val_loss[key]), 4), "unit": "loss",
                     "note": f"mean over {over} ({per_seed}); estimate_loss on "
                             f"{base.eval_batches} x {base.batch_size} evenly spaced validation "
                             "windows, the same for all; one seed per round for every variant, "
                             "different batch order ((a) random offsets, (b)-(d) shuffled "
                             "windows)"})
    wins = sum(b <= a for a, b in zip(val_loss["a"], val_loss["b"]))
    rows.append({"name": f"(b) - (a): val loss at step {steps}",
                 "value": round(statistics.mean(val_loss["b"]) - statistics.mean(val_loss["a"]),
                                4), "unit": "loss",
                 "note": f"mean difference (<= 0: dlfs train gpt reaches the reference's loss "
                         f"at step {steps} no later than the reference); (b) at or below (a) "
                         f"for {wins} of {rounds} seeds"})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
