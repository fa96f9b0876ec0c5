"""Run every ``benchmarks/bench_*.py`` and write ``benchmarks/results/latest.json`` and
``latest.md`` (committed: the README's figures table is made from them by
``benchmarks/readme_figures.py``); ``--quick`` and ``--only`` runs write ``scratch.*``
instead, so a smoke run never replaces the record; ``--only NAME --merge`` re-runs those
benchmarks at full size and replaces just their entries in the record, each entry keeping
the date and commit of its own run. Each benchmark module defines
``run(quick: bool = False) -> list[dict]`` whose rows hold at least ``name``, ``value``
and ``unit`` (and optionally ``note``).

    python benchmarks/run_all.py [--quick] [--only NAME [--merge]]

Figures quoted in the README and in issue notes come from here; speeds are ratios measured
in one run, because the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy
import torch

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def machine() -> str:
    """CPU model, logical cores and torch's thread count, e.g. ``AMD EPYC ..., 2 cores, 2
    torch threads``."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads"


def _commit() -> str:
    """The checked-out commit (with ``+changes`` when the tree differs from it), or ``?``."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, text=True,
                             capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=HERE, text=True, capture_output=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return rev + ("+changes" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--only", help="run only benchmarks whose file name contains this")
    parser.add_argument("--merge", action="store_true",
                        help="with --only: put these full-size results into the record "
                             "(results/latest.*), replacing their old entries")
    args = parser.parse_args(argv)
    if args.merge and (args.quick or not args.only):
        parser.error("--merge needs --only NAME and full sizes (no --quick)")
    files = sorted(HERE.glob("bench_*.py"))
    if args.only:
        files = [f for f in files if args.only in f.stem]
    report = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
        "commit": _commit(),
        "quick": args.quick,
        "benchmarks": {},
    }
    failed = 0
    for path in files:
        print(f"== {path.stem}", flush=True)
        start, threads = time.perf_counter(), torch.get_num_threads()
        try:
            rows = _load(path).run(quick=args.quick)
        except Exception as exc:  # one broken benchmark must not hide the others
            failed += 1
            print(f"   FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
            report["benchmarks"][path.stem] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        finally:  # several pin one thread; the next benchmark gets the default back
            torch.set_num_threads(threads)
        for row in rows:
            print(f"   {row['name']}: {row['value']:.4g} {row['unit']}  {row.get('note', '')}")
        report["benchmarks"][path.stem] = {"seconds": round(time.perf_counter() - start, 1),
                                           "rows": rows, "when": report["when"],
                                           "commit": report["commit"]}
    # Only a full run replaces the committed record; --quick and --only are scratch runs,
    # except that --merge folds full-size results of some benchmarks into the record.
    record = "scratch" if (args.quick or args.only) and not args.merge else "latest"
    RESULTS.mkdir(exist_ok=True)
    if args.merge:
        merged = json.loads((RESULTS / "latest.json").read_text())
        merged["benchmarks"].update(report["benchmarks"])
        merged["benchmarks"] = dict(sorted(merged["benchmarks"].items()))
        report = merged
    (RESULTS / f"{record}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    lines = [f"# Benchmarks ({report['when']}, commit {report['commit']})", "",
             f"{report['machine']}; Python {report['python']}, torch {report['torch']}, "
             f"NumPy {report['numpy']}{'; quick sizes' if args.quick else ''}", "",
             "| benchmark | measure | value | unit | note |", "|---|---|---|---|---|"]
    for stem, result in report["benchmarks"].items():
        if result.get("when", report["when"]) != report["when"]:
            lines[2] += (f"; {stem} re-run on {result['when']} (commit "
                         f"{result.get('commit', '?')}) with `--only {stem} --merge`")
        for row in result.get("rows", []):
            lines.append(f"| {stem} | {row['name']} | {row['value']:.4g} | {row['unit']} | "
                         f"{row.get('note', '')} |")
        if "error" in result:
            lines.append(f"| {stem} | FAILED | | | {result['error']} |")
    (RESULTS / f"{record}.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS / record}.json and {record}.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
