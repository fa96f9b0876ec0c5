# %% [markdown]
# # Gym Day 13 · Speed drill (60 minutes) — 速度训练
#
# **Library files:** `src/dlfs/gym/judge.py`, `src/dlfs/gym/problems/d13_*.py`.
#
# Speed comes from recognising the pattern and from fewer passes, not from typing. The
# drill: for each task, name the $O(n)$ idea in one line, then code it. Below, one of
# today's two problems (count the pairs with sum t) is timed both ways: the one-pass $O(n)$
# version beats the quadratic $O(n^2)$ one by a margin that grows with n.

# %% [markdown] lang="zh"
# # 算法健身房第 13 天 · 速度训练（60 分钟）
#
# **相关库文件：** `src/dlfs/gym/judge.py`，`src/dlfs/gym/problems/d13_*.py`。
#
# 速度来自识别题型和减少遍历次数，而不是打字快。训练方法：对每项任务，先用一句话说出 $O(n)$
# 的思路，再写代码。下面用两种写法为今天两道题中的一道（统计和为 t 的数对）计时：一趟扫描的 $O(n)$
# 版本胜过 $O(n^2)$ 的二重循环，而且差距随 n 增大。

# %%
import random
import time
from collections import Counter

from dlfs.curriculum import lesson_context

ctx = lesson_context("gym-speed-drill")
DAY = 13
rng = random.Random(13)


def pairs_quadratic(a: list[int], t: int) -> int:
    return sum(a[i] + a[j] == t for i in range(len(a)) for j in range(i + 1, len(a)))


def pairs_linear(a: list[int], t: int) -> int:
    seen: Counter[int] = Counter()
    total = 0
    for v in a:
        total += seen[t - v]
        seen[v] += 1
    return total


timings = []
for n in ([200, 800] if ctx.quick else [200, 800, 3200]):
    a = [rng.randint(-50, 50) for _ in range(n)]
    t0 = time.perf_counter()
    slow = pairs_quadratic(a, 7)
    t1 = time.perf_counter()
    fast = pairs_linear(a, 7)
    t2 = time.perf_counter()
    assert slow == fast
    timings.append((n, t1 - t0, t2 - t1))
    print(f"n={n:>5}: O(n^2) {1e3 * (t1 - t0):7.2f} ms   O(n) {1e3 * (t2 - t1):6.2f} ms")
assert timings[-1][1] > timings[-1][2], "the linear version must win at the largest n"

# %% [markdown]
# ## The drill sheet (say the idea before coding)
# | task | idea |
# |---|---|
# | pairs with sum t | Counter of values seen so far |
# | max subarray sum | Kadane: extend or restart |
# | first repeated item | a set |
# | k-th largest | size-k min-heap |
# | range sums | prefix sums |
#
# Time yourself: `dlfs gym check` prints the slowest test; aim for two accepted problems
# in 60 minutes.

# %% [markdown] lang="zh"
# ## 训练清单（写代码前先说出思路）
# | 任务 | 思路 |
# |---|---|
# | 和为 t 的数对 | 用 Counter 记录已经见过的值 |
# | 最大子数组和 | Kadane：延续前一段，或从这里重新开始 |
# | 第一个重复的元素 | 一个集合 |
# | 第 k 大 | 大小为 k 的最小堆 |
# | 区间和 | 前缀和 |
#
# 给自己计时：`dlfs gym check` 会打印最慢的那个测试；目标是 60 分钟内通过两道题。

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
