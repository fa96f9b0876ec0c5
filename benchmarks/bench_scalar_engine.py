"""The scalar engine's demo step in our engine (``dlfs.autograd.Value``) and in the classic
closure-per-node engine (``dlfs.autograd.classic_scalar.ClassicValue``), with Python's cyclic
garbage collector on and off (issue #21: at least 10x the classic engine as shipped, and at
least as fast as it with the collector off for both).

The step (``dlfs.autograd.scalar_demo.demo_step``): MLP 2 -> 16 -> 16 -> 1 with ReLU on 100
two-moons points (30 with ``--quick``), hinge loss + 1e-4 L2, SGD, accuracy; the same data,
initial weights and float operations in both engines. Our engine as shipped runs the step
under ``collector_paused()`` (its graphs hold no cycles); the classic engine as shipped runs
it with the collector on. The four configurations are interleaved; each is timed on the
step after an untimed one (as in a training loop) and the fastest repeat is kept.
"""

from __future__ import annotations

from dlfs.autograd.scalar_demo import time_engines


def run(quick: bool = False) -> list[dict]:
    times = time_engines(n_points=30 if quick else 100, repeats=3 if quick else 5)
    classic_losses = (times.losses["classic, collector on"]
                      + times.losses["classic, collector off"])
    our_losses = times.losses["ours, collector on"] + times.losses["ours, collector paused"]
    drift = max(abs(a - b) for a, b in zip(classic_losses, our_losses))
    shape = f"MLP 2-16-16-1, {times.n_points} two-moons points, hinge + L2, SGD"
    notes = {
        "classic, collector on": f"best of the repeats; {shape}; the classic engine as shipped",
        "classic, collector off": "gc disabled around its steps (its cycles wait for later)",
        "ours, collector on": "Value without the pause",
        "ours, collector paused": "Value as shipped: the step under collector_paused()",
    }
    rows = [{"name": f"{name} (ms/step)", "value": ms, "unit": "ms", "note": notes[name]}
            for name, ms in times.ms.items()]
    return rows + [
        {"name": "classic on / ours paused", "value": times.speedup_shipped, "unit": "x",
         "note": "both as shipped; goal >= 10"},
        {"name": "classic off / ours paused", "value": times.speedup_no_collector,
         "unit": "x", "note": f"the engines' own work; goal >= 1; losses agree within "
                              f"{drift:.1e}"},
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['value']:.4g} {row['unit']}  {row['note']}")
