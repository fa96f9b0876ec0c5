"""The README's figures table, made from the committed benchmark record.

    python benchmarks/readme_figures.py          # rewrite the table in both READMEs
    python benchmarks/readme_figures.py --check  # exit 1 if a README differs from the record

Every number in the table is read from ``benchmarks/results/latest.json`` (one full
``make bench`` run; ``make bench`` calls this script afterwards), so the README cannot quote a
figure that no recorded run produced. ``tests/test_readme.py`` runs the check.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "benchmarks" / "results" / "latest.json"
READMES = {"en": ROOT / "README.md", "zh": ROOT / "README.zh-CN.md"}
START, END = "<!-- FIGURES-START -->", "<!-- FIGURES-END -->"


class Record:
    """Look-ups into one benchmark record: ``rec("bench_gpt", "torch.nn reference: tokens/s")``."""

    def __init__(self, data: dict) -> None:
        self.data = data

    def __call__(self, bench: str, measure: str) -> float:
        result = self.data["benchmarks"].get(bench)
        if result is None or "rows" not in result:
            raise KeyError(f"{bench}: not in the record (or it failed): {result}")
        for row in result["rows"]:
            if row["name"] == measure:
                return float(row["value"])
        raise KeyError(f"{bench}: no measure {measure!r}")


def _x(value: float) -> str:
    return f"{value:.2f}x"


def _and(names: list[str]) -> str:
    """["a"] -> "a", ["a", "b", "c"] -> "a, b and c"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _minutes(seconds: float) -> tuple[str, str]:
    """212.8 -> ("3 min 33 s", "3 分 33 秒")."""
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s} s", f"{m} 分 {s} 秒"


def _pct(value: float) -> str:
    """A fraction (0.9995) or a percentage (98.89) as "99.95%" / "98.89%", no trailing 0s."""
    percent = 100 * value if value <= 1 else value
    return f"{percent:.2f}".rstrip("0").rstrip(".") + "%"


