# %% [markdown]
# # Gym Day 20 · Timed mixed set (90 minutes) — 综合限时
#
# **Library files:** `src/dlfs/gym/problems/__init__.py`, `src/dlfs/gym/judge.py`,
# `src/dlfs/gym/problems/d20_*.py`.
#
# A timed set mixes topics, so the first skill is classification: read the statement, name
# the pattern, estimate the complexity the limits allow. Rule of thumb for Python: about
# 10^7 simple operations per second, so n = 10^5 allows O(n log n) but not O(n^2).

# %%
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.problems import PROBLEMS

ctx = lesson_context("gym-timed-set")
DAY = 20

rng = random.Random(20)
pool = [p for p in PROBLEMS if p.day < 20]
mixed = rng.sample(pool, 4)
topics = {p.topic for p in mixed}
print("A 90-minute set (one problem per 20 minutes, 10 minutes to review):")
for p in mixed:
    print(f"  dlfs gym show {p.id:<26} day {p.day:>2}, {p.topic}")
assert len(mixed) == 4 and len(topics) >= 3

# %% [markdown]
# ## Budget by n: which complexity fits in about a second of Python?

# %%
budget = 10 ** 7
table = {"O(n^2)": lambda n: n * n, "O(n log n)": lambda n: n * max(1, n.bit_length()),
         "O(n)": lambda n: n}
for n in (10 ** 3, 10 ** 5, 10 ** 6):
    fits = [name for name, cost in table.items() if cost(n) <= budget]
    print(f"n = {n:>9,}: {', '.join(fits)}")
assert table["O(n^2)"](10 ** 5) > budget >= table["O(n log n)"](10 ** 5)

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
