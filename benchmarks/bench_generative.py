"""The generative recipes' default runs: ``dlfs train vae``, ``dlfs train ddpm`` and
``dlfs train gan`` with every default, into temporary folders, each timed from the command
line. Reports each run's sample quality as the recipe measured it on 360 samples at the end
(``run.json``'s ``"quality"``: the digits-FD against the held-out digits as a multiple of the
real-vs-real floor, how many digits are covered; for the guided DDPM the fraction of samples
of a requested digit that the frozen classifier reads as that digit) and the wall time.

    python benchmarks/run_all.py --only generative       # about 15 minutes on 2 cores
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import time
from pathlib import Path

from dlfs.cli import main

RECIPES = ("vae", "ddpm", "gan")


def _train(name: str, quick: bool) -> tuple[dict, float]:
    with tempfile.TemporaryDirectory() as out:
        argv = ["train", name, "--out", out, *(["--quick"] if quick else [])]
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(argv)
        seconds = time.perf_counter() - start
        if code != 0:
            raise RuntimeError(f"dlfs {' '.join(argv)} exited with {code}")
        return json.loads((Path(out) / "run.json").read_text(encoding="utf-8")), seconds


def run(quick: bool = False) -> list[dict]:
    rows = []
    for name in RECIPES:
        info, seconds = _train(name, quick)
        setting = f"{'quick: ' if quick else ''}dlfs train {name}"
        for key, what in (("quality", "samples"), ("guided", "guided samples")):
            q = info.get(key)
            if not q:
                continue
            note = (f"{setting}; FD {q['fd']:.2f} vs floor {q['floor']:.2f} on {q['n']} "
                    f"{what}; histogram {q['histogram']}")
            rows.append({"name": f"{name}: digits-FD / floor ({what})",
                         "value": round(q["fd"] / q["floor"], 2), "unit": "x", "note": note})
            rows.append({"name": f"{name}: digits covered ({what})", "value": q["coverage"],
                         "unit": "of 10", "note": note})
            if q.get("accuracy") is not None:
                rows.append({"name": f"{name}: classified as the requested digit",
                             "value": round(q["accuracy"], 4), "unit": "fraction",
                             "note": note})
        rows.append({"name": f"{name}: training time", "value": round(seconds, 1),
                     "unit": "s", "note": f"{setting}: wall clock of the whole command"})
    return rows
