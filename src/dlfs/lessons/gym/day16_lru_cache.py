# %% [markdown]
# # Gym Day 16 · functools: lru_cache memoized search — functools 记忆化搜索
#
# **Library files:** `src/dlfs/playground/` (`compare`), `src/dlfs/gym/problems/d16_*.py`.
#
# A recursive search that reaches the same sub-problem many times does exponential work.
# `functools.lru_cache` (or `functools.cache`) stores each result by its arguments, so each
# distinct sub-problem is solved once: the time becomes (number of states) × (work per
# state). Arguments must be hashable (tuples, not lists). The example below counts the ways
# to climb $n$ stairs with steps of 1 or 2:
# $$
# \mathrm{ways}(n) = \mathrm{ways}(n-1) + \mathrm{ways}(n-2),
# \qquad \mathrm{ways}(0) = \mathrm{ways}(1) = 1
# $$
# Naive recursion makes $O(\varphi^n)$ calls, $\varphi = (1 + \sqrt{5})/2$; memoized, the
# $n + 1$ states cost $O(n)$.

# %% [markdown] lang="zh"
# # 算法健身房第 16 天 · functools：用 lru_cache 做记忆化搜索
#
# **相关库文件：** `src/dlfs/playground/`（`compare`），`src/dlfs/gym/problems/d16_*.py`。
#
# 如果递归搜索多次到达同一个子问题，工作量就是指数级的。`functools.lru_cache`（或
# `functools.cache`）按参数保存每次的结果，使每个不同的子问题只求解一次：时间变为（状态数）
# ×（每个状态的工作量）。参数必须可哈希（用元组，不要用列表）。下面的例子计算每步走 1 级或 2 级、
# 爬完 $n$ 级台阶的走法数：
# $$
# \mathrm{ways}(n) = \mathrm{ways}(n-1) + \mathrm{ways}(n-2),
# \qquad \mathrm{ways}(0) = \mathrm{ways}(1) = 1
# $$
# 朴素递归要调用 $O(\varphi^n)$ 次，其中 $\varphi = (1 + \sqrt{5})/2$；加上记忆化后，$n + 1$
# 个状态只需 $O(n)$。

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
# Memoized, each state $0, \dots, n$ is computed once: $n + 1$ cache misses. Naive, the
# number of calls obeys $C(n) = 1 + C(n-1) + C(n-2)$ with $C(0) = C(1) = 1$, which gives
# $C(n) = 2\,\mathrm{ways}(n) - 1$.

# %% [markdown] lang="zh"
# ## 调用了多少次？缓存的统计信息会告诉你
# 有记忆化时，状态 $0, \dots, n$ 各计算一次：缓存未命中 $n + 1$ 次。朴素递归的调用次数满足
# $C(n) = 1 + C(n-1) + C(n-2)$，且 $C(0) = C(1) = 1$，由此得 $C(n) = 2\,\mathrm{ways}(n) - 1$。

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

# %% [markdown] lang="zh"
# ## 陷阱
# * 递归深度：Python 在大约 1000 层栈帧处就会停下；对很深的调用链，可以自底向上分块填充缓存，
#   或者调高 `sys.setrecursionlimit`（`climb-stairs` 的参考解答用的是前一种办法）。
# * 不可哈希的参数：传入列表时 `lru_cache` 会抛出 TypeError；请改传元组。

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
