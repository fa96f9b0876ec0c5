# %% [markdown]
# # Gym Day 23 · Binary search on the answer — 二分查找专题
#
# **Library files:** `src/dlfs/gym/templates.py` (`first_true`), `src/dlfs/gym/problems/d23_*.py`.
#
# When a problem asks for the *smallest* value that makes something feasible, and
# feasibility only improves as the value grows, search the value itself: check
# `feasible(mid)` in O(n) and halve the range. Total O(n log range). The two questions to
# answer out loud: (1) why is feasibility monotone? (2) what are the true bounds?

# %%
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import first_true

ctx = lesson_context("gym-binary-search-answer")
DAY = 23
rng = random.Random(23)


def days_needed(weights: list[int], cap: int) -> int:
    days, load = 1, 0
    for w in weights:
        if load + w > cap:
            days, load = days + 1, 0
        load += w
    return days


weights = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
caps = range(max(weights), sum(weights) + 1)
needed = [days_needed(weights, c) for c in caps]
assert all(a >= b for a, b in zip(needed, needed[1:]))      # (1) monotone
best = first_true(max(weights), sum(weights) + 1, lambda c: days_needed(weights, c) <= 5)
print("smallest capacity for 5 days:", best)
assert best == 15 and days_needed(weights, 14) > 5

# %% [markdown]
# ## (2) Bounds: the lower bound is max(w), not 1
# A capacity below the heaviest package never works, but `days_needed` as written would
# happily count it (it puts the heavy package alone on a day) and report a wrong answer.

# %%
tricky = [1, 9]
wrong = first_true(1, sum(tricky) + 1, lambda c: days_needed(tricky, c) <= 2)
right = first_true(max(tricky), sum(tricky) + 1, lambda c: days_needed(tricky, c) <= 2)
print("with lower bound 1:", wrong, "  with lower bound max(w):", right)
assert wrong == 1 and right == 9

# %% [markdown]
# ## Check against a linear scan on random cases

# %%
for _ in range(200):
    w = [rng.randint(1, 9) for _ in range(rng.randint(1, 8))]
    d = rng.randint(1, len(w))
    linear = next(c for c in range(max(w), sum(w) + 1) if days_needed(w, c) <= d)
    assert first_true(max(w), sum(w) + 1, lambda c, w=w, d=d: days_needed(w, c) <= d) == linear
print("binary search == linear scan on 200 random cases")

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