def _rows(r: Record) -> list[tuple[str, str, str, str]]:
    """(what in English, figure in English, what in Chinese, figure in Chinese)."""
    torch_tps = r("bench_gpt", "torch.nn reference: tokens/s")
    ours = r("bench_gpt", "dlfs GPT (from scratch): tokens/s") / torch_tps
    fused = r("bench_gpt", "dlfs GPT (fused=True): tokens/s") / torch_tps
    val, val2k = (r("bench_capstone", "val loss at the last step"),
                  r("bench_capstone", "val loss at step 2000"))
    train_s = r("bench_capstone", "training time")
    np2, np1 = (r("bench_numpy_engine", "numpy engine / torch (2 threads)"),
                r("bench_numpy_engine", "numpy engine / torch (1 thread)"))

    def nn_ratio(module: str) -> str:
        return _x(r("bench_nn_modules", f"{module} fwd+bwd dlfs/torch"))

    modules = {"Linear": "Linear(1024, 1024)", "Conv2d 3x3": "Conv2d(64, 64, 3, padding=1)",
               "BatchNorm2d": "BatchNorm2d(64)", "LayerNorm": "LayerNorm(512)",
               "CrossEntropyLoss": "CrossEntropyLoss"}
    ln_fused = nn_ratio("LayerNorm(512, fused=True)")
    nn_parts = {k: f"{k} {nn_ratio(v)}" for k, v in modules.items()}
    nn_en = ", ".join(nn_parts.values()).replace(
        nn_parts["LayerNorm"], f"{nn_parts['LayerNorm']} (the 1.5x goal missed; "
                               f"`fused=True`: {ln_fused})")
    nn_zh = "、".join(nn_parts.values()).replace(
        nn_parts["LayerNorm"], f"{nn_parts['LayerNorm']}（未达到 1.5x 的目标；"
                               f"`fused=True`：{ln_fused}）")
    loop = {k: _x(r("bench_gpt_loop", f"({k}) dlfs train gpt{flag} / (a): speed"))
            for k, flag in (("b", ""), ("c", " --fused"), ("d", " --compile"))}
    first = round(r("bench_gpt_loop", "(d) dlfs train gpt --compile: first step"))
    loop_val = {k: r("bench_gpt_loop", f"{name}: val loss at step 500") for k, name in (
        ("a", "(a) nanoGPT-style torch reference"), ("b", "(b) dlfs train gpt"))}
    scalar = r("bench_scalar_engine", "classic on / ours paused")
    scalar_off = r("bench_scalar_engine", "classic off / ours paused")
    lstm = _x(r("bench_lstm", "LSTM fwd+bwd dlfs/torch"))
    dense = r("bench_attention_memory", "peak dense T=8192")
    tiled = r("bench_attention_memory", "peak tiled T=8192")
    kv64 = _x(r("bench_kv_cache", "generation speed-up from the KV cache, context 64"))
    kv256 = _x(r("bench_kv_cache", "generation speed-up from the KV cache, context 256"))
    gru = _pct(r("bench_seq2seq_dates", "seq2seq_dates/attention/exact_match"))
    gru_plain = _pct(r("bench_seq2seq_dates", "seq2seq_dates/no_attention/exact_match"))
    tr_dates = _pct(r("bench_transformer_seq2seq", "transformer/dates/greedy_exact_match"))
    tr_sort = _pct(r("bench_transformer_seq2seq", "transformer/sort/greedy_exact_match"))
    lenet = _pct(r("bench_vision", "lenet5_digits28/test_accuracy"))
    resnet = _pct(r("bench_vision", "resnet18w8_shapes/test_accuracy"))
    to_140 = r("bench_capstone", "time to val loss <= 1.40")
    minutes, minutes_zh = _minutes(train_s)
    reach, reach_zh = _minutes(to_140)
    return [
        ("capstone GPT, from-scratch layers vs the same net from "
         "`torch.nn.TransformerEncoderLayer` (tokens/s)",
         f"{_x(ours)}; `fused=True`: {_x(fused)}",
         "验收 GPT：从零实现的层 vs 用 `torch.nn.TransformerEncoderLayer` 搭的同一网络（吞吐量）",
         f"{_x(ours)}；`fused=True`：{_x(fused)}"),
        ("capstone training loop (`dlfs train gpt`, 500 steps, evaluation excluded) vs a "
         "nanoGPT-style loop from torch built-ins, same model, data and seed (steps/s; "
         "`benchmarks/bench_gpt_loop.py`)",
         f"from scratch {loop['b']} (the 1.0x goal missed); `--fused` {loop['c']} (the 1.3x "
         f"goal missed); `--compile` {loop['d']} after a {first} s first step that compiles; "
         f"val loss at step 500, mean of 3 seeds: {loop_val['b']:.3f} vs {loop_val['a']:.3f}",
         "验收训练循环（`dlfs train gpt`，500 步，不含验证）vs 用 torch 内置层写的 nanoGPT "
         "式循环，模型、数据和随机种子相同（每秒步数；`benchmarks/bench_gpt_loop.py`）",
         f"从零实现 {loop['b']}（未达到 1.0x 的目标）；`--fused` {loop['c']}（未达到 1.3x 的"
         f"目标）；`--compile` {loop['d']}，第一步编译用时 {first} 秒；"
         f"第 500 步的验证损失（3 个随机种子的平均）：{loop_val['b']:.3f} vs "
         f"{loop_val['a']:.3f}"),
        ("scalar autograd engine (`dlfs.autograd.Value`) vs the classic scalar engine, its "
         "demo training step (time)",
         f"{scalar:.1f}x faster as shipped; {scalar_off:.2f}x with the garbage collector "
         "off for both",
         "标量自动求导引擎（`dlfs.autograd.Value`）vs 经典标量引擎，其示例训练步（耗时）",
         f"按发布状态快 {scalar:.1f} 倍；两者都关闭垃圾回收时为 {scalar_off:.2f}x"),
        ("capstone default run (`make demo`, 3000 steps)",
         f"val loss {val:.3f} on the help topics ({val2k:.3f} at step 2000), {minutes} of "
         f"training; val loss ≤ 1.40 after {reach} (the goal: sooner than 3 min 7 s)",
         "验收项目默认训练（`make demo`，3000 步）",
         f"帮助文档验证集损失 {val:.3f}（第 2000 步为 {val2k:.3f}），训练用时 {minutes_zh}；"
         f"{reach_zh}后验证损失 ≤ 1.40（目标：早于 3 分 7 秒）"),
        ("NumPy autograd engine vs torch eager, MLP 64-256-256-10 training step (time)",
         f"{_x(np2)} (2 threads), {_x(np1)} (1 thread)",
         "NumPy 自动求导引擎 vs torch eager，MLP 64-256-256-10 一步训练（耗时）",
         f"{_x(np2)}（2 线程）、{_x(np1)}（1 线程）"),
        ("`dlfs.nn` vs `torch.nn`, forward + backward time (1 thread)",
         nn_en,
         "`dlfs.nn` vs `torch.nn`，前向 + 反向耗时（1 线程）",
         nn_zh),
        ("dlfs LSTM vs `nn.LSTM` (2 layers, hidden 256, batch 32, length 100; time)", lstm,
         "dlfs LSTM vs `nn.LSTM`（2 层、hidden 256、batch 32、长度 100；耗时）", lstm),
        ("tiled (flash-style) vs dense attention, peak memory at T = 8192",
         f"{tiled:.1f} MiB vs {dense:.0f} MiB",
         "分块（flash 风格）vs 稠密注意力，T = 8192 时的峰值内存",
         f"{tiled:.1f} MiB vs {dense:.0f} MiB"),
        ("greedy generation with the KV cache vs recomputing (context 64 / 256)",
         f"{kv64} / {kv256} faster, identical tokens",
         "带 KV 缓存的贪心生成 vs 每步重算（上下文 64 / 256）",
         f"快 {kv64} / {kv256}，生成的 token 完全相同"),
        ("date normalisation, exact match on unseen dates",
         f"GRU + Bahdanau attention {gru} ({gru_plain} without attention); Transformer "
         f"(2+2 layers) {tr_dates} (digit sorting: {tr_sort})",
         "日期规范化，在未见过的日期上的完全匹配率",
         f"GRU + Bahdanau 注意力 {gru}（无注意力 {gru_plain}）；Transformer（2+2 层）"
         f"{tr_dates}（数字排序：{tr_sort}）"),
        ("vision on built-in data, test accuracy",
         f"LeNet-5 on the 8x8 digits upscaled to 28x28 {lenet}; ResNet-18 (width 8) on "
         f"the shapes set {resnet}",
         "内置数据上的视觉任务，测试准确率",
         f"LeNet-5（8x8 手写数字放大到 28x28）{lenet}；ResNet-18（宽度 8）几何形状数据集 {resnet}"),
    ]


