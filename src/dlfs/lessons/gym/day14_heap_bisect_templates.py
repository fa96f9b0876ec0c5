# %% [markdown]
# # Gym Day 14 · Heap and binary-search templates — 整理堆与二分模板
#
# **Library files:** `src/dlfs/gym/templates.py` (`first_true`, `bisect_float`, `top_k`,
# `MaxHeap`), `tests/gym/test_templates.py`, `src/dlfs/gym/problems/d14_*.py`.
#
# One binary search to remember: **`first_true(lo, hi, pred)`**, the smallest integer in
# [lo, hi) where a monotone predicate turns true (hi if never). Every variant (first >= x,
# last <= x, integer sqrt, minimal capacity) is a choice of `pred`; no off-by-one thinking.

# %%
import math
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import bisect_float, first_true

ctx = lesson_context("gym-heap-bisect-templates")
DAY = 14
rng = random.Random(14)

a = [1, 3, 3, 5, 8]
first_ge_3 = first_true(0, len(a), lambda i: a[i] >= 3)
last_le_4 = first_true(0, len(a), lambda i: a[i] > 4) - 1
assert (first_ge_3, last_le_4) == (1, 2)
print("first index with a[i] >= 3:", first_ge_3, "| last index with a[i] <= 4:", last_le_4)

# %% [markdown]
# ## Integer square root without floats
# `math.sqrt` works in float64; near 10^18 it rounds, and `int(math.sqrt(x))` can be off
# by one. The integer binary search is exact (and agrees with `math.isqrt`).

# %%
x = 10 ** 18 - 1
via_float = int(math.sqrt(x))
via_search = first_true(0, x + 1, lambda r: (r + 1) * (r + 1) > x)
print(f"x = 10^18 - 1: int(sqrt) = {via_float}, binary search = {via_search}")
assert via_search == math.isqrt(x) == 999_999_999 and via_float == 10 ** 9
for _ in range(300):
    v = rng.randrange(10 ** 12)
    assert first_true(0, v + 1, lambda r, v=v: (r + 1) * (r + 1) > v) == math.isqrt(v)

# %% [markdown]
# ## On the reals: bisect_float with a tolerance

# %%
root = bisect_float(0.0, 2.0, lambda t: t ** 3 >= 2.0, eps=1e-12)
assert abs(root - 2 ** (1 / 3)) < 1e-9
print(f"cube root of 2 ~ {root:.9f}")

# %% [markdown]
# ## Heap template: keep the k best in a min-heap of size k
# The root is the worst of the best: the k-th largest. (See Day 10 for `top_k`.)

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
