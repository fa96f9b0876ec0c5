"""Day 21 · Autocomplete counts (a trie)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import Trie


def solve(inp: str) -> str:
    lines = inp.split("\n")
    q = int(lines[0])
    trie, out = Trie(), []
    for line in lines[1:1 + q]:
        op, word = line.split()
        if op == "add":
            trie.insert(word)
        elif op == "has":
            out.append("YES" if trie.contains(word) else "NO")
        else:
            out.append(str(trie.count_prefix(word)))
    return "\n".join(out) + "\n"


def brute(inp: str) -> str:
    lines = inp.split("\n")
    q = int(lines[0])
    words: set[str] = set()
    out = []
    for line in lines[1:1 + q]:
        op, word = line.split()
        if op == "add":
            words.add(word)
        elif op == "has":
            out.append("YES" if word in words else "NO")
        else:
            out.append(str(sum(w.startswith(word) for w in words)))
    return "\n".join(out) + "\n"


def generate(rng: random.Random) -> str:
    q = rng.randint(1, 15)
    rows = [f"{rng.choice(['add', 'add', 'has', 'count'])} "
            f"{''.join(rng.choice('ab') for _ in range(rng.randint(1, 4)))}" for _ in range(q)]
    return f"{q}\n" + "\n".join(rows) + "\n"


PROBLEM = Problem(
    id="prefix-count", day=21, topic="trie",
    title_en="Autocomplete counts", title_zh="前缀计数",
    statement_en=(
        "Keep a dictionary that starts empty and process q commands: `add w` stores word w "
        "(storing it twice changes nothing), `has w` asks whether w is stored, and "
        "`count p` asks how many stored words begin with p (a word counts as beginning with "
        "itself)."),
    statement_zh=(
        "维护一个初始为空的词典，处理 q 条命令：`add w` 存入单词 w（重复存入无影响）；`has w` 询问"
        " w 是否已存；"
        "`count p` 询问有多少个已存单词以 p 开头（单词本身也算以自己开头）。"),
    input_format="Line 1: q. Next q lines: add w | has w | count p (lowercase words).",
    output_format="One line per has (YES/NO) or count (an integer) command.",
    input_format_zh=(
        "第 1 行：q。接下来 q 行：每行一条命令，`add w`、`has w` 或 `count p`（均为小写单词）。"),
    output_format_zh="每条 `has` 命令（`YES`/`NO`）或 `count` 命令（一个整数）输出一行。",
    examples=(("6\nadd apple\nadd app\ncount ap\nhas ap\nadd apple\ncount apple\n",
               "2\nNO\n1\n"),),
    similar_to="LeetCode 208",
    header=("A trie whose nodes count the words below them: O(len) per command. "
            "Edge cases: duplicate adds; a prefix that is itself a stored word; has on a "
            "prefix that is not a word."),
    header_zh=(
        "字典树，每个节点记录经过它的单词数：每条命令 O(单词长度)。边界情况：重复的 `add`；"
        "本身就是已存单词的前缀；对不是单词的前缀执行 `has`。"),
    solve=solve, brute=brute, generate=generate,
)