def render(data: dict, lang: str) -> str:
    """The table (between the markers) in ``lang`` ("en" or "zh")."""
    rows = _rows(Record(data))
    when, commit = data["when"][:10], data.get("commit", "?")
    later: dict[tuple[str, str], list[str]] = {}          # (date, commit) -> benchmarks
    for stem, r in data["benchmarks"].items():
        if r.get("when", data["when"]) != data["when"]:
            later.setdefault((r["when"][:10], r.get("commit", "?")), []).append(
                stem.removeprefix("bench_"))
    if lang == "en":
        rerun = "".join(f"; {_and(names)} re-run on {w}, commit {c}"
                        for (w, c), names in later.items())
        head = (f"From one `make bench` run ({when}, commit {commit}, {data['machine']}"
                f"{rerun}; record: `benchmarks/results/latest.md`). Ratios are dlfs / torch "
                "measured in the same run on a shared, noisy machine: treat the last digit as "
                "noise.")
        table = ["| what | figure |", "|---|---|", *(f"| {a} | {b} |" for a, b, _, _ in rows)]
    else:
        rerun = "".join(f"；{'、'.join(names)} 于 {w} 重新运行，提交 {c}"
                        for (w, c), names in later.items())
        head = (f"来自一次 `make bench` 运行（{when}，提交 {commit}，{data['machine']}{rerun}；"
                "记录：`benchmarks/results/latest.md`）。比值为 dlfs / torch，在同一次运行中测得；"
                "机器是共享的、有噪声，最后一位数字请视为噪声。")
        table = ["| 项目 | 数据 |", "|---|---|", *(f"| {c} | {d} |" for _, _, c, d in rows)]
    return "\n".join([START, head, "", *table, END])


def replaced(text: str, table: str, path: Path) -> str:
    if START not in text or END not in text:
        raise SystemExit(f"{path}: the markers {START} / {END} are missing")
    before, rest = text.split(START, 1)
    return before + table + rest.split(END, 1)[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a README differs from the record, write nothing")
    args = parser.parse_args(argv)
    data = json.loads(RECORD.read_text(encoding="utf-8"))
    stale = []
    for lang, path in READMES.items():
        text = path.read_text(encoding="utf-8")
        new = replaced(text, render(data, lang), path)
        if new != text:
            stale.append(path.name)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if args.check and stale:
        print(f"stale figures in {', '.join(stale)}: run python benchmarks/readme_figures.py",
              file=sys.stderr)
        return 1
    if args.check:
        print("README figures match benchmarks/results/latest.json")
    else:
        print(f"updated {', '.join(stale)}" if stale else "README figures were up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
