# %% [markdown]
# # Gym Day 13 · Speed drill (60 minutes) — 速度训练
#
# **Library files:** `src/dlfs/gym/judge.py`, `src/dlfs/gym/problems/d13_*.py`.
#
# Speed comes from recognising the pattern and from fewer passes, not from typing. The
# drill: for each task, name the O(n) idea in one line, then code it. Below, the two
# problems of the day each beat the quadratic version by a margin that grows with n.

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

# %% [markdown]
# ## Today's two problems
# Each card below is what `dlfs gym show <id> --hint` prints, followed by the reference
# solution. Try them yourself first: `dlfs gym new <id>` writes a starter file and
# `dlfs gym check <id> <file>` judges it (the day is ticked in `dlfs progress --track gym`
# once both are accepted). Then write the three-line review: `dlfs gym review <id>`.

# %%
import inspect

from dlfs.gym.problem import outputs_match
from dlfs.gym.problems import problems_for_day
from dlfs.gym.starter import render_problem

for problem in problems_for_day(DAY):
    print(render_problem(problem, lang="en", hint=True))
    print("\nReference solution:\n" + inspect.getsource(problem.solve))
    for inp, out in problem.examples:
        assert outputs_match(problem.solve(inp), out, problem.float_tol)
    print("=" * 72)
