# %% [markdown]
# # Gym Day 7 · Fill the gaps — 补齐遗漏点
#
# **Library files:** `src/dlfs/gym/templates.py` (`diff_array_apply`, `prefix_sums`),
# `src/dlfs/gym/problems/d07_*.py`.
#
# Three small tools that first-week problems keep needing: sets for O(1) membership,
# difference arrays for range updates, and `enumerate`/`zip` instead of index juggling.

# %%
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import diff_array_apply

ctx = lesson_context("gym-fill-gaps")
DAY = 7
rng = random.Random(7)

# %% [markdown]
# ## Sets: membership in O(1), set algebra
# `x in list` scans (O(n)); `x in set` hashes (O(1) on average).

# %%
a, b = {1, 2, 3, 4}, {3, 4, 5}
assert a & b == {3, 4} and a | b == {1, 2, 3, 4, 5} and a - b == {1, 2} and a ^ b == {1, 2, 5}
seen: set[int] = set()
dups = [x for x in [3, 1, 3, 2, 1] if x in seen or seen.add(x)]
assert dups == [3, 1]
print("set algebra ok; duplicates found in one pass:", dups)

# %% [markdown]
# ## Difference arrays: q range additions in O(n + q)
# Add d at l and subtract it after r; one prefix sum at the end rebuilds the array.

# %%
for _ in range(200):
    n = rng.randint(1, 10)
    ups = []
    for _ in range(rng.randint(0, 6)):
        l, r = sorted((rng.randrange(n), rng.randrange(n)))
        ups.append((l, r, rng.randint(-4, 4)))
    naive = [0] * n
    for l, r, d in ups:
        for i in range(l, r + 1):
            naive[i] += d
    assert diff_array_apply(n, ups) == naive
print("diff_array_apply == naive loops on 200 random cases")

# %% [markdown]
# ## enumerate and zip
# Pairs of neighbours with `zip(a, a[1:])`; positions with `enumerate`.

# %%
temps = [3, 5, 4, 8]
rises = [j for j, (x, y) in enumerate(zip(temps, temps[1:]), start=1) if y > x]
assert rises == [1, 3]
print("days with a rise:", rises)

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
