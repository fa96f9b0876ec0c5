# %% [markdown]
# # Gym Day 16 · functools: lru_cache memoized search — functools 记忆化搜索
#
# **Library files:** `src/dlfs/playground/` (`compare`), `src/dlfs/gym/problems/d16_*.py`.
#
# A recursive search that reaches the same sub-problem many times does exponential work.
# `functools.lru_cache` (or `functools.cache`) stores each result by its arguments, so each
# distinct sub-problem is solved once: the time becomes (number of states) × (work per
# state). Arguments must be hashable (tuples, not lists).

# %%
from functools import lru_cache

from dlfs.curriculum import lesson_context
from dlfs.playground import compare

ctx = lesson_context("gym-lru-cache")
DAY = 16


def ways_naive(n: int) -> int:
    """Ways to climb n stairs with steps of 1 or 2 (Fibonacci): O(phi^n) calls."""
    return 1 if n <= 1 else ways_naive(n - 1) + ways_naive(n - 2)


@lru_cache(maxsize=1024)          # bounded; functools.cache is the unbounded shorthand
def ways_memo(n: int) -> int:
    return 1 if n <= 1 else ways_memo(n - 1) + ways_memo(n - 2)


n = 22 if ctx.quick else 30
assert ways_naive(n) == ways_memo(n)


def memo_fresh() -> int:
    ways_memo.cache_clear()          # time the real work, not a cache lookup
    return ways_memo(n)


results = {r.label: r.min for r in compare(
    {f"naive recursion, n={n}": lambda: ways_naive(n), f"lru_cache, n={n}": memo_fresh},
    repeat=3)}
speedup = results[f"naive recursion, n={n}"] / results[f"lru_cache, n={n}"]
print(f"memoization is {speedup:,.0f}x faster")
assert speedup > 20

# %% [markdown]
# ## How many calls? The cache's statistics tell

# %%
ways_memo.cache_clear()
ways_memo(n)
info = ways_memo.cache_info()
print(info)
assert info.misses == n + 1       # each state 0..n computed once

calls = 0


def ways_counted(k: int) -> int:
    global calls
    calls += 1
    return 1 if k <= 1 else ways_counted(k - 1) + ways_counted(k - 2)


ways_counted(20)
print("naive calls for n=20:", calls)
assert calls == 2 * ways_memo(20) - 1

# %% [markdown]
# ## Traps
# * Recursion depth: Python stops at ~1000 frames; fill the cache bottom-up in chunks or
#   raise `sys.setrecursionlimit` for deep chains (the `climb-stairs` reference does the former).
# * Unhashable arguments: `lru_cache` raises TypeError on a list; pass a tuple.

# %%
try:
    lru_cache(maxsize=None)(len)([1, 2])
except TypeError as exc:
    print("TypeError:", exc)
else:
    raise AssertionError("lists cannot be cache keys")

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
