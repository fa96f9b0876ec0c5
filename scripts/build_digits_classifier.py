"""Train the frozen digits classifier once and write its weights beside the model:
``src/dlfs/models/digits_classifier.pt`` (deterministic: same seed, same file contents).

    python scripts/build_digits_classifier.py

Training data: the training split of :func:`dlfs.generative.data.digit_images` at 16x16,
with random shifts of up to one pixel; the held-out split is only measured.
"""

from __future__ import annotations

import time

import torch

from dlfs.generative.data import digit_images
from dlfs.models.digits_classifier import WEIGHTS, DigitsClassifier
from dlfs.nn import functional as F
from dlfs.optim import AdamW

EPOCHS, BATCH, LR, SEED = 30, 64, 3e-3, 0


def shifted(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Each image moved by up to one pixel in each direction (background -1 fills in)."""
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1), value=-1.0)
    out = torch.empty_like(x)
    dy, dx = torch.randint(0, 3, (2, len(x)), generator=g)
    for i in range(len(x)):
        out[i] = padded[i, :, dy[i]:dy[i] + 16, dx[i]:dx[i] + 16]
    return out


def main() -> None:
    torch.manual_seed(SEED)
    g = torch.Generator().manual_seed(SEED)
    x, y = digit_images("train")
    xt, yt = digit_images("test")
    model = DigitsClassifier()
    opt = AdamW(model.parameters(), lr=LR, weight_decay=1e-4)
    start = time.perf_counter()
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), BATCH):
            idx = order[i:i + BATCH]
            loss = F.cross_entropy(model(shifted(x[idx], g)), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        for group in opt.param_groups:                      # a cosine-like decay, by hand
            group["lr"] = LR * 0.5 * (1 + torch.cos(torch.tensor((epoch + 1) / EPOCHS
                                                                 * torch.pi))).item()
    model.eval()
    with torch.no_grad():
        acc = (model(xt).argmax(1) == yt).float().mean().item()
    torch.save(model.state_dict(), WEIGHTS)
    print(f"held-out accuracy {acc:.4f} ({len(xt)} images) after {EPOCHS} epochs, "
          f"{time.perf_counter() - start:.0f} s; wrote {WEIGHTS}")


if __name__ == "__main__":
    main()
