# %% [markdown]
# # Gym Day 17 · Fast I/O and constant-factor tuning (sys.stdin) — 快速 I/O 与常数优化
#
# **Library files:** `src/dlfs/gym/templates.py` (`fast_input`, `read_ints`),
# `src/dlfs/playground/` (`compare`), `src/dlfs/gym/problems/d17_*.py`.
#
# With $10^6$ numbers on stdin, *reading* can cost more than solving. `input()` pays a
# Python-level call, a decode and a line split per line. `sys.stdin.buffer.read().split()`
# reads all bytes at once and splits in C; `map(int, ...)` then converts in C as well.
# We measure both on the same bytes (an in-memory stdin), plus the output side:
# one `"\n".join` vs one `print` per line.

# %% [markdown] lang="zh"
# # 算法健身房第 17 天 · 快速 I/O 与常数优化（sys.stdin）
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`fast_input`、`read_ints`），
# `src/dlfs/playground/`（`compare`），`src/dlfs/gym/problems/d17_*.py`。
#
# 标准输入上有 $10^6$ 个数时，*读入*的开销可能比解题本身还大。`input()` 每读一行都要付出一次 Python
# 层面的函数调用、一次解码和一次按行切分。`sys.stdin.buffer.read().split()` 一次读入全部字节并在 C
# 里切分；接着 `map(int, ...)` 也在 C 里完成转换。我们在同一份字节（内存中的标准输入）
# 上测量这两种方式，再看输出端：一次 `"\n".join` 对比每行一次 `print`。

# %%
import io
import sys
from contextlib import redirect_stdout

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import read_ints
from dlfs.playground import compare

ctx = lesson_context("gym-fast-io")
DAY = 17

n = 100_000 if ctx.quick else 1_000_000
values = [(i * 7919) % 1_000_003 - 500_000 for i in range(n)]
data = (f"{n}\n" + "\n".join(map(str, values)) + "\n").encode()


def stdin_line() -> str:
    """What input() does when stdin is not a terminal: one readline, newline stripped."""
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.removesuffix("\n")


# a notebook kernel replaces input() by a prompt in the notebook; there the same work is done
# by stdin_line (in a terminal, input() itself reads the redirected sys.stdin)
read_line = stdin_line if ctx.in_kernel else input


def with_input() -> list[int]:
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data))
    try:
        count = int(read_line())
        return [int(read_line()) for _ in range(count)]
    finally:
        sys.stdin = old


def with_buffer() -> list[int]:
    tok = io.BytesIO(data).read().split()          # what sys.stdin.buffer.read() gives
    return list(map(int, tok[1:1 + int(tok[0])]))


assert with_input() == with_buffer() == values == read_ints(data)[1:]
print(f"reading {n:,} integers, one per line:")
res = {r.label: r.min for r in compare(
    {"input() per line": with_input, "sys.stdin.buffer.read().split()": with_buffer}, repeat=3)}
ratio = res["input() per line"] / res["sys.stdin.buffer.read().split()"]
print(f"bulk reading is {ratio:.1f}x faster")
assert ratio > 1.5

# %% [markdown]
# ## Output: one write instead of n prints

# %% [markdown] lang="zh"
# ## 输出：一次写入代替 n 次 print

# %%
small = values[: n // 4]


def print_each() -> None:
    with redirect_stdout(io.StringIO()):
        for v in small:
            print(v)


def join_once() -> None:
    with redirect_stdout(io.StringIO()):
        sys.stdout.write("\n".join(map(str, small)) + "\n")


res = {r.label: r.min for r in compare({"print per line": print_each,
                                        "one join + write": join_once}, repeat=3)}
assert res["one join + write"] < res["print per line"]

# %% [markdown]
# ## Other constant factors worth knowing
# * Local variables are faster than globals: wrap the solution in `main()`.
# * `a.append` in a hot loop: bind `push = a.append` once (small win), or use a
#   comprehension.
# * Avoid `str +=` in a loop; collect pieces and `"".join` them.

# %% [markdown] lang="zh"
# ## 其他值得了解的常数因子
# * 局部变量比全局变量快：把解答包在 `main()` 里。
# * 热循环中的 `a.append`：预先绑定一次 `push = a.append`（小有收益），或者改用推导式。
# * 不要在循环里用 `str +=`；把片段收集起来，再用 `"".join` 拼接。

# %% [markdown]
# ## Today's two problems
# Each card below is what `dlfs gym show <id> --hint` prints, followed by the reference
# solution. Try them yourself first: `dlfs gym new <id>` writes a starter file and
# `dlfs gym check <id> <file>` judges it (the day is ticked in `dlfs progress --track gym`
# once both are accepted). Then write the three-line review: `dlfs gym review <id>`.

# %% [markdown] lang="zh"
# ## 今天的两道题
# 下面每张题目卡片都是 `dlfs gym show <id> --hint` 的输出，后面附有参考解答。请先自己动手：
# `dlfs gym new <id>` 会写出一个起始文件，`dlfs gym check <id> <file>` 负责评测（两道题都通过后，
# `dlfs progress --track gym` 会把这一天记为完成）。然后写三行复盘：`dlfs gym review <id>`。

# %%
import inspect

from dlfs.gym.problem import outputs_match
from dlfs.gym.problems import problems_for_day
from dlfs.gym.starter import render_problem
from dlfs.i18n import chosen_lang

for problem in problems_for_day(DAY):
    print(render_problem(problem, lang=chosen_lang(), hint=True))
    print("\nReference solution:\n" + inspect.getsource(problem.solve))
    for inp, out in problem.examples:
        assert outputs_match(problem.solve(inp), out, problem.float_tol)
    print("=" * 72)
