"""Capstone throughput: the from-scratch GPT (readable and ``fused=True``) against the same
architecture built from ``torch.nn.TransformerEncoderLayer`` (Pre-LN, GELU, causal SDPA),
on the default capstone configuration (4 layers, 4 heads, width 128, context 64, batch 12,
character vocabulary of the help topics). Tokens per second of full training steps
(forward, backward, AdamW), interleaved in one run; the ratios are the figures to quote.

    python benchmarks/run_all.py --only gpt
"""

from __future__ import annotations

import time

import torch
from torch import nn

from dlfs.models import GPT, GPTConfig

V, T, B, C, H, L = 103, 64, 12, 128, 4, 4


class TorchReferenceGPT(nn.Module):
    """The capstone architecture from torch's built-in layers."""

    def __init__(self) -> None:
        super().__init__()
        self.wte = nn.Embedding(V, C)
        self.wpe = nn.Embedding(T, C)
        layer = nn.TransformerEncoderLayer(C, H, dim_feedforward=4 * C, dropout=0.0,
                                           activation="gelu", batch_first=True,
                                           norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, L, enable_nested_tensor=False)
        self.ln_f = nn.LayerNorm(C)
        self.head = nn.Linear(C, V, bias=False)
        self.head.weight = self.wte.weight
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(T))

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        x = self.blocks(x, mask=self.mask, is_causal=True)
        return self.head(self.ln_f(x))


def _stepper(model: nn.Module, dlfs_model: bool):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, V, (B, T), generator=gen)
    y = torch.randint(0, V, (B, T), generator=gen)

    def step() -> None:
        logits = model(x)[0] if dlfs_model else model(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return step


def run(quick: bool = False) -> list[dict]:
    torch.manual_seed(0)
    cfg = dict(vocab_size=V, block_size=T, n_layer=L, n_head=H, n_embd=C)
    steppers = {
        "dlfs GPT (from scratch)": _stepper(GPT(GPTConfig(**cfg)), True),
        "dlfs GPT (fused=True)": _stepper(GPT(GPTConfig(**cfg, fused=True)), True),
        "torch.nn reference": _stepper(TorchReferenceGPT(), False),
    }
    rounds, per_round = (3, 5) if quick else (6, 10)
    for step in steppers.values():          # warm-up (first optimizer step imports a lot)
        for _ in range(3):
            step()
    best = {name: float("inf") for name in steppers}
    for _ in range(rounds):                 # interleaved, best round of each
        for name, step in steppers.items():
            start = time.perf_counter()
            for _ in range(per_round):
                step()
            best[name] = min(best[name], (time.perf_counter() - start) / per_round)
    ref = best["torch.nn reference"]
    rows = []
    for name, seconds in best.items():
        rows.append({"name": f"{name}: tokens/s", "value": B * T / seconds, "unit": "tok/s",
                     "note": f"{seconds * 1e3:.1f} ms/step, {ref / seconds:.2f}x the "
                             f"torch.nn reference's throughput"})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
