# %% [markdown]
# # Gym Day 22 · Two pointers / sliding window — 双指针/滑窗专题
#
# **Library files:** `src/dlfs/gym/templates.py` (`two_sum_sorted`,
# `longest_unique_substring`, `min_window`), `src/dlfs/gym/problems/d22_*.py`.
#
# Two pointers replace a double loop when moving one pointer can only help in one
# direction. The sliding-window form: extend `right` every step; move `left` forward while
# the window breaks the rule (or, for "shortest valid", while it still satisfies it). Each
# pointer moves at most n times: O(n).

# %%
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import longest_unique_substring, min_window, two_sum_sorted

ctx = lesson_context("gym-two-pointers")
DAY = 22
rng = random.Random(22)

# %% [markdown]
# ## Why the pair search may discard: sorted input makes each move safe
# If a[i] + a[j] < target, no pair with this i and any j' <= j can work: drop i.

# %%
for _ in range(300):
    a = sorted(rng.randint(-9, 9) for _ in range(rng.randint(0, 10)))
    t = rng.randint(-12, 12)
    got = two_sum_sorted(a, t)
    exists = any(a[i] + a[j] == t for i in range(len(a)) for j in range(i + 1, len(a)))
    assert (got is not None) == exists and (got is None or a[got[0]] + a[got[1]] == t)
print("two pointers find a pair exactly when one exists (300 random cases)")

# %% [markdown]
# ## Longest window with a rule, shortest window with a requirement

# %%
assert longest_unique_substring("abcabcbb") == 3
assert longest_unique_substring("abba") == 2          # left must never move backwards
assert min_window("ADOBECODEBANC", "ABC") == "BANC"
assert min_window("aa", "aa") == "aa" and min_window("a", "b") == ""
print("longest_unique_substring('abba') =", longest_unique_substring("abba"))

# %% [markdown]
# ## When a window does not work
# "Count subarrays with sum k" with negative numbers: growing the window can lower the sum,
# so no pointer move is safe. Use prefix sums + a Counter (Day 6).

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
